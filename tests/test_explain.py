"""`matdiff explain`: the derivation reads like the seed's, step by step."""

from __future__ import annotations

import pytest

from matdiff.explain import explain, to_markdown, to_plain
from matdiff.shapes import Declarations


def steps(src, wrt, layout="numerator", **kinds):
    return to_plain(explain(src, wrt, layout, Declarations.from_lists(**kinds)))


def test_trace_of_a_product():
    text = steps("tr(A X B X^T C)", "X")
    expected_in_order = [
        "f = tr(A X B Xᵀ C)",
        "d f = tr(d(A X B Xᵀ C))    [trace: d tr(U) = tr(dU)]",
        "d(A X B Xᵀ C) = A dX B Xᵀ C + A X B d(Xᵀ) C    [product rule",
        "d(Xᵀ) = dXᵀ    [transpose: d(Uᵀ) = (dU)ᵀ]",
        "d f = tr(A dX B Xᵀ C) + tr(A X B dXᵀ C)",
        "Reading off the derivative: d f = tr(G dX)  ⇒  ∂f/∂X = G",
        "tr(A dX B Xᵀ C) = tr(B Xᵀ C A dX)",
        "tr(A X B dXᵀ C) = tr(Bᵀ Xᵀ Aᵀ Cᵀ dX)",
        "∂f/∂X = B Xᵀ C A + Bᵀ Xᵀ Aᵀ Cᵀ",
        "Result",
        "∂f/∂X = B Xᵀ C A + Bᵀ Xᵀ Aᵀ Cᵀ    [numerator layout",
    ]
    pos = 0
    for piece in expected_in_order:
        found = text.find(piece, pos)
        assert found >= 0, f"missing, or out of order: {piece!r}\n{text}"
        pos = found + len(piece)


def test_determinant():
    text = steps("det(X)", "X")
    assert "d f = tr(adj(X) dX)    [determinant: d|U| = tr(adj(U) dU)]" in text
    assert "∂f/∂X = adj(X)" in text
    assert "= |X| X⁻¹    [adj(X) = |X| X⁻¹]" in text
    assert text.rstrip().endswith("∂f/∂X = |X| X⁻¹    [numerator layout, as in the notes]")


def test_quadratic_form_in_denominator_layout():
    text = steps("x^T A x", "x", "denominator")
    assert "d f = d(xᵀ) A x + xᵀ A dx    [product rule" in text
    assert "dxᵀ A x = xᵀ Aᵀ dx    [a scalar equals its transpose]" in text
    assert "∂f/∂x = xᵀ Aᵀ + xᵀ A    [numerator layout: the transpose of G]" in text
    assert "= xᵀ (Aᵀ + A)    [common factor taken out]" in text
    assert "∂f/∂x = (A + Aᵀ) x    [denominator layout: the transpose" in text


def test_markdown_with_latex():
    md = to_markdown(explain("x^T A x", "x"))
    assert md.startswith("## ∂f/∂x for f = `x^T A x`")
    assert "### The differential, one rule per operation" in md
    assert r"$$ \frac{\partial f}{\partial x} = x^{\top} \left(A + A^{\top}\right) $$" in md


@pytest.mark.parametrize("src,wrt,kinds", [
    ("(x - a)/norm(x - a)", "x", {}), ("expm(t A)", "t", {"scalar": ["t"]}),
    ("u(x)^T A v(x)", "x", {}), ("log(det(X^T X))", "X", {}), ("B sin(A x)", "x", {}),
])
def test_every_explanation_ends_with_the_result_of_d(src, wrt, kinds):
    from matdiff.core import differentiate
    from matdiff.render.unicode import to_unicode

    ex = explain(src, wrt, "numerator", Declarations.from_lists(**kinds))
    last = ex.sections[-1].lines[-1]
    want = differentiate(src, wrt, "numerator", Declarations.from_lists(**kinds)).expr
    assert to_unicode(last.rhs) == to_unicode(want)
