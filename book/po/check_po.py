#!/usr/bin/env python3
"""Check book/po: messages.pot is the current English book's, and zh-CN.po translates all of it.

Usage: check_po.py [--pot-only | --report] [--po FILE] [--pot FILE]
  (no option)  fail (exit 1) when messages.pot is stale, when zh-CN.po's messages are not messages.pot's, or
               when any message is untranslated or fuzzy; the failures are listed page by page
  --pot-only   only the first two checks (what `make test` runs while the translation is being written)
  --report     never fail; print msgfmt's statistics and what is left to translate, page by page (`make po`)

Stale: mdbook-xgettext, run now on book/src, would write other msgids than book/po/messages.pot holds (an
English page changed without `make po`). The translation is counted by `msgfmt --statistics`.
"""
import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pofile

SHOWN = 5  # messages listed per failure


def same_msgids(expected_path, actual_path, error, labels, ok):
    """Whether two catalogs hold the same msgids; if not, print `error` and the differences both ways."""
    expected = [e.msgid for e in pofile.read(expected_path)[1]]
    actual = [e.msgid for e in pofile.read(actual_path)[1]]
    have, want = set(actual), set(expected)
    differences = ([m for m in expected if m not in have], [m for m in actual if m not in want])
    if not any(differences):
        print(f"ok: {ok} ({len(actual)} messages)")
        return True
    print(f"error: {error}")
    for label, msgids in zip(labels, differences):
        print(f"  {label}: {len(msgids)}")
        for m in msgids[:SHOWN]:
            print(f"    {m[:100]!r}")
    return False


def check_pot(pot_path):
    """The committed messages.pot against one regenerated from the English book now."""
    with pofile.temp_dir() as tmp:
        return same_msgids(
            pofile.regenerate_pot(tmp), pot_path,
            f"{pot_path} does not match the English book; run `make po` and translate what it lists",
            ("messages in the book but not in messages.pot", "messages in messages.pot but no longer in the book"),
            f"{pot_path.name} matches the English book")


def check_po_matches_pot(po_path, pot_path):
    return same_msgids(
        pot_path, po_path, f"{po_path.name} was not merged with {pot_path.name}; run `make po`",
        ("messages of messages.pot missing in the po", "messages in the po that messages.pot no longer has"),
        f"{po_path.name} has exactly the messages of {pot_path.name}")


def statistics(po_path):
    """msgfmt's own count: {'translated': n, 'fuzzy': n, 'untranslated': n}."""
    run = subprocess.run(["msgfmt", "--check-format", "--statistics", "-o", "/dev/null", str(po_path)],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"error: msgfmt rejects {po_path}:\n{run.stderr}")
    counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    for number, kind in re.findall(r"(\d+) (translated|fuzzy|untranslated)", run.stderr):
        counts[kind] = int(number)
    return counts, run.stderr.strip()


def per_page(po_path):
    """{page: Counter(untranslated=…, fuzzy=…)} over the pages each message is on."""
    _, entries = pofile.read(po_path)
    pages = {}
    for e in entries:
        kind = "fuzzy" if e.fuzzy else ("untranslated" if not e.msgstr else None)
        if kind:
            for page in e.pages or ["?"]:
                pages.setdefault(page, Counter())[kind] += 1
    return pages


def check_translation(po_path, fail):
    counts, line = statistics(po_path)
    print(f"msgfmt --statistics {po_path.name}: {line}")
    pages = per_page(po_path)
    for page, c in sorted(pages.items()):
        print(f"  {page:40} untranslated {c['untranslated']:4}  fuzzy {c['fuzzy']:4}")
    left = counts["fuzzy"] + counts["untranslated"]
    if left and fail:
        print(f"error: {left} message(s) of the Chinese book are untranslated or fuzzy (pages above); "
              "translate them in book/po/zh-CN.po (or import pages: book/po/README.md)")
        return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--pot-only", action="store_true")
    mode.add_argument("--report", action="store_true")
    parser.add_argument("--po", type=Path, default=pofile.PO)
    parser.add_argument("--pot", type=Path, default=pofile.POT)
    args = parser.parse_args()
    for path in (args.po, args.pot):
        if not path.exists():
            sys.exit(f"error: {path} not found; `make po` writes it")
    if args.report:
        check_translation(args.po, fail=False)
        return 0
    ok = check_pot(args.pot)
    ok = check_po_matches_pot(args.po, args.pot) and ok
    if not args.pot_only:
        ok = check_translation(args.po, fail=True) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
