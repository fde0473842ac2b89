#!/usr/bin/env python3
"""Check the built book: it must load nothing from the network and leave no formula unrendered.

    python book/check_book.py book/book

Reads every .html and .css file under the directory, recursively (so a second language edition in
book/book/zh-CN/ is checked the same way), and prints one line per problem:

- a network load: a script, stylesheet, font, image or frame whose address starts with http://, https:// or
  // (src, href of <link>, srcset, data of <object>), or a CSS @import / url() that does;
- an unrendered formula: TeX delimiters \\( \\) \\[ \\] or $$ left in a page's text outside code, or a KaTeX
  error (class "katex-error"), which KaTeX writes where it could not parse a formula.

Exit status 0 when the book is clean, 1 when a problem was found, 2 when the directory holds no page.
Only the standard library: it runs on any Python 3.
"""

import html.parser
import os
import re
import sys

# An address that leaves the machine: a scheme or a protocol-relative //host.
REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
# CSS that pulls in another file: @import "x", @import url(x), url(x).
CSS_LOADS = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)|url\(\s*['"]?([^'")\s]+)""", re.IGNORECASE)
# TeX delimiters that a renderer should have consumed.
TEX_LEFTOVERS = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$")
# Elements whose text is code or not text at all: delimiters there are content, not formulas.
NOT_PROSE = {"code", "pre", "script", "style", "kbd", "samp", "textarea", "annotation"}
# Which attribute of which element loads a resource as the page opens (an <a href> is only a link).
LOADING_ATTRIBUTES = {
    "script": ["src"],
    "link": ["href"],
    "img": ["src", "srcset"],
    "source": ["src", "srcset"],
    "iframe": ["src"],
    "embed": ["src"],
    "object": ["data"],
    "audio": ["src"],
    "video": ["src", "poster"],
    "track": ["src"],
    "input": ["src"],
}
# <link rel=…> values that only name a relation and load nothing.
NON_LOADING_RELS = {"canonical", "alternate", "author", "license", "help", "next", "prev", "search", "edit"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def remote_css_loads(css):
    """The remote addresses that a piece of CSS imports or points url() at."""
    found = []
    for match in CSS_LOADS.finditer(css):
        address = match.group(1) or match.group(2)
        if REMOTE.match(address):
            found.append(address)
    return found


class PageChecker(html.parser.HTMLParser):
    """Walks one page and collects (line, problem) pairs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.open_elements = []  # names of the open elements, to know whether text is prose
        self.not_prose_depth = 0

    def report(self, problem):
        self.problems.append((self.getpos()[0], problem))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.check_loads(tag, attrs)
        if "katex-error" in (attrs.get("class") or "").split():
            self.report(f"KaTeX could not render a formula: {attrs.get('title', '')!r}")
        if tag in VOID:
            return
        self.open_elements.append(tag)
        if tag in NOT_PROSE:
            self.not_prose_depth += 1

    def handle_startendtag(self, tag, attrs):
        self.check_loads(tag, dict(attrs))

    def handle_endtag(self, tag):
        if tag not in self.open_elements:
            return
        while self.open_elements:
            closed = self.open_elements.pop()
            if closed in NOT_PROSE:
                self.not_prose_depth -= 1
            if closed == tag:
                break

    def check_loads(self, tag, attrs):
        rels = set((attrs.get("rel") or "").lower().split())
        if tag == "link" and rels and rels <= NON_LOADING_RELS:
            return
        for name in LOADING_ATTRIBUTES.get(tag, []):
            value = attrs.get(name) or ""
            # srcset lists "address width" pairs separated by commas.
            addresses = [value]
            if name == "srcset":
                addresses = [part.split()[0] for part in value.split(",") if part.strip()]
            for address in addresses:
                if REMOTE.match(address):
                    self.report(f"<{tag} {name}> loads {address} from the network")
        for address in remote_css_loads(attrs.get("style") or ""):
            self.report(f"inline style loads {address} from the network")

    def handle_data(self, data):
        if self.open_elements and self.open_elements[-1] == "style":
            for address in remote_css_loads(data):
                self.report(f"<style> loads {address} from the network")
        if self.not_prose_depth == 0:
            for match in TEX_LEFTOVERS.finditer(data):
                start = max(0, match.start() - 30)
                context = " ".join(data[start : match.end() + 30].split())
                self.report(f"unrendered formula: {match.group()!r} in …{context}…")


def check_file(path):
    """The problems of one .html or .css file, as (line, problem) pairs."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".css"):
        return [
            (text.count("\n", 0, m.start()) + 1, f"stylesheet loads {m.group(1) or m.group(2)} from the network")
            for m in CSS_LOADS.finditer(text)
            if REMOTE.match(m.group(1) or m.group(2))
        ]
    checker = PageChecker()
    checker.feed(text)
    checker.close()
    return checker.problems


def check_book(root):
    """Check every .html and .css file under `root`; return (pages checked, problems as printable lines)."""
    pages = 0
    problems = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories.sort()
        for name in sorted(files):
            if not name.endswith((".html", ".css")):
                continue
            path = os.path.join(directory, name)
            pages += name.endswith(".html")
            problems += [f"{path}:{line}: {problem}" for line, problem in check_file(path)]
    return pages, problems


def main(argv):
    if len(argv) != 2:
        print("error: usage: check_book.py BUILT_BOOK_DIR (e.g. book/book)", file=sys.stderr)
        return 2
    pages, problems = check_book(argv[1])
    if pages == 0:
        print(f"error: no .html page under {argv[1]}: build the book first (make book)", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    if problems:
        print(f"error: {len(problems)} problem(s) in the built book ({pages} pages checked)", file=sys.stderr)
        return 1
    print(f"book check: {pages} pages, no network loads, every formula rendered")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
