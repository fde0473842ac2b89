//! The trainer: a plain loop, as in nanoGPT.
//!
//! ```text
//! for step in 0..steps:
//!     x, y   = random batch of training windows      (the text supplies its own targets)
//!     loss   = cross_entropy(model(x), y)
//!     grads  = ∂loss/∂θ                               (backward)
//!     θ      = optimizer(θ, grads, lr(step))          (one AdamW or SGD step)
//!     stop if the loss diverged                       (not finite, or far above where it started)
//!     every eval_every steps: estimate train and validation loss on held-out batches,
//!                             remember the best, stop early if it has not improved for a while
//! ```
//!
//! Every step's metrics go to `metrics.jsonl`; checkpoints hold the optimizer state too, and the data order
//! and dropout masks are pure functions of (seed, step), so a resumed run continues the *same* loss curve.
//! How the run ended is its [`RunStatus`]: completed, diverged, or stopped early.

use crate::checkpoint::{self, TrainState};
use crate::data::{Batches, Part, step_rng};
use crate::model::{Model, ModelConfig, Precision};
use crate::progress::{Progress, ProgressMode};
use crate::run::MetricsLog;
use crate::tokenizer::Tokenizer;
use anyhow::{Context, Result, bail};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Deserializer, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::Tensor;

pub use crate::optim::{AdamW, Optimizer, OptimizerKind, Sgd};

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
    /// SGD's momentum μ in `v ← μv + g` (0 = plain SGD; unused by AdamW).
    pub momentum: f64,
    /// Clip the gradient's global norm to this value (0 = off).
    pub grad_clip: f64,
    /// Estimate train and validation loss every this many steps (and after the last step).
    pub eval_every: usize,
    /// Batches per loss estimate.
    pub eval_batches: usize,
    /// Write a checkpoint every this many steps (0 = only at the end, when a path is given).
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

/// Points `(step, loss)` of a loss curve.
pub type Curve = Vec<(f64, f64)>;

/// Read a number that may have been written as `null`. JSON has no NaN or ±∞, so serde_json writes them as
/// `null`; such a number comes back as NaN.
fn f64_or_nan<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// One line of `metrics.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Steps finished.
    pub step: usize,
    /// Training tokens seen so far.
    pub tokens: usize,
    /// Learning rate of this step.
    pub lr: f64,
    /// Loss of this step's batch. It is NaN or ±∞ when it was not finite (and the run then stopped as
    /// diverged): `metrics.jsonl` holds `null` there, read back as NaN. Charts skip such points.
    #[serde(deserialize_with = "f64_or_nan")]
    pub loss: f64,
    /// Gradient norm before clipping (like `loss`: `null` in the log when not finite, read back as NaN).
    #[serde(deserialize_with = "f64_or_nan")]
    pub grad_norm: f64,
    /// Estimated training loss (on `eval_batches` batches), at evaluation steps. Always finite: the weights of
    /// a step that diverged are not evaluated, so the evaluation curves never hold NaN.
    pub train_loss: Option<f64>,
    /// Estimated validation loss, at evaluation steps (finite, like `train_loss`).
    pub val_loss: Option<f64>,
    /// Training throughput so far.
    pub tokens_per_sec: f64,
}

/// How a training run ended, so that reports say it and charts can mark it. In JSON:
/// `{"kind": "completed"}`, `{"kind": "diverged", "step": 37}`,
/// `{"kind": "early_stopped", "step": 400, "best_step": 250}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunStatus {
    /// Every one of the config's `steps` ran.
    #[default]
    Completed,
    /// A training loss was not finite, or above `diverge_factor` × the initial loss: the run stopped after
    /// `step` steps and wrote no checkpoint of the broken weights.
    Diverged {
        /// Steps taken; the last one is the step whose loss diverged.
        step: usize,
    },
    /// The validation loss had not improved for `early_stopping_patience` evaluations: the run stopped
    /// after `step` steps, before the config's `steps`.
    EarlyStopped {
        /// Steps taken.
        step: usize,
        /// The step of the best evaluation (lowest validation loss).
        best_step: usize,
    },
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunStatus::Completed => write!(f, "completed"),
            RunStatus::Diverged { step } => write!(f, "diverged at step {step}"),
            RunStatus::EarlyStopped { step, best_step } => {
                write!(f, "stopped early at step {step} (best at step {best_step})")
            }
        }
    }
}

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

/// What a training run produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// Every step's record (for a resumed run: the steps run now).
    pub records: Vec<Record>,
    /// How the run ended: completed, diverged, or stopped early.
    #[serde(default)]
    pub status: RunStatus,
    /// Estimated training loss of the weights the model ends with: after the last step, or with
    /// `restore_best`, those of the best evaluation. A diverged run's last weights are broken and are not
    /// evaluated, so without `restore_best` it reports its last finite estimate, made at the last evaluation
    /// before it diverged (step 0 if there was none): a number that a table or a chart can show, beside the
    /// status that says the run diverged.
    pub final_train_loss: f64,
    /// Estimated validation loss of the weights the model ends with (chosen like `final_train_loss`).
    pub final_val_loss: f64,
    /// The lowest estimated validation loss of any evaluation, step 0 included.
    pub best_val_loss: f64,
    /// The step of that evaluation (the earliest, if several tie).
    pub best_step: usize,
    /// Trainable parameters.
    pub params: i64,
    /// Training tokens per second (wall clock, evaluation included).
    pub tokens_per_sec: f64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

impl TrainReport {
    /// `(step, estimated train loss)` and `(step, validation loss)` at every evaluation, for charts.
    pub fn eval_curves(&self) -> (Curve, Curve) {
        let evals = self.records.iter().filter(|r| r.val_loss.is_some());
        let train = evals
            .clone()
            .filter_map(|r| Some((r.step as f64, r.train_loss?)))
            .collect();
        let val = evals
            .filter_map(|r| Some((r.step as f64, r.val_loss?)))
            .collect();
        (train, val)
    }
}

/// Where a training run reports and saves.
#[derive(Clone, Debug, Default)]
pub struct TrainOptions {
    /// Label of the progress display.
    pub label: String,
    /// How to show progress.
    pub progress: ProgressMode,
    /// Append every record to this JSON-lines file.
    pub metrics_path: Option<PathBuf>,
    /// Write checkpoints (with optimizer state) here; when the config tracks the best evaluation
    /// ([`TrainConfig::tracks_best`]), the best weights also go to [`best_checkpoint_path`] of it.
    pub checkpoint_path: Option<PathBuf>,
    /// Continue from this checkpoint (written by an earlier run of the same config).
    pub resume_from: Option<PathBuf>,
}

/// Where the best weights of a run checkpointed at `checkpoint` go: `model.safetensors` →
/// `model.best.safetensors`, beside it. The file holds the model and tokenizer only (load it with
/// [`checkpoint::load_model`]); training resumes from the regular checkpoint.
pub fn best_checkpoint_path(checkpoint: &Path) -> PathBuf {
    let stem = checkpoint
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match checkpoint.extension() {
        Some(ext) => format!("{stem}.best.{}", ext.to_string_lossy()),
        None => format!("{stem}.best"),
    };
    checkpoint.with_file_name(name)
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

/// Train `model` on `split` for `cfg.steps` steps, fewer if the run diverges or stops early, and report
/// the curves and how the run ended.
pub fn train(
    model: &mut Model,
    tokenizer: &Tokenizer,
    split: &dyn Batches,
    cfg: &TrainConfig,
    opts: &TrainOptions,
) -> Result<TrainReport> {
    train_with(model, tokenizer, split, cfg, opts, &mut |_, _| Ok(()))
}

/// What [`train_with`] calls after every evaluation, with the model and that step's record: e.g. to
/// measure what the model knows at this point of training (chapter 3's cloze accuracy).
pub type EvalHook<'a> = dyn FnMut(&Model, &Record) -> Result<()> + 'a;

// ANCHOR: train_loop
/// [`train`], calling `on_eval` after every evaluation (step 0 included).
pub fn train_with(
    model: &mut Model,
    tokenizer: &Tokenizer,
    split: &dyn Batches,
    cfg: &TrainConfig,
    opts: &TrainOptions,
    on_eval: &mut EvalHook,
) -> Result<TrainReport> {
    cfg.validate(model)?;
    model.set_precision(cfg.precision.kind_on(model.device()));
    let mut opt = Optimizer::new(model, cfg);
    let Resumed {
        step: start,
        mut tracker,
        mut best_weights,
    } = resume(model, &mut opt, cfg, opts)?;
    let mut log = opts
        .metrics_path
        .as_deref()
        .map(|p| MetricsLog::open(p, start > 0))
        .transpose()?;
    let progress = Progress::new(&opts.label, cfg.steps as u64, opts.progress);
    let tokens_per_step = cfg.tokens_per_step();
    let clock = Instant::now();
    let mut records = Vec::with_capacity(cfg.steps - start + 1);
    if start == 0 {
        let first = evaluate(model, split, cfg, 0);
        tracker.initial_train_loss = Some(first.train_loss);
        if tracker.observe(first) {
            keep_best(model, tokenizer, cfg, opts, &mut best_weights)?;
        }
        let first = initial_record(&first);
        if let Some(log) = &mut log {
            log.write(&first)?;
        }
        on_eval(model, &first)?;
        records.push(first);
    }
    let mut status = RunStatus::Completed;
    for step in start..cfg.steps {
        crate::device::seed(cfg.seed.wrapping_add(step as u64)); // dropout masks depend on (seed, step) only
        // ANCHOR: train_step
        let mut rng = step_rng(cfg.seed, step);
        opt.zero_grad();
        let mut loss = 0.0;
        for _ in 0..cfg.grad_accum_steps {
            let device = model.device();
            let (x, y) = split.batch(
                Part::Train,
                cfg.batch_size,
                cfg.block_size,
                &mut rng,
                device,
            );
            let micro_loss = model.loss(&x, &y, true) / cfg.grad_accum_steps as f64;
            micro_loss.backward(); // gradients add up over the micro-batches
            loss += micro_loss.double_value(&[]);
        }
        let grad_norm = opt.clip_grad_norm(cfg.grad_clip);
        let lr = cfg.lr_at(step);
        opt.step(lr);
        // ANCHOR_END: train_step

        let done = step + 1;
        let tokens_per_sec =
            ((done - start) * tokens_per_step) as f64 / clock.elapsed().as_secs_f64();
        let mut record = Record {
            step: done,
            tokens: done * tokens_per_step,
            lr,
            loss,
            grad_norm,
            train_loss: None,
            val_loss: None,
            tokens_per_sec,
        };
        // ANCHOR: stopping
        if tracker.diverged(record.loss, cfg) {
            status = RunStatus::Diverged { step: done };
        } else if done % cfg.eval_every.max(1) == 0 || done == cfg.steps {
            let eval = evaluate(model, split, cfg, done);
            if tracker.diverged(eval.train_loss, cfg) || !eval.val_loss.is_finite() {
                status = RunStatus::Diverged { step: done };
            } else {
                (record.train_loss, record.val_loss) = (Some(eval.train_loss), Some(eval.val_loss));
                if tracker.observe(eval) {
                    keep_best(model, tokenizer, cfg, opts, &mut best_weights)?;
                }
                if tracker.out_of_patience(cfg) && done < cfg.steps {
                    let best_step = tracker.best.map_or(0, |b| b.step);
                    status = RunStatus::EarlyStopped {
                        step: done,
                        best_step,
                    };
                }
            }
        }
        // ANCHOR_END: stopping
        progress.update(done as u64, &status_line(&record));
        if let Some(log) = &mut log {
            log.write(&record)?;
        }
        if record.val_loss.is_some() {
            on_eval(model, &record)?;
        }
        records.push(record);
        if let RunStatus::Diverged { .. } = status {
            break; // no checkpoint of the broken weights
        }
        let stopped_early = status != RunStatus::Completed;
        let checkpoint_due = cfg.checkpoint_every > 0 && done % cfg.checkpoint_every == 0;
        if let Some(path) = &opts.checkpoint_path
            && (checkpoint_due || done == cfg.steps || stopped_early)
        {
            let state = TrainState {
                step: done,
                train_config: serde_json::to_value(cfg)?,
                tracker: Some(tracker.clone()),
            };
            save_resumable(path, model, tokenizer, &state, &opt, best_weights.as_ref())?;
        }
        if stopped_early {
            break;
        }
    }
    match status {
        RunStatus::Completed => progress.finish("done"),
        other => progress.finish(&other.to_string()),
    }
    if let Some(best) = &best_weights {
        restore(model, best);
    }
    Ok(finish_report(
        model,
        split,
        cfg,
        records,
        &tracker,
        status,
        clock.elapsed().as_secs_f64(),
    ))
}
// ANCHOR_END: train_loop

/// Prefix of the best weights inside a checkpoint (written only when `restore_best` is set).
const BEST: &str = "best.";

/// A copy of every parameter, by name in name order: the best weights, kept while training goes on.
type Weights = Vec<(String, Tensor)>;

/// The parameters training changes (the adapters only, with LoRA), copied.
fn snapshot(model: &Model) -> Weights {
    model
        .trainable_params()
        .into_iter()
        .map(|(name, t)| (name, t.detach().copy()))
        .collect()
}

fn restore(model: &mut Model, weights: &Weights) {
    let mut vars: std::collections::HashMap<String, Tensor> =
        model.trainable_params().into_iter().collect();
    tch::no_grad(|| {
        for (name, saved) in weights {
            if let Some(var) = vars.get_mut(name) {
                var.copy_(saved);
            }
        }
    });
}

/// The model just reached its best evaluation: copy its weights if they are to be restored, and write them
/// to the best checkpoint when the run is checkpointed.
fn keep_best(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &TrainConfig,
    opts: &TrainOptions,
    best_weights: &mut Option<Weights>,
) -> Result<()> {
    if cfg.restore_best {
        *best_weights = Some(snapshot(model));
    }
    if let Some(path) = &opts.checkpoint_path
        && cfg.tracks_best()
    {
        checkpoint::save(&best_checkpoint_path(path), model, tokenizer, None)?;
    }
    Ok(())
}

/// The losses before the first step: where the curves start (near ln V for a fresh model).
fn initial_record(eval: &Evaluation) -> Record {
    Record {
        step: 0,
        tokens: 0,
        lr: 0.0,
        loss: eval.train_loss,
        grad_norm: 0.0,
        train_loss: Some(eval.train_loss),
        val_loss: Some(eval.val_loss),
        tokens_per_sec: 0.0,
    }
}

/// A checkpoint that can resume training: the model, the optimizer's state and, when the run keeps its best
/// weights, those too (as `best.<param>`).
fn save_resumable(
    path: &Path,
    model: &Model,
    tokenizer: &Tokenizer,
    state: &TrainState,
    opt: &Optimizer,
    best_weights: Option<&Weights>,
) -> Result<()> {
    let mut tensors = opt.state();
    if let Some(best) = best_weights {
        tensors.extend(
            best.iter()
                .map(|(n, t)| (format!("{BEST}{n}"), t.shallow_clone())),
        );
    }
    checkpoint::save(path, model, tokenizer, Some((state, tensors)))
}

fn status_line(r: &Record) -> String {
    let mut s = format!("loss {:.3}", r.loss);
    if let Some(v) = r.val_loss {
        s += &format!(" · val {v:.3}");
    }
    s + &format!(" · {:.0} tok/s", r.tokens_per_sec)
}

/// Where a run starts: step 0 with nothing remembered, or a checkpoint's step, tracker and best weights.
struct Resumed {
    step: usize,
    tracker: Tracker,
    best_weights: Option<Weights>,
}

/// Load the model and optimizer state from `opts.resume_from`; returns where to continue from.
fn resume(
    model: &mut Model,
    opt: &mut Optimizer,
    cfg: &TrainConfig,
    opts: &TrainOptions,
) -> Result<Resumed> {
    let Some(path) = &opts.resume_from else {
        return Ok(Resumed {
            step: 0,
            tracker: Tracker::default(),
            best_weights: None,
        });
    };
    let ckpt = checkpoint::load(path)?;
    ckpt.load_into(model)
        .with_context(|| format!("cannot resume from {}", path.display()))?;
    let state = ckpt
        .train_state
        .as_ref()
        .with_context(|| format!("{} holds no training state to resume", path.display()))?;
    let mut saved: TrainConfig = serde_json::from_value(state.train_config.clone())?;
    saved.steps = cfg.steps; // training longer than first planned is allowed
    if &saved != cfg {
        bail!(
            "cannot resume from {}: it was trained with another train config",
            path.display()
        );
    }
    if state.step > cfg.steps {
        bail!(
            "cannot resume from {}: it is at step {}, beyond steps = {}",
            path.display(),
            state.step,
            cfg.steps
        );
    }
    opt.load_state(&ckpt)
        .with_context(|| format!("cannot resume from {}", path.display()))?;
    let tracker = state.tracker.clone().unwrap_or_default();
    let best_weights = match tracker.best {
        Some(_) if cfg.restore_best => Some(
            snapshot(model)
                .into_iter()
                .map(|(name, t)| {
                    let saved = ckpt
                        .tensors
                        .get(&format!("{BEST}{name}"))
                        .with_context(|| {
                            format!(
                                "cannot resume from {}: it lacks {BEST}{name}",
                                path.display()
                            )
                        })?;
                    Ok((name, saved.to_device(t.device())))
                })
                .collect::<Result<Weights>>()?,
        ),
        _ => None,
    };
    Ok(Resumed {
        step: state.step,
        tracker,
        best_weights,
    })
}

/// The report: final losses of the weights the model ends with (see [`TrainReport::final_train_loss`]).
fn finish_report(
    model: &Model,
    split: &dyn Batches,
    cfg: &TrainConfig,
    records: Vec<Record>,
    tracker: &Tracker,
    status: RunStatus,
    seconds: f64,
) -> TrainReport {
    // Only a resume from a checkpoint that predates the tracker, with no evaluation since, lacks `last`.
    let last = tracker.last.unwrap_or_else(|| {
        let step = records.last().map_or(cfg.steps, |r| r.step);
        evaluate(model, split, cfg, step)
    });
    let best = tracker.best.unwrap_or(last);
    let end = if cfg.restore_best { best } else { last };
    TrainReport {
        tokens_per_sec: records.last().map_or(0.0, |r| r.tokens_per_sec),
        records,
        status,
        final_train_loss: end.train_loss,
        final_val_loss: end.val_loss,
        best_val_loss: best.val_loss,
        best_step: best.step,
        params: model.num_trainable_params(),
        seconds,
    }
}
