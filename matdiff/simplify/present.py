"""Presentation: choose among equal normal forms the one that reads best.

The normal form keeps every transpose on a leaf, as the seed mostly writes its
results (B Xᵀ C A + Bᵀ Xᵀ Aᵀ Cᵀ). Where that lengthens the result, a transpose
is pulled back over a sum ((x − a)ᵀ rather than (xᵀ − aᵀ), §3) or over an
element-wise operation (sin(x)ᵀ, (a ∘ exp(x))ᵀ). Every rule here either lowers
the number of transposes or only reorders the terms of a sum into a fixed
order, so the engine's fixed point exists.
"""

from __future__ import annotations

from fractions import Fraction

from .. import build as B
from ..expr import Add, Expr, Fn, Had, HadPow, MatPow, Mul, Num, T
from ..ops import record
from ..textform import neg_parts
from .cost import cost
from .engine import rule
from .factor import common_number, parts


def count_transposes(e: Expr) -> int:
    return sum(1 for x in e.walk() if isinstance(x, T))


def _pulled(e: Expr, normal_transpose):
    """(e's transpose in normal form)ᵀ when that has fewer transposes than e, else None."""
    inner = normal_transpose(e)
    if count_transposes(inner) < count_transposes(e):
        return T(inner)
    return None


@rule("hadpow", title="u.^(1/2) = sqrt(u)")
def sqrt_forms(e: Expr):
    """u.^(1/2) = sqrt(u) and u.^(-1/2) = 1 ./ sqrt(u), element-wise. Decreases: powers
    with the exponent ±1/2."""
    v = e.exp.value if isinstance(e.exp, Num) else None
    if v is not None and abs(v) == Fraction(1, 2):
        root = B.fn("sqrt", e.base)
        return root if v > 0 else B.hadpow(root, -1)
    return None


def make_rules(normal_transpose):
    @rule("add", title="xᵀ − aᵀ = (x − a)ᵀ")
    def pull_transpose_over_sum(e: Expr):
        """xᵀ − aᵀ → (x − a)ᵀ and 2xᵀ − 2aᵀ → 2 (x − a)ᵀ when strictly shorter.
        Decreases: transposes."""
        if not isinstance(e, Add) or e.is_scalar:
            return None
        best, best_len = None, cost(e)
        g = common_number([parts(t)[0] for t in e.terms])
        scaled = [(Num(Fraction(1)), e)]
        if g not in (0, 1):
            scaled.append((Num(g), B.add(*(B.mul(Num(1 / g), t) for t in e.terms))))
        for number, core in scaled:
            alt = _pulled(core, normal_transpose)
            if alt is not None:
                cand = B.mul(number, alt)
                if cost(cand) < best_len:
                    best, best_len = cand, cost(cand)
        return best

    @rule("mul", title="xᵀ − aᵀ = (x − a)ᵀ")
    def pull_transpose_in_product(e: Expr):
        """A sum inside a product needs parentheses, so (xᵀ − aᵀ) M → (x − a)ᵀ M is
        shorter. Decreases: transposes."""
        if not isinstance(e, Mul):
            return None
        for i, f in enumerate(e.factors):
            if isinstance(f, Add) and not f.is_scalar:
                alt = _pulled(f, normal_transpose)
                if alt is not None and cost(alt) < cost(f) + 2:
                    fs = list(e.factors)
                    fs[i] = alt
                    return B.mul(*fs)
        return None

    @rule("matpow", title="(Aᵀ)⁻¹ = A⁻ᵀ")
    def pull_transpose_under_power(e: Expr):
        """(Aᵀ + t Bᵀ)⁻¹ → (A + t B)⁻ᵀ when shorter. Decreases: transposes."""
        if not isinstance(e, MatPow) or not isinstance(e.base, Add):
            return None
        alt = _pulled(e.base, normal_transpose)
        if alt is not None:
            cand = MatPow(alt, e.exp)
            if cost(cand) < cost(e):
                return cand
        return None

    @rule(title="sin(xᵀ) = sin(x)ᵀ")
    def pull_transpose_over_elementwise(e: Expr):
        """sin(xᵀ) → sin(x)ᵀ, cos(xᵀ) ∘ xᵀAᵀ → (cos(x) ∘ A x)ᵀ when not longer.
        Decreases: transposes."""
        if e.is_scalar or not isinstance(e, (Had, HadPow, Fn)):
            return None
        if isinstance(e, Fn) and not (record(e.op).elementwise
                                      or record(e.op).family == "matrix function"
                                      and not record(e.op).extra.get("frechet_of")):
            return None
        alt = _pulled(e, normal_transpose)
        if alt is not None and cost(alt) <= cost(e):
            return alt
        return None

    @rule("mul", title="common number taken out")
    def number_out_of_sum(e: Expr):
        """A (−B − C) → −A (B + C), x (A/2 + Aᵀ/2) → x (A + Aᵀ)/2: a number common to
        the terms of a sum inside a product joins the product's number. Decreases: the
        common number of a sum's terms (it becomes 1)."""
        if not isinstance(e, Mul):
            return None
        for i, f in enumerate(e.factors):
            if isinstance(f, Add):
                g = common_number([parts(t)[0] for t in f.terms])
                if g not in (0, 1):
                    fs = list(e.factors)
                    fs[i] = B.add(*(B.mul(Num(1 / g), t) for t in f.terms))
                    return B.mul(Num(g), *fs)
        return None

    @rule("add", title="terms reordered")
    def order_terms(e: Expr):
        """Positive terms before subtracted ones (b − a, not −a + b; A + Aᵀ − A ∘ I), and
        among each, terms with fewer transposes first (B Xᵀ C A + Bᵀ Xᵀ Aᵀ Cᵀ; uᵀ A ∂v/∂x +
        vᵀ Aᵀ ∂u/∂x, as the seed writes them), keeping the order otherwise. Reorders only:
        the order it makes is its own fixed point (a stable sort)."""
        if not isinstance(e, Add):
            return None
        terms = list(e.terms)
        order = sorted(terms, key=lambda t: (bool(neg_parts(t)[0]), count_transposes(t)))
        if order == terms:
            return None
        return B.add(*order)

    from .rules import inverse_cancels
    return (pull_transpose_over_sum, pull_transpose_in_product, pull_transpose_under_power,
            pull_transpose_over_elementwise, number_out_of_sum, order_terms, inverse_cancels,
            sqrt_forms)
