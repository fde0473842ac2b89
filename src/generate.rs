//! Autoregressive generation: the word-chain game played by the model.
//!
//! ```text
//! loop: logits = model(context) → probabilities (temperature, top-k, top-p) → pick a token → append it
//! ```
//!
//! The sampling rules work on a plain `Vec<f32>` of logits copied from the device, so they are exact,
//! testable and identical on CPU and CUDA; the random draw uses a seeded ChaCha generator, so the same seed
//! gives the same text.

use crate::markdown::Table;
use crate::model::{KvCache, Model};
use crate::tokenizer::{Tokenizer, require_tokens};
use anyhow::{Result, bail};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::Tensor;

/// How to turn the next-token distribution into a choice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SamplingConfig {
    /// Divides the logits before softmax: < 1 sharpens, > 1 flattens, 0 means greedy (always the top token).
    pub temperature: f64,
    /// Keep only the k most likely tokens (0 = off).
    pub top_k: usize,
    /// Keep the smallest set of most likely tokens whose probabilities add up to at least p (1.0 = off).
    pub top_p: f64,
    /// Seed of the random draw.
    pub seed: u64,
    /// How many tokens to generate at most.
    pub max_new_tokens: usize,
    /// Stop as soon as the generated text ends with one of these strings (the stop string is kept).
    pub stop: Vec<String>,
}

impl Default for SamplingConfig {
    fn default() -> Self {
        Preset::Balanced.config()
    }
}

impl SamplingConfig {
    /// Sampling from the model's own distribution at `temperature`, nothing cut off (no top-k, no top-p, no
    /// stop strings): how RL draws answers to judge, where every answer the model might write must be
    /// possible.
    pub fn plain(temperature: f64, seed: u64, max_new_tokens: usize) -> Self {
        SamplingConfig {
            temperature,
            top_k: 0,
            top_p: 1.0,
            seed,
            max_new_tokens,
            stop: Vec::new(),
        }
    }

    /// Reject settings that cannot mean anything.
    pub fn validate(&self) -> Result<()> {
        if !(self.temperature >= 0.0 && self.temperature.is_finite()) {
            bail!(
                "sampling: temperature must be ≥ 0, got {}",
                self.temperature
            );
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            bail!("sampling: top_p must be in (0, 1], got {}", self.top_p);
        }
        Ok(())
    }
}

/// The recommended sampling presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// temperature 0.7, top-p 0.9: everyday use.
    Balanced,
    /// temperature 0.8, top-p 0.95: open conversation, a little more varied than everyday use.
    Conversation,
    /// temperature 0.3, top-p 0.7: facts, code, answers that must be right.
    Accurate,
    /// temperature 1.0, top-p 0.97: stories, brainstorming.
    Creative,
    /// temperature 0 (greedy) with a fixed seed: the same text every time.
    Deterministic,
}

impl Preset {
    /// Every preset, in the order the book presents them.
    pub const ALL: [Preset; 5] = [
        Preset::Balanced,
        Preset::Conversation,
        Preset::Accurate,
        Preset::Creative,
        Preset::Deterministic,
    ];

    // ANCHOR: presets
    /// The preset's sampling settings (200 new tokens, seed 0, no stop strings).
    pub fn config(self) -> SamplingConfig {
        let (temperature, top_p) = match self {
            Preset::Balanced => (0.7, 0.9),
            Preset::Conversation => (0.8, 0.95),
            Preset::Accurate => (0.3, 0.7),
            Preset::Creative => (1.0, 0.97),
            Preset::Deterministic => (0.0, 1.0),
        };
        SamplingConfig {
            temperature,
            top_k: 0,
            top_p,
            seed: 0,
            max_new_tokens: 200,
            stop: vec![],
        }
    }
    // ANCHOR_END: presets

    /// What the preset is for: the last column of the book's table of settings by task.
    pub fn use_for(self) -> &'static str {
        match self {
            Preset::Balanced => "everyday use; the default",
            Preset::Conversation => "open conversation: varied, still on topic",
            Preset::Accurate => "facts, code, answers that must be right",
            Preset::Creative => "stories, brainstorming",
            Preset::Deterministic => "the same text every time, e.g. tests and demonstrations",
        }
    }

    /// The preset's name as the book writes it.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Balanced => "balanced",
            Preset::Conversation => "conversation",
            Preset::Accurate => "accurate",
            Preset::Creative => "creative",
            Preset::Deterministic => "deterministic",
        }
    }
}

// ANCHOR: softmax
/// `softmax(z / T)`: the next-token distribution at temperature `T > 0`, computed stably in f64.
pub fn softmax_with_temperature(logits: &[f32], temperature: f64) -> Vec<f64> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let exps: Vec<f64> = logits
        .iter()
        .map(|&z| ((z as f64 - max) / temperature).exp())
        .collect();
    let sum: f64 = exps.iter().sum();
    exps.iter().map(|e| e / sum).collect()
}
// ANCHOR_END: softmax

// ANCHOR: top_k
/// Zero every probability outside the `k` largest (ties broken by lower id), then renormalise.
pub fn top_k_filter(probs: &mut [f64], k: usize) {
    if k == 0 || k >= probs.len() {
        return;
    }
    let order = descending_order(probs);
    for &i in &order[k..] {
        probs[i] = 0.0;
    }
    renormalise(probs);
}
// ANCHOR_END: top_k

// ANCHOR: top_p
/// Nucleus sampling: keep the smallest set of most likely tokens whose total probability reaches `p`,
/// zero the rest, renormalise.
pub fn top_p_filter(probs: &mut [f64], p: f64) {
    if p >= 1.0 {
        return;
    }
    let order = descending_order(probs);
    let mut total = 0.0;
    let mut keep = 0;
    for &i in &order {
        total += probs[i];
        keep += 1;
        if total >= p {
            break;
        }
    }
    for &i in &order[keep..] {
        probs[i] = 0.0;
    }
    renormalise(probs);
}
// ANCHOR_END: top_p

fn descending_order(probs: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
    order
}

fn renormalise(probs: &mut [f64]) {
    let sum: f64 = probs.iter().sum();
    probs.iter_mut().for_each(|q| *q /= sum);
}

/// The index of the largest logit (the lowest index among ties).
pub fn argmax(logits: &[f32]) -> usize {
    let mut best = 0;
    for (i, &z) in logits.iter().enumerate() {
        if z > logits[best] {
            best = i;
        }
    }
    best
}

// ANCHOR: sampling_distribution
/// The distribution the sampler actually draws from: temperature, then top-k, then top-p.
/// At temperature 0 all the mass sits on the argmax.
pub fn sampling_distribution(logits: &[f32], cfg: &SamplingConfig) -> Vec<f64> {
    if cfg.temperature == 0.0 {
        let mut probs = vec![0.0; logits.len()];
        probs[argmax(logits)] = 1.0;
        return probs;
    }
    let mut probs = softmax_with_temperature(logits, cfg.temperature);
    top_k_filter(&mut probs, cfg.top_k);
    top_p_filter(&mut probs, cfg.top_p);
    probs
}

/// Draw an index from `probs` (which sum to 1) by inverting the cumulative distribution.
pub fn draw(probs: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let u: f64 = rng.random();
    let mut cumulative = 0.0;
    let mut last_nonzero = 0;
    for (i, &q) in probs.iter().enumerate() {
        if q > 0.0 {
            cumulative += q;
            last_nonzero = i;
            if u < cumulative {
                return i;
            }
        }
    }
    last_nonzero // u landed in the rounding gap above the last cumulative sum
}
// ANCHOR_END: sampling_distribution

/// The model's next-token logits after `context`, as a plain vector (the whole context re-read: no cache).
pub fn next_logits(model: &Model, context: &[i64]) -> Vec<f32> {
    to_vec(&model.next_token_logits(context))
}

fn to_vec(logits: &Tensor) -> Vec<f32> {
    let logits = logits.to_kind(tch::Kind::Float).to_device(tch::Device::Cpu);
    Vec::<f32>::try_from(&logits).expect("logits are a 1-D float tensor")
}

// ANCHOR: decoder
/// Reads a growing context and gives the logits of the token after it. With a KV cache it feeds the model
/// only the tokens it has not read yet. Once the context outgrows the block size, the model may see only its
/// last `block_size` tokens: the cache is cleared and that window read afresh, exactly what the uncached path
/// computes, so both give the same logits.
pub struct Decoder<'m> {
    model: &'m Model,
    cache: Option<KvCache>,
    read: Vec<i64>,
}

impl<'m> Decoder<'m> {
    /// A decoder over `model`, with a KV cache when `use_cache` (and the model has attention).
    pub fn new(model: &'m Model, use_cache: bool) -> Self {
        Decoder {
            model,
            cache: if use_cache { model.new_cache() } else { None },
            read: Vec::new(),
        }
    }

    /// The next-token logits after `context` (whose earlier part may have been read before).
    pub fn next_logits(&mut self, context: &[i64]) -> Vec<f32> {
        let (Some(cache), Some(block)) = (&mut self.cache, self.model.config().block_size()) else {
            return next_logits(self.model, context);
        };
        let extends = context.len() <= block
            && context.len() > self.read.len()
            && context.starts_with(&self.read);
        if !extends {
            cache.clear();
            self.read.clear();
        }
        let new = &context[self.read.len().max(context.len().saturating_sub(block))..];
        let idx = Tensor::from_slice(new)
            .to_device(self.model.device())
            .unsqueeze(0);
        let logits = tch::no_grad(|| self.model.forward_cached(&idx, cache))
            .get(0)
            .get(-1);
        self.read.extend_from_slice(new);
        to_vec(&logits)
    }
}
// ANCHOR_END: decoder

// ANCHOR: generate_tokens
/// Continue the token ids `prompt` by `cfg.max_new_tokens` tokens (no stop strings: ids only), with or
/// without the KV cache. The same seed gives the same ids either way.
pub fn generate_tokens(
    model: &Model,
    prompt: &[i64],
    cfg: &SamplingConfig,
    use_cache: bool,
) -> Result<Vec<i64>> {
    cfg.validate()?;
    require_tokens(prompt, "the prompt")?;
    let mut decoder = Decoder::new(model, use_cache);
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut context = prompt.to_vec();
    for _ in 0..cfg.max_new_tokens {
        let probs = sampling_distribution(&decoder.next_logits(&context), cfg);
        context.push(draw(&probs, &mut rng) as i64);
    }
    Ok(context.split_off(prompt.len()))
}
// ANCHOR_END: generate_tokens

/// The prompt's token ids, encoded strictly: a character the model has never seen is an error that names it,
/// and so is an empty prompt (there is nothing to continue from).
pub fn encode_prompt(tokenizer: &Tokenizer, prompt: &str) -> Result<Vec<i64>> {
    let ids = tokenizer
        .encode_strict(prompt)
        .map_err(|e| anyhow::anyhow!("prompt: {e}"))?;
    require_tokens(&ids, "the prompt")?;
    Ok(ids)
}

/// Whether `text` ends with one of the (non-empty) `stop` strings.
fn ends_with_stop(text: &str, stop: &[String]) -> bool {
    stop.iter()
        .any(|s| !s.is_empty() && text.ends_with(s.as_str()))
}

/// Continue `prompt` token by token, calling `on_token` with each new piece of text as it is chosen
/// (streaming), and return the generated continuation (without the prompt).
pub fn generate_with(
    model: &Model,
    tokenizer: &Tokenizer,
    prompt: &str,
    cfg: &SamplingConfig,
    mut on_token: impl FnMut(&str),
) -> Result<String> {
    generate_while(model, tokenizer, prompt, cfg, |piece| {
        on_token(piece);
        true
    })
}

// ANCHOR: generate
/// Continue `prompt` token by token, calling `on_token` with each new piece of text as it is chosen
/// (streaming), and return the generated continuation (without the prompt). The loop also ends when
/// `on_token` returns `false`: the reader has gone, or a time limit has passed (the playground's).
///
/// A BPE token may end in the middle of a multi-byte character (a Chinese character is 3 bytes): the text
/// decoded so far leaves that character out ([`Tokenizer::decode`]), so streaming passes nothing on until
/// it is complete; a text that ends in `�` (a character's `<unk>`) is held back one token too.
pub fn generate_while(
    model: &Model,
    tokenizer: &Tokenizer,
    prompt: &str,
    cfg: &SamplingConfig,
    mut on_token: impl FnMut(&str) -> bool,
) -> Result<String> {
    cfg.validate()?;
    let mut context = encode_prompt(tokenizer, prompt)?;
    let prompt_len = context.len();
    let mut decoder = Decoder::new(model, true);
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut text = String::new();
    let mut shown = 0; // bytes of `text` already passed to `on_token`
    for _ in 0..cfg.max_new_tokens {
        let probs = sampling_distribution(&decoder.next_logits(&context), cfg);
        context.push(draw(&probs, &mut rng) as i64);
        text = tokenizer.decode(&context[prompt_len..]);
        let mut go_on = true;
        if text.len() > shown && !text.ends_with(crate::tokenizer::UNK_CHAR) {
            go_on = on_token(text.get(shown..).unwrap_or_default());
            shown = text.len();
        }
        if !go_on || ends_with_stop(&text, &cfg.stop) {
            break;
        }
    }
    if shown < text.len() {
        on_token(text.get(shown..).unwrap_or_default());
    }
    Ok(text)
}
// ANCHOR_END: generate

/// [`generate_with`] without streaming.
pub fn generate(
    model: &Model,
    tokenizer: &Tokenizer,
    prompt: &str,
    cfg: &SamplingConfig,
) -> Result<String> {
    generate_with(model, tokenizer, prompt, cfg, |_| {})
}

/// The model's greedy continuation of `prompt`, `tokens` tokens long: its single most likely text.
pub fn greedy(model: &Model, tokenizer: &Tokenizer, prompt: &str, tokens: usize) -> Result<String> {
    let cfg = SamplingConfig {
        temperature: 0.0,
        max_new_tokens: tokens,
        ..SamplingConfig::default()
    };
    generate(model, tokenizer, prompt, &cfg)
}

/// One candidate for the next token at one step of a [`Trace`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The token's id in the vocabulary (absent in traces written before it was recorded: 0).
    #[serde(default)]
    pub id: i64,
    /// The token's text (a BPE token that holds part of a character is shown as its bytes).
    pub token: String,
    /// Its probability under the model, at temperature 1.
    pub probability: f64,
    /// Its probability in the distribution the sampler draws from (temperature, top-k, top-p applied);
    /// 0 when the rule cut it off.
    pub sampled: f64,
}

/// One step of the autoregressive loop, written down.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceStep {
    /// The text the model read at this step: the prompt and every token chosen before.
    pub context: String,
    /// The most likely next tokens under the model, most likely first.
    pub candidates: Vec<Candidate>,
    /// How many tokens the sampling rule kept (those with a nonzero probability to be drawn).
    pub kept: usize,
    /// The token drawn.
    pub chosen: String,
    /// The drawn token's rank under the model (1 = the most likely).
    pub chosen_rank: usize,
}

/// A generation traced step by step: what [`generate`] does with the same prompt and settings, with every
/// step's candidates, the set the sampling rule kept and the choice made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// The prompt.
    pub prompt: String,
    /// The sampling settings.
    pub sampling: SamplingConfig,
    /// One entry per generated token.
    pub steps: Vec<TraceStep>,
    /// The continuation, exactly as [`generate`] returns it.
    pub text: String,
}

// ANCHOR: trace
/// Play the word-chain game as [`generate`] does (same decoder, same seeded draw, same stop strings) and
/// record each step: the `top` most likely candidates, how many tokens the rule kept, and the choice.
pub fn trace(
    model: &Model,
    tokenizer: &Tokenizer,
    prompt: &str,
    cfg: &SamplingConfig,
    top: usize,
) -> Result<Trace> {
    cfg.validate()?;
    let mut context = encode_prompt(tokenizer, prompt)?;
    let prompt_len = context.len();
    let mut decoder = Decoder::new(model, true);
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut steps = Vec::new();
    let mut text = String::new();
    for _ in 0..cfg.max_new_tokens {
        let logits = decoder.next_logits(&context);
        let model_probs = softmax_with_temperature(&logits, 1.0);
        let probs = sampling_distribution(&logits, cfg);
        let chosen = draw(&probs, &mut rng);
        let order = descending_order(&model_probs);
        let (candidates, kept) = top_candidates(tokenizer, &model_probs, &probs, top);
        steps.push(TraceStep {
            context: tokenizer.decode(&context),
            candidates,
            kept,
            chosen: tokenizer.token_piece(chosen as i64),
            chosen_rank: 1 + order.iter().position(|&i| i == chosen).unwrap_or(0),
        });
        context.push(chosen as i64);
        text = tokenizer.decode(&context[prompt_len..]);
        if ends_with_stop(&text, &cfg.stop) {
            break;
        }
    }
    Ok(Trace {
        prompt: prompt.to_string(),
        sampling: cfg.clone(),
        steps,
        text,
    })
}
// ANCHOR_END: trace

/// Token `id` as a candidate: its text, its probability under the model (`model_probs`) and under the
/// sampling rule (`probs`).
pub fn candidate(
    tokenizer: &Tokenizer,
    model_probs: &[f64],
    probs: &[f64],
    id: usize,
) -> Candidate {
    Candidate {
        id: id as i64,
        token: tokenizer.token_piece(id as i64),
        probability: model_probs[id],
        sampled: probs[id],
    }
}

/// The `top` most likely tokens under the model as candidates, most likely first, and how many tokens of the
/// whole vocabulary the rule keeps (those it may draw).
pub fn top_candidates(
    tokenizer: &Tokenizer,
    model_probs: &[f64],
    probs: &[f64],
    top: usize,
) -> (Vec<Candidate>, usize) {
    let candidates = (descending_order(model_probs).into_iter().take(top))
        .map(|id| candidate(tokenizer, model_probs, probs, id))
        .collect();
    (candidates, probs.iter().filter(|&&q| q > 0.0).count())
}

/// The trace table's column names in English: step, context, candidates, kept, chosen.
pub const TRACE_HEADER: [&str; 5] = [
    "step",
    "context (its end)",
    "candidates: model → rule",
    "kept",
    "chosen",
];

impl Trace {
    /// The trace as a Markdown table: one row per step with the end of the context, the candidates'
    /// probabilities under the model and under the sampling rule, the size of the kept set and the choice.
    /// Spaces are shown as `␣`, newlines as `⏎`; `context_chars` is how much of the context a row shows.
    pub fn table(&self, context_chars: usize) -> String {
        self.table_with_header(TRACE_HEADER, context_chars)
    }

    /// [`Trace::table`] with other column names, in the order of [`TRACE_HEADER`] (a Chinese report's).
    pub fn table_with_header(&self, header: [&str; 5], context_chars: usize) -> String {
        let show = |t: &str| t.replace(' ', "␣").replace('\n', "⏎").replace('|', "\\|");
        let mut table = Table::new(header, "rllrl");
        for (i, step) in self.steps.iter().enumerate() {
            let chars: Vec<char> = step.context.chars().collect();
            let tail: String = chars[chars.len().saturating_sub(context_chars)..]
                .iter()
                .collect();
            let ellipsis = if chars.len() > context_chars {
                "…"
            } else {
                ""
            };
            let candidates: Vec<String> = (step.candidates.iter())
                .map(|c| {
                    format!(
                        "`{}` {:.2} → {:.2}",
                        show(&c.token),
                        c.probability,
                        c.sampled
                    )
                })
                .collect();
            table.row([
                (i + 1).to_string(),
                format!("{ellipsis}`{}`", show(&tail)),
                candidates.join(" · "),
                step.kept.to_string(),
                format!("`{}`", show(&step.chosen)),
            ]);
        }
        table.to_string()
    }
}

/// The `n` most likely next tokens after `prompt` at `temperature`, as (token text, probability).
pub fn top_next_tokens(
    model: &Model,
    tokenizer: &Tokenizer,
    prompt: &str,
    temperature: f64,
    n: usize,
) -> Result<Vec<(String, f64)>> {
    let context = encode_prompt(tokenizer, prompt)?;
    let probs = softmax_with_temperature(&next_logits(model, &context), temperature);
    Ok(descending_order(&probs)
        .into_iter()
        .take(n)
        .map(|i| (tokenizer.token_text(i as i64), probs[i]))
        .collect())
}

// ANCHOR: repeated_ngrams
/// How repetitive a text is: the fraction of its word n-grams that already occurred earlier in it.
/// 0 means no n-gram repeats; near 1 means the text is stuck in a loop.
pub fn repeated_ngram_fraction(text: &str, n: usize) -> f64 {
    let words = words(text);
    if n == 0 || words.len() < n {
        return 0.0;
    }
    let mut seen = std::collections::HashSet::new();
    let grams: Vec<&[&str]> = words.windows(n).collect();
    let repeats = grams.iter().filter(|g| !seen.insert(**g)).count();
    repeats as f64 / grams.len() as f64
}
// ANCHOR_END: repeated_ngrams

/// The words of `text` for [`repeated_ngram_fraction`]: what spaces separate, and every Chinese character
/// (or full-width punctuation mark) on its own, since Chinese writes no spaces between words.
pub fn words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    for word in text.split_whitespace() {
        let mut start = 0;
        for (i, c) in word.char_indices() {
            if is_cjk(c) {
                if start < i {
                    words.push(&word[start..i]);
                }
                words.push(&word[i..i + c.len_utf8()]);
                start = i + c.len_utf8();
            }
        }
        if start < word.len() {
            words.push(&word[start..]);
        }
    }
    words
}

/// Whether `c` is a CJK ideograph or CJK / full-width punctuation.
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303f}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}
