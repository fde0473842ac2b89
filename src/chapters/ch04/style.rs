//! Inconsistent style, measured: the same questions asked several times under a sampling preset, each draw
//! with its own seed, and the *form* of the answers counted — how many different answers and sentence forms
//! one question gets, how long they are, and how many stop with `<|end|>` by themselves.

use super::words::Words;
use crate::chapters::fill;
use crate::data::instruct;
use crate::data::world::{Relation, World};
use crate::generate::Preset;
use crate::markdown::Table;
use crate::model::Model;
use crate::sft::{self, Message, Role};
use crate::tokenizer::Tokenizer;
use anyhow::{Result, ensure};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Which questions to ask, how often, and how to sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StyleConfig {
    /// The facts asked about, each in every phrasing, of the first fine-tuned and the first held-out person.
    pub relations: Vec<Relation>,
    /// Answers drawn per question, with seeds `seed`, `seed + 1`, ….
    pub draws: usize,
    /// Seed of the first draw.
    pub seed: u64,
    /// How to sample.
    pub preset: Preset,
}

impl Default for StyleConfig {
    fn default() -> Self {
        StyleConfig {
            relations: vec![Relation::Job, Relation::PetName],
            draws: 8,
            seed: 0,
            preset: Preset::Balanced,
        }
    }
}

impl StyleConfig {
    /// Refuse a measurement of nothing; the error names the field.
    pub fn validate(&self) -> Result<()> {
        ensure!(
            !self.relations.is_empty() && self.draws > 0,
            "ch04 config: style.relations must name a relation and style.draws be above 0"
        );
        Ok(())
    }
}

/// One sampled answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draw {
    /// Its seed.
    pub seed: u64,
    /// The answer, without `<|end|>`.
    pub answer: String,
    /// Its form: the paraphrase template it follows, whatever the facts ([`form_of`]).
    pub form: String,
    /// Characters.
    pub chars: usize,
    /// Tokens.
    pub tokens: usize,
    /// Whether it ended with `<|end|>` by itself.
    pub stopped: bool,
}

/// One question, asked `draws` times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StyleQuestion {
    /// Whose fact: a fine-tuned or a held-out person.
    pub about: String,
    /// The question.
    pub question: String,
    /// The answer fine-tuning would have taught for it.
    pub reference: String,
    /// Every draw, in seed order.
    pub draws: Vec<Draw>,
    /// Different answers, word for word.
    pub distinct_answers: usize,
    /// Every form and how many draws had it, most frequent first (ties in order of appearance).
    pub forms: Vec<(String, usize)>,
}

/// Spread of a length: smallest, largest, mean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Smallest.
    pub min: usize,
    /// Largest.
    pub max: usize,
    /// Mean.
    pub mean: f64,
}

impl Spread {
    /// The spread of `values` (all zero when there are none).
    pub fn of(values: impl IntoIterator<Item = usize>) -> Self {
        let values: Vec<usize> = values.into_iter().collect();
        let n = values.len().max(1) as f64;
        Spread {
            min: values.iter().copied().min().unwrap_or(0),
            max: values.iter().copied().max().unwrap_or(0),
            mean: values.iter().sum::<usize>() as f64 / n,
        }
    }
}

/// What the measurement found.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StyleResult {
    /// The sampling preset.
    pub preset: Option<Preset>,
    /// Every question with its draws.
    pub questions: Vec<StyleQuestion>,
    /// All draws.
    pub draws: usize,
    /// Draws that ended with `<|end|>`.
    pub stopped: usize,
    /// Draws that were the reference answer word for word.
    pub reference: usize,
    /// Mean number of different answers per question.
    pub distinct_answers: f64,
    /// Mean number of forms per question.
    pub distinct_forms: f64,
    /// Answer lengths in characters, over all draws.
    pub chars: Spread,
    /// Answer lengths in tokens, over all draws.
    pub tokens: Spread,
}

// ANCHOR: form_of
/// The form of an answer about `person`'s `relation`: the world's paraphrase template it follows — one of
/// the asked relation's, else any relation's (`"{subject} works as a {object}."`) — whatever facts fill its
/// slots, right or wrong. An answer that follows no template is its own form, with the person's name as
/// `{subject}` and any value of the relation as `{object}`.
pub fn form_of(world: &World, person: usize, relation: Relation, answer: &str) -> String {
    let asked = Relation::ALL
        .iter()
        .position(|&r| r == relation)
        .unwrap_or(0);
    let templates = world.wording().templates;
    let first = templates[asked].iter();
    let others = (templates.iter().enumerate()).filter(|&(i, _)| i != asked);
    let mut all = first.chain(others.flat_map(|(_, t)| t.iter()));
    if let Some(template) = all.find(|t| follows(answer, t)) {
        return template.to_string();
    }
    let mut values: Vec<String> = (0..world.people.len())
        .map(|p| world.object(p, relation))
        .collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.chars().count()));
    values.dedup();
    let named = answer.replace(&world.people[person].name, "{subject}");
    (values.iter())
        .filter(|v| !v.is_empty())
        .fold(named, |form, v| form.replace(v.as_str(), "{object}"))
}
// ANCHOR_END: form_of

/// Whether `text` is `template` with some non-empty text in each of its `{slot}`s.
fn follows(text: &str, template: &str) -> bool {
    // the literal pieces: before the first slot, between slots, after the last
    let mut literals = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        literals.push(&rest[..open]);
        rest = rest[open..].split_once('}').map_or("", |(_, after)| after);
    }
    literals.push(rest);
    let (head, tail) = (literals[0], literals[literals.len() - 1]);
    if literals.len() == 1 {
        return text == head;
    }
    let Some(mut rest) = text.strip_prefix(head).and_then(|r| r.strip_suffix(tail)) else {
        return false;
    };
    for literal in &literals[1..literals.len() - 1] {
        // the slot before it takes at least one character; the leftmost match leaves the most for the rest
        let Some(first) = rest.chars().next() else {
            return false;
        };
        let Some(at) = rest[first.len_utf8()..].find(literal) else {
            return false;
        };
        rest = &rest[first.len_utf8() + at + literal.len()..];
    }
    !rest.is_empty()
}

// ANCHOR: style
/// Ask every question of `cfg` about `people` (`(about, person)`) `cfg.draws` times under `cfg.preset`, one
/// seed per draw, and count the answers' forms, lengths and stops.
pub fn style(
    cfg: &StyleConfig,
    world: &World,
    people: &[(&str, usize)],
    model: &Model,
    tokenizer: &Tokenizer,
    max_tokens: usize,
) -> Result<StyleResult> {
    let mut questions = Vec::new();
    for &(about, person) in people {
        for &relation in &cfg.relations {
            for phrasing in 0..instruct::PHRASINGS {
                let example = instruct::fact_question(world, person, relation, phrasing);
                let draws = (0..cfg.draws as u64)
                    .map(|i| {
                        let (answer, stopped) = sample(
                            cfg,
                            model,
                            tokenizer,
                            &example.prompt,
                            cfg.seed + i,
                            max_tokens,
                        )?;
                        Ok(Draw {
                            seed: cfg.seed + i,
                            form: form_of(world, person, relation, &answer),
                            chars: answer.chars().count(),
                            tokens: tokenizer.encode(&answer).len(),
                            answer,
                            stopped,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                questions.push(question(about, example.prompt, example.response, draws));
            }
        }
    }
    Ok(summarize(cfg.preset, questions))
}
// ANCHOR_END: style

/// One answer to `question` drawn under `cfg.preset` with `seed`, and whether it stopped by itself.
fn sample(
    cfg: &StyleConfig,
    model: &Model,
    tokenizer: &Tokenizer,
    question: &str,
    seed: u64,
    max_tokens: usize,
) -> Result<(String, bool)> {
    let sampling = crate::generate::SamplingConfig {
        seed,
        max_new_tokens: max_tokens,
        ..cfg.preset.config()
    };
    let messages = [Message::new(Role::User, question)];
    sft::reply_with(model, tokenizer, &messages, &sampling, |_| {})
}

/// A question's draws, with its different answers and forms counted.
fn question(about: &str, question: String, reference: String, draws: Vec<Draw>) -> StyleQuestion {
    let distinct = |f: fn(&Draw) -> &str| {
        let mut seen: Vec<(String, usize)> = Vec::new();
        for d in &draws {
            match seen.iter_mut().find(|(s, _)| s == f(d)) {
                Some((_, n)) => *n += 1,
                None => seen.push((f(d).to_string(), 1)),
            }
        }
        seen
    };
    let mut forms = distinct(|d| &d.form);
    forms.sort_by_key(|(_, n)| std::cmp::Reverse(*n)); // stable: ties keep their order
    StyleQuestion {
        about: about.into(),
        distinct_answers: distinct(|d| &d.answer).len(),
        forms,
        question,
        reference,
        draws,
    }
}

/// The totals over every question.
fn summarize(preset: Preset, questions: Vec<StyleQuestion>) -> StyleResult {
    let all: Vec<&Draw> = questions.iter().flat_map(|q| &q.draws).collect();
    let per_question = |f: fn(&StyleQuestion) -> usize| {
        questions.iter().map(f).sum::<usize>() as f64 / questions.len().max(1) as f64
    };
    StyleResult {
        preset: Some(preset),
        draws: all.len(),
        stopped: all.iter().filter(|d| d.stopped).count(),
        reference: (questions.iter())
            .map(|q| q.draws.iter().filter(|d| d.answer == q.reference).count())
            .sum(),
        distinct_answers: per_question(|q| q.distinct_answers),
        distinct_forms: per_question(|q| q.forms.len()),
        chars: Spread::of(all.iter().map(|d| d.chars)),
        tokens: Spread::of(all.iter().map(|d| d.tokens)),
        questions,
    }
}

/// The style section of chapter 4's report: the totals, a table of every question, and the draws of the first
/// question that got more than one form. Empty for a result without draws.
pub fn report(w: &Words, r: &StyleResult) -> String {
    let Some(preset) = r.preset.filter(|_| r.draws > 0) else {
        return String::new();
    };
    let per_question = r.draws / r.questions.len().max(1);
    let seeds = (r.questions.first()).map_or((0, 0), |q| {
        (q.draws[0].seed, q.draws[q.draws.len() - 1].seed)
    });
    let f1 = |x: f64| format!("{x:.1}");
    let numbers: [(&str, String); 12] = [
        ("draws", per_question.to_string()),
        ("preset", preset.name().to_string()),
        ("first", seeds.0.to_string()),
        ("last", seeds.1.to_string()),
        ("answers", f1(r.distinct_answers)),
        ("forms", f1(r.distinct_forms)),
        ("min", r.chars.min.to_string()),
        ("max", r.chars.max.to_string()),
        ("mean", f1(r.chars.mean)),
        ("stopped", r.stopped.to_string()),
        ("total", r.draws.to_string()),
        ("reference", r.reference.to_string()),
    ];
    let slots: Vec<(&str, &dyn std::fmt::Display)> = (numbers.iter())
        .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
        .collect();
    let mut md = format!("\n## {}\n\n{}\n\n", w.style, fill(w.style_summary, &slots));
    let mut table = Table::new(w.style_header, "llrrrr");
    for q in &r.questions {
        let chars = Spread::of(q.draws.iter().map(|d| d.chars));
        table.row([
            q.about.clone(),
            q.question.clone(),
            q.distinct_answers.to_string(),
            q.forms.len().to_string(),
            format!("{}–{}", chars.min, chars.max),
            q.draws.iter().filter(|d| d.stopped).count().to_string(),
        ]);
    }
    md += &table.to_string();
    if let Some(q) = r.questions.iter().find(|q| q.forms.len() > 1) {
        let [before, seed] = w.style_draws;
        let question = format!("{:?}", q.question);
        let _ = writeln!(md, "\n{}\n", fill(before, &[("question", &question)]));
        for d in &q.draws {
            let cut_off = if d.stopped { "" } else { w.answers[2] };
            let _ = writeln!(
                md,
                "- {}: {:?}{cut_off}",
                fill(seed, &[("seed", &d.seed)]),
                d.answer
            );
        }
    }
    md
}
