//! Exercise 3.2: the RoPE rotation (Su et al., 2021).
//!
//! Goal: rotary position embedding. Instead of adding a learned position vector, rotate each query and key by
//! an angle that grows with its position: then a query–key dot product depends only on how far apart the two
//! tokens are. Once it passes, your rotation matches the library's `apply_rope`, and the checks show that the
//! score of positions (5, 3) equals that of (105, 103).
//! Formula: for `x: [B, H, T, d]` whose first row sits at position `start`, the feature pair `(i, i + d/2)`
//! at position `p` is rotated by the angle `p · θᵢ`, `θᵢ = 10000^(−2i/d)`, `i = 0 … d/2 − 1`:
//! `(x₁, x₂) ↦ (x₁ cos pθᵢ − x₂ sin pθᵢ, x₁ sin pθᵢ + x₂ cos pθᵢ)`, with `x₁` the first half of the features
//! and `x₂` the second.
//! Read: "Where is a token?" (book/src/ch03-positions.md).
//! Check: `jielong exercises check 3.2` (add `--hint` for a hint).
//!
//! 练习 3.2：旋转位置编码（RoPE）（Su 等，2021）。
//! 目标：不再加一个学出来的位置向量，而是把每个查询和键按随位置增长的角度旋转：这样查询与键的点积只取决于
//! 两个 token 相隔多远。通过之后，你的旋转与库里的 `apply_rope` 一致，检查还会显示位置 (5, 3) 的分数等于
//! (105, 103) 的分数。
//! 公式：对第一行位于位置 `start` 的 `x: [B, H, T, d]`，位置 `p` 上的特征对 `(i, i + d/2)` 旋转角度
//! `p · θᵢ`，`θᵢ = 10000^(−2i/d)`，`i = 0 … d/2 − 1`：
//! `(x₁, x₂) ↦ (x₁ cos pθᵢ − x₂ sin pθᵢ, x₁ sin pθᵢ + x₂ cos pθᵢ)`，`x₁` 为前一半特征，`x₂` 为后一半。
//! 阅读：《token 在哪里？》（book/src/ch03-positions.md）。
//! 检查：`jielong exercises check 3.2`（加 `--hint` 可看提示）。

use tch::Tensor;

/// RoPE of `x: [B, H, T, d]` (`d` even) whose first row sits at position `start`; same shape.
pub fn rope(x: &Tensor, start: i64) -> Tensor {
    let _ = (x, start);
    todo!("exercise 3.2")
}
