#!/usr/bin/env bash
# Cargo runner for the firmware: runs an ELF in QEMU with semihosting, decodes its defmt log
# with `defmt-print`, and exits with the firmware's own exit code.
#
#   tools/qemu-run.sh path/to/elf
#
# The machine follows the target directory of the ELF:
#   thumbv7em-none-eabihf -> mps2-an386 (Cortex-M4F),  thumbv7m-none-eabi -> lm3s6965evb (Cortex-M3)
# Environment:
#   EMBEDML_QEMU_MACHINE / EMBEDML_QEMU_CPU   override the machine / CPU
#   EMBEDML_QEMU_TIMEOUT                      seconds before QEMU is stopped (default 60; exit 124)
#   EMBEDML_QEMU_TRACE=FILE                   also log every executed instruction to FILE
#                                             (-singlestep -d exec,nochain; see count-instructions.sh)
#   EMBEDML_QEMU_RAW=FILE                     also keep the raw defmt frames in FILE
set -u -o pipefail

elf=${1:?usage: qemu-run.sh ELF}
shift

for tool in qemu-system-arm defmt-print; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "qemu-run.sh: '$tool' not found; run tools/install-embedded.sh (from the repository root)" >&2
    exit 127
  fi
done

case "$elf" in
  *thumbv7m-none-eabi/*) machine=lm3s6965evb; cpu=cortex-m3 ;;
  *thumbv7em-none-eabihf/*) machine=mps2-an386; cpu=cortex-m4 ;;
  *) machine=mps2-an386; cpu=cortex-m4 ;;
esac
machine=${EMBEDML_QEMU_MACHINE:-$machine}
cpu=${EMBEDML_QEMU_CPU:-$cpu}

trace=()
if [ -n "${EMBEDML_QEMU_TRACE:-}" ]; then
  trace=(-singlestep -d exec,nochain -D "$EMBEDML_QEMU_TRACE")
fi

raw=${EMBEDML_QEMU_RAW:-/dev/null}

timeout "${EMBEDML_QEMU_TIMEOUT:-60}" qemu-system-arm \
  -machine "$machine" -cpu "$cpu" \
  -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native \
  "${trace[@]}" \
  -kernel "$elf" \
  2> >(grep -v '^Timer with period zero, disabling$' >&2) \
  | tee "$raw" | defmt-print -e "$elf"
status=("${PIPESTATUS[@]}")
qemu=${status[0]}
if [ "$qemu" -eq 124 ]; then
  echo "qemu-run.sh: QEMU timed out after ${EMBEDML_QEMU_TIMEOUT:-60} s" >&2
fi
if [ "${status[2]}" -ne 0 ]; then
  echo "qemu-run.sh: defmt-print failed (exit ${status[2]})" >&2
  [ "$qemu" -eq 0 ] && exit 1
fi
exit "$qemu"
