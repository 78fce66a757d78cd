#!/usr/bin/env bash
# MDN training throughput: embedml vs PyTorch on the same robot-arm data set and the same MDN
# (trunk [2, hidden…, K(L+2)] tanh, K components, L = 2, Adam, standardised data, shuffled
# minibatches). Prints both samples/s and the ratio embedml/PyTorch. Without PyTorch it prints
# embedml's figure and "skipped" for PyTorch. See bench/README.md.
#
# Environment (defaults in brackets):
#   EMBEDML   the embedml binary [target/release/embedml]; for the GPU build:
#             cargo build --release -p embedml-host --features cuda
#   DEVICE    cpu | cuda | auto, for both tools [auto]
#   N         rows [100000]      HIDDEN  widths [256,256]   K  components [10]
#   BATCH     [1024]             EPOCHS  [3]                LR [0.001]
#   PYTHON    [python3]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
embedml="${EMBEDML:-$root/target/release/embedml}"
py="${PYTHON:-python3}"
device="${DEVICE:-auto}"
n="${N:-100000}"; hidden="${HIDDEN:-256,256}"; k="${K:-10}"
batch="${BATCH:-1024}"; epochs="${EPOCHS:-3}"; lr="${LR:-0.001}"

die() { echo "mdn_vs_torch: $*" >&2; exit 2; }
command -v "$py" >/dev/null || die "$py not found"
[ -x "$embedml" ] || die "no embedml binary at $embedml (cargo build --release -p embedml-host [--features cuda], or set EMBEDML)"

work="$(mktemp -d -t embedml-torch-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
data="$work/arm.csv"
"$py" "$here/mdn_torch.py" --write-csv "$data" --n "$n" --seed 1

json_field() {
    "$py" -c 'import json,sys
try:
    print(float(json.loads(sys.argv[1].strip().splitlines()[-1])[sys.argv[2]]))
except Exception as e:
    sys.exit(f"no numeric \"{sys.argv[2]}\" in: {sys.argv[1][-300:]!r} ({e})")' "$1" "$2"
}

echo "== embedml (device $device): N=$n hidden=$hidden K=$k batch=$batch epochs=$epochs lr=$lr"
em_json="$("$embedml" train mdn --data "$data" --x x,y --y theta1,theta2 --components "$k" \
    --hidden "$hidden" --batch "$batch" --epochs "$epochs" --lr "$lr" --standardize \
    --device "$device" --out "$work/arm.safetensors" --json)" || die "the embedml command failed"
echo "$em_json"
em_rate="$(json_field "$em_json" samples_per_s)"

echo "== PyTorch (device $device)"
pt_out="$("$py" "$here/mdn_torch.py" --data "$data" --hidden "$hidden" --components "$k" \
    --batch "$batch" --epochs "$epochs" --lr "$lr" --device "$device" --json)" || die "the PyTorch run failed"
echo "$pt_out"
if grep -q '^skipped' <<<"$pt_out"; then
    "$py" -c "import sys; print(f'embedml {float(sys.argv[1]):,.0f} samples/s; PyTorch skipped')" "$em_rate"
    exit 0
fi
pt_rate="$(json_field "$pt_out" samples_per_s)"
"$py" - "$em_rate" "$pt_rate" <<'PY'
import sys
em, pt = float(sys.argv[1]), float(sys.argv[2])
print(f"embedml {em:,.0f} samples/s, PyTorch {pt:,.0f} samples/s -> embedml/PyTorch = {em / pt:.2f}")
PY
