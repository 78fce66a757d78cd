#!/usr/bin/env bash
# Counts the instructions QEMU executes in each region of a firmware binary bracketed by the
# marker functions `embedml_mark_begin` / `embedml_mark_end` (see src/lib.rs, src/bin/bench.rs).
#
#   tools/count-instructions.sh ELF     -> one line per region: "region N: COUNT instructions"
#
# QEMU runs with -singlestep -d exec,nochain, which logs one line per executed instruction; a
# region's count is the number of instructions from the first instruction of
# `embedml_mark_begin` up to (not including) the first of `embedml_mark_end`. Region 0 of the
# bench is empty: its count is the markers' own overhead, and `net` subtracts it.
set -eu -o pipefail
elf=${1:?usage: count-instructions.sh ELF}
here=$(cd "$(dirname "$0")" && pwd)

nm_tool() {
  local sysroot host
  sysroot=$(rustc --print sysroot)
  host=$(rustc -vV | sed -n 's/^host: //p')
  if [ -x "$sysroot/lib/rustlib/$host/bin/llvm-nm" ]; then
    echo "$sysroot/lib/rustlib/$host/bin/llvm-nm"
  elif command -v arm-none-eabi-nm >/dev/null; then
    echo arm-none-eabi-nm
  else
    echo "count-instructions.sh: no llvm-nm (rustup component add llvm-tools) or arm-none-eabi-nm" >&2
    exit 127
  fi
}
NM=$(nm_tool)
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
trap 'rm -f "$trace"' EXIT
EMBEDML_QEMU_TRACE=$trace "$here/qemu-run.sh" "$elf" >/dev/null

# Lines look like "Trace 0: 0x7f.. [00000000/00000488/00000000/ff200000] symbol": PC is field 2.
awk -v b="$begin" -v e="$end" '
  /^Trace/ {
    s = $0; sub(/^[^[]*\[/, "", s); split(s, f, "/"); pc = f[2]
    if (pc == b && !inside) { inside = 1; n = 0; next_count = 1 }
    else if (pc == e && inside) { inside = 0; c[r++] = n + 1 }
    if (inside) n++
  }
  END {
    for (i = 0; i < r; i++) {
      net = c[i] - c[0]
      printf "region %d: %d instructions (net of markers: %d)\n", i, c[i], net
    }
  }' "$trace"
