"""The Python peer of `pare compile MODEL --recipe passes/max-compress.yaml -o OUT`.

What it does
    The stages of passes/max-compress.yaml, written the way a transformers + peft + torch user
    would write them, in one process:

    1. load       AutoTokenizer + AutoModel (f32); with --adapter, PeftModel.from_pretrained(...)
                  .merge_and_unload() (Pare's merge-lora; without one, nothing to merge).
    2. calibrate  the calibration set Pare uses by default (Sources/Driver/CalibrationInput.swift):
                  examples/calibration/default.txt, --calibration-samples lines (64) picked by
                  the same seeded SplitMix64 Fisher-Yates as CalibrationLoader.choose (seed 0,
                  kept in file order), each tokenized with [CLS]/[SEP] and cut to 128 tokens
                  (min with max_position_embeddings). Its SHA-256 (ids as little-endian int32,
                  each sample followed by -1) is the calibrationSHA256 Pare records, so the two
                  can be checked to read the same samples. Forward sweeps run in batches of 16
                  of the samples sorted by length (right-padded with an attention mask: 1504
                  positions for MiniLM's 1354 tokens; statistics count real tokens only).
    3. head-prune global-fraction 0.1 (Sources/Passes/Transforms/HeadPrune*.swift): sweep 1 hooks
                  the input C of every attention.output.dense and scores each head by its mean
                  contribution E_t ||C_h[t] W_O[:, h]^T||_2; the floor(0.1 * all heads) lowest,
                  ties to the lower (layer, head), never a layer's last head, go. FLAP bias
                  compensation b_O += W_O[:, R] mu_R (mu = E_t[C]), then model.prune_heads.
    4. ffn-prune  fraction 0.15, damping 0.1 (FFNPrune*.swift, Reconstruction+Refit.swift): sweep
                  2, on the head-pruned model, hooks the input h of every output.dense (the FFN
                  down projection): sums, sums of squares and the Gram matrix h^T h (f32). Score
                  Var(h_j) ||W_down[:, j]||^2; each layer keeps the n - floor(0.15 n) best rounded
                  to a multiple of 16 (ties: the lower index goes). down is refitted by damped
                  least squares: W'^T = W[:, K]^T + (C_KK + d I)^-1 C_KR W[:, R]^T with C the
                  covariance of h and d = 0.1 * mean(diag C_KK) (Cholesky, f32), and
                  b' = b + W mu - W' mu_K; intermediate.dense loses the same rows.
    5. int8       every block linear (Q, K, V, O, up, down): per-row symmetric int8,
                  s = max|W_row| / 127, q = clamp(round_half_even(W / s), -127, 127), stored as
                  int8 + f32 scales. They run W8A8 the way torch can without int8 kernels:
                  activations quantized per token (symmetric, 127), float GEMM on the int8 values.
    6. elimination-profile  target-speedup 1.05 (/work/shared/ACC-SPEC.md section 3-6): sweep 3,
                  on the int8 model with output_attentions=True; per layer and sample ACC =
                  median over the unprotected real tokens (CLS excluded) of the attention each
                  token receives (head-mean, padded query rows zeroed, column sums); ACC_l = mean
                  over samples. Quadratic fit (numpy.polyfit over l = 1..L), EP by the halt rule,
                  lambda for a 1.05x continuous speedup (beta 0.25) by bisection.
    7. save       every tensor into one safetensors blob whose metadata carries the pipeline log,
                  config.json, the tokenizer files, the provenance (SHA-256 of every input file,
                  as Pare records) and the profile; zstandard level 1 (threads = cores) into
                  OUT_FILE via a temporary beside it and a rename.

    Pare measures calibration statistics again after every pass that changes weights; so does
    this script: three sweeps over the same samples (head scores, FFN statistics, ACC). Per-stage
    wall times (imports included) go to stderr; torch keeps its default intra-op thread count.
    It does not aim at Pare's bytes: numbers agree to rounding, not bit for bit.

How to run
    bash scripts/bench/setup-venv.sh   # once: .venv with torch, transformers, peft, zstandard
    .venv/bin/python scripts/bench/peer_compile.py examples/models/all-MiniLM-L6-v2 out.peer.zst \\
        [--adapter DIR] [--calibration-samples 64]

    scripts/bench/compile-side-by-side.sh times it beside `pare compile`.
"""
import time

START = time.perf_counter()

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pathlib  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402
import safetensors.torch  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
import zstandard  # noqa: E402
from torch import nn  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO / "examples/calibration/default.txt"
MAX_LENGTH = 128
BATCH_SIZE = 16
HEAD_GLOBAL_FRACTION = 0.1
FFN_FRACTION = 0.15
FFN_DAMPING = 0.1
KEEP_MULTIPLE = 16
TARGET_SPEEDUP = 1.05
BETA = 0.25
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json")


class Stages:
    """Wall time per stage, printed to stderr as each ends."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.last = time.perf_counter()

    def done(self, name: str, since: float | None = None) -> None:
        now = time.perf_counter()
        self.times[name] = now - (self.last if since is None else since)
        self.last = now
        print(f"peer: {name:<20} {self.times[name]:7.3f} s", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Calibration samples: the same lines, the same ids as Pare's default.


def splitmix_choose(count: int, limit: int, seed: int) -> list[int]:
    """CalibrationLoader.choose: all indices when limit >= count, else a seeded Fisher-Yates
    prefix (SplitMix64), sorted."""
    if limit >= count:
        return list(range(count))
    mask = (1 << 64) - 1
    state, indices = seed, list(range(count))

    def next_value() -> int:
        nonlocal state
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    for i in range(limit):
        j = i + next_value() % (count - i)
        indices[i], indices[j] = indices[j], indices[i]
    return sorted(indices[:limit])


def calibration_samples(tokenizer, corpus: pathlib.Path, samples: int, max_length: int) -> list[list[int]]:
    lines = [line for line in corpus.read_text(encoding="utf-8").split("\n") if line.strip()]
    chosen = [lines[i] for i in splitmix_choose(len(lines), samples, seed=0)]
    return [tokenizer(text, truncation=True, max_length=max_length)["input_ids"] for text in chosen]


def calibration_digest(samples: list[list[int]]) -> str:
    h = hashlib.sha256()
    for sample in samples:
        h.update(struct.pack(f"<{len(sample) + 1}i", *sample, -1))
    return h.hexdigest()


def sweep(model, samples: list[list[int]], pad_id: int, state: dict, output_attentions: bool = False):
    """One forward pass over every sample in batches; `state["valid"]` holds the batch's
    [B, T] mask of real tokens while the hooks run. Yields (attentions, valid) per batch when
    `output_attentions`."""
    for start in range(0, len(samples), BATCH_SIZE):
        batch = samples[start:start + BATCH_SIZE]
        width = max(len(s) for s in batch)
        ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for b, s in enumerate(batch):
            ids[b, :len(s)] = torch.tensor(s)
            mask[b, :len(s)] = 1
        state["valid"] = mask.bool()
        out = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids),
                    output_attentions=output_attentions)
        if output_attentions:
            yield out.attentions, state["valid"]
    state.pop("valid", None)


def hooked_sweep(model, samples, pad_id, state: dict, hooks) -> None:
    """One sweep with each (module, hook) of `hooks` seeing the module's input."""
    handles = [module.register_forward_pre_hook(hook) for module, hook in hooks]
    try:
        for _ in sweep(model, samples, pad_id, state):
            pass
    finally:
        for handle in handles:
            handle.remove()


def layers(model):
    return model.encoder.layer


# ---------------------------------------------------------------------------------------------
# 3. head-prune


def head_statistics(model, samples, pad_id):
    """Sweep 1: per layer, the per-head mean contribution through W_O and the mean of C."""
    state: dict = {}
    n_layers = len(layers(model))
    contribution = [None] * n_layers
    sums = [None] * n_layers
    tokens = [0] * n_layers
    hooks = []
    for l, layer in enumerate(layers(model)):
        attention = layer.attention.self
        heads, dh = attention.num_attention_heads, attention.attention_head_size

        def hook(module, args, l=l, heads=heads, dh=dh):
            x = args[0][state["valid"]]  # [N, heads * dh]
            w = module.weight  # [d, heads * dh]
            # y_h = C_h W_O[:, h]^T for every head at once: [heads, N, d]
            y = torch.bmm(x.view(-1, heads, dh).transpose(0, 1), w.view(-1, heads, dh).permute(1, 2, 0))
            c = y.norm(dim=2).sum(dim=1).double()
            s = x.sum(dim=0, dtype=torch.float64)
            contribution[l] = c if contribution[l] is None else contribution[l] + c
            sums[l] = s if sums[l] is None else sums[l] + s
            tokens[l] += x.shape[0]

        hooks.append((layer.attention.output.dense, hook))
    hooked_sweep(model, samples, pad_id, state, hooks)
    scores = [(contribution[l] / tokens[l]).tolist() for l in range(n_layers)]
    means = [sums[l] / tokens[l] for l in range(n_layers)]
    return scores, means, tokens[0]


def head_prune(model, scores, means):
    """The floor(0.1 * H_total) lowest contributions across layers (ties to the lower (layer,
    head), never a layer's last head); their mean output into W_O's bias; then prune_heads."""
    heads_per_layer = [len(s) for s in scores]
    candidates = sorted((s, l, h) for l, layer_scores in enumerate(scores) for h, s in enumerate(layer_scores))
    count = int(np.floor(HEAD_GLOBAL_FRACTION * len(candidates)))
    removal: dict[int, list[int]] = {}
    for _, l, h in candidates[:count]:
        if len(removal.get(l, [])) + 1 < heads_per_layer[l]:
            removal.setdefault(l, []).append(h)
    for l, heads in removal.items():
        attention = layers(model)[l].attention
        dh = attention.self.attention_head_size
        o = attention.output.dense
        columns = torch.cat([torch.arange(h * dh, (h + 1) * dh) for h in heads])
        shift = o.weight[:, columns].double() @ means[l][columns]
        o.bias.copy_((o.bias.double() + shift).float())
        removal[l] = sorted(heads)
    model.prune_heads(removal)
    notes = [f"blocks.{l}.attention: head scores (contribution) " + ", ".join(f"{s:.4g}" for s in scores[l])
             + f"; removed {removal.get(l, [])}" for l in range(len(scores))]
    return sum(len(h) for h in removal.values()), notes


# ---------------------------------------------------------------------------------------------
# 4. ffn-prune


def ffn_statistics(model, samples, pad_id):
    """Sweep 2: per layer, sums, sums of squares and the Gram matrix of the down projection's input."""
    state: dict = {}
    stats = [None] * len(layers(model))
    hooks = []
    for l, layer in enumerate(layers(model)):
        def hook(module, args, l=l):
            x = args[0][state["valid"]]  # [N, n]
            if stats[l] is None:
                n = x.shape[1]
                stats[l] = {"rows": 0, "sums": torch.zeros(n, dtype=torch.float64),
                            "sumsq": torch.zeros(n, dtype=torch.float64), "gram": torch.zeros(n, n)}
            s = stats[l]
            s["rows"] += x.shape[0]
            s["sums"] += x.sum(dim=0, dtype=torch.float64)
            s["sumsq"] += (x.double() ** 2).sum(dim=0)
            s["gram"].addmm_(x.T, x)

        hooks.append((layer.output.dense, hook))
    hooked_sweep(model, samples, pad_id, state, hooks)
    return stats


def kept_count(n: int, removing: int, multiple: int) -> int:
    """FFNPrune.keptCount: n - r rounded to a multiple of m (halves up), within [m, m * floor(n / m)]."""
    if removing <= 0:
        return n
    if n < multiple:
        return max(n - removing, 1)
    rounded = multiple * int(np.floor((n - removing) / multiple + 0.5))
    return min(max(rounded, multiple), multiple * (n // multiple))


def refit_down(w: torch.Tensor, b: torch.Tensor, kept: torch.Tensor, s: dict, damping: float):
    """Reconstruction.leastSquares: damped refit of down's kept columns, mean output kept."""
    t = max(s["rows"], 1)
    mu = s["sums"] / t
    n = w.shape[1]
    removed = torch.ones(n, dtype=torch.bool)
    removed[kept] = False
    mu32 = mu.float()
    ck = torch.addr(s["gram"][kept], mu32[kept], mu32, beta=1 / t, alpha=-1)  # C_K. = G_K./t - mu_K mu^T [k, n]
    ckk = ck[:, kept]
    delta = damping * ckk.diagonal().double().mean().item()
    factor = torch.linalg.cholesky(ckk + delta * torch.eye(len(kept)))
    rhs = ck[:, removed] @ w[:, removed].T  # C_KR W[:, R]^T  [k, d]
    refitted = w[:, kept] + torch.cholesky_solve(rhs, factor).T  # [d, k]
    bias = b.double() + w.double() @ mu - refitted.double() @ mu[kept]
    return refitted.contiguous(), bias.float()


def ffn_prune(model, stats):
    notes, removed_total = [], 0
    for l, layer in enumerate(layers(model)):
        up, down, s = layer.intermediate.dense, layer.output.dense, stats[l]
        n = down.in_features
        t = max(s["rows"], 1)
        mu = s["sums"] / t
        variance = (s["sumsq"] / t - mu * mu).clamp_min(0)
        scores = (variance * (down.weight.double() ** 2).sum(dim=0)).numpy()
        k = kept_count(n, int(np.floor(FFN_FRACTION * n + 1e-9)), KEEP_MULTIPLE)
        order = np.argsort(scores, kind="stable")  # ascending score, the lower index first among ties
        kept = torch.from_numpy(np.sort(order[n - k:]))
        weight, bias = refit_down(down.weight, down.bias, kept, s, FFN_DAMPING)
        new_up = nn.Linear(up.in_features, k)
        new_up.weight.copy_(up.weight[kept])
        new_up.bias.copy_(up.bias[kept])
        new_down = nn.Linear(k, down.out_features)
        new_down.weight.copy_(weight)
        new_down.bias.copy_(bias)
        layer.intermediate.dense, layer.output.dense = new_up, new_down
        model.config.intermediate_size = k
        removed_total += n - k
        notes.append(f"blocks.{l}.mlp: kept {k} of {n} neurons (fluctuation scores)")
    return removed_total, notes


# ---------------------------------------------------------------------------------------------
# 5. int8


class Int8Linear(nn.Module):
    """int8 weight [out, in] with one f32 scale per row; runs W8A8: activations quantized per
    token (symmetric, 127), GEMM on the integer values in f32, rescaled."""

    def __init__(self, linear: nn.Linear):
        super().__init__()
        w = linear.weight.detach()
        scale = w.abs().amax(dim=1) / 127
        scale = torch.where(scale > 0, scale, torch.ones_like(scale))
        self.register_buffer("weight", torch.round(w / scale[:, None]).clamp(-127, 127).to(torch.int8))
        self.register_buffer("weight_scale", scale.float())
        self.register_buffer("bias", linear.bias.detach().clone() if linear.bias is not None else None)
        self.integers = self.weight.float()  # the int8 values as f32 for the GEMM; not saved

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sx = (x.abs().amax(dim=-1, keepdim=True) / 127).clamp_min(1e-12)
        xq = torch.round(x / sx).clamp(-127, 127)
        y = (xq @ self.integers.T) * sx * self.weight_scale
        return y + self.bias if self.bias is not None else y


def int8_quantize(model):
    count, parameters = 0, 0
    for layer in layers(model):
        owners = [(layer.attention.self, "query"), (layer.attention.self, "key"), (layer.attention.self, "value"),
                  (layer.attention.output, "dense"), (layer.intermediate, "dense"), (layer.output, "dense")]
        for owner, name in owners:
            linear = getattr(owner, name)
            parameters += linear.weight.numel()
            setattr(owner, name, Int8Linear(linear))
            count += 1
    return count, parameters


# ---------------------------------------------------------------------------------------------
# 6. elimination profile


def measure_acc(model, samples, pad_id):
    """Sweep 3: ACC_l = mean over samples of median_j SV_j (unprotected real tokens)."""
    per_layer: list[list[float]] = [[] for _ in layers(model)]
    for attentions, valid in sweep(model, samples, pad_id, {}, output_attentions=True):
        lengths = valid.sum(dim=1).tolist()
        rows = valid.float()[:, None, :, None]  # zero the rows of padded queries
        for l, p in enumerate(attentions):  # p [B, H, T, T]
            sv = (p * rows).sum(dim=2).mean(dim=1).double().numpy()  # [B, T]: attention received
            for b, n in enumerate(lengths):
                if n > 1:
                    per_layer[l].append(float(np.median(sv[b, 1:n])))
    return [float(np.mean(v)) for v in per_layer], len(per_layer[0])


def elimination_profile(acc: list[float]) -> dict:
    n_layers = len(acc)
    xs = np.arange(1, n_layers + 1, dtype=np.float64)
    degree = min(2, n_layers - 1)
    fit = np.polyfit(xs, acc, degree) if degree >= 1 else None
    f = (lambda l: float(np.polyval(fit, l))) if fit is not None else (lambda l: acc[l - 1])
    ep, halt = [1.0] * n_layers, None
    for l in range(2, n_layers + 1):
        previous, current = f(l - 1), f(l)
        if current > previous:
            halt = l
            break
        ep[l - 1] = 1.0 if previous <= 1e-9 else min(1.0, current / previous)

    def speedup(lam: float) -> float:
        kept, work = 1.0, 0.0
        for e in ep:
            work += BETA * kept
            kept *= min(1.0, lam * e)
            work += (1 - BETA) * kept
        return n_layers / work

    low, high = 1e-6, 1 / max(min(ep), 1e-9)
    while high - low > 1e-9:
        mid = (low + high) / 2
        if speedup(mid) >= TARGET_SPEEDUP:
            low = mid
        else:
            high = mid
    return {"acc": acc, "fit": "quadratic" if degree == 2 else "raw" if fit is None else f"degree {degree}",
            "coefficients": [] if fit is None else [float(c) for c in fit[::-1]], "ep": ep, "halt_layer": halt,
            "beta": BETA, "target_speedup": TARGET_SPEEDUP, "lambda": low, "predicted_speedup": speedup(low),
            "protection": "first", "mode": "merge"}


# ---------------------------------------------------------------------------------------------
# 7. save


def sha256_file(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def save(model, out: pathlib.Path, metadata: dict[str, str]) -> tuple[int, int]:
    tensors = {name: t.detach().contiguous() for name, t in model.state_dict().items()}
    blob = safetensors.torch.save(tensors, metadata=metadata)
    compressed = zstandard.ZstdCompressor(level=1, threads=-1).compress(blob)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(compressed)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, out)
    except BaseException:
        os.unlink(temporary)
        raise
    return len(blob), len(compressed)


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description="transformers + peft + torch doing the stages of passes/max-compress.yaml")
    parser.add_argument("model", type=pathlib.Path, help="Hugging Face BERT-family model directory")
    parser.add_argument("out", type=pathlib.Path, help="output file (zstd-compressed safetensors)")
    parser.add_argument("--adapter", type=pathlib.Path, help="PEFT LoRA adapter directory to merge first")
    parser.add_argument("--calibration-samples", type=int, default=64, help="calibration lines (Pare's default: 64)")
    args = parser.parse_args()
    if args.calibration_samples < 1:
        parser.error(f"--calibration-samples {args.calibration_samples} is below 1")
    transformers.logging.set_verbosity_error()
    stages = Stages()
    stages.done("imports", since=START)
    print(f"peer: torch {torch.__version__}, transformers {transformers.__version__}, {torch.get_num_threads()} threads",
          file=sys.stderr)
    log: list[dict] = []

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModel.from_pretrained(args.model, dtype=torch.float32).eval()
    stages.done("load")

    if args.adapter:
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, args.adapter).merge_and_unload().eval()
        log.append({"pass": "merge-lora", "changed": True, "counters": {"adapters-merged": 1}, "notes": [str(args.adapter)]})
    else:
        log.append({"pass": "merge-lora", "changed": False, "counters": {"adapters-merged": 0},
                    "notes": ["no adapter given; nothing to merge"]})
    stages.done("merge-lora")

    max_length = min(MAX_LENGTH, model.config.max_position_embeddings)
    samples = calibration_samples(tokenizer, DEFAULT_CORPUS, args.calibration_samples, max_length)
    digest = calibration_digest(samples)
    samples = sorted(samples, key=len)  # batches of similar lengths pad less; every statistic is a sum or a mean
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    print(f"peer: {len(samples)} calibration samples, {sum(map(len, samples))} tokens, sha256 {digest}", file=sys.stderr)
    stages.done("tokenize")

    scores, means, tokens = head_statistics(model, samples, pad_id)
    stages.done("head-prune sweep")
    removed_heads, notes = head_prune(model, scores, means)
    log.append({"pass": "head-prune", "options": f"global-fraction={HEAD_GLOBAL_FRACTION},reconstruction=bias,score=contribution",
                "changed": removed_heads > 0, "counters": {"heads-removed": removed_heads}, "notes": notes})
    stages.done("head-prune")

    stats = ffn_statistics(model, samples, pad_id)
    stages.done("ffn-prune sweep")
    removed_neurons, notes = ffn_prune(model, stats)
    del stats
    log.append({"pass": "ffn-prune", "options": f"fraction={FFN_FRACTION},damping={FFN_DAMPING},keep-multiple={KEEP_MULTIPLE},"
                "reconstruction=least-squares,score=fluctuation", "changed": removed_neurons > 0,
                "counters": {"neurons-removed": removed_neurons, "mlps-pruned": len(layers(model))}, "notes": notes})
    stages.done("ffn-prune")

    linears, parameters = int8_quantize(model)
    log.append({"pass": "int8-quantize", "options": "granularity=per-channel,symmetric=true,activations=dynamic,select=blocks.**",
                "changed": True, "counters": {"linears-quantized": linears, "parameters-quantized": parameters}, "notes": []})
    stages.done("int8")

    acc, acc_samples = measure_acc(model, samples, pad_id)
    stages.done("elimination sweep")
    profile = elimination_profile(acc)
    log.append({"pass": "elimination-profile", "options": f"target-speedup={TARGET_SPEEDUP},fit=quadratic,aggregate=mean",
                "changed": True, "counters": {"samples": acc_samples, "tokens": sum(map(len, samples)),
                                              "halt-layer": profile["halt_layer"] or 0}, "notes": []})
    print("peer: ACC " + ", ".join(f"{a:.4f}" for a in acc) + f"; lambda {profile['lambda']:.4f}", file=sys.stderr)
    stages.done("elimination-profile")

    inputs = sorted(p for p in args.model.rglob("*") if p.is_file())
    if args.adapter:
        inputs += sorted(p for p in args.adapter.rglob("*") if p.is_file())
    provenance = {"inputs": [{"name": str(p), "bytes": p.stat().st_size, "sha256": sha256_file(p)} for p in inputs],
                  "calibration_sha256": digest, "calibration_samples": len(samples), "max_length": max_length}
    tokenizer_files = {name: (args.model / name).read_text(encoding="utf-8")
                       for name in TOKENIZER_FILES if (args.model / name).exists()}
    metadata = {"pipeline": json.dumps(log, sort_keys=True), "config": model.config.to_json_string(),
                "elimination": json.dumps(profile, sort_keys=True), "provenance": json.dumps(provenance, sort_keys=True),
                "tokenizer": json.dumps(tokenizer_files, sort_keys=True)}
    raw, written = save(model, args.out, metadata)
    stages.done("save")
    print(f"peer: {args.out}: {written:,} bytes ({raw:,} uncompressed); total {time.perf_counter() - START:.3f} s",
          file=sys.stderr)


if __name__ == "__main__":
    with torch.no_grad():
        main()
