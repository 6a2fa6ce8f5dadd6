"""Smart constructors: build expression nodes in a tidy normal shape.

They do only bookkeeping that never changes the printed meaning: flattening
nested sums and products, folding numbers, dropping zeros and identities,
putting a product's numbers first and its scalars before its chain of matrix
factors, and cutting 1x1 stretches out of a chain as scalar factors
(x aᵀ b cᵀ = (aᵀ b) x cᵀ). Rewrites that need judgement live in `matdiff.simplify`.
"""

from __future__ import annotations

from fractions import Fraction

from .expr import (SCALAR, Add, Adj, Cross, Det, Diag, DiagOf, Expr, Fn, Had, HadPow, Ident, Kron,
                   LogDet, MatFn, MatPow, Mul, Norm, Num, Pinv, Pow, Skew, Sym, T, Tr, Zero)


def zero(shape) -> Expr:
    """The zero of `shape`: the number 0 for scalars."""
    return Num(Fraction(0)) if tuple(shape) == SCALAR else Zero(tuple(shape))


def is_zero(e: Expr) -> bool:
    return isinstance(e, Zero) or (isinstance(e, Num) and e.value == 0)


def is_one(e: Expr) -> bool:
    return isinstance(e, Num) and e.value == 1


# ---------------------------------------------------------------------------
# sums


def add(*terms: Expr) -> Expr:
    flat: list[Expr] = []
    shape = None
    number = Fraction(0)
    number_at = None
    for t in terms:
        if shape is None:
            shape = t.shape
        parts = t.terms if isinstance(t, Add) else (t,)
        for p in parts:
            if is_zero(p):
                continue
            if isinstance(p, Num):
                if number_at is None:
                    number_at = len(flat)
                    flat.append(p)
                number += p.value
                continue
            flat.append(p)
    if number_at is not None:
        if number == 0:
            flat.pop(number_at)
        else:
            flat[number_at] = Num(number)
    if shape is None:
        raise ValueError("add() needs at least one term")
    if not flat:
        return zero(shape)
    if len(flat) == 1:
        return flat[0]
    return Add(tuple(flat))


def neg(e: Expr) -> Expr:
    return mul(Num(Fraction(-1)), e)


def sub(a: Expr, b: Expr) -> Expr:
    return add(a, neg(b))


# ---------------------------------------------------------------------------
# products


def _simple_scalar(e: Expr) -> bool:
    return isinstance(e, Sym) or (isinstance(e, Pow) and isinstance(e.base, Sym))


def split_chain(chain: list[Expr]) -> tuple[list[Expr], list[Expr]]:
    """Cut the 1x1 stretches out of a chain: (scalar factors, remaining chain)."""
    if len(chain) < 2:
        return [], chain
    dims = [chain[0].rows] + [f.cols for f in chain]
    bounds = [i for i, d in enumerate(dims) if d == 1]
    taken: set[int] = set()
    scalars: list[Expr] = []
    for b0, b1 in zip(bounds, bounds[1:]):
        if b1 - b0 >= 2:
            scalars.append(Mul(tuple(chain[b0:b1])))
            taken.update(range(b0, b1))
    if not scalars:
        return [], chain
    return scalars, [f for i, f in enumerate(chain) if i not in taken]


def mul(*factors: Expr) -> Expr:
    """The product of the factors, in order (scalars commute, matrices do not)."""
    coeff = Fraction(1)
    scalars: list[Expr] = []
    chain: list[Expr] = []
    is_zero_product = False

    def absorb(f: Expr) -> None:
        nonlocal coeff, is_zero_product
        if isinstance(f, Num):
            coeff *= f.value
        elif isinstance(f, Zero):
            is_zero_product = True
            if not f.is_scalar:
                chain.append(f)
        elif isinstance(f, Mul):
            if f.is_scalar and not f.scalars and f.coeff == 1:
                scalars.append(f)          # a 1x1 chain such as xᵀ A x stays whole
                return
            coeff *= f.coeff
            scalars.extend(f.scalars)
            chain.extend(f.chain)
        elif f.is_scalar:
            scalars.append(f)
        else:
            chain.append(f)

    for f in factors:
        absorb(f)
    shape = (chain[0].rows, chain[-1].cols) if chain else SCALAR
    if is_zero_product or coeff == 0:
        return zero(shape)
    if any(isinstance(f, Ident) for f in chain):
        kept = [f for f in chain if not isinstance(f, Ident)]
        chain = kept if kept else [Ident(shape[0])]
    more, chain = split_chain(chain)
    scalars.extend(more)
    scalars = [s for s in scalars if _simple_scalar(s)] + [s for s in scalars if not _simple_scalar(s)]
    out: list[Expr] = ([Num(coeff)] if coeff != 1 else []) + scalars + chain
    if not out:
        return Num(Fraction(1))
    if len(out) == 1:
        return out[0]
    return Mul(tuple(out))


def divide(a: Expr, b: Expr) -> Expr:
    """a / b for a scalar b."""
    if isinstance(b, Num):
        return mul(Num(1 / b.value), a)
    return mul(a, power(b, Fraction(-1)))


# ---------------------------------------------------------------------------
# transposes and powers


def transpose(e: Expr) -> Expr:
    if e.is_scalar or isinstance(e, Ident):
        return e
    if isinstance(e, Sym) and e.symmetric:
        return e
    if isinstance(e, T):
        return e.arg
    if isinstance(e, Zero):
        return Zero((e.cols, e.rows))
    return T(e)


def power(e: Expr, p) -> Expr:
    """e^p: a rational power of a scalar, or an integer power of a square matrix."""
    p = Fraction(p)
    if p == 1:
        return e
    if e.is_scalar:
        if p == 0:
            return Num(Fraction(1))
        if isinstance(e, Num):
            if p.denominator == 1 and (e.value != 0 or p > 0):
                return Num(e.value ** p.numerator)
            return Pow(e, p)
        return Pow(e, p)
    if p.denominator != 1:
        raise ValueError("matrix powers must be integers")
    n = int(p)
    if isinstance(e, Ident):
        return e
    if n == 0:
        return Ident(e.rows)
    return MatPow(e, n)


def inv(e: Expr) -> Expr:
    return power(e, -1)


# ---------------------------------------------------------------------------
# functions


def trace(e: Expr) -> Expr:
    if e.is_scalar:
        return e
    if isinstance(e, Zero):
        return zero(SCALAR)
    return Tr(e)


def det(e: Expr) -> Expr:
    if e.is_scalar:
        return e
    if isinstance(e, Ident):
        return Num(Fraction(1))
    return Det(e)


def logdet(e: Expr) -> Expr:
    if e.is_scalar:
        return Fn("log", e)
    return LogDet(e)


def adj(e: Expr) -> Expr:
    if e.is_scalar:
        return Num(Fraction(1))
    if isinstance(e, Ident):
        return e
    return Adj(e)


def pinv(e: Expr) -> Expr:
    if e.is_scalar:
        return power(e, -1)
    return Pinv(e)


def norm(e: Expr) -> Expr:
    return Norm(e)


def kron(a: Expr, b: Expr) -> Expr:
    if a.is_scalar or b.is_scalar:
        return mul(a, b)
    if is_zero(a) or is_zero(b):
        return zero(Kron(a, b).shape)
    return Kron(a, b)


def had(*factors: Expr) -> Expr:
    """The Hadamard product; scalar factors multiply the whole."""
    flat: list[Expr] = []
    scal: list[Expr] = []
    for f in factors:
        if isinstance(f, Had):
            flat.extend(f.factors)
        elif f.is_scalar:
            scal.append(f)
        else:
            flat.append(f)
    if not flat:
        return mul(*scal)
    if any(is_zero(f) for f in flat):
        return zero(flat[0].shape)
    core = flat[0] if len(flat) == 1 else Had(tuple(flat))
    return mul(*scal, core) if scal else core


def hadpow(e: Expr, p) -> Expr:
    p = Fraction(p)
    if e.is_scalar:
        return power(e, p)
    if p == 1:
        return e
    return HadPow(e, p)


def cross(a: Expr, b: Expr) -> Expr:
    if is_zero(a) or is_zero(b):
        return zero(a.shape)
    return Cross(a, b)


def fn(name: str, e: Expr) -> Expr:
    return Fn(name, e)


def matfn(name: str, e: Expr) -> Expr:
    return MatFn(name, e)


def diag(e: Expr) -> Expr:
    """diag(v), the diagonal matrix of a vector; diag(M), the diagonal of a square matrix."""
    if e.is_matrix:
        if is_zero(e):
            return zero((e.rows, 1))
        if isinstance(e, Diag) and e.arg.is_col:
            return e.arg
        return DiagOf(e)
    if is_zero(e):
        return zero(Diag(e).shape)
    return Diag(e)


def skew(e: Expr) -> Expr:
    if is_zero(e):
        return zero((e.rows, e.rows))
    return Skew(e)
