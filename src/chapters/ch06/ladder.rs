//! The size ladder: the skills text, one GPT per size trained on it (each cached in its own directory), its
//! abilities measured and cached beside it, and the scaling laws fitted across sizes.

use super::abilities::{Abilities, addition_ability, code_ability, instruction_ability};
use super::config::{Ch06Config, Size, non_embedding_params};
use crate::checkpoint;
use crate::data::Split;
use crate::data::skills::{self, SkillsConfig};
use crate::device::{self};
use crate::eval::{self, PowerLaw};
use crate::model::{GptConfig, Model, ModelConfig};
use crate::run::{self, Cache, Reuse, RunDir};
use crate::tokenizer::Tokenizer;
use crate::train::{self, TrainConfig, TrainOptions};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tch::Device;

// ANCHOR: skills_data
/// The skills text, its character tokenizer and the token split every size trains on.
pub struct SkillsData {
    /// The character tokenizer (fitted on every character a skills text can hold).
    pub tokenizer: Tokenizer,
    /// Training and validation tokens.
    pub split: Split,
    /// The first lines of the training text, to show.
    pub sample: Vec<String>,
}

/// Generate the training and validation text of `cfg` and tokenize it.
pub fn prepare_data(cfg: &Ch06Config) -> Result<SkillsData> {
    let train_text = skills::text(&cfg.skills, cfg.train_chars, cfg.seed);
    let val_text = skills::text(&cfg.skills, cfg.val_chars, cfg.seed ^ 0x76616c);
    let tokenizer = Tokenizer::char_level(&skills::alphabet_in(cfg.skills.language));
    let encode = |t: &str| tokenizer.encode_strict(t);
    let split = Split::from_parts(
        &encode(&train_text)?,
        &encode(&val_text)?,
        cfg.train.block_size,
    )?;
    let sample = train_text.lines().take(12).map(String::from).collect();
    Ok(SkillsData {
        tokenizer,
        split,
        sample,
    })
}
// ANCHOR_END: skills_data

/// One point of a size's training curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Steps done.
    pub step: usize,
    /// Training compute so far: FLOPs per token × tokens.
    pub flops: f64,
    /// Validation loss (nats per character).
    pub val_loss: f64,
}

/// One trained size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SizeRun {
    /// The rung.
    pub size: Size,
    /// Its GPT.
    pub gpt: GptConfig,
    /// All trainable parameters.
    pub params: usize,
    /// Non-embedding parameters, the `N` of the scaling law.
    pub non_embedding_params: f64,
    /// Training FLOPs per token.
    pub flops_per_token: f64,
    /// The validation curve.
    pub curve: Vec<CurvePoint>,
    /// Final validation loss.
    pub val_loss: f64,
    /// Training compute in all (FLOPs).
    pub flops: f64,
    /// Wall-clock seconds of training.
    pub seconds: f64,
    /// The trained weights.
    pub checkpoint: PathBuf,
}

/// What makes a size's training: the cache key of [`train_size`].
#[derive(Serialize)]
struct SizeJob<'a> {
    gpt: &'a GptConfig,
    train: &'a TrainConfig,
    skills: &'a SkillsConfig,
    train_chars: usize,
    val_chars: usize,
    seed: u64,
}

// ANCHOR: train_size
/// Train one size on the skills text into `<run>/<label>/`, or read it back when that directory already
/// holds a run of exactly this config ([`run::cached`]; trained again regardless when `cfg.fresh`).
pub fn train_size(
    cfg: &Ch06Config,
    data: &SkillsData,
    size: &Size,
    run: &RunDir,
    device: Device,
) -> Result<(SizeRun, Cache)> {
    let gpt = size.gpt(
        data.tokenizer.vocab_size(),
        cfg.train.block_size,
        cfg.position,
    );
    let job = SizeJob {
        gpt: &gpt,
        train: &cfg.train,
        skills: &cfg.skills,
        train_chars: cfg.train_chars,
        val_chars: cfg.val_chars,
        seed: cfg.seed,
    };
    let reuse = Reuse::new(cfg.fresh, cfg.progress);
    let (mut trained, cache) = run::cached_with(&run.path, &size.label, &job, reuse, |dir| {
        device::seed(cfg.seed);
        let mut model = Model::new(&ModelConfig::Gpt(gpt.clone()), device)?;
        let opts = TrainOptions {
            label: format!("size {}", size.label),
            progress: cfg.progress,
            metrics_path: Some(dir.file("metrics.jsonl")),
            checkpoint_path: Some(dir.file("model.safetensors")),
            resume_from: None,
        };
        let report = train::train(&mut model, &data.tokenizer, &data.split, &cfg.train, &opts)
            .with_context(|| format!("training size {}", size.label))?;
        let flops_per_token = gpt.flops_per_token(cfg.train.block_size);
        let curve: Vec<CurvePoint> = (report.records.iter())
            .filter_map(|r| {
                Some(CurvePoint {
                    step: r.step,
                    flops: flops_per_token * r.tokens as f64,
                    val_loss: r.val_loss?,
                })
            })
            .collect();
        Ok(SizeRun {
            size: size.clone(),
            params: gpt.param_count(),
            non_embedding_params: non_embedding_params(&gpt),
            flops_per_token,
            flops: curve.last().map_or(0.0, |p| p.flops),
            val_loss: report.final_val_loss,
            curve,
            seconds: report.seconds,
            checkpoint: dir.file("model.safetensors"),
            gpt: gpt.clone(),
        })
    })?;
    // where the weights are now, whichever directory the cached result was written from
    trained.checkpoint = run.path.join(&size.label).join("model.safetensors");
    Ok((trained, cache))
}
// ANCHOR_END: train_size

/// The version of the measurement code: part of the abilities' cache key, raised whenever the way they are
/// measured changes, so that a cached measurement is never one the code would no longer make.
pub const MEASUREMENT_VERSION: u32 = 2;

/// The abilities of one trained size, cached beside its weights (measured again when the model, the test
/// problems or [`MEASUREMENT_VERSION`] change).
pub fn measure_size(
    cfg: &Ch06Config,
    size: &SizeRun,
    device: Device,
) -> Result<(Abilities, Cache)> {
    let root = size
        .checkpoint
        .parent()
        .context("a size's checkpoint lies in its directory")?;
    let key = (
        MEASUREMENT_VERSION,
        &size.gpt,
        &size.val_loss,
        &cfg.abilities,
        &cfg.skills,
    );
    let reuse = Reuse::new(cfg.fresh, cfg.progress);
    run::cached_with(root, "abilities", &key, reuse, |_| {
        let (model, tokenizer) = checkpoint::load_model(&size.checkpoint, device)?;
        Ok(Abilities {
            addition: addition_ability(&model, &tokenizer, cfg)?,
            code: code_ability(&model, &tokenizer, cfg)?,
            ops: instruction_ability(&model, &tokenizer, cfg)?,
        })
    })
}

/// A size with what it can do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rung {
    /// How it trained.
    pub run: SizeRun,
    /// What it can do.
    pub abilities: Abilities,
    /// Whether training was read back from an earlier run.
    pub cached: bool,
}

/// The scaling laws fitted to the ladder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scaling {
    /// Final validation loss against non-embedding parameters.
    pub loss_vs_params: Option<PowerLaw>,
    /// Final validation loss against training compute.
    pub loss_vs_compute: Option<PowerLaw>,
}

/// Fit `L = a · Nᵏ` and `L = a · Cᵏ` to the ladder's final losses.
pub fn fit_scaling(rungs: &[Rung]) -> Scaling {
    let points = |x: fn(&SizeRun) -> f64| -> Vec<(f64, f64)> {
        rungs.iter().map(|r| (x(&r.run), r.run.val_loss)).collect()
    };
    Scaling {
        loss_vs_params: eval::fit_power_law(&points(|r| r.non_embedding_params)),
        loss_vs_compute: eval::fit_power_law(&points(|r| r.flops)),
    }
}
