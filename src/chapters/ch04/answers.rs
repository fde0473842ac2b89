//! The model's answers, shown: one conversation with its loss mask, the same questions before and after
//! fine-tuning, and questions about people who do not exist.

use super::config::Ch04Config;
use super::data::Ch04Data;
use super::words::words;
use crate::chapters::ch03::{self};
use crate::data::instruct::{self, Example};
use crate::data::world::{Relation, World};
use crate::model::Model;
use crate::sft::{self};
use crate::tokenizer::Tokenizer;
use anyhow::Result;
use serde::{Deserialize, Serialize};

/// The same question to the pretrained and to the fine-tuned model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BeforeAfter {
    /// Whose fact: a fine-tuned person, a held-out person, or nobody.
    pub about: String,
    /// The question.
    pub question: String,
    /// The pretrained model's greedy continuation of the bare question.
    pub pretrained: String,
    /// The fine-tuned model's answer.
    pub finetuned: String,
    /// Whether the fine-tuned model stopped by itself.
    pub stopped: bool,
}

/// One token of a conversation and whether the loss counts it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MaskedToken {
    /// The token's text.
    pub piece: String,
    /// Whether it is a target of the masked loss.
    pub learned: bool,
}

/// The first training conversation, token by token, with its mask.
pub fn mask_example(tokenizer: &Tokenizer, example: &Example) -> Result<Vec<MaskedToken>> {
    let encoded = sft::encode(tokenizer, &sft::conversation(example), true)?;
    Ok(encoded
        .ids
        .iter()
        .zip(&encoded.mask)
        .map(|(&id, &learned)| MaskedToken {
            piece: tokenizer.token_piece(id),
            learned,
        })
        .collect())
}

/// The pretrained model's continuation of the bare question, and the fine-tuned model's answer.
pub fn ask_both(
    cfg: &Ch04Config,
    about: &str,
    question: &str,
    base: &Model,
    tuned: &Model,
    tokenizer: &Tokenizer,
) -> Result<BeforeAfter> {
    let (finetuned, stopped) = sft::answer(tuned, tokenizer, question, cfg.max_answer_tokens)?;
    Ok(BeforeAfter {
        about: about.into(),
        question: question.into(),
        pretrained: ch03::greedy(base, tokenizer, question, cfg.max_answer_tokens)?,
        finetuned,
        stopped,
    })
}

/// The same five questions (two about fine-tuned people, two about held-out ones, an addition) to the
/// pretrained and the fine-tuned model.
pub fn before_after(
    cfg: &Ch04Config,
    data: &Ch04Data,
    base: &Model,
    tuned: &Model,
    tokenizer: &Tokenizer,
) -> Result<Vec<BeforeAfter>> {
    let held = cfg.sft_people;
    let [tuned_person, held_person, addition, _] = words(cfg.language).about;
    let questions = [
        (
            tuned_person,
            instruct::fact_question(&data.world, 0, Relation::BirthCity, 0).prompt,
        ),
        (tuned_person, instruct::summary(&data.world, 1).prompt),
        (
            held_person,
            instruct::fact_question(&data.world, held, Relation::Job, 0).prompt,
        ),
        (
            held_person,
            instruct::fact_question(&data.world, held + 1, Relation::PetName, 1).prompt,
        ),
        (addition, instruct::addition_in(cfg.language, 25, 17).prompt),
    ];
    questions
        .iter()
        .map(|(about, q)| ask_both(cfg, about, q, base, tuned, tokenizer))
        .collect()
}

/// Questions about people who do not exist, to both models: the fine-tuned one invents an answer.
pub fn unknown_people(
    cfg: &Ch04Config,
    world: &World,
    base: &Model,
    tuned: &Model,
    tokenizer: &Tokenizer,
) -> Result<Vec<BeforeAfter>> {
    world
        .unknown_names(cfg.unknown_people, cfg.seed)
        .iter()
        .zip(Relation::ALL.iter().cycle())
        .map(|(name, &relation)| {
            let q = instruct::unknown_person_in(world.language(), name, relation).prompt;
            ask_both(
                cfg,
                words(cfg.language).about[3],
                &q,
                base,
                tuned,
                tokenizer,
            )
        })
        .collect()
}
