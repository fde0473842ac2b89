//! Text ↔ token ids.
//!
//! A language model never sees text, only integers. A tokenizer fixes the vocabulary — the set of pieces the
//! model can read and write — and maps text to ids (`encode`) and back (`decode`).
//!
//! Chapter 1 uses the simplest vocabulary there is: every distinct character of the training text, Chinese
//! characters included (Rust's `char` is a Unicode scalar value, so `'龙'` is one token, not three bytes).
//! Characters never seen in training map to the reserved id [`UNK_ID`] and decode to `�` (U+FFFD);
//! [`Tokenizer::encode_strict`] refuses them instead, naming the first one.
//!
//! Chapter 3 adds **byte-level BPE** (byte-pair encoding, as in GPT-2), trained with Hugging Face's
//! `tokenizers` crate: start from the 256 bytes, then repeatedly merge the most frequent adjacent pair into a
//! new token, until the vocabulary has the size asked for. Frequent words become one token, rare ones stay
//! split into pieces, and no text is ever unknown: any UTF-8 is a sequence of bytes.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use tokenizers::decoders::DecoderWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::normalizers::NormalizerWrapper;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::processors::PostProcessorWrapper;
use tokenizers::{AddedToken, TokenizerBuilder};

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

/// The chat template's special tokens (chapter 4), reserved in every BPE vocabulary from the start so that
/// a pretrained model and its fine-tuned successor share one vocabulary. Pretraining text never contains them.
pub const SPECIAL_TOKENS: [&str; 4] = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"];

/// A byte-level BPE vocabulary: Hugging Face's `tokenizers::Tokenizer`, stored in checkpoints as its own JSON.
#[derive(Clone)]
pub struct BpeTokenizer {
    inner: tokenizers::Tokenizer,
}

impl std::fmt::Debug for BpeTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BpeTokenizer({} tokens)", self.vocab_size())
    }
}

impl PartialEq for BpeTokenizer {
    fn eq(&self, other: &Self) -> bool {
        self.json() == other.json()
    }
}

impl Eq for BpeTokenizer {}

impl Serialize for BpeTokenizer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Stored {
            tokenizer: serde_json::Value,
        }
        let tokenizer = serde_json::from_str(&self.json()).map_err(serde::ser::Error::custom)?;
        Stored { tokenizer }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for BpeTokenizer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Stored {
            tokenizer: serde_json::Value,
        }
        let stored = Stored::deserialize(d)?;
        let json = stored.tokenizer.to_string();
        let inner = json.parse().map_err(serde::de::Error::custom)?;
        Ok(BpeTokenizer { inner })
    }
}

impl BpeTokenizer {
    // ANCHOR: bpe_train
    /// Learn a byte-level BPE vocabulary of `vocab_size` tokens from `text`: the 256 byte tokens, the
    /// [`SPECIAL_TOKENS`], then merges of the most frequent adjacent pairs (a pair must occur twice to be merged).
    pub fn train(text: &str, vocab_size: usize) -> Result<Self> {
        let min_size = 256 + SPECIAL_TOKENS.len() + 1;
        if vocab_size < min_size {
            bail!(
                "BPE vocab_size must be at least {min_size} (256 bytes, the special tokens and one merge), got {vocab_size}"
            );
        }
        let mut trainer = BpeTrainerBuilder::new()
            .vocab_size(vocab_size)
            .min_frequency(2)
            .special_tokens(
                SPECIAL_TOKENS
                    .iter()
                    .map(|t| AddedToken::from(*t, true))
                    .collect(),
            )
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
            .show_progress(false)
            .build();
        let mut tokenizer = TokenizerBuilder::<
            BPE,
            NormalizerWrapper,
            PreTokenizerWrapper,
            PostProcessorWrapper,
            DecoderWrapper,
        >::new()
        .with_model(BPE::default())
        // GPT-2's pre-tokenizer: split into words (a word keeps its leading space) and map bytes to printable
        // characters, so merges never cross a word boundary.
        .with_pre_tokenizer(Some(ByteLevel::new(false, true, true).into()))
        .with_decoder(Some(ByteLevel::default().into()))
        .build()
        .map_err(|e| anyhow::anyhow!("cannot build the BPE tokenizer: {e}"))?;
        tokenizer
            .train(&mut trainer, text.lines().map(|line| format!("{line}\n")))
            .map_err(|e| anyhow::anyhow!("BPE training failed: {e}"))?;
        Ok(BpeTokenizer {
            inner: tokenizer.into(),
        })
    }
    // ANCHOR_END: bpe_train

    fn json(&self) -> String {
        self.inner
            .to_string(false)
            .expect("a trained tokenizer always serializes")
    }

    fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    fn encode(&self, text: &str) -> Vec<i64> {
        self.inner
            .encode(text, false)
            .map(|e| e.get_ids().iter().map(|&id| id as i64).collect())
            .unwrap_or_default()
    }

    /// The text of `ids`: their bytes as UTF-8, but for a character cut off at the end (see [`whole_text`]).
    fn decode(&self, ids: &[i64]) -> String {
        let bytes: Vec<u8> = ids.iter().flat_map(|&id| self.token_bytes(id)).collect();
        whole_text(&bytes)
    }

    /// The bytes of token `id` (empty for an unknown id).
    fn token_bytes(&self, id: i64) -> Vec<u8> {
        u32::try_from(id)
            .ok()
            .and_then(|id| self.inner.id_to_token(id))
            .map_or_else(Vec::new, |piece| piece_bytes(&piece))
    }

    /// The learned merges in the order they were learned, each as the two pieces' text (`" w" + "as"`).
    pub fn merges(&self) -> Vec<(String, String)> {
        let json: serde_json::Value =
            serde_json::from_str(&self.json()).expect("the tokenizer's JSON parses");
        let pieces = |a: &str, b: &str| (show_bytes(piece_bytes(a)), show_bytes(piece_bytes(b)));
        json["model"]["merges"]
            .as_array()
            .map(|merges| {
                merges
                    .iter()
                    .filter_map(|m| match m {
                        serde_json::Value::String(s) => {
                            let (a, b) = s.split_once(' ')?;
                            Some(pieces(a, b))
                        }
                        serde_json::Value::Array(ab) => {
                            Some(pieces(ab.first()?.as_str()?, ab.get(1)?.as_str()?))
                        }
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The bytes a vocabulary piece stands for. GPT-2's byte-level scheme writes each byte as a printable
/// character (a space as `Ġ`, byte 0 as `Ā`); this undoes that mapping. Special tokens are their own text.
fn piece_bytes(piece: &str) -> Vec<u8> {
    if SPECIAL_TOKENS.contains(&piece) {
        return piece.as_bytes().to_vec();
    }
    let printable = |b: u8| matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
    let others: Vec<u8> = (0..=255u8).filter(|&b| !printable(b)).collect();
    piece
        .chars()
        .filter_map(|c| match u32::from(c) {
            n if n < 256 && printable(n as u8) => Some(n as u8),
            n => others.get(n.checked_sub(256)? as usize).copied(),
        })
        .collect()
}

/// Bytes as text, for a sample cut at a token boundary: a token may end in the middle of a character (`春`
/// is the three bytes `e6 98 a5`, and a sample can stop after `e6 98`). That cut-off character at the end is
/// dropped, not shown as `�`: it is where the sample stopped, not what the model wrote. Bytes that are not
/// UTF-8 anywhere else (the model wrote them) decode to `�`.
fn whole_text(bytes: &[u8]) -> String {
    // the last byte that starts a character (not a continuation byte `10xxxxxx`) is at most 3 from the end
    let start = (bytes.len().saturating_sub(3)..bytes.len())
        .rev()
        .find(|&i| bytes[i] & 0xC0 != 0x80);
    // it starts a cut-off character when what follows it is a valid beginning that ends too soon
    let cut_off =
        |&i: &usize| matches!(std::str::from_utf8(&bytes[i..]), Err(e) if e.error_len().is_none());
    let end = start.filter(cut_off).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Bytes as text when they are whole UTF-8 characters, else in hex: `<e6><98>`.
fn show_bytes(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => e.as_bytes().iter().map(|b| format!("<{b:02x}>")).collect(),
    }
}

/// Any of the course's tokenizers: characters (chapters 1–2) or byte-level BPE (chapter 3 on).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Tokenizer {
    /// One token per Unicode character.
    Char(CharTokenizer),
    /// Byte-level byte-pair encoding (boxed: it is much larger than a character table).
    Bpe(Box<BpeTokenizer>),
}

impl Tokenizer {
    /// A character tokenizer fitted to `text`.
    pub fn char_level(text: &str) -> Self {
        Tokenizer::Char(CharTokenizer::fit(text))
    }

    /// A byte-level BPE tokenizer of `vocab_size` tokens learned from `text` (see [`BpeTokenizer::train`]).
    pub fn bpe(text: &str, vocab_size: usize) -> Result<Self> {
        Ok(Tokenizer::Bpe(Box::new(BpeTokenizer::train(
            text, vocab_size,
        )?)))
    }

    /// Number of distinct token ids, `<unk>` included: the size of the model's input and output layers.
    pub fn vocab_size(&self) -> usize {
        match self {
            Tokenizer::Char(t) => t.chars.len() + 1,
            Tokenizer::Bpe(t) => t.vocab_size(),
        }
    }

    /// The id of a special token such as `"<|end|>"`, if the vocabulary has it (BPE vocabularies do).
    pub fn special_id(&self, token: &str) -> Option<i64> {
        match self {
            Tokenizer::Char(_) => None,
            Tokenizer::Bpe(t) => t.inner.token_to_id(token).map(i64::from),
        }
    }

    /// A short name for tables: `"char"` or `"bpe"`.
    pub fn name(&self) -> &'static str {
        match self {
            Tokenizer::Char(_) => "char",
            Tokenizer::Bpe(_) => "bpe",
        }
    }

    // ANCHOR: encode_decode
    /// Text to ids; unknown characters become [`UNK_ID`].
    pub fn encode(&self, text: &str) -> Vec<i64> {
        match self {
            Tokenizer::Char(t) => text.chars().map(|c| t.id(c).unwrap_or(UNK_ID)).collect(),
            Tokenizer::Bpe(t) => t.encode(text),
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
            Tokenizer::Bpe(t) => Ok(t.encode(text)), // every text is bytes: nothing is unknown
        }
    }

    /// Ids to text; for characters, ids outside the vocabulary and `<unk>` decode to `�`. For BPE, ids outside
    /// the vocabulary are skipped, a character cut off at the end (the text stopped inside it) is dropped, and
    /// other bytes that do not form whole UTF-8 characters decode to `�`.
    pub fn decode(&self, ids: &[i64]) -> String {
        match self {
            Tokenizer::Char(t) => ids.iter().map(|&id| t.piece(id)).collect(),
            Tokenizer::Bpe(t) => t.decode(ids),
        }
    }
    // ANCHOR_END: encode_decode

    /// The text of one token, for charts: a BPE token that holds part of a character shows it as `�` (where
    /// [`Tokenizer::decode`] would drop it as cut off, leaving no label).
    pub fn token_text(&self, id: i64) -> String {
        match self {
            Tokenizer::Char(_) => self.decode(&[id]),
            Tokenizer::Bpe(t) => String::from_utf8_lossy(&t.token_bytes(id)).into_owned(),
        }
    }

    /// How a single token is shown in tables and charts: its text when it is whole UTF-8 characters, else
    /// its bytes in hex (a BPE token may hold part of a character: `春` is the three bytes `e6 98 a5`).
    pub fn token_piece(&self, id: i64) -> String {
        match self {
            Tokenizer::Char(_) => self.token_text(id),
            Tokenizer::Bpe(t) => show_bytes(t.token_bytes(id)),
        }
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
            bpe @ Tokenizer::Bpe(_) => bpe,
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
