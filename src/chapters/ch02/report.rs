//! Chapter 2's report.md and its results table, in the run's language.

use super::Ch02Result;
use super::words::{Words, run_label, words};
use crate::chapters::fill;
use crate::data::world::Language;
use crate::sweep::{self, Outcome, Table};
use crate::train::{RunStatus, Schedule, TrainConfig};
use std::fmt::Write as _;

/// The run's report.md, in the run's language.
pub fn report(r: &Ch02Result) -> String {
    let w = words(r.language);
    let seconds = format!("{:.0}", r.seconds);
    let slots: [(&str, &dyn std::fmt::Display); 3] = [
        ("device", &r.device),
        ("vocab", &r.vocab_size),
        ("seconds", &seconds),
    ];
    let mut md = format!("# {}\n\n{}\n\n", w.title, fill(w.summary, &slots));
    let (part1, [sweep, final_loss, optimizers, schedules]) = w.part1;
    let _ = writeln!(
        md,
        "## {part1}\n\n![{sweep}](lr_curves.svg)\n\n![{final_loss}](lr_final.svg)\n\n![{optimizers}](optimizers.svg)\n\n![{schedules}](schedules.svg)\n"
    );
    let (part2, small_set, [overfitting, remedies]) = w.part2;
    let (train, held_out) = r.small_set_chars;
    let small_set = fill(small_set, &[("train", &train), ("held_out", &held_out)]);
    let _ = writeln!(md, "## {part2}\n\n{small_set}\n");
    let _ = writeln!(
        md,
        "![{overfitting}](overfitting.svg)\n\n![{remedies}](remedies.svg)\n"
    );
    let _ = writeln!(md, "## {}\n\n{}", w.every_run, r.table.markdown());
    md
}

/// [`sweep::results_table`] of `outcomes` in `language`: its header, run labels, schedules and endings.
pub fn results_table(outcomes: &[Outcome], language: Language) -> Table {
    let w = words(language);
    let mut table = sweep::results_table(outcomes);
    table.columns = w.table_header.map(String::from).to_vec();
    for (row, o) in table.rows.iter_mut().zip(outcomes) {
        row[0] = run_label(language, &o.variant.label);
        row[3] = schedule_cell(w, &o.variant.train);
        row[6] = status_cell(w, &o.report.status);
    }
    table
}

/// The schedule of `train`, and its warm-up if it has one.
fn schedule_cell(w: &Words, train: &TrainConfig) -> String {
    let [constant, cosine, warm_up] = w.schedules;
    let schedule = match train.schedule {
        Schedule::Constant => constant,
        Schedule::Cosine => cosine,
    };
    if train.warmup_steps > 0 {
        let slots: [(&str, &dyn std::fmt::Display); 2] =
            [("schedule", &schedule), ("steps", &train.warmup_steps)];
        fill(warm_up, &slots)
    } else {
        schedule.to_string()
    }
}

/// How a run ended ([`sweep::status_cell`] in the run's language).
fn status_cell(w: &Words, status: &RunStatus) -> String {
    let [completed, diverged, stopped] = w.status;
    match status {
        RunStatus::Completed => completed.to_string(),
        RunStatus::Diverged { step } => fill(diverged, &[("step", step)]),
        RunStatus::EarlyStopped { step, .. } => fill(stopped, &[("step", step)]),
    }
}
