//! The book's figures cannot go stale: every chart in `book/src/figures/` is drawn again from the
//! `result.json` kept beside it, with today's plotting code, and must come out byte for byte the same.
//! `make figures` refreshes both from the last `make run` (and `make run-zh` for `figures/zh/`).

use jielong::chapters::book_figures::{CHAPTERS, redraw, stale_files};
use std::path::{Path, PathBuf};

fn figures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/figures")
}

#[test]
fn every_english_figure_is_what_the_code_draws_from_its_result() {
    for chapter in CHAPTERS {
        let dir = figures_root().join(chapter);
        assert!(
            dir.join("result.json").exists(),
            "{} has no result.json: run `make run` then `make figures`",
            dir.display()
        );
        let stale = stale_files(chapter, &dir).unwrap();
        assert!(
            stale.is_empty(),
            "stale book figures (run `make figures`):\n{}",
            stale.join("\n")
        );
    }
}

#[test]
fn every_chinese_figure_is_what_the_code_draws_from_its_result() {
    let mut checked = 0;
    for chapter in CHAPTERS {
        let dir = figures_root().join("zh").join(chapter);
        if !dir.exists() {
            continue;
        }
        let stale = stale_files(chapter, &dir).unwrap();
        assert!(
            stale.is_empty(),
            "stale book figures (run `make figures`):\n{}",
            stale.join("\n")
        );
        checked += 1;
    }
    // The Chinese edition shows these wherever they exist (book/po/check_zh_html.py checks that); a chapter
    // without a Chinese run in the book shows the English run's charts.
    assert!(
        checked > 0,
        "no Chinese run's figures under figures/zh/: run `make run-zh` then `make figures`"
    );
}

/// A copy of chapter 1's figure directory in a fresh temporary directory named after `test`.
fn copy_of_chapter_1(test: &str) -> PathBuf {
    let tmp = std::env::temp_dir().join(format!("jielong-figures-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    for entry in std::fs::read_dir(figures_root().join("ch01")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, tmp.join(path.file_name().unwrap())).unwrap();
    }
    tmp
}

#[test]
fn a_changed_figure_a_missing_one_and_an_orphan_are_all_caught() {
    let tmp = copy_of_chapter_1("changed");
    assert_eq!(stale_files("ch01", &tmp).unwrap(), Vec::<String>::new());

    let loss = tmp.join("loss.svg");
    let text = std::fs::read_to_string(&loss).unwrap();
    std::fs::write(&loss, text.replacen("<svg", "<svg data-old=\"1\"", 1)).unwrap();
    std::fs::remove_file(tmp.join("next_token.svg")).unwrap();
    std::fs::write(tmp.join("old_chart.svg"), "<svg/>").unwrap();

    let stale = stale_files("ch01", &tmp).unwrap().join("\n");
    assert!(stale.contains("loss.svg: differs"), "{stale}");
    assert!(stale.contains("next_token.svg: missing"), "{stale}");
    assert!(stale.contains("old_chart.svg: no chart"), "{stale}");
}

#[test]
fn a_result_that_does_not_read_is_an_error_not_a_panic() {
    let tmp = copy_of_chapter_1("unreadable");
    std::fs::write(tmp.join("result.json"), "{\"not\": \"a result\"}").unwrap();
    let err = redraw("ch01", &tmp).unwrap_err();
    assert!(
        format!("{err:#}").contains("result.json does not read"),
        "{err:#}"
    );
    assert!(redraw("ch07", &tmp).is_err());
}
