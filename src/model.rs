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
//!   → LayerNorm → linear head. Positions are either learned vectors added to the token embeddings or
//!   rotary embeddings (RoPE) applied inside attention ([`Position`]).
//!
//! For generation, [`KvCache`] keeps every layer's keys and values, so each new token costs one position's
//! work instead of the whole context's. [`Model::set_precision`] runs the matrix products in bfloat16 while
//! the weights stay fp32, as `torch.autocast` does.
//!
//! Parameter names follow the architecture (`blocks.0.attn.qkv.weight`), so a checkpoint reads like the diagram.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

/// The precision of the matrix products while training (the weights are fp32 either way).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// bf16 on CUDA, where tensor cores make it several times faster; fp32 on the CPU.
    #[default]
    Auto,
    /// fp32 everywhere.
    Fp32,
    /// bf16 everywhere (on a CPU, slower than fp32 and only for trying it out).
    Bf16,
}

impl Precision {
    /// The tensor kind of the matrix products on `device`.
    pub fn kind_on(self, device: Device) -> Kind {
        match self {
            Precision::Auto if device.is_cuda() => Kind::BFloat16,
            Precision::Auto | Precision::Fp32 => Kind::Float,
            Precision::Bf16 => Kind::BFloat16,
        }
    }
}

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
/// each block adds two such outputs (one without the MLP), and the smaller scale keeps the stream's variance
/// from growing with depth.
fn residual_std(c: &GptConfig) -> f64 {
    let writes_per_block = if c.attention_only { 1.0 } else { 2.0 };
    0.02 / (writes_per_block * c.n_layer as f64).sqrt()
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

// ANCHOR: linear_in
/// A linear layer whose matrix product runs in `kind`. With `Kind::Float` it is the plain layer; with
/// `Kind::BFloat16` it is what autocast does: the input and a bf16 copy of the fp32 weights are multiplied in
/// bf16, and the gradient flows back through the casts to the fp32 weights the optimizer updates.
fn linear_in(layer: &nn::Linear, x: &Tensor, kind: Kind) -> Tensor {
    if kind == Kind::Float {
        return layer.forward(x);
    }
    x.to_kind(kind).linear(
        &layer.ws.to_kind(kind),
        layer.bs.as_ref().map(|b| b.to_kind(kind)),
    )
}
// ANCHOR_END: linear_in

// ANCHOR: rope
/// Rotary position embedding (Su et al., 2021) of `x: [B, H, T, d]` whose first row sits at position `start`:
/// the feature pair `(i, i + d/2)` at position `p` is rotated by the angle `p · θᵢ`, `θᵢ = 10000^(−2i/d)`.
/// A rotation by `p·θ` of the query and by `s·θ` of the key leaves their dot product depending on `p − s`
/// only: attention sees how far apart two tokens are, with no learned parameters.
pub fn apply_rope(x: &Tensor, start: i64) -> Tensor {
    let (t, d) = (x.size()[2], x.size()[3]);
    let half = d / 2;
    let device = x.device();
    let theta =
        (Tensor::arange(half, (Kind::Float, device)) * (-2.0 * 10000f64.ln() / d as f64)).exp();
    let positions = Tensor::arange_start(start, start + t, (Kind::Float, device));
    let angles = positions.unsqueeze(1) * theta.unsqueeze(0); // [T, d/2]: p · θᵢ
    let (cos, sin) = (
        angles.cos().to_kind(x.kind()),
        angles.sin().to_kind(x.kind()),
    );
    let (x1, x2) = (x.narrow(-1, 0, half), x.narrow(-1, half, half));
    Tensor::cat(&[&x1 * &cos - &x2 * &sin, &x1 * &sin + &x2 * &cos], -1)
}
// ANCHOR_END: rope

/// `[T_q, T_k]`, true where query `i` must not see key `j`: the queries are the last `T_q` of the `T_k`
/// positions (all of them in training; the new ones when a KV cache holds the rest), so query `i` sits at
/// position `T_k − T_q + i` and sees the keys up to there.
fn future_mask(t_q: i64, t_k: i64, device: Device) -> Tensor {
    Tensor::ones([t_q, t_k], (Kind::Bool, device)).triu(t_k - t_q + 1)
}

// ANCHOR: attention_manual
/// Causal attention written out, for `q: [B, H, T_q, d]` and `k, v: [B, H, T_k, d]`:
///
/// `weights = softmax(Q Kᵀ / √d + M)`, `M` = −∞ where a query would see a later key, and the output is
/// `weights · V`: each position's new vector is an average of the values it may see, weighted by how well its
/// query matches their keys. Returns the output and the weights `[B, H, T_q, T_k]` (rows sum to 1).
pub fn causal_attention_manual(q: &Tensor, k: &Tensor, v: &Tensor) -> (Tensor, Tensor) {
    let (t_q, d) = (q.size()[2], q.size()[3]);
    let t_k = k.size()[2];
    let scores = q.matmul(&k.transpose(-2, -1)) / (d as f64).sqrt(); // [B, H, T_q, T_k]
    let masked = scores.masked_fill(&future_mask(t_q, t_k, q.device()), f64::NEG_INFINITY);
    let weights = masked.softmax(-1, Kind::Float).to_kind(q.kind());
    (weights.matmul(v), weights)
}
// ANCHOR_END: attention_manual

// ANCHOR: attention_fused
/// The same attention through libtorch's fused `scaled_dot_product_attention` (flash or memory-efficient
/// kernels where the device has them): it never stores the `T × T` weights, so it is faster and leaner.
/// `dropout` drops attention weights while training.
pub fn causal_attention_fused(q: &Tensor, k: &Tensor, v: &Tensor, dropout: f64) -> Tensor {
    let (t_q, t_k) = (q.size()[2], k.size()[2]);
    let sdpa = |mask: Option<Tensor>, is_causal| {
        Tensor::scaled_dot_product_attention(q, k, v, mask, dropout, is_causal, None, false)
    };
    if t_q == t_k {
        sdpa(None, true) // training and a first pass: the plain causal triangle
    } else if t_q == 1 {
        sdpa(None, false) // one new token may see every cached one
    } else {
        sdpa(Some(future_mask(t_q, t_k, q.device()).logical_not()), false) // true = may attend
    }
}
// ANCHOR_END: attention_fused

/// Every layer's keys and values of the tokens read so far: generation's memory. Each new token then needs
/// only its own query, key and value, instead of recomputing the whole context.
#[derive(Debug)]
pub struct KvCache {
    layers: Vec<Option<(Tensor, Tensor)>>,
    len: usize,
}

impl KvCache {
    fn new(n_layer: usize) -> Self {
        KvCache {
            layers: (0..n_layer).map(|_| None).collect(),
            len: 0,
        }
    }

    /// Number of tokens whose keys and values are held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no token has been read yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forget every token (a new context starts).
    pub fn clear(&mut self) {
        self.layers.iter_mut().for_each(|l| *l = None);
        self.len = 0;
    }

    // ANCHOR: kv_append
    /// Append the new tokens' keys and values `[B, H, T_new, d]` of `layer` and return all of them so far.
    fn append(&mut self, layer: usize, k: Tensor, v: Tensor) -> (Tensor, Tensor) {
        let (k, v) = match self.layers[layer].take() {
            Some((past_k, past_v)) => (Tensor::cat(&[past_k, k], 2), Tensor::cat(&[past_v, v], 2)),
            None => (k, v),
        };
        self.layers[layer] = Some((k.shallow_clone(), v.shallow_clone()));
        (k, v)
    }
    // ANCHOR_END: kv_append
}

// ANCHOR: lora
/// A low-rank adapter (LoRA, Hu et al., 2021) beside a frozen weight matrix `W: [d_out, d_in]`: the layer
/// computes `W x + (α/r) · B A x` with `A: [r, d_in]` small and random and `B: [d_out, r]` zero, so
/// fine-tuning starts exactly at the pretrained model and trains `r · (d_in + d_out)` numbers instead of
/// `d_in · d_out`. Afterwards `W + (α/r) B A` is one matrix again: merged, the adapter costs nothing.
#[derive(Debug)]
pub struct Lora {
    a: Tensor,
    b: Tensor,
    scale: f64,
}

impl Lora {
    fn new(p: nn::Path, d_in: usize, d_out: usize, cfg: &LoraConfig) -> Self {
        let init = nn::Init::Randn {
            mean: 0.0,
            stdev: 1.0 / (d_in as f64).sqrt(),
        };
        Lora {
            a: p.var("a", &[cfg.rank as i64, d_in as i64], init),
            b: p.zeros("b", &[d_out as i64, cfg.rank as i64]),
            scale: cfg.alpha / cfg.rank as f64,
        }
    }

    /// The adapter's contribution `(α/r) · B A x`.
    fn forward(&self, x: &Tensor, kind: Kind) -> Tensor {
        let (a, b) = (self.a.to_kind(kind), self.b.to_kind(kind));
        x.to_kind(kind).matmul(&a.tr()).matmul(&b.tr()) * self.scale
    }

    /// The change it makes to the weight matrix, `ΔW = (α/r) B A`.
    fn delta(&self) -> Tensor {
        self.b.matmul(&self.a) * self.scale
    }
}
// ANCHOR_END: lora

/// The shape of LoRA adapters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoraConfig {
    /// The rank `r` of `B A`.
    pub rank: usize,
    /// The scale numerator `α`: the adapter's output is multiplied by `α / r`.
    pub alpha: f64,
}

impl Default for LoraConfig {
    fn default() -> Self {
        LoraConfig {
            rank: 8,
            alpha: 16.0,
        }
    }
}

/// Every layer's adapters on the attention's input projection (Q, K, V) and output projection, in a
/// parameter store of their own, so the model's own store keeps exactly the pretrained parameters.
struct Adapters {
    vs: nn::VarStore,
    layers: Vec<(Lora, Lora)>,
}

/// How one forward pass runs: training or not, in which precision, with a KV cache or not, and whether to
/// record the attention weights (which needs the written-out attention).
struct Pass<'a> {
    train: bool,
    kind: Kind,
    start: i64,
    cache: Option<&'a mut KvCache>,
    maps: Option<&'a mut Vec<Tensor>>,
    adapters: Option<&'a Adapters>,
}

// ANCHOR: attention
/// Causal multi-head self-attention: every position attends to itself and the positions before it.
///
/// The input is projected to queries, keys and values, split into `n_head` heads of `d = n_embd / n_head`
/// features, each head attends on its own (`softmax(Q Kᵀ / √d + M) V`), and the heads' outputs are
/// concatenated and projected back into the residual stream.
#[derive(Debug)]
pub struct CausalSelfAttention {
    qkv: nn::Linear,
    proj: nn::Linear,
    n_head: i64,
    dropout: f64,
    rope: bool,
}

impl CausalSelfAttention {
    fn new(p: &nn::Path, c: &GptConfig) -> Self {
        CausalSelfAttention {
            qkv: linear(p / "qkv", c.n_embd, 3 * c.n_embd, 0.02),
            proj: linear(p / "proj", c.n_embd, c.n_embd, residual_std(c)),
            n_head: c.n_head as i64,
            dropout: c.dropout,
            rope: c.position == Position::Rope,
        }
    }

    fn forward(&self, x: &Tensor, layer: usize, pass: &mut Pass) -> Tensor {
        let (b, t, c) = x.size3().expect("attention input is [B, T, C]");
        let heads = |z: &Tensor| z.view([b, t, self.n_head, c / self.n_head]).transpose(1, 2);
        let lora = pass.adapters.map(|a| &a.layers[layer]);
        let qkv = match lora {
            Some((qkv_lora, _)) => {
                linear_in(&self.qkv, x, pass.kind) + qkv_lora.forward(x, pass.kind)
            }
            None => linear_in(&self.qkv, x, pass.kind),
        };
        let qkv = qkv.split(c, 2);
        let (mut q, mut k, v) = (heads(&qkv[0]), heads(&qkv[1]), heads(&qkv[2]));
        if self.rope {
            (q, k) = (apply_rope(&q, pass.start), apply_rope(&k, pass.start));
        }
        let (k, v) = match pass.cache.as_deref_mut() {
            Some(cache) => cache.append(layer, k, v),
            None => (k, v),
        };
        let p_drop = if pass.train { self.dropout } else { 0.0 };
        let y = match pass.maps.as_deref_mut() {
            Some(maps) => {
                let (y, weights) = causal_attention_manual(&q, &k, &v);
                maps.push(weights);
                y
            }
            None => causal_attention_fused(&q, &k, &v, p_drop),
        };
        let y = y.transpose(1, 2).contiguous().view([b, t, c]);
        let out = match lora {
            Some((_, proj_lora)) => {
                linear_in(&self.proj, &y, pass.kind) + proj_lora.forward(&y, pass.kind)
            }
            None => linear_in(&self.proj, &y, pass.kind),
        };
        out.dropout(p_drop, pass.train)
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

    fn forward(&self, x: &Tensor, pass: &Pass) -> Tensor {
        let hidden = linear_in(&self.fc, x, pass.kind).gelu("none");
        linear_in(&self.proj, &hidden, pass.kind).dropout(self.dropout, pass.train)
    }
}
// ANCHOR_END: mlp

// ANCHOR: block
/// One Transformer block, pre-LayerNorm: `x + attn(ln1(x))`, then `x + mlp(ln2(x))` (the second step is
/// left out in an attention-only model).
#[derive(Debug)]
pub struct Block {
    ln1: nn::LayerNorm,
    attn: CausalSelfAttention,
    ln2_mlp: Option<(nn::LayerNorm, Mlp)>,
}

impl Block {
    fn new(p: &nn::Path, c: &GptConfig) -> Self {
        let ln = |name| nn::layer_norm(p / name, vec![c.n_embd as i64], Default::default());
        Block {
            ln1: ln("ln1"),
            attn: CausalSelfAttention::new(&(p / "attn"), c),
            ln2_mlp: (!c.attention_only).then(|| (ln("ln2"), Mlp::new(&(p / "mlp"), c))),
        }
    }

    fn forward(&self, x: &Tensor, layer: usize, pass: &mut Pass) -> Tensor {
        let x = x + self.attn.forward(&self.ln1.forward(x), layer, pass);
        match &self.ln2_mlp {
            Some((ln2, mlp)) => &x + mlp.forward(&ln2.forward(&x), pass),
            None => x,
        }
    }
}
// ANCHOR_END: block

/// The GPT: embeddings, a stack of blocks, a final LayerNorm and the head that scores every token.
#[derive(Debug)]
pub struct Gpt {
    config: GptConfig,
    tok_emb: nn::Embedding,
    pos_emb: Option<nn::Embedding>,
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
            pos_emb: (c.position == Position::Learned)
                .then(|| embedding(p / "pos_emb", c.block_size, c.n_embd)),
            blocks: (0..c.n_layer)
                .map(|i| Block::new(&(p / "blocks" / i), c))
                .collect(),
            ln_f: nn::layer_norm(p / "ln_f", vec![c.n_embd as i64], Default::default()),
            head: (!c.tie_weights)
                .then(|| nn::linear(p / "head", c.n_embd as i64, c.vocab_size as i64, head_cfg)),
        }
    }

    // ANCHOR: gpt_forward
    fn forward(&self, idx: &Tensor, pass: &mut Pass) -> Tensor {
        let x = self.hidden(idx, pass);
        self.logits(&x, pass)
    }

    /// The final hidden states `[B, T, C]`: what the head reads to score the next token, and what a reward
    /// model's or a value model's scalar head reads instead.
    fn hidden(&self, idx: &Tensor, pass: &mut Pass) -> Tensor {
        let t = idx.size()[1];
        let tokens = self.tok_emb.forward(idx);
        let x = match &self.pos_emb {
            Some(pos_emb) => {
                let positions =
                    Tensor::arange_start(pass.start, pass.start + t, (Kind::Int64, idx.device()));
                tokens + pos_emb.forward(&positions) // learned positions: added to the tokens
            }
            None => tokens, // RoPE: positions enter inside attention
        };
        let mut x = x.dropout(self.config.dropout, pass.train);
        for (layer, block) in self.blocks.iter().enumerate() {
            x = block.forward(&x, layer, pass);
        }
        self.ln_f.forward(&x)
    }

    /// Next-token logits `[B, T, V]` from the final hidden states.
    fn logits(&self, x: &Tensor, pass: &Pass) -> Tensor {
        let logits = match &self.head {
            Some(head) => linear_in(head, x, pass.kind),
            // weight tying: the score of token v is ⟨h, embedding of v⟩
            None => x
                .to_kind(pass.kind)
                .matmul(&self.tok_emb.ws.to_kind(pass.kind).tr()),
        };
        logits.to_kind(Kind::Float) // softmax and the loss in fp32, as under autocast
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
    precision: Kind,
    adapters: Option<Adapters>,
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
            precision: Kind::Float,
            adapters: None,
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

    // ANCHOR: add_lora
    /// Attach LoRA adapters to every attention's Q/K/V and output projections and freeze every pretrained
    /// parameter: from now on training changes the adapters only.
    pub fn add_lora(&mut self, cfg: &LoraConfig) -> Result<()> {
        let Net::Gpt(gpt) = &self.net else {
            bail!("LoRA adapts attention layers; the bigram has none");
        };
        if cfg.rank == 0 {
            bail!("LoRA rank must be at least 1");
        }
        let vs = nn::VarStore::new(self.device());
        let d = gpt.config.n_embd;
        let layers = (0..gpt.config.n_layer)
            .map(|i| {
                let p = vs.root() / "lora" / "blocks" / i;
                (
                    Lora::new(&p / "qkv", d, 3 * d, cfg),
                    Lora::new(&p / "proj", d, d, cfg),
                )
            })
            .collect();
        self.vs.freeze();
        self.adapters = Some(Adapters { vs, layers });
        Ok(())
    }
    // ANCHOR_END: add_lora

    // ANCHOR: merge_lora
    /// Fold the adapters into the weights, `W ← W + (α/r) B A`, drop them and unfreeze the model: the same
    /// function as before, as a plain model again.
    pub fn merge_lora(&mut self) {
        let (Some(adapters), Net::Gpt(gpt)) = (self.adapters.take(), &self.net) else {
            return;
        };
        tch::no_grad(|| {
            for (block, (qkv, proj)) in gpt.blocks.iter().zip(&adapters.layers) {
                let _ = block.attn.qkv.ws.shallow_clone().g_add_(&qkv.delta());
                let _ = block.attn.proj.ws.shallow_clone().g_add_(&proj.delta());
            }
        });
        self.vs.unfreeze();
    }
    // ANCHOR_END: merge_lora

    /// Whether LoRA adapters are attached.
    pub fn has_lora(&self) -> bool {
        self.adapters.is_some()
    }

    /// The parameters training changes, by name: the adapters when LoRA is attached, else every parameter.
    pub fn trainable_params(&self) -> Vec<(String, Tensor)> {
        let vars = match &self.adapters {
            Some(a) => a.vs.variables(),
            None => self.vs.variables(),
        };
        let mut params: Vec<(String, Tensor)> = vars.into_iter().collect();
        params.sort_by(|a, b| a.0.cmp(&b.0));
        params
    }

    /// Number of parameters training changes (see [`Model::trainable_params`]).
    pub fn num_trainable_params(&self) -> i64 {
        self.trainable_params()
            .iter()
            .map(|(_, t)| t.numel() as i64)
            .sum()
    }

    /// Number of parameters of the model itself (adapters not counted).
    pub fn num_params(&self) -> i64 {
        self.vs
            .trainable_variables()
            .iter()
            .map(Tensor::numel)
            .sum::<usize>() as i64
    }

    /// Run the GPT's matrix products in `kind`: `Kind::Float` (fp32, the default) or `Kind::BFloat16`
    /// (mixed precision: weights, norms, softmax and the loss stay fp32). The bigram has no matrix products.
    pub fn set_precision(&mut self, kind: Kind) {
        self.precision = kind;
    }

    /// The kind the matrix products run in.
    pub fn precision(&self) -> Kind {
        self.precision
    }

    fn pass<'a>(
        &'a self,
        train: bool,
        cache: Option<&'a mut KvCache>,
        maps: Option<&'a mut Vec<Tensor>>,
    ) -> Pass<'a> {
        let start = cache.as_ref().map_or(0, |c| c.len() as i64);
        Pass {
            train,
            kind: self.precision,
            start,
            cache,
            maps,
            adapters: self.adapters.as_ref(),
        }
    }

    /// Logits `[B, T, V]` for token ids `[B, T]`; `train` turns dropout on.
    pub fn forward(&self, idx: &Tensor, train: bool) -> Tensor {
        match &self.net {
            Net::Bigram(m) => m.forward(idx),
            Net::Gpt(m) => m.forward(idx, &mut self.pass(train, None, None)),
        }
    }

    /// The logits of [`Model::forward`] and the final hidden states `[B, T, C]` they were computed from, in
    /// one pass: the reward model and PPO's value head read the hidden states. The bigram has none.
    pub fn forward_with_hidden(&self, idx: &Tensor, train: bool) -> Result<(Tensor, Tensor)> {
        let Net::Gpt(m) = &self.net else {
            bail!("the bigram has no hidden states: reward and value heads need a GPT");
        };
        let mut pass = self.pass(train, None, None);
        let hidden = m.hidden(idx, &mut pass);
        let logits = m.logits(&hidden, &pass);
        Ok((logits, hidden))
    }

    /// The width of the hidden states (`n_embd`; the bigram's is its vocabulary).
    pub fn hidden_size(&self) -> usize {
        match &self.config {
            ModelConfig::Bigram { vocab_size } => *vocab_size,
            ModelConfig::Gpt(c) => c.n_embd,
        }
    }

    /// An empty KV cache for this model (`None` for the bigram, which reads one token and needs none).
    pub fn new_cache(&self) -> Option<KvCache> {
        match &self.config {
            ModelConfig::Bigram { .. } => None,
            ModelConfig::Gpt(c) => Some(KvCache::new(c.n_layer)),
        }
    }

    // ANCHOR: forward_cached
    /// Logits `[B, T_new, V]` for the tokens `idx: [B, T_new]` that follow the ones already in `cache`, which
    /// then holds them too. The cache's length plus `T_new` must not exceed the block size.
    pub fn forward_cached(&self, idx: &Tensor, cache: &mut KvCache) -> Tensor {
        let t_new = idx.size()[1] as usize;
        let logits = match &self.net {
            Net::Bigram(m) => m.forward(idx),
            Net::Gpt(m) => {
                assert!(
                    cache.len() + t_new <= m.config.block_size,
                    "KV cache overflow: {} cached + {t_new} new tokens exceed block_size {}",
                    cache.len(),
                    m.config.block_size
                );
                m.forward(idx, &mut self.pass(false, Some(&mut *cache), None))
            }
        };
        cache.len += t_new;
        logits
    }
    // ANCHOR_END: forward_cached

    /// The attention weights of every layer for `idx: [B, T]`, each `[B, n_head, T, T]` (row `i`: how much
    /// position `i` attends to each position), computed by the written-out attention. Empty for the bigram.
    pub fn attention_maps(&self, idx: &Tensor) -> Vec<Tensor> {
        self.forward_with_attention_maps(idx).1
    }

    /// The logits of [`Model::forward`] (no dropout), computed with the written-out attention, and every
    /// layer's attention weights: what the fused kernel computes without ever storing them.
    pub fn forward_with_attention_maps(&self, idx: &Tensor) -> (Tensor, Vec<Tensor>) {
        let mut maps = Vec::new();
        let logits = match &self.net {
            Net::Gpt(m) => {
                tch::no_grad(|| m.forward(idx, &mut self.pass(false, None, Some(&mut maps))))
            }
            Net::Bigram(m) => tch::no_grad(|| m.forward(idx)),
        };
        (logits, maps)
    }

    // ANCHOR: loss
    /// Mean cross-entropy of predicting `targets[b, t]` from `inputs[b, ..=t]`:
    /// `L = −(1/N) Σ log p(targets[b,t] | inputs[b, ..=t])` over the `N` targets that are not
    /// [`IGNORE`](crate::data::IGNORE) (all `B·T` of them in pretraining; the answers only in fine-tuning).
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
