//! The model's shape, as written in config files: which model ([`ModelConfig`]), the GPT's sizes
//! ([`GptConfig`]), how it knows positions ([`Position`]), and what a shape costs — its parameters and its
//! training FLOPs per token — computed from the config alone, before any model is built.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

/// How the GPT knows where a token is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// A learned vector per position `0..block_size`, added to the token embedding (GPT-2).
    #[default]
    Learned,
    /// Rotary position embedding: queries and keys are rotated by an angle proportional to their position
    /// (RoFormer, LLaMA). No parameters; attention scores depend on relative positions only.
    Rope,
}

/// The GPT's shape. Defaults are the course's `tiny` CPU model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GptConfig {
    /// Number of distinct tokens (set from the tokenizer).
    pub vocab_size: usize,
    /// The longest context the model reads, in tokens.
    pub block_size: usize,
    /// Number of Transformer blocks.
    pub n_layer: usize,
    /// Attention heads per block; must divide `n_embd`.
    pub n_head: usize,
    /// Width of the residual stream (embedding size).
    pub n_embd: usize,
    /// Dropout probability while training (0 = off).
    pub dropout: f64,
    /// Share the token-embedding matrix with the output head (weight tying).
    pub tie_weights: bool,
    /// Learned absolute positions or rotary embeddings.
    pub position: Position,
    /// Blocks of attention alone, without the MLP (and its LayerNorm): the smallest model in which induction
    /// heads appear (Olsson et al., 2022). Off for every ordinary GPT.
    pub attention_only: bool,
}

impl GptConfig {
    /// Parameters that take part in a matrix product per token: the blocks' weight matrices (`12 d²` per
    /// block: Q, K, V and output `4d²`, MLP `8d²`; `4d²` without the MLP) and the output head (`V d`).
    /// Embedding lookups, biases and norms cost next to nothing and are left out.
    pub fn matmul_params(&self) -> f64 {
        let d = self.n_embd as f64;
        let per_block = if self.attention_only { 4.0 } else { 12.0 };
        self.n_layer as f64 * per_block * d * d + self.vocab_size as f64 * d
    }

    /// Trainable parameters of a model of this shape, counted from the formula (a model need not be built):
    /// token embeddings `V d`, learned positions `block d`, per block `12 d² + 13 d` (four weight matrices,
    /// their biases, two LayerNorms; `4 d² + 6 d` attention-only), the final LayerNorm `2 d`, and an untied
    /// head `V d`.
    pub fn param_count(&self) -> usize {
        let (v, d) = (self.vocab_size, self.n_embd);
        let positions = if self.position == Position::Learned {
            self.block_size * d
        } else {
            0
        };
        let head = if self.tie_weights { 0 } else { v * d };
        let block = if self.attention_only {
            4 * d * d + 6 * d
        } else {
            12 * d * d + 13 * d
        };
        v * d + positions + self.n_layer * block + 2 * d + head
    }

    // ANCHOR: flops_per_token
    /// Training FLOPs per token at context length `context` (PaLM, appendix B; nanoGPT's `estimate_mfu`):
    /// `6N` for the forward and backward matrix products with the weights (2 FLOPs per multiply-add, and the
    /// backward pass costs twice the forward), plus `12 · n_layer · context · d` for attention's `QKᵀ` and
    /// `AV`, which grow with the context.
    pub fn flops_per_token(&self, context: usize) -> f64 {
        6.0 * self.matmul_params() + 12.0 * (self.n_layer * context * self.n_embd) as f64
    }
    // ANCHOR_END: flops_per_token
}

impl Default for GptConfig {
    fn default() -> Self {
        GptConfig {
            vocab_size: 0,
            block_size: 64,
            n_layer: 4,
            n_head: 4,
            n_embd: 128,
            dropout: 0.0,
            tie_weights: true,
            position: Position::Learned,
            attention_only: false,
        }
    }
}

/// Which model to build, as written in config files: `{"kind": "bigram"}` or `{"kind": "gpt", ...}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelConfig {
    /// The bigram baseline: next token from the current token only.
    Bigram {
        /// Number of distinct tokens.
        #[serde(default)]
        vocab_size: usize,
    },
    /// The GPT.
    Gpt(GptConfig),
}

impl ModelConfig {
    /// The vocabulary size the model is built for.
    pub fn vocab_size(&self) -> usize {
        match self {
            ModelConfig::Bigram { vocab_size } => *vocab_size,
            ModelConfig::Gpt(c) => c.vocab_size,
        }
    }

    /// The same config for a tokenizer with `vocab_size` tokens.
    pub fn with_vocab_size(mut self, vocab_size: usize) -> Self {
        match &mut self {
            ModelConfig::Bigram { vocab_size: v } => *v = vocab_size,
            ModelConfig::Gpt(c) => c.vocab_size = vocab_size,
        }
        self
    }

    /// The longest context the model can read (`None`: the bigram reads one token, any history is fine).
    pub fn block_size(&self) -> Option<usize> {
        match self {
            ModelConfig::Bigram { .. } => None,
            ModelConfig::Gpt(c) => Some(c.block_size),
        }
    }

    /// A short name for charts and logs.
    pub fn name(&self) -> &'static str {
        match self {
            ModelConfig::Bigram { .. } => "bigram",
            ModelConfig::Gpt(_) => "gpt",
        }
    }

    /// Reject impossible shapes with one message that names the field.
    pub fn validate(&self) -> Result<()> {
        if self.vocab_size() == 0 {
            bail!("model config: vocab_size must be at least 1");
        }
        if let ModelConfig::Gpt(c) = self {
            if c.block_size == 0 {
                bail!("model config: block_size must be at least 1 (it is the context length)");
            }
            if c.n_layer == 0 || c.n_head == 0 || c.n_embd == 0 {
                bail!("model config: n_layer, n_head and n_embd must all be at least 1");
            }
            if c.n_embd % c.n_head != 0 {
                bail!(
                    "model config: n_embd ({}) must be divisible by n_head ({})",
                    c.n_embd,
                    c.n_head
                );
            }
            if c.position == Position::Rope && (c.n_embd / c.n_head) % 2 != 0 {
                bail!(
                    "model config: RoPE rotates pairs of features, so n_embd / n_head ({}) must be even",
                    c.n_embd / c.n_head
                );
            }
            if !(0.0..1.0).contains(&c.dropout) {
                bail!("model config: dropout must be in [0, 1), got {}", c.dropout);
            }
        }
        Ok(())
    }
}
