"""Canonical keys: equality of expressions up to the algebra's symmetries.

`key(e)` is a hashable value equal for expressions that are equal because
scalars commute, terms of a sum commute, a transpose can be pushed to the
leaves, a 1x1 product equals its transpose, a trace is invariant under cyclic
shifts and transposition (tr(A B C) = tr(C A B) = tr(Cᵀ Bᵀ Aᵀ)), det(Xᵀ) = det(X)
and ‖Xᵀ‖ = ‖X‖. Rewrite rules compare keys, never printed forms; `tkey(e)` is
the key of eᵀ without building it.
"""

from __future__ import annotations

from fractions import Fraction

from ..expr import (Add, Adj, Call, Cross, Deriv, Det, Diag, DiagOf, Diff, Expr, Fn, Frechet, Had,
                    HadPow, Ident, Kron, LogDet, MatFn, MatPow, Mul, Norm, Num, Pinv, Pow,
                    Skew, Sym, T, Tr, Zero)

_KEY: dict = {}
_TKEY: dict = {}


def _sym_const(e: Expr) -> bool:
    return e.is_scalar or (isinstance(e, Sym) and e.symmetric)


def key(e: Expr):
    k = _KEY.get(e)
    if k is None:
        k = _key(e, False)
        if len(_KEY) > 200_000:
            _KEY.clear()
        _KEY[e] = k
    return k


def tkey(e: Expr):
    """The key of the transpose of e."""
    if e.is_scalar:
        return key(e)
    k = _TKEY.get(e)
    if k is None:
        k = _key(e, True)
        if len(_TKEY) > 200_000:
            _TKEY.clear()
        _TKEY[e] = k
    return k


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


def _key(e: Expr, t: bool):
    if isinstance(e, Num):
        return ("n", e.value)
    if isinstance(e, Sym):
        return ("s", e.name, "T" if t and not _sym_const(e) else "")
    if isinstance(e, Ident):
        return ("I", str(e.n))
    if isinstance(e, Zero):
        r, c = e.shape
        return ("0", str(c), str(r)) if t else ("0", str(r), str(c))
    if isinstance(e, Diff):
        return ("d", e.var.name, "T" if t and not e.is_scalar else "")
    if isinstance(e, Call):
        return ("c", e.name, tuple(key(a) for a in e.args), "T" if t and not e.is_scalar else "")
    if isinstance(e, Deriv):
        return ("D", e.fn.name, key(e.wrt), "T" if t and not e.is_scalar else "")
    if isinstance(e, T):
        return _k(e.arg, not t)
    if isinstance(e, Add):
        return ("+",) + tuple(sorted(_k(x, t) for x in e.terms))
    if isinstance(e, Mul):
        return mul_key(e, t)
    if isinstance(e, Pow):
        return ("^", key(e.base), e.exp)
    if isinstance(e, MatPow):
        return ("M", _k(e.base, t), e.n)
    if isinstance(e, Tr):
        a = e.arg
        if isinstance(a, Mul) and not a.scalars and a.coeff == 1:
            return chain_trace_key(a.chain)
        return chain_trace_key((a,))
    if isinstance(e, Det):
        return ("det", min(key(e.arg), tkey(e.arg)))
    if isinstance(e, LogDet):
        return ("logdet", min(key(e.arg), tkey(e.arg)))
    if isinstance(e, Norm):
        return ("norm", min(key(e.arg), tkey(e.arg)))
    if isinstance(e, Adj):
        return ("adj", _k(e.arg, t))
    if isinstance(e, Pinv):
        return ("pinv", _k(e.arg, t))
    if isinstance(e, Kron):
        return ("kron", _k(e.a, t), _k(e.b, t))
    if isinstance(e, Had):
        return ("had",) + tuple(sorted(_k(x, t) for x in e.factors))
    if isinstance(e, HadPow):
        return ("hp", _k(e.base, t), e.exp)
    if isinstance(e, Cross):
        return ("x", key(e.a), key(e.b), "T" if t else "")
    if isinstance(e, Fn):
        return ("f", e.name, _k(e.arg, t))
    if isinstance(e, MatFn):
        return ("F", e.name, _k(e.arg, t))
    if isinstance(e, Diag):
        return ("diag", key(e.arg))
    if isinstance(e, DiagOf):
        return ("diagof", min(key(e.arg), tkey(e.arg)), "T" if t else "")
    if isinstance(e, Skew):
        return ("skew", key(e.arg), "T" if t else "")
    if isinstance(e, Frechet):
        return ("fr", e.name, _k(e.arg, t), _k(e.darg, t))
    raise TypeError(f"no key for {type(e).__name__}")


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
    if isinstance(f, Cross) and key(f.b) < key(f.a):
        return -1, Cross(f.b, f.a)
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
