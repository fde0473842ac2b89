//! Helpers shared by the integration tests: tiny configs that train on a CPU in well under a second, a
//! lock around libtorch's global random generator, and temporary directories that clean up after themselves.

#![allow(dead_code)] // each test file uses a different part of this module

use jielong::Tokenizer;
use jielong::chapters::ch02::Ch02Config;
use jielong::chapters::ch03::Ch03Config;
use jielong::chapters::ch04::Ch04Config;
use jielong::chapters::ch05::{Ch05Config, PromptCounts};
use jielong::chapters::ch06::{AbilityConfig, Ch06Config, InductionConfig, Size};
use jielong::data::instruct::{self, Example, InstructConfig};
use jielong::data::world::Language;
use jielong::data::world::{World, WorldConfig, world_corpus};
use jielong::data::{CorpusSource, Split};
use jielong::device::DeviceChoice;
use jielong::model::{GptConfig, LoraConfig, Model, ModelConfig, Position};
use jielong::progress::ProgressMode;
use jielong::reward::RewardConfig;
use jielong::rl::dpo::DpoConfig;
use jielong::rl::ppo::{Advantage, PolicyConfig};
use jielong::sft::{self, AnswerScore, SftData};
use jielong::train::{self, Schedule, TrainConfig, TrainOptions, TrainReport};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use tch::Device;

static TORCH: Mutex<()> = Mutex::new(());

/// Hold this while a test seeds libtorch and relies on what it draws (initialisation, dropout): libtorch's
/// generator is global to the process, and the tests of one file run on parallel threads. Also pins
/// libtorch to one CPU thread, so the tests of a file do not fight over the machine's cores.
pub fn torch_lock() -> MutexGuard<'static, ()> {
    let guard = TORCH
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    tch::set_num_threads(1);
    guard
}

/// A directory under the system's temporary directory, unique to this process and call, removed on drop.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("jielong-test-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("the temporary directory can be created");
        TempDir { path }
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A world of 40 people: about 25 000 characters of text.
pub fn tiny_world() -> WorldConfig {
    WorldConfig {
        seed: 42,
        n_people: 40,
        diversity: 2,
        docs_per_person: 2,
        ..WorldConfig::default()
    }
}

/// The tiny world's text.
pub fn tiny_corpus() -> String {
    world_corpus(&tiny_world()).expect("the tiny world is valid")
}

/// A one-block GPT of width 32 that reads 16 tokens.
pub fn tiny_gpt(vocab_size: usize) -> ModelConfig {
    ModelConfig::Gpt(GptConfig {
        vocab_size,
        block_size: 16,
        n_layer: 1,
        n_head: 2,
        n_embd: 32,
        dropout: 0.0,
        tie_weights: true,
        position: Position::Learned,
        attention_only: false,
    })
}

/// A short, constant-rate training run (the schedule does not depend on `steps`, so a run can be extended).
pub fn tiny_train(steps: usize) -> TrainConfig {
    TrainConfig {
        steps,
        batch_size: 8,
        block_size: 16,
        lr: 3e-3,
        schedule: Schedule::Constant,
        warmup_steps: 5,
        eval_every: 10,
        eval_batches: 2,
        seed: 7,
        ..TrainConfig::default()
    }
}

/// The tiny corpus, its tokenizer and a 90/10 split for windows of 16 tokens.
pub fn tiny_data() -> (Tokenizer, Split) {
    let text = tiny_corpus();
    let tokenizer = Tokenizer::char_level(&text);
    let split = Split::new(&tokenizer.encode(&text), 0.1, 16).expect("the tiny corpus splits");
    (tokenizer, split)
}

/// Options that print nothing and write nothing.
pub fn quiet() -> TrainOptions {
    TrainOptions {
        label: "test".into(),
        progress: ProgressMode::Quiet,
        ..TrainOptions::default()
    }
}

/// A model built after seeding libtorch with `seed` (call under [`torch_lock`]).
pub fn seeded_model(config: &ModelConfig, seed: u64) -> Model {
    jielong::device::seed(seed);
    Model::new(config, Device::Cpu).expect("the test config is valid")
}

/// A tiny GPT trained for `steps` steps on the tiny world, with its tokenizer (call under [`torch_lock`]).
pub fn trained_tiny_gpt(steps: usize) -> (Model, Tokenizer, TrainReport) {
    let (tokenizer, split) = tiny_data();
    let mut model = seeded_model(&tiny_gpt(tokenizer.vocab_size()), 1);
    let report = train::train(&mut model, &tokenizer, &split, &tiny_train(steps), &quiet())
        .expect("the tiny run trains");
    (model, tokenizer, report)
}

/// The file names in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the directory is readable")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// A one-block GPT reading 16 tokens, of width 32 (part 1) or 64 (part 2).
pub fn tiny_model(n_embd: usize) -> GptConfig {
    GptConfig {
        block_size: 16,
        n_layer: 1,
        n_head: 2,
        n_embd,
        ..GptConfig::default()
    }
}

/// Chapter 2 shrunk to seconds: part 1 on the 40-person tiny world with a width-32 GPT, three rates (10 is
/// far too high); part 2 on four people told one way, pretraining on 60 other people.
pub fn tiny_ch02(runs_dir: &Path) -> Ch02Config {
    Ch02Config {
        runs_dir: runs_dir.to_path_buf(),
        run_name: "ch02-tiny".into(),
        device: DeviceChoice::Cpu,
        threads: 1,
        seed: 1337,
        progress: ProgressMode::Quiet,
        fresh: false,
        language: Language::En,
        corpus: CorpusSource::World(tiny_world()),
        val_fraction: 0.1,
        small_model: tiny_model(32),
        base_train: TrainConfig {
            steps: 20,
            batch_size: 8,
            block_size: 16,
            lr: 3e-3,
            schedule: Schedule::Constant,
            warmup_steps: 0,
            grad_clip: 0.0,
            eval_every: 5,
            eval_batches: 2,
            seed: 7,
            ..TrainConfig::default()
        },
        learning_rates: vec![1e-3, 1e-2, 10.0],
        sgd_lr: 0.1,
        schedule_lr: 3e-2,
        warmup_steps: 5,
        small_world: WorldConfig {
            seed: 42,
            n_people: 4,
            diversity: 1,
            docs_per_person: 2,
            ..WorldConfig::default()
        },
        held_out_seed: 2026,
        pretrain_world: WorldConfig {
            seed: 7,
            n_people: 60,
            diversity: 4,
            docs_per_person: 3,
            ..WorldConfig::default()
        },
        pretrain_steps: 20,
        large_model: tiny_model(64),
        overfit_train: TrainConfig {
            steps: 30,
            batch_size: 8,
            block_size: 16,
            lr: 3e-3,
            schedule: Schedule::Constant,
            warmup_steps: 0,
            weight_decay: 0.0,
            eval_every: 5,
            eval_batches: 2,
            seed: 7,
            ..TrainConfig::default()
        },
        patience: 2,
        dropout: 0.2,
        weight_decay: 1.0,
    }
}

/// Chapter 6 on a ladder of two tiny sizes, trained for a few steps: every file the chapter promises.
pub fn tiny_ch06(dir: &Path) -> Ch06Config {
    let base = Ch06Config::default();
    Ch06Config {
        runs_dir: dir.to_path_buf(),
        progress: ProgressMode::Quiet,
        fresh: false,
        train_chars: 40_000,
        val_chars: 8_000,
        sizes: vec![Size::new("A", 1, 2, 16), Size::new("B", 1, 2, 32)],
        train: TrainConfig {
            steps: 20,
            eval_every: 10,
            eval_batches: 2,
            batch_size: 4,
            warmup_steps: 2,
            ..base.train
        },
        abilities: AbilityConfig {
            problems: 2,
            test_digits: 4,
            code_prompts: 2,
            max_shots: 2,
            words: 1,
            seed: 1,
        },
        induction: InductionConfig {
            steps: 10,
            eval_every: 5,
            ..base.induction
        },
        data_scale: jielong::chapters::ch06::DataScaleConfig {
            size: "A".into(),
            tokens: vec![3840, 7680],
            larger: "B".into(),
            larger_at: vec![7680],
            problems: 1,
        },
        ..base
    }
}

/// Chapter 3 shrunk to seconds: 12 people, a one-block GPT, 20 steps, comparisons on (call under
/// [`torch_lock`]).
pub fn tiny_ch03(runs_dir: &Path) -> Ch03Config {
    let tiny = Ch03Config::tiny();
    Ch03Config {
        runs_dir: runs_dir.to_path_buf(),
        device: DeviceChoice::Cpu,
        threads: 1,
        progress: ProgressMode::Quiet,
        world: WorldConfig {
            n_people: 12,
            docs_per_person: 2,
            ..WorldConfig::default()
        },
        bpe_vocab_size: 300,
        gpt: GptConfig {
            block_size: 32,
            n_layer: 1,
            n_head: 2,
            n_embd: 32,
            ..tiny.gpt.clone()
        },
        train: TrainConfig {
            steps: 20,
            batch_size: 4,
            block_size: 32,
            warmup_steps: 2,
            eval_every: 10,
            eval_batches: 2,
            checkpoint_every: 10,
            ..tiny.train.clone()
        },
        cloze_people: 3,
        sample_tokens: 5,
        context_lengths: vec![8, 16],
        generation_lengths: vec![4, 8],
        ..tiny
    }
}

/// A tiny chapter 4 on [`tiny_ch03`]'s world, on the CPU, quiet: fine-tuning in a few steps.
pub fn tiny_ch04(runs_dir: &Path) -> Ch04Config {
    let base = tiny_ch03(runs_dir);
    // a context long enough for the longest conversation
    let pretrain = Ch03Config {
        gpt: GptConfig {
            block_size: 80,
            ..base.gpt.clone()
        },
        compare: false,
        ..base
    };
    let defaults = Ch04Config::default();
    Ch04Config {
        runs_dir: runs_dir.to_path_buf(),
        device: DeviceChoice::Cpu,
        threads: 1,
        progress: ProgressMode::Quiet,
        sft_people: 4,
        instruct: InstructConfig {
            phrasings: 1,
            summaries: true,
            arithmetic: 4,
            seed: 0,
        },
        sft_train: TrainConfig {
            steps: 6,
            batch_size: 4,
            block_size: 80,
            warmup_steps: 2,
            eval_every: 3,
            eval_batches: 1,
            ..defaults.sft_train.clone()
        },
        lora: LoraConfig {
            rank: 2,
            alpha: 4.0,
        },
        eval_people: 2,
        diversities: vec![1, pretrain.world.diversity],
        unknown_people: 2,
        max_answer_tokens: 6,
        pretrain,
        ..defaults
    }
}

/// Chapter 5 shrunk to seconds on [`tiny_ch04`]'s fine-tuning: a few prompts of each kind, a few steps of
/// every stage (call under [`torch_lock`]).
pub fn tiny_ch05(runs_dir: &Path) -> Ch05Config {
    let base = tiny_ch04(runs_dir);
    let sft = Ch04Config {
        instruct: InstructConfig {
            summaries: false,
            ..base.instruct.clone()
        },
        diversities: vec![base.pretrain.world.diversity],
        ..base
    };
    let policy = |advantage| PolicyConfig {
        advantage,
        steps: 3,
        prompts_per_step: 2,
        answers_per_prompt: 2,
        epochs: 1,
        max_answer_tokens: 8,
        ..PolicyConfig::default()
    };
    Ch05Config {
        runs_dir: runs_dir.to_path_buf(),
        run_name: "ch05".into(),
        device: DeviceChoice::Cpu,
        threads: 1,
        seed: 3,
        progress: ProgressMode::Quiet,
        fresh: false,
        language: Language::En,
        sft,
        demonstrations: PromptCounts {
            facts: 0,
            unknown: 2,
            forbidden: 2,
        },
        demo_repeats: 2,
        demo_train: TrainConfig {
            steps: 4,
            batch_size: 4,
            block_size: 80,
            warmup_steps: 2,
            eval_every: 2,
            eval_batches: 1,
            ..Ch04Config::default().sft_train
        },
        train_prompts: PromptCounts {
            facts: 4,
            unknown: 2,
            forbidden: 2,
        },
        eval_prompts: PromptCounts {
            facts: 2,
            unknown: 2,
            forbidden: 2,
        },
        answers_per_prompt: 2,
        written_answers: true,
        label_noise: 0.0,
        temperature: 1.0,
        max_answer_tokens: 8,
        reward: RewardConfig {
            steps: 4,
            batch_size: 4,
            lr: 1e-3,
            eval_every: 2,
            seed: 1,
        },
        ppo: policy(Advantage::Gae),
        grpo: policy(Advantage::Group),
        dpo: DpoConfig {
            steps: 4,
            batch_size: 4,
            lr: 1e-4,
            beta: 0.1,
            eval_every: 2,
            seed: 1,
        },
    }
}

/// Assert that the command failed cleanly and return its one error line.
pub fn error_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout {stdout:?} stderr {stderr:?}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(
        stderr.starts_with("error: ") && stderr.ends_with('\n'),
        "{stderr:?}"
    );
    assert_eq!(stdout, "", "nothing else is printed before the error");
    stderr.trim_end().to_string()
}

/// The 12-person world of chapters 3 to 5's tests: 4 documents per person, 2 paraphrases per fact.
pub fn small_world_config() -> WorldConfig {
    WorldConfig {
        seed: 5,
        n_people: 12,
        diversity: 2,
        docs_per_person: 4,
        ..WorldConfig::default()
    }
}

/// The world of [`small_world_config`].
pub fn small_world() -> World {
    World::generate(&small_world_config()).unwrap()
}

/// A BPE vocabulary of 320 tokens learned from the small world: it has the chat template's special tokens.
pub fn chat_tokenizer(world: &World) -> Tokenizer {
    Tokenizer::bpe(&world.corpus(), 320).unwrap()
}

/// A GPT that reads 64 tokens: the longest fact conversation of the small world (56 of these BPE tokens), and
/// a prompt with an answer of up to 24 tokens, fit.
pub fn gpt64(vocab_size: usize, n_layer: usize, n_embd: usize) -> ModelConfig {
    ModelConfig::Gpt(GptConfig {
        vocab_size,
        block_size: 64,
        n_layer,
        n_head: 4,
        n_embd,
        dropout: 0.0,
        tie_weights: true,
        position: Position::Rope,
        attention_only: false,
    })
}

/// A 2-block GPT of width 64 that reads 64 tokens, pretrained 400 steps on `world`'s text with its chat
/// tokenizer, as chapter 3's tests pretrain: the start of the fine-tuning tests of chapters 4 and 5 (call under
/// [`torch_lock`]).
pub fn pretrained_chat_gpt(world: &World) -> (Tokenizer, Model) {
    let tokenizer = chat_tokenizer(world);
    let mut model = seeded_model(&gpt64(tokenizer.vocab_size(), 2, 64), 1);
    let split = Split::new(&tokenizer.encode(&world.corpus()), 0.1, 32).unwrap();
    let pretrain = TrainConfig {
        steps: 400,
        batch_size: 16,
        block_size: 32,
        lr: 3e-3,
        warmup_steps: 20,
        eval_every: 400,
        eval_batches: 2,
        ..TrainConfig::default()
    };
    train::train(&mut model, &tokenizer, &split, &pretrain, &quiet()).unwrap();
    (tokenizer, model)
}

/// What fine-tuning on four people's facts did: the questions, the answers' scores before and after, and the
/// training report.
pub struct FactTuning {
    pub questions: Vec<Example>,
    pub before: AnswerScore,
    pub after: AnswerScore,
    pub report: TrainReport,
}

/// Fine-tune `model` for 200 steps (rate 3e-3) on the facts of `world`'s people 0 to 3, asked both ways,
/// and score its answers to those questions before and after: the English test in tests/ch04 and its
/// Chinese twin in tests/chinese.
pub fn fine_tune_on_four_people(
    world: &World,
    tokenizer: &Tokenizer,
    model: &mut Model,
) -> FactTuning {
    let people: Vec<usize> = (0..4).collect();
    let instructions = InstructConfig {
        phrasings: 2,
        summaries: false,
        arithmetic: 0,
        seed: 0,
    };
    let train_set = instruct::instructions(world, &people, &instructions);
    assert_eq!(train_set.len(), 4 * 8 * 2);
    let held_out = instruct::fact_questions(world, &[10, 11]);
    let data = SftData::new(tokenizer, &train_set, &held_out, true, 64).unwrap();
    let questions = instruct::fact_questions(world, &people);
    let before = sft::score_answers(model, tokenizer, &questions, 32).unwrap();
    let cfg = TrainConfig {
        steps: 200,
        batch_size: 16,
        block_size: 64,
        lr: 3e-3,
        schedule: Schedule::Constant,
        warmup_steps: 10,
        eval_every: 200,
        eval_batches: 2,
        seed: 3,
        ..TrainConfig::default()
    };
    let report = train::train(model, tokenizer, &data, &cfg, &quiet()).unwrap();
    let after = sft::score_answers(model, tokenizer, &questions, 32).unwrap();
    FactTuning {
        questions,
        before,
        after,
        report,
    }
}

/// Run the `jielong` binary with `args` on one thread, `input` on its standard input.
pub fn jielong_with_input(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jielong"))
        .args(args)
        .env("OMP_NUM_THREADS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the jielong binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Run the `jielong` binary with `args` on one thread.
pub fn jielong(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jielong"))
        .args(args)
        .env("OMP_NUM_THREADS", "1")
        .output()
        .expect("the jielong binary runs")
}

/// A `jielong train` config (JSON) training a tiny GPT on the file `corpus` for `steps` steps, on the CPU,
/// into `<runs_dir>/<name>`.
pub fn tiny_train_job(
    runs_dir: &Path,
    corpus: &Path,
    name: &str,
    steps: usize,
) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "runs_dir": runs_dir,
        "device": "cpu",
        "corpus": {"source": "file", "path": corpus},
        "model": {"kind": "gpt", "block_size": 16, "n_layer": 1, "n_head": 2, "n_embd": 32},
        "train": {"steps": steps, "block_size": 16, "batch_size": 4, "eval_every": 5, "eval_batches": 1}
    })
}

/// When each sub-run of the chapter run `root` last wrote its `result.json`, by sub-directory: what a
/// rerun reused (the same time) and what it computed again (a later one, or a new entry).
pub fn result_times(root: &Path) -> std::collections::BTreeMap<String, std::time::SystemTime> {
    std::fs::read_dir(root)
        .unwrap()
        .filter_map(|entry| {
            let entry = entry.unwrap();
            let modified = std::fs::metadata(entry.path().join("result.json"))
                .and_then(|m| m.modified())
                .ok()?;
            Some((entry.file_name().to_string_lossy().into_owned(), modified))
        })
        .collect()
}

/// The sub-runs whose `result.json` is new or rewritten between two [`result_times`].
pub fn recomputed(
    before: &std::collections::BTreeMap<String, std::time::SystemTime>,
    after: &std::collections::BTreeMap<String, std::time::SystemTime>,
) -> Vec<String> {
    (after.iter())
        .filter(|(name, time)| before.get(*name) != Some(*time))
        .map(|(name, _)| name.clone())
        .collect()
}

/// `result` as JSON without what the clock measured (`seconds`, `tokens_per_sec`, and a results table,
/// whose cells include seconds): what two runs of the same config must agree on exactly.
pub fn without_times<T: serde::Serialize + ?Sized>(result: &T) -> serde_json::Value {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(fields) => {
                for key in ["seconds", "tokens_per_sec", "table"] {
                    fields.remove(key);
                }
                fields.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(result).unwrap();
    strip(&mut value);
    value
}
