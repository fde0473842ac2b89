//! A run directory, `runs/<name>/`: everything one experiment leaves behind.
//!
//! ```text
//! runs/ch01/
//!   config.json     the exact config that ran (rerun it with --config)
//!   metrics.jsonl   one JSON object per training step
//!   *.svg           the charts
//!   *.safetensors   checkpoints
//!   report.md       what happened, in words and tables
//! ```
//!
//! Files are written atomically — to a temporary name, then renamed — so an interrupted run never leaves a
//! half-written file under the real name.

use crate::progress::ProgressMode;
use anyhow::{Context, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The directory of one run.
#[derive(Clone, Debug)]
pub struct RunDir {
    /// `runs/<name>`.
    pub path: PathBuf,
}

impl RunDir {
    /// Create (or reuse) `<root>/<name>`; `name` must be a plain name ([`check_name`]).
    pub fn create(root: &Path, name: &str) -> Result<Self> {
        check_name(name)?;
        let path = root.join(name);
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create run directory {}", path.display()))?;
        Ok(RunDir { path })
    }

    /// The path of a file inside the run.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Write `value` as pretty JSON to `name`, atomically.
    pub fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<PathBuf> {
        let json = serde_json::to_string_pretty(value).context("cannot serialize to JSON")?;
        self.write_text(name, &json)
    }

    /// Write text to `name`, atomically.
    pub fn write_text(&self, name: &str, text: &str) -> Result<PathBuf> {
        let path = self.file(name);
        write_atomic(&path, text.as_bytes())?;
        Ok(path)
    }
}

/// Refuse a run name that is not one plain path component: empty, `.` or `..`, absolute, or holding a
/// separator — such a name would put the run outside `runs/`.
pub fn check_name(name: &str) -> Result<()> {
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && Path::new(name).components().count() == 1;
    if !plain {
        anyhow::bail!(
            "run name {name:?} must be one plain name (no '/', '\\', '..' or absolute path, not empty)"
        );
    }
    Ok(())
}

/// A run directory held by one process: `.lock` holds its PID and goes when the lock is dropped. A lock
/// whose process no longer runs (it crashed, or was killed) is stale and taken over, so a crash cannot
/// leave a run locked forever.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
}

impl RunLock {
    /// Take the lock of `dir`, or refuse when another living process holds it.
    pub fn acquire(dir: &RunDir) -> Result<Self> {
        let path = dir.file(".lock");
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    write!(file, "{}", std::process::id())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    return Ok(RunLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let owner = std::fs::read_to_string(&path).unwrap_or_default();
                    match owner.trim().parse::<u32>() {
                        Ok(pid) if process_alive(pid) => anyhow::bail!(
                            "run directory {} is in use by process {pid} (lock file {}); wait for it or use another name",
                            dir.path.display(),
                            path.display()
                        ),
                        _ => {
                            let _ = std::fs::remove_file(&path); // stale: its process is gone
                        }
                    }
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create {}", path.display()));
                }
            }
        }
        anyhow::bail!("cannot take the lock {}", path.display())
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether process `pid` runs (Linux: /proc/PID exists; elsewhere assumed alive).
fn process_alive(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Write `bytes` to `path` through a temporary file in the same directory and a rename, so readers see
/// either the old file or the complete new one, never a partial write.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_path(path);
    let result = std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("cannot write {}", path.display()));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `dir/.name.tmp` for `dir/name`.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// An append-only JSON-lines log: one object per line, flushed as it goes.
pub struct MetricsLog {
    out: BufWriter<File>,
}

impl MetricsLog {
    /// Start a new log at `path` (truncating), or continue an existing one when `append`.
    pub fn open(path: &Path, append: bool) -> Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(path)
            .with_context(|| format!("cannot open metrics log {}", path.display()))?;
        Ok(MetricsLog {
            out: BufWriter::new(file),
        })
    }

    /// Append one record.
    pub fn write<T: Serialize>(&mut self, record: &T) -> Result<()> {
        serde_json::to_writer(&mut self.out, record)?;
        self.out.write_all(b"\n")?;
        self.out.flush()?;
        Ok(())
    }
}

/// Read every record of a JSON-lines log.
pub fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| format!("{} line {}", path.display(), i + 1))
        })
        .collect()
}

/// Where a [`cached`] result came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cache {
    /// Read back: the directory held a result of exactly this config.
    Hit,
    /// Computed now (no result, another config's, or one that no longer reads).
    Computed,
}

// ANCHOR: cached
/// The result of `compute` for `config` in the run directory `<root>/<name>`, computed only when the
/// directory does not already hold it: its `config.json` must equal `config` (compared as JSON) and its
/// `result.json` must read back. A sweep over model sizes then trains only what is missing when run again,
/// and a changed config is never answered with a stale result.
///
/// `config.json` is written before `compute` runs and `result.json` (atomically) after it succeeds, so an
/// interrupted run leaves no result behind and is computed again next time.
pub fn cached<C, R>(
    root: &Path,
    name: &str,
    config: &C,
    compute: impl FnOnce(&RunDir) -> Result<R>,
) -> Result<(R, Cache)>
where
    C: Serialize,
    R: Serialize + DeserializeOwned,
{
    cached_with(root, name, config, Reuse::default(), compute)
}

/// What a chapter does with the sub-runs an earlier run left on disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reuse {
    /// Ignore them: compute every sub-run again and overwrite its directory (`--fresh`, after a change to
    /// the code, which no config records).
    pub fresh: bool,
    /// Whether to say, one line on stdout, which sub-runs were read back.
    pub announce: bool,
}

impl Reuse {
    /// Reuse as a chapter's config says: `fresh` or not, announced unless its progress is quiet.
    pub fn new(fresh: bool, progress: ProgressMode) -> Self {
        Reuse {
            fresh,
            announce: progress != ProgressMode::Quiet,
        }
    }
}

/// [`cached`], told by `reuse` whether to read back at all and whether to say so.
pub fn cached_with<C, R>(
    root: &Path,
    name: &str,
    config: &C,
    reuse: Reuse,
    compute: impl FnOnce(&RunDir) -> Result<R>,
) -> Result<(R, Cache)>
where
    C: Serialize,
    R: Serialize + DeserializeOwned,
{
    let dir = RunDir::create(root, name)?;
    let wanted = serde_json::to_value(config).context("cannot serialize the config")?;
    let read_json = |file: &str| -> Option<serde_json::Value> {
        serde_json::from_str(&std::fs::read_to_string(dir.file(file)).ok()?).ok()
    };
    if !reuse.fresh
        && read_json("config.json").as_ref() == Some(&wanted)
        && let Some(result) = read_json("result.json").and_then(|v| serde_json::from_value(v).ok())
    {
        if reuse.announce {
            println!("reused {} (same config)", dir.path.display());
        }
        return Ok((result, Cache::Hit));
    }
    let _ = std::fs::remove_file(dir.file("result.json")); // another config's, or unreadable
    dir.write_json("config.json", &wanted)?;
    let result = compute(&dir)?;
    dir.write_json("result.json", &result)?;
    Ok((result, Cache::Computed))
}
// ANCHOR_END: cached

/// [`cached_with`] for a sub-run whose result is of use only with a file it wrote beside it (its model's
/// checkpoint, which later steps load): a result whose `file` is gone, when `needs` says the result has one,
/// is computed again.
pub fn cached_beside<C, R>(
    root: &Path,
    name: &str,
    config: &C,
    reuse: Reuse,
    (file, needs): (&str, impl Fn(&R) -> bool),
    compute: impl FnOnce(&RunDir) -> Result<R>,
) -> Result<(R, Cache)>
where
    C: Serialize,
    R: Serialize + DeserializeOwned,
{
    let dir = root.join(name);
    if !dir.join(file).exists() {
        let written = std::fs::read_to_string(dir.join("result.json")).ok();
        let result = written.and_then(|text| serde_json::from_str::<R>(&text).ok());
        if result.is_some_and(|r| needs(&r)) {
            let _ = std::fs::remove_file(dir.join("result.json"));
        }
    }
    cached_with(root, name, config, reuse, compute)
}

/// The records of a JSON-lines log that may still be growing (a training run writing it), after its first
/// `skip` lines, and how many complete lines it holds: a last line without its newline is still being written
/// and is left for the next read.
pub fn read_jsonl_after<T: serde::de::DeserializeOwned>(
    path: &Path,
    skip: usize,
) -> Result<(Vec<T>, usize)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
    let lines: Vec<&str> = complete.lines().collect();
    let records = (lines.iter().enumerate().skip(skip))
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| format!("{} line {}", path.display(), i + 1))
        })
        .collect::<Result<_>>()?;
    Ok((records, lines.len()))
}

/// A fingerprint of `bytes` (64-bit FNV-1a, in hex): stable across builds and machines, so a cache key can
/// name an input by its content — a checkpoint another sub-run wrote, the tokens a run trains on.
pub fn fingerprint(bytes: &[u8]) -> String {
    let hash = (bytes.iter()).fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// The [`fingerprint`] of a value's JSON: the prompts or the preference pairs a run trains on.
pub fn json_fingerprint<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    Ok(fingerprint(serde_json::to_string(value)?.as_bytes()))
}

/// The [`fingerprint`] of a file's content: a checkpoint retrained with other numbers gets another.
pub fn file_fingerprint(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(fingerprint(&bytes))
}
