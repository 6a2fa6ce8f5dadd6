"""The normalising rewrite rules, in the order the engine tries them.

Each rule looks at one node whose children are already normal, returns a
rewritten node or None, checks its precondition (its guard), and names the
quantity it strictly decreases (so the engine's fixed point exists). The normal
form they reach puts transposes on the leaves, scalars outside traces, equal
factors together as powers, and like terms together; `matdiff.simplify.factor`
and `.present` then make it compact.
"""

from __future__ import annotations

from fractions import Fraction

from .. import build as B
from ..expr import (Add, Commutation, Expr, Fn, Had, HadPow, Ident, Index, Kron, MatPow, Mul, Num,
                    Ones, Pow, Sym, T, int_value, num_value)
from ..ops import record
from .engine import rule
from .keys import key, monomial, tkey

# ---------------------------------------------------------------------------
# transposes


def transpose_of(e: Expr):
    """eᵀ with the transpose moved one level down (not recursively), or None."""
    if e.is_scalar or B.is_symmetric(e):
        return e
    rec = record(e.op)
    if rec.transpose is None:
        return None
    return rec.transpose(e)


@rule("T", title="transposes moved to the leaves")
def push_transpose(e: Expr):
    """(A B)ᵀ = Bᵀ Aᵀ, (A + B)ᵀ = Aᵀ + Bᵀ, (Aⁿ)ᵀ = (Aᵀ)ⁿ, adj, pinv, ⊗, ∘ and functions
    likewise (each operation's `transpose`). Decreases: the size of the subtree under each
    transpose."""
    return transpose_of(e.arg)


# ---------------------------------------------------------------------------
# products and powers


def merge_powers(factors, base_exp, power):
    """Factors with equal bases (by key) merged as one power, in order of first appearance;
    None when no two bases are equal."""
    groups: dict = {}
    for f in factors:
        b, p = base_exp(f)
        k = key(b)
        if k in groups:
            groups[k][1] = B.add(groups[k][1], p)
        else:
            groups[k] = [b, p]
    if len(groups) == len(factors):
        return None
    return [power(b, p) for b, p in groups.values()]


def _scalar_base_exp(f: Expr):
    return (f.base, f.exp) if isinstance(f, Pow) else (f, B.ONE)


@rule("mul", title="equal scalar factors merged into powers")
def merge_scalar_powers(e: Mul):
    """s^p s^q = s^(p+q) among a product's scalar factors (matched by key, so xᵀa and aᵀx
    merge). Decreases: the number of scalar factors."""
    if len(e.scalars) < 2:
        return None
    scal = merge_powers(e.scalars, _scalar_base_exp, B.power)
    return None if scal is None else B.mul(Num(e.coeff), *scal, *e.chain)


POSITIVE_FUNCTIONS = {"exp", "norm", "sigmoid", "softplus"}


def _positive(base: Expr) -> bool:
    return isinstance(base, Fn) and base.op in POSITIVE_FUNCTIONS


def _safe_power_of_power(base: Expr, p: Expr, q: Expr) -> bool:
    """(s^p)^q = s^(pq) for every real s: q an integer, or p an odd integer, or s > 0."""
    qv, pv = num_value(q), num_value(p)
    if qv is not None and qv.denominator == 1:
        return True
    if pv is not None and pv.denominator == 1 and pv.numerator % 2 == 1:
        return True
    return _positive(base)


@rule("pow", title="powers of powers")
def power_of_power(e: Pow):
    """(s^p)^q = s^(pq) when that is valid for every real s (q an integer, or p odd, or
    s > 0); (a b)^n = aⁿ bⁿ for scalars and an integer n. Decreases: nesting of powers."""
    b = e.base
    if isinstance(b, Pow) and _safe_power_of_power(b.base, b.exp, e.exp):
        return B.power(b.base, B.mul(b.exp, e.exp))
    n = int_value(e.exp)
    if isinstance(b, Mul) and b.scalars and not b.chain and n is not None:
        c = b.coeff ** n if b.coeff != 0 else Fraction(0)
        return B.mul(Num(Fraction(c)), *(B.power(s, n) for s in b.scalars))
    return None


def _mat_base(f: Expr):
    if isinstance(f, MatPow):
        return f.base, f.exp
    return f, B.ONE


@rule("mul", title="Aᵃ Aᵇ = Aᵃ⁺ᵇ (X X⁻¹ = I)")
def merge_chain_powers(e: Mul):
    """Aᵃ Aᵇ = Aᵃ⁺ᵇ for neighbouring factors of a chain with one square base (X X⁻¹ = I).
    Decreases: the length of the chain."""
    if len(e.chain) < 2:
        return None
    out: list[Expr] = []
    changed = False
    for f in e.chain:
        if out:
            b1, n1 = _mat_base(out[-1])
            b2, n2 = _mat_base(f)
            if b1.is_square and not b1.is_scalar and key(b1) == key(b2):
                out.pop()
                out.append(B.power(b1, B.add(n1, n2)))
                changed = True
                continue
        out.append(f)
    if not changed:
        return None
    return B.mul(Num(e.coeff), *e.scalars, *out)


@rule("matpow", title="(Aᵃ)ᵇ = Aᵃᵇ")
def inverse_inward(e: MatPow):
    """(Aᵃ)ᵇ = Aᵃᵇ (integer exponents); (s A)ⁿ = sⁿ Aⁿ. Decreases: the size of the
    subtree under each matrix power."""
    b, n = e.base, e.exp
    if isinstance(b, MatPow):
        return B.power(b.base, B.mul(b.exp, n))
    if isinstance(b, Mul) and (b.scalars or b.coeff != 1):
        core = B.mul(*b.chain) if b.chain else B.ident(e.rows)
        return B.mul(B.power(B.mul(Num(b.coeff), *b.scalars), n), B.power(core, n))
    return None


def _inverse_of_product(f: Expr):
    """The factors of P when f = P⁻¹ for a product P of square factors, else None."""
    if isinstance(f, MatPow) and num_value(f.exp) == -1 and isinstance(f.base, Mul) \
            and not f.base.scalars and f.base.coeff == 1 \
            and all(x.is_square for x in f.base.chain):
        return list(f.base.chain)
    return None


@rule("matpow", title="(A B)⁻¹ = B⁻¹ A⁻¹")
def distribute_inverse(e: MatPow):
    """(A B)⁻ᵏ = (B⁻¹ A⁻¹)ᵏ for square A and B (not B⁻ᵏ A⁻ᵏ). Used in the second normal
    form the simplifier tries (`simplify.simplify` keeps the cheaper). Decreases: inverses
    of products."""
    factors = _inverse_of_product(B.power(e.base, -1)) if isinstance(e.base, Mul) else None
    k = int_value(e.exp)
    if factors is None or k is None or k >= 0:
        return None
    inverse = B.mul(*(B.inv(f) for f in reversed(factors)))
    return inverse if k == -1 else B.power(inverse, -k)


@rule("mul", title="(A B)⁻¹ A = B⁻¹")
def inverse_cancels(e: Mul):
    """(A B)⁻¹ A = B⁻¹ and B (A B)⁻¹ = A⁻¹ for square A and B ((A B)⁻¹ = B⁻¹ A⁻¹, used only
    where a factor cancels: (A B)⁻² is not B⁻² A⁻²). Decreases: the length of the chain."""
    ch = list(e.chain)
    for i in range(len(ch) - 1):
        f, g = ch[i], ch[i + 1]
        pf, pg = _inverse_of_product(f), _inverse_of_product(g)
        new = None
        if pf is not None and key(pf[0]) == key(g):
            new = B.inv(B.mul(*pf[1:]))
        elif pg is not None and key(pg[-1]) == key(f):
            new = B.inv(B.mul(*pg[:-1]))
        if new is not None:
            return B.mul(Num(e.coeff), *e.scalars, *ch[:i], new, *ch[i + 2:])
    return None


# ---------------------------------------------------------------------------
# traces, determinants, adjugates


def _rotate_to_scalar(chain):
    """A cyclic rotation of the chain that starts and ends at a 1-dimension (so that
    tr(A u vᵀ B) = vᵀ B A u), or None."""
    n = len(chain)
    for i in range(1, n):
        if chain[i - 1].cols == 1:
            return chain[i:] + chain[:i]
    return None


@rule("tr", title="the trace is linear")
def trace_rules(e: Fn):
    """tr(A + B) = tr A + tr B; tr(s A) = s tr A; tr(A ⊗ B) = tr A tr B for square A and B;
    tr(A u vᵀ B) = vᵀ B A u; tr(L_g(U, E)) = tr(g'(U) E) (§6.1). Decreases: the size of
    the subtree under a trace."""
    a = e.arg
    if isinstance(a, Add):
        return B.add(*(B.fn("tr", t) for t in a.terms))
    if isinstance(a, Mul) and (a.scalars or a.coeff != 1):
        return B.mul(Num(a.coeff), *a.scalars, B.fn("tr", B.mul(*a.chain)))
    if isinstance(a, Kron) and a.a.is_square and a.b.is_square:
        return B.mul(B.fn("tr", a.a), B.fn("tr", a.b))
    if isinstance(a, Mul):
        rot = _rotate_to_scalar(list(a.chain))
        if rot is not None:
            return B.mul(*rot)
    if isinstance(a, Fn) and record(a.op).extra.get("frechet_of"):
        u, eps = a.args[0], a.args[1]
        if a.op == "dmpow":
            n = a.args[2]
            return B.fn("tr", B.mul(n, B.power(u, B.add(n, B.MINUS_ONE)), eps))
        g = record(record(a.op).extra["frechet_of"]).deriv(u)
        return B.fn("tr", B.mul(g, eps))
    return None


def _leafy(f: Expr) -> bool:
    """A factor whose inverse is no longer than itself: a name, its transpose or power."""
    if isinstance(f, MatPow):
        f = f.base
    if isinstance(f, T):
        f = f.arg
    from ..expr import Call
    return isinstance(f, (Sym, Call, Ident))


@rule("adj", title="adj(X) = |X| X⁻¹")
def adjugate_to_inverse(e: Fn):
    """adj(Y) = |Y| Y⁻¹ when Y is a product of square names (§6.2: ∂|X|/∂X = X* = |X|X⁻¹),
    so that Y⁻¹ falls apart and cancels; otherwise the adjugate stays (§6.2: B(AXB)*A, and
    X A may be singular by its shapes). Decreases: the number of adjugates."""
    y = e.arg
    factors = y.chain if isinstance(y, Mul) else (y,)
    if all(f.is_square and _leafy(f) for f in factors):
        return B.mul(B.fn("det", y), B.inv(y))
    return None


@rule("det", "logdet", title="|Xᵀ| = |X|")
def det_rules(e: Fn):
    """|Aᵀ| = |A|, log|Aᵀ| = log|A|; |expm(A)| = exp(tr A), log|expm(A)| = tr A (Jacobi's
    formula; Higham, Functions of Matrices, Thm 1.45). Decreases: transposes, then
    matrix functions, under a determinant."""
    if isinstance(e.arg, T):
        return B.fn(e.op, e.arg.arg)
    if isinstance(e.arg, Fn) and e.arg.op == "expm":
        t = B.fn("tr", e.arg.arg)
        return t if e.op == "logdet" else B.fn("exp", t)
    return None


def _gram(f: Expr):
    """(X, Xᵀ) for f = Xᵀ X, else None."""
    if isinstance(f, Mul) and not f.scalars and f.coeff == 1 and len(f.chain) == 2:
        a, b = f.chain
        if key(a) == tkey(b):
            return b, a
    return None


@rule("mul", title="(XᵀX)⁻¹Xᵀ = X⁺")
def pinv_patterns(e: Mul):
    """(XᵀX)⁻¹Xᵀ = X⁺, Xᵀ(XXᵀ)⁻¹ = X⁺, adj(XᵀX)Xᵀ = |XᵀX| X⁺ and their transposes
    (§6.2: ∂|XᵀX|/∂X = 2|XᵀX|X⁺; X of full column rank). Decreases: the length of the
    chain."""
    if len(e.chain) < 2:
        return None
    ch = list(e.chain)
    for i in range(len(ch) - 1):
        new = _pinv_pair(ch[i], ch[i + 1])
        if new is not None:
            return B.mul(Num(e.coeff), *e.scalars, *ch[:i], new, *ch[i + 2:])
    return None


def _pinv_pair(f: Expr, g: Expr):
    for inner_first in (True, False):
        m_node, other = (f, g) if inner_first else (g, f)
        if isinstance(m_node, MatPow) and num_value(m_node.exp) == -1:
            m, scale = m_node.base, None
        elif isinstance(m_node, Fn) and m_node.op == "adj":
            m, scale = m_node.arg, B.fn("det", m_node.arg)
        else:
            continue
        gram = _gram(m)
        if gram is None:
            continue
        x, xt = gram          # m = xt x, xt = xᵀ
        if inner_first and key(other) == key(xt):
            out = B.fn("pinv", x)
        elif not inner_first and key(other) == key(x):
            out = B.fn("pinv", B.transpose(x))
        else:
            continue
        return out if scale is None else B.mul(scale, out)
    return None


# ---------------------------------------------------------------------------
# sums


@rule("add", title="numbers multiplied into sums")
def scaled_sums_in_sums(e: Add):
    """A + X − (A + X) = A + X − A − X: a number times a sum, inside a sum, is spread over
    it so that its terms can meet their likes. Decreases: sums nested in sums."""
    for i, t in enumerate(e.terms):
        if isinstance(t, Mul) and len(t.factors) == 2 and isinstance(t.factors[0], Num) \
                and isinstance(t.factors[1], Add):
            c, inner = t.factors
            return B.add(*e.terms[:i], *(B.mul(c, u) for u in inner.terms), *e.terms[i + 1:])
    return None


@rule("add", title="like terms collected")
def collect_like_terms(e: Add):
    """a M + b M = (a + b) M for terms equal up to their number (by key). Decreases: the
    number of terms."""
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
# element-wise products, Kronecker and cross products, linear operations


@rule("had", title="A ∘ A = A^∘2")
def hadamard_rules(e: Had):
    """A ∘ A = A^∘2 (and A^∘p ∘ A^∘q = A^∘(p+q)); A ∘ I = diag(diag(A)) stays, and with
    I a factor only diagonals are read, so Aᵀ ∘ I = A ∘ I (diag(Aᵀ) = diag(A)).
    Decreases: the number of factors, then of transposes."""
    if any(isinstance(f, Ident) for f in e.factors) and any(isinstance(f, T) for f in e.factors):
        return B.had(*(f.arg if isinstance(f, T) else f for f in e.factors))
    fs = merge_powers(e.factors, lambda f: (f.base, f.exp) if isinstance(f, HadPow)
                      else (f, B.ONE), B.hadpow)
    return None if fs is None else B.had(*fs)


def _split_scalar(e: Expr):
    if isinstance(e, Mul) and (e.scalars or e.coeff != 1) and e.chain:
        return B.mul(Num(e.coeff), *e.scalars), B.mul(*e.chain)
    return None


LINEAR_ARGS = {"tr": (0,), "sum": (0,), "vec": (0,), "unvec": (0,), "diag": (0,),
               "diagof": (0,), "skew": (0,), "cross": (0, 1)}


@rule("had", "kron", title="scalars taken out")
def scalars_out(e: Expr):
    """(s A) ⊗ B = s (A ⊗ B), (s A) ∘ B = s (A ∘ B), f(s A) = s f(A) for an operation
    linear in that argument (vec, diag, sum, cross, Fréchet derivatives in their
    direction). Decreases: scalar factors inside those operations."""
    if isinstance(e, Had):
        split = [_split_scalar(f) for f in e.factors]
        if all(x is None for x in split):
            return None
        scal = [x[0] for x in split if x is not None]
        mats = [x[1] if x is not None else f for x, f in zip(split, e.factors)]
        return B.mul(*scal, B.had(*mats))
    if isinstance(e, Kron):
        sa, sb = _split_scalar(e.a), _split_scalar(e.b)
        if sa is None and sb is None:
            return None
        ca, ma = sa if sa is not None else (B.ONE, e.a)
        cb, mb = sb if sb is not None else (B.ONE, e.b)
        return B.mul(ca, cb, B.kron(ma, mb))
    return None


def _linear_args(e: Fn):
    if e.op in LINEAR_ARGS:
        return LINEAR_ARGS[e.op]
    if record(e.op).extra.get("frechet_of"):
        return (1,)
    return ()


@rule(title="scalars taken out")
def linear_scalars_out(e: Expr):
    """f(s A) = s f(A) for an operation linear in that argument (vec, diag, sum, cross,
    a Fréchet derivative in its direction); a × a = 0. Decreases: scalar factors inside
    linear operations."""
    if not isinstance(e, Fn) or e.op == "tr":
        return None
    for i in _linear_args(e):
        split = _split_scalar(e.args[i])
        if split is not None:
            s, m = split
            args = list(e.args)
            args[i] = m
            return B.mul(s, B.fn(e.op, *args))
    if e.op == "cross" and key(e.args[0]) == key(e.args[1]):
        return B.zero(e.shape)
    return None


@rule("diag", "diagof", "add", title="diag is linear")
def diag_rules(e: Expr):
    """diag(Mᵀ) = diag(M); diag(diag(I)) = I; c diag(u) + d diag(v) = diag(c u + d v);
    the diagonal of an outer product diag(u vᵀ) = u ∘ v, of a power of a diagonal matrix
    diag(diag(v)ᵏ) = v^∘k. Decreases: the number of diag nodes, or transposes inside them,
    or the size of the matrix whose diagonal is taken."""
    if isinstance(e, Fn):
        a = e.arg
        if e.op == "diagof" and isinstance(a, T):
            return B.fn("diagof", a.arg)
        if e.op == "diagof" and isinstance(a, Mul) and len(a.chain) == 2 and \
                a.chain[0].is_col and a.chain[1].is_row:     # diag(u vᵀ) = u ∘ v
            return B.mul(Num(a.coeff), *a.scalars,
                         B.had(a.chain[0], B.transpose(a.chain[1])))
        if e.op == "diagof" and isinstance(a, MatPow) and isinstance(a.base, Fn) \
                and a.base.op == "diag" and a.base.arg.is_vector:    # diag(diag(v)ᵏ) = v^∘k
            return B.hadpow(a.base.arg, a.exp)
        return None
    diags = [(i, t) for i, t in enumerate(e.terms) if _diag_term(t) is not None]
    if len(diags) < 2:
        return None
    inner = B.add(*(_diag_term(t) for _, t in diags))
    rest = [t for i, t in enumerate(e.terms) if i not in {j for j, _ in diags}]
    return B.add(B.fn("diag", inner), *rest)


def _diag_term(t: Expr):
    """v for diag(v), c v for c diag(v), else None."""
    if isinstance(t, Fn) and t.op == "diag":
        return t.arg
    if isinstance(t, Mul) and len(t.chain) == 1 and isinstance(t.chain[0], Fn) \
            and t.chain[0].op == "diag":
        return B.mul(*[f for f in t.factors if f.is_scalar], t.chain[0].arg)
    return None


def _is_diag(f: Expr) -> bool:
    return isinstance(f, Fn) and f.op == "diag"


@rule("mul", title="diag(a) b = a ∘ b")
def diag_times_vector(e: Mul):
    """diag(a) b = a ∘ b, bᵀ diag(a) = (b ∘ a)ᵀ, diag(a) diag(b) = diag(a ∘ b), and
    skew(a) b = a × b. Decreases: the length of the chain."""
    if len(e.chain) < 2:
        return None
    ch = list(e.chain)
    for i in range(len(ch) - 1):
        f, g = ch[i], ch[i + 1]
        new = None
        if _is_diag(f) and g.is_col:
            new = B.had(f.arg, g)
        elif _is_diag(g) and f.is_row:
            new = B.transpose(B.had(B.transpose(f), g.arg))
        elif _is_diag(f) and _is_diag(g):
            new = B.fn("diag", B.had(f.arg, g.arg))
        elif isinstance(f, Fn) and f.op == "skew" and g.is_col:
            new = B.fn("cross", f.arg, g)
        if new is not None:
            return B.mul(Num(e.coeff), *e.scalars, *ch[:i], new, *ch[i + 2:])
    return None


@rule("mul", title="1ᵀ v = sum(v)")
def ones_rules(e: Mul):
    """1ᵀ v = sum(v) and vᵀ 1 = sum(v) for a vector v. Decreases: the length of the
    chain."""
    ch = list(e.chain)
    for i in range(len(ch) - 1):
        f, g = ch[i], ch[i + 1]
        if isinstance(f, Ones) and f.is_row and g.is_col:
            return B.mul(Num(e.coeff), *e.scalars, *ch[:i], B.fn("sum", g), *ch[i + 2:])
        if isinstance(g, Ones) and g.is_col and f.is_row:
            return B.mul(Num(e.coeff), *e.scalars, *ch[:i], B.fn("sum", B.transpose(f)),
                         *ch[i + 2:])
    return None


@rule("sum", title="sum(u ∘ v) = uᵀ v")
def sum_rules(e: Fn):
    """sum(u ∘ v) = uᵀ v for columns; sum(A + B) = sum A + sum B; sum(s A) = s sum A;
    sum(e_i) = 1 for a unit vector or matrix. Decreases: the size of the subtree under
    the sum."""
    a = e.arg
    if isinstance(a, Index) and a.arg is None:
        return B.ONE                    # sum(e_i) = sum(E_ij) = 1: one entry is 1
    if isinstance(a, Had) and len(a.factors) == 2 and a.is_col:
        return B.mul(B.transpose(a.factors[0]), a.factors[1])
    if isinstance(a, Add):
        return B.add(*(B.fn("sum", t) for t in a.terms))
    split = _split_scalar(a)
    if split is not None:
        return B.mul(split[0], B.fn("sum", split[1]))
    return None


def _is_vec(e: Expr) -> bool:
    return isinstance(e, Fn) and e.op == "vec"


@rule("mul", title="Kronecker products multiplied")
def kron_products(e: Mul):
    """(A ⊗ B)(C ⊗ D) = AC ⊗ BD when the shapes conform (MN ch. 2 Thm 2); P (aᵀ ⊗ B) =
    aᵀ ⊗ (P B) for a row aᵀ; (a ⊗ B) P = a ⊗ (B P) for a column a; K(m, n) K(n, m) = I;
    K(p, m)(A ⊗ B)K(n, q) = B ⊗ A for A m×n, B p×q (MN ch. 3 Thm 9), used where one K is
    I; K(m, n) vec A = vec Aᵀ; (A ⊗ B) vec X = vec(B X Aᵀ) and vec(X)ᵀ (A ⊗ B) = vec(Bᵀ X A)ᵀ
    when X has the shape
    that makes it so (MN ch. 2 Thm 2), not merely as many entries. Decreases: the number
    of Kronecker products, then the length of the chain."""
    ch = list(e.chain)
    for i in range(len(ch) - 1):
        f, g = ch[i], ch[i + 1]
        new = None
        if isinstance(f, Kron) and isinstance(g, Kron):
            if f.a.cols == g.a.rows and f.b.cols == g.b.rows:
                new = B.kron(B.mul(f.a, g.a), B.mul(f.b, g.b))
        elif isinstance(g, Kron) and g.a.is_row and not isinstance(f, Kron) \
                and f.cols == g.b.rows:
            new = B.kron(g.a, B.mul(f, g.b))
        elif isinstance(f, Kron) and f.a.is_col and not isinstance(g, Kron) \
                and f.b.cols == g.rows:
            new = B.kron(f.a, B.mul(f.b, g))
        elif isinstance(f, Commutation) and isinstance(g, Commutation) \
                and f.m == g.n and f.n == g.m:
            new = B.ident(f.rows)
        elif isinstance(f, Commutation) and _is_vec(g) and g.arg.shape == (f.m, f.n):
            new = B.vec(B.transpose(g.arg))            # K(m, n) vec A = vec Aᵀ, A m×n
        elif isinstance(g, Commutation) and isinstance(f, T) and _is_vec(f.arg) \
                and f.arg.arg.shape == (g.n, g.m):     # vec(A)ᵀ K(m, n) = vec(Aᵀ)ᵀ, A n×m
            new = B.transpose(B.vec(B.transpose(f.arg.arg)))
        elif isinstance(f, Kron) and _is_vec(g) and g.arg.shape == (f.b.cols, f.a.cols):
            new = B.vec(B.mul(f.b, g.arg, B.transpose(f.a)))   # (A ⊗ B) vec X = vec(B X Aᵀ)
        elif isinstance(g, Kron) and isinstance(f, T) and _is_vec(f.arg) \
                and f.arg.arg.shape == (g.b.rows, g.a.rows):    # vec(X)ᵀ (A ⊗ B) = vec(Bᵀ X A)ᵀ
            new = B.transpose(B.vec(B.mul(B.transpose(g.b), f.arg.arg, g.a)))
        elif isinstance(f, Kron) and isinstance(g, Fn) and g.op == "vecskew" \
                and f.a.is_row and isinstance(f.b, Ident):
            new = B.neg(B.fn("skew", B.transpose(f.a)))   # (vᵀ ⊗ I) vecskew() = −skew(v)
        elif isinstance(f, Kron) and isinstance(g, Commutation) \
                and (g.m, g.n) == (f.a.cols, f.b.cols) and 1 in (f.a.rows, f.b.rows):
            new = B.kron(f.b, f.a)          # (A ⊗ B) K(n, q) = B ⊗ A when A or B is a row
        elif isinstance(f, Commutation) and isinstance(g, Kron) \
                and (f.m, f.n) == (g.b.rows, g.a.rows) and 1 in (g.a.cols, g.b.cols):
            new = B.kron(g.b, g.a)          # K(p, m) (A ⊗ B) = B ⊗ A when A or B is a column
        if new is not None:
            return B.mul(Num(e.coeff), *e.scalars, *ch[:i], new, *ch[i + 2:])
    return None


@rule("log", "exp", title="log(exp(u)) = u, log(1 + exp(u)) = softplus(u)")
def log_exp(e: Fn):
    """log(exp(u)) = u (real u); exp(log(u)) = u (u > 0, where log u is real);
    log(1 + exp(u)) = softplus(u). Decreases: function applications."""
    if isinstance(e.arg, Fn) and {e.op, e.arg.op} == {"log", "exp"}:
        return e.arg.arg
    if e.op != "log":
        return None
    u = _one_plus_exp(e.arg)
    if u is not None:
        return B.fn("softplus", u)
    return None


def _is_one(e: Expr) -> bool:
    return isinstance(e, Ones) or (isinstance(e, Num) and e.value == 1)


def _one_plus_exp(e: Expr):
    """u when e = 1 + exp(u) (the 1 on every entry), else None."""
    if isinstance(e, Add) and len(e.terms) == 2:
        a, b = e.terms
        for one, ex in ((a, b), (b, a)):
            if _is_one(one) and isinstance(ex, Fn) and ex.op == "exp":
                return ex.arg
    return None


def _negative_power_base(f: Expr):
    """(b, k) when f = b^-k for an integer k > 0 (element-wise or scalar), else None."""
    if isinstance(f, (HadPow, Pow)):
        v = num_value(f.exp)
        if v is not None and v < 0 and v.denominator == 1:
            return f.base, -v.numerator
    return None


def _sigmoid_power(f: Expr):
    """(sigmoid(u), k) when f = sigmoid(u)^k, k a positive integer; else (None, 0)."""
    k = 1
    if isinstance(f, (Pow, HadPow)):
        v = int_value(f.exp)
        if v is None or v < 1:
            return None, 0
        f, k = f.base, v
    if isinstance(f, Fn) and f.op == "sigmoid":
        return f, k
    return None, 0


def _power(base: Expr, k: int, elementwise: bool) -> Expr:
    return B.hadpow(base, k) if elementwise else B.power(base, k)


def _pair_factors(e: Expr):
    """The factors that element-wise rules pair up: a Hadamard product's factors, or a
    product's scalar factors; None for other nodes."""
    if isinstance(e, Had):
        return list(e.factors)
    if isinstance(e, Mul):
        return list(e.scalars)
    return None


def _with_pair_replaced(e: Expr, fs: list, i: int, j: int, new: Expr) -> Expr:
    """e with its paired factors fs[i] and fs[j] replaced by the one factor `new`."""
    rest = [x for k, x in enumerate(fs) if k not in (i, j)]
    if isinstance(e, Had):
        return B.had(new, *rest)
    return B.mul(Num(e.coeff), new, *rest, *e.chain)


@rule("had", "mul", "hadpow", "pow", title="exp(u)/(1 + exp(u)) = sigmoid(u)")
def sigmoid_forms(e: Expr):
    """(1 + exp(−u))⁻ᵏ = sigmoid(u)ᵏ, exp(u)/(1 + exp(u)) = sigmoid(u) and
    sigmoid(u) exp(−u) = sigmoid(−u), element-wise or for scalars. Decreases: the number
    of exp nodes."""
    nb = _negative_power_base(e)
    if nb is not None:
        u = _one_plus_exp(nb[0])
        if u is not None and isinstance(u, Mul) and u.coeff < 0:
            return _power(B.fn("sigmoid", B.neg(u)), nb[1], isinstance(e, HadPow))
        return None
    fs = _pair_factors(e)
    if fs is None:
        return None
    for i, f in enumerate(fs):
        for j, g in enumerate(fs):
            if j == i or not (isinstance(g, Fn) and g.op == "exp"):
                continue
            new = None
            nb = _negative_power_base(f)
            if nb is not None and nb[1] == 1 and _one_plus_exp(nb[0]) is not None \
                    and key(_one_plus_exp(nb[0])) == key(g.arg):
                new = B.fn("sigmoid", g.arg)                  # exp(u) / (1 + exp(u))
            else:
                sig, k = _sigmoid_power(f)                    # sigmoid(u)^k exp(-u)
                if sig is not None and key(B.neg(sig.arg)) == key(g.arg):
                    new = B.fn("sigmoid", g.arg)
                    if k > 1:
                        pw = _power(sig, k - 1, isinstance(e, Had))
                        new = B.had(pw, new) if isinstance(e, Had) else B.mul(pw, new)
            if new is not None:
                return _with_pair_replaced(e, fs, i, j, new)
    return None


@rule("hadpow", title="I^∘p = I")
def identity_power(e: HadPow):
    """I^∘p = I for p > 0 (the entries are 0 and 1). Decreases: the number of nodes."""
    if isinstance(e.base, Ident) and (num_value(e.exp) or 0) > 0:
        return e.base
    return None


@rule("had", "mul", title="sign(u) u = |u|")
def sign_times_itself(e: Expr):
    """sign(u) ∘ u = |u| element-wise, sign(a) a = |a| for a scalar. Decreases: the
    number of factors."""
    fs = _pair_factors(e) or []
    for i, f in enumerate(fs):
        if not (isinstance(f, Fn) and f.op == "sign"):
            continue
        for j, g in enumerate(fs):
            if j != i and key(g) == key(f.arg):
                return _with_pair_replaced(e, fs, i, j, B.fn("abs", g))
    return None


_QUOTIENTS = {("sinh", "cosh"): "tanh", ("sin", "cos"): "tan"}


@rule("had", "mul", title="sinh(u) ./ cosh(u) = tanh(u)")
def quotient_functions(e: Expr):
    """sinh(u) ./ cosh(u) = tanh(u) and sin(u) ./ cos(u) = tan(u), element-wise or for
    scalars (the same argument u above and below). Decreases: the number of factors."""
    fs = _pair_factors(e) or []
    for i, f in enumerate(fs):
        if not isinstance(f, Fn):
            continue
        for j, g in enumerate(fs):
            nb = _negative_power_base(g)
            if j == i or nb is None or nb[1] != 1 or not isinstance(nb[0], Fn):
                continue
            name = _QUOTIENTS.get((f.op, nb[0].op))
            if name is None or key(f.args[0]) != key(nb[0].args[0]):
                continue
            return _with_pair_replaced(e, fs, i, j, B.fn(name, f.args[0]))
    return None


def _frechet_term(t: Expr):
    """(scalar factor, L_f(U, E)) when the term t is a scalar times a Fréchet derivative."""
    if isinstance(t, Fn) and record(t.op).extra.get("frechet_of"):
        return B.ONE, t
    if isinstance(t, Mul) and len(t.chain) == 1:
        f = t.chain[0]
        if isinstance(f, Fn) and record(f.op).extra.get("frechet_of"):
            return B.mul(Num(t.coeff), *t.scalars), f
    return None


@rule("add", title="L(U, E₁) + L(U, E₂) = L(U, E₁ + E₂)")
def frechet_linear(e: Add):
    """a L_f(U, E₁) + b L_f(U, E₂) = L_f(U, a E₁ + b E₂): a Fréchet derivative is linear
    in its direction (Higham, Functions of Matrices, §3.1). Decreases: the number of
    Fréchet derivatives."""
    groups: dict = {}
    for i, t in enumerate(e.terms):
        ft = _frechet_term(t)
        if ft is not None:
            f = ft[1]
            k = (f.op, key(f.args[0])) + tuple(key(a) for a in f.args[2:])
            groups.setdefault(k, []).append((i, ft))
    for members in groups.values():
        if len(members) < 2:
            continue
        f0 = members[0][1][1]
        direction = B.add(*(B.mul(c, f.args[1]) for _, (c, f) in members))
        merged = B.fn(f0.op, f0.args[0], direction, *f0.args[2:])
        used = {i for i, _ in members}
        return B.add(merged, *(t for i, t in enumerate(e.terms) if i not in used))
    return None


@rule("mul", title="uᵀ (v ./ u) = sum(v)")
def inner_of_elementwise(e: Mul):
    """uᵀ v = sum(u ∘ v) for vectors when equal factors of the element-wise product then
    merge (uᵀ (v ./ u) = sum(v)). Decreases: the number of element-wise factors."""
    if not (e.is_scalar and len(e.chain) == 2 and not e.scalars):
        return None
    a, b = e.chain
    if not (a.is_row and b.is_col):
        return None
    from .engine import rewrite
    u = rewrite(B.transpose(a), [push_transpose])
    if not any(isinstance(x, (Had, HadPow)) for x in (u, b)):
        return None
    had = B.had(u, b)
    merged = hadamard_rules(had) if isinstance(had, Had) else None
    if merged is None:
        return None
    return B.mul(Num(e.coeff), B.fn("sum", merged))




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
    linear_scalars_out,
    diag_rules,
    diag_times_vector,
    ones_rules,
    sum_rules,
    kron_products,
    log_exp,
    sigmoid_forms,
    identity_power,
    sign_times_itself,
    quotient_functions,
    frechet_linear,
    inner_of_elementwise,
)
