//! Chapter 6's config: the size ladder, the ability tests and the induction experiment, with its presets.

use crate::data::skills::SkillsConfig;
use crate::data::world::Language;
use crate::device::DeviceChoice;
use crate::model::{GptConfig, ModelConfig, Position};
use crate::progress::ProgressMode;
use crate::train::TrainConfig;
use anyhow::{Context, Result, bail, ensure};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

// ANCHOR: size
/// One rung of the size ladder: a GPT's depth and width (everything else is shared).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Size {
    /// Name in charts, tables and run directories.
    pub label: String,
    /// Transformer blocks.
    pub n_layer: usize,
    /// Attention heads per block.
    pub n_head: usize,
    /// Width of the residual stream.
    pub n_embd: usize,
}
// ANCHOR_END: size

impl Size {
    /// A rung named `label`.
    pub fn new(label: &str, n_layer: usize, n_head: usize, n_embd: usize) -> Self {
        Size {
            label: label.into(),
            n_layer,
            n_head,
            n_embd,
        }
    }

    /// The GPT of this size over a vocabulary of `vocab_size` and a context of `block_size`, with
    /// `position` encoding.
    pub fn gpt(&self, vocab_size: usize, block_size: usize, position: Position) -> GptConfig {
        GptConfig {
            vocab_size,
            block_size,
            n_layer: self.n_layer,
            n_head: self.n_head,
            n_embd: self.n_embd,
            dropout: 0.0,
            tie_weights: true,
            position,
            attention_only: false,
        }
    }
}

/// Non-embedding parameters `N = 12 · n_layer · d²`: the count scaling laws are stated in (Kaplan et al.,
/// 2020), since embeddings cost almost no compute per token.
pub fn non_embedding_params(gpt: &GptConfig) -> f64 {
    gpt.matmul_params() - (gpt.vocab_size * gpt.n_embd) as f64
}

/// How the abilities are measured: fresh problems, never the training text's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AbilityConfig {
    /// Addition problems per digit count and format.
    pub problems: usize,
    /// Digit counts 1 to this are tested (those above `skills.max_digits` were never trained).
    pub test_digits: u32,
    /// Code prompts per number of examples.
    pub code_prompts: usize,
    /// Numbers of examples 0 to this are tested.
    pub max_shots: usize,
    /// Words per string operation.
    pub words: usize,
    /// Seed of the test problems.
    pub seed: u64,
}

impl Default for AbilityConfig {
    fn default() -> Self {
        AbilityConfig {
            problems: 40,
            test_digits: 5,
            code_prompts: 40,
            max_shots: 8,
            words: 24,
            seed: 2024,
        }
    }
}

/// The induction-head experiment: a small attention-only model trained on random sequences that repeat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InductionConfig {
    /// Attention-only blocks (two: one to note the previous token, one to look up its next).
    pub n_layer: usize,
    /// Heads per block.
    pub n_head: usize,
    /// Width.
    pub n_embd: usize,
    /// Token ids are drawn from `0..vocab`.
    pub vocab: usize,
    /// Training sequences are this long…
    pub len: usize,
    /// …and repeat a random segment whose length is drawn from this range (inclusive).
    pub periods: (usize, usize),
    /// The probe repeats a segment of this length once: `[x₁ … xₙ, x₁ … xₙ]`.
    pub probe_len: usize,
    /// Training steps.
    pub steps: usize,
    /// Sequences per step.
    pub batch_size: usize,
    /// Learning rate (AdamW, constant).
    pub lr: f64,
    /// Measure the probe every this many steps.
    pub eval_every: usize,
}

impl Default for InductionConfig {
    fn default() -> Self {
        InductionConfig {
            n_layer: 2,
            n_head: 4,
            n_embd: 64,
            vocab: 64,
            len: 48,
            periods: (6, 24),
            probe_len: 16,
            steps: 1500,
            batch_size: 32,
            lr: 1e-3,
            eval_every: 50,
        }
    }
}

// ANCHOR: data_scale_config
/// The data side of scale ([`super::data_scale`]): one size of the ladder trained on more and more text, and a
/// larger size trained at the same compute on less.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataScaleConfig {
    /// The ladder size (its label) trained at every budget; empty turns the experiment off.
    pub size: String,
    /// Training tokens of each run, fewest first. A run of `D` tokens reads the first `D` characters of the
    /// training text, about once: more tokens means more distinct text, not more passes over the same.
    pub tokens: Vec<usize>,
    /// A larger ladder size (its label) trained at the same compute as `size` on fewer tokens; empty for none.
    pub larger: String,
    /// The budgets of `tokens` at whose compute `larger` is trained.
    pub larger_at: Vec<usize>,
    /// Addition problems per digit count, worked steps, to measure the skill on.
    pub problems: usize,
}

impl Default for DataScaleConfig {
    /// The `quick` preset's: S on 0.6 to 4.8 million tokens, M at the compute of S's two largest budgets.
    fn default() -> Self {
        DataScaleConfig {
            size: "S".into(),
            tokens: vec![600_000, 1_200_000, 2_400_000, 4_800_000],
            larger: "M".into(),
            larger_at: vec![2_400_000, 4_800_000],
            problems: 40,
        }
    }
}
// ANCHOR_END: data_scale_config

impl DataScaleConfig {
    /// The experiment turned off: nothing trains, the result is empty.
    pub fn off() -> Self {
        DataScaleConfig {
            size: String::new(),
            tokens: Vec::new(),
            larger: String::new(),
            larger_at: Vec::new(),
            ..DataScaleConfig::default()
        }
    }

    /// Whether the experiment runs.
    pub fn is_on(&self) -> bool {
        !self.size.is_empty()
    }

    /// Refuse budgets that cannot run on the ladder `sizes` with `tokens_per_step` tokens a step; the error
    /// names the field.
    fn validate(&self, sizes: &[Size], tokens_per_step: usize) -> Result<()> {
        if !self.is_on() {
            return Ok(());
        }
        let in_ladder = |label: &str| sizes.iter().any(|s| s.label == label);
        ensure!(
            in_ladder(&self.size),
            "data_scale.size {:?} is not a size of the ladder",
            self.size
        );
        ensure!(
            self.larger.is_empty() || (in_ladder(&self.larger) && self.larger != self.size),
            "data_scale.larger {:?} must be another size of the ladder",
            self.larger
        );
        ensure!(
            !self.tokens.is_empty() && self.tokens.windows(2).all(|w| w[0] < w[1]),
            "data_scale.tokens must be one or more budgets, fewest first"
        );
        ensure!(
            self.tokens[0] >= 10 * tokens_per_step,
            "data_scale.tokens: the smallest budget must hold at least ten steps ({} tokens)",
            10 * tokens_per_step
        );
        ensure!(
            self.larger_at.iter().all(|t| self.tokens.contains(t))
                && (self.larger.is_empty() || !self.larger_at.is_empty()),
            "data_scale.larger_at must name budgets of data_scale.tokens (at least one when larger is set)"
        );
        ensure!(self.problems > 0, "data_scale.problems must be above 0");
        Ok(())
    }
}

/// Chapter 6's experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ch06Config {
    /// Parent directory of the run.
    pub runs_dir: PathBuf,
    /// The run's directory name.
    pub run_name: String,
    /// Where to compute.
    pub device: DeviceChoice,
    /// CPU threads (0 = libtorch's default).
    pub threads: usize,
    /// Seed of the model initialisations.
    pub seed: u64,
    /// How to show progress.
    pub progress: ProgressMode,
    /// Compute every sub-run again, overwriting its directory, instead of reading back those an earlier run
    /// finished with the same config (`--fresh`: after a change to the code, which no config records).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// The language of the run, `"en"` (the default) or `"zh"`: the skills text's prose and instructions
    /// (its digits, letters and code are the same in both languages), the report and the charts; a Chinese
    /// run writes under `<runs_dir>/zh/`.
    #[serde(skip_serializing_if = "Language::is_english")]
    pub language: Language,
    /// What the training text is made of.
    pub skills: SkillsConfig,
    /// Characters of training text.
    pub train_chars: usize,
    /// Characters of validation text (drawn with another seed).
    pub val_chars: usize,
    /// The ladder, smallest first.
    pub sizes: Vec<Size>,
    /// How every size encodes positions.
    pub position: Position,
    /// How every size trains (the same steps, batch and schedule for all).
    pub train: TrainConfig,
    /// How the abilities are measured.
    pub abilities: AbilityConfig,
    /// The induction-head experiment.
    pub induction: InductionConfig,
    /// The data side of scale: one size on more and more text (`off()` in configs without it).
    pub data_scale: DataScaleConfig,
}

impl Default for Ch06Config {
    /// The `quick` preset: four sizes spanning about 60× in parameters, minutes on a laptop CPU.
    fn default() -> Self {
        Ch06Config {
            runs_dir: PathBuf::from("runs"),
            run_name: "ch06".into(),
            device: DeviceChoice::Auto,
            threads: 0,
            seed: 1337,
            progress: ProgressMode::Auto,
            fresh: false,
            language: Language::En,
            skills: SkillsConfig::default(),
            train_chars: 2_000_000,
            val_chars: 100_000,
            sizes: vec![
                Size::new("XS", 1, 2, 32),
                Size::new("S", 2, 4, 64),
                Size::new("M", 3, 4, 96),
                Size::new("L", 4, 4, 128),
            ],
            position: Position::Rope,
            train: TrainConfig {
                steps: 3000,
                batch_size: 32,
                block_size: 96,
                lr: 2e-3,
                warmup_steps: 100,
                eval_every: 150,
                eval_batches: 8,
                weight_decay: 0.1,
                ..TrainConfig::default()
            },
            abilities: AbilityConfig::default(),
            induction: InductionConfig::default(),
            data_scale: DataScaleConfig::default(),
        }
    }
}

impl Ch06Config {
    /// Put the run in `language` (`--lang`).
    pub fn set_language(&mut self, language: Language) {
        self.language = language;
    }

    /// The config as the run uses it: the skills text in the chapter's language, and a Chinese run's
    /// directory under `zh/` ([`crate::chapters::runs_dir_in`]). A skills text that names another language
    /// itself is left as it is, for [`Ch06Config::validate`] to refuse.
    pub fn localized(&self) -> Self {
        let mut skills = self.skills.clone();
        if skills.language.is_english() {
            skills.language = self.language;
        }
        Ch06Config {
            runs_dir: crate::chapters::runs_dir_in(&self.runs_dir, self.language),
            skills,
            ..self.clone()
        }
    }

    /// The `full` preset for a GPU: six sizes spanning about 500× in parameters, trained four times longer.
    pub fn full() -> Self {
        let quick = Ch06Config::default();
        Ch06Config {
            run_name: "ch06-full".into(),
            train_chars: 8_000_000,
            sizes: vec![
                Size::new("XS", 1, 2, 32),
                Size::new("S", 2, 4, 64),
                Size::new("M", 3, 4, 96),
                Size::new("L", 4, 4, 128),
                Size::new("XL", 6, 6, 192),
                Size::new("XXL", 8, 8, 256),
            ],
            train: TrainConfig {
                steps: 12_000,
                batch_size: 64,
                warmup_steps: 300,
                eval_every: 500,
                lr: 1e-3,
                ..quick.train
            },
            abilities: AbilityConfig {
                problems: 100,
                code_prompts: 100,
                words: 60,
                ..quick.abilities
            },
            induction: InductionConfig {
                steps: 3000,
                ..quick.induction
            },
            data_scale: DataScaleConfig {
                tokens: vec![2_400_000, 4_800_000, 9_600_000, 19_200_000],
                larger_at: vec![9_600_000, 19_200_000],
                problems: 100,
                ..quick.data_scale
            },
            ..quick
        }
    }

    /// `quick` (the default) or `full`.
    pub fn preset(name: &str) -> Result<Self> {
        match name {
            "quick" | "default" => Ok(Ch06Config::default()),
            "full" => Ok(Ch06Config::full()),
            other => bail!("chapter 6 has no preset {other:?}; available: quick, full"),
        }
    }

    /// Refuse an impossible config before anything trains; the error names the field.
    pub fn validate(&self) -> Result<()> {
        self.skills.validate()?;
        crate::chapters::nested_language(self.skills.language, self.language, "skills")?;
        ensure!(
            !self.sizes.is_empty(),
            "sizes: the ladder needs at least one size"
        );
        for size in &self.sizes {
            ModelConfig::Gpt(size.gpt(1, self.train.block_size, self.position))
                .validate()
                .with_context(|| format!("size {}", size.label))?;
        }
        let labels: std::collections::BTreeSet<&str> =
            self.sizes.iter().map(|s| s.label.as_str()).collect();
        ensure!(
            labels.len() == self.sizes.len(),
            "sizes: two sizes share a label"
        );
        ensure!(
            self.train_chars > 10 * self.train.block_size
                && self.val_chars > 10 * self.train.block_size,
            "train_chars and val_chars must hold more than ten blocks of text"
        );
        let a = &self.abilities;
        ensure!(
            a.problems > 0 && a.code_prompts > 0 && a.words > 0,
            "abilities: problems, code_prompts and words must be above 0"
        );
        ensure!(
            (1..=9).contains(&a.test_digits),
            "abilities.test_digits must be 1 to 9"
        );
        let longest = a.test_digits as usize * 10 + 2 * a.test_digits as usize + 4;
        ensure!(
            longest <= self.train.block_size,
            "train.block_size {} cannot hold a worked {}-digit addition ({longest} characters)",
            self.train.block_size,
            a.test_digits
        );
        let i = &self.induction;
        ensure!(
            i.periods.0 >= 2 && i.periods.0 <= i.periods.1 && i.periods.1 < i.len,
            "induction.periods must be a range (low, high) with 2 <= low <= high < len"
        );
        ensure!(
            2 * i.probe_len <= i.len && i.vocab >= 2 && i.steps > 0 && i.eval_every > 0,
            "induction: probe_len must be at most len / 2, vocab at least 2, steps and eval_every above 0"
        );
        ModelConfig::Gpt(self.induction_gpt())
            .validate()
            .context("induction model")?;
        self.data_scale
            .validate(&self.sizes, self.tokens_per_step())
    }

    /// Training tokens per optimizer step: sequences × context × accumulated micro-batches.
    pub fn tokens_per_step(&self) -> usize {
        let t = &self.train;
        t.batch_size * t.block_size * t.grad_accum_steps.max(1)
    }

    /// The attention-only GPT of the induction experiment.
    pub fn induction_gpt(&self) -> GptConfig {
        let i = &self.induction;
        GptConfig {
            vocab_size: i.vocab,
            block_size: i.len,
            n_layer: i.n_layer,
            n_head: i.n_head,
            n_embd: i.n_embd,
            dropout: 0.0,
            tie_weights: false,
            position: Position::Learned,
            attention_only: true,
        }
    }
}
