//! Exercise 4.2: the masked loss.
//!
//! Goal: the fine-tuning loss is the pretraining loss, averaged over the answer's tokens only. Once it passes,
//! your loss on a real fine-tuning batch (from `sft::SftData`, padded, with the prompt's targets ignored) equals
//! the loss the library's trainer minimizes.
//! Formula: `L = − Σ_t mask_t · log softmax(logits_t)[target_t] / Σ_t mask_t`, over every row and position of
//! the batch. Where the mask is false the target may be anything, even the padding id −100: it must not be used.
//! Shapes: `logits: [B, T, V]`, `targets: [B, T]` (int64), `mask: [B, T]` (bool).
//! Read: "The masked loss" (book/src/ch04-masked-loss.md).
//! Check: `jielong exercises check 4.2` (add `--hint` for a hint).
//!
//! 练习 4.2：带掩码的损失。
//! 目标：微调的损失就是预训练的损失，只是只在回答的 token 上求平均。通过之后，你在一个真实微调批次（来自
//! `sft::SftData`，已填充，提示部分的目标被忽略）上的损失，与库里训练器所最小化的损失相同。
//! 公式：`L = − Σ_t mask_t · log softmax(logits_t)[target_t] / Σ_t mask_t`，对批次中每一行、每个位置求和。
//! 掩码为 false 的位置，目标可以是任何值，甚至是填充用的 −100：不能用到它。
//! 形状：`logits: [B, T, V]`，`targets: [B, T]`（int64），`mask: [B, T]`（bool）。
//! 阅读：《带掩码的损失》（book/src/ch04-masked-loss.md）。
//! 检查：`jielong exercises check 4.2`（加 `--hint` 可看提示）。

use tch::Tensor;

/// The mean cross-entropy of `logits: [B, T, V]` against `targets: [B, T]` over the positions where
/// `mask: [B, T]` is true; a scalar tensor.
pub fn masked_loss(logits: &Tensor, targets: &Tensor, mask: &Tensor) -> Tensor {
    let _ = (logits, targets, mask);
    todo!("exercise 4.2")
}
