#!/usr/bin/env python3
"""Import translated Markdown pages into book/po/zh-CN.po, message by message.

Usage: import_pages.py ZH_PAGES_DIR [--tool target/msglist/release/mdbook-msglist] [--verbose]
(`make po-import ZH_PAGES=DIR` builds the tool and runs this.)

A translator writes book/src/<page>.md again in Chinese, with the same blocks in the same order (one paragraph for
each paragraph, the same list items, table cells and code blocks). This script

1. runs mdbook-msglist (book/po/msglist) on the English book and on a copy of it whose src/ holds the Chinese
   pages: for every page, the messages mdbook-xgettext extracts, in page order (listings are included first, as
   mdbook-gettext sees them);
2. pairs message i of an English page with message i of its Chinese page, keeping a pair only where both are
   code or both prose and the parts that must not be translated (inline code, link targets, math, {{#...}})
   are the same on both sides (in any order: Chinese word order may move them). A page whose number of
   messages differs (a merged or split paragraph) is reported with where it parts from the English, and not
   paired. Code-block messages are the same on both sides, so
   they pair as msgstr = msgid;
3. writes zh-CN.po: every msgid of messages.pot (regenerated first) with its paired translation — where pages
   translate the same msgid differently, SUMMARY.md's or else the most used one; a message no page pairs keeps
   the translation zh-CN.po already had, so pages can be imported a few at a time and the po stays the one
   source afterwards.

It prints, per page: messages, paired, mismatches, and unchanged (paired with an identical text that has
English words: left in English?). Exit status 1 if any page has a mismatch.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import english
import pofile

BOOK = pofile.BOOK


def fixed_parts(message):
    """What a translation must keep byte for byte: inline code, link targets, math and {{#...}} directives."""
    code = re.findall(r"`+[^`]+`+", message)
    prose = re.sub(r"`+[^`]+`+", " ", message)  # a `$` inside code is no math
    return (
        code
        + re.findall(r"\]\(([^)\s]+)", prose)
        + re.findall(r"\\\\\(.+?\\\\\)|\\\\\[.+?\\\\\]|\$\$?[^$]+\$\$?", prose)
        + re.findall(r"\{\{#[^}]*\}\}", prose)
    )


def english_left(en, zh):
    """A pair whose Chinese side is the English text itself, though it has words to translate."""
    return en == zh and english.is_english_left(re.sub(r"`+[^`]+`+", " ", en))


def dump_messages(src_dir, tool, dest):
    """{page path: [messages]} of the book built from `src_dir` (a directory next to book/src)."""
    env = dict(os.environ, MDBOOK_BOOK__SRC=src_dir.name,
               MDBOOK_OUTPUT=json.dumps({"msglist": {"command": str(tool)}}))
    run = subprocess.run(["mdbook", "build", str(BOOK), "-d", str(dest)], env=env,
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"error: mdbook-msglist failed on {src_dir}:\n{run.stderr}")
    pages = json.loads((Path(dest) / "messages.json").read_text(encoding="utf-8"))
    return {page["path"]: [(m["text"], m["code"]) for m in page["messages"]] for page in pages}


def chinese_copy(zh_pages):
    """book/src-zh-import/: the English src/ with every Chinese page that exists put in its place.

    It sits next to src/ so that `{{#include ../../src/...}}` finds the same files. Returns the directory and the
    pages that had a Chinese version."""
    copy = BOOK / "src-zh-import"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(BOOK / "src", copy, ignore=shutil.ignore_patterns("*.svg", "katex"))  # pages include figures/*.md
    translated = []
    for page in sorted(p for p in zh_pages.glob("*.md")):
        if not (copy / page.name).exists():
            print(f"warning: {page.name} has no English page in book/src/; ignored", file=sys.stderr)
            continue
        text = page.read_text(encoding="utf-8")
        if page.name == "SUMMARY.md":
            text = summary_of_english_pages(text, copy)
        (copy / page.name).write_text(text, encoding="utf-8")
        translated.append(page.name)
    return copy, translated


def summary_of_english_pages(summary, src):
    """A Chinese SUMMARY.md without the lines that link pages the English book does not have (a page added on
    another branch), so that it still builds and pairs with the English one."""
    kept = []
    for line in summary.splitlines(keepends=True):
        link = re.search(r"\]\(([^)]+\.md)\)", line)
        if link and not (src / link.group(1)).exists():
            print(f"warning: SUMMARY.md links {link.group(1)}, which the English book lacks; line left out",
                  file=sys.stderr)
            continue
        kept.append(line)
    return "".join(kept)


def pair_page(en, zh):
    """(pairs [(en, zh, is_code)], mismatch description or None) for one page's (text, is_code) lists.

    Pages with the same number of messages pair message by message, leaving out (and reporting) a pair whose
    code, links or math differ. Pages with different numbers pair nothing: where a paragraph was merged or split
    is not knowable from the text (a prose message pairs with any other), so the report says between which
    messages the pages part and the translator fixes the page (check_blocks.py shows the block)."""
    code = [c for _, c in en]
    en_code, zh_code = code, [c for _, c in zh]
    en, zh = [t for t, _ in en], [t for t, _ in zh]

    def agree(i, j):  # Chinese word order may move a code span within its sentence
        return en_code[i] == zh_code[j] and sorted(fixed_parts(en[i])) == sorted(fixed_parts(zh[j]))

    n = min(len(en), len(zh))
    if len(en) == len(zh):
        bad = [i for i in range(n) if not agree(i, i)]
        pairs = [(en[i], zh[i], code[i]) for i in range(n) if i not in bad]
        note = None
        if bad:
            i = bad[0]
            a, b = fixed_parts(en[i]), fixed_parts(zh[i])
            note = (f"{len(bad)} message(s) with different code/links/math, first message {i + 1}: "
                    f"{en[i][:60]!r}\n      only in EN: {[x for x in a if x not in b]}"
                    f"\n      only in ZH: {[x for x in b if x not in a]}")
        return pairs, note
    start = 0
    while start < n and agree(start, start):
        start += 1
    end = 0  # messages agreeing from the end
    while end < n and agree(len(en) - 1 - end, len(zh) - 1 - end):
        end += 1
    first = max(0, len(en) - end - 1)  # the pages part somewhere in EN messages first+1 … start+1
    last = min(start, len(en) - 1)
    note = (f"EN has {len(en)} messages, ZH {len(zh)}: a block merged, split, added or dropped between EN "
            f"message {first + 1} and {last + 1}; nothing of this page paired\n"
            f"      EN {first + 1}: {en[first][:100]!r}\n      EN {last + 1}: {en[last][:100]!r}")
    return [], note


def pair_pages(en, zh, translated, verbose):
    """{msgid: [(page, translation), …]} from every translated page, with the per-page report printed."""
    candidates, failed = {}, 0
    print(f"{'page':40} {'messages':>8} {'paired':>7} {'unchanged':>9}  mismatches")
    for page, en_messages in en.items():
        if page not in translated:
            print(f"{page:40} {len(en_messages):8} {'—':>7} {'':>9}  no Chinese page")
            continue
        pairs, note = pair_page(en_messages, zh[page])
        unchanged = [e for e, z, is_code in pairs if not is_code and english_left(e, z)]
        print(f"{page:40} {len(en_messages):8} {len(pairs):7} {len(unchanged):9}  {note or '0'}")
        failed += note is not None
        if verbose:
            for e in unchanged:
                print(f"      unchanged: {e[:120]!r}")
        for e, z, is_code in pairs:
            if is_code or not english_left(e, z):  # one left in English stays untranslated: the check names it
                candidates.setdefault(e, []).append((page, z))
    return candidates, failed


def choose(candidates):
    """One translation per msgid: SUMMARY.md's (so the sidebar and the page title agree), else the one most
    pages use, else the first. Returns the translations and the msgids that had more than one."""
    translations, conflicts = {}, []
    for msgid, found in candidates.items():
        summary = [z for page, z in found if page == "SUMMARY.md"]
        counts = Counter(z for _, z in found)
        translations[msgid] = summary[0] if summary else counts.most_common(1)[0][0]
        if len(counts) > 1:
            conflicts.append((msgid, translations[msgid], found))
    return translations, conflicts


def write_po(translations):
    """zh-CN.po with every msgid of messages.pot; a msgid no page pairs keeps the old po's translation."""
    header, entries = pofile.read(pofile.POT)
    old = {}
    if pofile.PO.exists():
        old = {e.msgid: e.msgstr for e in pofile.read(pofile.PO)[1] if e.msgstr and not e.fuzzy}
    header.msgstr = re.sub(r"Language: [^\n]*", "Language: zh_CN", header.msgstr)
    for e in entries:
        e.msgstr = translations.get(e.msgid) or old.get(e.msgid, "")
    pofile.write(pofile.PO, header, entries)
    kept = sum(e.msgid not in translations and bool(e.msgstr) for e in entries)
    return len(entries), sum(bool(e.msgstr) for e in entries), kept


def import_pages(zh_pages, tool, verbose):
    with pofile.temp_dir() as tmp:
        tmp = Path(tmp)
        shutil.copyfile(pofile.regenerate_pot(tmp / "pot"), pofile.POT)
        en = dump_messages(BOOK / "src", tool, tmp / "en")
        copy, translated = chinese_copy(zh_pages)
        try:
            zh = dump_messages(copy, tool, tmp / "zh")
        finally:
            shutil.rmtree(copy, ignore_errors=True)
    candidates, failed = pair_pages(en, zh, translated, verbose)
    translations, conflicts = choose(candidates)
    total, done, kept = write_po(translations)
    print(f"\n{pofile.PO.relative_to(BOOK.parent)}: {total} messages, {done} translated ({len(translations)} "
          f"from pages, {kept} kept from the previous zh-CN.po), {total - done} untranslated; {len(conflicts)} "
          "message(s) translated differently on different pages (SUMMARY.md's or the most used one kept)")
    if verbose:
        for msgid, chosen, found in conflicts:
            print(f"  {msgid[:70]!r} → {chosen[:40]!r}; also: "
                  + "; ".join(f"{page}: {z[:40]!r}" for page, z in found if z != chosen))
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("zh_pages", type=Path, help="directory of Chinese pages named as in book/src/")
    parser.add_argument("--tool", type=Path, default=BOOK.parent / "target/msglist/release/mdbook-msglist")
    parser.add_argument("--verbose", action="store_true", help="list unchanged messages and conflicts")
    args = parser.parse_args()
    if not args.zh_pages.is_dir():
        sys.exit(f"error: {args.zh_pages} is not a directory of Chinese pages")
    if not args.tool.exists():
        sys.exit(f"error: {args.tool} not found; build it with `make po-import` or "
                 "`cargo build --release --manifest-path book/po/msglist/Cargo.toml --target-dir target/msglist`")
    sys.exit(import_pages(args.zh_pages, args.tool.resolve(), args.verbose))


if __name__ == "__main__":
    main()
