"""Reading and writing the gettext files of the Chinese edition (messages.pot, zh-CN.po).

Only what mdbook-xgettext and msgmerge write is needed: entries of comment lines (`#: src/page.md` references,
`#, fuzzy` flags, `#~` obsolete entries), a msgid and a msgstr, each a string split over quoted lines.
No plural forms or contexts: mdbook-xgettext writes none.
"""
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent
POT = BOOK / "po" / "messages.pot"
PO = BOOK / "po" / "zh-CN.po"
# mdbook-xgettext's settings: no line numbers in references, so that editing a page does not touch every entry.
XGETTEXT_OUTPUT = '{"xgettext": {"pot-file": "messages.pot", "granularity": 0}}'

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    msgid: str
    msgstr: str = ""
    comments: list = field(default_factory=list)  # every '#' line but the flags, as written

    @property
    def fuzzy(self):
        return any(c.startswith("#,") and "fuzzy" in c for c in self.comments)

    @property
    def pages(self):
        """The pages the message comes from, from its `#: src/a.md src/b.md` references."""
        refs = [r for c in self.comments if c.startswith("#:") for r in c[2:].split()]
        return sorted({re.sub(r":\d+$", "", r).removeprefix("src/") for r in refs})


def _unquote(line):
    body = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), body)


def quote(text):
    """A PO string: one quoted line per source line, as msgcat writes long strings."""
    esc = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = esc.split("\n")
    parts = [line + "\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    if len(parts) <= 1:
        return f'"{parts[0] if parts else ""}"'
    return '""\n' + "\n".join(f'"{p}"' for p in parts)


def read(path):
    """(header entry, [entries]) of a PO or POT file; obsolete `#~` entries are dropped."""
    entries, comments, key, values = [], [], None, {}

    def flush():
        nonlocal comments, values, key
        if "msgid" in values:
            entries.append(Entry(values["msgid"], values.get("msgstr", ""), comments))
        comments, values, key = [], {}, None

    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#"):
            if "msgid" in values:
                flush()
            comments.append(line)
        elif line.startswith(("msgid ", "msgstr ")):
            key = line.split()[0]
            if key == "msgid" and "msgid" in values:
                flush()
                key = "msgid"
            values[key] = _unquote(line)
        elif line.startswith('"') and key:
            values[key] += _unquote(line)
    flush()
    if not entries or entries[0].msgid != "":
        raise ValueError(f"{path}: no header entry")
    return entries[0], entries[1:]


def write(path, header, entries):
    """Write a PO file (header entry first), then let msgcat put it in gettext's own layout."""
    out = []
    for e in [header] + entries:
        out += e.comments + [f"msgid {quote(e.msgid)}", f"msgstr {quote(e.msgstr)}", ""]
    Path(path).write_text("\n".join(out), encoding="utf-8")
    subprocess.run(["msgcat", "--use-first", "-o", str(path), str(path)], check=True)


def regenerate_pot(dest_dir):
    """Run mdbook-xgettext on the English book; returns the path of the fresh messages.pot."""
    env = dict(os.environ, MDBOOK_OUTPUT=XGETTEXT_OUTPUT)
    run = subprocess.run(["mdbook", "build", str(BOOK), "-d", str(dest_dir)], env=env,
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"error: mdbook-xgettext failed on the English book:\n{run.stderr}")
    return Path(dest_dir) / "messages.pot"


def temp_dir():
    return tempfile.TemporaryDirectory(prefix="jielong-po-")
