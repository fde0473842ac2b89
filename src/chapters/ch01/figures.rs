//! Every chart of chapter 1, drawn from its result alone ([`draw`]), so the book's figures can be drawn again
//! from `result.json`.

use super::words::{Words, words};
use super::{Ch01Result, LossCurves, NextTokenDistribution};
use crate::chapters::fill;
use crate::data::world::Language;
use crate::plot::{self, Figure, Series};
use crate::train::TrainReport;
use anyhow::Result;

/// Every chart of the chapter, as `(file name, figure)`, from the result alone, labelled in the run's language.
pub fn draw(r: &Ch01Result) -> Result<Vec<(&'static str, Figure)>> {
    let w = words(r.language);
    Ok(vec![
        (
            "loss.svg",
            loss_chart(w, &r.bigram.curves, &r.gpt.curves, r.uniform_loss)?,
        ),
        (
            "next_token.svg",
            next_token_chart(w, &r.prompt, &r.next_token)?,
        ),
    ])
}

/// [`loss_chart`] in English.
pub fn loss_curves_figure(
    bigram: &LossCurves,
    gpt: &LossCurves,
    uniform_loss: f64,
) -> Result<Figure> {
    loss_chart(words(Language::En), bigram, gpt, uniform_loss)
}

// ANCHOR: loss_figure
/// Both models' train and validation loss against steps, with the uniform guess `ln V` as a dashed line;
/// the words `w` in the run's language ("bigram · train", "uniform guess ln V", …).
pub fn loss_chart(
    w: &Words,
    bigram: &LossCurves,
    gpt: &LossCurves,
    uniform_loss: f64,
) -> Result<Figure> {
    let last_step = bigram.steps.max(gpt.steps) as f64;
    let series = vec![
        Series::new(w.curves[0], bigram.train.clone()),
        Series::new(w.curves[1], bigram.val.clone()),
        Series::new(w.curves[2], gpt.train.clone()),
        Series::new(w.curves[3], gpt.val.clone()),
        Series::horizontal(w.uniform, uniform_loss, 0.0, last_step),
    ];
    plot::line_chart(w.loss_title, w.step, w.loss_axis, &series)
}
// ANCHOR_END: loss_figure

/// [`loss_curves_figure`] straight from the two training reports.
pub fn loss_figure(bigram: &TrainReport, gpt: &TrainReport, uniform_loss: f64) -> Result<Figure> {
    loss_curves_figure(&bigram.into(), &gpt.into(), uniform_loss)
}
/// Bar chart of [`next_token_distributions`], in English.
pub fn next_token_figure(prompt: &str, dists: &[NextTokenDistribution]) -> Result<Figure> {
    next_token_chart(words(Language::En), prompt, dists)
}

/// Bar chart of [`next_token_distributions`], labelled with `w`.
pub fn next_token_chart(
    w: &Words,
    prompt: &str,
    dists: &[NextTokenDistribution],
) -> Result<Figure> {
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
        &fill(w.next_token, &[("prompt", &prompt)]),
        w.probability,
        &categories,
        &series,
    )
}
