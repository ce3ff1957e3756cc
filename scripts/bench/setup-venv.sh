#!/usr/bin/env bash
# Create or reuse <repo>/.venv for scripts/bench/onnxruntime_anchor.py and
# scripts/bench/peer_compile.py: first the fixture environment (scripts/fixtures/setup-venv.sh:
# torch CPU wheel, transformers, peft, numpy, ...), then the bench extras (onnxruntime, onnx,
# zstandard; scripts/bench/requirements.txt). Idempotent. The fixture pins are passed as
# constraints so the extras can't move numpy & co. away from them.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
VENV="$REPO_ROOT/.venv"

bash "$REPO_ROOT/scripts/fixtures/setup-venv.sh"

"$VENV/bin/python" -m pip install --quiet \
  -c "$REPO_ROOT/scripts/fixtures/requirements.txt" \
  -r "$SCRIPT_DIR/requirements.txt"

"$VENV/bin/python" - <<'PY'
import numpy, onnx, onnxruntime, torch, transformers, zstandard
print("bench venv ready:", ", ".join(f"{m.__name__} {m.__version__}" for m in
      (onnxruntime, onnx, zstandard, torch, transformers, numpy)))
PY
