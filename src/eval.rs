//! Measuring what a model has learned: perplexity, knowledge probes, answer scores.
//!
//! A loss says how well a model predicts text on average; these measures ask sharper questions. Does it know
//! that Ada was born in Toko? [`cloze_accuracy`] asks it to choose the right city among several, by which
//! continuation it finds most likely: a multiple-choice test with a known chance level.

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
    /// The right continuation (with its leading space).
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
                .map(|p| format!(" {}", world.object(p, fact.relation)))
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
