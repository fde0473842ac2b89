//! Chapter 5 — learning from feedback (RLHF): the model no longer sees a reference answer token by token,
//! only a judgement of its whole answer.
//!
//! The experiment, in the order [`run`] does it:
//! 1. take chapter 4's fine-tuned model (fine-tuning, and pretraining, it first if it is missing);
//! 2. **collect feedback**: sample several answers per prompt, and let the labeller's rule rank them;
//! 3. **reward model**: the fine-tuned transformer with a scalar head, trained on the ranked pairs;
//! 4. **PPO**: sample, score with the reward model, update with a value head, GAE and a KL penalty; and the
//!    same without the KL penalty, where the reward model gets gamed;
//! 5. **GRPO**: the same loop with group-relative advantages and no value head;
//! 6. **DPO**: the same pairs, no reward model and no sampling loop;
//! 7. ask every model the same held-out prompts and score the answers with the rule.
//!
//! The code, one file per part: [`config`], the prompts, demonstrations and feedback ([`prompts`]), scoring
//! every model on the held-out prompts ([`scores`]), the [`figures`] (drawn from the result alone) and the
//! [`report`].

pub mod config;
pub mod figures;
pub mod prompts;
pub mod report;
pub mod scores;
pub mod words;

pub use config::*;
pub use figures::{
    dpo_figure, overoptimization_figure, policy_figure, reward_figure, scores_figure,
};
pub use prompts::*;
pub use report::*;
pub use scores::*;

use super::ch04::{self};
use crate::checkpoint;
use crate::data::feedback::Preference;
use crate::data::instruct::Task;
use crate::data::world::Language;
use crate::device::{self};
use crate::model::Model;
use crate::reward::{self, RewardModel, RewardReport};
use crate::rl::dpo::{self, DpoReport};
use crate::rl::ppo::{self, PolicyReport};
use crate::run::{self, Reuse, RunDir};
use crate::tokenizer::Tokenizer;
use crate::train::TrainReport;
use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;
use tch::Device;

/// One policy optimization run's label, curves and final scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyRun {
    /// What was run.
    pub label: String,
    /// The curves over rounds.
    pub report: PolicyReport,
}

/// One held-out prompt answered by every model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BeforeAfter {
    /// The kind of prompt.
    pub task: Task,
    /// The prompt.
    pub prompt: String,
    /// `(model, answer, rule score)` for each model.
    pub answers: Vec<(String, String, f64)>,
}
/// What chapter 5's experiment measured and where it wrote its files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ch05Result {
    /// The device.
    pub device: String,
    /// The language of the run: its report and charts are written in it.
    #[serde(default, skip_serializing_if = "Language::is_english")]
    pub language: Language,
    /// Training and held-out prompts.
    pub prompts: (usize, usize),
    /// Fraction of the fine-tuned model's sampled answers the rule calls good.
    pub sampled_good: f64,
    /// Preference pairs: training and held-out.
    pub pairs: (usize, usize),
    /// A few training pairs, to show what the labeller decided.
    pub example_pairs: Vec<Preference>,
    /// The reward model's training.
    pub reward: RewardReport,
    /// PPO, PPO without the KL penalty, and GRPO.
    pub policies: Vec<PolicyRun>,
    /// DPO.
    pub dpo: DpoReport,
    /// Every model on the held-out prompts: SFT, PPO, PPO without KL, GRPO, DPO.
    pub scores: Vec<PolicyScore>,
    /// The same held-out prompts answered by each model.
    pub before_after: Vec<BeforeAfter>,
    /// Wall time of each stage in seconds: feedback, reward model, PPO, PPO without KL, GRPO, DPO.
    pub stage_seconds: Vec<(String, f64)>,
    /// The run directory.
    pub run_dir: PathBuf,
    /// Total wall time.
    pub seconds: f64,
}

/// Where a policy's checkpoint is written: `<runs_dir>/<run_name>/<name>/model.safetensors`.
pub fn policy_checkpoint_path(cfg: &Ch05Config, name: &str) -> PathBuf {
    cfg.runs_dir
        .join(&cfg.run_name)
        .join(name)
        .join("model.safetensors")
}

/// Run chapter 5's experiment and write `runs/<run_name>/`.
pub fn run(cfg: &Ch05Config) -> Result<Ch05Result> {
    let clock = Instant::now();
    let cfg = &cfg.localized()?;
    cfg.validate()?;
    let setting = (cfg.device, cfg.threads, cfg.seed);
    let (device, run) = super::open_run(cfg, &cfg.runs_dir, &cfg.run_name, setting)?;
    let ch04_path = ch04::ensure_finetuned(&cfg.sft)?;
    let (ch04_model, _) = checkpoint::load_model(&ch04_path, device)
        .with_context(|| format!("loading the fine-tuned model {}", ch04_path.display()))?;
    let prompts = prepare_prompts(cfg)?;
    let mut stages = Vec::new();
    let mut stage =
        |name: &str, t: Instant| stages.push((name.to_string(), t.elapsed().as_secs_f64()));

    let t = Instant::now();
    let (sft_model, tokenizer) = demonstrate_cached(cfg, &run, &ch04_path, &prompts, device)?;
    let sft_path = demonstrations_checkpoint_path(cfg);
    let load = || checkpoint::load_model(&sft_path, device);
    stage("demonstrations", t);

    let t = Instant::now();
    let (train_pairs, sampled_good) = collect_feedback(
        cfg,
        &prompts.world,
        &sft_model,
        &tokenizer,
        &prompts.train,
        cfg.seed,
    )?;
    let (val_pairs, _) = collect_feedback(
        cfg,
        &prompts.world,
        &sft_model,
        &tokenizer,
        &prompts.eval,
        held_out_feedback_seed(cfg),
    )?;
    stage("feedback", t);

    let t = Instant::now();
    device::seed(cfg.seed); // the head's initialisation: the same whether the demonstrations trained now or not
    let mut reward_model = RewardModel::new(load()?.0);
    let reward = reward::train_reward_model(
        &mut reward_model,
        &tokenizer,
        &train_pairs,
        &val_pairs,
        &cfg.reward,
        cfg.progress,
    )?;
    stage("reward model", t);

    let mut policies = Vec::new();
    let mut answers = vec![
        answer_all(
            &ch04_model,
            &tokenizer,
            &prompts.eval,
            cfg.max_answer_tokens,
            "chapter 4",
        )?,
        answer_all(
            &sft_model,
            &tokenizer,
            &prompts.eval,
            cfg.max_answer_tokens,
            "SFT + demos",
        )?,
    ];
    let mut no_kl = cfg.ppo.clone();
    no_kl.kl_coef = 0.0;
    let start = run::file_fingerprint(&sft_path)?;
    let pairs = run::json_fingerprint(&(&train_pairs, &val_pairs))?;
    // what makes the reward model, which is trained every run and not kept: its config, its pairs, its start
    let reward_inputs =
        serde_json::json!({"config": &cfg.reward, "pairs": &pairs, "start": &start});
    for (label, dir, policy_cfg) in [
        ("PPO", "ppo", &cfg.ppo),
        ("PPO without KL", "ppo-no-kl", &no_kl),
        ("GRPO", "grpo", &cfg.grpo),
    ] {
        let t = Instant::now();
        let key = PolicyKey {
            label,
            config: serde_json::to_value(policy_cfg)?,
            start: &start,
            reward: Some(&reward_inputs),
            data: run::json_fingerprint(&prompts.train)?,
            seed: cfg.seed,
            device: device::describe(device),
        };
        let (report, policy) = cached_policy(cfg, &run, dir, &key, device, |policy| {
            ppo::optimize_policy(
                policy,
                &sft_model,
                &reward_model,
                &tokenizer,
                &prompts.train,
                policy_cfg,
                (dir, cfg.progress),
            )
        })?;
        answers.push(answer_all(
            &policy,
            &tokenizer,
            &prompts.eval,
            cfg.max_answer_tokens,
            label,
        )?);
        policies.push(PolicyRun {
            label: label.into(),
            report,
        });
        stage(label, t);
    }

    let t = Instant::now();
    let key = PolicyKey {
        label: "DPO",
        config: serde_json::to_value(&cfg.dpo)?,
        start: &start,
        reward: None,
        data: pairs,
        seed: cfg.seed,
        device: device::describe(device),
    };
    let (dpo, policy) = cached_policy(cfg, &run, "dpo", &key, device, |policy| {
        dpo::train_dpo(
            policy,
            &sft_model,
            &tokenizer,
            &train_pairs,
            &val_pairs,
            &cfg.dpo,
            cfg.progress,
        )
    })?;
    answers.push(answer_all(
        &policy,
        &tokenizer,
        &prompts.eval,
        cfg.max_answer_tokens,
        "DPO",
    )?);
    stage("DPO", t);

    let scores = answers
        .iter()
        .map(|a| score_policy(a, &prompts.eval, &reward_model, &tokenizer))
        .collect::<Result<Vec<_>>>()?;
    let before_after = before_after(&prompts.eval, &answers);
    let example_pairs = example_pairs(&train_pairs);
    let result = Ch05Result {
        device: device::describe(device),
        language: cfg.language,
        prompts: (prompts.train.len(), prompts.eval.len()),
        sampled_good,
        pairs: (train_pairs.len(), val_pairs.len()),
        example_pairs,
        reward,
        policies,
        dpo,
        scores,
        before_after,
        stage_seconds: stages,
        run_dir: run.path.clone(),
        seconds: clock.elapsed().as_secs_f64(),
    };
    super::write_outputs(&run, &result, figures::draw(&result)?, &report(&result))?;
    Ok(result)
}

/// Everything that decides one policy optimization (PPO, GRPO, DPO): the cache key of its directory.
#[derive(Serialize)]
struct PolicyKey<'a> {
    label: &'a str,
    /// The run's own config.
    config: serde_json::Value,
    /// Content fingerprint of the model it starts from (and stays near): the demonstrations' model.
    start: &'a str,
    /// What makes the reward model it is scored by (none for DPO, which needs none).
    reward: Option<&'a serde_json::Value>,
    /// Fingerprint of what it trains on: the training prompts, or the preference pairs.
    data: String,
    seed: u64,
    /// The device, with its thread count on a CPU.
    device: String,
}

/// Optimize a policy, starting from the demonstrations' model, into `<run>/<dir>/` with `optimize` and save
/// it — or read the run back when that directory holds one of exactly `key` (unless `cfg.fresh`). Either way
/// the policy returned is the one saved there.
fn cached_policy<R: Serialize + DeserializeOwned>(
    cfg: &Ch05Config,
    run: &RunDir,
    dir: &str,
    key: &PolicyKey,
    device: Device,
    optimize: impl FnOnce(&mut Model) -> Result<R>,
) -> Result<(R, Model)> {
    let reuse = Reuse::new(cfg.fresh, cfg.progress);
    let weights = ("model.safetensors", |_: &R| true);
    let (report, _) = run::cached_beside(&run.path, dir, key, reuse, weights, |out| {
        let (mut policy, tokenizer) =
            checkpoint::load_model(&demonstrations_checkpoint_path(cfg), device)?;
        device::seed(cfg.seed); // a value head and dropout draw the same whatever ran before
        let report = optimize(&mut policy)?;
        checkpoint::save(&out.file("model.safetensors"), &policy, &tokenizer, None)?;
        Ok(report)
    })?;
    let (policy, _) = checkpoint::load_model(&policy_checkpoint_path(cfg, dir), device)?;
    Ok((report, policy))
}

/// [`demonstrate`] into `<run>/sft-demos/`, or read it back when that directory holds a run of exactly the
/// same inputs — the starting checkpoint's content, the fine-tuning set and the demonstrations, the training
/// config, the device (unless `cfg.fresh`). Either way the model returned is the one saved there.
fn demonstrate_cached(
    cfg: &Ch05Config,
    run: &RunDir,
    ch04_path: &std::path::Path,
    prompts: &Prompts,
    device: Device,
) -> Result<(Model, Tokenizer)> {
    let sft_data = ch04::prepare_data(&cfg.sft)?;
    let key = serde_json::json!({
        "start": run::file_fingerprint(ch04_path)?,
        "examples": run::json_fingerprint(&(&sft_data.train, &sft_data.held_out))?,
        "demonstrations": run::json_fingerprint(&prompts.demonstrations)?,
        "demo_repeats": cfg.demo_repeats,
        "demo_train": &cfg.demo_train,
        "device": device::describe(device),
    });
    let reuse = Reuse::new(cfg.fresh, cfg.progress);
    let weights = ("model.safetensors", |_: &TrainReport| true);
    run::cached_beside(&run.path, "sft-demos", &key, reuse, weights, |_| {
        Ok(demonstrate(cfg, run, ch04_path, prompts, device)?.2)
    })?;
    checkpoint::load_model(&demonstrations_checkpoint_path(cfg), device)
}
