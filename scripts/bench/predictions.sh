#!/usr/bin/env bash
# Issue 29's protocol: does the report's predicted speedup hold on this machine, with this
# machine's own profile? For every committed recipe (passes/*.yaml) on MODEL:
#   1. measure the machine once (`pare machine-profile`), unless PROFILE names one;
#   2. compile the recipe priced on that profile;
#   3. `pare bench ARTIFACT --against MODEL --runs RUNS` (runs interleaved; the median of the
#      per-run ratios), REPEATS times, each printed with measured / predicted;
#   4. `pare eval` on held-out text: its measured / predicted;
# then the workload sweep of item 4 on max-compress: 16, 128 and 512 tokens at batch 1, 8 and 32.
#
#   bash scripts/bench/predictions.sh [MODEL] [RUNS=30] [REPEATS=3]
#   PROFILE=FILE (default: measure into .build/bench/predictions/machine.json), SWEEP=0 to skip the sweep
#
# Needs a release build. Run it on an otherwise idle machine: the protocol's ±10% is tighter than
# the run-to-run spread of a loaded one. Prints tab-separated lines, one per measurement.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODEL="${1:-$REPO/examples/models/all-MiniLM-L6-v2}"
RUNS="${2:-30}"
REPEATS="${3:-3}"
PARE="${PARE:-$REPO/.build/release/pare}"
OUT="$REPO/.build/bench/predictions"
mkdir -p "$OUT"
cd "$REPO"
PROFILE="${PROFILE:-$OUT/machine.json}"
[ -f "$PROFILE" ] || "$PARE" machine-profile -o "$PROFILE"

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); profile $PROFILE"
ratio() {  # bench JSON → "measured predicted measured/predicted"
    python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); m,p=b["speedup"],b["predicted_speedup"]; print("%.3f\t%.3f\t%.3f" % (m, p, m / p))' "$1"
}
printf 'what\trepeat\tmeasured\tpredicted\tmeasured/predicted\n'
for recipe in passes/*.yaml; do
    name="$(basename "$recipe" .yaml)"
    "$PARE" compile "$MODEL" --recipe "$recipe" --machine "$PROFILE" -o "$OUT/$name.pare" > /dev/null 2> "$OUT/$name.log"
    for r in $(seq 1 "$REPEATS"); do
        "$PARE" bench "$OUT/$name.pare" --against "$MODEL" --runs "$RUNS" --machine "$PROFILE" --json > "$OUT/$name-$r.json"
        printf '%s 8x128\t%s\t%s\n' "$name" "$r" "$(ratio "$OUT/$name-$r.json")"
    done
    "$PARE" eval "$OUT/$name.pare" --against "$MODEL" --machine "$PROFILE" --runs "$RUNS" --json > "$OUT/$name-eval.json"
    python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["comparison"]; m,p=c["measured_speedup"],c["predicted_speedup"]; print("%s eval held-out\t-\t%.3f\t%.3f\t%.3f" % (sys.argv[2], m, p, m / p))' \
        "$OUT/$name-eval.json" "$name"
done
# Elimination targets: the baked λ against the same model without elimination (the input for
# f32; the int8-only artifact after int8).
"$PARE" compile "$MODEL" --recipe "int8-quantize{select=blocks.**,activations=dynamic}" --machine "$PROFILE" \
    -o "$OUT/int8.pare" > /dev/null 2> "$OUT/int8.log"
for target in 1.5 2; do
    for mode in merge drop; do
        for base in f32 int8; do
            passes="elimination-profile{target-speedup=$target,mode=$mode}"
            against="$MODEL"
            if [ "$base" = int8 ]; then passes="int8-quantize{select=blocks.**,activations=dynamic},$passes"; against="$OUT/int8.pare"; fi
            name="target-$target-$mode-$base"
            "$PARE" compile "$MODEL" --recipe "$passes" --machine "$PROFILE" -o "$OUT/$name.pare" > /dev/null 2> "$OUT/$name.log"
            "$PARE" bench "$OUT/$name.pare" --against "$against" --runs "$RUNS" --machine "$PROFILE" --json > "$OUT/$name.json"
            printf '%s 8x128\t1\t%s\n' "$name" "$(ratio "$OUT/$name.json")"
        done
    done
done
if [ "${SWEEP:-1}" = 1 ]; then
    for seq in 16 128 512; do
        for batch in 1 8 32; do
            "$PARE" bench "$OUT/max-compress.pare" --against "$MODEL" --runs "$RUNS" --seq-len "$seq" --batch "$batch" \
                --machine "$PROFILE" --json > "$OUT/sweep-$batch-$seq.json"
            printf 'max-compress %sx%s\t1\t%s\n' "$batch" "$seq" "$(ratio "$OUT/sweep-$batch-$seq.json")"
        done
    done
fi
