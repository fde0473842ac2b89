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
//!
//! The loop is [`train_with`]; beside it, the config and schedule ([`config`]), the optimizers ([`optim`]),
//! the records and the report ([`record`]), evaluation and the stopping rules' memory ([`tracker`]), and
//! resuming with the best weights ([`resume`]).

pub mod config;
pub mod optim;
pub mod record;
pub mod resume;
pub mod tracker;

pub use config::{Schedule, TrainConfig};
pub use optim::{AdamW, AdamWKernel, GradNorm, Optimizer, OptimizerKind, Sgd};
pub use record::{Curve, Record, RunStatus, TrainReport};
pub use resume::best_checkpoint_path;
pub use tracker::{Evaluation, Tracker, estimate_loss, evaluate};

use crate::checkpoint::TrainState;
use crate::data::{Batches, Part, step_rng};
use crate::model::Model;
use crate::progress::{Progress, ProgressMode};
use crate::run::MetricsLog;
use crate::tokenizer::Tokenizer;
use anyhow::Result;
use resume::Weights;
use std::path::PathBuf;
use std::time::Instant;

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
    let mut run = Session::open(model, &mut opt, tokenizer, cfg, opts)?; // step 0, or where a checkpoint was
    if run.start == 0 {
        run.evaluate_start(model, split, on_eval)?;
    }
    let _training = crate::interrupt::Training::start(); // Ctrl-C now waits for the step to end
    let mut status = RunStatus::Completed;
    for step in run.start..cfg.steps {
        let (loss, grad_norm, lr) = train_step(model, &mut opt, split, cfg, step);
        let mut record = run.record(step + 1, lr, loss, grad_norm);
        status = run.evaluate_and_stop(model, split, &mut record)?;
        run.log(model, record, on_eval)?;
        if let RunStatus::Diverged { .. } = status {
            break; // no checkpoint of the broken weights
        }
        let interrupted = crate::interrupt::requested() && step + 1 < cfg.steps;
        run.checkpoint(model, &opt, step + 1, status, interrupted)?;
        if interrupted {
            return Err(run.interrupted(step + 1).into());
        }
        if status != RunStatus::Completed {
            break; // stopped early
        }
    }
    Ok(run.finish(model, split, status))
}
// ANCHOR_END: train_loop

// ANCHOR: train_step
/// One optimizer step over `grad_accum_steps` micro-batches: the step's loss, the gradient norm before
/// clipping, and the learning rate it used. (Public for the throughput bench, which times exactly this.)
pub fn train_step(
    model: &Model,
    opt: &mut Optimizer,
    split: &dyn Batches,
    cfg: &TrainConfig,
    step: usize,
) -> (f64, f64, f64) {
    crate::device::seed(cfg.seed.wrapping_add(step as u64)); // dropout masks depend on (seed, step) only
    let mut rng = step_rng(cfg.seed, step);
    opt.zero_grad();
    let mut micro_losses = Vec::with_capacity(cfg.grad_accum_steps);
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
        micro_losses.push(micro_loss.detach());
    }
    let grad_norm = opt.clip_grad_norm(cfg.grad_clip);
    let lr = cfg.lr_at(step);
    opt.step(lr);
    // numbers are read back only now: a GPU never waits for the host in the middle of a step
    let loss = micro_losses.iter().map(|l| l.double_value(&[])).sum();
    (loss, grad_norm.value(), lr)
}
// ANCHOR_END: train_step

/// One run's bookkeeping between the steps: where it started, the stopping rules' memory, the best weights,
/// the metrics log, the progress display and the records so far.
struct Session<'a> {
    cfg: &'a TrainConfig,
    opts: &'a TrainOptions,
    tokenizer: &'a Tokenizer,
    start: usize,
    tracker: Tracker,
    best_weights: Option<Weights>,
    log: Option<MetricsLog>,
    progress: Progress,
    clock: Instant,
    records: Vec<Record>,
}

impl<'a> Session<'a> {
    /// Start at step 0, or resume from `opts.resume_from` (model, optimizer, tracker and best weights).
    fn open(
        model: &mut Model,
        opt: &mut Optimizer,
        tokenizer: &'a Tokenizer,
        cfg: &'a TrainConfig,
        opts: &'a TrainOptions,
    ) -> Result<Self> {
        let resumed = resume::resume(model, opt, cfg, opts)?;
        let start = resumed.step;
        let log = opts
            .metrics_path
            .as_deref()
            .map(|p| MetricsLog::open(p, start > 0))
            .transpose()?;
        Ok(Session {
            cfg,
            opts,
            tokenizer,
            start,
            tracker: resumed.tracker,
            best_weights: resumed.best_weights,
            log,
            progress: Progress::new(&opts.label, cfg.steps as u64, opts.progress),
            clock: Instant::now(),
            records: Vec::with_capacity(cfg.steps - start + 1),
        })
    }

    /// The losses before the first step: where the curves start (near ln V for a fresh model), and the
    /// yardstick of divergence.
    fn evaluate_start(
        &mut self,
        model: &Model,
        split: &dyn Batches,
        on_eval: &mut EvalHook,
    ) -> Result<()> {
        let first = evaluate(model, split, self.cfg, 0);
        self.tracker.initial_train_loss = Some(first.train_loss);
        if self.tracker.observe(first) {
            self.keep_best(model)?;
        }
        let record = Record {
            step: 0,
            tokens: 0,
            lr: 0.0,
            loss: first.train_loss,
            grad_norm: 0.0,
            train_loss: Some(first.train_loss),
            val_loss: Some(first.val_loss),
            tokens_per_sec: 0.0,
        };
        self.write(model, record, on_eval)
    }

    /// The record of step `done` (evaluation losses still empty).
    fn record(&self, done: usize, lr: f64, loss: f64, grad_norm: f64) -> Record {
        let tokens_per_step = self.cfg.tokens_per_step();
        let tokens_per_sec =
            ((done - self.start) * tokens_per_step) as f64 / self.clock.elapsed().as_secs_f64();
        Record {
            step: done,
            tokens: done * tokens_per_step,
            lr,
            loss,
            grad_norm,
            train_loss: None,
            val_loss: None,
            tokens_per_sec,
        }
    }

    // ANCHOR: stopping
    /// After a step: diverged? At an evaluation step, estimate the losses (into `record`), keep the best
    /// weights, and stop early when patience has run out.
    fn evaluate_and_stop(
        &mut self,
        model: &Model,
        split: &dyn Batches,
        record: &mut Record,
    ) -> Result<RunStatus> {
        let (cfg, done) = (self.cfg, record.step);
        if self.tracker.diverged(record.loss, cfg) {
            return Ok(RunStatus::Diverged { step: done });
        }
        if done % cfg.eval_every.max(1) != 0 && done != cfg.steps {
            return Ok(RunStatus::Completed); // not an evaluation step
        }
        let eval = evaluate(model, split, cfg, done);
        if self.tracker.diverged(eval.train_loss, cfg) || !eval.val_loss.is_finite() {
            return Ok(RunStatus::Diverged { step: done });
        }
        (record.train_loss, record.val_loss) = (Some(eval.train_loss), Some(eval.val_loss));
        if self.tracker.observe(eval) {
            self.keep_best(model)?;
        }
        if self.tracker.out_of_patience(cfg) && done < cfg.steps {
            let best_step = self.tracker.best.map_or(0, |b| b.step);
            return Ok(RunStatus::EarlyStopped {
                step: done,
                best_step,
            });
        }
        Ok(RunStatus::Completed)
    }
    // ANCHOR_END: stopping

    /// The model just reached its best evaluation: see [`resume::keep_best`].
    fn keep_best(&mut self, model: &Model) -> Result<()> {
        let (cfg, opts) = (self.cfg, self.opts);
        resume::keep_best(model, self.tokenizer, cfg, opts, &mut self.best_weights)
    }

    /// Show the step's record, then [`Session::write`] it.
    fn log(&mut self, model: &Model, record: Record, on_eval: &mut EvalHook) -> Result<()> {
        self.progress
            .update(record.step as u64, &status_line(&record));
        self.write(model, record, on_eval)
    }

    /// Append `record` to the metrics log and the records, calling `on_eval` at an evaluation.
    fn write(&mut self, model: &Model, record: Record, on_eval: &mut EvalHook) -> Result<()> {
        if let Some(log) = &mut self.log {
            log.write(&record)?;
        }
        if record.val_loss.is_some() {
            on_eval(model, &record)?;
        }
        self.records.push(record);
        Ok(())
    }

    /// Write a resumable checkpoint after step `done` when one is due: every `checkpoint_every` steps (by
    /// default, `0`, at every evaluation), at the last step, when the run stops early, and when `forced`
    /// (a signal asked the run to stop).
    ///
    /// Why every evaluation by default: the loop already pauses there, the interval grows with the run
    /// (`eval_every` is what a config sets for "how often do I want to know"), a killed process loses at
    /// most one evaluation interval, and the checkpoints fall on the same steps on every machine — unlike
    /// "every N minutes", which would make a run's files depend on the speed of the machine.
    fn checkpoint(
        &self,
        model: &Model,
        opt: &Optimizer,
        done: usize,
        status: RunStatus,
        forced: bool,
    ) -> Result<()> {
        let cfg = self.cfg;
        let due = match cfg.checkpoint_every {
            0 => done.is_multiple_of(cfg.eval_every.max(1)),
            every => done.is_multiple_of(every),
        };
        let Some(path) = &self.opts.checkpoint_path else {
            return Ok(());
        };
        if !(forced || due || done == cfg.steps || status != RunStatus::Completed) {
            return Ok(());
        }
        let state = TrainState {
            step: done,
            train_config: serde_json::to_value(cfg)?,
            tracker: Some(serde_json::to_value(&self.tracker)?),
        };
        let best = self.best_weights.as_ref();
        resume::save_resumable(path, model, self.tokenizer, &state, opt, best)
    }

    /// Stop after step `done` at a signal's request (the checkpoint is written): how to resume.
    fn interrupted(self, done: usize) -> crate::interrupt::Interrupted {
        self.progress.finish("interrupted");
        crate::interrupt::Interrupted {
            step: done,
            checkpoint: self.opts.checkpoint_path.clone(),
        }
    }

    /// End the run: restore the best weights when asked, and report the final losses of the weights the
    /// model ends with (see [`TrainReport::final_train_loss`]).
    fn finish(self, model: &mut Model, split: &dyn Batches, status: RunStatus) -> TrainReport {
        match status {
            RunStatus::Completed => self.progress.finish("done"),
            other => self.progress.finish(&other.to_string()),
        }
        if let Some(best) = &self.best_weights {
            resume::restore(model, best);
        }
        let seconds = self.clock.elapsed().as_secs_f64();
        let (cfg, records) = (self.cfg, self.records);
        // Only a resume from a checkpoint that predates the tracker, with no evaluation since, lacks `last`.
        let last = self.tracker.last.unwrap_or_else(|| {
            let step = records.last().map_or(cfg.steps, |r| r.step);
            evaluate(model, split, cfg, step)
        });
        let best = self.tracker.best.unwrap_or(last);
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
}

fn status_line(r: &Record) -> String {
    let mut s = format!("loss {:.3}", r.loss);
    if let Some(v) = r.val_loss {
        s += &format!(" · val {v:.3}");
    }
    s + &format!(" · {:.0} tok/s", r.tokens_per_sec)
}
