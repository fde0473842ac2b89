//! Learning from feedback (chapter 5): the losses and estimates of RLHF, written out.
//!
//! In fine-tuning the model is told every token of the answer. Here it only learns how good a whole answer
//! was. This module holds the arithmetic of that idea, each piece a small function on tensors or numbers so
//! that it can be checked by hand:
//!
//! * [`bradley_terry_loss`]: a reward model learns from pairs "A is better than B";
//! * [`kl_estimate`]: how far the policy has drifted from the reference model it started as;
//! * [`gae`]: generalized advantage estimation, how much better each step went than expected;
//! * [`ppo_clipped_loss`]: PPO's policy loss, which refuses to move too far on one batch;
//! * [`group_advantages`]: GRPO's advantage, a reward compared with its group's mean, no value model;
//! * [`dpo_loss`]: DPO, which learns from the same pairs with no reward model and no sampling loop.

pub mod dpo;
pub mod ppo;
pub mod rollout;

use tch::{Kind, Tensor};

// ANCHOR: bradley_terry
/// The Bradley–Terry loss of a reward model on preference pairs: the probability that the chosen answer
/// beats the rejected one is modelled as `σ(r_chosen − r_rejected)`, and the loss is its negative log,
/// averaged over the pairs:
///
/// `L = −mean log σ(r_c − r_r)`.
pub fn bradley_terry_loss(chosen: &Tensor, rejected: &Tensor) -> Tensor {
    -(chosen - rejected).log_sigmoid().mean(Kind::Float)
}
// ANCHOR_END: bradley_terry

/// The fraction of pairs a reward model ranks right: `r_chosen > r_rejected`.
pub fn pairwise_accuracy(chosen: &Tensor, rejected: &Tensor) -> f64 {
    chosen
        .gt_tensor(rejected)
        .to_kind(Kind::Float)
        .mean(Kind::Float)
        .double_value(&[])
}

// ANCHOR: dpo
/// Direct preference optimization (Rafailov et al., 2023) on pairs, from the sequence log-probabilities of
/// the chosen and rejected answers under the policy `π` and the frozen reference `π_ref`:
///
/// `L = −mean log σ(β [(log π(c) − log π_ref(c)) − (log π(r) − log π_ref(r))])`.
///
/// The policy is pushed to raise the chosen answer relative to the reference more than the rejected one;
/// `β` sets how far it may drift (it plays the KL penalty's part).
pub fn dpo_loss(
    policy_chosen: &Tensor,
    policy_rejected: &Tensor,
    reference_chosen: &Tensor,
    reference_rejected: &Tensor,
    beta: f64,
) -> Tensor {
    let margin = (policy_chosen - reference_chosen) - (policy_rejected - reference_rejected);
    -(margin * beta).log_sigmoid().mean(Kind::Float)
}
// ANCHOR_END: dpo

// ANCHOR: kl
/// An estimate of `KL(π ‖ π_ref)` from the log-probabilities both models gave the tokens the policy
/// sampled: the mean of `k₃ = (r − 1) − log r` with `r = π_ref / π` (Schulman, "Approximating KL
/// divergence", 2020). Unbiased, never negative, and exactly 0 when the two models agree.
pub fn kl_estimate(policy_logp: &Tensor, reference_logp: &Tensor) -> f64 {
    let log_ratio = reference_logp - policy_logp;
    (log_ratio.exp() - 1.0 - &log_ratio)
        .mean(Kind::Float)
        .double_value(&[])
}
// ANCHOR_END: kl

// ANCHOR: gae
/// Generalized advantage estimation (Schulman et al., 2016) for one episode of `T` steps: with the temporal
/// difference `δₜ = rₜ + γ V(sₜ₊₁) − V(sₜ)` (and `V = 0` after the last step),
///
/// `Aₜ = δₜ + γλ Aₜ₊₁`,
///
/// computed backwards. Returns the advantages and the returns `Aₜ + V(sₜ)`, the value model's targets.
/// `λ = 1` gives the Monte-Carlo advantage, `λ = 0` the one-step TD error.
pub fn gae(rewards: &[f64], values: &[f64], gamma: f64, lambda: f64) -> (Vec<f64>, Vec<f64>) {
    assert_eq!(rewards.len(), values.len(), "one value per step");
    let t = rewards.len();
    let mut advantages = vec![0.0; t];
    let mut next_advantage = 0.0;
    for i in (0..t).rev() {
        let next_value = if i + 1 < t { values[i + 1] } else { 0.0 };
        let delta = rewards[i] + gamma * next_value - values[i];
        next_advantage = delta + gamma * lambda * next_advantage;
        advantages[i] = next_advantage;
    }
    let returns = advantages.iter().zip(values).map(|(a, v)| a + v).collect();
    (advantages, returns)
}
// ANCHOR_END: gae

// ANCHOR: ppo
/// PPO's clipped policy loss (Schulman et al., 2017) for tokens with advantages `A`: with the probability
/// ratio `ρ = π_new / π_old`,
///
/// `L = −mean min(ρ A, clip(ρ, 1 − ε, 1 + ε) A)`.
///
/// Once a token's probability has moved by more than `ε` in the helpful direction, its gradient stops: one
/// batch of samples cannot drag the policy far from the one that drew them.
pub fn ppo_clipped_loss(
    new_logp: &Tensor,
    old_logp: &Tensor,
    advantages: &Tensor,
    epsilon: f64,
) -> Tensor {
    let ratio = (new_logp - old_logp).exp();
    let unclipped = &ratio * advantages;
    let clipped = ratio.clamp(1.0 - epsilon, 1.0 + epsilon) * advantages;
    -unclipped.minimum(&clipped).mean(Kind::Float)
}
// ANCHOR_END: ppo

// ANCHOR: group_advantages
/// GRPO's advantages (Shao et al., 2024) for several answers to the same prompt: each reward compared with
/// the group, `Aᵢ = (rᵢ − mean r) / (std r + 1e-6)`. No value model: the group is the baseline. A group whose
/// answers all scored the same teaches nothing (every advantage is 0).
pub fn group_advantages(rewards: &[f64]) -> Vec<f64> {
    let n = rewards.len().max(1) as f64;
    let mean = rewards.iter().sum::<f64>() / n;
    let std = (rewards.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / n).sqrt();
    if std < 1e-9 {
        return vec![0.0; rewards.len()]; // all alike (up to rounding): nothing to prefer
    }
    rewards.iter().map(|r| (r - mean) / (std + 1e-6)).collect()
}
// ANCHOR_END: group_advantages
