//! Exercise 2.4, a solution.

/// Whether the training loss `loss` says the run diverged, given the initial loss `initial_loss` and the
/// factor `diverge_factor`.
pub fn diverged(loss: f64, initial_loss: Option<f64>, diverge_factor: f64) -> bool {
    if !loss.is_finite() {
        return true;
    }
    match initial_loss {
        Some(l0) if diverge_factor > 0.0 => loss > diverge_factor * l0,
        _ => false,
    }
}
