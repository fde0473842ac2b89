//! Chapter 4 — supervised fine-tuning (SFT): from a well-read hermit to an assistant that answers.
//!
//! The experiment, in the order [`run`] does it:
//! 1. take chapter 3's pretrained model (pretraining it first if it is missing);
//! 2. fine-tune it on questions about half of the world's people, the loss on the answers only;
//! 3. the same with the loss on every token, from a random start, and with LoRA adapters;
//! 4. measure answer accuracy on the fine-tuned people and on the held-out half, whose facts the model read
//!    in pretraining but was never asked about;
//! 5. repeat from models pretrained on text of lower paraphrase diversity: knowledge extraction;
//! 6. ask the same questions before and after, and about people who do not exist;
//! 7. ask a few questions again and again under a sampling preset and count the forms of the answers
//!    ([`style`]).
//!
//! The fine-tuned checkpoint `runs/ch04/sft/model.safetensors` is where chapter 5 starts.
//!
//! The code, one file per part: [`config`], the data ([`data`]), the fine-tuning runs and the diversity sweep
//! ([`finetune`]), questions before and after ([`answers`]), the answers' [`style`], the [`figures`] (drawn
//! from the result alone) and the [`report`].

pub mod answers;
pub mod config;
pub mod data;
pub mod figures;
pub mod finetune;
pub mod report;
pub mod style;
pub mod words;

pub use answers::*;
pub use config::*;
pub use data::*;
pub use figures::{accuracy_figure, diversity_figure, loss_figure};
pub use finetune::*;
pub use report::*;
pub use style::{StyleConfig, StyleResult};

use super::ch03::{self};
use super::prepare;
use crate::checkpoint;
use crate::data::instruct;
use crate::data::world::{Language, World};
use crate::device::{self};
use crate::model::Model;
use crate::tokenizer::Tokenizer;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;

/// Where the fine-tuned checkpoint lives: the start of chapter 5.
pub fn finetuned_checkpoint_path(cfg: &Ch04Config) -> PathBuf {
    cfg.runs_dir
        .join(&cfg.run_name)
        .join("sft")
        .join("model.safetensors")
}

/// What chapter 4's experiment measured and where it wrote its files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ch04Result {
    /// The device.
    pub device: String,
    /// The language of the run: its report and charts are written in it.
    #[serde(default, skip_serializing_if = "Language::is_english")]
    pub language: Language,
    /// Fine-tuning examples.
    pub train_examples: usize,
    /// One example conversation, token by token, with its mask.
    pub mask_example: Vec<MaskedToken>,
    /// The fine-tuning runs: masked (the main one), unmasked, random start, LoRA.
    pub runs: Vec<SftRun>,
    /// Held-out accuracy against pretraining diversity.
    pub diversity: Vec<DiversityPoint>,
    /// The same questions before and after fine-tuning.
    pub before_after: Vec<BeforeAfter>,
    /// Questions about people who do not exist and the fine-tuned model's answers.
    pub unknown: Vec<BeforeAfter>,
    /// Fraction of those answered with an invented fact rather than "I don't know".
    pub invented: f64,
    /// The same questions sampled with several seeds: how consistent the answers' form is.
    #[serde(default)]
    pub style: StyleResult,
    /// The fine-tuned checkpoint chapter 5 starts from.
    pub finetuned_checkpoint: PathBuf,
    /// The run directory.
    pub run_dir: PathBuf,
    /// Total wall time.
    pub seconds: f64,
}

/// Run chapter 4's experiment and write `runs/<run_name>/`.
pub fn run(cfg: &Ch04Config) -> Result<Ch04Result> {
    let clock = Instant::now();
    let cfg = &cfg.localized()?;
    cfg.validate()?;
    let setting = (cfg.device, cfg.threads, cfg.seed);
    let (device, run) = super::open_run(cfg, &cfg.runs_dir, &cfg.run_name, setting)?;
    let pretrained = ch03::ensure_pretrained(&cfg.pretrain)?;
    let data = prepare_data(cfg)?;
    let setup = SftSetup {
        cfg,
        data: &data,
        device,
    };
    let [masked, unmasked, random, lora] = words::words(cfg.language).runs;

    let (model, tokenizer, main) =
        finetune(&setup, masked, "sft", &pretrained, Start::Pretrained, true)?;
    let mask_example = mask_example(&tokenizer, &data.train[0])?;
    let (_, _, unmasked) = finetune(
        &setup,
        unmasked,
        "sft-unmasked",
        &pretrained,
        Start::Pretrained,
        false,
    )?;
    let (_, _, random) = finetune(
        &setup,
        random,
        "sft-random",
        &pretrained,
        Start::Random,
        true,
    )?;
    let lora_label = super::fill(lora, &[("rank", &cfg.lora.rank)]);
    let (_, _, lora) = finetune(
        &setup,
        &lora_label,
        "sft-lora",
        &pretrained,
        Start::Lora,
        true,
    )?;
    let diversity = diversity_sweep(&setup, &main)?;

    let (base, _) = checkpoint::load_model(&pretrained, device)?;
    let before_after = before_after(cfg, &data, &base, &model, &tokenizer)?;
    let unknown = unknown_people(cfg, &data.world, &base, &model, &tokenizer)?;
    let invented = unknown
        .iter()
        .filter(|u| {
            !u.finetuned
                .contains(instruct::asking(cfg.language).dont_know)
        })
        .count() as f64
        / unknown.len().max(1) as f64;
    let style = measure_style(cfg, &data.world, &model, &tokenizer)?;
    let runs = vec![main, unmasked, random, lora];
    let result = Ch04Result {
        device: device::describe(device),
        language: cfg.language,
        train_examples: data.train.len(),
        mask_example,
        runs,
        diversity,
        before_after,
        unknown,
        invented,
        style,
        finetuned_checkpoint: finetuned_checkpoint_path(cfg),
        run_dir: run.path.clone(),
        seconds: clock.elapsed().as_secs_f64(),
    };
    super::write_outputs(&run, &result, figures::draw(&result)?, &report(&result))?;
    Ok(result)
}

/// The chapter's style measurement ([`style::style`]): `cfg.style`'s questions about the first fine-tuned and
/// the first held-out person, to the fine-tuned `model`, answers of up to `max_answer_tokens`.
pub fn measure_style(
    cfg: &Ch04Config,
    world: &World,
    model: &Model,
    tokenizer: &Tokenizer,
) -> Result<StyleResult> {
    let [tuned_person, held_person, ..] = words::words(cfg.language).about;
    let people = [(tuned_person, 0), (held_person, cfg.sft_people)];
    style::style(
        &cfg.style,
        world,
        &people,
        model,
        tokenizer,
        cfg.max_answer_tokens,
    )
}

/// The fine-tuned checkpoint of `cfg`, made first (pretraining too, if needed) when it is missing: what
/// chapter 5 calls before it starts.
pub fn ensure_finetuned(cfg: &Ch04Config) -> Result<PathBuf> {
    let cfg = &cfg.localized()?;
    let path = finetuned_checkpoint_path(cfg);
    if !path.exists() {
        cfg.validate()?;
        let device = prepare(cfg.device, cfg.threads, cfg.seed)?;
        let pretrained = ch03::ensure_pretrained(&cfg.pretrain)?;
        let data = prepare_data(cfg)?;
        let setup = SftSetup {
            cfg,
            data: &data,
            device,
        };
        finetune(
            &setup,
            words::words(cfg.language).runs[0],
            "sft",
            &pretrained,
            Start::Pretrained,
            true,
        )?;
    }
    Ok(path)
}
