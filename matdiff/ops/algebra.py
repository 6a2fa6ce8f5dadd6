"""The algebra: sums, products, transposes, powers, Kronecker and Hadamard products,
and the leaves (names, numbers, I, zeros, ones, the commutation matrix K).

Their parsing and printing belong to the grammar and the printers (precedence is
the printers' business); their calculus and evaluation are here, one record each.
The read-off rules are written for the differential's linear terms (exactly one
argument holds dX): `cotangent` for ⟨C, e⟩ (scalar functions, Magnus & Neudecker
ch. 9's identification d f = tr(Gᵀ dX)) and `jacobian` for L vec(e) (vec-Jacobians,
d vec F = J d vec X).
"""

from __future__ import annotations

from fractions import Fraction

from .. import build as B
from ..errors import UnsupportedError
from ..expr import (Add, Expr, Fn, Had, Ident, Kron, MatPow, Mul, Num, T, dim_mul, int_value,
                    num_value)
from .registry import Op, register

# the largest |n| for which d(Uⁿ) is written out as a sum of n terms outside a trace
POWER_TERMS_LIMIT = 16


def _np_float(np, v):
    return np.array([[float(v)]])


# ---------------------------------------------------------------------------
# sums


def d_add(e: Add, d):
    """d(U + V) = dU + dV (§1, sum rule)."""
    return B.add(*(d(t) for t in e.terms))


register(Op(
    "add", "sum rule", d=d_add,
    cotangent=lambda e, i, c: c,
    jacobian=lambda e, i, L: L,
    transpose=lambda e: B.add(*(B.transpose(t) for t in e.terms)),
    evaluate=lambda np, vals, e: _sum(vals),
))


def _sum(vals):
    out = vals[0]
    for v in vals[1:]:
        out = out + v
    return out


# ---------------------------------------------------------------------------
# products


# the largest derivative of a product written out: terms × factors
PRODUCT_TERMS_LIMIT = 100_000


def d_mul(e: Mul, d):
    """d(U V W) = dU V W + U dV W + U V dW (§1 product rule, §5 eq. 3); d(a u) = a du (§1)."""
    fs = e.factors
    dependent = sum(1 for f in fs if f.has_diff or f.free)
    if dependent * len(fs) > PRODUCT_TERMS_LIMIT:
        dependent = sum(1 for f in fs if not B.is_zero(d(f)))
        if dependent * len(fs) > PRODUCT_TERMS_LIMIT:
            raise UnsupportedError(
                f"the differential of a product of {len(fs)} factors, {dependent} of which "
                f"vary, has {dependent} terms of {len(fs)} factors: more than matdiff writes "
                f"({PRODUCT_TERMS_LIMIT} factors in all)")
    terms = []
    for i, f in enumerate(fs):
        df = d(f)
        if not B.is_zero(df):
            terms.append(B.mul(*fs[:i], df, *fs[i + 1:]))
    return B.add(*terms) if terms else B.zero(e.shape)


def _split(e: Mul, i: int):
    """(s, left chain, the factor, right chain) around factor i of a product."""
    f = e.factors[i]
    others = [x for k, x in enumerate(e.factors) if k != i and x.is_scalar]
    s = B.mul(*others) if others else B.ONE
    if f.is_scalar:
        return s, None, f, None
    chain = e.chain
    j = sum(1 for x in e.factors[:i] if not x.is_scalar)
    return s, chain[:j], f, chain[j + 1:]


def cot_mul(e: Mul, i: int, c: Expr) -> Expr:
    """⟨C, s A F B⟩ = ⟨s Aᵀ C Bᵀ, F⟩; ⟨C, f M⟩ = f ⟨C, M⟩ for a scalar f (MN ch. 9)."""
    s, left, f, right = _split(e, i)
    if left is None:
        rest = B.mul(*e.chain) if e.chain else B.ONE
        return B.mul(s, B.inner(c, rest))
    parts = [s]
    if left:
        parts.append(B.transpose(B.mul(*left)))
    parts.append(c)
    if right:
        parts.append(B.transpose(B.mul(*right)))
    return B.mul(*parts)


def jac_mul(e: Mul, i: int, L: Expr) -> Expr:
    """vec(A F B) = (Bᵀ ⊗ A) vec F; vec(f M) = vec(M) f for a scalar f (MN ch. 2 Thm 2)."""
    s, left, f, right = _split(e, i)
    if left is None:
        rest = B.mul(*e.chain) if e.chain else B.ONE
        return B.mul(s, L, B.vec(rest))
    a = B.mul(*left) if left else B.ident(f.rows)
    b = B.mul(*right) if right else B.ident(f.cols)
    return B.mul(s, L, B.kron(B.transpose(b), a))


def _mul_eval(np, vals, e):
    scal = 1.0
    chain = []
    for f, v in zip(e.factors, vals):
        if f.is_scalar:
            scal = scal * v[0, 0]
        else:
            chain.append(v)
    if not chain:
        return np.array([[scal]])
    out = chain[0]
    for m in chain[1:]:
        out = out @ m
    return scal * out


register(Op(
    "mul", "product rule", d=d_mul, cotangent=cot_mul, jacobian=jac_mul,
    transpose=lambda e: B.mul(*e.scalars, Num(e.coeff),
                              *(B.transpose(f) for f in reversed(e.chain))),
    evaluate=_mul_eval,
))


# ---------------------------------------------------------------------------
# transposes


def d_transpose(e: T, d):
    """d(Uᵀ) = (dU)ᵀ (§2: ∂(uᵀA)/∂x = (∂u/∂x)ᵀ A)."""
    return B.transpose(d(e.arg))


def jac_transpose(e: T, i: int, L: Expr) -> Expr:
    """vec(Fᵀ) = K vec F, K the commutation matrix (MN ch. 3 §7); vec(vᵀ) = vec(v)."""
    f = e.arg
    if f.is_vector or f.is_scalar:
        return L
    return B.mul(L, B.commutation(f.rows, f.cols))


register(Op(
    "T", "transpose", d=d_transpose,
    cotangent=lambda e, i, c: B.transpose(c),
    jacobian=jac_transpose,
    evaluate=lambda np, vals, e: vals[0].T,
))


# ---------------------------------------------------------------------------
# powers


def d_scalar_power(e, d):
    """d(uᵖ) = p uᵖ⁻¹ du + uᵖ log(u) dp for scalars u, p."""
    u, p = e.base, e.exp
    terms = []
    du, dp = d(u), d(p)
    if not B.is_zero(du):
        terms.append(B.mul(p, B.power(u, B.add(p, B.MINUS_ONE)), du))
    if not B.is_zero(dp):
        terms.append(B.mul(e, B.fn("log", u), dp))
    return B.add(*terms) if terms else B.zero(e.shape)


def _pow_eval(np, vals, e):
    b, p = float(vals[0][0, 0]), float(vals[1][0, 0])
    with np.errstate(all="ignore"):
        return np.array([[np.power(b, p)]])      # nan, not complex, for b < 0


register(Op(
    "pow", "scalar power", d=d_scalar_power, evaluate=_pow_eval,
))


def d_matrix_power(e: MatPow, d):
    """d(Uⁿ) = L_pow(U, dU) = Σᵢ Uⁱ⁻¹ dU Uⁿ⁻ⁱ (§5 eq. 4); d(U⁻¹) = −U⁻¹ dU U⁻¹ (§5 eq. 5).
    Kept as the Fréchet derivative `dmpow(U, dU, n)`, written out when n is small or dU
    commutes with U, so that d tr(Xⁿ) = n tr(Xⁿ⁻¹ dX) costs the same for every n."""
    if not B.is_zero(d(e.exp)):
        raise UnsupportedError("a matrix power whose exponent depends on the variable")
    du = d(e.base)
    if B.is_zero(du):
        return B.zero(e.shape)
    return B.fn("dmpow", e.base, du, e.exp)


def _matpow_eval(np, vals, e):
    n = float(vals[1][0, 0])
    if n != round(n):
        raise ValueError("a matrix power needs an integer exponent")
    return np.linalg.matrix_power(vals[0], int(round(n)))


register(Op(
    "matpow", "matrix power", d=d_matrix_power,
    transpose=lambda e: B.power(B.transpose(e.base), e.exp),
    evaluate=_matpow_eval,
))


def power_terms(u: Expr, du: Expr, n: int) -> Expr:
    """Σᵢ Uⁱ⁻¹ dU Uⁿ⁻ⁱ for an integer n (n < 0 through V = U⁻¹, dV = −V dU V)."""
    if n == 0:
        return B.zero(u.shape)
    if n < 0:
        v = B.inv(u)
        return power_terms(v, B.neg(B.mul(v, du, v)), -n)
    return B.add(*(B.mul(B.power(u, i - 1), du, B.power(u, n - i)) for i in range(1, n + 1)))


def d_had_power(e, d):
    """d(U^∘p) = p U^∘(p−1) ∘ dU + U^∘p ∘ log(U) dp, element by element."""
    u, p = e.base, e.exp
    terms = []
    du, dp = d(u), d(p)
    if not B.is_zero(du):
        terms.append(B.mul(p, B.had(B.hadpow(u, B.add(p, B.MINUS_ONE)), du)))
    if not B.is_zero(dp):
        terms.append(B.mul(B.had(e, B.fn("log", u)), dp))
    return B.add(*terms) if terms else B.zero(e.shape)


def _hadpow_eval(np, vals, e):
    with np.errstate(all="ignore"):
        return np.power(vals[0], float(vals[1][0, 0]))


register(Op(
    "hadpow", "element-wise power", d=d_had_power,
    transpose=lambda e: B.hadpow(B.transpose(e.base), e.exp),
    evaluate=_hadpow_eval,
))


# ---------------------------------------------------------------------------
# Kronecker products


def d_kron(e: Kron, d):
    """d(U ⊗ V) = dU ⊗ V + U ⊗ dV (§5)."""
    return B.add(B.kron(d(e.a), e.b), B.kron(e.a, d(e.b)))


def _identity_multiple(c: Expr):
    """s if C = s·I (s a scalar expression), else None."""
    if isinstance(c, Ident):
        return B.ONE
    if isinstance(c, Mul) and len(c.chain) == 1 and isinstance(c.chain[0], Ident):
        return B.mul(*[f for f in c.factors if f.is_scalar])
    return None


def _outer(c: Expr):
    """(s, u, v) with C = s u vᵀ, u and v columns, else None."""
    s, m = B.scalar_part(c)
    if isinstance(m, Mul) and len(m.chain) >= 2:
        ch = m.chain
        for k in range(1, len(ch)):
            if ch[k - 1].cols == 1:
                return s, B.mul(*ch[:k]), B.transpose(B.mul(*ch[k:]))
    return None


def cot_kron(e: Kron, i: int, c: Expr) -> Expr:
    """⟨C, A ⊗ F⟩ read off for the cotangents that have a matrix form: C = s I with square
    factors (tr(A ⊗ F) = tr A tr F, §6.1); C = P ⊗ Q with factors of the shapes of A and F
    (⟨P ⊗ Q, A ⊗ F⟩ = ⟨P, A⟩⟨Q, F⟩); C = u vᵀ (uᵀ(A ⊗ F)v = tr(Uᵀ F V Aᵀ), U, V the
    reshaped u, v: MN ch. 2); sums of these term by term."""
    if isinstance(c, Add):
        return B.add(*(cot_kron(e, i, t) for t in c.terms))
    a, f = (e.b, e.a) if i == 0 else (e.a, e.b)      # a: the constant factor
    s = _identity_multiple(c)
    if s is not None and a.is_square and f.is_square:
        return B.mul(s, B.fn("tr", a), B.ident(f.rows))
    sc, core = B.scalar_part(c)
    if isinstance(core, Kron):
        p, q = (core.b, core.a) if i == 0 else (core.a, core.b)
        if p.shape == a.shape and q.shape == f.shape:
            return B.mul(sc, B.inner(p, a), q)
    outer = _outer(c)
    if outer is not None:
        s, u, v = outer
        if i == 1:      # A (m×n) ⊗ F (p×q): U = unvec(u) p×m, V = unvec(v) q×n: C' = U A Vᵀ
            uu = B.unvec(u, (f.rows, a.rows))
            vv = B.unvec(v, (f.cols, a.cols))
            return B.mul(s, uu, a, B.transpose(vv))
        # F (m×n) ⊗ A (p×q): U = unvec(u) p×m, V = unvec(v) q×n: C' = Uᵀ A V
        uu = B.unvec(u, (a.rows, f.rows))
        vv = B.unvec(v, (a.cols, f.cols))
        return B.mul(s, B.transpose(uu), a, vv)
    raise UnsupportedError("reading a gradient through a Kronecker product needs the "
                           "cotangent as s·I, a Kronecker product or an outer product; here it "
                           f"is {c}", hint="the vec-Jacobian of the Kronecker product itself "
                           "(matdiff d \"kron(A, X)\" wrt X) is supported")


def jac_kron(e: Kron, i: int, L: Expr) -> Expr:
    """vec(A ⊗ B) = (I_n ⊗ K(q, m) ⊗ I_p)(vec A ⊗ vec B) for A m×n, B p×q
    (MN ch. 3 Thm 10)."""
    a, b = e.a, e.b
    m, n = a.shape
    p, q = b.shape
    middle = B.kron(B.kron(B.ident(n), B.commutation(q, m)), B.ident(p))
    if i == 1:
        right = B.kron(B.vec(a), B.ident(dim_mul(p, q)))
    else:
        right = B.kron(B.ident(dim_mul(m, n)), B.vec(b))
    return B.mul(L, middle, right)


register(Op(
    "kron", "Kronecker product", d=d_kron, cotangent=cot_kron, jacobian=jac_kron,
    transpose=lambda e: B.kron(B.transpose(e.a), B.transpose(e.b)),
    evaluate=lambda np, vals, e: np.kron(vals[0], vals[1]),
))


# ---------------------------------------------------------------------------
# Hadamard products


def d_had(e: Had, d):
    """d(U ∘ V) = dU ∘ V + U ∘ dV (§5)."""
    fs = e.factors
    terms = [B.had(*fs[:i], d(f), *fs[i + 1:]) for i, f in enumerate(fs)]
    return B.add(*terms)


def _others(e: Had, i: int) -> Expr:
    return B.had(*(f for k, f in enumerate(e.factors) if k != i))


def jac_had(e: Had, i: int, L: Expr) -> Expr:
    """vec(A ∘ F) = diag(vec A) vec F (MN ch. 9)."""
    return B.mul(L, B.fn("diag", B.vec(_others(e, i))))


def _had_eval(np, vals, e):
    out = vals[0]
    for v in vals[1:]:
        out = out * v
    return out


register(Op(
    "had", "Hadamard product", d=d_had,
    cotangent=lambda e, i, c: B.had(c, _others(e, i)),    # ⟨C, A ∘ F⟩ = ⟨C ∘ A, F⟩
    jacobian=jac_had,
    transpose=lambda e: B.had(*(B.transpose(f) for f in e.factors)),
    evaluate=_had_eval,
))


# ---------------------------------------------------------------------------
# leaves


def d_symbol(e, d):
    """d X = dX for the variable, d a = 0 for any other name (§1: ∂x/∂x = I, ∂a/∂x = 0)."""
    raise AssertionError("names are differentiated by the differential stage")


register(Op("sym", "a name", evaluate=lambda np, vals, e: None))
register(Op("num", "a number", d=lambda e, d: B.zero(e.shape),
            evaluate=lambda np, vals, e: _np_float(np, e.value)))
register(Op("I", "the identity", d=lambda e, d: B.zero(e.shape)))
register(Op("zero", "zeros", d=lambda e, d: B.zero(e.shape)))
register(Op("ones", "ones", d=lambda e, d: B.zero(e.shape)))
register(Op("K", "commutation matrix", d=lambda e, d: B.zero(e.shape)))
register(Op("d", "a differential"))
register(Op("dof", "a differential written out (explain)"))



def exponent_value(e: Expr):
    """The exponent of a power as a Fraction, or None when symbolic."""
    return num_value(e.exp)


__all__ = ["POWER_TERMS_LIMIT", "power_terms", "int_value", "Fraction", "Fn", "exponent_value"]
