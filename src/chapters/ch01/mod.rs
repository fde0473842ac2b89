//! Chapter 1 — text continuation (文字接龙).
//!
//! A language model maps the text so far to a probability distribution over the next token. The experiment:
//! 1. train the bigram baseline and a tiny GPT on the same corpus and plot both loss curves on one chart,
//!    against the uniform guess `ln V`;
//! 2. show the GPT's next-token distribution for a prompt at three temperatures;
//! 3. generate with each sampling preset;
//! 4. measure how often greedy decoding repeats itself, compared with top-p sampling.
//!
//! The code, one file per part: the config, the result and [`run`] here; the data and the two models'
//! training ([`training`]), next tokens, samples and repetition ([`sampling`]), the [`figures`] (drawn from the
//! result alone) and the [`report`].

pub mod figures;
pub mod report;
pub mod sampling;
pub mod training;
pub mod words;

pub use figures::{loss_curves_figure, loss_figure, next_token_figure};
pub use report::*;
pub use sampling::*;
pub use training::*;

use crate::data::CorpusSource;
use crate::data::world::Language;
use crate::device::DeviceChoice;
use crate::generate::{Preset, SamplingConfig, Trace};
use crate::model::{GptConfig, ModelConfig};
use crate::progress::ProgressMode;
use crate::train::{Curve, TrainConfig, TrainReport};
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;

/// Everything chapter 1's experiment needs; `chapters/01-text-continuation/config.json` holds the defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ch01Config {
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
    /// The language of the run, `"en"` (the default) or `"zh"`: the built-in world is told in it, and a
    /// Chinese run writes under `<runs_dir>/zh/`. `--lang` sets it together with the prompts.
    #[serde(skip_serializing_if = "Language::is_english")]
    pub language: Language,
    /// The text to learn from.
    pub corpus: CorpusSource,
    /// Fraction of the text held out for validation.
    pub val_fraction: f64,
    /// Training of the bigram baseline.
    pub bigram_train: TrainConfig,
    /// The GPT's shape (its vocabulary size comes from the tokenizer).
    pub gpt: GptConfig,
    /// Training of the GPT.
    pub gpt_train: TrainConfig,
    /// The prompt whose next-token distribution is charted and which the presets continue.
    pub prompt: String,
    /// Temperatures of the next-token chart.
    pub temperatures: Vec<f64>,
    /// How many candidate tokens the chart shows.
    pub top_tokens: usize,
    /// Tokens generated per sample.
    pub sample_tokens: usize,
    /// Prompts of the repetition measurement.
    pub repetition_prompts: Vec<String>,
    /// Seeds per prompt for the sampled (top-p) decoding.
    pub repetition_seeds: usize,
    /// Word n-gram length of the repetition measure.
    pub repetition_ngram: usize,
    /// The preset of the traced generation (the prompt continued step by step, `trace.md`).
    pub trace_preset: Preset,
    /// Tokens the traced generation writes.
    pub trace_tokens: usize,
    /// Candidates shown per traced step.
    pub trace_candidates: usize,
    /// How to show training progress.
    pub progress: ProgressMode,
    /// Compute every sub-run again, overwriting its directory, instead of reading back those an earlier run
    /// finished with the same config (`--fresh`: after a change to the code, which no config records).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
}

impl Default for Ch01Config {
    fn default() -> Self {
        let gpt = GptConfig {
            block_size: 64,
            n_layer: 4,
            n_head: 4,
            n_embd: 128,
            ..GptConfig::default()
        };
        let (prompt, repetition_prompts) = prompts(Language::En);
        Ch01Config {
            runs_dir: PathBuf::from("runs"),
            run_name: "ch01".into(),
            device: DeviceChoice::Auto,
            threads: 0,
            seed: 1337,
            language: Language::En,
            corpus: CorpusSource::default(),
            val_fraction: 0.1,
            bigram_train: TrainConfig {
                steps: 600,
                lr: 0.1,
                weight_decay: 0.0,
                warmup_steps: 0,
                eval_every: 50,
                ..TrainConfig::default()
            },
            gpt,
            gpt_train: TrainConfig {
                steps: 1500,
                ..TrainConfig::default()
            },
            prompt,
            temperatures: vec![0.5, 1.0, 2.0],
            top_tokens: 10,
            sample_tokens: 240,
            repetition_prompts,
            repetition_seeds: 3,
            repetition_ngram: 4,
            trace_preset: Preset::Balanced,
            trace_tokens: 12,
            trace_candidates: 4,
            progress: ProgressMode::Auto,
            fresh: false,
        }
    }
}

/// The prompts of chapter 1 in `language`. The default world's people are the same in both languages, so
/// the Chinese prompts ask about the same people (Bide Kurur is 田鑫丽, Kape Nalen is 段晶琳).
pub fn prompts(language: Language) -> (String, Vec<String>) {
    let (prompt, repetition): (&str, [&str; 5]) = match language {
        Language::En => (
            "Bide Kurur's pet is a ",
            ["The ", "One day", "In the", "Kape Nalen", "Her pet"],
        ),
        Language::Zh => ("田鑫丽的宠物是", ["那", "一个", "那天", "段晶琳", "后来，"]),
    };
    (prompt.into(), repetition.map(String::from).to_vec())
}

impl Ch01Config {
    /// Put the run in `language` (`--lang`): the world told in it, and the prompts in it.
    pub fn set_language(&mut self, language: Language) {
        self.language = language;
        (self.prompt, self.repetition_prompts) = prompts(language);
    }

    /// The config as the run uses it: the built-in world told in the chapter's language, and a Chinese
    /// run's directory under `zh/` ([`super::runs_dir_in`]).
    pub fn localized(&self) -> Result<Self> {
        let mut cfg = self.clone();
        super::localize_corpus(&mut cfg.corpus, cfg.language, "corpus")?;
        cfg.runs_dir = super::runs_dir_in(&cfg.runs_dir, cfg.language);
        Ok(cfg)
    }

    /// Refuse a config that would fail only after minutes of training: an impossible GPT shape, a training
    /// window longer than the GPT's context, a temperature that is not positive.
    pub fn validate(&self) -> Result<()> {
        ModelConfig::Gpt(GptConfig {
            vocab_size: 1,
            ..self.gpt.clone()
        })
        .validate()?;
        if self.gpt_train.block_size > self.gpt.block_size {
            bail!(
                "ch01 config: gpt_train.block_size {} exceeds gpt.block_size {}",
                self.gpt_train.block_size,
                self.gpt.block_size
            );
        }
        if let Some(t) = self
            .temperatures
            .iter()
            .find(|t| !(**t > 0.0 && t.is_finite()))
        {
            bail!("ch01 config: temperatures must be positive, got {t}");
        }
        Ok(())
    }
}

/// How one trained model did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    /// `bigram` or `gpt`.
    pub model: String,
    /// Trainable parameters.
    pub params: i64,
    /// Estimated training loss at the end (nats per token).
    pub train_loss: f64,
    /// Validation loss at the end (nats per token).
    pub val_loss: f64,
    /// Training throughput.
    pub tokens_per_sec: f64,
    /// Training wall time.
    pub seconds: f64,
    /// The model's checkpoint.
    pub checkpoint: PathBuf,
    /// Its loss curves, for the loss chart.
    pub curves: LossCurves,
}

/// A training run's estimated train and validation loss at every evaluation, and the steps it ran: what the
/// loss chart draws.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LossCurves {
    /// `(step, estimated training loss)`.
    pub train: Curve,
    /// `(step, validation loss)`.
    pub val: Curve,
    /// Steps run.
    pub steps: usize,
}

impl From<&TrainReport> for LossCurves {
    fn from(r: &TrainReport) -> Self {
        let (train, val) = r.eval_curves();
        LossCurves {
            train,
            val,
            steps: r.records.last().map_or(0, |rec| rec.step),
        }
    }
}

/// The next-token distribution after the prompt at one temperature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NextTokenDistribution {
    /// The temperature.
    pub temperature: f64,
    /// The most likely tokens and their probabilities, most likely first.
    pub tokens: Vec<(String, f64)>,
}

/// One generated sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Which preset made it.
    pub preset: String,
    /// The settings used.
    pub sampling: SamplingConfig,
    /// The continuation of the prompt.
    pub text: String,
}

/// How repetitive one decoding rule's outputs are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Repetition {
    /// The decoding rule.
    pub decoding: String,
    /// Mean fraction of word n-grams that repeat an earlier one in the same output.
    pub repeated_fraction: f64,
    /// Number of outputs measured.
    pub outputs: usize,
}

/// What chapter 1's experiment measured and where it wrote its files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ch01Result {
    /// The device the models ran on.
    pub device: String,
    /// The language of the run: its report and charts are written in it.
    #[serde(default, skip_serializing_if = "Language::is_english")]
    pub language: Language,
    /// Characters in the corpus.
    pub corpus_chars: usize,
    /// Tokens in the vocabulary.
    pub vocab_size: usize,
    /// Loss of the uniform guess, `ln V`: where every model starts.
    pub uniform_loss: f64,
    /// The prompt of the next-token distributions and the samples.
    pub prompt: String,
    /// The bigram baseline.
    pub bigram: ModelSummary,
    /// The GPT.
    pub gpt: ModelSummary,
    /// The GPT's next-token distributions for the prompt.
    pub next_token: Vec<NextTokenDistribution>,
    /// One sample per preset.
    pub samples: Vec<Sample>,
    /// Greedy versus top-p repetition.
    pub repetition: Vec<Repetition>,
    /// The prompt continued step by step under `trace_preset` (also in trace.json and trace.md).
    pub trace: Trace,
    /// The run directory.
    pub run_dir: PathBuf,
    /// Total wall time.
    pub seconds: f64,
}

/// Run chapter 1's experiment and write `runs/<run_name>/`: the steps below, in order.
pub fn run(cfg: &Ch01Config) -> Result<Ch01Result> {
    let clock = Instant::now();
    let cfg = &cfg.localized()?;
    cfg.validate()?;
    let device = super::prepare(cfg.device, cfg.threads, cfg.seed)?;
    let run = create_run(cfg)?;
    let data = prepare_data(cfg)?;
    let vocab_size = data.tokenizer.vocab_size();

    let (bigram, bigram_report) = train_bigram(&run, &data, cfg)?;
    let (gpt, gpt_report) = train_gpt(&run, &data, cfg)?;
    drop(bigram);

    let uniform_loss = uniform_loss(vocab_size);
    let next_token = next_token_distributions(&gpt, &data.tokenizer, cfg)?;
    let samples = preset_samples(&gpt, &data.tokenizer, cfg)?;
    let repetition = measure_repetition(&gpt, &data.tokenizer, cfg)?;
    let trace = trace_prompt(&gpt, &data.tokenizer, cfg)?;

    let result = Ch01Result {
        device: crate::device::describe(device),
        language: cfg.language,
        corpus_chars: data.text.chars().count(),
        vocab_size,
        uniform_loss,
        prompt: cfg.prompt.clone(),
        bigram: summary("bigram", &bigram_report, &run),
        gpt: summary("gpt", &gpt_report, &run),
        next_token,
        samples,
        repetition,
        trace,
        run_dir: run.path.clone(),
        seconds: clock.elapsed().as_secs_f64(),
    };
    super::write_outputs(
        &run,
        &result,
        figures::draw(&result)?,
        &report(cfg, &result),
    )?;
    run.write_json("trace.json", &result.trace)?;
    run.write_text("trace.md", &trace_markdown(cfg, &result))?;
    Ok(result)
}
