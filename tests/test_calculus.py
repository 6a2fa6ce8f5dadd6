"""The scalar functions: SymPy's derivative, turned back into matdiff expressions, is
right for a scalar, element-wise and (where it commutes) for matrix functions."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import assert_numeric, run
from matdiff.calculus import derivative, formulas
from matdiff.expr import Sym
from matdiff.functions import MATRIX_FUNCTIONS, SCALAR_FUNCTIONS
from matdiff.textform import to_text

POSITIVE = {"log", "sqrt"}      # defined for positive arguments only


@pytest.mark.parametrize("name", sorted(SCALAR_FUNCTIONS))
def test_scalar_function(name):
    arg = "exp(t)" if name in POSITIVE else "t"
    r = run(f"{name}({arg})", "t", scalar=["t"])
    assert_numeric(r, lambda t: getattr(np, name)(np.exp(t) if name in POSITIVE else t))


@pytest.mark.parametrize("name", sorted(SCALAR_FUNCTIONS))
def test_elementwise_function(name):
    arg = "exp(A x)" if name in POSITIVE else "A x"
    r = run(f"b^T {name}({arg})", "x")
    f = getattr(np, name)
    assert_numeric(r, lambda b, A, x: b @ f(np.exp(A @ x) if name in POSITIVE else A @ x))


@pytest.mark.parametrize("name", sorted(MATRIX_FUNCTIONS))
def test_matrix_function_of_t_times_a_matrix(name):
    import scipy.linalg as sla

    r = run(f"tr({name}(t A) B)", "t", scalar=["t"])
    assert_numeric(r, lambda t, A, B: np.real(np.trace(getattr(sla, name)(t * A) @ B)))


def test_every_function_has_a_constant_free_elementwise_form():
    x = Sym("x", ("n", 1), "vector")
    for name in SCALAR_FUNCTIONS:
        assert derivative(name, x, "elementwise") is not None, name
    assert to_text(derivative("tanh", x, "elementwise")) == "cosh(x).^-2"
    assert to_text(derivative("log", x, "elementwise")) == "x.^-1"


def test_formulas_are_plain_data():
    import json

    json.dumps(formulas("tanh"))     # what the cache stores
    assert formulas("exp") == [["fn", "exp", ["u"]]]
