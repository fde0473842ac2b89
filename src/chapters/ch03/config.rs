//! Chapter 3's config, with its presets (`tiny` for a CPU, `small` for a GPU).

use crate::data::world::{Language, WorldConfig};
use crate::device::DeviceChoice;
use crate::model::{GptConfig, ModelConfig, Position};
use crate::progress::ProgressMode;
use crate::train::{Schedule, TrainConfig};
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Everything chapter 3's experiment needs. [`Ch03Config::tiny`] is the default (a CPU, minutes);
/// [`Ch03Config::small`] is a ~12M-parameter model for a GPU or a patient CPU.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ch03Config {
    /// Runs are written to `<runs_dir>/<run_name>/`.
    pub runs_dir: PathBuf,
    /// Name of this run's directory.
    pub run_name: String,
    /// Where to compute.
    pub device: DeviceChoice,
    /// CPU threads for libtorch (0 = one per core).
    pub threads: usize,
    /// Seed of model initialisation.
    pub seed: u64,
    /// How to show training progress.
    pub progress: ProgressMode,
    /// Compute every sub-run again, overwriting its directory, instead of reading back those an earlier run
    /// finished with the same config (`--fresh`: after a change to the code, which no config records).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// The language of the run, `"en"` (the default) or `"zh"`: the world is told in it, and a Chinese run
    /// writes under `<runs_dir>/zh/`. `--lang` sets it together with the prompts.
    #[serde(skip_serializing_if = "Language::is_english")]
    pub language: Language,
    /// The world whose text is the pretraining corpus.
    pub world: WorldConfig,
    /// Render seed of the validation text: the same people and facts, told in other words and order.
    pub val_render_seed: u64,
    /// Tokens in the BPE vocabulary (256 bytes + 4 special tokens + merges).
    pub bpe_vocab_size: usize,
    /// The main model's shape (its vocabulary size comes from the tokenizer).
    pub gpt: GptConfig,
    /// Training of the main model (and, with the same settings, of the comparison runs).
    pub train: TrainConfig,
    /// Train the learned-position and character-level comparison runs too.
    pub compare: bool,
    /// People whose facts the cloze test asks about.
    pub cloze_people: usize,
    /// Options per cloze question (chance = 1 / options).
    pub cloze_options: usize,
    /// Prompt of the greedy sample taken at every evaluation.
    pub sample_prompt: String,
    /// Tokens of that sample.
    pub sample_tokens: usize,
    /// Questions put to the pretrained model; `{name}` is replaced by a person of the world.
    pub questions: Vec<String>,
    /// Context lengths of the cost measurement.
    pub context_lengths: Vec<usize>,
    /// Generated lengths of the KV-cache measurement.
    pub generation_lengths: Vec<usize>,
    /// Peak FLOP/s for model FLOPs utilization; `null` measures a 1024² matrix product on the device.
    pub peak_flops: Option<f64>,
}

impl Default for Ch03Config {
    fn default() -> Self {
        Self::tiny()
    }
}

/// The sample prompt and the questions of chapter 3 in `language`; `{name}` is a person of the world.
pub fn prompts(language: Language) -> (String, Vec<String>) {
    let (sample, questions): (&str, [&str; 3]) = match language {
        Language::En => (
            "{name} was born in",
            [
                "Where was {name} born?",
                "Question: What is the job of {name}?\nAnswer:",
                "Please tell me the name of {name}'s pet.",
            ],
        ),
        Language::Zh => (
            "{name}出生在",
            [
                "{name}出生在哪里？",
                "问题：{name}是做什么工作的？\n回答：",
                "请告诉我{name}的宠物叫什么名字。",
            ],
        ),
    };
    (sample.into(), questions.map(String::from).to_vec())
}

impl Ch03Config {
    /// The CPU preset: a 4-layer, 128-wide GPT on 200 people's stories, a few minutes on two cores.
    pub fn tiny() -> Self {
        let (sample_prompt, questions) = prompts(Language::En);
        Ch03Config {
            runs_dir: PathBuf::from("runs"),
            run_name: "ch03".into(),
            device: DeviceChoice::Auto,
            threads: 0,
            seed: 1337,
            progress: ProgressMode::Auto,
            fresh: false,
            language: Language::En,
            world: WorldConfig::default(),
            val_render_seed: 7,
            bpe_vocab_size: 512,
            gpt: GptConfig {
                block_size: 128,
                n_layer: 4,
                n_head: 4,
                n_embd: 128,
                position: Position::Rope,
                ..GptConfig::default()
            },
            train: TrainConfig {
                steps: 1000,
                batch_size: 16,
                block_size: 128,
                lr: 3e-3,
                schedule: Schedule::Cosine,
                warmup_steps: 50,
                eval_every: 100,
                eval_batches: 8,
                checkpoint_every: 250,
                ..TrainConfig::default()
            },
            compare: true,
            cloze_people: 50,
            cloze_options: 4,
            sample_prompt,
            sample_tokens: 24,
            questions,
            context_lengths: vec![32, 64, 128, 256, 512, 1024],
            generation_lengths: vec![16, 32, 64, 112],
            peak_flops: None,
        }
    }

    /// The GPU preset: about 12M parameters (6 layers, 384 wide, 256-token context) on 1,000 people, with
    /// gradient accumulation to 64 windows per step.
    pub fn small() -> Self {
        let tiny = Self::tiny();
        Ch03Config {
            run_name: "ch03-small".into(),
            world: WorldConfig {
                n_people: 1000,
                ..WorldConfig::default()
            },
            bpe_vocab_size: 2048,
            gpt: GptConfig {
                block_size: 256,
                n_layer: 6,
                n_head: 6,
                n_embd: 384,
                dropout: 0.0,
                position: Position::Rope,
                ..GptConfig::default()
            },
            train: TrainConfig {
                steps: 4000,
                batch_size: 32,
                grad_accum_steps: 2,
                block_size: 256,
                lr: 1e-3,
                warmup_steps: 200,
                eval_every: 250,
                checkpoint_every: 500,
                ..tiny.train.clone()
            },
            cloze_people: 200,
            context_lengths: vec![64, 128, 256, 512, 1024, 2048],
            generation_lengths: vec![32, 64, 128, 240],
            ..tiny
        }
    }

    /// The preset called `name`: `tiny` (the default) or `small`.
    pub fn preset(name: &str) -> Result<Self> {
        match name {
            "tiny" | "default" => Ok(Self::tiny()),
            "small" => Ok(Self::small()),
            other => bail!("chapter 3 has no preset {other:?}; available: tiny, small"),
        }
    }

    /// Put the run in `language` (`--lang`): the world told in it, and the prompts in it.
    pub fn set_language(&mut self, language: Language) {
        self.language = language;
        (self.sample_prompt, self.questions) = prompts(language);
    }

    /// The config as the run uses it: the world told in the chapter's language, and a Chinese run's
    /// directory under `zh/` ([`crate::chapters::runs_dir_in`]).
    pub fn localized(&self) -> Result<Self> {
        let mut cfg = self.clone();
        crate::chapters::localize_world(&mut cfg.world, cfg.language, "world")?;
        cfg.runs_dir = crate::chapters::runs_dir_in(&cfg.runs_dir, cfg.language);
        Ok(cfg)
    }

    /// Refuse a config that would fail only after minutes of work.
    pub fn validate(&self) -> Result<()> {
        self.world.validate()?;
        let min_vocab = 256 + crate::tokenizer::SPECIAL_TOKENS.len() + 1;
        if self.bpe_vocab_size < min_vocab {
            bail!(
                "ch03 config: bpe_vocab_size must be at least {min_vocab} (256 bytes, the special tokens, one merge), got {}",
                self.bpe_vocab_size
            );
        }
        let model = ModelConfig::Gpt(GptConfig {
            vocab_size: self.bpe_vocab_size,
            ..self.gpt.clone()
        });
        model.validate()?;
        self.train.validate_for(&model)?;
        if self.cloze_options < 2 {
            bail!("ch03 config: cloze_options must be at least 2 (one right answer, one wrong)");
        }
        if self.cloze_people == 0 || self.cloze_people > self.world.n_people {
            bail!(
                "ch03 config: cloze_people must be between 1 and the world's n_people ({}), got {}",
                self.world.n_people,
                self.cloze_people
            );
        }
        if let Some(&n) = self.context_lengths.iter().find(|&&n| n == 0) {
            bail!("ch03 config: context_lengths must be positive, got {n}");
        }
        if let Some(&n) = self
            .generation_lengths
            .iter()
            .find(|&&n| n == 0 || n >= self.gpt.block_size)
        {
            bail!(
                "ch03 config: generation_lengths must be between 1 and gpt.block_size − 1 ({}), got {n}",
                self.gpt.block_size - 1
            );
        }
        Ok(())
    }
}
