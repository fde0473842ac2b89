//! The exercises themselves: the registry and the files agree, every stub has its solution's signatures, and —
//! the other half of what the `chNN_exercises` targets prove on the solutions — every check fails on the
//! untouched stubs (a check that passes on `todo!()` would pass a student who wrote nothing).
//!
//! This file guards the course's own checkout, where every exercise is still a stub. In a checkout where you
//! have solved exercises, `every_check_fails_on_the_untouched_stubs` fails by design: use `jielong exercises`.

mod common;

use jielong::exercises::runner::{self, Status};
use jielong::exercises::{EXERCISES, Exercise};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn the_registry_lists_every_exercise_file_and_nothing_else() {
    let mut on_disk = BTreeSet::new();
    for chapter in common::file_names(&root().join("chapters")) {
        let dir = root().join("chapters").join(&chapter).join("exercises");
        if !dir.is_dir() {
            continue;
        }
        for name in common::file_names(&dir) {
            if name.ends_with(".rs") && name != "check.rs" {
                on_disk.insert(format!("chapters/{chapter}/exercises/{name}"));
            }
        }
    }
    let listed: BTreeSet<String> = EXERCISES.iter().map(|e| e.file.to_string()).collect();
    assert_eq!(
        listed, on_disk,
        "the registry (src/exercises/registry.rs) and the exercise files differ"
    );
    for e in EXERCISES {
        assert!(
            root().join(e.solution()).is_file(),
            "exercise {} has no solution at {}",
            e.id,
            e.solution()
        );
        assert!(
            root().join("book/src").join(e.page).is_file(),
            "exercise {}'s page book/src/{} is missing",
            e.id,
            e.page
        );
    }
}

#[test]
fn exercises_are_numbered_in_order_with_at_least_four_per_chapter_after_the_first() {
    for chapter in runner::chapters() {
        let ids: Vec<&str> = EXERCISES
            .iter()
            .filter(|e| e.chapter == chapter)
            .map(|e| e.id)
            .collect();
        let expected: Vec<String> = (1..=ids.len()).map(|k| format!("{chapter}.{k}")).collect();
        assert_eq!(
            ids, expected,
            "chapter {chapter}'s exercises must be numbered {chapter}.1, {chapter}.2, …"
        );
        assert!(
            ids.len() >= 4,
            "chapter {chapter} has {} exercises; the course asks for at least four",
            ids.len()
        );
    }
    let e = Exercise::find("3.2").expect("exercise 3.2");
    assert_eq!(
        (e.test_target(), e.test_prefix()),
        ("ch03_exercises".into(), "ex3_2_".into())
    );
}

/// Every `pub fn` signature of a Rust file, from `pub fn` to its body's `{`, whitespace collapsed.
fn signatures(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("pub fn ") {
        let tail = &rest[start..];
        let end = tail.find('{').unwrap_or(tail.len());
        out.push(
            tail[..end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .replace("( ", "(")
                .replace(", )", ")"),
        );
        rest = &tail[end..];
    }
    out
}

#[test]
fn every_stub_has_its_solutions_signatures_and_a_todo() {
    for e in EXERCISES {
        let stub = read(&root().join(e.file));
        let solution = read(&root().join(e.solution()));
        assert!(
            !signatures(&stub).is_empty(),
            "exercise {}'s stub has no pub fn",
            e.id
        );
        assert_eq!(
            signatures(&stub),
            signatures(&solution),
            "exercise {}: the stub's and the solution's pub fns differ",
            e.id
        );
        assert!(
            stub.contains("todo!("),
            "exercise {}'s stub {} has no todo!(): is it still the stub?",
            e.id,
            e.file
        );
        assert!(
            !solution.contains("todo!("),
            "exercise {}'s solution is unfinished",
            e.id
        );
        assert!(
            stub.contains(&format!("jielong exercises check {}", e.id)),
            "exercise {}'s stub does not say how to check it",
            e.id
        );
        assert!(
            stub.contains("练习"),
            "exercise {}'s stub has no Chinese instructions",
            e.id
        );
    }
}

#[test]
fn the_test_output_parser_reads_passes_failures_and_messages() {
    let output = "running 3 tests\n\
        test ex1_1_a ... ok\n\
        test ex1_1_b ... FAILED\n\
        test ex1_2_c ... FAILED\n\n\
        failures:\n\n\
        ---- ex1_1_b stdout ----\n\n\
        thread 'ex1_1_b' panicked at chapters/x/check.rs:3:5:\n\
        min_p_filter([0.5], 0.2)\n    expected: [1.0]\n    got: [0.0]\n\
        note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\
        ---- ex1_2_c stdout ----\n\n\
        thread 'ex1_2_c' panicked at chapters/x/y.rs:5:5:\n\
        not yet implemented: exercise 1.2\n\n\
        failures:\n    ex1_1_b\n    ex1_2_c\n\n\
        test result: FAILED. 1 passed; 2 failed; 0 ignored";
    let tests = runner::parse_test_output(output);
    let summary: Vec<(&str, bool, &str)> = tests
        .iter()
        .map(|t| (t.name.as_str(), t.passed, t.message.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("ex1_1_a", true, ""),
            (
                "ex1_1_b",
                false,
                "min_p_filter([0.5], 0.2)\n    expected: [1.0]\n    got: [0.0]"
            ),
            ("ex1_2_c", false, "not yet implemented: exercise 1.2"),
        ]
    );
}

#[test]
fn every_check_fails_on_the_untouched_stubs() {
    let targets: Vec<String> = runner::chapters()
        .into_iter()
        .map(runner::target_of)
        .collect();
    let run = runner::cargo_test(&root(), &targets, true, None).expect("cargo runs");
    assert!(
        run.compiled,
        "the checks do not compile on the stubs:\n{}",
        run.build_errors
    );
    for e in EXERCISES {
        let results = run.with_prefix(&e.test_prefix());
        assert!(
            !results.is_empty(),
            "exercise {} has no check (no test named {}…)",
            e.id,
            e.test_prefix()
        );
        for t in results {
            assert!(
                !t.passed,
                "{} passes on exercise {}'s untouched stub: a check that cannot fail",
                t.name, e.id
            );
            assert!(
                t.message.contains(&format!("exercise {}", e.id)),
                "{} fails on the stub, but not at exercise {}'s todo!(): {}",
                t.name,
                e.id,
                t.message
            );
        }
        assert_eq!(
            run.status_of(e),
            Status::Failing {
                passed: 0,
                total: run.with_prefix(&e.test_prefix()).len()
            }
        );
    }
    let known: Vec<String> = EXERCISES.iter().map(|e| e.test_prefix()).collect();
    for t in &run.tests {
        assert!(
            known.iter().any(|p| t.name.starts_with(p)),
            "the check {} belongs to no exercise",
            t.name
        );
    }
}

#[test]
fn the_report_of_an_untouched_checkout_says_not_started_everywhere() {
    let out = common::TempDir::new("exercises-report");
    let output = Command::new(env!("CARGO_BIN_EXE_jielong"))
        .args(["exercises", "report", "--out"])
        .arg(&out.path)
        .current_dir(root())
        .output()
        .expect("jielong runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).lines().next(),
        Some("0 of 25 passing, 0 failing, 25 not started")
    );
    let json: serde_json::Value =
        serde_json::from_str(&read(&out.join("scorecard.json"))).expect("the scorecard is JSON");
    let rows = json["exercises"].as_array().expect("a list of exercises");
    assert_eq!(rows.len(), EXERCISES.len());
    assert!(
        rows.iter().all(|r| r["status"]["kind"] == "not_started"),
        "{json}"
    );
    assert_eq!(json["passing"], 0);
    let md = read(&out.join("scorecard.md"));
    assert_eq!(
        md.matches("| not started |").count(),
        EXERCISES.len(),
        "{md}"
    );
}

#[test]
fn an_unknown_exercise_is_one_error_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_jielong"))
        .args(["exercises", "check", "9.9"])
        .current_dir(root())
        .output()
        .expect("jielong runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: no exercise \"9.9\"; the exercises are 1.1, 1.2"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn the_book_and_the_readmes_list_every_exercise_as_the_registry_does() {
    let teaching = read(&root().join("book/src/teaching.md"));
    for e in EXERCISES {
        let summary = read(&root().join(format!("book/src/ch{:02}-summary.md", e.chapter)));
        let solutions = read(&root().join(format!("book/src/ch{:02}-solutions.md", e.chapter)));
        let readme = read(&root().join(e.dir()).join("README.md"));
        assert!(
            summary.contains(&format!("**{} {}**", e.id, e.title)),
            "ch{:02}-summary.md does not list exercise {}",
            e.chapter,
            e.id
        );
        assert!(
            solutions.contains(&format!("{{{{#include ../../{}}}}}", e.solution())),
            "ch{:02}-solutions.md does not show {}",
            e.chapter,
            e.solution()
        );
        assert!(
            readme.contains(&format!("| {} {} | `{}` |", e.id, e.title, e.file_name())),
            "{}/README.md does not list exercise {}",
            e.dir(),
            e.id
        );
        let row = format!("| {} {} (`{}`) | [", e.id, e.title, e.file_name());
        let line = teaching.lines().find(|l| l.starts_with(&row));
        let line = line.unwrap_or_else(|| panic!("teaching.md has no row for exercise {}", e.id));
        assert!(
            line.contains(&format!(
                "]({}) | {} | {} |",
                e.page,
                e.minutes,
                "★".repeat(e.difficulty as usize)
            )),
            "teaching.md's row for {} differs from the registry: {line}",
            e.id
        );
    }
}
