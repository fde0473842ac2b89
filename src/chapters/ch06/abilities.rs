//! What a size can do, measured on fresh problems: addition with and without worked steps, the code book
//! with a growing number of examples, and string operations asked for as instructions, trained and held out.

use super::config::Ch06Config;
use crate::data::arithmetic::{self, Addition};
use crate::data::skills::{self, Format, StringOp};
use crate::eval::{self};
use crate::generate::{self, SamplingConfig};
use crate::model::Model;
use crate::tokenizer::Tokenizer;
use anyhow::Result;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

// ANCHOR: complete
/// The model's greedy continuation of `prompt`, up to the end of the line or `max_chars` characters. The
/// prompt is read as a line of the skills text, after a newline, as every line was in training.
pub fn complete(
    model: &Model,
    tokenizer: &Tokenizer,
    prompt: &str,
    max_chars: usize,
) -> Result<String> {
    let cfg = SamplingConfig {
        temperature: 0.0,
        max_new_tokens: max_chars,
        stop: vec!["\n".into()],
        ..SamplingConfig::default()
    };
    let text = generate::generate(model, tokenizer, &format!("\n{prompt}"), &cfg)?;
    Ok(text.strip_suffix('\n').unwrap_or(&text).to_string())
}
// ANCHOR_END: complete

/// An answer scored three ways (see [`eval::exact_match`]): all or nothing, per character, by edits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Exact match.
    pub exact: f64,
    /// Per-character accuracy.
    pub per_char: f64,
    /// Edit similarity.
    pub edit: f64,
}

impl Scores {
    /// The three scores of one answer.
    pub fn of(answer: &str, target: &str) -> Self {
        Scores {
            exact: eval::exact_match(answer, target),
            per_char: eval::char_accuracy(answer, target),
            edit: eval::edit_similarity(answer, target),
        }
    }

    /// The mean of each score over many answers.
    pub fn mean(all: &[Scores]) -> Self {
        let n = all.len().max(1) as f64;
        let sum = |f: fn(&Scores) -> f64| all.iter().map(f).sum::<f64>() / n;
        Scores {
            exact: sum(|s| s.exact),
            per_char: sum(|s| s.per_char),
            edit: sum(|s| s.edit),
        }
    }
}

/// Addition at one digit count in one format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdditionScore {
    /// Direct or worked.
    pub format: Format,
    /// Digits per operand.
    pub digits: u32,
    /// Whether this digit count was in the training text.
    pub trained: bool,
    /// The final answers' scores (the number after the steps, for the worked format).
    pub scores: Scores,
    /// One problem and the model's completion, to show.
    pub example: (String, String),
}

/// The code book with `shots` examples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodeScore {
    /// Examples in the prompt.
    pub shots: usize,
    /// The answers' scores.
    pub scores: Scores,
    /// The fraction of prompts whose examples looked up the query's word.
    pub shown: f64,
    /// What a perfect reader would get right: [`skills::ideal_code_accuracy`].
    pub ideal: f64,
}

/// One string operation asked for as an instruction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpScore {
    /// The operation.
    pub op: StringOp,
    /// Whether instructions for it were in the training text.
    pub instructed: bool,
    /// Answers to `Q: op word A:`.
    pub instruction: Scores,
    /// Completions of the prose `the op of word is` (does the model know the operation at all?).
    pub prose: Scores,
}

/// Everything one size can do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Abilities {
    /// Addition, per format and digit count.
    pub addition: Vec<AdditionScore>,
    /// The code book, per number of examples.
    pub code: Vec<CodeScore>,
    /// String operations as instructions.
    pub ops: Vec<OpScore>,
}

impl Abilities {
    /// Mean scores of the operations asked for in training (`true`) or held out (`false`), as instructions.
    pub fn instructions(&self, instructed: bool) -> Scores {
        self.mean_over_ops(instructed, |o| o.instruction)
    }

    /// Mean prose scores of the held-out operations.
    pub fn held_out_prose(&self) -> Scores {
        self.mean_over_ops(false, |o| o.prose)
    }

    /// The mean of one score over the operations instructed in training (`true`) or held out (`false`).
    fn mean_over_ops(&self, instructed: bool, score: fn(&OpScore) -> Scores) -> Scores {
        let picked: Vec<Scores> = (self.ops.iter())
            .filter(|o| o.instructed == instructed)
            .map(score)
            .collect();
        Scores::mean(&picked)
    }

    /// Addition scores of `format` at `digits`.
    pub fn addition_at(&self, format: Format, digits: u32) -> Option<&AdditionScore> {
        (self.addition.iter()).find(|a| a.format == format && a.digits == digits)
    }
}

// ANCHOR: addition_ability
/// Addition in both formats at every digit count: greedy answers to fresh problems, the final number scored.
pub fn addition_ability(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &Ch06Config,
) -> Result<Vec<AdditionScore>> {
    let mut out = Vec::new();
    for format in Format::ALL {
        for digits in 1..=cfg.abilities.test_digits {
            out.push(addition_score(model, tokenizer, cfg, format, digits)?);
        }
    }
    Ok(out)
}

/// Addition at one digit count in one format: `abilities.problems` fresh problems (the same for every model),
/// each answered greedily and its final number scored.
pub fn addition_score(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &Ch06Config,
    format: Format,
    digits: u32,
) -> Result<AdditionScore> {
    let a = &cfg.abilities;
    let mut rng = ChaCha8Rng::seed_from_u64(a.seed + u64::from(digits));
    let problems: Vec<Addition> = (0..a.problems)
        .map(|_| Addition::sample(digits, &mut rng))
        .collect();
    let largest = Addition {
        a: 10u64.pow(digits) - 1,
        b: 10u64.pow(digits) - 1,
    };
    let max_chars = format.completion(&largest).len() + 4;
    let mut scores = Vec::new();
    let mut example = None;
    for p in &problems {
        let prompt = format.prompt(p);
        let written = complete(model, tokenizer, &prompt, max_chars)?;
        let answer = arithmetic::parse_answer(&written, format == Format::Worked)
            .map_or_else(|| final_part(&written), |n| n.to_string());
        scores.push(Scores::of(&answer, &p.direct()));
        example.get_or_insert((prompt, written));
    }
    Ok(AdditionScore {
        format,
        digits,
        trained: digits <= cfg.skills.max_digits,
        scores: Scores::mean(&scores),
        example: example.unwrap_or_default(),
    })
}
// ANCHOR_END: addition_ability

/// What a completion that never reached a parsable number offers as its answer, for partial credit: the text
/// after the last answer mark, or all of it.
fn final_part(written: &str) -> String {
    written
        .rsplit_once(arithmetic::ANSWER_MARK)
        .map_or(written, |(_, tail)| tail)
        .to_string()
}

// ANCHOR: code_ability
/// The code book with 0 to `max_shots` examples: a new book in every prompt, so only the prompt can tell.
pub fn code_ability(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &Ch06Config,
) -> Result<Vec<CodeScore>> {
    let a = &cfg.abilities;
    (0..=a.max_shots)
        .map(|shots| {
            let mut rng = ChaCha8Rng::seed_from_u64(a.seed ^ (0xc0de + shots as u64));
            let mut scores = Vec::new();
            let mut shown = 0.0;
            for _ in 0..a.code_prompts {
                let item = skills::code_prompt(shots, cfg.skills.code_entries, &mut rng);
                let written = complete(model, tokenizer, &item.prompt, skills::CODE_LEN)?;
                scores.push(Scores::of(&written, &item.answer));
                shown += f64::from(u8::from(item.shown)) / a.code_prompts as f64;
            }
            Ok(CodeScore {
                shots,
                scores: Scores::mean(&scores),
                shown,
                ideal: skills::ideal_code_accuracy(shots, cfg.skills.code_entries),
            })
        })
        .collect()
}
// ANCHOR_END: code_ability

// ANCHOR: instruction_ability
/// Every string operation asked for as an instruction (and, to see whether the model knows it at all, in
/// prose), on fresh words.
pub fn instruction_ability(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &Ch06Config,
) -> Result<Vec<OpScore>> {
    let a = &cfg.abilities;
    let phrasing = skills::phrasing(cfg.skills.language);
    StringOp::ALL
        .iter()
        .enumerate()
        .map(|(i, &op)| {
            let mut rng = ChaCha8Rng::seed_from_u64(a.seed ^ (0x0b5 + i as u64));
            let (mut asked, mut told) = (Vec::new(), Vec::new());
            for _ in 0..a.words {
                let len = rand::Rng::random_range(
                    &mut rng,
                    cfg.skills.word_len.0..=cfg.skills.word_len.1,
                );
                let word = skills::word(len, &mut rng);
                let target = op.apply(&word);
                let max_chars = target.len() + 4;
                let answer = complete(
                    model,
                    tokenizer,
                    &phrasing.instruction(op, &word),
                    max_chars,
                )?;
                asked.push(Scores::of(&answer, &target));
                let said = complete(
                    model,
                    tokenizer,
                    &phrasing.prose_prompt(op, &word),
                    max_chars,
                )?;
                told.push(Scores::of(phrasing.prose_answer(&said), &target));
            }
            Ok(OpScore {
                op,
                instructed: cfg.skills.instructed.contains(&op),
                instruction: Scores::mean(&asked),
                prose: Scores::mean(&told),
            })
        })
        .collect()
}
// ANCHOR_END: instruction_ability
