#!/usr/bin/env bash
# Decode-speed anchors: Pare against torch and llama.cpp on one checkpoint (issue 28).
#
#   scripts/bench/generate-anchors.sh CHECKPOINT WORKDIR [ROUNDS]
#
# CHECKPOINT is a Hugging Face Llama-family directory (e.g. /work/big/tinyllama-bf16); WORKDIR
# holds what the script derives from it, made once and reused (never overwritten; each is written
# to a temporary name, then renamed):
#   pare-f32.pare, pare-bf16.pare   `pare compile` with cast{dtype=f32} / cast{dtype=bf16}
#   pare-int8.pare                  `pare compile` with int8-quantize (W8A8, per-channel)
#   llama-bf16.gguf, llama-q8_0.gguf  llama.cpp's convert_hf_to_gguf.py (--outtype bf16 / q8_0)
# The converter and its gguf-py come from llama-cpp-python's source distribution (vendor/llama.cpp,
# not in the wheel); it is unpacked into WORKDIR/llama.cpp-src unless LLAMA_CPP_SRC names one.
#
# Every runtime generates TOKENS (48) new tokens greedily after a PROMPT (9)-token prompt, batch 1,
# on THREADS (2) threads, and reports decode tokens/s = 1 / (median decode step): prefill is
# timed apart and left out. Each round runs every runtime once (torch f32, torch bf16, llama.cpp
# BF16, llama.cpp Q8_0, Pare f32, bf16, int8), rounds alternate so drift in the machine's load hits
# all alike, and Pare's ratio to an anchor is taken within a round, then the median over rounds.
# Prompts are seeded random ids of the same length (Pare's from `pare bench`'s generator, the
# anchors' from scripts/bench/generate_anchor.py): decode speed does not depend on which ids.
#
# Environment: PYTHON (default /work/main/.venv/bin/python or python3), PARE (default
# .build/release/pare; build it with `swift build -c release --product pare`), TOKENS, PROMPT,
# THREADS, LLAMA_CPP_SRC. Needs torch + transformers and llama-cpp-python in PYTHON's
# environment (`pip install llama-cpp-python` builds llama.cpp from source: several minutes).
# Not part of `make test`: it takes minutes per round and its figures depend on the machine.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 CHECKPOINT WORKDIR [ROUNDS]" >&2
    exit 2
fi
checkpoint=$1 workdir=$2 rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${PYTHON:-$( [[ -x /work/main/.venv/bin/python ]] && echo /work/main/.venv/bin/python || echo python3 )}
pare=${PARE:-$root/.build/release/pare}
tokens=${TOKENS:-48} prompt=${PROMPT:-9} threads=${THREADS:-2}
helper="$here/generate_anchor.py"

[[ -d $checkpoint ]] || { echo "error: generate-anchors: $checkpoint is not a directory; pass a Hugging Face checkpoint" >&2; exit 1; }
[[ -x $pare ]] || { echo "error: generate-anchors: no pare at $pare; run swift build -c release --product pare or set PARE" >&2; exit 1; }
"$python" -c 'import llama_cpp, torch, transformers' 2>/dev/null || {
    echo "error: generate-anchors: $python lacks torch, transformers or llama_cpp; pip install llama-cpp-python (and torch, transformers)" >&2; exit 1; }
mkdir -p "$workdir"

# The llama.cpp converter: the sdist's vendor/llama.cpp (one look-up of the package's sdist).
src=${LLAMA_CPP_SRC:-$workdir/llama.cpp-src}
if [[ ! -f $src/convert_hf_to_gguf.py ]]; then
    echo "fetching llama-cpp-python's source distribution for its converter"
    tmp=$(mktemp -d)
    "$python" - "$tmp" <<'EOF'
import json, sys, tarfile, urllib.request
import llama_cpp
version = llama_cpp.__version__
meta = json.load(urllib.request.urlopen(f"https://pypi.org/pypi/llama-cpp-python/{version}/json"))
url = next(u["url"] for u in meta["urls"] if u["packagetype"] == "sdist")
path = sys.argv[1] + "/sdist.tar.gz"
urllib.request.urlretrieve(url, path)
tarfile.open(path).extractall(sys.argv[1], filter="data")
EOF
    vendor=$(ls -d "$tmp"/llama_cpp_python-*/vendor/llama.cpp)
    mkdir -p "$src.tmp" && cp -r "$vendor"/{convert_hf_to_gguf.py,gguf-py,conversion} "$src.tmp"/ && mv "$src.tmp" "$src"
    rm -rf "$tmp"
fi

# Derived models, each made once.
make_gguf() { # outtype file
    [[ -f $2 ]] && return
    echo "converting $checkpoint to $1 GGUF"
    "$python" "$src/convert_hf_to_gguf.py" "$checkpoint" --outtype "$1" --outfile "$2.tmp" > "$2.log" 2>&1
    mv "$2.tmp" "$2"
}
make_pare() { # passes file
    [[ -f $2 ]] && return
    echo "compiling $checkpoint with $1"
    "$pare" compile "$checkpoint" --recipe "$1" -o "$2.tmp.pare" > "$2.log" 2>&1
    mv "$2.tmp.pare" "$2"
}
make_gguf bf16 "$workdir/llama-bf16.gguf"
make_gguf q8_0 "$workdir/llama-q8_0.gguf"
make_pare 'cast{dtype=f32}' "$workdir/pare-f32.pare"
make_pare 'cast{dtype=bf16}' "$workdir/pare-bf16.pare"
make_pare int8-quantize "$workdir/pare-int8.pare"

results="$workdir/anchors-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
common=(--prompt-length "$prompt" --tokens "$tokens" --threads "$threads")
run_anchor() { # round label args...
    local round=$1 label=$2; shift 2
    "$python" "$helper" "$@" "${common[@]}" | "$python" -c 'import json,sys; r=json.loads(sys.stdin.read()); r.update(round=int(sys.argv[1]), label=sys.argv[2]); print(json.dumps(r))' "$round" "$label" >> "$results"
    tail -n 1 "$results" | "$python" -c 'import json,sys; r=json.loads(sys.stdin.read()); print("  %-16s %7.2f tokens/s" % (r["label"], r["tokens_per_second"]))'
}
run_pare() { # round label artifact
    local round=$1 label=$2
    "$pare" bench "$3" --generate "$tokens" --seq-len "$prompt" --threads "$threads" --runs 1 --warmup 1 --json \
        | "$python" -c '
import json, sys
def plain(v):  # pare --json keys are snake_case: compare them without case and underscores
    return {k.replace("_", "").lower(): plain(x) for k, x in v.items()} if isinstance(v, dict) else [plain(x) for x in v] if isinstance(v, list) else v
r = plain(json.loads(sys.stdin.read())); m = r["models"][0]
print(json.dumps(dict(round=int(sys.argv[1]), label=sys.argv[2], runtime="pare", tokens_per_second=m["tokenspersecond"],
                      decode_ms_per_token=m["decodepertoken"]["median"], prefill_ms=m["prefill"]["median"],
                      weight_bytes_per_token=m["weightbytespertoken"], bandwidth_fraction=m.get("bandwidthfraction"),
                      bandwidth_gb_per_s=r.get("memorybandwidthgbpersecond"), decode_kernels=r["decodekernels"])))' "$round" "$label" >> "$results"
    tail -n 1 "$results" | "$python" -c 'import json,sys; r=json.loads(sys.stdin.read()); print("  %-16s %7.2f tokens/s  (%.2f of the triad bandwidth)" % (r["label"], r["tokens_per_second"], r["bandwidth_fraction"] or 0))'
}

echo "prompt $prompt tokens, $tokens generated, batch 1, $threads threads; results in $results"
for ((round = 1; round <= rounds; round++)); do
    echo "round $round"
    run_anchor "$round" "torch f32" torch --model "$checkpoint" --dtype f32
    run_anchor "$round" "torch bf16" torch --model "$checkpoint" --dtype bf16
    run_anchor "$round" "llama.cpp BF16" llama.cpp --model "$workdir/llama-bf16.gguf" --weights BF16
    run_anchor "$round" "llama.cpp Q8_0" llama.cpp --model "$workdir/llama-q8_0.gguf" --weights Q8_0
    run_pare "$round" "Pare f32" "$workdir/pare-f32.pare"
    run_pare "$round" "Pare bf16" "$workdir/pare-bf16.pare"
    run_pare "$round" "Pare int8" "$workdir/pare-int8.pare"
done
"$python" "$helper" summarize "$results"
