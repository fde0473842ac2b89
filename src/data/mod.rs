//! Corpora, splits and batches.
//!
//! The course's default text is **generated**: [`world`] renders a small fictional world into stories and
//! biographies, deterministically from a seed. Real text comes from a UTF-8 file of your own, or from the 300
//! Tang poems of Debian's `fortunes-zh` package.

pub mod arithmetic;
pub mod feedback;
pub mod instruct;
pub mod skills;
pub mod world;

use anyhow::{Context, Result, bail};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tch::{Device, Tensor};

/// Where a corpus comes from, as written in config files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum CorpusSource {
    /// The built-in world, rendered from its config.
    World(world::WorldConfig),
    /// A UTF-8 text file.
    File {
        /// Path to the file.
        path: PathBuf,
    },
    /// The Tang poems of Debian's `fortunes-zh` (install with `apt-get install fortunes-zh`).
    TangPoems,
}

impl Default for CorpusSource {
    fn default() -> Self {
        CorpusSource::World(world::WorldConfig::default())
    }
}

impl CorpusSource {
    /// The corpus's text; errors name the file or the package that is missing.
    pub fn load(&self) -> Result<String> {
        match self {
            CorpusSource::World(cfg) => world::world_corpus(cfg),
            CorpusSource::File { path } => read_text_file(path),
            CorpusSource::TangPoems => tang_poems(),
        }
    }
}

/// Read a UTF-8 text file, refusing a missing, empty or non-UTF-8 file with one clear message.
pub fn read_text_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read corpus file {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "corpus file {} is not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    if text.trim().is_empty() {
        bail!("corpus file {} is empty", path.display());
    }
    Ok(text)
}

/// Where Debian's `fortunes-zh` keeps the 300 Tang poems.
pub const TANG_POEMS_PATH: &str = "/usr/share/games/fortunes/tang300";

/// The 300 Tang poems, one per paragraph, without the fortune file's `%` separators and ANSI colour codes.
pub fn tang_poems() -> Result<String> {
    let path = Path::new(TANG_POEMS_PATH);
    if !path.exists() {
        bail!(
            "Tang poems not found at {TANG_POEMS_PATH}: install them with `apt-get install fortunes-zh`"
        );
    }
    Ok(clean_fortunes(&read_text_file(path)?))
}

/// Turn a fortune file into plain text: drop ANSI escape sequences (`ESC [ … letter`) and the `%` lines that
/// separate entries; entries become paragraphs separated by a blank line.
pub fn clean_fortunes(raw: &str) -> String {
    let mut plain = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        plain.push(c);
    }
    let entries: Vec<String> = plain
        .split("\n%\n")
        .map(|e| {
            e.trim_matches(|c: char| c == '%' || c.is_whitespace())
                .to_string()
        })
        .filter(|e| !e.is_empty())
        .collect();
    entries.join("\n\n") + "\n"
}

/// Token ids split into a training part (first `1 − val_fraction`) and a validation part (the rest).
#[derive(Debug)]
pub struct Split {
    /// Training tokens, a 1-D int64 tensor on the CPU.
    pub train: Tensor,
    /// Validation tokens, never trained on.
    pub val: Tensor,
}

impl Split {
    /// Fingerprints of the training and validation token ids ([`crate::run::fingerprint`]): what a cached
    /// run's key says about the data it trained on.
    pub fn fingerprint(&self) -> Result<(String, String)> {
        let of = |tokens: &Tensor| -> Result<String> {
            let ids = Vec::<i64>::try_from(tokens.to_device(tch::Device::Cpu))?;
            let bytes: Vec<u8> = ids.iter().flat_map(|id| id.to_le_bytes()).collect();
            Ok(crate::run::fingerprint(&bytes))
        };
        Ok((of(&self.train)?, of(&self.val)?))
    }

    /// Split `ids` at `1 − val_fraction`; both parts must hold more than `block_size` tokens.
    pub fn new(ids: &[i64], val_fraction: f64, block_size: usize) -> Result<Self> {
        if !(0.0..1.0).contains(&val_fraction) || val_fraction == 0.0 {
            bail!("val_fraction must be in (0, 1), got {val_fraction}");
        }
        let n_val = ((ids.len() as f64) * val_fraction).round() as usize;
        let n_train = ids.len() - n_val;
        if n_train <= block_size || n_val <= block_size {
            bail!(
                "the corpus has {} tokens: too few for block_size {block_size} (each split needs more than {block_size})",
                ids.len()
            );
        }
        Ok(Split {
            train: Tensor::from_slice(&ids[..n_train]),
            val: Tensor::from_slice(&ids[n_train..]),
        })
    }

    /// A split from two separate texts' ids, e.g. a small training set and held-out text about the same
    /// facts; each must hold more than `block_size` tokens.
    pub fn from_parts(train: &[i64], val: &[i64], block_size: usize) -> Result<Self> {
        for (name, ids) in [("training", train), ("validation", val)] {
            if ids.len() <= block_size {
                bail!(
                    "the {name} text has {} tokens: too few for block_size {block_size}",
                    ids.len()
                );
            }
        }
        Ok(Split {
            train: Tensor::from_slice(train),
            val: Tensor::from_slice(val),
        })
    }

    /// Number of training tokens.
    pub fn train_len(&self) -> usize {
        self.train.size()[0] as usize
    }
}

// ANCHOR: batch
/// A random batch of `batch_size` windows of `block_size + 1` consecutive tokens from `tokens`:
/// inputs are the first `block_size`, targets the same window shifted by one — the text supplies its own labels.
pub fn random_batch(
    tokens: &Tensor,
    batch_size: usize,
    block_size: usize,
    rng: &mut ChaCha8Rng,
    device: Device,
) -> (Tensor, Tensor) {
    let n = tokens.size()[0] as usize;
    let starts: Vec<i64> = (0..batch_size)
        .map(|_| rng.random_range(0..n - block_size) as i64)
        .collect();
    let windows: Vec<Tensor> = starts
        .iter()
        .map(|&s| tokens.narrow(0, s, block_size as i64 + 1))
        .collect();
    let windows = Tensor::stack(&windows, 0).to_device(device);
    let t = block_size as i64;
    (windows.narrow(1, 0, t), windows.narrow(1, 1, t))
}
// ANCHOR_END: batch

/// Which part of a data set a batch comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The examples the model learns from.
    Train,
    /// The held-out examples that measure it.
    Val,
}

/// A target the loss ignores (PyTorch's `ignore_index`): padding, and in fine-tuning the prompt's tokens.
pub const IGNORE: i64 = -100;

// ANCHOR: batches
/// Where the trainer's batches come from. Pretraining draws windows of a token stream ([`Split`]);
/// fine-tuning draws whole conversations, padded, with the targets it must not learn set to [`IGNORE`]
/// ([`crate::sft::SftData`]). The training loop is the same for both.
pub trait Batches {
    /// `batch_size` sequences of at most `block_size` tokens from `part`, drawn with `rng`:
    /// inputs `[B, T]` and targets `[B, T]` (the next token at every position, or [`IGNORE`]).
    fn batch(
        &self,
        part: Part,
        batch_size: usize,
        block_size: usize,
        rng: &mut ChaCha8Rng,
        device: Device,
    ) -> (Tensor, Tensor);
}
// ANCHOR_END: batches

impl Batches for Split {
    fn batch(
        &self,
        part: Part,
        batch_size: usize,
        block_size: usize,
        rng: &mut ChaCha8Rng,
        device: Device,
    ) -> (Tensor, Tensor) {
        let tokens = match part {
            Part::Train => &self.train,
            Part::Val => &self.val,
        };
        random_batch(tokens, batch_size, block_size, rng, device)
    }
}

/// The data-order generator for a training step: a pure function of (seed, step), so a resumed run draws
/// exactly the batches the uninterrupted run would have drawn.
pub fn step_rng(seed: u64, step: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(step as u64);
    rng
}
