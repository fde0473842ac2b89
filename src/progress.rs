//! Progress of long work: an indicatif bar on a terminal, plain periodic lines elsewhere (logs, CI,
//! notebooks), nothing in tests.

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::io::IsTerminal;
use std::time::Instant;

/// How to show progress.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressMode {
    /// A bar when stderr is a terminal, else lines.
    #[default]
    Auto,
    /// Always the bar.
    Bar,
    /// A plain line about every tenth of the work.
    Lines,
    /// Nothing.
    Quiet,
}

/// One task's progress display.
pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    label: String,
    total: u64,
    every: u64,
    started: Instant,
}

impl Progress {
    /// Start showing progress of `total` steps labelled `label`.
    pub fn new(label: &str, total: u64, mode: ProgressMode) -> Self {
        let bar_wanted = match mode {
            ProgressMode::Auto => std::io::stderr().is_terminal(),
            ProgressMode::Bar => true,
            ProgressMode::Lines | ProgressMode::Quiet => false,
        };
        let bar = bar_wanted.then(|| {
            let bar = ProgressBar::new(total);
            let style =
                ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {msg} ETA {eta}")
                    .expect("the template is valid")
                    .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.to_string());
            bar
        });
        let lines = !bar_wanted && mode != ProgressMode::Quiet;
        Progress {
            bar,
            lines,
            label: label.to_string(),
            total,
            every: (total / 10).max(1),
            started: Instant::now(),
        }
    }

    /// Report that `done` steps are finished, with a short status such as `loss 1.23 · 5400 tok/s`.
    pub fn update(&self, done: u64, message: &str) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            bar.set_message(message.to_string());
        } else if self.lines && (done.is_multiple_of(self.every) || done == self.total) {
            let secs = self.started.elapsed().as_secs_f64();
            println!(
                "[{}] {done}/{} {message} ({secs:.1}s)",
                self.label, self.total
            );
        }
    }

    /// Finish the display with a last message.
    pub fn finish(&self, message: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_with_message(message.to_string());
        }
    }
}
