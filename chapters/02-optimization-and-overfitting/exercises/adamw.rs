//! Exercise 2.1: the AdamW update (Kingma & Ba, 2015; Loshchilov & Hutter, 2019).
//!
//! Goal: one AdamW step for one parameter tensor. Once it passes, the checks train the chapter's tiny GPT with
//! *your* update in place of the library's and compare the two loss curves step by step.
//! Formulas, with `g` the gradient and `t` the step number (1 at the first step):
//! `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `m̂ = m / (1−β₁ᵗ)`, `v̂ = v / (1−β₂ᵗ)`,
//! `θ ← θ − lr · ( m̂ / (√v̂ + ε) + λθ )` with `ε = 1e-8`; the decay term `λθ` only for matrices
//! (`theta.dim() ≥ 2`), not for biases and norms. `β₁, β₂, λ` are `cfg.beta1`, `cfg.beta2`, `cfg.weight_decay`.
//! Read: "SGD with momentum and AdamW" (book/src/ch02-optimizers.md), Listing 2.6.
//! Check: `jielong exercises check 2.1` (add `--hint` for a hint).
//!
//! 练习 2.1：AdamW 更新（Kingma 与 Ba，2015；Loshchilov 与 Hutter，2019）。
//! 目标：对一个参数张量做一步 AdamW。通过之后，检查程序会用*你的*更新代替库里的更新来训练本章的小 GPT，
//! 并逐步比较两条损失曲线。
//! 公式（`g` 为梯度，`t` 为步数，第一步为 1）：
//! `m ← β₁m + (1−β₁)g`，`v ← β₂v + (1−β₂)g²`，`m̂ = m / (1−β₁ᵗ)`，`v̂ = v / (1−β₂ᵗ)`，
//! `θ ← θ − lr · ( m̂ / (√v̂ + ε) + λθ )`，`ε = 1e-8`；权重衰减项 `λθ` 只用于矩阵（`theta.dim() ≥ 2`），
//! 不用于偏置和归一化层。`β₁、β₂、λ` 分别是 `cfg.beta1`、`cfg.beta2`、`cfg.weight_decay`。
//! 阅读：《带动量的 SGD 与 AdamW》（book/src/ch02-optimizers.md），代码清单 2.6。
//! 检查：`jielong exercises check 2.1`（加 `--hint` 可看提示）。

use jielong::train::TrainConfig;
use tch::Tensor;

/// One AdamW step at step number `t` (1, 2, …) with learning rate `lr`: from the parameter `theta`, its
/// gradient `grad` and the moments `m`, `v` before the step, return `(θ, m, v)` after it.
pub fn adamw_update(
    theta: &Tensor,
    grad: &Tensor,
    m: &Tensor,
    v: &Tensor,
    t: i32,
    lr: f64,
    cfg: &TrainConfig,
) -> (Tensor, Tensor, Tensor) {
    let _ = (theta, grad, m, v, t, lr, cfg);
    todo!("exercise 2.1")
}
