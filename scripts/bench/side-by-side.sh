#!/usr/bin/env bash
# Pare against ONNX Runtime on one model, in alternating rounds on this machine, so that the
# machine's drift (a shared VM's speed moves by ±40% over minutes) hits both alike:
#
#   bash scripts/bench/side-by-side.sh examples/models/all-MiniLM-L6-v2 [ROUNDS=3]
#
# Each round: `pare bench <int8.pare> --against <model>` (Pare int8 and f32 interleaved in one
# process), then the ONNX Runtime anchor (fp32 and dynamic int8 interleaved in one process).
# Prints the CPU flags that matter, every round's medians, and per round the ratios Pare/ORT.
# Needs a release build (`swift build -c release`) and the bench venv (scripts/bench/setup-venv.sh).
set -euo pipefail
MODEL="${1:?usage: side-by-side.sh MODEL_DIR [ROUNDS]}"
ROUNDS="${2:-3}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PARE="$REPO/.build/release/pare"
PY="$REPO/.venv/bin/python"
OUT="$REPO/.build/bench/$(basename "$MODEL")"
mkdir -p "$OUT"

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512_vnni|avx_vnni|amx_int8)$' | tr '\n' ' ')"
"$PARE" compile "$MODEL" --recipe int8-quantize -o "$OUT/int8.pare" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
    "$PARE" bench "$OUT/int8.pare" --against "$MODEL" --threads 2 --runs 10 --json > "$OUT/pare-$round.json"
    "$PY" "$REPO/scripts/bench/onnxruntime_anchor.py" "$MODEL" --threads 2 --runs 10 --json "$OUT/ort-$round.json" > /dev/null
    "$PY" - "$OUT/pare-$round.json" "$OUT/ort-$round.json" "$round" <<'PY'
import json, sys
pare, ort, r = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
o32, o8 = ort["fp32_ms"]["median"], ort["int8_ms"]["median"]
p8, p32 = pare["latency"]["median"], pare["reference_latency"]["median"]
print(f"round {r}: pare int8 {p8:.1f} ms, pare f32 {p32:.1f} ms (int8 {pare['speedup']:.2f}x) | "
      f"onnxruntime int8 {o8:.1f} ms, fp32 {o32:.1f} ms | pare/ort time: int8 {p8/o8:.2f}, f32 {p32/o32:.2f}")
PY
done
