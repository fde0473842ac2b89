//! Exercise 1.3: the bigram model by counting.

/// `p[a][b] = (count(a → b) + smoothing) / Σ_c (count(a → c) + smoothing)` over consecutive pairs of `ids`.
pub fn bigram_probabilities(ids: &[i64], vocab_size: usize, smoothing: f64) -> Vec<Vec<f64>> {
    let _ = (ids, vocab_size, smoothing);
    todo!("exercise 1.3")
}

/// Mean of `−ln p[ids[t]][ids[t+1]]` over every consecutive pair.
pub fn cross_entropy(probs: &[Vec<f64>], ids: &[i64]) -> f64 {
    let _ = (probs, ids);
    todo!("exercise 1.3")
}
