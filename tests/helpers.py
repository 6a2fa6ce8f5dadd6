"""Shared test helpers: run matdiff through its library pipeline and check results
numerically against an independent NumPy oracle by finite differences."""

from __future__ import annotations

import re

import numpy as np

from matdiff.core import differentiate
from matdiff.numeric import check_formula, choose_sizes, eval_numpy_code, random_inputs
from matdiff.render import numpy_code, render
from matdiff.shapes import Declarations

TOL = 1e-6


def declared(kinds: dict) -> dict:
    """An identity table's kinds ({"scalar": "t,s"}) as `run`'s keyword arguments."""
    return {k: [v] for k, v in kinds.items()}


def matches_form(out: str, expected) -> bool:
    """Whether a printed result is the expected compact form: a string, a tuple of
    acceptable strings, a compiled regex (a form whose inner spelling is free), or a
    predicate on the text."""
    if isinstance(expected, re.Pattern):
        return expected.fullmatch(out) is not None
    if isinstance(expected, tuple):
        return out in expected
    if callable(expected):
        return expected(out)
    return out == expected


def run(expr: str, wrt, layout: str = "numerator", convention: str = "sym", **kinds):
    """The derivative by `wrt` (a name, or a list of two names for a second derivative)."""
    return differentiate(expr, wrt, layout, Declarations.from_lists(**kinds), convention)


def text(expr: str, wrt: str, layout: str = "numerator", **kinds) -> str:
    return render(run(expr, wrt, layout, **kinds), "text")


def numeric_error(result, oracle=None, trials: int = 2, seed: int = 1) -> float:
    """Largest relative error of the printed NumPy code against finite differences of
    `oracle(**inputs)` (or of the parsed input, when no oracle is given)."""
    code = numpy_code(result)
    value = None
    if oracle is not None:
        value = lambda env: oracle(**env)   # noqa: E731
    report = check_formula(result.function, result.variables, result.typed.symbols,
                           result.layout, lambda env: eval_numpy_code(code, env), trials=trials,
                           seed=seed, function_value=value, guard=(result.expr,),
                           convention=result.convention or "sym",
                           constraints=result.typed.constraints)
    return report.max_rel_error


def assert_numeric(result, oracle=None, trials: int = 2):
    err = numeric_error(result, oracle, trials)
    assert err < TOL, f"{result.source} wrt {result.wrt} [{result.layout}]: error {err:.3g}"


inv = np.linalg.inv
det = np.linalg.det
norm = np.linalg.norm
mpow = np.linalg.matrix_power


def random_env(r, seed=3) -> dict:
    """Random inputs for a result, at sizes that satisfy its constraints."""
    rng = np.random.default_rng(seed)
    sizes = choose_sizes(r.typed.symbols, rng, exprs=(r.function, r.expr))
    return random_inputs(r.typed.symbols, sizes, rng)


def assert_denominator_is_the_transpose(expr, wrt, kinds: dict) -> None:
    """The denominator layout's NumPy value is the numerator layout's, transposed."""
    num = run(expr, wrt, "numerator", **declared(kinds))
    den = run(expr, wrt, "denominator", **declared(kinds))
    env = random_env(num)
    a = np.asarray(eval_numpy_code(numpy_code(num), env))
    b = np.asarray(eval_numpy_code(numpy_code(den), env))
    assert np.allclose(a.T, b)
