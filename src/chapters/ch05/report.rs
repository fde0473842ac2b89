//! Chapter 5's report.md.

use super::Ch05Result;
use super::words::words;
use crate::chapters::fill;
use crate::markdown::Table;
use std::fmt::Write as _;

/// The report printed at the end and written as report.md, in the run's language.
pub fn report(r: &Ch05Result) -> String {
    let w = words(r.language);
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", w.title);
    let seconds = format!("{:.0}", r.seconds);
    let slots: [(&str, &dyn std::fmt::Display); 6] = [
        ("device", &r.device),
        ("train", &r.prompts.0),
        ("held_out", &r.prompts.1),
        ("train_pairs", &r.pairs.0),
        ("held_out_pairs", &r.pairs.1),
        ("seconds", &seconds),
    ];
    let _ = writeln!(md, "{}\n", fill(w.summary, &slots));
    let [stages_line, unit] = w.stages;
    let stages: Vec<String> = (r.stage_seconds.iter())
        .map(|(n, s)| format!("{n} {s:.0} {unit}"))
        .collect();
    let stages = stages.join(" · ");
    let _ = writeln!(md, "{}\n", fill(stages_line, &[("stages", &stages)]));
    let good = format!("{:.3}", r.sampled_good);
    let _ = writeln!(md, "{}\n", fill(w.sampled_good, &[("good", &good)]));
    let [pairs, chosen, rejected] = w.pairs;
    let _ = writeln!(md, "## {pairs}\n");
    for p in &r.example_pairs {
        let _ = writeln!(
            md,
            "- {:?}\n  - {chosen}{:?}\n  - {rejected}{:?}",
            p.prompt, p.chosen.text, p.rejected.text
        );
    }
    let (after, before) = (r.reward.final_val_accuracy, r.reward.initial_val_accuracy);
    let [after, before] = [after, before].map(|x| format!("{x:.3}"));
    let reward_line = fill(w.reward[1], &[("after", &after), ("before", &before)]);
    let _ = writeln!(
        md,
        "\n## {}\n\n![reward model](reward_model.svg)\n\n{reward_line}\n",
        w.reward[0]
    );
    let [policies, held_out, before_after] = w.sections;
    let _ = writeln!(
        md,
        "## {policies}\n\n![reward](ppo_reward.svg)\n\n![rule](ppo_rule.svg)\n\n![KL](ppo_kl.svg)\n\n![length](ppo_length.svg)\n\n![over-optimization](overoptimization.svg)\n\n![DPO](dpo.svg)\n"
    );
    let _ = writeln!(md, "## {held_out}\n\n![scores](scores.svg)\n");
    let mut table = Table::new(w.scores_header, "lrrrrrrr");
    for s in &r.scores {
        table.row([
            w.models.of(&s.label).to_string(),
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
    let _ = writeln!(md, "\n## {before_after}\n");
    for b in &r.before_after {
        let _ = writeln!(md, "- {:?}", b.prompt);
        for (label, text, score) in &b.answers {
            let _ = writeln!(md, "  - {} ({score:+.2}): {text:?}", w.models.of(label));
        }
    }
    md
}
