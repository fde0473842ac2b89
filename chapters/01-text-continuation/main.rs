//! Chapter 1 — text continuation (文字接龙).
//!
//! ```text
//! cargo run --release --example ch01 [-- --config chapters/01-text-continuation/config.json --device cpu]
//! ```
//! Trains the bigram baseline and a tiny GPT on the built-in world, then charts and samples them.
//! Everything lands in `runs/ch01/`; the same experiment is `jielong chapter 1` and the chapter's notebook.

use clap::Parser;
use jielong::chapters::{self, ch01};
use jielong::device::DeviceChoice;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Chapter 1: text continuation")]
struct Args {
    /// JSON config.
    #[arg(long, default_value = "chapters/01-text-continuation/config.json")]
    config: PathBuf,
    /// Device: auto, cpu, cuda or cuda:N (overrides the config).
    #[arg(long)]
    device: Option<DeviceChoice>,
    /// Print the built-in default config as JSON and exit (a starting point for your own).
    #[arg(long)]
    print_default_config: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.print_default_config {
        let json = serde_json::to_string_pretty(&ch01::Ch01Config::default())
            .expect("the config serializes");
        println!("{json}");
        return ExitCode::SUCCESS;
    }
    let run = || -> anyhow::Result<()> {
        let mut cfg: ch01::Ch01Config = chapters::load_config(&args.config)?;
        cfg.device = args.device.unwrap_or(cfg.device);
        let result = ch01::run(&cfg)?;
        print!("{}", ch01::report(&cfg, &result));
        println!("\nwrote {}", result.run_dir.display());
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "error: {}",
                e.chain()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(": ")
            );
            ExitCode::FAILURE
        }
    }
}
