"""The evaluation form: expression nodes that say how a value is computed.

The code generator rewrites a derivative (a `matdiff.expr` tree, the display form)
into a tree of the same node types plus those below, in which every product is
binary — its parenthesisation is the evaluation order — and an inverse applied to a
matrix or vector is a `Solve` (or an `LUSolve` with a factorisation `LU` shared by
several solves). A `Mul` here has at most one non-scalar factor (a scaling);
transposes stay where they are free (on names, on whole products). A product with
a diagonal matrix diag(v) is a `Prod` like any other, but it is evaluated (and
costed) as a broadcast scaling of the other operand's rows or columns: the n×n
diag(v) is never formed (`diag_vector`, `operands`).

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
class LU(Expr):
    """The LU factorisation of a square matrix (`scipy.linalg.lu_factor(a)`): a value
    that only `LUSolve` reads."""

    a: Expr
    op = "cg_lu"

    @property
    def shape(self):
        return self.a.shape


@node
class LUSolve(Expr):
    """a⁻¹ b (trans = 0) or a⁻ᵀ b (trans = 1), where `lu` is `LU(a)`:
    `scipy.linalg.lu_solve(lu, b, trans=...)`, the factorisation computed once."""

    a: Expr                # the LU node
    b: Expr
    trans: int = 0
    op = "cg_lusolve"

    @property
    def shape(self):
        return (self.a.shape[1], self.b.shape[1])

    @property
    def matrix(self) -> Expr:
        """The matrix that is solved: the factorised one, or its transpose."""
        return transpose(self.a.a) if self.trans else self.a.a


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
    """eᵀ in the evaluation form (free: a view, or nothing for a vector); a scaling's
    transpose is the scaled transpose, so a sign stays outside (a subtraction in a sum)."""
    if isinstance(e, T):
        return e.arg
    if isinstance(e, Sym) and e.symmetric:
        return e
    if e.is_scalar:
        return e
    if isinstance(e, Mul):
        return Mul(tuple(f if f.is_scalar else transpose(f) for f in e.factors))
    if diag_vector(e) is not None:
        return e
    return T(e)


def diag_vector(e: Expr):
    """v when e is the diagonal matrix diag(v) (possibly transposed), else None."""
    if isinstance(e, T):
        e = e.arg
    if isinstance(e, Fn) and e.op == "diag" and e.arg.is_vector:
        return e.arg
    return None


def scaling_operand(e: Expr):
    """For a product with diag(v): (v, the other operand, 'left' or 'right'), the side
    diag(v) is on; both diagonal: the left one; else None."""
    if isinstance(e, Prod):
        v = diag_vector(e.a)
        if v is not None:
            return v, e.b, "left"
        v = diag_vector(e.b)
        if v is not None:
            return v, e.a, "right"
    return None


def operands(e: Expr) -> tuple:
    """What computing e reads: its children, except that a product with diag(v) reads
    v (the diagonal matrix is never formed)."""
    s = scaling_operand(e)
    if s is not None:
        v, other, side = s
        if diag_vector(other) is not None:
            return (v, diag_vector(other))
        return (v, other) if side == "left" else (other, v)
    return e.children


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
    if isinstance(e, Solve):        # a⁻¹ b, however it is computed
        (ka, ta), (kb, tb) = keys(e.a), keys(e.b)
        return ("solve", ka, kb), ("T", ("solve", ka, kb))
    if isinstance(e, LUSolve):
        return _keys(Solve(e.matrix, e.b))
    if isinstance(e, LU):
        k = ("lu", key(e.a))
        return k, ("T", k)
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
