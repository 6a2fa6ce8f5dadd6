"""One-variable calculus by SymPy: the derivative f' of a named scalar function.

The differential rules need f' for f(s) (a scalar), f(U) applied element-wise
(d f(U) = f'(U) ∘ dU) and the matrix function g(U) (d g(U) = g'(U) dU when dU
commutes with U). SymPy differentiates f and simplifies; the result is turned
back into an expression of the argument:

* for a scalar argument, any SymPy result will do;
* element-wise, the result must be a product of powers (a constant term has no
  element-wise meaning here), so `1 - tanh(u)**2` is taken in SymPy's simplified
  form `cosh(u)**-2`;
* for a matrix function, products are matrix products of commuting functions of
  U, powers are matrix powers and a constant c is c·I.

SymPy is imported only when a function's derivative is not yet known: formulas
are kept, as small JSON trees, in a cache file next to the parser's (keyed by
the SymPy version), so a shell loop pays SymPy's import once.
"""

from __future__ import annotations

import json
import os
import tempfile
from fractions import Fraction
from functools import lru_cache

from . import build as B
from .errors import UnsupportedError
from .expr import Expr, Ident, Num
from .functions import MATRIX_OF_SCALAR, SCALAR_FUNCTIONS

# A formula is a JSON tree over the argument u:
#   ["u"] | ["num", p, q] | ["add", [t...]] | ["mul", [t...]] | ["pow", t, p, q] | ["fn", name, t]


class _NoForm(Exception):
    pass


def _cache_path() -> str | None:
    try:
        from importlib.metadata import version
        tag = version("sympy")
    except Exception:   # noqa: BLE001 - no metadata: no cache
        return None
    d = os.environ.get("MATDIFF_CACHE_DIR") or tempfile.gettempdir()
    return os.path.join(d, f".matdiff-derivatives-sympy-{tag}.json")


def _load_cache() -> dict:
    path = _cache_path()
    if path is None:
        return {}
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_cache(data: dict) -> None:
    path = _cache_path()
    if path is None:
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except OSError:
        pass


_CACHE: dict | None = None


def formulas(name: str) -> list:
    """The forms of f'(u) for the function `name`: as differentiated, then simplified."""
    global _CACHE
    if _CACHE is None:
        _CACHE = _load_cache()
    if name not in _CACHE:
        _CACHE[name] = _derive(name)
        _save_cache(_CACHE)
    return _CACHE[name]


@lru_cache(maxsize=None)
def _derive(name: str) -> list:
    import sympy

    u = sympy.Symbol("u")
    d = sympy.diff(getattr(sympy, name)(u), u)
    forms = [d]
    s = sympy.simplify(d)
    if s != d:
        forms.append(s)
    out = []
    for f in forms:
        try:
            out.append(_tree(f, u))
        except _NoForm:
            continue
    return out


def _tree(e, u):
    """A SymPy expression as a JSON tree (raises _NoForm for what has no tree)."""
    if e == u:
        return ["u"]
    if e.is_Rational:
        return ["num", int(e.p), int(e.q)]
    if e.is_Add:
        return ["add", [_tree(t, u) for t in e.args]]
    if e.is_Mul:
        return ["mul", [_tree(t, u) for t in e.args]]
    if e.is_Pow:
        base, p = e.args
        if not p.is_Rational:
            raise _NoForm
        return ["pow", _tree(base, u), int(p.p), int(p.q)]
    if e.is_Function and len(e.args) == 1 and type(e).__name__ in SCALAR_FUNCTIONS:
        return ["fn", type(e).__name__, _tree(e.args[0], u)]
    raise _NoForm


def derivative(name: str, arg: Expr, mode: str) -> Expr:
    """f'(arg) for the scalar function `name`; mode is 'scalar', 'elementwise' or 'matrix'."""
    if name not in SCALAR_FUNCTIONS:
        raise UnsupportedError(f"no derivative known for {name}()")
    for form in formulas(name):
        try:
            return _convert(form, arg, mode)
        except _NoForm:
            continue
    where = {"elementwise": "element-wise", "matrix": "to a matrix"}.get(mode, "")
    raise UnsupportedError(f"the derivative of {name}() applied {where} has no closed form here")


def _convert(t, arg: Expr, mode: str) -> Expr:
    op = t[0]
    if op == "u":
        return arg
    if op == "num":
        q = Fraction(t[1], t[2])
        if mode == "matrix":
            return B.mul(Num(q), Ident(arg.rows))
        if mode == "elementwise":
            raise _NoForm
        return Num(q)
    if op == "add":
        if mode == "elementwise" and any(x[0] == "num" for x in t[1]):
            raise _NoForm
        return B.add(*(_convert(x, arg, mode) for x in t[1]))
    if op == "mul":
        c = Fraction(1)
        parts = []
        for x in t[1]:
            if x[0] == "num":
                c *= Fraction(x[1], x[2])
            else:
                parts.append(_convert(x, arg, mode))
        if mode == "elementwise":
            if not parts:
                raise _NoForm
            return B.mul(Num(c), B.had(*parts))
        return B.mul(Num(c), *parts)
    if op == "pow":
        q = Fraction(t[2], t[3])
        b = _convert(t[1], arg, mode)
        if mode == "elementwise":
            return B.hadpow(b, q)
        if mode == "matrix":
            if q.denominator == 2:          # u^(k/2) = sqrtm(U)^k
                return B.power(B.matfn("sqrtm", b), q.numerator)
            if q.denominator != 1:
                raise _NoForm
        return B.power(b, q)
    if op == "fn":
        inner = _convert(t[2], arg, mode)
        if mode == "matrix":
            mname = MATRIX_OF_SCALAR.get(t[1])
            if mname is None:
                raise _NoForm
            return B.matfn(mname, inner)
        return B.fn(t[1], inner)
    raise _NoForm
