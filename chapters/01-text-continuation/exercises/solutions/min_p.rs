//! Exercise 1.1, a solution.

/// Keep every token whose probability is at least `min_p × max(probs)`, zero the others, renormalise.
pub fn min_p_filter(probs: &mut [f64], min_p: f64) {
    let threshold = min_p * probs.iter().copied().fold(0.0, f64::max);
    probs
        .iter_mut()
        .filter(|q| **q < threshold)
        .for_each(|q| *q = 0.0);
    let sum: f64 = probs.iter().sum();
    probs.iter_mut().for_each(|q| *q /= sum);
}
