//! Rollouts: answers sampled from the policy, batched as token sequences, and the per-token
//! log-probabilities that every RL loss is written in.

use crate::data::feedback::Answer;
use crate::generate::{self, SamplingConfig};
use crate::model::Model;
use crate::sft::{self, END, Encoded, Message, Role};
use crate::tokenizer::Tokenizer;
use anyhow::{Context, Result, bail};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, Tensor};

/// The token ids the model continues to answer `question`: the user's message and `<|assistant|>`.
pub fn prompt_ids(tokenizer: &Tokenizer, question: &str) -> Vec<i64> {
    tokenizer.encode(&sft::prompt(&[Message::new(Role::User, question)]))
}

/// A prompt and an answer's ids as one conversation, the answer's tokens marked.
pub fn with_answer(prompt: &[i64], answer: &[i64]) -> Encoded {
    Encoded {
        ids: [prompt, answer].concat(),
        mask: (0..prompt.len() + answer.len())
            .map(|t| t >= prompt.len())
            .collect(),
    }
}

/// A written answer (a labeller's, or one kept as text) as a conversation: the answer's text, and
/// `<|end|>` if it ended by itself.
pub fn encode_answer(tokenizer: &Tokenizer, question: &str, answer: &Answer) -> Result<Encoded> {
    let end = tokenizer
        .special_id(END)
        .context("RL needs the chat template's <|end|>: use a BPE tokenizer (chapter 3)")?;
    let mut ids = tokenizer.encode(&answer.text);
    if answer.stopped {
        ids.push(end);
    }
    Ok(with_answer(&prompt_ids(tokenizer, question), &ids))
}

/// A batch of conversations as one tensor, padded at the end: what the policy, the reference, the reward
/// model and the value head all read.
pub struct Sequences {
    /// Token ids `[B, T]`.
    pub ids: Tensor,
    /// `[B, T − 1]`, 1.0 where the target `ids[:, t + 1]` is an answer token: the tokens RL scores.
    pub answer: Tensor,
    /// `[B]`: the position of each conversation's last token (where a reward model reads its score).
    pub last: Tensor,
}

impl Sequences {
    /// Pad `rows` with `pad_id` to the longest and stack them on `device`.
    pub fn new(rows: &[Encoded], pad_id: i64, device: Device) -> Self {
        let width = rows.iter().map(|r| r.ids.len()).max().unwrap_or(2).max(2);
        let (mut ids, mut answer) = (Vec::new(), Vec::new());
        for r in rows {
            ids.extend(r.ids.iter().copied());
            ids.extend(std::iter::repeat_n(pad_id, width - r.ids.len()));
            answer.extend(r.mask[1..].iter().map(|&m| f32::from(u8::from(m))));
            answer.extend(std::iter::repeat_n(0.0f32, width - r.ids.len()));
        }
        let b = rows.len() as i64;
        let last: Vec<i64> = rows.iter().map(|r| r.ids.len() as i64 - 1).collect();
        Sequences {
            ids: Tensor::from_slice(&ids)
                .view([b, width as i64])
                .to_device(device),
            answer: Tensor::from_slice(&answer)
                .view([b, width as i64 - 1])
                .to_device(device),
            last: Tensor::from_slice(&last).to_device(device),
        }
    }

    /// The inputs `ids[:, :-1]`, whose next tokens are `ids[:, 1:]`.
    pub fn inputs(&self) -> Tensor {
        let t = self.ids.size()[1];
        self.ids.narrow(1, 0, t - 1)
    }

    /// The targets `ids[:, 1:]`.
    pub fn targets(&self) -> Tensor {
        let t = self.ids.size()[1];
        self.ids.narrow(1, 1, t - 1)
    }
}

// ANCHOR: token_logprobs
/// `log π(y_t | y_<t)` of every target token: the log-softmax of the logits `[B, T − 1, V]` read at the
/// token that came next. `[B, T − 1]`; only the answer's entries mean anything.
pub fn token_logprobs(logits: &Tensor, seqs: &Sequences) -> Tensor {
    logits
        .log_softmax(-1, Kind::Float)
        .gather(2, &seqs.targets().unsqueeze(-1), false)
        .squeeze_dim(-1)
}

/// The log-probability of each whole answer, `log π(y | x) = Σ_t log π(y_t | x, y_<t)` over the answer's
/// tokens: `[B]`.
pub fn answer_logprob(model: &Model, seqs: &Sequences) -> Tensor {
    let logits = model.forward(&seqs.inputs(), false);
    (token_logprobs(&logits, seqs) * &seqs.answer).sum_dim_intlist(1, false, Kind::Float)
}
// ANCHOR_END: token_logprobs

/// The mean of `x` over the entries where `mask` is 1.
pub fn masked_mean(x: &Tensor, mask: &Tensor) -> Tensor {
    (x * mask).sum(Kind::Float) / mask.sum(Kind::Float).clamp_min(1.0)
}

/// One sampled answer: its token ids (with `<|end|>` if it stopped) and its text.
#[derive(Clone, Debug, PartialEq)]
pub struct Sampled {
    /// The answer's token ids.
    pub ids: Vec<i64>,
    /// The answer as the labeller reads it.
    pub answer: Answer,
}

// ANCHOR: sample_answers
/// `k` answers to `question`, sampled side by side as one batch that shares the prompt's KV cache, each
/// ending at `<|end|>` or after `sampling.max_new_tokens` tokens. The same seed gives the same answers.
pub fn sample_answers(
    model: &Model,
    tokenizer: &Tokenizer,
    question: &str,
    k: usize,
    sampling: &SamplingConfig,
) -> Result<Vec<Sampled>> {
    sampling.validate()?;
    if k == 0 {
        bail!("sampling answers: k must be at least 1");
    }
    let end = tokenizer
        .special_id(END)
        .context("sampling answers needs <|end|>")?;
    let prompt = prompt_ids(tokenizer, question);
    let block = model.config().block_size().unwrap_or(usize::MAX);
    if prompt.len() + sampling.max_new_tokens > block {
        bail!(
            "a prompt of {} tokens plus {} answer tokens exceeds the block size {block}",
            prompt.len(),
            sampling.max_new_tokens
        );
    }
    let mut cache = model.new_cache().context("sampling answers needs a GPT")?;
    let device = model.device();
    let start = Tensor::from_slice(&prompt)
        .to_device(device)
        .unsqueeze(0)
        .repeat([k as i64, 1]);
    let mut logits = tch::no_grad(|| model.forward_cached(&start, &mut cache)).select(1, -1);
    let mut rng = ChaCha8Rng::seed_from_u64(sampling.seed);
    let mut answers = vec![Vec::new(); k];
    for _ in 0..sampling.max_new_tokens {
        let flat = Vec::<f32>::try_from(
            logits
                .to_kind(Kind::Float)
                .to_device(Device::Cpu)
                .reshape(-1),
        )?;
        let next: Vec<i64> = (flat.chunks(flat.len() / k).zip(&mut answers))
            .map(|(row, ids)| {
                if ids.last() == Some(&end) {
                    return end; // finished: its further tokens are never read
                }
                let token =
                    generate::draw(&generate::sampling_distribution(row, sampling), &mut rng)
                        as i64;
                ids.push(token);
                token
            })
            .collect();
        if answers.iter().all(|ids| ids.last() == Some(&end)) {
            break;
        }
        let idx = Tensor::from_slice(&next).to_device(device).unsqueeze(1);
        logits = tch::no_grad(|| model.forward_cached(&idx, &mut cache)).select(1, -1);
    }
    Ok(answers
        .into_iter()
        .map(|ids| {
            let stopped = ids.last() == Some(&end);
            let text = tokenizer.decode(&ids[..ids.len() - usize::from(stopped)]);
            Sampled {
                ids,
                answer: Answer { text, stopped },
            }
        })
        .collect())
}
// ANCHOR_END: sample_answers

/// The greedy answer to `question` (what the evaluations score), at most `max_new_tokens` long.
pub fn greedy_answer(
    model: &Model,
    tokenizer: &Tokenizer,
    question: &str,
    max_new_tokens: usize,
) -> Result<Answer> {
    let (text, stopped) = sft::answer(model, tokenizer, question, max_new_tokens)?;
    Ok(Answer { text, stopped })
}
