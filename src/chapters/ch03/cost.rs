//! What pretraining costs: forward time against context length, generation with and without the KV cache,
//! parameters and FLOPs of model sizes, and the run's utilization.

use super::config::Ch03Config;
use super::pretrain::{PretrainRun, model_gpt_config};
use crate::device::{self};
use crate::generate::{self, SamplingConfig};
use crate::model::{self, GptConfig, Model, ModelConfig, Position};
use crate::tokenizer::Tokenizer;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::time::Instant;
use tch::{Device, Kind, Tensor};

/// Time of one forward pass at one context length.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostPoint {
    /// Tokens in the context.
    pub context: usize,
    /// The whole model's forward pass (milliseconds, batch of 1).
    pub forward_ms: f64,
    /// The written-out attention of one layer alone.
    pub manual_attention_ms: f64,
    /// The fused attention of one layer alone.
    pub fused_attention_ms: f64,
    /// Memory of one layer's attention weights `n_head × T × T` in fp32 (MiB), which the fused kernel never
    /// stores.
    pub attention_weights_mib: f64,
}

/// Generation speed with and without the KV cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KvPoint {
    /// Tokens generated.
    pub tokens: usize,
    /// Tokens per second with the cache.
    pub cached_tokens_per_sec: f64,
    /// Tokens per second re-reading the context every step.
    pub uncached_tokens_per_sec: f64,
    /// Whether both produced the same tokens.
    pub same_tokens: bool,
}

/// Parameters and compute of one model shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SizeRow {
    /// The shape's name.
    pub name: String,
    /// Layers × width.
    pub shape: String,
    /// Trainable parameters.
    pub params: usize,
    /// Training FLOPs per token at the full context.
    pub flops_per_token: f64,
}

/// How fast the main run trained, against what the hardware can do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Utilization {
    /// Training tokens per second.
    pub tokens_per_sec: f64,
    /// Model FLOPs per second: `flops_per_token × tokens_per_sec`.
    pub achieved_flops: f64,
    /// The peak it is measured against.
    pub peak_flops: f64,
    /// Whether the peak was measured (a matrix product on this device) or given in the config.
    pub peak_measured: bool,
    /// Model FLOPs utilization, `achieved / peak`.
    pub mfu: f64,
}

/// Median wall time of `f` over `repeats` runs after a warm-up, in milliseconds.
fn time_ms(repeats: usize, device: Device, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let clock = Instant::now();
            f();
            if let Device::Cuda(i) = device {
                tch::Cuda::synchronize(i as i64);
            }
            clock.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

// ANCHOR: measure_cost
/// Forward time against context length, for a fresh model of the main model's shape whose block size fits
/// the longest context (the time depends on the shape, not on the weights' values), and for one layer's
/// attention alone, written out and fused.
pub fn measure_cost(model: &Model, cfg: &Ch03Config) -> Result<Vec<CostPoint>> {
    let longest = cfg.context_lengths.iter().copied().max().unwrap_or(1);
    let shape = GptConfig {
        block_size: longest,
        ..model_gpt_config(model)
    };
    let device = model.device();
    let wide = Model::new(&ModelConfig::Gpt(shape.clone()), device)?;
    let (heads, d) = (shape.n_head as i64, (shape.n_embd / shape.n_head) as i64);
    tch::no_grad(|| {
        cfg.context_lengths
            .iter()
            .map(|&t| {
                let idx = Tensor::randint(
                    shape.vocab_size as i64,
                    [1, t as i64],
                    (Kind::Int64, device),
                );
                let qkv = || Tensor::randn([1, heads, t as i64, d], (Kind::Float, device));
                let (q, k, v) = (qkv(), qkv(), qkv());
                let repeats = 5;
                Ok(CostPoint {
                    context: t,
                    forward_ms: time_ms(repeats, device, || drop(wide.forward(&idx, false))),
                    manual_attention_ms: time_ms(repeats, device, || {
                        drop(model::causal_attention_manual(&q, &k, &v))
                    }),
                    fused_attention_ms: time_ms(repeats, device, || {
                        drop(model::causal_attention_fused(&q, &k, &v, 0.0))
                    }),
                    attention_weights_mib: (heads as f64 * (t * t) as f64 * 4.0) / (1 << 20) as f64,
                })
            })
            .collect()
    })
}
// ANCHOR_END: measure_cost

// ANCHOR: measure_kv_cache
/// Generate `n` tokens after `prompt` with and without the KV cache, for each `n`: tokens per second, and
/// whether both gave the same tokens (they must: the cache changes the cost, not the result).
pub fn measure_kv_cache(
    model: &Model,
    tokenizer: &Tokenizer,
    prompt: &str,
    lengths: &[usize],
) -> Result<Vec<KvPoint>> {
    let block = model.config().block_size().unwrap_or(usize::MAX);
    let mut ids = tokenizer.encode(prompt);
    ids.truncate(8.min(ids.len()));
    lengths
        .iter()
        .map(|&n| {
            let cfg = SamplingConfig {
                temperature: 0.0,
                max_new_tokens: n.min(block.saturating_sub(ids.len())),
                ..SamplingConfig::default()
            };
            let timed = |use_cache| -> Result<(Vec<i64>, f64)> {
                let clock = Instant::now();
                let out = generate::generate_tokens(model, &ids, &cfg, use_cache)?;
                Ok((out, clock.elapsed().as_secs_f64()))
            };
            let (cached, t_cached) = timed(true)?;
            let (uncached, t_uncached) = timed(false)?;
            Ok(KvPoint {
                tokens: cfg.max_new_tokens,
                cached_tokens_per_sec: cached.len() as f64 / t_cached,
                uncached_tokens_per_sec: uncached.len() as f64 / t_uncached,
                same_tokens: cached == uncached,
            })
        })
        .collect()
}
// ANCHOR_END: measure_kv_cache

// ANCHOR: size_table
/// Parameters and FLOPs per token of the chapter's presets and of GPT-2 small, for scale.
pub fn size_table(trained: &GptConfig) -> Vec<SizeRow> {
    let gpt2 = GptConfig {
        vocab_size: 50257,
        block_size: 1024,
        n_layer: 12,
        n_head: 12,
        n_embd: 768,
        position: Position::Learned,
        ..GptConfig::default()
    };
    let small = GptConfig {
        vocab_size: Ch03Config::small().bpe_vocab_size,
        ..Ch03Config::small().gpt
    };
    [
        ("this run", trained.clone()),
        ("small preset", small),
        ("GPT-2 small", gpt2),
    ]
    .into_iter()
    .map(|(name, c)| SizeRow {
        name: name.into(),
        shape: format!("{} × {}", c.n_layer, c.n_embd),
        params: c.param_count(),
        flops_per_token: c.flops_per_token(c.block_size),
    })
    .collect()
}
// ANCHOR_END: size_table

// ANCHOR: utilization
/// Model FLOPs utilization of a run: the FLOPs its tokens/s imply, over the device's peak.
pub fn utilization(run: &PretrainRun, cfg: &Ch03Config, device: Device) -> Utilization {
    let tokens_per_sec = run.report.tokens_per_sec;
    let achieved_flops = run.model.flops_per_token(cfg.train.block_size) * tokens_per_sec;
    let kind = cfg.train.precision.kind_on(device);
    let (peak_flops, peak_measured) = match cfg.peak_flops {
        Some(peak) => (peak, false),
        None => {
            let n = device::peak_matmul_size(device);
            (device::matmul_flops_per_sec(device, kind, n), true)
        }
    };
    Utilization {
        tokens_per_sec,
        achieved_flops,
        peak_flops,
        peak_measured,
        mfu: achieved_flops / peak_flops,
    }
}
// ANCHOR_END: utilization
