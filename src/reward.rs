//! The reward model (chapter 5): the fine-tuned transformer with a scalar head instead of a vocabulary,
//! trained on preference pairs with the Bradley–Terry loss, so that it scores any answer the way the
//! labeller would have ranked it.

use crate::data::feedback::Preference;
use crate::model::Model;
use crate::optim::AdamW;
use crate::progress::{Progress, ProgressMode};
use crate::rl::bradley_terry_loss;
use crate::rl::rollout::{Sequences, encode_answer};
use crate::sft::{END, Encoded};
use crate::tokenizer::Tokenizer;
use crate::train::TrainConfig;
use anyhow::{Context, Result, bail};
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Device, Tensor, nn, nn::Module};

// ANCHOR: scalar_head
/// A linear map from a hidden state to one number, in a parameter store of its own: the reward model's
/// score and PPO's value estimate. It starts at exactly 0.
pub struct ScalarHead {
    vs: nn::VarStore,
    linear: nn::Linear,
}

impl ScalarHead {
    /// A head reading hidden states of width `width`.
    pub fn new(width: usize, device: Device) -> Self {
        let vs = nn::VarStore::new(device);
        let cfg = nn::LinearConfig {
            ws_init: nn::Init::Const(0.0),
            bs_init: Some(nn::Init::Const(0.0)),
            bias: true,
        };
        let linear = nn::linear(vs.root() / "head", width as i64, 1, cfg);
        ScalarHead { vs, linear }
    }

    /// One number per position: `[B, T, C] → [B, T]`.
    pub fn forward(&self, hidden: &Tensor) -> Tensor {
        self.linear.forward(hidden).squeeze_dim(-1)
    }

    /// The head's parameters, by name.
    pub fn params(&self) -> Vec<(String, Tensor)> {
        let mut params: Vec<_> = self.vs.variables().into_iter().collect();
        params.sort_by(|a, b| a.0.cmp(&b.0));
        params
    }
}
// ANCHOR_END: scalar_head

/// A language model's transformer with a [`ScalarHead`] on its last hidden state.
pub struct RewardModel {
    /// The transformer, started from the fine-tuned model (its vocabulary head is not used).
    pub trunk: Model,
    /// The head that turns the last token's hidden state into the score.
    pub head: ScalarHead,
}

impl RewardModel {
    /// A reward model that starts from `trunk`, scoring every answer 0.
    pub fn new(trunk: Model) -> Self {
        let head = ScalarHead::new(trunk.hidden_size(), trunk.device());
        RewardModel { trunk, head }
    }

    // ANCHOR: reward_score
    /// The reward `r(x, y)` of each conversation: the head applied to the hidden state of its last token
    /// (`<|end|>` when the answer ended), which has read the whole prompt and answer. `[B]`.
    pub fn score(&self, seqs: &Sequences) -> Result<Tensor> {
        let (_, hidden) = self.trunk.forward_with_hidden(&seqs.ids, false)?;
        let scores = self.head.forward(&hidden); // [B, T]
        Ok(scores
            .gather(1, &seqs.last.unsqueeze(1), false)
            .squeeze_dim(1))
    }
    // ANCHOR_END: reward_score

    /// Every parameter training changes: the trunk's and the head's.
    pub fn params(&self) -> Vec<(String, Tensor)> {
        let mut params = self.trunk.trainable_params();
        params.extend(self.head.params());
        params
    }
}

/// How to train the reward model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RewardConfig {
    /// Optimizer steps.
    pub steps: usize,
    /// Preference pairs per step.
    pub batch_size: usize,
    /// Peak learning rate (cosine schedule after a short warm-up).
    pub lr: f64,
    /// Measure the held-out pairs every this many steps (and after the last).
    pub eval_every: usize,
    /// Seed of the batch order.
    pub seed: u64,
}

impl Default for RewardConfig {
    fn default() -> Self {
        RewardConfig {
            steps: 300,
            batch_size: 32,
            lr: 1e-4,
            eval_every: 30,
            seed: 1337,
        }
    }
}

impl RewardConfig {
    /// Refuse settings that cannot train.
    pub fn validate(&self) -> Result<()> {
        if self.batch_size == 0 {
            bail!("reward config: batch_size must be at least 1");
        }
        Ok(())
    }
}

/// One point of the reward model's training curves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RewardRecord {
    /// Optimizer steps done.
    pub step: usize,
    /// Bradley–Terry loss of the step's batch.
    pub train_loss: f64,
    /// Fraction of the batch's pairs ranked right.
    pub train_accuracy: f64,
    /// Loss on the held-out pairs (at evaluations, else `None`).
    pub val_loss: Option<f64>,
    /// Fraction of the held-out pairs ranked right (at evaluations).
    pub val_accuracy: Option<f64>,
}

/// How the reward model's training went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RewardReport {
    /// Training pairs.
    pub train_pairs: usize,
    /// Held-out pairs.
    pub val_pairs: usize,
    /// The curves.
    pub records: Vec<RewardRecord>,
    /// Held-out pairwise accuracy before training (every score is 0: all ties, counted wrong).
    pub initial_val_accuracy: f64,
    /// Held-out pairwise accuracy after training.
    pub final_val_accuracy: f64,
}

/// Refuse to train `who` without training or held-out preference pairs.
pub fn require_pairs(who: &str, train: &[Preference], val: &[Preference]) -> Result<()> {
    if train.is_empty() || val.is_empty() {
        bail!(
            "{who} needs training and held-out preference pairs (got {} and {})",
            train.len(),
            val.len()
        );
    }
    Ok(())
}

/// Preference pairs tokenized once: chosen and rejected conversations side by side.
pub struct EncodedPairs {
    chosen: Vec<Encoded>,
    rejected: Vec<Encoded>,
    pad_id: i64,
}

impl EncodedPairs {
    /// Tokenize every pair's two conversations.
    pub fn new(tokenizer: &Tokenizer, pairs: &[Preference]) -> Result<Self> {
        let encode = |p: &Preference, a| encode_answer(tokenizer, &p.prompt, a);
        Ok(EncodedPairs {
            chosen: pairs
                .iter()
                .map(|p| encode(p, &p.chosen))
                .collect::<Result<_>>()?,
            rejected: pairs
                .iter()
                .map(|p| encode(p, &p.rejected))
                .collect::<Result<_>>()?,
            pad_id: tokenizer.special_id(END).context("pairs need <|end|>")?,
        })
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.chosen.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.chosen.is_empty()
    }

    /// The pairs `which` as two batches: chosen and rejected, row `i` of each from the same pair.
    pub fn batch(&self, which: &[usize], device: Device) -> (Sequences, Sequences) {
        let pick =
            |rows: &[Encoded]| -> Vec<Encoded> { which.iter().map(|&i| rows[i].clone()).collect() };
        (
            Sequences::new(&pick(&self.chosen), self.pad_id, device),
            Sequences::new(&pick(&self.rejected), self.pad_id, device),
        )
    }

    /// `batch_size` pair indices drawn at random.
    pub fn sample(&self, batch_size: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
        (0..batch_size)
            .map(|_| rng.random_range(0..self.len()))
            .collect()
    }

    /// All pair indices in chunks of at most `size`.
    pub fn chunks(&self, size: usize) -> Vec<Vec<usize>> {
        (0..self.len())
            .collect::<Vec<_>>()
            .chunks(size.max(1))
            .map(<[usize]>::to_vec)
            .collect()
    }
}

/// The reward model's mean Bradley–Terry loss and pairwise accuracy on `pairs`.
pub fn evaluate(rm: &RewardModel, pairs: &EncodedPairs, batch_size: usize) -> Result<(f64, f64)> {
    let device = rm.trunk.device();
    let (mut loss, mut right) = (0.0, 0.0);
    for which in pairs.chunks(batch_size) {
        let (chosen, rejected) = pairs.batch(&which, device);
        let (rc, rr) =
            tch::no_grad(|| -> Result<_> { Ok((rm.score(&chosen)?, rm.score(&rejected)?)) })?;
        let n = which.len() as f64;
        loss += bradley_terry_loss(&rc, &rr).double_value(&[]) * n;
        right += crate::rl::pairwise_accuracy(&rc, &rr) * n;
    }
    let n = pairs.len().max(1) as f64;
    Ok((loss / n, right / n))
}

// ANCHOR: train_reward_model
/// Train `rm` on the `train` pairs with the Bradley–Terry loss, measuring the `val` pairs it never sees.
pub fn train_reward_model(
    rm: &mut RewardModel,
    tokenizer: &Tokenizer,
    train: &[Preference],
    val: &[Preference],
    cfg: &RewardConfig,
    progress: ProgressMode,
) -> Result<RewardReport> {
    cfg.validate()?;
    require_pairs("the reward model", train, val)?;
    let (train_pairs, val_pairs) = (
        EncodedPairs::new(tokenizer, train)?,
        EncodedPairs::new(tokenizer, val)?,
    );
    let device = rm.trunk.device();
    let opt_cfg = TrainConfig::cosine_without_decay(cfg.steps, cfg.lr);
    let mut optimizer = AdamW::over(rm.params(), &opt_cfg);
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let (_, initial_val_accuracy) = evaluate(rm, &val_pairs, cfg.batch_size)?;
    let bar = Progress::new("reward", cfg.steps as u64, progress);
    let mut records = Vec::new();
    for step in 1..=cfg.steps {
        let (chosen, rejected) =
            train_pairs.batch(&train_pairs.sample(cfg.batch_size, &mut rng), device);
        let (rc, rr) = (rm.score(&chosen)?, rm.score(&rejected)?);
        let loss = bradley_terry_loss(&rc, &rr);
        optimizer.zero_grad();
        loss.backward();
        optimizer.clip_grad_norm(opt_cfg.grad_clip);
        optimizer.step(opt_cfg.lr_at(step - 1));
        let mut record = RewardRecord {
            step,
            train_loss: loss.double_value(&[]),
            train_accuracy: crate::rl::pairwise_accuracy(&rc, &rr),
            val_loss: None,
            val_accuracy: None,
        };
        if step % cfg.eval_every.max(1) == 0 || step == cfg.steps {
            let (val_loss, val_accuracy) = evaluate(rm, &val_pairs, cfg.batch_size)?;
            (record.val_loss, record.val_accuracy) = (Some(val_loss), Some(val_accuracy));
        }
        bar.update(step as u64, &format!("loss {:.3}", record.train_loss));
        records.push(record);
    }
    let final_val_accuracy = records.last().and_then(|r| r.val_accuracy).unwrap_or(0.0);
    bar.finish(&format!(
        "held-out pairs ranked right {final_val_accuracy:.3}"
    ));
    Ok(RewardReport {
        train_pairs: train.len(),
        val_pairs: val.len(),
        records,
        initial_val_accuracy,
        final_val_accuracy,
    })
}
// ANCHOR_END: train_reward_model
