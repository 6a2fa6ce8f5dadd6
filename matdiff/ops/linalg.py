"""Scalar functions of a square matrix and its inverses: tr, det, logdet, adj, pinv
(and `inv`, which is the power −1)."""

from __future__ import annotations

from .. import build as B
from ..errors import UnsupportedError
from ..expr import Expr, Fn, Ident, Mul, Num, Zero
from .common import ANY, SQUARE, function


# ---------------------------------------------------------------------------
# trace


def _tr_build(u: Expr) -> Expr:
    if u.is_scalar:
        return u
    if isinstance(u, Zero):
        return B.zero((1, 1))
    return Fn("tr", (u,))


def d_trace(e, d):
    """d tr(U) = tr(dU) (§6.1: the trace and the derivative commute)."""
    return B.fn("tr", d(e.arg))


function(
    "tr", "trace", needs=(SQUARE,), shape=lambda args: (1, 1), build=_tr_build,
    d=d_trace,
    derivative="d tr(U) = tr(dU)",
    cotangent=lambda e, i, c: B.mul(c, B.ident(e.arg.rows)),     # ⟨c, tr F⟩ = ⟨c I, F⟩
    jacobian=lambda e, i, L: B.mul(L, B.transpose(B.vec(B.ident(e.arg.rows)))),
    latex_name=r"\operatorname{tr}",
    numpy=lambda p, e: p.call("np.trace", e.arg),
    evaluate=lambda np, vals, e: np.array([[np.trace(vals[0])]]),
    family="matrix")


# ---------------------------------------------------------------------------
# determinants


def _det_build(u: Expr) -> Expr:
    """|a| = a for a scalar, |I| = 1, |expm(U)| = exp(tr U) (Jacobi's formula; Higham,
    Functions of Matrices, Thm 1.45)."""
    if u.is_scalar:
        return u
    if isinstance(u, Ident):
        return B.ONE
    if isinstance(u, Fn) and u.op == "expm":
        return B.fn("exp", B.fn("tr", u.arg))
    return Fn("det", (u,))


def _det_text(p, e):
    if p.options.det_bars and not p.in_bars:
        return p.bars("|", e.arg, "|")
    return p.func("det", e.arg)


def d_det(e, d):
    """d|U| = tr(adj(U) dU) (§6.2: ∂|Y|/∂Y is the adjugate Y*, by cofactor expansion; MC 46)."""
    return B.fn("tr", B.mul(B.fn("adj", e.arg), d(e.arg)))


def _det_check(ck, raw, args):
    (u,) = args
    if u.is_scalar and raw.spelling == "bars":       # |a| of a scalar: its absolute value
        return B.fn("abs", u)
    if u.is_vector and raw.spelling == "bars":
        raise ck.fail(f"|...| of a vector: {ck.describe(raw.args[0], u)} is not a scalar, and "
                      "|X| is the determinant of a square matrix", raw.args[0],
                      hint="for its norm write ||x|| or norm(x); element-wise, abs(x)"
                      + (f"; {h}" if (h := ck.kind_hint((raw.args[0], u))) else ""))
    if u.is_vector:
        raise ck.fail(f"det() takes a square matrix; {ck.describe(raw.args[0], u)} is a vector",
                      raw.args[0], hint=ck.kind_hint((raw.args[0], u))
                      or "for a norm write norm(x) or ||x||")
    ck.square(raw.args[0], u, "det()")
    return B.fn("det", u)


function(
    "det", "determinant (also |X|; |a| of a scalar is its absolute value)", check=_det_check,
    shape=lambda args: (1, 1), build=_det_build, d=d_det,
    derivative="d|U| = tr(adj(U) dU) (§6.2, MC 46)",
    text=_det_text, unicode=lambda p, e: p.bars("|", e.arg, "|"),
    latex_name=r"\det",
    numpy=lambda p, e: p.call("np.linalg.det", e.arg),
    evaluate=lambda np, vals, e: np.array([[np.linalg.det(vals[0])]]),
    extra={"transpose_invariant": True}, family="matrix")


def _logdet_build(u: Expr) -> Expr:
    """log|a| for a scalar, log|I| = 0, log|expm(U)| = tr U (Jacobi's formula)."""
    if u.is_scalar:
        return B.fn("log", u)
    if isinstance(u, Ident):
        return B.zero((1, 1))
    if isinstance(u, Fn) and u.op == "expm":
        return B.fn("tr", u.arg)
    return Fn("logdet", (u,))


def d_logdet(e, d):
    """d log|U| = tr(U⁻¹ dU) (§6.2: ∂ln|X|/∂X = X⁻¹; MC 57)."""
    return B.fn("tr", B.mul(B.inv(e.arg), d(e.arg)))


function(
    "logdet", "log-determinant", needs=(SQUARE,), shape=lambda args: (1, 1),
    build=_logdet_build, d=d_logdet,
    derivative="d log|U| = tr(U⁻¹ dU) (§6.2, MC 57)",
    latex_name=r"\log\det",
    numpy=lambda p, e: (f"np.log(np.linalg.det({p.p(e.arg)[0]}))", 5),
    evaluate=lambda np, vals, e: np.array([[np.log(np.linalg.det(vals[0]))]]),
    extra={"transpose_invariant": True}, family="matrix")


# ---------------------------------------------------------------------------
# adjugate and pseudo-inverse


def _may_be_singular(u: Expr) -> bool:
    """Whether U may be singular by its shapes: a product through a dimension that is not
    its own (X A with X m×n, A n×m has rank at most n)."""
    if isinstance(u, Mul):
        return any(not f.is_square for f in u.chain)
    return False


def d_adjugate(e: Fn, d) -> Expr:
    """adj(U) = |U| U⁻¹, so d adj(U) = |U| tr(U⁻¹ dU) U⁻¹ − |U| U⁻¹ dU U⁻¹ (§6.2), for U
    invertible; refused when U is a product that may be singular by its shapes."""
    u = e.arg
    du = d(u)
    if B.is_zero(du):
        return B.zero(e.shape)
    if _may_be_singular(u):
        raise UnsupportedError(
            f"the differential of adj({u}) where {u} may be singular (a product through "
            "another dimension): the formula d adj(U) = |U| (tr(U⁻¹ dU) U⁻¹ − U⁻¹ dU U⁻¹) "
            "needs U invertible")
    ui = B.inv(u)
    return B.add(B.mul(B.fn("det", u), B.fn("tr", B.mul(ui, du)), ui),
                 B.neg(B.mul(B.fn("det", u), ui, du, ui)))


_ADJUGATE = ("(lambda M: (lambda U, s, Vt: np.linalg.det(U @ Vt) * (Vt.T * np.array("
             "[np.prod(np.delete(s, i)) for i in range(len(s))])) @ U.T)(*np.linalg.svd(M)))")


def adjugate(np, m):
    u, s, vt = np.linalg.svd(m)
    prods = np.array([np.prod(np.delete(s, i)) for i in range(len(s))])
    return np.linalg.det(u @ vt) * (vt.T * prods) @ u.T


def _adj_build(u: Expr) -> Expr:
    if u.is_scalar:
        return B.ONE
    if isinstance(u, Ident):
        return u
    return Fn("adj", (u,))


function(
    "adj", "adjugate (transposed cofactor matrix)", needs=(SQUARE,),
    shape=lambda args: args[0].shape, build=_adj_build, d=d_adjugate,
    derivative="d adj(U) = |U| (tr(U⁻¹ dU) U⁻¹ − U⁻¹ dU U⁻¹)",
    transpose=lambda e: B.fn("adj", B.transpose(e.arg)),
    latex_name=r"\operatorname{adj}",
    numpy=lambda p, e: (f"{_ADJUGATE}({p.p(e.arg)[0]})", 5),
    evaluate=lambda np, vals, e: adjugate(np, vals[0]), family="matrix")


def d_pinv(e: Fn, d) -> Expr:
    """dX⁺ = −X⁺ dX X⁺ + X⁺X⁺ᵀ dXᵀ (I − X X⁺) + (I − X⁺X) dXᵀ X⁺ᵀ X⁺ for X of constant
    rank (Golub & Pereyra; MC 24)."""
    x = e.arg
    dx = d(x)
    if B.is_zero(dx):
        return B.zero(e.shape)
    xp = e
    dxt = B.transpose(dx)
    i_m = B.add(B.ident(x.rows), B.neg(B.mul(x, xp)))
    i_n = B.add(B.ident(x.cols), B.neg(B.mul(xp, x)))
    return B.add(B.neg(B.mul(xp, dx, xp)),
                 B.mul(xp, B.transpose(xp), dxt, i_m),
                 B.mul(i_n, dxt, B.transpose(xp), xp))


def _pinv_build(u: Expr) -> Expr:
    """pinv(a) = 1/a for a scalar (a ≠ 0); pinv(v) = vᵀ/(vᵀv) for a vector (v ≠ 0; MC 206)."""
    if u.is_scalar:
        return B.power(u, -1)
    if u.is_vector:
        return B.divide(B.transpose(u), B.inner(u, u))
    return Fn("pinv", (u,))


function(
    "pinv", "Moore-Penrose pseudo-inverse (also X⁺)", needs=(ANY,),
    shape=lambda args: (args[0].cols, args[0].rows), build=_pinv_build, d=d_pinv,
    derivative="dX⁺ = −X⁺ dX X⁺ + X⁺X⁺ᵀ dXᵀ (I − X X⁺) + (I − X⁺X) dXᵀ X⁺ᵀ X⁺ (MC 24)",
    transpose=lambda e: B.fn("pinv", B.transpose(e.arg)),
    unicode=lambda p, e: p.postfix(e.arg, "⁺"),
    latex=lambda p, e: p.postfix(e.arg, "^{+}"),
    numpy=lambda p, e: p.call("np.linalg.pinv", e.arg),     # a matrix: pinv(v) is vᵀ/(vᵀv)
    evaluate=lambda np, vals, e: np.linalg.pinv(vals[0]),
    extra={"prec_unicode": 4}, family="matrix")


def _inv_check(ck, raw, args):
    (u,) = args
    if u.is_scalar:
        if isinstance(u, Num) and u.value == 0:
            raise ck.fail("division by zero", raw)
        return B.power(u, -1)
    if u.is_vector:
        raise ck.fail(f"inv() takes a square matrix; {ck.describe(raw.args[0], u)} is a vector",
                      raw.args[0], hint=ck.kind_hint((raw.args[0], u)))
    ck.square(raw.args[0], u, "inv()")
    return B.inv(u)


function("inv", "inverse (also X^-1)", check=_inv_check, family="matrix",
         derivative="d(U⁻¹) = −U⁻¹ dU U⁻¹ (§5 eq. 5)")
