"""Differentials: d f in terms of dX (stage 3 of the pipeline).

Following Magnus & Neudecker, every derivative is read off a differential: the
rules below compute d f, an expression linear in the one unknown `Diff(X)`, and
`matdiff.derivative` reads the derivative off it (d f = G dt, d f = tr(G dX),
d f = J dx). Each node type has one rule; its docstring is the identity it
implements, with the seed section (§) or Matrix Cookbook equation (MC) it comes
from. A node type without a rule raises `UnsupportedError`, never returns None.
"""

from __future__ import annotations

import re
from typing import Callable

from . import build as B
from . import calculus
from .errors import UnsupportedError
from .expr import (Add, Adj, Call, Cross, Deriv, Det, Diag, DiagOf, Diff, Expr, Fn, Frechet, Had,
                   HadPow, Ident, Kron, LogDet, MatFn, MatPow, Mul, Norm, Num, Pinv, Pow, Skew,
                   Sym, T, Tr, Zero, derivative_shape)
from .functions import MATRIX_FUNCTIONS
from .textform import to_text

D = Callable[[Expr], Expr]
RULES: dict[type, Callable] = {}
TITLES: dict[Callable, str] = {}


def rule(*types, title: str):
    """Register fn as the differential rule of the node types; `title` names it."""
    def register(fn):
        for t in types:
            RULES[t] = fn
        TITLES[fn] = title
        return fn
    return register


def identity_of(fn: Callable) -> str:
    """A rule's identity: its docstring up to the first parenthesised reference."""
    doc = " ".join((fn.__doc__ or "").split())
    return re.split(r" \((?=§|MC|Golub|U invertible|skew is)", doc)[0].rstrip(".;")


def differential(e: Expr, var: Sym, trace: list | None = None) -> Expr:
    """d e, linear in Diff(var). With `trace`, each rule used is appended to it as
    (rule, node, its differential), outermost first."""
    memo: dict[Expr, Expr] = {}

    def d(x: Expr) -> Expr:
        if not x.depends_on(var.name):
            return B.zero(x.shape)
        if x in memo:
            return memo[x]
        fn = RULES.get(type(x))
        if fn is None:
            raise UnsupportedError(f"no differential rule for {type(x).__name__} ({to_text(x)})")
        slot = None
        if trace is not None:
            slot = len(trace)
            trace.append(None)
        out = fn(x, d, var)
        if slot is not None:
            trace[slot] = (fn, x, out)
        memo[x] = out
        return out

    return d(e)


# ---------------------------------------------------------------------------
# §1: the basic results


@rule(Sym, title="the variable")
def d_symbol(e: Sym, d: D, var: Sym) -> Expr:
    """d X = dX for the variable itself, d a = 0 for any other name (§1: ∂x/∂x = I, ∂a/∂x = 0)."""
    return Diff(var) if e.name == var.name else B.zero(e.shape)


@rule(Add, title="sum rule")
def d_sum(e: Add, d: D, var: Sym) -> Expr:
    """d(U + V) = dU + dV (§1, sum rule)."""
    return B.add(*(d(t) for t in e.terms))


@rule(Mul, title="product rule")
def d_product(e: Mul, d: D, var: Sym) -> Expr:
    """d(U V W) = dU V W + U dV W + U V dW (§1 product rule, §5 eq. 3); scalar factors
    a u: d(a u) = a du (§1)."""
    fs = e.factors
    terms = []
    for i, f in enumerate(fs):
        if f.depends_on(var.name):
            terms.append(B.mul(*fs[:i], d(f), *fs[i + 1:]))
    return B.add(*terms) if terms else B.zero(e.shape)


@rule(T, title="transpose")
def d_transpose(e: T, d: D, var: Sym) -> Expr:
    """d(Uᵀ) = (dU)ᵀ (§2: ∂(uᵀA)/∂x = (∂u/∂x)ᵀ A)."""
    return B.transpose(d(e.arg))


@rule(Pow, title="power rule")
def d_scalar_power(e: Pow, d: D, var: Sym) -> Expr:
    """d(uᵖ) = p uᵖ⁻¹ du for a scalar u and rational p."""
    p = e.exp
    return B.mul(Num(p), B.power(e.base, p - 1), d(e.base))


@rule(MatPow, title="matrix power")
def d_matrix_power(e: MatPow, d: D, var: Sym) -> Expr:
    """d(Uⁿ) = Σᵢ Uⁱ⁻¹ dU Uⁿ⁻ⁱ (§5 eq. 4); d(U⁻¹) = −U⁻¹ dU U⁻¹ (§5 eq. 5), and U⁻ⁿ = (U⁻¹)ⁿ."""
    n = e.n
    if n > 0:
        base, dbase = e.base, d(e.base)
    else:
        base = B.inv(e.base)
        dbase = B.neg(B.mul(base, d(e.base), base))
        n = -n
    return B.add(*(B.mul(B.power(base, i - 1), dbase, B.power(base, n - i))
                   for i in range(1, n + 1)))


@rule(Diag, title="diag")
def d_diag(e: Diag, d: D, var: Sym) -> Expr:
    """d diag(u) = diag(du)."""
    return B.diag(d(e.arg))


@rule(DiagOf, title="diagonal")
def d_diagonal(e: DiagOf, d: D, var: Sym) -> Expr:
    """d diag(M) = diag(dM) for the diagonal of a square matrix."""
    return B.diag(d(e.arg))


@rule(Skew, title="skew")
def d_skew(e: Skew, d: D, var: Sym) -> Expr:
    """d skew(u) = skew(du) (skew is linear)."""
    return B.skew(d(e.arg))


# ---------------------------------------------------------------------------
# §2, §5: products of vectors and matrices


@rule(Cross, title="cross product")
def d_cross(e: Cross, d: D, var: Sym) -> Expr:
    """d(u × v) = du × v + u × dv (§2)."""
    return B.add(B.cross(d(e.a), e.b), B.cross(e.a, d(e.b)))


@rule(Kron, title="Kronecker product")
def d_kron(e: Kron, d: D, var: Sym) -> Expr:
    """d(U ⊗ V) = dU ⊗ V + U ⊗ dV (§5)."""
    return B.add(B.kron(d(e.a), e.b), B.kron(e.a, d(e.b)))


@rule(Had, title="Hadamard product")
def d_hadamard(e: Had, d: D, var: Sym) -> Expr:
    """d(U ∘ V) = dU ∘ V + U ∘ dV (§5)."""
    fs = e.factors
    terms = [B.had(*fs[:i], d(f), *fs[i + 1:]) for i, f in enumerate(fs)
             if f.depends_on(var.name)]
    return B.add(*terms)


@rule(HadPow, title="element-wise power")
def d_hadamard_power(e: HadPow, d: D, var: Sym) -> Expr:
    """d(U^∘p) = p U^∘(p−1) ∘ dU, element by element."""
    return B.mul(Num(e.exp), B.had(B.hadpow(e.base, e.exp - 1), d(e.base)))


# ---------------------------------------------------------------------------
# functions


@rule(Fn, title="chain rule")
def d_function(e: Fn, d: D, var: Sym) -> Expr:
    """d f(u) = f'(u) du for a scalar u (§1 chain rule); d f(U) = f'(U) ∘ dU element-wise
    (§4: ∂f(x)/∂x = diag(f'(x))). f' comes from SymPy."""
    if e.arg.is_scalar:
        return B.mul(calculus.derivative(e.name, e.arg, "scalar"), d(e.arg))
    return B.had(calculus.derivative(e.name, e.arg, "elementwise"), d(e.arg))


def _matrix_part(e: Expr) -> Expr:
    if isinstance(e, Mul):
        ch = e.chain
        return ch[0] if len(ch) == 1 else Mul(ch)
    return e


@rule(MatFn, title="matrix function")
def d_matrix_function(e: MatFn, d: D, var: Sym) -> Expr:
    """d g(U) = g'(U) dU when dU commutes with U, as for U = x A (§5: ∂g(xA)/∂x = A g'(xA));
    otherwise only tr(d g(U)) = tr(g'(U) dU) has a closed form (§6.1: ∂tr(eˣ)/∂X = eˣ),
    kept as a pending Fréchet derivative."""
    u = e.arg
    du = d(u)
    direction = _matrix_part(du)
    if isinstance(direction, Ident) or direction == _matrix_part(u):
        return B.mul(calculus.derivative(MATRIX_FUNCTIONS[e.name], u, "matrix"), du)
    return Frechet(e.name, u, du)


# ---------------------------------------------------------------------------
# §3, §6: scalar functions of vectors and matrices


@rule(Norm, title="norm")
def d_norm(e: Norm, d: D, var: Sym) -> Expr:
    """d‖u‖ = ⟨u, du⟩ / ‖u‖ (§3 eq. 2: ∂‖x − a‖/∂x = (x − a)ᵀ/‖x − a‖; Frobenius for matrices)."""
    u = e.arg
    du = d(u)
    if u.is_scalar:
        inner = B.mul(u, du)
    elif u.is_vector:
        inner = B.mul(B.transpose(u), du) if u.is_col else B.mul(du, B.transpose(u))
    else:
        inner = B.trace(B.mul(B.transpose(u), du))
    return B.mul(inner, B.power(e, -1))


@rule(Tr, title="trace")
def d_trace(e: Tr, d: D, var: Sym) -> Expr:
    """d tr(U) = tr(dU) (§6.1: the trace and the derivative commute)."""
    return B.trace(d(e.arg))


@rule(Det, title="determinant")
def d_det(e: Det, d: D, var: Sym) -> Expr:
    """d|U| = tr(adj(U) dU) (§6.2: ∂|Y|/∂Y is the adjugate Y*, by cofactor expansion; MC 46)."""
    u = e.arg
    return B.trace(B.mul(B.adj(u), d(u)))


@rule(LogDet, title="log-determinant")
def d_logdet(e: LogDet, d: D, var: Sym) -> Expr:
    """d log|U| = tr(U⁻¹ dU) (§6.2: ∂ln|X|/∂X = X⁻¹; MC 57)."""
    u = e.arg
    return B.trace(B.mul(B.inv(u), d(u)))


@rule(Adj, title="adjugate")
def d_adjugate(e: Adj, d: D, var: Sym) -> Expr:
    """adj(U) = |U| U⁻¹, so d adj(U) = |U| tr(U⁻¹ dU) U⁻¹ − |U| U⁻¹ dU U⁻¹ (U invertible; §6.2)."""
    u = e.arg
    du = d(u)
    ui = B.inv(u)
    return B.add(B.mul(B.det(u), B.trace(B.mul(ui, du)), ui),
                 B.neg(B.mul(B.det(u), ui, du, ui)))


@rule(Pinv, title="pseudo-inverse")
def d_pinv(e: Pinv, d: D, var: Sym) -> Expr:
    """dX⁺ = −X⁺ dX X⁺ + X⁺X⁺ᵀ dXᵀ (I − X X⁺) + (I − X⁺X) dXᵀ X⁺ᵀ X⁺ for X of constant rank
    (Golub & Pereyra; MC 24)."""
    x = e.arg
    dx = d(x)
    xp = e
    dxt = B.transpose(dx)
    i_m = B.add(Ident(x.rows), B.neg(B.mul(x, xp)))
    i_n = B.add(Ident(x.cols), B.neg(B.mul(xp, x)))
    return B.add(B.neg(B.mul(xp, dx, xp)),
                 B.mul(xp, B.transpose(xp), dxt, i_m),
                 B.mul(i_n, dxt, B.transpose(xp), xp))


# ---------------------------------------------------------------------------
# abstract functions


@rule(Call, title="chain rule")
def d_abstract(e: Call, d: D, var: Sym) -> Expr:
    """d u(x) = (∂u/∂x) dx; for a scalar u of a matrix X, d u = tr(∂u/∂X dX); for u(v(x)),
    d u = (∂u/∂v)(∂v/∂x) dx (§1, the chain rules)."""
    terms = []
    for a in e.args:
        if not a.depends_on(var.name):
            continue
        shape = derivative_shape(e.shape, a.shape)
        if shape is None:
            raise UnsupportedError(f"d{e.name}/d{to_text(a)} would be a tensor of order 3 or 4")
        partial = Deriv(e, a, shape)
        da = d(a)
        if a.is_scalar or a.is_col:
            terms.append(B.mul(partial, da))
        else:
            terms.append(B.trace(B.mul(partial, da)))
    return B.add(*terms)


@rule(Deriv, title="abstract derivative")
def d_abstract_derivative(e: Deriv, d: D, var: Sym) -> Expr:
    """Second derivatives of abstract functions have no symbol: unsupported."""
    raise UnsupportedError(f"the derivative of d{e.fn.name}/d{to_text(e.wrt)} would need second "
                           "derivatives of an abstract function")


@rule(Num, Ident, Zero, title="constant")
def d_constant(e: Expr, d: D, var: Sym) -> Expr:
    """d a = 0 for a constant (§1)."""
    return B.zero(e.shape)
