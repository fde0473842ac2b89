//! A training run's hyperparameters, [`TrainConfig`], and its learning-rate schedule.

use super::optim::{AdamWKernel, OptimizerKind};
use crate::model::{Model, ModelConfig, Precision};
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

/// How the learning rate changes over training.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// The same rate throughout (after warm-up).
    #[default]
    Constant,
    /// Cosine decay from `lr` to `lr · min_lr_ratio` (after warm-up).
    Cosine,
}

/// Hyperparameters of one training run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Number of optimizer steps.
    pub steps: usize,
    /// Windows per micro-batch.
    pub batch_size: usize,
    /// Micro-batches per optimizer step (gradient accumulation): their gradients are summed before the step,
    /// so a step sees `grad_accum_steps × batch_size` windows while memory holds only one micro-batch.
    pub grad_accum_steps: usize,
    /// Precision of the matrix products: `"auto"` (bf16 on CUDA, fp32 on CPU), `"fp32"` or `"bf16"`.
    pub precision: Precision,
    /// Tokens per window (at most the model's block size).
    pub block_size: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Shape of the learning-rate curve.
    pub schedule: Schedule,
    /// Steps of linear warm-up from 0 to `lr`.
    pub warmup_steps: usize,
    /// Final rate of the cosine schedule, as a fraction of `lr`.
    pub min_lr_ratio: f64,
    /// Which optimizer: `"adamw"` (the default) or `"sgd"`.
    pub optimizer: OptimizerKind,
    /// Decoupled weight decay λ of either optimizer, `θ ← θ − lr·λθ`, applied to matrices (not to biases and
    /// norms).
    pub weight_decay: f64,
    /// AdamW's β₁ (momentum of the gradient).
    pub beta1: f64,
    /// AdamW's β₂ (momentum of the squared gradient).
    pub beta2: f64,
    /// How AdamW's update is computed: `"auto"` (libtorch's fused kernel on a GPU, the written-out steps on a
    /// CPU, so CPU results stay the same everywhere), `"fused"` (the CPU's fast path) or `"written_out"`.
    pub adamw_kernel: AdamWKernel,
    /// SGD's momentum μ in `v ← μv + g` (0 = plain SGD; unused by AdamW).
    pub momentum: f64,
    /// Clip the gradient's global norm to this value (0 = off).
    pub grad_clip: f64,
    /// Estimate train and validation loss every this many steps (and after the last step).
    pub eval_every: usize,
    /// Batches per loss estimate.
    pub eval_batches: usize,
    /// Write a checkpoint every this many steps (0 = at every evaluation and at the end, when a path is
    /// given), so a killed run loses at most one evaluation interval.
    pub checkpoint_every: usize,
    /// Seed of the data order and of dropout.
    pub seed: u64,
    /// Stop the run as diverged when a training loss (a step's batch loss, or the estimate at an evaluation)
    /// exceeds this many times the estimated training loss at step 0 (0 = only a non-finite loss stops it,
    /// which it always does: NaN weights never recover).
    pub diverge_factor: f64,
    /// Stop the run when the validation loss has not improved for this many evaluations in a row (0 = off).
    pub early_stopping_patience: usize,
    /// End with the weights of the evaluation with the lowest validation loss instead of the last ones (they
    /// are kept in memory, and in checkpoints so a resumed run can restore them too).
    pub restore_best: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            steps: 1000,
            batch_size: 32,
            grad_accum_steps: 1,
            precision: Precision::Auto,
            block_size: 64,
            lr: 3e-3,
            schedule: Schedule::Cosine,
            warmup_steps: 50,
            min_lr_ratio: 0.1,
            optimizer: OptimizerKind::AdamW,
            weight_decay: 0.1,
            beta1: 0.9,
            beta2: 0.99,
            adamw_kernel: AdamWKernel::Auto,
            momentum: 0.9,
            grad_clip: 1.0,
            eval_every: 100,
            eval_batches: 10,
            checkpoint_every: 0,
            seed: 1337,
            diverge_factor: 4.0,
            early_stopping_patience: 0,
            restore_best: false,
        }
    }
}

impl TrainConfig {
    /// Reject impossible settings with one message naming the field.
    pub fn validate(&self, model: &Model) -> Result<()> {
        self.validate_for(model.config())
    }

    /// [`TrainConfig::validate`] before the model exists: for a model that `model` would build.
    pub fn validate_for(&self, model: &ModelConfig) -> Result<()> {
        if self.steps == 0
            || self.batch_size == 0
            || self.grad_accum_steps == 0
            || self.block_size == 0
            || self.eval_batches == 0
        {
            bail!(
                "train config: steps, batch_size, grad_accum_steps, block_size and eval_batches must all be at least 1"
            );
        }
        if let Some(max) = model.block_size()
            && self.block_size > max
        {
            bail!(
                "train config: block_size {} exceeds the model's block_size {max}",
                self.block_size
            );
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            bail!(
                "train config: lr must be a positive number, got {}",
                self.lr
            );
        }
        if !(0.0..1.0).contains(&self.momentum) {
            bail!(
                "train config: momentum must be in [0, 1), got {}",
                self.momentum
            );
        }
        if !(self.diverge_factor == 0.0
            || (self.diverge_factor >= 1.0 && self.diverge_factor.is_finite()))
        {
            bail!(
                "train config: diverge_factor must be 0 (off) or a number of at least 1, got {}",
                self.diverge_factor
            );
        }
        Ok(())
    }

    /// Whether best-evaluation bookkeeping is asked for: early stopping or restoring the best weights. Then a
    /// checkpointed run also writes the best weights to [`best_checkpoint_path`].
    pub fn tracks_best(&self) -> bool {
        self.early_stopping_patience > 0 || self.restore_best
    }

    // ANCHOR: lr_schedule
    /// The learning rate at `step`: linear warm-up, then constant or cosine decay
    /// `lr_min + ½ (lr − lr_min)(1 + cos(π · progress))`.
    pub fn lr_at(&self, step: usize) -> f64 {
        if step < self.warmup_steps {
            return self.lr * (step + 1) as f64 / self.warmup_steps as f64;
        }
        match self.schedule {
            Schedule::Constant => self.lr,
            Schedule::Cosine => {
                let span = (self.steps - self.warmup_steps).max(1) as f64;
                let progress = ((step - self.warmup_steps) as f64 / span).min(1.0);
                let min_lr = self.lr * self.min_lr_ratio;
                min_lr + 0.5 * (self.lr - min_lr) * (1.0 + (std::f64::consts::PI * progress).cos())
            }
        }
    }
    // ANCHOR_END: lr_schedule

    /// A cosine schedule over `steps` to a peak of `lr` after a 10 % warm-up, without weight decay: the
    /// optimizer settings of the short runs on pairs (the reward model, DPO).
    pub fn cosine_without_decay(steps: usize, lr: f64) -> Self {
        TrainConfig {
            steps,
            lr,
            schedule: Schedule::Cosine,
            warmup_steps: (steps / 10).max(1),
            weight_decay: 0.0,
            ..TrainConfig::default()
        }
    }

    /// Training tokens per optimizer step: `grad_accum_steps × batch_size × block_size`.
    pub fn tokens_per_step(&self) -> usize {
        self.grad_accum_steps * self.batch_size * self.block_size
    }
}
