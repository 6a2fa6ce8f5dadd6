"""Simplification (stage 5): normalise, factor, then present.

One engine (`engine.rewrite`) drives three catalogues of rules to a fixed point:
`rules.NORMALIZE` (transposes to the leaves, powers merged, like terms collected,
X X⁻¹ cancelled, adjugates and pseudo-inverses recognised, Kronecker products
multiplied), then the same plus `factor.factor_sum` (common factors out when that
lowers the cost), then `present` (transposes pulled back where that lowers the
cost, terms ordered). Choices between equal forms are made by `cost.cost`.
"""

from __future__ import annotations

from .. import build as B
from ..expr import Expr
from .engine import Catalogue, rewrite, rule
from .factor import factor_sum
from .present import make_rules
from ..expr import MatPow
from .cost import measure
from .rules import NORMALIZE, distribute_inverse

_NORMALIZE = Catalogue(NORMALIZE)


def normalize(e: Expr) -> Expr:
    return rewrite(e, _NORMALIZE)


def normal_transpose(e: Expr) -> Expr:
    """The normal form of eᵀ."""
    return normalize(B.transpose(e))


@rule("add", title="common factor taken out")
def factor_common(e: Expr):
    """A common factor taken out of terms of a sum, when that lowers the cost (§3: xᵀA +
    xᵀAᵀ = xᵀ(A + Aᵀ)). Decreases: the cost of the sum."""
    return factor_sum(e, normal_transpose)


@rule("add", title="A ⊗ B + A ⊗ C = A ⊗ (B + C)")
def factor_kron(e: Expr):
    """s A ⊗ B + t A ⊗ C = A ⊗ (s B + t C), and likewise on the right (the Kronecker
    product is bilinear), when that lowers the cost. Decreases: the cost of the sum."""
    from .cost import measure
    from .keys import key
    from ..expr import Kron
    terms = list(e.terms)
    split = [B.scalar_part(t) for t in terms]
    for side in (0, 1):
        groups: dict = {}
        for i, (s, core) in enumerate(split):
            if isinstance(core, Kron):
                groups.setdefault(key(core.a if side == 0 else core.b), []).append(i)
        for idx in groups.values():
            if len(idx) < 2:
                continue
            first = split[idx[0]][1]
            fixed = first.a if side == 0 else first.b
            rest = B.add(*(B.mul(split[i][0], split[i][1].b if side == 0 else split[i][1].a)
                           for i in idx))
            merged = B.kron(fixed, rest) if side == 0 else B.kron(rest, fixed)
            cand = B.add(merged, *(t for i, t in enumerate(terms) if i not in idx))
            if measure(cand) < measure(e):
                return cand
    return None


EXPAND_TERMS, EXPAND_COST = 12, 300


@rule("add", title="products expanded where like terms then meet")
def expand_to_collect(e: Expr):
    """B (B M + M B) + B² M = 2 B² M + B M B: products over sums expanded, one level, when
    the like terms that then meet make the sum cheaper. Decreases: the cost of the sum."""
    from ..expr import Add as A_, Mul as M_
    from .cost import cost
    if len(e.terms) > EXPAND_TERMS or cost(e) > EXPAND_COST:
        return None                     # worth trying on readable sums only
    if not any(isinstance(t, M_) and any(isinstance(f, A_) for f in t.factors)
               for t in e.terms):
        return None
    expanded = B.add(*(_expand(t) for t in e.terms))
    cand = rewrite(expanded, FACTOR_BASE)
    return cand if measure(cand) < measure(e) else None


def _expand(t: Expr) -> Expr:
    from ..expr import Add as A_, Mul as M_
    if not isinstance(t, M_):
        return t
    for i, f in enumerate(t.factors):
        if isinstance(f, A_):
            fs = t.factors
            return B.add(*(_expand(B.mul(*fs[:i], u, *fs[i + 1:])) for u in f.terms))
    return t


FACTOR_BASE = Catalogue(NORMALIZE + (factor_common, factor_kron))
FACTOR = Catalogue(NORMALIZE + (factor_common, factor_kron, expand_to_collect))
PRESENT = Catalogue(make_rules(normal_transpose))
# the second normal form: inverses of products of square matrices distributed
_DISTRIBUTED = Catalogue(NORMALIZE + (distribute_inverse,))
_DISTRIBUTED_FACTOR = Catalogue(NORMALIZE + (distribute_inverse, factor_common, factor_kron,
                                               expand_to_collect))


def simplify(e: Expr, trace: list | None = None) -> Expr:
    """A compact form of e: normal form, factored, presented. Where e holds the inverse
    of a product of square matrices, the normal form with (A B)⁻¹ = B⁻¹ A⁻¹ is tried too,
    and the cheaper result kept (`cost.measure`). With `trace`, the rules that fired are
    appended to it as (rule, before, after), and ("phase", name, form) after each phase."""
    best = _pipeline(e, (_NORMALIZE, FACTOR, PRESENT), trace)
    if any(distribute_inverse(x) is not None for x in e.walk() if isinstance(x, MatPow)) \
            or any(distribute_inverse(x) is not None for x in best.walk()
                   if isinstance(x, MatPow)):
        other_trace = [] if trace is not None else None
        other = _pipeline(e, (_DISTRIBUTED, _DISTRIBUTED_FACTOR, PRESENT), other_trace)
        if measure(other) < measure(best):
            if trace is not None:
                trace[:] = other_trace
            return other
    return best


def _pipeline(e: Expr, phases, trace) -> Expr:
    for name, catalogue in zip(("normalise", "factor", "present"), phases):
        e = rewrite(e, catalogue, trace)
        if trace is not None:
            trace.append(("phase", name, e))
    return e
