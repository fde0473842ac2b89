//! Exercise 3.1: causal attention.
//!
//! Goal: the heart of the Transformer. Each position's query is compared with the keys of the positions it may
//! see (itself and earlier ones, never later ones), the scores become weights by softmax, and the output is the
//! weighted average of the values. Once it passes, your weights and outputs match the library's attention
//! (the written-out one and libtorch's fused kernel) on random inputs.
//! Formula: `weights = softmax(Q Kᵀ / √d + M)`, `output = weights · V`, with `M = −∞` where a query would see a
//! later key and 0 elsewhere. Shapes: `q: [B, H, T_q, d]`, `k, v: [B, H, T_k, d]`; the queries are the *last*
//! `T_q` of the `T_k` positions (all of them in training; fewer when a KV cache holds the earlier keys), so
//! query `i` sits at position `T_k − T_q + i`.
//! Read: "Attention" (book/src/ch03-attention.md).
//! Check: `jielong exercises check 3.1` (add `--hint` for a hint).
//!
//! 练习 3.1：因果注意力。
//! 目标：Transformer 的核心。每个位置的查询（query）与它能看到的位置（自己和更早的位置，绝不看后面的）的
//! 键（key）比较，分数经 softmax 变成权重，输出是值（value）的加权平均。通过之后，你的权重和输出在随机输入上
//! 与库里的注意力（手写版本和 libtorch 的融合内核）一致。
//! 公式：`weights = softmax(Q Kᵀ / √d + M)`，`output = weights · V`，因果掩码 `M` 在查询会看到更后面的键处为
//! `−∞`，其余为 0。形状：`q: [B, H, T_q, d]`，`k, v: [B, H, T_k, d]`；查询是 `T_k` 个位置中的*最后* `T_q` 个
//! （训练时是全部；KV 缓存保存了前面的键时则更少），所以第 `i` 个查询位于位置 `T_k − T_q + i`。
//! 阅读：《注意力》（book/src/ch03-attention.md）。
//! 检查：`jielong exercises check 3.1`（加 `--hint` 可看提示）。

use tch::Tensor;

/// Causal attention of `q: [B, H, T_q, d]` over `k, v: [B, H, T_k, d]`: the output `[B, H, T_q, d]` and the
/// weights `[B, H, T_q, T_k]` (each row sums to 1, zero on future keys).
pub fn causal_attention(q: &Tensor, k: &Tensor, v: &Tensor) -> (Tensor, Tensor) {
    let _ = (q, k, v);
    todo!("exercise 3.1")
}
