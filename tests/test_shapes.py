"""Kinds and shapes: default kinds, declarations, inferred dimensions, shape errors."""

from __future__ import annotations

import pytest

from matdiff.core import analyse
from matdiff.errors import ShapeError, UnknownNameError, UnsupportedError, UsageError
from matdiff.shapes import Declarations, default_kind


def typed(src, wrt=None, **kinds):
    return analyse(src, Declarations.from_lists(**kinds), wrt)


@pytest.mark.parametrize("name,kind", [
    ("A", "matrix"), ("X1", "matrix"), ("Sigma", "matrix"), ("x", "vector"), ("u_2", "vector"),
    ("alpha", "scalar"), ("lambda", "scalar"), ("α", "scalar"), ("λ", "scalar"), ("t", "vector"),
])
def test_default_kinds(name, kind):
    assert default_kind(name) == kind


def test_declarations_override_defaults():
    t = typed("t A + B", scalar="t")
    assert t.symbols["t"].shape == (1, 1)
    assert t.symbols["A"].shape == t.symbols["B"].shape


def test_comma_separated_and_repeated_declarations():
    d = Declarations.from_lists(scalar=["s,t", "u"])
    assert d.scalar == {"s", "t", "u"}


def test_conflicting_declarations_are_usage_errors():
    with pytest.raises(UsageError, match="both scalar and vector"):
        Declarations.from_lists(scalar=["t"], vector=["t"])


def test_symmetric_matrices_are_square_and_equal_their_transpose():
    t = typed("x^T A x", symmetric="A")
    a = t.symbols["A"]
    assert a.symmetric and a.shape[0] == a.shape[1]


def test_dimensions_are_inferred_by_unification():
    t = typed("tr(A X B X^T C)")
    s = t.symbols
    m, n = s["X"].shape
    assert s["A"].shape[1] == m and s["B"].shape == (n, n) and s["C"].shape[0] == m
    assert s["A"].shape[0] == s["C"].shape[1]
    assert m != n   # nothing forces X to be square


def test_named_dimensions_are_never_one():
    t = typed("x^T A y")
    assert t.symbols["x"].shape[0] != 1 and t.symbols["y"].shape[0] != 1


def test_kronecker_factors_stay_independent():
    """tr(kron(A, X)) needs m·p = n·q for A m×n and X p×q, not square factors: the
    equation is kept as a constraint; --square makes the factors square."""
    t = typed("tr(kron(A, X))")
    a, x = t.symbols["A"], t.symbols["X"]
    assert a.shape[0] != a.shape[1] and x.shape[0] != x.shape[1]
    (left, right), = t.constraints
    assert sorted(left + right) == sorted(a.shape + x.shape)
    t = typed("tr(kron(A, X))", square="A,X")
    assert t.symbols["A"].shape[0] == t.symbols["A"].shape[1] and not t.constraints


@pytest.mark.parametrize("src", ["tr(kron(I, X))", "tr(kron(X, I))", "kron(A, X) + kron(A, Y^T)"])
def test_a_common_factor_of_a_dimension_equation_cancels(src):
    """k·m = k·n gives m = n (dimensions are positive integers): kron(I, X) is square only
    if X is, so tr(kron(I, X)) = tr(I) tr(X) applies."""
    t = typed(src)
    x = t.symbols["X"]
    if "Y" in src:
        assert t.symbols["Y"].shape == (x.shape[1], x.shape[0]) and not t.constraints
    else:
        assert x.shape[0] == x.shape[1] and not t.constraints


@pytest.mark.parametrize("src,kinds,column,fragments", [
    ("expm(t A)", {}, 6, ["t (vector, m×1)", "A (matrix", "--scalar t"]),
    ("A + x", {}, 1, ["cannot add A (matrix", "x (vector"]),
    ("A x + B", {}, 1, ["cannot add", "the shapes differ"]),
    ("tr(x)", {}, 4, ["tr() needs a square matrix", "--scalar x"]),
    ("x^2", {}, 1, ["cannot raise the vector x", "--scalar x"]),
    ("A / B", {}, 1, ["cannot divide by B (matrix", "only by a scalar"]),
    ("cross(a, A)", {}, 10, ["3-vectors", "A (matrix"]),
    ("A x .* B x", {}, 1, ["Hadamard product needs equal shapes", "(A x) .* (B x)"]),
    ("A(x + b)", {}, 3, ["abstract function", "A*(x + b)"]),
    ("u(x) + u", {}, 8, ["both as a function and as a variable"]),
    ("x + A", {}, 1, ["cannot add x (vector", "A (matrix"]),
    ("norm(X theta - y)^2", {}, 6, ["cannot subtract", "--vector theta"]),
    ("softmax(X)", {}, 9, ["softmax() takes a column vector"]),
    ("sum()", {}, 1, ["sum() takes 1 argument"]),
    ("x .^ A", {}, 6, ["exponent must be a scalar"]),
    ("sigmod(x)", {}, 1, ["did you mean sigmoid"]),
    ("trace(X)", {}, 1, ["did you mean tr"]),
    ("Tr(X)", {}, 1, ["did you mean tr"]),
    ("softmx(x)", {}, 1, ["did you mean softmax"]),
    ("eye + A", {}, 1, ["write I"]),
    ("tr", {}, 1, ["is a function"]),
    ("det(A x)", {}, 5, ["det() takes a square matrix", "A x (vector"]),
    ("X^(1/2)", {}, 1, ["fractional matrix power"]),
])
def test_shape_errors_name_operands_shapes_and_column(src, kinds, column, fragments):
    with pytest.raises((ShapeError, UnsupportedError, UnknownNameError)) as info:
        typed(src, **kinds)
    err = info.value
    assert err.column == column, err.one_line()
    for frag in fragments:
        assert frag in err.one_line()
    assert "\n" not in err.one_line()


def test_variable_checks():
    with pytest.raises(UsageError):
        typed("tr(X)", wrt="I")
    with pytest.raises(UsageError, match="abstract function"):
        typed("u(x)", wrt="u")
    with pytest.raises(UsageError, match="declared both|symmetric"):
        typed("x^T x", wrt="x", symmetric="x", vector="x")
    with pytest.raises(UsageError, match="built-in"):
        typed("tr(X)", wrt="tr")


def test_a_variable_missing_from_the_expression_gets_its_default_kind():
    t = typed("tr(A)", wrt="X")
    assert t.wrt.shape[0] != 1 and t.wrt.shape[1] != 1


@pytest.mark.parametrize("src", ["x[i] * i", "i * x[i]"])
def test_a_name_is_an_index_or_a_variable_not_both(src):
    with pytest.raises(ShapeError, match="both as an index and as a variable"):
        typed(src, scalar="i")
