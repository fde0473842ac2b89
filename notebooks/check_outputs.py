"""Fail when an executed notebook shows an error.

evcxr reports a panic, or an error returned with `?`, as text on stderr rather than as a failed cell, so
nbconvert alone would pass such a notebook. Usage: check_outputs.py EXECUTED.ipynb...
"""
import json
import sys


def problems(path):
    """(cell source, error text) for every cell with an error output or anything on stderr."""
    for cell in json.load(open(path, encoding="utf-8"))["cells"]:
        text = ""
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                text += out.get("evalue", "") + "\n"
            elif out.get("name") == "stderr":
                text += "".join(out.get("text", ""))
        if text.strip():
            yield "".join(cell["source"]), text


failed = 0
for path in sys.argv[1:]:
    for source, text in problems(path):
        failed += 1
        print(f"error: a cell of {path} failed:\n{source}\n---\n{text}", file=sys.stderr)
sys.exit(1 if failed else 0)
