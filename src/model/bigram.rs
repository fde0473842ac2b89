//! The bigram baseline of chapter 1: next-token scores from the current token alone.

use tch::Tensor;
use tch::nn::{self, Module};

// ANCHOR: bigram
/// The bigram model: a table `W[V, V]`, row `i` holds the next-token scores after token `i`.
#[derive(Debug)]
pub struct Bigram {
    table: nn::Embedding,
}

impl Bigram {
    pub(super) fn new(p: &nn::Path, vocab_size: usize) -> Self {
        let cfg = nn::EmbeddingConfig {
            ws_init: nn::Init::Const(0.0),
            ..Default::default()
        };
        Bigram {
            table: nn::embedding(p / "table", vocab_size as i64, vocab_size as i64, cfg),
        }
    }

    pub(super) fn forward(&self, idx: &Tensor) -> Tensor {
        self.table.forward(idx)
    }
}
// ANCHOR_END: bigram
