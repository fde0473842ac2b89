#!/usr/bin/env bash
# notebooks/kernel/rust-kernel.sh, without Jupyter: two kernels started at once get different crate
# directories, a new slot is seeded from slot 0's compiled dependencies, and a kernel that exits frees its
# slot. The kernel is a fake (JIELONG_EVCXR) that records its EVCXR_TMPDIR and waits until told to stop.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'touch "$work"/stop-{a,b,c}; wait; rm -rf "$work"' EXIT
base="$work/evcxr"
mkdir -p "$base/target/debug"
echo warm >"$base/target/debug/compiled-dependency"
echo lock >"$base/Cargo.lock"

cat >"$work/fake-evcxr" <<'EOF'
#!/usr/bin/env bash
# A kernel named $1: say where it compiles, then live until $WORK/stop-$1 appears.
echo "$EVCXR_TMPDIR" >"$WORK/dir-$1.tmp" && mv "$WORK/dir-$1.tmp" "$WORK/dir-$1"
while [ ! -e "$WORK/stop-$1" ]; do sleep 0.05; done
EOF
chmod +x "$work/fake-evcxr"

fail() { echo "FAIL: $*" >&2; exit 1; }

# Start kernel $1 and wait (at most 10 s) until it says which directory it got.
start() {
  WORK="$work" EVCXR_TMPDIR="$base" JIELONG_EVCXR="$work/fake-evcxr" \
    notebooks/kernel/rust-kernel.sh "$1" 2>>"$work/log" &
  eval "pid_$1=$!"
}
dir_of() {
  for _ in $(seq 200); do
    [ -e "$work/dir-$1" ] && { cat "$work/dir-$1"; return; }
    sleep 0.05
  done
  cat "$work/log" >&2
  fail "kernel $1 never started"
}

# Two kernels at once: two different directories, slot 0 and slot 1.
start a
start b
a="$(dir_of a)"
b="$(dir_of b)"
[ "$a" != "$b" ] || fail "both kernels got $a"
for d in "$a" "$b"; do
  [ "$d" = "$base" ] || [ "$d" = "$base/slot-1" ] || fail "unexpected directory $d"
done
# The new slot starts warm: slot 0's compiled dependencies and Cargo.lock were copied into it.
[ "$(cat "$base/slot-1/target/debug/compiled-dependency")" = warm ] || fail "slot 1 was not seeded"
[ "$(cat "$base/slot-1/Cargo.lock")" = lock ] || fail "slot 1 has no Cargo.lock"

# The kernel in slot 0 exits; the next kernel gets slot 0 back, not a third slot.
first=a
[ "$a" = "$base" ] || first=b
touch "$work/stop-$first"
eval "wait \$pid_$first"
start c
c="$(dir_of c)"
[ "$c" = "$base" ] || fail "kernel c got $c, not the freed slot 0"
[ ! -e "$base/slot-2" ] || fail "a third slot was made though slot 0 was free"

# While the kernels hold their slots, slot 0's lock is the one make test-notebooks takes: it is held.
if flock -n "$base/.lock" true; then fail "slot 0's lock is free while kernel c runs"; fi
echo "ok: kernels got $a and $b, then $c after one exited"
