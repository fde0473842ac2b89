//! Exercise 4.4: the LoRA merge.
//!
//! Goal: after fine-tuning, the adapter can be folded into the weight matrix: one plain matrix again, and the
//! adapted model costs nothing extra when it answers. Once it passes, the checks merge the adapters of a real
//! GPT with your function and show that the merged plain model gives the same logits as the adapted one.
//! Formula: `W' = W + (α/r) · B A`, with `W: [d_out, d_in]`, `A: [r, d_in]`, `B: [d_out, r]`, `scale = α/r`;
//! then `x W'ᵀ = x Wᵀ + (α/r) x Aᵀ Bᵀ` for every `x`.
//! Read: "LoRA: fine-tuning a few parameters" (book/src/ch04-lora.md).
//! Check: `jielong exercises check 4.4` (add `--hint` for a hint).
//!
//! 练习 4.4：合并 LoRA。
//! 目标：微调结束后，适配器可以并入权重矩阵：又变回一个普通矩阵，适配后的模型回答时不再有额外开销。通过之后，
//! 检查程序会用你的函数合并一个真实 GPT 的适配器，并显示合并后的普通模型与带适配器的模型给出相同的 logits。
//! 公式：`W' = W + (α/r) · B A`，其中 `W: [d_out, d_in]`，`A: [r, d_in]`，`B: [d_out, r]`，`scale = α/r`；
//! 于是对任意 `x` 都有 `x W'ᵀ = x Wᵀ + (α/r) x Aᵀ Bᵀ`。
//! 阅读：《LoRA：只微调少量参数》（book/src/ch04-lora.md）。
//! 检查：`jielong exercises check 4.4`（加 `--hint` 可看提示）。

use tch::Tensor;

/// The merged weight `W + scale · B A` for `w: [d_out, d_in]`, `a: [r, d_in]`, `b: [d_out, r]`.
pub fn merge(w: &Tensor, a: &Tensor, b: &Tensor, scale: f64) -> Tensor {
    let _ = (w, a, b, scale);
    todo!("exercise 4.4")
}
