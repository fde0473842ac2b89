//! Chapter 6 — emergent abilities: the same text, models of several sizes, and what each size can do.
//!
//! The experiment, in the order [`run`] does it:
//! 1. **a size ladder**: GPTs of growing size trained on the same skills text (see [`crate::data::skills`]),
//!    each cached in its own directory, so a second run trains only what is missing;
//! 2. **scale**: validation loss against parameters and against training compute, with fitted power laws;
//! 3. **abilities**, measured on every size with fresh problems: addition with and without worked steps
//!    (chain of thought) at every digit count, the code book at every number of examples (in-context
//!    learning), and string operations asked for as instructions, trained and held out;
//! 4. **the mirage question**: the same answers scored all-or-nothing and with partial credit;
//! 5. **induction heads**: a two-layer attention-only model learns to copy from its context, and the head that
//!    does it is found and drawn;
//! 6. **the data side**: one size trained on more and more distinct text, and a larger size at the same compute
//!    on less ([`data_scale`]).
//!
//! The code, one file per part: [`config`], the size [`ladder`] and its [`abilities`], [`induction`] heads,
//! the [`data_scale`] experiment (with its own charts and report section), the [`figures`] (drawn from the
//! result alone) and the [`report`], in the words of the run's language ([`words`]).

pub mod abilities;
pub mod config;
pub mod data_scale;
pub mod figures;
pub mod induction;
pub mod ladder;
pub mod report;
pub mod words;

pub use abilities::{
    Abilities, AdditionScore, CodeScore, OpScore, Scores, addition_ability, code_ability, complete,
    instruction_ability,
};
pub use config::{
    AbilityConfig, Ch06Config, DataScaleConfig, InductionConfig, Size, non_embedding_params,
};
pub use data_scale::{DataRun, DataScaleResult, data_scale};
pub use figures::{
    Metric, icl_figure, induction_head_figure, induction_loss_figure, induction_scores_figure,
    instructions_figure, scaling_compute_figure, scaling_params_figure,
};
pub use induction::{InductionPoint, InductionResult, induction};
pub use ladder::{
    CurvePoint, MEASUREMENT_VERSION, Rung, Scaling, SizeRun, SkillsData, fit_scaling, measure_size,
    prepare_data, train_size,
};
pub use report::report;

use super::open_run;
use crate::data::world::Language;
use crate::device::{self};
use crate::plot::Figure;
use crate::run::{self, Cache};
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;

/// What chapter 6's run produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ch06Result {
    /// Where it ran.
    pub device: String,
    /// The language of the run: its skills text's prose and instructions, its report and its charts.
    #[serde(default, skip_serializing_if = "Language::is_english")]
    pub language: Language,
    /// The first lines of the training text.
    pub sample: Vec<String>,
    /// The most digits per operand in the training text's sums (the skills config's `max_digits`): the
    /// chain-of-thought and mirage charts mark what was trained.
    pub max_digits: u32,
    /// Every size, smallest first.
    pub rungs: Vec<Rung>,
    /// The fitted scaling laws.
    pub scaling: Scaling,
    /// The induction-head experiment.
    pub induction: InductionResult,
    /// The data side of scale (empty when it was off, and in results from before it existed).
    #[serde(default)]
    pub data_scale: DataScaleResult,
    /// The run directory.
    pub run_dir: PathBuf,
    /// Total wall time.
    pub seconds: f64,
}

// ANCHOR: run
/// Run chapter 6's experiment and write `runs/<run_name>/`.
pub fn run(cfg: &Ch06Config) -> Result<Ch06Result> {
    let clock = Instant::now();
    let cfg = &cfg.localized();
    cfg.validate()?;
    let setting = (cfg.device, cfg.threads, cfg.seed);
    let (device, run) = open_run(cfg, &cfg.runs_dir, &cfg.run_name, setting)?;
    let data = prepare_data(cfg)?;
    let mut rungs = Vec::new();
    for size in &cfg.sizes {
        let (trained, cache) = train_size(cfg, &data, size, &run, device)?;
        let (abilities, _) = measure_size(cfg, &trained, device)?;
        rungs.push(Rung {
            run: trained,
            abilities,
            cached: cache == Cache::Hit,
        });
    }
    let reuse = run::Reuse::new(cfg.fresh, cfg.progress);
    let key = (&cfg.induction, cfg.seed);
    let induction = run::cached_with(&run.path, "induction", &key, reuse, |_| {
        induction(cfg, device)
    })?
    .0;
    let data_scale = data_scale::data_scale(cfg, &run, device)?;
    let result = Ch06Result {
        device: device::describe(device),
        language: cfg.language,
        sample: data.sample,
        max_digits: cfg.skills.max_digits,
        scaling: fit_scaling(&rungs),
        rungs,
        induction,
        data_scale,
        run_dir: run.path.clone(),
        seconds: clock.elapsed().as_secs_f64(),
    };
    super::write_outputs(&run, &result, figures::draw(&result)?, &report(&result))?;
    Ok(result)
}
// ANCHOR_END: run

/// Every chart of the chapter, as `(file name, figure)`: [`figures::draw`], which needs the result alone.
pub fn figures(_cfg: &Ch06Config, r: &Ch06Result) -> Result<Vec<(&'static str, Figure)>> {
    figures::draw(r)
}

/// [`figures::cot_figure`], for callers that still pass the config (the chart needs the result alone).
pub fn cot_figure(_cfg: &Ch06Config, r: &Ch06Result) -> Result<Figure> {
    figures::cot_figure(r)
}

/// [`figures::mirage_figure`], for callers that still pass the config (the chart needs the result alone).
pub fn mirage_figure(_cfg: &Ch06Config, r: &Ch06Result, metric: Metric) -> Result<Figure> {
    figures::mirage_figure(r, metric)
}
