//! Exercise 1.4, a solution.

/// `softmax(z / T)` of `logits` at `temperature > 0`, in f64, without overflow for large logits.
pub fn softmax_with_temperature(logits: &[f32], temperature: f64) -> Vec<f64> {
    // subtracting the largest logit changes nothing in the ratio and keeps exp() finite
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let exps: Vec<f64> = logits
        .iter()
        .map(|&z| ((z as f64 - max) / temperature).exp())
        .collect();
    let sum: f64 = exps.iter().sum();
    exps.iter().map(|e| e / sum).collect()
}
