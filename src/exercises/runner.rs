//! Running the exercises' checks: a child `cargo test --features student --test chNN_exercises`, its output
//! read back test by test, and each exercise's status from it.

use super::registry::{EXERCISES, Exercise};
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where a student stands on one exercise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Status {
    /// The file is still the stub: it contains `todo!()`.
    NotStarted,
    /// The chapter's checks do not compile with this checkout's exercise files.
    DoesNotCompile,
    /// Some checks fail.
    Failing {
        /// Checks that pass.
        passed: usize,
        /// Checks in all.
        total: usize,
    },
    /// Every check passes.
    Passing {
        /// Checks in all.
        total: usize,
    },
    /// The exercise's file is not there.
    Missing,
}

impl Status {
    /// A short label: `not started`, `failing 1/3`, `passing`, ….
    pub fn label(&self) -> String {
        match self {
            Status::NotStarted => "not started".into(),
            Status::DoesNotCompile => "does not compile".into(),
            Status::Failing { passed, total } => format!("failing ({passed}/{total} checks pass)"),
            Status::Passing { .. } => "passing".into(),
            Status::Missing => "file missing".into(),
        }
    }

    /// Whether every check passes.
    pub fn is_passing(&self) -> bool {
        matches!(self, Status::Passing { .. })
    }
}

/// One check (a test) and how it went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestResult {
    /// The test's name, e.g. `ex3_2_position_zero_is_not_rotated`.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// Its failure message (the panic's text), empty when it passed.
    pub message: String,
}

/// One child `cargo test` run.
#[derive(Clone, Debug, Default)]
pub struct CheckRun {
    /// Whether the test targets compiled (if not, `tests` is empty and `build_errors` says why).
    pub compiled: bool,
    /// Every test that ran.
    pub tests: Vec<TestResult>,
    /// The compiler's error lines when the build failed.
    pub build_errors: String,
}

impl CheckRun {
    /// The results of the tests whose names start with `prefix`.
    pub fn with_prefix(&self, prefix: &str) -> Vec<&TestResult> {
        self.tests
            .iter()
            .filter(|t| t.name.starts_with(prefix))
            .collect()
    }

    /// The status of `exercise` from this run of its chapter's checks.
    pub fn status_of(&self, exercise: &Exercise) -> Status {
        if !self.compiled {
            return Status::DoesNotCompile;
        }
        let results = self.with_prefix(&exercise.test_prefix());
        let passed = results.iter().filter(|t| t.passed).count();
        let total = results.len();
        if total > 0 && passed == total {
            Status::Passing { total }
        } else {
            Status::Failing { passed, total }
        }
    }
}

/// The repository root: the nearest folder at or above `start` whose Cargo.toml names the `jielong` package
/// and that has `chapters/`.
pub fn find_root(start: &Path) -> Result<PathBuf> {
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        let is_course = std::fs::read_to_string(&manifest)
            .map(|text| text.contains("name = \"jielong\""))
            .unwrap_or(false);
        if is_course && dir.join("chapters").is_dir() {
            return Ok(dir.to_path_buf());
        }
    }
    bail!(
        "{} is not inside a jielong checkout (no Cargo.toml of the jielong package with chapters/ above it); run from the course's folder or pass --root",
        start.display()
    )
}

/// Whether `exercise`'s file in the checkout at `root` is still a stub (holds `todo!(`), or `None` when the
/// file is missing.
pub fn is_stub(root: &Path, exercise: &Exercise) -> Option<bool> {
    let text = std::fs::read_to_string(root.join(exercise.file)).ok()?;
    Some(text.contains("todo!("))
}

/// Run the checks of the test targets `targets` (`ch03_exercises`, …) in the checkout at `root`: on the
/// student's files (`student`) or on the reference solutions, only the tests whose names contain `filter`
/// if one is given. Every test runs (`--no-fail-fast`); the output is read back test by test.
pub fn cargo_test(
    root: &Path,
    targets: &[String],
    student: bool,
    filter: Option<&str>,
) -> Result<CheckRun> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root).args(["test", "--no-fail-fast"]);
    if student {
        cmd.args(["--features", "student"]);
    }
    for target in targets {
        cmd.args(["--test", target]);
    }
    cmd.args(["--", "--color", "never"]);
    if let Some(filter) = filter {
        cmd.arg(filter);
    }
    let output = cmd
        .env("RUST_BACKTRACE", "0")
        .output()
        .context("cannot run cargo: is it installed and on the PATH?")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tests = parse_test_output(&stdout);
    // failing checks make cargo fail too; only a compiler error means the checks never ran
    let compiled = output.status.success() || !stderr.contains("could not compile");
    Ok(CheckRun {
        compiled,
        tests,
        build_errors: if compiled {
            String::new()
        } else {
            compiler_errors(&stderr)
        },
    })
}

/// The tests of libtest's plain output: `test NAME ... ok` / `... FAILED` lines, and each failure's message
/// from its `---- NAME stdout ----` section (without the `thread … panicked at` and backtrace lines).
pub fn parse_test_output(stdout: &str) -> Vec<TestResult> {
    let mut tests: Vec<TestResult> = stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("test ")?;
            let (name, outcome) = rest.rsplit_once(" ... ")?;
            let passed = match outcome.trim() {
                "ok" => true,
                "FAILED" => false,
                _ => return None,
            };
            Some(TestResult {
                name: name.trim().to_string(),
                passed,
                message: String::new(),
            })
        })
        .collect();
    let mut current: Option<usize> = None;
    for line in stdout.lines() {
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" stdout ----"))
        {
            current = tests.iter().position(|t| t.name == name);
        } else if line == "failures:" || line.starts_with("test result:") {
            current = None;
        } else if let Some(i) = current {
            let noise = line.starts_with("thread '") || line.starts_with("note: run with");
            if !noise {
                let message = &mut tests[i].message;
                if !message.is_empty() || !line.trim().is_empty() {
                    message.push_str(line);
                    message.push('\n');
                }
            }
        }
    }
    for t in &mut tests {
        t.message = t.message.trim_end().to_string();
    }
    tests
}

/// The compiler's `error…` blocks from cargo's stderr (the first few, with the lines that point at the code).
fn compiler_errors(stderr: &str) -> String {
    let mut out = Vec::new();
    let mut inside = false;
    for line in stderr.lines() {
        if line.starts_with("error") {
            inside = !line.starts_with("error: could not compile");
            if !inside {
                continue;
            }
        } else if line.starts_with("warning") {
            inside = false;
        }
        if inside {
            out.push(line);
        }
        if out.len() >= 40 {
            break;
        }
    }
    if out.is_empty() {
        stderr
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        out.join("\n")
    }
}

/// The status of every exercise in the checkout at `root`. Chapters whose exercises are all stubs are not
/// compiled at all; the others run their chapter's checks once, on the student's files.
pub fn statuses(root: &Path) -> Result<Vec<(&'static Exercise, Status)>> {
    let started: BTreeSet<u32> = EXERCISES
        .iter()
        .filter(|e| is_stub(root, e) == Some(false))
        .map(|e| e.chapter)
        .collect();
    let mut out = Vec::new();
    for chapter in chapters() {
        let run = if started.contains(&chapter) {
            Some(cargo_test(root, &[target_of(chapter)], true, None)?)
        } else {
            None
        };
        for e in EXERCISES.iter().filter(|e| e.chapter == chapter) {
            let status = match (is_stub(root, e), &run) {
                (None, _) => Status::Missing,
                (Some(true), _) => Status::NotStarted,
                (Some(false), Some(run)) => run.status_of(e),
                (Some(false), None) => Status::DoesNotCompile, // not reached: a started file starts its chapter
            };
            out.push((e, status));
        }
    }
    Ok(out)
}

/// The chapters that have exercises, in order.
pub fn chapters() -> Vec<u32> {
    EXERCISES
        .iter()
        .map(|e| e.chapter)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The test target of a chapter's checks, e.g. `ch03_exercises`.
pub fn target_of(chapter: u32) -> String {
    format!("ch{chapter:02}_exercises")
}
