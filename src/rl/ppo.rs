//! Policy optimization against a reward model: PPO with a value head and GAE, or GRPO with group-relative
//! advantages. One loop, two ways to say how much better than expected each answer went.
//!
//! ```text
//! repeat: sample answers → score them (reward model − β·KL to the reference) → advantages → a few clipped
//!         policy-gradient updates on those samples
//! ```

use super::rollout::{self, Sampled, Sequences, masked_mean, token_logprobs};
use super::{gae, group_advantages, ppo_clipped_loss};
use crate::data::feedback::{self, Answer};
use crate::data::instruct::Example;
use crate::generate::SamplingConfig;
use crate::model::Model;
use crate::optim::AdamW;
use crate::progress::{Progress, ProgressMode};
use crate::reward::{RewardModel, ScalarHead};
use crate::sft::END;
use crate::tokenizer::Tokenizer;
use crate::train::{Schedule, TrainConfig};
use anyhow::{Context, Result, bail};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

/// Where an answer's advantage comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Advantage {
    /// PPO: a value head predicts the reward to come at every token; GAE compares each step with it.
    Gae,
    /// GRPO: no value head; each answer is compared with the other answers to the same prompt.
    Group,
}

/// How to optimize the policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    /// PPO (`gae`) or GRPO (`group`).
    pub advantage: Advantage,
    /// Rounds of sampling and updating.
    pub steps: usize,
    /// Prompts per round.
    pub prompts_per_step: usize,
    /// Answers sampled per prompt (GRPO's group).
    pub answers_per_prompt: usize,
    /// Passes of clipped updates over each round's samples.
    pub epochs: usize,
    /// The policy's learning rate.
    pub lr: f64,
    /// The value head's learning rate (PPO).
    pub value_lr: f64,
    /// β: reward lost per nat of KL divergence from the reference (0 = no leash).
    pub kl_coef: f64,
    /// ε of the clipped objective.
    pub clip: f64,
    /// γ: discount of later rewards (1 = none, usual for answers of a few dozen tokens).
    pub gamma: f64,
    /// λ of GAE.
    pub lambda: f64,
    /// Sampling temperature of the rollouts.
    pub temperature: f64,
    /// The longest answer sampled, in tokens.
    pub max_answer_tokens: usize,
    /// Seed of the prompt order and of sampling.
    pub seed: u64,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            advantage: Advantage::Gae,
            steps: 100,
            prompts_per_step: 16,
            answers_per_prompt: 4,
            epochs: 2,
            lr: 5e-5,
            value_lr: 1e-3,
            kl_coef: 0.1,
            clip: 0.2,
            gamma: 1.0,
            lambda: 0.95,
            temperature: 1.0,
            max_answer_tokens: 24,
            seed: 1337,
        }
    }
}

impl PolicyConfig {
    /// Refuse settings that cannot run.
    pub fn validate(&self) -> Result<()> {
        if self.prompts_per_step == 0
            || self.answers_per_prompt == 0
            || self.epochs == 0
            || self.max_answer_tokens == 0
        {
            bail!(
                "policy config: prompts_per_step, answers_per_prompt, epochs and max_answer_tokens must be at least 1"
            );
        }
        if self.advantage == Advantage::Group && self.answers_per_prompt < 2 {
            bail!(
                "policy config: GRPO compares answers within a group: answers_per_prompt must be at least 2"
            );
        }
        Ok(())
    }

    fn optimizer(&self, lr: f64) -> TrainConfig {
        TrainConfig {
            steps: self.steps,
            lr,
            schedule: Schedule::Constant,
            warmup_steps: 0,
            weight_decay: 0.0,
            beta2: 0.95,
            ..TrainConfig::default()
        }
    }
}

/// One round of policy optimization, measured on the answers it sampled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyRecord {
    /// Rounds done before this one's update.
    pub step: usize,
    /// Mean reward-model score of the sampled answers: what the policy is optimizing.
    pub reward: f64,
    /// Mean score of the same answers under the labeller's rule: what we actually want.
    pub rule: f64,
    /// Mean KL to the reference per answer, `Σ_t log π(y_t) − log π_ref(y_t)` (nats).
    pub kl: f64,
    /// Mean answer length in tokens.
    pub length: f64,
}

/// How a policy optimization run went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyReport {
    /// One record per round.
    pub records: Vec<PolicyRecord>,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// One round's samples with everything measured on them before the update.
struct Round {
    seqs: Sequences,
    old_logp: Tensor,
    advantages: Tensor,
    returns: Tensor,
    record: PolicyRecord,
}

// ANCHOR: optimize_policy
/// Optimize `policy` to earn `reward_model`'s reward on `prompts`, kept near `reference` by a KL penalty;
/// the labeller's rule is only measured (on the same samples), never optimized.
pub fn optimize_policy(
    policy: &mut Model,
    reference: &Model,
    reward_model: &RewardModel,
    tokenizer: &Tokenizer,
    prompts: &[Example],
    cfg: &PolicyConfig,
    progress: (&str, ProgressMode),
) -> Result<PolicyReport> {
    cfg.validate()?;
    if prompts.is_empty() {
        bail!("policy optimization needs prompts");
    }
    let clock = std::time::Instant::now();
    let value_head = ScalarHead::new(policy.hidden_size(), policy.device());
    let mut policy_opt = AdamW::over(policy.trainable_params(), &cfg.optimizer(cfg.lr));
    let mut value_opt = AdamW::over(value_head.params(), &cfg.optimizer(cfg.value_lr));
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut order: Vec<usize> = Vec::new();
    let bar = Progress::new(progress.0, cfg.steps as u64, progress.1);
    let mut records = Vec::new();
    for step in 0..cfg.steps {
        let batch: Vec<&Example> = (0..cfg.prompts_per_step)
            .map(|_| {
                if order.is_empty() {
                    order = (0..prompts.len()).collect();
                    order.shuffle(&mut rng);
                }
                &prompts[order.pop().expect("refilled above")]
            })
            .collect();
        let seed = cfg.seed.wrapping_mul(1_000_003).wrapping_add(step as u64);
        let mut round = rollout_round(
            policy,
            reference,
            reward_model,
            &value_head,
            tokenizer,
            &batch,
            cfg,
            seed,
        )?;
        round.record.step = step;
        for _ in 0..cfg.epochs {
            let (logits, hidden) = policy.forward_with_hidden(&round.seqs.inputs(), false)?;
            let new_logp = token_logprobs(&logits, &round.seqs);
            let mask = round.seqs.answer.gt(0.5);
            let policy_loss = ppo_clipped_loss(
                &new_logp.masked_select(&mask),
                &round.old_logp.masked_select(&mask),
                &round.advantages.masked_select(&mask),
                cfg.clip,
            );
            policy_opt.zero_grad();
            policy_loss.backward();
            policy_opt.clip_grad_norm(1.0);
            policy_opt.step(cfg.lr);
            if cfg.advantage == Advantage::Gae {
                // the value head reads the policy's hidden states but does not train them
                let values = value_head.forward(&hidden.detach());
                let value_loss =
                    masked_mean(&(values - &round.returns).square(), &round.seqs.answer);
                value_opt.zero_grad();
                value_loss.backward();
                value_opt.step(cfg.value_lr);
            }
        }
        let r = &round.record;
        bar.update(
            step as u64 + 1,
            &format!(
                "reward {:.2} · rule {:.2} · KL {:.2}",
                r.reward, r.rule, r.kl
            ),
        );
        records.push(round.record);
    }
    bar.finish("done");
    Ok(PolicyReport {
        records,
        seconds: clock.elapsed().as_secs_f64(),
    })
}
// ANCHOR_END: optimize_policy

// ANCHOR: rollout_round
/// Sample the round's answers and work out each answer token's advantage: the reward model's score at the
/// last token, a KL penalty `−β (log π − log π_ref)` at every token, and then either GAE against the value
/// head (PPO) or each answer's total compared with its group (GRPO).
#[allow(clippy::too_many_arguments)]
fn rollout_round(
    policy: &Model,
    reference: &Model,
    reward_model: &RewardModel,
    value_head: &ScalarHead,
    tokenizer: &Tokenizer,
    batch: &[&Example],
    cfg: &PolicyConfig,
    seed: u64,
) -> Result<Round> {
    let k = cfg.answers_per_prompt;
    let mut rows = Vec::new();
    let mut answers: Vec<(&Example, Answer)> = Vec::new();
    for (i, example) in batch.iter().enumerate() {
        let sampling = SamplingConfig::plain(
            cfg.temperature,
            seed.wrapping_mul(31).wrapping_add(i as u64),
            cfg.max_answer_tokens,
        );
        let prompt = rollout::prompt_ids(tokenizer, &example.prompt);
        for Sampled { ids, answer } in
            rollout::sample_answers(policy, tokenizer, &example.prompt, k, &sampling)?
        {
            rows.push(rollout::with_answer(&prompt, &ids));
            answers.push((example, answer));
        }
    }
    let pad = tokenizer.special_id(END).context("rollouts need <|end|>")?;
    let seqs = Sequences::new(&rows, pad, policy.device());
    let (old_logp, values, ref_logp, scores) = tch::no_grad(|| -> Result<_> {
        let (logits, hidden) = policy.forward_with_hidden(&seqs.inputs(), false)?;
        let ref_logits = reference.forward(&seqs.inputs(), false);
        Ok((
            token_logprobs(&logits, &seqs),
            value_head.forward(&hidden),
            token_logprobs(&ref_logits, &seqs),
            reward_model.score(&seqs)?,
        ))
    })?;
    let kl_tokens = (&old_logp - &ref_logp) * &seqs.answer; // [B, T-1], 0 outside answers
    let scores = Vec::<f64>::try_from(scores.to_kind(Kind::Double).to_device(tch::Device::Cpu))?;
    let kl_rows = rows_of(&kl_tokens);
    let value_rows = rows_of(&values);
    let (t, b) = (seqs.answer.size()[1] as usize, rows.len());
    let (mut advantages, mut returns) = (vec![0.0; b * t], vec![0.0; b * t]);
    let answer_span = |r: &crate::sft::Encoded| -> std::ops::Range<usize> {
        let first = r.mask.iter().position(|&m| m).unwrap_or(r.ids.len()) - 1;
        first..r.ids.len() - 1 // target positions of the answer's tokens
    };
    // GRPO: each answer's total (reward − β·KL) against its group of k answers to the same prompt
    let group_advantage: Vec<f64> = match cfg.advantage {
        Advantage::Gae => Vec::new(),
        Advantage::Group => {
            let totals: Vec<f64> = (0..b)
                .map(|i| {
                    let kl: f64 = answer_span(&rows[i]).map(|j| kl_rows[i][j]).sum();
                    scores[i] - cfg.kl_coef * kl
                })
                .collect();
            totals.chunks(k).flat_map(group_advantages).collect()
        }
    };
    for i in 0..b {
        let span = answer_span(&rows[i]);
        match cfg.advantage {
            Advantage::Gae => {
                let mut rewards: Vec<f64> =
                    span.clone().map(|j| -cfg.kl_coef * kl_rows[i][j]).collect();
                if let Some(last) = rewards.last_mut() {
                    *last += scores[i];
                }
                let v: Vec<f64> = span.clone().map(|j| value_rows[i][j]).collect();
                let (adv, ret) = gae(&rewards, &v, cfg.gamma, cfg.lambda);
                for (n, j) in span.enumerate() {
                    advantages[i * t + j] = adv[n];
                    returns[i * t + j] = ret[n];
                }
            }
            Advantage::Group => {
                for j in span {
                    advantages[i * t + j] = group_advantage[i];
                }
            }
        }
    }
    let device = policy.device();
    let to_tensor = |v: Vec<f64>| {
        Tensor::from_slice(&v)
            .view([b as i64, t as i64])
            .to_kind(Kind::Float)
            .to_device(device)
    };
    let mut advantages = to_tensor(advantages);
    if cfg.advantage == Advantage::Gae {
        // whiten over the round's answer tokens: the scale of the reward no longer sets the step size
        let mean = masked_mean(&advantages, &seqs.answer);
        let var = masked_mean(&(&advantages - &mean).square(), &seqs.answer);
        advantages = (advantages - mean) / (var.sqrt() + 1e-6) * &seqs.answer;
    }
    let n = b as f64;
    let record = PolicyRecord {
        step: 0,
        reward: scores.iter().sum::<f64>() / n,
        rule: answers
            .iter()
            .map(|(e, a)| feedback::judge(e, a).score)
            .sum::<f64>()
            / n,
        kl: kl_tokens.sum(Kind::Double).double_value(&[]) / n,
        length: seqs.answer.sum(Kind::Double).double_value(&[]) / n,
    };
    Ok(Round {
        seqs,
        old_logp,
        advantages,
        returns: to_tensor(returns),
        record,
    })
}
// ANCHOR_END: rollout_round

/// The rows of a `[B, T]` tensor as vectors.
fn rows_of(x: &Tensor) -> Vec<Vec<f64>> {
    let t = x.size()[1] as usize;
    let flat = Vec::<f64>::try_from(
        x.to_kind(Kind::Double)
            .to_device(tch::Device::Cpu)
            .reshape(-1),
    )
    .expect("a float tensor");
    flat.chunks(t.max(1)).map(<[f64]>::to_vec).collect()
}
