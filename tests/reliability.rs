//! Issue 15: interruption, names, memory, locks, exit codes, and readers that never panic.

mod common;

use common::{TempDir, error_line, tiny_corpus};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_jielong"))
}

/// Write a `jielong train` config into `dir`; `edit` changes the JSON.
fn job(dir: &TempDir, name: &str, steps: usize, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let corpus = dir.join("corpus.txt");
    std::fs::write(&corpus, tiny_corpus()).unwrap();
    let mut job = common::tiny_train_job(&dir.join("runs"), &corpus, name, steps);
    edit(&mut job);
    let path = dir.join(&format!("{}.json", name.replace(['/', '\\', '.'], "_")));
    std::fs::write(&path, serde_json::to_string_pretty(&job).unwrap()).unwrap();
    path
}

fn train(config: &Path, extra: &[&str]) -> Output {
    bin()
        .args(["train", "--config", config.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap()
}

fn last_record(path: &Path) -> Value {
    let log = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(log.lines().last().unwrap()).unwrap()
}

#[test]
fn sigint_saves_a_checkpoint_exits_130_and_resumes_to_the_same_loss() {
    let dir = TempDir::new("rel-sigint");
    let steps = 400;
    let whole = job(&dir, "whole", steps, |_| {});
    let out = train(&whole, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let cut = job(&dir, "cut", steps, |_| {});
    let metrics = dir.join("runs/cut/metrics.jsonl");
    let child = bin()
        .args(["train", "--config", cut.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::fs::read_to_string(&metrics).map_or(0, |t| t.lines().count()) < 12 {
        assert!(start.elapsed() < Duration::from_secs(60), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(kill.unwrap().success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("--resume"), "{stderr}");
    let ckpt = dir.join("runs/cut/model.safetensors");
    let saved = jielong::checkpoint::load(&ckpt)
        .unwrap()
        .train_state
        .unwrap()
        .step;
    assert!(saved > 0 && saved < steps, "checkpoint at step {saved}");

    let out = train(&cut, &["--resume", ckpt.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (a, b) = (
        last_record(&dir.join("runs/whole/metrics.jsonl")),
        last_record(&metrics),
    );
    assert_eq!(a["step"], b["step"]);
    assert_eq!(a["loss"], b["loss"], "bit for bit");
    assert_eq!(a["val_loss"], b["val_loss"]);
}

#[test]
fn path_like_run_names_are_refused_before_anything_is_written() {
    for name in ["../escape", "/tmp/abs", "a/b", "..", ".", "", "a\\b"] {
        let dir = TempDir::new("rel-names");
        let config = job(&dir, "x", 5, |j| j["name"] = json!(name));
        let out = train(&config, &[]);
        assert_eq!(out.status.code(), Some(1), "{name:?}");
        assert!(error_line(&out).contains("plain name"), "{name:?}");
        assert!(!dir.join("runs").exists(), "{name:?} left a directory");
    }
    assert!(jielong::run::RunDir::create(Path::new("/tmp"), "../x").is_err());
}

#[test]
fn impossible_memory_is_one_error_line() {
    let dir = TempDir::new("rel-memory");
    let huge_context = job(&dir, "ctx", 5, |j| {
        j["model"]["block_size"] = json!(1_000_000_000u64);
        j["train"]["block_size"] = json!(1_000_000_000u64);
    });
    let deep = job(&dir, "deep", 5, |j| {
        j["model"]["n_layer"] = json!(100_000);
        j["model"]["n_embd"] = json!(4096);
        j["model"]["n_head"] = json!(32);
    });
    for config in [huge_context, deep] {
        let out = train(&config, &[]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            error_line(&out).contains("needs about"),
            "{}",
            error_line(&out)
        );
        assert!(!dir.join("runs").exists());
    }
}

#[test]
fn a_locked_run_directory_is_refused_and_a_stale_lock_taken_over() {
    let dir = TempDir::new("rel-lock");
    let config = job(&dir, "locked", 5, |_| {});
    std::fs::create_dir_all(dir.join("runs/locked")).unwrap();
    let lock = dir.join("runs/locked/.lock");
    std::fs::write(&lock, std::process::id().to_string()).unwrap(); // this test process is alive
    let out = train(&config, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        error_line(&out).contains("in use by process"),
        "{}",
        error_line(&out)
    );
    std::fs::write(&lock, "999999999").unwrap(); // no such process: stale
    let out = train(&config, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!lock.exists(), "the lock goes with the process");
}

#[test]
fn a_diverged_run_exits_2() {
    let dir = TempDir::new("rel-diverge");
    let config = job(&dir, "boom", 20, |j| j["train"]["lr"] = json!(1e6));
    let out = train(&config, &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: boom: diverged"), "{stderr}");
}
