"""Numbers: evaluate expressions at random inputs and check derivatives by finite
differences. Used by `matdiff check`, `--check` and the tests; NumPy and SciPy
are imported only here, and only when this module is used.

Sizes: every symbolic dimension gets its own size (distinct where possible, so
that a missing transpose cannot hide behind a square matrix). Inputs: standard
normal entries, symmetric matrices symmetrised, square matrices shifted to be
well conditioned (they may be inverted). Derivatives are compared in the
layout's arrangement: numerator d(scalar)/dX is n×m for X m×n, and so on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .expr import (Add, Adj, Call, Cross, Deriv, Det, Diag, DiagOf, Diff, DimProd, Expr, Fn, Frechet,
                   Had, HadPow, Ident, Kron, LogDet, MatFn, MatPow, Mul, Norm, Num, Pinv, Pow,
                   Skew, Sym, T, Tr, Zero)
from .functions import SCALAR_FUNCTIONS


def _np():
    import numpy as np
    return np


class NumericError(Exception):
    """The expression cannot be evaluated here (an abstract function, a singular matrix)."""


# ---------------------------------------------------------------------------
# sizes and inputs


def dim_names(symbols: dict, exprs=()) -> list:
    """The named dimensions of the symbols, then of any other node of `exprs` (an I
    whose size no name fixes)."""
    out = []
    shapes = [s.shape for s in symbols.values()]
    shapes += [x.shape for e in exprs for x in e.walk()]
    for shape in shapes:
        for d in shape:
            for x in (d.factors if isinstance(d, DimProd) else (d,)):
                if isinstance(x, str) and x not in out:
                    out.append(x)
    return out


def choose_sizes(symbols: dict, rng, low: int = 2, high: int = 6, exprs=()) -> dict:
    """A size for each named dimension: distinct values where there are enough."""
    names = dim_names(symbols, exprs)
    pool = list(range(low, high + 1))
    rng.shuffle(pool)
    sizes = {}
    for i, n in enumerate(names):
        sizes[n] = pool[i] if i < len(pool) else int(rng.integers(low, high + 1))
    return sizes


def size_of(d, sizes: dict) -> int:
    if isinstance(d, int):
        return d
    if isinstance(d, DimProd):
        out = 1
        for f in d.factors:
            out *= size_of(f, sizes)
        return out
    return sizes[d]


def sizes_from(env: dict, symbols: dict) -> dict:
    """The size of each named dimension, read off the arrays in env."""
    np = _np()
    sizes = {}
    for name, s in symbols.items():
        if name not in env:
            continue
        arr = np.asarray(env[name])
        dims = arr.shape if arr.ndim == 2 else (arr.shape[0], 1) if arr.ndim == 1 else (1, 1)
        for d, n in zip(s.shape, dims):
            if isinstance(d, str):
                sizes[d] = n
    return sizes


def random_value(sym: Sym, sizes: dict, rng, square_shift: float = 0.0):
    np = _np()
    r, c = (size_of(d, sizes) for d in sym.shape)
    if sym.is_scalar:
        return float(rng.uniform(0.5, 1.5) * rng.choice([-1.0, 1.0]))
    if sym.is_col:
        return rng.standard_normal(r)
    m = rng.standard_normal((r, c)) / math.sqrt(max(r, c))
    if sym.symmetric:
        m = (m + m.T) / 2
    if r == c and square_shift:
        m = m + square_shift * np.eye(r)
    return m


def random_inputs(symbols: dict, sizes: dict, rng, square_shift: float = 1.5) -> dict:
    """Random values for every name (vectors 1-D, the contract's convention)."""
    return {name: random_value(s, sizes, rng, square_shift) for name, s in symbols.items()}


# ---------------------------------------------------------------------------
# evaluation (2-D arrays throughout; vectors are n×1)


def _as2d(v):
    np = _np()
    a = np.asarray(v, dtype=float)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(-1, 1)
    return a


def _adjugate(m):
    np = _np()
    u, s, vt = np.linalg.svd(m)
    prods = np.array([np.prod(np.delete(s, i)) for i in range(len(s))])
    return np.linalg.det(u @ vt) * (vt.T * prods) @ u.T


def evaluate(e: Expr, env: dict, sizes: dict):
    """The value of e as a 2-D array, with names taken from env."""
    np = _np()
    import scipy.linalg

    def ev(x: Expr):
        if isinstance(x, Sym):
            if x.name not in env:
                raise NumericError(f"no value for {x.name}")
            return _as2d(env[x.name])
        if isinstance(x, Num):
            return np.array([[float(x.value)]])
        if isinstance(x, Ident):
            return np.eye(size_of(x.n, sizes))
        if isinstance(x, Zero):
            return np.zeros((size_of(x.rows, sizes), size_of(x.cols, sizes)))
        if isinstance(x, Call):
            if x.name not in env:
                raise NumericError(f"the abstract function {x.name}() has no value")
            return _as2d(env[x.name])
        if isinstance(x, Deriv):
            name = f"d{x.fn.name}_d{x.wrt.name}"
            if name not in env:
                raise NumericError(f"the abstract derivative {name} has no value")
            return _as2d(env[name])
        if isinstance(x, Add):
            out = ev(x.terms[0])
            for t in x.terms[1:]:
                out = out + ev(t)
            return out
        if isinstance(x, Mul):
            scal = 1.0
            for f in x.factors:
                if f.is_scalar:
                    scal = scal * float(ev(f)[0, 0])
            chain = [ev(f) for f in x.chain]
            if not chain:
                return np.array([[scal]])
            out = chain[0]
            for m in chain[1:]:
                out = out @ m
            return scal * out
        if isinstance(x, T):
            return ev(x.arg).T
        if isinstance(x, Pow):
            b = float(ev(x.base)[0, 0])
            return np.array([[np.power(b, float(x.exp))]])   # nan, not complex, for b < 0
        if isinstance(x, MatPow):
            return np.linalg.matrix_power(ev(x.base), x.n)
        if isinstance(x, Tr):
            return np.array([[np.trace(ev(x.arg))]])
        if isinstance(x, Det):
            return np.array([[np.linalg.det(ev(x.arg))]])
        if isinstance(x, LogDet):
            return np.array([[np.log(np.linalg.det(ev(x.arg)))]])
        if isinstance(x, Adj):
            return _adjugate(ev(x.arg))
        if isinstance(x, Pinv):
            return np.linalg.pinv(ev(x.arg))
        if isinstance(x, Norm):
            return np.array([[np.linalg.norm(ev(x.arg))]])
        if isinstance(x, Kron):
            return np.kron(ev(x.a), ev(x.b))
        if isinstance(x, Had):
            out = ev(x.factors[0])
            for f in x.factors[1:]:
                out = out * ev(f)
            return out
        if isinstance(x, HadPow):
            return np.power(ev(x.base), float(x.exp))
        if isinstance(x, Cross):
            return np.cross(ev(x.a).ravel(), ev(x.b).ravel()).reshape(-1, 1)
        if isinstance(x, Fn):
            return getattr(np, SCALAR_FUNCTIONS[x.name][0].split(".")[-1])(ev(x.arg))
        if isinstance(x, MatFn):
            return np.real(getattr(scipy.linalg, x.name)(ev(x.arg)))
        if isinstance(x, DiagOf):
            return np.diag(ev(x.arg)).reshape(-1, 1).copy()
        if isinstance(x, Diag):
            return np.diag(ev(x.arg).ravel())
        if isinstance(x, Skew):
            a = ev(x.arg).ravel()
            return np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
        if isinstance(x, (Diff, Frechet)):
            raise NumericError(f"cannot evaluate {type(x).__name__}")
        raise NumericError(f"cannot evaluate {type(x).__name__}")

    with np.errstate(all="ignore"):
        return ev(e)


# ---------------------------------------------------------------------------
# finite differences, arranged as the layouts say


def arrange(g, fshape: tuple, vshape: tuple, layout: str):
    """G[v_index][f_index] = d f / d v, as the derivative in `layout`, with vectors
    1-D (the contract's NumPy convention)."""
    f_scalar = fshape == (1, 1)
    v_scalar = vshape == (1, 1)
    num = layout == "numerator"
    if v_scalar:
        d = g.reshape(fshape)
        if f_scalar:
            return d.reshape(())
        if 1 in fshape:
            return d.ravel()
        return d if num else d.T
    if f_scalar:
        d = g.reshape(vshape)
        if 1 in vshape:
            return d.ravel()
        return d.T if num else d
    # vector by vector: rows of the Jacobian follow f
    flen = fshape[0] * fshape[1]
    vlen = vshape[0] * vshape[1]
    jac = g.reshape(vlen, flen).T
    return jac if num else jac.T


def finite_difference(f, point, fshape, h: float = 1e-5):
    """Central differences (4th order) of f at point: G[v_index] = d f / d v (flattened f)."""
    np = _np()
    x0 = np.array(point, dtype=float)
    flat = x0.reshape(-1)
    out = []
    for i in range(flat.size):
        step = h * max(1.0, abs(flat[i]))
        vals = []
        for k in (-2, -1, 1, 2):
            x = flat.copy()
            x[i] += k * step
            vals.append(np.asarray(f(x.reshape(x0.shape)), dtype=float).reshape(-1))
        out.append((vals[0] - 8 * vals[1] + 8 * vals[2] - vals[3]) / (12 * step))
    return np.array(out)


def well_conditioned(exprs, env: dict, sizes: dict, limit: float = 1e7) -> bool:
    """False when a matrix that is inverted (or whose log-det or adjugate is taken) is
    nearly singular at these inputs: finite differences mean little there. (A
    pseudo-inverse is left alone: its derivative holds wherever the rank is constant.)"""
    np = _np()
    for e in exprs:
        for x in e.walk():
            if isinstance(x, MatPow) and x.n < 0 or isinstance(x, (LogDet, Adj)):
                arg = x.base if isinstance(x, MatPow) else x.arg
                try:
                    m = evaluate(arg, env, sizes)
                except NumericError:
                    continue
                if not np.all(np.isfinite(m)) or np.linalg.cond(m) > limit:
                    return False
            if isinstance(x, Fn) and x.name == "log" and isinstance(x.arg, Det):
                try:
                    m = evaluate(x.arg.arg, env, sizes)
                except NumericError:
                    continue
                if not np.all(np.isfinite(m)) or np.linalg.cond(m) > limit:
                    return False
    return True


@dataclass
class CheckReport:
    """How far a printed derivative is from finite differences."""

    max_rel_error: float
    trials: int
    sizes: list
    ok: bool
    tolerance: float


def compare(got, ref) -> float:
    np = _np()
    got = np.asarray(got, dtype=float)
    ref = np.asarray(ref, dtype=float)
    if got.shape != ref.shape:
        if got.size == ref.size and (got.ndim <= 1 or ref.ndim <= 1 or 1 in got.shape):
            got = got.reshape(ref.shape)
        else:
            return math.inf
    if not np.all(np.isfinite(got)):
        return math.inf
    scale = max(1.0, float(np.max(np.abs(ref))) if ref.size else 1.0)
    return float(np.max(np.abs(got - ref))) / scale if ref.size else 0.0


def check_formula(function: Expr, var: Sym, symbols: dict, layout: str, formula,
                  trials: int = 3, seed: int = 0, tolerance: float = 1e-6,
                  function_value=None, guard=()) -> CheckReport:
    """Compare `formula(env)` (the printed derivative, evaluated) with finite
    differences of `function` at random inputs; `function_value(env)` may replace
    the evaluation of `function` (an independent oracle in tests)."""
    np = _np()
    rng = np.random.default_rng(seed)
    worst = 0.0
    all_sizes = []
    done = 0
    attempts = 0
    while done < trials and attempts < 20 * trials:
        attempts += 1
        sizes = choose_sizes(symbols, rng, exprs=(function,) + tuple(guard))
        env = random_inputs(symbols, sizes, rng)
        value = function_value if function_value is not None else (
            lambda en: evaluate(function, en, sizes))
        if not well_conditioned((function,) + tuple(guard), env, sizes):
            continue
        with np.errstate(all="ignore"):
            f0 = np.asarray(value(env), dtype=float)
        if not np.all(np.isfinite(f0)):
            continue
        fshape = function.shape
        fs = (size_of(fshape[0], sizes), size_of(fshape[1], sizes))
        vs = (size_of(var.shape[0], sizes), size_of(var.shape[1], sizes))

        def at(v):
            e2 = dict(env)
            e2[var.name] = float(v) if var.is_scalar else (v.reshape(-1) if var.is_col else v)
            return value(e2)

        point = np.asarray(env[var.name], dtype=float)
        with np.errstate(all="ignore"):
            g = finite_difference(at, point, fs)
        if not np.all(np.isfinite(g)):
            continue
        ref = arrange(g, fs, vs, layout)
        got = formula(env)
        worst = max(worst, compare(got, ref))
        all_sizes.append(sizes)
        done += 1
    if done == 0:
        raise NumericError("no random input gave a finite value")
    return CheckReport(worst, done, all_sizes, worst <= tolerance, tolerance)


def eval_numpy_code(code: str, env: dict):
    """Evaluate generated NumPy code with the inputs (keywords get a trailing _)."""
    import keyword

    np = _np()
    import scipy
    import scipy.linalg  # noqa: F401

    ns = {"np": np, "scipy": scipy}
    for k, v in env.items():
        ns[k + "_" if keyword.iskeyword(k) else k] = v
    with np.errstate(all="ignore"):
        return eval(code, ns)   # noqa: S307 - our own generated code

