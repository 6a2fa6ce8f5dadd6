"""Element-wise functions whose derivative SymPy derives: arcsinh arccosh arctanh sec csc
cot.

The built-in functions (`elementwise`) carry their derivatives; these are the ones
whose f' is left to SymPy. SymPy differentiates f and simplifies; the result is
turned into an element-wise expression of the argument (sums, products, powers and
built-in functions; a number in a sum acts on every entry). SymPy is imported only
when a function's derivative is not yet known: formulas are kept, as small JSON
trees, in a cache file next to the parser's (keyed by the SymPy version), so a shell
loop pays SymPy's import once.
"""

from __future__ import annotations

import json
import os
import tempfile
from fractions import Fraction
from functools import lru_cache

from .. import build as B
from ..errors import UnsupportedError
from ..expr import Expr
from .common import elementwise

# name -> (SymPy's name, NumPy spelling, summary)
DERIVED = {
    "arcsinh": ("asinh", "np.arcsinh", "inverse hyperbolic sine"),
    "arccosh": ("acosh", "np.arccosh", "inverse hyperbolic cosine", (1, None)),
    "arctanh": ("atanh", "np.arctanh", "inverse hyperbolic tangent", (-1, 1)),
    "sec": ("sec", "1/np.cos({0})", "secant"),
    "csc": ("csc", "1/np.sin({0})", "cosecant"),
    "cot": ("cot", "1/np.tan({0})", "cotangent"),
}
# SymPy's function names that may appear in a derivative, and matdiff's
_KNOWN = {"exp": "exp", "log": "log", "sin": "sin", "cos": "cos", "tan": "tan", "tanh": "tanh",
          "sinh": "sinh", "cosh": "cosh", "sqrt": "sqrt", "sec": "sec", "csc": "csc",
          "cot": "cot", "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh"}

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
    return os.path.join(d, f".matdiff-derived-sympy-{tag}.json")


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


def formula(name: str) -> list:
    """f'(u) for the function `name` as a JSON tree (SymPy's, simplified)."""
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

    u = sympy.Symbol("u", positive=True)
    f = getattr(sympy, DERIVED[name][0])(u)
    for form in (sympy.diff(f, u), sympy.simplify(sympy.diff(f, u))):
        try:
            return _tree(form, u)
        except _NoForm:
            continue
    return []


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
    if e.is_Function and len(e.args) == 1 and type(e).__name__ in _KNOWN:
        return ["fn", _KNOWN[type(e).__name__], _tree(e.args[0], u)]
    raise _NoForm


def _convert(t, arg: Expr) -> Expr:
    op = t[0]
    if op == "u":
        return arg
    if op == "num":
        return B.mul(B.num(Fraction(t[1], t[2])), B.ones(arg.shape))
    if op == "add":
        return B.add(*(_convert(x, arg) for x in t[1]))
    if op == "mul":
        return B.had(*(_convert(x, arg) for x in t[1]))
    if op == "pow":
        return B.hadpow(_convert(t[1], arg), Fraction(t[2], t[3]))
    if op == "fn":
        return B.fn(t[1], _convert(t[2], arg))
    raise _NoForm


def derivative(name: str, arg: Expr) -> Expr:
    tree = formula(name)
    if not tree:
        raise UnsupportedError(f"SymPy gives no element-wise form of the derivative of {name}()")
    return _convert(tree, arg)


for _name, (_sympy, _numpy, _summary, *_domain) in DERIVED.items():
    elementwise(_name, _summary, deriv=lambda u, _n=_name: derivative(_n, u), numpy=_numpy,
                derivative="derived by SymPy", latex=rf"\operatorname{{{_name}}}",
                spellings=(_sympy,) if _sympy != _name else (),
                domain=_domain[0] if _domain else None)
