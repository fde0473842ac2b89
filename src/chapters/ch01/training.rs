//! The corpus and its character tokenizer, and the bigram and the GPT trained on it.

use super::{Ch01Config, LossCurves, ModelSummary};
use crate::checkpoint;
use crate::data::Split;
use crate::model::{GptConfig, Model, ModelConfig};
use crate::run::{self, Reuse, RunDir};
use crate::tokenizer::{Tokenizer, require_tokens};
use crate::train::{self, TrainConfig, TrainOptions, TrainReport};
use anyhow::{Context, Result};
use serde::Serialize;

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

/// Everything that decides one of the chapter's trainings: the cache key of its directory.
#[derive(Serialize)]
struct TrainingKey<'a> {
    model: &'a ModelConfig,
    train: &'a TrainConfig,
    seed: u64,
    /// Fingerprints of the training and validation token ids.
    tokens: (String, String),
    /// The device, with its thread count on a CPU.
    device: String,
}

/// Train one model into `runs/<run>/<name>/` (metrics.jsonl, model.safetensors), or read it back when that
/// directory holds a finished training of exactly the same inputs (unless `cfg.fresh`). Either way the
/// model returned is the checkpoint saved there, so what follows sees the same weights.
fn train_model(
    run: &RunDir,
    name: &str,
    model_cfg: &ModelConfig,
    data: &Ch01Data,
    train_cfg: &TrainConfig,
    cfg: &Ch01Config,
) -> Result<(Model, TrainReport)> {
    let device = crate::chapters::prepare(cfg.device, cfg.threads, cfg.seed)?;
    let key = TrainingKey {
        model: model_cfg,
        train: train_cfg,
        seed: cfg.seed,
        tokens: data.split.fingerprint()?,
        device: crate::device::describe(device),
    };
    let reuse = Reuse::new(cfg.fresh, cfg.progress);
    let weights = ("model.safetensors", |_: &TrainReport| true);
    let (report, _) = run::cached_beside(&run.path, name, &key, reuse, weights, |dir| {
        crate::device::seed(cfg.seed);
        let mut model = Model::new(model_cfg, device)?;
        let opts = TrainOptions {
            label: name.to_string(),
            progress: cfg.progress,
            metrics_path: Some(dir.file("metrics.jsonl")),
            checkpoint_path: Some(dir.file("model.safetensors")),
            resume_from: None,
        };
        train::train(&mut model, &data.tokenizer, &data.split, train_cfg, &opts)
            .with_context(|| format!("training the {name} model"))
    })?;
    let saved = run.path.join(name).join("model.safetensors");
    let (model, _) = checkpoint::load_model(&saved, device)
        .with_context(|| format!("loading the {name} model {}", saved.display()))?;
    Ok((model, report))
}

pub(super) fn summary(name: &str, r: &TrainReport, run: &RunDir) -> ModelSummary {
    ModelSummary {
        model: name.to_string(),
        params: r.params,
        train_loss: r.final_train_loss,
        val_loss: r.final_val_loss,
        tokens_per_sec: r.tokens_per_sec,
        seconds: r.seconds,
        checkpoint: run.path.join(name).join("model.safetensors"),
        curves: LossCurves::from(r),
    }
}
