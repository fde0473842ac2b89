//! The trainer: a plain loop, as in nanoGPT.
//!
//! ```text
//! for step in 0..steps:
//!     x, y   = random batch of training windows      (the text supplies its own targets)
//!     loss   = cross_entropy(model(x), y)
//!     grads  = ∂loss/∂θ                               (backward)
//!     θ      = AdamW(θ, grads, lr(step))              (one optimizer step)
//!     every eval_every steps: estimate train and validation loss on held-out batches
//! ```
//!
//! Every step's metrics go to `metrics.jsonl`; checkpoints hold the optimizer state too, and the data order
//! and dropout masks are pure functions of (seed, step), so a resumed run continues the *same* loss curve.

use crate::checkpoint::{self, TrainState};
use crate::data::{Split, random_batch, step_rng};
use crate::model::Model;
use crate::progress::{Progress, ProgressMode};
use crate::run::MetricsLog;
use crate::tokenizer::Tokenizer;
use anyhow::{Context, Result, bail};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;
use tch::{Kind, Tensor};

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
    /// Windows per batch.
    pub batch_size: usize,
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
    /// AdamW's decoupled weight decay, applied to matrices (not to biases and norms).
    pub weight_decay: f64,
    /// AdamW's β₁ (momentum of the gradient).
    pub beta1: f64,
    /// AdamW's β₂ (momentum of the squared gradient).
    pub beta2: f64,
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
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            steps: 1000,
            batch_size: 32,
            block_size: 64,
            lr: 3e-3,
            schedule: Schedule::Cosine,
            warmup_steps: 50,
            min_lr_ratio: 0.1,
            weight_decay: 0.1,
            beta1: 0.9,
            beta2: 0.99,
            grad_clip: 1.0,
            eval_every: 100,
            eval_batches: 10,
            checkpoint_every: 0,
            seed: 1337,
        }
    }
}

impl TrainConfig {
    /// Reject impossible settings with one message naming the field.
    pub fn validate(&self, model: &Model) -> Result<()> {
        if self.steps == 0 || self.batch_size == 0 || self.block_size == 0 || self.eval_batches == 0
        {
            bail!(
                "train config: steps, batch_size, block_size and eval_batches must all be at least 1"
            );
        }
        if let Some(max) = model.config().block_size()
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
        Ok(())
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
}

// ANCHOR: adamw
/// AdamW (Loshchilov & Hutter), written out so the book can show it and checkpoints can hold its state:
///
/// m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − lr·( m̂ / (√v̂ + ε) + λθ ),
/// with bias corrections m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), and decay λ only on matrices.
pub struct AdamW {
    params: Vec<(String, Tensor)>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    t: i32,
    beta1: f64,
    beta2: f64,
    weight_decay: f64,
    eps: f64,
}

impl AdamW {
    /// An optimizer over every trainable parameter of `model`, in name order.
    pub fn new(model: &Model, cfg: &TrainConfig) -> Self {
        let mut params: Vec<(String, Tensor)> = model.vs.variables().into_iter().collect();
        params.sort_by(|a, b| a.0.cmp(&b.0));
        let zeros = |p: &(String, Tensor)| p.1.zeros_like();
        AdamW {
            m: params.iter().map(zeros).collect(),
            v: params.iter().map(zeros).collect(),
            params,
            t: 0,
            beta1: cfg.beta1,
            beta2: cfg.beta2,
            weight_decay: cfg.weight_decay,
            eps: 1e-8,
        }
    }

    /// Forget the gradients of the previous step.
    pub fn zero_grad(&mut self) {
        for (_, p) in &mut self.params {
            p.zero_grad();
        }
    }

    /// Scale all gradients so their global L2 norm is at most `max_norm`; returns the norm before clipping.
    pub fn clip_grad_norm(&mut self, max_norm: f64) -> f64 {
        let grads: Vec<Tensor> = self
            .params
            .iter()
            .map(|(_, p)| p.grad())
            .filter(Tensor::defined)
            .collect();
        let norm = grads
            .iter()
            .map(|g| g.pow_tensor_scalar(2).sum(Kind::Float).double_value(&[]))
            .sum::<f64>()
            .sqrt();
        if max_norm > 0.0 && norm > max_norm {
            let scale = max_norm / (norm + 1e-6);
            tch::no_grad(|| {
                grads.iter().for_each(|g| {
                    let _ = g.shallow_clone().g_mul_scalar_(scale);
                })
            });
        }
        norm
    }

    /// One update with learning rate `lr`.
    pub fn step(&mut self, lr: f64) {
        self.t += 1;
        let (b1, b2) = (self.beta1, self.beta2);
        let bias1 = 1.0 - b1.powi(self.t);
        let bias2 = 1.0 - b2.powi(self.t);
        tch::no_grad(|| {
            for ((p, m), v) in self
                .params
                .iter_mut()
                .map(|(_, p)| p)
                .zip(&mut self.m)
                .zip(&mut self.v)
            {
                let g = p.grad();
                if !g.defined() {
                    continue;
                }
                *m = &*m * b1 + &g * (1.0 - b1);
                *v = &*v * b2 + g.square() * (1.0 - b2);
                let mut update = (&*m / bias1) / ((&*v / bias2).sqrt() + self.eps);
                if p.dim() >= 2 {
                    update += &*p * self.weight_decay;
                }
                let _ = p.g_sub_(&(update * lr));
            }
        });
    }

    /// The optimizer's state as named tensors, for checkpoints: `optim.m.<param>`, `optim.v.<param>`, `optim.t`.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = vec![("optim.t".to_string(), Tensor::from(self.t as f32))];
        for ((name, _), (m, v)) in self.params.iter().zip(self.m.iter().zip(&self.v)) {
            out.push((format!("optim.m.{name}"), m.shallow_clone()));
            out.push((format!("optim.v.{name}"), v.shallow_clone()));
        }
        out
    }

    /// Restore the state written by [`AdamW::state`].
    pub fn load_state(&mut self, ckpt: &checkpoint::Checkpoint) -> Result<()> {
        let t = ckpt
            .tensors
            .get("optim.t")
            .context("checkpoint has no optimizer state (optim.t)")?;
        self.t = t.double_value(&[]) as i32;
        for ((name, p), (m, v)) in self
            .params
            .iter()
            .zip(self.m.iter_mut().zip(self.v.iter_mut()))
        {
            let get = |kind: &str| {
                ckpt.tensors
                    .get(&format!("optim.{kind}.{name}"))
                    .with_context(|| format!("checkpoint lacks optim.{kind}.{name}"))
            };
            *m = get("m")?.to_device(p.device());
            *v = get("v")?.to_device(p.device());
        }
        Ok(())
    }
}
// ANCHOR_END: adamw

/// Points `(step, loss)` of a loss curve.
pub type Curve = Vec<(f64, f64)>;

/// One line of `metrics.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Steps finished.
    pub step: usize,
    /// Training tokens seen so far.
    pub tokens: usize,
    /// Learning rate of this step.
    pub lr: f64,
    /// Loss of this step's batch.
    pub loss: f64,
    /// Gradient norm before clipping.
    pub grad_norm: f64,
    /// Estimated training loss (on `eval_batches` batches), at evaluation steps.
    pub train_loss: Option<f64>,
    /// Estimated validation loss, at evaluation steps.
    pub val_loss: Option<f64>,
    /// Training throughput so far.
    pub tokens_per_sec: f64,
}

/// What a training run produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// Every step's record (for a resumed run: the steps run now).
    pub records: Vec<Record>,
    /// Estimated training loss after the last step.
    pub final_train_loss: f64,
    /// Estimated validation loss after the last step.
    pub final_val_loss: f64,
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
    /// Write checkpoints (with optimizer state) here.
    pub checkpoint_path: Option<PathBuf>,
    /// Continue from this checkpoint (written by an earlier run of the same config).
    pub resume_from: Option<PathBuf>,
}

/// Mean loss over `batches` batches of `tokens`, drawn by a generator seeded with `seed`: the same windows
/// at every evaluation, so changes in the curve come from the model, not from the sample.
pub fn estimate_loss(model: &Model, tokens: &Tensor, cfg: &TrainConfig, seed: u64) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let total: f64 = (0..cfg.eval_batches)
        .map(|_| {
            let (x, y) = random_batch(
                tokens,
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

// ANCHOR: train_loop
/// Train `model` on `split` for `cfg.steps` steps and report the curves.
pub fn train(
    model: &mut Model,
    tokenizer: &Tokenizer,
    split: &Split,
    cfg: &TrainConfig,
    opts: &TrainOptions,
) -> Result<TrainReport> {
    cfg.validate(model)?;
    let mut opt = AdamW::new(model, cfg);
    let start = resume(model, &mut opt, cfg, opts)?;
    let mut log = opts
        .metrics_path
        .as_deref()
        .map(|p| MetricsLog::open(p, start > 0))
        .transpose()?;
    let progress = Progress::new(&opts.label, cfg.steps as u64, opts.progress);
    let tokens_per_step = cfg.batch_size * cfg.block_size;
    let clock = Instant::now();
    let mut records = Vec::with_capacity(cfg.steps - start + 1);
    if start == 0 {
        let first = initial_record(model, split, cfg);
        if let Some(log) = &mut log {
            log.write(&first)?;
        }
        records.push(first);
    }
    for step in start..cfg.steps {
        crate::device::seed(cfg.seed.wrapping_add(step as u64)); // dropout masks depend on (seed, step) only
        // ANCHOR: train_step
        let mut rng = step_rng(cfg.seed, step);
        let (x, y) = random_batch(
            &split.train,
            cfg.batch_size,
            cfg.block_size,
            &mut rng,
            model.device(),
        );
        let loss = model.loss(&x, &y, true);
        opt.zero_grad();
        loss.backward();
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
            loss: loss.double_value(&[]),
            grad_norm,
            train_loss: None,
            val_loss: None,
            tokens_per_sec,
        };
        if done % cfg.eval_every.max(1) == 0 || done == cfg.steps {
            record.train_loss = Some(estimate_loss(
                model,
                &split.train,
                cfg,
                cfg.seed ^ 0x7261_696e,
            ));
            record.val_loss = Some(estimate_loss(
                model,
                &split.val,
                cfg,
                cfg.seed ^ 0x7661_6c00,
            ));
        }
        progress.update(done as u64, &status_line(&record));
        if let Some(log) = &mut log {
            log.write(&record)?;
        }
        records.push(record);
        let checkpoint_due = cfg.checkpoint_every > 0 && done % cfg.checkpoint_every == 0;
        if let Some(path) = &opts.checkpoint_path
            && (checkpoint_due || done == cfg.steps)
        {
            let state = TrainState {
                step: done,
                train_config: serde_json::to_value(cfg)?,
            };
            checkpoint::save(path, model, tokenizer, Some((&state, opt.state())))?;
        }
    }
    progress.finish("done");
    finish_report(model, split, cfg, records, clock.elapsed().as_secs_f64())
}
// ANCHOR_END: train_loop

/// The losses before the first step: where the curves start (near ln V for a fresh model).
fn initial_record(model: &Model, split: &Split, cfg: &TrainConfig) -> Record {
    let train_loss = estimate_loss(model, &split.train, cfg, cfg.seed ^ 0x7261_696e);
    let val_loss = estimate_loss(model, &split.val, cfg, cfg.seed ^ 0x7661_6c00);
    Record {
        step: 0,
        tokens: 0,
        lr: 0.0,
        loss: train_loss,
        grad_norm: 0.0,
        train_loss: Some(train_loss),
        val_loss: Some(val_loss),
        tokens_per_sec: 0.0,
    }
}

fn status_line(r: &Record) -> String {
    let mut s = format!("loss {:.3}", r.loss);
    if let Some(v) = r.val_loss {
        s += &format!(" · val {v:.3}");
    }
    s + &format!(" · {:.0} tok/s", r.tokens_per_sec)
}

/// Load the model and optimizer state from `opts.resume_from`; returns the step to continue from.
fn resume(
    model: &mut Model,
    opt: &mut AdamW,
    cfg: &TrainConfig,
    opts: &TrainOptions,
) -> Result<usize> {
    let Some(path) = &opts.resume_from else {
        return Ok(0);
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
    opt.load_state(&ckpt)?;
    Ok(state.step)
}

fn finish_report(
    model: &Model,
    split: &Split,
    cfg: &TrainConfig,
    records: Vec<Record>,
    seconds: f64,
) -> Result<TrainReport> {
    let last = records.last().cloned();
    let (final_train_loss, final_val_loss) = match last
        .as_ref()
        .and_then(|r| Some((r.train_loss?, r.val_loss?)))
    {
        Some(pair) => pair,
        None => (
            estimate_loss(model, &split.train, cfg, cfg.seed ^ 0x7261_696e),
            estimate_loss(model, &split.val, cfg, cfg.seed ^ 0x7661_6c00),
        ),
    };
    Ok(TrainReport {
        tokens_per_sec: last.map_or(0.0, |r| r.tokens_per_sec),
        records,
        final_train_loss,
        final_val_loss,
        params: model.num_params(),
        seconds,
    })
}
