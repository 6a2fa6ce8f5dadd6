"""Simplification (stage 5): normalise, factor, then present.

One engine (`engine.rewrite`) drives three ordered catalogues of rules to a
fixed point: `rules.NORMALIZE` (transposes to the leaves, powers merged, like
terms collected, X X⁻¹ cancelled, adjugates and pseudo-inverses recognised),
then the same plus `factor.factor_sum` (common factors out when shorter), then
`present` (transposes pulled back where that reads shorter, terms ordered).
"""

from __future__ import annotations

from .. import build as B
from ..expr import Expr
from .engine import rewrite
from .factor import factor_sum
from .present import make_rules
from .rules import NORMALIZE, titled


def normalize(e: Expr) -> Expr:
    return rewrite(e, NORMALIZE)


def normal_transpose(e: Expr) -> Expr:
    """The normal form of eᵀ."""
    return normalize(B.transpose(e))


@titled("common factor taken out")
def factor_common(e: Expr):
    """A common factor taken out of terms of a sum, when that is shorter (§3: xᵀA + xᵀAᵀ =
    xᵀ(A + Aᵀ)). Decreases: the length of the printed sum."""
    return factor_sum(e, normal_transpose)


FACTOR = NORMALIZE + (factor_common,)
PRESENT = make_rules(normal_transpose)


def simplify(e: Expr, trace: list | None = None) -> Expr:
    """A compact form of e: normal form, factored, presented. With `trace`, the rules
    that fired are appended to it as (rule, before, after)."""
    e = rewrite(e, NORMALIZE, trace)
    e = rewrite(e, FACTOR, trace)
    e = rewrite(e, PRESENT, trace)
    return e
