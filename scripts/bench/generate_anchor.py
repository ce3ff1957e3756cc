#!/usr/bin/env python3
"""One anchor's greedy-decode speed, for scripts/bench/generate-anchors.sh.

Runs batch-1 greedy generation of `--tokens` new tokens after a `--prompt-length`-token prompt
(seeded random ids, specials excluded) on `--threads` threads, the way `pare bench --generate`
times it: prefill (the prompt, to the first new token), then tokens − 1 decode steps of one token
each through the key/value cache. Prints one JSON line:
  {"runtime": ..., "weights": ..., "prefill_ms": ..., "decode_ms_per_token": ..., "tokens_per_second": ...}
where tokens_per_second = 1000 / (median decode ms per token over the timed runs), Pare's figure.

  generate_anchor.py torch --dtype f32|bf16 --model DIR
  generate_anchor.py llama.cpp --model FILE.gguf --weights BF16|Q8_0
  generate_anchor.py summarize RESULTS.jsonl   (the table of generate-anchors.sh's rounds)

The llama.cpp anchor needs the PyPI package llama-cpp-python (built from source by pip install).
"""
import argparse
import json
import random
import statistics
import sys
import time


def prompt_ids(vocab: int, length: int, seed: int) -> list[int]:
    """Seeded random ids in [3, vocab) (0–2 are Llama's <unk>, <s>, </s>)."""
    rng = random.Random(seed)
    return [rng.randrange(3, vocab) for _ in range(length)]


def time_torch(args) -> tuple[list[float], list[float], list[int]]:
    import torch
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(args.threads)
    dtype = {"f32": torch.float32, "bf16": torch.bfloat16}[args.dtype]
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=dtype).eval()
    ids = prompt_ids(model.config.vocab_size, args.prompt_length, args.seed)

    def once(count: int) -> tuple[float, list[float], list[int]]:
        with torch.inference_mode():
            start = time.perf_counter()
            out = model(torch.tensor([ids]), use_cache=True)
            token = int(out.logits[0, -1].argmax())
            marks, generated = [time.perf_counter()], [token]
            past = out.past_key_values
            for _ in range(count - 1):
                out = model(torch.tensor([[token]]), past_key_values=past, use_cache=True)
                past = out.past_key_values
                token = int(out.logits[0, -1].argmax())
                generated.append(token)
                marks.append(time.perf_counter())
        return marks[0] - start, [b - a for a, b in zip(marks, marks[1:])], generated

    return run_rounds(once, args)


def time_llama_cpp(args) -> tuple[list[float], list[float], list[int]]:
    import llama_cpp
    from llama_cpp import Llama

    llm = Llama(model_path=args.model, n_threads=args.threads, n_threads_batch=args.threads,
                n_ctx=args.prompt_length + args.tokens + 8, n_batch=max(args.prompt_length, 8),
                verbose=False)
    ids = prompt_ids(llm.n_vocab(), args.prompt_length, args.seed)

    def last_argmax() -> int:
        """argmax of the last evaluated token's logits (the only ones computed)."""
        import numpy as np
        return int(np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),)).argmax())

    def once(count: int) -> tuple[float, list[float], list[int]]:
        llm.reset()
        start = time.perf_counter()
        llm.eval(ids)
        token = last_argmax()
        marks, generated = [time.perf_counter()], [token]
        for _ in range(count - 1):
            llm.eval([token])
            token = last_argmax()
            generated.append(token)
            marks.append(time.perf_counter())
        return marks[0] - start, [b - a for a, b in zip(marks, marks[1:])], generated

    return run_rounds(once, args)


def run_rounds(once, args):
    """A short warm-up (4 tokens), then `runs` timed generations: prefill seconds per run and
    the decode steps' seconds per token of every run."""
    once(min(4, args.tokens))
    prefill, per_token, generated = [], [], []
    for _ in range(args.runs):
        p, steps, generated = once(args.tokens)
        prefill.append(p)
        per_token.append(sum(steps) / len(steps))
    return prefill, per_token, generated


def summarize(path: str) -> None:
    """tokens/s per runtime and round, and each Pare row's ratio to each anchor within a round
    (then the median of those ratios), as a Markdown table."""
    rows = [json.loads(line) for line in open(path) if line.strip()]
    labels = list(dict.fromkeys(r["label"] for r in rows))
    rounds = sorted({r["round"] for r in rows})
    speed = {(r["label"], r["round"]): r["tokens_per_second"] for r in rows}
    print("\n| runtime | " + " | ".join(f"round {k}" for k in rounds) + " | median tokens/s |")
    print("|---|" + "---|" * (len(rounds) + 1))
    for label in labels:
        values = [speed.get((label, k)) for k in rounds]
        cells = " | ".join(f"{v:.2f}" if v is not None else "–" for v in values)
        print(f"| {label} | {cells} | {statistics.median(v for v in values if v is not None):.2f} |")
    pare = [label for label in labels if label.startswith("Pare")]
    anchors = [label for label in labels if not label.startswith("Pare")]
    print("\nPare's tokens/s over the anchor's, same round (median over rounds):\n")
    print("| | " + " | ".join(anchors) + " |")
    print("|---|" + "---|" * len(anchors))
    for p in pare:
        cells = []
        for a in anchors:
            ratios = [speed[(p, k)] / speed[(a, k)] for k in rounds if (p, k) in speed and (a, k) in speed]
            cells.append(f"{statistics.median(ratios):.2f}×" if ratios else "–")
        print(f"| {p} | " + " | ".join(cells) + " |")
    fractions = [(r["label"], r["bandwidth_fraction"], r["bandwidth_gb_per_s"]) for r in rows if r.get("bandwidth_fraction")]
    for label in pare:
        f = [x for l, x, _ in fractions if l == label]
        b = [g for l, _, g in fractions if l == label]
        if f:
            print(f"\n{label}: weight bytes per token / step time = {statistics.median(f):.2f} of the measured triad bandwidth "
                  f"({statistics.median(b):.1f} GB/s)", end="")
    print()


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "summarize":
        summarize(sys.argv[2])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runtime", choices=["torch", "llama.cpp"])
    parser.add_argument("--model", required=True, help="checkpoint directory (torch) or .gguf file (llama.cpp)")
    parser.add_argument("--dtype", default="f32", choices=["f32", "bf16"], help="torch weights")
    parser.add_argument("--weights", default="", help="the .gguf's weight type, as reported (BF16, Q8_0)")
    parser.add_argument("--prompt-length", type=int, default=9)
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.tokens < 2:
        parser.error("--tokens must be at least 2 (the first comes from prefill)")
    timer = time_torch if args.runtime == "torch" else time_llama_cpp
    prefill, per_token, generated = timer(args)
    step = statistics.median(per_token)
    print(json.dumps({
        "runtime": args.runtime,
        "weights": args.dtype if args.runtime == "torch" else args.weights,
        "prefill_ms": 1000 * statistics.median(prefill),
        "decode_ms_per_token": 1000 * step,
        "tokens_per_second": 1 / step,
        "generated": generated,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
