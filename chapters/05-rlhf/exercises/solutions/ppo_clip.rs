//! Exercise 5.3, a solution.

use tch::{Kind, Tensor};

/// PPO's clipped policy loss for tokens with log-probabilities `new_logp` (the policy being trained) and
/// `old_logp` (the policy that sampled them), advantages `advantages` (all the same shape) and clip `epsilon`.
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
