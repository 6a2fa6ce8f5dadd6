"""The library API, in process and from a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

import pytest

import matdiff
from matdiff import api

ROOT = Path(__file__).resolve().parent.parent


def test_fresh_interpreter():
    probe = ("import matdiff\n"
             "r = matdiff.d('tr(A X B X^T C)', wrt='X', layout='denominator')\n"
             "print(str(r)); print(r.latex()); print(r.numpy()); print(r._repr_latex_())\n"
             "print(r.kind, r.layout, r.wrt, r.shape)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "C A X B + A^T C^T X B^T"
    assert lines[1] == r"C A X B + A^{\top} C^{\top} X B^{\top}"
    assert lines[2] == "(t0 := C @ A) @ (X @ B) + (B @ X.T @ t0).T"    # C A computed once
    assert lines[3] == r"$$C A X B + A^{\top} C^{\top} X B^{\top}$$"
    assert lines[4] == "scalar-by-matrix denominator X ('n', 'p')"


def test_derivative_object():
    r = matdiff.d("x^T A x", wrt="x", symmetric=["A"])
    assert str(r) == r.text() == "2 x^T A"
    assert r.pretty() == "2 xᵀ A"
    assert r.numpy() == "2*(x @ A)"
    assert r.json()["result"] == "2 x^T A"
    assert r.names["A"]["symmetric"] is True
    assert repr(r) == "<matdiff.Derivative d/dx (numerator): 2 x^T A>"
    assert r == matdiff.d("x^T A x", "x", symmetric="A")
    assert r.check().ok
    assert "Reading off the derivative" in r.explain()
    assert r.explain("markdown").startswith("## ")
    assert "def f_and_derivative(x, A):" in r.python()


def test_parse():
    e = matdiff.parse("t A + B", scalar="t")
    assert str(e) == "t A + B"
    assert e.names["t"] == {"kind": "scalar", "shape": [1, 1]}
    assert list(e.shape) == e.names["A"]["shape"] and len(e.shape) == 2
    assert e.d("t").text() == "A"
    assert e._repr_latex_() == "$$t A + B$$"


def test_errors_are_the_domain_types():
    with pytest.raises(matdiff.ParseError) as info:
        matdiff.d("tr(A X", wrt="X")
    assert info.value.column == 7
    with pytest.raises(matdiff.ShapeError):
        matdiff.d("expm(t A)", wrt="t")
    with pytest.raises(matdiff.UnsupportedError):
        matdiff.d("a^T X^n b", wrt="X", scalar="n")
    with pytest.raises(matdiff.UsageError):
        matdiff.d("x", wrt="x", layout="sideways")
    assert issubclass(matdiff.ParseError, matdiff.MatdiffError)


def test_the_api_is_typed_and_documented():
    for fn in (api.d, api.parse):
        hints = typing.get_type_hints(fn)
        assert "return" in hints and fn.__doc__
    for name in ("text", "latex", "numpy", "python", "check", "explain"):
        assert getattr(api.Derivative, name).__doc__


def test_import_is_light():
    probe = ("import sys, matdiff\n"
             "print(sorted(m for m in sys.modules if m.startswith(('matdiff.', 'lark', 'sympy',"
             " 'numpy', 'typer'))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout
