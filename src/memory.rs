//! Will it fit? An estimate of the memory a training run needs, checked before anything is allocated.
//!
//! Counted in 4-byte floats (f32), for one micro-batch of `T = batch_size × block_size` tokens:
//!
//! ```text
//! weights, gradients, AdamW's two moments     4 P              (P = parameters)
//! activations kept for backward, per block    16 T d            (LayerNorms, Q K V, MLP 4d in and out, …)
//! attention scores and probabilities          2 B H T_b²        per block (B batch, H heads, T_b block)
//! logits and their softmax                    2 T V
//! ```
//!
//! It is an order of magnitude, meant to refuse a config that cannot fit (a context of 10⁹ tokens, 100,000
//! layers) with one clear line instead of a libtorch backtrace or the kernel's OOM killer; a run close to
//! the limit may still fail, and that failure too becomes one `error:` line.

use crate::model::ModelConfig;
use crate::train::TrainConfig;
use anyhow::{Result, bail};

/// Bytes a training run of `model` with `train` needs, by the count above (f64: huge configs must not
/// overflow the count itself).
pub fn training_bytes(model: &ModelConfig, train: &TrainConfig) -> f64 {
    let tokens = train.batch_size as f64 * train.block_size as f64;
    let floats = match model {
        ModelConfig::Bigram { vocab_size } => {
            let v = *vocab_size as f64;
            4.0 * v * v + 2.0 * tokens * v
        }
        ModelConfig::Gpt(g) => {
            let (d, v, layers) = (g.n_embd as f64, g.vocab_size as f64, g.n_layer as f64);
            let params = param_count_f64(g);
            let block = train.block_size as f64;
            let maps = 2.0 * train.batch_size as f64 * g.n_head as f64 * block * block;
            4.0 * params + layers * (16.0 * tokens * d + maps) + 2.0 * tokens * v
        }
    };
    4.0 * floats
}

/// [`crate::model::GptConfig::param_count`] in f64, safe from overflow for absurd shapes.
fn param_count_f64(g: &crate::model::GptConfig) -> f64 {
    let (v, d, layers) = (g.vocab_size as f64, g.n_embd as f64, g.n_layer as f64);
    let positions = g.block_size as f64 * d;
    let block = if g.attention_only {
        4.0 * d * d + 6.0 * d
    } else {
        12.0 * d * d + 13.0 * d
    };
    2.0 * v * d + positions + layers * block + 2.0 * d
}

/// Memory the machine has for a run on CPU: `MemAvailable` of /proc/meminfo, in bytes (None where unknown).
pub fn available_bytes() -> Option<f64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}

/// Memory a run on `device` can use, in bytes: on the CPU, [`available_bytes`]; on a CUDA GPU, its total
/// memory as the NVIDIA driver reports it (what other programs hold on it is not counted, so this refuses
/// only what cannot fit at all; a run that still runs out ends in one `error: out of memory` line, see
/// [`crate::out_of_memory`]); `None` where unknown.
pub fn available_on(device: tch::Device) -> Option<f64> {
    match device {
        tch::Device::Cpu => available_bytes(),
        tch::Device::Cuda(i) => {
            let gpus = crate::device::cuda::driver_gpus().ok()?;
            gpus.iter().find(|g| g.index == i).map(|g| g.memory as f64)
        }
        _ => None,
    }
}

/// Refuse a run whose [`training_bytes`] exceed `available` bytes.
pub fn check_fits(model: &ModelConfig, train: &TrainConfig, available: Option<f64>) -> Result<()> {
    let need = training_bytes(model, train);
    if let Some(have) = available
        && need > have
    {
        bail!(
            "this run needs about {} of memory (weights, gradients, AdamW state, activations) but the device has {} available; make the model, block_size or batch_size smaller",
            human(need),
            human(have)
        );
    }
    Ok(())
}

/// `1.5 GiB`.
pub fn human(bytes: f64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit + 1 == units.len() && value >= 1024.0 {
        return format!("{bytes:.1e} B");
    }
    format!("{value:.1} {}", units[unit])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GptConfig;

    #[test]
    fn hand_counted_tiny_gpt() {
        // V 10, d 4, 1 layer, 2 heads, block 8, learned positions, untied; batch 2.
        let g = GptConfig {
            vocab_size: 10,
            block_size: 8,
            n_layer: 1,
            n_head: 2,
            n_embd: 4,
            tie_weights: false,
            ..GptConfig::default()
        };
        // P = 10·4 + 8·4 + (12·16 + 13·4) + 2·4 + 10·4 = 40 + 32 + 244 + 8 + 40 = 364
        assert_eq!(g.param_count(), 364);
        let train = TrainConfig {
            batch_size: 2,
            block_size: 8,
            ..TrainConfig::default()
        };
        // floats = 4·364 + (16·16·4 + 2·2·2·64) + 2·16·10 = 1456 + 1536 + 320 = 3312 → 13,248 bytes
        assert_eq!(training_bytes(&ModelConfig::Gpt(g), &train), 13_248.0);
    }

    #[test]
    fn impossible_configs_are_refused() {
        let g = GptConfig {
            block_size: 1_000_000_000,
            ..GptConfig::default()
        };
        let train = TrainConfig {
            block_size: 1_000_000_000,
            ..TrainConfig::default()
        };
        let err = check_fits(&ModelConfig::Gpt(g), &train, Some(64e9)).unwrap_err();
        assert!(err.to_string().contains("needs about"), "{err}");
    }
}
