#!/usr/bin/env python3
"""In-process time per derivative over a table of identities (the tests' seed table).

For each identity of tests/test_seed_identities.py (the seed notes' identities, made
concrete), differentiate and render the text, 20 times, with the simplifier's remembered
results cleared before each run (as in a fresh process); print the median over the
identities of the per-identity median, and the slowest ones.

    python bench/seed_speed.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))


def forget() -> None:
    """Clear what the simplifier remembers between calls, so each run starts afresh."""
    from matdiff import simplify
    from matdiff.simplify import keys
    for cat in (simplify._NORMALIZE, simplify.FACTOR, simplify.PRESENT, simplify._DISTRIBUTED,
                simplify._DISTRIBUTED_FACTOR):
        cat.memo.clear()
    keys._KEY.clear()
    keys._TKEY.clear()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    from test_seed_identities import SEED

    from matdiff.core import differentiate
    from matdiff.render import render
    from matdiff.shapes import Declarations

    rows = []
    for p in SEED:
        _, expr, wrt, kinds, *_ = p.values
        decls = Declarations.from_lists(**{k: [v] for k, v in kinds.items()})
        times = []
        for _ in range(args.repeat):
            forget()
            t0 = time.perf_counter()
            render(differentiate(expr, wrt, "numerator", decls), "text")
            times.append(time.perf_counter() - t0)
        rows.append((statistics.median(times), expr, wrt))
    rows.sort()
    med = statistics.median(r[0] for r in rows)
    print(f"{len(rows)} identities: median {med * 1e3:.3f} ms per derivative")
    for t, expr, wrt in rows[-5:]:
        print(f"  slowest: {t * 1e3:7.3f} ms  d {expr} wrt {wrt}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
