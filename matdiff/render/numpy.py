"""NumPy code: one Python expression that evaluates a result (stage 7, render).

`to_numpy` prints the evaluation form that `matdiff.codegen` makes of a result (the
cheapest evaluation order, shared values computed once); `display_numpy` prints an
expression as it reads. How each node is spelled lives with the code generator
(`matdiff.codegen.printer`), which renders it here.
"""

from __future__ import annotations

from ..codegen.printer import NumpyPrinter, dim_witnesses, py_name
from ..expr import Expr


def display_numpy(e: Expr, symbols: dict, functions: dict | None = None,
                  layout: str = "numerator") -> str:
    """The display form printed as it reads (left to right), without optimisation."""
    return NumpyPrinter(dim_witnesses(symbols, functions), layout)(e)


def to_numpy(e: Expr, symbols: dict, functions: dict | None = None,
             layout: str = "numerator") -> str:
    """ONE expression computing e, rewritten for evaluation cost (`matdiff.codegen`):
    products in their cheapest order, shared values named once with `(t0 := ...)`."""
    from ..codegen import numpy_expression
    names = [py_name(n) for n in symbols] + [py_name(n) for n in (functions or {})]
    return numpy_expression(e, dim_witnesses(symbols, functions), layout, avoid=names)
