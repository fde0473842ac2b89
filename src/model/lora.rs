//! LoRA (chapter 4): low-rank adapters beside the attention's frozen projections, trained instead of them and
//! folded into them afterwards.

use super::Model;
use super::gpt::Net;
use super::precision::linear_in;
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use tch::nn;
use tch::{Kind, Tensor};

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

// ANCHOR: linear
/// A projection of the GPT: a linear layer whose product runs in the pass's precision
/// ([`linear_in`](super::precision)) and which, once chapter 4 attaches one, owns a LoRA adapter beside its
/// frozen weights. Without an adapter it is the plain linear layer.
#[derive(Debug)]
pub struct Linear {
    layer: nn::Linear,
    lora: Option<Lora>,
}

impl Linear {
    /// `W x + b`, plus the adapter's `(α/r) · B A x` when one is attached.
    pub(super) fn forward(&self, x: &Tensor, kind: Kind) -> Tensor {
        let y = linear_in(&self.layer, x, kind);
        match &self.lora {
            Some(lora) => y + lora.forward(x, kind),
            None => y,
        }
    }
}
// ANCHOR_END: linear

impl Linear {
    /// Attach an adapter whose parameters live under `p`.
    fn attach(&mut self, p: nn::Path, cfg: &LoraConfig) {
        let (d_out, d_in) = self.layer.ws.size2().expect("a weight matrix is 2-D");
        self.lora = Some(Lora::new(p, d_in as usize, d_out as usize, cfg));
    }

    /// Fold the adapter into the weights, `W ← W + ΔW`, and drop it.
    fn merge(&mut self) {
        if let Some(lora) = self.lora.take() {
            tch::no_grad(|| {
                let _ = self.layer.ws.shallow_clone().g_add_(&lora.delta());
            });
        }
    }
}

impl From<nn::Linear> for Linear {
    fn from(layer: nn::Linear) -> Self {
        Linear { layer, lora: None }
    }
}

impl Model {
    // ANCHOR: add_lora
    /// Attach LoRA adapters to every attention's Q/K/V and output projections and freeze every pretrained
    /// parameter: from now on training changes the adapters only.
    pub fn add_lora(&mut self, cfg: &LoraConfig) -> Result<()> {
        let vs = nn::VarStore::new(self.device());
        let Net::Gpt(gpt) = &mut self.net else {
            bail!("LoRA adapts attention layers; the bigram has none");
        };
        if cfg.rank == 0 {
            bail!("LoRA rank must be at least 1");
        }
        for (i, (qkv, proj)) in gpt.attention_projections().enumerate() {
            let p = vs.root() / "lora" / "blocks" / i;
            qkv.attach(&p / "qkv", cfg);
            proj.attach(&p / "proj", cfg);
        }
        self.vs.freeze();
        self.adapters = Some(vs);
        Ok(())
    }
    // ANCHOR_END: add_lora

    // ANCHOR: merge_lora
    /// Fold the adapters into the weights, `W ← W + (α/r) B A`, drop them and unfreeze the model: the same
    /// function as before, as a plain model again.
    pub fn merge_lora(&mut self) {
        let (Some(_), Net::Gpt(gpt)) = (self.adapters.take(), &mut self.net) else {
            return;
        };
        for (qkv, proj) in gpt.attention_projections() {
            qkv.merge();
            proj.merge();
        }
        self.vs.unfreeze();
    }
    // ANCHOR_END: merge_lora

    /// Whether LoRA adapters are attached.
    pub fn has_lora(&self) -> bool {
        self.adapters.is_some()
    }
}
