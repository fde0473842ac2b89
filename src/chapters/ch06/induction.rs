//! Induction heads: a two-layer attention-only model learns to copy from its context, and the head that does
//! it is found and drawn.

use super::config::Ch06Config;
use crate::device::{self};
use crate::eval::{self};
use crate::model::{Model, ModelConfig};
use crate::optim::AdamW;
use crate::progress::Progress;
use crate::train::TrainConfig;
use anyhow::Result;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::time::Instant;
use tch::{Device, Tensor};

// ANCHOR: induction_run
/// One measurement of the induction model during training.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InductionPoint {
    /// Steps done.
    pub step: usize,
    /// Loss on the probe's first copy (nothing to copy from).
    pub first_copy_loss: f64,
    /// Loss on the probe's second copy (the first copy tells it).
    pub second_copy_loss: f64,
    /// Induction score of every head, `[layer][head]`.
    pub scores: Vec<Vec<f64>>,
}

/// What the induction experiment found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InductionResult {
    /// The probe measured through training.
    pub curve: Vec<InductionPoint>,
    /// The head with the highest final induction score: `(layer, head)`.
    pub best_head: (usize, usize),
    /// Its score.
    pub best_score: f64,
    /// The head of the first layer that attends most to the previous token, and that share.
    pub previous_token_head: (usize, f64),
    /// One probe sequence, as token ids.
    pub tokens: Vec<i64>,
    /// The best head's attention on it, `[query][key]`.
    pub induction_map: Vec<Vec<f64>>,
    /// The previous-token head's attention on it.
    pub previous_map: Vec<Vec<f64>>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Train the attention-only model on repeating sequences whose period varies, measuring the copy losses and
/// every head's induction score on a fixed probe as it learns; then find the induction head and the
/// previous-token head that feeds it.
pub fn induction(cfg: &Ch06Config, device: Device) -> Result<InductionResult> {
    let clock = Instant::now();
    let i = &cfg.induction;
    device::seed(cfg.seed);
    let model = Model::new(&ModelConfig::Gpt(cfg.induction_gpt()), device)?;
    let train_cfg = TrainConfig {
        lr: i.lr,
        weight_decay: 0.0,
        ..TrainConfig::default()
    };
    let mut optimizer = AdamW::new(&model, &train_cfg);
    let ids = 0..i.vocab as i64;
    let probe = eval::repeated_tokens(
        64,
        i.probe_len,
        ids.clone(),
        &mut ChaCha8Rng::seed_from_u64(99),
    )
    .to_device(device);
    let measure = |step: usize| {
        let (first, second) = eval::copy_losses(&model, &probe, i.probe_len);
        let maps = tch::no_grad(|| model.attention_maps(&probe));
        InductionPoint {
            step,
            first_copy_loss: first,
            second_copy_loss: second,
            scores: eval::induction_scores(&maps, i.probe_len),
        }
    };
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut curve = vec![measure(0)];
    let progress = Progress::new("induction", i.steps as u64, cfg.progress);
    let t = i.len as i64 - 1;
    for step in 1..=i.steps {
        let x = eval::periodic_tokens(
            i.batch_size,
            i.len,
            i.periods.0..=i.periods.1,
            ids.clone(),
            &mut rng,
        )
        .to_device(device);
        let loss = model.loss(&x.narrow(1, 0, t), &x.narrow(1, 1, t), true);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step(i.lr);
        if step % i.eval_every == 0 || step == i.steps {
            let point = measure(step);
            progress.update(
                step as u64,
                &format!("second copy {:.3}", point.second_copy_loss),
            );
            curve.push(point);
        }
    }
    progress.finish("done");
    let last = curve.last().expect("step 0 is measured");
    let best_head = argmax_head(&last.scores);
    let best_score = last.scores[best_head.0][best_head.1];
    let one = probe.narrow(0, 0, 1);
    let maps = tch::no_grad(|| model.attention_maps(&one));
    let head_map = |layer: usize, head: usize| -> Vec<Vec<f64>> {
        let m = maps[layer]
            .get(0)
            .get(head as i64)
            .to_kind(tch::Kind::Double)
            .to_device(Device::Cpu);
        Vec::<Vec<f64>>::try_from(m).expect("a 2-D map")
    };
    let previous_token_head = previous_token_share(&maps[0]);
    Ok(InductionResult {
        best_head,
        best_score,
        previous_token_head,
        tokens: Vec::<i64>::try_from(one.get(0).to_device(Device::Cpu))?,
        induction_map: head_map(best_head.0, best_head.1),
        previous_map: head_map(0, previous_token_head.0),
        curve,
        seconds: clock.elapsed().as_secs_f64(),
    })
}
// ANCHOR_END: induction_run

/// The `(layer, head)` of the highest score.
fn argmax_head(scores: &[Vec<f64>]) -> (usize, usize) {
    let mut best = (0, 0);
    for (l, row) in scores.iter().enumerate() {
        for (h, &s) in row.iter().enumerate() {
            if s > scores[best.0][best.1] {
                best = (l, h);
            }
        }
    }
    best
}

/// The head of one layer's maps `[B, H, T, T]` that attends most to the previous token, and its mean
/// attention there (positions 1 onwards).
fn previous_token_share(map: &Tensor) -> (usize, f64) {
    let diag = map.diagonal(-1, 2, 3); // [B, H, T − 1]: weight from i to i − 1
    let per_head = diag
        .mean_dim([0, 2].as_slice(), false, tch::Kind::Double)
        .to_device(Device::Cpu);
    let shares = Vec::<f64>::try_from(per_head).expect("a 1-D tensor");
    let head = (0..shares.len())
        .max_by(|&a, &b| shares[a].total_cmp(&shares[b]))
        .unwrap_or(0);
    (head, shares.get(head).copied().unwrap_or(0.0))
}
