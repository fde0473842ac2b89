//! Chapter 4's report.md.

use super::Ch04Result;
use crate::markdown::Table;
use std::fmt::Write as _;

/// The report printed at the end and written as report.md.
pub fn report(r: &Ch04Result) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Chapter 4 — supervised fine-tuning\n");
    let _ = writeln!(
        md,
        "Device: {} · {} fine-tuning examples · wall time {:.0} s\n",
        r.device, r.train_examples, r.seconds
    );
    let shown: String = r
        .mask_example
        .iter()
        .map(|t| {
            if t.learned {
                format!("⟦{}⟧", t.piece)
            } else {
                t.piece.clone()
            }
        })
        .collect();
    let _ = writeln!(
        md,
        "The loss counts only the ⟦marked⟧ tokens:\n\n    {shown}\n"
    );
    let _ = writeln!(md, "![loss](sft_loss.svg)\n\n![accuracy](accuracy.svg)\n");
    let f3 = |x: f64| format!("{x:.3}");
    let mut runs = Table::new(
        [
            "run",
            "trainable parameters",
            "answer loss",
            "fine-tuned people",
            "held-out people",
            "exact match",
            "stops",
            "addition",
        ],
        "lrrrrrrr",
    );
    for run in &r.runs {
        runs.row([
            run.label.clone(),
            run.trainable_params.to_string(),
            f3(run.answer_loss),
            f3(run.sft_people.accuracy),
            f3(run.held_out.accuracy),
            f3(run.sft_people.exact_match),
            f3(run.sft_people.stopped),
            f3(run.arithmetic.accuracy),
        ]);
    }
    md += &runs.to_string();
    let _ = writeln!(
        md,
        "\n## Knowledge extraction\n\n![diversity](diversity.svg)\n"
    );
    let mut diversity = Table::new(
        [
            "diversity",
            "fine-tuned people",
            "held-out people",
            "held-out, recalled before fine-tuning",
        ],
        "rrrr",
    );
    for p in &r.diversity {
        diversity.row([
            p.diversity.to_string(),
            f3(p.sft_people_accuracy),
            f3(p.held_out_accuracy),
            f3(p.pretrained_recall),
        ]);
    }
    md += &diversity.to_string();
    let _ = writeln!(md, "\n## Before and after\n");
    for b in r.before_after.iter().chain(&r.unknown) {
        let _ = writeln!(
            md,
            "- ({}) {:?}\n  - pretrained: {:?}\n  - fine-tuned: {:?}{}",
            b.about,
            b.question,
            b.pretrained,
            b.finetuned,
            if b.stopped { "" } else { " (did not stop)" }
        );
    }
    let _ = writeln!(
        md,
        "\nAbout people who do not exist, {:.0}% of the answers invent a fact.",
        100.0 * r.invented
    );
    let _ = writeln!(
        md,
        "\nFine-tuned checkpoint: {}",
        r.finetuned_checkpoint.display()
    );
    md
}
