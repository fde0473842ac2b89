//! The optimizers: how a gradient becomes a change of the parameters.
//!
//! Both are written out, a few lines each, so the book can show them and checkpoints can hold their state:
//!
//! * **SGD with momentum** follows a running sum of past gradients, at one rate for every parameter;
//! * **AdamW** divides each parameter's running gradient by its running size, so every parameter moves at
//!   about the same speed whatever the scale of its gradient.
//!
//! Both decay weights the same decoupled way: `θ ← θ − lr·λθ`, on matrices only (biases and norms are not
//! pulled towards zero). The trainer uses them through [`Optimizer`], chosen by
//! [`TrainConfig::optimizer`](super::TrainConfig::optimizer).

use super::config::TrainConfig;
use crate::libtorch_ops::{AdamWStep, fused_adamw_};
use crate::model::Model;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tch::{Kind, Tensor};

/// Which optimizer a run uses, as written in config files: `"adamw"` or `"sgd"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OptimizerKind {
    /// [`AdamW`]: adaptive per-parameter steps (the default; what GPTs are trained with).
    #[default]
    #[serde(rename = "adamw")]
    AdamW,
    /// [`Sgd`]: stochastic gradient descent with classical momentum.
    #[serde(rename = "sgd")]
    Sgd,
}

/// How [`AdamW`] computes its update, as written in config files: `"auto"`, `"fused"` or `"written_out"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdamWKernel {
    /// Fused on a GPU (one launch instead of about ten per parameter), written out on a CPU.
    #[default]
    Auto,
    /// libtorch's fused kernel, `torch.optim.AdamW(fused=True)`: one pass over each tensor. The same update
    /// up to float rounding, so a run's numbers differ in their last digits from the written-out ones.
    Fused,
    /// The steps of [`AdamW::step`] as the book shows them, one tensor operation at a time.
    WrittenOut,
}

impl AdamWKernel {
    /// Whether the fused kernel runs for parameters on `device`.
    pub fn fused_on(self, device: tch::Device) -> bool {
        match self {
            AdamWKernel::Auto => device.is_cuda(),
            AdamWKernel::Fused => true,
            AdamWKernel::WrittenOut => false,
        }
    }
}

/// Every trainable parameter of `model`, sorted by name (so the state lines up with names in checkpoints).
fn named_params(model: &Model) -> Vec<(String, Tensor)> {
    model.trainable_params() // LoRA adapters only, when attached
}

/// Forget every gradient (PyTorch's `zero_grad(set_to_none=True)`): the next backward pass writes each
/// gradient afresh, where zeroing would first fill a buffer with zeros and then add the gradient to it. The
/// numbers are the same (0 + g = g); the memory traffic is not.
fn zero_grads(params: &mut [(String, Tensor)]) {
    for (_, p) in params {
        crate::libtorch_ops::forget_grad(p);
    }
}

/// The gradients' global norm before clipping: known at once on a CPU; on a GPU still a tensor on the device,
/// read with [`GradNorm::value`] once the step has been queued, so the GPU never waits for the host in the
/// middle of a step.
pub enum GradNorm {
    /// Computed on the host.
    Known(f64),
    /// A 0-d tensor on the device.
    OnDevice(Tensor),
}

impl GradNorm {
    /// The norm as a number (on a GPU, this waits for the device).
    pub fn value(&self) -> f64 {
        match self {
            GradNorm::Known(norm) => *norm,
            GradNorm::OnDevice(norm) => norm.double_value(&[]),
        }
    }
}

/// Scale all gradients so their global L2 norm `‖g‖ = √(Σ g²)` is at most `max_norm` (0 = off); returns the
/// norm before clipping.
///
/// On a CPU every operation has finished when it returns, so the norm is summed on the host (in f64) and the
/// gradients are scaled only when it is too large. On a GPU, reading a number back makes the host wait until
/// the device has caught up, and then the device waits while the host queues the rest of the step; there
/// the scale `min(1, max_norm / ‖g‖)` stays a tensor on the device and every gradient is multiplied by it.
fn clip_grads(params: &[(String, Tensor)], max_norm: f64) -> GradNorm {
    let grads: Vec<Tensor> = params
        .iter()
        .map(|(_, p)| p.grad())
        .filter(Tensor::defined)
        .collect();
    let Some(device) = grads.first().map(Tensor::device) else {
        return GradNorm::Known(0.0);
    };
    let squares: Vec<Tensor> = grads
        .iter()
        .map(|g| g.pow_tensor_scalar(2).sum(Kind::Float))
        .collect();
    let squares = Tensor::stack(&squares, 0);
    if device.is_cuda() {
        let norm = squares.sum(Kind::Float).sqrt();
        if max_norm > 0.0 {
            let scale = (max_norm / (&norm + 1e-6)).clamp_max(1.0);
            tch::no_grad(|| {
                grads
                    .iter()
                    .for_each(|g| drop(g.shallow_clone().g_mul_(&scale)))
            });
        }
        return GradNorm::OnDevice(norm);
    }
    let squares = Vec::<f32>::try_from(squares.to_device(tch::Device::Cpu))
        .expect("one sum of squares per gradient");
    let norm = squares.iter().map(|&s| s as f64).sum::<f64>().sqrt();
    if max_norm > 0.0 && norm > max_norm {
        let scale = max_norm / (norm + 1e-6);
        tch::no_grad(|| {
            grads
                .iter()
                .for_each(|g| drop(g.shallow_clone().g_mul_scalar_(scale)))
        });
    }
    GradNorm::Known(norm)
}

/// Read the state tensor `optim.<kind>.<param>` of every parameter from a checkpoint, on the parameter's device.
fn load_buffers(
    params: &[(String, Tensor)],
    saved: &BTreeMap<String, Tensor>,
    kind: &str,
) -> Result<Vec<Tensor>> {
    params
        .iter()
        .map(|(name, p)| {
            let key = format!("optim.{kind}.{name}");
            let saved = saved
                .get(&key)
                .with_context(|| format!("checkpoint lacks {key}"))?;
            Ok(saved.to_device(p.device()))
        })
        .collect()
}

// ANCHOR: adamw
/// AdamW (Loshchilov & Hutter), written out so the book can show it and checkpoints can hold its state:
///
/// m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − lr·( m̂ / (√v̂ + ε) + λθ ),
/// with bias corrections m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), and decay λ only on matrices.
pub struct AdamW {
    params: Vec<(String, Tensor)>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    t: i32,
    beta1: f64,
    beta2: f64,
    weight_decay: f64,
    eps: f64,
    fused: bool,
}

impl AdamW {
    /// An optimizer over every trainable parameter of `model`, in name order.
    pub fn new(model: &Model, cfg: &TrainConfig) -> Self {
        Self::over(named_params(model), cfg)
    }

    /// An optimizer over the named tensors `params` (a model and a head beside it, say), with `cfg`'s betas
    /// and weight decay.
    pub fn over(params: Vec<(String, Tensor)>, cfg: &TrainConfig) -> Self {
        let zeros = |p: &(String, Tensor)| p.1.zeros_like();
        let device = params.first().map_or(tch::Device::Cpu, |(_, p)| p.device());
        AdamW {
            fused: cfg.adamw_kernel.fused_on(device),
            m: params.iter().map(zeros).collect(),
            v: params.iter().map(zeros).collect(),
            params,
            t: 0,
            beta1: cfg.beta1,
            beta2: cfg.beta2,
            weight_decay: cfg.weight_decay,
            eps: 1e-8,
        }
    }

    /// Forget the gradients of the previous step.
    pub fn zero_grad(&mut self) {
        zero_grads(&mut self.params);
    }

    /// Scale all gradients so their global L2 norm is at most `max_norm`; returns the norm before clipping.
    pub fn clip_grad_norm(&mut self, max_norm: f64) -> GradNorm {
        clip_grads(&self.params, max_norm)
    }

    /// One update with learning rate `lr`: the written-out steps below, or libtorch's fused kernel
    /// ([`AdamWKernel`]).
    pub fn step(&mut self, lr: f64) {
        if self.fused {
            self.fused_step(lr);
        } else {
            self.written_out_step(lr);
        }
    }

    // ANCHOR: adamw_step
    /// One update with learning rate `lr`, one tensor operation at a time.
    pub fn written_out_step(&mut self, lr: f64) {
        self.t += 1;
        let (b1, b2) = (self.beta1, self.beta2);
        let bias1 = 1.0 - b1.powi(self.t);
        let bias2 = 1.0 - b2.powi(self.t);
        tch::no_grad(|| {
            for ((p, m), v) in self
                .params
                .iter_mut()
                .map(|(_, p)| p)
                .zip(&mut self.m)
                .zip(&mut self.v)
            {
                let g = p.grad();
                if !g.defined() {
                    continue;
                }
                *m = &*m * b1 + &g * (1.0 - b1);
                *v = &*v * b2 + g.square() * (1.0 - b2);
                let mut update = (&*m / bias1) / ((&*v / bias2).sqrt() + self.eps);
                if p.dim() >= 2 {
                    update += &*p * self.weight_decay;
                }
                let _ = p.g_sub_(&(update * lr));
            }
        });
    }
    // ANCHOR_END: adamw_step

    /// The same update by libtorch's fused kernel, in two calls: the matrices with weight decay, the other
    /// tensors without.
    pub fn fused_step(&mut self, lr: f64) {
        self.t += 1;
        for decayed in [true, false] {
            let (mut p, mut g, mut m, mut v) = (vec![], vec![], vec![], vec![]);
            for (((_, param), m_i), v_i) in self.params.iter().zip(&self.m).zip(&self.v) {
                let grad = param.grad();
                if grad.defined() && (param.dim() >= 2) == decayed {
                    p.push(param.shallow_clone());
                    g.push(grad);
                    m.push(m_i.shallow_clone());
                    v.push(v_i.shallow_clone());
                }
            }
            let step = AdamWStep {
                t: self.t,
                lr,
                beta1: self.beta1,
                beta2: self.beta2,
                weight_decay: if decayed { self.weight_decay } else { 0.0 },
                eps: self.eps,
            };
            tch::no_grad(|| fused_adamw_(&p, &g, &m, &v, step))
                .expect("libtorch's fused AdamW takes parameters, gradients and state of one kind");
        }
    }

    /// The optimizer's state as named tensors, for checkpoints: `optim.m.<param>`, `optim.v.<param>`, `optim.t`.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = vec![("optim.t".to_string(), Tensor::from(self.t as f32))];
        for ((name, _), (m, v)) in self.params.iter().zip(self.m.iter().zip(&self.v)) {
            out.push((format!("optim.m.{name}"), m.shallow_clone()));
            out.push((format!("optim.v.{name}"), v.shallow_clone()));
        }
        out
    }

    /// Restore the state written by [`AdamW::state`], from a checkpoint's tensors.
    pub fn load_state(&mut self, saved: &BTreeMap<String, Tensor>) -> Result<()> {
        let t = saved
            .get("optim.t")
            .context("checkpoint has no optimizer state (optim.t)")?;
        self.t = t.double_value(&[]) as i32;
        self.m = load_buffers(&self.params, saved, "m")?;
        self.v = load_buffers(&self.params, saved, "v")?;
        Ok(())
    }
}
// ANCHOR_END: adamw

// ANCHOR: sgd
/// Stochastic gradient descent with classical momentum (Polyak's heavy ball):
///
/// v ← μv + g,  θ ← θ − lr·( v + λθ ),
///
/// with momentum μ (0 = plain SGD, θ ← θ − lr·g) and the same decoupled decay λ as AdamW, only on matrices.
/// The velocity `v` sums past gradients with weights 1, μ, μ², …: a direction that keeps its sign builds up
/// to `1/(1−μ)` times one gradient (10× for μ = 0.9), a direction that flips sign cancels out. Unlike AdamW,
/// every parameter moves at the one rate `lr` times its own gradient's size, so a rate that suits the
/// largest gradients barely moves the smallest.
pub struct Sgd {
    params: Vec<(String, Tensor)>,
    velocity: Vec<Tensor>,
    momentum: f64,
    weight_decay: f64,
}

impl Sgd {
    /// An optimizer over every trainable parameter of `model`, in name order, starting at rest (v = 0).
    pub fn new(model: &Model, cfg: &TrainConfig) -> Self {
        let params = named_params(model);
        Sgd {
            velocity: params.iter().map(|(_, p)| p.zeros_like()).collect(),
            params,
            momentum: cfg.momentum,
            weight_decay: cfg.weight_decay,
        }
    }

    /// Forget the gradients of the previous step.
    pub fn zero_grad(&mut self) {
        zero_grads(&mut self.params);
    }

    /// Scale all gradients so their global L2 norm is at most `max_norm`; returns the norm before clipping.
    pub fn clip_grad_norm(&mut self, max_norm: f64) -> GradNorm {
        clip_grads(&self.params, max_norm)
    }

    // ANCHOR: sgd_step
    /// One update with learning rate `lr`.
    pub fn step(&mut self, lr: f64) {
        tch::no_grad(|| {
            for (p, v) in self
                .params
                .iter_mut()
                .map(|(_, p)| p)
                .zip(&mut self.velocity)
            {
                let g = p.grad();
                if !g.defined() {
                    continue;
                }
                *v = &*v * self.momentum + &g;
                let update = if p.dim() >= 2 {
                    &*v + &*p * self.weight_decay
                } else {
                    v.shallow_clone()
                };
                let _ = p.g_sub_(&(update * lr));
            }
        });
    }
    // ANCHOR_END: sgd_step

    /// The optimizer's state as named tensors, for checkpoints: `optim.velocity.<param>`.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        self.params
            .iter()
            .zip(&self.velocity)
            .map(|((name, _), v)| (format!("optim.velocity.{name}"), v.shallow_clone()))
            .collect()
    }

    /// Restore the state written by [`Sgd::state`], from a checkpoint's tensors.
    pub fn load_state(&mut self, saved: &BTreeMap<String, Tensor>) -> Result<()> {
        self.velocity = load_buffers(&self.params, saved, "velocity")
            .context("checkpoint has no SGD optimizer state")?;
        Ok(())
    }
}
// ANCHOR_END: sgd

/// The optimizer a training run uses: one of the two, behind one interface, so the loop does not care which.
pub enum Optimizer {
    /// Adaptive steps with decoupled weight decay.
    AdamW(AdamW),
    /// Gradient descent with momentum.
    Sgd(Sgd),
}

impl Optimizer {
    /// The optimizer `cfg.optimizer` names, over every trainable parameter of `model`.
    pub fn new(model: &Model, cfg: &TrainConfig) -> Self {
        match cfg.optimizer {
            OptimizerKind::AdamW => Optimizer::AdamW(AdamW::new(model, cfg)),
            OptimizerKind::Sgd => Optimizer::Sgd(Sgd::new(model, cfg)),
        }
    }

    /// Which optimizer this is.
    pub fn kind(&self) -> OptimizerKind {
        match self {
            Optimizer::AdamW(_) => OptimizerKind::AdamW,
            Optimizer::Sgd(_) => OptimizerKind::Sgd,
        }
    }

    /// Forget the gradients of the previous step.
    pub fn zero_grad(&mut self) {
        match self {
            Optimizer::AdamW(o) => o.zero_grad(),
            Optimizer::Sgd(o) => o.zero_grad(),
        }
    }

    /// Scale all gradients so their global L2 norm is at most `max_norm` (0 = off); returns the norm before
    /// clipping.
    pub fn clip_grad_norm(&mut self, max_norm: f64) -> GradNorm {
        match self {
            Optimizer::AdamW(o) => o.clip_grad_norm(max_norm),
            Optimizer::Sgd(o) => o.clip_grad_norm(max_norm),
        }
    }

    /// One update with learning rate `lr`.
    pub fn step(&mut self, lr: f64) {
        match self {
            Optimizer::AdamW(o) => o.step(lr),
            Optimizer::Sgd(o) => o.step(lr),
        }
    }

    /// The optimizer's state as named tensors (`optim.…`), for checkpoints.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        match self {
            Optimizer::AdamW(o) => o.state(),
            Optimizer::Sgd(o) => o.state(),
        }
    }

    /// Restore the state written by [`Optimizer::state`] of the same kind.
    pub fn load_state(&mut self, saved: &BTreeMap<String, Tensor>) -> Result<()> {
        match self {
            Optimizer::AdamW(o) => o.load_state(saved),
            Optimizer::Sgd(o) => o.load_state(saved),
        }
    }
}
