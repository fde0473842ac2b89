//! Every chart of chapter 6, drawn from its result alone ([`draw`]), so the book's figures can be drawn again
//! from `result.json`, in the run's language. The induction charts, drawn from the induction experiment
//! alone, have an English `*_figure` and a `*_chart` in given words.

use super::Ch06Result;
use super::abilities::{Abilities, Scores};
use super::induction::{InductionPoint, InductionResult};
use super::ladder::{Rung, SizeRun};
use super::words::{Words, words};
use crate::chapters::fill;
use crate::data::skills::Format;
use crate::data::world::Language;
use crate::eval::PowerLaw;
use crate::plot::{self, Figure, Series};
use anyhow::{Result, bail};

/// Every chart of the chapter, as `(file name, figure)`, from the result alone.
pub fn draw(r: &Ch06Result) -> Result<Vec<(&'static str, Figure)>> {
    let w = words(r.language);
    Ok(vec![
        ("scaling_params.svg", scaling_params_figure(r)?),
        ("scaling_compute.svg", scaling_compute_figure(r)?),
        ("icl_shots.svg", icl_figure(r)?),
        ("cot_digits.svg", cot_figure(r)?),
        ("mirage_exact.svg", mirage_figure(r, Metric::Exact)?),
        ("mirage_partial.svg", mirage_figure(r, Metric::Partial)?),
        ("instructions.svg", instructions_figure(r)?),
        ("induction_loss.svg", induction_loss_chart(w, &r.induction)?),
        (
            "induction_scores.svg",
            induction_scores_chart(w, &r.induction)?,
        ),
        ("induction_head.svg", induction_head_chart(w, &r.induction)?),
    ]
    .into_iter()
    .chain(super::data_scale::draw(&r.data_scale)?)
    .collect())
}

/// The ladder's points `(x, y)`, one per size.
fn ladder(r: &Ch06Result, x: fn(&SizeRun) -> f64, y: impl Fn(&Rung) -> f64) -> Vec<(f64, f64)> {
    r.rungs.iter().map(|g| (x(&g.run), y(g))).collect()
}

/// A fitted power law drawn over the range of `xs`, named `label` and its formula in `w`'s words.
fn law_series(w: &Words, label: &str, law: Option<PowerLaw>, xs: &[f64]) -> Option<Series> {
    let law = law?;
    let (lo, hi) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    let points = (0..=20)
        .map(|k| lo * (hi / lo).powf(f64::from(k) / 20.0))
        .map(|x| (x, law.at(x)))
        .collect();
    let formula = format!("L = {:.2} · x^{:.3} (R² {:.2})", law.a, law.k, law.r2);
    let slots: [(&str, &dyn std::fmt::Display); 2] = [("label", &label), ("law", &formula)];
    Some(Series::new(fill(w.law, &slots), points).dashed())
}

/// Final validation loss against non-embedding parameters, log–log, with the fitted power law.
pub fn scaling_params_figure(r: &Ch06Result) -> Result<Figure> {
    let w = words(r.language);
    let [sizes, fit, _] = w.scaling_series;
    let [title, _, x, _, y] = w.scaling_charts;
    let points = ladder(r, |s| s.non_embedding_params, |g| g.run.val_loss);
    let xs: Vec<f64> = points.iter().map(|p| p.0).collect();
    let mut series = vec![Series::points(sizes, points)];
    series.extend(law_series(w, fit, r.scaling.loss_vs_params, &xs));
    plot::log_log_chart(title, x, y, &series)
}

/// Every size's validation curve against training compute, log–log, with the power law through the
/// final points.
pub fn scaling_compute_figure(r: &Ch06Result) -> Result<Figure> {
    let mut series: Vec<Series> = (r.rungs.iter())
        .map(|g| {
            let points = (g.run.curve.iter())
                .filter(|p| p.step > 0)
                .map(|p| (p.flops, p.val_loss))
                .collect();
            Series::new(
                format!(
                    "{} ({})",
                    g.run.size.label,
                    count(g.run.non_embedding_params)
                ),
                points,
            )
        })
        .collect();
    let w = words(r.language);
    let [_, title, _, x, y] = w.scaling_charts;
    let xs: Vec<f64> = r.rungs.iter().map(|g| g.run.flops).collect();
    series.extend(law_series(
        w,
        w.scaling_series[2],
        r.scaling.loss_vs_compute,
        &xs,
    ));
    plot::log_log_chart(title, x, y, &series)
}

/// `12.3k`, `786k`, `1.2M`.
pub(super) fn count(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.0}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// Code accuracy against the number of examples, one line per size, beside an ideal reader's share of
/// letters the examples showed.
pub fn icl_figure(r: &Ch06Result) -> Result<Figure> {
    let w = words(r.language);
    let mut series: Vec<Series> = (r.rungs.iter())
        .map(|g| {
            let points = g
                .abilities
                .code
                .iter()
                .map(|c| (c.shots as f64, c.scores.exact))
                .collect();
            Series::new(g.run.size.label.clone(), points)
        })
        .collect();
    if let Some(g) = r.rungs.first() {
        let ideal = (g.abilities.code.iter())
            .map(|c| (c.shots as f64, c.ideal))
            .collect();
        series.push(Series::new(w.code[1], ideal).dashed());
    }
    let [title, x, y] = w.icl_chart;
    plot::line_chart(title, x, y, &series)
}

/// Exact-match accuracy of addition against digit count, worked (solid) and direct (dashed), per size.
pub fn cot_figure(r: &Ch06Result) -> Result<Figure> {
    let w = words(r.language);
    let mut series = Vec::new();
    for (i, g) in r.rungs.iter().enumerate() {
        for format in Format::ALL {
            let points = (g.abilities.addition.iter())
                .filter(|a| a.format == format)
                .map(|a| (f64::from(a.digits), a.scores.exact))
                .collect();
            let s = Series::new(
                format!("{} · {}", g.run.size.label, w.legend(format)),
                points,
            )
            .colored(i);
            series.push(if format == Format::Direct {
                s.dashed()
            } else {
                s
            });
        }
    }
    let [title, x, y] = w.cot_chart;
    let title = fill(title, &[("max_digits", &r.max_digits)]);
    plot::line_chart(&title, x, y, &series)
}

/// Which kind of score a mirage chart shows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// All or nothing.
    Exact,
    /// By edits: one wrong character of five scores 0.8.
    Partial,
}

/// The tasks the mirage charts follow across sizes, with one size's scores on each: worked sums one digit
/// short of the longest trained and at the longest, and the instructed and held-out operations; named in
/// `w`'s words.
pub fn mirage_tasks(w: &Words, max_digits: u32, a: &Abilities) -> Vec<(String, Scores)> {
    let d = max_digits;
    let [sums_label, instructed, held_out] = w.mirage_tasks;
    let sums = |digits: u32| {
        let scores = a.addition_at(Format::Worked, digits).map(|s| s.scores);
        (
            fill(sums_label, &[("digits", &digits)]),
            scores.unwrap_or_default(),
        )
    };
    vec![
        sums(d.saturating_sub(1).max(1)),
        sums(d),
        (instructed.into(), a.instructions(true)),
        (held_out.into(), a.instructions(false)),
    ]
}

/// Each of [`mirage_tasks`] against model size (x: log₁₀ of non-embedding parameters), scored exactly or
/// with partial credit: the two charts of the mirage question, drawn from the same answers.
pub fn mirage_figure(r: &Ch06Result, metric: Metric) -> Result<Figure> {
    let w = words(r.language);
    let pick = |s: &Scores| match metric {
        Metric::Exact => s.exact,
        Metric::Partial => s.edit,
    };
    let per_size: Vec<(f64, Vec<(String, Scores)>)> = (r.rungs.iter())
        .map(|g| {
            (
                g.run.non_embedding_params.log10(),
                mirage_tasks(w, r.max_digits, &g.abilities),
            )
        })
        .collect();
    let labels: Vec<String> = per_size.first().map_or_else(Vec::new, |(_, t)| {
        t.iter().map(|(label, _)| label.clone()).collect()
    });
    let series: Vec<Series> = (labels.into_iter().enumerate())
        .map(|(i, label)| {
            let points = per_size
                .iter()
                .map(|(x, tasks)| (*x, pick(&tasks[i].1)))
                .collect();
            Series::new(label, points)
        })
        .collect();
    let (title, y) = match metric {
        Metric::Exact => w.mirage_charts[0],
        Metric::Partial => w.mirage_charts[1],
    };
    plot::line_chart(title, w.log_params, y, &series)
}

/// Instructions for trained and held-out operations, and the held-out operations in prose, against size.
pub fn instructions_figure(r: &Ch06Result) -> Result<Figure> {
    let w = words(r.language);
    let [title, instructed, as_instructions, in_prose] = w.instructions_chart;
    let x = |s: &SizeRun| s.non_embedding_params.log10();
    let series = vec![
        Series::new(
            instructed,
            ladder(r, x, |g| g.abilities.instructions(true).exact),
        ),
        Series::new(
            as_instructions,
            ladder(r, x, |g| g.abilities.instructions(false).exact),
        ),
        Series::new(
            in_prose,
            ladder(r, x, |g| g.abilities.held_out_prose().exact),
        )
        .dashed(),
    ];
    plot::line_chart(title, w.log_params, w.exact_answers, &series)
}

/// [`induction_loss_chart`] in English.
pub fn induction_loss_figure(r: &InductionResult) -> Result<Figure> {
    induction_loss_chart(words(Language::En), r)
}

/// The probe's copy losses through training.
pub fn induction_loss_chart(w: &Words, r: &InductionResult) -> Result<Figure> {
    let curve =
        |f: fn(&InductionPoint) -> f64| r.curve.iter().map(|p| (p.step as f64, f(p))).collect();
    let [title, y, first, second] = w.induction_loss_chart;
    plot::line_chart(
        title,
        w.step,
        y,
        &[
            Series::new(first, curve(|p| p.first_copy_loss)),
            Series::new(second, curve(|p| p.second_copy_loss)),
        ],
    )
}

/// [`induction_scores_chart`] in English.
pub fn induction_scores_figure(r: &InductionResult) -> Result<Figure> {
    induction_scores_chart(words(Language::En), r)
}

/// Every head's induction score through training.
pub fn induction_scores_chart(w: &Words, r: &InductionResult) -> Result<Figure> {
    let [title, y, head_label] = w.induction_scores_chart;
    let Some(last) = r.curve.last() else {
        bail!("the induction curve is empty");
    };
    let mut series = Vec::new();
    for (l, row) in last.scores.iter().enumerate() {
        for h in 0..row.len() {
            let points = r
                .curve
                .iter()
                .map(|p| (p.step as f64, p.scores[l][h]))
                .collect();
            let label = fill(head_label, &[("layer", &l), ("head", &h)]);
            let s = Series::new(label, points);
            series.push(if l == 0 { s.dashed() } else { s });
        }
    }
    plot::line_chart(title, w.step, y, &series)
}

/// A one-character label for token id `t` (a–z, A–Z, 0–9, then `#`), so that a sequence's labels fit
/// under a heat map.
fn token_symbol(t: i64) -> String {
    const SYMBOLS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let symbol = usize::try_from(t).ok().and_then(|i| SYMBOLS.chars().nth(i));
    symbol.unwrap_or('#').to_string()
}

/// [`induction_head_chart`] in English.
pub fn induction_head_figure(r: &InductionResult) -> Result<Figure> {
    induction_head_chart(words(Language::En), r)
}

/// The previous-token head and the induction head on one repeated sequence.
pub fn induction_head_chart(w: &Words, r: &InductionResult) -> Result<Figure> {
    let tokens: Vec<String> = r.tokens.iter().map(|&t| token_symbol(t)).collect();
    let (l, h) = r.best_head;
    let [title, previous, induction] = w.induction_head_chart;
    let previous = fill(previous, &[("head", &r.previous_token_head.0)]);
    let induction = fill(induction, &[("layer", &l), ("head", &h)]);
    plot::heatmaps(
        title,
        &tokens,
        &[
            (previous, r.previous_map.clone()),
            (induction, r.induction_map.clone()),
        ],
    )
}
