"""Numerical verification of a printed derivative (`--check`, `matdiff check`).

The formula that is checked is the one printed as NumPy code, so the check
covers the whole pipeline: the derivative, its simplification, its layout and
the code generation. Inputs are random, of consistent random sizes (distinct
where possible), symmetric where declared (and perturbed symmetrically); the
reference is a 4th-order central finite difference of the input expression
(differences of differences for a second derivative). NumPy is imported only here.
"""

from __future__ import annotations

from .errors import UnsupportedError
from .expr import Call, Deriv, Expr
from .numeric import CheckReport, check_formula, eval_numpy_code, evaluate, sizes_from
from .render.numpy import to_numpy

DEFAULT_TOLERANCE = 1e-6


def _require_values(result) -> None:
    if any(isinstance(x, (Call, Deriv)) for x in result.function.walk()):
        raise UnsupportedError("abstract functions have no values, so this derivative cannot "
                               "be checked numerically")
    try:
        import numpy  # noqa: F401
        import scipy.linalg  # noqa: F401
    except ImportError:
        raise UnsupportedError("checking numerically needs NumPy and SciPy",
                               hint="pip install 'matdiff[numeric]'") from None


def _tolerance(result, tolerance: float) -> float:
    return max(tolerance, 1e-5) if len(result.wrts) > 1 else tolerance


def check(result, trials: int = 3, tolerance: float = DEFAULT_TOLERANCE,
          seed: int = 0) -> CheckReport:
    """Compare the result's NumPy code with finite differences of its input."""
    _require_values(result)
    t = result.typed
    code = to_numpy(result.expr, t.symbols, t.functions, result.layout)
    return check_formula(result.function, result.variables, t.symbols, result.layout,
                         lambda env: eval_numpy_code(code, env), trials=trials, seed=seed,
                         tolerance=_tolerance(result, tolerance), guard=(result.expr,),
                         convention=result.convention or "sym",
                         constraints=t.constraints)


def check_formula_expr(result, formula: Expr, trials: int = 3,
                       tolerance: float = DEFAULT_TOLERANCE, seed: int = 0) -> CheckReport:
    """Check another candidate formula (in the result's layout) for the same derivative."""
    _require_values(result)
    t = result.typed

    def value(env):
        out = evaluate(formula, env, sizes_from(env, t.symbols))
        if out.shape == (1, 1):
            return out[0, 0]
        return out.ravel() if 1 in out.shape else out

    return check_formula(result.function, result.variables, t.symbols, result.layout, value,
                         trials=trials, seed=seed, tolerance=_tolerance(result, tolerance),
                         guard=(formula,), convention=result.convention or "sym",
                         constraints=t.constraints)


def describe(report: CheckReport) -> str:
    sizes = report.sizes[0] if report.sizes else {}
    dims = ", ".join(f"{k}={v}" for k, v in sorted(sizes.items()))
    verdict = "ok" if report.ok else f"FAILED (tolerance {report.tolerance:g})"
    return (f"check: max relative error {report.max_rel_error:.2g} against finite differences "
            f"at {report.trials} random input{'s' if report.trials != 1 else ''}"
            f"{f' (sizes {dims}, ...)' if dims else ''}: {verdict}")
