//! Throughput of the course's models: training tokens/s, and generation tokens/s with and without the KV cache.
//!
//! ```text
//! cargo bench --bench throughput                 # CPU
//! cargo bench --bench throughput -- cuda         # a GPU
//! ```
//! Each measurement warms up first, then times a fixed number of iterations; the numbers are printed as a
//! Markdown table. Performance lives here, not in timed tests.

use jielong::data::{Split, random_batch, step_rng};
use jielong::device::{self, DeviceChoice};
use jielong::generate::{self, SamplingConfig};
use jielong::model::{GptConfig, Model, ModelConfig};
use jielong::train::{AdamW, TrainConfig};
use jielong::{Tokenizer, data::world};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let choice: DeviceChoice = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "cpu".into())
        .parse()?;
    let dev = choice.resolve()?;
    device::seed(0);
    let text = world::world_corpus(&world::WorldConfig::default())?;
    let tokenizer = Tokenizer::char_level(&text);
    let vocab_size = tokenizer.vocab_size();
    let split = Split::new(&tokenizer.encode(&text), 0.1, 64)?;
    let train_cfg = TrainConfig::default();
    println!(
        "device: {}\n\n| model | parameters | training tokens/s | generation tokens/s (KV cache) | generation tokens/s (no cache) |\n|---|---:|---:|---:|---:|",
        device::describe(dev)
    );
    let models = [
        ModelConfig::Bigram { vocab_size },
        ModelConfig::Gpt(GptConfig {
            vocab_size,
            ..GptConfig::default()
        }),
        ModelConfig::Gpt(GptConfig {
            vocab_size,
            n_layer: 6,
            n_embd: 256,
            n_head: 8,
            block_size: 128,
            ..GptConfig::default()
        }),
    ];
    for cfg in &models {
        let model = Model::new(cfg, dev)?;
        let train_tps = training_tokens_per_sec(&model, &split, &train_cfg, 5, 30);
        let prompt = tokenizer.encode("The ");
        let new_tokens = cfg.block_size().map_or(200, |b| b - prompt.len()); // fill the context once
        let cached = generation_tokens_per_sec(&model, &prompt, new_tokens, true)?;
        let uncached = generation_tokens_per_sec(&model, &prompt, new_tokens, false)?;
        let name = match cfg {
            ModelConfig::Gpt(g) => format!("gpt {}×{}", g.n_layer, g.n_embd),
            other => other.name().to_string(),
        };
        println!(
            "| {name} | {} | {train_tps:.0} | {cached:.0} | {uncached:.0} |",
            model.num_params()
        );
    }
    Ok(())
}

/// Forward, backward and AdamW step on batches of `batch_size × block_size` tokens.
fn training_tokens_per_sec(
    model: &Model,
    split: &Split,
    cfg: &TrainConfig,
    warmup: usize,
    steps: usize,
) -> f64 {
    let mut opt = AdamW::new(model, cfg);
    let mut step = |i: usize| {
        let (x, y) = random_batch(
            &split.train,
            cfg.batch_size,
            cfg.block_size,
            &mut step_rng(cfg.seed, i),
            model.device(),
        );
        let loss = model.loss(&x, &y, true);
        opt.zero_grad();
        loss.backward();
        opt.step(cfg.lr);
        loss.double_value(&[]) // waits for the device to finish
    };
    (0..warmup).for_each(|i| {
        step(i);
    });
    let clock = Instant::now();
    (0..steps).for_each(|i| {
        step(warmup + i);
    });
    (steps * cfg.batch_size * cfg.block_size) as f64 / clock.elapsed().as_secs_f64()
}

/// Sampling `tokens` new tokens one at a time after `prompt`, with the KV cache or re-reading the context.
fn generation_tokens_per_sec(
    model: &Model,
    prompt: &[i64],
    tokens: usize,
    use_cache: bool,
) -> anyhow::Result<f64> {
    let cfg = SamplingConfig {
        max_new_tokens: tokens,
        ..SamplingConfig::default()
    };
    let warm_up = SamplingConfig {
        max_new_tokens: 10,
        ..cfg.clone()
    };
    generate::generate_tokens(model, prompt, &warm_up, use_cache)?;
    let clock = Instant::now();
    let ids = generate::generate_tokens(model, prompt, &cfg, use_cache)?;
    Ok(ids.len() as f64 / clock.elapsed().as_secs_f64())
}
