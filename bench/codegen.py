#!/usr/bin/env python3
"""How fast is matdiff's generated NumPy code, next to a hand-written gradient and JAX?

For each case this script asks matdiff (the library, in this process) for the
derivative's NumPy code (`--format numpy`: one expression, products in their cheapest
order, shared values named with `:=`) in both layouts, checks it against
`jax.grad` / `jax.hessian` at the benchmark size, and times, alternating the
contenders round by round, single-threaded (BLAS, OpenMP and XLA pinned to one thread
before NumPy or JAX load):

  md-den   matdiff's denominator-layout expression (compiled once)
  md-num   matdiff's numerator-layout expression (`.T`, free, for a matrix variable)
  hand     a hand-written NumPy gradient in the best evaluation order we know
  jax      jax.jit(jax.grad(f)) (jax.hessian for the Hessians), timed with
           block_until_ready()

and prints a Markdown table of medians and of the median per-round ratios.
The first ten cases are those of the issue that asked for this stage; the others
check that the stage is general. Needs the `bench` extra: pip install ".[bench]".

  python bench/codegen.py --sizes 400,1600 [--cases lsq,H_lsq] [--affinity 0]
"""

from __future__ import annotations

import os
import sys

for _i, _a in enumerate(sys.argv):           # --affinity: before any thread starts
    if _a.startswith("--affinity"):
        _val = _a.split("=", 1)[1] if "=" in _a else sys.argv[_i + 1]
        os.sched_setaffinity(0, {int(c) for c in _val.split(",")})
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
           "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_v] = "1"
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                           " --xla_cpu_multi_thread_eigen=false"
                           " intra_op_parallelism_threads=1").strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.linalg  # noqa: E402,F401
import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_cpu_enable_async_dispatch", False)
import jax.numpy as jnp  # noqa: E402

import matdiff  # noqa: E402


def _h(n):
    return n // 2


def _softplus(m, z):
    return m.logaddexp(0, z)


CASES = [
    dict(key="trABXtC", expr="tr(A X B X^T C)", wrt="X", args=("A", "X", "B", "C"),
         shapes=lambda n: dict(A=(n, n), X=(n, _h(n)), B=(_h(n), _h(n)), C=(n, n)),
         f=lambda m, A, X, B, C: m.trace(A @ X @ B @ X.T @ C),
         hand="CA = C @ A\nreturn CA @ (X @ B) + CA.T @ (X @ B.T)"),
    dict(key="xtAx", expr="x^T A x", wrt="x", args=("A", "x"),
         shapes=lambda n: dict(A=(n, n), x=(n,)), f=lambda m, A, x: x @ A @ x,
         hand="return A @ x + x @ A"),
    dict(key="lsq", expr="norm(A x - b)^2", wrt="x", args=("A", "x", "b"),
         shapes=lambda n: dict(A=(n, _h(n)), x=(_h(n),), b=(n,)),
         f=lambda m, A, x, b: m.sum((A @ x - b) ** 2),
         hand="r = A @ x - b\nreturn 2.0 * (r @ A)"),
    dict(key="logdet", expr="log(det(X))", wrt="X", args=("X",),
         shapes=lambda n: dict(X=(n, n)), init=dict(X="near_identity"),
         f=lambda m, X: m.linalg.slogdet(X)[1], hand="return scipy.linalg.inv(X).T"),
    dict(key="trXinvA", expr="tr(X^-1 A)", wrt="X", args=("X", "A"),
         shapes=lambda n: dict(X=(n, n), A=(n, n)), init=dict(X="near_identity"),
         f=lambda m, X, A: m.trace(m.linalg.inv(X) @ A),
         hand="Xi = scipy.linalg.inv(X)\nreturn -(Xi @ A @ Xi).T"),
    dict(key="atXtXb", expr="a^T X^T X b", wrt="X", args=("X", "a", "b"),
         shapes=lambda n: dict(X=(_h(n), n), a=(n,), b=(n,)),
         f=lambda m, X, a, b: (X @ a) @ (X @ b),
         # two outer products summed as one rank-2 product (two n×n temporaries saved)
         hand="return np.array((X @ b, X @ a)).T @ np.array((a, b))"),
    dict(key="chain4", expr="tr(A1 X A2 X A3 X A4 X)", wrt="X",
         args=("A1", "A2", "A3", "A4", "X"),
         shapes=lambda n: dict(A1=(_h(n), n), A2=(_h(n), n), A3=(_h(n), n), A4=(_h(n), n),
                               X=(n, _h(n))),
         f=lambda m, A1, A2, A3, A4, X: m.trace(A1 @ X @ A2 @ X @ A3 @ X @ A4 @ X),
         hand=("P1 = A1 @ X\nP2 = A2 @ X\nP3 = A3 @ X\nP4 = A4 @ X\n"
               "Q12 = P1 @ P2\nQ34 = P3 @ P4\n"
               "return (P2 @ Q34 @ A1 + Q34 @ P1 @ A2 + P4 @ Q12 @ A3 + Q12 @ P3 @ A4).T")),
    dict(key="xtAtAx", expr="x^T A^T A x", wrt="x", args=("A", "x"),
         shapes=lambda n: dict(A=(_h(n), n), x=(n,)), f=lambda m, A, x: x @ A.T @ A @ x,
         hand="y = A @ x\nreturn 2.0 * (y @ A)"),
    dict(key="H_xtAx", expr="x^T A x", wrt="x", hessian=True, args=("A", "x"),
         shapes=lambda n: dict(A=(n, n), x=(n,)), f=lambda m, A, x: x @ A @ x,
         hand="return A + A.T"),
    dict(key="H_logxtAx", expr="log(x^T A x)", wrt="x", hessian=True, args=("A", "x"),
         shapes=lambda n: dict(A=(n, n), x=(n,)), init=dict(A="pos_quadratic"),
         f=lambda m, A, x: m.log(x @ A @ x),
         hand=("Ax = A @ x\ng = Ax + x @ A\nq = x @ Ax\n"
               "return (A + A.T) / q - np.outer(g, g / (q * q))")),
    # beyond the ten: the stage is general
    dict(key="wlsq", expr="(y - X w)^T W (y - X w)", wrt="w", args=("X", "w", "y", "W"),
         shapes=lambda n: dict(X=(n, _h(n)), w=(_h(n),), y=(n,), W=(n, n)),
         f=lambda m, X, w, y, W: (y - X @ w) @ W @ (y - X @ w),
         hand="r = y - X @ w\nreturn -((W @ r + r @ W) @ X)"),
    dict(key="logistic", expr="sum(softplus(X w)) - y^T X w", wrt="w", args=("X", "w", "y"),
         shapes=lambda n: dict(X=(n, _h(n)), w=(_h(n),), y=(n,)),
         f=lambda m, X, w, y: m.sum(_softplus(m, X @ w)) - y @ (X @ w),
         hand="z = X @ w\nreturn (1 / (1 + np.exp(-z)) - y) @ X"),
    dict(key="trXtAXB", expr="tr(X^T A X B)", wrt="X", args=("X", "A", "B"),
         shapes=lambda n: dict(X=(n, _h(n)), A=(n, n), B=(_h(n), _h(n))),
         f=lambda m, X, A, B: m.trace(X.T @ A @ X @ B),
         hand="return A @ X @ B + A.T @ X @ B.T"),
    dict(key="atXinvb", expr="a^T X^-1 b", wrt="X", args=("X", "a", "b"),
         shapes=lambda n: dict(X=(n, n), a=(n,), b=(n,)), init=dict(X="near_identity"),
         f=lambda m, X, a, b: a @ m.linalg.solve(X, b),
         # one LU factorisation for both solves
         hand=("lu = scipy.linalg.lu_factor(X)\nu = scipy.linalg.lu_solve(lu, a, trans=1)\n"
               "v = scipy.linalg.lu_solve(lu, b)\nreturn -np.outer(u, v)")),
    dict(key="H_lsq", expr="norm(A x - b)^2", wrt="x", hessian=True, args=("A", "x", "b"),
         shapes=lambda n: dict(A=(n, _h(n)), x=(_h(n),), b=(n,)),
         f=lambda m, A, x, b: m.sum((A @ x - b) ** 2), hand="return 2.0 * (A.T @ A)"),
    dict(key="H_logistic", expr="sum(softplus(X w))", wrt="w", hessian=True,
         args=("X", "w"), shapes=lambda n: dict(X=(n, _h(n)), w=(_h(n),)),
         f=lambda m, X, w: m.sum(_softplus(m, X @ w)),
         hand="s = 1 / (1 + np.exp(-(X @ w)))\nreturn (X.T * (s * (1 - s))) @ X"),
]


def make_inputs(case, n, rng):
    out = {}
    shapes = case["shapes"](n)
    for name in case["args"]:
        shp = shapes[name]
        how = case.get("init", {}).get(name)
        if how == "near_identity":
            out[name] = np.eye(shp[0]) + 0.5 * rng.standard_normal(shp) / np.sqrt(shp[0])
        elif how == "pos_quadratic":
            out[name] = np.eye(shp[0]) + 0.3 * rng.standard_normal(shp) / np.sqrt(shp[0])
        elif len(shp) == 2:
            out[name] = rng.standard_normal(shp) / np.sqrt(max(shp))
        else:
            out[name] = rng.standard_normal(shp)
    return out


def matdiff_code(case, layout):
    wrt = [case["wrt"]] * 2 if case.get("hessian") else case["wrt"]
    return matdiff.d(case["expr"], wrt=wrt, layout=layout).numpy()


def compile_expr(code, args, transpose=False):
    body = f"({code}).T" if transpose else code
    return eval(compile(f"lambda {', '.join(args)}: {body}", "<matdiff>", "eval"),
                {"np": np, "scipy": scipy})


def compile_hand(snippet, args):
    src = f"def hand({', '.join(args)}):\n" + "".join(f"    {ln}\n" for ln in snippet.splitlines())
    ns = {"np": np, "scipy": scipy}
    exec(compile(src, "<hand>", "exec"), ns)
    return ns["hand"]


def calibrate(fn, target):
    fn()
    t0 = time.perf_counter()
    fn()
    t = max(time.perf_counter() - t0, 1e-7)
    return max(1, min(100000, int(target / t)))


def sample(fn, number):
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


def relerr(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def bench(case, n, codes, rounds, target, rng):
    args = case["args"]
    vals = [make_inputs(case, n, rng)[a] for a in args]
    k = args.index(case["wrt"])
    hess = case.get("hessian", False)

    def fj(*xs):
        return case["f"](jnp, *xs)
    jfun = jax.jit(jax.hessian(fj, argnums=k) if hess else jax.grad(fj, argnums=k))
    jvals = [jnp.asarray(v) for v in vals]
    ref = np.asarray(jfun(*jvals).block_until_ready())
    mat = vals[k].ndim == 2
    fns = {}
    for name, layout in (("md-den", "denominator"), ("md-num", "numerator")):
        fn = compile_expr(codes[layout], args, layout == "numerator" and mat and not hess)
        err = relerr(fn(*vals), ref)
        if err > 1e-7:
            raise SystemExit(f"{case['key']} {layout}: wrong (relative error {err:.2g})")
        fns[name] = (lambda fn=fn: fn(*vals))
    hand = compile_hand(case["hand"], args)
    if relerr(hand(*vals), ref) > 1e-7:
        raise SystemExit(f"{case['key']}: the hand-written gradient is wrong")
    fns["hand"] = lambda: hand(*vals)
    fns["jax"] = lambda: jfun(*jvals).block_until_ready()
    numbers = {name: calibrate(fn, target) for name, fn in fns.items()}
    names = list(fns)
    samples = {name: [] for name in names}
    for rd in range(rounds):                    # alternate, starting each round elsewhere
        for name in names[rd % len(names):] + names[:rd % len(names)]:
            samples[name].append(sample(fns[name], numbers[name]))
    med = {name: statistics.median(v) for name, v in samples.items()}

    def ratio(a, b):
        return statistics.median(x / y for x, y in zip(samples[a], samples[b]))
    return dict(median=med, ratios={f"{a}/{b}": ratio(a, b) for a in ("md-den", "md-num")
                                    for b in ("hand", "jax")})


def fmt_t(t):
    return f"{t * 1e6:.1f} µs" if t < 1e-3 else f"{t * 1e3:.2f} ms" if t < 1 else f"{t:.2f} s"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="400,1600", help="comma-separated n")
    ap.add_argument("--cases", default="", help="comma-separated case keys (default: all)")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--target", type=float, default=0.02, help="seconds per timed sample")
    ap.add_argument("--affinity", default="", help="CPUs to pin to (read at start-up)")
    ap.add_argument("--show-code", action="store_true", help="print matdiff's code")
    a = ap.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",") if s]
    cases = [c for c in CASES if not a.cases or c["key"] in a.cases.split(",")]
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}, jax {jax.__version__}, matdiff {matdiff.__version__}, "
          f"one thread; medians of {a.rounds} alternating rounds; ratios are medians of "
          "per-round ratios (< 1: matdiff is faster)\n")
    print("| case | n | md-den | md-num | hand | jax | den/hand | num/hand | den/jax | num/jax |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for case in cases:
        codes = {lay: matdiff_code(case, lay) for lay in ("denominator", "numerator")}
        if a.show_code:
            print(f"<!-- {case['key']}: den {codes['denominator']} | num {codes['numerator']} -->")
        for n in sizes:
            r = bench(case, n, codes, a.rounds, a.target, rng)
            m, q = r["median"], r["ratios"]
            title = ("Hessian of " if case.get("hessian") else "") + f"`{case['expr']}`"
            print(f"| {title} by {case['wrt']} | {n} | {fmt_t(m['md-den'])} | "
                  f"{fmt_t(m['md-num'])} | {fmt_t(m['hand'])} | {fmt_t(m['jax'])} | "
                  f"{q['md-den/hand']:.2f} | {q['md-num/hand']:.2f} | {q['md-den/jax']:.2f} | "
                  f"{q['md-num/jax']:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
