#!/usr/bin/env python3
"""Check the built book: both editions have every page, every page has its language switch, every Chinese page
shows the formulas of its English page, and (without --structure-only) no English paragraph is left in the
Chinese edition.

Usage: check_zh_html.py [--structure-only] BUILD_DIR   (BUILD_DIR = book/book, Chinese under BUILD_DIR/zh-CN)

- Pages: every chapter of SUMMARY.md is BUILD_DIR/<page>.html and BUILD_DIR/zh-CN/<page>.html, and the Chinese
  one says <html lang="zh-CN">.
- Language switch (theme/header.hbs): every page of both editions has it, and it names a page that exists in
  the other edition.
- Formulas: each Chinese chapter page has exactly the formulas of its English page, in any order: the same
  MathML, which KaTeX made from the same TeX (its annotation). mdbook-gettext writes each translated paragraph
  back as Markdown and escapes characters inside formulas too, so a formula can come out meaning something
  else with no KaTeX error (`L_{x}` comes back as `L\\_{x}`, an underscore printed, unless a macro of
  theme/katex-gettext.txt undoes the escape): this comparison catches that.
- Figures: a Chinese page shows the Chinese run's chart wherever there is one: an image figures/chNN/X.svg
  whose twin book/src/figures/zh/chNN/X.svg exists (`make figures` copies runs/zh/ there) must be shown as
  figures/zh/chNN/X.svg, and every image a Chinese page shows exists in the build.
- English left: in every Chinese chapter page, each paragraph, list item, table cell, heading, caption and
  quote is read without its code, math and hidden parts; one with no Chinese character and at least
  english.MIN_WORDS English words that are not quotes, citations or names (english.py) is reported.
Exit status 1 on any failure, with one line per problem.
"""
import argparse
import html
import re
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import english

BLOCKS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "dt", "dd", "caption"}
SKIPPED = {"code", "pre", "script", "style", "svg", "math", "kbd", "samp"}
VOID = {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "col", "area", "base", "embed"}
SHOWN = 20
# A formula as KaTeX renders it: MathML, ending with the TeX it was made from as an annotation.
MATH = re.compile(r"<math\b.*?</math>", re.S)
IMAGE = re.compile(r'<img\b[^>]*\bsrc="([^"]+)"')
ANNOTATION = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.S)


class Page(HTMLParser):
    """The language switch and the text of each block of an mdBook page's <main>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.switch = None  # {"page": …, "edition": …, "href": …}
        self.blocks = []  # finished block texts
        self._stack = []  # open elements: (tag, text parts or None, skipping)
        self._in_main = 0

    def _skipping(self):
        return any(skip for _, _, skip in self._stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "nav" and "language-switch" in (a.get("class") or ""):
            self.switch = {"page": a.get("data-page"), "edition": a.get("data-edition")}
        if tag == "a" and a.get("id") == "language-switch" and self.switch is not None:
            self.switch["href"] = a.get("href")
        if tag in VOID:
            return
        classes = a.get("class") or ""
        skip = (tag in SKIPPED or "katex" in classes.split() or "MathJax" in classes or "hidden" in a
                or (a.get("lang") == "en" and tag != "html"))  # English on purpose: the glossary's English column
        if tag == "main":
            self._in_main += 1
        self._stack.append((tag, [] if tag in BLOCKS else None, skip))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self._stack:
            open_tag, parts, _ = self._stack.pop()
            if parts is not None and self._in_main:
                text = " ".join("".join(parts).split())
                if text:
                    self.blocks.append((open_tag, text))
            if open_tag == "main":
                self._in_main -= 1
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._skipping():
            return
        for _, parts, _ in reversed(self._stack):
            if parts is not None:  # the innermost block gets the text, not the list item around it
                parts.append(data)
                break


def read_page(path):
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def summary_pages(book_dir):
    summary = (book_dir.parent / "src" / "SUMMARY.md").read_text(encoding="utf-8")
    return [m.removesuffix(".md") for m in re.findall(r"\]\(([^)]+\.md)\)", summary)]


def check_pages(build, pages):
    problems = []
    for page in pages:
        for edition, root in (("en", build), ("zh-CN", build / "zh-CN")):
            path = root / f"{page}.html"
            if not path.exists():
                problems.append(f"{path}: missing ({page}.md is in SUMMARY.md)")
            elif edition == "zh-CN" and read_page(path).lang != "zh-CN":
                problems.append(f"{path}: <html lang> is not zh-CN")
    return problems


def check_switches(build):
    """Every page of both editions links its twin in the other edition."""
    problems, count = [], 0
    for edition, root, other in (("en", build, build / "zh-CN"), ("zh-CN", build / "zh-CN", build)):
        for path in sorted(root.rglob("*.html")):
            if path.name == "toc.html" or (edition == "en" and "zh-CN" in path.relative_to(build).parts):
                continue  # toc.html is the sidebar, shown inside a page
            count += 1
            switch = read_page(path).switch
            if not switch or not switch.get("href"):
                problems.append(f"{path}: no language switch")
            elif switch["edition"] != edition:
                problems.append(f"{path}: language switch says edition {switch['edition']}, not {edition}")
            elif not (other / switch["page"].replace(".md", ".html")).exists():
                problems.append(f"{path}: language switch names {switch['page']}, which the other edition lacks")
    return problems, count


def formulas(path):
    """The formulas of a page, each its MathML with the TeX annotation, white space collapsed."""
    return Counter(" ".join(m.split()) for m in MATH.findall(path.read_text(encoding="utf-8")))


def tex(formula):
    """The TeX a formula was rendered from, for a message."""
    found = ANNOTATION.search(formula)
    text = html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else formula
    return text[:100]


def check_formulas(build, pages):
    """Each Chinese page shows the formulas of its English page, rendered the same from the same TeX."""
    problems = []
    for page in pages:
        en, zh = build / f"{page}.html", build / "zh-CN" / f"{page}.html"
        if not (en.exists() and zh.exists()):
            continue  # check_pages reports it
        missing, extra = formulas(en) - formulas(zh), formulas(zh) - formulas(en)
        changed = {tex(f) for f in missing} & {tex(f) for f in extra}
        for f in missing:
            what = "rendered differently (gettext changed its TeX)" if tex(f) in changed else "missing"
            problems.append(f"{zh}: English formula {what}: {tex(f)}")
        problems += [f"{zh}: formula the English page lacks: {tex(f)}" for f in extra if tex(f) not in changed]
    return problems


def check_figures(build, pages, figures):
    """Each Chinese page shows the Chinese run's chart where `figures` (book/src/figures) has one."""
    problems = []
    for page in pages:
        path = build / "zh-CN" / f"{page}.html"
        if not path.exists():
            continue  # check_pages reports it
        for src in IMAGE.findall(path.read_text(encoding="utf-8")):
            if not (path.parent / src).exists():
                problems.append(f"{path}: image {src} is not in the build")
            found = re.fullmatch(r"figures/(ch\d\d/[^/]+\.svg)", src)
            if found and (figures / "zh" / found.group(1)).exists():
                problems.append(f"{path}: shows the English run's {src}; the Chinese run's is figures/zh/{found.group(1)}")
    return problems


def check_english(build, pages):
    problems = []
    for page in pages:
        path = build / "zh-CN" / f"{page}.html"
        if path.exists():
            for tag, text in read_page(path).blocks:
                if english.is_english_left(text):
                    problems.append(f"{path}: English <{tag}>: {text[:110]}")
    return problems


def report(name, problems):
    for p in problems[:SHOWN]:
        print(f"error: {p}")
    if len(problems) > SHOWN:
        print(f"error: … and {len(problems) - SHOWN} more")
    print(f"FAIL: {name}: {len(problems)} problem(s)" if problems else f"ok: {name}")
    return not problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", type=Path, help="the book's build directory (book/book)")
    parser.add_argument("--structure-only", action="store_true", help="pages and switches, not English left")
    args = parser.parse_args()
    if not (args.build / "index.html").exists():
        sys.exit(f"error: {args.build}/index.html not found; run `make book` first")
    pages = summary_pages(args.build)
    ok = report(f"the {len(pages)} pages of SUMMARY.md in both editions", check_pages(args.build, pages))
    problems, count = check_switches(args.build)
    ok = report(f"a language switch on each of {count} pages", problems) and ok
    problems = check_formulas(args.build, pages)
    ok = report("each Chinese page shows its English page's formulas", problems) and ok
    figures = args.build.parent / "src" / "figures"
    ok = report("each Chinese page shows the Chinese run's charts", check_figures(args.build, pages, figures)) and ok
    if not args.structure_only:
        ok = report("no English paragraph in the Chinese edition", check_english(args.build, pages)) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
