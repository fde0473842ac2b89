# jielong — the course's tasks. On a new machine `make run` and `make test` are all you need: each installs
# what is missing (libtorch, mdbook, jupyter, evcxr) and reuses what is there.
#
#   make run     every chapter's experiment → runs/ch01/ … runs/ch06/ (make ch01, make ch06, …: one chapter)
#   make test    Rust tests, notebooks executed headless, the book built
#   make book    build the book → book/book/index.html
#   make lab     open the notebooks in JupyterLab
#   make figures copy the figures of the last `make run` into the book
#
# A Makefile, not an xtask: the set-up must run before cargo can build anything (libtorch), and `make` is
# already on every machine a Rust learner uses.

SHELL := /bin/bash
TORCH_VERSION := 2.11.0
MDBOOK_VERSION := 0.4.52
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

.PHONY: setup libtorch mdbook jupyter evcxr run ch01 ch02 ch03 ch04 ch05 ch06 test test-rust test-notebooks book lab figures

setup: libtorch mdbook jupyter evcxr

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

jupyter:
	@[ -x "$(PYTHON)" ] || python3 -m venv "$(VENV)"
	@[ -x "$(JUPYTER)" ] && "$(PYTHON)" -c 'import nbconvert, nbclient' 2>/dev/null || \
	  "$(PYTHON)" -m pip install --quiet --disable-pip-version-check jupyter nbconvert nbclient

evcxr: jupyter
	@command -v evcxr_jupyter >/dev/null || cargo install evcxr_jupyter --version $(EVCXR_VERSION) --locked
	@"$(JUPYTER)" kernelspec list 2>/dev/null | grep -q '^ *rust ' || evcxr_jupyter --install

run: ch01 ch02 ch03 ch04 ch05 ch06

ch01 ch02 ch03 ch04 ch05 ch06: libtorch
	cargo run --release --example $@

test: setup test-rust test-notebooks book

test-rust: libtorch
	cargo test

# evcxr compiles each cell as a small crate that depends on jielong, by default in a fresh temporary directory
# per kernel: tch, libtorch's C++ glue, plotters, clap… were rebuilt every time (about 3 minutes on 2 cores).
# EVCXR_TMPDIR keeps that crate and its target directory in target/evcxr/, so only the first run compiles the
# dependencies and later kernels start in seconds; the project's Cargo.lock pins the same versions there.
# Two kernels must not compile in it at the same moment: nbconvert runs the notebooks one after another, and
# `flock` makes a second `make test-notebooks` (another checkout sharing the directory) wait for the first.
test-notebooks lab: export EVCXR_TMPDIR := $(CURDIR)/target/evcxr

# evcxr reports a panic, or an error returned with `?`, as text on stderr rather than as a failed cell, so
# after nbconvert (which fails on compile errors) any error or stderr output in an executed notebook fails.
test-notebooks: libtorch jupyter evcxr
	@mkdir -p "$$EVCXR_TMPDIR" && cp Cargo.lock "$$EVCXR_TMPDIR/Cargo.lock"
	flock "$$EVCXR_TMPDIR/.lock" "$(JUPYTER)" nbconvert --to notebook --execute --ExecutePreprocessor.timeout=1800 \
	  --ExecutePreprocessor.kernel_name=rust --output-dir target/notebooks notebooks/*.ipynb
	"$(PYTHON)" notebooks/check_outputs.py $(patsubst notebooks/%,target/notebooks/%,$(wildcard notebooks/*.ipynb))

book: mdbook
	mdbook build book

lab: libtorch jupyter evcxr
	@mkdir -p "$$EVCXR_TMPDIR" && cp Cargo.lock "$$EVCXR_TMPDIR/Cargo.lock"
	"$(JUPYTER)" lab notebooks

figures:
	for ch in ch01 ch02 ch03 ch04 ch05 ch06; do mkdir -p book/src/figures/$$ch && cp runs/$$ch/*.svg book/src/figures/$$ch/; done
