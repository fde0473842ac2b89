//! The chapter's texts, one shared character tokenizer, and every run of the sweeps as a [`Variant`]: one
//! change to a baseline config each.

use super::config::Ch02Config;
use crate::data::{CorpusSource, Split};
use crate::model::GptConfig;
use crate::optim::OptimizerKind;
use crate::run::RunDir;
use crate::sweep::{SweepSetup, Variant};
use crate::tokenizer::Tokenizer;
use crate::train::{Schedule, TrainConfig};
use anyhow::{Result, bail};
use std::path::PathBuf;

/// Every text of the chapter, and one character tokenizer fitted to all of them, so every run shares ids.
pub struct Texts {
    /// Part 1's corpus.
    pub corpus: String,
    /// Part 2's small training set.
    pub small: String,
    /// Part 2's held-out text.
    pub held_out: String,
    /// Other people's text for pretraining.
    pub pretrain: String,
    /// The shared tokenizer.
    pub tokenizer: Tokenizer,
}

impl Texts {
    /// Load (generate) every text of the chapter.
    pub fn load(cfg: &Ch02Config) -> Result<Self> {
        let corpus = cfg.corpus.load()?;
        let small = CorpusSource::World(cfg.small_world.clone()).load()?;
        let held_out = CorpusSource::World(cfg.held_out_world()).load()?;
        let diverse = CorpusSource::World(cfg.diverse_world()).load()?;
        let pretrain = CorpusSource::World(cfg.pretrain_world.clone()).load()?;
        let tokenizer = Tokenizer::char_level(
            &[&corpus, &small, &held_out, &diverse, &pretrain]
                .map(|s| s.as_str())
                .concat(),
        );
        Ok(Texts {
            corpus,
            small,
            held_out,
            pretrain,
            tokenizer,
        })
    }

    /// Token ids of `text`.
    pub fn encode(&self, text: &str) -> Vec<i64> {
        self.tokenizer.encode(text)
    }

    /// `text` split into training and validation parts.
    pub fn split(&self, text: &str, val_fraction: f64, block_size: usize) -> Result<Split> {
        Split::new(&self.encode(text), val_fraction, block_size)
    }
}

/// Where and how a sweep of chapter 2 runs on `split`: each variant writes under `run`, shares the texts'
/// tokenizer, starts from `cfg.seed`, shows progress as `cfg.progress` says and reuses finished runs unless
/// `cfg.fresh`, on `cfg.device`. (The steps
/// one at a time, as a notebook takes them; [`run`] does the same.)
pub fn sweep_setup<'a>(
    cfg: &Ch02Config,
    run: &'a RunDir,
    texts: &'a Texts,
    split: &'a Split,
) -> Result<SweepSetup<'a>> {
    Ok(SweepSetup {
        dir: run,
        tokenizer: &texts.tokenizer,
        split,
        device: cfg.device.resolve()?,
        seed: cfg.seed,
        progress: cfg.progress,
        fresh: cfg.fresh,
    })
}

pub(super) fn big_pretrain_split(texts: &Texts, cfg: &Ch02Config) -> Result<Split> {
    texts.split(
        &texts.pretrain,
        cfg.val_fraction,
        cfg.overfit_train.block_size,
    )
}

// ANCHOR: lr_variants
/// One AdamW run per learning rate, everything else equal.
pub fn lr_variants(cfg: &Ch02Config) -> Vec<Variant> {
    let run = |lr: f64| {
        Variant::new(
            format!("lr {lr}"),
            &cfg.small_model,
            TrainConfig {
                lr,
                ..cfg.base_train.clone()
            },
        )
    };
    cfg.learning_rates.iter().map(|&lr| run(lr)).collect()
}
// ANCHOR_END: lr_variants

/// SGD with momentum against AdamW, each at a rate that suits it.
pub fn optimizer_variants(cfg: &Ch02Config) -> Vec<Variant> {
    let sgd = TrainConfig {
        optimizer: OptimizerKind::Sgd,
        lr: cfg.sgd_lr,
        ..cfg.base_train.clone()
    };
    vec![
        Variant::new(format!("SGD lr {}", cfg.sgd_lr), &cfg.small_model, sgd),
        Variant::new(
            format!("AdamW lr {}", cfg.base_train.lr),
            &cfg.small_model,
            cfg.base_train.clone(),
        ),
    ]
}

/// At a high rate: constant from the first step, against warm-up then cosine decay.
pub fn schedule_variants(cfg: &Ch02Config) -> Vec<Variant> {
    let constant = TrainConfig {
        lr: cfg.schedule_lr,
        ..cfg.base_train.clone()
    };
    let warm = TrainConfig {
        schedule: Schedule::Cosine,
        warmup_steps: cfg.warmup_steps,
        ..constant.clone()
    };
    vec![
        Variant::new(
            format!("constant lr {}", cfg.schedule_lr),
            &cfg.small_model,
            constant,
        ),
        Variant::new(
            format!("warm-up + cosine lr {}", cfg.schedule_lr),
            &cfg.small_model,
            warm,
        ),
    ]
}

/// The large model on the small set, every step.
pub fn overfit_variant(cfg: &Ch02Config) -> Variant {
    Variant::new("baseline", &cfg.large_model, cfg.overfit_train.clone())
}

// ANCHOR: early_stopping_variant
/// The baseline with early stopping: it stops after `cfg.patience` evaluations without a lower validation
/// loss and ends with the weights of its best evaluation.
pub fn early_stopping_variant(cfg: &Ch02Config, baseline: &Variant) -> Variant {
    Variant {
        label: "early stopping".into(),
        train: TrainConfig {
            early_stopping_patience: cfg.patience,
            restore_best: true,
            ..baseline.train.clone()
        },
        ..baseline.clone()
    }
}
// ANCHOR_END: early_stopping_variant

/// Pretraining of the large model on other people's text (`cfg.pretrain_world`), whose checkpoint is the
/// "pretrained start" remedy's initial parameters.
pub fn pretrain_variant(cfg: &Ch02Config) -> Variant {
    let train = TrainConfig {
        steps: cfg.pretrain_steps,
        batch_size: 32,
        eval_every: cfg.pretrain_steps,
        ..cfg.overfit_train.clone()
    };
    Variant::new("pretraining on other people", &cfg.large_model, train)
}

// ANCHOR: remedies
/// The remedies for overfitting, each one change to the baseline at the same number of steps.
pub fn remedy_variants(
    cfg: &Ch02Config,
    baseline: &Variant,
    pretrained: Option<PathBuf>,
) -> Result<Vec<Variant>> {
    let Some(pretrained) = pretrained else {
        bail!("the pretraining run diverged: no checkpoint to start from")
    };
    let b = baseline.clone();
    Ok(vec![
        Variant {
            label: "more diverse data".into(),
            corpus: Some(CorpusSource::World(cfg.diverse_world())),
            ..b.clone()
        },
        Variant {
            label: "pretrained start".into(),
            init_from: Some(pretrained),
            ..b.clone()
        },
        Variant {
            label: format!("dropout {}", cfg.dropout),
            model: GptConfig {
                dropout: cfg.dropout,
                ..b.model.clone()
            },
            ..b.clone()
        },
        Variant {
            label: format!("weight decay {}", cfg.weight_decay),
            train: TrainConfig {
                weight_decay: cfg.weight_decay,
                ..b.train.clone()
            },
            ..b
        },
    ])
}
// ANCHOR_END: remedies
