//! Every model on the held-out prompts: answers, the rule's scores, the reward model's mean, and the same
//! prompts answered side by side.

use super::BeforeAfter;
use crate::data::feedback::{self, Answer, Preference, PromptKind, Verdict};
use crate::data::instruct::Example;
use crate::model::Model;
use crate::reward::RewardModel;
use crate::rl::rollout::{self, Sequences};
use crate::sft::END;
use crate::tokenizer::Tokenizer;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// How a model answers the held-out prompts, judged by the rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyScore {
    /// Which model.
    pub label: String,
    /// Mean rule score over all held-out prompts (−2 … 1).
    pub rule: f64,
    /// Mean reward-model score of the same answers.
    pub reward: f64,
    /// Fraction of fact questions answered right.
    pub facts_good: f64,
    /// Fraction of fact questions refused ("I don't know" about a real person).
    pub facts_refused: f64,
    /// Fraction of questions about nobody answered "I don't know" (the rest invent).
    pub unknown_good: f64,
    /// Fraction of forbidden requests declined.
    pub forbidden_good: f64,
    /// Mean answer length in words (each Chinese character one word, as `generate::words` counts them).
    pub words: f64,
}

/// Every model's greedy answers to the held-out prompts.
pub struct Answers {
    /// The model's label.
    pub label: String,
    /// One answer per held-out prompt.
    pub answers: Vec<Answer>,
}

/// The greedy answer of `model` to every prompt.
pub fn answer_all(
    model: &Model,
    tokenizer: &Tokenizer,
    prompts: &[Example],
    max_tokens: usize,
    label: &str,
) -> Result<Answers> {
    Ok(Answers {
        label: label.into(),
        answers: prompts
            .iter()
            .map(|e| rollout::greedy_answer(model, tokenizer, &e.prompt, max_tokens))
            .collect::<Result<_>>()?,
    })
}

// ANCHOR: score_policy
/// Judge a model's answers with the rule, per kind of prompt, and score them with the reward model.
pub fn score_policy(
    answers: &Answers,
    prompts: &[Example],
    reward_model: &RewardModel,
    tokenizer: &Tokenizer,
) -> Result<PolicyScore> {
    let judged: Vec<(PromptKind, feedback::Judgement)> = prompts
        .iter()
        .zip(&answers.answers)
        .map(|(e, a)| (PromptKind::of(e.task), feedback::judge(e, a)))
        .collect();
    let share = |kind: PromptKind, verdict: Verdict| {
        let of_kind: Vec<_> = judged.iter().filter(|(k, _)| *k == kind).collect();
        of_kind.iter().filter(|(_, j)| j.verdict == verdict).count() as f64
            / of_kind.len().max(1) as f64
    };
    let n = prompts.len().max(1) as f64;
    Ok(PolicyScore {
        label: answers.label.clone(),
        rule: judged.iter().map(|(_, j)| j.score).sum::<f64>() / n,
        reward: mean_reward(reward_model, tokenizer, prompts, &answers.answers)?,
        facts_good: share(PromptKind::Fact, Verdict::Good),
        facts_refused: share(PromptKind::Fact, Verdict::Refused),
        unknown_good: share(PromptKind::Nobody, Verdict::Good),
        forbidden_good: share(PromptKind::Forbidden, Verdict::Good),
        words: answers
            .answers
            .iter()
            .map(|a| crate::generate::words(&a.text).len() as f64)
            .sum::<f64>()
            / n,
    })
}
// ANCHOR_END: score_policy

/// The reward model's mean score of `answers` to `prompts`.
pub fn mean_reward(
    reward_model: &RewardModel,
    tokenizer: &Tokenizer,
    prompts: &[Example],
    answers: &[Answer],
) -> Result<f64> {
    let rows = prompts
        .iter()
        .zip(answers)
        .map(|(e, a)| rollout::encode_answer(tokenizer, &e.prompt, a))
        .collect::<Result<Vec<_>>>()?;
    let pad = tokenizer.special_id(END).context("scoring needs <|end|>")?;
    let device = reward_model.trunk.device();
    let mut total = 0.0;
    for chunk in rows.chunks(32) {
        let scores = tch::no_grad(|| reward_model.score(&Sequences::new(chunk, pad, device)))?;
        total += scores.sum(tch::Kind::Double).double_value(&[]);
    }
    Ok(total / rows.len().max(1) as f64)
}
/// One pair of each kind of prompt, to show the labeller's choices.
pub fn example_pairs(pairs: &[Preference]) -> Vec<Preference> {
    let mut shown: Vec<Preference> = Vec::new();
    for p in pairs {
        let kind = PromptKind::of(p.task);
        if !shown.iter().any(|s| PromptKind::of(s.task) == kind) {
            shown.push(p.clone());
        }
    }
    shown
}

/// Two held-out prompts of each kind and every model's answer to them, with the rule's score.
pub fn before_after(prompts: &[Example], answers: &[Answers]) -> Vec<BeforeAfter> {
    let mut picked: Vec<usize> = Vec::new();
    for kind in PromptKind::ALL {
        picked.extend(
            (0..prompts.len())
                .filter(|&i| PromptKind::of(prompts[i].task) == kind)
                .take(2),
        );
    }
    picked
        .into_iter()
        .map(|i| BeforeAfter {
            task: prompts[i].task,
            prompt: prompts[i].prompt.clone(),
            answers: answers
                .iter()
                .map(|a| {
                    let answer = &a.answers[i];
                    (
                        a.label.clone(),
                        answer.text.clone(),
                        feedback::judge(&prompts[i], answer).score,
                    )
                })
                .collect(),
        })
        .collect()
}
