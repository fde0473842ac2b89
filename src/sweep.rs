//! Sweeps as data: a list of labelled training configs, run one after another on the same data, their
//! results collected into one table (Markdown and CSV) and their curves into one chart.
//!
//! A variant may bring its own training text (same validation text) or start from a checkpoint, so one
//! mechanism serves a learning-rate sweep, an optimizer comparison and the remedies for overfitting.

use crate::checkpoint;
use crate::data::{CorpusSource, Split};
use crate::model::{GptConfig, Model, ModelConfig};
use crate::progress::ProgressMode;
use crate::run::{Reuse, RunDir, cached_beside};
use crate::tokenizer::Tokenizer;
use crate::train::{self, RunStatus, TrainConfig, TrainOptions, TrainReport};
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::PathBuf;
use tch::{Device, Tensor};

// ANCHOR: variant
/// One run of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Name in charts and tables; also the run's sub-directory (spaces become `-`).
    pub label: String,
    /// The GPT's shape (its vocabulary size comes from the tokenizer).
    pub model: GptConfig,
    /// How to train it.
    pub train: TrainConfig,
    /// Train on this text instead of the sweep's training split (validation stays the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus: Option<CorpusSource>,
    /// Start from this checkpoint's parameters instead of a random initialisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_from: Option<PathBuf>,
}
// ANCHOR_END: variant

impl Variant {
    /// A variant training `model` with `train` on the sweep's own data, from scratch.
    pub fn new(label: impl Into<String>, model: &GptConfig, train: TrainConfig) -> Self {
        Variant {
            label: label.into(),
            model: model.clone(),
            train,
            corpus: None,
            init_from: None,
        }
    }

    /// Refuse an impossible model or training config before anything trains.
    pub fn validate(&self) -> Result<()> {
        let model = ModelConfig::Gpt(GptConfig {
            vocab_size: 1,
            ..self.model.clone()
        });
        model
            .validate()
            .and_then(|()| self.train.validate_for(&model))
            .with_context(|| format!("sweep run '{}'", self.label))
    }

    /// The run's directory name.
    pub fn slug(&self) -> String {
        self.label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    }
}

/// A variant and what its training reported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// What ran.
    pub variant: Variant,
    /// How it went.
    pub report: TrainReport,
    /// Its final checkpoint (absent when the run diverged).
    pub checkpoint: Option<PathBuf>,
}

/// Where and how a sweep runs.
pub struct SweepSetup<'a> {
    /// Sub-directories `<dir>/<variant slug>/` receive each run's metrics and checkpoint.
    pub dir: &'a RunDir,
    /// The tokenizer every variant shares.
    pub tokenizer: &'a Tokenizer,
    /// Training and validation tokens (a variant's own corpus replaces the training part only).
    pub split: &'a Split,
    /// The device.
    pub device: Device,
    /// Seed of every variant's initialisation: variants differ only in what their config says.
    pub seed: u64,
    /// How to show progress.
    pub progress: ProgressMode,
    /// Train every variant again even when its directory holds a finished run of the same config.
    pub fresh: bool,
}

/// Run every variant in order. A variant whose directory already holds a finished run of exactly the same
/// inputs ([`VariantKey`]) is read back instead of trained again, unless `setup.fresh`.
pub fn run(setup: &SweepSetup, variants: &[Variant]) -> Result<Vec<Outcome>> {
    variants
        .iter()
        .map(|v| run_variant(setup, v).with_context(|| format!("sweep run '{}'", v.label)))
        .collect()
}

/// Everything that decides a variant's outcome: the cache key of its directory. The tokens stand in for the
/// texts and the tokenizer, the starting checkpoint for the run that wrote it.
#[derive(Serialize)]
struct VariantKey<'a> {
    variant: &'a Variant,
    /// Content fingerprint of `variant.init_from`.
    init_from: Option<String>,
    vocab_size: usize,
    /// Fingerprints of the training and validation token ids ([`Split::fingerprint`]).
    tokens: (String, String),
    seed: u64,
    /// The device, with its thread count on a CPU.
    device: String,
}

fn run_variant(setup: &SweepSetup, variant: &Variant) -> Result<Outcome> {
    let own_split;
    let split = match &variant.corpus {
        None => setup.split,
        Some(source) => {
            let ids = setup.tokenizer.encode(&source.load()?);
            if ids.len() <= variant.train.block_size {
                bail!(
                    "the training text has {} tokens: too few for block_size {}",
                    ids.len(),
                    variant.train.block_size
                );
            }
            own_split = Split {
                train: Tensor::from_slice(&ids),
                val: setup.split.val.shallow_clone(),
            };
            &own_split
        }
    };
    let key = VariantKey {
        variant,
        init_from: (variant.init_from.as_deref())
            .map(crate::run::file_fingerprint)
            .transpose()?,
        vocab_size: setup.tokenizer.vocab_size(),
        tokens: split.fingerprint()?,
        seed: setup.seed,
        device: crate::device::describe(setup.device),
    };
    let reuse = Reuse::new(setup.fresh, setup.progress);
    // a finished run that did not diverge saved its weights: without them it is trained again
    let weights = ("model.safetensors", |o: &Outcome| {
        !matches!(o.report.status, RunStatus::Diverged { .. })
    });
    let (mut outcome, _) = cached_beside(
        &setup.dir.path,
        &variant.slug(),
        &key,
        reuse,
        weights,
        |dir| train_variant(setup, variant, split, dir),
    )?;
    // where the weights are now, whichever directory the cached result was written from
    let checkpoint_path = setup
        .dir
        .path
        .join(variant.slug())
        .join("model.safetensors");
    outcome.checkpoint = checkpoint_path.exists().then_some(checkpoint_path);
    Ok(outcome)
}

/// Train `variant` on `split` into `dir`.
fn train_variant(
    setup: &SweepSetup,
    variant: &Variant,
    split: &Split,
    dir: &RunDir,
) -> Result<Outcome> {
    let model_cfg = ModelConfig::Gpt(GptConfig {
        vocab_size: setup.tokenizer.vocab_size(),
        ..variant.model.clone()
    });
    crate::device::seed(setup.seed);
    let mut model = Model::new(&model_cfg, setup.device)?;
    if let Some(path) = &variant.init_from {
        checkpoint::load(path)?
            .load_into(&mut model)
            .with_context(|| format!("cannot start from {}", path.display()))?;
    }
    let checkpoint_path = dir.file("model.safetensors");
    let _ = std::fs::remove_file(&checkpoint_path); // another config's: a diverged run writes none
    let opts = TrainOptions {
        label: variant.label.clone(),
        progress: setup.progress,
        metrics_path: Some(dir.file("metrics.jsonl")),
        checkpoint_path: Some(checkpoint_path.clone()),
        resume_from: None,
    };
    let report = train::train(&mut model, setup.tokenizer, split, &variant.train, &opts)?;
    let checkpoint = checkpoint_path.exists().then_some(checkpoint_path);
    Ok(Outcome {
        variant: variant.clone(),
        report,
        checkpoint,
    })
}

/// A results table: column names and rows of cells.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// One row per run.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The table in GitHub-flavoured Markdown.
    pub fn markdown(&self) -> String {
        let mut md = format!(
            "| {} |\n|{}\n",
            self.columns.join(" | "),
            "---|".repeat(self.columns.len())
        );
        for row in &self.rows {
            let _ = writeln!(md, "| {} |", row.join(" | "));
        }
        md
    }

    /// The table as CSV (cells containing a comma or a quote are quoted).
    pub fn csv(&self) -> String {
        let line = |cells: &[String]| {
            cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(",")
                + "\n"
        };
        std::iter::once(line(&self.columns))
            .chain(self.rows.iter().map(|r| line(r)))
            .collect()
    }
}

fn csv_cell(cell: &str) -> String {
    if cell.contains([',', '"', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

/// How a run ended, in a table cell.
pub fn status_cell(status: &RunStatus) -> String {
    match status {
        RunStatus::Completed => "completed".into(),
        RunStatus::Diverged { step } => format!("diverged at step {step}"),
        RunStatus::EarlyStopped { step, .. } => format!("stopped early at step {step}"),
    }
}

// ANCHOR: results_table
/// The results table's columns.
pub const RESULTS_COLUMNS: [&str; 11] = [
    "run",
    "optimizer",
    "lr",
    "schedule",
    "dropout",
    "weight decay",
    "status",
    "train loss",
    "val loss",
    "best val (step)",
    "seconds",
];

/// One row per run: its hyperparameters, how it ended, and its losses.
pub fn results_table(outcomes: &[Outcome]) -> Table {
    let rows = outcomes
        .iter()
        .map(|o| {
            let (t, r) = (&o.variant.train, &o.report);
            vec![
                o.variant.label.clone(),
                serde_json::to_value(t.optimizer)
                    .map(|v| v.as_str().unwrap_or_default().to_string())
                    .unwrap_or_default(),
                format!("{}", t.lr),
                if t.warmup_steps > 0 {
                    format!("{:?}, warm-up {}", t.schedule, t.warmup_steps)
                } else {
                    format!("{:?}", t.schedule)
                }
                .to_lowercase(),
                format!("{}", o.variant.model.dropout),
                format!("{}", t.weight_decay),
                status_cell(&r.status),
                format!("{:.3}", r.final_train_loss),
                format!("{:.3}", r.final_val_loss),
                format!("{:.3} ({})", r.best_val_loss, r.best_step),
                format!("{:.1}", r.seconds),
            ]
        })
        .collect();
    Table {
        columns: RESULTS_COLUMNS.map(String::from).to_vec(),
        rows,
    }
}
// ANCHOR_END: results_table
