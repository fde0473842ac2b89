//! Chapter 4's report.md.

use super::Ch04Result;
use super::words::words;
use crate::chapters::fill;
use crate::markdown::Table;
use std::fmt::Write as _;

/// The report printed at the end and written as report.md, in the run's language.
pub fn report(r: &Ch04Result) -> String {
    let w = words(r.language);
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", w.title);
    let seconds = format!("{:.0}", r.seconds);
    let slots: [(&str, &dyn std::fmt::Display); 3] = [
        ("device", &r.device),
        ("examples", &r.train_examples),
        ("seconds", &seconds),
    ];
    let _ = writeln!(md, "{}\n", fill(w.summary, &slots));
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
    let _ = writeln!(md, "{}\n\n    {shown}\n", w.mask);
    let _ = writeln!(md, "![loss](sft_loss.svg)\n\n![accuracy](accuracy.svg)\n");
    let f3 = |x: f64| format!("{x:.3}");
    let mut runs = Table::new(w.runs_header, "lrrrrrrr");
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
    let _ = writeln!(md, "\n## {}\n\n![diversity](diversity.svg)\n", w.knowledge);
    let mut diversity = Table::new(w.diversity_header, "rrrr");
    for p in &r.diversity {
        diversity.row([
            p.diversity.to_string(),
            f3(p.sft_people_accuracy),
            f3(p.held_out_accuracy),
            f3(p.pretrained_recall),
        ]);
    }
    md += &diversity.to_string();
    let _ = writeln!(md, "\n## {}\n", w.before_after);
    let [pretrained, finetuned, cut_off] = w.answers;
    for b in r.before_after.iter().chain(&r.unknown) {
        let _ = writeln!(
            md,
            "- ({}) {:?}\n  - {pretrained}: {:?}\n  - {finetuned}: {:?}{}",
            b.about,
            b.question,
            b.pretrained,
            b.finetuned,
            if b.stopped { "" } else { cut_off }
        );
    }
    let percent = format!("{:.0}", 100.0 * r.invented);
    let _ = writeln!(md, "\n{}", fill(w.invented, &[("percent", &percent)]));
    md += &super::style::report(w, &r.style);
    let path = r.finetuned_checkpoint.display();
    let _ = writeln!(md, "\n{}", fill(w.checkpoint, &[("path", &path)]));
    md
}
