"""Numbers: evaluate expressions at random inputs and check derivatives by finite
differences. Used by `matdiff check`, `--check` and the tests; NumPy and SciPy
are imported only here, and only when this module is used.

Sizes: every symbolic dimension gets its own size (distinct where possible, so
that a missing transpose cannot hide behind a square matrix). Inputs: standard
normal entries, symmetric matrices symmetrised, square matrices shifted to be
well conditioned (they may be inverted). Finite differences are taken along
vec(X) (column by column) and arranged as the kind table says
(`matdiff.kinds.Kind.arrange`); a symmetric variable is perturbed symmetrically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import UnsupportedError
from .expr import (Call, Commutation, Deriv, Diff, DimProd, Expr, Fn, Ident, Index, MatPow, Num,
                   Ones, Sym, Zero)
from .kinds import kind_of, second_kind
from .ops import record
from .sampling import domains_of, index_ranges


def _np():
    import numpy as np
    return np


class NumericError(UnsupportedError):
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


def choose_sizes(symbols: dict, rng, low: int = 2, high: int = 6, exprs=(),
                 constraints=()) -> dict:
    """A size for each named dimension: distinct values where there are enough, and
    satisfying the constraints (products of dimensions known to be equal, from square
    Kronecker products: m·p = n·q), with unequal factors where possible."""
    names = dim_names(symbols, exprs)
    for c in constraints:
        for side in c:
            for d in side:
                if isinstance(d, str) and d not in names:
                    names.append(d)
    for attempt in range(400):
        pool = list(range(low, high + 1))
        rng.shuffle(pool)
        sizes = {}
        for i, n in enumerate(names):
            distinct = attempt < 50 and i < len(pool)
            sizes[n] = pool[i] if distinct else int(rng.integers(low, high + 1))
        if all(_product(a, sizes) == _product(b, sizes) for a, b in constraints):
            return sizes
    for a, b in constraints:          # none found: equal factors, position by position
        for x, y in zip(a, b):
            if isinstance(x, str) and isinstance(y, str):
                sizes[y] = sizes[x]
    return sizes


def _product(factors, sizes: dict) -> int:
    out = 1
    for d in factors:
        out *= d if isinstance(d, int) else sizes[d]
    return out


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


def random_inputs(symbols: dict, sizes: dict, rng, square_shift: float = 1.5,
                  integers=(), domains=None) -> dict:
    """Random values for every name (vectors 1-D, the contract's convention); the names in
    `integers` (exponents of matrix powers) get small integers, and those in `domains`
    values inside their (low, high) (`domains_of`)."""
    out = {name: random_value(s, sizes, rng, square_shift) for name, s in symbols.items()}
    for name, (lo, hi) in (domains or {}).items():
        if name in out:
            shape = _np().shape(out[name])
            if lo is not None and hi is not None:
                v = rng.uniform(lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo), shape)
            elif lo is not None:
                v = lo + rng.uniform(0.2, 1.5, shape)
            else:
                v = hi - rng.uniform(0.2, 1.5, shape)
            if symbols[name].symmetric:
                v = (v + v.T) / 2
            out[name] = float(v) if symbols[name].is_scalar else v
    for name in integers:
        if name in out:
            out[name] = float(rng.integers(2, 5))
    return out



def integer_names(exprs) -> set:
    """Scalar names that a matrix power takes as its exponent (X^n): they are integers."""
    out = set()
    for e in exprs:
        for x in e.walk():
            if isinstance(x, MatPow) or isinstance(x, Fn) and x.op == "dmpow":
                exp = x.exp if isinstance(x, MatPow) else x.args[2]
                out |= set(exp.free)
    return out


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


def commutation_matrix(m: int, n: int):
    np = _np()
    return np.eye(m * n)[np.arange(m * n).reshape((m, n), order="F").T.ravel(order="F")]


def _index(name: str, env: dict) -> int:
    if name.isdigit():
        return int(name)
    if name not in env:
        raise NumericError(f"no value for the index {name}")
    return int(env[name])


def _index_value(x: Index, env: dict, sizes: dict, ev):
    """x[i], X[i, j] (NumPy's indices, from 0), or the unit vector e_i / matrix E_ij."""
    np = _np()
    i = _index(x.i, env)
    j = None if x.j is None else _index(x.j, env)
    r, c = (size_of(d, sizes) for d in (x.arg.shape if x.arg is not None else x.shape))
    if (i >= r * c if j is None else (i >= r or j >= c)):
        raise NumericError(f"the index of {x} is out of range at these sizes")
    if x.arg is not None:
        a = ev(x.arg)
        return np.array([[a.ravel()[i] if j is None else a[i, j]]])
    out = np.zeros((r, c))
    if j is None:
        out.ravel()[i] = 1.0
    else:
        out[i, j] = 1.0
    return out



def evaluate(e: Expr, env: dict, sizes: dict):
    """The value of e as a 2-D array, with names taken from env."""
    np = _np()
    memo: dict = {}

    def ev(x: Expr):
        got = memo.get(x)
        if got is not None:
            return got
        out = _ev(x)
        memo[x] = out
        return out

    def _ev(x: Expr):
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
        if isinstance(x, Ones):
            return np.ones((size_of(x.rows, sizes), size_of(x.cols, sizes)))
        if isinstance(x, Commutation):
            return commutation_matrix(size_of(x.m, sizes), size_of(x.n, sizes))
        if isinstance(x, Call):
            if x.name not in env:
                raise NumericError(f"the abstract function {x.name}() has no value")
            return _as2d(env[x.name])
        if isinstance(x, Deriv):
            from .codegen.printer import deriv_name
            name = deriv_name(x)
            if name not in env:
                raise NumericError(f"the abstract derivative {name} has no value")
            return _as2d(env[name])
        if isinstance(x, Index):
            return _index_value(x, env, sizes, ev)
        if isinstance(x, Diff):
            raise NumericError(f"cannot evaluate {x}")
        rec = record(x.op)
        if rec.evaluate is None:
            raise NumericError(f"cannot evaluate {rec.name}()")
        vals = [ev(c) for c in x.children]
        return _as2d(rec.evaluate(np, vals, x))

    with np.errstate(all="ignore"):
        try:
            return ev(e)
        except (ValueError, np.linalg.LinAlgError) as err:
            raise NumericError(f"cannot evaluate {e}: {err}") from None


# ---------------------------------------------------------------------------
# finite differences


def _vec(a):
    np = _np()
    return np.asarray(a, dtype=float).reshape(-1, order="F") if np.ndim(a) == 2 else \
        np.asarray(a, dtype=float).reshape(-1)


def directions(shape: tuple, symmetric: bool, convention: str = ""):
    """Unit perturbations of a variable of `shape` (2-D), one per entry of vec; for a
    symmetric variable, one per independent entry, E_ij + E_ji (weighted by the
    convention's definition), as (direction, (i, j)) pairs."""
    np = _np()
    r, c = shape
    out = []
    if symmetric:
        for j in range(c):
            for i in range(r):
                e = np.zeros(shape)
                if i == j:
                    e[i, i] = 1.0
                else:
                    w = 0.5 if convention == "sym" else 1.0
                    e[i, j] = w
                    e[j, i] = w
                out.append((e, (i, j)))
        return out
    for j in range(c):
        for i in range(r):
            e = np.zeros(shape)
            e[i, j] = 1.0
            out.append((e, (i, j)))
    return out


def finite_difference(f, point, dirs, h: float = 1e-5):
    """Central differences (4th order) of f along each direction: g[k] = d vec(f) / d t_k."""
    np = _np()
    x0 = np.array(point, dtype=float)
    out = []
    scale = max(1.0, float(np.max(np.abs(x0)))) if x0.size else 1.0
    step = h * scale
    for d, _ in dirs:
        vals = []
        for k in (-2, -1, 1, 2):
            vals.append(_vec(f(x0 + k * step * d)))
        out.append((vals[0] - 8 * vals[1] + 8 * vals[2] - vals[3]) / (12 * step))
    return np.array(out)


KINK_MARGIN = 1e-2   # relative distance from 0 of the argument of |u|, relu(u), sign(u), ...


def well_conditioned(exprs, env: dict, sizes: dict, limit: float = 1e7) -> bool:
    """False when a matrix that is inverted (or whose log-det or adjugate is taken) is
    nearly singular at these inputs, or when a function with a kink at 0 (its record
    says `kinked`) has an argument entry near 0: finite differences mean little there.
    (A pseudo-inverse is left alone: its derivative holds wherever the rank is constant.)"""
    np = _np()
    for e in exprs:
        for x in e.walk():
            arg = None
            if isinstance(x, MatPow) and not (isinstance(x.exp, Num) and x.exp.value >= 0):
                arg = x.base
            elif isinstance(x, Fn) and x.op in ("logdet", "adj", "logm", "sqrtm"):
                arg = x.arg
            elif isinstance(x, Fn) and x.op == "log" and isinstance(x.arg, Fn) \
                    and x.arg.op == "det":
                arg = x.arg.arg
            elif isinstance(x, Fn) and record(x.op).extra.get("kinked"):
                try:                    # |u|, relu(u), ...: no entry of u near the kink at 0
                    u = evaluate(x.args[0], env, sizes)
                except NumericError:
                    continue
                if u.size and np.min(np.abs(u)) < KINK_MARGIN * max(1.0, float(np.max(np.abs(u)))):
                    return False
                continue
            if arg is None:
                continue
            try:
                m = evaluate(arg, env, sizes)
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


def numeric_derivative(value, env: dict, var: Sym, fshape, layout: str, convention: str = "",
                       h: float = 1e-5):
    """The derivative of value(env) by var by finite differences, arranged as the kind
    table says for `layout` (symmetric variables: the convention's definition)."""
    np = _np()
    vshape = (1, 1) if var.is_scalar else np.shape(_as2d(env[var.name]))
    symmetric = var.symmetric and var.is_matrix
    kind = kind_of(fshape, vshape, convention if symmetric else "")

    def at(v):
        e2 = dict(env)
        e2[var.name] = float(v.reshape(())) if var.is_scalar else (
            v.reshape(-1) if var.is_col else v)
        return value(e2)

    point = _as2d(env[var.name])
    dirs = directions(point.shape, symmetric, convention)
    g = finite_difference(at, point, dirs, h)
    if symmetric:
        n = point.shape[0]
        grad = np.zeros((n, n))
        for row, (_, (i, j)) in zip(g, dirs):
            grad[i, j] = row[0]
        return grad
    return kind.arrange(np, g, fshape, vshape, layout)


def check_formula(function: Expr, variables, symbols: dict, layout: str, formula,
                  trials: int = 3, seed: int = 0, tolerance: float = 1e-6,
                  function_value=None, guard=(), convention: str = "sym",
                  constraints=()) -> CheckReport:
    """Compare `formula(env)` (the printed derivative, evaluated) with finite
    differences of `function` at random inputs; `function_value(env)` may replace
    the evaluation of `function` (an independent oracle in tests). `variables` is the
    variable, or two for a second derivative (differences of differences)."""
    np = _np()
    if isinstance(variables, Sym):
        variables = (variables,)
    rng = np.random.default_rng(seed)
    worst = 0.0
    all_sizes = []
    done = 0
    attempts = 0
    while done < trials and attempts < 20 * trials:
        attempts += 1
        sizes = choose_sizes(symbols, rng, exprs=(function,) + tuple(guard),
                             constraints=constraints)
        env = random_inputs(symbols, sizes, rng, integers=integer_names((function,)),
                            domains=domains_of((function,)))
        for name, dims in index_ranges((function,)).items():
            env[name] = int(rng.integers(min(size_of(d, sizes) for d in dims)))
        value = function_value if function_value is not None else (
            lambda en, _s=sizes: evaluate(function, en, _s))
        if not well_conditioned((function,) + tuple(guard), env, sizes):
            continue
        with np.errstate(all="ignore"):
            try:
                f0 = np.asarray(value(env), dtype=float)
            except NumericError:
                continue
        if not np.all(np.isfinite(f0)):
            continue
        fshape = tuple(size_of(d, sizes) for d in function.shape)
        with np.errstate(all="ignore"):
            if len(variables) == 1:
                ref = numeric_derivative(value, env, variables[0], fshape, layout, convention)
            else:
                ref = second_derivative(value, env, variables, fshape, layout, sizes)
        if not np.all(np.isfinite(ref)):
            continue
        got = formula(env)
        worst = max(worst, compare(got, ref))
        all_sizes.append(sizes)
        done += 1
    if done == 0:
        raise NumericError("no random input gave a finite value away from singular matrices "
                           "and the kinks of abs, relu, sign and step")
    return CheckReport(worst, done, all_sizes, worst <= tolerance, tolerance)


def second_derivative(value, env: dict, variables, fshape, layout: str, sizes: dict):
    """d/dB of (d value / dA, a scalar's taken as the gradient), by nested differences,
    in the contract's arrangement for `layout`."""
    np = _np()
    a, b = variables
    ashape = (1, 1) if a.is_scalar else (size_of(a.rows, sizes), size_of(a.cols, sizes))
    scalar_f = fshape == (1, 1)

    def first(e2):
        d = numeric_derivative(value, e2, a, fshape, "denominator" if scalar_f else "numerator",
                               h=2e-3)
        return d

    gshape = ashape if scalar_f and not a.is_scalar else np.shape(_as2d(first(env)))
    bshape = (1, 1) if b.is_scalar else (size_of(b.rows, sizes), size_of(b.cols, sizes))
    sk = second_kind(fshape, ashape, bshape)

    def g_value(e2):
        d = np.asarray(first(e2), dtype=float)
        if d.ndim == 1 and len(gshape) == 2 and gshape[1] == 1:
            return d
        return d.reshape(gshape) if d.size == gshape[0] * gshape[1] and d.ndim == 2 else d

    point = _as2d(env[b.name])

    def at(v):
        e2 = dict(env)
        e2[b.name] = float(v.reshape(())) if b.is_scalar else (v.reshape(-1) if b.is_col else v)
        return g_value(e2)

    dirs = directions(point.shape, False)
    g = finite_difference(at, point, dirs, h=2e-3)
    return sk.second.arrange(np, g, tuple(gshape) if len(gshape) == 2 else (gshape[0], 1),
                             bshape, layout)


def eval_numpy_code(code: str, env: dict):
    """Evaluate generated NumPy code with the inputs (named as `py_name` spells them)."""
    from .codegen.printer import py_name

    np = _np()
    import scipy
    import scipy.linalg  # noqa: F401

    ns = {"np": np, "scipy": scipy}
    for k, v in env.items():
        ns[py_name(k)] = v
    with np.errstate(all="ignore"):
        return eval(code, ns)   # noqa: S307 - our own generated code
