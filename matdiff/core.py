"""The pipeline end to end: text in, simplified derivative in a layout out.

grammar → parse → shapes → differential → derivative → simplify → layout. The
renderers and the command line take a `Result` from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .derivative import Derivative, derive
from .errors import MatdiffError, UnsupportedError, UsageError
from .expr import Expr, Sym, derivative_shape
from .layout import LAYOUTS, to_layout
from .parser import parse
from .shapes import Declarations, Typed, check
from .simplify import simplify


@dataclass(frozen=True)
class Result:
    """A derivative and everything it was made from."""

    source: str
    wrt: str
    layout: str
    typed: Typed
    derivative: Derivative     # unsimplified, numerator layout
    numerator: Expr            # simplified, numerator layout
    expr: Expr                 # simplified, in `layout`

    @property
    def kind(self) -> str:
        return self.derivative.kind

    @property
    def var(self) -> Sym:
        return self.derivative.var

    @property
    def function(self) -> Expr:
        return self.typed.expr


def analyse(source: str, decls: Declarations | None = None, wrt: str | None = None) -> Typed:
    """Parse and check `source`; with `wrt`, also fix the variable's kind and shape."""
    try:
        return check(parse(source), source, decls, wrt)
    except MatdiffError as e:
        raise e.with_source(source)


def _check_kind_of_derivative(typed: Typed) -> None:
    """A derivative matdiff cannot write (a tensor) caused by a default kind gets a hint."""
    f, var = typed.expr, typed.wrt
    if derivative_shape(f.shape, var.shape) is not None:
        return
    _, declared = typed.decls.kind_of(var.name)
    if var.kind == "vector" and not declared:
        raise UnsupportedError(
            f"the derivative of a {'vector' if f.is_vector else 'matrix'} with respect to the "
            f"vector {var.name} is a tensor of order 3 or 4",
            hint=f"{var.name} is a vector by default (a lowercase name); if it is a scalar, "
                 f"declare it: --scalar {var.name}")


def differentiate(source: str, wrt: str, layout: str = "numerator",
                  decls: Declarations | None = None) -> Result:
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout {layout!r}; use numerator or denominator")
    typed = analyse(source, decls, wrt)
    try:
        _check_kind_of_derivative(typed)
        raw = derive(typed.expr, typed.wrt)
        numerator = simplify(raw.expr)
        expr = to_layout(numerator, layout)
    except MatdiffError as e:
        raise e.with_source(source)
    return Result(source, wrt, layout, typed, raw, numerator, expr)
