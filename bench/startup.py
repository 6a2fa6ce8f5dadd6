#!/usr/bin/env python3
"""Start-up benchmark: wall time of a cold `matdiff d "tr(A X B X^T C)" wrt X`.

Each run is a fresh process, as in a shell loop. Prints min / median / max over
--runs runs (after one warm-up run that fills Lark's parser cache and Python's
bytecode cache), and which heavy modules the common path imported (it should import
none of them). With PYTHONDONTWRITEBYTECODE set (some sandboxes set it) every run
compiles matdiff's modules from source, about 60 ms more: the script says so.

    python bench/startup.py [--runs 20] [--command "matdiff"]
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time

EXPR = ["d", "tr(A X B X^T C)", "wrt", "X"]
HEAVY = ("sympy", "numpy", "scipy", "rich", "pydantic")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--command", default=f"{sys.executable} -m matdiff")
    args = ap.parse_args()
    cmd = shlex.split(args.command) + EXPR
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set, so no run finds compiled bytecode; "
              "unset it to time what an installed matdiff does", file=sys.stderr)
    subprocess.run(cmd, check=True, capture_output=True)          # warm the parser cache
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    probe = ("import sys; from matdiff.cli import main\n"
             "try:\n    main(" + repr(EXPR + ["--format", "text"]) + ")\n"
             "except SystemExit:\n    pass\n"
             f"print('heavy:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout
    heavy = next((ln[6:] for ln in out.splitlines() if ln.startswith("heavy:")), "?")
    print(f"matdiff {' '.join(shlex.quote(a) for a in EXPR)}: {args.runs} cold runs, "
          f"min {min(times):.3f} s, median {statistics.median(times):.3f} s, "
          f"max {max(times):.3f} s")
    print(f"heavy modules imported on this path: {heavy or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
