//! Pretraining: the main run with what it knows along the way (perplexity, cloze accuracy), the comparison
//! runs (learned positions, characters), and the questions the pretrained model continues instead of answering.

use super::config::Ch03Config;
use super::data::{Ch03Data, prepare_data};
use crate::chapters::prepare;
use crate::checkpoint;
use crate::device::{self};
use crate::eval::{self, ClozeItem};
use crate::generate::greedy;
use crate::model::{GptConfig, Model, ModelConfig, Position};
use crate::run::{self, Reuse};
use crate::tokenizer::Tokenizer;
use crate::train::{self, Record, TrainConfig, TrainOptions, TrainReport};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tch::Device;

/// What the model knows at one evaluation of the main run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnowledgePoint {
    /// Steps taken.
    pub step: usize,
    /// Training tokens seen.
    pub tokens: usize,
    /// Validation loss (nats per token).
    pub val_loss: f64,
    /// Validation perplexity `e^loss`.
    pub perplexity: f64,
    /// Cloze accuracy on the world's facts.
    pub cloze_accuracy: f64,
    /// Greedy continuation of the sample prompt.
    pub sample: String,
}

/// One pretraining run, summarised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PretrainRun {
    /// What was varied: `"BPE · RoPE"`, `"BPE · learned positions"`, `"characters · RoPE"`.
    pub label: String,
    /// The model's config.
    pub model: GptConfig,
    /// The training report (curves, final losses, throughput).
    pub report: TrainReport,
    /// Characters per token of the validation text under this run's tokenizer: loss / this = loss per char.
    pub chars_per_token: f64,
    /// The final checkpoint.
    pub checkpoint: PathBuf,
}

impl PretrainRun {
    /// Validation loss per character (nats): comparable across tokenizers, unlike loss per token.
    pub fn val_loss_per_char(&self) -> f64 {
        self.report.final_val_loss / self.chars_per_token
    }
}

/// What pretraining learned, measured during the main run.
pub struct Pretrained {
    /// The trained model.
    pub model: Model,
    /// Its tokenizer.
    pub tokenizer: Tokenizer,
    /// The run's summary.
    pub run: PretrainRun,
    /// Language and world knowledge at every evaluation.
    pub knowledge: Vec<KnowledgePoint>,
    /// The cloze questions asked.
    pub cloze_items: Vec<ClozeItem>,
}

/// Where the main model's checkpoint lives: the start of chapters 4 and 5.
pub fn pretrained_checkpoint_path(cfg: &Ch03Config) -> PathBuf {
    cfg.runs_dir
        .join(&cfg.run_name)
        .join("pretrained")
        .join("model.safetensors")
}

// ANCHOR: pretrain
/// Pretrain the main model into `<run>/pretrained/`: next-token prediction on the world's text, with the
/// cloze test and a greedy sample at every evaluation.
pub fn pretrain(cfg: &Ch03Config, data: &Ch03Data, device: Device) -> Result<Pretrained> {
    let tokenizer = data.bpe.clone();
    let people: Vec<usize> = (0..cfg.cloze_people).collect();
    let cloze_items = eval::cloze_items(&data.world, &people, cfg.cloze_options, cfg.seed);
    let sample_prompt = data.fill(&cfg.sample_prompt);
    let measure = |model: &Model, record: &Record| -> Result<KnowledgePoint> {
        let val_loss = record.val_loss.unwrap_or(f64::NAN);
        Ok(KnowledgePoint {
            step: record.step,
            tokens: record.tokens,
            val_loss,
            perplexity: eval::perplexity(val_loss),
            cloze_accuracy: eval::cloze_accuracy(model, &tokenizer, &cloze_items).accuracy,
            sample: greedy(model, &tokenizer, &sample_prompt, cfg.sample_tokens)?,
        })
    };
    let main = Pretraining {
        label: "BPE · RoPE",
        dir_name: "pretrained",
        gpt: &cfg.gpt,
        tokenizer: &tokenizer,
    };
    // what the measurements depend on, besides the model: part of the run's cache key
    let measured = serde_json::json!({
        "world": &cfg.world,
        "cloze_people": cfg.cloze_people,
        "cloze_options": cfg.cloze_options,
        "sample_prompt": &sample_prompt,
        "sample_tokens": cfg.sample_tokens,
    });
    let (model, run, knowledge) =
        pretrain_run(cfg, data, device, &main, Some((&measure, measured)))?;
    Ok(Pretrained {
        model,
        tokenizer,
        run,
        knowledge,
        cloze_items,
    })
}
// ANCHOR_END: pretrain

/// The pretrained checkpoint of `cfg`, made by [`pretrain`] first unless `<run>/pretrained/` holds a run of
/// exactly this config: what chapters 4 and 5 call before they start.
pub fn ensure_pretrained(cfg: &Ch03Config) -> Result<PathBuf> {
    let cfg = &cfg.localized()?;
    cfg.validate()?;
    let device = prepare(cfg.device, cfg.threads, cfg.seed)?;
    let data = prepare_data(cfg)?;
    pretrain(cfg, &data, device).context("pretraining the chapter 3 model")?;
    Ok(pretrained_checkpoint_path(cfg))
}

/// What one pretraining run varies: its name, the model's shape and the tokenizer.
pub struct Pretraining<'a> {
    /// Legend text: `"BPE · RoPE"`.
    pub label: &'a str,
    /// Its directory under the chapter's run directory.
    pub dir_name: &'a str,
    /// The model's shape (its vocabulary size comes from `tokenizer`).
    pub gpt: &'a GptConfig,
    /// How the text is cut into tokens.
    pub tokenizer: &'a Tokenizer,
}

/// What a pretraining run measures at each evaluation (the main run: what the model knows).
pub type Measure<'a> = dyn Fn(&Model, &Record) -> Result<KnowledgePoint> + 'a;

/// Everything that decides one pretraining run: the cache key of its directory.
#[derive(Serialize)]
struct PretrainKey<'a> {
    label: &'a str,
    /// The model's shape, its vocabulary size included.
    model: &'a GptConfig,
    train: &'a TrainConfig,
    seed: u64,
    /// Fingerprints of the training and validation token ids.
    tokens: (String, String),
    /// The device, with its thread count on a CPU.
    device: String,
    /// What the measurements at each evaluation depend on (none for a run that measures nothing).
    measured: Option<serde_json::Value>,
}

/// A pretraining run as its directory keeps it: the summary, and what it measured at each evaluation.
#[derive(Serialize, Deserialize)]
struct KeptRun {
    run: PretrainRun,
    knowledge: Vec<KnowledgePoint>,
}

/// Train one GPT as `run` says on the chapter's text into `<run>/<dir_name>/`, taking `measure`'s
/// measurement at every evaluation, and summarise it — or read it back when that directory holds a run of
/// exactly the same inputs (unless `cfg.fresh`). Either way the model returned is the checkpoint saved there.
fn pretrain_run(
    cfg: &Ch03Config,
    data: &Ch03Data,
    device: Device,
    run: &Pretraining,
    measure: Option<(&Measure, serde_json::Value)>,
) -> Result<(Model, PretrainRun, Vec<KnowledgePoint>)> {
    let root = cfg.runs_dir.join(&cfg.run_name);
    let split = data.split(run.tokenizer, cfg.train.block_size)?;
    let shape = GptConfig {
        vocab_size: run.tokenizer.vocab_size(),
        ..run.gpt.clone()
    };
    let (measure, measured) = measure.unzip();
    let key = PretrainKey {
        label: run.label,
        model: &shape,
        train: &cfg.train,
        seed: cfg.seed,
        tokens: split.fingerprint()?,
        device: device::describe(device),
        measured,
    };
    let reuse = Reuse::new(cfg.fresh, cfg.progress);
    let weights = ("model.safetensors", |_: &KeptRun| true);
    let (kept, _) = run::cached_beside(&root, run.dir_name, &key, reuse, weights, |dir| {
        device::seed(cfg.seed);
        let mut model = Model::new(&ModelConfig::Gpt(shape.clone()), device)?;
        let opts = TrainOptions {
            label: run.dir_name.to_string(),
            progress: cfg.progress,
            metrics_path: Some(dir.file("metrics.jsonl")),
            checkpoint_path: Some(dir.file("model.safetensors")),
            resume_from: None,
        };
        let mut knowledge = Vec::new();
        let mut on_eval = |model: &Model, record: &Record| -> Result<()> {
            if let Some(measure) = measure {
                knowledge.push(measure(model, record)?);
            }
            Ok(())
        };
        let report = train::train_with(
            &mut model,
            run.tokenizer,
            &split,
            &cfg.train,
            &opts,
            &mut on_eval,
        )
        .with_context(|| format!("training the {} model", run.dir_name))?;
        let summary = PretrainRun {
            label: run.label.into(),
            model: shape.clone(),
            chars_per_token: chars_per_token(&data.val_text, run.tokenizer),
            report,
            checkpoint: dir.file("model.safetensors"),
        };
        Ok(KeptRun {
            run: summary,
            knowledge,
        })
    })?;
    let KeptRun {
        run: mut summary,
        knowledge,
    } = kept;
    // where the weights are now, whichever directory the cached result was written from
    summary.checkpoint = root.join(run.dir_name).join("model.safetensors");
    let (model, _) = checkpoint::load_model(&summary.checkpoint, device).with_context(|| {
        format!(
            "loading the pretrained model {}",
            summary.checkpoint.display()
        )
    })?;
    Ok((model, summary, knowledge))
}

pub(super) fn model_gpt_config(model: &Model) -> GptConfig {
    match model.config() {
        ModelConfig::Gpt(c) => c.clone(),
        ModelConfig::Bigram { .. } => unreachable!("chapter 3 trains GPTs only"),
    }
}

fn chars_per_token(text: &str, tokenizer: &Tokenizer) -> f64 {
    text.chars().count() as f64 / tokenizer.encode(text).len().max(1) as f64
}

/// A comparison run: the main config with other positions or another tokenizer.
pub fn comparison_run(
    cfg: &Ch03Config,
    data: &Ch03Data,
    device: Device,
    label: &str,
    dir_name: &str,
    gpt: &GptConfig,
    tokenizer: &Tokenizer,
) -> Result<PretrainRun> {
    let run = Pretraining {
        label,
        dir_name,
        gpt,
        tokenizer,
    };
    Ok(pretrain_run(cfg, data, device, &run, None)?.1)
}

// ANCHOR: comparison_runs
/// The two comparison runs, each differing from the main model in one thing: learned positions instead of
/// RoPE (same BPE), and characters instead of BPE (same RoPE).
pub fn comparison_runs(
    cfg: &Ch03Config,
    data: &Ch03Data,
    device: Device,
) -> Result<Vec<PretrainRun>> {
    let learned = GptConfig {
        position: Position::Learned,
        ..cfg.gpt.clone()
    };
    let chars = data.char_tokenizer();
    Ok(vec![
        comparison_run(
            cfg,
            data,
            device,
            "BPE · learned positions",
            "learned",
            &learned,
            &data.bpe,
        )?,
        comparison_run(
            cfg,
            data,
            device,
            "characters · RoPE",
            "chars",
            &cfg.gpt,
            &chars,
        )?,
    ])
}
// ANCHOR_END: comparison_runs

// ANCHOR: hermit
/// Put each question (`{name}` filled in) to the pretrained model and keep its greedy continuation: a
/// model that has only read continues the text; it does not answer.
pub fn hermit(
    model: &Model,
    tokenizer: &Tokenizer,
    data: &Ch03Data,
    questions: &[String],
) -> Result<Vec<HermitAnswer>> {
    questions
        .iter()
        .map(|q| {
            let question = data.fill(q);
            let continuation = greedy(model, tokenizer, &question, 40)?;
            Ok(HermitAnswer {
                question,
                continuation,
            })
        })
        .collect()
}
// ANCHOR_END: hermit

/// A question and what the pretrained model wrote after it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HermitAnswer {
    /// The question.
    pub question: String,
    /// The greedy continuation.
    pub continuation: String,
}
