//! `mdbook-msglist`: an mdBook renderer that writes `messages.json` — for `SUMMARY.md` and for every chapter,
//! the gettext messages in the order they appear on the page, repeats included, each marked as code or not.
//!
//! `mdbook-xgettext` writes the same messages into `messages.pot`, but merged across the book (one entry per
//! distinct text) and without their order on a page. To pair an English page with its Chinese translation
//! block by block we need each page's own list: run this renderer once on the English book and once on a copy
//! whose `src/` holds the Chinese pages, and message *i* of one page translates message *i* of the other
//! (`import_pages.py` does the pairing). The splitting is the library's own `extract_messages`, the function
//! behind `mdbook-xgettext`, so a message here is byte for byte a `msgid` there.
//!
//! Usage (mdBook runs it): `MDBOOK_OUTPUT='{"msglist":{"command":"mdbook-msglist"}}' mdbook build BOOK -d DIR`

use std::fs;
use std::io;

use anyhow::Context;
use mdbook::book::Chapter;
use mdbook::renderer::RenderContext;
use mdbook::BookItem;
use mdbook_i18n_helpers::{
    extract_events, extract_messages, new_cmark_parser, reconstruct_markdown,
};
use pulldown_cmark::{DefaultBrokenLinkCallback, Event, Tag, TagEnd};
use serde_json::{json, Value};

/// A summary entry without its link, as `mdbook-xgettext` writes it: `[Foo *Bar*](foo.md)` → `Foo _Bar_`.
fn strip_link(text: &str) -> anyhow::Result<String> {
    let events = extract_events(text, None)
        .into_iter()
        .filter(|(_, event)| {
            !matches!(
                event,
                Event::Start(Tag::Link { .. }) | Event::End(TagEnd::Link)
            )
        })
        .map(|(_, event)| (0, event))
        .collect::<Vec<_>>();
    Ok(reconstruct_markdown(&events, None)?.0)
}

/// The lines (1-based, inclusive) of each code block of a Markdown text.
fn code_block_lines(text: &str) -> Vec<(usize, usize)> {
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    new_cmark_parser(text, None::<DefaultBrokenLinkCallback>)
        .into_offset_iter()
        .filter(|(event, _)| matches!(event, Event::Start(Tag::CodeBlock(_))))
        .map(|(_, range)| (line_of(range.start), line_of(range.end.saturating_sub(1))))
        .collect()
}

/// The messages of one Markdown text, in order, each with whether it comes from a code block (a whole
/// block, or the comments and strings mdbook-xgettext takes from a listing).
fn messages(text: &str) -> anyhow::Result<Vec<Value>> {
    let code = code_block_lines(text);
    Ok(extract_messages(text)?
        .into_iter()
        .map(|(line, extracted)| {
            let in_code = code
                .iter()
                .any(|&(first, last)| (first..=last).contains(&line));
            json!({ "text": extracted.message, "code": in_code })
        })
        .collect())
}

/// One chapter and its sub-chapters, depth first: the order of the book.
fn chapter_pages(chapter: &Chapter, pages: &mut Vec<Value>) -> anyhow::Result<()> {
    if let Some(path) = &chapter.path {
        let list = messages(&chapter.content)
            .with_context(|| format!("cannot split {} into messages", path.display()))?;
        pages.push(json!({ "path": path.display().to_string(), "messages": list }));
    }
    for item in &chapter.sub_items {
        if let BookItem::Chapter(sub) = item {
            chapter_pages(sub, pages)?;
        }
    }
    Ok(())
}

fn run() -> anyhow::Result<()> {
    let ctx =
        RenderContext::from_json(io::stdin()).context("cannot read mdBook's render context")?;
    let summary_path = ctx.root.join(&ctx.config.book.src).join("SUMMARY.md");
    let summary = fs::read_to_string(&summary_path)
        .with_context(|| format!("cannot read {}", summary_path.display()))?;
    let summary_messages = extract_messages(&summary)?
        .into_iter()
        .map(|(_, m)| Ok(json!({ "text": strip_link(&m.message)?, "code": false })))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut pages = vec![json!({ "path": "SUMMARY.md", "messages": summary_messages })];
    for item in &ctx.book.sections {
        if let BookItem::Chapter(chapter) = item {
            chapter_pages(chapter, &mut pages)?;
        }
    }
    fs::create_dir_all(&ctx.destination)?;
    let out = ctx.destination.join("messages.json");
    fs::write(&out, serde_json::to_string_pretty(&pages)?)
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}

fn main() {
    if let Err(error) = run() {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}
