//! Resuming and the best weights: what a checkpoint of a training run holds beyond the model (the optimizer's
//! state, the trainer's memory, the best weights so far), written and read back so that a resumed run
//! continues the *same* run.

use super::TrainOptions;
use super::config::TrainConfig;
use super::optim::Optimizer;
use super::tracker::Tracker;
use crate::checkpoint::{self, TrainState};
use crate::model::Model;
use crate::tokenizer::Tokenizer;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use tch::Tensor;

/// Where the best weights of a run checkpointed at `checkpoint` go: `model.safetensors` →
/// `model.best.safetensors`, beside it. The file holds the model and tokenizer only (load it with
/// [`checkpoint::load_model`]); training resumes from the regular checkpoint.
pub fn best_checkpoint_path(checkpoint: &Path) -> PathBuf {
    let stem = checkpoint
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match checkpoint.extension() {
        Some(ext) => format!("{stem}.best.{}", ext.to_string_lossy()),
        None => format!("{stem}.best"),
    };
    checkpoint.with_file_name(name)
}

/// Prefix of the best weights inside a checkpoint (written only when `restore_best` is set).
const BEST: &str = "best.";

/// A copy of every parameter, by name in name order: the best weights, kept while training goes on.
pub(super) type Weights = Vec<(String, Tensor)>;

/// The parameters training changes (the adapters only, with LoRA), copied.
fn snapshot(model: &Model) -> Weights {
    model
        .trainable_params()
        .into_iter()
        .map(|(name, t)| (name, t.detach().copy()))
        .collect()
}

pub(super) fn restore(model: &mut Model, weights: &Weights) {
    let mut vars: std::collections::HashMap<String, Tensor> =
        model.trainable_params().into_iter().collect();
    tch::no_grad(|| {
        for (name, saved) in weights {
            if let Some(var) = vars.get_mut(name) {
                var.copy_(saved);
            }
        }
    });
}

/// The model just reached its best evaluation: copy its weights if they are to be restored, and write them
/// to the best checkpoint when the run is checkpointed.
pub(super) fn keep_best(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &TrainConfig,
    opts: &TrainOptions,
    best_weights: &mut Option<Weights>,
) -> Result<()> {
    if cfg.restore_best {
        *best_weights = Some(snapshot(model));
    }
    if let Some(path) = &opts.checkpoint_path
        && cfg.tracks_best()
    {
        checkpoint::save(&best_checkpoint_path(path), model, tokenizer, None)?;
    }
    Ok(())
}

/// A checkpoint that can resume training: the model, the optimizer's state and, when the run keeps its best
/// weights, those too (as `best.<param>`).
pub(super) fn save_resumable(
    path: &Path,
    model: &Model,
    tokenizer: &Tokenizer,
    state: &TrainState,
    opt: &Optimizer,
    best_weights: Option<&Weights>,
) -> Result<()> {
    let mut tensors = opt.state();
    if let Some(best) = best_weights {
        tensors.extend(
            best.iter()
                .map(|(n, t)| (format!("{BEST}{n}"), t.shallow_clone())),
        );
    }
    checkpoint::save(path, model, tokenizer, Some((state, tensors)))
}

/// Where a run starts: step 0 with nothing remembered, or a checkpoint's step, tracker and best weights.
pub(super) struct Resumed {
    pub(super) step: usize,
    pub(super) tracker: Tracker,
    pub(super) best_weights: Option<Weights>,
}

/// Load the model and optimizer state from `opts.resume_from`; returns where to continue from.
pub(super) fn resume(
    model: &mut Model,
    opt: &mut Optimizer,
    cfg: &TrainConfig,
    opts: &TrainOptions,
) -> Result<Resumed> {
    let Some(path) = &opts.resume_from else {
        return Ok(Resumed {
            step: 0,
            tracker: Tracker::default(),
            best_weights: None,
        });
    };
    let ckpt = checkpoint::load(path)?;
    ckpt.load_into(model)
        .with_context(|| format!("cannot resume from {}", path.display()))?;
    let state = ckpt
        .train_state
        .as_ref()
        .with_context(|| format!("{} holds no training state to resume", path.display()))?;
    let mut saved: TrainConfig = serde_json::from_value(state.train_config.clone())?;
    saved.steps = cfg.steps; // training longer than first planned is allowed
    if &saved != cfg {
        bail!(
            "cannot resume from {}: it was trained with another train config",
            path.display()
        );
    }
    if state.step > cfg.steps {
        bail!(
            "cannot resume from {}: it is at step {}, beyond steps = {}",
            path.display(),
            state.step,
            cfg.steps
        );
    }
    opt.load_state(&ckpt.tensors)
        .with_context(|| format!("cannot resume from {}", path.display()))?;
    let tracker: Tracker = match &state.tracker {
        Some(json) => serde_json::from_value(json.clone()).with_context(|| {
            format!("cannot resume from {}: unreadable tracker", path.display())
        })?,
        None => Tracker::default(),
    };
    let best_weights = match tracker.best {
        Some(_) if cfg.restore_best => Some(
            snapshot(model)
                .into_iter()
                .map(|(name, t)| {
                    let saved = ckpt
                        .tensors
                        .get(&format!("{BEST}{name}"))
                        .with_context(|| {
                            format!(
                                "cannot resume from {}: it lacks {BEST}{name}",
                                path.display()
                            )
                        })?;
                    Ok((name, saved.to_device(t.device())))
                })
                .collect::<Result<Weights>>()?,
        ),
        _ => None,
    };
    Ok(Resumed {
        step: state.step,
        tracker,
        best_weights,
    })
}
