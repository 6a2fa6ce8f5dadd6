"""One-variable calculus by SymPy: the derivative f' of a named scalar function.

The differential rules need f' for f(s) (a scalar), f(U) applied element-wise
(d f(U) = f'(U) ∘ dU) and the matrix function g(U) (d g(U) = g'(U) dU when dU
commutes with U). SymPy differentiates f, simplifies, and the result is turned
back into an expression of the argument:

* for a scalar argument, any SymPy result will do;
* element-wise, the result must be a product of powers (a constant term has no
  element-wise meaning here), so `1 - tanh(u)**2` is taken in SymPy's simplified
  form `cosh(u)**-2`;
* for a matrix function, products are matrix products of commuting functions of
  U, powers are matrix powers and a constant c is c·I.

SymPy is imported only when one of these functions is differentiated.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from . import build as B
from .errors import UnsupportedError
from .expr import Expr, Ident, Num
from .functions import MATRIX_OF_SCALAR, SCALAR_FUNCTIONS


class _NoForm(Exception):
    pass


@lru_cache(maxsize=None)
def _candidates(name: str):
    """SymPy forms of f'(u): as differentiated, then simplified."""
    import sympy

    u = sympy.Symbol("u")
    f = getattr(sympy, name)
    d = sympy.diff(f(u), u)
    forms = [d]
    s = sympy.simplify(d)
    if s != d:
        forms.append(s)
    return u, tuple(forms)


def derivative(name: str, arg: Expr, mode: str) -> Expr:
    """f'(arg) for the scalar function `name`; mode is 'scalar', 'elementwise' or 'matrix'."""
    if name not in SCALAR_FUNCTIONS:
        raise UnsupportedError(f"no derivative known for {name}()")
    u, forms = _candidates(name)
    for form in forms:
        try:
            return _convert(form, u, arg, mode)
        except _NoForm:
            continue
    raise UnsupportedError(f"the derivative of {name}() applied {mode.replace('elementwise', 'element-wise')} "
                           f"has no closed form here ({forms[0]})")


def _convert(e, u, arg: Expr, mode: str) -> Expr:
    import sympy

    if e == u:
        return arg
    if e.is_Rational or e.is_Integer:
        q = Fraction(int(e.p), int(e.q))
        if mode == "matrix":
            return B.mul(Num(q), Ident(arg.rows))
        if mode == "elementwise":
            raise _NoForm
        return Num(q)
    if e.is_Add:
        if mode == "elementwise" and any(t.is_number for t in e.args):
            raise _NoForm
        return B.add(*(_convert(t, u, arg, mode) for t in e.args))
    if e.is_Mul:
        consts = [t for t in e.args if t.is_number]
        rest = [t for t in e.args if not t.is_number]
        c = Fraction(1)
        for t in consts:
            if not t.is_Rational:
                raise _NoForm
            c *= Fraction(int(t.p), int(t.q))
        parts = [_convert(t, u, arg, mode) for t in rest]
        if mode == "elementwise":
            core = B.had(*parts) if parts else None
            if core is None:
                raise _NoForm
            return B.mul(Num(c), core)
        return B.mul(Num(c), *parts)
    if e.is_Pow:
        base, p = e.args
        if not p.is_Rational:
            raise _NoForm
        q = Fraction(int(p.p), int(p.q))
        b = _convert(base, u, arg, mode)
        if mode == "elementwise":
            return B.hadpow(b, q)
        if mode == "matrix":
            if q.denominator == 2:          # u^(k/2) = sqrtm(U)^k
                return B.power(B.matfn("sqrtm", b), q.numerator)
            if q.denominator != 1:
                raise _NoForm
            return B.power(b, q)
        return B.power(b, q)
    if isinstance(e, sympy.Function) or e.is_Function:
        name = type(e).__name__
        if name not in SCALAR_FUNCTIONS or len(e.args) != 1:
            raise _NoForm
        inner = _convert(e.args[0], u, arg, mode)
        if mode == "matrix":
            mname = MATRIX_OF_SCALAR.get(name)
            if mname is None:
                raise _NoForm
            return B.matfn(mname, inner)
        return B.fn(name, inner)
    raise _NoForm
