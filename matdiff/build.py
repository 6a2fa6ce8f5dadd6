"""Smart constructors: build expression nodes in a tidy normal shape.

They do only bookkeeping that never changes the meaning: flattening nested sums
and products, folding numbers, dropping zeros, ones and identities, putting a
product's numbers first and its scalars before its chain of matrix factors, and
cutting 1x1 stretches out of a chain as scalar factors (x aᵀ b cᵀ = (aᵀ b) x cᵀ).
A named operation is built by its record's `build` (`fn`). Rewrites that need
judgement live in `matdiff.simplify`.
"""

from __future__ import annotations

from fractions import Fraction

from .expr import (SCALAR, Add, Commutation, Diff, Expr, Fn, Had, HadPow, Ident, Kron, MatPow,
                   Mul, Num, Ones, Pow, Sym, T, Zero, dim_mul, int_value, num_value)

ONE = Num(Fraction(1))
MINUS_ONE = Num(Fraction(-1))


def num(v) -> Num:
    return Num(Fraction(v))


def zero(shape) -> Expr:
    """The zero of `shape`: the number 0 for scalars."""
    return Num(Fraction(0)) if tuple(shape) == SCALAR else Zero(tuple(shape))


def ones(shape) -> Expr:
    """The ones of `shape`: the number 1 for scalars."""
    return ONE if tuple(shape) == SCALAR else Ones(tuple(shape))


def is_zero(e: Expr) -> bool:
    return isinstance(e, Zero) or (isinstance(e, Num) and e.value == 0)


def is_one(e: Expr) -> bool:
    return isinstance(e, Num) and e.value == 1


def as_expr(p) -> Expr:
    return p if isinstance(p, Expr) else Num(Fraction(p))


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
    return mul(MINUS_ONE, e)


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
        return ONE
    if len(out) == 1:
        return out[0]
    return Mul(tuple(out))


def divide(a: Expr, b: Expr) -> Expr:
    """a / b for a scalar b."""
    if isinstance(b, Num):
        return mul(Num(1 / b.value), a)
    return mul(a, power(b, -1))


def scalar_part(e: Expr) -> tuple[Expr, Expr]:
    """(s, M) with e = s M: the scalar factors of a product and the rest."""
    if isinstance(e, Mul) and e.chain and (e.scalars or e.coeff != 1):
        return mul(Num(e.coeff), *e.scalars), mul(*e.chain)
    return ONE, e


# ---------------------------------------------------------------------------
# transposes and powers


def is_symmetric(e: Expr) -> bool:
    """Structurally symmetric: scalars, I, K(n, n), symmetric names, and ops known to be."""
    if e.is_scalar or isinstance(e, Ident):
        return True
    if isinstance(e, Sym):
        return e.symmetric
    if isinstance(e, Commutation):
        return e.m == e.n
    if isinstance(e, Fn):
        from .ops import record
        sym = record(e.op).extra.get("symmetric")
        return bool(sym and sym(e))
    if isinstance(e, Had):          # A ∘ I is diagonal; a product of symmetric factors
        return any(isinstance(f, Ident) for f in e.factors) or all(map(is_symmetric, e.factors))
    return False


def transpose(e: Expr) -> Expr:
    if is_symmetric(e):
        return e
    if isinstance(e, T):
        return e.arg
    if isinstance(e, Zero):
        return Zero((e.cols, e.rows))
    if isinstance(e, Ones):
        return Ones((e.cols, e.rows))
    if isinstance(e, Diff) and e.var.symmetric:
        return e
    if isinstance(e, Commutation):
        return Commutation(e.n, e.m)
    return T(e)


def power(e: Expr, p) -> Expr:
    """e^p: a scalar to a scalar power, or a square matrix to an integer power."""
    p = as_expr(p)
    pv = num_value(p)
    if pv == 1:
        return e
    if e.is_scalar:
        if pv == 0:
            return ONE
        if isinstance(e, Num) and pv is not None:
            if pv.denominator == 1 and (e.value != 0 or pv > 0):
                return Num(e.value ** pv.numerator)
            if e.value == 1:
                return ONE
        return Pow(e, p)
    if pv is not None and pv.denominator != 1:
        raise ValueError("matrix powers must be integers")
    if isinstance(e, Ident):
        return e
    if pv == 0:
        return Ident(e.rows)
    return MatPow(e, p)


def inv(e: Expr) -> Expr:
    return power(e, -1)


def exponent_int(e: Expr):
    """The integer exponent of a matrix power, or None when it is symbolic."""
    return int_value(e.exp) if isinstance(e, (MatPow, Pow, HadPow)) else None


# ---------------------------------------------------------------------------
# Kronecker and Hadamard products


def kron(a: Expr, b: Expr) -> Expr:
    if a.is_scalar or b.is_scalar:
        return mul(a, b)
    if a.is_col and b.is_row:           # a ⊗ bᵀ = a bᵀ
        return mul(a, b)
    if a.is_row and b.is_col:           # aᵀ ⊗ b = b aᵀ
        return mul(b, a)
    if is_zero(a) or is_zero(b):
        return zero(Kron(a, b).shape)
    if isinstance(a, Ident) and isinstance(b, Ident):
        return Ident(dim_mul(a.n, b.n))
    return Kron(a, b)


def had(*factors: Expr) -> Expr:
    """The Hadamard product; scalar factors multiply the whole, ones drop out."""
    flat: list[Expr] = []
    scal: list[Expr] = []
    shape = None
    for f in factors:
        if isinstance(f, Had):
            flat.extend(f.factors)
        elif f.is_scalar:
            scal.append(f)
        else:
            flat.append(f)
    if flat:
        shape = flat[0].shape
    if not flat:
        return mul(*scal)
    if any(is_zero(f) for f in flat):
        return zero(shape)
    kept = [f for f in flat if not isinstance(f, Ones)]
    if not kept:
        kept = [Ones(shape)]
    core = kept[0] if len(kept) == 1 else Had(tuple(kept))
    return mul(*scal, core) if scal else core


def hadpow(e: Expr, p) -> Expr:
    p = as_expr(p)
    pv = num_value(p)
    if e.is_scalar:
        return power(e, p)
    if pv == 1:
        return e
    if pv == 0 or isinstance(e, Ones):
        return Ones(e.shape)
    return HadPow(e, p)


# ---------------------------------------------------------------------------
# named operations


def fn(op: str, *args: Expr) -> Expr:
    """The operation `op` of the arguments, tidied by its record's constructor."""
    from .ops import record
    rec = record(op)
    if rec.build is not None:
        return rec.build(*args)
    return Fn(op, tuple(args))


def raw_fn(op: str, *args: Expr) -> Expr:
    """The node op(args) as is, without its record's constructor."""
    return Fn(op, tuple(args))


# ---------------------------------------------------------------------------
# helpers of the read-off rules


def ident(n) -> Expr:
    """I of size n (the number 1 when n = 1)."""
    return ONE if n == 1 else Ident(n)


def commutation(m, n) -> Expr:
    """K(m, n), with K(1, n) = K(m, 1) = I."""
    if m == 1 or n == 1:
        return ident(dim_mul(m, n))
    return Commutation(m, n)


def inner(c: Expr, m: Expr) -> Expr:
    """⟨C, M⟩ = tr(Cᵀ M) for C and M of one shape."""
    if c.is_scalar:
        return mul(c, m)
    if c.is_col:
        return mul(transpose(c), m)
    if c.is_row:
        return mul(m, transpose(c))
    return fn("tr", mul(transpose(c), m))


def vec(m: Expr) -> Expr:
    """vec(M), the column-stacking of M: a column stays, a row is transposed."""
    if m.is_scalar or m.is_col:
        return m
    if m.is_row:
        return transpose(m)
    return fn("vec", m)


def unvec(v: Expr, shape) -> Expr:
    """The matrix of `shape` whose vec is the column v (inverse of vec)."""
    shape = tuple(shape)
    if shape[1] == 1:
        return v
    if shape[0] == 1:
        return transpose(v)
    return fn("unvec", v, Zero(shape))
