# jielong — the course's tasks. On a new machine `make run` and `make test` are all you need: each installs
# what is missing (libtorch, mdbook, mdbook-katex, jupyter, evcxr) and reuses what is there.
#
#   make run     every chapter's experiment → runs/ch01/ … runs/ch06/ (make ch01, make ch06, …: one chapter)
#   make run-zh  the same in Chinese (the world told in Chinese, Chinese prompts) → runs/zh/ch01/ … runs/zh/ch06/
#   make test    Rust tests, notebooks executed headless, the book built and checked (nothing loaded from the
#                network, every formula rendered)
#   make book    build the book → book/book/index.html (English), book/book/zh-CN/index.html (中文)
#   make lab     open the notebooks in JupyterLab
#   make figures copy the charts of the last `make run` (and `make run-zh`) into the book, each chapter's
#                result.json beside them: tests/book_figures.rs draws them again from it and fails on a difference
#   make doctor  what this machine gives the course: libtorch, CUDA and its GPUs, the CPU's bf16, the tools
#   make gpu-check  on a GPU machine: CUDA end to end, measured (about 5 minutes)
#   make bench      jielong beside the same model in PyTorch, side by side (about 5 minutes)
#
# A Makefile, not an xtask: the set-up must run before cargo can build anything (libtorch), and `make` is
# already on every machine a Rust learner uses.

SHELL := /bin/bash
TORCH_VERSION := 2.11.0
MDBOOK_VERSION := 0.4.52
# The last mdbook-katex for mdBook 0.4 (0.10 needs mdBook 0.5); about 2½ minutes to build on 2 cores.
MDBOOK_KATEX_VERSION := 0.9.4
EVCXR_VERSION := 0.22.0
VENV := $(CURDIR)/.venv
PYTHON := $(VENV)/bin/python
JUPYTER := $(VENV)/bin/jupyter
# Point LIBTORCH at your own libtorch to skip the PyPI download.
LIBTORCH ?= $(VENV)/libtorch
export LIBTORCH
# Notebooks are compiled by evcxr outside this crate, so they need the library path spelled out;
# cargo's own binaries and tests carry an rpath instead (build.rs).
export LD_LIBRARY_PATH := $(LIBTORCH)/lib$(if $(LD_LIBRARY_PATH),:$(LD_LIBRARY_PATH))
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: setup libtorch mdbook mdbook-katex jupyter evcxr doctor gpu-check bench run run-zh ch01 ch02 ch03 ch04 ch05 ch06 test test-rust test-notebooks test-book book lab figures

setup: libtorch mdbook mdbook-katex jupyter evcxr

libtorch:
	@if [ -e "$(LIBTORCH)/lib/libtorch_cpu.so" ]; then \
	  echo "libtorch: $(LIBTORCH)"; \
	elif [ "$(origin LIBTORCH)" = environment ]; then \
	  echo "error: LIBTORCH=$(LIBTORCH) has no lib/libtorch_cpu.so; unset it to install PyPI torch into .venv"; exit 1; \
	else \
	  echo "installing PyPI torch==$(TORCH_VERSION) into .venv (about 5 GB, once)"; \
	  [ -x "$(PYTHON)" ] || python3 -m venv "$(VENV)"; \
	  "$(PYTHON)" -m pip install --quiet --disable-pip-version-check torch==$(TORCH_VERSION) && \
	  ln -sfn "$$("$(PYTHON)" -c 'import importlib.util as u, os; print(os.path.dirname(u.find_spec("torch").origin))')" "$(VENV)/libtorch"; \
	fi

mdbook:
	@command -v mdbook >/dev/null || cargo install mdbook --version $(MDBOOK_VERSION) --locked --no-default-features --features search

# Renders the book's formulas at build time (book/book.toml), so its pages need no MathJax from a CDN.
mdbook-katex:
	@command -v mdbook-katex >/dev/null || cargo install mdbook-katex --version $(MDBOOK_KATEX_VERSION) --locked

jupyter:
	@[ -x "$(PYTHON)" ] || python3 -m venv "$(VENV)"
	@[ -x "$(JUPYTER)" ] && "$(PYTHON)" -c 'import nbconvert, nbclient' 2>/dev/null || \
	  "$(PYTHON)" -m pip install --quiet --disable-pip-version-check jupyter nbconvert nbclient

evcxr: jupyter
	@command -v evcxr_jupyter >/dev/null || cargo install evcxr_jupyter --version $(EVCXR_VERSION) --locked
	@"$(JUPYTER)" kernelspec list 2>/dev/null | grep -q '^ *rust ' || evcxr_jupyter --install

run: ch01 ch02 ch03 ch04 ch05 ch06

# Every chapter again with `--lang zh`: the same people and facts, told and asked in Chinese.
run-zh: libtorch
	for ch in ch01 ch02 ch03 ch04 ch05 ch06; do cargo run --release --example $$ch -- --lang zh || exit 1; done

doctor: libtorch
	cargo run --release --quiet -- doctor

# On a GPU machine, the checks that need one: the doctor, the device tests on CUDA, the throughput bench on
# CUDA, and chapter 3's `small` preset (about 12M parameters) for 300 steps, whose report gives tokens/s and
# MFU. GPU_PEAK_FLOPS sets the peak MFU is measured against (e.g. 989e12 for an H100 SXM's dense bf16);
# without it, the peak of a bf16 matrix product on the GPU is measured. Everything lands in target/gpu-check/.
GPU_PEAK_FLOPS ?=
gpu-check: libtorch
	@mkdir -p target/gpu-check
	cargo run --release --quiet -- doctor | tee target/gpu-check/doctor.txt
	@grep -q '^  cuda:0 ' target/gpu-check/doctor.txt || { echo "error: no CUDA GPU is usable here (see the doctor above)"; exit 1; }
	JIELONG_TEST_DEVICE=cuda cargo test --release --test device --test cuda
	cargo bench --bench throughput -- cuda | tee target/gpu-check/throughput.md
	cargo run --release --example ch03 -- --preset small --print-default-config > target/gpu-check/ch03-small.json
	"$(PYTHON)" -c 'import json, sys; c = json.load(open(sys.argv[1])); \
	  c.update(runs_dir="target/gpu-check/runs", compare=False, peak_flops=float(sys.argv[2]) if sys.argv[2] else None); \
	  c["train"].update(steps=300, eval_every=100, checkpoint_every=0); \
	  json.dump(c, open(sys.argv[1], "w"), indent=2)' target/gpu-check/ch03-small.json "$(GPU_PEAK_FLOPS)"
	cargo run --release --example ch03 -- --config target/gpu-check/ch03-small.json --device cuda
	@grep -h '^Training:' target/gpu-check/runs/ch03-small/report.md

# jielong beside PyTorch (benches/twin.py, the same GPTs and training step in PyTorch eager), alternately, on
# BENCH_DEVICE with BENCH_THREADS threads: tokens/s, ms and their ratio, fp32 and bf16 training, generation with
# and without the KV cache. About 5 minutes on 2 cores; the table also lands in target/bench/side_by_side.md.
BENCH_DEVICE ?= cpu
BENCH_THREADS ?= 2
BENCH_ROUNDS ?= 3
bench: libtorch
	@mkdir -p target/bench
	@bin=$$(cargo bench --bench throughput --no-run 2>&1 | grep -o 'target/[^)]*/throughput-[0-9a-f]*' | tail -1); \
	  [ -x "$$bin" ] || { echo "error: could not build the throughput bench"; exit 1; }; \
	  "$(PYTHON)" benches/side_by_side.py --jielong "$$bin" --device $(BENCH_DEVICE) \
	    --threads $(BENCH_THREADS) --rounds $(BENCH_ROUNDS) | tee target/bench/side_by_side.md

ch01 ch02 ch03 ch04 ch05 ch06: libtorch
	cargo run --release --example $@

test: setup test-rust test-notebooks test-book

test-rust: libtorch
	cargo test

# evcxr compiles each cell as a small crate that depends on jielong, by default in a fresh temporary directory
# per kernel: tch, libtorch's C++ glue, plotters, clap… were rebuilt every time (about 3 minutes on 2 cores).
# EVCXR_TMPDIR keeps that crate and its target directory in target/evcxr/, so only the first run compiles the
# dependencies and later kernels start in seconds; the project's Cargo.lock pins the same versions there.
# Two kernels must not compile in it at the same moment: nbconvert runs the notebooks one after another, and
# `flock` makes a second `make test-notebooks` (another checkout sharing the directory) wait for the first —
# and for a `make lab` kernel that holds the same lock (see lab below).
test-notebooks lab: export EVCXR_TMPDIR := $(CURDIR)/target/evcxr

# evcxr reports a panic, or an error returned with `?`, as text on stderr rather than as a failed cell, so
# after nbconvert (which fails on compile errors) any error or stderr output in an executed notebook fails.
test-notebooks: libtorch jupyter evcxr
	@mkdir -p "$$EVCXR_TMPDIR" && cp Cargo.lock "$$EVCXR_TMPDIR/Cargo.lock"
	flock "$$EVCXR_TMPDIR/.lock" "$(JUPYTER)" nbconvert --to notebook --execute --ExecutePreprocessor.timeout=1800 \
	  --ExecutePreprocessor.kernel_name=rust --output-dir target/notebooks notebooks/*.ipynb
	"$(PYTHON)" notebooks/check_outputs.py $(patsubst notebooks/%,target/notebooks/%,$(wildcard notebooks/*.ipynb))

book: mdbook mdbook-katex
	mdbook build book
	$(BOOK_ZH_BUILD)

# Every page of the built book, every language edition under book/book/ included: no script, stylesheet, font
# or image from the network, no formula left as TeX. The checker's own tests first, so a checker that can no
# longer fail fails here.
test-book: book
	@[ -x "$(PYTHON)" ] || python3 -m venv "$(VENV)"
	"$(PYTHON)" -m unittest book/test_check_book.py
	"$(PYTHON)" book/check_book.py book/book

# Each lab kernel compiles in a slot of its own (target/evcxr, then target/evcxr/slot-1, …; a new slot starts
# from a copy of target/evcxr's compiled dependencies): notebooks/kernel/rust-kernel.sh, installed as the
# `rust` kernel in target/jupyter, takes the first slot whose lock is free and holds it while the kernel lives.
lab: libtorch jupyter evcxr
	@mkdir -p "$$EVCXR_TMPDIR" && cp Cargo.lock "$$EVCXR_TMPDIR/Cargo.lock"
	@JUPYTER="$(JUPYTER)" notebooks/kernel/rust-kernel.sh --install target/jupyter
	JUPYTER_PATH="$(CURDIR)/target/jupyter" "$(JUPYTER)" lab notebooks

figures:
	@for ch in ch01 ch02 ch03 ch04 ch05 ch06; do \
	  for lang in "" zh/; do \
	    src=runs/$$lang$$ch; dst=book/src/figures/$$lang$$ch; \
	    [ -f $$src/result.json ] || { [ -n "$$lang" ] && continue; echo "error: no $$src/result.json: run make $$ch first"; exit 1; }; \
	    rm -rf $$dst && mkdir -p $$dst && cp $$src/*.svg $$src/result.json $$dst/ && echo "$$src → $$dst"; \
	  done; \
	done
	cp runs/ch01/trace.md runs/ch01/config.json book/src/figures/ch01/
	[ ! -f runs/zh/ch01/trace.md ] || cp runs/zh/ch01/trace.md runs/zh/ch01/config.json book/src/figures/zh/ch01/

# --- Chinese edition (zh-CN): book/po/README.md -------------------------------------------------------------
# mdbook-i18n-helpers 0.3.6 is the last release for mdBook 0.4 (0.4.0 needs mdBook 0.5). mdbook-gettext
# translates the book from book/po/zh-CN.po; mdbook-xgettext writes book/po/messages.pot; msgfmt and msgmerge
# (GNU gettext) check and update the po.
MDBOOK_I18N_VERSION := 0.3.6
# mdbook-gettext writes each translated paragraph back as Markdown, so a display formula reaches mdbook-katex as
# \\\[ … \\\] (its bracket escaped): the Chinese edition's block delimiter says so.
BOOK_ZH_BUILD = MDBOOK_PREPROCESSOR__KATEX__BLOCK_DELIMITER='{"left": "\\\\\\[", "right": "\\\\\\]"}' \
	MDBOOK_BOOK__LANGUAGE=zh-CN MDBOOK_BOOK__TITLE="jielong 文字接龙 — 用 Rust 构建大语言模型" \
	mdbook build book -d book/zh-CN
MSGLIST := target/msglist/release/mdbook-msglist
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: mdbook-i18n gettext po po-import book-zh-test book-zh-check test-notebooks-zh chromium
setup: mdbook-i18n gettext chromium
book: mdbook-i18n
test: book-zh-test test-notebooks-zh

mdbook-i18n:
	@command -v mdbook-gettext >/dev/null || \
	  cargo install mdbook-i18n-helpers --version $(MDBOOK_I18N_VERSION) --locked

gettext:
	@command -v msgfmt >/dev/null && command -v msgmerge >/dev/null || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq gettext; }

# Headless Chromium for the playground's browser test (tests/serve.rs, which skips, saying why, without it), and
# a small CJK font so that its screenshots show 文字接龙 (about a minute, once; Debian's packages).
chromium:
	@command -v chromium >/dev/null || { \
	  if command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null; }; then \
	    $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; \
	  else \
	    echo "note: no chromium, and no apt-get with root or sudo to install it: tests/serve.rs skips its browser test (install Debian's chromium package to run it)"; \
	  fi; }

# After the English book changes: a new messages.pot, merged into zh-CN.po (changed paragraphs become fuzzy,
# new ones untranslated), then the list of what to translate, page by page.
po: mdbook-i18n gettext
	MDBOOK_OUTPUT='{"xgettext": {"pot-file": "messages.pot", "granularity": 0}}' mdbook build book -d po
	msgmerge --quiet --update --backup=none book/po/zh-CN.po book/po/messages.pot
	python3 book/po/check_po.py --report

# Chinese Markdown pages (same blocks as book/src/*.md) → zh-CN.po, with a pairing report per page:
# make po-import ZH_PAGES=DIR
po-import: mdbook-i18n gettext
	@[ -d "$(ZH_PAGES)" ] || { echo "error: ZH_PAGES=DIR must name a directory of Chinese pages"; exit 1; }
	cargo build --release --locked --manifest-path book/po/msglist/Cargo.toml --target-dir target/msglist
	python3 book/po/import_pages.py $(ZH_PAGES) --tool $(MSGLIST)

# What `make test` checks: messages.pot is the English book's and zh-CN.po translates every message of it (none
# untranslated or fuzzy), both editions have every page and every page has the language switch, no English
# paragraph is left in the Chinese HTML, every English notebook has a Chinese one with the same code and every
# text cell translated; and that each of these checks fails on a broken input (test_zh_checks.py).
book-zh-test: book gettext
	python3 book/po/test_zh_checks.py
	python3 book/po/check_po.py
	python3 book/po/check_zh_html.py book/book
	python3 notebooks/zh_notebooks.py check --complete

# The same checks, by the name the translation guide (book/po/README.md) uses.
book-zh-check: book-zh-test

# The Chinese notebooks' code is the English notebooks' code (book-zh-test checks every cell), so executing all
# of them would only repeat test-notebooks, doubling its time; one is executed, to show a notebook runs from
# notebooks/zh-CN/ (notebook 01: 727 s on 2 busy cores after the English run, the same losses and samples).
ZH_NOTEBOOKS_RUN := notebooks/zh-CN/01-text-continuation.ipynb
test-notebooks-zh: export EVCXR_TMPDIR := $(CURDIR)/target/evcxr
test-notebooks-zh: libtorch jupyter evcxr
	@mkdir -p "$$EVCXR_TMPDIR" && cp Cargo.lock "$$EVCXR_TMPDIR/Cargo.lock"
	"$(JUPYTER)" nbconvert --to notebook --execute --ExecutePreprocessor.timeout=1800 \
	  --ExecutePreprocessor.kernel_name=rust --output-dir target/notebooks/zh-CN $(ZH_NOTEBOOKS_RUN)
	"$(PYTHON)" notebooks/check_outputs.py $(patsubst notebooks/%,target/notebooks/%,$(ZH_NOTEBOOKS_RUN))
