//! Exercise 1.1: min-p sampling.

/// Keep every token whose probability is at least `min_p × max(probs)`, zero the others, renormalise.
pub fn min_p_filter(probs: &mut [f64], min_p: f64) {
    let _ = (probs, min_p);
    todo!("exercise 1.1")
}
