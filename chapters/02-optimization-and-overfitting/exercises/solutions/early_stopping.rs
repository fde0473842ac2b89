//! Exercise 2.3, a solution.

/// Where early stopping with `patience` stops on the validation losses `val_losses` of successive
/// evaluations: `Some((stop, best))` as indices, or `None` if it never stops.
pub fn early_stop(val_losses: &[f64], patience: usize) -> Option<(usize, usize)> {
    if patience == 0 {
        return None;
    }
    let mut best: Option<usize> = None;
    let mut since_best = 0;
    for (i, &loss) in val_losses.iter().enumerate() {
        match best {
            Some(b) if loss >= val_losses[b] => since_best += 1,
            _ => (best, since_best) = (Some(i), 0),
        }
        if since_best >= patience {
            return best.map(|b| (i, b));
        }
    }
    None
}
