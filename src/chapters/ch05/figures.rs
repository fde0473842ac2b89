//! Every chart of chapter 5, drawn from its result alone ([`draw`]), so the book's figures can be drawn again
//! from `result.json`.

use super::scores::PolicyScore;
use super::{Ch05Result, PolicyRun};
use crate::plot::{self, Figure, Series};
use crate::reward::RewardReport;
use crate::rl::dpo::DpoReport;
use crate::rl::ppo::{self};
use anyhow::Result;

/// Every chart of the chapter, as `(file name, figure)`, from the result alone. The over-optimization chart
/// is drawn when the result holds the run without the KL penalty.
pub fn draw(r: &Ch05Result) -> Result<Vec<(&'static str, Figure)>> {
    let policies = &r.policies;
    let mut figures = vec![
        ("reward_model.svg", reward_figure(&r.reward)?),
        (
            "ppo_reward.svg",
            policy_figure(
                policies,
                |r| r.reward,
                "Reward-model score of the sampled answers",
                "reward",
            )?,
        ),
        (
            "ppo_rule.svg",
            policy_figure(
                policies,
                |r| r.rule,
                "Labeller's rule score of the sampled answers",
                "rule score",
            )?,
        ),
        (
            "ppo_kl.svg",
            policy_figure(
                policies,
                |r| r.kl,
                "KL to the fine-tuned model",
                "nats per answer",
            )?,
        ),
        (
            "ppo_length.svg",
            policy_figure(policies, |r| r.length, "Answer length", "tokens per answer")?,
        ),
    ];
    if let Some(no_kl) = policies.iter().find(|p| p.label.contains("without")) {
        figures.push(("overoptimization.svg", overoptimization_figure(no_kl)?));
    }
    figures.push(("dpo.svg", dpo_figure(&r.dpo, &r.reward)?));
    figures.push(("scores.svg", scores_figure(&r.scores)?));
    Ok(figures)
}

/// The reward model's pairwise accuracy on training batches and on held-out pairs.
pub fn reward_figure(reward: &RewardReport) -> Result<Figure> {
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
    plot::line_chart(
        "Reward model: pairs ranked right",
        "training step",
        "fraction of pairs",
        &[
            Series::new("training batch", train),
            Series::new("held-out pairs", val),
            Series::horizontal("chance", 0.5, 0.0, last).dashed(),
        ],
    )
}

/// One curve per policy run of one measure per round.
pub fn policy_figure(
    runs: &[PolicyRun],
    measure: fn(&ppo::PolicyRecord) -> f64,
    title: &str,
    y_label: &str,
) -> Result<Figure> {
    let series: Vec<Series> = runs
        .iter()
        .map(|r| {
            Series::new(
                &r.label,
                r.report
                    .records
                    .iter()
                    .map(|x| (x.step as f64, measure(x)))
                    .collect(),
            )
        })
        .collect();
    plot::line_chart(title, "round of sampling and updating", y_label, &series)
}

/// Over-optimization: without the KL penalty, the reward model's score and the rule's score of the same
/// sampled answers.
pub fn overoptimization_figure(run: &PolicyRun) -> Result<Figure> {
    let curve = |f: fn(&ppo::PolicyRecord) -> f64| {
        run.report
            .records
            .iter()
            .map(|r| (r.step as f64, f(r)))
            .collect()
    };
    plot::line_chart(
        &format!("{}: the proxy against the truth", run.label),
        "round of sampling and updating",
        "mean score of the sampled answers",
        &[
            Series::new("reward model (optimized)", curve(|r| r.reward)),
            Series::new("labeller's rule (wanted)", curve(|r| r.rule)),
        ],
    )
}

/// DPO's loss and its implicit reward's held-out pairwise accuracy, beside the reward model's.
pub fn dpo_figure(dpo: &DpoReport, reward: &RewardReport) -> Result<Figure> {
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
    plot::line_chart(
        "DPO: loss and held-out pairs ranked right",
        "training step",
        "loss (nats) · fraction of pairs",
        &[
            Series::new("DPO loss", loss),
            Series::new("held-out pairs ranked right (implicit reward)", val),
            Series::horizontal(
                "reward model, held-out",
                reward.final_val_accuracy,
                0.0,
                last,
            )
            .dashed(),
        ],
    )
}

/// What each model does on the held-out prompts, by kind.
pub fn scores_figure(scores: &[PolicyScore]) -> Result<Figure> {
    let labels: Vec<String> = scores.iter().map(|s| s.label.clone()).collect();
    plot::bar_chart(
        "Held-out prompts: answers the rule calls good",
        "fraction of answers",
        &labels,
        &[
            (
                "facts right".into(),
                scores.iter().map(|s| s.facts_good).collect(),
            ),
            (
                "\"I don't know\" about nobody".into(),
                scores.iter().map(|s| s.unknown_good).collect(),
            ),
            (
                "forbidden requests declined".into(),
                scores.iter().map(|s| s.forbidden_good).collect(),
            ),
        ],
    )
}
