//! Every chart of chapter 2, drawn from its result alone ([`draw`]), so the book's figures can be drawn again
//! from `result.json`. The `*_figure` functions draw the same charts in English from a sweep's outcomes.

use super::words::{Words, words};
use super::{Ch02Result, RunSummary};
use crate::chapters::fill;
use crate::data::world::Language;
use crate::plot::{self, Figure, Series};
use crate::sweep::Outcome;
use crate::train::RunStatus;
use anyhow::Result;

/// Every chart of the chapter, as `(file name, figure)`, from the result alone, in the run's language.
pub fn draw(r: &Ch02Result) -> Result<Vec<(&'static str, Figure)>> {
    let w = words(r.language);
    let [optimizers, schedules, remedies] = w.titles;
    Ok(vec![
        ("lr_curves.svg", lr_curves_chart(w, &r.lr_sweep)?),
        ("lr_final.svg", lr_final_chart(w, &r.lr_sweep)?),
        (
            "optimizers.svg",
            curves_chart(w, optimizers, &r.optimizers, true)?,
        ),
        (
            "schedules.svg",
            curves_chart(w, schedules, &r.schedules, true)?,
        ),
        (
            "overfitting.svg",
            overfitting_chart(w, &r.overfit, &r.early_stopped)?,
        ),
        (
            "remedies.svg",
            curves_chart(w, remedies, &r.remedies, false)?,
        ),
    ])
}

fn summaries(outcomes: &[Outcome]) -> Vec<RunSummary> {
    outcomes.iter().map(RunSummary::from).collect()
}

fn eval_series(w: &Words, run: &RunSummary, train: bool) -> Vec<Series> {
    let [train_curve, val_curve] = w.curves.map(|c| fill(c, &[("label", &run.label)]));
    let mut series = vec![Series::new(val_curve, run.val_curve.clone())];
    if train {
        series.push(Series::new(train_curve, run.train_curve.clone()).dashed());
    }
    series
}

fn diverged(run: &RunSummary) -> bool {
    matches!(run.status, RunStatus::Diverged { .. })
}

/// Training-loss curves of the learning-rate sweep; a diverged run ends in a dot.
pub fn lr_curves_chart(w: &Words, sweep: &[RunSummary]) -> Result<Figure> {
    let [title, diverged_label] = w.lr_curves_chart;
    let mut series: Vec<Series> = sweep
        .iter()
        .map(|run| Series::new(run.label.clone(), run.train_curve.clone()))
        .collect();
    // a diverged run is marked where it stopped, at the height of its last finite estimate
    let stopped: Vec<(f64, f64)> = (sweep.iter().filter(|run| diverged(run)))
        .map(|run| (run.steps as f64, run.train_loss))
        .collect();
    if !stopped.is_empty() {
        series.push(Series::points(diverged_label, stopped));
    }
    plot::line_chart(title, w.step, w.loss_axes[0], &series)
}

/// Final training loss against log₁₀ of the learning rate: the valley between stalling and diverging.
pub fn lr_final_chart(w: &Words, sweep: &[RunSummary]) -> Result<Figure> {
    let [title, x, finished, diverged_label] = w.lr_final_chart;
    let point = |run: &RunSummary| (run.lr.log10(), run.train_loss);
    let (stopped, done): (Vec<&RunSummary>, Vec<&RunSummary>) =
        sweep.iter().partition(|run| diverged(run));
    let mut series = vec![Series::new(
        finished,
        done.iter().map(|run| point(run)).collect(),
    )];
    if !stopped.is_empty() {
        series.push(Series::points(
            diverged_label,
            stopped.iter().map(|run| point(run)).collect(),
        ));
    }
    plot::line_chart(title, x, w.loss_axes[0], &series)
}

/// Validation (solid) and, optionally, training (dashed) curves of a few runs.
pub fn curves_chart(w: &Words, title: &str, runs: &[RunSummary], train: bool) -> Result<Figure> {
    let series: Vec<Series> = runs
        .iter()
        .flat_map(|run| eval_series(w, run, train))
        .collect();
    plot::line_chart(title, w.step, w.loss_axes[1], &series)
}

// ANCHOR: overfitting_figure
/// The overfitting baseline's train and validation curves, its turning point, and where early stopping ended.
pub fn overfitting_chart(w: &Words, baseline: &RunSummary, stopped: &RunSummary) -> Result<Figure> {
    let [title, train, validation, turning_point, stopped_here] = w.overfitting_chart;
    let series = vec![
        Series::new(train, baseline.train_curve.clone()),
        Series::new(validation, baseline.val_curve.clone()),
        Series::points(
            turning_point,
            vec![(baseline.best_step as f64, baseline.best_val_loss)],
        ),
        Series::points(
            stopped_here,
            vec![(stopped.steps as f64, stopped.best_val_loss)],
        ),
    ];
    plot::line_chart(title, w.step, w.loss_axes[1], &series)
}
// ANCHOR_END: overfitting_figure

/// [`lr_curves_chart`] of a sweep's outcomes.
pub fn lr_curves_figure(sweep: &[Outcome]) -> Result<Figure> {
    lr_curves_chart(words(Language::En), &summaries(sweep))
}

/// [`lr_final_chart`] of a sweep's outcomes.
pub fn lr_final_figure(sweep: &[Outcome]) -> Result<Figure> {
    lr_final_chart(words(Language::En), &summaries(sweep))
}

/// [`curves_chart`] of a sweep's outcomes.
pub fn curves_figure(title: &str, runs: &[Outcome], train: bool) -> Result<Figure> {
    curves_chart(words(Language::En), title, &summaries(runs), train)
}

/// [`overfitting_chart`] of the baseline's and the early-stopped run's outcomes.
pub fn overfitting_figure(baseline: &Outcome, stopped: &Outcome) -> Result<Figure> {
    let [baseline, stopped] = [baseline, stopped].map(RunSummary::from);
    overfitting_chart(words(Language::En), &baseline, &stopped)
}

/// Validation loss of the baseline and of each remedy.
pub fn remedies_figure(runs: &[Outcome]) -> Result<Figure> {
    curves_figure(words(Language::En).titles[2], runs, false)
}
