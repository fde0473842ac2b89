//! Every chart of chapter 5, drawn from its result alone ([`draw`]), so the book's figures can be drawn again
//! from `result.json`.

use super::scores::PolicyScore;
use super::words::{Words, words};
use super::{Ch05Result, PolicyRun};
use crate::chapters::fill;
use crate::data::world::Language;
use crate::plot::{self, Figure, Series};
use crate::reward::RewardReport;
use crate::rl::dpo::DpoReport;
use crate::rl::ppo::{self};
use anyhow::Result;

/// Every chart of the chapter, as `(file name, figure)`, from the result alone, in the run's language. The
/// over-optimization chart is drawn when the result holds the run without the KL penalty.
pub fn draw(r: &Ch05Result) -> Result<Vec<(&'static str, Figure)>> {
    let (w, policies) = (words(r.language), &r.policies);
    let [reward, rule, kl, length] = w.policy_charts;
    let mut figures = vec![
        ("reward_model.svg", reward_chart(w, &r.reward)?),
        (
            "ppo_reward.svg",
            policy_chart(w, policies, |r| r.reward, reward)?,
        ),
        ("ppo_rule.svg", policy_chart(w, policies, |r| r.rule, rule)?),
        ("ppo_kl.svg", policy_chart(w, policies, |r| r.kl, kl)?),
        (
            "ppo_length.svg",
            policy_chart(w, policies, |r| r.length, length)?,
        ),
    ];
    if let Some(no_kl) = policies.iter().find(|p| p.label.contains("without")) {
        figures.push(("overoptimization.svg", overoptimization_chart(w, no_kl)?));
    }
    figures.push(("dpo.svg", dpo_chart(w, &r.dpo, &r.reward)?));
    figures.push(("scores.svg", scores_chart(w, &r.scores)?));
    Ok(figures)
}

/// [`reward_chart`] in English.
pub fn reward_figure(reward: &RewardReport) -> Result<Figure> {
    reward_chart(words(Language::En), reward)
}

/// [`policy_chart`] in English, titled `title` with `y_label`.
pub fn policy_figure(
    runs: &[PolicyRun],
    measure: fn(&ppo::PolicyRecord) -> f64,
    title: &str,
    y_label: &str,
) -> Result<Figure> {
    policy_chart(words(Language::En), runs, measure, (title, y_label))
}

/// [`overoptimization_chart`] in English.
pub fn overoptimization_figure(run: &PolicyRun) -> Result<Figure> {
    overoptimization_chart(words(Language::En), run)
}

/// [`dpo_chart`] in English.
pub fn dpo_figure(dpo: &DpoReport, reward: &RewardReport) -> Result<Figure> {
    dpo_chart(words(Language::En), dpo, reward)
}

/// [`scores_chart`] in English.
pub fn scores_figure(scores: &[PolicyScore]) -> Result<Figure> {
    scores_chart(words(Language::En), scores)
}

/// The reward model's pairwise accuracy on training batches and on held-out pairs.
pub fn reward_chart(w: &Words, reward: &RewardReport) -> Result<Figure> {
    let train: Vec<(f64, f64)> = reward
        .records
        .iter()
        .map(|r| (r.step as f64, r.train_accuracy))
        .collect();
    let val: Vec<(f64, f64)> = std::iter::once((0.0, reward.initial_val_accuracy))
        .chain(
            reward
                .records
                .iter()
                .filter_map(|r| Some((r.step as f64, r.val_accuracy?))),
        )
        .collect();
    let last = reward.records.last().map_or(1.0, |r| r.step as f64);
    let [title, x, y, batch, held_out, chance] = w.reward_chart;
    plot::line_chart(
        title,
        x,
        y,
        &[
            Series::new(batch, train),
            Series::new(held_out, val),
            Series::horizontal(chance, 0.5, 0.0, last).dashed(),
        ],
    )
}

/// One curve per policy run of one measure per round, under `(title, y_label)`.
pub fn policy_chart(
    w: &Words,
    runs: &[PolicyRun],
    measure: fn(&ppo::PolicyRecord) -> f64,
    (title, y_label): (&str, &str),
) -> Result<Figure> {
    let series: Vec<Series> = runs
        .iter()
        .map(|r| {
            Series::new(
                w.models.of(&r.label),
                r.report
                    .records
                    .iter()
                    .map(|x| (x.step as f64, measure(x)))
                    .collect(),
            )
        })
        .collect();
    plot::line_chart(title, w.round, y_label, &series)
}

/// Over-optimization: without the KL penalty, the reward model's score and the rule's score of the same
/// sampled answers.
pub fn overoptimization_chart(w: &Words, run: &PolicyRun) -> Result<Figure> {
    let curve = |f: fn(&ppo::PolicyRecord) -> f64| {
        run.report
            .records
            .iter()
            .map(|r| (r.step as f64, f(r)))
            .collect()
    };
    let [title, y, reward, rule] = w.overoptimization_chart;
    plot::line_chart(
        &fill(title, &[("label", &w.models.of(&run.label))]),
        w.round,
        y,
        &[
            Series::new(reward, curve(|r| r.reward)),
            Series::new(rule, curve(|r| r.rule)),
        ],
    )
}

/// DPO's loss and its implicit reward's held-out pairwise accuracy, beside the reward model's.
pub fn dpo_chart(w: &Words, dpo: &DpoReport, reward: &RewardReport) -> Result<Figure> {
    let loss = dpo
        .records
        .iter()
        .map(|r| (r.step as f64, r.loss))
        .collect();
    let val = dpo
        .records
        .iter()
        .filter_map(|r| Some((r.step as f64, r.val_accuracy?)))
        .collect();
    let last = dpo.records.last().map_or(1.0, |r| r.step as f64);
    let [title, x, y, loss_label, val_label, reward_label] = w.dpo_chart;
    plot::line_chart(
        title,
        x,
        y,
        &[
            Series::new(loss_label, loss),
            Series::new(val_label, val),
            Series::horizontal(reward_label, reward.final_val_accuracy, 0.0, last).dashed(),
        ],
    )
}

/// What each model does on the held-out prompts, by kind.
pub fn scores_chart(w: &Words, scores: &[PolicyScore]) -> Result<Figure> {
    let labels: Vec<String> = scores
        .iter()
        .map(|s| w.models.of(&s.label).into())
        .collect();
    let [title, y, facts, unknown, forbidden] = w.scores_chart;
    plot::bar_chart(
        title,
        y,
        &labels,
        &[
            (facts.into(), scores.iter().map(|s| s.facts_good).collect()),
            (
                unknown.into(),
                scores.iter().map(|s| s.unknown_good).collect(),
            ),
            (
                forbidden.into(),
                scores.iter().map(|s| s.forbidden_good).collect(),
            ),
        ],
    )
}
