//! Checkpoints: one safetensors file holding a model's parameters, the optimizer's state, and — in the
//! file's metadata — the model config, the tokenizer and the training state, so that a checkpoint alone is
//! enough to sample from the model or to resume its training.
//!
//! Files are written to a temporary name and renamed into place: a crash mid-write never leaves a
//! half-written checkpoint.

use crate::model::{Model, ModelConfig};
use crate::run::write_atomic;
use crate::tokenizer::Tokenizer;
use anyhow::{Context, Result, bail};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use tch::{Device, Kind, Tensor};

/// The value of the `format` metadata key of every jielong checkpoint.
pub const FORMAT: &str = "jielong-checkpoint-1";
/// Prefix of model parameters inside the file.
const MODEL: &str = "model.";

/// Where training stood when the checkpoint was written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Optimizer steps taken so far.
    pub step: usize,
    /// The training config, as JSON, so a resume can refuse a different one.
    pub train_config: serde_json::Value,
    /// The trainer's memory of the run so far (initial loss, best and last evaluation), so a resumed run stops
    /// where the uninterrupted one would; absent in checkpoints written before it existed. JSON, like the
    /// config: the trainer reads it back as its [`Tracker`](crate::train::Tracker), and a checkpoint need not
    /// know the trainer's types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracker: Option<serde_json::Value>,
}

/// A checkpoint read back from disk (tensors on the CPU).
pub struct Checkpoint {
    /// The architecture.
    pub model_config: ModelConfig,
    /// The tokenizer the model was trained with.
    pub tokenizer: Tokenizer,
    /// Present when the checkpoint was written during training.
    pub train_state: Option<TrainState>,
    /// Every tensor by name: `model.<param>`, the optimizer's `optim.<...>`, and with `restore_best` the best
    /// weights so far, `best.<param>`.
    pub tensors: BTreeMap<String, Tensor>,
}

/// Save `model`, `tokenizer`, and optionally the training state with the optimizer's named tensors.
pub fn save(
    path: &Path,
    model: &Model,
    tokenizer: &Tokenizer,
    state: Option<(&TrainState, Vec<(String, Tensor)>)>,
) -> Result<()> {
    let mut named: Vec<(String, Tensor)> = model
        .vs
        .variables()
        .into_iter()
        .map(|(name, t)| (format!("{MODEL}{name}"), t))
        .collect();
    let mut metadata = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        (
            "model_config".to_string(),
            serde_json::to_string(model.config())?,
        ),
        ("tokenizer".to_string(), tokenizer.to_json()),
    ]);
    if let Some((train_state, optim)) = state {
        metadata.insert(
            "train_state".to_string(),
            serde_json::to_string(train_state)?,
        );
        named.extend(optim);
    }
    named.sort_by(|a, b| a.0.cmp(&b.0));
    let bytes = serialize(&named, metadata)?;
    write_atomic(path, &bytes)
        .with_context(|| format!("cannot write checkpoint {}", path.display()))
}

fn serialize(named: &[(String, Tensor)], metadata: HashMap<String, String>) -> Result<Vec<u8>> {
    let host: Vec<(String, Vec<usize>, Vec<u8>)> = named
        .iter()
        .map(|(name, t)| {
            let t = t
                .detach()
                .to_device(Device::Cpu)
                .to_kind(Kind::Float)
                .contiguous();
            let shape: Vec<usize> = t.size().iter().map(|&d| d as usize).collect();
            let values =
                Vec::<f32>::try_from(t.view([-1])).expect("a float tensor converts to Vec<f32>");
            let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            (name.clone(), shape, bytes)
        })
        .collect();
    let views = host
        .iter()
        .map(|(name, shape, bytes)| {
            Ok((
                name.as_str(),
                TensorView::new(Dtype::F32, shape.clone(), bytes)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(safetensors::tensor::serialize(views, Some(metadata))?)
}

/// Read a checkpoint; a file that is missing, corrupt or not a jielong checkpoint is one clear error.
pub fn load(path: &Path) -> Result<Checkpoint> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read checkpoint {}", path.display()))?;
    parse(&bytes).with_context(|| format!("{} is not a valid jielong checkpoint", path.display()))
}

fn parse(bytes: &[u8]) -> Result<Checkpoint> {
    let (_, header) = SafeTensors::read_metadata(bytes)?;
    let meta = header.metadata().clone().unwrap_or_default();
    let field = |key: &str| {
        meta.get(key)
            .with_context(|| format!("metadata has no '{key}'"))
    };
    if field("format")? != FORMAT {
        bail!("format is '{}', expected '{FORMAT}'", field("format")?);
    }
    let model_config: ModelConfig = serde_json::from_str(field("model_config")?)?;
    let tokenizer = Tokenizer::from_json(field("tokenizer")?)?;
    if model_config.vocab_size() < tokenizer.vocab_size() {
        // The model could not embed the tokenizer's higher ids: refuse now, not mid-forward.
        bail!(
            "the model scores {} tokens but the tokenizer has {}",
            model_config.vocab_size(),
            tokenizer.vocab_size()
        );
    }
    let train_state = meta
        .get("train_state")
        .map(|s| serde_json::from_str(s))
        .transpose()?;
    let file = SafeTensors::deserialize(bytes)?;
    let mut tensors = BTreeMap::new();
    for (name, view) in file.tensors() {
        if view.dtype() != Dtype::F32 {
            bail!("tensor {name} has dtype {:?}, expected F32", view.dtype());
        }
        let shape: Vec<i64> = view.shape().iter().map(|&d| d as i64).collect();
        tensors.insert(
            name,
            Tensor::f_from_data_size(view.data(), &shape, Kind::Float)?,
        );
    }
    Ok(Checkpoint {
        model_config,
        tokenizer,
        train_state,
        tensors,
    })
}

impl Checkpoint {
    /// Copy the checkpoint's parameters into `model`, which must have been built from the same config.
    pub fn load_into(&self, model: &mut Model) -> Result<()> {
        if model.config() != &self.model_config {
            bail!(
                "checkpoint was made for model {} but the model is {}",
                serde_json::to_string(&self.model_config)?,
                serde_json::to_string(model.config())?
            );
        }
        tch::no_grad(|| -> Result<()> {
            for (name, mut var) in model.vs.variables() {
                let saved = self
                    .tensors
                    .get(&format!("{MODEL}{name}"))
                    .with_context(|| format!("checkpoint lacks parameter {name}"))?;
                var.f_copy_(saved).with_context(|| {
                    format!("parameter {name} has another shape in the checkpoint")
                })?;
            }
            Ok(())
        })
    }

    /// Build the model the checkpoint describes on `device`, with its parameters.
    pub fn into_model(self, device: Device) -> Result<(Model, Tokenizer)> {
        let mut model = Model::new(&self.model_config, device)?;
        self.load_into(&mut model)?;
        Ok((model, self.tokenizer))
    }

    /// The tensors whose names start with `prefix`, with the prefix removed (e.g. an optimizer's state).
    pub fn tensors_with_prefix(&self, prefix: &str) -> BTreeMap<String, &Tensor> {
        self.tensors
            .iter()
            .filter_map(|(k, t)| k.strip_prefix(prefix).map(|k| (k.to_string(), t)))
            .collect()
    }
}

/// Load a model and its tokenizer from a checkpoint file in one call.
pub fn load_model(path: &Path, device: Device) -> Result<(Model, Tokenizer)> {
    load(path)?
        .into_model(device)
        .with_context(|| format!("cannot restore the model from {}", path.display()))
}

/// What a checkpoint describes, read from the file's header alone (not its tensors): enough to list it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The architecture.
    pub model_config: ModelConfig,
    /// Optimizer steps taken when it was written (absent for a checkpoint written outside training).
    pub step: Option<usize>,
}

/// Read a checkpoint's [`Summary`]: the 8-byte header length, then the JSON header and its metadata.
pub fn read_summary(path: &Path) -> Result<Summary> {
    use std::io::Read;
    let fail = || format!("{} is not a valid jielong checkpoint", path.display());
    let mut file = std::fs::File::open(path)
        .with_context(|| format!("cannot read checkpoint {}", path.display()))?;
    let mut len = [0u8; 8];
    file.read_exact(&mut len).with_context(fail)?;
    let len = u64::from_le_bytes(len);
    if len > 100_000_000 {
        bail!("{}: its header claims {len} bytes", fail());
    }
    let mut header = vec![0u8; len as usize];
    file.read_exact(&mut header).with_context(fail)?;
    let header: serde_json::Value = serde_json::from_slice(&header).with_context(fail)?;
    let meta = &header["__metadata__"];
    if meta["format"] != FORMAT {
        bail!(
            "{}: format is {}, expected '{FORMAT}'",
            fail(),
            meta["format"]
        );
    }
    let model_config = serde_json::from_str(meta["model_config"].as_str().unwrap_or_default())
        .with_context(fail)?;
    let step = (meta["train_state"].as_str())
        .and_then(|s| serde_json::from_str::<TrainState>(s).ok())
        .map(|s| s.step);
    Ok(Summary { model_config, step })
}
