//! The word-chain game one move at a time: what the classroom playground (`jielong serve`) shows.
//!
//! ```text
//! next_move: prompt → the next-token distribution (under the model, and under the sampling rule) → bars
//! play:      prompt → one token (drawn by the rule, or chosen by the class) → prompt + token
//! ```
//!
//! Both are the sampling rules of [`generate`](crate::generate) applied to one step: the page draws what
//! these functions return and computes nothing itself.

use crate::generate::{
    Candidate, SamplingConfig, candidate, draw, encode_prompt, next_logits, sampling_distribution,
    softmax_with_temperature, top_candidates,
};
use crate::model::Model;
use crate::tokenizer::Tokenizer;
use anyhow::{Result, bail};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The next-token distribution after a prompt, as the playground draws it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NextMove {
    /// How many tokens the prompt is.
    pub prompt_tokens: usize,
    /// How many of them the model reads (its block size cuts off the start of a longer prompt).
    pub read_tokens: usize,
    /// How many tokens the vocabulary has.
    pub vocab_size: usize,
    /// The most likely next tokens under the model, most likely first, each with its probability under the
    /// model (temperature 1) and under the sampling rule (0 when the rule cut it off).
    pub candidates: Vec<Candidate>,
    /// How many tokens of the whole vocabulary the rule keeps (nonzero probability to be drawn). The kept
    /// tokens are always the most likely ones, so among `candidates` they come first.
    pub kept: usize,
}

// ANCHOR: next_move
/// The `top` most likely next tokens after `prompt` and what the sampling rule `cfg` makes of them.
pub fn next_move(
    model: &Model,
    tokenizer: &Tokenizer,
    prompt: &str,
    cfg: &SamplingConfig,
    top: usize,
) -> Result<NextMove> {
    cfg.validate()?;
    let context = encode_prompt(tokenizer, prompt)?;
    let logits = next_logits(model, &context);
    let model_probs = softmax_with_temperature(&logits, 1.0);
    let probs = sampling_distribution(&logits, cfg);
    let (candidates, kept) = top_candidates(tokenizer, &model_probs, &probs, top);
    Ok(NextMove {
        prompt_tokens: context.len(),
        read_tokens: (model.config().block_size()).map_or(1, |b| b.min(context.len())),
        vocab_size: logits.len(),
        candidates,
        kept,
    })
}
// ANCHOR_END: next_move

/// One move of the game: the token appended and the text it makes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Move {
    /// The token appended, with its probabilities under the model and the rule.
    pub token: Candidate,
    /// Whether the rule drew it (`false`: the class chose it).
    pub drawn: bool,
    /// The prompt with the token appended.
    pub text: String,
}

/// Append one token to `prompt`: `chosen` when the class picked one (any token of the vocabulary, even one
/// the rule cut off), otherwise one drawn by the rule `cfg` with its seed.
pub fn play(
    model: &Model,
    tokenizer: &Tokenizer,
    prompt: &str,
    cfg: &SamplingConfig,
    chosen: Option<i64>,
) -> Result<Move> {
    cfg.validate()?;
    let mut context = encode_prompt(tokenizer, prompt)?;
    let logits = next_logits(model, &context);
    let model_probs = softmax_with_temperature(&logits, 1.0);
    let probs = sampling_distribution(&logits, cfg);
    let id = match chosen {
        Some(id) if id < 0 || id as usize >= logits.len() => {
            bail!(
                "token id {id} is not in the vocabulary (0..{})",
                logits.len()
            )
        }
        Some(id) => id as usize,
        None => draw(&probs, &mut ChaCha8Rng::seed_from_u64(cfg.seed)),
    };
    let token = candidate(tokenizer, &model_probs, &probs, id);
    context.push(id as i64);
    Ok(Move {
        token,
        drawn: chosen.is_none(),
        text: tokenizer.decode(&context),
    })
}
