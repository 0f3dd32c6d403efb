#!/usr/bin/env python3
"""Step time of synchronous data-parallel SGD at N workers, from a measured compute time per step.

Each worker computes its gradients (t_compute, its own batch: weak scaling), then a ring all-reduce
moves 2(N-1)/N x 4 bytes x parameters through each worker's link (reduce-scatter, then all-gather),
plus 2(N-1) message latencies. Without overlap a step takes t_compute + t_comm; with the backward
pass overlapping the all-reduce of earlier buckets it takes at best max(t_compute, t_comm) (the
bound, not a measurement: bucketed overlap is not built). Communication dominates where
t_comm > t_compute, marked with '*'.

    benchmarks/scaling-model.py                     # the README's table
    benchmarks/scaling-model.py --compute resnet20=0.30 --latency-us 30
"""
import argparse

PARAMETERS = {"resnet20": 272_474, "resnet50": 25_557_032}
WORKERS = [2, 4, 8, 16, 32, 64]
GBITS = [10, 25, 100]


def ring_bytes(n, parameters):
    return 2 * (n - 1) / n * 4 * parameters


def comm_seconds(n, parameters, gbit, latency):
    return ring_bytes(n, parameters) / (gbit * 1e9 / 8) + 2 * (n - 1) * latency


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--compute", action="append", default=[],
                   help="MODEL=SECONDS compute time of one worker's step (forward, backward, update)")
    p.add_argument("--latency-us", type=float, default=20.0, help="one message's latency in microseconds")
    args = p.parse_args()
    # Measured: this machine's 2 cores, ResNet-20 3x32x32 batch 128 and ResNet-50 3x224x224 batch 16
    # (scripts/resnet bench, README "Speed beside PyTorch"); an H100 with PyTorch, ResNet-20 batch 128
    # and ResNet-50 batch 32 (README "Measured on a GPU").
    computes = [("resnet20", "CPU, 2 cores, batch 128", 128 / 804.0),
                ("resnet50", "CPU, 2 cores, batch 16", 16 / 8.2),
                ("resnet20", "H100 PyTorch, batch 128", 128 / 23_091.0),
                ("resnet50", "H100 PyTorch, batch 32", 32 / 795.0)]
    if args.compute:
        computes = []
        for c in args.compute:
            model, seconds = c.split("=")
            computes.append((model, "given", float(seconds)))
    latency = args.latency_us * 1e-6
    print("| model | compute per step | link | " + " | ".join(f"N = {n}" for n in WORKERS) + " |")
    print("|---|---|---|" + "---:|" * len(WORKERS))
    for model, where, t in computes:
        params = PARAMETERS[model]
        for g in GBITS:
            cells = []
            for n in WORKERS:
                c = comm_seconds(n, params, g, latency)
                mark = " *" if c > t else ""
                cells.append(f"{(t + c) * 1000:.4g} ms, x{n * t / (t + c):.3g} ({n * t / max(t, c):.3g}){mark}")
            print(f"| {model} | {t * 1000:.4g} ms ({where}) | {g} Gbit/s | " + " | ".join(cells) + " |")
    print()
    print("Each cell: the step time without overlap, the speed-up over one worker (N x compute / step time),")
    print("and in parentheses the speed-up with ideal overlap; * where the all-reduce takes longer than compute.")
    print("All-reduce bytes per worker per step, 2(N-1)/N x 4 x parameters: " + ", ".join(
        f"{m} {ring_bytes(2, p) / 1e6:.2f} MB at N = 2 to {ring_bytes(64, p) / 1e6:.2f} MB at N = 64"
        for m, p in PARAMETERS.items()) + f"; latency {args.latency_us:g} us per message, 2(N-1) messages.")


if __name__ == "__main__":
    main()
