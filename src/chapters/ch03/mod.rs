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
//!
//! The code, one file per part: [`config`], the corpus and tokenizers ([`data`]), pretraining and its
//! comparisons ([`pretrain`]), the [`attention`] drawing, [`cost`] measurements, the [`figures`] (drawn from
//! the result alone) and the [`report`], in the words of the run's language ([`words`]).

pub mod attention;
pub mod config;
pub mod cost;
pub mod data;
pub mod figures;
pub mod pretrain;
pub mod report;
pub mod words;

pub use attention::*;
pub use config::*;
pub use cost::*;
pub use data::*;
pub use figures::{
    attention_heatmaps, cloze_figure, cost_figure, knowledge_figures, kv_cache_figure,
    language_figure, loss_figure, positions_figure, tokenizers_figure, world_knowledge_figure,
};
pub use pretrain::*;
pub use report::*;

use crate::data::world::Language;
use crate::device::{self};
use crate::eval::{self, ClozeScore};
pub use crate::generate::greedy;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;

/// What chapter 3's experiment measured and where it wrote its files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ch03Result {
    /// The device.
    pub device: String,
    /// The language of the run: its report and charts are written in it.
    #[serde(default, skip_serializing_if = "Language::is_english")]
    pub language: Language,
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
    /// The pretrained model's last-layer attention on that sentence: what the attention figure draws.
    pub attention: AttentionMaps,
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
    let cfg = &cfg.localized()?;
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
    let attention = last_layer_attention(&main.model, &main.tokenizer, &attention_sentence)?;

    let result = Ch03Result {
        device: device::describe(device),
        language: cfg.language,
        train_chars: data.train_text.chars().count(),
        tokenizers,
        runs,
        knowledge: main.knowledge.clone(),
        cloze,
        hermit,
        attention_sentence,
        attention,
        cost,
        kv_cache,
        sizes: size_table(&main.run.model),
        utilization,
        pretrained_checkpoint: main.run.checkpoint.clone(),
        run_dir: run.path.clone(),
        seconds: clock.elapsed().as_secs_f64(),
    };
    super::write_outputs(&run, &result, figures::draw(&result)?, &report(&result))?;
    Ok(result)
}
