#!/usr/bin/env bash
# `pare compile --recipe passes/max-compress.yaml` against its Python peer
# (scripts/bench/peer_compile.py: transformers + peft + torch doing the same stages on the same
# 64 calibration samples), each as its own process, in alternating rounds on this machine so that
# its drift hits both alike:
#
#   bash scripts/bench/compile-side-by-side.sh MODEL_DIR [ROUNDS=2]
#   bash scripts/bench/compile-side-by-side.sh examples/models/all-MiniLM-L6-v2 1
#
# Each round runs `/usr/bin/time -f "%e s %M KiB" pare compile MODEL --recipe
# passes/max-compress.yaml -o …`, then `/usr/bin/time -f "%e s %M KiB" .venv/bin/python
# scripts/bench/peer_compile.py MODEL …`, and prints both wall times (start-up, loading and
# writing included) and peak RSS, and the ratios peer/pare. First lines: the CPU, its flags that
# matter, the core count, and the 1-minute load average (a concurrent build on this 2-core VM
# moves every number; it is printed again per round). Run it on an idle machine: with another
# process busy on one of the two cores, torch's two OpenMP threads slowed the peer's BERT-base
# compile to 40-58 s against 18.5 s idle (its ACC sweep: 21-30 s against 2 s), while pare's
# stayed within 18.7-21.3 s. Artifacts, the report, the peer's per-stage times and both logs go
# to .build/bench/compile/<model>/.
#
# Needs a release build (`swift build -c release`; the script waits up to 10 minutes for
# .build/release/pare when a rebuild has removed it) and the bench venv with zstandard
# (`bash scripts/bench/setup-venv.sh`).
set -euo pipefail
MODEL="${1:?usage: compile-side-by-side.sh MODEL_DIR [ROUNDS]}"
ROUNDS="${2:-2}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PARE="$REPO/.build/release/pare"
PY="$REPO/.venv/bin/python"
OUT="$REPO/.build/bench/compile/$(basename "${MODEL%/}")"
mkdir -p "$OUT"

wait_for_pare() {
    local waited=0
    until [ -x "$PARE" ]; do
        if [ "$waited" -ge 600 ]; then echo "no $PARE after 10 minutes: build it with swift build -c release" >&2; exit 1; fi
        [ "$waited" = 0 ] && echo "waiting for $PARE (being rebuilt?)" >&2
        sleep 5
        waited=$((waited + 5))
    done
}

load() { cut -d' ' -f1 /proc/loadavg; }

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(nproc) cores; flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512_vnni|avx_vnni|amx_int8)$' | tr '\n' ' ')"
wait_for_pare
echo "model: $MODEL; pare built $(date -r "$PARE" '+%F %T'); $("$PY" -c 'import torch, transformers, zstandard; print(f"torch {torch.__version__}, transformers {transformers.__version__}, zstandard {zstandard.__version__}")'); load $(load)"
for round in $(seq 1 "$ROUNDS"); do
    wait_for_pare
    load_before="$(load)"
    /usr/bin/time -o "$OUT/pare-$round.time" -f "%e s %M KiB" \
        "$PARE" compile "$MODEL" --recipe "$REPO/passes/max-compress.yaml" -o "$OUT/pare-$round.pare" \
        > "$OUT/pare-$round.report" 2> "$OUT/pare-$round.log"
    /usr/bin/time -o "$OUT/peer-$round.time" -f "%e s %M KiB" \
        "$PY" "$REPO/scripts/bench/peer_compile.py" "$MODEL" "$OUT/peer-$round.safetensors.zst" \
        > /dev/null 2> "$OUT/peer-$round.log"
    read -r pare_s _ pare_kib _ < "$OUT/pare-$round.time"
    read -r peer_s _ peer_kib _ < "$OUT/peer-$round.time"
    awk -v r="$round" -v a="$pare_s" -v b="$pare_kib" -v c="$peer_s" -v d="$peer_kib" -v l0="$load_before" -v l1="$(load)" 'BEGIN {
        printf "round %s: pare %.2f s, %.0f MiB | peer %.2f s, %.0f MiB | peer/pare: time %.2fx, memory %.2fx | load %s -> %s\n",
               r, a, b / 1024, c, d / 1024, c / a, d / b, l0, l1 }'
done
echo "peer stages (round $ROUNDS, stderr of peer_compile.py; the rest of its wall time is the interpreter's start and exit):"
grep -E '^peer: [a-z0-9-]+( [a-z-]+)? +[0-9.]+ s$' "$OUT/peer-$ROUNDS.log" | sed 's/^peer: /  /'
