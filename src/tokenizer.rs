//! Text ↔ token ids.
//!
//! A language model never sees text, only integers. A tokenizer fixes the vocabulary — the set of pieces the
//! model can read and write — and maps text to ids (`encode`) and back (`decode`).
//!
//! Chapter 1 uses the simplest vocabulary there is: every distinct character of the training text, Chinese
//! characters included (Rust's `char` is a Unicode scalar value, so `'龙'` is one token, not three bytes).
//! Characters never seen in training map to the reserved id [`UNK_ID`] and decode to `�` (U+FFFD);
//! [`Tokenizer::encode_strict`] refuses them instead, naming the first one.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// The id of the unknown-character token, reserved in every character vocabulary.
pub const UNK_ID: i64 = 0;
/// How the unknown token is written when decoded.
pub const UNK_CHAR: char = '\u{FFFD}';

/// A character-level vocabulary: id 0 is `<unk>`, ids 1.. are the corpus's characters in sorted order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharTokenizer {
    /// The characters, index = id − 1.
    chars: Vec<char>,
    #[serde(skip)]
    index: HashMap<char, i64>,
}

impl CharTokenizer {
    // ANCHOR: fit
    /// Build the vocabulary from every distinct character of `text`.
    pub fn fit(text: &str) -> Self {
        let chars: Vec<char> = text.chars().collect::<BTreeSet<_>>().into_iter().collect();
        Self::from_chars(chars)
    }

    fn from_chars(chars: Vec<char>) -> Self {
        let index = chars
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, i as i64 + 1))
            .collect();
        CharTokenizer { chars, index }
    }
    // ANCHOR_END: fit

    fn id(&self, c: char) -> Option<i64> {
        self.index.get(&c).copied()
    }

    fn piece(&self, id: i64) -> char {
        match usize::try_from(id - 1) {
            Ok(i) if i < self.chars.len() => self.chars[i],
            _ => UNK_CHAR,
        }
    }
}

/// Any of the course's tokenizers. Chapter 3 adds byte-level BPE as a second variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Tokenizer {
    /// One token per Unicode character.
    Char(CharTokenizer),
}

impl Tokenizer {
    /// A character tokenizer fitted to `text`.
    pub fn char_level(text: &str) -> Self {
        Tokenizer::Char(CharTokenizer::fit(text))
    }

    /// Number of distinct token ids, `<unk>` included: the size of the model's input and output layers.
    pub fn vocab_size(&self) -> usize {
        match self {
            Tokenizer::Char(t) => t.chars.len() + 1,
        }
    }

    // ANCHOR: encode_decode
    /// Text to ids; unknown characters become [`UNK_ID`].
    pub fn encode(&self, text: &str) -> Vec<i64> {
        match self {
            Tokenizer::Char(t) => text.chars().map(|c| t.id(c).unwrap_or(UNK_ID)).collect(),
        }
    }

    /// Text to ids, refusing text with a character outside the vocabulary (e.g. a user's prompt).
    pub fn encode_strict(&self, text: &str) -> Result<Vec<i64>> {
        match self {
            Tokenizer::Char(t) => text
                .chars()
                .map(|c| {
                    t.id(c).with_context(|| {
                        format!(
                            "the character {c:?} (U+{:04X}) is not in the model's vocabulary",
                            c as u32
                        )
                    })
                })
                .collect(),
        }
    }

    /// Ids to text; ids outside the vocabulary and `<unk>` decode to `�`.
    pub fn decode(&self, ids: &[i64]) -> String {
        match self {
            Tokenizer::Char(t) => ids.iter().map(|&id| t.piece(id)).collect(),
        }
    }
    // ANCHOR_END: encode_decode

    /// The text of one token, for charts and streaming output.
    pub fn token_text(&self, id: i64) -> String {
        self.decode(&[id])
    }

    /// The tokenizer as JSON, as stored in checkpoints.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a tokenizer always serializes")
    }

    /// Read a tokenizer back from [`Tokenizer::to_json`]'s output.
    pub fn from_json(json: &str) -> Result<Self> {
        let t: Tokenizer = serde_json::from_str(json).context("tokenizer JSON is malformed")?;
        Ok(t.reindexed())
    }

    /// Save as JSON.
    pub fn save(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_json())
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Load from JSON written by [`Tokenizer::save`].
    pub fn load(path: &Path) -> Result<Self> {
        let json = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::from_json(&json).with_context(|| format!("in {}", path.display()))
    }

    /// Rebuild the lookup table that serde skips.
    fn reindexed(self) -> Self {
        match self {
            Tokenizer::Char(t) => Tokenizer::Char(CharTokenizer::from_chars(t.chars)),
        }
    }
}

/// Fail with a clear message when `text` would give an empty token sequence.
pub fn require_tokens(ids: &[i64], what: &str) -> Result<()> {
    if ids.is_empty() {
        bail!("{what} is empty: there is nothing to continue from");
    }
    Ok(())
}
