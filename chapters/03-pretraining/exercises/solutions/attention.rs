//! Exercise 3.1, a solution.

use tch::{Kind, Tensor};

/// Causal attention of `q: [B, H, T_q, d]` over `k, v: [B, H, T_k, d]`: the output `[B, H, T_q, d]` and the
/// weights `[B, H, T_q, T_k]` (each row sums to 1, zero on future keys).
pub fn causal_attention(q: &Tensor, k: &Tensor, v: &Tensor) -> (Tensor, Tensor) {
    let (t_q, d) = (q.size()[2], q.size()[3]);
    let t_k = k.size()[2];
    let scores = q.matmul(&k.transpose(-2, -1)) / (d as f64).sqrt();
    // query i sits at position t_k − t_q + i: keys after it are the future
    let future = Tensor::ones([t_q, t_k], (Kind::Bool, q.device())).triu(t_k - t_q + 1);
    let weights = scores
        .masked_fill(&future, f64::NEG_INFINITY)
        .softmax(-1, Kind::Float);
    (weights.matmul(v), weights)
}
