//! Chapter 2 — optimization and overfitting: why training fails, and what helps.
//!
//! Two different ways to fail, each shown by an experiment and its chart:
//! 1. **Training fails**: the parameters found do not even fit the training data. A learning-rate sweep over
//!    four orders of magnitude (too high diverges, too low stalls), SGD against AdamW, and warm-up with
//!    cosine decay against a constant rate. Remedy: change the hyperparameters and train again.
//! 2. **Training succeeds, testing fails** (overfitting): a model large for its data drives the training
//!    loss down while the validation loss turns up; early stopping keeps the best checkpoint. Remedies,
//!    each measured against that baseline: more diverse data, a pretrained start, dropout, weight decay.
//!
//! The code, one file per part: [`config`], the texts and the sweep's variants ([`variants`]), the [`figures`]
//! and the [`report`], in the words of the run's language ([`words`]).

pub mod config;
pub mod figures;
pub mod report;
pub mod variants;
pub mod words;

pub use config::*;
pub use figures::*;
pub use report::*;
pub use variants::*;

use crate::data::Split;
use crate::data::world::Language;
use crate::run::RunDir;
use crate::sweep::{self, Outcome};
use crate::train::{Curve, RunStatus};
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;

/// One run's headline numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The run's label.
    pub label: String,
    /// How it ended.
    pub status: RunStatus,
    /// Estimated training loss at the end.
    pub train_loss: f64,
    /// Validation loss at the end.
    pub val_loss: f64,
    /// Lowest validation loss, and its step.
    pub best_val_loss: f64,
    /// Step of the lowest validation loss.
    pub best_step: usize,
    /// Wall time.
    pub seconds: f64,
    /// Peak learning rate.
    pub lr: f64,
    /// Steps run (fewer than the config's when the run diverged or stopped early).
    pub steps: usize,
    /// `(step, estimated training loss)` at every evaluation.
    pub train_curve: Curve,
    /// `(step, validation loss)` at every evaluation.
    pub val_curve: Curve,
}

impl RunSummary {
    /// The summary of `o`, its label in `language` ([`words::run_label`]).
    pub fn in_language(o: &Outcome, language: Language) -> Self {
        RunSummary {
            label: words::run_label(language, &o.variant.label),
            ..RunSummary::from(o)
        }
    }
}

impl From<&Outcome> for RunSummary {
    fn from(o: &Outcome) -> Self {
        let r = &o.report;
        let (train_curve, val_curve) = r.eval_curves();
        RunSummary {
            label: o.variant.label.clone(),
            status: r.status,
            train_loss: r.final_train_loss,
            val_loss: r.final_val_loss,
            best_val_loss: r.best_val_loss,
            best_step: r.best_step,
            seconds: r.seconds,
            lr: o.variant.train.lr,
            steps: r.records.last().map_or(0, |rec| rec.step),
            train_curve,
            val_curve,
        }
    }
}

/// What chapter 2 measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ch02Result {
    /// The device.
    pub device: String,
    /// The language of the run: its report, results table, charts and run labels are written in it.
    #[serde(default, skip_serializing_if = "Language::is_english")]
    pub language: Language,
    /// Vocabulary size of the shared character tokenizer.
    pub vocab_size: usize,
    /// Part 1: one run per learning rate.
    pub lr_sweep: Vec<RunSummary>,
    /// Part 1: SGD against AdamW.
    pub optimizers: Vec<RunSummary>,
    /// Part 1: constant rate against warm-up and cosine decay.
    pub schedules: Vec<RunSummary>,
    /// Part 2: the overfitting baseline, trained for all its steps.
    pub overfit: RunSummary,
    /// Part 2: the same run with early stopping, ending on its best weights.
    pub early_stopped: RunSummary,
    /// Part 2: each remedy, with the baseline first.
    pub remedies: Vec<RunSummary>,
    /// Characters of the small training set and of the held-out text.
    pub small_set_chars: (usize, usize),
    /// Every run's hyperparameters and results (also in results.csv).
    pub table: sweep::Table,
    /// The run directory.
    pub run_dir: PathBuf,
    /// Total wall time.
    pub seconds: f64,
}

/// Run chapter 2's experiments and write `runs/<run_name>/`.
pub fn run(cfg: &Ch02Config) -> Result<Ch02Result> {
    let clock = Instant::now();
    let cfg = &cfg.localized()?;
    cfg.validate()?;
    let device = super::prepare(cfg.device, cfg.threads, cfg.seed)?;
    let run = RunDir::create(&cfg.runs_dir, &cfg.run_name)?;
    run.write_json("config.json", cfg)?;
    let texts = Texts::load(cfg)?;
    let setup = |split| sweep_setup(cfg, &run, &texts, split);

    let big = texts.split(&texts.corpus, cfg.val_fraction, cfg.base_train.block_size)?;
    let lr_sweep = sweep::run(&setup(&big)?, &lr_variants(cfg))?;
    let optimizers = sweep::run(&setup(&big)?, &optimizer_variants(cfg))?;
    let schedules = sweep::run(&setup(&big)?, &schedule_variants(cfg))?;

    let small = Split::from_parts(
        &texts.encode(&texts.small),
        &texts.encode(&texts.held_out),
        cfg.overfit_train.block_size,
    )?;
    let other_people = big_pretrain_split(&texts, cfg)?;
    let pretrained = sweep::run(&setup(&other_people)?, &[pretrain_variant(cfg)])?;
    let baseline = overfit_variant(cfg);
    let stopped = early_stopping_variant(cfg, &baseline);
    let part2 = sweep::run(&setup(&small)?, &[baseline.clone(), stopped])?;
    let remedies = sweep::run(
        &setup(&small)?,
        &remedy_variants(cfg, &baseline, pretrained[0].checkpoint.clone())?,
    )?;
    let mut with_baseline = vec![part2[0].clone()];
    with_baseline.extend(remedies.iter().cloned());

    let all: Vec<Outcome> = [
        &lr_sweep,
        &optimizers,
        &schedules,
        &pretrained,
        &part2,
        &remedies,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    let table = results_table(&all, cfg.language);
    run.write_text("results.csv", &table.csv())?;
    let summary = |o: &Outcome| RunSummary::in_language(o, cfg.language);
    let summaries = |o: &[Outcome]| o.iter().map(summary).collect::<Vec<_>>();
    let result = Ch02Result {
        device: crate::device::describe(device),
        language: cfg.language,
        vocab_size: texts.tokenizer.vocab_size(),
        lr_sweep: summaries(&lr_sweep),
        optimizers: summaries(&optimizers),
        schedules: summaries(&schedules),
        overfit: summary(&part2[0]),
        early_stopped: summary(&part2[1]),
        remedies: summaries(&with_baseline),
        small_set_chars: (texts.small.chars().count(), texts.held_out.chars().count()),
        table,
        run_dir: run.path.clone(),
        seconds: clock.elapsed().as_secs_f64(),
    };
    super::write_outputs(&run, &result, figures::draw(&result)?, &report(&result))?;
    Ok(result)
}
