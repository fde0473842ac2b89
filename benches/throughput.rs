//! Throughput of the course's GPTs: training tokens/s (fp32 and bf16), generation tokens/s with and without
//! the KV cache, and where one training step's time goes.
//!
//! ```text
//! cargo bench --bench throughput                   # CPU, a Markdown table
//! cargo bench --bench throughput -- cuda           # a GPU
//! cargo bench --bench throughput -- --profile      # one training step, phase by phase
//! cargo bench --bench throughput -- --json         # one JSON object per measurement (what `make bench` reads)
//! make bench                                       # side by side with the same model in PyTorch (twin.py)
//! ```
//! Each measurement warms up first, then times a fixed number of steps. A training step is the course's own
//! [`train_step`] (forward, backward, gradient clipping, AdamW); `benches/twin.py` is the same step in PyTorch.
//! Performance lives here, not in timed tests.

use anyhow::Result;
use clap::Parser;
use jielong::data::{Part, Split, world};
use jielong::device::{self, DeviceChoice};
use jielong::generate::{self, SamplingConfig};
use jielong::model::{GptConfig, Model, ModelConfig, Precision};
use jielong::train::{AdamWKernel, Optimizer, TrainConfig, train_step};
use jielong::{Tokenizer, data::Batches};
use serde::Serialize;
use std::time::Instant;
use tch::Device;

/// The bench's command line (cargo passes `--bench` itself).
#[derive(Parser)]
struct Args {
    /// Device: cpu, cuda or cuda:N.
    #[arg(default_value = "cpu")]
    device: String,
    /// libtorch's CPU threads (0 = one per core, libtorch's default).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Timed training steps per measurement (after 5 warm-up steps).
    #[arg(long, default_value_t = 30)]
    steps: usize,
    /// New tokens per generation measurement.
    #[arg(long, default_value_t = 256)]
    new_tokens: usize,
    /// Print one JSON object per measurement instead of the table.
    #[arg(long)]
    json: bool,
    /// Time the phases of a training step instead.
    #[arg(long)]
    profile: bool,
    /// Print the peak matrix-product FLOP/s instead (at 1024 and at the size MFU uses on this device).
    #[arg(long)]
    peak: bool,
    /// Let attention use cuDNN's kernels on a GPU (libtorch's default, which the course turns off: see
    /// `jielong::libtorch_ops::set_cudnn_attention`), to compare.
    #[arg(long)]
    cudnn_attention: bool,
    /// Precision of the generation measurements (fp32, as PyTorch's twin generates; or bf16, auto).
    #[arg(long, value_enum, default_value = "fp32")]
    generation_precision: Precision,
    #[arg(long, hide = true)]
    bench: bool,
}

/// One measurement, as `make bench` reads it.
#[derive(Serialize)]
struct Measurement {
    model: String,
    parameters: i64,
    /// `train fp32`, `train bf16`, `generate (KV cache)` or `generate (no cache)`.
    what: String,
    tokens_per_sec: f64,
    /// Milliseconds per training step or per generated token.
    ms: f64,
}

/// The two GPTs of the twin benchmark: chapter 1's 4 × 128 and a 6 × 256. Their block of 512 positions lets
/// generation run 256 new tokens without sliding the window; training reads 64-token blocks either way.
fn models(vocab_size: usize) -> [(String, GptConfig); 2] {
    let gpt = |n_layer, n_embd, n_head| GptConfig {
        vocab_size,
        n_layer,
        n_embd,
        n_head,
        block_size: 512,
        ..GptConfig::default()
    };
    [
        ("gpt 4×128".into(), gpt(4, 128, 4)),
        ("gpt 6×256".into(), gpt(6, 256, 8)),
    ]
}

fn main() -> Result<()> {
    let args = Args::parse();
    device::set_threads(args.threads);
    let dev = args.device.parse::<DeviceChoice>()?.resolve()?;
    if args.cudnn_attention {
        jielong::libtorch_ops::set_cudnn_attention(true);
    }
    let text = world::world_corpus(&world::WorldConfig::default())?;
    let tokenizer = Tokenizer::char_level(&text);
    let split = Split::new(&tokenizer.encode(&text), 0.1, 64)?;
    let cfg = TrainConfig::default();
    if !args.json {
        println!("device: {}\n", device::describe(dev));
    }
    if args.peak {
        for kind in [tch::Kind::Float, tch::Kind::BFloat16] {
            for n in [1024, device::peak_matmul_size(dev)] {
                let flops = device::matmul_flops_per_sec(dev, kind, n);
                println!("{kind:?} {n} × {n}: {flops:.3e} FLOP/s");
            }
        }
        return Ok(());
    }
    if args.profile {
        let models = models(tokenizer.vocab_size());
        profile(&models, &split, &cfg, dev, args.steps)?;
        let prompt = tokenizer.encode("The ");
        return profile_generation(&models, &prompt, dev, args.new_tokens);
    }
    if !args.json {
        println!("| model | parameters | measurement | tokens/s | ms |\n|---|---:|---|---:|---:|");
    }
    let prompt = tokenizer.encode("The ");
    for (name, gpt) in models(tokenizer.vocab_size()) {
        device::seed(0);
        let mut model = Model::new(&ModelConfig::Gpt(gpt), dev)?;
        let parameters = model.num_params();
        let report = |what: &str, tokens_per_sec: f64, ms: f64| {
            let m = Measurement {
                model: name.clone(),
                parameters,
                what: what.into(),
                tokens_per_sec,
                ms,
            };
            print_measurement(&m, args.json)
        };
        for (precision, kernel, what) in [
            (Precision::Fp32, AdamWKernel::WrittenOut, "train fp32"),
            (
                Precision::Fp32,
                AdamWKernel::Fused,
                "train fp32, fused AdamW",
            ),
            (
                Precision::Bf16,
                AdamWKernel::Fused,
                "train bf16, fused AdamW",
            ),
        ] {
            let cfg = TrainConfig {
                adamw_kernel: kernel,
                ..cfg.clone()
            };
            let (tps, ms) = training_speed(&mut model, &split, &cfg, precision, args.steps);
            report(what, tps, ms)?;
        }
        model.set_precision(args.generation_precision.kind_on(dev));
        for (use_cache, what) in [
            (true, "generate (KV cache)"),
            (false, "generate (no cache)"),
        ] {
            let tps = generation_speed(&model, &prompt, args.new_tokens, use_cache)?;
            report(what, tps, 1000.0 / tps)?;
        }
    }
    Ok(())
}

fn print_measurement(m: &Measurement, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(m)?);
    } else {
        let (name, params, what) = (&m.model, m.parameters, &m.what);
        println!(
            "| {name} | {params} | {what} | {:.0} | {:.2} |",
            m.tokens_per_sec, m.ms
        );
    }
    Ok(())
}

/// Training tokens/s and ms per step of the course's [`train_step`] in `precision`, after 5 warm-up steps.
fn training_speed(
    model: &mut Model,
    split: &Split,
    cfg: &TrainConfig,
    precision: Precision,
    steps: usize,
) -> (f64, f64) {
    model.set_precision(precision.kind_on(model.device()));
    let mut opt = Optimizer::new(model, cfg);
    (0..5).for_each(|i| {
        train_step(model, &mut opt, split, cfg, i);
    });
    let clock = Instant::now();
    (0..steps).for_each(|i| {
        train_step(model, &mut opt, split, cfg, 5 + i); // its loss is read back: the device has finished
    });
    let seconds = clock.elapsed().as_secs_f64();
    let tokens = (steps * cfg.tokens_per_step()) as f64;
    (tokens / seconds, 1000.0 * seconds / steps as f64)
}

/// Tokens/s of sampling `tokens` new tokens one at a time after `prompt`, with the KV cache or re-reading the
/// context each time.
fn generation_speed(model: &Model, prompt: &[i64], tokens: usize, use_cache: bool) -> Result<f64> {
    let cfg = SamplingConfig {
        max_new_tokens: tokens,
        ..SamplingConfig::default()
    };
    let warm_up = SamplingConfig {
        max_new_tokens: 10,
        ..cfg.clone()
    };
    generate::generate_tokens(model, prompt, &warm_up, use_cache)?;
    let clock = Instant::now();
    let ids = generate::generate_tokens(model, prompt, &cfg, use_cache)?;
    Ok(ids.len() as f64 / clock.elapsed().as_secs_f64())
}

// ANCHOR: profile
/// Where a training step's time goes: the same work as [`train_step`], each phase timed on its own (the
/// device is synchronised after each, so a GPU's queued work is charged to the phase that queued it).
fn profile(
    models: &[(String, GptConfig)],
    split: &Split,
    cfg: &TrainConfig,
    dev: Device,
    steps: usize,
) -> Result<()> {
    const PHASES: [&str; 6] = [
        "batch",
        "forward + loss",
        "backward",
        "clip",
        "AdamW",
        "loss to host",
    ];
    println!("ms per training step, {steps} steps after 5 warm-up steps\n");
    println!("| model | AdamW | {} | total |", PHASES.join(" | "));
    println!("|---|---|{}---:|", "---:|".repeat(PHASES.len()));
    let kernels = [
        (AdamWKernel::WrittenOut, "written out"),
        (AdamWKernel::Fused, "fused"),
    ];
    for ((name, gpt), (kernel, kernel_name)) in models.iter().flat_map(|m| kernels.map(|k| (m, k)))
    {
        device::seed(0);
        let model = Model::new(&ModelConfig::Gpt(gpt.clone()), dev)?;
        let cfg = &TrainConfig {
            adamw_kernel: kernel,
            ..cfg.clone()
        };
        let mut opt = Optimizer::new(&model, cfg);
        let mut spent = [0.0f64; PHASES.len()];
        for step in 0..5 + steps {
            let mut clock = PhaseClock::new(dev);
            let mut rng = jielong::data::step_rng(cfg.seed, step);
            opt.zero_grad();
            let (x, y) = split.batch(Part::Train, cfg.batch_size, cfg.block_size, &mut rng, dev);
            clock.lap(0);
            let loss = model.loss(&x, &y, true);
            clock.lap(1);
            loss.backward();
            clock.lap(2);
            opt.clip_grad_norm(cfg.grad_clip);
            clock.lap(3);
            opt.step(cfg.lr);
            clock.lap(4);
            loss.double_value(&[]);
            clock.lap(5);
            if step >= 5 {
                spent.iter_mut().zip(clock.laps).for_each(|(s, l)| *s += l);
            }
        }
        let ms: Vec<f64> = spent.iter().map(|s| 1000.0 * s / steps as f64).collect();
        let cells: Vec<String> = ms.iter().map(|m| format!("{m:.2}")).collect();
        let total = ms.iter().sum::<f64>();
        println!(
            "| {name} | {kernel_name} | {} | {total:.2} |",
            cells.join(" | ")
        );
    }
    Ok(())
}
// ANCHOR_END: profile

/// Where a generated token's time goes, with the KV cache: the model's forward pass over the new token with
/// its logits copied to the host (one wait for the device), then sampling on the host.
fn profile_generation(
    models: &[(String, GptConfig)],
    prompt: &[i64],
    dev: Device,
    tokens: usize,
) -> Result<()> {
    println!("\nms per generated token (KV cache), {tokens} tokens after the prompt\n");
    println!("| model | forward + logits to host | sampling | total |\n|---|---:|---:|---:|");
    for (name, gpt) in models {
        device::seed(0);
        let model = Model::new(&ModelConfig::Gpt(gpt.clone()), dev)?;
        let cfg = SamplingConfig::default();
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
        let mut decoder = generate::Decoder::new(&model, true);
        let mut context = prompt.to_vec();
        let (mut forward, mut sampling) = (0.0, 0.0);
        for _ in 0..tokens {
            let clock = Instant::now();
            let logits = decoder.next_logits(&context);
            let lap = Instant::now();
            let probs = generate::sampling_distribution(&logits, &cfg);
            context.push(generate::draw(&probs, &mut rng) as i64);
            forward += (lap - clock).as_secs_f64();
            sampling += lap.elapsed().as_secs_f64();
        }
        let ms = |s: f64| 1000.0 * s / tokens as f64;
        let (f, s) = (ms(forward), ms(sampling));
        println!("| {name} | {f:.3} | {s:.3} | {:.3} |", f + s);
    }
    Ok(())
}

/// Seconds spent in each phase of one step, the device synchronised at each lap.
struct PhaseClock {
    dev: Device,
    last: Instant,
    laps: [f64; 6],
}

impl PhaseClock {
    fn new(dev: Device) -> Self {
        PhaseClock {
            dev,
            last: Instant::now(),
            laps: [0.0; 6],
        }
    }

    fn lap(&mut self, phase: usize) {
        if let Device::Cuda(i) = self.dev {
            tch::Cuda::synchronize(i as i64);
        }
        self.laps[phase] = self.last.elapsed().as_secs_f64();
        self.last = Instant::now();
    }
}
