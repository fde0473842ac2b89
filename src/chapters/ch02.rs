//! Chapter 2 — optimization and overfitting: why training fails, and what helps.
//!
//! Two different ways to fail, each shown by an experiment and its chart:
//! 1. **Training fails**: the parameters found do not even fit the training data. A learning-rate sweep over
//!    four orders of magnitude (too high diverges, too low stalls), SGD against AdamW, and warm-up with
//!    cosine decay against a constant rate. Remedy: change the hyperparameters and train again.
//! 2. **Training succeeds, testing fails** (overfitting): a model large for its data drives the training
//!    loss down while the validation loss turns up; early stopping keeps the best checkpoint. Remedies,
//!    each measured against that baseline: more diverse data, a pretrained start, dropout, weight decay.

use crate::data::world::{MAX_DIVERSITY, WorldConfig};
use crate::data::{CorpusSource, Split};
use crate::device::DeviceChoice;
use crate::model::GptConfig;
use crate::optim::OptimizerKind;
use crate::plot::{self, Figure, Series};
use crate::progress::ProgressMode;
use crate::run::RunDir;
use crate::sweep::{self, Outcome, SweepSetup, Variant};
use crate::tokenizer::Tokenizer;
use crate::train::{RunStatus, Schedule, TrainConfig};
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

/// Everything chapter 2's experiments need; `chapters/02-optimization-and-overfitting/config.json` holds the
/// defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ch02Config {
    /// Runs are written to `<runs_dir>/<run_name>/`.
    pub runs_dir: PathBuf,
    /// Name of this run's directory.
    pub run_name: String,
    /// Where to compute.
    pub device: DeviceChoice,
    /// CPU threads for libtorch (0 = one per core).
    pub threads: usize,
    /// Seed of every model's initialisation.
    pub seed: u64,
    /// How to show training progress.
    pub progress: ProgressMode,

    /// Part 1's text (plenty of it: here only optimization can fail).
    pub corpus: CorpusSource,
    /// Fraction of part 1's text held out for validation.
    pub val_fraction: f64,
    /// Part 1's model: small, so that each of the many runs takes seconds.
    pub small_model: GptConfig,
    /// Part 1's training: a constant rate and no gradient clipping, so a bad rate shows.
    pub base_train: TrainConfig,
    /// The learning rates of the sweep (AdamW).
    pub learning_rates: Vec<f64>,
    /// SGD's learning rate in the optimizer comparison (AdamW uses `base_train.lr`).
    pub sgd_lr: f64,
    /// A high rate at which warm-up and cosine decay are compared with a constant rate.
    pub schedule_lr: f64,
    /// Warm-up steps of that comparison.
    pub warmup_steps: usize,

    /// Part 2's small training set: a few people, one wording per fact.
    pub small_world: WorldConfig,
    /// Seed of the held-out text: the same people and facts, told anew in every wording.
    pub held_out_seed: u64,
    /// Other people's text, to pretrain a start for the "prior knowledge" remedy.
    pub pretrain_world: WorldConfig,
    /// Steps of that pretraining.
    pub pretrain_steps: usize,
    /// Part 2's model: large for its data.
    pub large_model: GptConfig,
    /// Part 2's training.
    pub overfit_train: TrainConfig,
    /// Evaluations without improvement before early stopping.
    pub patience: usize,
    /// Dropout of the dropout remedy.
    pub dropout: f64,
    /// Weight decay of the weight-decay remedy.
    pub weight_decay: f64,
}

impl Default for Ch02Config {
    fn default() -> Self {
        let base_train = TrainConfig {
            steps: 300,
            lr: 3e-3,
            schedule: Schedule::Constant,
            warmup_steps: 0,
            grad_clip: 0.0,
            eval_every: 25,
            eval_batches: 5,
            ..TrainConfig::default()
        };
        Ch02Config {
            runs_dir: PathBuf::from("runs"),
            run_name: "ch02".into(),
            device: DeviceChoice::Auto,
            threads: 0,
            seed: 1337,
            progress: ProgressMode::Auto,
            corpus: CorpusSource::default(),
            val_fraction: 0.1,
            small_model: GptConfig {
                block_size: 64,
                n_layer: 2,
                n_head: 4,
                n_embd: 64,
                ..GptConfig::default()
            },
            base_train,
            learning_rates: vec![1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 1.0],
            sgd_lr: 0.1,
            schedule_lr: 3e-2,
            warmup_steps: 30,
            small_world: WorldConfig {
                seed: 42,
                n_people: 8,
                diversity: 1,
                docs_per_person: 2,
                ..WorldConfig::default()
            },
            held_out_seed: 2026,
            pretrain_world: WorldConfig {
                seed: 7,
                ..WorldConfig::default()
            },
            pretrain_steps: 600,
            large_model: GptConfig {
                block_size: 64,
                n_layer: 4,
                n_head: 4,
                n_embd: 128,
                ..GptConfig::default()
            },
            overfit_train: TrainConfig {
                steps: 600,
                batch_size: 16,
                lr: 1e-3,
                schedule: Schedule::Constant,
                warmup_steps: 20,
                weight_decay: 0.0,
                eval_every: 25,
                eval_batches: 8,
                ..TrainConfig::default()
            },
            patience: 4,
            dropout: 0.2,
            weight_decay: 1.0,
        }
    }
}

impl Ch02Config {
    /// Refuse a config that could only fail after minutes of training.
    pub fn validate(&self) -> Result<()> {
        if self.learning_rates.len() < 2
            || self
                .learning_rates
                .iter()
                .any(|lr| !(*lr > 0.0 && lr.is_finite()))
        {
            bail!("ch02 config: learning_rates needs at least two positive rates");
        }
        for (name, model, train) in [
            ("small", &self.small_model, &self.base_train),
            ("large", &self.large_model, &self.overfit_train),
        ] {
            crate::model::ModelConfig::Gpt(GptConfig {
                vocab_size: 1,
                ..model.clone()
            })
            .validate()?;
            if train.block_size > model.block_size {
                bail!(
                    "ch02 config: the {name} model's training block_size {} exceeds its block_size {}",
                    train.block_size,
                    model.block_size
                );
            }
        }
        if self.patience == 0 {
            bail!("ch02 config: patience must be at least 1");
        }
        self.variants().iter().try_for_each(Variant::validate)
    }

    /// Every run the chapter will make, so a bad rate, step count or dropout fails before the first one
    /// trains (the pretrained start's checkpoint does not exist yet; only its name is used here).
    fn variants(&self) -> Vec<Variant> {
        let baseline = overfit_variant(self);
        let mut all = [
            lr_variants(self),
            optimizer_variants(self),
            schedule_variants(self),
        ]
        .concat();
        all.extend([
            pretrain_variant(self),
            early_stopping_variant(self, &baseline),
        ]);
        all.extend(
            remedy_variants(self, &baseline, Some(PathBuf::from("pretrained"))).unwrap_or_default(),
        );
        all.push(baseline);
        all
    }

    // ANCHOR: part2_texts
    /// The held-out text of part 2: the small world's people, retold with another seed in every wording.
    pub fn held_out_world(&self) -> WorldConfig {
        WorldConfig {
            diversity: MAX_DIVERSITY,
            render_seed: Some(self.held_out_seed),
            ..self.small_world.clone()
        }
    }

    /// The small world told in every wording: more diverse data of the same size about the same facts.
    pub fn diverse_world(&self) -> WorldConfig {
        WorldConfig {
            diversity: MAX_DIVERSITY,
            ..self.small_world.clone()
        }
    }
    // ANCHOR_END: part2_texts
}

/// One run's headline numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The run's label.
    pub label: String,
    /// How it ended.
    pub status: RunStatus,
    /// Estimated training loss at the end.
    pub train_loss: f64,
    /// Validation loss at the end.
    pub val_loss: f64,
    /// Lowest validation loss, and its step.
    pub best_val_loss: f64,
    /// Step of the lowest validation loss.
    pub best_step: usize,
    /// Wall time.
    pub seconds: f64,
}

impl From<&Outcome> for RunSummary {
    fn from(o: &Outcome) -> Self {
        let r = &o.report;
        RunSummary {
            label: o.variant.label.clone(),
            status: r.status,
            train_loss: r.final_train_loss,
            val_loss: r.final_val_loss,
            best_val_loss: r.best_val_loss,
            best_step: r.best_step,
            seconds: r.seconds,
        }
    }
}

/// What chapter 2 measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ch02Result {
    /// The device.
    pub device: String,
    /// Vocabulary size of the shared character tokenizer.
    pub vocab_size: usize,
    /// Part 1: one run per learning rate.
    pub lr_sweep: Vec<RunSummary>,
    /// Part 1: SGD against AdamW.
    pub optimizers: Vec<RunSummary>,
    /// Part 1: constant rate against warm-up and cosine decay.
    pub schedules: Vec<RunSummary>,
    /// Part 2: the overfitting baseline, trained for all its steps.
    pub overfit: RunSummary,
    /// Part 2: the same run with early stopping, ending on its best weights.
    pub early_stopped: RunSummary,
    /// Part 2: each remedy, with the baseline first.
    pub remedies: Vec<RunSummary>,
    /// Characters of the small training set and of the held-out text.
    pub small_set_chars: (usize, usize),
    /// Every run's hyperparameters and results (also in results.csv).
    pub table: sweep::Table,
    /// The run directory.
    pub run_dir: PathBuf,
    /// Total wall time.
    pub seconds: f64,
}

/// Run chapter 2's experiments and write `runs/<run_name>/`.
pub fn run(cfg: &Ch02Config) -> Result<Ch02Result> {
    let clock = Instant::now();
    cfg.validate()?;
    let device = super::prepare(cfg.device, cfg.threads, cfg.seed)?;
    let run = RunDir::create(&cfg.runs_dir, &cfg.run_name)?;
    run.write_json("config.json", cfg)?;
    let texts = Texts::load(cfg)?;
    let setup = |split| sweep_setup(cfg, &run, &texts, split);

    let big = texts.split(&texts.corpus, cfg.val_fraction, cfg.base_train.block_size)?;
    let lr_sweep = sweep::run(&setup(&big)?, &lr_variants(cfg))?;
    let optimizers = sweep::run(&setup(&big)?, &optimizer_variants(cfg))?;
    let schedules = sweep::run(&setup(&big)?, &schedule_variants(cfg))?;
    lr_curves_figure(&lr_sweep)?.save(&run.file("lr_curves.svg"))?;
    lr_final_figure(&lr_sweep)?.save(&run.file("lr_final.svg"))?;
    curves_figure("SGD and AdamW, same steps", &optimizers, true)?
        .save(&run.file("optimizers.svg"))?;
    curves_figure("Warm-up and cosine decay at a high rate", &schedules, true)?
        .save(&run.file("schedules.svg"))?;

    let small = Split::from_parts(
        &texts.encode(&texts.small),
        &texts.encode(&texts.held_out),
        cfg.overfit_train.block_size,
    )?;
    let other_people = big_pretrain_split(&texts, cfg)?;
    let pretrained = sweep::run(&setup(&other_people)?, &[pretrain_variant(cfg)])?;
    let baseline = overfit_variant(cfg);
    let stopped = early_stopping_variant(cfg, &baseline);
    let part2 = sweep::run(&setup(&small)?, &[baseline.clone(), stopped])?;
    overfitting_figure(&part2[0], &part2[1])?.save(&run.file("overfitting.svg"))?;
    let remedies = sweep::run(
        &setup(&small)?,
        &remedy_variants(cfg, &baseline, pretrained[0].checkpoint.clone())?,
    )?;
    let mut with_baseline = vec![part2[0].clone()];
    with_baseline.extend(remedies.iter().cloned());
    remedies_figure(&with_baseline)?.save(&run.file("remedies.svg"))?;

    let all: Vec<Outcome> = [
        &lr_sweep,
        &optimizers,
        &schedules,
        &pretrained,
        &part2,
        &remedies,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    let table = sweep::results_table(&all);
    run.write_text("results.csv", &table.csv())?;
    let summaries = |o: &[Outcome]| o.iter().map(RunSummary::from).collect::<Vec<_>>();
    let result = Ch02Result {
        device: crate::device::describe(device),
        vocab_size: texts.tokenizer.vocab_size(),
        lr_sweep: summaries(&lr_sweep),
        optimizers: summaries(&optimizers),
        schedules: summaries(&schedules),
        overfit: RunSummary::from(&part2[0]),
        early_stopped: RunSummary::from(&part2[1]),
        remedies: summaries(&with_baseline),
        small_set_chars: (texts.small.chars().count(), texts.held_out.chars().count()),
        table,
        run_dir: run.path.clone(),
        seconds: clock.elapsed().as_secs_f64(),
    };
    run.write_json("result.json", &result)?;
    run.write_text("report.md", &report(&result))?;
    Ok(result)
}

/// Every text of the chapter, and one character tokenizer fitted to all of them, so every run shares ids.
pub struct Texts {
    /// Part 1's corpus.
    pub corpus: String,
    /// Part 2's small training set.
    pub small: String,
    /// Part 2's held-out text.
    pub held_out: String,
    /// Other people's text for pretraining.
    pub pretrain: String,
    /// The shared tokenizer.
    pub tokenizer: Tokenizer,
}

impl Texts {
    /// Load (generate) every text of the chapter.
    pub fn load(cfg: &Ch02Config) -> Result<Self> {
        let corpus = cfg.corpus.load()?;
        let small = CorpusSource::World(cfg.small_world.clone()).load()?;
        let held_out = CorpusSource::World(cfg.held_out_world()).load()?;
        let diverse = CorpusSource::World(cfg.diverse_world()).load()?;
        let pretrain = CorpusSource::World(cfg.pretrain_world.clone()).load()?;
        let tokenizer = Tokenizer::char_level(
            &[&corpus, &small, &held_out, &diverse, &pretrain]
                .map(|s| s.as_str())
                .concat(),
        );
        Ok(Texts {
            corpus,
            small,
            held_out,
            pretrain,
            tokenizer,
        })
    }

    /// Token ids of `text`.
    pub fn encode(&self, text: &str) -> Vec<i64> {
        self.tokenizer.encode(text)
    }

    /// `text` split into training and validation parts.
    pub fn split(&self, text: &str, val_fraction: f64, block_size: usize) -> Result<Split> {
        Split::new(&self.encode(text), val_fraction, block_size)
    }
}

/// Where and how a sweep of chapter 2 runs on `split`: each variant writes under `run`, shares the texts'
/// tokenizer, starts from `cfg.seed` and shows progress as `cfg.progress` says, on `cfg.device`. (The steps
/// one at a time, as a notebook takes them; [`run`] does the same.)
pub fn sweep_setup<'a>(
    cfg: &Ch02Config,
    run: &'a RunDir,
    texts: &'a Texts,
    split: &'a Split,
) -> Result<SweepSetup<'a>> {
    Ok(SweepSetup {
        dir: run,
        tokenizer: &texts.tokenizer,
        split,
        device: cfg.device.resolve()?,
        seed: cfg.seed,
        progress: cfg.progress,
    })
}

fn big_pretrain_split(texts: &Texts, cfg: &Ch02Config) -> Result<Split> {
    texts.split(
        &texts.pretrain,
        cfg.val_fraction,
        cfg.overfit_train.block_size,
    )
}

// ANCHOR: lr_variants
/// One AdamW run per learning rate, everything else equal.
pub fn lr_variants(cfg: &Ch02Config) -> Vec<Variant> {
    let run = |lr: f64| {
        Variant::new(
            format!("lr {lr}"),
            &cfg.small_model,
            TrainConfig {
                lr,
                ..cfg.base_train.clone()
            },
        )
    };
    cfg.learning_rates.iter().map(|&lr| run(lr)).collect()
}
// ANCHOR_END: lr_variants

/// SGD with momentum against AdamW, each at a rate that suits it.
pub fn optimizer_variants(cfg: &Ch02Config) -> Vec<Variant> {
    let sgd = TrainConfig {
        optimizer: OptimizerKind::Sgd,
        lr: cfg.sgd_lr,
        ..cfg.base_train.clone()
    };
    vec![
        Variant::new(format!("SGD lr {}", cfg.sgd_lr), &cfg.small_model, sgd),
        Variant::new(
            format!("AdamW lr {}", cfg.base_train.lr),
            &cfg.small_model,
            cfg.base_train.clone(),
        ),
    ]
}

/// At a high rate: constant from the first step, against warm-up then cosine decay.
pub fn schedule_variants(cfg: &Ch02Config) -> Vec<Variant> {
    let constant = TrainConfig {
        lr: cfg.schedule_lr,
        ..cfg.base_train.clone()
    };
    let warm = TrainConfig {
        schedule: Schedule::Cosine,
        warmup_steps: cfg.warmup_steps,
        ..constant.clone()
    };
    vec![
        Variant::new(
            format!("constant lr {}", cfg.schedule_lr),
            &cfg.small_model,
            constant,
        ),
        Variant::new(
            format!("warm-up + cosine lr {}", cfg.schedule_lr),
            &cfg.small_model,
            warm,
        ),
    ]
}

/// The large model on the small set, every step.
pub fn overfit_variant(cfg: &Ch02Config) -> Variant {
    Variant::new("baseline", &cfg.large_model, cfg.overfit_train.clone())
}

// ANCHOR: early_stopping_variant
/// The baseline with early stopping: it stops after `cfg.patience` evaluations without a lower validation
/// loss and ends with the weights of its best evaluation.
pub fn early_stopping_variant(cfg: &Ch02Config, baseline: &Variant) -> Variant {
    Variant {
        label: "early stopping".into(),
        train: TrainConfig {
            early_stopping_patience: cfg.patience,
            restore_best: true,
            ..baseline.train.clone()
        },
        ..baseline.clone()
    }
}
// ANCHOR_END: early_stopping_variant

/// Pretraining of the large model on other people's text (`cfg.pretrain_world`), whose checkpoint is the
/// "pretrained start" remedy's initial parameters.
pub fn pretrain_variant(cfg: &Ch02Config) -> Variant {
    let train = TrainConfig {
        steps: cfg.pretrain_steps,
        batch_size: 32,
        eval_every: cfg.pretrain_steps,
        ..cfg.overfit_train.clone()
    };
    Variant::new("pretraining on other people", &cfg.large_model, train)
}

// ANCHOR: remedies
/// The remedies for overfitting, each one change to the baseline at the same number of steps.
pub fn remedy_variants(
    cfg: &Ch02Config,
    baseline: &Variant,
    pretrained: Option<PathBuf>,
) -> Result<Vec<Variant>> {
    let Some(pretrained) = pretrained else {
        bail!("the pretraining run diverged: no checkpoint to start from")
    };
    let b = baseline.clone();
    Ok(vec![
        Variant {
            label: "more diverse data".into(),
            corpus: Some(CorpusSource::World(cfg.diverse_world())),
            ..b.clone()
        },
        Variant {
            label: "pretrained start".into(),
            init_from: Some(pretrained),
            ..b.clone()
        },
        Variant {
            label: format!("dropout {}", cfg.dropout),
            model: GptConfig {
                dropout: cfg.dropout,
                ..b.model.clone()
            },
            ..b.clone()
        },
        Variant {
            label: format!("weight decay {}", cfg.weight_decay),
            train: TrainConfig {
                weight_decay: cfg.weight_decay,
                ..b.train.clone()
            },
            ..b
        },
    ])
}
// ANCHOR_END: remedies

fn eval_series(o: &Outcome, train: bool) -> Vec<Series> {
    let (t, v) = o.report.eval_curves();
    let mut series = vec![Series::new(format!("{} · validation", o.variant.label), v)];
    if train {
        series.push(Series::new(format!("{} · train", o.variant.label), t).dashed());
    }
    series
}

/// Training-loss curves of the learning-rate sweep; a diverged run ends in a dot.
pub fn lr_curves_figure(sweep: &[Outcome]) -> Result<Figure> {
    let mut series: Vec<Series> = sweep
        .iter()
        .map(|o| Series::new(o.variant.label.clone(), o.report.eval_curves().0))
        .collect();
    // a diverged run is marked where it stopped, at the height of its last finite estimate
    let diverged: Vec<(f64, f64)> = sweep
        .iter()
        .filter(|o| matches!(o.report.status, RunStatus::Diverged { .. }))
        .map(|o| {
            (
                o.report.records.last().map_or(0, |r| r.step) as f64,
                o.report.final_train_loss,
            )
        })
        .collect();
    if !diverged.is_empty() {
        series.push(Series::points("diverged (stopped)", diverged));
    }
    plot::line_chart(
        "Learning-rate sweep: training loss",
        "training step",
        "training loss (nats/token)",
        &series,
    )
}

/// Final training loss against log₁₀ of the learning rate: the valley between stalling and diverging.
pub fn lr_final_figure(sweep: &[Outcome]) -> Result<Figure> {
    let point = |o: &Outcome| (o.variant.train.lr.log10(), o.report.final_train_loss);
    let (diverged, done): (Vec<&Outcome>, Vec<&Outcome>) = sweep
        .iter()
        .partition(|o| matches!(o.report.status, RunStatus::Diverged { .. }));
    let mut series = vec![Series::new(
        "final training loss",
        done.iter().map(|o| point(o)).collect(),
    )];
    if !diverged.is_empty() {
        series.push(Series::points(
            "diverged (last finite estimate)",
            diverged.iter().map(|o| point(o)).collect(),
        ));
    }
    plot::line_chart(
        "Final loss against learning rate",
        "log10(learning rate)",
        "training loss (nats/token)",
        &series,
    )
}

/// Validation (solid) and, optionally, training (dashed) curves of a few runs.
pub fn curves_figure(title: &str, runs: &[Outcome], train: bool) -> Result<Figure> {
    let series: Vec<Series> = runs.iter().flat_map(|o| eval_series(o, train)).collect();
    plot::line_chart(title, "training step", "loss (nats/token)", &series)
}

// ANCHOR: overfitting_figure
/// The overfitting baseline's train and validation curves, its turning point, and where early stopping ended.
pub fn overfitting_figure(baseline: &Outcome, stopped: &Outcome) -> Result<Figure> {
    let (train, val) = baseline.report.eval_curves();
    let r = &stopped.report;
    let stop_step = r.records.last().map_or(0, |rec| rec.step) as f64;
    let series = vec![
        Series::new("train", train),
        Series::new("validation", val),
        Series::points(
            "lowest validation loss (turning point)",
            vec![(
                baseline.report.best_step as f64,
                baseline.report.best_val_loss,
            )],
        ),
        Series::points(
            "early stopping ends here, keeps the best",
            vec![(stop_step, r.best_val_loss)],
        ),
    ];
    plot::line_chart(
        "Overfitting: training succeeds, testing fails",
        "training step",
        "loss (nats/token)",
        &series,
    )
}
// ANCHOR_END: overfitting_figure

/// Validation loss of the baseline and of each remedy.
pub fn remedies_figure(runs: &[Outcome]) -> Result<Figure> {
    curves_figure("Remedies for overfitting: validation loss", runs, false)
}

/// The run's report.md.
pub fn report(r: &Ch02Result) -> String {
    let mut md = format!(
        "# Chapter 2 — optimization and overfitting\n\nDevice: {} · vocabulary {} · wall time {:.0} s\n\n",
        r.device, r.vocab_size, r.seconds
    );
    let _ = writeln!(
        md,
        "## Part 1: when training fails\n\n![learning-rate sweep](lr_curves.svg)\n\n![final loss against learning rate](lr_final.svg)\n\n![SGD and AdamW](optimizers.svg)\n\n![schedules](schedules.svg)\n"
    );
    let _ = writeln!(
        md,
        "## Part 2: when testing fails\n\nSmall training set: {} characters; held-out text about the same people: {} characters.\n",
        r.small_set_chars.0, r.small_set_chars.1
    );
    let _ = writeln!(
        md,
        "![overfitting](overfitting.svg)\n\n![remedies](remedies.svg)\n"
    );
    let _ = writeln!(md, "## Every run\n\n{}", r.table.markdown());
    md
}
