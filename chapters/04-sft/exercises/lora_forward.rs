//! Exercise 4.3: the LoRA forward (Hu et al., 2022).
//!
//! Goal: low-rank adaptation fine-tunes a few numbers beside a frozen weight matrix. The layer computes its
//! old output plus a correction through a narrow bottleneck of rank `r`: `A` projects the input down to `r`
//! numbers, `B` projects them back up. `B` starts at zero, so fine-tuning starts exactly at the pretrained model.
//! Formula: `y = x Wᵀ + (α/r) · x Aᵀ Bᵀ`, with `x: [.., d_in]`, `W: [d_out, d_in]` (frozen), `A: [r, d_in]`,
//! `B: [d_out, r]`, and `scale = α/r`. (The layer's bias is left out here.)
//! Read: "LoRA: fine-tuning a few parameters" (book/src/ch04-lora.md).
//! Check: `jielong exercises check 4.3` (add `--hint` for a hint).
//!
//! 练习 4.3：低秩适配（LoRA）的前向计算（Hu 等，2022）。
//! 目标：低秩适配在冻结的权重矩阵旁边只微调很少的参数。这一层的输出是原来的输出，加上经过一个秩为 `r` 的窄
//! 瓶颈的修正：`A` 把输入投影到 `r` 个数，`B` 再投影回去。`B` 初始为零，所以微调恰好从预训练模型出发。
//! 公式：`y = x Wᵀ + (α/r) · x Aᵀ Bᵀ`，其中 `x: [.., d_in]`，`W: [d_out, d_in]`（冻结），`A: [r, d_in]`，
//! `B: [d_out, r]`，`scale = α/r`。（这里不考虑该层的偏置。）
//! 阅读：《LoRA：只微调少量参数》（book/src/ch04-lora.md）。
//! 检查：`jielong exercises check 4.3`（加 `--hint` 可看提示）。

use tch::Tensor;

/// `x Wᵀ + scale · x Aᵀ Bᵀ` for `x: [.., d_in]`, `w: [d_out, d_in]`, `a: [r, d_in]`, `b: [d_out, r]`.
pub fn lora_forward(x: &Tensor, w: &Tensor, a: &Tensor, b: &Tensor, scale: f64) -> Tensor {
    let _ = (x, w, a, b, scale);
    todo!("exercise 4.3")
}
