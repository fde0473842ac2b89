//! The book's figures, drawn again from the results they came from.
//!
//! `make figures` copies each chapter run's charts into `book/src/figures/chNN/` (a Chinese run's into
//! `book/src/figures/zh/chNN/`) *together with* the run's `result.json`. Every chart is a function of the
//! result alone (each chapter's `figures::draw`), so the book's figures can be checked without training
//! anything: [`redraw`] draws them again from the kept result with today's plotting code, and a test fails
//! when any file differs. A change to a chart then shows up as a failing test, not as a book that quietly
//! shows what the code no longer draws.

use super::{ch01, ch02, ch03, ch04, ch05, ch06};
use crate::plot::Figure;
use anyhow::{Context, Result, bail};
use serde::de::DeserializeOwned;
use std::path::Path;

/// The chapters whose runs the book shows, as their figure directories are named.
pub const CHAPTERS: [&str; 6] = ["ch01", "ch02", "ch03", "ch04", "ch05", "ch06"];

/// Every file the book keeps for chapter `chapter` in `dir`, drawn again from `dir/result.json`: each chart
/// as `(file name, SVG text)`, and for chapter 1 the traced generation (`trace.md`), which also needs the
/// run's `config.json`.
pub fn redraw(chapter: &str, dir: &Path) -> Result<Vec<(String, String)>> {
    let svgs = |figures: Vec<(&str, Figure)>| -> Vec<(String, String)> {
        let named = figures
            .into_iter()
            .map(|(name, f)| (name.to_string(), f.svg().to_string()));
        named.collect()
    };
    Ok(match chapter {
        "ch01" => {
            let result: ch01::Ch01Result = read_json(dir, "result.json")?;
            let config: ch01::Ch01Config = read_json(dir, "config.json")?;
            let mut files = svgs(ch01::figures::draw(&result)?);
            files.push(("trace.md".into(), ch01::trace_markdown(&config, &result)));
            files
        }
        "ch02" => svgs(ch02::figures::draw(&read_json(dir, "result.json")?)?),
        "ch03" => svgs(ch03::figures::draw(&read_json(dir, "result.json")?)?),
        "ch04" => svgs(ch04::figures::draw(&read_json(dir, "result.json")?)?),
        "ch05" => svgs(ch05::figures::draw(&read_json(dir, "result.json")?)?),
        "ch06" => svgs(ch06::figures::draw(&read_json(dir, "result.json")?)?),
        other => bail!("no chapter {other:?}: the book's figure directories are {CHAPTERS:?}"),
    })
}

/// The files of `dir` that differ from what [`redraw`] draws now, or that it does not draw at all (a chart
/// the code no longer makes), as one line each; empty when the book shows exactly what the code draws.
pub fn stale_files(chapter: &str, dir: &Path) -> Result<Vec<String>> {
    let drawn = redraw(chapter, dir)?;
    let mut stale = Vec::new();
    for (name, text) in &drawn {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(kept) if &kept == text => {}
            Ok(_) => stale.push(format!(
                "{}: differs from what the code draws",
                dir.join(name).display()
            )),
            Err(_) => stale.push(format!("{}: missing", dir.join(name).display())),
        }
    }
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let kept_figure = name.ends_with(".svg") || name == "trace.md";
        if kept_figure && !drawn.iter().any(|(n, _)| *n == name) {
            stale.push(format!(
                "{}: no chart of that name any more",
                dir.join(&name).display()
            ));
        }
    }
    Ok(stale)
}

fn read_json<T: DeserializeOwned>(dir: &Path, file: &str) -> Result<T> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} does not read", path.display()))
}
