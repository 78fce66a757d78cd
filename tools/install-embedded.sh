#!/usr/bin/env bash
# Installs what the firmware build and its QEMU tests need; safe to run again (each step is
# skipped when already done):
#   - rust targets thumbv7em-none-eabihf, thumbv7m-none-eabi, thumbv6m-none-eabi + llvm-tools
#   - qemu-system-arm and binutils-arm-none-eabi (apt-get, only if missing)
#   - defmt-print (cargo install --locked, only if missing; 1-3 minutes)
# Not installed (large, only for real boards): probe-rs (`cargo install probe-rs-tools --locked`).
set -euo pipefail

log() { echo "install-embedded: $*" >&2; }

if command -v rustup >/dev/null 2>&1; then
  installed_targets=$(rustup target list --installed)
  for t in thumbv7em-none-eabihf thumbv7m-none-eabi thumbv6m-none-eabi; do
    if ! grep -qx "$t" <<<"$installed_targets"; then
      log "rustup target add $t"
      rustup target add "$t"
    fi
  done
  if ! rustup component list --installed | grep -q '^llvm-tools'; then
    log "rustup component add llvm-tools"
    rustup component add llvm-tools
  fi
else
  log "rustup not found: install the thumb targets and llvm-tools by hand"
fi

missing=()
command -v qemu-system-arm >/dev/null 2>&1 || missing+=(qemu-system-arm)
command -v arm-none-eabi-size >/dev/null 2>&1 || missing+=(binutils-arm-none-eabi)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  log "apt-get install ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
fi

if ! command -v defmt-print >/dev/null 2>&1; then
  log "cargo install defmt-print --locked"
  cargo install defmt-print --locked
fi

log "ok: $(qemu-system-arm --version | head -n1); $(defmt-print --version 2>/dev/null | head -n1)"
