//! `jielong exercises`: list the exercises with their status, check one, or write a class's scorecard.

use super::registry::{EXERCISES, Exercise};
use super::runner::{self, Status};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// `jielong exercises [check N.K [--hint] [--watch] | report [--out DIR]] [--root DIR]`.
#[derive(Args, Debug)]
pub struct ExercisesArgs {
    #[command(subcommand)]
    action: Option<Action>,
    /// The course checkout to look at (default: the one around the current folder).
    #[arg(long, global = true)]
    root: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// List every exercise with its status, goal and file (the default).
    List,
    /// Run one exercise's checks on your file and say what is wrong.
    Check {
        /// The exercise, e.g. 3.2.
        id: String,
        /// Also print a hint.
        #[arg(long)]
        hint: bool,
        /// Check again whenever the file is saved (Ctrl-C to stop).
        #[arg(long)]
        watch: bool,
    },
    /// Write a scorecard of every exercise's status (scorecard.md and scorecard.json).
    Report {
        /// Where to write it (default: runs/exercises/ in the checkout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Run `jielong exercises …`.
pub fn run(args: ExercisesArgs) -> Result<()> {
    let start = match &args.root {
        Some(root) => root.clone(),
        None => std::env::current_dir().context("cannot read the current folder")?,
    };
    let root = runner::find_root(&start)?;
    match args.action.unwrap_or(Action::List) {
        Action::List => list(&root),
        Action::Check { id, hint, watch } => {
            let exercise = find(&id)?;
            if watch {
                watch_file(&root, exercise, hint)
            } else {
                check(&root, exercise, hint)
            }
        }
        Action::Report { out } => report(&root, out.as_deref()),
    }
}

fn find(id: &str) -> Result<&'static Exercise> {
    Exercise::find(id).with_context(|| {
        let ids: Vec<&str> = EXERCISES.iter().map(|e| e.id).collect();
        format!("no exercise {id:?}; the exercises are {}", ids.join(", "))
    })
}

fn list(root: &Path) -> Result<()> {
    eprintln!("checking the exercises you started (one `cargo test` per chapter)…");
    let statuses = runner::statuses(root)?;
    let mut chapter = 0;
    for (e, status) in &statuses {
        if e.chapter != chapter {
            chapter = e.chapter;
            println!("\nChapter {chapter} — {}/", e.dir());
        }
        println!(
            "  {:<4} {:<26} {} — {}",
            e.id,
            status.label(),
            e.title,
            e.goal
        );
        println!("       {}", e.file_name());
    }
    println!("\n{}", summary(&statuses));
    println!(
        "Check one: jielong exercises check N.K [--hint]   (or cargo run --release -- exercises check N.K)"
    );
    Ok(())
}

fn summary(statuses: &[(&Exercise, Status)]) -> String {
    let count = |f: &dyn Fn(&Status) -> bool| statuses.iter().filter(|(_, s)| f(s)).count();
    format!(
        "{} of {} passing, {} failing, {} not started",
        count(&|s| s.is_passing()),
        statuses.len(),
        count(&|s| matches!(s, Status::Failing { .. } | Status::DoesNotCompile)),
        count(&|s| matches!(s, Status::NotStarted)),
    )
}

fn check(root: &Path, e: &Exercise, hint: bool) -> Result<()> {
    println!("Exercise {} — {}: {}", e.id, e.title, e.goal);
    println!(
        "file: {}   read: book/src/{}   (about {} minutes, {})",
        e.file,
        e.page,
        e.minutes,
        "★".repeat(e.difficulty as usize)
    );
    if runner::is_stub(root, e).is_none() {
        bail!("{} is missing", e.file);
    }
    let run = runner::cargo_test(root, &[e.test_target()], true, Some(&e.test_prefix()))?;
    if !run.compiled {
        println!(
            "\nThe checks do not compile with your chapter's files:\n{}",
            run.build_errors
        );
        print_hint(e, hint);
        bail!("exercise {} does not compile yet", e.id);
    }
    let results = run.with_prefix(&e.test_prefix());
    for t in &results {
        let mark = if t.passed { "✓" } else { "✗" };
        println!("\n{mark} {}", plain_name(&t.name, e));
        if !t.passed {
            for line in t.message.lines() {
                println!("    {line}");
            }
        }
    }
    print_hint(e, hint);
    match run.status_of(e) {
        Status::Passing { total } => {
            println!("\nExercise {} passes all {total} checks.", e.id);
            Ok(())
        }
        Status::Failing { passed, total } => {
            if !hint {
                println!("\n(stuck? jielong exercises check {} --hint)", e.id);
            }
            bail!("exercise {}: {passed} of {total} checks pass", e.id)
        }
        other => bail!("exercise {}: {}", e.id, other.label()),
    }
}

/// `ex3_2_position_zero_is_not_rotated` → `position zero is not rotated`.
fn plain_name(test: &str, e: &Exercise) -> String {
    test.strip_prefix(&e.test_prefix())
        .unwrap_or(test)
        .replace('_', " ")
}

fn print_hint(e: &Exercise, hint: bool) {
    if hint {
        println!("\nHint: {}", e.hint);
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Check, then check again each time the file's modification time changes (polled twice a second).
fn watch_file(root: &Path, e: &Exercise, hint: bool) -> Result<()> {
    let path = root.join(e.file);
    let mut seen = modified(&path);
    loop {
        if let Err(err) = check(root, e, hint) {
            println!("{err}");
        }
        println!(
            "\nwatching {} — save it to check again (Ctrl-C to stop)",
            e.file
        );
        loop {
            std::thread::sleep(Duration::from_millis(500));
            let now = modified(&path);
            if now != seen {
                seen = now;
                break;
            }
        }
    }
}

/// One row of the scorecard.
#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    chapter: u32,
    title: &'a str,
    file: &'a str,
    status: &'a Status,
}

/// The scorecard as JSON.
#[derive(Serialize)]
struct Scorecard<'a> {
    checkout: String,
    summary: String,
    passing: usize,
    total: usize,
    exercises: Vec<Row<'a>>,
}

fn report(root: &Path, out: Option<&Path>) -> Result<()> {
    let statuses = runner::statuses(root)?;
    let out = out.map_or_else(|| root.join("runs/exercises"), Path::to_path_buf);
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let card = Scorecard {
        checkout: root.display().to_string(),
        summary: summary(&statuses),
        passing: statuses.iter().filter(|(_, s)| s.is_passing()).count(),
        total: statuses.len(),
        exercises: statuses
            .iter()
            .map(|(e, status)| Row {
                id: e.id,
                chapter: e.chapter,
                title: e.title,
                file: e.file,
                status,
            })
            .collect(),
    };
    let json = serde_json::to_string_pretty(&card)? + "\n";
    write(&out.join("scorecard.json"), &json)?;
    write(&out.join("scorecard.md"), &markdown(&card))?;
    println!("{}", card.summary);
    println!(
        "wrote {} and scorecard.json",
        out.join("scorecard.md").display()
    );
    Ok(())
}

fn markdown(card: &Scorecard) -> String {
    let mut md = format!(
        "# Exercise scorecard\n\nCheckout: `{}`\n\n**{}**\n\n| exercise | title | status | file |\n| --- | --- | --- | --- |\n",
        card.checkout, card.summary
    );
    for row in &card.exercises {
        let _ = writeln!(
            md,
            "| {} | {} | {} | `{}` |",
            row.id,
            row.title,
            row.status.label(),
            row.file
        );
    }
    md
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
