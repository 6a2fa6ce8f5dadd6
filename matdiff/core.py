"""The pipeline end to end: text in, simplified derivative in a layout out.

grammar → parse → shapes → differential → read-off → simplify → layout. A
repeated `wrt` differentiates the first derivative again (a scalar's first
derivative taken as the gradient, the shape of the variable). The renderers and
the command line take a `Result` from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import build as B
from .derivative import derive
from .errors import MatdiffError, UnsupportedError, UsageError
from .expr import Expr, Sym
from .kinds import second_kind
from .layout import LAYOUTS, to_layout
from .parser import parse
from .shapes import Declarations, Typed, check
from .simplify import simplify

CONVENTIONS = ("sym", "cookbook")


@dataclass(frozen=True)
class Result:
    """A derivative and everything it was made from."""

    source: str
    wrts: tuple               # the variables' names, in order
    layout: str
    typed: Typed
    steps: tuple              # one Step per differentiation
    numerator: Expr           # simplified, numerator layout
    expr: Expr                # simplified, in `layout`
    convention: str = ""      # for a symmetric variable
    notes: tuple = field(default_factory=tuple)

    @property
    def wrt(self) -> str:
        return self.wrts[0]

    @property
    def kind_record(self):
        if len(self.steps) == 1:
            return self.steps[0].kind
        return second_kind(self.function.shape, *(v.shape for v in self.variables))

    @property
    def kind(self) -> str:
        return self.kind_record.name

    @property
    def var(self) -> Sym:
        return self.steps[-1].var

    @property
    def variables(self) -> tuple:
        return self.typed.wrts

    @property
    def function(self) -> Expr:
        return self.typed.expr


def analyse(source: str, decls: Declarations | None = None, wrt=None) -> Typed:
    """Parse and check `source`; with `wrt` (a name or a list), also fix the variables."""
    try:
        return check(parse(source), source, decls, wrt)
    except MatdiffError as e:
        raise e.with_source(source)


def differentiate(source: str, wrt, layout: str = "numerator",
                  decls: Declarations | None = None, convention: str = "sym") -> Result:
    """The derivative of `source` by `wrt` (a name, or a list of two for a second
    derivative), simplified, in `layout`."""
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout {layout!r}; use numerator or denominator")
    if convention not in CONVENTIONS:
        raise UsageError(f"unknown symmetric convention {convention!r}; use sym or cookbook")
    wrts = (wrt,) if isinstance(wrt, str) else tuple(wrt)
    if not 1 <= len(wrts) <= 2:
        raise UsageError("give one variable, or two for a second derivative")
    typed = analyse(source, decls, list(wrts))
    try:
        steps, numerator = _derivatives(typed, convention)
        symmetric = len(steps) == 1 and bool(steps[0].kind.symmetric)
        expr = to_layout(numerator, layout, symmetric)
    except MatdiffError as e:
        raise e.with_source(source)
    except RecursionError:
        raise UnsupportedError("the expression is too deeply nested to differentiate",
                               source=source) from None
    notes = list(typed.notes)
    for v in typed.wrts:
        if not typed.expr.depends_on(v.name):
            notes.append(f"{source.strip()} does not depend on {v.name}: the derivative is 0")
    conv = convention if any(v.symmetric for v in typed.wrts) else ""
    return Result(source, wrts, layout, typed, tuple(steps), numerator, expr, conv, tuple(notes))


def _derivatives(typed: Typed, convention: str):
    f = typed.expr
    variables = typed.wrts
    if len(variables) == 1:
        step = derive(f, variables[0], convention)
        return [step], step.result
    a, b = variables
    if a.symmetric or b.symmetric:
        raise UnsupportedError("second derivatives by a symmetric matrix are not supported "
                               "(drop --symmetric to get the unconstrained Hessian)")
    second_kind(f.shape, a.shape, b.shape)          # refuses tensors of order 3 or more
    first = derive(f, a, convention)
    g = first.result
    if f.is_scalar and not a.is_scalar:             # the gradient, the shape of a
        g = simplify(B.transpose(g))
    second = derive(g, b, convention)
    return [first, second], second.result

