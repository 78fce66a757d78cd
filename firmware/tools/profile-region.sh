#!/usr/bin/env bash
# Where the instructions of one marker region go: per function, the instructions QEMU executes
# in region N of a firmware binary and the floating-point instructions among them (the same
# trace and the same classification as count-instructions.sh).
#
#   tools/profile-region.sh ELF N            -> "COUNT FP function" lines, largest last, and TOTAL
#   tools/profile-region.sh ELF N --annotate -> also every executed address of the region with
#                                               its execution count and instruction
#
# The TOTAL is count-instructions.sh's figure for the region minus one (the region ends before
# the first instruction of `embedml_mark_end`). Use it to see what a change costs where, e.g. the
# MDN (bench region 4): the trunk and head in `Mdn::forward`, the hidden tanh in
# `Activation::forward_slow`, and `libm`'s `expf`/`tanhf`/`log1pf` when they are not inlined.
set -eu -o pipefail
elf=${1:?usage: profile-region.sh ELF REGION [--annotate]}
region=${2:?usage: profile-region.sh ELF REGION [--annotate]}
annotate=${3:-}
tool=profile-region.sh
# shellcheck source=trace-common.sh
. "$(dirname "$0")/trace-common.sh"
# Address -> function (demangled, hash dropped) and instruction text, tab-separated.
"$OBJDUMP" -d -C --no-show-raw-insn "$elf" |
  awk '/^[0-9a-f]+ <.*>:$/ { f = $0; sub(/^[0-9a-f]+ </, "", f); sub(/>:$/, "", f); sub(/::h[0-9a-f]+$/, "", f)
                           gsub(/\$LT\$/, "<", f); gsub(/\$GT\$/, ">", f); gsub(/\$C\$/, ",", f); gsub(/\$u20\$/, " ", f) }
       /^ *[0-9a-f]+:/ { a = $1; sub(":", "", a); while (length(a) < 8) a = "0" a
                         i = $0; sub(/^ *[0-9a-f]+:[ \t]*/, "", i); print a "\t" f "\t" i }' >"$ops"

awk -F'\t' -v b="$begin" -v e="$end" -v R="$region" -v ann="$annotate" -v fpops="$FP_OPS" '
  NR == FNR { fn[$1] = $2; ins[$1] = $3; next }
  /^Trace/ {
    s = $0; sub(/^[^[]*\[/, "", s); split(s, f, "/"); pc = f[2]
    if (pc == b && !inside) { inside = 1 } else if (pc == e && inside) { inside = 0; r++ }
    if (inside && r == R) {
      n[fn[pc]]++; tot++; cnt[pc]++
      split(ins[pc], w, /[ \t]/)
      if (w[1] ~ fpops) { fp[fn[pc]]++; ftot++ }
    }
  }
  END {
    for (k in n) printf "%7d %5d  %s\n", n[k], fp[k], k | "sort -n"
    close("sort -n")
    printf "%7d %5d  TOTAL (region %d)\n", tot, ftot, R
    if (ann != "") for (a in cnt) printf "%s %6d  %s  %s\n", a, cnt[a], ins[a], fn[a] | "sort"
  }' "$ops" "$trace"
