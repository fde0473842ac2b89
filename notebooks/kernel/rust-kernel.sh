#!/usr/bin/env bash
# The `rust` Jupyter kernel of `make lab`: evcxr_jupyter in a crate directory of its own.
#
# evcxr compiles each cell as a small crate in $EVCXR_TMPDIR. `make lab` points that at target/evcxr so the
# compiled dependencies (tch, libtorch's glue, plotters…) stay warm between kernels — but two kernels open
# at once (two notebooks) would write the same src/lib.rs and clash. So each kernel takes a slot: the first
# directory of target/evcxr (slot 0, the one `make test-notebooks` uses), target/evcxr/slot-1, slot-2, …
# whose lock it can take with `flock -n`, and holds that lock for its whole life (the lock's descriptor is
# inherited by evcxr). A new slot starts from a copy of slot 0's compiled dependencies, so it starts in
# seconds instead of compiling for minutes. A kernel that exits, or crashes, frees its slot.
#
#   rust-kernel.sh --install DIR      write DIR/kernels/rust/ (a copy of evcxr's spec, argv → this script)
#   rust-kernel.sh ARGS…              run the kernel: $JIELONG_EVCXR (default evcxr_jupyter) ARGS…
#
# Environment: EVCXR_TMPDIR, the base directory (slot 0); JIELONG_EVCXR, the kernel command (tests put a
# fake there); JUPYTER, the jupyter program that finds evcxr's own spec for --install.
set -euo pipefail

# Write the kernel spec into $1/kernels/rust: evcxr's installed spec (its logos and editor mode), with the
# command line replaced by this script.
install_spec() {
  local dest self source
  mkdir -p "$1"
  dest="$(cd "$1" && pwd)/kernels/rust"
  self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
  source="$("${JUPYTER:-jupyter}" kernelspec list 2>/dev/null | awk '$1 == "rust" { print $2 }' | grep -v "^$dest\$" | head -n 1 || true)"
  mkdir -p "$dest"
  if [ -n "$source" ] && [ -d "$source" ]; then
    find "$source" -maxdepth 1 -type f ! -name kernel.json -exec cp {} "$dest/" \;
  fi
  cat >"$dest/kernel.json" <<EOF
{
  "argv": ["$self", "--control_file", "{connection_file}"],
  "display_name": "Rust",
  "interrupt_mode": "message",
  "language": "rust"
}
EOF
}

# The directory of slot $1: the base itself for slot 0, base/slot-N after it.
slot_dir() {
  if [ "$1" -eq 0 ]; then echo "$BASE"; else echo "$BASE/slot-$1"; fi
}

# A new slot starts from slot 0's Cargo.lock and compiled dependencies (copied, never shared: cargo
# rewrites them in place).
seed_slot() {
  local dir="$1"
  [ -e "$BASE/Cargo.lock" ] && [ ! -e "$dir/Cargo.lock" ] && cp "$BASE/Cargo.lock" "$dir/Cargo.lock"
  if [ -d "$BASE/target" ] && [ ! -d "$dir/target" ]; then
    echo "rust kernel: seeding $dir from $BASE/target (once)" >&2
    rm -rf "$dir/target.partial" # an earlier copy that was interrupted
    cp -a --reflink=auto "$BASE/target" "$dir/target.partial" && mv "$dir/target.partial" "$dir/target"
  fi
  return 0
}

if [ "${1:-}" = "--install" ]; then
  install_spec "${2:?usage: rust-kernel.sh --install DIR}"
  exit 0
fi

BASE="${EVCXR_TMPDIR:?EVCXR_TMPDIR must name the base directory of the crates of the kernels (make lab sets it)}"
mkdir -p "$BASE"
for slot in $(seq 0 63); do
  dir="$(slot_dir "$slot")"
  mkdir -p "$dir"
  exec 9>>"$dir/.lock"
  if flock -n 9; then
    [ "$slot" -eq 0 ] || seed_slot "$dir"
    echo "rust kernel: crate directory $dir" >&2
    export EVCXR_TMPDIR="$dir"
    # exec keeps descriptor 9, so the lock lasts exactly as long as the kernel.
    exec ${JIELONG_EVCXR:-evcxr_jupyter} "$@"
  fi
  exec 9>&-
done
echo "error: all 64 kernel slots under $BASE are in use" >&2
exit 1
