//! Exercise 1.3, a solution.

/// `p[a][b] = (count(a → b) + smoothing) / Σ_c (count(a → c) + smoothing)` over consecutive pairs of `ids`.
pub fn bigram_probabilities(ids: &[i64], vocab_size: usize, smoothing: f64) -> Vec<Vec<f64>> {
    let mut counts = vec![vec![smoothing; vocab_size]; vocab_size];
    for pair in ids.windows(2) {
        counts[pair[0] as usize][pair[1] as usize] += 1.0;
    }
    for row in &mut counts {
        let total: f64 = row.iter().sum();
        if total > 0.0 {
            row.iter_mut().for_each(|c| *c /= total);
        }
    }
    counts
}

/// Mean of `−ln p[ids[t]][ids[t+1]]` over every consecutive pair.
pub fn cross_entropy(probs: &[Vec<f64>], ids: &[i64]) -> f64 {
    let pairs = ids.windows(2);
    let n = pairs.len() as f64;
    pairs
        .map(|p| -probs[p[0] as usize][p[1] as usize].ln())
        .sum::<f64>()
        / n
}
