#!/usr/bin/env python3
"""Oracle for `pare export ARTIFACT --format onnx -o DIR`: ONNX Runtime on the exported graph
against Pare's own run of the artifact and against the original checkpoint in transformers.

What it checks and prints (plain, greppable lines; `--json OUT` writes every number):
  1. `onnx.checker.check_model` on DIR/model.onnx (full check, external data included).
  2. Fidelity on held-out text (default examples/calibration/heldout.txt), one text per run, no
     padding: the L2-normalised mean-pooled last_hidden_state of ONNX Runtime against
       - Pare's embeddings (`--pare-json`, the output of `pare run ARTIFACT --file TEXTS --json
         --lambda 1e9`: λ that large keeps every token, as the graph does), token ids compared too;
       - the original checkpoint run by transformers (`--original DIR`).
     Cosine mean and min per pair; `--expect-pare-cosine X` fails the script when the min is below X.
  3. Padding: the same texts as one right-padded batch give the same embeddings (the mask works);
     skipped for a graph with elimination (`pare export --lambda`), which takes every text as
     unpadded. With elimination, Pare's run must be at the same λ in drop mode (`pare run --lambda
     X --elimination-mode drop`), and each text's final row count must equal Pare's N_L.
  4. Fusion: the model ONNX Runtime optimizes (SessionOptions.optimized_model_filepath, level
     ORT_ENABLE_ALL) is listed by op type, so DynamicQuantizeMatMul (W8A8 fused) and Gelu /
     LayerNormalization fusions are visible.
  5. With `--baseline-f32 MODEL.onnx`: onnxruntime.quantization.quantize_dynamic of that f32 model
     (QInt8 weights, defaults: per-tensor), its held-out cosine against the original, and the
     latency of the export vs that baseline vs the f32 model on `--batch` x `--seq-len` seeded
     random ids (interleaved rounds, median ms, `--threads` intra-op threads).

How to run (from the repo root, with a venv that has onnx, onnxruntime, torch, transformers):
    pare compile examples/models/all-MiniLM-L6-v2 --recipe max-compress -o /tmp/m.pare
    pare export /tmp/m.pare --format onnx -o /tmp/m-onnx
    pare run /tmp/m.pare --file examples/calibration/heldout.txt --lambda 1e9 --json > /tmp/m-pare.json
    .venv/bin/python scripts/onnx/check_onnx_export.py /tmp/m-onnx --original examples/models/all-MiniLM-L6-v2 \
        --pare-json /tmp/m-pare.json --expect-pare-cosine 0.999 [--baseline-f32 /tmp/f32-onnx/model.onnx --time]
It needs no network: the tokenizer comes from the export directory, the original from disk.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

import numpy as np

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over the masked tokens, then L2-normalised: [B, S, d] -> [B, d]."""
    m = mask[..., None].astype(np.float64)
    e = (hidden.astype(np.float64) * m).sum(1) / m.sum(1)
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(1)


def session(path: str, threads: int, optimized_to: str | None = None):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if optimized_to:
        so.optimized_model_filepath = optimized_to
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def feeds(sess, ids: np.ndarray, mask: np.ndarray) -> dict:
    names = {i.name for i in sess.get_inputs()}
    f = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in names:
        f["token_type_ids"] = np.zeros_like(ids)
    return f


def embed_each(sess, encoded: list[list[int]]) -> tuple[np.ndarray, list[int]]:
    """Pooled embeddings of each text alone, and the rows the graph returned for it (fewer than
    its tokens when the graph eliminates)."""
    out, rows = [], []
    for ids in encoded:
        x = np.array([ids], dtype=np.int64)
        h = sess.run(["last_hidden_state"], feeds(sess, x, np.ones_like(x)))[0]
        out.append(pooled(h, np.ones(h.shape[:2]))[0])
        rows.append(h.shape[1])
    return np.stack(out), rows


def reference_embeddings(original: str, encoded: list[list[int]], threads: int) -> np.ndarray:
    """The original checkpoint in transformers: pooled embeddings of each text alone, [N, d]."""
    import torch
    from transformers import AutoModel
    torch.set_num_threads(threads)
    model = AutoModel.from_pretrained(original).eval()
    refs = []
    with torch.no_grad():
        for ids in encoded:
            x = torch.tensor([ids])
            h = model(input_ids=x, attention_mask=torch.ones_like(x)).last_hidden_state.numpy()
            refs.append(pooled(h, np.ones((1, len(ids))))[0])
    return np.stack(refs)


def embed_padded(sess, encoded: list[list[int]]) -> np.ndarray:
    n = max(len(e) for e in encoded)
    x = np.zeros((len(encoded), n), dtype=np.int64)
    m = np.zeros_like(x)
    for i, e in enumerate(encoded):
        x[i, : len(e)] = e
        m[i, : len(e)] = 1
    h = sess.run(["last_hidden_state"], feeds(sess, x, m))[0]
    return pooled(h, m)


def op_counts(path: str) -> dict[str, int]:
    import onnx
    model = onnx.load(path, load_external_data=False)
    c = collections.Counter((n.domain + "::" if n.domain else "") + n.op_type for n in model.graph.node)
    return dict(sorted(c.items()))


def summary(name: str, c: np.ndarray, results: dict) -> None:
    results[name] = {"mean": float(c.mean()), "min": float(c.min())}
    print(f"{name}: cosine mean {c.mean():.6f}, min {c.min():.6f} (1 - min = {1 - c.min():.1e}) over {len(c)} texts")


def time_models(paths: dict[str, str], threads: int, batch: int, seq_len: int, runs: int, warmup: int, vocab: int) -> dict:
    rng = np.random.default_rng(0)
    ids = rng.integers(1000, vocab, size=(batch, seq_len), dtype=np.int64)
    ids[:, 0] = 101
    ids[:, -1] = 102
    mask = np.ones_like(ids)
    sessions = {k: session(p, threads) for k, p in paths.items()}
    times = {k: [] for k in paths}
    for r in range(warmup + runs):
        for k, s in sessions.items():
            f = feeds(s, ids, mask)
            t0 = time.perf_counter()
            s.run(["last_hidden_state"], f)
            dt = (time.perf_counter() - t0) * 1000
            if r >= warmup:
                times[k].append(dt)
    out = {}
    for k, t in times.items():
        out[k] = {"median_ms": statistics.median(t), "min_ms": min(t), "max_ms": max(t)}
        print(f"time {k}: median {statistics.median(t):.2f} ms (min {min(t):.2f}, max {max(t):.2f}) "
              f"batch {batch} x {seq_len}, {threads} threads, {runs} rounds")
    return out


def write_results(results: dict, path: str | None) -> None:
    """Records and prints the 1-minute load average (timings on a shared machine need it), then
    writes every number to `path` when given."""
    results["load_average_1min"] = os.getloadavg()[0]
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}")
    if path:
        pathlib.Path(path).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("export", help="directory written by pare export --format onnx")
    ap.add_argument("--original", help="the original Hugging Face checkpoint directory")
    ap.add_argument("--pare-json", help="output of `pare run ARTIFACT --file TEXTS --lambda 1e9 --json`")
    ap.add_argument("--texts", default=str(REPO_ROOT / "examples/calibration/heldout.txt"))
    ap.add_argument("--expect-pare-cosine", type=float, help="fail when the min cosine against Pare is below this")
    ap.add_argument("--baseline-f32", help="an f32 ONNX model of the original, quantized with quantize_dynamic as the baseline")
    ap.add_argument("--time", action="store_true", help="time the export against the baseline and the f32 model")
    ap.add_argument("--time-also", action="append", default=[], metavar="NAME=MODEL.onnx",
                    help="another model to time in the same interleaved rounds (repeatable)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json", help="write every number here")
    args = ap.parse_args()

    import onnx
    import onnxruntime as ort
    from transformers import AutoTokenizer

    results: dict = {"onnxruntime": ort.__version__, "onnx": onnx.__version__}
    print(f"onnxruntime {ort.__version__}, onnx {onnx.__version__}")
    model_path = os.path.join(args.export, "model.onnx")
    onnx.checker.check_model(model_path, full_check=True)
    print(f"checker: {model_path} ok")

    texts = [t for t in pathlib.Path(args.texts).read_text().splitlines() if t.strip()]
    tok = AutoTokenizer.from_pretrained(args.export)
    encoded = [tok(t, truncation=True, max_length=256)["input_ids"] for t in texts]
    workdir = tempfile.mkdtemp(prefix="pare-onnx-check-")
    optimized = os.path.join(workdir, "optimized.onnx")
    sess = session(model_path, args.threads, optimized_to=optimized)
    ours, rows = embed_each(sess, encoded)
    eliminating = "kept_positions" in {o.name for o in sess.get_outputs()}
    failed = False

    counts = op_counts(optimized)
    results["optimized_ops"] = counts
    print("optimized graph ops: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    results["source_ops"] = op_counts(model_path)

    if eliminating:
        print("elimination in the graph: padded-batch check skipped (the graph takes every text as unpadded)")
    else:
        padded = embed_padded(sess, encoded)
        summary("padded batch vs one by one", cosines(padded, ours), results)

    if args.pare_json:
        report = json.loads(pathlib.Path(args.pare_json).read_text())
        inputs = report["inputs"]
        if [i["ids"] for i in inputs] != encoded:
            print("FAIL: Pare's token ids differ from the tokenizer's")
            failed = True
        kept = [i.get("tokens_kept") for i in inputs]
        if eliminating:
            equal = sum(k[-1] == r for k, r in zip(kept, rows))
            results["final_rows_equal"] = equal
            print(f"rows left after the last layer equal Pare's N_L: {equal} of {len(rows)} texts "
                  f"({sum(k[-1] < k[0] for k in kept)} eliminate tokens)")
            if equal != len(rows):
                print("FAIL: the graph keeps other counts than Pare")
                failed = True
        elif any(k and len(set(k)) > 1 for k in kept):
            print("FAIL: Pare eliminated tokens; run it with --lambda 1e9 (the graph keeps every token)")
            failed = True
        pare = np.array([i["embedding"] for i in inputs], dtype=np.float64)
        c = cosines(ours, pare)
        summary("onnxruntime vs pare", c, results)
        if args.expect_pare_cosine is not None and c.min() < args.expect_pare_cosine:
            print(f"FAIL: min cosine {c.min():.6f} < {args.expect_pare_cosine}")
            failed = True

    if args.original:
        refs = reference_embeddings(args.original, encoded, args.threads)
        summary("onnxruntime vs original (transformers)", cosines(ours, refs), results)

    if args.baseline_f32:
        from onnxruntime.quantization import QuantType, quantize_dynamic
        baseline = os.path.join(workdir, "quantize_dynamic.onnx")
        quantize_dynamic(args.baseline_f32, baseline, weight_type=QuantType.QInt8)
        bsess = session(baseline, args.threads, optimized_to=os.path.join(workdir, "baseline-optimized.onnx"))
        b, _ = embed_each(bsess, encoded)
        if args.original:
            summary("quantize_dynamic(original) vs original (transformers)", cosines(b, refs), results)
        bcounts = op_counts(os.path.join(workdir, "baseline-optimized.onnx"))
        results["baseline_optimized_ops"] = bcounts
        print("baseline optimized graph ops: " + ", ".join(f"{k} {v}" for k, v in bcounts.items()))
        if args.time:
            vocab = tok.vocab_size
            models = {"export": model_path, "quantize_dynamic": baseline, "f32": args.baseline_f32}
            models.update(dict(a.split("=", 1) for a in args.time_also))
            results["time"] = time_models(models,
                                          args.threads, args.batch, args.seq_len, args.runs, args.warmup, vocab)
            t = results["time"]
            print(f"speedup export vs quantize_dynamic: {t['quantize_dynamic']['median_ms'] / t['export']['median_ms']:.2f}x, "
                  f"export vs f32: {t['f32']['median_ms'] / t['export']['median_ms']:.2f}x")
    write_results(results, args.json)
    print("FAIL" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
