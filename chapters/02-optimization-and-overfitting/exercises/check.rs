//! Checks for chapter 2's exercises. `jielong exercises check 2.1` (or `cargo test --features student --test
//! ch02_exercises -- ex2_1`) checks your answer; without the feature the same checks run on the reference
//! solutions, so CI knows that they pass on a right answer. A test named `exN_K_…` checks exercise N.K.

jielong::exercise_answers!(adamw, divergence, early_stopping, schedule);

#[path = "../../../tests/common/mod.rs"]
mod common;

use answer::adamw::adamw_update;
use answer::divergence::diverged;
use answer::early_stopping::early_stop;
use answer::schedule::learning_rate;
use jielong::data::{Batches, Part, step_rng};
use jielong::exercises::expect;
use jielong::train::{self, AdamW, Evaluation, RunStatus, Schedule, Tracker, TrainConfig};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::{Device, Tensor};

fn adam_cfg(weight_decay: f64) -> TrainConfig {
    TrainConfig {
        beta1: 0.9,
        beta2: 0.99,
        weight_decay,
        ..TrainConfig::default()
    }
}

fn tensor(values: &[f64], shape: &[i64]) -> Tensor {
    Tensor::from_slice(values).view(shape)
}

#[test]
fn ex2_1_the_first_step_moves_every_parameter_by_about_lr() {
    let theta = tensor(&[1.0, -1.0, 0.5], &[1, 3]);
    let grad = tensor(&[0.5, -2.0, 1e-6], &[1, 3]);
    let zeros = theta.zeros_like();
    let (new, _, _) = adamw_update(&theta, &grad, &zeros, &zeros, 1, 0.1, &adam_cfg(0.0));
    // m̂ = g and √v̂ = |g| after one step: θ − lr·g/(|g| + ε), whatever the gradient's size
    let expected: Vec<f64> = [(1.0, 0.5), (-1.0, -2.0), (0.5, 1e-6)]
        .iter()
        .map(|&(t, g): &(f64, f64)| t - 0.1 * g / (g.abs() + 1e-8))
        .collect();
    expect::close_all(
        "θ after one step from θ = [1, −1, 0.5], g = [0.5, −2, 1e-6], lr 0.1, no decay",
        &expected,
        &expect::values(&new),
        1e-6,
    );
}

#[test]
fn ex2_1_the_moments_of_two_steps_by_hand() {
    let cfg = adam_cfg(0.0);
    let theta = tensor(&[0.0], &[1]);
    let zeros = theta.zeros_like();
    let (theta, m, v) = adamw_update(&theta, &tensor(&[1.0], &[1]), &zeros, &zeros, 1, 0.1, &cfg);
    expect::close(
        "m after one step with g = 1 (β₁ = 0.9)",
        0.1,
        expect::values(&m)[0],
        1e-9,
    );
    expect::close(
        "v after one step with g = 1 (β₂ = 0.99)",
        0.01,
        expect::values(&v)[0],
        1e-9,
    );
    let (theta, m, v) = adamw_update(&theta, &tensor(&[3.0], &[1]), &m, &v, 2, 0.1, &cfg);
    expect::close(
        "m after a second step with g = 3: 0.9·0.1 + 0.1·3",
        0.39,
        expect::values(&m)[0],
        1e-9,
    );
    expect::close(
        "v after a second step with g = 3: 0.99·0.01 + 0.01·9",
        0.0999,
        expect::values(&v)[0],
        1e-9,
    );
    let step2 = (0.39 / 0.19) / ((0.0999f64 / 0.0199).sqrt() + 1e-8);
    expect::close(
        "θ after the two steps: −0.1·(1 + m̂₂/√v̂₂), with m̂₂ = 0.39/0.19 and v̂₂ = 0.0999/0.0199",
        -0.1 * (1.0 / (1.0 + 1e-8) + step2),
        expect::values(&theta)[0],
        1e-9,
    );
}

#[test]
fn ex2_1_weight_decay_shrinks_matrices_only() {
    let cfg = adam_cfg(0.1);
    let matrix = tensor(&[1.0, 2.0], &[1, 2]);
    let zeros = matrix.zeros_like();
    let (new, _, _) = adamw_update(&matrix, &zeros, &zeros, &zeros, 1, 0.1, &cfg);
    expect::close_all(
        "a matrix [[1, 2]] with zero gradient, lr 0.1, λ 0.1: shrinks by 1 − lr·λ = 0.99",
        &[0.99, 1.98],
        &expect::values(&new),
        1e-9,
    );
    let vector = tensor(&[1.0, 2.0], &[2]);
    let zeros = vector.zeros_like();
    let (new, _, _) = adamw_update(&vector, &zeros, &zeros, &zeros, 1, 0.1, &cfg);
    expect::close_all(
        "a vector (a bias) [1, 2] with zero gradient: no decay, unchanged",
        &[1.0, 2.0],
        &expect::values(&new),
        1e-9,
    );
}

#[test]
fn ex2_1_three_steps_match_the_librarys_adamw() {
    let _torch = common::torch_lock();
    let cfg = adam_cfg(0.1);
    let start = Tensor::randn([3, 4], (tch::Kind::Float, Device::Cpu));
    let p = start.copy().set_requires_grad(true);
    let mut library = AdamW::over(vec![("w".to_string(), p.shallow_clone())], &cfg);
    let (mut theta, mut m, mut v) = (start.copy(), start.zeros_like(), start.zeros_like());
    for t in 1..=3 {
        let g = Tensor::randn([3, 4], (tch::Kind::Float, Device::Cpu));
        library.zero_grad();
        (&p * &g).sum(tch::Kind::Float).backward(); // the gradient of Σ p·g is g
        library.step(0.01);
        (theta, m, v) = adamw_update(&theta, &g, &m, &v, t, 0.01, &cfg);
        expect::close_tensor(
            &format!("a random 3×4 matrix after step {t} (lr 0.01, λ 0.1), against train::AdamW"),
            &p.detach(),
            &theta,
            1e-6,
        );
    }
}

#[test]
fn ex2_1_your_adamw_trains_the_tiny_gpt_like_the_library() {
    let _torch = common::torch_lock();
    let (tokenizer, split) = common::tiny_data();
    let cfg = TrainConfig {
        grad_clip: 0.0, // the update alone, no clipping
        weight_decay: 0.1,
        eval_every: 1000,
        ..common::tiny_train(15)
    };
    let config = common::tiny_gpt(tokenizer.vocab_size());
    let mut reference = common::seeded_model(&config, 1);
    let report =
        train::train(&mut reference, &tokenizer, &split, &cfg, &common::quiet()).expect("trains");
    let expected: Vec<f64> = report
        .records
        .iter()
        .filter(|r| r.step > 0)
        .map(|r| r.loss)
        .collect();

    let model = common::seeded_model(&config, 1);
    let params = model.trainable_params();
    let mut moments: Vec<(Tensor, Tensor)> = params
        .iter()
        .map(|(_, p)| (p.zeros_like(), p.zeros_like()))
        .collect();
    let mut got = Vec::new();
    for step in 0..cfg.steps {
        let (x, y) = split.batch(
            Part::Train,
            cfg.batch_size,
            cfg.block_size,
            &mut step_rng(cfg.seed, step),
            Device::Cpu,
        );
        params
            .iter()
            .for_each(|(_, p)| p.shallow_clone().zero_grad());
        let loss = model.loss(&x, &y, true);
        loss.backward();
        got.push(loss.double_value(&[]));
        tch::no_grad(|| {
            for ((_, p), (m, v)) in params.iter().zip(&mut moments) {
                let (theta, m2, v2) =
                    adamw_update(p, &p.grad(), m, v, step as i32 + 1, cfg.lr_at(step), &cfg);
                p.shallow_clone().copy_(&theta);
                (*m, *v) = (m2, v2);
            }
        });
    }
    expect::close_all(
        "the tiny GPT's loss at each of 15 steps trained with your update, against train::train with the library's AdamW",
        &expected,
        &got,
        1e-4,
    );
}

#[test]
fn ex2_2_the_chapters_schedule_by_hand() {
    let cfg = TrainConfig {
        lr: 0.03,
        warmup_steps: 30,
        steps: 300,
        min_lr_ratio: 0.1,
        schedule: Schedule::Cosine,
        ..TrainConfig::default()
    };
    let progress_299 = 269.0 / 270.0;
    let at_299 = 0.003 + 0.5 * 0.027 * (1.0 + (std::f64::consts::PI * progress_299).cos());
    for (step, expected, why) in [
        (0, 0.001, "the first warm-up step: 0.03 · 1/30"),
        (29, 0.03, "the last warm-up step: 0.03 · 30/30"),
        (
            165,
            0.0165,
            "half way through the decay: 0.003 + ½ · 0.027 · (1 + cos(π/2))",
        ),
        (299, at_299, "the last step: progress 269/270"),
    ] {
        expect::close(
            &format!(
                "learning_rate({step}) with lr 0.03, warm-up 30, 300 steps, min_lr_ratio 0.1 — {why}"
            ),
            expected,
            learning_rate(step, &cfg),
            1e-12,
        );
    }
}

#[test]
fn ex2_2_every_step_matches_the_librarys_schedule() {
    let cosine = TrainConfig {
        lr: 0.01,
        warmup_steps: 10,
        steps: 100,
        ..TrainConfig::default()
    };
    let configs = [
        ("cosine after 10 warm-up steps", cosine.clone()),
        (
            "constant after 10 warm-up steps",
            TrainConfig {
                schedule: Schedule::Constant,
                ..cosine.clone()
            },
        ),
        (
            "cosine with no warm-up",
            TrainConfig {
                warmup_steps: 0,
                ..cosine.clone()
            },
        ),
        (
            "warm-up as long as the run",
            TrainConfig {
                warmup_steps: 100,
                ..cosine.clone()
            },
        ),
    ];
    for (name, cfg) in configs {
        for step in 0..cfg.steps + 5 {
            expect::close(
                &format!("learning_rate({step}), {name}, against TrainConfig::lr_at"),
                cfg.lr_at(step),
                learning_rate(step, &cfg),
                1e-12,
            );
        }
    }
}

/// Where the library's tracker stops on `losses` (the trainer's own rule), as (stop, best) indices.
fn library_stop(losses: &[f64], patience: usize) -> Option<(usize, usize)> {
    let cfg = TrainConfig {
        early_stopping_patience: patience,
        ..TrainConfig::default()
    };
    let mut tracker = Tracker::default();
    for (i, &val_loss) in losses.iter().enumerate() {
        tracker.observe(Evaluation {
            step: i,
            train_loss: val_loss,
            val_loss,
        });
        if tracker.out_of_patience(&cfg) {
            return tracker.best.map(|b| (i, b.step));
        }
    }
    None
}

#[test]
fn ex2_3_stops_when_patience_runs_out_by_hand() {
    let losses = [3.0, 2.5, 2.4, 2.6, 2.45, 2.7];
    expect::equal(
        "early_stop([3.0, 2.5, 2.4, 2.6, 2.45, 2.7], patience 2): best at 2, two evaluations without a new best end at 4",
        Some((4, 2)),
        early_stop(&losses, 2),
    );
    expect::equal(
        "the same losses with patience 4: never runs out",
        None,
        early_stop(&losses, 4),
    );
    expect::equal("patience 0 is off", None, early_stop(&losses, 0));
    expect::equal(
        "early_stop([2.0, 2.0, 2.0], patience 2): an equal loss is not an improvement",
        Some((2, 0)),
        early_stop(&[2.0, 2.0, 2.0], 2),
    );
}

#[test]
fn ex2_3_agrees_with_the_trainers_tracker() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for case in 0..200 {
        let n = rng.random_range(1..15);
        // a noisy U-shaped validation curve, rounded so that ties happen
        let losses: Vec<f64> = (0..n)
            .map(|i| {
                ((i as f64 - 5.0).powi(2) * 0.05 + 2.0 + rng.random_range(0.0..0.3) * 10.0).round()
                    / 10.0
            })
            .collect();
        for patience in 0..4 {
            expect::equal(
                &format!(
                    "case {case}: early_stop({losses:?}, patience {patience}) against the trainer's Tracker"
                ),
                library_stop(&losses, patience),
                early_stop(&losses, patience),
            );
        }
    }
}

#[test]
fn ex2_4_flags_non_finite_losses_always() {
    for loss in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        for (l0, factor) in [(Some(3.0), 4.0), (None, 4.0), (Some(3.0), 0.0)] {
            expect::equal(
                &format!("diverged({loss}, {l0:?}, {factor}): a non-finite loss never recovers"),
                true,
                diverged(loss, l0, factor),
            );
        }
    }
}

#[test]
fn ex2_4_flags_a_loss_above_the_factor_times_the_first() {
    expect::equal(
        "diverged(12.01, Some(3), 4): above 4 × 3 = 12",
        true,
        diverged(12.01, Some(3.0), 4.0),
    );
    expect::equal(
        "diverged(12.0, Some(3), 4): exactly 12 is not above 12",
        false,
        diverged(12.0, Some(3.0), 4.0),
    );
    expect::equal(
        "diverged(100, Some(3), 0): factor 0 checks finiteness only",
        false,
        diverged(100.0, Some(3.0), 0.0),
    );
    expect::equal(
        "diverged(100, None, 4): no initial loss known",
        false,
        diverged(100.0, None, 4.0),
    );
    let cfg = TrainConfig {
        diverge_factor: 4.0,
        ..TrainConfig::default()
    };
    let tracker = Tracker {
        initial_train_loss: Some(3.3),
        ..Tracker::default()
    };
    for loss in [0.5, 3.3, 13.2, 13.3, 1e9] {
        expect::equal(
            &format!("diverged({loss}, Some(3.3), 4) against the trainer's Tracker::diverged"),
            tracker.diverged(loss, &cfg),
            diverged(loss, Some(3.3), 4.0),
        );
    }
}

#[test]
fn ex2_4_finds_where_a_too_high_learning_rate_diverged() {
    let _torch = common::torch_lock();
    let (tokenizer, split) = common::tiny_data();
    let cfg = TrainConfig {
        lr: 1.0,
        eval_every: 1000,
        ..common::tiny_train(30)
    };
    let mut model = common::seeded_model(&common::tiny_gpt(tokenizer.vocab_size()), 1);
    let report =
        train::train(&mut model, &tokenizer, &split, &cfg, &common::quiet()).expect("runs");
    let RunStatus::Diverged { step } = report.status else {
        panic!(
            "the tiny GPT at lr 1.0 was expected to diverge; the library says {}",
            report.status
        );
    };
    let initial = report.records.first().and_then(|r| r.train_loss);
    let yours = report
        .records
        .iter()
        .filter(|r| r.step > 0)
        .find(|r| diverged(r.loss, initial, cfg.diverge_factor))
        .map(|r| r.step);
    expect::equal(
        "the first step your detector flags in the tiny GPT's run at lr 1.0, against the step the trainer stopped at",
        Some(step),
        yours,
    );
}
