//! Chapter 6 — emergent abilities: the same text, models of several sizes, and what each size can do.
//!
//! The experiment, in the order [`run`] does it:
//! 1. **a size ladder**: GPTs of growing size trained on the same skills text (see [`crate::data::skills`]),
//!    each cached in its own directory, so a second run trains only what is missing;
//! 2. **scale**: validation loss against parameters and against training compute, with fitted power laws;
//! 3. **abilities**, measured on every size with fresh problems: addition with and without worked steps
//!    (chain of thought) at every digit count, the code book at every number of examples (in-context
//!    learning), and string operations asked for as instructions, trained and held out;
//! 4. **the mirage question**: the same answers scored all-or-nothing and with partial credit;
//! 5. **induction heads**: a two-layer attention-only model learns to copy from its context, and the head that
//!    does it is found and drawn.

use super::open_run;
use crate::checkpoint;
use crate::data::Split;
use crate::data::arithmetic::{self, Addition};
use crate::data::skills::{self, Format, SkillsConfig, StringOp};
use crate::device::{self, DeviceChoice};
use crate::eval::{self, PowerLaw};
use crate::generate::{self, SamplingConfig};
use crate::model::{GptConfig, Model, ModelConfig, Position};
use crate::optim::AdamW;
use crate::plot::{self, Figure, Series};
use crate::progress::{Progress, ProgressMode};
use crate::run::{self, Cache, RunDir};
use crate::tokenizer::Tokenizer;
use crate::train::{self, TrainConfig, TrainOptions};
use anyhow::{Context, Result, bail, ensure};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;
use tch::{Device, Tensor};

// ANCHOR: size
/// One rung of the size ladder: a GPT's depth and width (everything else is shared).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Size {
    /// Name in charts, tables and run directories.
    pub label: String,
    /// Transformer blocks.
    pub n_layer: usize,
    /// Attention heads per block.
    pub n_head: usize,
    /// Width of the residual stream.
    pub n_embd: usize,
}
// ANCHOR_END: size

impl Size {
    /// A rung named `label`.
    pub fn new(label: &str, n_layer: usize, n_head: usize, n_embd: usize) -> Self {
        Size {
            label: label.into(),
            n_layer,
            n_head,
            n_embd,
        }
    }

    /// The GPT of this size over a vocabulary of `vocab_size` and a context of `block_size`, with
    /// `position` encoding.
    pub fn gpt(&self, vocab_size: usize, block_size: usize, position: Position) -> GptConfig {
        GptConfig {
            vocab_size,
            block_size,
            n_layer: self.n_layer,
            n_head: self.n_head,
            n_embd: self.n_embd,
            dropout: 0.0,
            tie_weights: true,
            position,
            attention_only: false,
        }
    }
}

/// Non-embedding parameters `N = 12 · n_layer · d²`: the count scaling laws are stated in (Kaplan et al.,
/// 2020), since embeddings cost almost no compute per token.
pub fn non_embedding_params(gpt: &GptConfig) -> f64 {
    gpt.matmul_params() - (gpt.vocab_size * gpt.n_embd) as f64
}

/// How the abilities are measured: fresh problems, never the training text's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AbilityConfig {
    /// Addition problems per digit count and format.
    pub problems: usize,
    /// Digit counts 1 to this are tested (those above `skills.max_digits` were never trained).
    pub test_digits: u32,
    /// Code prompts per number of examples.
    pub code_prompts: usize,
    /// Numbers of examples 0 to this are tested.
    pub max_shots: usize,
    /// Words per string operation.
    pub words: usize,
    /// Seed of the test problems.
    pub seed: u64,
}

impl Default for AbilityConfig {
    fn default() -> Self {
        AbilityConfig {
            problems: 40,
            test_digits: 5,
            code_prompts: 40,
            max_shots: 8,
            words: 24,
            seed: 2024,
        }
    }
}

/// The induction-head experiment: a small attention-only model trained on random sequences that repeat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InductionConfig {
    /// Attention-only blocks (two: one to note the previous token, one to look up its next).
    pub n_layer: usize,
    /// Heads per block.
    pub n_head: usize,
    /// Width.
    pub n_embd: usize,
    /// Token ids are drawn from `0..vocab`.
    pub vocab: usize,
    /// Training sequences are this long…
    pub len: usize,
    /// …and repeat a random segment whose length is drawn from this range (inclusive).
    pub periods: (usize, usize),
    /// The probe repeats a segment of this length once: `[x₁ … xₙ, x₁ … xₙ]`.
    pub probe_len: usize,
    /// Training steps.
    pub steps: usize,
    /// Sequences per step.
    pub batch_size: usize,
    /// Learning rate (AdamW, constant).
    pub lr: f64,
    /// Measure the probe every this many steps.
    pub eval_every: usize,
}

impl Default for InductionConfig {
    fn default() -> Self {
        InductionConfig {
            n_layer: 2,
            n_head: 4,
            n_embd: 64,
            vocab: 64,
            len: 48,
            periods: (6, 24),
            probe_len: 16,
            steps: 1500,
            batch_size: 32,
            lr: 1e-3,
            eval_every: 50,
        }
    }
}

/// Chapter 6's experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ch06Config {
    /// Parent directory of the run.
    pub runs_dir: PathBuf,
    /// The run's directory name.
    pub run_name: String,
    /// Where to compute.
    pub device: DeviceChoice,
    /// CPU threads (0 = libtorch's default).
    pub threads: usize,
    /// Seed of the model initialisations.
    pub seed: u64,
    /// How to show progress.
    pub progress: ProgressMode,
    /// What the training text is made of.
    pub skills: SkillsConfig,
    /// Characters of training text.
    pub train_chars: usize,
    /// Characters of validation text (drawn with another seed).
    pub val_chars: usize,
    /// The ladder, smallest first.
    pub sizes: Vec<Size>,
    /// How every size encodes positions.
    pub position: Position,
    /// How every size trains (the same steps, batch and schedule for all).
    pub train: TrainConfig,
    /// How the abilities are measured.
    pub abilities: AbilityConfig,
    /// The induction-head experiment.
    pub induction: InductionConfig,
}

impl Default for Ch06Config {
    /// The `quick` preset: four sizes spanning about 60× in parameters, minutes on a laptop CPU.
    fn default() -> Self {
        Ch06Config {
            runs_dir: PathBuf::from("runs"),
            run_name: "ch06".into(),
            device: DeviceChoice::Auto,
            threads: 0,
            seed: 1337,
            progress: ProgressMode::Auto,
            skills: SkillsConfig::default(),
            train_chars: 2_000_000,
            val_chars: 100_000,
            sizes: vec![
                Size::new("XS", 1, 2, 32),
                Size::new("S", 2, 4, 64),
                Size::new("M", 3, 4, 96),
                Size::new("L", 4, 4, 128),
            ],
            position: Position::Rope,
            train: TrainConfig {
                steps: 3000,
                batch_size: 32,
                block_size: 96,
                lr: 2e-3,
                warmup_steps: 100,
                eval_every: 150,
                eval_batches: 8,
                weight_decay: 0.1,
                ..TrainConfig::default()
            },
            abilities: AbilityConfig::default(),
            induction: InductionConfig::default(),
        }
    }
}

impl Ch06Config {
    /// The `full` preset for a GPU: six sizes spanning about 500× in parameters, trained four times longer.
    pub fn full() -> Self {
        let quick = Ch06Config::default();
        Ch06Config {
            run_name: "ch06-full".into(),
            train_chars: 8_000_000,
            sizes: vec![
                Size::new("XS", 1, 2, 32),
                Size::new("S", 2, 4, 64),
                Size::new("M", 3, 4, 96),
                Size::new("L", 4, 4, 128),
                Size::new("XL", 6, 6, 192),
                Size::new("XXL", 8, 8, 256),
            ],
            train: TrainConfig {
                steps: 12_000,
                batch_size: 64,
                warmup_steps: 300,
                eval_every: 500,
                lr: 1e-3,
                ..quick.train
            },
            abilities: AbilityConfig {
                problems: 100,
                code_prompts: 100,
                words: 60,
                ..quick.abilities
            },
            induction: InductionConfig {
                steps: 3000,
                ..quick.induction
            },
            ..quick
        }
    }

    /// `quick` (the default) or `full`.
    pub fn preset(name: &str) -> Result<Self> {
        match name {
            "quick" | "default" => Ok(Ch06Config::default()),
            "full" => Ok(Ch06Config::full()),
            other => bail!("chapter 6 has no preset {other:?}; available: quick, full"),
        }
    }

    /// Refuse an impossible config before anything trains; the error names the field.
    pub fn validate(&self) -> Result<()> {
        self.skills.validate()?;
        ensure!(
            !self.sizes.is_empty(),
            "sizes: the ladder needs at least one size"
        );
        for size in &self.sizes {
            ModelConfig::Gpt(size.gpt(1, self.train.block_size, self.position))
                .validate()
                .with_context(|| format!("size {}", size.label))?;
        }
        let labels: std::collections::BTreeSet<&str> =
            self.sizes.iter().map(|s| s.label.as_str()).collect();
        ensure!(
            labels.len() == self.sizes.len(),
            "sizes: two sizes share a label"
        );
        ensure!(
            self.train_chars > 10 * self.train.block_size
                && self.val_chars > 10 * self.train.block_size,
            "train_chars and val_chars must hold more than ten blocks of text"
        );
        let a = &self.abilities;
        ensure!(
            a.problems > 0 && a.code_prompts > 0 && a.words > 0,
            "abilities: problems, code_prompts and words must be above 0"
        );
        ensure!(
            (1..=9).contains(&a.test_digits),
            "abilities.test_digits must be 1 to 9"
        );
        let longest = a.test_digits as usize * 10 + 2 * a.test_digits as usize + 4;
        ensure!(
            longest <= self.train.block_size,
            "train.block_size {} cannot hold a worked {}-digit addition ({longest} characters)",
            self.train.block_size,
            a.test_digits
        );
        let i = &self.induction;
        ensure!(
            i.periods.0 >= 2 && i.periods.0 <= i.periods.1 && i.periods.1 < i.len,
            "induction.periods must be a range (low, high) with 2 <= low <= high < len"
        );
        ensure!(
            2 * i.probe_len <= i.len && i.vocab >= 2 && i.steps > 0 && i.eval_every > 0,
            "induction: probe_len must be at most len / 2, vocab at least 2, steps and eval_every above 0"
        );
        ModelConfig::Gpt(self.induction_gpt())
            .validate()
            .context("induction model")?;
        Ok(())
    }

    /// The attention-only GPT of the induction experiment.
    pub fn induction_gpt(&self) -> GptConfig {
        let i = &self.induction;
        GptConfig {
            vocab_size: i.vocab,
            block_size: i.len,
            n_layer: i.n_layer,
            n_head: i.n_head,
            n_embd: i.n_embd,
            dropout: 0.0,
            tie_weights: false,
            position: Position::Learned,
            attention_only: true,
        }
    }
}

// ANCHOR: skills_data
/// The skills text, its character tokenizer and the token split every size trains on.
pub struct SkillsData {
    /// The character tokenizer (fitted on every character a skills text can hold).
    pub tokenizer: Tokenizer,
    /// Training and validation tokens.
    pub split: Split,
    /// The first lines of the training text, to show.
    pub sample: Vec<String>,
}

/// Generate the training and validation text of `cfg` and tokenize it.
pub fn prepare_data(cfg: &Ch06Config) -> Result<SkillsData> {
    let train_text = skills::text(&cfg.skills, cfg.train_chars, cfg.seed);
    let val_text = skills::text(&cfg.skills, cfg.val_chars, cfg.seed ^ 0x76616c);
    let tokenizer = Tokenizer::char_level(&skills::alphabet());
    let encode = |t: &str| tokenizer.encode_strict(t);
    let split = Split::from_parts(
        &encode(&train_text)?,
        &encode(&val_text)?,
        cfg.train.block_size,
    )?;
    let sample = train_text.lines().take(12).map(String::from).collect();
    Ok(SkillsData {
        tokenizer,
        split,
        sample,
    })
}
// ANCHOR_END: skills_data

/// One point of a size's training curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Steps done.
    pub step: usize,
    /// Training compute so far: FLOPs per token × tokens.
    pub flops: f64,
    /// Validation loss (nats per character).
    pub val_loss: f64,
}

/// One trained size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SizeRun {
    /// The rung.
    pub size: Size,
    /// Its GPT.
    pub gpt: GptConfig,
    /// All trainable parameters.
    pub params: usize,
    /// Non-embedding parameters, the `N` of the scaling law.
    pub non_embedding_params: f64,
    /// Training FLOPs per token.
    pub flops_per_token: f64,
    /// The validation curve.
    pub curve: Vec<CurvePoint>,
    /// Final validation loss.
    pub val_loss: f64,
    /// Training compute in all (FLOPs).
    pub flops: f64,
    /// Wall-clock seconds of training.
    pub seconds: f64,
    /// The trained weights.
    pub checkpoint: PathBuf,
}

/// What makes a size's training: the cache key of [`train_size`].
#[derive(Serialize)]
struct SizeJob<'a> {
    gpt: &'a GptConfig,
    train: &'a TrainConfig,
    skills: &'a SkillsConfig,
    train_chars: usize,
    val_chars: usize,
    seed: u64,
}

// ANCHOR: train_size
/// Train one size on the skills text into `<run>/<label>/`, or read it back when that directory already
/// holds a run of exactly this config ([`run::cached`]).
pub fn train_size(
    cfg: &Ch06Config,
    data: &SkillsData,
    size: &Size,
    run: &RunDir,
    device: Device,
) -> Result<(SizeRun, Cache)> {
    let gpt = size.gpt(
        data.tokenizer.vocab_size(),
        cfg.train.block_size,
        cfg.position,
    );
    let job = SizeJob {
        gpt: &gpt,
        train: &cfg.train,
        skills: &cfg.skills,
        train_chars: cfg.train_chars,
        val_chars: cfg.val_chars,
        seed: cfg.seed,
    };
    let (mut trained, cache) = run::cached(&run.path, &size.label, &job, |dir| {
        device::seed(cfg.seed);
        let mut model = Model::new(&ModelConfig::Gpt(gpt.clone()), device)?;
        let opts = TrainOptions {
            label: format!("size {}", size.label),
            progress: cfg.progress,
            metrics_path: Some(dir.file("metrics.jsonl")),
            checkpoint_path: Some(dir.file("model.safetensors")),
            resume_from: None,
        };
        let report = train::train(&mut model, &data.tokenizer, &data.split, &cfg.train, &opts)
            .with_context(|| format!("training size {}", size.label))?;
        let flops_per_token = gpt.flops_per_token(cfg.train.block_size);
        let curve: Vec<CurvePoint> = (report.records.iter())
            .filter_map(|r| {
                Some(CurvePoint {
                    step: r.step,
                    flops: flops_per_token * r.tokens as f64,
                    val_loss: r.val_loss?,
                })
            })
            .collect();
        Ok(SizeRun {
            size: size.clone(),
            params: gpt.param_count(),
            non_embedding_params: non_embedding_params(&gpt),
            flops_per_token,
            flops: curve.last().map_or(0.0, |p| p.flops),
            val_loss: report.final_val_loss,
            curve,
            seconds: report.seconds,
            checkpoint: dir.file("model.safetensors"),
            gpt: gpt.clone(),
        })
    })?;
    // where the weights are now, whichever directory the cached result was written from
    trained.checkpoint = run.path.join(&size.label).join("model.safetensors");
    Ok((trained, cache))
}
// ANCHOR_END: train_size

// ANCHOR: complete
/// The model's greedy continuation of `prompt`, up to the end of the line or `max_chars` characters. The
/// prompt is read as a line of the skills text, after a newline, as every line was in training.
pub fn complete(
    model: &Model,
    tokenizer: &Tokenizer,
    prompt: &str,
    max_chars: usize,
) -> Result<String> {
    let cfg = SamplingConfig {
        temperature: 0.0,
        max_new_tokens: max_chars,
        stop: vec!["\n".into()],
        ..SamplingConfig::default()
    };
    let text = generate::generate(model, tokenizer, &format!("\n{prompt}"), &cfg)?;
    Ok(text.strip_suffix('\n').unwrap_or(&text).to_string())
}
// ANCHOR_END: complete

/// An answer scored three ways (see [`eval::exact_match`]): all or nothing, per character, by edits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Exact match.
    pub exact: f64,
    /// Per-character accuracy.
    pub per_char: f64,
    /// Edit similarity.
    pub edit: f64,
}

impl Scores {
    /// The three scores of one answer.
    pub fn of(answer: &str, target: &str) -> Self {
        Scores {
            exact: eval::exact_match(answer, target),
            per_char: eval::char_accuracy(answer, target),
            edit: eval::edit_similarity(answer, target),
        }
    }

    /// The mean of each score over many answers.
    pub fn mean(all: &[Scores]) -> Self {
        let n = all.len().max(1) as f64;
        let sum = |f: fn(&Scores) -> f64| all.iter().map(f).sum::<f64>() / n;
        Scores {
            exact: sum(|s| s.exact),
            per_char: sum(|s| s.per_char),
            edit: sum(|s| s.edit),
        }
    }
}

/// Addition at one digit count in one format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdditionScore {
    /// Direct or worked.
    pub format: Format,
    /// Digits per operand.
    pub digits: u32,
    /// Whether this digit count was in the training text.
    pub trained: bool,
    /// The final answers' scores (the number after the steps, for the worked format).
    pub scores: Scores,
    /// One problem and the model's completion, to show.
    pub example: (String, String),
}

/// The code book with `shots` examples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodeScore {
    /// Examples in the prompt.
    pub shots: usize,
    /// The answers' scores.
    pub scores: Scores,
    /// The fraction of prompts whose examples looked up the query's word.
    pub shown: f64,
    /// What a perfect reader would get right: [`skills::ideal_code_accuracy`].
    pub ideal: f64,
}

/// One string operation asked for as an instruction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpScore {
    /// The operation.
    pub op: StringOp,
    /// Whether instructions for it were in the training text.
    pub instructed: bool,
    /// Answers to `Q: op word A:`.
    pub instruction: Scores,
    /// Completions of the prose `the op of word is` (does the model know the operation at all?).
    pub prose: Scores,
}

/// Everything one size can do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Abilities {
    /// Addition, per format and digit count.
    pub addition: Vec<AdditionScore>,
    /// The code book, per number of examples.
    pub code: Vec<CodeScore>,
    /// String operations as instructions.
    pub ops: Vec<OpScore>,
}

impl Abilities {
    /// Mean scores of the operations asked for in training (`true`) or held out (`false`), as instructions.
    pub fn instructions(&self, instructed: bool) -> Scores {
        self.mean_over_ops(instructed, |o| o.instruction)
    }

    /// Mean prose scores of the held-out operations.
    pub fn held_out_prose(&self) -> Scores {
        self.mean_over_ops(false, |o| o.prose)
    }

    /// The mean of one score over the operations instructed in training (`true`) or held out (`false`).
    fn mean_over_ops(&self, instructed: bool, score: fn(&OpScore) -> Scores) -> Scores {
        let picked: Vec<Scores> = (self.ops.iter())
            .filter(|o| o.instructed == instructed)
            .map(score)
            .collect();
        Scores::mean(&picked)
    }

    /// Addition scores of `format` at `digits`.
    pub fn addition_at(&self, format: Format, digits: u32) -> Option<&AdditionScore> {
        (self.addition.iter()).find(|a| a.format == format && a.digits == digits)
    }
}

// ANCHOR: addition_ability
/// Addition in both formats at every digit count: greedy answers to fresh problems, the final number scored.
pub fn addition_ability(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &Ch06Config,
) -> Result<Vec<AdditionScore>> {
    let a = &cfg.abilities;
    let mut out = Vec::new();
    for format in Format::ALL {
        for digits in 1..=a.test_digits {
            let mut rng = ChaCha8Rng::seed_from_u64(a.seed + u64::from(digits));
            let problems: Vec<Addition> = (0..a.problems)
                .map(|_| Addition::sample(digits, &mut rng))
                .collect();
            let max_chars = format
                .completion(&Addition {
                    a: 10u64.pow(digits) - 1,
                    b: 10u64.pow(digits) - 1,
                })
                .len()
                + 4;
            let mut scores = Vec::new();
            let mut example = None;
            for p in &problems {
                let prompt = format.prompt(p);
                let written = complete(model, tokenizer, &prompt, max_chars)?;
                let answer = arithmetic::parse_answer(&written, format == Format::Worked)
                    .map_or_else(|| final_part(&written), |n| n.to_string());
                scores.push(Scores::of(&answer, &p.direct()));
                example.get_or_insert((prompt, written));
            }
            out.push(AdditionScore {
                format,
                digits,
                trained: digits <= cfg.skills.max_digits,
                scores: Scores::mean(&scores),
                example: example.unwrap_or_default(),
            });
        }
    }
    Ok(out)
}
// ANCHOR_END: addition_ability

/// What a completion that never reached a parsable number offers as its answer, for partial credit: the text
/// after the last answer mark, or all of it.
fn final_part(written: &str) -> String {
    written
        .rsplit_once(arithmetic::ANSWER_MARK)
        .map_or(written, |(_, tail)| tail)
        .to_string()
}

// ANCHOR: code_ability
/// The code book with 0 to `max_shots` examples: a new book in every prompt, so only the prompt can tell.
pub fn code_ability(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &Ch06Config,
) -> Result<Vec<CodeScore>> {
    let a = &cfg.abilities;
    (0..=a.max_shots)
        .map(|shots| {
            let mut rng = ChaCha8Rng::seed_from_u64(a.seed ^ (0xc0de + shots as u64));
            let mut scores = Vec::new();
            let mut shown = 0.0;
            for _ in 0..a.code_prompts {
                let item = skills::code_prompt(shots, cfg.skills.code_entries, &mut rng);
                let written = complete(model, tokenizer, &item.prompt, skills::CODE_LEN)?;
                scores.push(Scores::of(&written, &item.answer));
                shown += f64::from(u8::from(item.shown)) / a.code_prompts as f64;
            }
            Ok(CodeScore {
                shots,
                scores: Scores::mean(&scores),
                shown,
                ideal: skills::ideal_code_accuracy(shots, cfg.skills.code_entries),
            })
        })
        .collect()
}
// ANCHOR_END: code_ability

// ANCHOR: instruction_ability
/// Every string operation asked for as an instruction (and, to see whether the model knows it at all, in
/// prose), on fresh words.
pub fn instruction_ability(
    model: &Model,
    tokenizer: &Tokenizer,
    cfg: &Ch06Config,
) -> Result<Vec<OpScore>> {
    let a = &cfg.abilities;
    StringOp::ALL
        .iter()
        .enumerate()
        .map(|(i, &op)| {
            let mut rng = ChaCha8Rng::seed_from_u64(a.seed ^ (0x0b5 + i as u64));
            let (mut asked, mut told) = (Vec::new(), Vec::new());
            for _ in 0..a.words {
                let len = rand::Rng::random_range(
                    &mut rng,
                    cfg.skills.word_len.0..=cfg.skills.word_len.1,
                );
                let word = skills::word(len, &mut rng);
                let target = op.apply(&word);
                let max_chars = target.len() + 4;
                let answer =
                    complete(model, tokenizer, &skills::instruction(op, &word), max_chars)?;
                asked.push(Scores::of(&answer, &target));
                let said = complete(
                    model,
                    tokenizer,
                    &skills::prose_prompt(op, &word),
                    max_chars,
                )?;
                told.push(Scores::of(said.trim_end_matches('.'), &target));
            }
            Ok(OpScore {
                op,
                instructed: cfg.skills.instructed.contains(&op),
                instruction: Scores::mean(&asked),
                prose: Scores::mean(&told),
            })
        })
        .collect()
}
// ANCHOR_END: instruction_ability

/// The version of the measurement code: part of the abilities' cache key, raised whenever the way they are
/// measured changes, so that a cached measurement is never one the code would no longer make.
pub const MEASUREMENT_VERSION: u32 = 2;

/// The abilities of one trained size, cached beside its weights (measured again when the model, the test
/// problems or [`MEASUREMENT_VERSION`] change).
pub fn measure_size(
    cfg: &Ch06Config,
    size: &SizeRun,
    device: Device,
) -> Result<(Abilities, Cache)> {
    let root = size
        .checkpoint
        .parent()
        .context("a size's checkpoint lies in its directory")?;
    let key = (
        MEASUREMENT_VERSION,
        &size.gpt,
        &size.val_loss,
        &cfg.abilities,
        &cfg.skills,
    );
    run::cached(root, "abilities", &key, |_| {
        let (model, tokenizer) = checkpoint::load_model(&size.checkpoint, device)?;
        Ok(Abilities {
            addition: addition_ability(&model, &tokenizer, cfg)?,
            code: code_ability(&model, &tokenizer, cfg)?,
            ops: instruction_ability(&model, &tokenizer, cfg)?,
        })
    })
}

/// A size with what it can do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rung {
    /// How it trained.
    pub run: SizeRun,
    /// What it can do.
    pub abilities: Abilities,
    /// Whether training was read back from an earlier run.
    pub cached: bool,
}

/// The scaling laws fitted to the ladder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scaling {
    /// Final validation loss against non-embedding parameters.
    pub loss_vs_params: Option<PowerLaw>,
    /// Final validation loss against training compute.
    pub loss_vs_compute: Option<PowerLaw>,
}

/// Fit `L = a · Nᵏ` and `L = a · Cᵏ` to the ladder's final losses.
pub fn fit_scaling(rungs: &[Rung]) -> Scaling {
    let points = |x: fn(&SizeRun) -> f64| -> Vec<(f64, f64)> {
        rungs.iter().map(|r| (x(&r.run), r.run.val_loss)).collect()
    };
    Scaling {
        loss_vs_params: eval::fit_power_law(&points(|r| r.non_embedding_params)),
        loss_vs_compute: eval::fit_power_law(&points(|r| r.flops)),
    }
}

// ANCHOR: induction_run
/// One measurement of the induction model during training.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InductionPoint {
    /// Steps done.
    pub step: usize,
    /// Loss on the probe's first copy (nothing to copy from).
    pub first_copy_loss: f64,
    /// Loss on the probe's second copy (the first copy tells it).
    pub second_copy_loss: f64,
    /// Induction score of every head, `[layer][head]`.
    pub scores: Vec<Vec<f64>>,
}

/// What the induction experiment found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InductionResult {
    /// The probe measured through training.
    pub curve: Vec<InductionPoint>,
    /// The head with the highest final induction score: `(layer, head)`.
    pub best_head: (usize, usize),
    /// Its score.
    pub best_score: f64,
    /// The head of the first layer that attends most to the previous token, and that share.
    pub previous_token_head: (usize, f64),
    /// One probe sequence, as token ids.
    pub tokens: Vec<i64>,
    /// The best head's attention on it, `[query][key]`.
    pub induction_map: Vec<Vec<f64>>,
    /// The previous-token head's attention on it.
    pub previous_map: Vec<Vec<f64>>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Train the attention-only model on repeating sequences whose period varies, measuring the copy losses and
/// every head's induction score on a fixed probe as it learns; then find the induction head and the
/// previous-token head that feeds it.
pub fn induction(cfg: &Ch06Config, device: Device) -> Result<InductionResult> {
    let clock = Instant::now();
    let i = &cfg.induction;
    device::seed(cfg.seed);
    let model = Model::new(&ModelConfig::Gpt(cfg.induction_gpt()), device)?;
    let train_cfg = TrainConfig {
        lr: i.lr,
        weight_decay: 0.0,
        ..TrainConfig::default()
    };
    let mut optimizer = AdamW::new(&model, &train_cfg);
    let ids = 0..i.vocab as i64;
    let probe = eval::repeated_tokens(
        64,
        i.probe_len,
        ids.clone(),
        &mut ChaCha8Rng::seed_from_u64(99),
    )
    .to_device(device);
    let measure = |step: usize| {
        let (first, second) = eval::copy_losses(&model, &probe, i.probe_len);
        let maps = tch::no_grad(|| model.attention_maps(&probe));
        InductionPoint {
            step,
            first_copy_loss: first,
            second_copy_loss: second,
            scores: eval::induction_scores(&maps, i.probe_len),
        }
    };
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut curve = vec![measure(0)];
    let progress = Progress::new("induction", i.steps as u64, cfg.progress);
    let t = i.len as i64 - 1;
    for step in 1..=i.steps {
        let x = eval::periodic_tokens(
            i.batch_size,
            i.len,
            i.periods.0..=i.periods.1,
            ids.clone(),
            &mut rng,
        )
        .to_device(device);
        let loss = model.loss(&x.narrow(1, 0, t), &x.narrow(1, 1, t), true);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step(i.lr);
        if step % i.eval_every == 0 || step == i.steps {
            let point = measure(step);
            progress.update(
                step as u64,
                &format!("second copy {:.3}", point.second_copy_loss),
            );
            curve.push(point);
        }
    }
    progress.finish("done");
    let last = curve.last().expect("step 0 is measured");
    let best_head = argmax_head(&last.scores);
    let best_score = last.scores[best_head.0][best_head.1];
    let one = probe.narrow(0, 0, 1);
    let maps = tch::no_grad(|| model.attention_maps(&one));
    let head_map = |layer: usize, head: usize| -> Vec<Vec<f64>> {
        let m = maps[layer]
            .get(0)
            .get(head as i64)
            .to_kind(tch::Kind::Double)
            .to_device(Device::Cpu);
        Vec::<Vec<f64>>::try_from(m).expect("a 2-D map")
    };
    let previous_token_head = previous_token_share(&maps[0]);
    Ok(InductionResult {
        best_head,
        best_score,
        previous_token_head,
        tokens: Vec::<i64>::try_from(one.get(0).to_device(Device::Cpu))?,
        induction_map: head_map(best_head.0, best_head.1),
        previous_map: head_map(0, previous_token_head.0),
        curve,
        seconds: clock.elapsed().as_secs_f64(),
    })
}
// ANCHOR_END: induction_run

/// The `(layer, head)` of the highest score.
fn argmax_head(scores: &[Vec<f64>]) -> (usize, usize) {
    let mut best = (0, 0);
    for (l, row) in scores.iter().enumerate() {
        for (h, &s) in row.iter().enumerate() {
            if s > scores[best.0][best.1] {
                best = (l, h);
            }
        }
    }
    best
}

/// The head of one layer's maps `[B, H, T, T]` that attends most to the previous token, and its mean
/// attention there (positions 1 onwards).
fn previous_token_share(map: &Tensor) -> (usize, f64) {
    let diag = map.diagonal(-1, 2, 3); // [B, H, T − 1]: weight from i to i − 1
    let per_head = diag
        .mean_dim([0, 2].as_slice(), false, tch::Kind::Double)
        .to_device(Device::Cpu);
    let shares = Vec::<f64>::try_from(per_head).expect("a 1-D tensor");
    let head = (0..shares.len())
        .max_by(|&a, &b| shares[a].total_cmp(&shares[b]))
        .unwrap_or(0);
    (head, shares.get(head).copied().unwrap_or(0.0))
}

/// What chapter 6's run produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ch06Result {
    /// Where it ran.
    pub device: String,
    /// The first lines of the training text.
    pub sample: Vec<String>,
    /// Every size, smallest first.
    pub rungs: Vec<Rung>,
    /// The fitted scaling laws.
    pub scaling: Scaling,
    /// The induction-head experiment.
    pub induction: InductionResult,
    /// The run directory.
    pub run_dir: PathBuf,
    /// Total wall time.
    pub seconds: f64,
}

// ANCHOR: run
/// Run chapter 6's experiment and write `runs/<run_name>/`.
pub fn run(cfg: &Ch06Config) -> Result<Ch06Result> {
    let clock = Instant::now();
    cfg.validate()?;
    let setting = (cfg.device, cfg.threads, cfg.seed);
    let (device, run) = open_run(cfg, &cfg.runs_dir, &cfg.run_name, setting)?;
    let data = prepare_data(cfg)?;
    let mut rungs = Vec::new();
    for size in &cfg.sizes {
        let (trained, cache) = train_size(cfg, &data, size, &run, device)?;
        let (abilities, _) = measure_size(cfg, &trained, device)?;
        rungs.push(Rung {
            run: trained,
            abilities,
            cached: cache == Cache::Hit,
        });
    }
    let induction = run::cached(&run.path, "induction", &(&cfg.induction, cfg.seed), |_| {
        induction(cfg, device)
    })?
    .0;
    let result = Ch06Result {
        device: device::describe(device),
        sample: data.sample,
        scaling: fit_scaling(&rungs),
        rungs,
        induction,
        run_dir: run.path.clone(),
        seconds: clock.elapsed().as_secs_f64(),
    };
    write_figures(&run, cfg, &result)?;
    run.write_json("result.json", &result)?;
    run.write_text("report.md", &report(&result))?;
    Ok(result)
}
// ANCHOR_END: run

/// Every chart of the chapter, as `(file name, figure)`.
pub fn figures(cfg: &Ch06Config, r: &Ch06Result) -> Result<Vec<(&'static str, Figure)>> {
    Ok(vec![
        ("scaling_params.svg", scaling_params_figure(r)?),
        ("scaling_compute.svg", scaling_compute_figure(r)?),
        ("icl_shots.svg", icl_figure(r)?),
        ("cot_digits.svg", cot_figure(cfg, r)?),
        ("mirage_exact.svg", mirage_figure(cfg, r, Metric::Exact)?),
        (
            "mirage_partial.svg",
            mirage_figure(cfg, r, Metric::Partial)?,
        ),
        ("instructions.svg", instructions_figure(r)?),
        ("induction_loss.svg", induction_loss_figure(&r.induction)?),
        (
            "induction_scores.svg",
            induction_scores_figure(&r.induction)?,
        ),
        ("induction_head.svg", induction_head_figure(&r.induction)?),
    ])
}

fn write_figures(run: &RunDir, cfg: &Ch06Config, r: &Ch06Result) -> Result<()> {
    for (name, figure) in figures(cfg, r)? {
        figure.save(&run.file(name))?;
    }
    Ok(())
}

/// The ladder's points `(x, y)`, one per size.
fn ladder(r: &Ch06Result, x: fn(&SizeRun) -> f64, y: impl Fn(&Rung) -> f64) -> Vec<(f64, f64)> {
    r.rungs.iter().map(|g| (x(&g.run), y(g))).collect()
}

/// A fitted power law drawn over the range of `xs`.
fn law_series(label: &str, law: Option<PowerLaw>, xs: &[f64]) -> Option<Series> {
    let law = law?;
    let (lo, hi) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    let points = (0..=20)
        .map(|k| lo * (hi / lo).powf(f64::from(k) / 20.0))
        .map(|x| (x, law.at(x)))
        .collect();
    Some(
        Series::new(
            format!(
                "{label}: L = {:.2} · x^{:.3} (R² {:.2})",
                law.a, law.k, law.r2
            ),
            points,
        )
        .dashed(),
    )
}

/// Final validation loss against non-embedding parameters, log–log, with the fitted power law.
pub fn scaling_params_figure(r: &Ch06Result) -> Result<Figure> {
    let points = ladder(r, |s| s.non_embedding_params, |g| g.run.val_loss);
    let xs: Vec<f64> = points.iter().map(|p| p.0).collect();
    let mut series = vec![Series::points("sizes", points)];
    series.extend(law_series("fit", r.scaling.loss_vs_params, &xs));
    plot::log_log_chart(
        "Validation loss against model size",
        "non-embedding parameters N",
        "validation loss (nats/char)",
        &series,
    )
}

/// Every size's validation curve against training compute, log–log, with the power law through the
/// final points.
pub fn scaling_compute_figure(r: &Ch06Result) -> Result<Figure> {
    let mut series: Vec<Series> = (r.rungs.iter())
        .map(|g| {
            let points = (g.run.curve.iter())
                .filter(|p| p.step > 0)
                .map(|p| (p.flops, p.val_loss))
                .collect();
            Series::new(
                format!(
                    "{} ({})",
                    g.run.size.label,
                    count(g.run.non_embedding_params)
                ),
                points,
            )
        })
        .collect();
    let xs: Vec<f64> = r.rungs.iter().map(|g| g.run.flops).collect();
    series.extend(law_series("final points", r.scaling.loss_vs_compute, &xs));
    plot::log_log_chart(
        "Validation loss against training compute",
        "training FLOPs",
        "validation loss (nats/char)",
        &series,
    )
}

/// `12.3k`, `786k`, `1.2M`.
fn count(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.0}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// Code accuracy against the number of examples, one line per size, beside an ideal reader's share of
/// letters the examples showed.
pub fn icl_figure(r: &Ch06Result) -> Result<Figure> {
    let mut series: Vec<Series> = (r.rungs.iter())
        .map(|g| {
            let points = g
                .abilities
                .code
                .iter()
                .map(|c| (c.shots as f64, c.scores.exact))
                .collect();
            Series::new(g.run.size.label.clone(), points)
        })
        .collect();
    if let Some(g) = r.rungs.first() {
        let ideal = (g.abilities.code.iter())
            .map(|c| (c.shots as f64, c.ideal))
            .collect();
        series.push(Series::new("ideal reader", ideal).dashed());
    }
    plot::line_chart(
        "In-context learning: a new code book in every prompt",
        "examples in the prompt",
        "codes right",
        &series,
    )
}

/// Exact-match accuracy of addition against digit count, worked (solid) and direct (dashed), per size.
pub fn cot_figure(cfg: &Ch06Config, r: &Ch06Result) -> Result<Figure> {
    let mut series = Vec::new();
    for (i, g) in r.rungs.iter().enumerate() {
        for format in Format::ALL {
            let points = (g.abilities.addition.iter())
                .filter(|a| a.format == format)
                .map(|a| (f64::from(a.digits), a.scores.exact))
                .collect();
            let s = Series::new(
                format!("{} · {}", g.run.size.label, legend_name(format)),
                points,
            )
            .colored(i);
            series.push(if format == Format::Direct {
                s.dashed()
            } else {
                s
            });
        }
    }
    let title = format!(
        "Addition: answer alone or worked steps (trained on 1–{} digits)",
        cfg.skills.max_digits
    );
    plot::line_chart(&title, "digits per operand", "exact answers", &series)
}

/// A format as the chain-of-thought chart's legend names it (whose line samples are all drawn solid).
fn legend_name(format: Format) -> &'static str {
    match format {
        Format::Direct => "answer alone (dashed)",
        Format::Worked => "worked steps",
    }
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Direct => "answer alone",
        Format::Worked => "worked steps",
    }
}

/// Which kind of score a mirage chart shows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// All or nothing.
    Exact,
    /// By edits: one wrong character of five scores 0.8.
    Partial,
}

/// The tasks the mirage charts follow across sizes, with one size's scores on each: worked sums one digit
/// short of the longest trained and at the longest, and the instructed and held-out operations.
pub fn mirage_tasks(cfg: &Ch06Config, a: &Abilities) -> Vec<(String, Scores)> {
    let d = cfg.skills.max_digits;
    let sums = |digits: u32| {
        let scores = a.addition_at(Format::Worked, digits).map(|s| s.scores);
        (
            format!("{digits}-digit sums, worked"),
            scores.unwrap_or_default(),
        )
    };
    vec![
        sums(d.saturating_sub(1).max(1)),
        sums(d),
        ("instructed operations".into(), a.instructions(true)),
        ("held-out operations".into(), a.instructions(false)),
    ]
}

/// Each of [`mirage_tasks`] against model size (x: log₁₀ of non-embedding parameters), scored exactly or
/// with partial credit: the two charts of the mirage question, drawn from the same answers.
pub fn mirage_figure(cfg: &Ch06Config, r: &Ch06Result, metric: Metric) -> Result<Figure> {
    let pick = |s: &Scores| match metric {
        Metric::Exact => s.exact,
        Metric::Partial => s.edit,
    };
    let per_size: Vec<(f64, Vec<(String, Scores)>)> = (r.rungs.iter())
        .map(|g| {
            (
                g.run.non_embedding_params.log10(),
                mirage_tasks(cfg, &g.abilities),
            )
        })
        .collect();
    let labels: Vec<String> = per_size.first().map_or_else(Vec::new, |(_, t)| {
        t.iter().map(|(label, _)| label.clone()).collect()
    });
    let series: Vec<Series> = (labels.into_iter().enumerate())
        .map(|(i, label)| {
            let points = per_size
                .iter()
                .map(|(x, tasks)| (*x, pick(&tasks[i].1)))
                .collect();
            Series::new(label, points)
        })
        .collect();
    let (title, y) = match metric {
        Metric::Exact => ("Scored all or nothing (exact match)", "exact match"),
        Metric::Partial => (
            "The same answers, partial credit (edit similarity)",
            "edit similarity",
        ),
    };
    plot::line_chart(title, "log₁₀ non-embedding parameters", y, &series)
}

/// Instructions for trained and held-out operations, and the held-out operations in prose, against size.
pub fn instructions_figure(r: &Ch06Result) -> Result<Figure> {
    let x = |s: &SizeRun| s.non_embedding_params.log10();
    let series = vec![
        Series::new(
            "instructed in training",
            ladder(r, x, |g| g.abilities.instructions(true).exact),
        ),
        Series::new(
            "held out: as instructions",
            ladder(r, x, |g| g.abilities.instructions(false).exact),
        ),
        Series::new(
            "held out: in prose",
            ladder(r, x, |g| g.abilities.held_out_prose().exact),
        )
        .dashed(),
    ];
    plot::line_chart(
        "Instructions for operations never instructed in training",
        "log₁₀ non-embedding parameters",
        "exact answers",
        &series,
    )
}

/// The probe's copy losses through training.
pub fn induction_loss_figure(r: &InductionResult) -> Result<Figure> {
    let curve =
        |f: fn(&InductionPoint) -> f64| r.curve.iter().map(|p| (p.step as f64, f(p))).collect();
    plot::line_chart(
        "Attention-only model: loss on each copy of a repeated sequence",
        "training step",
        "loss (nats)",
        &[
            Series::new("first copy (nothing to copy)", curve(|p| p.first_copy_loss)),
            Series::new(
                "second copy (copy the first)",
                curve(|p| p.second_copy_loss),
            ),
        ],
    )
}

/// Every head's induction score through training.
pub fn induction_scores_figure(r: &InductionResult) -> Result<Figure> {
    let Some(last) = r.curve.last() else {
        bail!("the induction curve is empty");
    };
    let mut series = Vec::new();
    for (l, row) in last.scores.iter().enumerate() {
        for h in 0..row.len() {
            let points = r
                .curve
                .iter()
                .map(|p| (p.step as f64, p.scores[l][h]))
                .collect();
            let s = Series::new(format!("layer {l} head {h}"), points);
            series.push(if l == 0 { s.dashed() } else { s });
        }
    }
    plot::line_chart(
        "Induction score of every head",
        "training step",
        "attention to the token after the earlier occurrence",
        &series,
    )
}

/// A one-character label for token id `t` (a–z, A–Z, 0–9, then `#`), so that a sequence's labels fit
/// under a heat map.
fn token_symbol(t: i64) -> String {
    const SYMBOLS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let symbol = usize::try_from(t).ok().and_then(|i| SYMBOLS.chars().nth(i));
    symbol.unwrap_or('#').to_string()
}

/// The previous-token head and the induction head on one repeated sequence.
pub fn induction_head_figure(r: &InductionResult) -> Result<Figure> {
    let tokens: Vec<String> = r.tokens.iter().map(|&t| token_symbol(t)).collect();
    let (l, h) = r.best_head;
    plot::heatmaps(
        "Two heads on a sequence written twice",
        &tokens,
        &[
            (
                format!("layer 0 head {}: previous token", r.previous_token_head.0),
                r.previous_map.clone(),
            ),
            (
                format!("layer {l} head {h}: induction"),
                r.induction_map.clone(),
            ),
        ],
    )
}

/// The chapter's report in Markdown.
pub fn report(r: &Ch06Result) -> String {
    let mut s = String::from("# Chapter 6: emergent abilities\n\n");
    let _ = writeln!(s, "device: {} · {:.0} s in all\n", r.device, r.seconds);
    let _ = writeln!(
        s,
        "| size | layers × width | parameters | non-embedding N | training FLOPs | val loss | seconds | cached |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---|");
    for g in &r.rungs {
        let run = &g.run;
        let _ = writeln!(
            s,
            "| {} | {} × {} | {} | {} | {:.2e} | {:.4} | {:.0} | {} |",
            run.size.label,
            run.size.n_layer,
            run.size.n_embd,
            run.params,
            run.non_embedding_params,
            run.flops,
            run.val_loss,
            run.seconds,
            if g.cached { "yes" } else { "no" }
        );
    }
    let read_back = r.rungs.iter().filter(|g| g.cached).count();
    let trained: f64 = r.rungs.iter().map(|g| g.run.seconds).sum();
    let _ = writeln!(
        s,
        "\n{read_back} of {} sizes read back from earlier runs; training all of them took {trained:.0} s when they were trained.",
        r.rungs.len()
    );
    let law = |l: &Option<PowerLaw>| {
        l.map_or("no fit".into(), |l| {
            format!("L = {:.3} · x^{:.4} (R² {:.3})", l.a, l.k, l.r2)
        })
    };
    let _ = writeln!(s, "\nloss against N: {}", law(&r.scaling.loss_vs_params));
    let _ = writeln!(
        s,
        "loss against compute: {}\n",
        law(&r.scaling.loss_vs_compute)
    );

    let _ = writeln!(s, "## Addition (exact / per character)\n");
    if let Some(first) = r.rungs.first() {
        let digits: Vec<u32> = (first.abilities.addition.iter())
            .filter(|a| a.format == Format::Direct)
            .map(|a| a.digits)
            .collect();
        let header: String = digits.iter().map(|d| format!(" {d} digits |")).collect();
        let _ = writeln!(s, "| size | format |{header}");
        let _ = writeln!(s, "|---|---|{}", "---:|".repeat(digits.len()));
        for g in &r.rungs {
            for format in Format::ALL {
                let cells: String = (digits.iter())
                    .filter_map(|&d| g.abilities.addition_at(format, d))
                    .map(|a| format!(" {:.2} / {:.2} |", a.scores.exact, a.scores.per_char))
                    .collect();
                let _ = writeln!(
                    s,
                    "| {} | {} |{cells}",
                    g.run.size.label,
                    format_name(format)
                );
            }
        }
        let _ = writeln!(s);
    }
    for g in &r.rungs {
        for a in g.abilities.addition.iter().filter(|a| a.digits == 3) {
            let (prompt, written) = &a.example;
            let _ = writeln!(
                s,
                "- {} {}: `{prompt}{written}`",
                g.run.size.label,
                format_name(a.format)
            );
        }
    }
    let _ = writeln!(
        s,
        "\n## Code book: code words right, by examples in the prompt\n"
    );
    if let Some(first) = r.rungs.first() {
        let header: String = first
            .abilities
            .code
            .iter()
            .map(|c| format!(" {} |", c.shots))
            .collect();
        let _ = writeln!(s, "| size |{header}");
        let _ = writeln!(s, "|---|{}", "---:|".repeat(first.abilities.code.len()));
        let ideal: String = (first.abilities.code.iter())
            .map(|c| format!(" {:.2} |", c.ideal))
            .collect();
        for g in &r.rungs {
            let cells: String = (g.abilities.code.iter())
                .map(|c| format!(" {:.2} |", c.scores.exact))
                .collect();
            let _ = writeln!(s, "| {} |{cells}", g.run.size.label);
        }
        let _ = writeln!(s, "| ideal reader |{ideal}");
    }

    let _ = writeln!(s, "\n## Instructions (exact / edit similarity)\n");
    let _ = writeln!(
        s,
        "| size | instructed ops | held-out ops | held-out ops in prose |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|");
    for g in &r.rungs {
        let a = &g.abilities;
        let cell = |x: Scores| format!("{:.2} / {:.2}", x.exact, x.edit);
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            g.run.size.label,
            cell(a.instructions(true)),
            cell(a.instructions(false)),
            cell(a.held_out_prose())
        );
    }

    let i = &r.induction;
    let (first, last) = (i.curve.first(), i.curve.last());
    let _ = writeln!(s, "\n## Induction heads\n");
    if let (Some(first), Some(last)) = (first, last) {
        let _ = writeln!(
            s,
            "second-copy loss {:.3} → {:.3} (first copy {:.3} → {:.3}) in {} steps, {:.0} s",
            first.second_copy_loss,
            last.second_copy_loss,
            first.first_copy_loss,
            last.first_copy_loss,
            last.step,
            i.seconds
        );
    }
    let _ = writeln!(
        s,
        "induction head: layer {} head {}, score {:.3}; previous-token head: layer 0 head {}, share {:.3}",
        i.best_head.0,
        i.best_head.1,
        i.best_score,
        i.previous_token_head.0,
        i.previous_token_head.1
    );
    s
}
