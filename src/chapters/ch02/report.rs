//! Chapter 2's report.md.

use super::Ch02Result;
use std::fmt::Write as _;

/// The run's report.md.
pub fn report(r: &Ch02Result) -> String {
    let mut md = format!(
        "# Chapter 2 — optimization and overfitting\n\nDevice: {} · vocabulary {} · wall time {:.0} s\n\n",
        r.device, r.vocab_size, r.seconds
    );
    let _ = writeln!(
        md,
        "## Part 1: when training fails\n\n![learning-rate sweep](lr_curves.svg)\n\n![final loss against learning rate](lr_final.svg)\n\n![SGD and AdamW](optimizers.svg)\n\n![schedules](schedules.svg)\n"
    );
    let _ = writeln!(
        md,
        "## Part 2: when testing fails\n\nSmall training set: {} characters; held-out text about the same people: {} characters.\n",
        r.small_set_chars.0, r.small_set_chars.1
    );
    let _ = writeln!(
        md,
        "![overfitting](overfitting.svg)\n\n![remedies](remedies.svg)\n"
    );
    let _ = writeln!(md, "## Every run\n\n{}", r.table.markdown());
    md
}
