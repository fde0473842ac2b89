//! Chapter 4's report.md.

use super::Ch04Result;
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
    let _ = writeln!(
        md,
        "| run | trainable parameters | answer loss | fine-tuned people | held-out people | exact match | stops | addition |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for run in &r.runs {
        let _ = writeln!(
            md,
            "| {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            run.label,
            run.trainable_params,
            run.answer_loss,
            run.sft_people.accuracy,
            run.held_out.accuracy,
            run.sft_people.exact_match,
            run.sft_people.stopped,
            run.arithmetic.accuracy
        );
    }
    let _ = writeln!(
        md,
        "\n## Knowledge extraction\n\n![diversity](diversity.svg)\n"
    );
    let _ = writeln!(
        md,
        "| diversity | fine-tuned people | held-out people | held-out, recalled before fine-tuning |\n|---:|---:|---:|---:|"
    );
    for p in &r.diversity {
        let _ = writeln!(
            md,
            "| {} | {:.3} | {:.3} | {:.3} |",
            p.diversity, p.sft_people_accuracy, p.held_out_accuracy, p.pretrained_recall
        );
    }
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
