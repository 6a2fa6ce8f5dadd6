"""Code generation: a derivative rewritten for evaluation cost, printed as NumPy code.

The display form of a derivative is chosen for reading (`matdiff.simplify`); NumPy
evaluates code as written, left to right. This stage, separate from the display form
(which it never changes), turns the final expression into code that is cheap to run:

  optimize   (`matdiff.codegen.optimize`) the evaluation form: matrix-chain order of
             every product, a product distributed over a sum where cheaper — over a
             whole chain or over the part of it that is a vector, (rᵀW + rᵀWᵀ) X —
             (and the factored form kept where that is cheaper), scalings on the
             smallest array, a product with diag(v) as a broadcast scaling, `solve`
             instead of an inverse times a matrix, transposes kept free;
  share      (`matdiff.codegen.share`) passes over all the roots together: products
             of shared products (the chains parenthesised again so that they recur),
             and one LU factorisation (`scipy.linalg.lu_factor`, `lu_solve`) for a
             matrix solved more than once;
  cost       (`matdiff.codegen.cost`) the cost model every choice compares: flops with
             every symbolic dimension one large n, plus the cost of temporaries;
  ir         (`matdiff.codegen.ir`) the evaluation form's extra nodes and the keys that
             find one value computed in several places;
  emit       (`matdiff.codegen.emit`) NumPy code, shared values computed once: named
             with `(t0 := ...)` inside one expression (`--format numpy`), or as
             statements `t0 = ...` (`--format python`);
  printer    (`matdiff.codegen.printer`) how each node is spelled in NumPy, which
             `emit` extends and `matdiff.render.numpy` uses for results as they read.

Nothing here imports NumPy, and nothing here imports the render stage: the cost model is arithmetic on symbolic shapes.
"""

from __future__ import annotations

# The passes load on first use: `matdiff.render` needs only the printer on every run.


def program(exprs: list, dims: dict, layout: str = "numerator", share: bool = True):
    """The expressions (display forms, e.g. a value and its derivatives) optimised
    together, ready to print (a `matdiff.codegen.emit.Program`); `dims` gives the code
    for each symbolic dimension."""
    from .emit import Program
    from .optimize import optimize
    return Program(optimize(list(exprs), layout), dims, layout, share)


def numpy_expression(expr, dims: dict, layout: str = "numerator", share: bool = True,
                     avoid=()) -> str:
    """ONE Python expression computing expr at its best known cost; `avoid`: names the
    temporaries must not take (the variables')."""
    return program([expr], dims, layout, share).expression(0, avoid)


__all__ = ["program", "numpy_expression"]
