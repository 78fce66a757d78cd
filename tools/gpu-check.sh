#!/usr/bin/env bash
# Verifies the CUDA backend on a machine with an NVIDIA GPU (driver + CUDA 13's libnvrtc and
# libcublas). Everything here also builds without a GPU, but the parity tests only *skip* there;
# this script fails if they skip, then prints the GPU figures the README and bench/README quote:
#   1. build with `--features cuda`, run the backend parity tests for real (CUDA vs CPU/core);
#   2. the whole host test suite with the feature on;
#   3. the scale demo (1M points, 512×512 trunk, K = 20) on the GPU: training NLL, samples/s;
#   4. the backend bench (samples/s at widths 64/256/1024, batches 256/4096, CPU and CUDA);
#   5. embedml vs PyTorch on the same MDN (skipped without PyTorch).
# Environment: EPOCHS for the demo [10], SKIP_BENCH=1, SKIP_TORCH=1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null \
    || echo "gpu-check: nvidia-smi not found (continuing; the backend reports what it finds)"

# NVRTC and cuBLAS may live in the toolkit or in pip's nvidia-* wheels: put them on the path.
extra=""
for d in /usr/local/cuda/lib64 /usr/local/cuda-13*/lib64 /usr/local/cuda-13*/targets/*/lib \
    $(python3 -c 'import os, nvidia; p = nvidia.__path__[0]; print(" ".join(os.path.join(p, d, "lib") for d in os.listdir(p)))' 2>/dev/null || true); do
    if [ -d "$d" ] && ls "$d" 2>/dev/null | grep -qE '^lib(nvrtc|cublas)\.so'; then
        extra="$extra:$d"
    fi
done
export LD_LIBRARY_PATH="${extra#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"

cargo build --release -p embedml-host --features cuda
bin=target/release/embedml

echo "== 1. backend parity (CUDA vs CPU/core)"
log="$(mktemp)"
cargo test --release -p embedml-host --features cuda --test backend_parity -- --nocapture 2>&1 | tee "$log"
if grep -q '^skipped' "$log"; then
    echo "gpu-check: the parity tests SKIPPED: no usable GPU (see the reason above)" >&2
    exit 1
fi

echo "== 2. host tests with the feature on"
cargo test --release -p embedml-host --features cuda

echo "== 3. scale demo on the GPU"
"$bin" demo robot-arm --n 1000000 --hidden 512,512 --components 20 --batch 4096 --lr 0.001 \
    --epochs "${EPOCHS:-10}" --device cuda --out-dir "$(mktemp -d)"

if [ "${SKIP_BENCH:-0}" != 1 ]; then
    echo "== 4. backend bench (samples/s = thrpt)"
    cargo bench -p embedml-host --features cuda --bench backend 2>&1 | grep -E '^(cpu|cuda)|thrpt:|^[a-z]+_step' || true
fi

if [ "${SKIP_TORCH:-0}" != 1 ]; then
    echo "== 5. embedml vs PyTorch"
    EMBEDML="$bin" DEVICE=cuda N=1000000 HIDDEN=512,512 K=20 BATCH=4096 EPOCHS=3 bench/mdn_vs_torch.sh
fi
