//! Every chart of chapter 4, drawn from its result alone ([`draw`]), so the book's figures can be drawn again
//! from `result.json`.

use super::Ch04Result;
use super::finetune::{DiversityPoint, SftRun};
use crate::plot::{self, Figure, Series};
use anyhow::Result;

/// Every chart of the chapter, as `(file name, figure)`, from the result alone.
pub fn draw(r: &Ch04Result) -> Result<Vec<(&'static str, Figure)>> {
    Ok(vec![
        ("sft_loss.svg", loss_figure(&r.runs)?),
        ("accuracy.svg", accuracy_figure(&r.runs)?),
        ("diversity.svg", diversity_figure(&r.diversity)?),
    ])
}

/// Training loss of every run, and the masked run's validation loss on the held-out people's answers.
pub fn loss_figure(runs: &[SftRun]) -> Result<Figure> {
    let mut series: Vec<Series> = runs
        .iter()
        .map(|r| Series::new(format!("{} · train", r.label), r.report.eval_curves().0))
        .collect();
    if let Some(main) = runs.first() {
        series.push(
            Series::new(
                format!("{} · held-out answers", main.label),
                main.report.eval_curves().1,
            )
            .dashed(),
        );
    }
    plot::line_chart(
        "Fine-tuning: the loss",
        "fine-tuning step",
        "cross-entropy (nats/token)",
        &series,
    )
}

/// Accuracy of every run on the fine-tuned and the held-out people.
pub fn accuracy_figure(runs: &[SftRun]) -> Result<Figure> {
    let labels: Vec<String> = runs.iter().map(|r| r.label.clone()).collect();
    plot::bar_chart(
        "Answer accuracy",
        "fraction of answers right",
        &labels,
        &[
            (
                "fine-tuned people".into(),
                runs.iter().map(|r| r.sft_people.accuracy).collect(),
            ),
            (
                "held-out people".into(),
                runs.iter().map(|r| r.held_out.accuracy).collect(),
            ),
        ],
    )
}

/// Held-out accuracy against pretraining diversity.
pub fn diversity_figure(points: &[DiversityPoint]) -> Result<Figure> {
    let curve =
        |f: fn(&DiversityPoint) -> f64| points.iter().map(|p| (p.diversity as f64, f(p))).collect();
    let mut held = Series::new("held-out people", curve(|p| p.held_out_accuracy));
    held.markers = points.len() < 3;
    let mut tuned = Series::new("fine-tuned people", curve(|p| p.sft_people_accuracy));
    tuned.markers = points.len() < 3;
    let mut recall = Series::new(
        "held-out, recalled before fine-tuning",
        curve(|p| p.pretrained_recall),
    )
    .dashed();
    recall.markers = points.len() < 3;
    plot::line_chart(
        "Knowledge extraction against pretraining diversity",
        "paraphrases per fact in pretraining",
        "fraction of facts right",
        &[tuned, held, recall],
    )
}
