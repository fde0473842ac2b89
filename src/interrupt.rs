//! Ctrl-C (SIGINT) and SIGTERM: finish the step, save, and say how to resume.
//!
//! A program calls [`install`] once. While a training loop runs ([`Training`] is alive) a signal only raises
//! a flag: the loop finishes its current step, writes a checkpoint and returns the error [`Interrupted`],
//! which the programs turn into exit status [`EXIT_INTERRUPTED`] (130, the shell's convention for SIGINT).
//! Outside training, or at a second signal, there is nothing worth saving and the process exits at once.

use std::path::PathBuf;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Exit status of an interrupted program: 128 + SIGINT.
pub const EXIT_INTERRUPTED: u8 = 130;

static REQUESTED: AtomicBool = AtomicBool::new(false);
static TRAINING: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();

/// Install the handler of SIGINT and SIGTERM (once per process; later calls do nothing).
pub fn install() {
    INSTALL.call_once(|| {
        let handler = || {
            if TRAINING.load(Ordering::SeqCst) == 0 || REQUESTED.swap(true, Ordering::SeqCst) {
                eprintln!("\ninterrupted");
                quit_now();
            }
            eprintln!(
                "\ninterrupted: finishing this step and saving a checkpoint (again to quit now)"
            );
        };
        if let Err(e) = ctrlc::set_handler(handler) {
            eprintln!("warning: cannot catch Ctrl-C: {e}");
        }
    });
}

/// Exit with [`EXIT_INTERRUPTED`] from the signal's thread without running exit handlers: the main thread
/// may be inside libtorch, and tearing down libtorch's globals under it would turn a clean exit into a panic
/// and a backtrace. A run's lock file left behind is stale and taken over by the next run.
fn quit_now() -> ! {
    #[cfg(unix)]
    // SAFETY: _exit ends the process at once; it touches no Rust or C++ state.
    unsafe {
        libc::_exit(EXIT_INTERRUPTED.into())
    }
    #[cfg(not(unix))]
    std::process::exit(EXIT_INTERRUPTED.into())
}

/// Whether a signal asked the running training loop to stop.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Marks a training loop as running while alive: a signal then waits for the step to end.
pub struct Training(());

impl Training {
    /// The loop starts.
    pub fn start() -> Self {
        TRAINING.fetch_add(1, Ordering::SeqCst);
        Training(())
    }
}

impl Drop for Training {
    fn drop(&mut self) {
        TRAINING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A training run stopped by a signal after `step` steps; its checkpoint, if it had a place for one.
#[derive(Debug, thiserror::Error)]
#[error("interrupted after step {step}{}", resume_hint(.checkpoint))]
pub struct Interrupted {
    /// Steps done.
    pub step: usize,
    /// Where the checkpoint went.
    pub checkpoint: Option<PathBuf>,
}

fn resume_hint(checkpoint: &Option<PathBuf>) -> String {
    match checkpoint {
        Some(path) => format!(
            "; checkpoint saved, continue with --resume {}",
            path.display()
        ),
        None => "; this run had no checkpoint path, nothing saved".into(),
    }
}

/// Whether `e` (or one of its causes) is an [`Interrupted`].
pub fn is_interrupted(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<Interrupted>())
}
