//! Exercise 5.4, a solution.

use tch::{Kind, Tensor};

/// The DPO loss of pairs from the sequence log-probabilities of the chosen and rejected answers under the
/// policy and under the reference, with strength `beta`; a scalar tensor.
pub fn dpo_loss(
    policy_chosen: &Tensor,
    policy_rejected: &Tensor,
    reference_chosen: &Tensor,
    reference_rejected: &Tensor,
    beta: f64,
) -> Tensor {
    let chosen_reward = policy_chosen - reference_chosen; // implicit rewards, up to β
    let rejected_reward = policy_rejected - reference_rejected;
    -((chosen_reward - rejected_reward) * beta)
        .log_sigmoid()
        .mean(Kind::Float)
}
