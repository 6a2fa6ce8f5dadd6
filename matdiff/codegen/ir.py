"""The evaluation form: expression nodes that say how a value is computed.

The code generator rewrites a derivative (a `matdiff.expr` tree, the display form)
into a tree of the same node types plus the three below, in which every product is
binary — its parenthesisation is the evaluation order — and an inverse applied to a
matrix or vector is a `Solve`. A `Mul` here has at most one non-scalar factor (a
scaling); transposes stay where they are free (on names, on whole products).

`key(e)` and `tkey(e)` are structural keys of the value of e and of eᵀ: two nodes
with equal keys compute equal values, so one can be computed once
(`matdiff.codegen.emit`). For a vector or a scalar (a 1-D array or a number in the
code) the value and its transpose are the same array, so `key == tkey`.
"""

from __future__ import annotations

from ..expr import Add, Expr, Fn, Had, HadPow, Ident, Kron, MatPow, Mul, Num, Sym, T, node
from ..ops import record


@node
class Prod(Expr):
    """a @ b: one matrix product (an outer product for a column times a row)."""

    a: Expr
    b: Expr
    op = "cg_prod"

    @property
    def shape(self):
        return (self.a.shape[0], self.b.shape[1])


@node
class Solve(Expr):
    """a⁻¹ b for a square a: `np.linalg.solve(a, b)`."""

    a: Expr
    b: Expr
    op = "cg_solve"

    @property
    def shape(self):
        return (self.a.shape[1], self.b.shape[1])


@node
class TraceProd(Expr):
    """tr(a b) = sum(a ∘ bᵀ): the trace of a product without the product."""

    a: Expr
    b: Expr
    op = "cg_trace"

    @property
    def shape(self):
        return (1, 1)


@node
class OuterSum(Expr):
    """u₁ v₁ᵀ + u₂ v₂ᵀ + ...: one product [u₁ u₂ ...] [v₁ v₂ ...]ᵀ (the result written once,
    not a temporary per outer product)."""

    args: tuple            # u₁, v₁ᵀ, u₂, v₂ᵀ, ... (columns and rows)
    op = "cg_outersum"

    @property
    def shape(self):
        return (self.args[0].shape[0], self.args[1].shape[1])


def flat(e: Expr) -> bool:
    """A vector or a scalar: its transpose is itself in NumPy (1-D arrays, numbers)."""
    r, c = e.shape
    return r == 1 or c == 1


def transpose(e: Expr) -> Expr:
    """eᵀ in the evaluation form (free: a view, or nothing for a vector)."""
    if isinstance(e, T):
        return e.arg
    if isinstance(e, Sym) and e.symmetric:
        return e
    if e.is_scalar:
        return e
    return T(e)


def factors(e: Expr) -> list:
    """The factors of a product tree, in order (transposes of products opened)."""
    if isinstance(e, Prod):
        return factors(e.a) + factors(e.b)
    if isinstance(e, T) and isinstance(e.arg, Prod):
        return [transpose(f) for f in reversed(factors(e.arg))]
    return [e]


# ---------------------------------------------------------------------------
# keys

_KEYS: dict = {}


def keys(e: Expr) -> tuple:
    """(key of e, key of eᵀ); each names the shape (an outer product and a dot product of
    the same vectors differ only there)."""
    got = _KEYS.get(e)
    if got is None:
        if isinstance(e, T):
            k, t = keys(e.arg)
            got = (t, k)
        else:
            k, t = _keys(e)
            r, c = e.shape
            got = ((k, str(r), str(c)), (t, str(c), str(r)))
        if flat(e):
            k = min(got, key=repr)
            got = (k, k)
        if len(_KEYS) > 100_000:
            _KEYS.clear()
        _KEYS[e] = got
    return got


def key(e: Expr):
    return keys(e)[0]


def tkey(e: Expr):
    return keys(e)[1]


def canonical(e: Expr) -> tuple:
    """(the key of e's value up to a transpose, whether e is the transposed one)."""
    k, t = keys(e)
    if flat(e) or k == t:
        return k, False
    if repr(t) < repr(k):
        return t, True
    return k, False


def _keys(e: Expr) -> tuple:
    if isinstance(e, Sym):
        k = ("s", e.name)
        return k, (k if e.symmetric else ("T", k))
    if isinstance(e, Prod):
        (ka, ta), (kb, tb) = keys(e.a), keys(e.b)
        return ("@", ka, kb), ("@", tb, ta)
    if isinstance(e, Add):
        ks = [keys(t) for t in e.terms]
        return ("+", tuple(sorted((k for k, _ in ks), key=repr))), \
            ("+", tuple(sorted((t for _, t in ks), key=repr)))
    if isinstance(e, Mul):
        sc = tuple(sorted((key(f) for f in e.factors if f.is_scalar), key=repr))
        rest = [f for f in e.factors if not f.is_scalar]
        if not rest:
            return ("*", sc), ("*", sc)
        k, t = keys(rest[0])
        return ("*", sc, k), ("*", sc, t)
    if isinstance(e, Had):
        ks = [keys(f) for f in e.factors]
        return ("had", tuple(sorted((k for k, _ in ks), key=repr))), \
            ("had", tuple(sorted((t for _, t in ks), key=repr)))
    if isinstance(e, (HadPow, MatPow)):
        k, t = keys(e.base)
        x = key(e.exp)
        return (e.op, k, x), (e.op, t, x)
    if isinstance(e, OuterSum):
        pairs = [(key(e.args[i]), key(e.args[i + 1])) for i in range(0, len(e.args), 2)]
        return ("outer+", tuple(sorted(pairs, key=repr))), \
            ("outer+", tuple(sorted(((b, a) for a, b in pairs), key=repr)))
    if isinstance(e, Fn) and record(e.op).elementwise:
        k, t = keys(e.arg)
        return ("fn", e.op, k), ("fn", e.op, t)
    if isinstance(e, Kron):
        (ka, ta), (kb, tb) = keys(e.a), keys(e.b)
        return ("kron", ka, kb), ("kron", ta, tb)
    if isinstance(e, Num):
        k = ("n", e.value)
        return k, k
    if not e.children:
        k = (type(e).__name__, str(e.shape), str(e))
        return k, (k if isinstance(e, Ident) else ("T", k))
    k = (e.op, tuple(key(c) for c in e.children))
    return k, ("T", k)
