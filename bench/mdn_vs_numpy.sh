#!/usr/bin/env bash
# MDN training speed: embedml vs the NumPy baseline, on seed 000's experiment (iris,
# sepal_width -> petal_width, K=2, 4 sigmoid hidden units, SGD batch 10, LR 0.1, 3000 iterations).
# Prints both throughputs (samples/s = iterations x batch / training seconds) and the ratios.
# See bench/README.md.
#
# Environment:
#   EMBEDML             the embedml binary (default: target/release/embedml; build it with
#                       `cargo build --release -p embedml-host`)
#   EMBEDML_TRAIN_MDN   the full embedml command line (default below)
#   NUMPY_REPEAT        runs of the vectorised baseline, the fastest is kept (default 5)
#   NUMPY_LOOPS=0       skip the slow run of the seed's published per-sample loop code
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
embedml="${EMBEDML:-$root/target/release/embedml}"

# ---------------------------------------------------------------------------------------------
# EMBEDML COMMAND: seed 000's configuration with `embedml train mdn`'s real flags. It prints ONE
# JSON object with "samples_per_s" (iterations x batch / training seconds) and "train_nll".
# (The whole 150-row file is the training set here: throughput does not depend on the split;
# `embedml demo iris-mdn` runs the seed's 100/50 split and reports test NLLs.)
model_out="$(mktemp -t embedml-mdn-bench.XXXXXX)"
trap 'rm -f "$model_out"' EXIT
EMBEDML_TRAIN_MDN="${EMBEDML_TRAIN_MDN:-$embedml train mdn --data $root/data/iris.csv \
--x sepal_width --y petal_width --components 2 --hidden 4 --activation sigmoid \
--optimizer sgd --lr 0.1 --init-std 0.01 --batch 10 --iterations 3000 --standardize --seed 28 \
--out $model_out --json}"
# ---------------------------------------------------------------------------------------------

die() { echo "mdn_vs_numpy: $*" >&2; exit 2; }

command -v python3 >/dev/null || die "python3 not found"
python3 -c 'import numpy' 2>/dev/null || die "NumPy missing: pip install numpy"
[ -x "$embedml" ] || die "no embedml binary at $embedml (cargo build --release -p embedml-host, or set EMBEDML)"

# The binary must really have `train mdn`: its help has to exist and mention mdn. (A stub that
# exits 0 and prints nothing does not count.)
help="$("$embedml" train mdn --help 2>&1)" || die "'$embedml train mdn --help' failed: this embedml has no 'train mdn' command yet"
grep -qi mdn <<<"$help" || die "'$embedml train mdn --help' printed no help mentioning mdn: this embedml has no 'train mdn' command yet"

# json_field JSON KEY: the numeric field KEY, or a clear failure.
json_field() {
    python3 -c 'import json,sys
try:
    v = json.loads(sys.argv[1].strip().splitlines()[-1])[sys.argv[2]]
    print(float(v))
except Exception as e:
    sys.exit(f"no numeric \"{sys.argv[2]}\" in the last line of: {sys.argv[1][-300:]!r} ({e})")' "$1" "$2"
}

echo "== NumPy baseline (vectorised, seed 000's algorithm, faithful mu gradient, fastest of ${NUMPY_REPEAT:-5})"
np_json="$(python3 "$here/seed000_numpy.py" --json --repeat "${NUMPY_REPEAT:-5}")"
echo "$np_json"
np_rate="$(json_field "$np_json" samples_per_s)"

loops_rate=""
if [ "${NUMPY_LOOPS:-1}" != 0 ]; then
    echo "== seed 000's published per-sample loop code (NumPy + scipy), for reference"
    loops_json="$(python3 "$here/seed000_numpy.py" --impl loops --json)"
    echo "$loops_json"
    loops_rate="$(json_field "$loops_json" samples_per_s)"
fi

echo "== embedml: $EMBEDML_TRAIN_MDN"
# shellcheck disable=SC2086 # the command line is meant to be word-split
em_json="$($EMBEDML_TRAIN_MDN)" || die "the embedml command failed"
echo "$em_json"
em_rate="$(json_field "$em_json" samples_per_s)" || die "the embedml command printed no JSON with samples_per_s"

python3 - "$em_rate" "$np_rate" "$loops_rate" <<'PY'
import sys
em, np_, loops = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
print(f"embedml {em:,.0f} samples/s")
print(f"NumPy (vectorised) {np_:,.0f} samples/s -> embedml is {em / np_:.1f}x")
if loops:
    lp = float(loops)
    print(f"seed 000 published loops {lp:,.0f} samples/s -> embedml is {em / lp:.1f}x")
PY
