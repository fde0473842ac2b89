//! The fine-tuning runs (masked, unmasked, from a random start, LoRA), how each is measured, and the sweep over
//! pretraining diversity: knowledge extraction.

use super::config::Ch04Config;
use super::data::Ch04Data;
use crate::chapters::ch03::{self};
use crate::checkpoint;
use crate::data::Part;
use crate::device::{self};
use crate::eval;
use crate::model::Model;
use crate::run::{self, Reuse, RunDir};
use crate::sft::{self, AnswerScore, SftData};
use crate::tokenizer::Tokenizer;
use crate::train::{self, TrainOptions, TrainReport};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;
use tch::Device;

/// How one fine-tuning run went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SftRun {
    /// What was varied.
    pub label: String,
    /// Parameters the run changed.
    pub trainable_params: i64,
    /// The training report (the loss curves).
    pub report: TrainReport,
    /// Validation loss on the answers only, whatever the run trained on (comparable across runs).
    pub answer_loss: f64,
    /// Accuracy on the fine-tuned people's facts.
    pub sft_people: AnswerScore,
    /// Accuracy on the held-out people's facts (read in pretraining, never asked about).
    pub held_out: AnswerScore,
    /// Accuracy on fresh addition problems.
    pub arithmetic: AnswerScore,
}

/// How a fine-tuning run starts and what it trains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Start {
    /// From the pretrained weights, every parameter trained.
    Pretrained,
    /// From a fresh random initialisation of the same shape.
    Random,
    /// From the pretrained weights, frozen, with LoRA adapters trained (then merged).
    Lora,
}

/// Everything one fine-tuning run needs besides its config.
pub struct SftSetup<'a> {
    /// The chapter's config.
    pub cfg: &'a Ch04Config,
    /// The instruction sets.
    pub data: &'a Ch04Data,
    /// The device.
    pub device: Device,
}

/// Fine-tune the model in `pretrained` into `<run>/<dir_name>/` and measure it ([`train_and_measure`]), or
/// read the run back when that directory already holds one of exactly the same inputs ([`SftKey`]; unless
/// `cfg.fresh`). Either way the model returned is the checkpoint saved there, so what follows sees the same
/// weights whether the run trained now or earlier.
pub fn finetune(
    setup: &SftSetup,
    label: &str,
    dir_name: &str,
    pretrained: &Path,
    start: Start,
    mask_prompt: bool,
) -> Result<(Model, Tokenizer, SftRun)> {
    let cfg = setup.cfg;
    let root = cfg.runs_dir.join(&cfg.run_name);
    let key = SftKey {
        cfg: sft_inputs(cfg, start)?,
        label,
        start,
        mask_prompt,
        pretrained: run::file_fingerprint(pretrained)
            .with_context(|| format!("the pretrained model {}", pretrained.display()))?,
        device: device::describe(setup.device),
    };
    let reuse = Reuse::new(cfg.fresh, cfg.progress);
    let weights = ("model.safetensors", |_: &SftRun| true); // without its model, a run is trained again
    let (sft_run, _) = run::cached_beside(&root, dir_name, &key, reuse, weights, |dir| {
        train_and_measure(setup, label, dir, pretrained, start, mask_prompt)
    })?;
    let saved = root.join(dir_name).join("model.safetensors");
    let (model, tokenizer) = checkpoint::load_model(&saved, setup.device)
        .with_context(|| format!("loading the fine-tuned model {}", saved.display()))?;
    Ok((model, tokenizer, sft_run))
}

/// Everything that decides a fine-tuning run: the cache key of its directory.
#[derive(Serialize)]
struct SftKey<'a> {
    /// The chapter's config, less what cannot change a run ([`sft_inputs`]).
    cfg: serde_json::Value,
    label: &'a str,
    start: Start,
    mask_prompt: bool,
    /// Content fingerprint of the pretrained checkpoint it starts from: a model pretrained again with other
    /// numbers is another start.
    pretrained: String,
    /// The device, with its thread count on a CPU.
    device: String,
}

/// The chapter's config as a fine-tuning run's inputs: without how progress shows, where runs go, the list
/// of diversities (each run is one of them, named by its pretrained checkpoint), the unknown people asked
/// afterwards, `fresh`, and the LoRA settings unless the run is the LoRA one.
fn sft_inputs(cfg: &Ch04Config, start: Start) -> Result<serde_json::Value> {
    let mut value = serde_json::to_value(cfg)?;
    if let Some(fields) = value.as_object_mut() {
        let unused = [
            "progress",
            "runs_dir",
            "run_name",
            "diversities",
            "unknown_people",
            "fresh",
        ];
        for field in unused {
            fields.remove(field);
        }
        if start != Start::Lora {
            fields.remove("lora");
            fields.remove("lora_lr");
        }
    }
    Ok(value)
}

// ANCHOR: finetune
/// Fine-tune the model in `pretrained` into `dir`, starting as `start` says, with the loss on the answers
/// only (`mask_prompt`) or on every token; then measure it.
pub fn train_and_measure(
    setup: &SftSetup,
    label: &str,
    dir: &RunDir,
    pretrained: &Path,
    start: Start,
    mask_prompt: bool,
) -> Result<SftRun> {
    let cfg = setup.cfg;
    let (mut model, tokenizer) = checkpoint::load_model(pretrained, setup.device)
        .with_context(|| format!("loading the pretrained model {}", pretrained.display()))?;
    let block = cfg.sft_train.block_size;
    let data = SftData::new(
        &tokenizer,
        &setup.data.train,
        &setup.data.held_out,
        mask_prompt,
        block,
    )?;
    let mut train_cfg = cfg.sft_train.clone();
    // no wider than the longest conversation, so tokens/s counts conversation tokens, not padding
    train_cfg.block_size = train_cfg.block_size.min(data.longest_input());
    // the random start and the LoRA adapters draw from here: the same draws whatever ran before this run
    device::seed(cfg.seed);
    match start {
        Start::Pretrained => {}
        Start::Random => model = Model::new(model.config(), setup.device)?,
        Start::Lora => {
            model.add_lora(&cfg.lora)?;
            train_cfg.lr = cfg.lora_lr;
        }
    }
    let trainable_params = model.num_trainable_params();
    let opts = TrainOptions {
        label: dir
            .path
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into()),
        progress: cfg.progress,
        metrics_path: Some(dir.file("metrics.jsonl")),
        // adapters are not in the model's own parameters: the LoRA run saves after merging them
        checkpoint_path: (start != Start::Lora).then(|| dir.file("model.safetensors")),
        resume_from: None,
    };
    let report = train::train(&mut model, &tokenizer, &data, &train_cfg, &opts)
        .with_context(|| format!("fine-tuning '{label}'"))?;
    if start == Start::Lora {
        model.merge_lora();
        checkpoint::save(&dir.file("model.safetensors"), &model, &tokenizer, None)?;
    }
    // the answer-only loss needs the masked conversations: those just trained on, unless the run was unmasked
    let masked;
    let answers_only = if mask_prompt {
        &data
    } else {
        masked = SftData::new(
            &tokenizer,
            &setup.data.train,
            &setup.data.held_out,
            true,
            block,
        )?;
        &masked
    };
    measure(
        setup,
        &model,
        &tokenizer,
        answers_only,
        label,
        trainable_params,
        report,
    )
}
// ANCHOR_END: finetune

/// Answer accuracy on both groups and on addition, and the validation loss on the answers only
/// (`answers_only`: the conversations with the prompt masked).
fn measure(
    setup: &SftSetup,
    model: &Model,
    tokenizer: &Tokenizer,
    answers_only: &SftData,
    label: &str,
    trainable_params: i64,
    report: TrainReport,
) -> Result<SftRun> {
    let cfg = setup.cfg;
    let max = cfg.max_answer_tokens;
    let answer_loss =
        train::estimate_loss(model, answers_only, Part::Val, &cfg.sft_train, cfg.seed);
    Ok(SftRun {
        label: label.into(),
        trainable_params,
        report,
        answer_loss,
        sft_people: sft::score_answers(model, tokenizer, &setup.data.eval_sft_people, max)?,
        held_out: sft::score_answers(model, tokenizer, &setup.data.eval_held_out, max)?,
        arithmetic: sft::score_answers(model, tokenizer, &setup.data.eval_arithmetic, max)?,
    })
}

/// Knowledge extraction at one pretraining diversity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiversityPoint {
    /// Paraphrase templates per fact in the pretraining text.
    pub diversity: usize,
    /// Accuracy on the fine-tuned people.
    pub sft_people_accuracy: f64,
    /// Accuracy on the held-out people: knowledge extracted that fine-tuning never showed.
    pub held_out_accuracy: f64,
    /// The pretrained model's free recall of the held-out people's facts (see [`eval::cloze_recall`]):
    /// what it could write before fine-tuning.
    pub pretrained_recall: f64,
}

// ANCHOR: diversity_sweep
/// Fine-tune models pretrained on text of each diversity the same way, and measure how much of the held-out
/// people's knowledge each can give as answers. `main` is the run at the main pretraining's diversity.
pub fn diversity_sweep(setup: &SftSetup, main: &SftRun) -> Result<Vec<DiversityPoint>> {
    let cfg = setup.cfg;
    let mut diversities = cfg.diversities.clone();
    diversities.sort_unstable();
    diversities.dedup();
    diversities
        .into_iter()
        .map(|d| {
            let pretrained = ch03::ensure_pretrained(&cfg.pretrain_for(d))?;
            let run = if d == cfg.pretrain.world.diversity {
                main.clone()
            } else {
                let (label, dir) = (format!("diversity {d}"), format!("sft-diversity-{d}"));
                finetune(setup, &label, &dir, &pretrained, Start::Pretrained, true)?.2
            };
            let (base, tokenizer) = checkpoint::load_model(&pretrained, setup.device)?;
            let held: Vec<usize> = (cfg.sft_people..cfg.sft_people + cfg.eval_people).collect();
            Ok(DiversityPoint {
                diversity: d,
                sft_people_accuracy: run.sft_people.accuracy,
                held_out_accuracy: run.held_out.accuracy,
                pretrained_recall: eval::cloze_recall(
                    &base,
                    &tokenizer,
                    &setup.data.world,
                    &held,
                    8,
                )?,
            })
        })
        .collect()
}
// ANCHOR_END: diversity_sweep
