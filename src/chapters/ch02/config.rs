//! Chapter 2's config: the models, the training runs of both parts, the sweep's rates and the remedies.

use super::variants::{
    early_stopping_variant, lr_variants, optimizer_variants, overfit_variant, pretrain_variant,
    remedy_variants, schedule_variants,
};
use crate::data::CorpusSource;
use crate::data::world::{Language, MAX_DIVERSITY, WorldConfig};
use crate::device::DeviceChoice;
use crate::model::GptConfig;
use crate::progress::ProgressMode;
use crate::sweep::Variant;
use crate::train::{Schedule, TrainConfig};
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Everything chapter 2's experiments need; `chapters/02-optimization-and-overfitting/config.json` holds the
/// defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ch02Config {
    /// Runs are written to `<runs_dir>/<run_name>/`.
    pub runs_dir: PathBuf,
    /// Name of this run's directory.
    pub run_name: String,
    /// Where to compute.
    pub device: DeviceChoice,
    /// CPU threads for libtorch (0 = one per core).
    pub threads: usize,
    /// Seed of every model's initialisation.
    pub seed: u64,
    /// How to show training progress.
    pub progress: ProgressMode,
    /// Compute every sub-run again, overwriting its directory, instead of reading back those an earlier run
    /// finished with the same config (`--fresh`: after a change to the code, which no config records).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,

    /// The language of the run, `"en"` (the default) or `"zh"`: every world of the chapter is told in it,
    /// and a Chinese run writes under `<runs_dir>/zh/`.
    #[serde(skip_serializing_if = "Language::is_english")]
    pub language: Language,

    /// Part 1's text (plenty of it: here only optimization can fail).
    pub corpus: CorpusSource,
    /// Fraction of part 1's text held out for validation.
    pub val_fraction: f64,
    /// Part 1's model: small, so that each of the many runs takes seconds.
    pub small_model: GptConfig,
    /// Part 1's training: a constant rate and no gradient clipping, so a bad rate shows.
    pub base_train: TrainConfig,
    /// The learning rates of the sweep (AdamW).
    pub learning_rates: Vec<f64>,
    /// SGD's learning rate in the optimizer comparison (AdamW uses `base_train.lr`).
    pub sgd_lr: f64,
    /// A high rate at which warm-up and cosine decay are compared with a constant rate.
    pub schedule_lr: f64,
    /// Warm-up steps of that comparison.
    pub warmup_steps: usize,

    /// Part 2's small training set: a few people, one wording per fact.
    pub small_world: WorldConfig,
    /// Seed of the held-out text: the same people and facts, told anew in every wording.
    pub held_out_seed: u64,
    /// Other people's text, to pretrain a start for the "prior knowledge" remedy.
    pub pretrain_world: WorldConfig,
    /// Steps of that pretraining.
    pub pretrain_steps: usize,
    /// Part 2's model: large for its data.
    pub large_model: GptConfig,
    /// Part 2's training.
    pub overfit_train: TrainConfig,
    /// Evaluations without improvement before early stopping.
    pub patience: usize,
    /// Dropout of the dropout remedy.
    pub dropout: f64,
    /// Weight decay of the weight-decay remedy.
    pub weight_decay: f64,
}

impl Default for Ch02Config {
    fn default() -> Self {
        let base_train = TrainConfig {
            steps: 300,
            lr: 3e-3,
            schedule: Schedule::Constant,
            warmup_steps: 0,
            grad_clip: 0.0,
            eval_every: 25,
            eval_batches: 5,
            ..TrainConfig::default()
        };
        Ch02Config {
            runs_dir: PathBuf::from("runs"),
            run_name: "ch02".into(),
            device: DeviceChoice::Auto,
            threads: 0,
            seed: 1337,
            progress: ProgressMode::Auto,
            fresh: false,
            language: Language::En,
            corpus: CorpusSource::default(),
            val_fraction: 0.1,
            small_model: GptConfig {
                block_size: 64,
                n_layer: 2,
                n_head: 4,
                n_embd: 64,
                ..GptConfig::default()
            },
            base_train,
            learning_rates: vec![1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 1.0],
            sgd_lr: 0.1,
            schedule_lr: 3e-2,
            warmup_steps: 30,
            small_world: WorldConfig {
                seed: 42,
                n_people: 8,
                diversity: 1,
                docs_per_person: 2,
                ..WorldConfig::default()
            },
            held_out_seed: 2026,
            pretrain_world: WorldConfig {
                seed: 7,
                ..WorldConfig::default()
            },
            pretrain_steps: 600,
            large_model: GptConfig {
                block_size: 64,
                n_layer: 4,
                n_head: 4,
                n_embd: 128,
                ..GptConfig::default()
            },
            overfit_train: TrainConfig {
                steps: 600,
                batch_size: 16,
                lr: 1e-3,
                schedule: Schedule::Constant,
                warmup_steps: 20,
                weight_decay: 0.0,
                eval_every: 25,
                eval_batches: 8,
                ..TrainConfig::default()
            },
            patience: 4,
            dropout: 0.2,
            weight_decay: 1.0,
        }
    }
}

impl Ch02Config {
    /// Refuse a config that could only fail after minutes of training.
    pub fn validate(&self) -> Result<()> {
        if self.learning_rates.len() < 2
            || self
                .learning_rates
                .iter()
                .any(|lr| !(*lr > 0.0 && lr.is_finite()))
        {
            bail!("ch02 config: learning_rates needs at least two positive rates");
        }
        for (name, model, train) in [
            ("small", &self.small_model, &self.base_train),
            ("large", &self.large_model, &self.overfit_train),
        ] {
            crate::model::ModelConfig::Gpt(GptConfig {
                vocab_size: 1,
                ..model.clone()
            })
            .validate()?;
            if train.block_size > model.block_size {
                bail!(
                    "ch02 config: the {name} model's training block_size {} exceeds its block_size {}",
                    train.block_size,
                    model.block_size
                );
            }
        }
        if self.patience == 0 {
            bail!("ch02 config: patience must be at least 1");
        }
        self.variants().iter().try_for_each(Variant::validate)
    }

    /// Every run the chapter will make, so a bad rate, step count or dropout fails before the first one
    /// trains (the pretrained start's checkpoint does not exist yet; only its name is used here).
    fn variants(&self) -> Vec<Variant> {
        let baseline = overfit_variant(self);
        let mut all = [
            lr_variants(self),
            optimizer_variants(self),
            schedule_variants(self),
        ]
        .concat();
        all.extend([
            pretrain_variant(self),
            early_stopping_variant(self, &baseline),
        ]);
        all.extend(
            remedy_variants(self, &baseline, Some(PathBuf::from("pretrained"))).unwrap_or_default(),
        );
        all.push(baseline);
        all
    }

    /// Put the run in `language` (`--lang`): every world of the chapter told in it.
    pub fn set_language(&mut self, language: Language) {
        self.language = language;
    }

    /// The config as the run uses it: every world told in the chapter's language, and a Chinese run's
    /// directory under `zh/` ([`crate::chapters::runs_dir_in`]).
    pub fn localized(&self) -> Result<Self> {
        use crate::chapters::{localize_corpus, localize_world, runs_dir_in};
        let mut cfg = self.clone();
        localize_corpus(&mut cfg.corpus, cfg.language, "corpus")?;
        localize_world(&mut cfg.small_world, cfg.language, "small_world")?;
        localize_world(&mut cfg.pretrain_world, cfg.language, "pretrain_world")?;
        cfg.runs_dir = runs_dir_in(&cfg.runs_dir, cfg.language);
        Ok(cfg)
    }

    // ANCHOR: part2_texts
    /// The held-out text of part 2: the small world's people, retold with another seed in every wording.
    pub fn held_out_world(&self) -> WorldConfig {
        WorldConfig {
            diversity: MAX_DIVERSITY,
            render_seed: Some(self.held_out_seed),
            ..self.small_world.clone()
        }
    }

    /// The small world told in every wording: more diverse data of the same size about the same facts.
    pub fn diverse_world(&self) -> WorldConfig {
        WorldConfig {
            diversity: MAX_DIVERSITY,
            ..self.small_world.clone()
        }
    }
    // ANCHOR_END: part2_texts
}
