//! Supervised fine-tuning: the chat template, the masked loss, and talking to the result.
//!
//! Fine-tuning is still next-token prediction; only the data changes. Each example becomes a conversation
//! written with special tokens,
//!
//! ```text
//! <|user|>Where was Kovi Zihan born?<|end|><|assistant|>Kovi Zihan was born in Dilfak.<|end|>
//! ```
//!
//! and the loss counts only the assistant's tokens (its answer and the closing `<|end|>`): the model
//! learns to answer and to stop, not to write questions. The prompt's targets are set to
//! [`IGNORE`], which the cross-entropy skips.

use crate::data::instruct::Example;
use crate::data::{Batches, IGNORE, Part};
use crate::generate::{self, SamplingConfig};
use crate::model::Model;
use crate::tokenizer::Tokenizer;
use anyhow::{Context, Result, bail};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

/// Who says a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Instructions for the assistant, before the conversation.
    System,
    /// The person asking.
    User,
    /// The model.
    Assistant,
}

impl Role {
    /// The special token that opens the role's messages.
    pub fn token(self) -> &'static str {
        match self {
            Role::System => "<|system|>",
            Role::User => "<|user|>",
            Role::Assistant => "<|assistant|>",
        }
    }
}

/// The special token that closes every message.
pub const END: &str = "<|end|>";

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Who says it.
    pub role: Role,
    /// What is said.
    pub content: String,
}

impl Message {
    /// A message of `role`.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Message {
            role,
            content: content.into(),
        }
    }
}

// ANCHOR: template
/// The conversation as the model reads it: each message is its role's token, the text, and `<|end|>`.
pub fn render(messages: &[Message]) -> String {
    messages
        .iter()
        .map(|m| format!("{}{}{END}", m.role.token(), m.content))
        .collect()
}

/// What the model continues to answer: the conversation so far and the assistant's opening token.
pub fn prompt(messages: &[Message]) -> String {
    render(messages) + Role::Assistant.token()
}
// ANCHOR_END: template

/// Read a rendered conversation back into messages; anything else than role-token, text, `<|end|>` is an
/// error naming where it went wrong.
pub fn parse(text: &str) -> Result<Vec<Message>> {
    let mut messages = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let role = [Role::System, Role::User, Role::Assistant]
            .into_iter()
            .find(|r| rest.starts_with(r.token()))
            .with_context(|| format!("expected a role token at {:?}", preview(rest)))?;
        rest = &rest[role.token().len()..];
        let end = rest
            .find(END)
            .with_context(|| format!("the {role:?} message is not closed by {END}"))?;
        messages.push(Message::new(role, &rest[..end]));
        rest = &rest[end + END.len()..];
    }
    Ok(messages)
}

fn preview(text: &str) -> String {
    text.chars().take(20).collect()
}

/// The conversation of one fine-tuning example: the user's instruction and the reference answer.
pub fn conversation(example: &Example) -> Vec<Message> {
    vec![
        Message::new(Role::User, &example.prompt),
        Message::new(Role::Assistant, &example.response),
    ]
}

/// A conversation as token ids, and which of them are the assistant's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encoded {
    /// The token ids of the rendered conversation.
    pub ids: Vec<i64>,
    /// `mask[t]`: token `t` is one the model must learn to write (an assistant's text or its `<|end|>`).
    pub mask: Vec<bool>,
}

fn special(tokenizer: &Tokenizer, token: &str) -> Result<i64> {
    tokenizer.special_id(token).with_context(|| {
        format!(
            "the chat template needs the special token {token}: use a BPE tokenizer (chapter 3)"
        )
    })
}

/// Refuse a tokenizer without the chat template's special tokens (a character vocabulary, say).
pub fn check_template(tokenizer: &Tokenizer) -> Result<()> {
    for role in [Role::System, Role::User, Role::Assistant] {
        special(tokenizer, role.token())?;
    }
    special(tokenizer, END).map(|_| ())
}

// ANCHOR: encode
/// Tokenize a conversation and mark the assistant's tokens: everything after an `<|assistant|>` token up to
/// and including the `<|end|>` that closes it. With `mask_prompt` off every token counts (for comparison).
pub fn encode(tokenizer: &Tokenizer, messages: &[Message], mask_prompt: bool) -> Result<Encoded> {
    let (assistant, end) = (
        special(tokenizer, Role::Assistant.token())?,
        special(tokenizer, END)?,
    );
    let ids = tokenizer.encode(&render(messages));
    let mut in_answer = false;
    let mask = ids
        .iter()
        .map(|&id| {
            let learn = in_answer || !mask_prompt;
            if id == assistant {
                in_answer = true;
            } else if id == end {
                in_answer = false;
            }
            learn
        })
        .collect();
    Ok(Encoded { ids, mask })
}
// ANCHOR_END: encode

/// Fine-tuning data: encoded conversations to learn from and held-out ones to measure with.
#[derive(Clone, Debug)]
pub struct SftData {
    /// Training conversations.
    pub train: Vec<Encoded>,
    /// Validation conversations.
    pub val: Vec<Encoded>,
    /// The input that pads short conversations: `<|end|>` (its targets are ignored anyway).
    pub pad_id: i64,
}

impl SftData {
    /// Encode `train` and `val` examples; every conversation must fit `block_size + 1` tokens.
    pub fn new(
        tokenizer: &Tokenizer,
        train: &[Example],
        val: &[Example],
        mask_prompt: bool,
        block_size: usize,
    ) -> Result<Self> {
        let encode_all = |examples: &[Example], what: &str| -> Result<Vec<Encoded>> {
            if examples.is_empty() {
                bail!("the {what} set of fine-tuning examples is empty");
            }
            examples
                .iter()
                .map(|e| {
                    let encoded = encode(tokenizer, &conversation(e), mask_prompt)?;
                    if encoded.ids.len() > block_size + 1 {
                        bail!(
                            "the {what} example {:?} has {} tokens: more than block_size + 1 = {}",
                            e.prompt,
                            encoded.ids.len(),
                            block_size + 1
                        );
                    }
                    Ok(encoded)
                })
                .collect()
        };
        Ok(SftData {
            train: encode_all(train, "training")?,
            val: encode_all(val, "validation")?,
            pad_id: special(tokenizer, END)?,
        })
    }
}

impl SftData {
    /// Inputs of the longest conversation (its length − 1): the widest batch there can be, so a block size
    /// past it only counts padding.
    pub fn longest_input(&self) -> usize {
        self.train
            .iter()
            .chain(&self.val)
            .map(|e| e.ids.len() - 1)
            .max()
            .unwrap_or(1)
    }
}

// ANCHOR: sft_batch
impl Batches for SftData {
    /// `batch_size` conversations drawn at random, each shifted by one token into inputs and targets,
    /// targets outside the mask set to `IGNORE`, and padded at the end to the longest (padding is ignored
    /// too; causal attention keeps it from changing any earlier position).
    fn batch(
        &self,
        part: Part,
        batch_size: usize,
        block_size: usize,
        rng: &mut ChaCha8Rng,
        device: Device,
    ) -> (Tensor, Tensor) {
        let pool = match part {
            Part::Train => &self.train,
            Part::Val => &self.val,
        };
        let rows: Vec<(Vec<i64>, Vec<i64>)> = (0..batch_size)
            .map(|_| {
                let e = &pool[rng.random_range(0..pool.len())];
                let n = (e.ids.len() - 1).min(block_size);
                let x = e.ids[..n].to_vec();
                let y = (1..=n)
                    .map(|t| if e.mask[t] { e.ids[t] } else { IGNORE })
                    .collect();
                (x, y)
            })
            .collect();
        let width = rows.iter().map(|(x, _)| x.len()).max().unwrap_or(1);
        let pad = |v: &[i64], with: i64| -> Vec<i64> {
            v.iter()
                .copied()
                .chain(std::iter::repeat_n(with, width - v.len()))
                .collect()
        };
        let stack = |flat: Vec<i64>| {
            Tensor::from_slice(&flat)
                .view([batch_size as i64, width as i64])
                .to_device(device)
        };
        let inputs = rows.iter().flat_map(|(x, _)| pad(x, self.pad_id)).collect();
        let targets = rows.iter().flat_map(|(_, y)| pad(y, IGNORE)).collect();
        (stack(inputs), stack(targets))
    }
}
// ANCHOR_END: sft_batch

/// Greedy settings for answers that are measured: the most likely answer, at most `max_new_tokens` tokens,
/// stopping at `<|end|>`.
pub fn greedy_answer(max_new_tokens: usize) -> SamplingConfig {
    SamplingConfig {
        temperature: 0.0,
        max_new_tokens,
        stop: vec![END.into()],
        ..SamplingConfig::default()
    }
}

// ANCHOR: reply
/// The assistant's reply to the conversation so far, streamed to `on_token`; generation stops at `<|end|>`
/// (not shown) or after `sampling.max_new_tokens`. Returns the reply and whether it ended with `<|end|>`.
pub fn reply_with(
    model: &Model,
    tokenizer: &Tokenizer,
    messages: &[Message],
    sampling: &SamplingConfig,
    mut on_token: impl FnMut(&str),
) -> Result<(String, bool)> {
    let mut cfg = sampling.clone();
    if !cfg.stop.iter().any(|s| s == END) {
        cfg.stop.push(END.into());
    }
    let text = generate::generate_with(model, tokenizer, &prompt(messages), &cfg, |piece| {
        let visible = piece.replace(END, ""); // the end token is one token: it never arrives split
        if !visible.is_empty() {
            on_token(&visible);
        }
    })?;
    let stopped = text.ends_with(END);
    Ok((text.trim_end_matches(END).to_string(), stopped))
}
// ANCHOR_END: reply

/// The reply to one question, greedy: what the accuracy measures.
pub fn answer(
    model: &Model,
    tokenizer: &Tokenizer,
    question: &str,
    max_new_tokens: usize,
) -> Result<(String, bool)> {
    let messages = [Message::new(Role::User, question)];
    reply_with(
        model,
        tokenizer,
        &messages,
        &greedy_answer(max_new_tokens),
        |_| {},
    )
}

/// How a model answered a set of questions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnswerScore {
    /// Questions asked.
    pub questions: usize,
    /// Fraction whose answer contains the key (the fact's object, the sum): the answer is right.
    pub accuracy: f64,
    /// Fraction answered with exactly the reference answer.
    pub exact_match: f64,
    /// Fraction of answers that ended with `<|end|>`: the model stopped by itself.
    pub stopped: f64,
}

// ANCHOR: score_answers
/// Ask every example's question greedily and score the answers against the reference.
pub fn score_answers(
    model: &Model,
    tokenizer: &Tokenizer,
    examples: &[Example],
    max_new_tokens: usize,
) -> Result<AnswerScore> {
    let (mut right, mut exact, mut stopped) = (0, 0, 0);
    for e in examples {
        let (reply, ended) = answer(model, tokenizer, &e.prompt, max_new_tokens)?;
        right += usize::from(reply.contains(&e.key));
        exact += usize::from(reply.trim() == e.response);
        stopped += usize::from(ended);
    }
    let n = examples.len().max(1) as f64;
    Ok(AnswerScore {
        questions: examples.len(),
        accuracy: right as f64 / n,
        exact_match: exact as f64 / n,
        stopped: stopped as f64 / n,
    })
}
// ANCHOR_END: score_answers

/// A conversation with a fine-tuned model that keeps its history: what `jielong chat` and the notebook use.
pub struct Chat<'m> {
    model: &'m Model,
    tokenizer: &'m Tokenizer,
    /// The conversation so far (the system message, if any, first).
    pub messages: Vec<Message>,
    /// How replies are sampled.
    pub sampling: SamplingConfig,
}

impl<'m> Chat<'m> {
    /// A new conversation, with an optional system message.
    pub fn new(
        model: &'m Model,
        tokenizer: &'m Tokenizer,
        system: Option<&str>,
        sampling: SamplingConfig,
    ) -> Self {
        Chat {
            model,
            tokenizer,
            messages: system
                .map(|s| Message::new(Role::System, s))
                .into_iter()
                .collect(),
            sampling,
        }
    }

    /// Say `text`; the reply is streamed to `on_token`, added to the history and returned. When the
    /// history no longer fits the model's context, the oldest turns are dropped (the system message stays).
    pub fn send(&mut self, text: &str, on_token: impl FnMut(&str)) -> Result<String> {
        self.messages.push(Message::new(Role::User, text));
        self.fit_context();
        let (reply, _) = reply_with(
            self.model,
            self.tokenizer,
            &self.messages,
            &self.sampling,
            on_token,
        )?;
        self.messages.push(Message::new(Role::Assistant, &reply));
        self.sampling.seed = self.sampling.seed.wrapping_add(1); // a new draw next turn
        Ok(reply)
    }

    /// Forget the conversation (the system message stays).
    pub fn reset(&mut self) {
        self.messages.retain(|m| m.role == Role::System);
    }

    /// Drop the oldest exchanges (a user message and the reply to it) until the prompt leaves room for a
    /// reply in the model's context; the system message and the newest question always stay.
    fn fit_context(&mut self) {
        let Some(block) = self.model.config().block_size() else {
            return;
        };
        let budget = block.saturating_sub(self.sampling.max_new_tokens.min(block / 2));
        while self.tokenizer.encode(&prompt(&self.messages)).len() > budget {
            let first = self.messages.iter().position(|m| m.role != Role::System);
            match first {
                Some(i) if i + 2 < self.messages.len() => {
                    self.messages.drain(i..i + 2); // a question and its answer, together
                }
                _ => break,
            }
        }
    }
}

/// A chat command: a line starting with `/`.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatCommand {
    /// `/temp 0.7`: sampling temperature (0 = greedy).
    Temperature(f64),
    /// `/topp 0.9`: nucleus sampling's p.
    TopP(f64),
    /// `/reset`: forget the conversation.
    Reset,
    /// `/help`: list the commands.
    Help,
    /// `/quit` (or end of input): leave.
    Quit,
}

/// What `/help` prints.
pub const CHAT_HELP: &str = "commands: /temp T (0 = greedy) · /topp P · /reset · /help · /quit";

impl ChatCommand {
    /// The command on `line`, `None` when the line is a message, or an error naming what is wrong.
    pub fn parse(line: &str) -> Option<Result<ChatCommand>> {
        let line = line.trim();
        let rest = line.strip_prefix('/')?;
        let mut words = rest.split_whitespace();
        let name = words.next().unwrap_or("");
        let number = |what: &str| -> Result<f64> {
            let arg = words
                .clone()
                .next()
                .with_context(|| format!("/{name} needs a {what}"))?;
            arg.parse()
                .with_context(|| format!("/{name}: {arg:?} is not a number"))
        };
        Some(match name {
            "temp" => number("temperature").map(ChatCommand::Temperature),
            "topp" => number("probability").map(ChatCommand::TopP),
            "reset" => Ok(ChatCommand::Reset),
            "help" => Ok(ChatCommand::Help),
            "quit" | "exit" => Ok(ChatCommand::Quit),
            other => Err(anyhow::anyhow!("unknown command /{other}; {CHAT_HELP}")),
        })
    }
}

impl Chat<'_> {
    /// Apply a command; returns what to tell the user. Invalid settings are refused and change nothing.
    pub fn apply(&mut self, command: &ChatCommand) -> Result<String> {
        let mut sampling = self.sampling.clone();
        let told = match command {
            ChatCommand::Temperature(t) => {
                sampling.temperature = *t;
                format!("temperature {t}")
            }
            ChatCommand::TopP(p) => {
                sampling.top_p = *p;
                format!("top-p {p}")
            }
            ChatCommand::Reset => {
                self.reset();
                "conversation forgotten".into()
            }
            ChatCommand::Help => CHAT_HELP.into(),
            ChatCommand::Quit => "bye".into(),
        };
        sampling.validate()?;
        self.sampling = sampling;
        Ok(told)
    }
}
