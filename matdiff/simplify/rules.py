"""The normalising rewrite rules, in the order the engine tries them.

Each rule looks at one node whose children are already normal, returns a
rewritten node or None, and names the quantity it strictly decreases (so the
engine's fixed point exists). The normal form they reach puts transposes on the
leaves, scalars outside traces, equal factors together as powers, and like
terms together; `matdiff.simplify.factor` and `.present` then make it compact.
"""

from __future__ import annotations

from fractions import Fraction

from .. import build as B
from .. import calculus
from ..expr import (Add, Adj, Call, Cross, Det, Diag, DiagOf, Expr, Fn, Frechet, Had,
                    HadPow, Ident, Kron, MatFn, MatPow, Mul, Norm, Num, Pinv, Pow, Skew, Sym,
                    T, Tr, Zero)
from ..functions import MATRIX_FUNCTIONS
from .keys import key, monomial, tkey



def titled(title: str):
    """Give a rule a short name for explanations."""
    def mark(fn):
        fn.title = title
        return fn
    return mark


# ---------------------------------------------------------------------------
# transposes


def transpose_of(e: Expr) -> Expr:
    """eᵀ with the transpose moved one level down (not recursively)."""
    if isinstance(e, Mul):
        return B.mul(*e.scalars, Num(e.coeff), *(B.transpose(f) for f in reversed(e.chain)))
    if isinstance(e, Add):
        return B.add(*(B.transpose(t) for t in e.terms))
    if isinstance(e, MatPow):
        return B.power(B.transpose(e.base), e.n)
    if isinstance(e, Adj):
        return B.adj(B.transpose(e.arg))
    if isinstance(e, Pinv):
        return B.pinv(B.transpose(e.arg))
    if isinstance(e, MatFn):
        return B.matfn(e.name, B.transpose(e.arg))
    if isinstance(e, Kron):
        return B.kron(B.transpose(e.a), B.transpose(e.b))
    if isinstance(e, Had):
        return B.had(*(B.transpose(f) for f in e.factors))
    if isinstance(e, HadPow):
        return B.hadpow(B.transpose(e.base), e.exp)
    if isinstance(e, Fn):
        return B.fn(e.name, B.transpose(e.arg))
    if isinstance(e, Diag):
        return e
    if isinstance(e, Skew):
        return B.neg(e)
    if isinstance(e, Frechet):
        return Frechet(e.name, B.transpose(e.arg), B.transpose(e.darg))
    return None


@titled("transposes moved to the leaves")
def push_transpose(e: Expr):
    """(A B)ᵀ = Bᵀ Aᵀ, (A + B)ᵀ = Aᵀ + Bᵀ, (Aⁿ)ᵀ = (Aᵀ)ⁿ, adj, pinv, ⊗, ∘ and functions
    likewise. Decreases: the size of the subtree under each transpose."""
    if isinstance(e, T):
        return transpose_of(e.arg)
    return None


# ---------------------------------------------------------------------------
# products


def merge_powers(factors, base_exp, power):
    """Factors with equal bases (by key) merged as one power, in order of first appearance;
    None when no two bases are equal."""
    groups: dict = {}
    for f in factors:
        b, p = base_exp(f)
        k = key(b)
        if k in groups:
            groups[k][1] += p
        else:
            groups[k] = [b, p]
    if len(groups) == len(factors):
        return None
    return [power(b, p) for b, p in groups.values()]


def _scalar_base_exp(f: Expr):
    return (f.base, f.exp) if isinstance(f, Pow) else (f, Fraction(1))


@titled("equal scalar factors merged into powers")
def merge_scalar_powers(e: Expr):
    """s^p s^q = s^(p+q) among a product's scalar factors (matched by key, so xᵀa and aᵀx
    merge). Decreases: the number of scalar factors."""
    if not isinstance(e, Mul) or len(e.scalars) < 2:
        return None
    scal = merge_powers(e.scalars, _scalar_base_exp, B.power)
    return None if scal is None else B.mul(Num(e.coeff), *scal, *e.chain)


def _safe_power_of_power(base: Expr, p: Fraction, q: Fraction) -> bool:
    if q.denominator == 1:
        return True
    if p.denominator == 1 and p.numerator % 2 == 1:
        return True
    return isinstance(base, (Norm,)) or (isinstance(base, Fn) and base.name == "exp")


@titled("powers of powers")
def power_of_power(e: Expr):
    """(s^p)^q = s^(pq) when that is valid for every real s (q an integer, or p odd, or
    s > 0); (a b)^n = aⁿ bⁿ for scalars. Decreases: nesting of powers."""
    if not isinstance(e, Pow):
        return None
    b = e.base
    if isinstance(b, Pow) and _safe_power_of_power(b.base, b.exp, e.exp):
        return B.power(b.base, b.exp * e.exp)
    if isinstance(b, Mul) and b.scalars and not b.chain and e.exp.denominator == 1:
        c = b.coeff ** e.exp.numerator if b.coeff != 0 else Fraction(0)
        return B.mul(Num(Fraction(c)), *(B.power(s, e.exp) for s in b.scalars))
    return None


@titled("Aᵃ Aᵇ = Aᵃ⁺ᵇ (X X⁻¹ = I)")
def merge_chain_powers(e: Expr):
    """Aᵃ Aᵇ = Aᵃ⁺ᵇ for neighbouring factors of a chain (X X⁻¹ = I). Decreases: the length
    of the chain."""
    if not isinstance(e, Mul) or len(e.chain) < 2:
        return None
    chain = list(e.chain)
    out: list[Expr] = []
    changed = False
    for f in chain:
        if out:
            b1, n1 = _mat_base(out[-1])
            b2, n2 = _mat_base(f)
            if b1.is_square and not b1.is_scalar and key(b1) == key(b2):
                out.pop()
                n = n1 + n2
                if n != 0:
                    out.append(B.power(b1, n))
                changed = True
                continue
        out.append(f)
    if not changed:
        return None
    if not out:
        out = [Ident(e.rows)]
    return B.mul(Num(e.coeff), *e.scalars, *out)


def _mat_base(f: Expr):
    if isinstance(f, MatPow):
        return f.base, f.n
    return f, 1


def _square_factors(e: Expr) -> bool:
    return all(f.is_square for f in e.chain)


@titled("(A B)⁻¹ = B⁻¹ A⁻¹")
def inverse_inward(e: Expr):
    """(s A B)⁻ⁿ = s⁻ⁿ (B⁻¹)ⁿ (A⁻¹)ⁿ for square A, B; (s A)ⁿ = sⁿ Aⁿ; (Aᵃ)ᵇ = Aᵃᵇ.
    Decreases: the size of the subtree under each matrix power."""
    if not isinstance(e, MatPow):
        return None
    b, n = e.base, e.n
    if isinstance(b, MatPow):
        return B.power(b.base, b.n * n)
    if isinstance(b, Mul):
        if b.scalars or b.coeff != 1:
            core = B.mul(*b.chain) if b.chain else Ident(e.rows)
            return B.mul(B.power(B.mul(Num(b.coeff), *b.scalars), n), B.power(core, n))
        if n < 0 and _square_factors(b):
            return B.mul(*(B.power(f, n) for f in reversed(b.chain)))
    return None


# ---------------------------------------------------------------------------
# traces, determinants, adjugates


@titled("the trace is linear")
def trace_rules(e: Expr):
    """tr(A + B) = tr A + tr B; tr(s A) = s tr A; tr(A ⊗ B) = tr A tr B;
    tr(d g(U)) = tr(g'(U) dU) (§6.1). Decreases: the size of the subtree under a trace."""
    if not isinstance(e, Tr):
        return None
    a = e.arg
    if isinstance(a, Add):
        return B.add(*(B.trace(t) for t in a.terms))
    if isinstance(a, Mul) and (a.scalars or a.coeff != 1):
        return B.mul(Num(a.coeff), *a.scalars, B.trace(B.mul(*a.chain)))
    if isinstance(a, Kron):
        return B.mul(B.trace(a.a), B.trace(a.b))
    if isinstance(a, Frechet):
        g = calculus.derivative(MATRIX_FUNCTIONS[a.name], a.arg, "matrix")
        return B.trace(B.mul(g, a.darg))
    return None


def _leafy(f: Expr) -> bool:
    """A factor whose inverse is no longer than itself: a name, its transpose or power."""
    if isinstance(f, MatPow):
        f = f.base
    if isinstance(f, T):
        f = f.arg
    return isinstance(f, (Sym, Call, Ident))


@titled("adj(X) = |X| X⁻¹")
def adjugate_to_inverse(e: Expr):
    """adj(Y) = |Y| Y⁻¹ when Y is a product of square names (§6.2: ∂|X|/∂X = X* = |X|X⁻¹),
    so that Y⁻¹ falls apart and cancels; otherwise the adjugate stays (§6.2: B(AXB)*A).
    Decreases: the number of adjugates."""
    if not isinstance(e, Adj):
        return None
    y = e.arg
    factors = y.chain if isinstance(y, Mul) else (y,)
    if all(f.is_square and _leafy(f) for f in factors):
        return B.mul(B.det(y), B.inv(y))
    return None


@titled("|Xᵀ| = |X|")
def det_rules(e: Expr):
    """|Aᵀ| = |A|. Decreases: transposes under a determinant."""
    if isinstance(e, Det) and isinstance(e.arg, T):
        return B.det(e.arg.arg)
    return None


def _gram(f: Expr):
    """X for f = Xᵀ X (side 'left') or X Xᵀ (side 'right'), else None."""
    if isinstance(f, Mul) and not f.scalars and f.coeff == 1 and len(f.chain) == 2:
        a, b = f.chain
        if key(a) == tkey(b):
            return b, a   # f = bᵀ b with a = bᵀ
    return None


@titled("(XᵀX)⁻¹Xᵀ = X⁺")
def pinv_patterns(e: Expr):
    """(XᵀX)⁻¹Xᵀ = X⁺, Xᵀ(XXᵀ)⁻¹ = X⁺, adj(XᵀX)Xᵀ = |XᵀX| X⁺ and their transposes
    (§6.2: ∂|XᵀX|/∂X = 2|XᵀX|X⁺). Decreases: the length of the chain."""
    if not isinstance(e, Mul) or len(e.chain) < 2:
        return None
    ch = list(e.chain)
    for i in range(len(ch) - 1):
        f, g = ch[i], ch[i + 1]
        new = _pinv_pair(f, g)
        if new is not None:
            return B.mul(Num(e.coeff), *e.scalars, *ch[:i], new, *ch[i + 2:])
    return None


def _pinv_pair(f: Expr, g: Expr):
    # (M)⁻¹ or adj(M), with M = Xᵀ X or X Xᵀ, next to X or Xᵀ
    for inner_first in (True, False):
        m_node, other = (f, g) if inner_first else (g, f)
        if isinstance(m_node, MatPow) and m_node.n == -1:
            m, scale = m_node.base, None
        elif isinstance(m_node, Adj):
            m, scale = m_node.arg, B.det(m_node.arg)
        else:
            continue
        gram = _gram(m)
        if gram is None:
            continue
        x, xt = gram          # m = xt x, xt = xᵀ
        # m = xᵀx: (xᵀx)⁻¹ xᵀ = x⁺ ; x (xᵀx)⁻¹ = (x⁺)ᵀ
        # (with x = Xᵀ this also covers (XXᵀ)⁻¹ X = (Xᵀ)⁺ and Xᵀ (XXᵀ)⁻¹ = X⁺ᵀᵀ = X⁺)
        if inner_first and key(other) == key(xt):
            out = B.pinv(x)
        elif not inner_first and key(other) == key(x):
            out = B.pinv(B.transpose(x))
        else:
            continue
        return out if scale is None else B.mul(scale, out)
    return None


# ---------------------------------------------------------------------------
# sums


@titled("numbers multiplied into sums")
def scaled_sums_in_sums(e: Expr):
    """A + X − (A + X) = A + X − A − X: a number times a sum, inside a sum, is spread over
    it so that its terms can meet their likes. Decreases: sums nested in sums."""
    if not isinstance(e, Add):
        return None
    for i, t in enumerate(e.terms):
        if isinstance(t, Mul) and len(t.factors) == 2 and isinstance(t.factors[0], Num) \
                and isinstance(t.factors[1], Add):
            c, inner = t.factors
            return B.add(*e.terms[:i], *(B.mul(c, u) for u in inner.terms), *e.terms[i + 1:])
    return None


@titled("like terms collected")
def collect_like_terms(e: Expr):
    """a M + b M = (a + b) M for terms equal up to their number (by key). Decreases: the
    number of terms."""
    if not isinstance(e, Add):
        return None
    groups: dict = {}
    order = []
    for t in e.terms:
        c, m = monomial(t)
        if m in groups:
            groups[m][1] += c
        else:
            groups[m] = [t, c]
            order.append(m)
    if len(order) == len(e.terms):
        return None
    out = []
    for m in order:
        rep, c = groups[m]
        if c == 0:
            continue
        rc, _ = monomial(rep)
        out.append(B.mul(Num(c / rc), rep) if rc != 0 else rep)
    if not out:
        return B.zero(e.shape)
    return B.add(*out)


# ---------------------------------------------------------------------------
# element-wise products, Kronecker and cross products


@titled("A ∘ A = A^∘2")
def hadamard_rules(e: Expr):
    """A ∘ A = A^∘2 (and A^∘p ∘ A^∘q = A^∘(p+q)). Decreases: the number of factors."""
    if not isinstance(e, Had):
        return None
    fs = merge_powers(e.factors, lambda f: (f.base, f.exp) if isinstance(f, HadPow)
                      else (f, Fraction(1)), B.hadpow)
    return None if fs is None else B.had(*fs)


@titled("scalars taken out")
def scalars_out(e: Expr):
    """(s A) ⊗ B = s (A ⊗ B), (s a) × b = s (a × b), (s A) ∘ B = s (A ∘ B). Decreases:
    scalar factors inside Kronecker, cross and Hadamard products."""
    if isinstance(e, Had):
        split = [_split_scalar(f) for f in e.factors]
        if all(x is None for x in split):
            return None
        scal = [x[0] for x in split if x is not None]
        mats = [x[1] if x is not None else f for x, f in zip(split, e.factors)]
        return B.mul(*scal, B.had(*mats))
    if isinstance(e, (Kron, Cross)):
        a, b = e.a, e.b
        sa = _split_scalar(a)
        sb = _split_scalar(b)
        if sa is None and sb is None:
            if isinstance(e, Cross) and key(a) == key(b):
                return B.zero(e.shape)
            return None
        ca, ma = sa if sa is not None else (Num(Fraction(1)), a)
        cb, mb = sb if sb is not None else (Num(Fraction(1)), b)
        core = B.kron(ma, mb) if isinstance(e, Kron) else B.cross(ma, mb)
        return B.mul(ca, cb, core)
    return None


def _split_scalar(e: Expr):
    if isinstance(e, Mul) and (e.scalars or e.coeff != 1) and e.chain:
        return B.mul(Num(e.coeff), *e.scalars), B.mul(*e.chain)
    return None


@titled("diag is linear")
def diag_rules(e: Expr):
    """diag(s v) = s diag(v); c diag(u) + d diag(v) = diag(c u + d v). Decreases: the
    number of diag nodes, or scalars inside them."""
    if isinstance(e, (Diag, DiagOf)):
        if isinstance(e, DiagOf) and isinstance(e.arg, T):       # diag(Mᵀ) = diag(M)
            return B.diag(e.arg.arg)
        if isinstance(e, Diag) and isinstance(e.arg, DiagOf) and isinstance(e.arg.arg, Ident):
            return e.arg.arg                                     # diag(diag(I)) = I
        split = _split_scalar(e.arg)
        if split is not None:
            return B.mul(split[0], B.diag(split[1]))
        return None
    if isinstance(e, Add):
        diags = [(i, t) for i, t in enumerate(e.terms) if _diag_term(t) is not None]
        if len(diags) < 2:
            return None
        inner = B.add(*(_diag_term(t) for _, t in diags))
        rest = [t for i, t in enumerate(e.terms) if i not in {j for j, _ in diags}]
        return B.add(B.diag(inner), *rest)
    return None


def _diag_term(t: Expr):
    """v for diag(v), c v for c diag(v), else None."""
    if isinstance(t, Diag):
        return t.arg
    if isinstance(t, Mul) and len(t.chain) == 1 and isinstance(t.chain[0], Diag):
        return B.mul(*[f for f in t.factors if f.is_scalar], t.chain[0].arg)
    return None


@titled("diag(a) b = a ∘ b")
def diag_times_vector(e: Expr):
    """diag(a) b = a ∘ b and bᵀ diag(a) = (b ∘ a)ᵀ. Decreases: the length of the chain."""
    if not isinstance(e, Mul) or len(e.chain) < 2:
        return None
    ch = list(e.chain)
    for i in range(len(ch) - 1):
        f, g = ch[i], ch[i + 1]
        if isinstance(f, Diag) and g.is_col:
            return B.mul(Num(e.coeff), *e.scalars, *ch[:i], B.had(f.arg, g), *ch[i + 2:])
        if isinstance(g, Diag) and f.is_row:
            new = B.transpose(B.had(B.transpose(f), g.arg))
            return B.mul(Num(e.coeff), *e.scalars, *ch[:i], new, *ch[i + 2:])
    return None


# ---------------------------------------------------------------------------


@titled("functions of constants evaluated")
def fold_constants(e: Expr):
    """f(0) and f(1) evaluated where the value is an integer: sin(0) = 0, exp(0) = 1,
    sin(0) = 0 for a zero vector, expm(0) = I, cosm(0) = I. Decreases: function nodes."""
    import math

    if isinstance(e, Fn):
        fn = getattr(math, e.name, None)
        if fn is None:
            return None
        if isinstance(e.arg, Num) and e.arg.value in (0, 1):
            try:
                y = fn(float(e.arg.value))
            except ValueError:
                return None
            if math.isfinite(y) and y == round(y):
                return Num(Fraction(int(round(y))))
        if isinstance(e.arg, Zero) and fn(0.0) == 0:
            return e.arg
        return None
    if isinstance(e, MatFn) and isinstance(e.arg, Zero):
        base = getattr(math, MATRIX_FUNCTIONS[e.name], None)
        y = base(0.0) if base is not None and MATRIX_FUNCTIONS[e.name] != "log" else None
        if y == 0:
            return e.arg
        if y == 1:
            return Ident(e.arg.rows)
    return None


NORMALIZE = (
    push_transpose,
    merge_scalar_powers,
    power_of_power,
    merge_chain_powers,
    inverse_inward,
    trace_rules,
    adjugate_to_inverse,
    det_rules,
    pinv_patterns,
    scaled_sums_in_sums,
    collect_like_terms,
    hadamard_rules,
    scalars_out,
    diag_rules,
    diag_times_vector,
    fold_constants,
)
