"""jielong beside PyTorch: `cargo bench --bench throughput` and its twin `benches/twin.py`, run alternately on
the same device with the same threads, and one table of the medians with their ratio (`make bench`).

    .venv/bin/python benches/side_by_side.py --jielong PATH [--device cpu|cuda] [--threads N] [--rounds R]

PATH is the compiled bench (the Makefile finds it). Alternating rounds (jielong, PyTorch, jielong, …) spread a
machine's slow moments over both sides; the median of each side's rounds is reported, and the spread (lowest
to highest) beside it so a noisy machine shows. A ratio above 1 means jielong is faster.

"train fp32" is each side's default AdamW: jielong's written-out steps on a CPU, its fused kernel on a GPU;
PyTorch's per-parameter loop on a CPU, its multi-tensor kernels on a GPU. The "fused AdamW" rows use
libtorch's fused kernel on both sides.
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

TWIN = Path(__file__).with_name("twin.py")


def measurements(cmd):
    """{(model, what): (tokens/s, ms, parameters)} from one run of a bench printing JSON lines."""
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {(r["model"], r["what"]): (r["tokens_per_sec"], r["ms"], r["parameters"]) for r in rows}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jielong", required=True, help="the compiled throughput bench")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--new-tokens", type=int, default=256)
    a = ap.parse_args()
    common = ["--threads", str(a.threads), "--steps", str(a.steps), "--new-tokens", str(a.new_tokens)]
    ours = [a.jielong, a.device, "--json", *common]
    theirs = [sys.executable, str(TWIN), "--device", a.device, "--json", *common]
    runs = {"jielong": [], "PyTorch": []}
    for r in range(a.rounds):
        for side, cmd in (("jielong", ours), ("PyTorch", theirs)):
            print(f"round {r + 1}/{a.rounds}: {side}", file=sys.stderr, flush=True)
            runs[side].append(measurements(cmd))
    print(f"device: {a.device}, {a.threads} threads; median of {a.rounds} alternating rounds (lowest–highest)\n")
    print("| model | measurement | jielong tokens/s | PyTorch tokens/s | jielong ms | PyTorch ms | ratio |")
    # ms: per training step, or per generated token
    print("|---|---|---:|---:|---:|---:|---:|")
    for key in runs["jielong"][0]:
        model, what = key
        if key not in runs["PyTorch"][0]:  # the twin names its measurements the same way
            continue
        ours_tps = [m[key][0] for m in runs["jielong"]]
        theirs_tps = [m[key][0] for m in runs["PyTorch"]]
        ours_p, theirs_p = runs["jielong"][0][key][2], runs["PyTorch"][0][key][2]
        if ours_p != theirs_p:
            sys.exit(f"error: the twins differ: {model} has {ours_p} parameters in jielong, {theirs_p} in PyTorch")
        o, t = statistics.median(ours_tps), statistics.median(theirs_tps)
        ours_ms = statistics.median(m[key][1] for m in runs["jielong"])
        theirs_ms = statistics.median(m[key][1] for m in runs["PyTorch"])
        print(
            f"| {model} | {what} | {o:.0f} ({min(ours_tps):.0f}–{max(ours_tps):.0f}) "
            f"| {t:.0f} ({min(theirs_tps):.0f}–{max(theirs_tps):.0f}) "
            f"| {ours_ms:.2f} | {theirs_ms:.2f} | {o / t:.2f}× |"
        )

if __name__ == "__main__":
    main()
