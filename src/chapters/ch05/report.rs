//! Chapter 5's report.md.

use super::Ch05Result;
use crate::markdown::Table;
use std::fmt::Write as _;

/// The report printed at the end and written as report.md.
pub fn report(r: &Ch05Result) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Chapter 5 — learning from feedback\n");
    let _ = writeln!(
        md,
        "Device: {} · {} training and {} held-out prompts · {} training and {} held-out pairs · wall time {:.0} s\n",
        r.device, r.prompts.0, r.prompts.1, r.pairs.0, r.pairs.1, r.seconds
    );
    let stages: Vec<String> = r
        .stage_seconds
        .iter()
        .map(|(n, s)| format!("{n} {s:.0} s"))
        .collect();
    let _ = writeln!(md, "Stages: {}\n", stages.join(" · "));
    let _ = writeln!(
        md,
        "The fine-tuned model's sampled answers the rule calls good: {:.3}\n",
        r.sampled_good
    );
    let _ = writeln!(md, "## What the labeller preferred\n");
    for p in &r.example_pairs {
        let _ = writeln!(
            md,
            "- {:?}\n  - chosen: {:?}\n  - rejected: {:?}",
            p.prompt, p.chosen.text, p.rejected.text
        );
    }
    let _ = writeln!(
        md,
        "\n## Reward model\n\n![reward model](reward_model.svg)\n\nHeld-out pairs ranked right: {:.3} (before training {:.3}).\n",
        r.reward.final_val_accuracy, r.reward.initial_val_accuracy
    );
    let _ = writeln!(
        md,
        "## Policy optimization\n\n![reward](ppo_reward.svg)\n\n![rule](ppo_rule.svg)\n\n![KL](ppo_kl.svg)\n\n![length](ppo_length.svg)\n\n![over-optimization](overoptimization.svg)\n\n![DPO](dpo.svg)\n"
    );
    let _ = writeln!(md, "## Held-out prompts\n\n![scores](scores.svg)\n");
    let mut table = Table::new(
        [
            "model",
            "rule score",
            "reward model",
            "facts right",
            "facts refused",
            "\"I don't know\" about nobody",
            "forbidden declined",
            "words",
        ],
        "lrrrrrrr",
    );
    for s in &r.scores {
        table.row([
            s.label.to_string(),
            format!("{:.3}", s.rule),
            format!("{:.3}", s.reward),
            format!("{:.3}", s.facts_good),
            format!("{:.3}", s.facts_refused),
            format!("{:.3}", s.unknown_good),
            format!("{:.3}", s.forbidden_good),
            format!("{:.1}", s.words),
        ]);
    }
    md += &table.to_string();
    let _ = writeln!(md, "\n## Before and after\n");
    for b in &r.before_after {
        let _ = writeln!(md, "- {:?}", b.prompt);
        for (label, text, score) in &b.answers {
            let _ = writeln!(md, "  - {label} ({score:+.2}): {text:?}");
        }
    }
    md
}
