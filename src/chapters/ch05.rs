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

use super::ch04::{self, Ch04Config};
use crate::checkpoint;
use crate::data::feedback::{self, Answer, Preference, PromptKind, PromptMix, Verdict};
use crate::data::instruct::{DONT_KNOW, Example, Task};
use crate::data::world::World;
use crate::device::{self, DeviceChoice};
use crate::generate::SamplingConfig;
use crate::model::Model;
use crate::plot::{self, Figure, Series};
use crate::progress::{Progress, ProgressMode};
use crate::reward::{self, RewardConfig, RewardModel, RewardReport};
use crate::rl::dpo::{self, DpoConfig, DpoReport};
use crate::rl::ppo::{self, Advantage, PolicyConfig, PolicyReport};
use crate::rl::rollout::{self, Sequences};
use crate::run::RunDir;
use crate::sft::END;
use crate::sft::SftData;
use crate::tokenizer::Tokenizer;
use crate::train::{self, TrainConfig, TrainOptions, TrainReport};
use anyhow::{Context, Result, bail};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::Device;

/// How many prompts of each kind a feedback set holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PromptCounts {
    /// Fact questions about people of the world.
    pub facts: usize,
    /// Questions about people who do not exist.
    pub unknown: usize,
    /// Requests to harm someone.
    pub forbidden: usize,
}

impl Default for PromptCounts {
    fn default() -> Self {
        PromptCounts {
            facts: 120,
            unknown: 40,
            forbidden: 40,
        }
    }
}

/// Everything chapter 5's experiment needs; `chapters/05-rlhf/config.json` holds the defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ch05Config {
    /// Runs are written to `<runs_dir>/<run_name>/`.
    pub runs_dir: PathBuf,
    /// Name of this run's directory.
    pub run_name: String,
    /// Where to compute.
    pub device: DeviceChoice,
    /// CPU threads for libtorch (0 = one per core).
    pub threads: usize,
    /// Seed of the prompt choice, the sampling and the label noise.
    pub seed: u64,
    /// How to show progress.
    pub progress: ProgressMode,
    /// Chapter 4's config: where the fine-tuned model is, and how to make it if it is missing.
    pub sft: Ch04Config,
    /// Demonstrations the labellers write before any feedback: questions about people who do not exist
    /// (answered "I don't know …") and forbidden requests (declined).
    pub demonstrations: PromptCounts,
    /// How many times each demonstration appears in that fine-tuning set (they are few beside chapter 4's
    /// instructions).
    pub demo_repeats: usize,
    /// The short fine-tuning on chapter 4's instructions plus the demonstrations.
    pub demo_train: TrainConfig,
    /// Prompts the feedback, the reward model and the policies train on.
    pub train_prompts: PromptCounts,
    /// Held-out prompts (other people, other names) that every model is measured on.
    pub eval_prompts: PromptCounts,
    /// Answers sampled from the fine-tuned model per feedback prompt.
    pub answers_per_prompt: usize,
    /// Whether the labeller also writes answers of their own: the ideal one and, for a fair question, an
    /// over-cautious refusal (see the book: sampling alone never yields "I don't know").
    pub written_answers: bool,
    /// Probability that a pair's order is swapped: noisy labellers.
    pub label_noise: f64,
    /// Sampling temperature of the feedback answers.
    pub temperature: f64,
    /// The longest answer, in tokens.
    pub max_answer_tokens: usize,
    /// Training the reward model.
    pub reward: RewardConfig,
    /// PPO (the KL-free run uses the same settings with `kl_coef` 0).
    pub ppo: PolicyConfig,
    /// GRPO.
    pub grpo: PolicyConfig,
    /// DPO.
    pub dpo: DpoConfig,
}

impl Default for Ch05Config {
    fn default() -> Self {
        let sft_train = Ch04Config::default().sft_train;
        Ch05Config {
            runs_dir: PathBuf::from("runs"),
            run_name: "ch05".into(),
            device: DeviceChoice::Auto,
            threads: 0,
            seed: 1337,
            progress: ProgressMode::Auto,
            sft: Ch04Config::default(),
            demonstrations: PromptCounts {
                facts: 0,
                unknown: 40,
                forbidden: 40,
            },
            demo_repeats: 4,
            demo_train: TrainConfig {
                steps: 150,
                lr: 3e-4,
                warmup_steps: 10,
                eval_every: 50,
                ..sft_train.clone()
            },
            train_prompts: PromptCounts::default(),
            eval_prompts: PromptCounts {
                facts: 48,
                unknown: 16,
                forbidden: 16,
            },
            answers_per_prompt: 8,
            written_answers: false,
            label_noise: 0.0,
            temperature: 1.0,
            max_answer_tokens: 24,
            reward: RewardConfig::default(),
            ppo: PolicyConfig {
                kl_coef: 0.2,
                ..PolicyConfig::default()
            },
            grpo: PolicyConfig {
                advantage: Advantage::Group,
                kl_coef: 0.2,
                ..PolicyConfig::default()
            },
            dpo: DpoConfig::default(),
        }
    }
}

impl Ch05Config {
    /// Refuse a config that would fail only after minutes of work.
    pub fn validate(&self) -> Result<()> {
        self.sft.validate()?;
        let n = self.sft.pretrain.world.n_people;
        let (t, e) = (&self.train_prompts, &self.eval_prompts);
        if t.facts + e.facts > n || t.forbidden + e.forbidden > n {
            bail!(
                "ch05 config: train and eval prompts need distinct people: facts {} + {} and forbidden {} + {} must each be at most n_people ({n})",
                t.facts,
                e.facts,
                t.forbidden,
                e.forbidden
            );
        }
        if self.demonstrations.forbidden + e.forbidden > n {
            bail!(
                "ch05 config: demonstrations.forbidden {} + eval_prompts.forbidden {} must be at most n_people ({n}), so no held-out request is demonstrated",
                self.demonstrations.forbidden,
                e.forbidden
            );
        }
        if t.facts + t.unknown + t.forbidden == 0 || e.facts + e.unknown + e.forbidden == 0 {
            bail!("ch05 config: train_prompts and eval_prompts must each hold at least one prompt");
        }
        if self.answers_per_prompt == 0 {
            bail!("ch05 config: answers_per_prompt must be at least 1");
        }
        if !(0.0..=0.5).contains(&self.label_noise) {
            bail!(
                "ch05 config: label_noise must be in [0, 0.5] (above it the labels mean the opposite), got {}",
                self.label_noise
            );
        }
        self.reward.validate()?;
        self.dpo.validate()?;
        self.ppo.validate()?;
        self.grpo.validate()
    }
}

/// The feedback prompts: what the models learn on, and the held-out ones they are measured on.
pub struct Prompts {
    /// The world the prompts are about.
    pub world: World,
    /// Training prompts.
    pub train: Vec<Example>,
    /// Held-out prompts: other people and other unknown names.
    pub eval: Vec<Example>,
    /// The labellers' demonstrations: more unknown names, and forbidden requests about training people.
    pub demonstrations: Vec<Example>,
}

// ANCHOR: prepare_prompts
/// Draw the training and held-out prompts: distinct people, distinct unknown names.
pub fn prepare_prompts(cfg: &Ch05Config) -> Result<Prompts> {
    let world = World::generate(&cfg.sft.pretrain.world)?;
    let mut people: Vec<usize> = (0..world.people.len()).collect();
    people.shuffle(&mut ChaCha8Rng::seed_from_u64(cfg.seed));
    let (t, e) = (&cfg.train_prompts, &cfg.eval_prompts);
    let d = &cfg.demonstrations;
    let mut names = world.unknown_names(t.unknown + e.unknown + d.unknown, cfg.seed);
    let demo_names = names.split_off(t.unknown + e.unknown);
    let eval_names = names.split_off(t.unknown);
    let train = PromptMix {
        people: people[..t.facts].to_vec(),
        unknown_names: names,
        forbidden_people: people[..t.forbidden].to_vec(),
    };
    let eval = PromptMix {
        people: people[t.facts..t.facts + e.facts].to_vec(),
        unknown_names: eval_names,
        forbidden_people: people[people.len().saturating_sub(e.forbidden)..].to_vec(),
    };
    let demonstrations = PromptMix {
        people: Vec::new(),
        unknown_names: demo_names,
        forbidden_people: people[..d.forbidden].to_vec(),
    };
    Ok(Prompts {
        demonstrations: feedback::feedback_prompts(&world, &demonstrations),
        train: feedback::feedback_prompts(&world, &train),
        eval: feedback::feedback_prompts(&world, &eval),
        world,
    })
}
// ANCHOR_END: prepare_prompts

/// Where [`demonstrate`] writes its model: `<runs_dir>/<run_name>/sft-demos/model.safetensors`, the start
/// and the reference of every policy.
pub fn demonstrations_checkpoint_path(cfg: &Ch05Config) -> PathBuf {
    cfg.runs_dir
        .join(&cfg.run_name)
        .join("sft-demos")
        .join("model.safetensors")
}

/// The seed of the held-out prompts' feedback: another stream than the training prompts'.
pub fn held_out_feedback_seed(cfg: &Ch05Config) -> u64 {
    cfg.seed ^ 0xe7a1
}

// ANCHOR: demonstrate
/// Fine-tune chapter 4's model a little further on its own instructions plus the labellers'
/// demonstrations, into `<run>/sft-demos/`. Chapter 4's model has never seen an answer that declines, and
/// reinforcement can only strengthen what a model already sometimes says: the demonstrations put "I don't
/// know" and "I can't help with that." among the answers it samples. When to say them is left to feedback.
pub fn demonstrate(
    cfg: &Ch05Config,
    run: &RunDir,
    sft_path: &Path,
    prompts: &Prompts,
    device: Device,
) -> Result<(Model, Tokenizer, TrainReport)> {
    let (mut model, tokenizer) = checkpoint::load_model(sft_path, device)?;
    let sft_data = ch04::prepare_data(&cfg.sft)?;
    let mut train = sft_data.train;
    for _ in 0..cfg.demo_repeats.max(1) {
        train.extend(prompts.demonstrations.iter().cloned());
    }
    let data = SftData::new(
        &tokenizer,
        &train,
        &sft_data.held_out,
        true,
        cfg.demo_train.block_size,
    )?;
    let mut train_cfg = cfg.demo_train.clone();
    train_cfg.block_size = train_cfg.block_size.min(data.longest_input());
    let dir = RunDir::create(&run.path, "sft-demos")?;
    let opts = TrainOptions {
        label: "sft-demos".into(),
        progress: cfg.progress,
        metrics_path: Some(dir.file("metrics.jsonl")),
        checkpoint_path: Some(dir.file("model.safetensors")),
        resume_from: None,
    };
    let report = train::train(&mut model, &tokenizer, &data, &train_cfg, &opts)?;
    Ok((model, tokenizer, report))
}
// ANCHOR_END: demonstrate

// ANCHOR: collect_feedback
/// For each prompt: sample `answers_per_prompt` answers from the fine-tuned model, add the labeller's
/// written answers if the config says so, and let the rule rank every pair.
pub fn collect_feedback(
    cfg: &Ch05Config,
    world: &World,
    model: &Model,
    tokenizer: &Tokenizer,
    prompts: &[Example],
    seed: u64,
) -> Result<(Vec<Preference>, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let bar = Progress::new("feedback", prompts.len() as u64, cfg.progress);
    let (mut pairs, mut good, mut sampled) = (Vec::new(), 0, 0);
    for (i, example) in prompts.iter().enumerate() {
        let sampling = SamplingConfig::plain(
            cfg.temperature,
            seed.wrapping_add(i as u64),
            cfg.max_answer_tokens,
        );
        let mut answers: Vec<Answer> = rollout::sample_answers(
            model,
            tokenizer,
            &example.prompt,
            cfg.answers_per_prompt,
            &sampling,
        )?
        .into_iter()
        .map(|s| s.answer)
        .collect();
        sampled += answers.len();
        good += answers
            .iter()
            .filter(|a| feedback::judge(example, a).verdict == Verdict::Good)
            .count();
        if cfg.written_answers {
            answers.extend(written_answers(world, example));
        }
        pairs.extend(feedback::rank(example, &answers, cfg.label_noise, &mut rng));
        bar.update(i as u64 + 1, &format!("{} pairs", pairs.len()));
    }
    bar.finish(&format!("{} pairs", pairs.len()));
    Ok((pairs, good as f64 / sampled.max(1) as f64))
}
// ANCHOR_END: collect_feedback

/// The labeller's own answers: the reference answer and, for a question about a real person, the
/// over-cautious "I don't know anyone called …", so that the pairs say refusing a fair question is worse
/// than answering it (and better than a wrong answer).
pub fn written_answers(world: &World, example: &Example) -> Vec<Answer> {
    let mut answers = vec![Answer::written(&example.response)];
    if PromptKind::of(example.task) == PromptKind::Fact
        && let Some(person) = world
            .people
            .iter()
            .find(|p| example.prompt.contains(&p.name))
    {
        answers.push(Answer::written(format!(
            "{DONT_KNOW} anyone called {}.",
            person.name
        )));
    }
    answers
}

/// How a model answers the held-out prompts, judged by the rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyScore {
    /// Which model.
    pub label: String,
    /// Mean rule score over all held-out prompts (−2 … 1).
    pub rule: f64,
    /// Mean reward-model score of the same answers.
    pub reward: f64,
    /// Fraction of fact questions answered right.
    pub facts_good: f64,
    /// Fraction of fact questions refused ("I don't know" about a real person).
    pub facts_refused: f64,
    /// Fraction of questions about nobody answered "I don't know" (the rest invent).
    pub unknown_good: f64,
    /// Fraction of forbidden requests declined.
    pub forbidden_good: f64,
    /// Mean answer length in words.
    pub words: f64,
}

/// Every model's greedy answers to the held-out prompts.
pub struct Answers {
    /// The model's label.
    pub label: String,
    /// One answer per held-out prompt.
    pub answers: Vec<Answer>,
}

/// The greedy answer of `model` to every prompt.
pub fn answer_all(
    model: &Model,
    tokenizer: &Tokenizer,
    prompts: &[Example],
    max_tokens: usize,
    label: &str,
) -> Result<Answers> {
    Ok(Answers {
        label: label.into(),
        answers: prompts
            .iter()
            .map(|e| rollout::greedy_answer(model, tokenizer, &e.prompt, max_tokens))
            .collect::<Result<_>>()?,
    })
}

// ANCHOR: score_policy
/// Judge a model's answers with the rule, per kind of prompt, and score them with the reward model.
pub fn score_policy(
    answers: &Answers,
    prompts: &[Example],
    reward_model: &RewardModel,
    tokenizer: &Tokenizer,
) -> Result<PolicyScore> {
    let judged: Vec<(PromptKind, feedback::Judgement)> = prompts
        .iter()
        .zip(&answers.answers)
        .map(|(e, a)| (PromptKind::of(e.task), feedback::judge(e, a)))
        .collect();
    let share = |kind: PromptKind, verdict: Verdict| {
        let of_kind: Vec<_> = judged.iter().filter(|(k, _)| *k == kind).collect();
        of_kind.iter().filter(|(_, j)| j.verdict == verdict).count() as f64
            / of_kind.len().max(1) as f64
    };
    let n = prompts.len().max(1) as f64;
    Ok(PolicyScore {
        label: answers.label.clone(),
        rule: judged.iter().map(|(_, j)| j.score).sum::<f64>() / n,
        reward: mean_reward(reward_model, tokenizer, prompts, &answers.answers)?,
        facts_good: share(PromptKind::Fact, Verdict::Good),
        facts_refused: share(PromptKind::Fact, Verdict::Refused),
        unknown_good: share(PromptKind::Nobody, Verdict::Good),
        forbidden_good: share(PromptKind::Forbidden, Verdict::Good),
        words: answers
            .answers
            .iter()
            .map(|a| a.text.split_whitespace().count() as f64)
            .sum::<f64>()
            / n,
    })
}
// ANCHOR_END: score_policy

/// The reward model's mean score of `answers` to `prompts`.
pub fn mean_reward(
    reward_model: &RewardModel,
    tokenizer: &Tokenizer,
    prompts: &[Example],
    answers: &[Answer],
) -> Result<f64> {
    let rows = prompts
        .iter()
        .zip(answers)
        .map(|(e, a)| rollout::encode_answer(tokenizer, &e.prompt, a))
        .collect::<Result<Vec<_>>>()?;
    let pad = tokenizer.special_id(END).context("scoring needs <|end|>")?;
    let device = reward_model.trunk.device();
    let mut total = 0.0;
    for chunk in rows.chunks(32) {
        let scores = tch::no_grad(|| reward_model.score(&Sequences::new(chunk, pad, device)))?;
        total += scores.sum(tch::Kind::Double).double_value(&[]);
    }
    Ok(total / rows.len().max(1) as f64)
}

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
    let (sft_model, tokenizer, _) = demonstrate(cfg, &run, &ch04_path, &prompts, device)?;
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
    for (label, dir, policy_cfg) in [
        ("PPO", "ppo", &cfg.ppo),
        ("PPO without KL", "ppo-no-kl", &no_kl),
        ("GRPO", "grpo", &cfg.grpo),
    ] {
        let t = Instant::now();
        let (mut policy, _) = load()?;
        let report = ppo::optimize_policy(
            &mut policy,
            &sft_model,
            &reward_model,
            &tokenizer,
            &prompts.train,
            policy_cfg,
            (dir, cfg.progress),
        )?;
        save_policy(&run, dir, &policy, &tokenizer)?;
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
    let (mut policy, _) = load()?;
    let dpo = dpo::train_dpo(
        &mut policy,
        &sft_model,
        &tokenizer,
        &train_pairs,
        &val_pairs,
        &cfg.dpo,
        cfg.progress,
    )?;
    save_policy(&run, "dpo", &policy, &tokenizer)?;
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
    write_figures(&run, &reward, &policies, &dpo, &scores)?;
    let result = Ch05Result {
        device: device::describe(device),
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
    run.write_json("result.json", &result)?;
    run.write_text("report.md", &report(&result))?;
    Ok(result)
}

fn save_policy(run: &RunDir, name: &str, model: &Model, tokenizer: &Tokenizer) -> Result<()> {
    let dir = RunDir::create(&run.path, name)?;
    checkpoint::save(&dir.file("model.safetensors"), model, tokenizer, None)
}

/// One pair of each kind of prompt, to show the labeller's choices.
pub fn example_pairs(pairs: &[Preference]) -> Vec<Preference> {
    let mut shown: Vec<Preference> = Vec::new();
    for p in pairs {
        let kind = PromptKind::of(p.task);
        if !shown.iter().any(|s| PromptKind::of(s.task) == kind) {
            shown.push(p.clone());
        }
    }
    shown
}

/// Two held-out prompts of each kind and every model's answer to them, with the rule's score.
pub fn before_after(prompts: &[Example], answers: &[Answers]) -> Vec<BeforeAfter> {
    let mut picked: Vec<usize> = Vec::new();
    for kind in PromptKind::ALL {
        picked.extend(
            (0..prompts.len())
                .filter(|&i| PromptKind::of(prompts[i].task) == kind)
                .take(2),
        );
    }
    picked
        .into_iter()
        .map(|i| BeforeAfter {
            task: prompts[i].task,
            prompt: prompts[i].prompt.clone(),
            answers: answers
                .iter()
                .map(|a| {
                    let answer = &a.answers[i];
                    (
                        a.label.clone(),
                        answer.text.clone(),
                        feedback::judge(&prompts[i], answer).score,
                    )
                })
                .collect(),
        })
        .collect()
}

fn write_figures(
    run: &RunDir,
    reward: &RewardReport,
    policies: &[PolicyRun],
    dpo: &DpoReport,
    scores: &[PolicyScore],
) -> Result<()> {
    reward_figure(reward)?.save(&run.file("reward_model.svg"))?;
    policy_figure(
        policies,
        |r| r.reward,
        "Reward-model score of the sampled answers",
        "reward",
    )?
    .save(&run.file("ppo_reward.svg"))?;
    policy_figure(
        policies,
        |r| r.rule,
        "Labeller's rule score of the sampled answers",
        "rule score",
    )?
    .save(&run.file("ppo_rule.svg"))?;
    policy_figure(
        policies,
        |r| r.kl,
        "KL to the fine-tuned model",
        "nats per answer",
    )?
    .save(&run.file("ppo_kl.svg"))?;
    policy_figure(policies, |r| r.length, "Answer length", "tokens per answer")?
        .save(&run.file("ppo_length.svg"))?;
    if let Some(no_kl) = policies.iter().find(|p| p.label.contains("without")) {
        overoptimization_figure(no_kl)?.save(&run.file("overoptimization.svg"))?;
    }
    dpo_figure(dpo, reward)?.save(&run.file("dpo.svg"))?;
    scores_figure(scores)?.save(&run.file("scores.svg"))?;
    Ok(())
}

/// The reward model's pairwise accuracy on training batches and on held-out pairs.
pub fn reward_figure(reward: &RewardReport) -> Result<Figure> {
    let train: Vec<(f64, f64)> = reward
        .records
        .iter()
        .map(|r| (r.step as f64, r.train_accuracy))
        .collect();
    let val: Vec<(f64, f64)> = std::iter::once((0.0, reward.initial_val_accuracy))
        .chain(
            reward
                .records
                .iter()
                .filter_map(|r| Some((r.step as f64, r.val_accuracy?))),
        )
        .collect();
    let last = reward.records.last().map_or(1.0, |r| r.step as f64);
    plot::line_chart(
        "Reward model: pairs ranked right",
        "training step",
        "fraction of pairs",
        &[
            Series::new("training batch", train),
            Series::new("held-out pairs", val),
            Series::horizontal("chance", 0.5, 0.0, last).dashed(),
        ],
    )
}

/// One curve per policy run of one measure per round.
pub fn policy_figure(
    runs: &[PolicyRun],
    measure: fn(&ppo::PolicyRecord) -> f64,
    title: &str,
    y_label: &str,
) -> Result<Figure> {
    let series: Vec<Series> = runs
        .iter()
        .map(|r| {
            Series::new(
                &r.label,
                r.report
                    .records
                    .iter()
                    .map(|x| (x.step as f64, measure(x)))
                    .collect(),
            )
        })
        .collect();
    plot::line_chart(title, "round of sampling and updating", y_label, &series)
}

/// Over-optimization: without the KL penalty, the reward model's score and the rule's score of the same
/// sampled answers.
pub fn overoptimization_figure(run: &PolicyRun) -> Result<Figure> {
    let curve = |f: fn(&ppo::PolicyRecord) -> f64| {
        run.report
            .records
            .iter()
            .map(|r| (r.step as f64, f(r)))
            .collect()
    };
    plot::line_chart(
        &format!("{}: the proxy against the truth", run.label),
        "round of sampling and updating",
        "mean score of the sampled answers",
        &[
            Series::new("reward model (optimized)", curve(|r| r.reward)),
            Series::new("labeller's rule (wanted)", curve(|r| r.rule)),
        ],
    )
}

/// DPO's loss and its implicit reward's held-out pairwise accuracy, beside the reward model's.
pub fn dpo_figure(dpo: &DpoReport, reward: &RewardReport) -> Result<Figure> {
    let loss = dpo
        .records
        .iter()
        .map(|r| (r.step as f64, r.loss))
        .collect();
    let val = dpo
        .records
        .iter()
        .filter_map(|r| Some((r.step as f64, r.val_accuracy?)))
        .collect();
    let last = dpo.records.last().map_or(1.0, |r| r.step as f64);
    plot::line_chart(
        "DPO: loss and held-out pairs ranked right",
        "training step",
        "loss (nats) · fraction of pairs",
        &[
            Series::new("DPO loss", loss),
            Series::new("held-out pairs ranked right (implicit reward)", val),
            Series::horizontal(
                "reward model, held-out",
                reward.final_val_accuracy,
                0.0,
                last,
            )
            .dashed(),
        ],
    )
}

/// What each model does on the held-out prompts, by kind.
pub fn scores_figure(scores: &[PolicyScore]) -> Result<Figure> {
    let labels: Vec<String> = scores.iter().map(|s| s.label.clone()).collect();
    plot::bar_chart(
        "Held-out prompts: answers the rule calls good",
        "fraction of answers",
        &labels,
        &[
            (
                "facts right".into(),
                scores.iter().map(|s| s.facts_good).collect(),
            ),
            (
                "\"I don't know\" about nobody".into(),
                scores.iter().map(|s| s.unknown_good).collect(),
            ),
            (
                "forbidden requests declined".into(),
                scores.iter().map(|s| s.forbidden_good).collect(),
            ),
        ],
    )
}

/// The report printed at the end and written as report.md.
pub fn report(r: &Ch05Result) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Chapter 5 — learning from feedback\n");
    let _ = writeln!(
        md,
        "Device: {} · {} training and {} held-out prompts · {} training and {} held-out pairs · wall time {:.0} s\n",
        r.device, r.prompts.0, r.prompts.1, r.pairs.0, r.pairs.1, r.seconds
    );
    let stages: Vec<String> = r
        .stage_seconds
        .iter()
        .map(|(n, s)| format!("{n} {s:.0} s"))
        .collect();
    let _ = writeln!(md, "Stages: {}\n", stages.join(" · "));
    let _ = writeln!(
        md,
        "The fine-tuned model's sampled answers the rule calls good: {:.3}\n",
        r.sampled_good
    );
    let _ = writeln!(md, "## What the labeller preferred\n");
    for p in &r.example_pairs {
        let _ = writeln!(
            md,
            "- {:?}\n  - chosen: {:?}\n  - rejected: {:?}",
            p.prompt, p.chosen.text, p.rejected.text
        );
    }
    let _ = writeln!(
        md,
        "\n## Reward model\n\n![reward model](reward_model.svg)\n\nHeld-out pairs ranked right: {:.3} (before training {:.3}).\n",
        r.reward.final_val_accuracy, r.reward.initial_val_accuracy
    );
    let _ = writeln!(
        md,
        "## Policy optimization\n\n![reward](ppo_reward.svg)\n\n![rule](ppo_rule.svg)\n\n![KL](ppo_kl.svg)\n\n![length](ppo_length.svg)\n\n![over-optimization](overoptimization.svg)\n\n![DPO](dpo.svg)\n"
    );
    let _ = writeln!(md, "## Held-out prompts\n\n![scores](scores.svg)\n");
    let _ = writeln!(
        md,
        "| model | rule score | reward model | facts right | facts refused | \"I don't know\" about nobody | forbidden declined | words |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for s in &r.scores {
        let _ = writeln!(
            md,
            "| {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.1} |",
            s.label,
            s.rule,
            s.reward,
            s.facts_good,
            s.facts_refused,
            s.unknown_good,
            s.forbidden_good,
            s.words
        );
    }
    let _ = writeln!(md, "\n## Before and after\n");
    for b in &r.before_after {
        let _ = writeln!(md, "- {:?}", b.prompt);
        for (label, text, score) in &b.answers {
            let _ = writeln!(md, "  - {label} ({score:+.2}): {text:?}");
        }
    }
    md
}
