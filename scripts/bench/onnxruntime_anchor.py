"""ONNX Runtime anchor for Pare's speed claims: fp32 vs dynamic-int8 latency of the same model.

What it measures
    A Hugging Face encoder checkpoint (e.g. examples/models/all-MiniLM-L6-v2) is exported to
    ONNX (opset 17, dynamic batch/sequence axes, inputs input_ids/attention_mask/token_type_ids,
    output last_hidden_state) and quantized the way an ONNX Runtime user would do it:
    `onnxruntime.quantization.quantize_dynamic(..., weight_type=QuantType.QInt8)` with default
    settings (per-tensor weights, u8 activations quantized per call, only MatMuls with a constant
    weight; `--per-channel` for per-channel weights). Both models run on the CPU execution
    provider with ORT's default graph optimizations (ORT_ENABLE_ALL), `--threads` intra-op
    threads, one inter-op thread, sequential execution.

    The workload is the one `pare bench` uses: `--batch` samples of exactly `--seq-len` seeded
    random token ids (attention mask all ones, token types all zero). After `--warmup` rounds,
    each of `--runs` rounds times one fp32 forward and then one int8 forward (interleaved, so
    drift in machine load hits both alike). Wall time of `session.run` per forward.

    Printed (plain, greppable lines; `--json OUT` writes every number, sorted keys):
      onnxruntime version, CPU model and avx512_vnni / avx_vnni / avx2 flags, 1-min load average,
      fp32 and int8 median/min/max ms, the fp32/int8 ratio, and the int8 model's fidelity: cosine
      between int8 and fp32 mean-pooled last_hidden_state per sample (mean and min). The fidelity
      is on the random-id workload, which is harsher than real text (MiniLM per-tensor int8:
      about 0.89 here against about 0.96 on examples/calibration/heldout.txt sentences).

    On a shared or virtual machine absolute milliseconds drift between runs minutes apart;
    compare Pare with this anchor in back-to-back runs on an idle machine (the printed load
    average shows a concurrent build), and prefer the fp32/int8 ratio, which is interleaved.

How to run
    bash scripts/bench/setup-venv.sh            # once: .venv with torch, transformers, onnxruntime
    .venv/bin/python scripts/bench/onnxruntime_anchor.py examples/models/all-MiniLM-L6-v2 \\
        --batch 8 --seq-len 128 --threads 2 --runs 10 --warmup 2 --json out.json

    Beside it, on the same machine: `pare bench <model> --batch 8 --seq-len 128 --threads 2`.

    Exported/quantized files are cached in `--cache-dir` (default <repo>/.build/onnx/<model>/)
    and reused while the checkpoint and export settings are unchanged (export.json records them).
    The export runs in a child process, so torch is never loaded in the process that is timed.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import pathlib
import statistics
import sys
import time

import numpy as np

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
OPSET = 17
INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids"]
OUTPUT_NAME = "last_hidden_state"
CPU_FLAGS = ("avx512_vnni", "avx_vnni", "avx2")
EXPORT_VERSION = 2  # bump when export_fp32 changes, so cached ONNX files are redone


# --------------------------------------------------------------------------------------------
# Export (runs in a child process; the only place torch/transformers are imported)
# --------------------------------------------------------------------------------------------

def checkpoint_fingerprint(model_dir: pathlib.Path) -> dict:
    """Size and mtime of the checkpoint files, so a changed checkpoint invalidates the cache."""
    files = sorted(p for p in model_dir.iterdir()
                   if p.is_file() and (p.suffix in (".safetensors", ".bin") or p.name == "config.json"))
    return {p.name: [p.stat().st_size, int(p.stat().st_mtime)] for p in files}


def export_settings(model_dir: pathlib.Path, attn: str) -> dict:
    """What the fp32 ONNX file depends on; stored in export.json and compared on reuse."""
    return {"model_dir": str(model_dir.resolve()), "checkpoint": checkpoint_fingerprint(model_dir),
            "opset": OPSET, "attn_implementation": attn, "export_version": EXPORT_VERSION}


def export_fp32(model_dir: pathlib.Path, out: pathlib.Path, attn: str) -> dict:
    """torch.onnx.export of AutoModel (eval, f32) with the legacy TorchScript exporter.

    `dynamo=False` needs only torch + onnx (the dynamo exporter would also need onnxscript).
    The traced dummy input (batch 2, 16 tokens) deliberately differs from the benchmark shape,
    and the check below runs the exported graph at another shape, so a shape baked in by the
    trace would show up as an error or a large difference.
    """
    import warnings

    import onnxruntime as ort
    import torch
    from transformers import AutoModel

    # The legacy exporter warns that it is deprecated, and the trace warns about constants
    # in transformers' mask code (harmless here: the mask only enters as an input).
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
    torch.manual_seed(0)
    torch.set_num_threads(1)  # the export is not timed; leave the cores alone

    class LastHiddenState(torch.nn.Module):
        """AutoModel reduced to last_hidden_state: without this the export would also compute
        and output BertModel's pooler, which neither Pare's encoder nor the timing wants."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    model = AutoModel.from_pretrained(model_dir, dtype=torch.float32,
                                      attn_implementation=attn).eval()
    wrapped = LastHiddenState(model).eval()
    ids = torch.randint(0, model.config.vocab_size, (2, 16))
    dummy = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES + [OUTPUT_NAME]}
    tmp = out.with_suffix(".tmp.onnx")
    with torch.no_grad():
        torch.onnx.export(wrapped, dummy, str(tmp), dynamo=False, opset_version=OPSET,
                          input_names=INPUT_NAMES, output_names=[OUTPUT_NAME],
                          dynamic_axes=axes, do_constant_folding=True)

    # Sanity check: ONNX Runtime vs torch on a different shape (batch 3, 24 tokens).
    ids = torch.randint(0, model.config.vocab_size, (3, 24))
    feed = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    with torch.no_grad():
        ref = wrapped(*feed).numpy()
    session = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
    got = session.run([OUTPUT_NAME], dict(zip(INPUT_NAMES, (t.numpy() for t in feed))))[0]
    max_abs = float(np.abs(got - ref).max())
    if not max_abs < 1e-3:
        raise SystemExit(f"export check failed: ORT vs torch max |diff| {max_abs:g}")
    os.replace(tmp, out)
    return {"torch_version": torch.__version__,
            "transformers_version": __import__("transformers").__version__,
            "export_check_max_abs_diff": max_abs}


def export_child(model_dir: str, cache_dir: str, attn: str) -> None:
    """Entry point of the export child process: writes model.fp32.onnx and export.json."""
    model_dir_p, cache = pathlib.Path(model_dir), pathlib.Path(cache_dir)
    info = export_fp32(model_dir_p, cache / "model.fp32.onnx", attn)
    meta = {**export_settings(model_dir_p, attn), **info}
    (cache / "export.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def ensure_models(model_dir: pathlib.Path, cache: pathlib.Path, attn: str,
                  per_channel: bool) -> tuple[pathlib.Path, pathlib.Path, dict]:
    """fp32 and int8 ONNX files in `cache`, (re)made when missing or stale."""
    cache.mkdir(parents=True, exist_ok=True)
    fp32 = cache / "model.fp32.onnx"
    int8 = cache / ("model.int8-per-channel.onnx" if per_channel else "model.int8.onnx")
    meta_path = cache / "export.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    wanted = export_settings(model_dir, attn)
    if not fp32.exists() or any(meta.get(k) != v for k, v in wanted.items()):
        print(f"exporting {model_dir} -> {fp32} (opset {OPSET}, {attn} attention)", flush=True)
        for stale in cache.glob("model.*.onnx"):  # int8 files derive from the old fp32 file
            stale.unlink()
        child = multiprocessing.get_context("spawn").Process(
            target=export_child, args=(str(model_dir), str(cache), attn))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"export failed (exit code {child.exitcode})")
        meta = json.loads(meta_path.read_text())
    if not int8.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        print(f"quantizing -> {int8} (quantize_dynamic, QInt8, "
              f"{'per-channel' if per_channel else 'per-tensor'})", flush=True)
        tmp = int8.with_suffix(".tmp.onnx")
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=per_channel)
        os.replace(tmp, int8)
    return fp32, int8, meta


# --------------------------------------------------------------------------------------------
# Machine description
# --------------------------------------------------------------------------------------------

def cpu_info() -> tuple[str, dict]:
    """CPU model name and the int8-relevant flags from /proc/cpuinfo (first processor)."""
    name, flags = "unknown", set()
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "model name" and name == "unknown":
                name = value.strip()
            elif key == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        import platform
        name = platform.processor() or "unknown"
    return name, {flag: flag in flags for flag in CPU_FLAGS}


def load_average() -> float | None:
    """1-minute load average: a busy machine (e.g. a concurrent build) makes timings meaningless."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


# --------------------------------------------------------------------------------------------
# Benchmark
# --------------------------------------------------------------------------------------------

def make_session(path: pathlib.Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def workload(batch: int, seq_len: int, vocab_size: int, seed: int) -> dict:
    """`batch` × `seq_len` seeded random ids, mask all ones, token types zero (as `pare bench`).

    The ids differ from Pare's (SplitMix64 there) but only select embedding rows: timing is the same.
    """
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, vocab_size, size=(batch, seq_len), dtype=np.int64)
    return {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}


def summary(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"median": statistics.median(ms), "min": min(ms), "max": max(ms), "runs": ms}


def mean_pooled_cosines(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-sample cosine of the mask-weighted token means of two [batch, seq, hidden] outputs."""
    w = mask[..., None].astype(np.float64)
    pa = (a.astype(np.float64) * w).sum(1) / w.sum(1)
    pb = (b.astype(np.float64) * w).sum(1) / w.sum(1)
    return (pa * pb).sum(1) / (np.linalg.norm(pa, axis=1) * np.linalg.norm(pb, axis=1))


def count_ops(path: pathlib.Path, op_types: tuple[str, ...]) -> dict:
    import onnx

    nodes = onnx.load(str(path), load_external_data=False).graph.node
    return {op: sum(n.op_type == op for n in nodes) for op in op_types}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", type=pathlib.Path, help="Hugging Face checkpoint directory")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2, help="ORT intra-op threads")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="numpy seed of the token ids")
    parser.add_argument("--per-channel", action="store_true",
                        help="quantize weights per channel (default: per tensor, quantize_dynamic's default)")
    parser.add_argument("--attn-implementation", default="eager", choices=("eager", "sdpa"),
                        help="transformers attention code traced into the graph (default eager: the "
                             "plain MatMul/Softmax BERT graph; sdpa timed the same on MiniLM)")
    parser.add_argument("--cache-dir", type=pathlib.Path,
                        help="where the ONNX files go (default <repo>/.build/onnx/<model-name>/)")
    parser.add_argument("--json", type=pathlib.Path, metavar="OUT", help="write all numbers as JSON")
    args = parser.parse_args()
    if min(args.batch, args.seq_len, args.threads, args.runs) < 1 or args.warmup < 0:
        parser.error("--batch, --seq-len, --threads, --runs must be >= 1 and --warmup >= 0")

    model_dir = args.model_dir
    config_path = model_dir / "config.json"
    if not config_path.is_file():
        parser.error(f"{model_dir} has no config.json (fetch: bash scripts/fetch-example-model.sh)")
    config = json.loads(config_path.read_text())
    if args.seq_len > config.get("max_position_embeddings", args.seq_len):
        parser.error(f"--seq-len {args.seq_len} exceeds the model's "
                     f"{config['max_position_embeddings']} positions")
    name = model_dir.resolve().name
    cache = args.cache_dir or REPO_ROOT / ".build" / "onnx" / name

    fp32_path, int8_path, meta = ensure_models(model_dir, cache, args.attn_implementation,
                                                args.per_channel)

    import onnxruntime as ort

    cpu_name, flags = cpu_info()
    feed = workload(args.batch, args.seq_len, config["vocab_size"], args.seed)
    fp32 = make_session(fp32_path, args.threads)
    int8 = make_session(int8_path, args.threads)

    # Warm-up, then interleaved timed rounds: fp32 then int8 in each round.
    load_before = load_average()
    for _ in range(args.warmup):
        fp32.run([OUTPUT_NAME], feed)
        int8.run([OUTPUT_NAME], feed)
    times = {"fp32": [], "int8": []}
    for _ in range(args.runs):
        for label, session in (("fp32", fp32), ("int8", int8)):
            start = time.perf_counter()
            session.run([OUTPUT_NAME], feed)
            times[label].append(time.perf_counter() - start)
    load_after = load_average()

    # Fidelity of int8 against fp32 on the same batch (untimed).
    out32 = fp32.run([OUTPUT_NAME], feed)[0]
    out8 = int8.run([OUTPUT_NAME], feed)[0]
    cos = mean_pooled_cosines(out32, out8, feed["attention_mask"])

    r32, r8 = summary(times["fp32"]), summary(times["int8"])
    ratio = r32["median"] / r8["median"]
    quant = "per-channel" if args.per_channel else "per-tensor"
    int8_ops = count_ops(int8_path, ("MatMulInteger", "DynamicQuantizeLinear", "MatMul"))
    yes = lambda b: "yes" if b else "no"  # noqa: E731

    print(f"onnxruntime version {ort.__version__} (CPUExecutionProvider, ORT_ENABLE_ALL)")
    print(f"cpu {cpu_name} | " + " ".join(f"{f} {yes(v)}" for f, v in flags.items()))
    print(f"model {name} ({config.get('num_hidden_layers')} layers, hidden {config.get('hidden_size')}) "
          f"| onnx opset {OPSET}, {args.attn_implementation} attention, torch {meta.get('torch_version')}, "
          f"export check vs torch max |diff| {meta.get('export_check_max_abs_diff', float('nan')):.1e}")
    print(f"int8 quantization quantize_dynamic QInt8 {quant} | {int8_ops['MatMulInteger']} MatMulInteger, "
          f"{int8_ops['MatMul']} float MatMul left | "
          f"fp32 {fp32_path.stat().st_size / 1e6:.1f} MB, int8 {int8_path.stat().st_size / 1e6:.1f} MB")
    print(f"workload batch {args.batch} x seq-len {args.seq_len} | threads {args.threads} "
          f"(inter-op 1, sequential) | warmup {args.warmup}, runs {args.runs}, interleaved | seed {args.seed}")
    print(f"load average {load_before:.2f} before, {load_after:.2f} after" if load_before is not None
          else "load average unknown")
    for label, r in (("fp32", r32), ("int8", r8)):
        print(f"onnxruntime {label}  median {r['median']:.1f} ms (min {r['min']:.1f}, max {r['max']:.1f})")
    print(f"onnxruntime fp32/int8  {ratio:.2f}x")
    print(f"int8 fidelity  mean-pooled cosine vs fp32: mean {cos.mean():.6f}, min {cos.min():.6f}")

    if args.json:
        report = {
            "onnxruntime_version": ort.__version__,
            "cpu_model": cpu_name,
            "cpu_flags": flags,
            "model": name,
            "model_dir": str(model_dir.resolve()),
            "layers": config.get("num_hidden_layers"),
            "hidden_size": config.get("hidden_size"),
            "opset": OPSET,
            "attn_implementation": args.attn_implementation,
            "torch_version": meta.get("torch_version"),
            "transformers_version": meta.get("transformers_version"),
            "export_check_max_abs_diff": meta.get("export_check_max_abs_diff"),
            "quantization": {"method": "quantize_dynamic", "weight_type": "QInt8",
                             "per_channel": args.per_channel, "ops": int8_ops},
            "files": {"fp32": str(fp32_path), "int8": str(int8_path),
                      "fp32_bytes": fp32_path.stat().st_size, "int8_bytes": int8_path.stat().st_size},
            "batch": args.batch, "seq_len": args.seq_len, "threads": args.threads,
            "inter_op_threads": 1, "warmup": args.warmup, "runs": args.runs, "seed": args.seed,
            "load_average_before": load_before, "load_average_after": load_after,
            "fp32_ms": r32, "int8_ms": r8, "fp32_over_int8": ratio,
            "int8_cosine": {"mean": float(cos.mean()), "min": float(cos.min()),
                            "per_sample": [float(c) for c in cos]},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
        print(f"json {args.json}")


if __name__ == "__main__":
    sys.exit(main())
