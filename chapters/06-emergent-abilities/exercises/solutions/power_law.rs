//! Exercise 6.1, a solution.

/// The scale `a` and exponent `k` of `y = a · xᵏ` fitted to `points` `(x, y)` by least squares on the
/// logarithms, or `None` when no line fits.
pub fn fit_power_law(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let logs: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    if logs.len() < 2 {
        return None;
    }
    let n = logs.len() as f64;
    let mean_x = logs.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = logs.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = logs.iter().map(|(x, _)| (x - mean_x).powi(2)).sum();
    let sxy: f64 = logs.iter().map(|(x, y)| (x - mean_x) * (y - mean_y)).sum();
    if sxx < 1e-12 {
        return None; // every x the same: no slope
    }
    let k = sxy / sxx;
    Some(((mean_y - k * mean_x).exp(), k))
}
