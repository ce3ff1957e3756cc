#!/usr/bin/env python3
"""ONNX Runtime gives the same last_hidden_state for a model with inline weights and the same
model with its weights in model.onnx_data (Pare's external-data layout, used above 2 GB).

    PARE_ONNX_EXPORT_DIR=/tmp/pare-onnx swift test --filter ONNXExportForPythonTests
    .venv/bin/python scripts/onnx/check_external_data.py /tmp/pare-onnx
checks every <name>-inline / <name>-external pair there (onnx checker on both, outputs equal).
"""
import pathlib
import sys

import numpy as np
import onnx
import onnxruntime as ort


def run(path: pathlib.Path, ids: np.ndarray) -> np.ndarray:
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    return sess.run(["last_hidden_state"], feeds)[0]


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    ids = np.random.default_rng(0).integers(0, 64, size=(2, 11), dtype=np.int64)
    failed = False
    pairs = sorted(root.glob("*-inline"))
    for inline in pairs:
        external = root / inline.name.replace("-inline", "-external")
        for d in (inline, external):
            onnx.checker.check_model(str(d / "model.onnx"), full_check=True)
        has_data = (external / "model.onnx_data").exists()
        a, b = run(inline / "model.onnx", ids), run(external / "model.onnx", ids)
        same = has_data and np.array_equal(a, b)
        print(f"{inline.name} vs {external.name}: model.onnx_data {'present' if has_data else 'MISSING'}, "
              f"outputs {'identical' if np.array_equal(a, b) else 'DIFFER'} {a.shape}")
        failed |= not same
    if not pairs:
        print(f"no *-inline exports in {root}")
        failed = True
    print("FAIL" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
