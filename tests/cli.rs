//! The `jielong` command line: a tiny train → sample → resume round, and bad input. Every bad input exits
//! with status 1 and prints exactly one line on stderr, `error: …`, naming the problem; never a panic.

mod common;

use common::{TempDir, error_line, jielong, quiet, seeded_model, tiny_corpus, torch_lock};
use jielong::checkpoint;
use jielong::model::{GptConfig, ModelConfig};
use jielong::train::{self, TrainConfig, TrainOptions};
use jielong::{Tokenizer, data::Split};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;

fn assert_fails_naming(out: &Output, parts: &[&str]) {
    let line = error_line(out);
    for part in parts {
        assert!(line.contains(part), "{part:?} not in {line:?}");
    }
}

/// A directory with the tiny world's text in `corpus.txt`.
struct Workspace {
    dir: TempDir,
}

impl Workspace {
    fn new(label: &str) -> Self {
        let dir = TempDir::new(label);
        std::fs::write(dir.join("corpus.txt"), tiny_corpus()).unwrap();
        Workspace { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn corpus(&self) -> PathBuf {
        self.path("corpus.txt")
    }

    /// A `jielong train` config training a tiny GPT on `corpus` for `steps` steps; `edit` changes the JSON.
    fn job(
        &self,
        name: &str,
        corpus: &Path,
        steps: usize,
        edit: impl FnOnce(&mut Value),
    ) -> PathBuf {
        let mut job = common::tiny_train_job(&self.path("runs"), corpus, name, steps);
        edit(&mut job);
        let path = self.path(&format!("{name}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&job).unwrap()).unwrap();
        path
    }

    fn train(&self, job: &Path, extra: &[&str]) -> Output {
        let mut args = vec!["train", "--config", job.to_str().unwrap()];
        args.extend_from_slice(extra);
        jielong(&args)
    }
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn train_then_sample_then_resume_from_the_command_line() {
    let ws = Workspace::new("cli-happy");
    let job = ws.job("tiny", &ws.corpus(), 5, |_| {});
    let out = ws.train(&job, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = ws.path("runs/tiny");
    assert_eq!(
        common::file_names(&run),
        [
            "config.json",
            "loss.svg",
            "metrics.jsonl",
            "model.safetensors"
        ]
    );
    let log = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 6, "step 0 and steps 1–5");

    let ckpt = run.join("model.safetensors");
    let sample = |seed: &str, extra: &[&str]| {
        let args = [
            "sample",
            "--checkpoint",
            s(&ckpt),
            "--prompt",
            "She was",
            "--tokens",
            "20",
            "--seed",
            seed,
            "--device",
            "cpu",
        ];
        jielong(&[&args[..], extra].concat())
    };
    let a = sample("3", &[]);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let text = String::from_utf8(a.stdout.clone()).unwrap();
    assert!(
        text.starts_with("She was") && text.ends_with('\n'),
        "{text:?}"
    );
    assert_eq!(text.chars().count(), "She was".len() + 20 + 1, "{text:?}");
    assert_eq!(sample("3", &[]).stdout, a.stdout, "same seed, same text");
    // --trace writes the same choices as a table: a header, a rule, one row per token.
    let traced = sample("3", &["--trace"]);
    assert!(
        traced.status.success(),
        "{}",
        String::from_utf8_lossy(&traced.stderr)
    );
    let table = String::from_utf8(traced.stdout).unwrap();
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 2 + 20, "{table}");
    let chosen: String = rows[2..]
        .iter()
        .map(|row| {
            let last = row.trim_end_matches(" |").rsplit("| ").next().unwrap();
            last.trim_matches('`').replace('␣', " ").replace('⏎', "\n")
        })
        .collect();
    assert_eq!(
        format!("She was{chosen}\n"),
        text,
        "the table's choices are the sampled text"
    );

    let longer = ws.job("tiny", &ws.corpus(), 10, |_| {});
    let out = ws.train(&longer, &["--resume", s(&ckpt)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    let steps: Vec<u64> = log
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["step"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(
        steps,
        (0..=10).collect::<Vec<_>>(),
        "the resumed run appends steps 6–10"
    );
    assert_eq!(
        checkpoint::load(&ckpt).unwrap().train_state.unwrap().step,
        10
    );
}

/// A tiny chapter 1 config file in `ws` (3 steps per model), with its progress shown as `progress` says.
fn chapter_one_config(ws: &Workspace, progress: &str) -> PathBuf {
    let config = json!({
        "runs_dir": ws.path("runs"),
        "run_name": "ch01",
        "device": "cpu",
        "corpus": {"source": "file", "path": ws.corpus()},
        "bigram_train": {"steps": 3, "block_size": 16, "batch_size": 4, "eval_batches": 1},
        "gpt": {"block_size": 16, "n_layer": 1, "n_head": 2, "n_embd": 32},
        "gpt_train": {"steps": 3, "block_size": 16, "batch_size": 4, "eval_batches": 1},
        "prompt": "She ",
        "sample_tokens": 10,
        "repetition_prompts": ["The "],
        "progress": progress
    });
    let path = ws.path(&format!("ch01-{progress}.json"));
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

#[test]
fn chapter_one_runs_from_the_command_line() {
    let ws = Workspace::new("cli-chapter");
    let path = chapter_one_config(&ws, "quiet");
    let out = jielong(&["chapter", "1", "--config", s(&path)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("# Chapter 1 — text continuation"),
        "{stdout}"
    );
    assert!(
        stdout
            .trim_end()
            .ends_with(&format!("wrote {}", ws.path("runs/ch01").display()))
    );
    assert!(ws.path("runs/ch01/result.json").exists());
}

#[test]
fn a_second_chapter_run_says_what_it_reused_and_fresh_reuses_nothing() {
    let ws = Workspace::new("cli-reuse");
    let path = chapter_one_config(&ws, "lines");
    let run = |extra: &[&str]| {
        let out = jielong(&[&["chapter", "1", "--config", s(&path)], extra].concat());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        (stdout.lines())
            .filter(|l| l.starts_with("reused "))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(run(&[]), Vec::<String>::new());
    let reused = |model: &str| {
        let dir = ws.path("runs/ch01").join(model);
        format!("reused {} (same config)", dir.display())
    };
    assert_eq!(run(&[]), [reused("bigram"), reused("gpt")]);
    assert_eq!(run(&["--fresh"]), Vec::<String>::new());

    let help = jielong(&["chapter", "--help"]);
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(
        help.contains("--fresh") && help.contains("Runs are reused"),
        "{help}"
    );
}

#[test]
fn missing_corpus_file_is_an_error_naming_the_file() {
    let ws = Workspace::new("cli-missing");
    let missing = ws.path("no-such-corpus.txt");
    let job = ws.job("missing", &missing, 5, |_| {});
    let line = error_line(&ws.train(&job, &[]));
    assert_eq!(
        line,
        format!(
            "error: cannot read corpus file {}: No such file or directory (os error 2)",
            missing.display()
        )
    );
}

#[test]
fn empty_corpus_file_is_an_error() {
    let ws = Workspace::new("cli-empty");
    let empty = ws.path("empty.txt");
    std::fs::write(&empty, " \n\n ").unwrap();
    let job = ws.job("empty", &empty, 5, |_| {});
    let line = error_line(&ws.train(&job, &[]));
    assert_eq!(
        line,
        format!("error: corpus file {} is empty", empty.display())
    );
}

#[test]
fn non_utf8_corpus_file_is_an_error_giving_the_offset() {
    let ws = Workspace::new("cli-latin1");
    let latin1 = ws.path("latin1.txt");
    std::fs::write(&latin1, b"caf\xe9 au lait").unwrap();
    let job = ws.job("latin1", &latin1, 5, |_| {});
    let line = error_line(&ws.train(&job, &[]));
    assert_eq!(
        line,
        format!(
            "error: corpus file {} is not UTF-8 text (invalid byte at offset 3)",
            latin1.display()
        )
    );
}

#[test]
fn corpus_too_short_for_the_block_size_is_an_error() {
    let ws = Workspace::new("cli-short");
    let short = ws.path("short.txt");
    std::fs::write(&short, "床前明月光，疑是地上霜。").unwrap();
    let job = ws.job("short", &short, 5, |_| {});
    let line = error_line(&ws.train(&job, &[]));
    assert_eq!(
        line,
        "error: the corpus has 12 tokens: too few for block_size 16 (each split needs more than 16)"
    );
}

#[test]
fn n_embd_not_divisible_by_n_head_is_an_error() {
    let ws = Workspace::new("cli-heads");
    let job = ws.job("heads", &ws.corpus(), 5, |j| {
        j["model"]["n_embd"] = json!(30);
        j["model"]["n_head"] = json!(4);
    });
    let line = error_line(&ws.train(&job, &[]));
    assert_eq!(
        line,
        "error: model config: n_embd (30) must be divisible by n_head (4)"
    );
}

#[test]
fn block_size_zero_is_an_error() {
    let ws = Workspace::new("cli-block0");
    let job = ws.job("model-block0", &ws.corpus(), 5, |j| {
        j["model"]["block_size"] = json!(0)
    });
    assert_eq!(
        error_line(&ws.train(&job, &[])),
        "error: model config: block_size must be at least 1 (it is the context length)"
    );
    let job = ws.job("train-block0", &ws.corpus(), 5, |j| {
        j["train"]["block_size"] = json!(0)
    });
    assert_eq!(
        error_line(&ws.train(&job, &[])),
        "error: train config: steps, batch_size, grad_accum_steps, block_size and eval_batches must all be at least 1"
    );
    let job = ws.job("train-block32", &ws.corpus(), 5, |j| {
        j["train"]["block_size"] = json!(32)
    });
    assert_eq!(
        error_line(&ws.train(&job, &[])),
        "error: train config: block_size 32 exceeds the model's block_size 16"
    );
}

#[test]
fn malformed_or_unknown_config_is_an_error_naming_the_file_and_field() {
    let ws = Workspace::new("cli-config");
    let job = ws.job("typo", &ws.corpus(), 5, |j| {
        j["model"]["n_layers"] = json!(2)
    });
    assert_fails_naming(
        &ws.train(&job, &[]),
        &[
            &format!("config {} is invalid", job.display()),
            "unknown field `n_layers`",
        ],
    );
    let not_json = ws.path("not-json.json");
    std::fs::write(&not_json, "steps = 5\n").unwrap();
    assert_fails_naming(&ws.train(&not_json, &[]), &["is invalid", "expected value"]);
    let missing = ws.path("missing.json");
    assert_fails_naming(
        &ws.train(&missing, &[]),
        &[&format!("cannot read config {}", missing.display())],
    );
    assert_eq!(
        error_line(&jielong(&["chapter", "7"])),
        "error: chapter 7 does not exist; available: 1, 2, 3, 4, 5, 6"
    );
}

/// Train a tiny GPT of width `n_embd` on the workspace's corpus for two steps, with a checkpoint.
fn library_checkpoint(ws: &Workspace, n_embd: usize, name: &str) -> (PathBuf, ModelConfig) {
    let _torch = torch_lock();
    let text = std::fs::read_to_string(ws.corpus()).unwrap();
    let tokenizer = Tokenizer::char_level(&text);
    let split = Split::new(&tokenizer.encode(&text), 0.1, 16).unwrap();
    let config = ModelConfig::Gpt(GptConfig {
        vocab_size: tokenizer.vocab_size(),
        block_size: 16,
        n_layer: 1,
        n_head: 2,
        n_embd,
        ..GptConfig::default()
    });
    let mut model = seeded_model(&config, 0);
    let path = ws.path(name);
    let cfg = TrainConfig {
        steps: 2,
        batch_size: 4,
        block_size: 16,
        eval_batches: 1,
        ..TrainConfig::default()
    };
    let opts = TrainOptions {
        checkpoint_path: Some(path.clone()),
        ..quiet()
    };
    train::train(&mut model, &tokenizer, &split, &cfg, &opts).unwrap();
    (path, config)
}

#[test]
fn resuming_from_a_checkpoint_of_another_model_is_an_error_naming_both() {
    let ws = Workspace::new("cli-resume-other");
    let (ckpt, saved) = library_checkpoint(&ws, 16, "narrow.safetensors");
    let job = ws.job("wide", &ws.corpus(), 5, |_| {});
    let line = error_line(&ws.train(&job, &["--resume", s(&ckpt)]));
    let wanted = ModelConfig::Gpt(GptConfig {
        vocab_size: saved.vocab_size(),
        block_size: 16,
        n_layer: 1,
        n_head: 2,
        n_embd: 32,
        ..GptConfig::default()
    });
    assert_eq!(
        line,
        format!(
            "error: cannot resume from {}: checkpoint was made for model {} but the model is {}",
            ckpt.display(),
            serde_json::to_string(&saved).unwrap(),
            serde_json::to_string(&wanted).unwrap()
        )
    );
}

#[test]
fn resuming_from_a_checkpoint_without_training_state_is_an_error() {
    let ws = Workspace::new("cli-resume-nostate");
    let (ckpt, _) = library_checkpoint(&ws, 32, "trained.safetensors");
    // Rewrite it as a sampling-only checkpoint: the model and tokenizer, no optimizer.
    let (model, tokenizer) = checkpoint::load_model(&ckpt, tch::Device::Cpu).unwrap();
    checkpoint::save(&ckpt, &model, &tokenizer, None).unwrap();
    let job = ws.job("nostate", &ws.corpus(), 5, |_| {});
    let line = error_line(&ws.train(&job, &["--resume", s(&ckpt)]));
    assert_eq!(
        line,
        format!(
            "error: {} holds no training state to resume",
            ckpt.display()
        )
    );
}

#[test]
fn sampling_a_prompt_with_unknown_characters_is_an_error_naming_the_character() {
    let ws = Workspace::new("cli-sample-unknown");
    let (ckpt, _) = library_checkpoint(&ws, 32, "model.safetensors");
    let sample = |prompt: &str, extra: &[&str]| {
        let mut args = vec![
            "sample",
            "--checkpoint",
            s(&ckpt),
            "--prompt",
            prompt,
            "--device",
            "cpu",
        ];
        args.extend_from_slice(extra);
        jielong(&args)
    };
    assert_eq!(
        error_line(&sample("She was 龙", &[])),
        "error: cannot continue the prompt: the character '龙' (U+9F99) is not in the model's vocabulary"
    );
    assert_eq!(
        error_line(&sample("", &[])),
        "error: cannot continue the prompt: the prompt is empty: there is nothing to continue from"
    );
    assert_eq!(
        error_line(&sample("She", &["--top-p", "0"])),
        "error: sampling: top_p must be in (0, 1], got 0"
    );
}

#[test]
fn sampling_from_a_missing_or_damaged_checkpoint_is_an_error_naming_the_file() {
    let ws = Workspace::new("cli-sample-damaged");
    let (ckpt, _) = library_checkpoint(&ws, 32, "model.safetensors");
    let bytes = std::fs::read(&ckpt).unwrap();
    let truncated = ws.path("truncated.safetensors");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let missing = ws.path("missing.safetensors");
    let sample = |path: &Path| jielong(&["sample", "--checkpoint", s(path), "--prompt", "She"]);
    assert_eq!(
        error_line(&sample(&truncated)),
        format!(
            "error: {} is not a valid jielong checkpoint: incomplete metadata, file not fully covered",
            truncated.display()
        )
    );
    assert_eq!(
        error_line(&sample(&missing)),
        format!(
            "error: cannot read checkpoint {}: No such file or directory (os error 2)",
            missing.display()
        )
    );
    assert_eq!(
        error_line(&sample(&ws.corpus())),
        format!(
            "error: {} is not a valid jielong checkpoint: header too large",
            ws.corpus().display()
        )
    );
}

#[test]
fn a_checkpoint_whose_tokenizer_outgrows_its_model_is_an_error() {
    let ws = Workspace::new("cli-sample-vocab");
    let _torch = torch_lock();
    // A model that scores 5 tokens saved with a tokenizer of 27: such a model cannot read most prompts.
    let model = seeded_model(&common::tiny_gpt(5), 0);
    let tokenizer = Tokenizer::char_level("abcdefghijklmnopqrstuvwxyz");
    let ckpt = ws.path("mismatched.safetensors");
    checkpoint::save(&ckpt, &model, &tokenizer, None).unwrap();
    let line = error_line(&jielong(&[
        "sample",
        "--checkpoint",
        s(&ckpt),
        "--prompt",
        "xyz",
    ]));
    assert_eq!(
        line,
        format!(
            "error: {} is not a valid jielong checkpoint: the model scores 5 tokens but the tokenizer has 27",
            ckpt.display()
        )
    );
}

#[test]
fn an_unknown_preset_is_one_error_line_naming_the_presets() {
    assert_eq!(
        error_line(&jielong(&["chapter", "3", "--preset", "huge"])),
        "error: chapter 3 has no preset \"huge\"; available: tiny, small"
    );
    assert_eq!(
        error_line(&jielong(&["chapter", "1", "--preset", "small"])),
        "error: this chapter has no preset \"small\"; available: default"
    );
}

/// A command line that does not parse exits 1 like any other bad input, not clap's 2, which the course keeps
/// for a diverged run; `--help` still exits 0.
#[test]
fn a_command_line_that_does_not_parse_exits_1_not_the_diverged_status() {
    for args in [
        &[
            "sample",
            "--checkpoint",
            "m.safetensors",
            "--prompt",
            "a",
            "--temperature",
            "-1",
        ][..],
        &["train"],
        &["no-such-command"],
    ] {
        let out = jielong(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let help = jielong(&["train", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("--resume"));
}
