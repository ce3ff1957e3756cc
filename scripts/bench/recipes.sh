#!/usr/bin/env bash
# Every committed recipe (passes/*.yaml) on one model: compile it, then measure its artifact as
# deployed (at its baked λ) against the input, side by side in one process (`pare bench
# --against`, runs interleaved), and its fidelity on held-out text (`pare eval`). Prints one
# line per recipe: measured speedup, the report's prediction, held-out cosine (mean / worst, at
# the baked λ when there is one). No committed recipe may be slower than its input.
#
#   bash scripts/bench/recipes.sh [MODEL=examples/models/all-MiniLM-L6-v2] [RUNS=20]
#
# Needs a release build (`swift build -c release`). Speedups on a shared VM drift by ±20% from
# run to run: the ratio within one run is what counts; repeat to see the spread.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODEL="${1:-$REPO/examples/models/all-MiniLM-L6-v2}"
RUNS="${2:-20}"
PARE="$REPO/.build/release/pare"
OUT="$REPO/.build/bench/recipes"
mkdir -p "$OUT"
cd "$REPO"

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(nproc) cores"
printf '%-14s %9s %10s %10s %10s  %s\n' recipe measured predicted "mean cos" "min cos" "λ"
slower=0
for recipe in passes/*.yaml; do
    name="$(basename "$recipe" .yaml)"
    "$PARE" compile "$MODEL" --recipe "$recipe" -o "$OUT/$name.pare" > /dev/null 2> "$OUT/$name.log"
    "$PARE" bench "$OUT/$name.pare" --against "$MODEL" --runs "$RUNS" --json > "$OUT/$name-bench.json"
    "$PARE" eval "$OUT/$name.pare" --against "$MODEL" --json > "$OUT/$name-eval.json"
    python3 - "$OUT/$name-bench.json" "$OUT/$name-eval.json" "$name" "$OUT/$name-verdict" <<'PY'
import json, sys
bench, ev, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
points = ev["points"]
point = next((p for p in points if p.get("baked")), points[0])
lam = bench.get("lambda")
print(f"{name:<14} {bench['speedup']:8.2f}x {bench['predicted_speedup']:9.2f}x {point['mean']:10.4f} {point['worst']:10.4f}  "
      + (f"{lam:.4f}" if lam is not None else "none"))
open(sys.argv[4], "w").write("SLOWER" if bench["speedup"] < 0.97 else "ok")
PY
    if grep -q SLOWER "$OUT/$name-verdict"; then slower=1; fi
done
if [ "$slower" = 1 ]; then
    echo "some recipe's artifact ran slower than its input (below 0.97x); rerun to tell noise from a regression" >&2
    exit 1
fi
