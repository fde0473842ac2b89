//! Measuring what a model has learned: perplexity, knowledge probes, answer scores.
//!
//! A loss says how well a model predicts text on average; these measures ask sharper questions. Does it know
//! that Ada was born in Toko? [`cloze_accuracy`] asks it to choose the right city among several, by which
//! continuation it finds most likely: a multiple-choice test with a known chance level.
//!
//! Chapter 6 asks how a score's shape depends on the scorer: [`exact_match`] gives all or nothing,
//! [`char_accuracy`] and [`edit_similarity`] give partial credit, and [`fit_power_law`] fits the straight line
//! of a scaling curve on log–log axes.

use crate::data::world::{Relation, World};
use crate::model::Model;
use crate::tokenizer::Tokenizer;
use rand::SeedableRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use tch::{Kind, Tensor};

/// Perplexity `e^L` of a mean cross-entropy `L` in nats per token: the model is as unsure as a fair choice
/// among that many tokens (a uniform model over V tokens has perplexity V).
pub fn perplexity(loss: f64) -> f64 {
    loss.exp()
}

/// One multiple-choice question about a fact: the prompt (`"Ada Lovel was born in"`), the right object
/// (`" Toko"`) and the options, the right one among them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClozeItem {
    /// Whose fact it is (an index into the world's people).
    pub person: usize,
    /// Which relation is asked.
    pub relation: Relation,
    /// The text before the object.
    pub prompt: String,
    /// The right continuation ([`World::cloze_answer`]: with its leading space in English).
    pub answer: String,
    /// Every option, the answer included, in a shuffled order.
    pub options: Vec<String>,
}

// ANCHOR: cloze_items
/// Questions about every fact of `people`: each fact's canonical sentence cut before its object, with the
/// object and `n_options − 1` other objects of the same relation from the world as options. Chance accuracy
/// is `1 / n_options`.
pub fn cloze_items(world: &World, people: &[usize], n_options: usize, seed: u64) -> Vec<ClozeItem> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut items = Vec::new();
    for &person in people {
        for fact in world.person_facts(person) {
            let (prompt, answer) = world.cloze(&fact);
            let others: Vec<String> = (0..world.people.len())
                .map(|p| world.cloze_answer(&world.object(p, fact.relation)))
                .filter(|o| *o != answer)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut options: Vec<String> = others
                .choose_multiple(&mut rng, n_options.saturating_sub(1))
                .cloned()
                .collect();
            options.push(answer.clone());
            options.shuffle(&mut rng);
            items.push(ClozeItem {
                person,
                relation: fact.relation,
                prompt,
                answer,
                options,
            });
        }
    }
    items
}
// ANCHOR_END: cloze_items

// ANCHOR: continuation_logprob
/// `log p(continuation | prompt) = Σₜ log p(cₜ | prompt, c<ₜ)` for each continuation, in one batch: the
/// sequences are padded at the end, which causal attention keeps from changing any earlier position. The
/// prompt is cropped from the left if a sequence would not fit the block size.
pub fn continuation_logprobs(
    model: &Model,
    tokenizer: &Tokenizer,
    prompt: &str,
    continuations: &[String],
) -> Vec<f64> {
    let prompt_ids = tokenizer.encode(prompt);
    let block = model.config().block_size().unwrap_or(usize::MAX);
    let sequences: Vec<(Vec<i64>, usize)> = continuations
        .iter()
        .map(|c| {
            let tail = tokenizer.encode(c);
            let keep = block
                .saturating_sub(tail.len())
                .min(prompt_ids.len())
                .max(1);
            let mut ids = prompt_ids[prompt_ids.len() - keep..].to_vec();
            ids.extend(&tail);
            (ids, keep)
        })
        .collect();
    let width = sequences
        .iter()
        .map(|(ids, _)| ids.len())
        .max()
        .unwrap_or(1);
    let padded: Vec<i64> = sequences
        .iter()
        .flat_map(|(ids, _)| {
            ids.iter()
                .copied()
                .chain(std::iter::repeat_n(0, width - ids.len()))
        })
        .collect();
    let idx = Tensor::from_slice(&padded)
        .view([sequences.len() as i64, width as i64])
        .to_device(model.device());
    let logp = tch::no_grad(|| model.forward(&idx, false).log_softmax(-1, Kind::Float))
        .to_device(tch::Device::Cpu);
    sequences
        .iter()
        .enumerate()
        .map(|(b, (ids, start))| {
            (*start..ids.len())
                .map(|t| logp.double_value(&[b as i64, t as i64 - 1, ids[t]]))
                .sum()
        })
        .collect()
}
// ANCHOR_END: continuation_logprob

/// How a model did on a set of cloze questions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClozeScore {
    /// Fraction answered right.
    pub accuracy: f64,
    /// The accuracy of guessing: `1 / options`.
    pub chance: f64,
    /// Accuracy per relation, in [`Relation::ALL`] order (relations without questions left out).
    pub by_relation: Vec<(String, f64)>,
}

// ANCHOR: cloze_accuracy
/// Ask every question: the model's answer is the option it gives the highest log-probability, and it is right
/// only if that is the answer strictly (a tie counts as wrong, so a model that knows nothing scores chance,
/// not better).
pub fn cloze_accuracy(model: &Model, tokenizer: &Tokenizer, items: &[ClozeItem]) -> ClozeScore {
    let right: Vec<bool> = items
        .iter()
        .map(|item| {
            let scores = continuation_logprobs(model, tokenizer, &item.prompt, &item.options);
            let answer = item.options.iter().position(|o| *o == item.answer);
            answer.is_some_and(|a| (0..scores.len()).all(|i| i == a || scores[i] < scores[a]))
        })
        .collect();
    let fraction = |pick: &dyn Fn(&ClozeItem) -> bool| {
        let asked: Vec<bool> = items
            .iter()
            .zip(&right)
            .filter(|(i, _)| pick(i))
            .map(|(_, r)| *r)
            .collect();
        (!asked.is_empty())
            .then(|| asked.iter().filter(|r| **r).count() as f64 / asked.len() as f64)
    };
    let options = items.first().map_or(1, |i| i.options.len());
    ClozeScore {
        accuracy: fraction(&|_| true).unwrap_or(0.0),
        chance: 1.0 / options as f64,
        by_relation: Relation::ALL
            .iter()
            .filter_map(|&r| Some((r.name().to_string(), fraction(&|i| i.relation == r)?)))
            .collect(),
    }
}
// ANCHOR_END: cloze_accuracy

// ANCHOR: cloze_recall
/// Free recall instead of multiple choice: the fraction of `people`'s facts whose canonical sentence, cut
/// before the object ("Sovi Gibur works as a"), the model completes greedily with the right object within
/// `max_tokens` tokens. What a pretrained model can *write* about a person: the most that fine-tuning could
/// turn into answers.
pub fn cloze_recall(
    model: &Model,
    tokenizer: &Tokenizer,
    world: &World,
    people: &[usize],
    max_tokens: usize,
) -> anyhow::Result<f64> {
    let facts: Vec<_> = people.iter().flat_map(|&p| world.person_facts(p)).collect();
    let mut right = 0;
    for fact in &facts {
        let (prompt, answer) = world.cloze(fact);
        let written = crate::generate::greedy(model, tokenizer, &prompt, max_tokens)?;
        right += usize::from(written.starts_with(&answer));
    }
    Ok(right as f64 / facts.len().max(1) as f64)
}
// ANCHOR_END: cloze_recall

// ANCHOR: mirage_scores
/// Exact match: 1 if the answer is the target, character for character (ends trimmed), else 0. All or
/// nothing: a five-digit sum with one digit wrong scores as badly as nonsense.
pub fn exact_match(answer: &str, target: &str) -> f64 {
    f64::from(u8::from(answer.trim() == target.trim()))
}

/// Per-character accuracy: the fraction of the target's characters that the answer has at the same
/// position. Partial credit: one wrong digit of five scores 0.8.
pub fn char_accuracy(answer: &str, target: &str) -> f64 {
    let target: Vec<char> = target.trim().chars().collect();
    if target.is_empty() {
        return exact_match(answer, "");
    }
    let right = (answer.trim().chars().zip(&target))
        .filter(|(a, t)| a == *t)
        .count();
    right as f64 / target.len() as f64
}

/// Edit similarity: `1 − d / max(|answer|, |target|)` with `d` the Levenshtein distance (insertions,
/// deletions and substitutions of characters). Partial credit that forgives a missing or extra character.
pub fn edit_similarity(answer: &str, target: &str) -> f64 {
    let (a, t) = (answer.trim(), target.trim());
    let longest = a.chars().count().max(t.chars().count());
    if longest == 0 {
        return 1.0;
    }
    1.0 - strsim::levenshtein(a, t) as f64 / longest as f64
}
// ANCHOR_END: mirage_scores

/// A power law `y = a · xᵏ`, fitted to points by least squares on `log y = log a + k log x`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PowerLaw {
    /// The scale `a`.
    pub a: f64,
    /// The exponent `k` (negative: `y` falls as `x` grows).
    pub k: f64,
    /// R² of the fit in log–log space (1 = the points lie on the line).
    pub r2: f64,
}

impl PowerLaw {
    /// `a · xᵏ`.
    pub fn at(&self, x: f64) -> f64 {
        self.a * x.powf(self.k)
    }
}

// ANCHOR: fit_power_law
/// Fit `y = a · xᵏ` to points with positive coordinates (others are left out): a straight line through
/// `(log x, log y)`. `None` with fewer than two usable points or all `x` equal.
pub fn fit_power_law(points: &[(f64, f64)]) -> Option<PowerLaw> {
    let logs: Vec<(f64, f64)> = (points.iter())
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    let n = logs.len() as f64;
    let (mx, my) = (
        logs.iter().map(|p| p.0).sum::<f64>() / n,
        logs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxx: f64 = logs.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let sxy: f64 = logs.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let syy: f64 = logs.iter().map(|(_, y)| (y - my).powi(2)).sum();
    if logs.len() < 2 || sxx < 1e-12 {
        return None;
    }
    let k = sxy / sxx;
    let r2 = if syy < 1e-12 {
        1.0
    } else {
        (sxy * sxy) / (sxx * syy)
    };
    Some(PowerLaw {
        a: (my - k * mx).exp(),
        k,
        r2,
    })
}
// ANCHOR_END: fit_power_law

/// A batch of `batch` random token sequences, each written twice: `[x₁ … xₙ, x₁ … xₙ]`, ids drawn uniformly
/// from `ids`. Nothing in the first copy predicts its next token; in the second copy the first copy does, for
/// a model that can look back and copy: the test of induction heads (Olsson et al., 2022).
pub fn repeated_tokens(
    batch: usize,
    n: usize,
    ids: std::ops::Range<i64>,
    rng: &mut ChaCha8Rng,
) -> Tensor {
    periodic_tokens(batch, 2 * n, n..=n, ids, rng)
}

/// A batch of `batch` sequences of `len` tokens, each a random segment of its own length (drawn from
/// `periods`) repeated until `len`. With the period varying from row to row, no position tells where the
/// earlier occurrence is: only its content does, so a model trained on them must learn to copy by content.
pub fn periodic_tokens(
    batch: usize,
    len: usize,
    periods: std::ops::RangeInclusive<usize>,
    ids: std::ops::Range<i64>,
    rng: &mut ChaCha8Rng,
) -> Tensor {
    use rand::Rng;
    let rows: Vec<i64> = (0..batch)
        .flat_map(|_| {
            let period = rng.random_range(periods.clone()).max(1);
            let segment: Vec<i64> = (0..period).map(|_| rng.random_range(ids.clone())).collect();
            segment.into_iter().cycle().take(len).collect::<Vec<_>>()
        })
        .collect();
    Tensor::from_slice(&rows).view([batch as i64, len as i64])
}

// ANCHOR: induction
/// How much each head of each layer behaves as an induction head on sequences repeated after `n` tokens: its
/// mean attention, from every position `i` of the second copy, to position `i − n + 1`, the token that followed
/// the current token's earlier occurrence (what to copy next). 1 for a perfect induction head, near 0 for a
/// head that looks elsewhere. `maps` are [`Model::attention_maps`] of such sequences, each `[B, H, 2n, 2n]`;
/// the result is indexed `[layer][head]`.
pub fn induction_scores(maps: &[Tensor], n: usize) -> Vec<Vec<f64>> {
    let n = n as i64;
    maps.iter()
        .map(|map| {
            let (b, h) = (map.size()[0], map.size()[1]);
            let dest = Tensor::arange_start(n, 2 * n, (Kind::Int64, map.device()));
            let src = &dest - (n - 1);
            // weights[b, h, i] = map[b, h, dest_i, src_i]
            let rows = map.index_select(2, &dest); // [B, H, n, 2n]
            let picked = rows
                .gather(
                    3,
                    &src.view([1, 1, n, 1]).expand([b, h, n, 1], false),
                    false,
                )
                .squeeze_dim(3); // [B, H, n]
            let per_head = picked.mean_dim([0, 2].as_slice(), false, Kind::Double);
            Vec::<f64>::try_from(per_head.to_device(tch::Device::Cpu)).expect("a 1-D tensor")
        })
        .collect()
}
// ANCHOR_END: induction

/// The mean next-token loss (nats) over each copy of sequences repeated after `n` tokens (see
/// [`repeated_tokens`]): `(first copy, second copy)`, predicting tokens `1 … n − 1` and `n + 1 … 2n − 1` (the
/// second copy's first token, which nothing predicts, is left out). The drop from the first to the second is
/// in-context learning in its plainest form: only the context tells the model the second copy.
pub fn copy_losses(model: &Model, sequences: &Tensor, n: usize) -> (f64, f64) {
    let n = n as i64;
    let inputs = sequences.narrow(1, 0, 2 * n - 1);
    let targets = sequences.narrow(1, 1, 2 * n - 1);
    let logits = tch::no_grad(|| model.forward(&inputs, false));
    let losses = logits
        .log_softmax(-1, Kind::Float)
        .gather(2, &targets.unsqueeze(-1), false)
        .squeeze_dim(-1)
        .neg(); // [B, 2n − 1]: position t predicts token t + 1
    let mean = |from: i64, len: i64| {
        losses
            .narrow(1, from, len)
            .mean(Kind::Double)
            .double_value(&[])
    };
    (mean(0, n - 1), mean(n, n - 1))
}
