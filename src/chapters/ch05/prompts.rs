//! The prompts, the demonstrations that teach refusing and not knowing, and the labeller's feedback: sampled
//! answers ranked by the rule into preference pairs.

use super::config::Ch05Config;
use crate::chapters::ch04::{self};
use crate::checkpoint;
use crate::data::feedback::{self, Answer, Preference, PromptKind, PromptMix, Verdict};
use crate::data::instruct::{self, Example};
use crate::data::world::World;
use crate::generate::SamplingConfig;
use crate::model::Model;
use crate::progress::Progress;
use crate::rl::rollout::{self};
use crate::run::RunDir;
use crate::sft::SftData;
use crate::tokenizer::Tokenizer;
use crate::train::{self, TrainOptions, TrainReport};
use anyhow::Result;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};
use tch::Device;

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
        let relation = crate::data::world::Relation::BirthCity; // any: only the answer is kept
        let over_cautious = instruct::unknown_person_in(world.language(), &person.name, relation);
        answers.push(Answer::written(over_cautious.response));
    }
    answers
}
