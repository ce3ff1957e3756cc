#!/usr/bin/env bash
# Byte-identity reference outputs: compiles every committed recipe on MiniLM and a fixed recipe
# on the GPT-2, Llama, Qwen2 and T5 fixtures (artifact + report directory), exports one artifact,
# re-renders one report as JSON, and prints `inspect --json` of the models, all into OUT. Run it
# with two binaries and `cmp` the two directories to show a change left the bytes alone:
#
#   bash scripts/bench/byte-identity.sh /tmp/before [PARE=.build/release/pare]
#   bash scripts/bench/byte-identity.sh /tmp/after
#   diff -r /tmp/before /tmp/after && echo identical
#
# Each command's stdout, stderr and exit status are kept too (`X.out`, `X.err`, `X.rc`), so
# changed messages show up as well. Needs examples/models/all-MiniLM-L6-v2 (fetch-example-model.sh).
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:?usage: byte-identity.sh OUT_DIR [PARE]}"
PARE="${2:-$REPO/.build/release/pare}"
MINILM="$REPO/examples/models/all-MiniLM-L6-v2"
FIXTURES="$REPO/Tests/Fixtures"
FIXTURE_RECIPE="head-prune{fraction=0.25},int8-quantize"
mkdir -p "$OUT"
cd "$REPO"

# run NAME ARGS...: runs pare, keeping stdout, stderr and the exit status under OUT/NAME.
run() {
    local name="$1"; shift
    "$PARE" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err"
    echo $? > "$OUT/$name.rc"
}

for recipe in passes/*.yaml; do
    name="minilm-$(basename "$recipe" .yaml)"
    run "$name" compile "$MINILM" --recipe "$recipe" -o "$OUT/$name.pare" --report-dir "$OUT/$name-report" --samples 16
done
for fixture in tiny-gpt2 tiny-llama tiny-qwen2 tiny-t5; do
    run "$fixture" compile "$FIXTURES/$fixture" --recipe "$FIXTURE_RECIPE" -o "$OUT/$fixture.pare" \
        --report-dir "$OUT/$fixture-report" --samples 16
    run "$fixture-inspect" inspect "$FIXTURES/$fixture" --json
done
run minilm-inspect inspect "$MINILM" --json
run minilm-export export "$OUT/minilm-max-compress.pare" -o "$OUT/minilm-export"
run tiny-llama-export export "$OUT/tiny-llama.pare" -o "$OUT/tiny-llama-export"
run minilm-report-json report "$OUT/minilm-max-compress.pare" --format json
run minilm-inspect-artifact inspect "$OUT/minilm-max-compress.pare" --json
# An error path whose message comes from the options decoder.
run bad-recipe compile "$FIXTURES/tiny-gpt2" --recipe "head-prune{fraction=true}" -o "$OUT/bad.pare" --samples 4
ls "$OUT"/*.pare | sed "s|$OUT/||"
