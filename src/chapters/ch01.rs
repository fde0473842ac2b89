//! Chapter 1 — text continuation (文字接龙).
//!
//! A language model maps the text so far to a probability distribution over the next token. The experiment:
//! 1. train the bigram baseline and a tiny GPT on the same corpus and plot both loss curves on one chart,
//!    against the uniform guess `ln V`;
//! 2. show the GPT's next-token distribution for a prompt at three temperatures;
//! 3. generate with each sampling preset;
//! 4. measure how often greedy decoding repeats itself, compared with top-p sampling.

use crate::data::{CorpusSource, Split};
use crate::device::DeviceChoice;
use crate::generate::{self, Preset, SamplingConfig, Trace};
use crate::model::{GptConfig, Model, ModelConfig};
use crate::plot::{self, Figure, Series};
use crate::progress::ProgressMode;
use crate::run::RunDir;
use crate::tokenizer::{Tokenizer, require_tokens};
use crate::train::{self, TrainConfig, TrainOptions, TrainReport};
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
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
        Ch01Config {
            runs_dir: PathBuf::from("runs"),
            run_name: "ch01".into(),
            device: DeviceChoice::Auto,
            threads: 0,
            seed: 1337,
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
            prompt: "Bide Kurur's pet is a ".into(),
            temperatures: vec![0.5, 1.0, 2.0],
            top_tokens: 10,
            sample_tokens: 240,
            repetition_prompts: ["The ", "One day", "In the", "Kape Nalen", "Her pet"]
                .map(String::from)
                .to_vec(),
            repetition_seeds: 3,
            repetition_ngram: 4,
            trace_preset: Preset::Balanced,
            trace_tokens: 12,
            trace_candidates: 4,
            progress: ProgressMode::Auto,
        }
    }
}

impl Ch01Config {
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
    /// Characters in the corpus.
    pub corpus_chars: usize,
    /// Tokens in the vocabulary.
    pub vocab_size: usize,
    /// Loss of the uniform guess, `ln V`: where every model starts.
    pub uniform_loss: f64,
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
    cfg.validate()?;
    let device = super::prepare(cfg.device, cfg.threads, cfg.seed)?;
    let run = create_run(cfg)?;
    let data = prepare_data(cfg)?;
    let vocab_size = data.tokenizer.vocab_size();

    let (bigram, bigram_report) = train_bigram(&run, &data, cfg)?;
    let (gpt, gpt_report) = train_gpt(&run, &data, cfg)?;
    drop(bigram);

    let uniform_loss = uniform_loss(vocab_size);
    loss_figure(&bigram_report, &gpt_report, uniform_loss)?.save(&run.file("loss.svg"))?;
    let next_token = next_token_distributions(&gpt, &data.tokenizer, cfg)?;
    next_token_figure(&cfg.prompt, &next_token)?.save(&run.file("next_token.svg"))?;
    let samples = preset_samples(&gpt, &data.tokenizer, cfg)?;
    let repetition = measure_repetition(&gpt, &data.tokenizer, cfg)?;
    let trace = trace_prompt(&gpt, &data.tokenizer, cfg)?;
    run.write_json("trace.json", &trace)?;

    let result = Ch01Result {
        device: crate::device::describe(device),
        corpus_chars: data.text.chars().count(),
        vocab_size,
        uniform_loss,
        bigram: summary("bigram", &bigram_report, &run),
        gpt: summary("gpt", &gpt_report, &run),
        next_token,
        samples,
        repetition,
        trace,
        run_dir: run.path.clone(),
        seconds: clock.elapsed().as_secs_f64(),
    };
    run.write_json("result.json", &result)?;
    run.write_text("report.md", &report(cfg, &result))?;
    run.write_text("trace.md", &trace_markdown(cfg, &result))?;
    Ok(result)
}

/// What both models learn from: the corpus, its character vocabulary and its train/validation split.
#[derive(Debug)]
pub struct Ch01Data {
    /// The corpus text.
    pub text: String,
    /// The character tokenizer fitted to the corpus.
    pub tokenizer: Tokenizer,
    /// The corpus's token ids: training part first, validation part (the last `val_fraction`) after.
    pub split: Split,
}

/// Create the run directory `<runs_dir>/<run_name>/` and write the config into it (config.json).
pub fn create_run(cfg: &Ch01Config) -> Result<RunDir> {
    let run = RunDir::create(&cfg.runs_dir, &cfg.run_name)?;
    run.write_json("config.json", cfg)?;
    Ok(run)
}

/// Load the corpus, fit the character tokenizer to it and split its token ids; each part must hold more
/// tokens than the longer of the two training windows.
pub fn prepare_data(cfg: &Ch01Config) -> Result<Ch01Data> {
    let text = cfg.corpus.load()?;
    let tokenizer = Tokenizer::char_level(&text);
    for prompt in std::iter::once(&cfg.prompt).chain(&cfg.repetition_prompts) {
        let ids = tokenizer
            .encode_strict(prompt)
            .with_context(|| format!("prompt {prompt:?} does not fit this corpus"))?;
        require_tokens(&ids, &format!("prompt {prompt:?}"))?;
    }
    let ids = tokenizer.encode(&text);
    let split = Split::new(
        &ids,
        cfg.val_fraction,
        cfg.gpt_train.block_size.max(cfg.bigram_train.block_size),
    )?;
    Ok(Ch01Data {
        text,
        tokenizer,
        split,
    })
}

/// The loss of the uniform guess over `vocab_size` tokens, `−ln(1/V) = ln V`: where an untrained model
/// starts, and the line every trained model must get below.
pub fn uniform_loss(vocab_size: usize) -> f64 {
    (vocab_size as f64).ln()
}

/// Train the bigram baseline on `data` into `<run>/bigram/` (metrics.jsonl, model.safetensors).
pub fn train_bigram(
    run: &RunDir,
    data: &Ch01Data,
    cfg: &Ch01Config,
) -> Result<(Model, TrainReport)> {
    let model_cfg = ModelConfig::Bigram {
        vocab_size: data.tokenizer.vocab_size(),
    };
    train_model(run, "bigram", &model_cfg, data, &cfg.bigram_train, cfg)
}

/// Train the GPT of shape `cfg.gpt` on `data` into `<run>/gpt/` (metrics.jsonl, model.safetensors).
pub fn train_gpt(run: &RunDir, data: &Ch01Data, cfg: &Ch01Config) -> Result<(Model, TrainReport)> {
    let model_cfg = ModelConfig::Gpt(GptConfig {
        vocab_size: data.tokenizer.vocab_size(),
        ..cfg.gpt.clone()
    });
    train_model(run, "gpt", &model_cfg, data, &cfg.gpt_train, cfg)
}

/// Train one model into `runs/<run>/<name>/` (metrics.jsonl, model.safetensors).
fn train_model(
    run: &RunDir,
    name: &str,
    model_cfg: &ModelConfig,
    data: &Ch01Data,
    train_cfg: &TrainConfig,
    cfg: &Ch01Config,
) -> Result<(Model, TrainReport)> {
    let dir = RunDir::create(&run.path, name)?;
    crate::device::seed(cfg.seed);
    let mut model = Model::new(
        model_cfg,
        super::prepare(cfg.device, cfg.threads, cfg.seed)?,
    )?;
    let opts = TrainOptions {
        label: name.to_string(),
        progress: cfg.progress,
        metrics_path: Some(dir.file("metrics.jsonl")),
        checkpoint_path: Some(dir.file("model.safetensors")),
        resume_from: None,
    };
    let report = train::train(&mut model, &data.tokenizer, &data.split, train_cfg, &opts)
        .with_context(|| format!("training the {name} model"))?;
    Ok((model, report))
}

fn summary(name: &str, r: &TrainReport, run: &RunDir) -> ModelSummary {
    ModelSummary {
        model: name.to_string(),
        params: r.params,
        train_loss: r.final_train_loss,
        val_loss: r.final_val_loss,
        tokens_per_sec: r.tokens_per_sec,
        seconds: r.seconds,
        checkpoint: run.path.join(name).join("model.safetensors"),
    }
}

// ANCHOR: loss_figure
/// Both models' train and validation loss against steps, with the uniform guess `ln V` as a dashed line.
pub fn loss_figure(bigram: &TrainReport, gpt: &TrainReport, uniform_loss: f64) -> Result<Figure> {
    let (bigram_train, bigram_val) = bigram.eval_curves();
    let (gpt_train, gpt_val) = gpt.eval_curves();
    let last_step = [bigram, gpt]
        .iter()
        .filter_map(|r| r.records.last())
        .map(|r| r.step)
        .max()
        .unwrap_or(0) as f64;
    let series = vec![
        Series::new("bigram · train", bigram_train),
        Series::new("bigram · validation", bigram_val),
        Series::new("GPT · train", gpt_train),
        Series::new("GPT · validation", gpt_val),
        Series::horizontal("uniform guess ln V", uniform_loss, 0.0, last_step),
    ];
    plot::line_chart(
        "Learning to continue text",
        "training step",
        "cross-entropy (nats/token)",
        &series,
    )
}
// ANCHOR_END: loss_figure

/// The model's `top_tokens` most likely next tokens after the prompt, at each temperature. The candidates
/// are those most likely at temperature 1 (temperature never reorders tokens, only reshapes the mass).
pub fn next_token_distributions(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &Ch01Config,
) -> Result<Vec<NextTokenDistribution>> {
    let ranked = generate::top_next_tokens(model, tokenizer, &cfg.prompt, 1.0, cfg.top_tokens)?;
    let context = tokenizer.encode_strict(&cfg.prompt)?;
    let logits = generate::next_logits(model, &context);
    Ok(cfg
        .temperatures
        .iter()
        .map(|&t| {
            let probs = generate::softmax_with_temperature(&logits, t);
            let tokens = ranked
                .iter()
                .map(|(tok, _)| (tok.clone(), probs[tokenizer.encode(tok)[0] as usize]))
                .collect();
            NextTokenDistribution {
                temperature: t,
                tokens,
            }
        })
        .collect())
}

/// Bar chart of [`next_token_distributions`].
pub fn next_token_figure(prompt: &str, dists: &[NextTokenDistribution]) -> Result<Figure> {
    let categories: Vec<String> = dists
        .first()
        .map(|d| d.tokens.iter().map(|(t, _)| plot::token_label(t)).collect())
        .unwrap_or_default();
    let series: Vec<(String, Vec<f64>)> = dists
        .iter()
        .map(|d| {
            (
                format!("T = {}", d.temperature),
                d.tokens.iter().map(|(_, p)| *p).collect(),
            )
        })
        .collect();
    plot::bar_chart(
        &format!("Next token after \"{prompt}\""),
        "probability",
        &categories,
        &series,
    )
}

/// One continuation of the prompt with each preset.
pub fn preset_samples(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &Ch01Config,
) -> Result<Vec<Sample>> {
    Preset::ALL
        .iter()
        .map(|&preset| {
            let sampling = SamplingConfig {
                max_new_tokens: cfg.sample_tokens,
                seed: cfg.seed,
                ..preset.config()
            };
            let text = generate::generate(model, tokenizer, &cfg.prompt, &sampling)?;
            Ok(Sample {
                preset: preset.name().to_string(),
                sampling,
                text,
            })
        })
        .collect()
}

/// How many characters of the context each row of the trace table shows.
const TRACE_CONTEXT_CHARS: usize = 16;

/// The prompt continued `trace_tokens` tokens under `trace_preset` with the chapter's seed, every step
/// written down: the same text the preset's sample starts with.
pub fn trace_prompt(model: &Model, tokenizer: &Tokenizer, cfg: &Ch01Config) -> Result<Trace> {
    let sampling = SamplingConfig {
        max_new_tokens: cfg.trace_tokens,
        seed: cfg.seed,
        ..cfg.trace_preset.config()
    };
    generate::trace(
        model,
        tokenizer,
        &cfg.prompt,
        &sampling,
        cfg.trace_candidates,
    )
}

// ANCHOR: repetition
/// Greedy decoding versus top-p sampling: the mean fraction of repeated word n-grams in their outputs.
pub fn measure_repetition(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &Ch01Config,
) -> Result<Vec<Repetition>> {
    let rules = [
        ("greedy (T = 0)", Preset::Deterministic.config()),
        ("top-p 0.9, T = 0.7", Preset::Balanced.config()),
    ];
    rules
        .into_iter()
        .map(|(name, rule)| {
            let seeds = if rule.temperature == 0.0 {
                1
            } else {
                cfg.repetition_seeds.max(1)
            };
            let mut fractions = Vec::new();
            for prompt in &cfg.repetition_prompts {
                for seed in 0..seeds as u64 {
                    let sampling = SamplingConfig {
                        max_new_tokens: cfg.sample_tokens,
                        seed,
                        ..rule.clone()
                    };
                    let text = generate::generate(model, tokenizer, prompt, &sampling)?;
                    fractions.push(generate::repeated_ngram_fraction(
                        &text,
                        cfg.repetition_ngram,
                    ));
                }
            }
            let mean = fractions.iter().sum::<f64>() / fractions.len().max(1) as f64;
            Ok(Repetition {
                decoding: name.to_string(),
                repeated_fraction: mean,
                outputs: fractions.len(),
            })
        })
        .collect()
}
// ANCHOR_END: repetition

/// The run's report.md: the numbers in tables, the samples verbatim.
pub fn report(cfg: &Ch01Config, r: &Ch01Result) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Chapter 1 — text continuation\n");
    let _ = writeln!(
        md,
        "Device: {} · corpus: {} characters · vocabulary: {} tokens · wall time {:.0} s\n",
        r.device, r.corpus_chars, r.vocab_size, r.seconds
    );
    let _ = writeln!(md, "![loss curves](loss.svg)\n");
    let _ = writeln!(
        md,
        "| model | parameters | train loss | validation loss | tokens/s | seconds |\n|---|---:|---:|---:|---:|---:|"
    );
    let _ = writeln!(
        md,
        "| uniform guess | 0 | {0:.3} | {0:.3} | | |",
        r.uniform_loss
    );
    for m in [&r.bigram, &r.gpt] {
        let _ = writeln!(
            md,
            "| {} | {} | {:.3} | {:.3} | {:.0} | {:.1} |",
            m.model, m.params, m.train_loss, m.val_loss, m.tokens_per_sec, m.seconds
        );
    }
    let _ = writeln!(
        md,
        "\n## Next token after \"{}\"\n\n![next-token distribution](next_token.svg)\n",
        cfg.prompt
    );
    for d in &r.next_token {
        let tokens: Vec<String> = d
            .tokens
            .iter()
            .take(5)
            .map(|(t, p)| format!("`{}` {:.3}", plot::token_label(t), p))
            .collect();
        let _ = writeln!(md, "- T = {}: {}", d.temperature, tokens.join(", "));
    }
    let _ = writeln!(md, "\n## Samples\n");
    for s in &r.samples {
        let _ = writeln!(
            md,
            "**{}** (T = {}, top-p = {}):\n\n> {}{}\n",
            s.preset,
            s.sampling.temperature,
            s.sampling.top_p,
            cfg.prompt,
            s.text.replace('\n', "\n> ")
        );
    }
    let _ = writeln!(
        md,
        "## Repetition ({}-word n-grams repeated)\n\n| decoding | repeated fraction | outputs |\n|---|---:|---:|",
        cfg.repetition_ngram
    );
    for rep in &r.repetition {
        let _ = writeln!(
            md,
            "| {} | {:.3} | {} |",
            rep.decoding, rep.repeated_fraction, rep.outputs
        );
    }
    let _ = write!(md, "\n## Step by step\n\n{}", trace_markdown(cfg, r));
    md
}

/// trace.md: which run and settings the trace comes from, then its table (the book includes this file).
pub fn trace_markdown(cfg: &Ch01Config, r: &Ch01Result) -> String {
    let s = &r.trace.sampling;
    format!(
        "The {} preset (temperature {}, top-p {}), seed {}, {} tokens; the model's {} most likely \
         candidates per step; GPT trained on {}.\n\n{}",
        cfg.trace_preset.name(),
        s.temperature,
        s.top_p,
        s.seed,
        s.max_new_tokens,
        cfg.trace_candidates,
        r.device,
        r.trace.table(TRACE_CONTEXT_CHARS)
    )
}
