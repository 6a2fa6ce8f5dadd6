"""Second derivatives by repeated `wrt` (issue 8; contract.md, "Additions": repeated `wrt`).

Each row of the contract's table: its source (the seed notes' section §, the Matrix Cookbook,
Magnus & Neudecker, "Matrix Differential Calculus", 3rd ed., MN for short; Higham,
"Functions of Matrices"; Bishop, PRML), the expression and the two variables,
declarations, the compact numerator-layout result matdiff must print, and an independent
NumPy oracle of the expression. Every row is checked by differences of differences of the
oracle in both layouts at random inputs whose sizes all differ (so a missing transpose or a
swapped Kronecker factor shows), its NumPy code's shape against the contract's table, and
its JSON `derivative` kind and `shape`.

Then: second derivatives of abstract functions (the notes' ∂²U⁻¹/∂x∂y, §5), element indices
(§1 and §5), `explain` for a second derivative, generated code, and the inputs that must be
refused with a clear error.
"""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import json
import re
import subprocess

import numpy as np
import pytest
import scipy.linalg as sla

from helpers import (assert_denominator_is_the_transpose, declared, inv, matches_form,
                     mpow, norm, numeric_error, random_env, run)
from matdiff.core import analyse
from matdiff.errors import MatdiffError
from matdiff.explain import explain, to_plain
from matdiff.numeric import compare, eval_numpy_code
from matdiff.render import dims_text, numpy_code, render
from matdiff.shapes import Declarations
from matdiff.textform import to_text
from test_cli import command, md

LAYOUTS = ["numerator", "denominator"]
TOL2 = 1e-5          # differences of differences


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def H(id, source, expr, wrt, expected, oracle, kind, **kinds):
    """`expected`: the numerator-layout text; a tuple lists equally compact forms; a
    compiled regex matches a form whose inner spelling is free; a callable is a predicate
    on the text (with its description in `source`). `kind`: the JSON `derivative`."""
    return pytest.param(source, expr, wrt, kinds, expected, oracle, kind, id=id)






def _sums(terms, outer=("{}",)):
    """Every order of the terms of a sum, each wrapped in each of `outer`."""
    out = []
    for perm in itertools.permutations(terms):
        s = " + ".join(perm)
        out += [o.format(s) for o in outer]
    return tuple(out)


def _one_fraction(out: str) -> bool:
    """log(xᵀAx)'s Hessian as one expression: (A + Aᵀ) taken out once, not a sum of two
    fractions (A + Aᵀ)/q − (A + Aᵀ) x xᵀ (A + Aᵀ)/q²."""
    return out in ("(A + A^T)(I/(x^T A x) - x x^T (A + A^T)/(x^T A x)^2)",
                   "(A + A^T)(I - x x^T (A + A^T)/(x^T A x))/(x^T A x)") \
        or (out.count("/") == 1 and out.endswith("/(x^T A x)^2"))


S = {"scalar": "s"}
ST = {"scalar": "s,t"}

SECOND = [
    # --- scalar f; scalars s, t: a scalar ---
    H("t3s2-t-s", "standard (mixed partial): d/ds d/dt t³s² = 6t²s", "t^3 s^2", ["t", "s"],
      "6 t^2 s", lambda t, s: t ** 3 * s ** 2, "second-derivative", scalar="t,s"),
    H("t3s2-s-t", "standard (mixed partials agree, Schwarz)", "t^3 s^2", ["s", "t"],
      ("6 t^2 s", "6 s t^2"), lambda t, s: t ** 3 * s ** 2, "second-derivative",
      scalar="t,s"),
    # --- vector or matrix F; scalars s, t: the shape of F, entry-wise ---
    H("exp-st-a", "standard (vector by two scalars): (1 + s t) e^{st} a", "exp(s t) a",
      ["s", "t"],
      re.compile(r"\(1 \+ (s t|t s)\) ?\*?exp\(s t\) a|exp\(s t\) ?\(1 \+ (s t|t s)\) a"
                 r"|exp\(s t\)\(a \+ t s a\)"),
      lambda s, t, a: np.exp(s * t) * a, "vector-by-scalars", **ST),
    H("expm-sA-ss", "seed §5 g(xA); Higham ch. 10: d²/ds² e^{sA} = A² e^{sA}", "expm(s A)",
      ["s", "s"], ("expm(s A) A^2", "A^2 expm(s A)", "A expm(s A) A"),
      lambda s, A: sla.expm(s * A), "matrix-by-scalars", **S),
    H("ApsB-cube-ss", "seed §5 eq. 3, 4 (product rule, A and B not commuting): "
      "2(B²U + BUB + UB²), U = A + sB", "(A + s B)^3", ["s", "s"],
      _sums(["B^2 (A + s B)", "B*(A + s B) B", "(A + s B) B^2"], ("2 ({})", "2*({})"))
      + ("2 (B^2 A + 3 s B^3 + B A B + A B^2)",),
      lambda s, A, B: mpow(A + s * B, 3), "matrix-by-scalars", **S),
    # --- scalar f; vector x twice: the Hessian ---
    H("xTAx", "seed §3; Cookbook (81): ∇²xᵀAx = A + Aᵀ", "x^T A x", ["x", "x"],
      ("A + A^T", "A^T + A"), lambda x, A: x @ A @ x, "hessian-by-vector"),
    H("norm4", "Cookbook §2.5.4 / standard: ∇²‖x‖⁴ = 4‖x‖² I + 8 x xᵀ", "norm(x)^4", ["x", "x"],
      ("4 norm(x)^2 I + 8 x x^T", "4 (x^T x) I + 8 x x^T", "8 x x^T + 4 norm(x)^2 I"),
      lambda x: norm(x) ** 4, "hessian-by-vector"),
    H("aTxxTb", "seed §3; MN ch. 10 (product of linear forms): a bᵀ + b aᵀ", "a^T x x^T b",
      ["x", "x"], ("a b^T + b a^T", "b a^T + a b^T"), lambda a, x, b: (a @ x) * (x @ b),
      "hessian-by-vector"),
    H("cubic", "standard: ∇²(aᵀx)³ = 6 (aᵀx) a aᵀ", "(a^T x)^3", ["x", "x"],
      ("6 (a^T x) a a^T", "6*(a^T x) a a^T"), lambda a, x: (a @ x) ** 3, "hessian-by-vector"),
    H("sum-exp", "standard (separable sum): diag(exp(x))", "sum(exp(x))", ["x", "x"],
      "diag(exp(x))", lambda x: np.sum(np.exp(x)), "hessian-by-vector"),
    H("log-xTAx", "Cookbook (81) and the quotient rule; one fraction over (xᵀAx)²",
      "log(x^T A x)", ["x", "x"], _one_fraction, lambda x, A: np.log(x @ A @ x),
      "hessian-by-vector"),
    H("logistic", "Bishop PRML §4.3.3 eq. 4.97 (IRLS): Xᵀ diag(σ(1 − σ)) X",
      "sum(softplus(X w))", ["w", "w"], "X^T diag(sigmoid(X w) .* (1 - sigmoid(X w))) X",
      lambda X, w: np.sum(np.logaddexp(0.0, X @ w)), "hessian-by-vector"),
    # --- scalar f; vectors x (n), y (m): (n, m) ---
    H("bilinear-x-y", "MN ch. 10 (bilinear form): d²(xᵀAy)/dx dyᵀ = A", "x^T A y", ["x", "y"],
      "A", lambda x, A, y: x @ A @ y, "hessian-by-vector"),
    H("bilinear-y-x", "MN ch. 10, the other order: Aᵀ", "x^T A y", ["y", "x"], "A^T",
      lambda x, A, y: x @ A @ y, "hessian-by-vector"),
    # --- scalar f; scalar s, then vector x: (n,) ---
    H("exp-s-then-x", "standard (scalar, then vector): e^{s aᵀx} (1 + s aᵀx) aᵀ",
      "exp(s a^T x)", ["s", "x"],
      re.compile(r"\(?(1 \+ s ?\*?\(?a\^T x\)?)\)? ?\*?exp\(s ?\*?\(?a\^T x\)?\) a\^T"
                 r"|exp\(s ?\*?\(?a\^T x\)?\) ?\*?\(1 \+ s ?\*?\(?a\^T x\)?\) a\^T"),
      lambda s, a, x: np.exp(s * (a @ x)), "scalar-by-scalar-then-vector", **S),
    # --- scalar f; matrix X (m x n) twice: the (mn)x(mn) vec-Hessian ---
    H("trXTAX", "MN ch. 10: d² tr(XᵀAX) = 2 tr(dXᵀ A dX) → I ⊗ (A + Aᵀ)", "tr(X^T A X)",
      ["X", "X"], "kron(I, A + A^T)", lambda X, A: np.trace(X.T @ A @ X), "hessian-by-matrix"),
    H("trAXBXT", "Cookbook §2.5.2 (gradient); MN ch. 10: Bᵀ ⊗ A + B ⊗ Aᵀ", "tr(A X B X^T)",
      ["X", "X"], ("kron(B^T, A) + kron(B, A^T)", "kron(B, A^T) + kron(B^T, A)"),
      lambda A, X, B: np.trace(A @ X @ B @ X.T), "hessian-by-matrix"),
    H("normX2", "MN ch. 10 (Hessian of tr(XᵀX)): 2 I", "norm(X)^2", ["X", "X"], "2 I",
      lambda X: np.sum(X ** 2), "hessian-by-matrix"),
    H("trXinv", "MN ch. 8, 10: d tr(X⁻¹) = −tr(X⁻² dX), again through d X⁻¹; with the "
      "commutation matrix", "tr(X^-1)", ["X", "X"],
      re.compile(r".*commutation\(X\).*"), lambda X: np.trace(inv(X)), "hessian-by-matrix"),
    H("logdet", "MN ch. 8, 10: d² log|X| = −tr(X⁻¹ dX X⁻¹ dX) → −K (X⁻ᵀ ⊗ X⁻¹)", "logdet(X)",
      ["X", "X"], ("-kron(X^-1, X^-T) commutation(X)", "-commutation(X) kron(X^-T, X^-1)"),
      lambda X: np.linalg.slogdet(X)[1], "hessian-by-matrix"),
]


@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle,kind", SECOND)
def test_compact_form(source, expr, wrt, kinds, expected, oracle, kind):
    out = render(run(expr, wrt, **declared(kinds)), "text")
    assert matches_form(out, expected), f"{expr} wrt {wrt}: got {out!r}, expected {expected!r}"


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle,kind", SECOND)
def test_numerically(source, expr, wrt, kinds, expected, oracle, kind, layout):
    r = run(expr, wrt, layout, **declared(kinds))
    err = numeric_error(r, oracle, trials=2)
    assert err < TOL2, f"{expr} wrt {wrt} [{layout}]: {render(r, 'text')}: error {err:.3g}"



def _contract_shape(oracle, env, wrt, layout):
    """The contract's table of second derivatives (numerator; denominator transposed)."""
    f = np.asarray(oracle(**env))
    a, b = (np.asarray(env[w]) for w in wrt)
    if f.ndim == 0:
        if a.ndim == 0 and b.ndim == 0:
            return ()
        if a.ndim == 0:
            return (b.size,)
        shape = (a.size, b.size)
    else:
        assert a.ndim == 0 and b.ndim == 0
        shape = f.shape
    return shape if layout == "numerator" else shape[::-1]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle,kind", SECOND)
def test_shape_is_the_contracts(source, expr, wrt, kinds, expected, oracle, kind, layout):
    r = run(expr, wrt, layout, **declared(kinds))
    env = random_env(r)
    got = np.asarray(eval_numpy_code(numpy_code(r), env))
    assert got.shape == _contract_shape(oracle, env, wrt, layout)


@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle,kind", SECOND)
def test_denominator_is_the_transpose(source, expr, wrt, kinds, expected, oracle, kind):
    assert_denominator_is_the_transpose(expr, wrt, kinds)


@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle,kind", SECOND)
def test_json_kind_and_shape(source, expr, wrt, kinds, expected, oracle, kind):
    r = run(expr, wrt, **declared(kinds))
    j = json.loads(render(r, "json"))
    assert j["wrt"] == list(wrt)
    assert j["derivative"] == kind
    # the shape, symbolically: 1 for a scalar's side, a product for vec(X)
    a, b = (r.typed.symbols[w] for w in wrt)
    f = r.function
    if f.is_scalar and a.is_scalar and b.is_scalar:
        assert j["shape"] == [1, 1]
    elif f.is_scalar and a.is_scalar:
        assert j["shape"][0] == 1 and j["shape"][1] != 1    # a row: d/dx of df/ds
    elif f.is_scalar and a.is_matrix:
        rows, cols = j["shape"]
        assert rows == cols and "·" in str(rows)            # (mn) x (mn)
    elif f.is_scalar:
        assert 1 not in j["shape"]
    else:                                                   # the shape of F
        assert j["shape"] == dims_text(f.shape)


def test_json_shape_of_a_matrix_hessian_is_mn_by_mn():
    j = json.loads(render(run("tr(A X B X^T)", ["X", "X"]), "json"))
    x = j["names"]["X"]["shape"]
    mn = {f"{x[0]}·{x[1]}", f"{x[1]}·{x[0]}"}
    assert j["shape"][0] in mn and j["shape"][1] in mn


def test_json_shape_of_a_mixed_hessian_is_n_by_m():
    j = json.loads(render(run("x^T A y", ["x", "y"]), "json"))
    assert j["shape"] == [j["names"]["x"]["shape"][0], j["names"]["y"]["shape"][0]]


# ---------------------------------------------------------------------------
# second derivatives of abstract functions: the notes' ∂²U⁻¹/∂x∂y (§5)

U_TERMS_EXPANDED = {"U(x, y)^-1 dU/dy U(x, y)^-1 dU/dx U(x, y)^-1",
                    "-U(x, y)^-1 d2U/dxdy U(x, y)^-1",
                    "U(x, y)^-1 dU/dx U(x, y)^-1 dU/dy U(x, y)^-1"}
U_TERMS_INNER = {"dU/dy U(x, y)^-1 dU/dx", "-d2U/dxdy", "dU/dx U(x, y)^-1 dU/dy"}


def _top_level_terms(s: str) -> set:
    """The terms of a sum, each with its sign ('-t' for a subtracted term)."""
    terms, depth, start, sign = [], 0, 0, ""
    for i, c in enumerate(s):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and s[i:i + 3] in (" + ", " - "):
            terms.append(sign + s[start:i].strip())
            sign = "-" if s[i + 1] == "-" else ""
            start = i + 3
    terms.append(sign + s[start:].strip())
    return {t.replace("--", "") for t in terms}


def _has_the_notes_three_terms(out: str) -> bool:
    """U⁻¹ ∂U/∂y U⁻¹ ∂U/∂x U⁻¹ − U⁻¹ ∂²U/∂x∂y U⁻¹ + U⁻¹ ∂U/∂x U⁻¹ ∂U/∂y U⁻¹, in any order,
    expanded or with U⁻¹ taken out on both sides (as the notes' last line)."""
    if _top_level_terms(out) == U_TERMS_EXPANDED:
        return True
    m = re.fullmatch(r"U\(x, y\)\^-1 \((.*)\) U\(x, y\)\^-1", out)
    return bool(m) and _top_level_terms(m.group(1)) == U_TERMS_INNER


def test_abstract_second_derivative_text():
    out = render(run("U(x, y)^-1", ["x", "y"], scalar=["x,y"]), "text")
    assert _has_the_notes_three_terms(out), out


def test_abstract_second_derivative_parses_back():
    out = render(run("U(x, y)^-1", ["x", "y"], scalar=["x,y"]), "text")
    typed = analyse(out, Declarations.from_lists(scalar=["x,y"]))
    assert to_text(typed.expr) == out
    assert typed.expr.is_matrix


def test_abstract_second_derivative_cli_and_pipeline():
    direct = md("d", "U(x, y)^-1", "wrt", "x", "wrt", "y", "--scalar", "x,y")
    assert direct.returncode == 0, direct.stderr
    assert _has_the_notes_three_terms(direct.stdout.strip()), direct.stdout
    first = md("d", "U(x, y)^-1", "wrt", "x", "--scalar", "x,y")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "-U(x, y)^-1 dU/dx U(x, y)^-1"
    again = subprocess.run(
        [*command(), "d", "-", "wrt", "y", "--scalar", "x,y"],
        input=first.stdout, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert again.stdout == direct.stdout


@pytest.mark.parametrize("layout", LAYOUTS)
def test_abstract_second_derivative_numerically(layout):
    """With a concrete U(x, y) = A + x B + y C + x y D (A, B, C, D not commuting):
    ∂U/∂x = B + y D, ∂U/∂y = C + x D, ∂²U/∂x∂y = D; the NumPy code (its du_dx inputs in
    the output's layout) against differences of differences of inv(U(x, y))."""
    r = run("U(x, y)^-1", ["x", "y"], layout, scalar=["x,y"])
    rng = np.random.default_rng(5)
    n = 4
    A = 2 * np.eye(n) + rng.standard_normal((n, n)) / 3
    B, C, D = (rng.standard_normal((n, n)) / 3 for _ in range(3))
    x, y = 0.3, -0.7

    def U(x, y):
        return A + x * B + y * C + x * y * D

    t = (lambda M: M) if layout == "numerator" else (lambda M: M.T)
    env = {"x": x, "y": y, "U": U(x, y), "dU_dx": t(B + y * D), "dU_dy": t(C + x * D),
           "d2U_dxdy": t(D)}
    got = eval_numpy_code(numpy_code(r), env)
    h = 1e-4
    ref = (inv(U(x + h, y + h)) - inv(U(x + h, y - h)) - inv(U(x - h, y + h))
           + inv(U(x - h, y - h))) / (4 * h * h)
    assert compare(got, t(ref)) < 1e-6


def test_abstract_hessian_of_one_scalar():
    """∂²U⁻¹/∂x² = U⁻¹ (2 ∂U/∂x U⁻¹ ∂U/∂x − ∂²U/∂x²) U⁻¹ (the notes' formula with y = x)."""
    r = run("U(x)^-1", ["x", "x"], scalar=["x"])
    out = render(r, "text")
    rng = np.random.default_rng(6)
    n = 3
    A = 2 * np.eye(n) + rng.standard_normal((n, n)) / 3
    B, D = (rng.standard_normal((n, n)) / 3 for _ in range(2))
    x = 0.4
    U = lambda x: A + x * B + x * x * D     # noqa: E731
    env = {"x": x, "U": U(x), "dU_dx": B + 2 * x * D, "d2U_dxdx": 2 * D}
    h = 1e-4
    ref = (inv(U(x + h)) - 2 * inv(U(x)) + inv(U(x - h))) / h ** 2
    assert compare(eval_numpy_code(numpy_code(r), env), ref) < 1e-5, out


# ---------------------------------------------------------------------------
# element indices (§1: ∂xᵢ/∂x = eᵢᵀ, ∂xᵢⱼ/∂X = Eⱼᵢ; §5: ∂[X⁻¹]ₖₗ/∂xᵢⱼ = −[X⁻¹]ₖᵢ[X⁻¹]ⱼₗ)

INDEXED = [
    pytest.param("§1", "x[i]", "x", "e_i^T", "e_i", id="x_i"),
    pytest.param("§1", "X[i, j]", "X", "E_ji", "E_ij", id="X_ij"),
    pytest.param("§5", "X^-1[k, l]", "X", "-X^-1 E_lk X^-1", "-X^-T E_kl X^-T", id="Xinv_kl"),
]


@pytest.mark.parametrize("section,expr,wrt,numerator,denominator", INDEXED)
def test_indexed_text(section, expr, wrt, numerator, denominator):
    assert render(run(expr, wrt), "text") == numerator
    assert render(run(expr, wrt, "denominator"), "text") == denominator


def _unit(n, i):
    e = np.zeros(n)
    e[i] = 1.0
    return e


def _E(m, n, i, j):
    E = np.zeros((m, n))
    E[i, j] = 1.0
    return E


def _fd_gradient_numerator(f, X, h=1e-6):
    """Numerator layout for a scalar by a matrix (m x n): the n x m matrix G[j, i] = ∂f/∂X_ij."""
    G = np.zeros(X.shape[::-1])
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            E = _E(*X.shape, i, j)
            G[j, i] = (f(X + h * E) - f(X - h * E)) / (2 * h)
    return G


def test_indexed_formulas_evaluated_at_concrete_indices():
    """The printed formulas, evaluated with NumPy for every concrete index, against finite
    differences (X non-square where it may be)."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal(5)
    for i in range(5):
        g = np.array([(_unit(5, i) @ (x + 1e-6 * _unit(5, p)) - _unit(5, i) @ x) / 1e-6
                      for p in range(5)])
        assert np.allclose(_unit(5, i), g)                    # e_i^T (1-D)
    X = rng.standard_normal((3, 4))
    for i, j in itertools.product(range(3), range(4)):
        G = _fd_gradient_numerator(lambda Y: Y[i, j], X)
        assert np.allclose(_E(4, 3, j, i), G)                 # E_ji: n x m
    Xs = 2 * np.eye(4) + rng.standard_normal((4, 4)) / 3
    Xi = inv(Xs)
    for k, l in itertools.product(range(4), range(4)):
        G = _fd_gradient_numerator(lambda Y: inv(Y)[k, l], Xs)
        assert np.allclose(-Xi @ _E(4, 4, l, k) @ Xi, G, atol=1e-7)   # -X^-1 E_lk X^-1
        # the notes' entry form: ∂[X⁻¹]ₖₗ/∂xᵢⱼ = −[X⁻¹]ₖᵢ[X⁻¹]ⱼₗ = G[j, i]
        assert np.allclose(-np.outer(Xi[:, l], Xi[k, :]), G, atol=1e-7)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("section,expr,wrt,numerator,denominator", INDEXED)
def test_indexed_numpy_code_takes_the_indices_as_variables(section, expr, wrt, numerator,
                                                           denominator, layout):
    """README: "In NumPy code the indices are variables (`np.eye(n)[i]`)"."""
    r = run(expr, wrt, layout)
    code = numpy_code(r)
    rng = np.random.default_rng(9)
    x = rng.standard_normal(5)
    X = rng.standard_normal((3, 4)) if expr == "X[i, j]" else \
        2 * np.eye(4) + rng.standard_normal((4, 4)) / 3
    idx = {"i": 1, "j": 2, "k": 3, "l": 0}
    if expr == "x[i]":
        value, var, env = (lambda v: v[idx["i"]]), x, {"x": x}
    elif expr == "X[i, j]":
        value, var, env = (lambda V: V[idx["i"], idx["j"]]), X, {"X": X}
    else:
        value, var, env = (lambda V: inv(V)[idx["k"], idx["l"]]), X, {"X": X}
    got = np.asarray(eval_numpy_code(code, {**env, **idx}))
    if var.ndim == 1:
        ref = np.array([(value(var + 1e-6 * _unit(5, p)) - value(var - 1e-6 * _unit(5, p)))
                        / 2e-6 for p in range(5)])
    else:
        ref = _fd_gradient_numerator(value, var)
        ref = ref if layout == "numerator" else ref.T
    assert compare(got, ref) < 1e-6, code


# ---------------------------------------------------------------------------
# explain for a second derivative: the first derivation, then "Differentiating again",
# then the differential of the gradient

def test_explain_hessian_steps_in_order():
    ex = explain("x^T A x", ["x", "x"], "numerator", Declarations.from_lists())
    titles = [s.title for s in ex.sections]
    again = next(k for k, t in enumerate(titles) if t.startswith("Differentiating again"))
    first_diff = titles.index("The differential, one rule per operation")
    assert first_diff < again
    assert any(t.startswith("Reading off") for t in titles[first_diff:again])
    assert "The differential, one rule per operation" in titles[again + 1:]
    assert any(t.startswith("Reading off") for t in titles[again + 1:])
    assert titles[-1] == "Result"
    plain = to_plain(ex)
    # the gradient is what is differentiated again, and its differential is taken
    p_again = plain.index("Differentiating again, by x")
    p_grad = plain.index("g = (A + Aᵀ) x", p_again)
    m = re.compile(r"d( g|\(\(A \+ Aᵀ\) x\)) = \(A \+ Aᵀ\) dx").search(plain, p_grad)
    assert m, plain[p_again:]
    p_dgrad = m.start()
    p_result = plain.index("∂²f/∂x∂x = A + Aᵀ", p_dgrad)
    assert plain.index("= xᵀ (A + Aᵀ)") < p_again < p_grad < p_dgrad < p_result


def test_explain_abstract_second_derivative():
    """As the notes do for ∂²U⁻¹/∂x∂y: d U⁻¹, then by y the differential of −U⁻¹ ∂U/∂x U⁻¹
    with d(∂U/∂x) = ∂²U/∂x∂y dy."""
    plain = to_plain(explain("U(x, y)^-1", ["x", "y"], "numerator",
                             Declarations.from_lists(scalar=["x,y"])))
    p_first = plain.index("∂f/∂x = -U(x, y)⁻¹ ∂U/∂x U(x, y)⁻¹")
    p_again = plain.index("Differentiating again, by y")
    p_d2 = plain.index("d(∂U/∂x) = ", p_again)
    assert "∂²U/∂x∂y" in plain[p_d2:].splitlines()[0]
    p_result = plain.index("∂²f/∂x∂y =", p_d2)
    assert p_first < p_again < p_d2 < p_result


def test_explain_hessian_cli():
    r = md("explain", "sum(softplus(X w))", "wrt", "w", "wrt", "w")
    assert r.returncode == 0, r.stderr
    assert r.stdout.index("Differentiating again") < r.stdout.index("Result")
    assert "X^T diag" in r.stdout or "Xᵀ diag" in r.stdout


# ---------------------------------------------------------------------------
# the command line: batch lines, JSON, generated code

def test_batch_lines_with_wrt_twice():
    lines = "x^T A x\nnorm(x)^4\n(a^T x)^3\nsum(exp(x))\n"
    cmd = command()
    r = subprocess.run([*cmd, "d", "-", "wrt", "x", "wrt", "x"], input=lines,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    direct = [render(run(e, ["x", "x"]), "text") for e in lines.split("\n") if e]
    assert r.stdout.splitlines() == direct
    j = subprocess.run([*cmd, "d", "-", "wrt", "x", "wrt", "x", "--format", "json"],
                       input=lines, capture_output=True, text=True, timeout=60)
    assert j.returncode == 0, j.stderr
    objs = [json.loads(line) for line in j.stdout.splitlines()]
    assert [o["derivative"] for o in objs] == ["hessian-by-vector"] * 4
    assert all(o["wrt"] == ["x", "x"] for o in objs)


def test_batch_line_with_declarations_and_wrt_twice():
    cmd = command()
    r = subprocess.run([*cmd, "d", "-", "wrt", "s", "wrt", "s"],
                       input="s: scalar; expm(s A)\n", capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith(("expm(s A) A^2", "A^2 expm(s A)"))


def test_cli_numpy_code_of_a_hessian_runs():
    r = md("d", "sum(softplus(X w))", "wrt", "w", "wrt", "w", "--format", "numpy")
    assert r.returncode == 0, r.stderr
    rng = np.random.default_rng(2)
    X, w = rng.standard_normal((7, 3)), rng.standard_normal(3)
    s = sigmoid(X @ w)
    got = eval_numpy_code(r.stdout.strip(), {"X": X, "w": w})
    assert np.allclose(got, X.T @ np.diag(s * (1 - s)) @ X)


def test_python_module_for_a_hessian(tmp_path):
    """Issue 8: `--format python` with two `wrt` gives a function returning value, gradient
    and Hessian, and its check() compares both with finite differences."""
    r = md("d", "x^T A x + sum(exp(x))", "wrt", "x", "wrt", "x", "--format", "python")
    assert r.returncode == 0, r.stderr
    path = tmp_path / "hess.py"
    path.write_text(r.stdout)
    spec = importlib.util.spec_from_file_location("hess", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.check() < 1e-5
    rng = np.random.default_rng(4)
    env = {"x": rng.standard_normal(4), "A": rng.standard_normal((4, 4))}
    fns = [f for n, f in vars(mod).items() if inspect.isfunction(f) and n != "check"
           and not n.startswith("_") and set(inspect.signature(f).parameters) == {"x", "A"}]
    assert fns, "no function of (x, A) in the module"
    value, gradient, hessian = fns[0](**env)
    x, A = env["x"], env["A"]
    assert np.isclose(value, x @ A @ x + np.sum(np.exp(x)))
    assert np.allclose(gradient, (A + A.T) @ x + np.exp(x))
    assert np.allclose(hessian, A + A.T + np.diag(np.exp(x)))


# ---------------------------------------------------------------------------
# bad input: tensors of order 3 or more, symmetric variables

@pytest.mark.parametrize("args,order", [
    (["x x^T", "wrt", "x", "wrt", "x"], 4),
    (["A x", "wrt", "x", "wrt", "x"], 3),
    (["exp(x)", "wrt", "x", "wrt", "x"], 3),
    (["expm(t X)", "wrt", "X", "wrt", "t", "--scalar", "t"], 4),
])
def test_higher_order_tensors_are_refused(args, order):
    r = md("d", *args)
    assert r.returncode == 1
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert f"tensor of order {order}" in r.stderr


def test_higher_order_tensor_refused_in_the_library():
    with pytest.raises(MatdiffError, match="tensor of order 3"):
        run("A x", ["x", "x"])


@pytest.mark.parametrize("expr", ["x^T X x", "logdet(X)", "tr(X A X)"])
def test_second_derivative_by_a_symmetric_matrix_is_refused(expr):
    r = md("d", expr, "wrt", "X", "wrt", "X", "--symmetric", "X")
    assert r.returncode == 1
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert "symmetric" in r.stderr and "second derivative" in r.stderr


def test_more_than_two_wrt_is_a_usage_error():
    r = md("d", "x^T x", "wrt", "x", "wrt", "x", "wrt", "x")
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
