//! Every chart of chapter 2, drawn from its result alone ([`draw`]), so the book's figures can be drawn again
//! from `result.json`. The `*_figure` functions draw the same charts from a sweep's outcomes.

use super::{Ch02Result, RunSummary};
use crate::plot::{self, Figure, Series};
use crate::sweep::Outcome;
use crate::train::RunStatus;
use anyhow::Result;

/// Every chart of the chapter, as `(file name, figure)`, from the result alone.
pub fn draw(r: &Ch02Result) -> Result<Vec<(&'static str, Figure)>> {
    Ok(vec![
        ("lr_curves.svg", lr_curves_chart(&r.lr_sweep)?),
        ("lr_final.svg", lr_final_chart(&r.lr_sweep)?),
        (
            "optimizers.svg",
            curves_chart("SGD and AdamW, same steps", &r.optimizers, true)?,
        ),
        (
            "schedules.svg",
            curves_chart(
                "Warm-up and cosine decay at a high rate",
                &r.schedules,
                true,
            )?,
        ),
        (
            "overfitting.svg",
            overfitting_chart(&r.overfit, &r.early_stopped)?,
        ),
        ("remedies.svg", remedies_chart(&r.remedies)?),
    ])
}

fn summaries(outcomes: &[Outcome]) -> Vec<RunSummary> {
    outcomes.iter().map(RunSummary::from).collect()
}

fn eval_series(run: &RunSummary, train: bool) -> Vec<Series> {
    let label = &run.label;
    let mut series = vec![Series::new(
        format!("{label} · validation"),
        run.val_curve.clone(),
    )];
    if train {
        series.push(Series::new(format!("{label} · train"), run.train_curve.clone()).dashed());
    }
    series
}

fn diverged(run: &RunSummary) -> bool {
    matches!(run.status, RunStatus::Diverged { .. })
}

/// Training-loss curves of the learning-rate sweep; a diverged run ends in a dot.
pub fn lr_curves_chart(sweep: &[RunSummary]) -> Result<Figure> {
    let mut series: Vec<Series> = sweep
        .iter()
        .map(|run| Series::new(run.label.clone(), run.train_curve.clone()))
        .collect();
    // a diverged run is marked where it stopped, at the height of its last finite estimate
    let stopped: Vec<(f64, f64)> = (sweep.iter().filter(|run| diverged(run)))
        .map(|run| (run.steps as f64, run.train_loss))
        .collect();
    if !stopped.is_empty() {
        series.push(Series::points("diverged (stopped)", stopped));
    }
    plot::line_chart(
        "Learning-rate sweep: training loss",
        "training step",
        "training loss (nats/token)",
        &series,
    )
}

/// Final training loss against log₁₀ of the learning rate: the valley between stalling and diverging.
pub fn lr_final_chart(sweep: &[RunSummary]) -> Result<Figure> {
    let point = |run: &RunSummary| (run.lr.log10(), run.train_loss);
    let (stopped, done): (Vec<&RunSummary>, Vec<&RunSummary>) =
        sweep.iter().partition(|run| diverged(run));
    let mut series = vec![Series::new(
        "final training loss",
        done.iter().map(|run| point(run)).collect(),
    )];
    if !stopped.is_empty() {
        series.push(Series::points(
            "diverged (last finite estimate)",
            stopped.iter().map(|run| point(run)).collect(),
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
pub fn curves_chart(title: &str, runs: &[RunSummary], train: bool) -> Result<Figure> {
    let series: Vec<Series> = runs
        .iter()
        .flat_map(|run| eval_series(run, train))
        .collect();
    plot::line_chart(title, "training step", "loss (nats/token)", &series)
}

// ANCHOR: overfitting_figure
/// The overfitting baseline's train and validation curves, its turning point, and where early stopping ended.
pub fn overfitting_chart(baseline: &RunSummary, stopped: &RunSummary) -> Result<Figure> {
    let series = vec![
        Series::new("train", baseline.train_curve.clone()),
        Series::new("validation", baseline.val_curve.clone()),
        Series::points(
            "lowest validation loss (turning point)",
            vec![(baseline.best_step as f64, baseline.best_val_loss)],
        ),
        Series::points(
            "early stopping ends here, keeps the best",
            vec![(stopped.steps as f64, stopped.best_val_loss)],
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
pub fn remedies_chart(runs: &[RunSummary]) -> Result<Figure> {
    curves_chart("Remedies for overfitting: validation loss", runs, false)
}

/// [`lr_curves_chart`] of a sweep's outcomes.
pub fn lr_curves_figure(sweep: &[Outcome]) -> Result<Figure> {
    lr_curves_chart(&summaries(sweep))
}

/// [`lr_final_chart`] of a sweep's outcomes.
pub fn lr_final_figure(sweep: &[Outcome]) -> Result<Figure> {
    lr_final_chart(&summaries(sweep))
}

/// [`curves_chart`] of a sweep's outcomes.
pub fn curves_figure(title: &str, runs: &[Outcome], train: bool) -> Result<Figure> {
    curves_chart(title, &summaries(runs), train)
}

/// [`overfitting_chart`] of the baseline's and the early-stopped run's outcomes.
pub fn overfitting_figure(baseline: &Outcome, stopped: &Outcome) -> Result<Figure> {
    overfitting_chart(&RunSummary::from(baseline), &RunSummary::from(stopped))
}

/// [`remedies_chart`] of a sweep's outcomes.
pub fn remedies_figure(runs: &[Outcome]) -> Result<Figure> {
    remedies_chart(&summaries(runs))
}
