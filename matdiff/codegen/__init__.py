"""Code generation: a derivative rewritten for evaluation cost, printed as NumPy code.

The display form of a derivative is chosen for reading (`matdiff.simplify`); NumPy
evaluates code as written, left to right. This stage, separate from the display form
(which it never changes), turns the final expression into code that is cheap to run:

  optimize   (`matdiff.codegen.optimize`) the evaluation form: matrix-chain order of
             every product, a product distributed over a sum where cheaper (and the
             factored form kept where that is cheaper), scalings on the smallest array,
             `solve` instead of an inverse times a matrix, transposes kept free;
  cost       (`matdiff.codegen.cost`) the cost model every choice compares: flops with
             every symbolic dimension one large n, plus the cost of temporaries;
  ir         (`matdiff.codegen.ir`) the evaluation form's extra nodes and the keys that
             find one value computed in several places;
  emit       (`matdiff.codegen.emit`) NumPy code, shared values computed once: named
             with `(t0 := ...)` inside one expression (`--format numpy`), or as
             statements `t0 = ...` (`--format python`).

Nothing here imports NumPy: the cost model is arithmetic on symbolic shapes.
"""

from __future__ import annotations

from .emit import Program
from .optimize import optimize, shared_cost, total_cost


def program(exprs: list, dims: dict, layout: str = "numerator", share: bool = True) -> Program:
    """The expressions (display forms, e.g. a value and its derivatives) optimised
    together, ready to print; `dims` gives the code for each symbolic dimension."""
    return Program(optimize(list(exprs), layout), dims, layout, share)


def numpy_expression(expr, dims: dict, layout: str = "numerator", share: bool = True,
                     avoid=()) -> str:
    """ONE Python expression computing expr at its best known cost; `avoid`: names the
    temporaries must not take (the variables')."""
    return program([expr], dims, layout, share).expression(0, avoid)


__all__ = ["program", "numpy_expression", "optimize", "shared_cost", "total_cost", "Program"]
