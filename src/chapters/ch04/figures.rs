//! Every chart of chapter 4, drawn from its result alone ([`draw`]), so the book's figures can be drawn again
//! from `result.json`.

use super::Ch04Result;
use super::finetune::{DiversityPoint, SftRun};
use super::words::{Words, words};
use crate::chapters::fill;
use crate::data::world::Language;
use crate::plot::{self, Figure, Series};
use anyhow::Result;

/// Every chart of the chapter, as `(file name, figure)`, from the result alone, in the run's language.
pub fn draw(r: &Ch04Result) -> Result<Vec<(&'static str, Figure)>> {
    let w = words(r.language);
    Ok(vec![
        ("sft_loss.svg", loss_chart(w, &r.runs)?),
        ("accuracy.svg", accuracy_chart(w, &r.runs)?),
        ("diversity.svg", diversity_chart(w, &r.diversity)?),
    ])
}

/// [`loss_chart`] in English.
pub fn loss_figure(runs: &[SftRun]) -> Result<Figure> {
    loss_chart(words(Language::En), runs)
}

/// [`accuracy_chart`] in English.
pub fn accuracy_figure(runs: &[SftRun]) -> Result<Figure> {
    accuracy_chart(words(Language::En), runs)
}

/// [`diversity_chart`] in English.
pub fn diversity_figure(points: &[DiversityPoint]) -> Result<Figure> {
    diversity_chart(words(Language::En), points)
}

/// Training loss of every run, and the masked run's validation loss on the held-out people's answers.
pub fn loss_chart(w: &Words, runs: &[SftRun]) -> Result<Figure> {
    let [title, x, y, train, held_out] = w.loss_chart;
    let curve = |template, label: &String| fill(template, &[("label", label)]);
    let mut series: Vec<Series> = runs
        .iter()
        .map(|r| Series::new(curve(train, &r.label), r.report.eval_curves().0))
        .collect();
    if let Some(main) = runs.first() {
        series
            .push(Series::new(curve(held_out, &main.label), main.report.eval_curves().1).dashed());
    }
    plot::line_chart(title, x, y, &series)
}

/// Accuracy of every run on the fine-tuned and the held-out people.
pub fn accuracy_chart(w: &Words, runs: &[SftRun]) -> Result<Figure> {
    let labels: Vec<String> = runs.iter().map(|r| r.label.clone()).collect();
    let [title, y] = w.accuracy_chart;
    plot::bar_chart(
        title,
        y,
        &labels,
        &[
            (
                w.groups[0].into(),
                runs.iter().map(|r| r.sft_people.accuracy).collect(),
            ),
            (
                w.groups[1].into(),
                runs.iter().map(|r| r.held_out.accuracy).collect(),
            ),
        ],
    )
}

/// Held-out accuracy against pretraining diversity.
pub fn diversity_chart(w: &Words, points: &[DiversityPoint]) -> Result<Figure> {
    let curve =
        |f: fn(&DiversityPoint) -> f64| points.iter().map(|p| (p.diversity as f64, f(p))).collect();
    let mut held = Series::new(w.groups[1], curve(|p| p.held_out_accuracy));
    held.markers = points.len() < 3;
    let mut tuned = Series::new(w.groups[0], curve(|p| p.sft_people_accuracy));
    tuned.markers = points.len() < 3;
    let mut recall = Series::new(w.groups[2], curve(|p| p.pretrained_recall)).dashed();
    recall.markers = points.len() < 3;
    let [title, x, y] = w.diversity_chart;
    plot::line_chart(title, x, y, &[tuned, held, recall])
}
