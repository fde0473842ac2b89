//! What the playground may show: the checkpoints and training runs under the runs directory, and nothing
//! outside it.
//!
//! A page names a checkpoint or a run by its path relative to the runs directory (`ch01/gpt/model.safetensors`,
//! `ch01/gpt`). [`Catalog::resolve`] turns such a name into a file only when it stays inside: no `..`, no
//! absolute path, no symbolic link that leads out.

use super::api::ApiError;
use crate::checkpoint::{self, Summary};
use crate::run::read_jsonl_after;
use crate::train::Record;
use serde::Serialize;
use std::path::{Component, Path, PathBuf};

/// How deep under the runs directory to look (`runs/ch05/ppo/model.safetensors` is 3 deep).
const MAX_DEPTH: usize = 6;

/// The file of a run's metrics, one [`Record`] per line.
pub const METRICS: &str = "metrics.jsonl";

/// The runs directory the playground serves.
#[derive(Clone, Debug)]
pub struct Catalog {
    /// The runs directory, as given (`runs`).
    pub root: PathBuf,
}

/// A checkpoint as the checkpoint picker lists it.
#[derive(Clone, Debug, Serialize)]
pub struct CheckpointEntry {
    /// Its path relative to the runs directory: the name requests use.
    pub name: String,
    /// What its header says (absent when the header does not read: `error` says why).
    pub summary: Option<Summary>,
    /// Why the header does not read.
    pub error: Option<String>,
}

/// A run directory (one that has a `metrics.jsonl`) as the runs page lists it.
#[derive(Clone, Debug, Serialize)]
pub struct RunEntry {
    /// Its path relative to the runs directory.
    pub name: String,
    /// Seconds since its metrics were last written: a small number means a run is training now.
    pub updated_secs_ago: Option<u64>,
}

/// A run's metrics after its first `after` lines.
#[derive(Clone, Debug, Serialize)]
pub struct Metrics {
    /// The run's name.
    pub run: String,
    /// The new records.
    pub records: Vec<Record>,
    /// How many complete lines the log holds: the `after` of the next poll.
    pub lines: usize,
}

impl Catalog {
    /// Every checkpoint file (`*.safetensors`) under the runs directory, sorted by name. Symbolic links are
    /// not followed and temporary files (`.name.tmp`) are skipped.
    pub fn checkpoints(&self) -> Vec<CheckpointEntry> {
        let mut files = Vec::new();
        walk(&self.root, 0, &mut |path| {
            let is_checkpoint = path.extension().is_some_and(|e| e == "safetensors");
            if is_checkpoint {
                files.push(path.to_path_buf());
            }
        });
        let mut entries: Vec<CheckpointEntry> = files
            .iter()
            .map(|path| {
                let summary = checkpoint::read_summary(path);
                CheckpointEntry {
                    name: self.name_of(path),
                    error: summary.as_ref().err().map(|e| format!("{e:#}")),
                    summary: summary.ok(),
                }
            })
            .collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        entries
    }

    /// Every run directory (one with a `metrics.jsonl`) under the runs directory, sorted by name.
    pub fn runs(&self) -> Vec<RunEntry> {
        let mut runs = Vec::new();
        walk(&self.root, 0, &mut |path| {
            if path.file_name().is_some_and(|n| n == METRICS) {
                let age = std::fs::metadata(path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .map(|d| d.as_secs());
                let dir = path.parent().unwrap_or(path);
                runs.push(RunEntry {
                    name: self.name_of(dir),
                    updated_secs_ago: age,
                });
            }
        });
        runs.sort_by(|a, b| a.name.cmp(&b.name));
        runs
    }

    /// The metrics of the run `name` after its first `after` lines.
    pub fn metrics(&self, name: &str, after: usize) -> Result<Metrics, ApiError> {
        let dir = self.resolve(name, "run")?;
        let path = dir.join(METRICS);
        if !path.is_file() {
            return Err(ApiError::not_found(format!(
                "run: '{name}' has no {METRICS} under {}",
                self.root.display()
            )));
        }
        let (records, lines) =
            read_jsonl_after(&path, after).map_err(|e| ApiError::internal(format!("{e:#}")))?;
        Ok(Metrics {
            run: name.to_string(),
            records,
            lines,
        })
    }

    /// The checkpoint file named `name`: inside the runs directory, a `.safetensors` file that exists.
    pub fn checkpoint(&self, name: &str) -> Result<PathBuf, ApiError> {
        if !name.ends_with(".safetensors") {
            return Err(ApiError::bad(format!(
                "checkpoint: '{name}' is not a .safetensors file"
            )));
        }
        let path = self.resolve(name, "checkpoint")?;
        if !path.is_file() {
            return Err(ApiError::not_found(format!(
                "checkpoint: no '{name}' under {}",
                self.root.display()
            )));
        }
        Ok(path)
    }

    /// `root/name`, refused (400) when `name` is empty, absolute, has a `..` or `.` component, or leads out
    /// of the runs directory through a symbolic link; 404 when it does not exist.
    pub fn resolve(&self, name: &str, what: &str) -> Result<PathBuf, ApiError> {
        let outside = || {
            ApiError::bad(format!(
                "{what}: '{name}' is outside {} (give a path relative to it, without '..')",
                self.root.display()
            ))
        };
        if name.is_empty() {
            return Err(ApiError::bad(format!("{what}: the name is empty")));
        }
        let relative = Path::new(name);
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(outside());
        }
        let path = self.root.join(relative);
        let missing =
            || ApiError::not_found(format!("{what}: no '{name}' under {}", self.root.display()));
        let real = path.canonicalize().map_err(|_| missing())?;
        let root = self.root.canonicalize().map_err(|_| missing())?;
        if !real.starts_with(&root) {
            return Err(outside());
        }
        Ok(path)
    }

    /// `path`'s name relative to the runs directory, with `/` between components.
    fn name_of(&self, path: &Path) -> String {
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts.join("/")
    }
}

/// Call `visit` on every file under `dir` (depth-first, at most [`MAX_DEPTH`] deep), without following
/// symbolic links and skipping hidden entries (temporary files, lock files).
fn walk(dir: &Path, depth: usize, visit: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && depth < MAX_DEPTH {
            walk(&entry.path(), depth + 1, visit);
        } else if kind.is_file() {
            visit(&entry.path());
        }
    }
}
