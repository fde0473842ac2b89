//! Chapter 5's arithmetic against values worked out by hand: Bradley–Terry, DPO, the KL estimate, GAE,
//! PPO's clipped loss and GRPO's group advantages.

use jielong::rl::{
    bradley_terry_loss, dpo_loss, gae, group_advantages, kl_estimate, pairwise_accuracy,
    ppo_clipped_loss,
};
use tch::{Kind, Tensor};

fn t(values: &[f64]) -> Tensor {
    Tensor::from_slice(values).to_kind(Kind::Float)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn bradley_terry_loss_is_the_mean_negative_log_sigmoid_of_the_margin() {
    // pairs with margins 2 and −1: −(log σ(2) + log σ(−1)) / 2 = (0.126928 + 1.313262) / 2
    let loss = bradley_terry_loss(&t(&[2.0, 0.0]), &t(&[0.0, 1.0])).double_value(&[]);
    assert!(close(loss, 0.720_094_849), "{loss}");
    // equal rewards: the model cannot tell, the loss is ln 2
    let tie = bradley_terry_loss(&t(&[0.3]), &t(&[0.3])).double_value(&[]);
    assert!(close(tie, std::f64::consts::LN_2));
    // one of three pairs ranked right; a tie is not a win
    let accuracy = pairwise_accuracy(&t(&[2.0, 0.0, 1.0]), &t(&[0.0, 1.0, 1.0]));
    assert!(close(accuracy, 1.0 / 3.0), "{accuracy}");
}

#[test]
fn dpo_loss_matches_the_formula_and_is_ln2_at_the_reference() {
    // margin = (−1 − (−1.5)) − (−2 − (−1.5)) = 1, β = 0.5: −log σ(0.5) = 0.474077
    let loss = dpo_loss(&t(&[-1.0]), &t(&[-2.0]), &t(&[-1.5]), &t(&[-1.5]), 0.5).double_value(&[]);
    assert!(close(loss, 0.474_076_984), "{loss}");
    // a policy equal to its reference: no margin, loss ln 2, whatever β
    let same = t(&[-3.0, -0.5]);
    let other = t(&[-1.0, -2.5]);
    for beta in [0.1, 1.0] {
        let at_start = dpo_loss(&same, &other, &same, &other, beta).double_value(&[]);
        assert!(close(at_start, std::f64::consts::LN_2));
    }
}

#[test]
fn kl_estimate_is_zero_for_identical_policies_and_k3_otherwise() {
    let logp = t(&[-0.2, -1.7, -3.1]);
    assert_eq!(kl_estimate(&logp, &logp), 0.0);
    // log r = −1: e^(−1) − 1 + 1 = 0.367879
    assert!(close(kl_estimate(&t(&[-1.0]), &t(&[-2.0])), 0.367_879_441));
    // never negative
    assert!(kl_estimate(&t(&[-2.0, -0.1]), &t(&[-0.5, -3.0])) > 0.0);
}

#[test]
fn gae_matches_a_hand_worked_episode() {
    // rewards 0, 0, 1; values 0.5, 0.6, 0.7; γ = 0.9, λ = 0.8
    // δ₂ = 1 − 0.7 = 0.3                      A₂ = 0.3
    // δ₁ = 0.9·0.7 − 0.6 = 0.03               A₁ = 0.03 + 0.72·0.3 = 0.246
    // δ₀ = 0.9·0.6 − 0.5 = 0.04               A₀ = 0.04 + 0.72·0.246 = 0.21712
    let (adv, ret) = gae(&[0.0, 0.0, 1.0], &[0.5, 0.6, 0.7], 0.9, 0.8);
    for (got, want) in adv.iter().zip([0.21712, 0.246, 0.3]) {
        assert!(close(*got, want), "{adv:?}");
    }
    for (got, want) in ret.iter().zip([0.71712, 0.846, 1.0]) {
        assert!(close(*got, want), "{ret:?}");
    }
    // λ = 1, γ = 1: the reward still to come minus the value
    let (mc, _) = gae(&[0.0, 0.0, 1.0], &[0.5, 0.6, 0.7], 1.0, 1.0);
    for (got, want) in mc.iter().zip([0.5, 0.4, 0.3]) {
        assert!(close(*got, want), "{mc:?}");
    }
    // λ = 0: the one-step TD error
    let (td, _) = gae(&[0.0, 0.0, 1.0], &[0.5, 0.6, 0.7], 0.9, 0.0);
    for (got, want) in td.iter().zip([0.04, 0.03, 0.3]) {
        assert!(close(*got, want), "{td:?}");
    }
}

#[test]
fn ppo_clips_the_ratio_and_stops_the_gradient_past_the_clip() {
    let old = t(&[-1.0]);
    // unchanged policy: ratio 1, loss = −A
    assert!(close(
        ppo_clipped_loss(&old, &old, &t(&[2.0]), 0.2).double_value(&[]),
        -2.0
    ));
    // ratio e^0.5 = 1.6487 with A = +1: clipped to 1.2; with A = −1 the unclipped term is smaller
    let new = t(&[-0.5]).set_requires_grad(true);
    let gained = ppo_clipped_loss(&new, &old, &t(&[1.0]), 0.2);
    assert!(close(gained.double_value(&[]), -1.2));
    gained.backward();
    assert_eq!(
        new.grad().double_value(&[0]),
        0.0,
        "past the clip there is no gradient"
    );
    let lost = ppo_clipped_loss(&new.detach(), &old, &t(&[-1.0]), 0.2).double_value(&[]);
    assert!(close(lost, 1.648_721_271), "{lost}");
}

#[test]
fn group_advantages_compare_each_reward_with_its_group() {
    let adv = group_advantages(&[1.0, 0.0, 0.0, 1.0]);
    // mean 0.5, standard deviation 0.5
    for (got, want) in adv.iter().zip([1.0, -1.0, -1.0, 1.0]) {
        assert!((got - want).abs() < 1e-5, "{adv:?}");
    }
    assert_eq!(group_advantages(&[0.7, 0.7, 0.7]), vec![0.0, 0.0, 0.0]);
}
