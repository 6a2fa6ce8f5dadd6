"""Layouts (stage 6): numerator layout is the seed's; denominator is its transpose.

The seed: 分母布局的结果均是分子布局的转置 — every denominator-layout result is
the transpose of the numerator-layout one, for every kind of derivative (a
gradient becomes a column, a Jacobian its transpose, dU/dt becomes dUᵀ/dt, a
vec-Jacobian its transpose). A gradient by a symmetric matrix is symmetric and
the same in both layouts.
"""

from __future__ import annotations

from . import build as B
from .expr import Expr
from .simplify import simplify

LAYOUTS = ("numerator", "denominator")


def to_layout(numerator: Expr, layout: str, symmetric: bool = False) -> Expr:
    if layout == "numerator" or symmetric:
        return numerator
    if layout == "denominator":
        return simplify(B.transpose(numerator))
    raise ValueError(f"unknown layout {layout!r}")
