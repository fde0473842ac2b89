//! Every chart of chapter 2.

use crate::plot::{self, Figure, Series};
use crate::sweep::Outcome;
use crate::train::RunStatus;
use anyhow::Result;

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
