//! The models: a bigram baseline and a GPT.
//!
//! Both map token ids `[B, T]` to logits `[B, T, V]`: for every position, a score for every token of the
//! vocabulary being the next one. `softmax` turns scores into the next-token distribution
//!
//! $$ p(x_{t+1} = v \mid x_{\le t}) = \frac{e^{z_v}}{\sum_{u} e^{z_u}} $$
//!
//! and training minimises the cross-entropy `−log p(actual next token)`, averaged over positions.
//!
//! * The **bigram** model ([`bigram`]) looks only at the current token: its whole knowledge is a `V × V`
//!   table of scores.
//! * The **GPT** ([`gpt`]) reads the whole context through causal self-attention, block by block, as in
//!   nanoGPT: token + position embeddings → `n_layer` × (LayerNorm → attention → residual, LayerNorm → MLP →
//!   residual) → LayerNorm → linear head.
//!
//! Beside them: their shapes and costs ([`config`]); the [`KvCache`] that makes each generated token cost one
//! position's work instead of the whole context's; chapter 4's LoRA adapters ([`lora`]); and mixed precision
//! ([`precision`]): [`Model::set_precision`] runs the matrix products in bfloat16 while the weights stay fp32,
//! as `torch.autocast` does. [`Model`] wraps whichever network with its parameters.
//!
//! Parameter names follow the architecture (`blocks.0.attn.qkv.weight`), so a checkpoint reads like the diagram.

pub mod bigram;
pub mod config;
pub mod gpt;
pub mod kv_cache;
pub mod lora;
pub mod precision;

pub use bigram::Bigram;
pub use config::{GptConfig, ModelConfig, Position};
pub use gpt::{
    Block, CausalSelfAttention, Gpt, Mlp, apply_rope, causal_attention_fused,
    causal_attention_manual,
};
pub use kv_cache::KvCache;
pub use lora::{Linear, Lora, LoraConfig};
pub use precision::Precision;

use anyhow::{Result, bail};
use gpt::{Net, Pass};
use tch::{Device, Kind, Tensor, nn};

/// A language model with its parameters: the one type that training, generation and checkpoints use.
pub struct Model {
    /// The parameters, named after the architecture.
    pub vs: nn::VarStore,
    config: ModelConfig,
    net: Net,
    precision: Kind,
    /// The LoRA adapters' parameters (chapter 4), in a store of their own, so the model's own store keeps
    /// exactly the pretrained parameters; the adapters themselves sit in the projections they adapt.
    adapters: Option<nn::VarStore>,
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

    /// The parameters training changes, by name: the adapters when LoRA is attached, else every parameter.
    pub fn trainable_params(&self) -> Vec<(String, Tensor)> {
        let vars = match &self.adapters {
            Some(adapters) => adapters.variables(),
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
        &self,
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
