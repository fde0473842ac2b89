//! The trainer: repeatable runs, resume that continues the same loss curve, and chapter 1's experiment
//! learning something on a tiny config.

mod common;

use common::{
    TempDir, file_names, quiet, seeded_model, tiny_data, tiny_gpt, tiny_train, tiny_world,
    torch_lock,
};
use jielong::chapters::ch01::{self, Ch01Config, Ch01Result};
use jielong::data::CorpusSource;
use jielong::data::world::Language;
use jielong::generate::Preset;
use jielong::model::{GptConfig, Model, ModelConfig};
use jielong::progress::ProgressMode;
use jielong::run::read_jsonl;
use jielong::train::{self, Record, Schedule, TrainConfig, TrainOptions, TrainReport};
use jielong::{DeviceChoice, Tokenizer, checkpoint};
use std::path::Path;

fn gpt_with_dropout(vocab_size: usize, dropout: f64) -> ModelConfig {
    let ModelConfig::Gpt(c) = tiny_gpt(vocab_size) else {
        unreachable!()
    };
    ModelConfig::Gpt(GptConfig { dropout, ..c })
}

fn options(dir: &TempDir, resume: bool) -> TrainOptions {
    TrainOptions {
        metrics_path: Some(dir.join("metrics.jsonl")),
        checkpoint_path: Some(dir.join("model.safetensors")),
        resume_from: resume.then(|| dir.join("model.safetensors")),
        ..quiet()
    }
}

/// The largest difference between two records' numbers (the throughput aside), asserting equal steps.
fn record_diff(a: &Record, b: &Record) -> f64 {
    assert_eq!((a.step, a.tokens), (b.step, b.tokens));
    assert_eq!(a.lr, b.lr, "step {}", a.step);
    assert_eq!(
        a.val_loss.is_some(),
        b.val_loss.is_some(),
        "step {}",
        a.step
    );
    let opt = |x: Option<f64>, y: Option<f64>| (x.unwrap_or(0.0) - y.unwrap_or(0.0)).abs();
    [
        (a.loss - b.loss).abs(),
        (a.grad_norm - b.grad_norm).abs(),
        opt(a.train_loss, b.train_loss),
        opt(a.val_loss, b.val_loss),
    ]
    .into_iter()
    .fold(0.0, f64::max)
}

fn max_param_diff(a: &Model, b: &Model) -> f64 {
    let b_vars = b.vs.variables();
    a.vs.variables()
        .iter()
        .map(|(name, t)| (t - &b_vars[name]).abs().max().double_value(&[]))
        .fold(0.0, f64::max)
}

fn params_equal(a: &Model, b: &Model) -> bool {
    let b_vars = b.vs.variables();
    a.vs.variables()
        .iter()
        .all(|(name, t)| t.equal(&b_vars[name]))
}

/// Train 40 steps straight, and 20 steps + resume to 40 from the checkpoint; return the largest difference
/// between the two runs' records (steps 1–40 from the reports, steps 0–40 from the metrics logs) and final
/// parameters.
fn straight_versus_resumed(dropout: f64) -> f64 {
    let _torch = torch_lock();
    let (tokenizer, split) = tiny_data();
    let model_cfg = gpt_with_dropout(tokenizer.vocab_size(), dropout);
    let cfg = tiny_train(40);
    let half = TrainConfig {
        steps: 20,
        ..cfg.clone()
    };

    let straight_dir = TempDir::new("straight");
    let mut straight = seeded_model(&model_cfg, 1);
    let full = train::train(
        &mut straight,
        &tokenizer,
        &split,
        &cfg,
        &options(&straight_dir, false),
    )
    .unwrap();

    let resumed_dir = TempDir::new("resumed");
    let mut first = seeded_model(&model_cfg, 1);
    let first_half = train::train(
        &mut first,
        &tokenizer,
        &split,
        &half,
        &options(&resumed_dir, false),
    )
    .unwrap();
    let saved = checkpoint::load(&resumed_dir.join("model.safetensors")).unwrap();
    assert_eq!(saved.train_state.as_ref().unwrap().step, 20);
    drop(first);
    // A differently initialised model: everything must come from the checkpoint.
    let mut resumed = seeded_model(&model_cfg, 99);
    let second_half = train::train(
        &mut resumed,
        &tokenizer,
        &split,
        &cfg,
        &options(&resumed_dir, true),
    )
    .unwrap();

    assert_eq!(
        full.records.len(),
        41,
        "step 0 (before training) and steps 1–40"
    );
    assert_eq!(first_half.records.len(), 21);
    assert_eq!(second_half.records.first().unwrap().step, 21);
    assert_eq!(second_half.records.len(), 20);
    let mut worst = 0.0f64;
    for r in first_half.records.iter().chain(&second_half.records) {
        worst = worst.max(record_diff(r, &full.records[r.step]));
    }
    worst = worst.max((second_half.final_val_loss - full.final_val_loss).abs());

    // The resumed run appended to the interrupted run's log: one record per step, 0 to 40.
    let straight_log: Vec<Record> = read_jsonl(&straight_dir.join("metrics.jsonl")).unwrap();
    let resumed_log: Vec<Record> = read_jsonl(&resumed_dir.join("metrics.jsonl")).unwrap();
    assert_eq!(resumed_log.len(), 41);
    for (a, b) in straight_log.iter().zip(&resumed_log) {
        worst = worst.max(record_diff(a, b));
    }
    worst.max(max_param_diff(&straight, &resumed))
}

#[test]
fn resume_continues_the_same_loss_curve() {
    let worst = straight_versus_resumed(0.0);
    // Measured: 0 (bit-identical) on CPU with one thread.
    assert!(worst <= 1e-6, "resumed run differs by {worst}");
}

#[test]
fn resume_continues_the_same_loss_curve_with_dropout() {
    // Dropout masks are drawn from libtorch's generator seeded with (seed, step), so they repeat too.
    let worst = straight_versus_resumed(0.1);
    // Measured: 0 (bit-identical) on CPU with one thread.
    assert!(worst <= 1e-6, "resumed run differs by {worst}");
}

#[test]
fn same_seed_and_config_give_the_same_numbers() {
    let _torch = torch_lock();
    let (tokenizer, split) = tiny_data();
    let config = gpt_with_dropout(tokenizer.vocab_size(), 0.1);
    let run = |model_seed: u64, cfg: &TrainConfig| -> (Model, TrainReport) {
        let mut model = seeded_model(&config, model_seed);
        let report = train::train(&mut model, &tokenizer, &split, cfg, &quiet()).unwrap();
        (model, report)
    };
    let cfg = tiny_train(15);
    let (a, ra) = run(1, &cfg);
    let (b, rb) = run(1, &cfg);
    assert!(params_equal(&a, &b));
    for (x, y) in ra.records.iter().zip(&rb.records) {
        assert_eq!(record_diff(x, y), 0.0);
    }
    // Another data/dropout seed, or another initialisation, gives another run.
    let (c, _) = run(
        1,
        &TrainConfig {
            seed: 8,
            ..cfg.clone()
        },
    );
    let (d, _) = run(2, &cfg);
    assert!(!params_equal(&a, &c));
    assert!(!params_equal(&a, &d));
}

fn checkpoint_after(dir: &TempDir, steps: usize) -> (Tokenizer, jielong::data::Split, ModelConfig) {
    let (tokenizer, split) = tiny_data();
    let model_cfg = tiny_gpt(tokenizer.vocab_size());
    let mut model = seeded_model(&model_cfg, 1);
    train::train(
        &mut model,
        &tokenizer,
        &split,
        &tiny_train(steps),
        &options(dir, false),
    )
    .unwrap();
    (tokenizer, split, model_cfg)
}

fn resume_error(
    model: &mut Model,
    tokenizer: &Tokenizer,
    split: &jielong::data::Split,
    cfg: &TrainConfig,
    dir: &TempDir,
) -> String {
    match train::train(model, tokenizer, split, cfg, &options(dir, true)) {
        Ok(_) => panic!("resume should have been refused"),
        Err(e) => format!("{e:#}"),
    }
}

#[test]
fn resume_refuses_another_train_config() {
    let _torch = torch_lock();
    let dir = TempDir::new("resume-other-train");
    let (tokenizer, split, model_cfg) = checkpoint_after(&dir, 10);
    let before = std::fs::read_to_string(dir.join("metrics.jsonl")).unwrap();
    let mut model = seeded_model(&model_cfg, 1);
    let other = TrainConfig {
        lr: 1e-3,
        ..tiny_train(20)
    };
    let err = resume_error(&mut model, &tokenizer, &split, &other, &dir);
    let path = dir.join("model.safetensors");
    assert_eq!(
        err,
        format!(
            "cannot resume from {}: it was trained with another train config",
            path.display()
        )
    );
    let err = resume_error(&mut model, &tokenizer, &split, &tiny_train(5), &dir);
    assert_eq!(
        err,
        format!(
            "cannot resume from {}: it is at step 10, beyond steps = 5",
            path.display()
        )
    );
    // A refused resume leaves the run's metrics log as it was.
    assert_eq!(
        std::fs::read_to_string(dir.join("metrics.jsonl")).unwrap(),
        before
    );
}

#[test]
fn resume_refuses_a_checkpoint_of_another_model() {
    let _torch = torch_lock();
    let dir = TempDir::new("resume-other-model");
    let (tokenizer, split, model_cfg) = checkpoint_after(&dir, 5);
    let ModelConfig::Gpt(c) = model_cfg.clone() else {
        unreachable!()
    };
    let other_cfg = ModelConfig::Gpt(GptConfig { n_head: 4, ..c });
    let mut other = seeded_model(&other_cfg, 1);
    let err = resume_error(&mut other, &tokenizer, &split, &tiny_train(10), &dir);
    assert_eq!(
        err,
        format!(
            "cannot resume from {}: checkpoint was made for model {} but the model is {}",
            dir.join("model.safetensors").display(),
            serde_json::to_string(&model_cfg).unwrap(),
            serde_json::to_string(&other_cfg).unwrap()
        )
    );
}

#[test]
fn impossible_train_configs_are_refused_naming_the_field() {
    let _torch = torch_lock();
    let (tokenizer, split) = tiny_data();
    let mut model = seeded_model(&tiny_gpt(tokenizer.vocab_size()), 1);
    let cases = [
        (
            TrainConfig {
                block_size: 32,
                ..tiny_train(5)
            },
            "train config: block_size 32 exceeds the model's block_size 16",
        ),
        (
            TrainConfig {
                batch_size: 0,
                ..tiny_train(5)
            },
            "train config: steps, batch_size, grad_accum_steps, block_size and eval_batches must all be at least 1",
        ),
        (
            TrainConfig {
                lr: f64::NAN,
                ..tiny_train(5)
            },
            "train config: lr must be a positive number, got NaN",
        ),
    ];
    for (cfg, message) in cases {
        let err = train::train(&mut model, &tokenizer, &split, &cfg, &quiet()).unwrap_err();
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn learning_rate_warms_up_then_follows_the_schedule() {
    let cosine = TrainConfig {
        steps: 110,
        lr: 1.0,
        warmup_steps: 10,
        min_lr_ratio: 0.1,
        schedule: Schedule::Cosine,
        ..TrainConfig::default()
    };
    assert!((cosine.lr_at(0) - 0.1).abs() < 1e-12);
    assert!((cosine.lr_at(9) - 1.0).abs() < 1e-12);
    assert!((cosine.lr_at(10) - 1.0).abs() < 1e-12);
    assert!(
        (cosine.lr_at(60) - 0.55).abs() < 1e-12,
        "halfway: (1 + 0.1) / 2"
    );
    assert!((cosine.lr_at(110) - 0.1).abs() < 1e-12);
    let constant = TrainConfig {
        schedule: Schedule::Constant,
        ..cosine
    };
    assert_eq!(constant.lr_at(100), 1.0);
}

/// Chapter 1 on a world of 40 people, a one-block GPT and a few hundred steps: about two seconds on a CPU.
fn tiny_chapter_one(runs_dir: &Path) -> Ch01Config {
    Ch01Config {
        runs_dir: runs_dir.to_path_buf(),
        run_name: "ch01-tiny".into(),
        device: DeviceChoice::Cpu,
        threads: 1,
        seed: 1337,
        language: Language::En,
        corpus: CorpusSource::World(tiny_world()),
        val_fraction: 0.1,
        bigram_train: TrainConfig {
            steps: 200,
            batch_size: 16,
            block_size: 32,
            lr: 0.1,
            warmup_steps: 0,
            weight_decay: 0.0,
            eval_every: 50,
            eval_batches: 4,
            ..TrainConfig::default()
        },
        gpt: GptConfig {
            block_size: 32,
            n_layer: 1,
            n_head: 2,
            n_embd: 32,
            ..GptConfig::default()
        },
        gpt_train: TrainConfig {
            steps: 600,
            batch_size: 16,
            block_size: 32,
            lr: 5e-3,
            warmup_steps: 20,
            eval_every: 100,
            eval_batches: 4,
            ..TrainConfig::default()
        },
        prompt: "She was born in ".into(),
        temperatures: vec![0.5, 1.0, 2.0],
        top_tokens: 5,
        sample_tokens: 40,
        repetition_prompts: vec!["The ".into(), "She ".into()],
        repetition_seeds: 2,
        repetition_ngram: 2,
        trace_preset: Preset::Balanced,
        trace_tokens: 6,
        trace_candidates: 3,
        progress: ProgressMode::Quiet,
        fresh: false,
    }
}

#[test]
fn chapter_one_gpt_beats_bigram_beats_uniform() {
    let _torch = torch_lock();
    let dir = TempDir::new("ch01");
    let cfg = tiny_chapter_one(&dir.path);
    let r = ch01::run(&cfg).unwrap();

    let tokenizer = Tokenizer::char_level(&cfg.corpus.load().unwrap());
    assert_eq!(r.vocab_size, tokenizer.vocab_size());
    assert_eq!(r.uniform_loss, (r.vocab_size as f64).ln());
    // Measured (validation, nats per token): uniform ln 63 = 4.143, bigram 2.387, GPT 1.860; so the bigram is
    // 1.756 below uniform (bound: 1.0) and the GPT 0.527 below the bigram (bound: 0.25).
    assert!(
        r.bigram.val_loss < r.uniform_loss - 1.0,
        "bigram {:.3} vs uniform {:.3}",
        r.bigram.val_loss,
        r.uniform_loss
    );
    assert!(
        r.gpt.val_loss < r.bigram.val_loss - 0.25,
        "gpt {:.3} vs bigram {:.3}",
        r.gpt.val_loss,
        r.bigram.val_loss
    );

    // The curves start at step 0, at the uniform guess.
    let bigram_log: Vec<Record> = read_jsonl(&r.run_dir.join("bigram/metrics.jsonl")).unwrap();
    let gpt_log: Vec<Record> = read_jsonl(&r.run_dir.join("gpt/metrics.jsonl")).unwrap();
    assert_eq!(
        bigram_log.iter().map(|x| x.step).collect::<Vec<_>>(),
        (0..=200).collect::<Vec<_>>()
    );
    assert_eq!(
        gpt_log.iter().map(|x| x.step).collect::<Vec<_>>(),
        (0..=600).collect::<Vec<_>>()
    );
    assert!((bigram_log[0].val_loss.unwrap() - r.uniform_loss).abs() < 1e-6);
    // Measured: the fresh GPT's validation loss is 0.0002 from ln V.
    assert!((gpt_log[0].val_loss.unwrap() - r.uniform_loss).abs() < 0.1);
    let logged = gpt_log.last().unwrap().val_loss.unwrap();
    assert!(
        (logged - r.gpt.val_loss).abs() < 1e-12,
        "JSON keeps the number to the last digits"
    );

    // Samples and the repetition measure cover what the config asked for.
    let presets: Vec<&str> = r.samples.iter().map(|s| s.preset.as_str()).collect();
    assert_eq!(
        presets,
        [
            "balanced",
            "conversation",
            "accurate",
            "creative",
            "deterministic"
        ]
    );
    assert!(r.samples.iter().all(|s| s.text.chars().count() == 40));
    assert_eq!(r.next_token.len(), 3);
    assert!(r.next_token.iter().all(|d| d.tokens.len() == 5));
    let outputs: Vec<usize> = r.repetition.iter().map(|x| x.outputs).collect();
    assert_eq!(
        outputs,
        [2, 4],
        "greedy once per prompt, top-p once per prompt and seed"
    );

    // The trace is the balanced sample's start, step by step.
    let balanced = &r.samples[0].text;
    let chosen: String = r.trace.steps.iter().map(|s| s.chosen.as_str()).collect();
    assert_eq!(r.trace.steps.len(), 6);
    assert_eq!(chosen, r.trace.text);
    assert!(balanced.starts_with(&chosen), "{balanced:?} vs {chosen:?}");
    assert!(r.trace.steps.iter().all(|s| s.candidates.len() == 3));
}

#[test]
fn chapter_one_writes_its_run_directory() {
    let _torch = torch_lock();
    let dir = TempDir::new("ch01-files");
    let mut cfg = tiny_chapter_one(&dir.path);
    cfg.bigram_train.steps = 10;
    cfg.gpt_train.steps = 10;
    let r = ch01::run(&cfg).unwrap();
    assert_eq!(r.run_dir, dir.join("ch01-tiny"));
    assert_eq!(
        file_names(&r.run_dir),
        [
            "bigram",
            "config.json",
            "gpt",
            "loss.svg",
            "next_token.svg",
            "report.md",
            "result.json",
            "trace.json",
            "trace.md"
        ]
    );
    for model in ["bigram", "gpt"] {
        assert_eq!(
            file_names(&r.run_dir.join(model)),
            [
                "config.json",
                "metrics.jsonl",
                "model.safetensors",
                "result.json"
            ]
        );
        let (restored, tokenizer) = checkpoint::load_model(
            &r.run_dir.join(model).join("model.safetensors"),
            tch::Device::Cpu,
        )
        .unwrap();
        assert_eq!(restored.config().name(), model);
        assert_eq!(tokenizer.vocab_size(), r.vocab_size);
    }
    let config: Ch01Config =
        serde_json::from_str(&std::fs::read_to_string(r.run_dir.join("config.json")).unwrap())
            .unwrap();
    assert_eq!(config, cfg);
    let result: Ch01Result =
        serde_json::from_str(&std::fs::read_to_string(r.run_dir.join("result.json")).unwrap())
            .unwrap();
    assert_eq!(result.vocab_size, r.vocab_size);
    assert_eq!(result.samples, r.samples);
    assert!((result.gpt.val_loss - r.gpt.val_loss).abs() < 1e-12);
    for svg in ["loss.svg", "next_token.svg"] {
        let text = std::fs::read_to_string(r.run_dir.join(svg)).unwrap();
        assert!(
            text.trim_start().starts_with("<svg") && text.trim_end().ends_with("</svg>"),
            "{svg}"
        );
    }
    let report = std::fs::read_to_string(r.run_dir.join("report.md")).unwrap();
    assert_eq!(report, ch01::report(&cfg, &r));
    assert!(report.starts_with("# Chapter 1 — text continuation"));
}

#[test]
fn chapter_one_refuses_a_bad_config_before_training_anything() {
    let dir = TempDir::new("ch01-bad");
    let good = tiny_chapter_one(&dir.path);
    let cases = [
        (
            Ch01Config {
                prompt: "龙".into(),
                ..good.clone()
            },
            "prompt \"龙\" does not fit this corpus",
        ),
        (
            Ch01Config {
                repetition_prompts: vec!["".into()],
                ..good.clone()
            },
            "prompt \"\" is empty",
        ),
        (
            Ch01Config {
                temperatures: vec![1.0, 0.0],
                ..good.clone()
            },
            "temperatures must be positive, got 0",
        ),
        (
            Ch01Config {
                gpt: GptConfig {
                    n_head: 3,
                    ..good.gpt.clone()
                },
                ..good.clone()
            },
            "n_embd (32) must be divisible by n_head (3)",
        ),
        (
            Ch01Config {
                gpt_train: TrainConfig {
                    block_size: 64,
                    ..good.gpt_train.clone()
                },
                ..good.clone()
            },
            "gpt_train.block_size 64 exceeds gpt.block_size 32",
        ),
    ];
    for (cfg, expected) in cases {
        let err = format!("{:#}", ch01::run(&cfg).unwrap_err());
        assert!(err.contains(expected), "{err}");
        assert!(
            !dir.join("ch01-tiny/bigram/model.safetensors").exists(),
            "nothing was trained"
        );
    }
}

#[test]
fn a_rerun_of_chapter_one_reuses_its_trainings_and_recomputes_only_what_changed() {
    use common::{recomputed, result_times, without_times};
    let _torch = torch_lock();
    let dir = TempDir::new("ch01-reuse");
    let cfg = tiny_chapter_one(&dir.path);
    let root = dir.join("ch01-tiny");
    let first = ch01::run(&cfg).unwrap();
    let times = result_times(&root);
    assert_eq!(times.keys().collect::<Vec<_>>(), ["bigram", "gpt"]);

    // Run again: both trainings read back, their models loaded, the same samples and numbers exactly.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = ch01::run(&cfg).unwrap();
    assert!(recomputed(&times, &result_times(&root)).is_empty());
    assert_eq!(again.gpt, first.gpt);
    assert_eq!(without_times(&again), without_times(&first));

    // A longer GPT training is the GPT's config alone.
    let mut longer = cfg.clone();
    longer.gpt_train.steps += 10;
    let changed = ch01::run(&longer).unwrap();
    let after = result_times(&root);
    assert_eq!(recomputed(&times, &after), ["gpt"]);
    assert_eq!(changed.bigram, first.bigram);
    assert_ne!(changed.gpt.curves, first.gpt.curves);

    // An interrupted training (no result.json) is trained again, and alone, to the same numbers.
    std::fs::remove_file(root.join("bigram").join("result.json")).unwrap();
    let resumed = ch01::run(&longer).unwrap();
    let later = result_times(&root);
    assert_eq!(recomputed(&after, &later), ["bigram"]);
    assert_eq!(without_times(&resumed), without_times(&changed));

    // fresh: both train again, to the same numbers.
    let fresh = ch01::run(&Ch01Config {
        fresh: true,
        ..longer.clone()
    })
    .unwrap();
    assert_eq!(recomputed(&later, &result_times(&root)).len(), 2);
    assert_eq!(without_times(&fresh), without_times(&changed));
}
