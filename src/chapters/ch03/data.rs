//! The chapter's corpus (the world's text, rendered twice) and its tokenizers, characters against BPE.

use super::config::Ch03Config;
use crate::data::Split;
use crate::data::world::{Language, World, WorldConfig};
use crate::tokenizer::{BpeTokenizer, Tokenizer};
use anyhow::Result;
use serde::{Deserialize, Serialize};

/// The corpus and its tokenizers: what every run of the chapter learns from.
pub struct Ch03Data {
    /// The world the text is about.
    pub world: World,
    /// Training text.
    pub train_text: String,
    /// Validation text: the same facts, told anew.
    pub val_text: String,
    /// The byte-level BPE tokenizer learned from the training text.
    pub bpe: Tokenizer,
}

// ANCHOR: prepare_data
/// Generate the world's training text and its retold validation text, and learn BPE from the training text.
pub fn prepare_data(cfg: &Ch03Config) -> Result<Ch03Data> {
    let world = World::generate(&cfg.world)?;
    let retold = World::generate(&WorldConfig {
        render_seed: Some(cfg.val_render_seed),
        ..cfg.world.clone()
    })?;
    let train_text = world.corpus();
    let bpe = Tokenizer::bpe(&train_text, cfg.bpe_vocab_size)?;
    Ok(Ch03Data {
        world,
        train_text,
        val_text: retold.corpus(),
        bpe,
    })
}
// ANCHOR_END: prepare_data

impl Ch03Data {
    /// Token ids of the training and validation text under `tokenizer`.
    pub fn split(&self, tokenizer: &Tokenizer, block_size: usize) -> Result<Split> {
        Split::from_parts(
            &tokenizer.encode(&self.train_text),
            &tokenizer.encode(&self.val_text),
            block_size,
        )
    }

    /// The character tokenizer of the same text, for the comparison.
    pub fn char_tokenizer(&self) -> Tokenizer {
        Tokenizer::char_level(&self.train_text)
    }

    /// The example sentences of the tokenizer comparison and the attention figure: the first fact of the
    /// first person in the canonical wording, and a sentence in the other language, which the BPE
    /// vocabulary never saw — a line of Tang poetry for the English world, an English sentence for the
    /// Chinese one.
    pub fn examples(&self) -> [String; 2] {
        let unseen = match self.world.language() {
            Language::En => "春眠不觉晓，处处闻啼鸟。",
            Language::Zh => "Where was Ada Toko born?",
        };
        [
            self.world.sentence(&self.world.person_facts(0)[0], 0),
            unseen.to_string(),
        ]
    }

    /// `{name}` in `template` replaced by the first person's name.
    pub fn fill(&self, template: &str) -> String {
        template.replace("{name}", &self.world.people[0].name)
    }
}

/// How the two vocabularies cut the same text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenizerComparison {
    /// Tokens in the character vocabulary.
    pub char_vocab: usize,
    /// Tokens in the BPE vocabulary.
    pub bpe_vocab: usize,
    /// Characters per token of the validation text: 1 for characters, more for BPE.
    pub bpe_chars_per_token: f64,
    /// The first merges BPE learned, as the two pieces' text.
    pub first_merges: Vec<(String, String)>,
    /// Example sentences (one English, one Chinese) and their token counts: (text, char tokens, BPE tokens,
    /// BPE pieces).
    pub sentences: Vec<(String, usize, usize, Vec<String>)>,
}

// ANCHOR: compare_tokenizers
/// Tokens per sentence and characters per token of characters against BPE.
pub fn compare_tokenizers(data: &Ch03Data, examples: &[String]) -> TokenizerComparison {
    let chars = data.char_tokenizer();
    let val_chars = data.val_text.chars().count();
    let val_bpe = data.bpe.encode(&data.val_text).len();
    let merges = match &data.bpe {
        Tokenizer::Bpe(bpe) => BpeTokenizer::merges(bpe),
        Tokenizer::Char(_) => Vec::new(),
    };
    let sentences = examples
        .iter()
        .map(|s| {
            let ids = data.bpe.encode(s);
            let pieces = ids.iter().map(|&id| data.bpe.token_piece(id)).collect();
            (s.clone(), s.chars().count(), ids.len(), pieces)
        })
        .collect();
    TokenizerComparison {
        char_vocab: chars.vocab_size(),
        bpe_vocab: data.bpe.vocab_size(),
        bpe_chars_per_token: val_chars as f64 / val_bpe.max(1) as f64,
        first_merges: merges.into_iter().take(24).collect(),
        sentences,
    }
}
// ANCHOR_END: compare_tokenizers
