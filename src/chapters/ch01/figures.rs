//! Every chart of chapter 1, drawn from its result alone ([`draw`]), so the book's figures can be drawn again
//! from `result.json`.

use super::{Ch01Result, LossCurves, NextTokenDistribution};
use crate::plot::{self, Figure, Series};
use crate::train::TrainReport;
use anyhow::Result;

/// Every chart of the chapter, as `(file name, figure)`, from the result alone.
pub fn draw(r: &Ch01Result) -> Result<Vec<(&'static str, Figure)>> {
    Ok(vec![
        (
            "loss.svg",
            loss_curves_figure(&r.bigram.curves, &r.gpt.curves, r.uniform_loss)?,
        ),
        (
            "next_token.svg",
            next_token_figure(&r.prompt, &r.next_token)?,
        ),
    ])
}

// ANCHOR: loss_figure
/// Both models' train and validation loss against steps, with the uniform guess `ln V` as a dashed line.
pub fn loss_curves_figure(
    bigram: &LossCurves,
    gpt: &LossCurves,
    uniform_loss: f64,
) -> Result<Figure> {
    let last_step = bigram.steps.max(gpt.steps) as f64;
    let series = vec![
        Series::new("bigram · train", bigram.train.clone()),
        Series::new("bigram · validation", bigram.val.clone()),
        Series::new("GPT · train", gpt.train.clone()),
        Series::new("GPT · validation", gpt.val.clone()),
        Series::horizontal("uniform guess ln V", uniform_loss, 0.0, last_step),
    ];
    plot::line_chart(
        "Learning to continue text",
        "training step",
        "cross-entropy (nats/token)",
        &series,
    )
}
// ANCHOR_END: loss_figure

/// [`loss_curves_figure`] straight from the two training reports.
pub fn loss_figure(bigram: &TrainReport, gpt: &TrainReport, uniform_loss: f64) -> Result<Figure> {
    loss_curves_figure(&bigram.into(), &gpt.into(), uniform_loss)
}
/// Bar chart of [`next_token_distributions`].
pub fn next_token_figure(prompt: &str, dists: &[NextTokenDistribution]) -> Result<Figure> {
    let categories: Vec<String> = dists
        .first()
        .map(|d| d.tokens.iter().map(|(t, _)| plot::token_label(t)).collect())
        .unwrap_or_default();
    let series: Vec<(String, Vec<f64>)> = dists
        .iter()
        .map(|d| {
            (
                format!("T = {}", d.temperature),
                d.tokens.iter().map(|(_, p)| *p).collect(),
            )
        })
        .collect();
    plot::bar_chart(
        &format!("Next token after \"{prompt}\""),
        "probability",
        &categories,
        &series,
    )
}
