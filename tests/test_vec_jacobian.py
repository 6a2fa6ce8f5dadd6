"""Vec-Jacobians (Magnus & Neudecker): derivatives that would be tensors of order 3 or 4,
given as d vec(F) / d vec(X)ᵀ with vec the column stacking (NumPy order="F").

Each row: its source (Magnus & Neudecker, "Matrix Differential Calculus", 3rd ed., MN for
short; Higham, "Functions of Matrices"; Goodfellow et al., "Deep Learning"), the
expression and variable, declarations, the compact numerator-layout result matdiff must
print, and an independent NumPy oracle of the expression. Every row is checked by finite
differences in both layouts at random inputs whose sizes all differ (so a missing
transpose or a swapped Kronecker factor shows), and its shape against the contract's
table: numerator (size of F, size of X), denominator the transpose.

The second half pins formulas an earlier version printed wrong, each checked numerically
with non-square, unequal sizes, and the inputs that must be refused with a clear error.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
import scipy.linalg as sla

from helpers import (assert_denominator_is_the_transpose, assert_numeric, declared, inv,
                     matches_form, mpow, random_env, run)
from matdiff.errors import MatdiffError, UnsupportedError
from matdiff.numeric import compare, eval_numpy_code, numeric_derivative
from matdiff.render import numpy_code, render

LAYOUTS = ["numerator", "denominator"]


def vec(M):
    return np.asarray(M).reshape(-1, order="F")


def softmax(z):
    w = np.exp(z - np.max(z))
    return w / np.sum(w)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def J(id, source, expr, wrt, expected, oracle, **kinds):
    """`expected`: the numerator-layout text; a tuple lists equally compact forms; a
    compiled regex matches a form whose inner part is free."""
    return pytest.param(source, expr, wrt, kinds, expected, oracle, id=id)






VEC_JACOBIANS = [
    J("AXB", "MN ch. 2 thm 2: vec(A X B) = (Bᵀ ⊗ A) vec X", "A X B", "X", "kron(B^T, A)",
      lambda A, X, B: A @ X @ B),
    J("inverse", "MN ch. 8: d X⁻¹ = −X⁻¹ dX X⁻¹, so −(X⁻ᵀ ⊗ X⁻¹)", "X^-1", "X",
      "-kron(X^-T, X^-1)", lambda X: inv(X)),
    J("transpose", "MN ch. 3 §7: vec Xᵀ = K vec X (the commutation matrix)", "X^T", "X",
      "commutation(X)", lambda X: X.T),
    J("square", "MN ch. 9: d X² = dX X + X dX, so I ⊗ X + Xᵀ ⊗ I", "X^2", "X",
      "kron(I, X) + kron(X^T, I)", lambda X: X @ X),
    J("XTX", "MN ch. 9: d(XᵀX) = dXᵀ X + Xᵀ dX, so (Xᵀ ⊗ I) K + I ⊗ Xᵀ", "X^T X", "X",
      "kron(X^T, I) commutation(X) + kron(I, X^T)", lambda X: X.T @ X),
    J("XTAX", "MN ch. 9: d(XᵀAX) = dXᵀ A X + Xᵀ A dX", "X^T A X", "X",
      "kron(I, X^T A) + kron(X^T A^T, I) commutation(X)", lambda X, A: X.T @ A @ X),
    J("Ax-by-A", "MN ch. 9: d(A x) = dA x = (xᵀ ⊗ I) d vec A", "A x", "A", "kron(x^T, I)",
      lambda A, x: A @ x),
    J("tanh-Wx-by-W", "Goodfellow et al. §6.5 (a layer's Jacobian by its weights)",
      "tanh(W x)", "W", "kron(x^T, diag(1 - tanh(W x).^2))", lambda W, x: np.tanh(W @ x)),
    J("sigmoid-Wx-by-W", "Goodfellow et al. §6.5, σ' = σ(1 − σ) (§3.10)", "sigmoid(W x)", "W",
      "kron(x^T, diag(sigmoid(W x) .* (1 - sigmoid(W x))))", lambda W, x: sigmoid(W @ x)),
    J("xxT-by-x", "MN ch. 9: d(x xᵀ) = dx xᵀ + x dxᵀ", "x x^T", "x", "kron(x, I) + kron(I, x)",
      lambda x: np.outer(x, x)),
    J("xaT-by-x", "MN ch. 2 thm 2: vec(x aᵀ) = (a ⊗ I) x", "x a^T", "x", "kron(a, I)",
      lambda x, a: np.outer(x, a)),
    J("AxbT-by-x", "MN ch. 2 thm 2: vec(A x bᵀ) = (b ⊗ A) x", "A x b^T", "x", "kron(b, A)",
      lambda A, x, b: np.outer(A @ x, b)),
    J("Xa-by-X", "MN ch. 2 thm 2: X a = (aᵀ ⊗ I) vec X", "X a", "X", "kron(a^T, I)",
      lambda X, a: X @ a),
    J("XTb-by-X", "MN ch. 2 thm 2: Xᵀ b = vec(bᵀ X) = (I ⊗ bᵀ) vec X", "X^T b", "X",
      "kron(I, b^T)", lambda X, b: X.T @ b),
    J("vec", "MN ch. 2: d vec X = vec dX", "vec(X)", "X", "I", lambda X: vec(X)),
    J("hadamard", "MN ch. 9 (Hadamard product): vec(A ∘ X) = diag(vec A) vec X", "A .* X", "X",
      "diag(vec(A))", lambda A, X: A * X),
    J("kron-AX", "MN ch. 3 thm 10: vec(A ⊗ X) = (I ⊗ K ⊗ I)(vec A ⊗ I) vec X", "kron(A, X)", "X",
      re.compile(r"kron\(kron\(I, commutation\(.+\)\), I\) kron\(vec\(A\), I\)"),
      lambda A, X: np.kron(A, X)),
    J("kron-XB", "MN ch. 3 thm 10: vec(X ⊗ B) = (I ⊗ K ⊗ I)(I ⊗ vec B) vec X", "kron(X, B)", "X",
      re.compile(r"kron\(kron\(I, commutation\(.+\)\), I\) kron\(I, vec\(B\)\)"),
      lambda X, B: np.kron(X, B)),
    J("AXinvB", "MN ch. 8: d(A X⁻¹ B) = −A X⁻¹ dX X⁻¹ B", "A X^-1 B", "X",
      "-kron(B^T X^-T, A X^-1)", lambda A, X, B: A @ inv(X) @ B),
    J("expm", "Higham, Functions of Matrices, ch. 10 (the Fréchet derivative of e^X)",
      "expm(X)", "X", "dexpm(X)", lambda X: sla.expm(X)),
    J("softmax-Xa-by-X", "Bishop PRML eq. 4.106 (softmax Jacobian) and MN ch. 2 thm 2",
      "softmax(X a)", "X",
      ("kron(a^T, diag(softmax(X a)) - softmax(X a) softmax(X a)^T)",
       "(diag(softmax(X a)) - softmax(X a) softmax(X a)^T) kron(a^T, I)"),
      lambda X, a: softmax(X @ a)),
]


@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle", VEC_JACOBIANS)
def test_compact_form(source, expr, wrt, kinds, expected, oracle):
    out = render(run(expr, wrt, **declared(kinds)), "text")
    assert matches_form(out, expected), f"{expr} wrt {wrt}: got {out!r}, expected {expected!r}"


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle", VEC_JACOBIANS)
def test_numerically(source, expr, wrt, kinds, expected, oracle, layout):
    assert_numeric(run(expr, wrt, layout, **declared(kinds)), oracle)



@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle", VEC_JACOBIANS)
def test_shape_is_the_contracts(source, expr, wrt, kinds, expected, oracle, layout):
    """Numerator: (size of F, size of X) = d vec F / d vec(X)ᵀ; denominator: transposed."""
    r = run(expr, wrt, layout, **declared(kinds))
    env = random_env(r)
    got = np.asarray(eval_numpy_code(numpy_code(r), env))
    f_size = np.asarray(oracle(**env)).size
    x_size = np.asarray(env[wrt]).size
    want = (f_size, x_size) if layout == "numerator" else (x_size, f_size)
    assert got.shape == want


@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle", VEC_JACOBIANS)
def test_denominator_is_the_transpose(source, expr, wrt, kinds, expected, oracle):
    assert_denominator_is_the_transpose(expr, wrt, kinds)


# ---------------------------------------------------------------------------
# formulas an earlier version printed wrong: they must stay fixed

T = np.trace

REGRESSIONS = [
    J("tr-kron-x-xT", "kron(x, xᵀ) = x xᵀ, so tr = xᵀx (MN ch. 2)", "tr(kron(x, x^T))", "x",
      "2 x^T", lambda x: T(np.kron(x[:, None], x[None, :]))),
    J("tr-AX-inv2-square", "(A X)⁻² ≠ X⁻² A⁻² (MN ch. 8, d U⁻¹ = −U⁻¹ dU U⁻¹); A, X square "
      "(tr(A) forces it)", "tr((A X)^-2) + tr(A)", "X", "-2 (A X)^-3 A",
      lambda A, X: T(mpow(inv(A @ X), 2)) + T(A)),
    J("tr-AX-inv2", "(A X)⁻² with A m×n, X n×m", "tr((A X)^-2)", "X", "-2 (A X)^-3 A",
      lambda A, X: T(mpow(inv(A @ X), 2))),
    J("tr-A-AX-inv2", "MN ch. 8 through (A X)⁻²; A, X square", "tr(A (A X)^-2)", "X",
      "-X^-1 A^-1 X^-2 - X^-2 A^-1 X^-1", lambda A, X: T(A @ mpow(inv(A @ X), 2))),
    J("AX-inv2-jacobian", "d U⁻² = −U⁻¹ dU U⁻² − U⁻² dU U⁻¹, U = A X (MN ch. 8)", "(A X)^-2", "X",
      "-kron((X^T A^T)^-2, (A X)^-1 A) - kron((X^T A^T)^-1, (A X)^-2 A)",
      lambda A, X: mpow(inv(A @ X), 2)),
    J("abs-scalar", "d|α|/dα = sign(α), not 1", "|alpha|", "alpha", "sign(alpha)",
      lambda alpha: abs(alpha)),
    J("abs-aTx", "d|aᵀx|/dx = sign(aᵀx) aᵀ", "|a^T x|", "x", "sign(a^T x) a^T",
      lambda a, x: abs(a @ x)),
    J("tr-X2", "Cookbook (107), seed §6.1: d tr(Xᵏ)/dX = k Xᵏ⁻¹", "tr(X^2)", "X", "2 X",
      lambda X: T(X @ X)),
    J("tr-X3", "seed §6.1; Cookbook (122) for k = 4", "tr(X^3)", "X", "3 X^2",
      lambda X: T(mpow(X, 3))),
    J("tr-X1000", "seed §6.1 with a large power (no expansion into 1000 terms)", "tr(X^1000)",
      "X", "1000 X^999", lambda X: T(mpow(X, 1000))),
]


@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle", REGRESSIONS)
def test_regression_compact_form(source, expr, wrt, kinds, expected, oracle):
    out = render(run(expr, wrt, **declared(kinds)), "text")
    assert matches_form(out, expected), f"{expr} wrt {wrt}: got {out!r}, expected {expected!r}"


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle", REGRESSIONS)
def test_regression_numerically(source, expr, wrt, kinds, expected, oracle, layout):
    assert_numeric(run(expr, wrt, layout, **declared(kinds)), oracle)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_inverse_of_a_product_squared_is_not_split(layout):
    """(A X)⁻² = X⁻¹A⁻¹X⁻¹A⁻¹, never X⁻² A⁻² (nor A⁻² X⁻²)."""
    for expr in ("tr((A X)^-2) + tr(A)", "tr(A (A X)^-2)", "(A X)^-2"):
        out = render(run(expr, "X", layout), "text")
        for wrong in ("X^-2 A^-2", "A^-2 X^-2", "X^-T^2", "(X^T)^-2 (A^T)^-2", "X^-3 A^-3"):
            assert wrong not in out, (expr, out)


def check_at(result, oracle, env) -> float:
    """Relative error of the printed NumPy code at the given inputs against finite
    differences of the oracle (for inputs the random generator does not produce)."""
    got = eval_numpy_code(numpy_code(result), env)
    f0 = np.asarray(oracle(**env), dtype=float)
    fshape = (1, 1) if f0.ndim == 0 else (f0.shape[0], 1) if f0.ndim == 1 else f0.shape
    ref = numeric_derivative(lambda e: oracle(**e), env, result.var, fshape, result.layout)
    return compare(got, ref)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_trace_of_kron_with_a_non_square_factor(layout):
    """tr(A ⊗ B X) = tr A tr(B X) only for square factors: with A 3×2 and B X 2×3 the
    Kronecker product is 6×6 but tr(A) tr(BX) is not its trace."""
    r = run("tr(kron(A, B X))", "X", layout)
    rng = np.random.default_rng(7)
    env = {"A": rng.standard_normal((3, 2)), "B": rng.standard_normal((2, 4)),
           "X": rng.standard_normal((4, 3))}
    err = check_at(r, lambda A, B, X: T(np.kron(A, B @ X)), env)
    assert err < 1e-6, f"{render(r, 'text')} [{layout}]: error {err:.3g} at A 3x2, B 2x4, X 4x3"


KRON_COTANGENTS = [
    J("aT-kron-XB-b", "MN ch. 2: aᵀ(X ⊗ B) b = tr(Uᵀ B V Xᵀ), U, V the reshaped a, b",
      "a^T kron(X, B) b", "X", None, lambda a, X, B, b: a @ np.kron(X, B) @ b),
    J("tr-C-kron-XB", "MN ch. 3 thm 10: tr(C (X ⊗ B)) = vec(Cᵀ)ᵀ vec(X ⊗ B)",
      "tr(C kron(X, B))", "X", None, lambda C, X, B: T(C @ np.kron(X, B))),
    J("aT-kron-AX-b", "MN ch. 2, the other factor", "a^T kron(A, X) b", "X", None,
      lambda a, A, X, b: a @ np.kron(A, X) @ b),
    J("tr-C-kron-AX", "MN ch. 3 thm 10, the other factor", "tr(C kron(A, X))", "X", None,
      lambda C, A, X: T(C @ np.kron(A, X))),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle", KRON_COTANGENTS)
def test_general_cotangents_through_a_kronecker_product(source, expr, wrt, kinds, expected,
                                                        oracle, layout):
    assert_numeric(run(expr, wrt, layout, **declared(kinds)), oracle)


# --- tr(Xⁿ) with a symbolic n: n Xⁿ⁻¹ under a trace; no closed form outside one ---

def test_trace_of_a_symbolic_power_text():
    assert render(run("tr(X^n)", "X", scalar=["n"]), "text") == "n X^(n - 1)"


@pytest.mark.parametrize("n", [3.0, 5.0, -2.0])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_trace_of_a_symbolic_power_numerically(n, layout):
    """Checked at integer values of n (the contract's X^n is an integer power)."""
    r = run("tr(X^n)", "X", layout, scalar=["n"])
    rng = np.random.default_rng(11)
    env = {"X": rng.standard_normal((4, 4)) / 2 + 1.5 * np.eye(4), "n": n}
    err = check_at(r, lambda X, n: T(mpow(X, int(n))), env)
    assert err < 1e-6, f"n = {n} [{layout}]: error {err:.3g}"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_symbolic_power_outside_a_trace_is_refused(layout):
    with pytest.raises(UnsupportedError) as info:
        run("a^T X^n b", "X", layout, scalar=["n"])
    assert "no closed form" in str(info.value)
    assert "\n" not in str(info.value)


def test_repeated_argument_of_an_abstract_function_is_a_clear_error():
    with pytest.raises(MatdiffError) as info:
        run("f(x, x)", "x")
    msg = str(info.value)
    assert "f(" in msg and "repeat" in msg.lower() and "\n" not in msg
    assert info.value.column == 1


def test_adjugate_of_a_product_that_may_be_singular_is_refused():
    """adj(X A) with X m×n, A n×m: X A has rank at most n and may be singular, where
    d adj(U) = |U|(tr(U⁻¹dU) U⁻¹ − U⁻¹ dU U⁻¹) does not apply."""
    with pytest.raises(UnsupportedError) as info:
        run("adj(X A)", "X")
    assert "singular" in str(info.value)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_adjugate_of_the_variable_itself(layout):
    """The invertible case next to the refusal: d adj(X) = |X|(tr(X⁻¹dX) X⁻¹ − X⁻¹ dX X⁻¹)
    (MN ch. 8, the adjoint matrix), checked numerically."""
    assert_numeric(run("adj(X)", "X", layout), lambda X: np.linalg.det(X) * inv(X))


@pytest.mark.parametrize("args,fragments", [
    (["a^T X^n b", "wrt", "X", "--scalar", "n"], ["unsupported", "no closed form"]),
    (["f(x, x)", "wrt", "x"], ["column 1", "repeats an argument"]),
    (["adj(X A)", "wrt", "X"], ["unsupported", "singular"]),
])
def test_refusals_on_the_command_line_are_one_line(args, fragments):
    p = subprocess.run([sys.executable, "-m", "matdiff", "d", *args], capture_output=True,
                       text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert p.returncode == 1 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("matdiff: "), p.stderr
    for frag in fragments:
        assert frag in lines[0]
    assert "Traceback" not in p.stderr
