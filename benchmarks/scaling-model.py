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
    for model, where, t in computes:
        params = PARAMETERS[model]
        print(f"\n{model} ({params:,} parameters), compute {t * 1000:.1f} ms per step ({where}); "
              f"ms per step without overlap / with ideal overlap, '*' where the all-reduce takes longer than compute")
        print("| N | MB per worker per step | " + " | ".join(f"{g} Gbit/s" for g in GBITS) + " |")
        print("|---:|---:|" + "---:|" * len(GBITS))
        for n in WORKERS:
            cells = []
            for g in GBITS:
                c = comm_seconds(n, params, g, latency)
                mark = "*" if c > t else ""
                cells.append(f"{(t + c) * 1000:.1f} / {max(t, c) * 1000:.1f}{mark}")
            print(f"| {n} | {ring_bytes(n, params) / 1e6:.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
