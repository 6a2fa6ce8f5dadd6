"""Reading derivatives off differentials: by a scalar, gradients, Jacobians, and the
derivatives matdiff refuses."""

from __future__ import annotations

import pytest

from matdiff.core import analyse
from matdiff.derivative import derive, derivative_kind
from matdiff.errors import UnsupportedError
from matdiff.shapes import Declarations
from matdiff.simplify import simplify
from matdiff.textform import to_text


def num(src, wrt, **kinds):
    t = analyse(src, Declarations.from_lists(**kinds), wrt)
    return to_text(simplify(derive(t.expr, t.wrt).expr))


@pytest.mark.parametrize("src,wrt,kinds,kind", [
    ("t^2", "t", {"scalar": ["t"]}, "scalar-by-scalar"),
    ("t a", "t", {"scalar": ["t"]}, "vector-by-scalar"),
    ("t A", "t", {"scalar": ["t"]}, "matrix-by-scalar"),
    ("x^T x", "x", {}, "scalar-by-vector"),
    ("A x", "x", {}, "vector-by-vector"),
    ("tr(X)", "X", {}, "scalar-by-matrix"),
])
def test_kinds(src, wrt, kinds, kind):
    t = analyse(src, Declarations.from_lists(**kinds), wrt)
    assert derivative_kind(t.expr, t.wrt) == kind


def test_by_a_scalar_is_the_differential_at_dt_one():
    assert num("t^2 A + sin(t) B", "t", scalar=["t"]) == "2 t A + cos(t) B"


def test_gradient_through_traces_transposes_and_hadamard_products():
    assert num("tr(A X^T)", "X") == "A^T"
    assert num("a^T (x .* b)", "x") == "(a .* b)^T"


def test_jacobian_of_a_row_vector_is_that_of_its_transpose():
    assert num("x^T A", "x") == "A^T"


def test_jacobian_through_a_scalar_factor():
    assert num("(a^T x) b", "x") == "b a^T"


def test_trace_of_a_non_commuting_matrix_function_by_a_scalar():
    assert num("tr(expm(A + t B))", "t", scalar=["t"]) == "tr(expm(A + t B) B)"


@pytest.mark.parametrize("src,wrt,fragment", [
    ("X^2", "X", "tensor of order 3 or 4"),
    ("X a", "X", "tensor of order 3 or 4"),
    ("a^T expm(X) b", "X", "only under a trace"),
    ("expm(A + t B)", "t", "need not commute"),
    ("a^T kron(X, B) b", "X", "Kronecker"),
    ("a^T du/dx", "x", "second derivatives"),
])
def test_what_cannot_be_written_is_refused_clearly(src, wrt, fragment):
    kinds = {"scalar": ["t"]} if wrt == "t" else {}
    with pytest.raises(UnsupportedError, match=fragment):
        num(src, wrt, **kinds)
