//! What the trained GPT says: its next-token distribution at several temperatures, one sample per preset,
//! and how often greedy decoding repeats itself.

use super::{Ch01Config, NextTokenDistribution, Repetition, Sample};
use crate::generate::{self, Preset, SamplingConfig, Trace};
use crate::model::Model;
use crate::tokenizer::Tokenizer;
use anyhow::Result;

/// The model's `top_tokens` most likely next tokens after the prompt, at each temperature. The candidates
/// are those most likely at temperature 1 (temperature never reorders tokens, only reshapes the mass).
pub fn next_token_distributions(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &Ch01Config,
) -> Result<Vec<NextTokenDistribution>> {
    let ranked = generate::top_next_tokens(model, tokenizer, &cfg.prompt, 1.0, cfg.top_tokens)?;
    let context = tokenizer.encode_strict(&cfg.prompt)?;
    let logits = generate::next_logits(model, &context);
    Ok(cfg
        .temperatures
        .iter()
        .map(|&t| {
            let probs = generate::softmax_with_temperature(&logits, t);
            let tokens = ranked
                .iter()
                .map(|(tok, _)| (tok.clone(), probs[tokenizer.encode(tok)[0] as usize]))
                .collect();
            NextTokenDistribution {
                temperature: t,
                tokens,
            }
        })
        .collect())
}
/// One continuation of the prompt with each preset.
pub fn preset_samples(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &Ch01Config,
) -> Result<Vec<Sample>> {
    Preset::ALL
        .iter()
        .map(|&preset| {
            let sampling = SamplingConfig {
                max_new_tokens: cfg.sample_tokens,
                seed: cfg.seed,
                ..preset.config()
            };
            let text = generate::generate(model, tokenizer, &cfg.prompt, &sampling)?;
            Ok(Sample {
                preset: preset.name().to_string(),
                sampling,
                text,
            })
        })
        .collect()
}

// ANCHOR: repetition
/// Greedy decoding versus top-p sampling: the mean fraction of repeated word n-grams in their outputs.
pub fn measure_repetition(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &Ch01Config,
) -> Result<Vec<Repetition>> {
    let rules = [
        ("greedy (T = 0)", Preset::Deterministic.config()),
        ("top-p 0.9, T = 0.7", Preset::Balanced.config()),
    ];
    rules
        .into_iter()
        .map(|(name, rule)| {
            let seeds = if rule.temperature == 0.0 {
                1
            } else {
                cfg.repetition_seeds.max(1)
            };
            let mut fractions = Vec::new();
            for prompt in &cfg.repetition_prompts {
                for seed in 0..seeds as u64 {
                    let sampling = SamplingConfig {
                        max_new_tokens: cfg.sample_tokens,
                        seed,
                        ..rule.clone()
                    };
                    let text = generate::generate(model, tokenizer, prompt, &sampling)?;
                    fractions.push(generate::repeated_ngram_fraction(
                        &text,
                        cfg.repetition_ngram,
                    ));
                }
            }
            let mean = fractions.iter().sum::<f64>() / fractions.len().max(1) as f64;
            Ok(Repetition {
                decoding: name.to_string(),
                repeated_fraction: mean,
                outputs: fractions.len(),
            })
        })
        .collect()
}
// ANCHOR_END: repetition

/// The prompt continued `trace_tokens` tokens under `trace_preset` with the chapter's seed, every step
/// written down: the same text the preset's sample starts with.
pub fn trace_prompt(model: &Model, tokenizer: &Tokenizer, cfg: &Ch01Config) -> Result<Trace> {
    let sampling = SamplingConfig {
        max_new_tokens: cfg.trace_tokens,
        seed: cfg.seed,
        ..cfg.trace_preset.config()
    };
    generate::trace(
        model,
        tokenizer,
        &cfg.prompt,
        &sampling,
        cfg.trace_candidates,
    )
}
