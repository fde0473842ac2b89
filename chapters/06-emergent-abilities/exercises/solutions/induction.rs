//! Exercise 6.4, a solution.

use tch::Tensor;

/// The induction score of every head of one layer, from its attention weights `map: [B, H, 2n, 2n]` on
/// sequences repeated after `n` tokens: one number per head.
pub fn induction_score(map: &Tensor, n: usize) -> Vec<f64> {
    let (batch, heads) = (map.size()[0], map.size()[1]);
    let n = n as i64;
    (0..heads)
        .map(|h| {
            let mut total = 0.0;
            for b in 0..batch {
                for i in n..2 * n {
                    total += map.double_value(&[b, h, i, i - n + 1]);
                }
            }
            total / (batch * n) as f64
        })
        .collect()
}
