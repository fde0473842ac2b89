//! Evaluation and the stopping rules' memory: the loss estimates on fixed batches, and the [`Tracker`] that
//! remembers the initial loss, the best evaluation and early stopping's count.

use super::config::TrainConfig;
use crate::data::{Batches, Part};
use crate::model::Model;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One evaluation: the estimated training and validation loss after `step` steps.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Steps taken before the evaluation.
    pub step: usize,
    /// Estimated training loss.
    pub train_loss: f64,
    /// Estimated validation loss.
    pub val_loss: f64,
}

/// What the trainer remembers from step to step to decide when to stop. Checkpoints hold it
/// ([`TrainState::tracker`]), so a resumed run decides exactly as the uninterrupted run would have.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tracker {
    /// The estimated training loss at step 0: the yardstick of divergence (`None` when resuming from a
    /// checkpoint older than it; then only a non-finite loss counts as divergence).
    pub initial_train_loss: Option<f64>,
    /// The evaluation with the lowest validation loss so far (the earliest of equals).
    pub best: Option<Evaluation>,
    /// The latest evaluation.
    pub last: Option<Evaluation>,
    /// Evaluations since `best`: early stopping's count.
    pub evals_since_best: usize,
}

impl Tracker {
    // ANCHOR: diverged
    /// Whether the training loss `loss` says the run diverged: it is not finite, or
    /// `loss > diverge_factor × L₀` with `L₀` the estimated training loss at step 0 (near ln V for a fresh
    /// model, so by default a loss four times worse than guessing).
    pub fn diverged(&self, loss: f64, cfg: &TrainConfig) -> bool {
        if !loss.is_finite() {
            return true;
        }
        match self.initial_train_loss {
            Some(l0) if cfg.diverge_factor > 0.0 => loss > cfg.diverge_factor * l0,
            _ => false,
        }
    }
    // ANCHOR_END: diverged

    /// Count an evaluation; returns whether it is the new best (a strictly lower validation loss).
    pub fn observe(&mut self, eval: Evaluation) -> bool {
        self.last = Some(eval);
        let improved = self.best.is_none_or(|best| eval.val_loss < best.val_loss);
        if improved {
            self.best = Some(eval);
            self.evals_since_best = 0;
        } else {
            self.evals_since_best += 1;
        }
        improved
    }

    /// Whether early stopping's patience has run out: `early_stopping_patience` evaluations in a row
    /// without a new best.
    pub fn out_of_patience(&self, cfg: &TrainConfig) -> bool {
        cfg.early_stopping_patience > 0 && self.evals_since_best >= cfg.early_stopping_patience
    }
}

/// Mean loss over `batches` batches of `tokens`, drawn by a generator seeded with `seed`: the same windows
/// at every evaluation, so changes in the curve come from the model, not from the sample.
pub fn estimate_loss(
    model: &Model,
    data: &dyn Batches,
    part: Part,
    cfg: &TrainConfig,
    seed: u64,
) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let total: f64 = (0..cfg.eval_batches)
        .map(|_| {
            let (x, y) = data.batch(
                part,
                cfg.batch_size,
                cfg.block_size,
                &mut rng,
                model.device(),
            );
            tch::no_grad(|| model.loss(&x, &y, false)).double_value(&[])
        })
        .sum();
    total / cfg.eval_batches as f64
}

/// Seed of the training batches of every loss estimate.
const TRAIN_EVAL_SEED: u64 = 0x7261_696e;
/// Seed of the validation batches of every loss estimate.
const VAL_EVAL_SEED: u64 = 0x7661_6c00;

/// Estimate the training and validation loss of `model` after `step` steps, on the run's fixed batches.
pub fn evaluate(model: &Model, split: &dyn Batches, cfg: &TrainConfig, step: usize) -> Evaluation {
    Evaluation {
        step,
        train_loss: estimate_loss(model, split, Part::Train, cfg, cfg.seed ^ TRAIN_EVAL_SEED),
        val_loss: estimate_loss(model, split, Part::Val, cfg, cfg.seed ^ VAL_EVAL_SEED),
    }
}
