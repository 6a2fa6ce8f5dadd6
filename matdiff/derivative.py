"""One differentiation, from the function to its simplified derivative (stages 3-5).

d f by the differential rules (`matdiff.differential`), the derivative read off it
as the kind table says (`matdiff.readoff`), then simplified. Every step is kept in
a `Step`, which is what `explain` shows: the derivation the pipeline made, not a
second one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .differential import differential
from .errors import UnsupportedError
from .expr import Expr, Fn, MatPow, Sym, int_value
from .kinds import Kind, kind_of
from .ops.algebra import POWER_TERMS_LIMIT
from .readoff import read_off
from .simplify import simplify


@dataclass
class Step:
    """d f / d var: the differential, the read-off and the simplification."""

    function: Expr
    var: Sym
    kind: Kind
    differential: Expr = None
    rules: list = field(default_factory=list)        # (record, node, its differential)
    parts: list = field(default_factory=list)        # (term, what it gives, rules used)
    raw: Expr = None                                 # read off, before simplification
    simplification: list = field(default_factory=list)   # (rule, before, after)
    result: Expr = None                              # simplified, numerator layout


def derive(f: Expr, var: Sym, convention: str = "sym") -> Step:
    """The simplified derivative of f by var in numerator layout (for a symmetric matrix
    variable: the convention's symmetric gradient)."""
    kind = kind_of(f.shape, var.shape, convention if var.symmetric and var.is_matrix else "")
    step = Step(f, var, kind)
    step.differential = differential(f, var, step.rules)
    step.raw = read_off(step.differential, var, kind, f.shape, step.parts)
    step.result = simplify(step.raw, step.simplification)
    refuse_leftovers(step.result)
    return step


def refuse_leftovers(e: Expr) -> None:
    """A result may not keep a form matdiff cannot print in closed form: the Fréchet
    derivative of a matrix power that is large or symbolic."""
    for x in e.walk():
        if isinstance(x, Fn) and x.op == "dmpow":
            n = int_value(x.args[2])
            what = f"n = {n}" if n is not None else f"the symbolic exponent {x.args[2]}"
            raise UnsupportedError(
                f"the derivative of {MatPow(x.args[0], x.args[2])}: d(Uⁿ) = Σ Uⁱ⁻¹ dU Uⁿ⁻ⁱ has no "
                f"closed form for {what} (matdiff writes the sum out for |n| <= "
                f"{POWER_TERMS_LIMIT}, and "
                "gives n Uⁿ⁻¹ dU only for tr(Uⁿ) itself or where dU commutes with U)")
