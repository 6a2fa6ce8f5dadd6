"""Sums and norms of all entries, and the softmax family: sum, norm, norm1, logsumexp,
softmax (and `dot`, `mean`-free spellings: dot(x, y) is xᵀy)."""

from __future__ import annotations

from .. import build as B
from ..expr import Expr, Fn, Zero
from .common import ANY, COL, function


# ---------------------------------------------------------------------------
# sum


def _sum_build(u: Expr) -> Expr:
    if u.is_scalar:
        return u
    if isinstance(u, Zero):
        return B.zero((1, 1))
    return Fn("sum", (u,))


def d_sum(e, d):
    """d sum(U) = sum(dU) (the sum is linear)."""
    return B.fn("sum", d(e.arg))


function(
    "sum", "sum of all entries", needs=(ANY,), shape=lambda args: (1, 1), build=_sum_build,
    d=d_sum,
    derivative="d sum(U) = sum(dU)",
    cotangent=lambda e, i, c: B.mul(c, B.ones(e.arg.shape)),    # ⟨c, sum F⟩ = ⟨c 1, F⟩
    jacobian=lambda e, i, L: B.mul(L, B.ones((1, e.arg.length))),
    latex_name=r"\operatorname{sum}",
    numpy=lambda p, e: p.call("np.sum", e.arg),
    evaluate=lambda np, vals, e: np.array([[np.sum(vals[0])]]), family="reduction")


# ---------------------------------------------------------------------------
# norms


def d_norm(e: Fn, d) -> Expr:
    """d‖u‖ = ⟨u, du⟩ / ‖u‖ (§3 eq. 2: ∂‖x − a‖/∂x = (x − a)ᵀ/‖x − a‖; Frobenius for
    matrices)."""
    u = e.arg
    du = d(u)
    return B.mul(B.inner(u, du), B.power(e, -1))


def _norm_check(ck, raw, args):
    u = args[0]
    if len(args) == 2:
        order = raw.args[1]
        kind = order.value if order.op in ("num", "string") else None
        if kind in (1,) or str(kind) == "1":
            return B.fn("norm1", u)
        if str(kind) in ("2", "fro") and not (str(kind) == "fro" and u.is_vector):
            if str(kind) == "2" and u.is_matrix:
                raise ck.fail("norm(X, 2) of a matrix is its spectral norm, which matdiff does "
                              "not know", raw, hint="norm(X) and norm(X, 'fro') are the "
                              "Frobenius norm")
            return B.fn("norm", u)
        raise ck.fail(f"norm(·, {ck.text(order)}) is not supported", order,
                      hint="norm(x) or norm(x, 2) (2-norm; Frobenius for a matrix), "
                           "norm(X, 'fro'), norm(x, 1) or norm1(x)")
    return B.fn("norm", u)


def _norm_build(u: Expr) -> Expr:
    if u.is_scalar:
        return B.fn("abs", u)
    return Fn("norm", (u,))


def _norm_text(p, e):
    if p.options.norm_bars and not p.in_bars:
        return p.bars("||", e.arg, "||")
    return p.func("norm", e.arg)


function(
    "norm", "2-norm of a vector, Frobenius norm of a matrix (also ||x||, norm2, "
    "norm(X, 'fro'))", arity=(1, 2), check=_norm_check, shape=lambda args: (1, 1),
    build=_norm_build, d=d_norm, spellings=("norm2",),
    derivative="d‖u‖ = ⟨u, du⟩/‖u‖ (§3)",
    text=_norm_text, unicode=lambda p, e: p.bars("‖", e.arg, "‖"),
    latex=lambda p, e: p.bars(r"\left\| ", e.arg, r" \right\|"),
    numpy=lambda p, e: p.call("np.linalg.norm", e.arg),
    evaluate=lambda np, vals, e: np.array([[np.linalg.norm(vals[0])]]),
    extra={"transpose_invariant": True}, family="reduction")


def _norm1_build(u: Expr) -> Expr:
    if u.is_scalar:
        return B.fn("abs", u)
    return Fn("norm1", (u,))


def d_norm1(e, d):
    """d norm1(U) = ⟨sign(U), dU⟩, away from zero entries (the derivative of |u| is sign u)."""
    return B.inner(B.fn("sign", e.arg), d(e.arg))


function(
    "norm1", "sum of absolute values", needs=(ANY,), shape=lambda args: (1, 1),
    build=_norm1_build, d=d_norm1,
    derivative="d norm1(U) = ⟨sign(U), dU⟩ (away from zero entries)",
    latex=lambda p, e: p.bars(r"\left\| ", e.arg, r" \right\|_1"),
    numpy=lambda p, e: (f"np.sum(np.abs({p.p(e.arg)[0]}))", 5),
    evaluate=lambda np, vals, e: np.array([[np.sum(np.abs(vals[0]))]]),
    extra={"transpose_invariant": True, "kinked": True}, family="reduction")


# ---------------------------------------------------------------------------
# the softmax family


def d_logsumexp(e, d):
    """d logsumexp(u) = softmax(u)ᵀ du (the gradient of log-sum-exp is the softmax)."""
    return B.mul(B.transpose(B.fn("softmax", e.arg)), d(e.arg))


function(
    "logsumexp", "log(sum(exp(x))) of a vector", needs=(COL,), shape=lambda args: (1, 1),
    d=d_logsumexp,
    derivative="d logsumexp(u) = softmax(u)ᵀ du",
    latex_name=r"\operatorname{logsumexp}",
    numpy=lambda p, e: p.call("np.logaddexp.reduce", e.arg),
    evaluate=lambda np, vals, e: np.array([[np.logaddexp.reduce(vals[0].ravel())]]),
    family="reduction")


def d_softmax(e: Fn, d) -> Expr:
    """d softmax(u) = (diag(s) − s sᵀ) du = s ∘ du − s (sᵀ du) with s = softmax(u)
    (Bishop, PRML eq. 4.106)."""
    du = d(e.arg)
    return B.add(B.had(e, du), B.neg(B.mul(e, B.transpose(e), du)))


def _softmax_eval(np, vals, e):
    z = vals[0]
    w = np.exp(z - np.max(z))
    return w / np.sum(w)


function(
    "softmax", "exp(x) / sum(exp(x)) of a vector", needs=(COL,),
    shape=lambda args: args[0].shape, d=d_softmax,
    derivative="d softmax(u) = (diag(s) − s sᵀ) du, s = softmax(u)",
    latex_name=r"\operatorname{softmax}",
    numpy=lambda p, e: (f"np.exp({p.at(e.arg, 2)} - np.logaddexp.reduce({p.p(e.arg)[0]}))", 5),
    evaluate=_softmax_eval, family="reduction")


def _dot_check(ck, raw, args):
    a, b = args
    for r, v in zip(raw.args, args):
        if not v.is_col:
            raise ck.fail(f"dot() takes two column vectors; {ck.describe(r, v)} is not one", r,
                          hint=ck.kind_hint((r, v)))
    if not ck.unify(a.rows, b.rows):
        raise ck.fail(f"dot() needs vectors of one length: {ck.describe(raw.args[0], a)} and "
                      f"{ck.describe(raw.args[1], b)}", raw)
    return B.mul(B.transpose(a), b)


function("dot", "inner product xᵀy of two vectors", arity=(2,), check=_dot_check,
         family="reduction", derivative="d(xᵀy) = dxᵀ y + xᵀ dy")


