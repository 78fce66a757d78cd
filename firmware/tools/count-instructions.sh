#!/usr/bin/env bash
# Counts the instructions QEMU executes in each region of a firmware binary bracketed by the
# marker functions `embedml_mark_begin` / `embedml_mark_end` (see src/lib.rs, src/bin/bench.rs).
#
#   tools/count-instructions.sh ELF     -> one line per region:
#     "region N: COUNT instructions (net of markers: NET; floating-point: FP)"
#
# QEMU runs with -singlestep -d exec,nochain, which logs one line per executed instruction; a
# region's count is the number of instructions from the first instruction of
# `embedml_mark_begin` up to (not including) the first of `embedml_mark_end`. Region 0 of the
# bench is empty: its count is the markers' own overhead, and `net` subtracts it.
set -eu -o pipefail
elf=${1:?usage: count-instructions.sh ELF}
tool=count-instructions.sh
# shellcheck source=trace-common.sh
. "$(dirname "$0")/trace-common.sh"
# Address (8 hex digits, as QEMU logs it) -> mnemonic.
"$OBJDUMP" -d --no-show-raw-insn "$elf" |
  awk '/^ *[0-9a-f]+:/ { a = $1; sub(":", "", a); while (length(a) < 8) a = "0" a; print a, $2 }' >"$ops"

# Count per region (see trace-common.sh for the trace and the floating-point mnemonics).
awk -v b="$begin" -v e="$end" -v fpops="$FP_OPS" '
  BEGIN { r = 0 }
  NR == FNR { op[$1] = $2; next }
  /^Trace/ {
    s = $0; sub(/^[^[]*\[/, "", s); split(s, f, "/"); pc = f[2]
    if (pc == b && !inside) { inside = 1; n = 0; fp = 0 }
    else if (pc == e && inside) { inside = 0; c[r] = n + 1; fl[r++] = fp }
    if (inside) {
      n++
      if (op[pc] ~ fpops) fp++
    }
  }
  END {
    for (i = 0; i < r; i++) {
      net = c[i] - c[0]
      printf "region %d: %d instructions (net of markers: %d; floating-point: %d)\n", i, c[i], net, fl[i]
    }
  }' "$ops" "$trace"
