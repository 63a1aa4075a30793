#!/usr/bin/env python3
"""Predicted data-parallel scaling efficiency from a ring all-reduce cost model (docs/distributed.md).

One step of data-parallel training with p ranks and b examples per rank costs

    t_compute(b) = b * t_example                       (measured on one rank, one thread)
    t_allreduce  = 2 (p - 1) / p * S / B  +  2 (p - 1) * alpha

for S bytes of gradient (or CD statistics), a link of B bytes/s and a per-message latency alpha:
a ring all-reduce is a reduce-scatter then an all-gather, each p - 1 steps that move S / p bytes.
Of t_allreduce only the part not hidden behind backward is exposed:

    efficiency(p, b) = t_compute(b) / (t_compute(b) + (1 - overlap) * t_allreduce)

and efficiency >= E needs b >= E / (1 - E) * (1 - overlap) * t_allreduce / t_example.

    cost_model.py --name "DBN fine-tuning" --params 648010 --t-example-us 25 --overlap 0.5
"""
import argparse
import math


def allreduce_seconds(p, nbytes, bandwidth, alpha):
    return 2 * (p - 1) / p * nbytes / bandwidth + 2 * (p - 1) * alpha


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--name", required=True)
    ap.add_argument("--params", type=int, required=True, help="elements all-reduced per step")
    ap.add_argument("--bytes-per-param", type=int, default=4, help="4 for float32")
    ap.add_argument("--t-example-us", type=float, required=True, help="measured compute per example, microseconds")
    ap.add_argument("--batch-per-rank", type=int, default=128)
    ap.add_argument("--overlap", type=float, default=0.0, help="fraction of the all-reduce hidden behind backward")
    ap.add_argument("--bandwidth-gbs", type=float, default=25.0, help="link bandwidth, GB/s")
    ap.add_argument("--alpha-us", type=float, default=5.0, help="per-message latency, microseconds")
    ap.add_argument("--target", type=float, default=0.8, help="efficiency to stay above")
    a = ap.parse_args()

    nbytes = a.params * a.bytes_per_param
    t_ex = a.t_example_us * 1e-6
    print(f"{a.name}: {a.params} parameters ({nbytes / 1e6:.2f} MB per all-reduce), {a.t_example_us:g} us per "
          f"example, overlap {a.overlap:.0%}, {a.bandwidth_gbs:g} GB/s, alpha {a.alpha_us:g} us")
    print()
    print(f"| ranks | all-reduce (ms) | compute at b={a.batch_per_rank} (ms) | efficiency at b={a.batch_per_rank} | "
          f"b per rank for {a.target:.0%} |")
    print("|---:|---:|---:|---:|---:|")
    for p in (8, 64, 512):
        t_ar = allreduce_seconds(p, nbytes, a.bandwidth_gbs * 1e9, a.alpha_us * 1e-6)
        exposed = (1 - a.overlap) * t_ar
        t_c = a.batch_per_rank * t_ex
        eff = t_c / (t_c + exposed)
        b_needed = a.target / (1 - a.target) * exposed / t_ex
        print(f"| {p} | {t_ar * 1e3:.3f} | {t_c * 1e3:.2f} | {eff:.0%} | {max(1, math.ceil(b_needed))} |")


if __name__ == "__main__":
    main()
