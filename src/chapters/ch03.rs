//! Chapter 3 — pretraining: the Transformer, self-supervised learning, language and world knowledge.
//!
//! The experiment, in the order [`run`] does it:
//! 1. learn a byte-level BPE vocabulary from the world's text and compare it with characters;
//! 2. pretrain the main GPT (BPE, rotary positions) with warm-up, cosine decay, clipping and checkpoints,
//!    measuring at every evaluation what it knows: validation perplexity (language) and cloze accuracy on
//!    the world's facts (knowledge), plus a greedy sample;
//! 3. train the same model with learned positions, and one on characters, for the comparisons;
//! 4. ask the pretrained model questions (it continues the text instead of answering);
//! 5. draw its attention on a sentence of the world;
//! 6. measure cost: forward time against context length, generation with and without the KV cache, and the
//!    model's FLOPs per token and utilization.
//!
//! The main model's checkpoint, `runs/ch03/pretrained/model.safetensors`, is where chapters 4 and 5 start.

use super::prepare;
use crate::data::Split;
use crate::data::world::{World, WorldConfig};
use crate::device::{self, DeviceChoice};
use crate::eval::{self, ClozeItem, ClozeScore};
pub use crate::generate::greedy;
use crate::generate::{self, SamplingConfig};
use crate::model::{self, GptConfig, Model, ModelConfig, Position};
use crate::plot::{self, Figure, Series};
use crate::progress::ProgressMode;
use crate::run::RunDir;
use crate::tokenizer::{BpeTokenizer, Tokenizer};
use crate::train::{self, Record, Schedule, TrainConfig, TrainOptions, TrainReport};
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;
use tch::{Device, Kind, Tensor};

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

impl Ch03Config {
    /// The CPU preset: a 4-layer, 128-wide GPT on 200 people's stories, a few minutes on two cores.
    pub fn tiny() -> Self {
        Ch03Config {
            runs_dir: PathBuf::from("runs"),
            run_name: "ch03".into(),
            device: DeviceChoice::Auto,
            threads: 0,
            seed: 1337,
            progress: ProgressMode::Auto,
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
            sample_prompt: "{name} was born in".into(),
            sample_tokens: 24,
            questions: [
                "Where was {name} born?",
                "Question: What is the job of {name}?\nAnswer:",
                "Please tell me the name of {name}'s pet.",
            ]
            .map(String::from)
            .to_vec(),
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

/// The corpus and its tokenizers: what every run of the chapter learns from.
pub struct Ch03Data {
    /// The world the text is about.
    pub world: World,
    /// Training text.
    pub train_text: String,
    /// Validation text: the same facts, told anew.
    pub val_text: String,
    /// The byte-level BPE tokenizer learned from the training text.
    pub bpe: Tokenizer,
}

// ANCHOR: prepare_data
/// Generate the world's training text and its retold validation text, and learn BPE from the training text.
pub fn prepare_data(cfg: &Ch03Config) -> Result<Ch03Data> {
    let world = World::generate(&cfg.world)?;
    let retold = World::generate(&WorldConfig {
        render_seed: Some(cfg.val_render_seed),
        ..cfg.world.clone()
    })?;
    let train_text = world.corpus();
    let bpe = Tokenizer::bpe(&train_text, cfg.bpe_vocab_size)?;
    Ok(Ch03Data {
        world,
        train_text,
        val_text: retold.corpus(),
        bpe,
    })
}
// ANCHOR_END: prepare_data

impl Ch03Data {
    /// Token ids of the training and validation text under `tokenizer`.
    pub fn split(&self, tokenizer: &Tokenizer, block_size: usize) -> Result<Split> {
        Split::from_parts(
            &tokenizer.encode(&self.train_text),
            &tokenizer.encode(&self.val_text),
            block_size,
        )
    }

    /// The character tokenizer of the same text, for the comparison.
    pub fn char_tokenizer(&self) -> Tokenizer {
        Tokenizer::char_level(&self.train_text)
    }

    /// The example sentences of the tokenizer comparison and the attention figure: the first fact of the
    /// first person in the canonical wording, and a line of Tang poetry the BPE vocabulary never saw.
    pub fn examples(&self) -> [String; 2] {
        [
            self.world.sentence(&self.world.person_facts(0)[0], 0),
            "春眠不觉晓，处处闻啼鸟。".to_string(),
        ]
    }

    /// `{name}` in `template` replaced by the first person's name.
    pub fn fill(&self, template: &str) -> String {
        template.replace("{name}", &self.world.people[0].name)
    }
}

/// How the two vocabularies cut the same text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenizerComparison {
    /// Tokens in the character vocabulary.
    pub char_vocab: usize,
    /// Tokens in the BPE vocabulary.
    pub bpe_vocab: usize,
    /// Characters per token of the validation text: 1 for characters, more for BPE.
    pub bpe_chars_per_token: f64,
    /// The first merges BPE learned, as the two pieces' text.
    pub first_merges: Vec<(String, String)>,
    /// Example sentences (one English, one Chinese) and their token counts: (text, char tokens, BPE tokens,
    /// BPE pieces).
    pub sentences: Vec<(String, usize, usize, Vec<String>)>,
}

// ANCHOR: compare_tokenizers
/// Tokens per sentence and characters per token of characters against BPE.
pub fn compare_tokenizers(data: &Ch03Data, examples: &[String]) -> TokenizerComparison {
    let chars = data.char_tokenizer();
    let val_chars = data.val_text.chars().count();
    let val_bpe = data.bpe.encode(&data.val_text).len();
    let merges = match &data.bpe {
        Tokenizer::Bpe(bpe) => BpeTokenizer::merges(bpe),
        Tokenizer::Char(_) => Vec::new(),
    };
    let sentences = examples
        .iter()
        .map(|s| {
            let ids = data.bpe.encode(s);
            let pieces = ids.iter().map(|&id| data.bpe.token_piece(id)).collect();
            (s.clone(), s.chars().count(), ids.len(), pieces)
        })
        .collect();
    TokenizerComparison {
        char_vocab: chars.vocab_size(),
        bpe_vocab: data.bpe.vocab_size(),
        bpe_chars_per_token: val_chars as f64 / val_bpe.max(1) as f64,
        first_merges: merges.into_iter().take(24).collect(),
        sentences,
    }
}
// ANCHOR_END: compare_tokenizers

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
    let mut knowledge = Vec::new();
    let mut measure = |model: &Model, record: &Record| -> Result<()> {
        let val_loss = record.val_loss.unwrap_or(f64::NAN);
        knowledge.push(KnowledgePoint {
            step: record.step,
            tokens: record.tokens,
            val_loss,
            perplexity: eval::perplexity(val_loss),
            cloze_accuracy: eval::cloze_accuracy(model, &tokenizer, &cloze_items).accuracy,
            sample: greedy(model, &tokenizer, &sample_prompt, cfg.sample_tokens)?,
        });
        Ok(())
    };
    let main = Pretraining {
        label: "BPE · RoPE",
        dir_name: "pretrained",
        gpt: &cfg.gpt,
        tokenizer: &tokenizer,
    };
    let (model, run) = pretrain_run(cfg, data, device, &main, &mut measure)?;
    Ok(Pretrained {
        model,
        tokenizer,
        run,
        knowledge,
        cloze_items,
    })
}
// ANCHOR_END: pretrain

/// The pretrained checkpoint of `cfg`, made by [`pretrain`] first if it is missing: what chapters 4 and 5
/// call before they start.
pub fn ensure_pretrained(cfg: &Ch03Config) -> Result<PathBuf> {
    let path = pretrained_checkpoint_path(cfg);
    if !path.exists() {
        cfg.validate()?;
        let device = prepare(cfg.device, cfg.threads, cfg.seed)?;
        let data = prepare_data(cfg)?;
        pretrain(cfg, &data, device).context("pretraining the chapter 3 model")?;
    }
    Ok(path)
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

/// Train one GPT as `run` says on the chapter's text into `<run>/<dir_name>/`, calling `on_eval` at every
/// evaluation, and summarise it.
fn pretrain_run(
    cfg: &Ch03Config,
    data: &Ch03Data,
    device: Device,
    run: &Pretraining,
    on_eval: &mut train::EvalHook,
) -> Result<(Model, PretrainRun)> {
    let dir = RunDir::create(&cfg.runs_dir.join(&cfg.run_name), run.dir_name)?;
    let split = data.split(run.tokenizer, cfg.train.block_size)?;
    let shape = GptConfig {
        vocab_size: run.tokenizer.vocab_size(),
        ..run.gpt.clone()
    };
    device::seed(cfg.seed);
    let mut model = Model::new(&ModelConfig::Gpt(shape.clone()), device)?;
    let opts = TrainOptions {
        label: run.dir_name.to_string(),
        progress: cfg.progress,
        metrics_path: Some(dir.file("metrics.jsonl")),
        checkpoint_path: Some(dir.file("model.safetensors")),
        resume_from: None,
    };
    let report = train::train_with(
        &mut model,
        run.tokenizer,
        &split,
        &cfg.train,
        &opts,
        on_eval,
    )
    .with_context(|| format!("training the {} model", run.dir_name))?;
    let summary = PretrainRun {
        label: run.label.into(),
        model: shape,
        chars_per_token: chars_per_token(&data.val_text, run.tokenizer),
        report,
        checkpoint: dir.file("model.safetensors"),
    };
    Ok((model, summary))
}

fn model_gpt_config(model: &Model) -> GptConfig {
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
    Ok(pretrain_run(cfg, data, device, &run, &mut |_, _| Ok(()))?.1)
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

/// Time of one forward pass at one context length.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostPoint {
    /// Tokens in the context.
    pub context: usize,
    /// The whole model's forward pass (milliseconds, batch of 1).
    pub forward_ms: f64,
    /// The written-out attention of one layer alone.
    pub manual_attention_ms: f64,
    /// The fused attention of one layer alone.
    pub fused_attention_ms: f64,
    /// Memory of one layer's attention weights `n_head × T × T` in fp32 (MiB), which the fused kernel never
    /// stores.
    pub attention_weights_mib: f64,
}

/// Generation speed with and without the KV cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KvPoint {
    /// Tokens generated.
    pub tokens: usize,
    /// Tokens per second with the cache.
    pub cached_tokens_per_sec: f64,
    /// Tokens per second re-reading the context every step.
    pub uncached_tokens_per_sec: f64,
    /// Whether both produced the same tokens.
    pub same_tokens: bool,
}

/// Parameters and compute of one model shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SizeRow {
    /// The shape's name.
    pub name: String,
    /// Layers × width.
    pub shape: String,
    /// Trainable parameters.
    pub params: usize,
    /// Training FLOPs per token at the full context.
    pub flops_per_token: f64,
}

/// How fast the main run trained, against what the hardware can do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Utilization {
    /// Training tokens per second.
    pub tokens_per_sec: f64,
    /// Model FLOPs per second: `flops_per_token × tokens_per_sec`.
    pub achieved_flops: f64,
    /// The peak it is measured against.
    pub peak_flops: f64,
    /// Whether the peak was measured (a matrix product on this device) or given in the config.
    pub peak_measured: bool,
    /// Model FLOPs utilization, `achieved / peak`.
    pub mfu: f64,
}

/// What chapter 3's experiment measured and where it wrote its files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ch03Result {
    /// The device.
    pub device: String,
    /// Characters of training text.
    pub train_chars: usize,
    /// Characters vs BPE.
    pub tokenizers: TokenizerComparison,
    /// The main run and the comparison runs (main first).
    pub runs: Vec<PretrainRun>,
    /// Language and world knowledge along the main run.
    pub knowledge: Vec<KnowledgePoint>,
    /// The final cloze score, per relation too.
    pub cloze: ClozeScore,
    /// Questions and the pretrained model's continuations.
    pub hermit: Vec<HermitAnswer>,
    /// The sentence of the attention figure.
    pub attention_sentence: String,
    /// Forward time against context length.
    pub cost: Vec<CostPoint>,
    /// Generation with and without the KV cache.
    pub kv_cache: Vec<KvPoint>,
    /// Model sizes.
    pub sizes: Vec<SizeRow>,
    /// The main run's throughput and MFU.
    pub utilization: Utilization,
    /// The checkpoint chapters 4 and 5 start from.
    pub pretrained_checkpoint: PathBuf,
    /// The run directory.
    pub run_dir: PathBuf,
    /// Total wall time.
    pub seconds: f64,
}

/// Run chapter 3's experiment and write `runs/<run_name>/`.
pub fn run(cfg: &Ch03Config) -> Result<Ch03Result> {
    let clock = Instant::now();
    cfg.validate()?;
    let setting = (cfg.device, cfg.threads, cfg.seed);
    let (device, run) = super::open_run(cfg, &cfg.runs_dir, &cfg.run_name, setting)?;
    let data = prepare_data(cfg)?;
    let examples = data.examples();
    let tokenizers = compare_tokenizers(&data, &examples);

    let main = pretrain(cfg, &data, device)?;
    let mut runs = vec![main.run.clone()];
    if cfg.compare {
        runs.extend(comparison_runs(cfg, &data, device)?);
    }
    let cloze = eval::cloze_accuracy(&main.model, &main.tokenizer, &main.cloze_items);
    let hermit = hermit(&main.model, &main.tokenizer, &data, &cfg.questions)?;
    let attention_sentence = examples[0].clone();
    let cost = measure_cost(&main.model, cfg)?;
    let kv_cache = measure_kv_cache(
        &main.model,
        &main.tokenizer,
        &examples[0],
        &cfg.generation_lengths,
    )?;
    let utilization = utilization(&main.run, cfg, device);

    write_figures(
        &run,
        &main,
        &runs,
        &cloze,
        &attention_sentence,
        &cost,
        &kv_cache,
    )?;
    let result = Ch03Result {
        device: device::describe(device),
        train_chars: data.train_text.chars().count(),
        tokenizers,
        runs,
        knowledge: main.knowledge.clone(),
        cloze,
        hermit,
        attention_sentence,
        cost,
        kv_cache,
        sizes: size_table(&main.run.model),
        utilization,
        pretrained_checkpoint: main.run.checkpoint.clone(),
        run_dir: run.path.clone(),
        seconds: clock.elapsed().as_secs_f64(),
    };
    run.write_json("result.json", &result)?;
    run.write_text("report.md", &report(&result))?;
    Ok(result)
}

/// Every chart of the chapter, into the run directory.
fn write_figures(
    run: &RunDir,
    main: &Pretrained,
    runs: &[PretrainRun],
    cloze: &ClozeScore,
    sentence: &str,
    cost: &[CostPoint],
    kv: &[KvPoint],
) -> Result<()> {
    loss_figure(&main.run)?.save(&run.file("loss.svg"))?;
    knowledge_figures(&main.knowledge, cloze.chance)
        .into_iter()
        .zip(["language.svg", "world_knowledge.svg"])
        .try_for_each(|(f, name)| f?.save(&run.file(name)))?;
    cloze_figure(cloze)?.save(&run.file("cloze_by_relation.svg"))?;
    if runs.len() > 1 {
        positions_figure(runs)?.save(&run.file("positions.svg"))?;
        tokenizers_figure(runs)?.save(&run.file("tokenizers.svg"))?;
    }
    attention_figure(&main.model, &main.tokenizer, sentence)?.save(&run.file("attention.svg"))?;
    cost_figure(cost)?.save(&run.file("attention_cost.svg"))?;
    kv_cache_figure(kv)?.save(&run.file("kv_cache.svg"))?;
    Ok(())
}

/// The main run's train and validation loss.
pub fn loss_figure(run: &PretrainRun) -> Result<Figure> {
    let (train, val) = run.report.eval_curves();
    plot::line_chart(
        "Pretraining: next-token loss",
        "training step",
        "cross-entropy (nats/token)",
        &[Series::new("train", train), Series::new("validation", val)],
    )
}

// ANCHOR: knowledge_figures
/// `(training tokens, f(point))` along the main run.
fn along_training(points: &[KnowledgePoint], f: fn(&KnowledgePoint) -> f64) -> Vec<(f64, f64)> {
    points.iter().map(|p| (p.tokens as f64, f(p))).collect()
}

/// Language: validation perplexity against training tokens, log–log.
pub fn language_figure(points: &[KnowledgePoint]) -> Result<Figure> {
    let perplexity = along_training(points, |p| p.perplexity);
    plot::log_log_chart(
        "Language: validation perplexity",
        "training tokens",
        "perplexity",
        &[Series::new("validation perplexity", perplexity)],
    )
}

/// World knowledge: cloze accuracy on the world's facts against training tokens, with the chance level.
pub fn world_knowledge_figure(points: &[KnowledgePoint], chance: f64) -> Result<Figure> {
    let last = points.last().map_or(1.0, |p| p.tokens as f64);
    plot::line_chart(
        "World knowledge: cloze accuracy",
        "training tokens",
        "accuracy",
        &[
            Series::new(
                "facts answered right",
                along_training(points, |p| p.cloze_accuracy),
            ),
            Series::horizontal("chance", chance, 0.0, last),
        ],
    )
}

/// What pretraining learns, both figures: [`language_figure`] and [`world_knowledge_figure`].
pub fn knowledge_figures(points: &[KnowledgePoint], chance: f64) -> [Result<Figure>; 2] {
    [
        language_figure(points),
        world_knowledge_figure(points, chance),
    ]
}
// ANCHOR_END: knowledge_figures

/// Final cloze accuracy per relation, beside chance.
pub fn cloze_figure(cloze: &ClozeScore) -> Result<Figure> {
    let relations: Vec<String> = cloze.by_relation.iter().map(|(r, _)| r.clone()).collect();
    let accuracy = cloze.by_relation.iter().map(|(_, a)| *a).collect();
    let chance = vec![cloze.chance; relations.len()];
    plot::bar_chart(
        "Which facts the pretrained model knows",
        "cloze accuracy",
        &relations,
        &[("pretrained".into(), accuracy), ("chance".into(), chance)],
    )
}

/// Validation loss of the runs that differ in `pick`, against steps.
fn compare_figure(title: &str, y: &str, runs: &[&PretrainRun], per_char: bool) -> Result<Figure> {
    let series: Vec<Series> = runs
        .iter()
        .map(|r| {
            let (_, val) = r.report.eval_curves();
            let scale = if per_char { r.chars_per_token } else { 1.0 };
            Series::new(
                r.label.clone(),
                val.into_iter().map(|(s, l)| (s, l / scale)).collect(),
            )
        })
        .collect();
    plot::line_chart(title, "training step", y, &series)
}

/// Learned positions against RoPE (both BPE).
pub fn positions_figure(runs: &[PretrainRun]) -> Result<Figure> {
    let bpe: Vec<&PretrainRun> = runs.iter().filter(|r| r.label.starts_with("BPE")).collect();
    compare_figure(
        "Learned positions vs rotary embeddings",
        "validation loss (nats/token)",
        &bpe,
        false,
    )
}

/// Characters against BPE, in loss per character.
pub fn tokenizers_figure(runs: &[PretrainRun]) -> Result<Figure> {
    let rope: Vec<&PretrainRun> = runs.iter().filter(|r| r.label.ends_with("RoPE")).collect();
    compare_figure(
        "Characters vs BPE at equal steps",
        "validation loss (nats/character)",
        &rope,
        true,
    )
}

// ANCHOR: attention_figure
/// The last layer's attention weights on `sentence`, one panel per head.
pub fn attention_figure(model: &Model, tokenizer: &Tokenizer, sentence: &str) -> Result<Figure> {
    let ids = tokenizer.encode(sentence);
    let idx = Tensor::from_slice(&ids)
        .unsqueeze(0)
        .to_device(model.device());
    let maps = model.attention_maps(&idx);
    let Some(last) = maps.last() else {
        bail!("the model has no attention layers");
    };
    let (layer, heads) = (maps.len(), last.size()[1]);
    let panels = (0..heads)
        .map(|h| {
            let w = last
                .get(0)
                .get(h)
                .to_kind(Kind::Double)
                .to_device(Device::Cpu);
            let rows: Vec<Vec<f64>> = Vec::<Vec<f64>>::try_from(&w)?;
            Ok((format!("layer {layer}, head {}", h + 1), rows))
        })
        .collect::<Result<Vec<_>>>()?;
    let tokens: Vec<String> = ids.iter().map(|&id| tokenizer.token_piece(id)).collect();
    plot::heatmaps("Who attends to whom", &tokens, &panels)
}
// ANCHOR_END: attention_figure

/// Median wall time of `f` over `repeats` runs after a warm-up, in milliseconds.
fn time_ms(repeats: usize, device: Device, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let clock = Instant::now();
            f();
            if let Device::Cuda(i) = device {
                tch::Cuda::synchronize(i as i64);
            }
            clock.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

// ANCHOR: measure_cost
/// Forward time against context length, for a fresh model of the main model's shape whose block size fits
/// the longest context (the time depends on the shape, not on the weights' values), and for one layer's
/// attention alone, written out and fused.
pub fn measure_cost(model: &Model, cfg: &Ch03Config) -> Result<Vec<CostPoint>> {
    let longest = cfg.context_lengths.iter().copied().max().unwrap_or(1);
    let shape = GptConfig {
        block_size: longest,
        ..model_gpt_config(model)
    };
    let device = model.device();
    let wide = Model::new(&ModelConfig::Gpt(shape.clone()), device)?;
    let (heads, d) = (shape.n_head as i64, (shape.n_embd / shape.n_head) as i64);
    tch::no_grad(|| {
        cfg.context_lengths
            .iter()
            .map(|&t| {
                let idx = Tensor::randint(
                    shape.vocab_size as i64,
                    [1, t as i64],
                    (Kind::Int64, device),
                );
                let qkv = || Tensor::randn([1, heads, t as i64, d], (Kind::Float, device));
                let (q, k, v) = (qkv(), qkv(), qkv());
                let repeats = 5;
                Ok(CostPoint {
                    context: t,
                    forward_ms: time_ms(repeats, device, || drop(wide.forward(&idx, false))),
                    manual_attention_ms: time_ms(repeats, device, || {
                        drop(model::causal_attention_manual(&q, &k, &v))
                    }),
                    fused_attention_ms: time_ms(repeats, device, || {
                        drop(model::causal_attention_fused(&q, &k, &v, 0.0))
                    }),
                    attention_weights_mib: (heads as f64 * (t * t) as f64 * 4.0) / (1 << 20) as f64,
                })
            })
            .collect()
    })
}
// ANCHOR_END: measure_cost

// ANCHOR: measure_kv_cache
/// Generate `n` tokens after `prompt` with and without the KV cache, for each `n`: tokens per second, and
/// whether both gave the same tokens (they must: the cache changes the cost, not the result).
pub fn measure_kv_cache(
    model: &Model,
    tokenizer: &Tokenizer,
    prompt: &str,
    lengths: &[usize],
) -> Result<Vec<KvPoint>> {
    let block = model.config().block_size().unwrap_or(usize::MAX);
    let mut ids = tokenizer.encode(prompt);
    ids.truncate(8.min(ids.len()));
    lengths
        .iter()
        .map(|&n| {
            let cfg = SamplingConfig {
                temperature: 0.0,
                max_new_tokens: n.min(block.saturating_sub(ids.len())),
                ..SamplingConfig::default()
            };
            let timed = |use_cache| -> Result<(Vec<i64>, f64)> {
                let clock = Instant::now();
                let out = generate::generate_tokens(model, &ids, &cfg, use_cache)?;
                Ok((out, clock.elapsed().as_secs_f64()))
            };
            let (cached, t_cached) = timed(true)?;
            let (uncached, t_uncached) = timed(false)?;
            Ok(KvPoint {
                tokens: cfg.max_new_tokens,
                cached_tokens_per_sec: cached.len() as f64 / t_cached,
                uncached_tokens_per_sec: uncached.len() as f64 / t_uncached,
                same_tokens: cached == uncached,
            })
        })
        .collect()
}
// ANCHOR_END: measure_kv_cache

/// Forward time against context length, log–log: attention's quadratic cost is a steeper line.
pub fn cost_figure(cost: &[CostPoint]) -> Result<Figure> {
    let curve = |f: fn(&CostPoint) -> f64| cost.iter().map(|c| (c.context as f64, f(c))).collect();
    plot::log_log_chart(
        "Cost of a forward pass against context length",
        "context length (tokens)",
        "milliseconds",
        &[
            Series::new("whole model", curve(|c| c.forward_ms)),
            Series::new(
                "one attention, written out",
                curve(|c| c.manual_attention_ms),
            ),
            Series::new("one attention, fused", curve(|c| c.fused_attention_ms)),
        ],
    )
}

/// Generation speed with and without the KV cache, against the number of tokens generated.
pub fn kv_cache_figure(kv: &[KvPoint]) -> Result<Figure> {
    let curve = |f: fn(&KvPoint) -> f64| kv.iter().map(|p| (p.tokens as f64, f(p))).collect();
    plot::line_chart(
        "Generation speed with and without the KV cache",
        "tokens generated",
        "tokens per second",
        &[
            Series::new("with KV cache", curve(|p| p.cached_tokens_per_sec)),
            Series::new(
                "re-reading the context",
                curve(|p| p.uncached_tokens_per_sec),
            ),
        ],
    )
}

// ANCHOR: size_table
/// Parameters and FLOPs per token of the chapter's presets and of GPT-2 small, for scale.
pub fn size_table(trained: &GptConfig) -> Vec<SizeRow> {
    let gpt2 = GptConfig {
        vocab_size: 50257,
        block_size: 1024,
        n_layer: 12,
        n_head: 12,
        n_embd: 768,
        position: Position::Learned,
        ..GptConfig::default()
    };
    let small = GptConfig {
        vocab_size: Ch03Config::small().bpe_vocab_size,
        ..Ch03Config::small().gpt
    };
    [
        ("this run", trained.clone()),
        ("small preset", small),
        ("GPT-2 small", gpt2),
    ]
    .into_iter()
    .map(|(name, c)| SizeRow {
        name: name.into(),
        shape: format!("{} × {}", c.n_layer, c.n_embd),
        params: c.param_count(),
        flops_per_token: c.flops_per_token(c.block_size),
    })
    .collect()
}
// ANCHOR_END: size_table

// ANCHOR: utilization
/// Model FLOPs utilization of a run: the FLOPs its tokens/s imply, over the device's peak.
pub fn utilization(run: &PretrainRun, cfg: &Ch03Config, device: Device) -> Utilization {
    let tokens_per_sec = run.report.tokens_per_sec;
    let achieved_flops = run.model.flops_per_token(cfg.train.block_size) * tokens_per_sec;
    let kind = cfg.train.precision.kind_on(device);
    let (peak_flops, peak_measured) = match cfg.peak_flops {
        Some(peak) => (peak, false),
        None => (device::matmul_flops_per_sec(device, kind, 1024), true),
    };
    Utilization {
        tokens_per_sec,
        achieved_flops,
        peak_flops,
        peak_measured,
        mfu: achieved_flops / peak_flops,
    }
}
// ANCHOR_END: utilization

/// The report printed at the end and written as report.md.
pub fn report(r: &Ch03Result) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Chapter 3 — pretraining\n");
    let _ = writeln!(
        md,
        "Device: {} · training text: {} characters · wall time {:.0} s\n",
        r.device, r.train_chars, r.seconds
    );
    let t = &r.tokenizers;
    let _ = writeln!(
        md,
        "## Tokenizers\n\nCharacters: {} tokens. Byte-level BPE: {} tokens, {:.2} characters per token.\n",
        t.char_vocab, t.bpe_vocab, t.bpe_chars_per_token
    );
    let merges: Vec<String> = t
        .first_merges
        .iter()
        .map(|(a, b)| format!("`{}`+`{}`", plot::token_label(a), plot::token_label(b)))
        .collect();
    let _ = writeln!(md, "First merges: {}\n", merges.join(" "));
    for (text, chars, bpe, pieces) in &t.sentences {
        let pieces: Vec<String> = pieces.iter().map(|p| plot::token_label(p)).collect();
        let _ = writeln!(
            md,
            "- {text:?}: {chars} characters, {bpe} BPE tokens: {}",
            pieces.join("|")
        );
    }
    let _ = writeln!(md, "\n## Runs\n\n![loss](loss.svg)\n");
    let _ = writeln!(
        md,
        "| run | parameters | val loss (nats/token) | val loss (nats/char) | tokens/s | seconds |\n|---|---:|---:|---:|---:|---:|"
    );
    for run in &r.runs {
        let _ = writeln!(
            md,
            "| {} | {} | {:.3} | {:.3} | {:.0} | {:.0} |",
            run.label,
            run.report.params,
            run.report.final_val_loss,
            run.val_loss_per_char(),
            run.report.tokens_per_sec,
            run.report.seconds
        );
    }
    if r.runs.len() > 1 {
        let _ = writeln!(
            md,
            "\n![positions](positions.svg)\n\n![tokenizers](tokenizers.svg)"
        );
    }
    let _ = writeln!(
        md,
        "\n## What pretraining learned\n\n![language](language.svg)\n\n![world knowledge](world_knowledge.svg)\n"
    );
    let _ = writeln!(
        md,
        "| step | tokens | val perplexity | cloze accuracy | greedy sample |\n|---:|---:|---:|---:|---|"
    );
    for p in &r.knowledge {
        let _ = writeln!(
            md,
            "| {} | {} | {:.2} | {:.3} | {:?} |",
            p.step, p.tokens, p.perplexity, p.cloze_accuracy, p.sample
        );
    }
    let _ = writeln!(
        md,
        "\nFinal cloze accuracy {:.3} (chance {:.3}).\n\n![cloze by relation](cloze_by_relation.svg)\n",
        r.cloze.accuracy, r.cloze.chance
    );
    let _ = writeln!(md, "## A well-read hermit\n");
    for h in &r.hermit {
        let _ = writeln!(md, "- {:?} → {:?}", h.question, h.continuation);
    }
    let _ = writeln!(
        md,
        "\n## Attention\n\nSentence: {:?}\n\n![attention](attention.svg)\n",
        r.attention_sentence
    );
    let _ = writeln!(md, "## Cost\n\n![attention cost](attention_cost.svg)\n");
    let _ = writeln!(
        md,
        "| context | forward ms | attention ms (written out) | attention ms (fused) | weights MiB |\n|---:|---:|---:|---:|---:|"
    );
    for c in &r.cost {
        let _ = writeln!(
            md,
            "| {} | {:.2} | {:.3} | {:.3} | {:.2} |",
            c.context,
            c.forward_ms,
            c.manual_attention_ms,
            c.fused_attention_ms,
            c.attention_weights_mib
        );
    }
    let _ = writeln!(md, "\n![KV cache](kv_cache.svg)\n");
    let _ = writeln!(
        md,
        "| tokens | with cache tok/s | without tok/s | same tokens |\n|---:|---:|---:|---|"
    );
    for k in &r.kv_cache {
        let _ = writeln!(
            md,
            "| {} | {:.0} | {:.0} | {} |",
            k.tokens, k.cached_tokens_per_sec, k.uncached_tokens_per_sec, k.same_tokens
        );
    }
    let _ = writeln!(
        md,
        "\n## Size and utilization\n\n| model | shape | parameters | FLOPs/token |\n|---|---|---:|---:|"
    );
    for s in &r.sizes {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.3e} |",
            s.name, s.shape, s.params, s.flops_per_token
        );
    }
    let u = &r.utilization;
    let _ = writeln!(
        md,
        "\nTraining: {:.0} tokens/s = {:.3e} model FLOP/s; peak {:.3e} FLOP/s ({}); MFU {:.1}%.",
        u.tokens_per_sec,
        u.achieved_flops,
        u.peak_flops,
        if u.peak_measured {
            "measured matrix product"
        } else {
            "from the config"
        },
        100.0 * u.mfu
    );
    let _ = writeln!(
        md,
        "\nPretrained checkpoint: {}",
        r.pretrained_checkpoint.display()
    );
    md
}
