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
here=$(cd "$(dirname "$0")" && pwd)

nm_tool() { # $1 = nm | objdump
  local sysroot host
  sysroot=$(rustc --print sysroot)
  host=$(rustc -vV | sed -n 's/^host: //p')
  if [ -x "$sysroot/lib/rustlib/$host/bin/llvm-$1" ]; then
    echo "$sysroot/lib/rustlib/$host/bin/llvm-$1"
  elif command -v "arm-none-eabi-$1" >/dev/null; then
    echo "arm-none-eabi-$1"
  else
    echo "count-instructions.sh: no llvm-$1 (rustup component add llvm-tools) or arm-none-eabi-$1" >&2
    exit 127
  fi
}
NM=$(nm_tool nm)
OBJDUMP=$(nm_tool objdump)
addr_of() {
  # Thumb symbols have bit 0 set; QEMU logs the PC without it.
  local a
  a=$("$NM" "$elf" | grep "$1" | head -n1 | cut -d' ' -f1)
  [ -n "$a" ] || { echo "count-instructions.sh: symbol $1 not in $elf" >&2; exit 1; }
  printf '%08x' $(( 0x$a & ~1 ))
}
begin=$(addr_of embedml_mark_begin)
end=$(addr_of embedml_mark_end)

trace=$(mktemp)
ops=$(mktemp)
trap 'rm -f "$trace" "$ops"' EXIT
EMBEDML_QEMU_TRACE=$trace "$here/qemu-run.sh" "$elf" >/dev/null
# Address (8 hex digits, as QEMU logs it) -> mnemonic, to count the floating-point instructions.
"$OBJDUMP" -d --no-show-raw-insn "$elf" |
  awk '/^ *[0-9a-f]+:/ { a = $1; sub(":", "", a); while (length(a) < 8) a = "0" a; print a, $2 }' >"$ops"

# Lines look like "Trace 0: 0x7f.. [00000000/00000488/00000000/ff200000] symbol": PC is field 2.
# Floating-point operations: the VFP arithmetic, compare and convert instructions (vadd, vsub,
# vmul, vnmul, vmla, vmls, vnmla, vnmls, vfma, vfms, vfnma, vfnms, vdiv, vsqrt, vabs, vneg,
# vcmp, vcmpe, vcvt; loads, stores and moves are not counted). 0 on an FPU-less core, where
# floating point is done by integer routines.
awk -v b="$begin" -v e="$end" '
  BEGIN { r = 0 }
  NR == FNR { op[$1] = $2; next }
  /^Trace/ {
    s = $0; sub(/^[^[]*\[/, "", s); split(s, f, "/"); pc = f[2]
    if (pc == b && !inside) { inside = 1; n = 0; fp = 0 }
    else if (pc == e && inside) { inside = 0; c[r] = n + 1; fl[r++] = fp }
    if (inside) {
      n++
      if (op[pc] ~ /^v(add|sub|mul|nmul|mla|mls|nmla|nmls|fma|fms|fnma|fnms|div|sqrt|abs|neg|cmp|cmpe|cvt)/) fp++
    }
  }
  END {
    for (i = 0; i < r; i++) {
      net = c[i] - c[0]
      printf "region %d: %d instructions (net of markers: %d; floating-point: %d)\n", i, c[i], net, fl[i]
    }
  }' "$ops" "$trace"
