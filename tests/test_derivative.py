"""Reading derivatives off differentials (matdiff.readoff, matdiff.derivative): the kind
table decides what is read off; by a scalar, gradients, Jacobians, vec-Jacobians, and
the derivatives matdiff refuses."""

from __future__ import annotations

import pytest

from matdiff.core import analyse
from matdiff.derivative import derive
from matdiff.errors import UnsupportedError
from matdiff.kinds import kind_of
from matdiff.readoff import terms_of
from matdiff.shapes import Declarations
from matdiff.textform import to_text


def num(src, wrt, **kinds):
    t = analyse(src, Declarations.from_lists(**kinds), wrt)
    return to_text(derive(t.expr, t.wrt).result, names=t.symbols.values())


@pytest.mark.parametrize("src,wrt,kinds,kind,readoff", [
    ("t^2", "t", {"scalar": ["t"]}, "scalar-by-scalar", "substitute"),
    ("t a", "t", {"scalar": ["t"]}, "vector-by-scalar", "substitute"),
    ("t A", "t", {"scalar": ["t"]}, "matrix-by-scalar", "substitute"),
    ("x^T x", "x", {}, "scalar-by-vector", "gradient"),
    ("A x", "x", {}, "vector-by-vector", "vec-jacobian"),
    ("tr(X)", "X", {}, "scalar-by-matrix", "gradient"),
    ("X a", "X", {}, "vector-by-matrix", "vec-jacobian"),
    ("x a^T", "x", {}, "matrix-by-vector", "vec-jacobian"),
    ("A X", "X", {}, "matrix-by-matrix", "vec-jacobian"),
])
def test_one_kind_table(src, wrt, kinds, kind, readoff):
    t = analyse(src, Declarations.from_lists(**kinds), wrt)
    k = kind_of(t.expr.shape, t.wrt.shape)
    assert (k.name, k.readoff) == (kind, readoff)
    assert derive(t.expr, t.wrt).kind == k


def test_by_a_scalar_is_the_differential_at_dt_one():
    assert num("t^2 A + sin(t) B", "t", scalar=["t"]) == "2 t A + cos(t) B"


def test_gradient_through_traces_transposes_and_hadamard_products():
    assert num("tr(A X^T)", "X") == "A^T"
    assert num("a^T (x .* b)", "x") == "(a .* b)^T"


def test_jacobian_of_a_row_vector_is_that_of_its_transpose():
    assert num("x^T A", "x") == "A^T"


def test_jacobian_through_a_scalar_factor():
    assert num("(a^T x) b", "x") == "b a^T"


def test_vec_jacobians_in_kronecker_form():
    assert num("A X B", "X") == "kron(B^T, A)"
    assert num("X^-1", "X") == "-kron(X^-T, X^-1)"
    assert num("X^T", "X") == "commutation(X)"
    assert num("x a^T", "x") == "kron(a, I)"


def test_trace_of_a_non_commuting_matrix_function_by_a_scalar():
    assert num("tr(expm(A + t B))", "t", scalar=["t"]) == "tr(expm(A + t B) B)"


def test_the_differential_splits_into_linear_terms():
    t = analyse("tr(A X B X^T C)", Declarations(), "X")
    step = derive(t.expr, t.wrt)
    assert len(terms_of(step.differential)) == 2
    assert [to_text(term) for term, _, _ in step.parts] == ["tr(A dX B X^T C)", "tr(A X B dX^T C)"]


@pytest.mark.parametrize("src,wrt,fragment", [
    ("a^T X^n b", "X", "no closed form"),
    ("a^T X^100 b", "X", "n = 100"),
    ("adj(X A)", "X", "may be singular"),
])
def test_what_cannot_be_written_is_refused_clearly(src, wrt, fragment):
    kinds = {"scalar": ["t", "n"]}
    with pytest.raises(UnsupportedError, match=fragment):
        num(src, wrt, **kinds)


@pytest.mark.parametrize("expr,wrt", [("a^T X^12 b", "X"), ("X^11", "X"), ("tr(A X^16)", "X")])
def test_powers_are_written_out_up_to_sixteen_terms(expr, wrt):
    from helpers import run
    from matdiff.verify import check

    for layout in ("numerator", "denominator"):
        assert check(run(expr, wrt, layout)).ok
