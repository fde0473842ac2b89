//! The loaded models: each checkpoint is read once and shared by every request that names it.
//!
//! A tch [`Tensor`](tch::Tensor) may move between threads (`Send`) but not be shared by them (`!Sync`), so
//! each model sits behind its own mutex: requests to one model take turns, requests to different models run
//! at once. A checkpoint rewritten on disk (a run still training) is read again at the next request.

use crate::checkpoint;
use crate::model::Model;
use crate::tokenizer::Tokenizer;
use anyhow::Result;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;
use tch::Device;

/// A model with its tokenizer, as a checkpoint gives them.
pub struct Loaded {
    /// The model.
    pub model: Model,
    /// Its tokenizer.
    pub tokenizer: Tokenizer,
}

/// One checkpoint's slot: what was loaded, and the file's modification time when it was.
type Slot = Arc<Mutex<Option<(SystemTime, Arc<Mutex<Loaded>>)>>>;

/// The models loaded so far, by checkpoint path.
pub struct Models {
    device: Device,
    slots: Mutex<HashMap<PathBuf, Slot>>,
}

/// Take a lock even if a thread panicked while holding it: the data behind these locks stays valid (a model
/// is read, never half-written, by a request).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Models {
    /// No model loaded yet; models will be loaded on `device`.
    pub fn new(device: Device) -> Self {
        Models {
            device,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The model of the checkpoint at `path`, loaded now if it was not (or the file changed since). Blocks
    /// while another request loads the same checkpoint, so it is read once. Call from a blocking thread.
    pub fn get(&self, path: &Path) -> Result<Arc<Mutex<Loaded>>> {
        let slot = lock(&self.slots)
            .entry(path.to_path_buf())
            .or_default()
            .clone();
        let mut slot = lock(&slot);
        let modified = std::fs::metadata(path)?.modified()?;
        if let Some((when, loaded)) = slot.as_ref()
            && *when == modified
        {
            return Ok(loaded.clone());
        }
        let (model, tokenizer) = checkpoint::load_model(path, self.device)?;
        let loaded = Arc::new(Mutex::new(Loaded { model, tokenizer }));
        *slot = Some((modified, loaded.clone()));
        Ok(loaded)
    }

    /// How many checkpoints are loaded.
    pub fn count(&self) -> usize {
        let slots: Vec<Slot> = lock(&self.slots).values().cloned().collect();
        slots.iter().filter(|s| lock(s).is_some()).count()
    }
}
