//! Direct preference optimization: the policy learns from the preference pairs themselves, with no reward
//! model and no sampling loop. The reference's log-probabilities are computed once; each step is then one
//! forward and backward pass over a batch of pairs, like fine-tuning.

use super::rollout::answer_logprob;
use crate::data::feedback::Preference;
use crate::model::Model;
use crate::optim::AdamW;
use crate::progress::{Progress, ProgressMode};
use crate::reward::{EncodedPairs, require_pairs};
use crate::tokenizer::Tokenizer;
use crate::train::TrainConfig;
use anyhow::{Result, bail};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

/// How to run DPO.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DpoConfig {
    /// Optimizer steps.
    pub steps: usize,
    /// Preference pairs per step.
    pub batch_size: usize,
    /// Peak learning rate (cosine after a short warm-up).
    pub lr: f64,
    /// β: how strongly the policy may move away from the reference.
    pub beta: f64,
    /// Measure the held-out pairs every this many steps (and after the last).
    pub eval_every: usize,
    /// Seed of the batch order.
    pub seed: u64,
}

impl Default for DpoConfig {
    fn default() -> Self {
        DpoConfig {
            steps: 200,
            batch_size: 32,
            // measured on chapter 5's held-out prompts (rule score; the demonstration model scored 0.044):
            // β 0.5, lr 2e-5 → 0.128; β 0.3, lr 1e-5 → 0.076; β 0.1, lr 5e-5 → −0.364, with broken answers
            // such as "Rehi." (to "Where does Rebi Gunuk live?")
            lr: 2e-5,
            beta: 0.5,
            eval_every: 20,
            seed: 1337,
        }
    }
}

impl DpoConfig {
    /// Refuse settings that cannot train.
    pub fn validate(&self) -> Result<()> {
        if self.batch_size == 0 || self.beta.is_nan() || self.beta <= 0.0 {
            bail!("dpo config: batch_size must be at least 1 and beta positive");
        }
        Ok(())
    }
}

/// One point of DPO's curves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DpoRecord {
    /// Optimizer steps done.
    pub step: usize,
    /// DPO loss of the step's batch.
    pub loss: f64,
    /// Mean implicit reward margin `β[(log π − log π_ref)(chosen) − (log π − log π_ref)(rejected)]`.
    pub margin: f64,
    /// Fraction of held-out pairs whose implicit reward ranks them right (at evaluations).
    pub val_accuracy: Option<f64>,
}

/// How a DPO run went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DpoReport {
    /// The curves.
    pub records: Vec<DpoRecord>,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Pairs with the reference's answer log-probabilities, computed once.
struct ReferencedPairs {
    pairs: EncodedPairs,
    chosen: Vec<f64>,
    rejected: Vec<f64>,
}

impl ReferencedPairs {
    fn new(
        reference: &Model,
        tokenizer: &Tokenizer,
        pairs: &[Preference],
        batch: usize,
    ) -> Result<Self> {
        let pairs = EncodedPairs::new(tokenizer, pairs)?;
        let (mut chosen, mut rejected) = (Vec::new(), Vec::new());
        for which in pairs.chunks(batch) {
            let (c, r) = pairs.batch(&which, reference.device());
            tch::no_grad(|| {
                chosen.extend(to_vec(&answer_logprob(reference, &c)));
                rejected.extend(to_vec(&answer_logprob(reference, &r)));
            });
        }
        Ok(ReferencedPairs {
            pairs,
            chosen,
            rejected,
        })
    }

    /// The batch `which`: the policy's answer log-probabilities (with gradients) and the reference's.
    fn margins(&self, policy: &Model, which: &[usize], beta: f64) -> (Tensor, Tensor) {
        let device = policy.device();
        let (c, r) = self.pairs.batch(which, device);
        let pick = |v: &[f64]| {
            Tensor::from_slice(&which.iter().map(|&i| v[i] as f32).collect::<Vec<_>>())
                .to_device(device)
        };
        let (pc, pr) = (answer_logprob(policy, &c), answer_logprob(policy, &r));
        let (rc, rr) = (pick(&self.chosen), pick(&self.rejected));
        let loss = super::dpo_loss(&pc, &pr, &rc, &rr, beta);
        let margin = ((pc - rc) - (pr - rr)) * beta;
        (loss, margin)
    }

    /// Fraction of all pairs whose implicit reward margin is positive.
    fn accuracy(&self, policy: &Model, batch: usize, beta: f64) -> f64 {
        let mut right = 0.0;
        for which in self.pairs.chunks(batch) {
            let (_, margin) = tch::no_grad(|| self.margins(policy, &which, beta));
            right += margin
                .gt(0.0)
                .to_kind(Kind::Float)
                .sum(Kind::Float)
                .double_value(&[]);
        }
        right / self.pairs.len().max(1) as f64
    }
}

fn to_vec(x: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(x.to_kind(Kind::Double).to_device(tch::Device::Cpu)).expect("a 1-D tensor")
}

// ANCHOR: dpo_train
/// Train `policy` on the preference pairs with the DPO loss against the frozen `reference`.
pub fn train_dpo(
    policy: &mut Model,
    reference: &Model,
    tokenizer: &Tokenizer,
    train: &[Preference],
    val: &[Preference],
    cfg: &DpoConfig,
    progress: ProgressMode,
) -> Result<DpoReport> {
    cfg.validate()?;
    require_pairs("DPO", train, val)?;
    let clock = std::time::Instant::now();
    let train_pairs = ReferencedPairs::new(reference, tokenizer, train, cfg.batch_size)?;
    let val_pairs = ReferencedPairs::new(reference, tokenizer, val, cfg.batch_size)?;
    let opt_cfg = TrainConfig::cosine_without_decay(cfg.steps, cfg.lr);
    let mut optimizer = AdamW::over(policy.trainable_params(), &opt_cfg);
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let bar = Progress::new("dpo", cfg.steps as u64, progress);
    let mut records = Vec::new();
    for step in 1..=cfg.steps {
        let which = train_pairs.pairs.sample(cfg.batch_size, &mut rng);
        let (loss, margin) = train_pairs.margins(policy, &which, cfg.beta);
        optimizer.zero_grad();
        loss.backward();
        optimizer.clip_grad_norm(opt_cfg.grad_clip);
        optimizer.step(opt_cfg.lr_at(step - 1));
        let evaluate = step % cfg.eval_every.max(1) == 0 || step == cfg.steps;
        let record = DpoRecord {
            step,
            loss: loss.double_value(&[]),
            margin: margin.mean(Kind::Float).double_value(&[]),
            val_accuracy: evaluate.then(|| val_pairs.accuracy(policy, cfg.batch_size, cfg.beta)),
        };
        bar.update(step as u64, &format!("loss {:.3}", record.loss));
        records.push(record);
    }
    bar.finish("done");
    Ok(DpoReport {
        records,
        seconds: clock.elapsed().as_secs_f64(),
    })
}
// ANCHOR_END: dpo_train
