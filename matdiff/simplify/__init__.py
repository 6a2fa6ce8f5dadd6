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
from .rules import NORMALIZE


def normalize(e: Expr) -> Expr:
    return rewrite(e, NORMALIZE)


def normal_transpose(e: Expr) -> Expr:
    """The normal form of eᵀ."""
    return normalize(B.transpose(e))


def _factor(e: Expr):
    return factor_sum(e, normal_transpose)


FACTOR = NORMALIZE + (_factor,)
PRESENT = make_rules(normal_transpose)


def simplify(e: Expr) -> Expr:
    """A compact form of e: normal form, factored, presented."""
    e = rewrite(e, NORMALIZE)
    e = rewrite(e, FACTOR)
    e = rewrite(e, PRESENT)
    return e
