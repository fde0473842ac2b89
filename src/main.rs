//! `jielong`: the course's command line.
//!
//! ```text
//! jielong chapter 3 [--config FILE | --preset NAME] [--device auto|cpu|cuda:N] [--lang en|zh]   run a chapter (presets: chapter 3 tiny|small, chapter 6 quick|full)
//! jielong train --config FILE                                     train one model on one corpus
//! jielong sample --checkpoint FILE --prompt TEXT [--preset ...] [--trace]   continue a prompt
//! jielong chat --checkpoint FILE [--system TEXT]                  talk to a fine-tuned model (chapter 4)
//! jielong serve [--port 8080] [--host 127.0.0.1] [--runs runs]   the classroom playground, a local web page
//! jielong doctor [--json]                                         what this machine gives the course
//! jielong exercises [check N.K [--hint] [--watch] | report]       the chapters' exercises and their checks
//! ```
//! Errors print one line naming the problem. Exit status: 0 done, 1 bad input or any other error,
//! 2 a `jielong train` run diverged, 130 interrupted (Ctrl-C or SIGTERM; a checkpoint is saved).

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use jielong::chapters;
use jielong::data::world::Language;
use jielong::data::{CorpusSource, Split};
use jielong::device::DeviceChoice;
use jielong::generate::{self, Preset, SamplingConfig};
use jielong::progress::ProgressMode;
use jielong::run::RunDir;
use jielong::tokenizer::require_tokens;
use jielong::train::{TrainConfig, TrainOptions};
use jielong::{Model, ModelConfig, Tokenizer, checkpoint};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "jielong",
    version,
    about = "文字接龙 — build a large language model, chapter by chapter",
    after_help = "Exit status: 0 done · 1 bad input or other error · 2 `train` diverged · 130 interrupted (Ctrl-C/SIGTERM: the step finishes, a checkpoint is saved, the message says how to --resume)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a chapter's experiment; results go to runs/chNN/ (runs/zh/chNN/ in Chinese).
    #[command(after_help = chapters::REUSE_HELP)]
    Chapter {
        /// Chapter number.
        number: u32,
        /// JSON config (defaults: the chapter's built-in config).
        #[arg(long, conflicts_with = "preset")]
        config: Option<PathBuf>,
        /// A named preset instead (chapter 3: tiny, small; chapter 6: quick, full).
        #[arg(long)]
        preset: Option<String>,
        /// Device: auto, cpu, cuda or cuda:N (overrides the config).
        #[arg(long)]
        device: Option<DeviceChoice>,
        /// Language of the run: en or zh (the world told in Chinese, Chinese prompts, runs in runs/zh/).
        #[arg(long = "lang")]
        language: Option<Language>,
        /// Compute every sub-run again, overwriting what an earlier run left (use it after changing the code).
        #[arg(long)]
        fresh: bool,
    },
    /// Train one model on one corpus, as described by a JSON config.
    Train {
        /// JSON config: {"corpus": …, "model": …, "train": …}.
        #[arg(long)]
        config: PathBuf,
        /// Device: auto, cpu, cuda or cuda:N (overrides the config).
        #[arg(long)]
        device: Option<DeviceChoice>,
        /// Continue from this checkpoint.
        #[arg(long)]
        resume: Option<PathBuf>,
    },
    /// Continue a prompt with a trained model, streaming the text as it is chosen.
    Sample {
        /// A checkpoint written by training (model.safetensors).
        #[arg(long)]
        checkpoint: PathBuf,
        /// The text to continue.
        #[arg(long)]
        prompt: String,
        /// A sampling preset.
        #[arg(long, value_enum, default_value = "balanced")]
        preset: Preset,
        /// Temperature (overrides the preset; 0 = greedy).
        #[arg(long)]
        temperature: Option<f64>,
        /// Top-k (overrides the preset; 0 = off).
        #[arg(long)]
        top_k: Option<usize>,
        /// Top-p (overrides the preset; 1 = off).
        #[arg(long)]
        top_p: Option<f64>,
        /// Random seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// How many tokens to generate.
        #[arg(long, default_value_t = 200)]
        tokens: usize,
        /// Instead of streaming, print every step as a table row: the 4 most likely candidates, how many
        /// tokens the sampling rule kept, and the token chosen (the same text as without --trace).
        #[arg(long)]
        trace: bool,
        /// Device: auto, cpu, cuda or cuda:N.
        #[arg(long, default_value = "auto")]
        device: DeviceChoice,
    },
    /// Talk to a fine-tuned model (chapter 4) in the chat template; /help lists the commands.
    Chat {
        /// A fine-tuned checkpoint, e.g. runs/ch04/sft/model.safetensors.
        #[arg(long)]
        checkpoint: PathBuf,
        /// A system message put before the conversation.
        #[arg(long)]
        system: Option<String>,
        /// A sampling preset (change it in the chat with /temp and /topp).
        #[arg(long, value_enum, default_value = "balanced")]
        preset: Preset,
        /// Random seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// The longest reply, in tokens.
        #[arg(long, default_value_t = 60)]
        tokens: usize,
        /// Device: auto, cpu, cuda or cuda:N.
        #[arg(long, default_value = "auto")]
        device: DeviceChoice,
    },
    /// The classroom playground: a local web page where the word-chain game is visible (the next-token
    /// distribution, models side by side, attention maps, live loss curves).
    Serve {
        /// Port to listen on.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Address to listen on; the default keeps the page to this machine (another address: a warning).
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// The runs directory whose checkpoints and metrics the page shows.
        #[arg(long, default_value = "runs")]
        runs: PathBuf,
        /// Device: auto, cpu, cuda or cuda:N.
        #[arg(long, default_value = "auto")]
        device: DeviceChoice,
    },
    /// Check this machine first: libtorch, CUDA and its GPUs (or why there are none), the CPU's bf16
    /// support, and the tools of `make test`.
    Doctor {
        /// Print the findings as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The chapters' exercises: list them with your status, check one (`check 3.2`), or `report`.
    Exercises(jielong::exercises::cli::ExercisesArgs),
}

/// The config of `jielong train`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainJob {
    /// Run directory name under `runs_dir`.
    #[serde(default = "default_name")]
    name: String,
    #[serde(default = "default_runs_dir")]
    runs_dir: PathBuf,
    #[serde(default)]
    device: DeviceChoice,
    #[serde(default)]
    seed: u64,
    #[serde(default)]
    corpus: CorpusSource,
    #[serde(default = "default_val_fraction")]
    val_fraction: f64,
    model: ModelConfig,
    #[serde(default)]
    train: TrainConfig,
}

fn default_name() -> String {
    "train".into()
}
fn default_runs_dir() -> PathBuf {
    "runs".into()
}
fn default_val_fraction() -> f64 {
    0.1
}

/// Exit status of `jielong train` on a diverged run.
const EXIT_DIVERGED: u8 = 2;

/// A `jielong train` run that diverged: its files are written, but a script must be able to tell.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Diverged(String);

fn main() -> ExitCode {
    jielong::interrupt::install();
    jielong::out_of_memory::install();
    let cli = match chapters::parse_args::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", chapters::one_line(&e));
            if jielong::interrupt::is_interrupted(&e) {
                ExitCode::from(jielong::interrupt::EXIT_INTERRUPTED)
            } else if e.is::<Diverged>() {
                ExitCode::from(EXIT_DIVERGED)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Chapter {
            number,
            config,
            preset,
            device,
            language,
            fresh,
        } => {
            let source = match (config, preset) {
                (_, Some(name)) => chapters::ConfigSource::Preset(name),
                (Some(path), None) => chapters::ConfigSource::File(path),
                (None, None) => chapters::ConfigSource::Default,
            };
            let overrides = chapters::Overrides {
                device,
                language,
                fresh,
            };
            chapters::run_chapter_number(number, &source, overrides)
        }
        Command::Train {
            config,
            device,
            resume,
        } => train(config, device, resume),
        Command::Sample {
            checkpoint,
            prompt,
            preset,
            temperature,
            top_k,
            top_p,
            seed,
            tokens,
            trace,
            device,
        } => {
            let mut sampling = SamplingConfig {
                seed,
                max_new_tokens: tokens,
                ..preset.config()
            };
            sampling.temperature = temperature.unwrap_or(sampling.temperature);
            sampling.top_k = top_k.unwrap_or(sampling.top_k);
            sampling.top_p = top_p.unwrap_or(sampling.top_p);
            sample(&checkpoint, &prompt, &sampling, trace, device)
        }
        Command::Chat {
            checkpoint,
            system,
            preset,
            seed,
            tokens,
            device,
        } => {
            let sampling = SamplingConfig {
                seed,
                max_new_tokens: tokens,
                ..preset.config()
            };
            chat(&checkpoint, system.as_deref(), sampling, device)
        }
        Command::Serve {
            port,
            host,
            runs,
            device,
        } => jielong::serve::run(&jielong::serve::ServeOptions {
            host,
            port,
            runs,
            device,
            limits: jielong::serve::Limits::default(),
        }),
        Command::Doctor { json } => {
            let report = jielong::doctor::examine();
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{}", report.to_text());
            }
            Ok(())
        }
        Command::Exercises(args) => jielong::exercises::cli::run(args),
    }
}

/// The chat loop: read a line, answer it streaming, until /quit or the end of input.
fn chat(
    path: &std::path::Path,
    system: Option<&str>,
    sampling: SamplingConfig,
    device: DeviceChoice,
) -> Result<()> {
    use jielong::sft::{CHAT_HELP, Chat, ChatCommand};
    use std::io::{BufRead, IsTerminal};
    let (model, tokenizer) = checkpoint::load_model(path, device.resolve()?)?;
    jielong::sft::check_template(&tokenizer)
        .with_context(|| format!("{} cannot chat", path.display()))?;
    let mut chat = Chat::new(&model, &tokenizer, system, sampling);
    let interactive = std::io::stdin().is_terminal();
    let mut out = std::io::stdout().lock();
    if interactive {
        writeln!(out, "{CHAT_HELP}")?;
    }
    let mut lines = std::io::stdin().lock().lines();
    loop {
        if interactive {
            write!(out, "you> ")?;
            out.flush()?;
        }
        let Some(line) = lines.next().transpose()? else {
            break;
        };
        match ChatCommand::parse(&line) {
            Some(Ok(ChatCommand::Quit)) => break,
            Some(Ok(command)) => match chat.apply(&command) {
                Ok(told) => writeln!(out, "({told})")?,
                Err(e) => writeln!(out, "(refused: {e})")?,
            },
            Some(Err(e)) => writeln!(out, "({e})")?,
            None if line.trim().is_empty() => {}
            None => {
                write!(out, "assistant> ")?;
                chat.send(line.trim(), |piece| {
                    let _ = write!(out, "{piece}");
                    let _ = out.flush();
                })?;
                writeln!(out)?;
            }
        }
    }
    Ok(())
}

fn train(config: PathBuf, device: Option<DeviceChoice>, resume: Option<PathBuf>) -> Result<()> {
    let job: TrainJob = chapters::load_config(&config)?;
    jielong::run::check_name(&job.name)?;
    let device = chapters::prepare(device.unwrap_or(job.device), 0, job.seed)?;
    let text = job.corpus.load()?;
    let tokenizer = match &resume {
        Some(path) => checkpoint::load(path)?.tokenizer,
        None => Tokenizer::char_level(&text),
    };
    let model_cfg = job.model.clone().with_vocab_size(tokenizer.vocab_size());
    model_cfg.validate()?;
    job.train.validate_for(&model_cfg)?;
    let available = jielong::memory::available_on(device);
    jielong::memory::check_fits(&model_cfg, &job.train, available)?;
    let mut model = Model::new(&model_cfg, device)?;
    let split = Split::new(
        &tokenizer.encode(&text),
        job.val_fraction,
        job.train.block_size,
    )?;
    let run = RunDir::create(&job.runs_dir, &job.name)?;
    let _lock = jielong::run::RunLock::acquire(&run)?;
    run.write_json("config.json", &job)?;
    let opts = TrainOptions {
        label: job.name.clone(),
        progress: ProgressMode::Auto,
        metrics_path: Some(run.file("metrics.jsonl")),
        checkpoint_path: Some(run.file("model.safetensors")),
        resume_from: resume,
    };
    let report = jielong::train::train(&mut model, &tokenizer, &split, &job.train, &opts)?;
    let (train_curve, val_curve) = report.eval_curves();
    let series = [
        jielong::plot::Series::new("train", train_curve),
        jielong::plot::Series::new("validation", val_curve),
    ];
    jielong::plot::line_chart(
        &job.name,
        "training step",
        "cross-entropy (nats/token)",
        &series,
    )?
    .save(&run.file("loss.svg"))?;
    if let jielong::train::RunStatus::Diverged { .. } = report.status {
        let at = run.path.display();
        return Err(Diverged(format!("{}: {} (files in {at})", job.name, report.status)).into());
    }
    if report.status != jielong::train::RunStatus::Completed {
        println!("{}: {}", job.name, report.status);
    }
    println!(
        "{} parameters · train loss {:.3} · validation loss {:.3} · {:.0} tokens/s · wrote {}",
        report.params,
        report.final_train_loss,
        report.final_val_loss,
        report.tokens_per_sec,
        run.path.display()
    );
    Ok(())
}

fn sample(
    path: &std::path::Path,
    prompt: &str,
    sampling: &SamplingConfig,
    trace: bool,
    device: DeviceChoice,
) -> Result<()> {
    sampling.validate()?;
    let (model, tokenizer) = checkpoint::load_model(path, device.resolve()?)?;
    // Refuse the prompt before echoing it, so that an error is a line of its own.
    let ids = tokenizer
        .encode_strict(prompt)
        .context("cannot continue the prompt")?;
    require_tokens(&ids, "the prompt").context("cannot continue the prompt")?;
    let mut out = std::io::stdout().lock();
    if trace {
        let trace = generate::trace(&model, &tokenizer, prompt, sampling, 4)
            .context("cannot continue the prompt")?;
        write!(out, "{}", trace.table(16))?;
        return Ok(());
    }
    write!(out, "{prompt}")?;
    generate::generate_with(&model, &tokenizer, prompt, sampling, |piece| {
        let _ = write!(out, "{piece}");
        let _ = out.flush();
    })
    .context("cannot continue the prompt")?;
    writeln!(out)?;
    Ok(())
}
