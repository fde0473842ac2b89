//! The GPT, top to bottom in the order data flows through it (chapter 3's diagram):
//!
//! ```text
//! token ids [B, T] → token (+ position) embeddings → n_layer × Block → LayerNorm → head → logits [B, T, V]
//! Block:  x = x + attention(LayerNorm(x));  x = x + MLP(LayerNorm(x))
//! ```
//!
//! Positions are learned vectors added to the token embeddings or rotary embeddings applied inside
//! attention ([`Position`]). Every projection is a [`Linear`]: its product runs in the pass's precision, and it
//! carries chapter 4's LoRA adapter when one is attached, so the layers below never mention either.

use super::config::{GptConfig, Position};
use super::kv_cache::KvCache;
use super::lora::Linear;
use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

/// The network inside a [`Model`](super::Model).
#[derive(Debug)]
pub(super) enum Net {
    Bigram(super::bigram::Bigram),
    Gpt(Box<Gpt>),
}

/// How one forward pass runs: training or not, in which precision, from which position (the KV cache's
/// length), with a KV cache or not, and whether to record the attention weights.
pub(super) struct Pass<'a> {
    pub(super) train: bool,
    pub(super) kind: Kind,
    pub(super) start: i64,
    pub(super) cache: Option<&'a mut KvCache>,
    pub(super) maps: Option<&'a mut Vec<Tensor>>,
}

/// The GPT: embeddings, a stack of blocks, a final LayerNorm and the head that scores every token.
#[derive(Debug)]
pub struct Gpt {
    pub(super) config: GptConfig,
    tok_emb: nn::Embedding,
    pos_emb: Option<nn::Embedding>,
    blocks: Vec<Block>,
    ln_f: nn::LayerNorm,
    head: Option<Linear>,
}

impl Gpt {
    pub(super) fn new(p: &nn::Path, c: &GptConfig) -> Self {
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
            head: (!c.tie_weights).then(|| {
                nn::linear(p / "head", c.n_embd as i64, c.vocab_size as i64, head_cfg).into()
            }),
        }
    }

    // ANCHOR: gpt_forward
    pub(super) fn forward(&self, idx: &Tensor, pass: &mut Pass) -> Tensor {
        let x = self.hidden(idx, pass);
        self.logits(&x, pass)
    }

    /// The final hidden states `[B, T, C]`: what the head reads to score the next token, and what a reward
    /// model's or a value model's scalar head reads instead.
    pub(super) fn hidden(&self, idx: &Tensor, pass: &mut Pass) -> Tensor {
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
    pub(super) fn logits(&self, x: &Tensor, pass: &Pass) -> Tensor {
        let logits = match &self.head {
            Some(head) => head.forward(x, pass.kind),
            // weight tying: the score of token v is ⟨h, embedding of v⟩
            None => x
                .to_kind(pass.kind)
                .matmul(&self.tok_emb.ws.to_kind(pass.kind).tr()),
        };
        logits.to_kind(Kind::Float) // softmax and the loss in fp32, as under autocast
    }
    // ANCHOR_END: gpt_forward

    /// Every block's attention projections, (Q/K/V, output): where chapter 4 attaches LoRA adapters.
    pub(super) fn attention_projections(
        &mut self,
    ) -> impl Iterator<Item = (&mut Linear, &mut Linear)> {
        self.blocks
            .iter_mut()
            .map(|b| (&mut b.attn.qkv, &mut b.attn.proj))
    }
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

/// A linear layer initialised as in GPT-2: weights ~ N(0, std²), bias zero.
fn linear(p: nn::Path, d_in: usize, d_out: usize, std: f64) -> Linear {
    let cfg = nn::LinearConfig {
        ws_init: nn::Init::Randn {
            mean: 0.0,
            stdev: std,
        },
        bs_init: Some(nn::Init::Const(0.0)),
        bias: true,
    };
    nn::linear(p, d_in as i64, d_out as i64, cfg).into()
}

/// GPT-2's initial scale of the projections that write into the residual stream, `0.02 / √(2 · n_layer)`:
/// each block adds two such outputs (one without the MLP), and the smaller scale keeps the stream's variance
/// from growing with depth.
fn residual_std(c: &GptConfig) -> f64 {
    let writes_per_block = if c.attention_only { 1.0 } else { 2.0 };
    0.02 / (writes_per_block * c.n_layer as f64).sqrt()
}

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

// ANCHOR: attention
/// Causal multi-head self-attention: every position attends to itself and the positions before it.
///
/// The input is projected to queries, keys and values, split into `n_head` heads of `d = n_embd / n_head`
/// features, each head attends on its own (`softmax(Q Kᵀ / √d + M) V`), and the heads' outputs are
/// concatenated and projected back into the residual stream.
#[derive(Debug)]
pub struct CausalSelfAttention {
    qkv: Linear,
    proj: Linear,
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
        let qkv = self.qkv.forward(x, pass.kind).split(c, 2);
        let (mut q, mut k, v) = (heads(&qkv[0]), heads(&qkv[1]), heads(&qkv[2]));
        if self.rope {
            (q, k) = (apply_rope(&q, pass.start), apply_rope(&k, pass.start));
        }
        let (k, v) = match pass.cache.as_deref_mut() {
            Some(cache) => cache.append(layer, k, v),
            None => (k, v),
        };
        let p_drop = if pass.train { self.dropout } else { 0.0 };
        let y = pass.attend(&q, &k, &v, p_drop);
        let y = y.transpose(1, 2).contiguous().view([b, t, c]);
        self.proj.forward(&y, pass.kind).dropout(p_drop, pass.train)
    }
}
// ANCHOR_END: attention

impl Pass<'_> {
    /// Attention proper, by the fused kernel — or, when the pass records attention maps
    /// ([`Model::attention_maps`](super::Model::attention_maps), chapter 3's drawings), by the written-out
    /// attention, whose weights are kept.
    fn attend(&mut self, q: &Tensor, k: &Tensor, v: &Tensor, dropout: f64) -> Tensor {
        match self.maps.as_deref_mut() {
            Some(maps) => {
                let (y, weights) = causal_attention_manual(q, k, v);
                maps.push(weights);
                y
            }
            None => causal_attention_fused(q, k, v, dropout),
        }
    }
}

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

// ANCHOR: mlp
/// The position-wise MLP: widen 4×, GELU, project back.
#[derive(Debug)]
pub struct Mlp {
    fc: Linear,
    proj: Linear,
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
        let hidden = self.fc.forward(x, pass.kind).gelu("none");
        self.proj
            .forward(&hidden, pass.kind)
            .dropout(self.dropout, pass.train)
    }
}
// ANCHOR_END: mlp
