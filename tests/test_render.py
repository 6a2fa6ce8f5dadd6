"""Renderers: text parses back to the same expression; LaTeX, Unicode, NumPy and JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import run
from matdiff.core import analyse
from matdiff.numeric import (choose_sizes, eval_numpy_code, evaluate, random_inputs,
                             sizes_from)
from matdiff.render import as_json, numpy_code, render
from matdiff.shapes import Declarations
from matdiff.simplify import simplify
from matdiff.textform import to_text
from test_differential import COOKBOOK
from test_seed_identities import SEED


def _cases():
    for p in SEED:
        section, expr, wrt, kinds, *_ = p.values
        yield pytest.param(expr, wrt, kinds, id=p.id)
    for p in COOKBOOK:
        expr, wrt, kinds, *_ = p.values
        yield pytest.param(expr, wrt, kinds, id="MC " + p.id)


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize("expr,wrt,kinds", list(_cases()))
def test_text_parses_back_to_the_same_value(expr, wrt, kinds, layout):
    decls = {k: [v] for k, v in kinds.items()}
    r = run(expr, wrt, layout, **decls)
    text = render(r, "text")
    back = analyse(text, Declarations.from_lists(**decls))
    rng = np.random.default_rng(3)
    symbols = dict(r.typed.symbols)
    sizes = choose_sizes(symbols, rng)
    env = random_inputs(symbols, sizes, rng)
    # the parsed-back text names the same dimensions differently: size them by value
    got = evaluate(back.expr, env, _sizes_for(back, env))
    want = evaluate(r.expr, env, sizes)
    if want.shape != got.shape:
        # only an I or 0 whose size no name fixes may come back another size
        named = {d for s in back.symbols.values() for d in s.shape}
        assert not set(back.expr.shape) & named, text
        assert to_text(simplify(back.expr), back.style) == text
    else:
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def _sizes_for(typed, env):
    sizes = sizes_from(env, typed.symbols)
    for d in _dim_names(typed.expr):
        sizes.setdefault(d, 3)
    return sizes


def _dim_names(e):
    out = set()
    for x in e.walk():
        for d in getattr(x, "shape", ()):
            if isinstance(d, str):
                out.add(d)
    return out


@pytest.mark.parametrize("src,wrt,kinds,latex", [
    ("tr(A X B X^T C)", "X", {}, r"B X^{\top} C A + B^{\top} X^{\top} A^{\top} C^{\top}"),
    ("det(X)", "X", {}, r"\det\left(X\right) X^{-1}"),
    ("norm(x - a)", "x", {}, r"\frac{\left(x - a\right)^{\top}}{\left\| x - a \right\|}"),
    ("alpha x^T x", "x", {}, r"2 \alpha x^{\top}"),
    ("u(x)^T A", "x", {}, r"A^{\top} \frac{\partial u}{\partial x}"),
    ("tr(kron(A, X))", "X", {"square": ["A,X"]}, r"\operatorname{tr}\left(A\right) I"),
    ("X[1, 2]", "X", {}, r"E_{21}"),
    ("X^-1[k, l]", "X", {}, r"-X^{-1} E_{lk} X^{-1}"),
    ("X[i, j] x[k]", "x", {}, r"\left[X\right]_{ij} e_{k}^{\top}"),
])
def test_latex(src, wrt, kinds, latex):
    assert render(run(src, wrt, **kinds), "latex") == latex


@pytest.mark.parametrize("src,wrt,kinds,pretty", [
    ("tr(A X B X^T C)", "X", {}, "B Xᵀ C A + Bᵀ Xᵀ Aᵀ Cᵀ"),
    ("det(X)", "X", {}, "|X| X⁻¹"),
    ("(x - a)/norm(x - a)", "x", {}, "I/‖x - a‖ - (x - a)(x - a)ᵀ/‖x - a‖³"),
    ("alpha x^T x", "x", {}, "2 α xᵀ"),
    ("kron(A + t B, C)", "t", {"scalar": ["t"]}, "B ⊗ C"),
    ("u(x)^T A v(x)", "x", {}, "u(x)ᵀ A ∂v/∂x + v(x)ᵀ Aᵀ ∂u/∂x"),
    ("(A + t B) .* C", "t", {"scalar": ["t"]}, "B ∘ C"),
    ("det(X^T X)", "X", {}, "2 |Xᵀ X| X⁺"),
    # the commutation matrix by its dimensions, whatever names could stand for them
    ("X^T", "X", {}, "K(m,n)"),
    ("kron(X, A)", "X", {}, "((I ⊗ K(q,m)) ⊗ I)(I ⊗ vec(A))"),
])
def test_unicode(src, wrt, kinds, pretty):
    assert render(run(src, wrt, **kinds), "pretty") == pretty


def test_numpy_uses_one_dimensional_vectors_and_outer_products():
    r = run("(a^T x) B x", "x")
    assert numpy_code(r) == "np.outer(B @ x, a) + (a @ x)*B"
    r = run("x^T A x", "x", "denominator")
    assert numpy_code(r) == "A @ x + x @ A"          # no n×n temporary A + Aᵀ


def test_numpy_keywords_and_abstract_derivatives():
    r = run("lambda u(x)", "x", scalar=["u"])
    assert numpy_code(r) == "lambda_*du_dx"
    r = run("A u(x)", "x", "denominator")
    assert numpy_code(r) == "du_dx @ A.T"
    r = run("A u(x)", "x", "numerator")
    assert numpy_code(r) == "A @ du_dx"


def test_numpy_zero_and_identity_have_sizes():
    assert numpy_code(run("alpha", "X")) == "np.zeros((X.shape[1], X.shape[0]))"
    assert numpy_code(run("x", "x")) == "np.eye(x.shape[0])"
    assert numpy_code(run("alpha", "x")) == "np.zeros(x.shape[0])"


def test_numpy_adjugate_works_for_singular_matrices():
    r = run("det(A X B)", "X")
    code = numpy_code(r)
    rng = np.random.default_rng(0)
    A, X, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    B[:, 1] = B[:, 0]                  # A X B is singular; its adjugate is not zero
    got = eval_numpy_code(code, {"A": A, "X": X, "B": B})
    y = A @ X @ B
    adj = np.array([[y[1, 1], -y[0, 1]], [-y[1, 0], y[0, 0]]])
    np.testing.assert_allclose(got, B @ adj @ A, atol=1e-10)


def test_json_object():
    r = run("x^T A x", "x", "denominator", symmetric=["A"])
    obj = json.loads(render(r, "json"))
    assert obj == as_json(r)
    assert obj["input"] == "x^T A x" and obj["wrt"] == "x" and obj["layout"] == "denominator"
    assert obj["derivative"] == "scalar-by-vector"
    assert obj["result"] == "2 A x"
    assert obj["numpy"] == "2*(A @ x)"
    assert obj["names"]["A"] == {"kind": "matrix", "shape": ["m", "m"], "symmetric": True}
    assert obj["names"]["x"] == {"kind": "vector", "shape": ["m", 1]}
    assert obj["shape"] == ["m", 1]


def test_numpy_reads_a_dimension_known_only_inside_a_product():
    # unvec(v, A): v has m·n entries and A fixes m, so n is v.shape[0] // m
    r = run("unvec(v, A)", "v")
    code = numpy_code(r)
    assert "v.shape[0] // (A.shape[0])" in code
    env = {"v": np.arange(6.0), "A": np.ones((2, 5))}
    np.testing.assert_array_equal(eval_numpy_code(code, env), np.eye(6))


def test_numpy_renames_a_variable_called_np():
    r = run("np^T x", "x")
    assert numpy_code(r) == "np_"
    assert eval_numpy_code(numpy_code(r), {"np": np.arange(3.0), "x": np.ones(3)})[2] == 2.0
