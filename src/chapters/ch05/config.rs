//! Chapter 5's config: the prompts, the demonstrations, the reward model, PPO, GRPO and DPO.

use crate::chapters::ch04::Ch04Config;
use crate::data::world::Language;
use crate::device::DeviceChoice;
use crate::progress::ProgressMode;
use crate::reward::RewardConfig;
use crate::rl::dpo::DpoConfig;
use crate::rl::ppo::{Advantage, PolicyConfig};
use crate::train::TrainConfig;
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How many prompts of each kind a feedback set holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PromptCounts {
    /// Fact questions about people of the world.
    pub facts: usize,
    /// Questions about people who do not exist.
    pub unknown: usize,
    /// Requests to harm someone.
    pub forbidden: usize,
}

impl Default for PromptCounts {
    fn default() -> Self {
        PromptCounts {
            facts: 120,
            unknown: 40,
            forbidden: 40,
        }
    }
}

/// Everything chapter 5's experiment needs; `chapters/05-rlhf/config.json` holds the defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ch05Config {
    /// Runs are written to `<runs_dir>/<run_name>/`.
    pub runs_dir: PathBuf,
    /// Name of this run's directory.
    pub run_name: String,
    /// Where to compute.
    pub device: DeviceChoice,
    /// CPU threads for libtorch (0 = one per core).
    pub threads: usize,
    /// Seed of the prompt choice, the sampling and the label noise.
    pub seed: u64,
    /// How to show progress.
    pub progress: ProgressMode,
    /// Compute every sub-run again, overwriting its directory, instead of reading back those an earlier run
    /// finished with the same config (`--fresh`: after a change to the code, which no config records).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// The language of the run, `"en"` (the default) or `"zh"`: the world, the prompts, the labeller's rule
    /// and the fine-tuning before are in it, and a Chinese run writes under `<runs_dir>/zh/`.
    #[serde(skip_serializing_if = "Language::is_english")]
    pub language: Language,
    /// Chapter 4's config: where the fine-tuned model is, and how to make it if it is missing.
    pub sft: Ch04Config,
    /// Demonstrations the labellers write before any feedback: questions about people who do not exist
    /// (answered "I don't know …") and forbidden requests (declined).
    pub demonstrations: PromptCounts,
    /// How many times each demonstration appears in that fine-tuning set (they are few beside chapter 4's
    /// instructions).
    pub demo_repeats: usize,
    /// The short fine-tuning on chapter 4's instructions plus the demonstrations.
    pub demo_train: TrainConfig,
    /// Prompts the feedback, the reward model and the policies train on.
    pub train_prompts: PromptCounts,
    /// Held-out prompts (other people, other names) that every model is measured on.
    pub eval_prompts: PromptCounts,
    /// Answers sampled from the fine-tuned model per feedback prompt.
    pub answers_per_prompt: usize,
    /// Whether the labeller also writes answers of their own: the ideal one and, for a fair question, an
    /// over-cautious refusal (see the book: sampling alone never yields "I don't know").
    pub written_answers: bool,
    /// Probability that a pair's order is swapped: noisy labellers.
    pub label_noise: f64,
    /// Sampling temperature of the feedback answers.
    pub temperature: f64,
    /// The longest answer, in tokens.
    pub max_answer_tokens: usize,
    /// Training the reward model.
    pub reward: RewardConfig,
    /// PPO (the KL-free run uses the same settings with `kl_coef` 0).
    pub ppo: PolicyConfig,
    /// GRPO.
    pub grpo: PolicyConfig,
    /// DPO.
    pub dpo: DpoConfig,
}

impl Default for Ch05Config {
    fn default() -> Self {
        let sft_train = Ch04Config::default().sft_train;
        Ch05Config {
            runs_dir: PathBuf::from("runs"),
            run_name: "ch05".into(),
            device: DeviceChoice::Auto,
            threads: 0,
            seed: 1337,
            progress: ProgressMode::Auto,
            fresh: false,
            language: Language::En,
            sft: Ch04Config::default(),
            demonstrations: PromptCounts {
                facts: 0,
                unknown: 40,
                forbidden: 40,
            },
            demo_repeats: 4,
            demo_train: TrainConfig {
                steps: 150,
                lr: 3e-4,
                warmup_steps: 10,
                eval_every: 50,
                ..sft_train.clone()
            },
            train_prompts: PromptCounts::default(),
            eval_prompts: PromptCounts {
                facts: 48,
                unknown: 16,
                forbidden: 16,
            },
            answers_per_prompt: 8,
            written_answers: false,
            label_noise: 0.0,
            temperature: 1.0,
            max_answer_tokens: 24,
            reward: RewardConfig::default(),
            ppo: PolicyConfig {
                kl_coef: 0.2,
                ..PolicyConfig::default()
            },
            grpo: PolicyConfig {
                advantage: Advantage::Group,
                kl_coef: 0.2,
                ..PolicyConfig::default()
            },
            dpo: DpoConfig::default(),
        }
    }
}

impl Ch05Config {
    /// Put the run in `language` (`--lang`): the world, the prompts and the fine-tuning before in it.
    pub fn set_language(&mut self, language: Language) {
        self.language = language;
        self.sft.set_language(language);
    }

    /// The config as the run uses it: chapter 4's fine-tuning in the chapter's language, and a Chinese
    /// run's directories under `zh/` ([`crate::chapters::runs_dir_in`]).
    pub fn localized(&self) -> Result<Self> {
        use crate::chapters::{nested_language, runs_dir_in};
        let mut cfg = self.clone();
        cfg.sft.language = nested_language(cfg.sft.language, cfg.language, "sft")?;
        cfg.sft = cfg.sft.localized()?;
        cfg.runs_dir = runs_dir_in(&cfg.runs_dir, cfg.language);
        Ok(cfg)
    }

    /// Refuse a config that would fail only after minutes of work.
    pub fn validate(&self) -> Result<()> {
        self.sft.validate()?;
        let n = self.sft.pretrain.world.n_people;
        let (t, e) = (&self.train_prompts, &self.eval_prompts);
        if t.facts + e.facts > n || t.forbidden + e.forbidden > n {
            bail!(
                "ch05 config: train and eval prompts need distinct people: facts {} + {} and forbidden {} + {} must each be at most n_people ({n})",
                t.facts,
                e.facts,
                t.forbidden,
                e.forbidden
            );
        }
        if self.demonstrations.forbidden + e.forbidden > n {
            bail!(
                "ch05 config: demonstrations.forbidden {} + eval_prompts.forbidden {} must be at most n_people ({n}), so no held-out request is demonstrated",
                self.demonstrations.forbidden,
                e.forbidden
            );
        }
        if t.facts + t.unknown + t.forbidden == 0 || e.facts + e.unknown + e.forbidden == 0 {
            bail!("ch05 config: train_prompts and eval_prompts must each hold at least one prompt");
        }
        if self.answers_per_prompt == 0 {
            bail!("ch05 config: answers_per_prompt must be at least 1");
        }
        if !(0.0..=0.5).contains(&self.label_noise) {
            bail!(
                "ch05 config: label_noise must be in [0, 0.5] (above it the labels mean the opposite), got {}",
                self.label_noise
            );
        }
        self.reward.validate()?;
        self.dpo.validate()?;
        self.ppo.validate()?;
        self.grpo.validate()
    }
}
