#!/usr/bin/env bash
# The project's one test command (the README's "Test" section; .ci/run calls it).
# Installs what the tests need (Rust targets and components; QEMU and defmt-print for the firmware
# tests when tools/install-embedded.sh exists), then runs formatting, lints, every test, and the
# no_std builds for Cortex-M4F (thumbv7em-none-eabihf) and Cortex-M0 (thumbv6m-none-eabi).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain: targets and components"
rustup target add thumbv7em-none-eabihf thumbv7m-none-eabi thumbv6m-none-eabi >/dev/null
rustup component add clippy rustfmt llvm-tools >/dev/null
if [ -x tools/install-embedded.sh ] || [ -f tools/install-embedded.sh ]; then
  step "embedded tools (QEMU, defmt-print)"
  bash tools/install-embedded.sh
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (workspace, all targets, -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (workspace)"
cargo test --workspace

step "host with the CUDA backend compiled in (runs without a GPU: GPU tests print skipped)"
cargo clippy -p embedml-host --all-targets --features cuda -- -D warnings
# NVRTC alone (from PyPI, no GPU needed) lets the parity tests compile the CUDA kernels for real.
if nvrtc_dir=$(bash tools/fetch-nvrtc.sh); then
  echo "NVRTC: $nvrtc_dir"
  LD_LIBRARY_PATH="$nvrtc_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    cargo test -p embedml-host --features cuda --test backend_parity -- --nocapture
else
  echo "NVRTC could not be fetched (pip/network): the kernel compile check will print skipped"
  cargo test -p embedml-host --features cuda --test backend_parity -- --nocapture
fi

# Only the unit tests: the integration tests in core/tests pin figures (SPEC values, f64
# references to 1e-6) that hold for libm and fastexp, not for micromath's 1e-3 approximations;
# micromath's own bounds are pinned by math::tests::micromath_accuracy (and on the device).
step "core unit tests with the micromath approximations"
cargo test -p embedml --features micromath --lib
cargo clippy -p embedml --all-targets --features micromath,defmt -- -D warnings

step "docs of core and host (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc -p embedml -p embedml-host --lib --no-deps --features embedml/std

step "no_std builds: Cortex-M4F and Cortex-M0 (no FPU, no atomics)"
cargo build -p embedml --target thumbv7em-none-eabihf
cargo build -p embedml --target thumbv7em-none-eabihf --features defmt,micromath
cargo build -p embedml --target thumbv6m-none-eabi
cargo build -p embedml --target thumbv6m-none-eabi --features micromath

if [ -f firmware/Cargo.toml ]; then
  step "firmware: fmt, clippy (the three boards, and micromath)"
  (cd firmware && cargo fmt --all -- --check && cargo clippy --release --bins -- -D warnings &&
    cargo clippy --release --bins --target thumbv7m-none-eabi --no-default-features \
      --features qemu,lm3s6965,micromath --target-dir target/micromath -- -D warnings &&
    cargo clippy --release --bins --no-default-features --features rtt,nrf52840 \
      --target-dir target/nrf52840 -- -D warnings)
fi

step "all checks passed"
