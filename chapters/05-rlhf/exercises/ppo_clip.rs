//! Exercise 5.3: the PPO clipped objective (Schulman et al., 2017).
//!
//! Goal: PPO improves the policy on a batch of its own samples several times, but must not drag it far from
//! the policy that drew them. It clips the probability ratio: once a token's probability has moved by more than
//! `ε` in the helpful direction, its gradient stops. The checks look at the loss *and* at its gradient.
//! Formula: with the ratio `ρ = π_new / π_old = exp(log π_new − log π_old)` and the advantages `A`,
//! `L = −mean min(ρ A, clip(ρ, 1 − ε, 1 + ε) A)`, a tensor that carries gradients to `new_logp`.
//! Read: "PPO" (book/src/ch05-ppo.md).
//! Check: `jielong exercises check 5.3` (add `--hint` for a hint).
//!
//! 练习 5.3：PPO 的裁剪目标（Schulman 等，2017）。
//! 目标：PPO 会在同一批自己采样的数据上多次改进策略，但不能把策略拖离采样时的策略太远。它裁剪概率比：一旦某个
//! token 的概率朝有利方向移动超过 `ε`，它的梯度就停止。检查程序既看损失*也*看它的梯度。
//! 公式：概率比 `ρ = π_new / π_old = exp(log π_new − log π_old)`，优势为 `A`，
//! `L = −mean min(ρ A, clip(ρ, 1 − ε, 1 + ε) A)`，结果是能把梯度传回 `new_logp` 的张量。
//! 阅读：《PPO》（book/src/ch05-ppo.md）。
//! 检查：`jielong exercises check 5.3`（加 `--hint` 可看提示）。

use tch::Tensor;

/// PPO's clipped policy loss for tokens with log-probabilities `new_logp` (the policy being trained) and
/// `old_logp` (the policy that sampled them), advantages `advantages` (all the same shape) and clip `epsilon`.
pub fn ppo_clipped_loss(
    new_logp: &Tensor,
    old_logp: &Tensor,
    advantages: &Tensor,
    epsilon: f64,
) -> Tensor {
    let _ = (new_logp, old_logp, advantages, epsilon);
    todo!("exercise 5.3")
}
