//! Each chapter's experiment: one function that takes a serde config and returns a serde result. The chapter
//! program, the `jielong chapter N` command, the notebook, the tests and the book all call that function.

pub mod book_figures;
pub mod ch01;
pub mod ch02;
pub mod ch03;
pub mod ch04;
pub mod ch05;
pub mod ch06;

use crate::data::CorpusSource;
use crate::data::world::{Language, WorldConfig};
use crate::device::{self, DeviceChoice};
use crate::plot::Figure;
use crate::run::RunDir;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tch::Device;

/// A chapter's experiment as the command line sees it: a config in, a result and a report out.
pub trait Chapter {
    /// The chapter's config (its `Default` is the chapter's default config).
    type Config: Serialize + DeserializeOwned + Default;
    /// What the experiment measured.
    type Output: Serialize;
    /// Where the chapter's default config file lives.
    const CONFIG_PATH: &'static str;
    /// Run the experiment.
    fn run(config: &Self::Config) -> Result<Self::Output>;
    /// The report printed at the end (also written as report.md).
    fn report(config: &Self::Config, output: &Self::Output) -> String;
    /// The config's device field, so `--device` can override it.
    fn device(config: &mut Self::Config) -> &mut DeviceChoice;
    /// The config's `fresh` field, so `--fresh` can set it.
    fn fresh(config: &mut Self::Config) -> &mut bool;
    /// Where the run wrote its files.
    fn run_dir(output: &Self::Output) -> &Path;
    /// Put the run in `language` (`--lang`): its world, the prompts it asks, and its run directory
    /// (`runs/zh/chNN/` for Chinese, see [`runs_dir_in`]).
    fn set_language(config: &mut Self::Config, language: Language);
    /// The config of a named preset (`--preset NAME`); chapters without presets have only `default`.
    fn preset(name: &str) -> Result<Self::Config> {
        match name {
            "default" => Ok(Self::Config::default()),
            other => bail!("this chapter has no preset {other:?}; available: default"),
        }
    }
}

/// Chapter 1: text continuation.
pub struct Ch01;

impl Chapter for Ch01 {
    type Config = ch01::Ch01Config;
    type Output = ch01::Ch01Result;
    const CONFIG_PATH: &'static str = "chapters/01-text-continuation/config.json";
    fn run(config: &Self::Config) -> Result<Self::Output> {
        ch01::run(config)
    }
    fn report(config: &Self::Config, output: &Self::Output) -> String {
        ch01::report(config, output)
    }
    fn device(config: &mut Self::Config) -> &mut DeviceChoice {
        &mut config.device
    }
    fn fresh(config: &mut Self::Config) -> &mut bool {
        &mut config.fresh
    }
    fn run_dir(output: &Self::Output) -> &Path {
        &output.run_dir
    }
    fn set_language(config: &mut Self::Config, language: Language) {
        config.set_language(language);
    }
}

/// Chapter 2: optimization and overfitting.
pub struct Ch02;

impl Chapter for Ch02 {
    type Config = ch02::Ch02Config;
    type Output = ch02::Ch02Result;
    const CONFIG_PATH: &'static str = "chapters/02-optimization-and-overfitting/config.json";
    fn run(config: &Self::Config) -> Result<Self::Output> {
        ch02::run(config)
    }
    fn report(_config: &Self::Config, output: &Self::Output) -> String {
        ch02::report(output)
    }
    fn device(config: &mut Self::Config) -> &mut DeviceChoice {
        &mut config.device
    }
    fn fresh(config: &mut Self::Config) -> &mut bool {
        &mut config.fresh
    }
    fn run_dir(output: &Self::Output) -> &Path {
        &output.run_dir
    }
    fn set_language(config: &mut Self::Config, language: Language) {
        config.set_language(language);
    }
}

/// Chapter 3: pretraining.
pub struct Ch03;

impl Chapter for Ch03 {
    type Config = ch03::Ch03Config;
    type Output = ch03::Ch03Result;
    const CONFIG_PATH: &'static str = "chapters/03-pretraining/config.json";
    fn run(config: &Self::Config) -> Result<Self::Output> {
        ch03::run(config)
    }
    fn report(_config: &Self::Config, output: &Self::Output) -> String {
        ch03::report(output)
    }
    fn device(config: &mut Self::Config) -> &mut DeviceChoice {
        &mut config.device
    }
    fn fresh(config: &mut Self::Config) -> &mut bool {
        &mut config.fresh
    }
    fn run_dir(output: &Self::Output) -> &Path {
        &output.run_dir
    }
    fn set_language(config: &mut Self::Config, language: Language) {
        config.set_language(language);
    }
    fn preset(name: &str) -> Result<Self::Config> {
        ch03::Ch03Config::preset(name)
    }
}

/// Chapter 4: supervised fine-tuning.
pub struct Ch04;

impl Chapter for Ch04 {
    type Config = ch04::Ch04Config;
    type Output = ch04::Ch04Result;
    const CONFIG_PATH: &'static str = "chapters/04-sft/config.json";
    fn run(config: &Self::Config) -> Result<Self::Output> {
        ch04::run(config)
    }
    fn report(_config: &Self::Config, output: &Self::Output) -> String {
        ch04::report(output)
    }
    fn device(config: &mut Self::Config) -> &mut DeviceChoice {
        &mut config.device
    }
    fn fresh(config: &mut Self::Config) -> &mut bool {
        &mut config.fresh
    }
    fn run_dir(output: &Self::Output) -> &Path {
        &output.run_dir
    }
    fn set_language(config: &mut Self::Config, language: Language) {
        config.set_language(language);
    }
}

/// Chapter 5: learning from feedback (RLHF).
pub struct Ch05;

impl Chapter for Ch05 {
    type Config = ch05::Ch05Config;
    type Output = ch05::Ch05Result;
    const CONFIG_PATH: &'static str = "chapters/05-rlhf/config.json";
    fn run(config: &Self::Config) -> Result<Self::Output> {
        ch05::run(config)
    }
    fn report(_config: &Self::Config, output: &Self::Output) -> String {
        ch05::report(output)
    }
    fn device(config: &mut Self::Config) -> &mut DeviceChoice {
        &mut config.device
    }
    fn fresh(config: &mut Self::Config) -> &mut bool {
        &mut config.fresh
    }
    fn run_dir(output: &Self::Output) -> &Path {
        &output.run_dir
    }
    fn set_language(config: &mut Self::Config, language: Language) {
        config.set_language(language);
    }
}

/// Chapter 6: emergent abilities.
pub struct Ch06;

impl Chapter for Ch06 {
    type Config = ch06::Ch06Config;
    type Output = ch06::Ch06Result;
    const CONFIG_PATH: &'static str = "chapters/06-emergent-abilities/config.json";
    fn run(config: &Self::Config) -> Result<Self::Output> {
        ch06::run(config)
    }
    fn report(_config: &Self::Config, output: &Self::Output) -> String {
        ch06::report(output)
    }
    fn device(config: &mut Self::Config) -> &mut DeviceChoice {
        &mut config.device
    }
    fn fresh(config: &mut Self::Config) -> &mut bool {
        &mut config.fresh
    }
    fn run_dir(output: &Self::Output) -> &Path {
        &output.run_dir
    }
    fn set_language(config: &mut Self::Config, language: Language) {
        config.set_language(language);
    }
    fn preset(name: &str) -> Result<Self::Config> {
        ch06::Ch06Config::preset(name)
    }
}

/// Where a chapter's config comes from: a JSON file, a named preset, or the built-in default.
#[derive(Clone, Debug)]
pub enum ConfigSource {
    /// A JSON file.
    File(PathBuf),
    /// A preset by name (`tiny`, `small`, …).
    Preset(String),
    /// The chapter's `Default`.
    Default,
}

/// What the command line may change in a chapter's config: the device, the language, and whether to reuse
/// finished sub-runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Overrides {
    /// `--device`: where to compute.
    pub device: Option<DeviceChoice>,
    /// `--lang`: the language of the world, the prompts and the run directory.
    pub language: Option<Language>,
    /// `--fresh`: compute every sub-run again instead of reading back those already finished.
    pub fresh: bool,
}

/// Run chapter `C` with the config from `source`, changed by `overrides`, and print its report.
pub fn run_chapter<C: Chapter>(source: &ConfigSource, overrides: Overrides) -> Result<()> {
    let mut config: C::Config = match source {
        ConfigSource::File(path) => load_config(path)?,
        ConfigSource::Preset(name) => C::preset(name)?,
        ConfigSource::Default => C::Config::default(),
    };
    if let Some(device) = overrides.device {
        *C::device(&mut config) = device;
    }
    if let Some(language) = overrides.language {
        C::set_language(&mut config, language);
    }
    if overrides.fresh {
        *C::fresh(&mut config) = true;
    }
    let output = C::run(&config)?;
    print!("{}", C::report(&config, &output));
    println!("\nwrote {}", C::run_dir(&output).display());
    Ok(())
}

/// Run chapter `number` (the `jielong chapter N` command).
pub fn run_chapter_number(number: u32, source: &ConfigSource, overrides: Overrides) -> Result<()> {
    match number {
        1 => run_chapter::<Ch01>(source, overrides),
        2 => run_chapter::<Ch02>(source, overrides),
        3 => run_chapter::<Ch03>(source, overrides),
        4 => run_chapter::<Ch04>(source, overrides),
        5 => run_chapter::<Ch05>(source, overrides),
        6 => run_chapter::<Ch06>(source, overrides),
        n => bail!("chapter {n} does not exist; available: 1, 2, 3, 4, 5, 6"),
    }
}

/// The command-line arguments of a chapter program.
#[derive(clap::Parser)]
#[command(after_help = REUSE_HELP)]
struct ProgramArgs {
    /// JSON config (default: the chapter's config.json).
    #[arg(long, conflicts_with = "preset")]
    config: Option<PathBuf>,
    /// A named preset instead of a config file (chapter 3: tiny, small; chapter 6: quick, full).
    #[arg(long)]
    preset: Option<String>,
    /// Shorthand for `--preset quick` (chapter 6's CPU preset).
    #[arg(long, conflicts_with_all = ["preset", "config"])]
    quick: bool,
    /// Device: auto, cpu, cuda or cuda:N (overrides the config).
    #[arg(long)]
    device: Option<DeviceChoice>,
    /// Language of the run: en or zh (the world told in Chinese, Chinese prompts, runs in runs/zh/).
    #[arg(long = "lang")]
    language: Option<Language>,
    /// Compute every sub-run again, overwriting what an earlier run left (use it after changing the code).
    #[arg(long)]
    fresh: bool,
    /// Print the built-in default config as JSON and exit (a starting point for your own).
    #[arg(long)]
    print_default_config: bool,
}

/// The command line, parsed by clap; or, when it does not parse, clap's message printed and the exit status to
/// end with: 0 for `--help` and `--version`, 1 for a usage error. (clap's own exit status for a usage error is
/// 2, which the course keeps for a diverged run: a script must be able to tell the two apart.)
pub fn parse_args<P: clap::Parser>() -> std::result::Result<P, ExitCode> {
    P::try_parse().map_err(|e| {
        let _ = e.print();
        if e.use_stderr() {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    })
}

/// What `--help` says about the runs a chapter reuses.
pub const REUSE_HELP: &str = "\
Runs are reused: each sub-run (one training, one sweep variant) keeps its config and result in its own
directory under the run directory, and running the chapter again reads back every sub-run whose config and
inputs are unchanged (\"reused runs/ch02/lr-0.1 (same config)\"), so an interrupted chapter redoes only
what is missing or changed. After changing the code, --fresh (or \"fresh\": true in the config) trains
everything again.";

/// The whole `main` of a chapter program: parse the arguments, run, print the report, or print one
/// error line and exit with status 1.
pub fn program<C: Chapter>() -> ExitCode {
    crate::interrupt::install();
    crate::out_of_memory::install();
    let mut args = match parse_args::<ProgramArgs>() {
        Ok(args) => args,
        Err(code) => return code,
    };
    if args.quick {
        args.preset = Some("quick".into());
    }
    let result = if args.print_default_config {
        let config = match &args.preset {
            Some(name) => C::preset(name),
            None => Ok(C::Config::default()),
        };
        config
            .map(|mut c| {
                if let Some(language) = args.language {
                    C::set_language(&mut c, language);
                }
                c
            })
            .and_then(|c| Ok(serde_json::to_string_pretty(&c)?))
            .map(|json| println!("{json}"))
    } else {
        let source = match (args.config, args.preset) {
            (_, Some(name)) => ConfigSource::Preset(name),
            (Some(path), None) => ConfigSource::File(path),
            (None, None) => ConfigSource::File(PathBuf::from(C::CONFIG_PATH)),
        };
        let overrides = Overrides {
            device: args.device,
            language: args.language,
            fresh: args.fresh,
        };
        run_chapter::<C>(&source, overrides)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            exit_code(&e)
        }
    }
}

/// Exit status of a failed program: 130 when a signal interrupted training, else 1.
pub fn exit_code(e: &anyhow::Error) -> ExitCode {
    if crate::interrupt::is_interrupted(e) {
        ExitCode::from(crate::interrupt::EXIT_INTERRUPTED)
    } else {
        ExitCode::FAILURE
    }
}

/// An error and its causes on one line: `outer: cause: root cause`.
pub fn one_line(e: &anyhow::Error) -> String {
    e.chain()
        .map(|c| c.to_string().replace('\n', " "))
        .collect::<Vec<_>>()
        .join(": ")
}

/// Read a chapter config from a JSON file; unknown or mistyped fields are an error naming them.
pub fn load_config<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("config {} is invalid", path.display()))
}

/// The opening of a chapter's run: [`prepare`] the device, create `<runs_dir>/<run_name>/` and save the
/// Write a chapter's outputs into its run directory: the figures (drawn from the result), `result.json` and
/// `report.md`, in that order.
pub fn write_outputs<R: Serialize>(
    run: &RunDir,
    result: &R,
    figures: Vec<(&str, Figure)>,
    report: &str,
) -> Result<()> {
    for (name, figure) in figures {
        figure.save(&run.file(name))?;
    }
    run.write_json("result.json", result)?;
    run.write_text("report.md", report)?;
    Ok(())
}

/// config that runs into it as config.json.
pub fn open_run<T: Serialize>(
    config: &T,
    runs_dir: &Path,
    run_name: &str,
    (choice, threads, seed): (DeviceChoice, usize, u64),
) -> Result<(Device, RunDir)> {
    let device = prepare(choice, threads, seed)?;
    let run = RunDir::create(runs_dir, run_name)?;
    run.write_json("config.json", config)?;
    Ok((device, run))
}

/// Resolve the device, apply the thread count and seed libtorch: the first lines of every experiment.
pub fn prepare(choice: DeviceChoice, threads: usize, seed: u64) -> Result<Device> {
    device::set_threads(threads);
    device::seed(seed);
    choice.resolve()
}

/// Where the runs of a chapter in `language` go: `runs_dir` itself for English, its `zh/` folder for
/// Chinese (`runs/zh/ch01/` beside `runs/ch01/`), so a Chinese run never reuses an English checkpoint.
/// Asking twice does not nest: a directory already inside a `zh/` folder stays where it is (`runs/zh`, and
/// `runs/zh/ch04`, where chapter 4 keeps the pretraining runs it adds).
pub fn runs_dir_in(runs_dir: &Path, language: Language) -> PathBuf {
    let code = std::ffi::OsStr::new(language.code());
    match language {
        Language::Zh if !runs_dir.iter().any(|folder| folder == code) => runs_dir.join(code),
        _ => runs_dir.to_path_buf(),
    }
}

/// Tell `world`, the world at `field` of a chapter's config, in the chapter's `language`. A chapter sets
/// its language once, at the top of its config; a world that names another language itself is an error,
/// so two settings cannot disagree.
pub fn localize_world(world: &mut WorldConfig, language: Language, field: &str) -> Result<()> {
    if !world.language.is_english() && world.language != language {
        bail!(
            "{field}.language is {:?} but the chapter's language is {:?}: set \"language\" once, at the top of the config",
            world.language.code(),
            language.code()
        );
    }
    world.language = language;
    Ok(())
}

/// The language of a chapter config nested at `field` (chapter 4's pretraining, chapter 5's fine-tuning)
/// made the outer chapter's `language`; one that names another language itself is an error.
pub fn nested_language(nested: Language, language: Language, field: &str) -> Result<Language> {
    if !nested.is_english() && nested != language {
        bail!(
            "{field}.language is {:?} but the chapter's language is {:?}: set \"language\" once, at the top of the config",
            nested.code(),
            language.code()
        );
    }
    Ok(language)
}

/// [`localize_world`] for a corpus: the built-in world follows the chapter's language; a file or the Tang
/// poems are what they are.
pub fn localize_corpus(corpus: &mut CorpusSource, language: Language, field: &str) -> Result<()> {
    match corpus {
        CorpusSource::World(world) => localize_world(world, language, field),
        CorpusSource::File { .. } | CorpusSource::TangPoems => Ok(()),
    }
}

/// `template` with each `{slot}` replaced by its value: how a report or a chart fills in the words of its
/// language (`"wall time {seconds} s"`, `"用时 {seconds} 秒"`).
pub fn fill(template: &str, slots: &[(&str, &dyn std::fmt::Display)]) -> String {
    (slots.iter()).fold(template.to_string(), |text, (slot, value)| {
        text.replace(&format!("{{{slot}}}"), &value.to_string())
    })
}

/// How a chapter's report and charts name its models in one language: `(label, name)` for the labels that
/// `result.json` keeps in English (`("bigram", "二元模型")`). A label not listed is its own name.
pub struct ModelNames(pub &'static [(&'static str, &'static str)]);

impl ModelNames {
    /// The name of the model labelled `label`.
    pub fn of<'a>(&self, label: &'a str) -> &'a str {
        let named = self.0.iter().find(|(l, _)| *l == label);
        named.map_or(label, |(_, name)| name)
    }
}
