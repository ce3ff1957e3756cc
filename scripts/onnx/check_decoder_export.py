#!/usr/bin/env python3
"""Oracle for `pare export ARTIFACT --format onnx -o DIR` on causal LMs (GPT-2, Llama, Mistral,
Qwen2): optimum's `ORTModelForCausalLM` on the exported decoder-with-past graph against Pare's
own run of the same artifact (`pare run`).

Per artifact and prompt it prints (plain, greppable lines; `--json OUT` writes every number):
  1. `onnx.checker.check_model` on DIR/model.onnx.
  2. Greedy generation: `ORTModelForCausalLM.from_pretrained(DIR).generate(ids, do_sample=False)`
     against `pare run ARTIFACT --text PROMPT --max-new-tokens N --json` (Pare generates N tokens
     and never stops early, so EOS does not end the ORT run either); the prompt ids are Pare's and
     are compared with the export's tokenizer (AutoTokenizer on DIR).
  3. The prompt's next-token logits: ORT's against Pare's, recovered from `pare run --top-k V`
     (the probabilities of every token: log p = l − logsumexp(l), so logits are known up to one
     constant per row): max |(l_ort − mean l_ort) − (log p_pare − mean log p_pare)|.
  4. The cache: the last generated step's logits with past_key_values against one pass over the
     whole sequence without past (max |diff|), and a left-padded batch of all the prompts
     generating the same tokens as each prompt alone (attention_mask and position_ids work).
  5. Graph size and fusions: node count of model.onnx and the op types of the model ONNX Runtime
     optimizes (SessionOptions.optimized_model_filepath, ORT_ENABLE_ALL).

Fixture mode (`--fixtures`) does all of it for the committed tiny GPT-2 / Llama / Mistral / Qwen2
checkpoints, compiled with `pare compile` for each recipe of `--recipes` (f32, bf16, W8A8 int8,
weight-only int8, pruned heads), and fails on any greedy mismatch:
    swift build --product pare
    .venv/bin/python scripts/onnx/check_decoder_export.py --fixtures [--pare .build/debug/pare] [--json out.json]
One export:
    pare export model.pare --format onnx -o model-onnx
    .venv/bin/python scripts/onnx/check_decoder_export.py model-onnx --artifact model.pare --prompt "Once upon a time"
Needs onnx, onnxruntime, torch, transformers and optimum-onnx[onnxruntime] (`pip install
"optimum-onnx[onnxruntime]"`); no network: everything is read from the export directory.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ["tiny-gpt2", "tiny-llama", "tiny-mistral", "tiny-qwen2"]
# ONNX Runtime (1.32 here) rewrites DequantizeLinear + MatMul into com.microsoft::MatMulNBits,
# which at its default session.qdq_matmulnbits_accuracy_level quantizes the activations to int8
# per block: faster, but no longer the weight-only (f32 activations) product Pare runs. Level 1
# computes in f32, as Pare does.
F32_WEIGHT_ONLY = {"session.qdq_matmulnbits_accuracy_level": "1"}

# name: (recipe, extra `pare export` options, ONNX Runtime session config entries, whether greedy
# tokens must equal Pare's)
RECIPES = {
    "f32": ("cast{dtype=f32}", [], {}, True),
    "bf16": ("cast{dtype=bf16}", [], {}, True),
    "int8-w8a8": ("int8-quantize{activations=dynamic}", [], {}, True),
    "int8-weight-only": ("int8-quantize{activations=none}", [], F32_WEIGHT_ONLY, True),
    # Layer 0 keeps query heads [0, 2, 3] (Llama: key/value heads [0, 1] read unevenly), layer 1
    # keeps [2, 3] (Llama: one key/value head, fewer than config.json's).
    "heads-pruned-w8a8": ('head-prune{heads=["0:1", "1:0", "1:1"], reconstruction=none}, int8-quantize{activations=dynamic}', [], {}, True),
    # Reported, not required: the weight-only export at ONNX Runtime's default accuracy level, and
    # ONNX Runtime's own W8A8 layout (fused into DynamicQuantizeMatMul), one activation scale per
    # tensor instead of Pare's per token (a row's result then depends on the rest of the batch).
    "int8-weight-only-ort-default": ("int8-quantize{activations=none}", [], {}, False),
    "int8-w8a8-per-tensor": ("int8-quantize{activations=dynamic}", ["--int8-activations", "per-tensor"], {}, False),
}
# A form opset 17 cannot express: the export must fail naming the tensor.
BAD_INPUT = ("int8-quantize{granularity=per-group, group-size=16}", "blocks.0.attention.q.scales")
PROMPTS = ["Once upon a time", "The quick brown fox jumps over", "hello world"]


def op_counts(path: str) -> dict[str, int]:
    import onnx
    model = onnx.load(path, load_external_data=False)
    c = collections.Counter((n.domain + "::" if n.domain else "") + n.op_type for n in model.graph.node)
    return dict(sorted(c.items()))


def optimized_ops(model_path: str, workdir: str, session_config: dict[str, str]) -> dict[str, int]:
    import onnxruntime as ort
    so = ort.SessionOptions()
    for key, value in session_config.items():
        so.add_session_config_entry(key, value)
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.optimized_model_filepath = os.path.join(workdir, "optimized.onnx")
    ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])
    return op_counts(so.optimized_model_filepath)


def pare_run(pare: str, artifact: str, prompt: str, new_tokens: int, vocab: int) -> dict:
    out = subprocess.run([pare, "run", artifact, "--text", prompt, "--max-new-tokens", str(new_tokens),
                          "--top-k", str(vocab), "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["inputs"][0]


def centered(logits: np.ndarray) -> np.ndarray:
    logits = logits.astype(np.float64)
    return logits - logits.mean()


def check_export(export: str, artifact: str, pare: str, prompts: list[str], new_tokens: int, results: dict,
                 session_config: dict[str, str] | None = None, require_equal: bool = True) -> bool:
    import onnx
    import torch
    from optimum.onnxruntime import ORTModelForCausalLM
    from transformers import AutoTokenizer, GenerationConfig

    model_path = os.path.join(export, "model.onnx")
    onnx.checker.check_model(model_path, full_check=True)
    print(f"{export}: onnx.checker ok, opset {onnx.load(model_path, load_external_data=False).opset_import[0].version}")
    import onnxruntime as ort
    options = ort.SessionOptions()
    for key, value in (session_config or {}).items():
        options.add_session_config_entry(key, value)
    model = ORTModelForCausalLM.from_pretrained(export, provider="CPUExecutionProvider", session_options=options)
    tokenizer = AutoTokenizer.from_pretrained(export)
    vocab = model.config.vocab_size
    ok = True
    runs = []
    alone = {}
    for prompt in prompts:
        p = pare_run(pare, artifact, prompt, new_tokens, vocab)
        ids = p["ids"]
        expected = p["continuation"]
        tokenizer_ids = tokenizer(prompt)["input_ids"]
        x = torch.tensor([ids], dtype=torch.long)
        config = GenerationConfig(do_sample=False, max_new_tokens=len(expected), min_new_tokens=0,
                                  eos_token_id=None, pad_token_id=0)
        out = model.generate(input_ids=x, attention_mask=torch.ones_like(x), generation_config=config)
        got = out[0, len(ids):].tolist()
        alone[prompt] = got
        # Prompt logits: ORT's last row against Pare's probabilities of every token.
        logits = model(input_ids=x, attention_mask=torch.ones_like(x), use_cache=False).logits[0, -1].detach().numpy()
        probs = np.zeros(vocab)
        for c in p["next"]:
            probs[c["id"]] = c["probability"]
        logit_diff = float(np.abs(centered(logits) - centered(np.log(probs))).max())
        # The cache: last step with past (from generate's path) vs one pass without.
        full = out[:, :-1]
        no_past = model(input_ids=full, attention_mask=torch.ones_like(full), use_cache=False).logits[0, -1]
        prefix = full[:, :-1]
        step = model(input_ids=prefix, attention_mask=torch.ones_like(prefix), use_cache=True)
        with_past = model(input_ids=full[:, -1:], attention_mask=torch.ones_like(full), past_key_values=step.past_key_values,
                          position_ids=torch.tensor([[full.shape[1] - 1]]), use_cache=True).logits[0, -1]
        cache_diff = float((with_past - no_past).abs().max())
        equal = got == expected
        ok &= equal
        run = {"prompt": prompt, "ids": ids, "tokenizer_ids_equal": tokenizer_ids == ids, "pare": expected, "ort": got,
               "greedy_equal": equal, "max_logit_diff": logit_diff, "cache_vs_no_cache_max_diff": cache_diff}
        runs.append(run)
        print(f"  {prompt!r}: {len(expected)} greedy tokens equal: {equal}; max |logit diff| ORT vs pare {logit_diff:.2e} "
              f"(centered); cache vs no cache {cache_diff:.2e}; tokenizer ids equal: {tokenizer_ids == ids}")
        if not equal:
            print(f"    pare {expected}\n    ort  {got}")
    # A left-padded batch generates what each prompt generates alone.
    encoded = [r["ids"] for r in runs]
    width = max(len(e) for e in encoded)
    n = min(len(r["pare"]) for r in runs)
    x = torch.zeros((len(encoded), width), dtype=torch.long)
    m = torch.zeros_like(x)
    for i, e in enumerate(encoded):
        x[i, width - len(e):] = torch.tensor(e)
        m[i, width - len(e):] = 1
    config = GenerationConfig(do_sample=False, max_new_tokens=n, min_new_tokens=0, eos_token_id=None, pad_token_id=0)
    batch = model.generate(input_ids=x, attention_mask=m, generation_config=config)[:, width:].tolist()
    padded_equal = all(batch[i] == alone[r["prompt"]][:n] for i, r in enumerate(runs))
    print(f"  left-padded batch of {len(runs)} generates the same {n} tokens as each alone: {padded_equal}")
    with tempfile.TemporaryDirectory() as workdir:
        fused = optimized_ops(model_path, workdir, session_config or {})
    source = op_counts(model_path)
    print(f"  graph: {sum(source.values())} nodes; ONNX Runtime optimized: {sum(fused.values())} nodes: "
          + ", ".join(f"{k} {v}" for k, v in fused.items()))
    results[export] = {"runs": runs, "padded_batch_equal": padded_equal, "nodes": sum(source.values()), "ops": source,
                       "optimized_nodes": sum(fused.values()), "optimized_ops": fused}
    return (ok and padded_equal) or not require_equal


def compile_and_export(pare: str, source: str, recipe: str, artifact: str, export: str, export_options=()) -> None:
    """`pare compile SOURCE --recipe RECIPE` on a few short calibration texts, then `pare export --format onnx`."""
    subprocess.run([pare, "compile", source, "--recipe", recipe, "-o", artifact, "--samples", "8", "--max-length", "32"],
                   check=True, capture_output=True)
    subprocess.run([pare, "export", artifact, "--format", "onnx", "-o", export] + list(export_options), check=True, capture_output=True)


def add_arguments(ap: argparse.ArgumentParser, models: str, recipes: dict, max_new_tokens: int) -> None:
    """The options every generation check takes: one export, or `--fixtures` of `models`."""
    ap.add_argument("export", nargs="?", help="directory written by pare export --format onnx")
    ap.add_argument("--artifact", help="the .pare artifact the export came from")
    ap.add_argument("--fixtures", action="store_true", help=f"compile, export and check the tiny {models} fixtures")
    ap.add_argument("--fixture", action="append", help="with --fixtures: only this fixture (repeatable)")
    ap.add_argument("--recipes", default=",".join(recipes), help="with --fixtures: comma-separated names of " + ", ".join(recipes))
    ap.add_argument("--pare", default=str(REPO_ROOT / ".build/debug/pare"))
    ap.add_argument("--prompt", action="append", help="a prompt (repeatable; default: three short texts)")
    ap.add_argument("--max-new-tokens", type=int, default=max_new_tokens)
    ap.add_argument("--json", help="write every number here")


def fixture_exports(args, workdir: str, default_fixtures: list[str], recipes: dict):
    """Compiles and exports each fixture (`--fixture`, else `default_fixtures`) with each recipe of
    `--recipes`: yields (fixture, source dir, recipe name, its spec, artifact, export dir). The
    spec's first field is the recipe; a second that is a list holds extra `pare export` options."""
    for fixture in args.fixture or default_fixtures:
        source = str(REPO_ROOT / "Tests/Fixtures" / fixture)
        for name in args.recipes.split(","):
            spec = recipes[name]
            artifact = os.path.join(workdir, f"{fixture}-{name}.pare")
            export = os.path.join(workdir, f"{fixture}-{name}-onnx")
            options = spec[1] if len(spec) > 1 and isinstance(spec[1], list) else []
            compile_and_export(args.pare, source, spec[0], artifact, export, options)
            yield fixture, source, name, spec, artifact, export


def fixtures(args, results: dict) -> bool:
    ok = True
    with tempfile.TemporaryDirectory() as workdir:
        for fixture, _, name, spec, artifact, export in fixture_exports(args, workdir, FIXTURES, RECIPES):
            _, _, session_config, require_equal = spec
            print(f"{fixture} {name}" + (f" (session config {session_config})" if session_config else "")
                  + ("" if require_equal else " (reported, not required)") + ":")
            ok &= check_export(export, artifact, args.pare, args.prompt or PROMPTS, args.max_new_tokens, results,
                               session_config, require_equal)
        for fixture in args.fixture or FIXTURES:
            source = str(REPO_ROOT / "Tests/Fixtures" / fixture)
            # Bad input: refused, naming the tensor, and nothing written.
            artifact = os.path.join(workdir, f"{fixture}-per-group.pare")
            export = os.path.join(workdir, f"{fixture}-per-group-onnx")
            subprocess.run([args.pare, "compile", source, "--recipe", BAD_INPUT[0], "-o", artifact], check=True, capture_output=True)
            refused = subprocess.run([args.pare, "export", artifact, "--format", "onnx", "-o", export], capture_output=True, text=True)
            named = refused.returncode != 0 and BAD_INPUT[1] in refused.stderr and not os.path.exists(export)
            print(f"{fixture} per-group int8: export refused naming {BAD_INPUT[1]}: {named} ({refused.stderr.strip()})")
            results[f"{fixture}-per-group"] = {"refused": named, "stderr": refused.stderr}
            ok &= named
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(ap, "decoder", RECIPES, 20)
    ap.add_argument("--session-config", action="append", default=[], metavar="KEY=VALUE",
                    help="an ONNX Runtime session config entry (repeatable), e.g. "
                         "session.qdq_matmulnbits_accuracy_level=1 for a weight-only int8 export")
    return run(ap, fixtures, lambda args, results: check_export(
        args.export, args.artifact, args.pare, args.prompt or PROMPTS, args.max_new_tokens, results,
        dict(entry.split("=", 1) for entry in args.session_config)))


def run(ap: argparse.ArgumentParser, check_fixtures, check_one) -> int:
    """Parses the options, checks the fixtures or the one export, writes --json, prints the verdict."""
    args = ap.parse_args()
    results: dict = {}
    if args.fixtures:
        ok = check_fixtures(args, results)
    else:
        if not args.export or not args.artifact:
            ap.error("pass EXPORT and --artifact, or --fixtures")
        ok = check_one(args, results)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1, sort_keys=True))
    print("all greedy generations equal" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
