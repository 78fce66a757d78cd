# Shared by count-instructions.sh and profile-region.sh (sourced, not run): the LLVM tools, the
# marker addresses, the QEMU trace of one run, and which instructions count as floating point.
# Expects `elf` and `tool` (the calling script's name, for messages) to be set.

nm_tool() { # $1 = nm | objdump
  local sysroot host
  sysroot=$(rustc --print sysroot)
  host=$(rustc -vV | sed -n 's/^host: //p')
  if [ -x "$sysroot/lib/rustlib/$host/bin/llvm-$1" ]; then
    echo "$sysroot/lib/rustlib/$host/bin/llvm-$1"
  elif command -v "arm-none-eabi-$1" >/dev/null; then
    echo "arm-none-eabi-$1"
  else
    echo "$tool: no llvm-$1 (rustup component add llvm-tools) or arm-none-eabi-$1" >&2
    exit 127
  fi
}
NM=$(nm_tool nm)
OBJDUMP=$(nm_tool objdump)

addr_of() {
  # Thumb symbols have bit 0 set; QEMU logs the PC without it.
  local a
  a=$("$NM" "$elf" | grep "$1" | head -n1 | cut -d' ' -f1)
  [ -n "$a" ] || { echo "$tool: symbol $1 not in $elf" >&2; exit 1; }
  printf '%08x' $(( 0x$a & ~1 ))
}
begin=$(addr_of embedml_mark_begin)
end=$(addr_of embedml_mark_end)

# One run under QEMU with -singlestep -d exec,nochain: one "Trace" line per executed
# instruction in $trace (lines look like "Trace 0: 0x7f.. [00000000/00000488/00000000/ff200000]
# symbol": the PC is the second field in brackets). $ops is scratch for the caller.
trace=$(mktemp)
ops=$(mktemp)
trap 'rm -f "$trace" "$ops"' EXIT
EMBEDML_QEMU_TRACE=$trace "$(dirname "${BASH_SOURCE[0]}")/qemu-run.sh" "$elf" >/dev/null

# Floating-point operations: the VFP arithmetic, compare and convert instructions (vadd, vsub,
# vmul, vnmul, vmla, vmls, vnmla, vnmls, vfma, vfms, vfnma, vfnms, vdiv, vsqrt, vabs, vneg,
# vcmp, vcmpe, vcvt; loads, stores and moves are not counted). 0 on an FPU-less core, where
# floating point is done by integer routines. An awk regular expression for the mnemonic.
FP_OPS='^v(add|sub|mul|nmul|mla|mls|nmla|nmls|fma|fms|fnma|fnms|div|sqrt|abs|neg|cmp|cmpe|cvt)'
