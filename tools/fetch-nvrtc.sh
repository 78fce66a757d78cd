#!/usr/bin/env bash
# Fetches NVIDIA's NVRTC (the CUDA run-time compiler, no GPU or driver needed) from PyPI's
# `nvidia-cuda-nvrtc` wheel into target/nvrtc/ and prints the directory that holds
# libnvrtc.so.13, for LD_LIBRARY_PATH. With it, `cargo test -p embedml-host --features cuda
# --test backend_parity` compiles the CUDA kernels for real (PTX and an sm_90 CUBIN) on a machine
# without a GPU. Idempotent (the unpacked wheel is kept); prints nothing and exits 1 when the
# wheel cannot be fetched (no pip, no network), so callers can go on without it.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=target/nvrtc
lib="$dest/nvidia/cu13/lib"
if ! ls "$lib"/libnvrtc.so.13* >/dev/null 2>&1; then
  mkdir -p "$dest/wheel"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$dest/wheel" \
    'nvidia-cuda-nvrtc>=13,<14' >&2 || exit 1
  whl=$(ls "$dest"/wheel/nvidia_cuda_nvrtc-*.whl | head -n 1)
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$whl" "$dest"
  rm -rf "$dest/wheel"
fi
ls "$lib"/libnvrtc.so.13* >/dev/null 2>&1 || exit 1
echo "$PWD/$lib"
