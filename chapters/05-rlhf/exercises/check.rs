//! Checks for chapter 5's exercises. `jielong exercises check 5.3` (or `cargo test --features student --test
//! ch05_exercises -- ex5_3`) checks your answer; without the feature the same checks run on the reference
//! solutions, so CI knows that they pass on a right answer. A test named `exN_K_…` checks exercise N.K.

jielong::exercise_answers!(bradley_terry, dpo, gae, ppo_clip);

#[path = "../../../tests/common/mod.rs"]
mod common;

use answer::bradley_terry::bradley_terry_loss;
use answer::dpo::dpo_loss;
use answer::gae::gae;
use answer::ppo_clip::ppo_clipped_loss;
use jielong::exercises::expect;
use jielong::reward::ScalarHead;
use jielong::rl;
use jielong::train::{AdamW, TrainConfig};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, Tensor};

fn t(values: &[f64]) -> Tensor {
    Tensor::from_slice(values).to_kind(Kind::Float)
}

/// The gradient of `loss(x)` with respect to `x`, with a plain message when the loss carries none.
fn gradient(what: &str, x: &[f64], loss: impl Fn(&Tensor) -> Tensor) -> Vec<f64> {
    let x = t(x).set_requires_grad(true);
    let l = loss(&x);
    if !l.requires_grad() {
        panic!(
            "{what}\n    expected a loss tensor that carries gradients (built from tensor operations on the inputs)\n    got a tensor without a gradient: was it computed in f64 and turned back into a tensor?"
        );
    }
    l.backward();
    expect::values(&x.grad())
}

#[test]
fn ex5_1_one_pair_by_hand() {
    let loss = bradley_terry_loss(&t(&[0.7]), &t(&[0.2]));
    expect::close(
        "bradley_terry_loss(chosen 0.7, rejected 0.2) = −ln σ(0.5) = ln(1 + e^(−0.5))",
        (1.0 + (-0.5f64).exp()).ln(),
        expect::scalar("the loss is one number", &loss),
        1e-6,
    );
    let shifted = bradley_terry_loss(&t(&[5.7]), &t(&[5.2]));
    expect::close(
        "the same pair with both scores 5 higher: only the difference counts",
        (1.0 + (-0.5f64).exp()).ln(),
        expect::scalar("the loss is one number", &shifted),
        1e-5,
    );
    let untrained = bradley_terry_loss(&t(&[0.0, 0.0]), &t(&[0.0, 0.0]));
    expect::close(
        "two pairs scored 0 and 0 (an untrained head): ln 2",
        2f64.ln(),
        expect::scalar("one number", &untrained),
        1e-6,
    );
}

#[test]
fn ex5_1_a_badly_wrong_pair_costs_its_margin_not_infinity() {
    let loss = bradley_terry_loss(&t(&[-50.0]), &t(&[50.0]));
    expect::close(
        "bradley_terry_loss(chosen −50, rejected 50): −log σ(−100) ≈ 100 (log(sigmoid(x)) underflows to ∞)",
        100.0,
        expect::scalar("the loss is one number", &loss),
        1e-3,
    );
}

#[test]
fn ex5_1_matches_the_library_and_its_gradient() {
    let chosen = [0.3, -1.2, 2.0, 0.0, 0.8];
    let rejected = [0.1, 0.4, -1.0, 0.5, 0.8];
    expect::close(
        "bradley_terry_loss of five pairs, against rl::bradley_terry_loss",
        expect::scalar("", &rl::bradley_terry_loss(&t(&chosen), &t(&rejected))),
        expect::scalar(
            "the loss is one number",
            &bradley_terry_loss(&t(&chosen), &t(&rejected)),
        ),
        1e-6,
    );
    let what = "the gradient of the loss with respect to the chosen scores";
    expect::close_all(
        what,
        &gradient(what, &chosen, |c| rl::bradley_terry_loss(c, &t(&rejected))),
        &gradient(what, &chosen, |c| bradley_terry_loss(c, &t(&rejected))),
        1e-6,
    );
}

#[test]
fn ex5_1_your_loss_trains_a_reward_head_like_the_librarys() {
    let _torch = common::torch_lock();
    let model = common::seeded_model(&common::tiny_gpt(40), 2);
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let mut answers = |n: usize| {
        let ids: Vec<i64> = (0..n * 8).map(|_| rng.random_range(0..40)).collect();
        Tensor::from_slice(&ids).view([n as i64, 8])
    };
    // the last position's hidden state of 16 chosen and 16 rejected "answers"
    let last = |ids: &Tensor| {
        let (_, hidden) = model
            .forward_with_hidden(ids, false)
            .expect("a GPT has hidden states");
        hidden.select(1, 7).detach()
    };
    let (chosen, rejected) = (last(&answers(16)), last(&answers(16)));
    let cfg = TrainConfig {
        weight_decay: 0.0,
        ..TrainConfig::default()
    };
    let curve = |loss_fn: &dyn Fn(&Tensor, &Tensor) -> Tensor| {
        let head = ScalarHead::new(32, Device::Cpu);
        let mut opt = AdamW::over(head.params(), &cfg);
        (0..20)
            .map(|_| {
                opt.zero_grad();
                let loss = loss_fn(
                    &head.forward(&chosen.unsqueeze(1)),
                    &head.forward(&rejected.unsqueeze(1)),
                );
                loss.backward();
                opt.step(0.05);
                loss.double_value(&[])
            })
            .collect::<Vec<f64>>()
    };
    let library = curve(&rl::bradley_terry_loss);
    let yours = curve(&|c: &Tensor, r: &Tensor| {
        let loss = bradley_terry_loss(c, r);
        assert!(
            loss.requires_grad(),
            "your loss carries no gradient, so it cannot train the reward head"
        );
        loss
    });
    expect::close_all(
        "20 steps of a reward head on a GPT's hidden states trained with your loss, against rl::bradley_terry_loss",
        &library,
        &yours,
        1e-5,
    );
}

#[test]
fn ex5_2_the_books_episode_by_hand() {
    // rewards: −β·log-ratio per token (β = 0.2), plus the reward model's 1.0 at the end
    let rewards = [-0.1, 0.02, 0.98];
    let values = [0.2, 0.4, 0.9];
    let (adv, ret) = gae(&rewards, &values, 1.0, 0.95);
    expect::close_all(
        "advantages of rewards [−0.1, 0.02, 0.98], values [0.2, 0.4, 0.9], γ 1, λ 0.95: δ = [0.1, 0.52, 0.08], then backwards",
        &[0.1 + 0.95 * (0.52 + 0.95 * 0.08), 0.52 + 0.95 * 0.08, 0.08],
        &adv,
        1e-9,
    );
    expect::close_all("the returns A + V", &[0.8662, 0.996, 0.98], &ret, 1e-9);
    let (adv, _) = gae(&rewards, &values, 1.0, 1.0);
    expect::close_all(
        "the same episode with λ = 1: the reward to come [0.9, 1.0, 0.98] minus the value",
        &[0.7, 0.6, 0.08],
        &adv,
        1e-9,
    );
    let (adv, _) = gae(&rewards, &values, 1.0, 0.0);
    expect::close_all(
        "with λ = 0: the one-step TD errors δ",
        &[0.1, 0.52, 0.08],
        &adv,
        1e-9,
    );
}

#[test]
fn ex5_2_matches_the_library_on_random_episodes() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for case in 0..50 {
        let n = rng.random_range(1..12);
        let rewards: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let values: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let (gamma, lambda) = (rng.random_range(0.8..1.0), rng.random_range(0.0..1.0));
        let (adv, ret) = gae(&rewards, &values, gamma, lambda);
        let (lib_adv, lib_ret) = rl::gae(&rewards, &values, gamma, lambda);
        let what = format!(
            "episode {case}: rewards {rewards:.3?}, values {values:.3?}, γ {gamma:.3}, λ {lambda:.3}"
        );
        expect::close_all(
            &format!("{what}: advantages, against rl::gae"),
            &lib_adv,
            &adv,
            1e-12,
        );
        expect::close_all(
            &format!("{what}: returns, against rl::gae"),
            &lib_ret,
            &ret,
            1e-12,
        );
    }
}

#[test]
fn ex5_3_four_tokens_by_hand() {
    // ratios 1.5, 0.5, 0.5, 1.5 with advantages +1, +1, −1, −1 and ε = 0.2:
    // min(1.5, 1.2) = 1.2; min(0.5, 0.8) = 0.5; min(−0.5, −0.8) = −0.8; min(−1.5, −1.2) = −1.5
    let new = [1.5f64.ln(), 0.5f64.ln(), 0.5f64.ln(), 1.5f64.ln()];
    let (old, adv) = (t(&[0.0; 4]), t(&[1.0, 1.0, -1.0, -1.0]));
    expect::close(
        "ppo_clipped_loss of ratios [1.5, 0.5, 0.5, 1.5], advantages [1, 1, −1, −1], ε 0.2: −mean(1.2, 0.5, −0.8, −1.5)",
        0.15,
        expect::scalar(
            "the loss is one number",
            &ppo_clipped_loss(&t(&new), &old, &adv, 0.2),
        ),
        1e-6,
    );
    let what = "the gradient with respect to log π_new: 0 where the clip holds (tokens 1 and 3), −ρA/4 elsewhere";
    expect::close_all(
        what,
        &[0.0, -0.125, 0.0, 0.375],
        &gradient(what, &new, |x| ppo_clipped_loss(x, &old, &adv, 0.2)),
        1e-6,
    );
}

#[test]
fn ex5_3_matches_the_library_and_its_gradient() {
    let new = [0.1, -0.3, 0.25, -0.05, 0.4, -0.6];
    let old = t(&[0.0, 0.0, 0.1, -0.1, 0.0, -0.2]);
    let adv = t(&[1.0, -0.5, 2.0, 0.3, -1.0, 0.7]);
    let what = "ppo_clipped_loss on six tokens, ε 0.2";
    expect::close(
        &format!("{what}, against rl::ppo_clipped_loss"),
        expect::scalar("", &rl::ppo_clipped_loss(&t(&new), &old, &adv, 0.2)),
        expect::scalar(
            "the loss is one number",
            &ppo_clipped_loss(&t(&new), &old, &adv, 0.2),
        ),
        1e-6,
    );
    let what = format!("{what}: the gradient with respect to log π_new, against the library's");
    expect::close_all(
        &what,
        &gradient(&what, &new, |x| rl::ppo_clipped_loss(x, &old, &adv, 0.2)),
        &gradient(&what, &new, |x| ppo_clipped_loss(x, &old, &adv, 0.2)),
        1e-6,
    );
}

#[test]
fn ex5_4_the_books_pair_by_hand() {
    // chosen: reference −12, policy −11 (implicit reward +1); rejected: reference −10, policy −12 (−2)
    let loss = dpo_loss(&t(&[-11.0]), &t(&[-12.0]), &t(&[-12.0]), &t(&[-10.0]), 0.1);
    expect::close(
        "dpo_loss with β 0.1: margin (+1) − (−2) = 3, loss −ln σ(0.3)",
        (1.0 + (-0.3f64).exp()).ln(),
        expect::scalar("the loss is one number", &loss),
        1e-6,
    );
    let lowered = dpo_loss(&t(&[-16.0]), &t(&[-17.0]), &t(&[-12.0]), &t(&[-10.0]), 0.1);
    expect::close(
        "the same pair with both policy log-probabilities 5 lower: the margin, and so the loss, do not change",
        (1.0 + (-0.3f64).exp()).ln(),
        expect::scalar("the loss is one number", &lowered),
        1e-5,
    );
}

#[test]
fn ex5_4_matches_the_library_and_its_gradient() {
    let pc = [-11.0, -20.5, -7.25, -13.0];
    let pr = t(&[-12.0, -19.0, -9.0, -13.5]);
    let (rc, rr) = (
        t(&[-12.0, -20.0, -8.0, -12.5]),
        t(&[-10.0, -19.5, -8.5, -14.0]),
    );
    let what = "dpo_loss of four pairs, β 0.1";
    expect::close(
        &format!("{what}, against rl::dpo_loss"),
        expect::scalar("", &rl::dpo_loss(&t(&pc), &pr, &rc, &rr, 0.1)),
        expect::scalar(
            "the loss is one number",
            &dpo_loss(&t(&pc), &pr, &rc, &rr, 0.1),
        ),
        1e-6,
    );
    let what =
        format!("{what}: the gradient with respect to the policy's chosen log-probabilities");
    expect::close_all(
        &what,
        &gradient(&what, &pc, |x| rl::dpo_loss(x, &pr, &rc, &rr, 0.1)),
        &gradient(&what, &pc, |x| dpo_loss(x, &pr, &rc, &rr, 0.1)),
        1e-6,
    );
}
