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
from .rules import NORMALIZE

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


FACTOR = Catalogue(NORMALIZE + (factor_common,))
PRESENT = Catalogue(make_rules(normal_transpose))


def simplify(e: Expr, trace: list | None = None) -> Expr:
    """A compact form of e: normal form, factored, presented. With `trace`, the rules
    that fired are appended to it as (rule, before, after), and ("phase", name, form)
    after each phase."""
    for name, catalogue in (("normalise", _NORMALIZE), ("factor", FACTOR),
                            ("present", PRESENT)):
        e = rewrite(e, catalogue, trace)
        if trace is not None:
            trace.append(("phase", name, e))
    return e
