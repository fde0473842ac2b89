//! The models: a bigram baseline and a GPT.
//!
//! Both map token ids `[B, T]` to logits `[B, T, V]`: for every position, a score for every token of the
//! vocabulary being the next one. `softmax` turns scores into the next-token distribution
//!
//! $$ p(x_{t+1} = v \mid x_{\le t}) = \frac{e^{z_v}}{\sum_{u} e^{z_u}} $$
//!
//! and training minimises the cross-entropy `−log p(actual next token)`, averaged over positions.
//!
//! * The **bigram** model looks only at the current token: its whole knowledge is a `V × V` table of scores.
//! * The **GPT** reads the whole context through causal self-attention, block by block, as in nanoGPT:
//!   token + position embeddings → `n_layer` × (LayerNorm → attention → residual, LayerNorm → MLP → residual)
//!   → LayerNorm → linear head.
//!
//! Parameter names follow the architecture (`blocks.0.attn.qkv.weight`), so a checkpoint reads like the diagram.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

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
            if !(0.0..1.0).contains(&c.dropout) {
                bail!("model config: dropout must be in [0, 1), got {}", c.dropout);
            }
        }
        Ok(())
    }
}

/// A linear layer initialised as in GPT-2: weights ~ N(0, std²), bias zero.
fn linear(p: nn::Path, d_in: usize, d_out: usize, std: f64) -> nn::Linear {
    let cfg = nn::LinearConfig {
        ws_init: nn::Init::Randn {
            mean: 0.0,
            stdev: std,
        },
        bs_init: Some(nn::Init::Const(0.0)),
        bias: true,
    };
    nn::linear(p, d_in as i64, d_out as i64, cfg)
}

/// GPT-2's initial scale of the projections that write into the residual stream, `0.02 / √(2 · n_layer)`:
/// each block adds two such outputs, and the smaller scale keeps the stream's variance from growing with depth.
fn residual_std(c: &GptConfig) -> f64 {
    0.02 / (2.0 * c.n_layer as f64).sqrt()
}

fn embedding(p: nn::Path, n: usize, dim: usize) -> nn::Embedding {
    let cfg = nn::EmbeddingConfig {
        ws_init: nn::Init::Randn {
            mean: 0.0,
            stdev: 0.02,
        },
        ..Default::default()
    };
    nn::embedding(p, n as i64, dim as i64, cfg)
}

// ANCHOR: bigram
/// The bigram model: a table `W[V, V]`, row `i` holds the next-token scores after token `i`.
#[derive(Debug)]
pub struct Bigram {
    table: nn::Embedding,
}

impl Bigram {
    fn new(p: &nn::Path, vocab_size: usize) -> Self {
        let cfg = nn::EmbeddingConfig {
            ws_init: nn::Init::Const(0.0),
            ..Default::default()
        };
        Bigram {
            table: nn::embedding(p / "table", vocab_size as i64, vocab_size as i64, cfg),
        }
    }

    fn forward(&self, idx: &Tensor) -> Tensor {
        self.table.forward(idx)
    }
}
// ANCHOR_END: bigram

// ANCHOR: attention
/// Causal multi-head self-attention: every position attends to itself and the positions before it.
///
/// `softmax(Q Kᵀ / √d_head + M) V` with `M` = −∞ above the diagonal, computed by libtorch's fused
/// `scaled_dot_product_attention(is_causal = true)`.
#[derive(Debug)]
pub struct CausalSelfAttention {
    qkv: nn::Linear,
    proj: nn::Linear,
    n_head: i64,
    dropout: f64,
}

impl CausalSelfAttention {
    fn new(p: &nn::Path, c: &GptConfig) -> Self {
        CausalSelfAttention {
            qkv: linear(p / "qkv", c.n_embd, 3 * c.n_embd, 0.02),
            proj: linear(p / "proj", c.n_embd, c.n_embd, residual_std(c)),
            n_head: c.n_head as i64,
            dropout: c.dropout,
        }
    }

    fn forward(&self, x: &Tensor, train: bool) -> Tensor {
        let (b, t, c) = x.size3().expect("attention input is [B, T, C]");
        let heads = |z: &Tensor| z.view([b, t, self.n_head, c / self.n_head]).transpose(1, 2);
        let qkv = self.qkv.forward(x).split(c, 2);
        let (q, k, v) = (heads(&qkv[0]), heads(&qkv[1]), heads(&qkv[2]));
        let p_drop = if train { self.dropout } else { 0.0 };
        let y = Tensor::scaled_dot_product_attention(
            &q,
            &k,
            &v,
            None::<Tensor>,
            p_drop,
            true,
            None,
            false,
        );
        let y = y.transpose(1, 2).contiguous().view([b, t, c]);
        self.proj.forward(&y).dropout(p_drop, train)
    }
}
// ANCHOR_END: attention

// ANCHOR: mlp
/// The position-wise MLP: widen 4×, GELU, project back.
#[derive(Debug)]
pub struct Mlp {
    fc: nn::Linear,
    proj: nn::Linear,
    dropout: f64,
}

impl Mlp {
    fn new(p: &nn::Path, c: &GptConfig) -> Self {
        Mlp {
            fc: linear(p / "fc", c.n_embd, 4 * c.n_embd, 0.02),
            proj: linear(p / "proj", 4 * c.n_embd, c.n_embd, residual_std(c)),
            dropout: c.dropout,
        }
    }

    fn forward(&self, x: &Tensor, train: bool) -> Tensor {
        self.proj
            .forward(&self.fc.forward(x).gelu("none"))
            .dropout(self.dropout, train)
    }
}
// ANCHOR_END: mlp

// ANCHOR: block
/// One Transformer block, pre-LayerNorm: `x + attn(ln1(x))`, then `x + mlp(ln2(x))`.
#[derive(Debug)]
pub struct Block {
    ln1: nn::LayerNorm,
    attn: CausalSelfAttention,
    ln2: nn::LayerNorm,
    mlp: Mlp,
}

impl Block {
    fn new(p: &nn::Path, c: &GptConfig) -> Self {
        let ln = |name| nn::layer_norm(p / name, vec![c.n_embd as i64], Default::default());
        Block {
            ln1: ln("ln1"),
            attn: CausalSelfAttention::new(&(p / "attn"), c),
            ln2: ln("ln2"),
            mlp: Mlp::new(&(p / "mlp"), c),
        }
    }

    fn forward(&self, x: &Tensor, train: bool) -> Tensor {
        let x = x + self.attn.forward(&self.ln1.forward(x), train);
        &x + self.mlp.forward(&self.ln2.forward(&x), train)
    }
}
// ANCHOR_END: block

/// The GPT: embeddings, a stack of blocks, a final LayerNorm and the head that scores every token.
#[derive(Debug)]
pub struct Gpt {
    config: GptConfig,
    tok_emb: nn::Embedding,
    pos_emb: nn::Embedding,
    blocks: Vec<Block>,
    ln_f: nn::LayerNorm,
    head: Option<nn::Linear>,
}

impl Gpt {
    fn new(p: &nn::Path, c: &GptConfig) -> Self {
        let head_cfg = nn::LinearConfig {
            ws_init: nn::Init::Randn {
                mean: 0.0,
                stdev: 0.02,
            },
            bs_init: None,
            bias: false,
        };
        Gpt {
            config: c.clone(),
            tok_emb: embedding(p / "tok_emb", c.vocab_size, c.n_embd),
            pos_emb: embedding(p / "pos_emb", c.block_size, c.n_embd),
            blocks: (0..c.n_layer)
                .map(|i| Block::new(&(p / "blocks" / i), c))
                .collect(),
            ln_f: nn::layer_norm(p / "ln_f", vec![c.n_embd as i64], Default::default()),
            head: (!c.tie_weights)
                .then(|| nn::linear(p / "head", c.n_embd as i64, c.vocab_size as i64, head_cfg)),
        }
    }

    // ANCHOR: gpt_forward
    fn forward(&self, idx: &Tensor, train: bool) -> Tensor {
        let t = idx.size()[1];
        let positions = Tensor::arange(t, (Kind::Int64, idx.device()));
        let mut x = (self.tok_emb.forward(idx) + self.pos_emb.forward(&positions))
            .dropout(self.config.dropout, train);
        for block in &self.blocks {
            x = block.forward(&x, train);
        }
        let x = self.ln_f.forward(&x);
        match &self.head {
            Some(head) => head.forward(&x),
            None => x.matmul(&self.tok_emb.ws.tr()), // weight tying: score = ⟨h, embedding of token⟩
        }
    }
    // ANCHOR_END: gpt_forward
}

#[derive(Debug)]
enum Net {
    Bigram(Bigram),
    Gpt(Box<Gpt>),
}

/// A language model with its parameters: the one type that training, generation and checkpoints use.
pub struct Model {
    /// The parameters, named after the architecture.
    pub vs: nn::VarStore,
    config: ModelConfig,
    net: Net,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Model({:?}, {} parameters)",
            self.config,
            self.num_params()
        )
    }
}

impl Model {
    /// Build a freshly initialised model on `device` (initialisation draws from libtorch's seeded generator).
    pub fn new(config: &ModelConfig, device: Device) -> Result<Self> {
        config.validate()?;
        let vs = nn::VarStore::new(device);
        let root = vs.root();
        let net = match config {
            ModelConfig::Bigram { vocab_size } => Net::Bigram(Bigram::new(&root, *vocab_size)),
            ModelConfig::Gpt(c) => Net::Gpt(Box::new(Gpt::new(&root, c))),
        };
        Ok(Model {
            vs,
            config: config.clone(),
            net,
        })
    }

    /// The config the model was built from.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The device the parameters live on.
    pub fn device(&self) -> Device {
        self.vs.device()
    }

    /// Number of trainable parameters.
    pub fn num_params(&self) -> i64 {
        self.vs
            .trainable_variables()
            .iter()
            .map(Tensor::numel)
            .sum::<usize>() as i64
    }

    /// Logits `[B, T, V]` for token ids `[B, T]`; `train` turns dropout on.
    pub fn forward(&self, idx: &Tensor, train: bool) -> Tensor {
        match &self.net {
            Net::Bigram(m) => m.forward(idx),
            Net::Gpt(m) => m.forward(idx, train),
        }
    }

    // ANCHOR: loss
    /// Mean cross-entropy of predicting `targets[b, t]` from `inputs[b, ..=t]`:
    /// `L = −(1/BT) Σ log p(targets[b,t] | inputs[b, ..=t])`.
    pub fn loss(&self, inputs: &Tensor, targets: &Tensor, train: bool) -> Tensor {
        let logits = self.forward(inputs, train);
        let v = logits.size()[2];
        logits
            .reshape([-1, v])
            .cross_entropy_for_logits(&targets.reshape([-1]))
    }
    // ANCHOR_END: loss

    // ANCHOR: next_token_logits
    /// Logits for the token after `context`, cropped to the model's block size: a `[V]` tensor.
    pub fn next_token_logits(&self, context: &[i64]) -> Tensor {
        let start = match self.config.block_size() {
            Some(block) => context.len().saturating_sub(block),
            None => context.len().saturating_sub(1),
        };
        let idx = Tensor::from_slice(&context[start..])
            .to_device(self.device())
            .unsqueeze(0);
        tch::no_grad(|| self.forward(&idx, false)).get(0).get(-1)
    }
    // ANCHOR_END: next_token_logits
}
