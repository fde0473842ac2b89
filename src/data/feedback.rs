//! Feedback on whole answers (chapter 5): the written rule that plays the human labeller, the prompts it
//! judges, and the preference pairs it makes.
//!
//! Fine-tuning showed the model every token of a good answer. Feedback only says how good a whole answer
//! was, or which of two answers is better. Real feedback comes from people; here a rule stands in for them,
//! so that every judgement can be checked and every result measured against the "true" preference. It asks
//! what a labeller asks:
//!
//! * **helpful**: is the fact right (per the world)?
//! * **honest**: about someone who does not exist, does it say it does not know, instead of inventing?
//! * **harmless**: does it decline a request to harm someone?
//! * **concise**: does it stop, without words the reference answer does not need?

use super::instruct::{self, Example, FORBIDDEN_KINDS, Task};
use super::world::{Language, Relation, World};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One answer to a prompt, as the labeller sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The text (without `<|end|>`).
    pub text: String,
    /// Whether the model ended the answer itself (with `<|end|>`) rather than running out of tokens.
    pub stopped: bool,
}

impl Answer {
    /// An answer that ended properly: the labeller's own written ones.
    pub fn written(text: impl Into<String>) -> Self {
        Answer {
            text: text.into(),
            stopped: true,
        }
    }
}

/// What the answer does about the request, before its length is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The right fact; "I don't know" about nobody; declining a forbidden request.
    Good,
    /// Declining a fair question: honest, but no help.
    Refused,
    /// A wrong fact, an invented one about nobody, or help with a forbidden request.
    Bad,
}

/// The rule's judgement of one answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// What the answer does about the request.
    pub verdict: Verdict,
    /// Words beyond the reference answer's.
    pub extra_words: usize,
    /// Whether the answer ended by itself.
    pub stopped: bool,
    /// The score: [`Verdict`] +1 / 0 / −1, minus [`WORD_PENALTY`] per extra word (at most
    /// [`MAX_LENGTH_PENALTY`]), minus [`MAX_LENGTH_PENALTY`] more if it did not stop.
    pub score: f64,
}

/// Score lost per word beyond the reference answer.
pub const WORD_PENALTY: f64 = 0.05;
/// The most that extra words can cost, and what an answer that never stops costs on top.
pub const MAX_LENGTH_PENALTY: f64 = 0.5;

/// Whether `text` says "I don't know" or declines, in any language.
fn declines(text: &str) -> bool {
    (Language::ALL.iter()).any(|&l| {
        let asking = instruct::asking(l);
        text.contains(asking.dont_know) || text.contains(asking.decline)
    })
}

/// The words of `text`: its whitespace-separated pieces, where each Chinese character counts as a word of
/// its own (Chinese writes no spaces) and Chinese punctuation as none.
pub fn count_words(text: &str) -> usize {
    let chinese = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    let punctuation =
        |c: char| ('\u{3000}'..='\u{303f}').contains(&c) || ('\u{ff00}'..='\u{ffef}').contains(&c);
    let mut words = 0;
    let mut in_word = false;
    for c in text.chars() {
        if chinese(c) {
            words += 1;
            in_word = false;
        } else if c.is_whitespace() || punctuation(c) {
            in_word = false;
        } else if !in_word {
            words += 1;
            in_word = true;
        }
    }
    words
}

// ANCHOR: judge
/// The labeller's rule: helpful, honest, harmless, then concise.
pub fn judge(example: &Example, answer: &Answer) -> Judgement {
    let text = answer.text.trim();
    let verdict = match example.task {
        Task::Unknown if text.contains(&example.key) => Verdict::Good, // honest: "I don't know"
        Task::Unknown => Verdict::Bad,                                 // invented a person's facts
        Task::Forbidden if text.contains(&example.key) => Verdict::Good, // harmless: declined
        Task::Forbidden => Verdict::Bad,                               // helped to harm
        _ if declines(text) => Verdict::Refused,                       // honest but no help
        _ if text.contains(&example.key) => Verdict::Good,             // helpful
        _ => Verdict::Bad,                                             // wrong
    };
    let extra_words = count_words(text).saturating_sub(count_words(&example.response));
    let mut score = match verdict {
        Verdict::Good => 1.0,
        Verdict::Refused => 0.0,
        Verdict::Bad => -1.0,
    };
    score -= (WORD_PENALTY * extra_words as f64).min(MAX_LENGTH_PENALTY);
    if !answer.stopped {
        score -= MAX_LENGTH_PENALTY; // rambled until it was cut off
    }
    Judgement {
        verdict,
        extra_words,
        stopped: answer.stopped,
        score,
    }
}
// ANCHOR_END: judge

/// One preference: two answers to the same prompt, the one the labeller preferred first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preference {
    /// What the user asked.
    pub prompt: String,
    /// The preferred answer.
    pub chosen: Answer,
    /// The other one.
    pub rejected: Answer,
    /// The kind of prompt.
    pub task: Task,
    /// Whether label noise swapped the rule's order (the pair is then "wrong" on purpose).
    pub flipped: bool,
}

// ANCHOR: rank
/// Every pair of `answers` that the rule scores differently, the better one chosen. With probability `noise`
/// a pair's order is swapped: labellers disagree and make mistakes, and a reward model must learn despite it.
pub fn rank(
    example: &Example,
    answers: &[Answer],
    noise: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<Preference> {
    let scores: Vec<f64> = answers.iter().map(|a| judge(example, a).score).collect();
    let mut pairs = Vec::new();
    for i in 0..answers.len() {
        for j in i + 1..answers.len() {
            if (scores[i] - scores[j]).abs() < 1e-9 || answers[i] == answers[j] {
                continue; // a tie says nothing about which is better
            }
            let (better, worse) = if scores[i] > scores[j] {
                (i, j)
            } else {
                (j, i)
            };
            let flipped = noise > 0.0 && rng.random_bool(noise.min(1.0));
            let (chosen, rejected) = if flipped {
                (worse, better)
            } else {
                (better, worse)
            };
            pairs.push(Preference {
                prompt: example.prompt.clone(),
                chosen: answers[chosen].clone(),
                rejected: answers[rejected].clone(),
                task: example.task,
                flipped,
            });
        }
    }
    pairs
}
// ANCHOR_END: rank

/// The three kinds of feedback prompt, each with its own good answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptKind {
    /// A question about a person of the world (or any other fair instruction): answer it.
    Fact,
    /// A question about a person who does not exist: say "I don't know".
    Nobody,
    /// A request to harm someone: decline.
    Forbidden,
}

impl PromptKind {
    /// The kinds, in the order reports list them.
    pub const ALL: [PromptKind; 3] = [PromptKind::Fact, PromptKind::Nobody, PromptKind::Forbidden];

    /// The kind of a prompt of `task`.
    pub fn of(task: Task) -> Self {
        match task {
            Task::Unknown => PromptKind::Nobody,
            Task::Forbidden => PromptKind::Forbidden,
            _ => PromptKind::Fact,
        }
    }
}

/// Which people and names a set of feedback prompts is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PromptMix {
    /// People asked one fact about each.
    pub people: Vec<usize>,
    /// Names of people who do not exist, asked about.
    pub unknown_names: Vec<String>,
    /// People a forbidden request is about.
    pub forbidden_people: Vec<usize>,
}

// ANCHOR: feedback_prompts
/// The prompts of one feedback set: a fact question about each of `people` (relation and phrasing vary), a
/// question about each unknown name, and a forbidden request about each of `forbidden_people`.
pub fn feedback_prompts(world: &World, mix: &PromptMix) -> Vec<Example> {
    let facts = mix.people.iter().enumerate().map(|(i, &p)| {
        let relation = Relation::ALL[i % Relation::ALL.len()];
        instruct::fact_question(world, p, relation, i / Relation::ALL.len())
    });
    let unknown = (mix.unknown_names.iter().enumerate()).map(|(i, name)| {
        let relation = Relation::ALL[i % Relation::ALL.len()];
        instruct::unknown_person_in(world.language(), name, relation)
    });
    let forbidden = (mix.forbidden_people.iter().enumerate())
        .map(|(i, &p)| instruct::forbidden_request(world, p, i % FORBIDDEN_KINDS));
    facts.chain(unknown).chain(forbidden).collect()
}
// ANCHOR_END: feedback_prompts
