//! The course's exercises as data, and the command that checks them (`jielong exercises`).
//!
//! Every chapter has exercises in `chapters/NN-*/exercises/`: a file per exercise that starts as a stub
//! (`todo!()`), its reference solution in `solutions/`, and checks shared by both (`check.rs`, the test target
//! `chNN_exercises`; its `student` feature selects the student's files). This module lists them
//! ([`registry::EXERCISES`]), runs their checks as a child `cargo test` ([`runner`]), and gives the checks
//! their plain-words assertions ([`expect`]).
//!
//! The checks run in cargo's debug profile: the dependencies are compiled with optimisation even there
//! (`[profile.dev.package."*"]` in Cargo.toml), the checks' own tensors are tiny, and an edit to an exercise
//! then recompiles one small test crate without optimisation, which is several times faster than in release.

pub mod cli;
pub mod expect;
pub mod registry;
pub mod runner;

pub use registry::{EXERCISES, Exercise};
pub use runner::Status;

/// Declares a chapter's exercise files as the module `answer` of its `check.rs`: the student's files (beside
/// `check.rs`) with the `student` feature, the reference solutions (`solutions/`) without it. One list, so the
/// two can never name different files:
///
/// ```ignore
/// jielong::exercise_answers!(adamw, divergence, early_stopping, schedule);
/// use answer::adamw::adamw_update;
/// ```
#[macro_export]
macro_rules! exercise_answers {
    ($($file:ident),+ $(,)?) => {
        #[cfg(feature = "student")]
        #[path = "."]
        mod answer {
            $(pub mod $file;)+
        }
        #[cfg(not(feature = "student"))]
        #[path = "solutions"]
        mod answer {
            $(pub mod $file;)+
        }
    };
}
