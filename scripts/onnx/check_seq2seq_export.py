#!/usr/bin/env python3
"""Oracle for `pare export ARTIFACT --format onnx -o DIR` on encoder-decoders (T5, Flan-T5):
optimum's `ORTModelForSeq2SeqLM` on the exported encoder_model.onnx / decoder_model.onnx /
decoder_with_past_model.onnx against Pare's own run of the same artifact (`pare run`).

Per artifact and prompt it prints (plain, greppable lines; `--json OUT` writes every number):
  1. `onnx.checker.check_model` on each of the three files.
  2. Greedy generation: `ORTModelForSeq2SeqLM.from_pretrained(DIR).generate(ids, do_sample=False,
     max_new_tokens=N)` against `pare run ARTIFACT --text PROMPT --max-new-tokens N --json`; both
     stop at </s> (id 1). The encoder ids are Pare's, compared with the export's tokenizer.
  3. The first decoder step's logits: ORT's against Pare's, recovered from `pare run --top-k V`
     (log p = l − logsumexp(l): logits up to one constant): max |centered difference|.
  4. The cache: the last step's logits through decoder_with_past_model.onnx against one pass of
     decoder_model.onnx over the whole decoder sequence (causal mask, relative bias at absolute
     positions), max |diff|; and a right-padded batch of all prompts generating what each does alone
     (the encoder and cross-attention masks work).
  5. Graph sizes and the op types of the models ONNX Runtime optimizes (ORT_ENABLE_ALL).

Fixture mode (`--fixtures`) does it for the committed tiny T5 (relu) and Flan-T5 (gated-gelu,
untied head) checkpoints, compiled for each recipe of `--recipes`, and fails on any mismatch:
    swift build --product pare
    .venv/bin/python scripts/onnx/check_seq2seq_export.py --fixtures [--pare .build/debug/pare] [--json out.json]
One export:
    pare export model.pare --format onnx -o model-onnx
    .venv/bin/python scripts/onnx/check_seq2seq_export.py model-onnx --artifact model.pare --prompt "translate English to German: Hi"
Needs onnx, onnxruntime, torch, transformers and optimum-onnx[onnxruntime]; no network.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import sys
import tempfile

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from check_decoder_export import (F32_WEIGHT_ONLY, add_arguments, centered, fixture_exports, op_counts,  # noqa: E402
                                  optimized_ops, pare_run, run)

FIXTURES = ["tiny-t5", "tiny-flan-t5"]
FILES = ["encoder_model.onnx", "decoder_model.onnx", "decoder_with_past_model.onnx"]
RECIPES = {
    "f32": ("cast{dtype=f32}", {}),
    "int8-w8a8": ("int8-quantize{activations=dynamic}", {}),
    "int8-weight-only": ("int8-quantize{activations=none}", F32_WEIGHT_ONLY),
    "heads-pruned-w8a8": ("head-prune{global-fraction=0.25, reconstruction=none}, int8-quantize{activations=dynamic}", {}),
}
PROMPTS = ["translate English to German: The house is wonderful.", "summarize: It rained all day in Zurich.",
           "question: what is the capital of France?"]
EOS = 1


def check_export(export: str, artifact: str, pare: str, prompts: list[str], new_tokens: int, results: dict,
                 session_config: dict[str, str] | None = None) -> bool:
    import onnx
    import onnxruntime as ort
    import torch
    from optimum.onnxruntime import ORTModelForSeq2SeqLM
    from transformers import AutoTokenizer, GenerationConfig
    from transformers.modeling_outputs import BaseModelOutput

    for name in FILES:
        onnx.checker.check_model(os.path.join(export, name), full_check=True)
    print(f"{export}: onnx.checker ok on {', '.join(FILES)}")
    options = ort.SessionOptions()
    for key, value in (session_config or {}).items():
        options.add_session_config_entry(key, value)
    model = ORTModelForSeq2SeqLM.from_pretrained(export, provider="CPUExecutionProvider", session_options=options, use_merged=False)
    tokenizer = AutoTokenizer.from_pretrained(export)
    vocab = model.config.vocab_size
    start = model.config.decoder_start_token_id
    ok = True
    runs = []
    for prompt in prompts:
        p = pare_run(pare, artifact, prompt, new_tokens, vocab)
        ids, expected = p["ids"], p["continuation"]
        x = torch.tensor([ids], dtype=torch.long)
        mask = torch.ones_like(x)
        config = GenerationConfig(do_sample=False, max_new_tokens=new_tokens, min_new_tokens=0, eos_token_id=EOS,
                                  pad_token_id=0, decoder_start_token_id=start)
        out = model.generate(input_ids=x, attention_mask=mask, generation_config=config)
        got = out[0, 1:].tolist()
        equal = got == expected
        # First decoder step: ORT's logits against Pare's probabilities of every token.
        first = model(input_ids=x, attention_mask=mask, decoder_input_ids=torch.tensor([[start]]), use_cache=False)
        logits = first.logits[0, -1].detach().numpy()
        probs = np.zeros(vocab)
        for c in p["next"]:
            probs[c["id"]] = c["probability"]
        logit_diff = float(np.abs(centered(logits) - centered(np.log(np.maximum(probs, 1e-300)))).max())
        # The cache: the last step with past against decoder_model.onnx over the whole sequence.
        cache_diff = None
        if out.shape[1] >= 3:
            full = out[:, :-1]
            no_past = model(input_ids=x, attention_mask=mask, decoder_input_ids=full, use_cache=False).logits[0, -1]
            step = model(input_ids=x, attention_mask=mask, decoder_input_ids=full[:, :-1], use_cache=True)
            with_past = model(encoder_outputs=BaseModelOutput(last_hidden_state=step.encoder_last_hidden_state), attention_mask=mask, decoder_input_ids=full[:, -1:],
                              past_key_values=step.past_key_values, use_cache=True).logits[0, -1]
            cache_diff = float((with_past - no_past).abs().max())
        ok &= equal
        tokenizer_equal = tokenizer(prompt)["input_ids"] == ids
        runs.append({"prompt": prompt, "ids": ids, "tokenizer_ids_equal": tokenizer_equal, "pare": expected, "ort": got,
                     "greedy_equal": equal, "max_logit_diff": logit_diff, "cache_vs_no_cache_max_diff": cache_diff})
        print(f"  {prompt!r}: {len(expected)} greedy tokens equal: {equal}; max |first-step logit diff| ORT vs pare "
              f"{logit_diff:.2e} (centered); cache vs no cache {cache_diff if cache_diff is None else f'{cache_diff:.2e}'}; "
              f"tokenizer ids equal: {tokenizer_equal}")
        if not equal:
            print(f"    pare {expected}\n    ort  {got}")
    # A right-padded batch generates what each prompt generates alone.
    encoded = [r["ids"] for r in runs]
    width = max(len(e) for e in encoded)
    x = torch.zeros((len(encoded), width), dtype=torch.long)
    m = torch.zeros_like(x)
    for i, e in enumerate(encoded):
        x[i, :len(e)] = torch.tensor(e)
        m[i, :len(e)] = 1
    config = GenerationConfig(do_sample=False, max_new_tokens=new_tokens, min_new_tokens=0, eos_token_id=EOS, pad_token_id=0,
                              decoder_start_token_id=start)
    batch = model.generate(input_ids=x, attention_mask=m, generation_config=config)[:, 1:].tolist()
    padded_equal = all(batch[i][:len(r["ort"])] == r["ort"] for i, r in enumerate(runs))
    print(f"  right-padded batch of {len(runs)} generates what each prompt does alone: {padded_equal}")
    ok &= padded_equal
    graphs = {}
    with tempfile.TemporaryDirectory() as workdir:
        for name in FILES:
            path = os.path.join(export, name)
            fused = optimized_ops(path, workdir, session_config or {})
            graphs[name] = {"nodes": sum(op_counts(path).values()), "optimized_ops": fused}
            print(f"  {name}: {graphs[name]['nodes']} nodes; ONNX Runtime optimized: "
                  + ", ".join(f"{k} {v}" for k, v in fused.items()))
    results[export] = {"runs": runs, "padded_batch_equal": padded_equal, "graphs": graphs}
    return ok


def fixtures(args, results: dict) -> bool:
    ok = True
    with tempfile.TemporaryDirectory() as workdir:
        for fixture, _, name, (_, session_config), artifact, export in fixture_exports(args, workdir, FIXTURES, RECIPES):
            print(f"{fixture} {name}" + (f" (session config {session_config})" if session_config else "") + ":")
            ok &= check_export(export, artifact, args.pare, args.prompt or PROMPTS, args.max_new_tokens, results, session_config)
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(ap, "T5", RECIPES, 16)
    return run(ap, fixtures, lambda args, results: check_export(
        args.export, args.artifact, args.pare, args.prompt or PROMPTS, args.max_new_tokens, results))


if __name__ == "__main__":
    sys.exit(main())
