"""Canonical keys: equality of expressions up to the algebra's symmetries.

`key(e)` is a hashable value equal for expressions that are equal because
scalars commute, terms of a sum commute, a transpose can be pushed to the
leaves, a 1x1 product equals its transpose, a trace is invariant under cyclic
shifts and transposition (tr(A B C) = tr(C A B) = tr(Cᵀ Bᵀ Aᵀ)), and det, logdet
and norms do not see a transpose. Rewrite rules compare keys, never printed forms;
`tkey(e)` is the key of eᵀ.
"""

from __future__ import annotations

from fractions import Fraction

from .. import build as B
from ..expr import (Add, Call, Commutation, Deriv, Diff, Expr, Fn, Had, HadPow, Ident, Index,
                    Kron, MatPow, Mul, Num, Ones, Pow, Sym, T, Zero)
from ..ops import record

_KEY: dict = {}
_TKEY: dict = {}


def _cached(cache: dict, e: Expr, t: bool):
    k = cache.get(e)
    if k is None:
        k = _key(e, t)
        if len(cache) > 200_000:
            cache.clear()
        cache[e] = k
    return k


def key(e: Expr):
    return _cached(_KEY, e, False)


def tkey(e: Expr):
    """The key of the transpose of e."""
    if B.is_symmetric(e):
        return key(e)
    return _cached(_TKEY, e, True)


def _k(e: Expr, t: bool):
    return tkey(e) if t else key(e)


def chain_trace_key(chain) -> tuple:
    """The key of tr(chain): the least of its cyclic shifts, of it and of its transpose."""
    ks = [key(f) for f in chain]
    tks = [tkey(f) for f in reversed(chain)]
    n = len(ks)
    best = None
    for seq in (ks, tks):
        for i in range(n):
            cand = tuple(seq[i:] + seq[:i])
            if best is None or cand < best:
                best = cand
    return ("tr", best)


def _flag(e: Expr, t: bool) -> str:
    return "T" if t and not B.is_symmetric(e) else ""


def _shape_key(shape, t: bool):
    r, c = (str(d) for d in shape)
    return (c, r) if t else (r, c)


def _key(e: Expr, t: bool):
    if isinstance(e, Num):
        return ("n", e.value)
    if isinstance(e, Sym):
        return ("s", e.name, _flag(e, t))
    if isinstance(e, Ident):
        return ("I", str(e.n))
    if isinstance(e, Zero):
        return ("0",) + _shape_key(e.shape, t)
    if isinstance(e, Ones):
        return ("1",) + _shape_key(e.shape, t)
    if isinstance(e, Commutation):
        return ("K", str(e.n), str(e.m)) if t else ("K", str(e.m), str(e.n))
    if isinstance(e, Diff):
        return ("d", e.var.name, _flag(e, t))
    if isinstance(e, Call):
        return ("c", e.name, tuple(key(a) for a in e.args), _flag(e, t))
    if isinstance(e, Deriv):
        return ("D", e.fn.name, tuple(key(w) for w in e.wrts), _flag(e, t))
    if isinstance(e, Index):
        return ("[]", key(e.arg) if e.arg is not None else ("",), e.i, e.j or "", _flag(e, t))
    if isinstance(e, T):
        return _k(e.arg, not t)
    if isinstance(e, Add):
        return ("+",) + tuple(sorted(_k(x, t) for x in e.terms))
    if isinstance(e, Mul):
        return mul_key(e, t)
    if isinstance(e, Pow):
        return ("^", key(e.base), key(e.exp))
    if isinstance(e, MatPow):
        b = e.base
        if isinstance(b, Mul) and not b.scalars and b.coeff == 1 and e.exp == Num(Fraction(-1)) \
                and all(f.is_square for f in b.chain):          # (A B)⁻¹ = B⁻¹ A⁻¹
            return _k(Mul(tuple(MatPow(f, e.exp) for f in reversed(b.chain))), t)
        return ("M", _k(b, t), key(e.exp))
    if isinstance(e, Kron):
        return ("kron", _k(e.a, t), _k(e.b, t))
    if isinstance(e, Had):
        return ("had",) + tuple(sorted(_k(x, t) for x in e.factors))
    if isinstance(e, HadPow):
        return ("hp", _k(e.base, t), key(e.exp))
    if isinstance(e, Fn):
        return fn_key(e, t)
    raise TypeError(f"no key for {type(e).__name__}")


def fn_key(e: Fn, t: bool):
    if e.op == "tr":
        a = e.arg
        if isinstance(a, Mul) and not a.scalars and a.coeff == 1:
            return chain_trace_key(a.chain)
        return chain_trace_key((a,))
    rec = record(e.op)
    if rec.extra.get("transpose_invariant"):
        return ("f", e.op, (min(key(e.arg), tkey(e.arg)),), _flag(e, t))
    if t and not B.is_symmetric(e):
        if rec.elementwise:
            return ("f", e.op, (tkey(e.arg),), "")
        if rec.transpose is not None:
            moved = rec.transpose(e)
            if not (isinstance(moved, T) and moved.arg == e):
                return key(moved)
        return ("f", e.op, tuple(key(a) for a in e.args), "T")
    return ("f", e.op, tuple(key(a) for a in e.args), "")


def mul_key(e: Mul, t: bool):
    chain = e.chain
    if e.is_scalar and chain and not e.scalars and e.coeff == 1:
        return chain_trace_key(chain)           # a 1x1 product, e.g. xᵀ A y
    scal = tuple(sorted(key(s) for s in e.scalars))
    if t:
        ch = tuple(tkey(f) for f in reversed(chain))
    else:
        ch = tuple(key(f) for f in chain)
    return ("*", e.coeff, scal, ch)


def _oriented(f: Expr):
    """(sign, f) with a cross product's operands in a fixed order: b × a = −(a × b)."""
    if isinstance(f, Fn) and f.op == "cross" and key(f.args[1]) < key(f.args[0]):
        return -1, Fn("cross", (f.args[1], f.args[0]))
    return 1, f


def _oriented_scalar(s: Expr):
    if isinstance(s, Mul) and not s.scalars and s.coeff == 1:     # a 1x1 chain: xᵀ (a × x)
        sign, chain = 1, []
        for f in s.chain:
            g, f2 = _oriented(f)
            sign *= g
            chain.append(f2)
        return sign, chain_trace_key(tuple(chain))
    return 1, key(s)


def monomial(e: Expr) -> tuple[Fraction, tuple]:
    """(coefficient, key of the rest) of a term of a sum, for collecting like terms; cross
    products are read in a fixed order, their sign going into the coefficient."""
    if isinstance(e, Num):
        return e.value, ("*", Fraction(1), (), ())
    if isinstance(e, Mul) and not (e.is_scalar and not e.scalars and e.coeff == 1):
        coeff, scal, chain = e.coeff, list(e.scalars), list(e.chain)
    elif e.is_scalar:
        coeff, scal, chain = Fraction(1), [e], []
    else:
        coeff, scal, chain = Fraction(1), [], [e]
    keys = []
    for s in scal:
        sign, k = _oriented_scalar(s)
        coeff *= sign
        keys.append(k)
    ch = []
    for f in chain:
        sign, f2 = _oriented(f)
        coeff *= sign
        ch.append(key(f2))
    return coeff, ("*", Fraction(1), tuple(sorted(keys)), tuple(ch))


def same(a: Expr, b: Expr) -> bool:
    return a == b or key(a) == key(b)
