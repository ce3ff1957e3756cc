#!/usr/bin/env python3
"""Side by side: ONNX Runtime on Pare's exports of a compressed MiniLM against ONNX Runtime on its
own `quantize_dynamic` of the original (the one-line alternative a user would pick), on the same
machine in interleaved rounds.

It builds `onnxruntime.quantization.quantize_dynamic(F32, QInt8)` (defaults: per-tensor weights)
of `--f32` (an f32 ONNX model of the original, e.g. `pare export` of a `merge-lora` artifact, which
matches transformers to 1e-12), then for the baseline, the f32 model and every `--export NAME=DIR`:
  1. held-out fidelity: the mean-pooled, L2-normalised last_hidden_state of each text of `--texts`
     run alone (no padding), against the original checkpoint in transformers: cosine mean and min
     (a graph with elimination returns fewer rows; they are pooled as they are);
  2. latency, interleaved (every round runs every model once, in turn): batch `--batch` x
     `--seq-len` seeded ids, and all held-out texts one at a time (the per-sentence total);
     the median over rounds and, per model, the median of its per-round ratio to the baseline
     (paired, so load that changes between rounds cancels).
`--threads` intra-op threads (2 by default), ORT_ENABLE_ALL, sequential execution.

    .venv/bin/python scripts/onnx/compare_quantize_dynamic.py --original examples/models/all-MiniLM-L6-v2 \\
        --f32 F32_DIR/model.onnx --export max-compress=MC_DIR [--export other=DIR ...] [--rounds 20] [--json out.json]
No network: the tokenizer is read from --original.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from check_onnx_export import cosines, embed_each, feeds, reference_embeddings, session, write_results  # noqa: E402

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--original", default=str(REPO_ROOT / "examples/models/all-MiniLM-L6-v2"))
    ap.add_argument("--f32", required=True, help="an f32 ONNX model of the original (the baseline is quantize_dynamic of it)")
    ap.add_argument("--export", action="append", default=[], metavar="NAME=DIR", help="a Pare export to compare (repeatable)")
    ap.add_argument("--texts", default=str(REPO_ROOT / "examples/calibration/heldout.txt"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--no-time", action="store_true", help="fidelity only")
    ap.add_argument("--json", help="write every number here")
    args = ap.parse_args()

    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoTokenizer

    workdir = tempfile.mkdtemp(prefix="pare-qd-")
    baseline = os.path.join(workdir, "quantize_dynamic.onnx")
    quantize_dynamic(args.f32, baseline, weight_type=QuantType.QInt8)
    models = {"quantize_dynamic": baseline, "f32": args.f32}
    for spec in args.export:
        name, directory = spec.split("=", 1)
        models[name] = os.path.join(directory, "model.onnx")
    print(f"onnxruntime {ort.__version__}; {args.threads} threads; load average (1 min) {os.getloadavg()[0]:.2f}")

    texts = [t for t in pathlib.Path(args.texts).read_text().splitlines() if t.strip()]
    tok = AutoTokenizer.from_pretrained(args.original)
    encoded = [tok(t, truncation=True, max_length=256)["input_ids"] for t in texts]
    refs = reference_embeddings(args.original, encoded, args.threads)
    sessions = {k: session(p, args.threads) for k, p in models.items()}
    results: dict = {"onnxruntime": ort.__version__, "threads": args.threads, "texts": len(texts), "models": {}}
    for name, sess in sessions.items():
        c = cosines(embed_each(sess, encoded)[0], refs)
        results["models"][name] = {"cosine_mean": float(c.mean()), "cosine_min": float(c.min())}
        print(f"{name}: held-out cosine vs original mean {c.mean():.4f}, min {c.min():.4f} ({len(texts)} texts)")

    if not args.no_time:
        rng = np.random.default_rng(0)
        ids = rng.integers(1000, tok.vocab_size, size=(args.batch, args.seq_len), dtype=np.int64)
        ids[:, 0], ids[:, -1] = tok.cls_token_id, tok.sep_token_id
        batch_feeds = {k: feeds(s, ids, np.ones_like(ids)) for k, s in sessions.items()}
        singles = [np.array([e], dtype=np.int64) for e in encoded]
        times = {k: {"batch": [], "sentences": []} for k in sessions}
        for r in range(args.warmup + args.rounds):
            for k, s in sessions.items():
                t0 = time.perf_counter()
                s.run(["last_hidden_state"], batch_feeds[k])
                t1 = time.perf_counter()
                for x in singles:
                    s.run(["last_hidden_state"], feeds(s, x, np.ones_like(x)))
                t2 = time.perf_counter()
                if r >= args.warmup:
                    times[k]["batch"].append((t1 - t0) * 1000)
                    times[k]["sentences"].append((t2 - t1) * 1000)
        for kind, label in [("batch", f"batch {args.batch} x {args.seq_len}"), ("sentences", f"{len(texts)} held-out texts one at a time")]:
            base = times["quantize_dynamic"][kind]
            for k in sessions:
                t = times[k][kind]
                ratio = statistics.median(b / x for b, x in zip(base, t))
                results["models"][k][f"{kind}_median_ms"] = statistics.median(t)
                results["models"][k][f"{kind}_speedup_vs_quantize_dynamic"] = ratio
                print(f"time {label}: {k}: median {statistics.median(t):.1f} ms (min {min(t):.1f}); "
                      f"{ratio:.2f}x quantize_dynamic (median of {len(t)} paired rounds)")
    write_results(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
