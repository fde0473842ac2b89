//! Chapter 4 — supervised fine-tuning (SFT): from a well-read hermit to an assistant that answers.
//!
//! The experiment, in the order [`run`] does it:
//! 1. take chapter 3's pretrained model (pretraining it first if it is missing);
//! 2. fine-tune it on questions about half of the world's people, the loss on the answers only;
//! 3. the same with the loss on every token, from a random start, and with LoRA adapters;
//! 4. measure answer accuracy on the fine-tuned people and on the held-out half, whose facts the model read
//!    in pretraining but was never asked about;
//! 5. repeat from models pretrained on text of lower paraphrase diversity: knowledge extraction;
//! 6. ask the same questions before and after, and about people who do not exist.
//!
//! The fine-tuned checkpoint `runs/ch04/sft/model.safetensors` is where chapter 5 starts.

use super::ch03::{self, Ch03Config};
use super::prepare;
use crate::checkpoint;
use crate::data::Part;
use crate::data::instruct::{self, Example, InstructConfig};
use crate::data::world::{Relation, World};
use crate::device::{self, DeviceChoice};
use crate::eval;
use crate::model::{LoraConfig, Model};
use crate::plot::{self, Figure, Series};
use crate::progress::ProgressMode;
use crate::run::RunDir;
use crate::sft::{self, AnswerScore, SftData};
use crate::tokenizer::Tokenizer;
use crate::train::{self, Schedule, TrainConfig, TrainOptions, TrainReport};
use anyhow::{Context, Result, bail};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::Device;

/// Everything chapter 4's experiment needs; `chapters/04-sft/config.json` holds the defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ch04Config {
    /// Runs are written to `<runs_dir>/<run_name>/`.
    pub runs_dir: PathBuf,
    /// Name of this run's directory.
    pub run_name: String,
    /// Where to compute.
    pub device: DeviceChoice,
    /// CPU threads for libtorch (0 = one per core).
    pub threads: usize,
    /// Seed of initialisation (the random-start run) and of the data order.
    pub seed: u64,
    /// How to show training progress.
    pub progress: ProgressMode,
    /// Chapter 3's config: where the pretrained model is, and how to make it if it is missing.
    pub pretrain: Ch03Config,
    /// People `0..sft_people` are in the fine-tuning data; the others are held out.
    pub sft_people: usize,
    /// What the fine-tuning set holds.
    pub instruct: InstructConfig,
    /// Fine-tuning hyperparameters (`block_size` is the longest conversation).
    pub sft_train: TrainConfig,
    /// The LoRA adapters' shape.
    pub lora: LoraConfig,
    /// Learning rate of the LoRA run (adapters usually want a higher one).
    pub lora_lr: f64,
    /// People per group (fine-tuned, held out) whose 8 facts are asked to measure accuracy.
    pub eval_people: usize,
    /// Pretraining paraphrase diversities of the knowledge-extraction experiment.
    pub diversities: Vec<usize>,
    /// People who do not exist, asked about.
    pub unknown_people: usize,
    /// The longest answer generated, in tokens.
    pub max_answer_tokens: usize,
    /// Fresh addition problems asked to measure arithmetic.
    pub eval_arithmetic: usize,
}

impl Default for Ch04Config {
    fn default() -> Self {
        let pretrain = Ch03Config::tiny();
        let block_size = pretrain.gpt.block_size;
        Ch04Config {
            runs_dir: PathBuf::from("runs"),
            run_name: "ch04".into(),
            device: DeviceChoice::Auto,
            threads: 0,
            seed: 1337,
            progress: ProgressMode::Auto,
            pretrain,
            sft_people: 100,
            instruct: InstructConfig::default(),
            sft_train: TrainConfig {
                steps: 400,
                batch_size: 32,
                block_size,
                // gentle: a higher rate fits the fine-tuned people as well but overwrites more of what
                // pretraining stored (measured: held-out accuracy 0.128 at 1e-3, 0.200 at 3e-4)
                lr: 3e-4,
                schedule: Schedule::Cosine,
                warmup_steps: 20,
                eval_every: 50,
                eval_batches: 4,
                ..TrainConfig::default()
            },
            lora: LoraConfig::default(),
            lora_lr: 3e-3,
            eval_people: 50,
            diversities: vec![1, 2, 4],
            unknown_people: 5,
            max_answer_tokens: 40,
            eval_arithmetic: 50,
        }
    }
}

impl Ch04Config {
    /// Refuse a config that would fail only after minutes of work.
    pub fn validate(&self) -> Result<()> {
        self.pretrain.validate()?;
        let n = self.pretrain.world.n_people;
        if self.sft_people == 0 || self.sft_people >= n {
            bail!(
                "ch04 config: sft_people must be between 1 and n_people − 1 ({}), got {}",
                n - 1,
                self.sft_people
            );
        }
        if self.eval_people == 0 || self.eval_people > self.sft_people.min(n - self.sft_people) {
            bail!(
                "ch04 config: eval_people must be between 1 and the size of the smaller group ({}), got {}",
                self.sft_people.min(n - self.sft_people),
                self.eval_people
            );
        }
        if self.sft_train.block_size > self.pretrain.gpt.block_size {
            bail!(
                "ch04 config: sft_train.block_size {} exceeds the pretrained model's block_size {}",
                self.sft_train.block_size,
                self.pretrain.gpt.block_size
            );
        }
        if let Some(d) = self
            .diversities
            .iter()
            .find(|&&d| d == 0 || d > crate::data::world::MAX_DIVERSITY)
        {
            bail!(
                "ch04 config: diversities must be between 1 and {}, got {d}",
                crate::data::world::MAX_DIVERSITY
            );
        }
        if self.lora.rank == 0 {
            bail!("ch04 config: lora.rank must be at least 1");
        }
        Ok(())
    }

    /// Chapter 3's config for a model pretrained on text of `diversity`: the main one for its own diversity,
    /// else one kept in this chapter's run directory.
    pub fn pretrain_for(&self, diversity: usize) -> Ch03Config {
        if diversity == self.pretrain.world.diversity {
            return self.pretrain.clone();
        }
        let mut cfg = self.pretrain.clone();
        cfg.world.diversity = diversity;
        cfg.runs_dir = self.runs_dir.join(&self.run_name);
        cfg.run_name = format!("pretrain-diversity-{diversity}");
        cfg.compare = false;
        cfg
    }
}

/// Where the fine-tuned checkpoint lives: the start of chapter 5.
pub fn finetuned_checkpoint_path(cfg: &Ch04Config) -> PathBuf {
    cfg.runs_dir
        .join(&cfg.run_name)
        .join("sft")
        .join("model.safetensors")
}

/// The world, the two groups of people and the instruction sets.
pub struct Ch04Data {
    /// The world the pretraining text was about.
    pub world: World,
    /// Fine-tuning examples (people `0..sft_people` and the addition problems).
    pub train: Vec<Example>,
    /// One question per fact of the held-out people: the validation set.
    pub held_out: Vec<Example>,
    /// Questions that measure accuracy on fine-tuned people.
    pub eval_sft_people: Vec<Example>,
    /// Questions that measure accuracy on held-out people.
    pub eval_held_out: Vec<Example>,
    /// Fresh addition problems.
    pub eval_arithmetic: Vec<Example>,
}

// ANCHOR: prepare_data
/// Split the world's people into fine-tuned and held out, and render their instruction sets.
pub fn prepare_data(cfg: &Ch04Config) -> Result<Ch04Data> {
    let world = World::generate(&cfg.pretrain.world)?;
    let sft: Vec<usize> = (0..cfg.sft_people).collect();
    let held: Vec<usize> = (cfg.sft_people..world.people.len()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0xadd);
    Ok(Ch04Data {
        train: instruct::instructions(&world, &sft, &cfg.instruct),
        held_out: instruct::fact_questions(&world, &held),
        eval_sft_people: instruct::fact_questions(&world, &sft[..cfg.eval_people]),
        eval_held_out: instruct::fact_questions(&world, &held[..cfg.eval_people]),
        eval_arithmetic: (0..cfg.eval_arithmetic)
            .map(|_| instruct::arithmetic(&mut rng))
            .collect(),
        world,
    })
}
// ANCHOR_END: prepare_data

/// How one fine-tuning run went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SftRun {
    /// What was varied.
    pub label: String,
    /// Parameters the run changed.
    pub trainable_params: i64,
    /// The training report (the loss curves).
    pub report: TrainReport,
    /// Validation loss on the answers only, whatever the run trained on (comparable across runs).
    pub answer_loss: f64,
    /// Accuracy on the fine-tuned people's facts.
    pub sft_people: AnswerScore,
    /// Accuracy on the held-out people's facts (read in pretraining, never asked about).
    pub held_out: AnswerScore,
    /// Accuracy on fresh addition problems.
    pub arithmetic: AnswerScore,
}

/// How a fine-tuning run starts and what it trains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// From the pretrained weights, every parameter trained.
    Pretrained,
    /// From a fresh random initialisation of the same shape.
    Random,
    /// From the pretrained weights, frozen, with LoRA adapters trained (then merged).
    Lora,
}

/// Everything one fine-tuning run needs besides its config.
pub struct SftSetup<'a> {
    /// The chapter's config.
    pub cfg: &'a Ch04Config,
    /// The instruction sets.
    pub data: &'a Ch04Data,
    /// The device.
    pub device: Device,
}

// ANCHOR: finetune
/// Fine-tune the model in `pretrained` into `<run>/<dir_name>/`, starting as `start` says, with the loss on
/// the answers only (`mask_prompt`) or on every token; then measure it.
pub fn finetune(
    setup: &SftSetup,
    label: &str,
    dir_name: &str,
    pretrained: &Path,
    start: Start,
    mask_prompt: bool,
) -> Result<(Model, Tokenizer, SftRun)> {
    let cfg = setup.cfg;
    let dir = RunDir::create(&cfg.runs_dir.join(&cfg.run_name), dir_name)?;
    let (mut model, tokenizer) = checkpoint::load_model(pretrained, setup.device)
        .with_context(|| format!("loading the pretrained model {}", pretrained.display()))?;
    let block = cfg.sft_train.block_size;
    let data = SftData::new(
        &tokenizer,
        &setup.data.train,
        &setup.data.held_out,
        mask_prompt,
        block,
    )?;
    let mut train_cfg = cfg.sft_train.clone();
    // no wider than the longest conversation, so tokens/s counts conversation tokens, not padding
    train_cfg.block_size = train_cfg.block_size.min(data.longest_input());
    match start {
        Start::Pretrained => {}
        Start::Random => {
            device::seed(cfg.seed);
            model = Model::new(model.config(), setup.device)?;
        }
        Start::Lora => {
            model.add_lora(&cfg.lora)?;
            train_cfg.lr = cfg.lora_lr;
        }
    }
    let trainable_params = model.num_trainable_params();
    let opts = TrainOptions {
        label: dir_name.to_string(),
        progress: cfg.progress,
        metrics_path: Some(dir.file("metrics.jsonl")),
        // adapters are not in the model's own parameters: the LoRA run saves after merging them
        checkpoint_path: (start != Start::Lora).then(|| dir.file("model.safetensors")),
        resume_from: None,
    };
    let report = train::train(&mut model, &tokenizer, &data, &train_cfg, &opts)
        .with_context(|| format!("fine-tuning '{label}'"))?;
    if start == Start::Lora {
        model.merge_lora();
        checkpoint::save(&dir.file("model.safetensors"), &model, &tokenizer, None)?;
    }
    // the answer-only loss needs the masked conversations: those just trained on, unless the run was unmasked
    let masked;
    let answers_only = if mask_prompt {
        &data
    } else {
        masked = SftData::new(
            &tokenizer,
            &setup.data.train,
            &setup.data.held_out,
            true,
            block,
        )?;
        &masked
    };
    let run = measure(
        setup,
        &model,
        &tokenizer,
        answers_only,
        label,
        trainable_params,
        report,
    )?;
    Ok((model, tokenizer, run))
}
// ANCHOR_END: finetune

/// Answer accuracy on both groups and on addition, and the validation loss on the answers only
/// (`answers_only`: the conversations with the prompt masked).
fn measure(
    setup: &SftSetup,
    model: &Model,
    tokenizer: &Tokenizer,
    answers_only: &SftData,
    label: &str,
    trainable_params: i64,
    report: TrainReport,
) -> Result<SftRun> {
    let cfg = setup.cfg;
    let max = cfg.max_answer_tokens;
    let answer_loss =
        train::estimate_loss(model, answers_only, Part::Val, &cfg.sft_train, cfg.seed);
    Ok(SftRun {
        label: label.into(),
        trainable_params,
        report,
        answer_loss,
        sft_people: sft::score_answers(model, tokenizer, &setup.data.eval_sft_people, max)?,
        held_out: sft::score_answers(model, tokenizer, &setup.data.eval_held_out, max)?,
        arithmetic: sft::score_answers(model, tokenizer, &setup.data.eval_arithmetic, max)?,
    })
}

/// Knowledge extraction at one pretraining diversity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiversityPoint {
    /// Paraphrase templates per fact in the pretraining text.
    pub diversity: usize,
    /// Accuracy on the fine-tuned people.
    pub sft_people_accuracy: f64,
    /// Accuracy on the held-out people: knowledge extracted that fine-tuning never showed.
    pub held_out_accuracy: f64,
    /// The pretrained model's free recall of the held-out people's facts (see [`eval::cloze_recall`]):
    /// what it could write before fine-tuning.
    pub pretrained_recall: f64,
}

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

/// What chapter 4's experiment measured and where it wrote its files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ch04Result {
    /// The device.
    pub device: String,
    /// Fine-tuning examples.
    pub train_examples: usize,
    /// One example conversation, token by token, with its mask.
    pub mask_example: Vec<MaskedToken>,
    /// The fine-tuning runs: masked (the main one), unmasked, random start, LoRA.
    pub runs: Vec<SftRun>,
    /// Held-out accuracy against pretraining diversity.
    pub diversity: Vec<DiversityPoint>,
    /// The same questions before and after fine-tuning.
    pub before_after: Vec<BeforeAfter>,
    /// Questions about people who do not exist and the fine-tuned model's answers.
    pub unknown: Vec<BeforeAfter>,
    /// Fraction of those answered with an invented fact rather than "I don't know".
    pub invented: f64,
    /// The fine-tuned checkpoint chapter 5 starts from.
    pub finetuned_checkpoint: PathBuf,
    /// The run directory.
    pub run_dir: PathBuf,
    /// Total wall time.
    pub seconds: f64,
}

/// Run chapter 4's experiment and write `runs/<run_name>/`.
pub fn run(cfg: &Ch04Config) -> Result<Ch04Result> {
    let clock = Instant::now();
    cfg.validate()?;
    let setting = (cfg.device, cfg.threads, cfg.seed);
    let (device, run) = super::open_run(cfg, &cfg.runs_dir, &cfg.run_name, setting)?;
    let pretrained = ch03::ensure_pretrained(&cfg.pretrain)?;
    let data = prepare_data(cfg)?;
    let setup = SftSetup {
        cfg,
        data: &data,
        device,
    };

    let (model, tokenizer, main) = finetune(
        &setup,
        "answers only (masked)",
        "sft",
        &pretrained,
        Start::Pretrained,
        true,
    )?;
    let mask_example = mask_example(&tokenizer, &data.train[0])?;
    let (_, _, unmasked) = finetune(
        &setup,
        "every token",
        "sft-unmasked",
        &pretrained,
        Start::Pretrained,
        false,
    )?;
    let (_, _, random) = finetune(
        &setup,
        "random start",
        "sft-random",
        &pretrained,
        Start::Random,
        true,
    )?;
    let lora_label = format!("LoRA r = {}", cfg.lora.rank);
    let (_, _, lora) = finetune(
        &setup,
        &lora_label,
        "sft-lora",
        &pretrained,
        Start::Lora,
        true,
    )?;
    let diversity = diversity_sweep(&setup, &main)?;

    let (base, _) = checkpoint::load_model(&pretrained, device)?;
    let before_after = before_after(cfg, &data, &base, &model, &tokenizer)?;
    let unknown = unknown_people(cfg, &data.world, &base, &model, &tokenizer)?;
    let invented = unknown
        .iter()
        .filter(|u| !u.finetuned.contains("don't know"))
        .count() as f64
        / unknown.len().max(1) as f64;
    let runs = vec![main, unmasked, random, lora];
    write_figures(&run, &runs, &diversity)?;
    let result = Ch04Result {
        device: device::describe(device),
        train_examples: data.train.len(),
        mask_example,
        runs,
        diversity,
        before_after,
        unknown,
        invented,
        finetuned_checkpoint: finetuned_checkpoint_path(cfg),
        run_dir: run.path.clone(),
        seconds: clock.elapsed().as_secs_f64(),
    };
    run.write_json("result.json", &result)?;
    run.write_text("report.md", &report(&result))?;
    Ok(result)
}

/// The fine-tuned checkpoint of `cfg`, made first (pretraining too, if needed) when it is missing: what
/// chapter 5 calls before it starts.
pub fn ensure_finetuned(cfg: &Ch04Config) -> Result<PathBuf> {
    let path = finetuned_checkpoint_path(cfg);
    if !path.exists() {
        cfg.validate()?;
        let device = prepare(cfg.device, cfg.threads, cfg.seed)?;
        let pretrained = ch03::ensure_pretrained(&cfg.pretrain)?;
        let data = prepare_data(cfg)?;
        let setup = SftSetup {
            cfg,
            data: &data,
            device,
        };
        finetune(
            &setup,
            "answers only (masked)",
            "sft",
            &pretrained,
            Start::Pretrained,
            true,
        )?;
    }
    Ok(path)
}

// ANCHOR: diversity_sweep
/// Fine-tune models pretrained on text of each diversity the same way, and measure how much of the held-out
/// people's knowledge each can give as answers. `main` is the run at the main pretraining's diversity.
pub fn diversity_sweep(setup: &SftSetup, main: &SftRun) -> Result<Vec<DiversityPoint>> {
    let cfg = setup.cfg;
    let mut diversities = cfg.diversities.clone();
    diversities.sort_unstable();
    diversities.dedup();
    diversities
        .into_iter()
        .map(|d| {
            let pretrained = ch03::ensure_pretrained(&cfg.pretrain_for(d))?;
            let run = if d == cfg.pretrain.world.diversity {
                main.clone()
            } else {
                let (label, dir) = (format!("diversity {d}"), format!("sft-diversity-{d}"));
                finetune(setup, &label, &dir, &pretrained, Start::Pretrained, true)?.2
            };
            let (base, tokenizer) = checkpoint::load_model(&pretrained, setup.device)?;
            let held: Vec<usize> = (cfg.sft_people..cfg.sft_people + cfg.eval_people).collect();
            Ok(DiversityPoint {
                diversity: d,
                sft_people_accuracy: run.sft_people.accuracy,
                held_out_accuracy: run.held_out.accuracy,
                pretrained_recall: eval::cloze_recall(
                    &base,
                    &tokenizer,
                    &setup.data.world,
                    &held,
                    8,
                )?,
            })
        })
        .collect()
}
// ANCHOR_END: diversity_sweep

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
    let questions = [
        (
            "fine-tuned person",
            instruct::fact_question(&data.world, 0, Relation::BirthCity, 0).prompt,
        ),
        (
            "fine-tuned person",
            instruct::summary(&data.world, 1).prompt,
        ),
        (
            "held-out person",
            instruct::fact_question(&data.world, held, Relation::Job, 0).prompt,
        ),
        (
            "held-out person",
            instruct::fact_question(&data.world, held + 1, Relation::PetName, 1).prompt,
        ),
        ("addition", "What is 25 plus 17?".to_string()),
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
            let q = instruct::unknown_person(name, relation).prompt;
            ask_both(cfg, "nobody", &q, base, tuned, tokenizer)
        })
        .collect()
}

fn write_figures(run: &RunDir, runs: &[SftRun], diversity: &[DiversityPoint]) -> Result<()> {
    loss_figure(runs)?.save(&run.file("sft_loss.svg"))?;
    accuracy_figure(runs)?.save(&run.file("accuracy.svg"))?;
    diversity_figure(diversity)?.save(&run.file("diversity.svg"))?;
    Ok(())
}

/// Training loss of every run, and the masked run's validation loss on the held-out people's answers.
pub fn loss_figure(runs: &[SftRun]) -> Result<Figure> {
    let mut series: Vec<Series> = runs
        .iter()
        .map(|r| Series::new(format!("{} · train", r.label), r.report.eval_curves().0))
        .collect();
    if let Some(main) = runs.first() {
        series.push(
            Series::new(
                format!("{} · held-out answers", main.label),
                main.report.eval_curves().1,
            )
            .dashed(),
        );
    }
    plot::line_chart(
        "Fine-tuning: the loss",
        "fine-tuning step",
        "cross-entropy (nats/token)",
        &series,
    )
}

/// Accuracy of every run on the fine-tuned and the held-out people.
pub fn accuracy_figure(runs: &[SftRun]) -> Result<Figure> {
    let labels: Vec<String> = runs.iter().map(|r| r.label.clone()).collect();
    plot::bar_chart(
        "Answer accuracy",
        "fraction of answers right",
        &labels,
        &[
            (
                "fine-tuned people".into(),
                runs.iter().map(|r| r.sft_people.accuracy).collect(),
            ),
            (
                "held-out people".into(),
                runs.iter().map(|r| r.held_out.accuracy).collect(),
            ),
        ],
    )
}

/// Held-out accuracy against pretraining diversity.
pub fn diversity_figure(points: &[DiversityPoint]) -> Result<Figure> {
    let curve =
        |f: fn(&DiversityPoint) -> f64| points.iter().map(|p| (p.diversity as f64, f(p))).collect();
    let mut held = Series::new("held-out people", curve(|p| p.held_out_accuracy));
    held.markers = points.len() < 3;
    let mut tuned = Series::new("fine-tuned people", curve(|p| p.sft_people_accuracy));
    tuned.markers = points.len() < 3;
    let mut recall = Series::new(
        "held-out, recalled before fine-tuning",
        curve(|p| p.pretrained_recall),
    )
    .dashed();
    recall.markers = points.len() < 3;
    plot::line_chart(
        "Knowledge extraction against pretraining diversity",
        "paraphrases per fact in pretraining",
        "fraction of facts right",
        &[tuned, held, recall],
    )
}

/// The report printed at the end and written as report.md.
pub fn report(r: &Ch04Result) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Chapter 4 — supervised fine-tuning\n");
    let _ = writeln!(
        md,
        "Device: {} · {} fine-tuning examples · wall time {:.0} s\n",
        r.device, r.train_examples, r.seconds
    );
    let shown: String = r
        .mask_example
        .iter()
        .map(|t| {
            if t.learned {
                format!("⟦{}⟧", t.piece)
            } else {
                t.piece.clone()
            }
        })
        .collect();
    let _ = writeln!(
        md,
        "The loss counts only the ⟦marked⟧ tokens:\n\n    {shown}\n"
    );
    let _ = writeln!(md, "![loss](sft_loss.svg)\n\n![accuracy](accuracy.svg)\n");
    let _ = writeln!(
        md,
        "| run | trainable parameters | answer loss | fine-tuned people | held-out people | exact match | stops | addition |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for run in &r.runs {
        let _ = writeln!(
            md,
            "| {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            run.label,
            run.trainable_params,
            run.answer_loss,
            run.sft_people.accuracy,
            run.held_out.accuracy,
            run.sft_people.exact_match,
            run.sft_people.stopped,
            run.arithmetic.accuracy
        );
    }
    let _ = writeln!(
        md,
        "\n## Knowledge extraction\n\n![diversity](diversity.svg)\n"
    );
    let _ = writeln!(
        md,
        "| diversity | fine-tuned people | held-out people | held-out, recalled before fine-tuning |\n|---:|---:|---:|---:|"
    );
    for p in &r.diversity {
        let _ = writeln!(
            md,
            "| {} | {:.3} | {:.3} | {:.3} |",
            p.diversity, p.sft_people_accuracy, p.held_out_accuracy, p.pretrained_recall
        );
    }
    let _ = writeln!(md, "\n## Before and after\n");
    for b in r.before_after.iter().chain(&r.unknown) {
        let _ = writeln!(
            md,
            "- ({}) {:?}\n  - pretrained: {:?}\n  - fine-tuned: {:?}{}",
            b.about,
            b.question,
            b.pretrained,
            b.finetuned,
            if b.stopped { "" } else { " (did not stop)" }
        );
    }
    let _ = writeln!(
        md,
        "\nAbout people who do not exist, {:.0}% of the answers invent a fact.",
        100.0 * r.invented
    );
    let _ = writeln!(
        md,
        "\nFine-tuned checkpoint: {}",
        r.finetuned_checkpoint.display()
    );
    md
}
