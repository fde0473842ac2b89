//! Exercise 6.4: the induction score (Olsson et al., 2022).
//!
//! Goal: an induction head completes patterns: having seen `… A B … A`, it looks back at what followed the
//! earlier `A` and predicts `B`. Measure how much a head does that. Feed the model random tokens written twice,
//! `[x₁ … xₙ, x₁ … xₙ]`; at position `i` of the second copy, an induction head attends to position `i − n + 1`,
//! the token that followed the current token's earlier occurrence. Once it passes, your scores equal the
//! library's (`eval::induction_scores`) on a real GPT's attention maps.
//! Formula: for one layer's attention weights `map: [B, H, 2n, 2n]` (`map[b, h, i, j]`: how much query `i`
//! attends to key `j`), the score of head `h` is the mean of `map[b, h, i, i − n + 1]` over the batch `b` and
//! the positions `i = n … 2n − 1`. 1 for a perfect induction head, near 0 for a head that looks elsewhere.
//! Read: "Induction heads" (book/src/ch06-induction-heads.md), Listing 6.20.
//! Check: `jielong exercises check 6.4` (add `--hint` for a hint).
//!
//! 练习 6.4：归纳头得分（Olsson 等，2022）。
//! 目标：归纳头会补全模式：见过 `… A B … A` 之后，它回头看先前的 `A` 后面跟着什么，于是预测 `B`。请测量一个
//! 注意力头在多大程度上这样做。给模型输入写了两遍的随机 token `[x₁ … xₙ, x₁ … xₙ]`；在第二遍的位置 `i`，
//! 归纳头会注意位置 `i − n + 1`，也就是当前 token 上一次出现时紧跟其后的那个 token。通过之后，你的得分在一个
//! 真实 GPT 的注意力图上与库里的（`eval::induction_scores`）相同。
//! 公式：对某一层的注意力权重 `map: [B, H, 2n, 2n]`（`map[b, h, i, j]` 表示查询 `i` 对键 `j` 的注意力），
//! 头 `h` 的得分是 `map[b, h, i, i − n + 1]` 在批次 `b` 与位置 `i = n … 2n − 1` 上的平均。完美的归纳头得 1，
//! 看别处的头接近 0。
//! 阅读：《归纳头》（book/src/ch06-induction-heads.md），代码清单 6.20。
//! 检查：`jielong exercises check 6.4`（加 `--hint` 可看提示）。

use tch::Tensor;

/// The induction score of every head of one layer, from its attention weights `map: [B, H, 2n, 2n]` on
/// sequences repeated after `n` tokens: one number per head.
pub fn induction_score(map: &Tensor, n: usize) -> Vec<f64> {
    let _ = (map, n);
    todo!("exercise 6.4")
}
