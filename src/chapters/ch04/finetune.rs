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
use crate::run::RunDir;
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

// ANCHOR: finetune
/// Fine-tune the model in `pretrained` into `<run>/<dir_name>/`, starting as `start` says, with the loss on
/// the answers only (`mask_prompt`) or on every token; then measure it.
pub fn finetune(
    setup: &SftSetup,
    label: &str,
    dir_name: &str,
    pretrained: &Path,
    start: Start,
    mask_prompt: bool,
) -> Result<(Model, Tokenizer, SftRun)> {
    let cfg = setup.cfg;
    let dir = RunDir::create(&cfg.runs_dir.join(&cfg.run_name), dir_name)?;
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
    match start {
        Start::Pretrained => {}
        Start::Random => {
            device::seed(cfg.seed);
            model = Model::new(model.config(), setup.device)?;
        }
        Start::Lora => {
            model.add_lora(&cfg.lora)?;
            train_cfg.lr = cfg.lora_lr;
        }
    }
    let trainable_params = model.num_trainable_params();
    let opts = TrainOptions {
        label: dir_name.to_string(),
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
    let run = measure(
        setup,
        &model,
        &tokenizer,
        answers_only,
        label,
        trainable_params,
        report,
    )?;
    Ok((model, tokenizer, run))
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
