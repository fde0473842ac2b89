//! `jielong serve`, the classroom playground: every endpoint answers what the library computes, every bad
//! request gets a clear 4xx and leaves the server up, concurrent generations complete (latencies printed),
//! and in a real headless Chromium the page's own sliders move the bars as the library says.
//!
//! One tiny GPT (and a bigram, a corrupt file, a link out of the runs directory) is trained and written once
//! for the whole file; each server is started in-process on a free loopback port.

#[path = "serve/bad_requests.rs"]
mod bad_requests;
#[path = "serve/browser.rs"]
mod browser;
#[path = "serve/client.rs"]
mod client;
mod common;

use client::{Reply, request};
use jielong::chapters::ch03::{AttentionMaps, attention_by_layer};
use jielong::generate::{self, Preset, SamplingConfig};
use jielong::model::ModelConfig;
use jielong::play::{self, Move, NextMove};
use jielong::serve::{Limits, Running, ServeOptions, start};
use jielong::train::{self, Record, TrainOptions};
use jielong::{DeviceChoice, Model, Tokenizer, checkpoint};
use serde_json::{Value, json};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const GPT: &str = "tiny/model.safetensors";
const BIGRAM: &str = "bigram/model.safetensors";
const PROMPT: &str = "The pet of ";

/// The runs directory of this file's tests and the server over it.
struct Fixture {
    runs: PathBuf,
    addr: SocketAddr,
}

impl Fixture {
    /// The tiny GPT as the library loads it, to compare the server's answers with (a model of its own: a
    /// tch model cannot be shared between threads).
    fn library(&self) -> (Model, Tokenizer) {
        checkpoint::load_model(&self.runs.join(GPT), tch::Device::Cpu).unwrap()
    }
}

fn test_limits() -> Limits {
    Limits {
        max_prompt_chars: 300,
        max_new_tokens: 100,
        attention_tokens: 12,
        max_body_bytes: 16 * 1024,
        ..Limits::default()
    }
}

fn serve(runs: &Path, limits: Limits) -> Running {
    start(&ServeOptions {
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        runs: runs.to_path_buf(),
        device: DeviceChoice::Cpu,
        limits,
    })
    .expect("the playground starts on a free loopback port")
}

/// Train the tiny GPT (30 steps, with its metrics) and a bigram into a fresh runs directory, add the bad
/// files, and start a server over it.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let _torch = common::torch_lock();
        let root =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let runs = root.join("runs");
        let (tokenizer, split) = common::tiny_data();
        let configs = [
            ("tiny", common::tiny_gpt(tokenizer.vocab_size()), 30),
            (
                "bigram",
                ModelConfig::Bigram {
                    vocab_size: tokenizer.vocab_size(),
                },
                2,
            ),
        ];
        for (name, config, steps) in configs {
            let dir = runs.join(name);
            std::fs::create_dir_all(&dir).unwrap();
            let mut model = common::seeded_model(&config, 1);
            let opts = TrainOptions {
                metrics_path: Some(dir.join("metrics.jsonl")),
                checkpoint_path: Some(dir.join("model.safetensors")),
                ..common::quiet()
            };
            train::train(
                &mut model,
                &tokenizer,
                &split,
                &common::tiny_train(steps),
                &opts,
            )
            .unwrap();
        }
        std::fs::create_dir_all(runs.join("broken")).unwrap();
        std::fs::write(runs.join("broken/model.safetensors"), b"not a checkpoint").unwrap();
        std::fs::write(runs.join("tiny/.model.safetensors.tmp"), b"half-written").unwrap();
        // a checkpoint outside the runs directory, and a link that leads to it
        let outside = root.join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::copy(runs.join(GPT), outside.join("model.safetensors")).unwrap();
        std::os::unix::fs::symlink(&outside, runs.join("escape")).unwrap();
        let addr = serve(&runs, test_limits()).addr;
        Fixture { runs, addr }
    })
}

fn get(path: &str) -> Reply {
    request(fixture().addr, "GET", path, "")
}

fn post(path: &str, body: Value) -> Reply {
    request(fixture().addr, "POST", path, &body.to_string())
}

fn sampling(
    temperature: f64,
    top_k: usize,
    top_p: f64,
    seed: u64,
    tokens: usize,
) -> SamplingConfig {
    SamplingConfig {
        temperature,
        top_k,
        top_p,
        seed,
        max_new_tokens: tokens,
        stop: vec![],
    }
}

// ---------- the page ----------

#[test]
fn the_page_and_its_assets_come_from_the_binary_not_the_network() {
    let page = get("/");
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    assert!(
        page.body.contains(r#"<script src="/app.js">"#),
        "{}",
        page.body
    );
    let js = get("/app.js");
    assert!(js.content_type.starts_with("text/javascript"));
    let css = get("/style.css");
    assert!(css.content_type.starts_with("text/css"));
    for asset in [&page, &js, &css] {
        assert!(!asset.body.contains("https://"), "nothing from the network");
        // the only URL is the SVG namespace, which names and fetches nothing
        assert!(
            asset
                .body
                .replace("http://www.w3.org/2000/svg", "")
                .find("http://")
                .is_none()
        );
        assert!(!asset.body.contains("@import") && !asset.body.contains("url("));
    }
}

// ---------- every endpoint answers what the library computes ----------

#[test]
fn presets_are_the_courses_with_what_each_is_for() {
    let presets = get("/api/presets").json();
    let expected: Vec<Value> = Preset::ALL
        .iter()
        .map(|p| {
            let c = p.config();
            json!({"name": p.name(), "temperature": c.temperature, "top_k": c.top_k, "top_p": c.top_p,
                   "use_for": p.use_for()})
        })
        .collect();
    assert_eq!(presets, Value::Array(expected));
}

#[test]
fn checkpoints_lists_the_files_under_runs_without_following_links_or_temp_files() {
    let list = get("/api/checkpoints").json();
    let names: Vec<&str> = list["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["bigram/model.safetensors", "broken/model.safetensors", GPT]
    );
    let tiny = &list["checkpoints"][2];
    assert_eq!(tiny["summary"]["step"], 30);
    assert_eq!(tiny["summary"]["model_config"]["kind"], "gpt");
    let broken = &list["checkpoints"][1];
    assert!(broken["summary"].is_null());
    assert!(
        broken["error"]
            .as_str()
            .unwrap()
            .contains("not a valid jielong checkpoint")
    );
}

#[test]
fn next_returns_the_librarys_distribution_and_kept_set() {
    let f = fixture();
    let (model, tokenizer) = f.library();
    for (t, k, p) in [(1.0, 0, 1.0), (0.3, 0, 0.9), (2.0, 5, 0.95), (0.0, 0, 1.0)] {
        let reply = post(
            "/api/next",
            json!({"checkpoint": GPT, "prompt": PROMPT,
            "temperature": t, "top_k": k, "top_p": p, "top": 8}),
        );
        let got: NextMove = serde_json::from_str(&reply.body).unwrap();
        let want =
            play::next_move(&model, &tokenizer, PROMPT, &sampling(t, k, p, 0, 1), 8).unwrap();
        assert_eq!(got, want, "T={t} k={k} p={p}");
    }
}

#[test]
fn play_draws_with_the_seed_or_appends_the_chosen_token() {
    let f = fixture();
    let (model, tokenizer) = f.library();
    let drawn: Move = serde_json::from_str(
        &post(
            "/api/play",
            json!({"checkpoint": GPT, "prompt": PROMPT,
        "temperature": 0.8, "top_p": 0.9, "seed": 3}),
        )
        .body,
    )
    .unwrap();
    let cfg = sampling(0.8, 0, 0.9, 3, 1);
    assert_eq!(
        drawn,
        play::play(&model, &tokenizer, PROMPT, &cfg, None).unwrap()
    );
    assert!(drawn.drawn && drawn.token.sampled > 0.0);
    assert_eq!(drawn.text, format!("{PROMPT}{}", drawn.token.token));
    // a class may pick a token the rule cut off: here the least likely one under greedy decoding
    let id = tokenizer.vocab_size() as i64 - 1;
    let chosen = post(
        "/api/play",
        json!({"checkpoint": GPT, "prompt": PROMPT, "temperature": 0.0,
        "choose": id}),
    )
    .json();
    assert_eq!(chosen["drawn"], false);
    assert_eq!(chosen["token"]["id"], id);
    assert_eq!(
        chosen["text"],
        format!("{PROMPT}{}", tokenizer.token_piece(id))
    );
}

#[test]
fn generate_streams_the_text_the_library_generates() {
    let f = fixture();
    let (model, tokenizer) = f.library();
    let events = post(
        "/api/generate",
        json!({"checkpoint": GPT, "prompt": PROMPT, "temperature": 0.7,
        "top_p": 0.9, "seed": 5, "max_tokens": 30}),
    )
    .events();
    let (last, data) = events.last().unwrap();
    assert_eq!(last, "done");
    assert_eq!(data["reason"], "token limit");
    let streamed: String = events
        .iter()
        .filter(|(e, _)| e == "token")
        .map(|(_, d)| d.as_str().unwrap())
        .collect();
    let want =
        generate::generate(&model, &tokenizer, PROMPT, &sampling(0.7, 0, 0.9, 5, 30)).unwrap();
    assert_eq!(streamed, want);
    assert_eq!(data["text"], want);
    assert_eq!(
        events.len(),
        31,
        "30 token events (one character each) and done"
    );
}

#[test]
fn generate_stops_at_the_time_limit() {
    let f = fixture();
    let hurried = serve(
        &f.runs,
        Limits {
            time_limit: Duration::ZERO,
            ..test_limits()
        },
    );
    let reply = request(
        hurried.addr,
        "POST",
        "/api/generate",
        &json!({"checkpoint": GPT, "prompt": PROMPT, "max_tokens": 60}).to_string(),
    );
    let events = reply.events();
    assert_eq!(events.len(), 2, "one token, then done: {events:?}");
    assert_eq!(events[1].0, "done");
    assert_eq!(events[1].1["reason"], "time limit");
}

#[test]
fn attention_gives_every_layer_and_head_on_the_last_tokens() {
    let f = fixture();
    let (model, tokenizer) = f.library();
    let text = "The pet of Kape Nalen is a cat.";
    let view = post("/api/attention", json!({"checkpoint": GPT, "prompt": text})).json();
    let ids = tokenizer.encode(text);
    assert_eq!(view["text_tokens"], ids.len());
    let layers: Vec<AttentionMaps> = serde_json::from_value(view["layers"].clone()).unwrap();
    let want = attention_by_layer(&model, &tokenizer, &ids[ids.len() - 12..]).unwrap();
    assert_eq!(layers, want, "the last 12 tokens (the test server's limit)");
    assert_eq!(
        (layers.len(), layers[0].panels.len()),
        (1, 2),
        "1 layer of 2 heads"
    );
    for (_, rows) in &layers[0].panels {
        for (q, row) in rows.iter().enumerate() {
            assert!(
                (row.iter().sum::<f64>() - 1.0).abs() < 1e-5,
                "a row is a distribution"
            );
            assert!(
                row[q + 1..].iter().all(|&w| w == 0.0),
                "causal: no weight on the future"
            );
        }
    }
}

#[test]
fn runs_and_metrics_follow_a_log_as_it_grows() {
    let f = fixture();
    let runs = get("/api/runs").json();
    let names: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bigram", "tiny"]);
    // a run of its own, so that growing its log does not disturb the other tests
    let dir = f.runs.join("growing");
    std::fs::create_dir_all(&dir).unwrap();
    let log = std::fs::read_to_string(f.runs.join("tiny/metrics.jsonl")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    std::fs::write(
        dir.join("metrics.jsonl"),
        format!("{}\n{}\n", lines[0], lines[1]),
    )
    .unwrap();
    let first = get("/api/metrics?run=growing&after=0").json();
    assert_eq!(first["lines"], 2);
    let records: Vec<Record> = serde_json::from_value(first["records"].clone()).unwrap();
    let want: Vec<Record> = lines[..2]
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records, want);
    // the trainer is half-way through writing line 3: it is not sent until its newline is there
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("metrics.jsonl"))
        .unwrap();
    file.write_all(&lines[2].as_bytes()[..10]).unwrap();
    let partial = get("/api/metrics?run=growing&after=2").json();
    assert_eq!(
        (partial["lines"].clone(), partial["records"].clone()),
        (json!(2), json!([]))
    );
    file.write_all(&lines[2].as_bytes()[10..]).unwrap();
    file.write_all(b"\n").unwrap();
    let grown = get("/api/metrics?run=growing&after=2").json();
    assert_eq!(grown["lines"], 3);
    assert_eq!(
        grown["records"][0]["step"],
        serde_json::from_str::<Value>(lines[2]).unwrap()["step"]
    );
}

// ---------- load: concurrent generations on loopback ----------

#[test]
fn concurrent_generations_all_complete() {
    const N: usize = 32;
    let addr = fixture().addr;
    let began = Instant::now();
    let clients: Vec<_> = (0..N)
        .map(|i| {
            std::thread::spawn(move || {
                // half to the GPT, half to the bigram: one model's requests take turns, two models' run at once
                let checkpoint = if i % 2 == 0 { GPT } else { BIGRAM };
                let body = json!({"checkpoint": checkpoint, "prompt": PROMPT, "temperature": 0.8,
                    "seed": i, "max_tokens": 40});
                let start = Instant::now();
                let reply = request(addr, "POST", "/api/generate", &body.to_string());
                let events = reply.events();
                assert_eq!(events.last().unwrap().1["reason"], "token limit");
                start.elapsed().as_secs_f64()
            })
        })
        .collect();
    let mut latencies: Vec<f64> = clients
        .into_iter()
        .map(|c| c.join().expect("a client"))
        .collect();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((q * N as f64).ceil() as usize).clamp(1, N) - 1];
    println!(
        "load: {N} concurrent generations of 40 tokens in {:.2} s; latency p50 {:.3} s, p90 {:.3} s, max {:.3} s",
        began.elapsed().as_secs_f64(),
        at(0.5),
        at(0.9),
        at(1.0)
    );
    assert_eq!(latencies.len(), N);
}

// ---------- the command line ----------

#[test]
fn serve_refuses_a_missing_runs_directory_or_a_port_in_use_in_one_line() {
    let out = common::jielong(&["serve", "--runs", "/nonexistent/runs", "--port", "0"]);
    let line = common::error_line(&out);
    assert!(
        line.contains("--runs: /nonexistent/runs is not a directory"),
        "{line}"
    );
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let runs = fixture().runs.to_str().unwrap();
    let out = common::jielong(&["serve", "--runs", runs, "--port", &port]);
    let line = common::error_line(&out);
    assert!(
        line.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{line}"
    );
    let out = common::jielong(&["serve", "--host", "localhost"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "clap refuses a host that is not an IP address (status 1, as any bad input)"
    );
}
