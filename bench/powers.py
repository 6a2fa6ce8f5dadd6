#!/usr/bin/env python3
"""The cost of d tr(X^k)/dX does not grow with k.

d(X^k) is kept as the Fréchet derivative of the power and read off under the trace as
k X^(k-1), so the time is the same for k = 10, 10^3 and 10^6 (an engine that writes
d(X^k) as k terms takes time proportional to k). Prints the in-process median time
per derivative for each k, and the cold command-line time.

    python bench/powers.py [--runs 200] [--command "matdiff"]
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import subprocess
import sys
import time

POWERS = (10, 1000, 1000000)


def in_process(k: int, runs: int) -> float:
    from matdiff.core import differentiate
    from matdiff.render import render

    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = render(differentiate(f"tr(X^{k})", "X"), "text")
        times.append(time.perf_counter() - t0)
    assert out == f"{k} X^{k - 1}", out
    return statistics.median(times)


def cold(cmd: list, k: int, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd + ["d", f"tr(X^{k})", "wrt", "X"], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--cold-runs", type=int, default=10)
    ap.add_argument("--command", default=f"{sys.executable} -m matdiff")
    args = ap.parse_args()
    cmd = shlex.split(args.command)
    print(f"{'k':>9}  {'in process (median)':>20}  {'command line (median)':>22}")
    for k in POWERS:
        print(f"{k:>9}  {in_process(k, args.runs) * 1e3:>17.3f} ms  "
              f"{cold(cmd, k, args.cold_runs):>20.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
