//! Chapter 4's config: the pretrained start, the instruction sets, the fine-tuning runs and LoRA.

use super::style::StyleConfig;
use crate::chapters::ch03::Ch03Config;
use crate::data::instruct::InstructConfig;
use crate::data::world::Language;
use crate::device::DeviceChoice;
use crate::model::LoraConfig;
use crate::progress::ProgressMode;
use crate::train::{Schedule, TrainConfig};
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Everything chapter 4's experiment needs; `chapters/04-sft/config.json` holds the defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ch04Config {
    /// Runs are written to `<runs_dir>/<run_name>/`.
    pub runs_dir: PathBuf,
    /// Name of this run's directory.
    pub run_name: String,
    /// Where to compute.
    pub device: DeviceChoice,
    /// CPU threads for libtorch (0 = one per core).
    pub threads: usize,
    /// Seed of initialisation (the random-start run) and of the data order.
    pub seed: u64,
    /// How to show training progress.
    pub progress: ProgressMode,
    /// Compute every sub-run again, overwriting its directory, instead of reading back those an earlier run
    /// finished with the same config (`--fresh`: after a change to the code, which no config records).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// The language of the run, `"en"` (the default) or `"zh"`: the world, its questions and answers, and
    /// the pretraining are in it, and a Chinese run writes under `<runs_dir>/zh/`.
    #[serde(skip_serializing_if = "Language::is_english")]
    pub language: Language,
    /// Chapter 3's config: where the pretrained model is, and how to make it if it is missing.
    pub pretrain: Ch03Config,
    /// People `0..sft_people` are in the fine-tuning data; the others are held out.
    pub sft_people: usize,
    /// What the fine-tuning set holds.
    pub instruct: InstructConfig,
    /// Fine-tuning hyperparameters (`block_size` is the longest conversation).
    pub sft_train: TrainConfig,
    /// The LoRA adapters' shape.
    pub lora: LoraConfig,
    /// Learning rate of the LoRA run (adapters usually want a higher one).
    pub lora_lr: f64,
    /// People per group (fine-tuned, held out) whose 8 facts are asked to measure accuracy.
    pub eval_people: usize,
    /// Pretraining paraphrase diversities of the knowledge-extraction experiment.
    pub diversities: Vec<usize>,
    /// People who do not exist, asked about.
    pub unknown_people: usize,
    /// The longest answer generated, in tokens.
    pub max_answer_tokens: usize,
    /// Fresh addition problems asked to measure arithmetic.
    pub eval_arithmetic: usize,
    /// The style measurement: the same questions sampled with several seeds.
    pub style: StyleConfig,
}

impl Default for Ch04Config {
    fn default() -> Self {
        let pretrain = Ch03Config::tiny();
        let block_size = pretrain.gpt.block_size;
        Ch04Config {
            runs_dir: PathBuf::from("runs"),
            run_name: "ch04".into(),
            device: DeviceChoice::Auto,
            threads: 0,
            seed: 1337,
            progress: ProgressMode::Auto,
            fresh: false,
            language: Language::En,
            pretrain,
            sft_people: 100,
            instruct: InstructConfig::default(),
            sft_train: TrainConfig {
                steps: 400,
                batch_size: 32,
                block_size,
                // gentle: a higher rate fits the fine-tuned people as well but overwrites more of what
                // pretraining stored (measured: held-out accuracy 0.128 at 1e-3, 0.200 at 3e-4)
                lr: 3e-4,
                schedule: Schedule::Cosine,
                warmup_steps: 20,
                eval_every: 50,
                eval_batches: 4,
                ..TrainConfig::default()
            },
            lora: LoraConfig::default(),
            lora_lr: 3e-3,
            eval_people: 50,
            diversities: vec![1, 2, 4],
            unknown_people: 5,
            max_answer_tokens: 40,
            eval_arithmetic: 50,
            style: StyleConfig::default(),
        }
    }
}

impl Ch04Config {
    /// Put the run in `language` (`--lang`): the world, the questions and the pretraining in it.
    pub fn set_language(&mut self, language: Language) {
        self.language = language;
        self.pretrain.set_language(language);
    }

    /// The config as the run uses it: the pretraining in the chapter's language, and a Chinese run's
    /// directories under `zh/` ([`crate::chapters::runs_dir_in`]).
    pub fn localized(&self) -> Result<Self> {
        use crate::chapters::{nested_language, runs_dir_in};
        let mut cfg = self.clone();
        cfg.pretrain.language = nested_language(cfg.pretrain.language, cfg.language, "pretrain")?;
        cfg.pretrain = cfg.pretrain.localized()?;
        cfg.runs_dir = runs_dir_in(&cfg.runs_dir, cfg.language);
        Ok(cfg)
    }

    /// Refuse a config that would fail only after minutes of work.
    pub fn validate(&self) -> Result<()> {
        self.pretrain.validate()?;
        let n = self.pretrain.world.n_people;
        if self.sft_people == 0 || self.sft_people >= n {
            bail!(
                "ch04 config: sft_people must be between 1 and n_people − 1 ({}), got {}",
                n - 1,
                self.sft_people
            );
        }
        if self.eval_people == 0 || self.eval_people > self.sft_people.min(n - self.sft_people) {
            bail!(
                "ch04 config: eval_people must be between 1 and the size of the smaller group ({}), got {}",
                self.sft_people.min(n - self.sft_people),
                self.eval_people
            );
        }
        if self.sft_train.block_size > self.pretrain.gpt.block_size {
            bail!(
                "ch04 config: sft_train.block_size {} exceeds the pretrained model's block_size {}",
                self.sft_train.block_size,
                self.pretrain.gpt.block_size
            );
        }
        if let Some(d) = self
            .diversities
            .iter()
            .find(|&&d| d == 0 || d > crate::data::world::MAX_DIVERSITY)
        {
            bail!(
                "ch04 config: diversities must be between 1 and {}, got {d}",
                crate::data::world::MAX_DIVERSITY
            );
        }
        if self.lora.rank == 0 {
            bail!("ch04 config: lora.rank must be at least 1");
        }
        self.style.validate()
    }

    /// Chapter 3's config for a model pretrained on text of `diversity`: the main one for its own diversity,
    /// else one kept in this chapter's run directory.
    pub fn pretrain_for(&self, diversity: usize) -> Ch03Config {
        if diversity == self.pretrain.world.diversity {
            return self.pretrain.clone();
        }
        let mut cfg = self.pretrain.clone();
        cfg.world.diversity = diversity;
        cfg.runs_dir = self.runs_dir.join(&self.run_name);
        cfg.run_name = format!("pretrain-diversity-{diversity}");
        cfg.compare = false;
        cfg
    }
}
