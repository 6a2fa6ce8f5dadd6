"""Reading the derivative off the differential (stage 4 of the pipeline).

With d f linear in dX, the derivative in numerator layout is the G or J of
  d f = G dt                 (by a scalar t: G has the shape of f),
  d f = tr(G dX) = G dx      (a scalar f by a matrix X or a vector x),
  d f = J dx                 (a vector f by a vector x: J is the Jacobian).
By a scalar, G is d f at dt = 1. For a scalar f, `adjoint` pushes a cotangent C
down the tree, ⟨C, E⟩ = tr(Cᵀ E), until it reaches dX: then d f = ⟨C, dX⟩ and
G = Cᵀ. For a vector f, `jacobian` builds J with J(A u) = A J(u) and friends.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from . import build as B
from . import calculus
from .differential import differential
from .errors import UnsupportedError
from .expr import (Add, Cross, Diag, DiagOf, Diff, Expr, Frechet, Had, Ident, Kron, Mul, Num,
                   Skew, Sym, T, Tr, derivative_shape, map_leaves, transform)
from .functions import MATRIX_FUNCTIONS
from .textform import to_text

ONE = Num(Fraction(1))


@dataclass(frozen=True)
class Derivative:
    """A derivative in numerator layout, before simplification."""

    expr: Expr            # d f / d var, numerator layout
    function: Expr        # f
    var: Sym
    kind: str             # e.g. "scalar-by-matrix"


def derivative_kind(f: Expr, var: Sym) -> str:
    return f"{f.kind_word}-by-{var.kind_word}"


def derive(f: Expr, var: Sym) -> Derivative:
    """The numerator-layout derivative of f with respect to var."""
    kind = derivative_kind(f, var)
    if derivative_shape(f.shape, var.shape) is None:
        raise UnsupportedError(
            f"the derivative of a {f.kind_word} with respect to the {var.kind_word} {var.name} "
            "is a tensor of order 3 or 4; matdiff derives scalars, vectors and matrices by a "
            "scalar, scalars by a vector or a matrix, and vectors by a vector")
    df = differential(f, var)
    if var.is_scalar:
        df = transform(df, lambda x: _close_trace(x, var))
        g = map_leaves(df, lambda leaf: ONE if isinstance(leaf, Diff) else leaf)
        pending = next((x for x in g.walk() if isinstance(x, Frechet)), None)
        if pending is not None:
            raise _frechet_error(pending)
    elif f.is_scalar:
        g = B.transpose(gradient(df, var))
    else:
        g = jacobian(df, var)
    return Derivative(g, f, var, kind)


def _close_trace(x: Expr, var: Sym) -> Expr:
    """tr(...) of a pending Fréchet derivative is ⟨C, dt⟩ = C dt, by the adjoint:
    tr(d g(U)) = tr(g'(U) dU) (§6.1)."""
    if isinstance(x, Tr) and any(isinstance(y, Frechet) for y in x.walk()):
        return B.mul(gradient(x, var), Diff(var))
    return x


def _frechet_error(e: Frechet) -> UnsupportedError:
    return UnsupportedError(
        f"d {e.name}(U) for U = {to_text(e.arg)} has no closed matrix form, because dU = "
        f"{to_text(e.darg)} need not commute with U; it has one under a trace "
        f"(tr({e.name}(U))) or when U = t A")


# ---------------------------------------------------------------------------
# scalar functions: d f = ⟨C, dX⟩


def gradient(df: Expr, var: Sym) -> Expr:
    """C with d f = ⟨C, dX⟩ = tr(Cᵀ dX): the derivative in denominator layout."""
    acc: list[Expr] = []
    if df.has_diff:
        adjoint(df, ONE, acc)
    return B.add(*acc) if acc else B.zero(var.shape)


def inner(c: Expr, m: Expr) -> Expr:
    """⟨C, M⟩ = tr(Cᵀ M) for C and M of one shape."""
    if c.is_scalar:
        return B.mul(c, m)
    if c.is_col:
        return B.mul(B.transpose(c), m)
    if c.is_row:
        return B.mul(m, B.transpose(c))
    return B.trace(B.mul(B.transpose(c), m))


def _dependent(factors) -> int:
    idx = [i for i, f in enumerate(factors) if f.has_diff]
    if len(idx) != 1:
        raise AssertionError("differential is not linear in dX")
    return idx[0]


def _identity_multiple(c: Expr):
    """s if C = s·I (s a scalar expression), else None."""
    if isinstance(c, Ident):
        return ONE
    if isinstance(c, Mul) and len(c.chain) == 1 and isinstance(c.chain[0], Ident):
        return B.mul(*[f for f in c.factors if f.is_scalar])
    return None


def outer_factors(m: Expr):
    """(s, u, v) when m = s u vᵀ is an outer product of a column u and a row vᵀ, else None."""
    if isinstance(m, T) and isinstance(m.arg, Mul):
        m = _transpose_one_level(m.arg)
    if not isinstance(m, Mul) or not m.is_matrix:
        return None
    # (P (D dx aᵀ)ᵀ Q): open transposed products so that an inner 1 shows
    m = B.mul(*(_transpose_one_level(f.arg) if isinstance(f, T) and isinstance(f.arg, Mul)
                else f for f in m.factors))
    if not isinstance(m, Mul):
        return None
    chain = m.chain
    for i in range(1, len(chain)):
        if chain[i - 1].cols == 1:
            return (B.mul(*[x for x in m.factors if x.is_scalar]), B.mul(*chain[:i]),
                    B.mul(*chain[i:]))
    return None


def unfold(scal: list, left: tuple, f: Expr, right: tuple):
    """A product with diag(g) or skew(g) next to a vector, rewritten without it:
    diag(g) r = g ∘ r, l diag(g) = (lᵀ ∘ g)ᵀ, skew(g) r = g × r, l skew(g) = (lᵀ × g)ᵀ;
    and a Hadamard product with an outer product, (u vᵀ) ∘ M = diag(u) M diag(v), with a
    sum, distributed, or with a scalar multiple, the scalar taken out."""
    if isinstance(f, Had):
        for i, g in enumerate(f.factors):           # (s P) ∘ C = s (P ∘ C)
            if isinstance(g, Mul) and g.chain and (g.scalars or g.coeff != 1):
                inner = B.had(*f.factors[:i], B.mul(*g.chain), *f.factors[i + 1:])
                return B.mul(*scal, *left, *[x for x in g.factors if x.is_scalar], inner,
                             *right)
        for i, g in enumerate(f.factors):           # (P + Q) ∘ C = P ∘ C + Q ∘ C
            if isinstance(g, Add) and g.has_diff:
                others = f.factors[:i] + f.factors[i + 1:]
                return B.add(*(B.mul(*scal, *left, B.had(t, *others), *right)
                               for t in g.terms if t.has_diff))
        for i, g in enumerate(f.factors):
            split = outer_factors(g)
            if split is not None:
                s, u, vt = split
                rest = B.had(*(f.factors[:i] + f.factors[i + 1:]))
                return B.mul(*scal, *left, s, B.diag(u), rest, B.diag(B.transpose(vt)),
                             *right)
    if isinstance(f, (Diag, Skew)) and right and B.mul(*right).is_col:
        r = B.mul(*right)
        core = B.had(f.arg, r) if isinstance(f, Diag) else B.cross(f.arg, r)
        return B.mul(*scal, *left, core)
    if isinstance(f, (Diag, Skew)) and left and B.mul(*left).is_row:
        lt = B.transpose(B.mul(*left))
        core = B.had(lt, f.arg) if isinstance(f, Diag) else B.cross(lt, f.arg)
        return B.mul(*scal, B.transpose(core), *right)
    return None


def adjoint(e: Expr, c: Expr, acc: list) -> None:
    """Push the cotangent C of e (⟨C, e⟩ is a term of d f) down to dX."""
    if isinstance(e, Diff):
        acc.append(c)
    elif isinstance(e, Add):
        for t in e.terms:
            if t.has_diff:
                adjoint(t, c, acc)
    elif isinstance(e, Mul):
        fs = e.factors
        i = _dependent(fs)
        f = fs[i]
        others = fs[:i] + fs[i + 1:]
        scal = B.mul(*[x for x in others if x.is_scalar]) if others else ONE
        if f.is_scalar:
            rest = [x for x in others if not x.is_scalar]
            m = B.mul(*rest) if rest else ONE
            adjoint(f, B.mul(scal, inner(c, m)), acc)
        else:
            chain = e.chain
            j = next(k for k, x in enumerate(chain) if x is f or x == f)
            left, right = chain[:j], chain[j + 1:]
            flat = unfold([x for x in others if x.is_scalar], left, f, right)
            if flat is not None:
                adjoint(flat, c, acc)
                return
            parts = [scal]
            if left:
                parts.append(B.transpose(B.mul(*left)))
            parts.append(c)
            if right:
                parts.append(B.transpose(B.mul(*right)))
            adjoint(f, B.mul(*parts), acc)
    elif isinstance(e, T):
        adjoint(e.arg, B.transpose(c), acc)
    elif isinstance(e, Tr):
        adjoint(e.arg, B.mul(c, Ident(e.arg.rows)), acc)
    elif isinstance(e, Had):
        i = _dependent(e.factors)
        others = e.factors[:i] + e.factors[i + 1:]
        adjoint(e.factors[i], B.had(c, *others), acc)
    elif isinstance(e, Cross):
        if e.b.has_diff:          # ⟨C, a × g⟩ = g · (C × a)
            adjoint(e.b, B.cross(c, e.a), acc)
        else:                     # ⟨C, g × b⟩ = g · (b × C)
            adjoint(e.a, B.cross(e.b, c), acc)
    elif isinstance(e, Kron):
        adjoint_kron(e, c, acc)
    elif isinstance(e, Frechet):
        s = _identity_multiple(c)
        if s is None:
            raise UnsupportedError(
                f"the Fréchet derivative of {e.name}({to_text(e.arg)}) has a closed form only "
                "under a trace (tr(g(U)))")
        gprime = calculus.derivative(MATRIX_FUNCTIONS[e.name], e.arg, "matrix")
        adjoint(e.darg, B.mul(s, B.transpose(gprime)), acc)
    elif isinstance(e, Diag):        # ⟨C, diag(g)⟩ = ⟨diag(C), g⟩
        adjoint(e.arg, B.diag(c), acc)
    elif isinstance(e, DiagOf):      # ⟨c, diag(G)⟩ = ⟨diag(c), G⟩
        adjoint(e.arg, B.diag(c), acc)
    else:
        raise UnsupportedError(f"cannot read a derivative through {type(e).__name__} "
                               f"({to_text(e)})")


def adjoint_kron(e: Kron, c: Expr, acc: list) -> None:
    """⟨P ⊗ Q, A ⊗ G⟩ = tr(Pᵀ A) ⟨Q, G⟩, and I = I ⊗ I (§6.1: ∂tr(A ⊗ X)/∂X = tr(A) I)."""
    s = _identity_multiple(c)
    if s is not None:
        p, q = Ident(e.a.rows), Ident(e.b.rows)
    elif isinstance(c, Kron):
        s, p, q = ONE, c.a, c.b
    else:
        raise UnsupportedError("cannot read a derivative through a Kronecker product here "
                               f"({to_text(e)})")
    if e.b.has_diff:
        adjoint(e.b, B.mul(s, inner(p, e.a), q), acc)
    else:
        adjoint(e.a, B.mul(s, inner(q, e.b), p), acc)


# ---------------------------------------------------------------------------
# vector functions: d f = J dx


def _transpose_one_level(m: Expr):
    """mᵀ with the transpose moved inside a product, a sum or a Hadamard product, or None."""
    if isinstance(m, Mul):
        return B.mul(*m.scalars, Num(m.coeff), *(B.transpose(f) for f in reversed(m.chain)))
    if isinstance(m, Add):
        return B.add(*(B.transpose(t) for t in m.terms))
    if isinstance(m, Had):
        return B.had(*(B.transpose(f) for f in m.factors))
    return None


def _vec(v: Expr) -> Expr:
    return B.transpose(v) if v.is_row else v


def jacobian(df: Expr, var: Sym) -> Expr:
    """J with d f = J dx for a vector f (a column or a row) and a vector x."""
    f_len = df.rows if df.is_col else df.cols
    if not df.has_diff:
        return B.zero((f_len, var.rows))
    return jac(df, var)


def jac(e: Expr, var: Sym) -> Expr:
    if isinstance(e, Diff):
        return Ident(var.rows)
    if isinstance(e, T):
        return jac(e.arg, var)
    if isinstance(e, Add):
        return B.add(*(jac(t, var) for t in e.terms if t.has_diff))
    if isinstance(e, Mul):
        fs = e.factors
        i = _dependent(fs)
        f = fs[i]
        others = fs[:i] + fs[i + 1:]
        scal = [x for x in others if x.is_scalar]
        if isinstance(f, Add) and not f.is_scalar:       # (A dx + dX' B) x: distribute
            return B.add(*(jac(B.mul(*fs[:i], t, *fs[i + 1:]), var) for t in f.terms
                           if t.has_diff))
        if isinstance(f, T) and f.arg.is_matrix:          # (A dx xᵀ)ᵀ: transpose one level
            from_arg = _transpose_one_level(f.arg)
            if from_arg is not None:
                return jac(B.mul(*fs[:i], from_arg, *fs[i + 1:]), var)
        if f.is_scalar:
            rest = [x for x in others if not x.is_scalar]
            row = B.transpose(gradient(f, var))
            return B.mul(*scal, _vec(B.mul(*rest)), row)
        chain = e.chain
        j = next(k for k, x in enumerate(chain) if x is f or x == f)
        left, right = chain[:j], chain[j + 1:]
        if f.is_col and not right:
            return B.mul(*scal, *left, jac(f, var))
        if f.is_row and not left:
            tail = [B.transpose(B.mul(*right))] if right else []
            return B.mul(*scal, *tail, jac(f, var))
        flat = unfold(scal, left, f, right)
        if flat is not None:
            return jac(flat, var)
        raise UnsupportedError(f"cannot write the Jacobian of {to_text(e)} as a matrix product")
    if isinstance(e, Had):
        i = _dependent(e.factors)
        others = e.factors[:i] + e.factors[i + 1:]
        weight = _vec(B.had(*others))
        return B.mul(B.diag(weight), jac(e.factors[i], var))
    if isinstance(e, Cross):
        if e.b.has_diff:                            # a × db = skew(a) db
            return B.mul(B.skew(e.a), jac(e.b, var))
        return B.neg(B.mul(B.skew(e.b), jac(e.a, var)))   # da × b = −skew(b) da
    if isinstance(e, Kron):
        if e.a.has_diff:                            # (J da) ⊗ b = (J ⊗ b) dx
            return B.kron(jac(e.a, var), _vec(e.b))
        return B.kron(_vec(e.a), jac(e.b, var))     # a ⊗ (J db) = (a ⊗ J) dx
    raise UnsupportedError(f"cannot read a Jacobian through {type(e).__name__} ({to_text(e)})")
