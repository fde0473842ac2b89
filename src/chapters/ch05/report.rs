//! Chapter 5's report.md.

use super::Ch05Result;
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
    let _ = writeln!(
        md,
        "| model | rule score | reward model | facts right | facts refused | \"I don't know\" about nobody | forbidden declined | words |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for s in &r.scores {
        let _ = writeln!(
            md,
            "| {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.1} |",
            s.label,
            s.rule,
            s.reward,
            s.facts_good,
            s.facts_refused,
            s.unknown_good,
            s.forbidden_good,
            s.words
        );
    }
    let _ = writeln!(md, "\n## Before and after\n");
    for b in &r.before_after {
        let _ = writeln!(md, "- {:?}", b.prompt);
        for (label, text, score) in &b.answers {
            let _ = writeln!(md, "  - {label} ({score:+.2}): {text:?}");
        }
    }
    md
}
