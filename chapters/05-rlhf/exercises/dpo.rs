//! Exercise 5.4: the DPO loss (Rafailov et al., 2023).
//!
//! Goal: direct preference optimization learns from the same pairs as the reward model, but with no reward
//! model and no sampling loop: the policy's own log-probabilities, measured against a frozen reference model,
//! act as an implicit reward. The policy is pushed to raise the chosen answer relative to the reference more
//! than the rejected one; `β` sets how far it may drift.
//! Formula: `L = −mean log σ(β [(log π(c) − log π_ref(c)) − (log π(r) − log π_ref(r))])`, with each argument a
//! tensor of sequence log-probabilities, one per pair, and the result a tensor that carries gradients.
//! Read: "DPO" (book/src/ch05-dpo.md).
//! Check: `jielong exercises check 5.4` (add `--hint` for a hint).
//!
//! 练习 5.4：DPO 损失（Rafailov 等，2023）。
//! 目标：直接偏好优化（DPO）从与奖励模型相同的成对数据中学习，但不需要奖励模型，也不需要采样循环：策略自己的
//! 对数概率相对于一个冻结的参考模型，就是隐含的奖励。它推动策略相对参考模型更多地提高被选中回答的概率、更少地
//! 提高被拒绝回答的概率；`β` 决定策略可以偏离多远。
//! 公式：`L = −mean log σ(β [(log π(c) − log π_ref(c)) − (log π(r) − log π_ref(r))])`，每个参数都是一个张量，
//! 每对样本一个序列对数概率；结果是带梯度的张量。
//! 阅读：《DPO》（book/src/ch05-dpo.md）。
//! 检查：`jielong exercises check 5.4`（加 `--hint` 可看提示）。

use tch::Tensor;

/// The DPO loss of pairs from the sequence log-probabilities of the chosen and rejected answers under the
/// policy and under the reference, with strength `beta`; a scalar tensor.
pub fn dpo_loss(
    policy_chosen: &Tensor,
    policy_rejected: &Tensor,
    reference_chosen: &Tensor,
    reference_rejected: &Tensor,
    beta: f64,
) -> Tensor {
    let _ = (
        policy_chosen,
        policy_rejected,
        reference_chosen,
        reference_rejected,
        beta,
    );
    todo!("exercise 5.4")
}
