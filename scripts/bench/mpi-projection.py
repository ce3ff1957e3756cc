#!/usr/bin/env python3
"""A PROJECTION (not a measurement) of `mpirun -np N pare compile` time on N nodes for Llama-2 7B
and 70B shapes, from per-node rates you measure with `pare compile --verbose` (one rank per node).

    python3 scripts/bench/mpi-projection.py                       # the defaults below
    python3 scripts/bench/mpi-projection.py --node-gflops 400 --bandwidth-gbs 12 --nodes 1 8 64

The model of one sweep over the L blocks (what Pare does, issue 32):
- forward:   each rank runs its contiguous share of the B calibration batches through every
             block: 2 * P_block * T / N FLOPs per block at --node-gflops (T = samples * length
             tokens; a share is ceil(B / N) batches, so N > B gains nothing more);
- exchange:  per block every rank receives every other rank's per-batch statistics
             (MPI_Allgatherv, ring): the Gram input rows, T * sum(gram widths) * 4 bytes, plus
             the per-feature sums (negligible); time = (N-1)/N * bytes / bandwidth + latency * N;
- Gram:      every rank forms X^T X from all T rows itself (replicated, in batch order, so the
             bits match one process): T * sum(width^2) FLOPs per block at --node-gflops (syrk:
             half of 2 * T * width^2). This part does not shrink with N (Amdahl's serial term).
- sweeps:    --sweeps (max-compress: 2 statistics-only sweeps for the global budgets, 1 compiling
             sweep; each measures the Gram of mlp.down for ffn-prune's least-squares refit).
Not modelled: loading weights (mmap from shared storage, each rank reads every block), the
solves (refits) and the artifact write on rank 0, stragglers, memory (each rank holds its share of
hidden states plus all Gram rows of one block).
"""
import argparse
import math

SHAPES = {
    # name: hidden, ffn, layers, heads, kv_heads
    "7B (Llama-2-7b)": (4096, 11008, 32, 32, 32),
    "70B (Llama-2-70b)": (8192, 28672, 80, 64, 8),
}


def block_parameters(hidden, ffn, heads, kv_heads):
    head_dim = hidden // heads
    attention = hidden * hidden * 2 + 2 * hidden * kv_heads * head_dim
    return attention + 3 * hidden * ffn


def project(shape, nodes, a):
    hidden, ffn, layers, heads, kv = shape
    tokens = a.samples * a.length
    batches = math.ceil(a.samples / a.batch_size)
    share = math.ceil(batches / nodes) / batches
    rate = a.node_gflops * 1e9
    forward = 2 * block_parameters(hidden, ffn, heads, kv) * tokens * share / rate
    gram_widths = [ffn]  # mlp.down's input, max-compress's ffn-prune refit
    gram = tokens * sum(w * w for w in gram_widths) / rate
    exchanged = tokens * sum(gram_widths) * 4
    exchange = 0.0 if nodes == 1 else (nodes - 1) / nodes * exchanged / (a.bandwidth_gbs * 1e9) + a.latency_us * 1e-6 * nodes
    per_block = forward + gram + exchange
    return a.sweeps * layers * per_block, forward, gram, exchange, exchanged


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--node-gflops", type=float, default=100.0,
                   help="sustained f32 GFLOP/s of one node's calibration forward (this 2-vCPU VM: about 100; a 2-socket server: 1000-3000)")
    p.add_argument("--bandwidth-gbs", type=float, default=12.0, help="per-node network GB/s (100 Gb/s InfiniBand: about 12)")
    p.add_argument("--latency-us", type=float, default=5.0, help="per-hop latency, microseconds")
    p.add_argument("--samples", type=int, default=128)
    p.add_argument("--length", type=int, default=2048)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--sweeps", type=int, default=3)
    p.add_argument("--nodes", type=int, nargs="+", default=[1, 8, 64])
    a = p.parse_args()
    print(f"PROJECTION, not a measurement: {a.samples} samples x {a.length} tokens, batches of {a.batch_size}, {a.sweeps} sweeps, "
          f"{a.node_gflops:g} GFLOP/s per node, {a.bandwidth_gbs:g} GB/s, {a.latency_us:g} us latency")
    print(f"{'model':<20} {'nodes':>5} {'total h':>9} {'forward s/blk':>14} {'gram s/blk':>11} {'exchange s/blk':>15} {'GB recv/blk':>12} {'speedup':>8}")
    for name, shape in SHAPES.items():
        one = project(shape, 1, a)[0]
        for n in a.nodes:
            total, forward, gram, exchange, exchanged = project(shape, n, a)
            received = 0 if n == 1 else (n - 1) / n * exchanged / 1e9
            print(f"{name:<20} {n:>5} {total / 3600:>9.1f} {forward:>14.1f} {gram:>11.1f} {exchange:>15.2f} {received:>12.1f} {one / total:>8.1f}x")


if __name__ == "__main__":
    main()
