#!/usr/bin/env python3
"""The Chinese notebooks, notebooks/zh-CN/NN-*.ipynb: the English notebook's code cells, translated text cells.

Usage:
  zh_notebooks.py template NN > NN.md        the English text cells of notebook NN, to translate
  zh_notebooks.py assemble NN TRANSLATION.md  write notebooks/zh-CN/NN-*.ipynb from the English notebook and
                                             the translation
  zh_notebooks.py sync                       rewrite every Chinese notebook's code cells from the English one
  zh_notebooks.py check [--complete]         fail when a Chinese notebook's code differs from the English
                                             notebook's, or a text cell is untranslated or translates an English
                                             cell that has changed since; --complete: also when an English
                                             notebook has no Chinese one

The one difference allowed in code: a Chinese notebook sits one directory deeper, so its string literals that
start with the repository root's relative path (`".."`: `:dep jielong = { path = ".." }`, `"../runs"`) start with
`"../.."` instead — otherwise it could not be opened in JupyterLab next to the English one.

A translation file holds each text (markdown) cell of the English notebook, in order, after a line
`<!-- cell N -->` (N counts the markdown cells from 0). Code cells are never translated: the Chinese notebook
takes them from the English one, so the two cannot drift. Each Chinese text cell records in its metadata the
hash of the English cell it translates (`translation_of`); `check` reports a cell whose English text changed.
"""
import copy
import hashlib
import json
import re
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent
ZH = NOTEBOOKS / "zh-CN"
sys.path.insert(0, str(NOTEBOOKS.parent / "book" / "po"))
import english  # noqa: E402  (the book's rule for English left in a Chinese text)

MARKER = re.compile(r"^<!-- cell (\d+) -->[ \t]*\n", re.M)


ROOT_LITERAL = re.compile(r'"\.\.(?=[/"])')


def relocate(code):
    """An English code cell as the Chinese notebook, one directory deeper, must have it."""
    return ROOT_LITERAL.sub('"../..', code)


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def lines(text):
    """A cell source as Jupyter stores it: lines that keep their newline."""
    return text.splitlines(keepends=True)


def digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def english_notebook(number):
    found = sorted(NOTEBOOKS.glob(f"{number:0>2}-*.ipynb"))
    if not found:
        sys.exit(f"error: no notebook notebooks/{number:0>2}-*.ipynb")
    return found[0]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def save(path, notebook):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def markdown_cells(notebook):
    return [c for c in notebook["cells"] if c["cell_type"] == "markdown"]


def read_translation(path, expected):
    """The translated text cells of a translation file, checked to be exactly cells 0 … expected-1."""
    parts = MARKER.split(path.read_text(encoding="utf-8"))
    numbers, texts = [int(n) for n in parts[1::2]], [t.strip("\n") for t in parts[2::2]]
    if numbers != list(range(expected)):
        sys.exit(f"error: {path} has cells {numbers}; the English notebook has markdown cells 0…{expected - 1}")
    return texts


def assemble(en_path, texts):
    """The Chinese notebook: the English one with its text cells replaced, in order, by `texts`."""
    notebook = copy.deepcopy(load(en_path))
    translated = iter(texts)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["source"] = lines(relocate(source(cell)))
        elif cell["cell_type"] == "markdown":
            english_text = source(cell)
            cell["source"] = lines(next(translated))
            cell["metadata"] = {**cell.get("metadata", {}), "translation_of": digest(english_text)}
    return notebook


def zh_path(en_path):
    return ZH / en_path.name


def command_template(number):
    for k, cell in enumerate(markdown_cells(load(english_notebook(number)))):
        print(f"<!-- cell {k} -->\n{source(cell)}\n")


def command_assemble(number, translation):
    en_path = english_notebook(number)
    texts = read_translation(Path(translation), len(markdown_cells(load(en_path))))
    save(zh_path(en_path), assemble(en_path, texts))
    print(f"wrote {zh_path(en_path).relative_to(NOTEBOOKS.parent)}")


def command_sync():
    for zh in sorted(ZH.glob("*.ipynb")):
        en_path = NOTEBOOKS / zh.name
        texts = [source(c) for c in markdown_cells(load(zh))]
        if len(texts) != len(markdown_cells(load(en_path))):
            sys.exit(f"error: {zh} has {len(texts)} text cells, {en_path.name} another number; "
                     "re-assemble it from a translation file")
        old = {i: c["metadata"].get("translation_of") for i, c in enumerate(markdown_cells(load(zh)))}
        notebook = assemble(en_path, texts)
        for i, cell in enumerate(markdown_cells(notebook)):
            cell["metadata"]["translation_of"] = old[i]  # a changed English cell stays reported by `check`
        save(zh, notebook)
        print(f"synced {zh.relative_to(NOTEBOOKS.parent)}")


def problems(en_path, zh):
    """What is wrong with one Chinese notebook against its English notebook."""
    en_cells, zh_cells = load(en_path)["cells"], load(zh)["cells"]
    kinds = lambda cells: [c["cell_type"] for c in cells]  # noqa: E731
    if kinds(en_cells) != kinds(zh_cells):
        return [f"{zh.name}: the cells are not those of {en_path.name} "
                f"({len(zh_cells)} cells, {len(en_cells)} in English); run `zh_notebooks.py sync`"]
    found = []
    for k, (en, cn) in enumerate(zip(en_cells, zh_cells)):
        if en["cell_type"] == "code" and relocate(source(en)) != source(cn):
            found.append(f"{zh.name} cell {k}: code differs from {en_path.name}; run `zh_notebooks.py sync`")
        elif en["cell_type"] == "markdown":
            text = source(cn)
            if text == source(en) or english.is_english_left(re.sub(r"`[^`]*`|```.*?```", " ", text, flags=re.S)):
                found.append(f"{zh.name} cell {k}: text left in English: {text[:80]!r}")
            elif cn.get("metadata", {}).get("translation_of") != digest(source(en)):
                found.append(f"{zh.name} cell {k}: the English cell changed since it was translated: "
                             f"{source(en)[:80]!r}")
    return found


def command_check(complete):
    found, checked = [], 0
    for en_path in sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")):
        zh = zh_path(en_path)
        if zh.exists():
            checked += 1
            found += problems(en_path, zh)
        elif complete:
            found.append(f"{en_path.name}: no Chinese notebook notebooks/zh-CN/{en_path.name}")
    for line in found:
        print(f"error: {line}")
    print(f"{'FAIL' if found else 'ok'}: {checked} Chinese notebook(s) checked against the English code"
          + (f", {len(found)} problem(s)" if found else ""))
    return 1 if found else 0


def main(args):
    if args[:1] == ["template"] and len(args) == 2:
        return command_template(args[1])
    if args[:1] == ["assemble"] and len(args) == 3:
        return command_assemble(args[1], args[2])
    if args == ["sync"]:
        return command_sync()
    if args[:1] == ["check"] and args[1:] in ([], ["--complete"]):
        return command_check(complete=bool(args[1:]))
    sys.exit("error: usage: zh_notebooks.py template NN | assemble NN FILE | sync | check [--complete]")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) or 0)
