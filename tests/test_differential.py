"""The differential rules, checked against the Matrix Cookbook (Petersen & Pedersen, 2012).

The Cookbook writes ∂f/∂X with (∂f/∂X)ᵢⱼ = ∂f/∂Xᵢⱼ, which is matdiff's denominator layout,
so each row states the expected denominator-layout form (equal to the Cookbook's), checks
it numerically in both layouts against an independent NumPy oracle, and the structure
of the rule registry is checked too.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

from helpers import assert_numeric, det, inv, norm, run
from matdiff import expr as E
from matdiff.differential import differential
from matdiff.ops import OPS
from matdiff.render import render
from matdiff.shapes import Declarations


def C(ref, expr, wrt, expected, oracle, **kinds):
    return pytest.param(expr, wrt, kinds, expected, oracle, id=f"{ref}: {expr} wrt {wrt}")


T = np.trace
COOKBOOK = [
    # §2.5.1 first-order traces
    C("(100)", "tr(X)", "X", "I", lambda X: T(X)),
    C("(101)", "tr(X A)", "X", "A^T", lambda X, A: T(X @ A)),
    C("(102)", "tr(A X B)", "X", "A^T B^T", lambda A, X, B: T(A @ X @ B)),
    C("(103)", "tr(A X^T B)", "X", "B A", lambda A, X, B: T(A @ X.T @ B)),
    C("(104)", "tr(X^T A)", "X", "A", lambda X, A: T(X.T @ A)),
    C("(105)", "tr(A X^T)", "X", "A", lambda A, X: T(A @ X.T)),
    C("(106)", "tr(kron(A, X))", "X", "tr(A) I", lambda A, X: T(np.kron(A, X)), square="A,X"),
    # §2.5.2 second-order traces
    C("(107)", "tr(X^2)", "X", "2 X^T", lambda X: T(X @ X)),
    C("(108)", "tr(X^2 B)", "X", "(X B + B X)^T", lambda X, B: T(X @ X @ B)),
    C("(109)", "tr(X^T B X)", "X", "(B + B^T) X", lambda X, B: T(X.T @ B @ X)),
    C("(110)", "tr(B X X^T)", "X", "(B + B^T) X", lambda B, X: T(B @ X @ X.T)),
    C("(111)", "tr(X X^T B)", "X", "(B + B^T) X", lambda X, B: T(X @ X.T @ B)),
    C("(112)", "tr(X B X^T)", "X", "X*(B + B^T)", lambda X, B: T(X @ B @ X.T)),
    C("(113)", "tr(B X^T X)", "X", "X*(B + B^T)", lambda B, X: T(B @ X.T @ X)),
    C("(114)", "tr(X^T X B)", "X", "X*(B + B^T)", lambda X, B: T(X.T @ X @ B)),
    C("(115)", "tr(A X B X)", "X", "(B X A + A X B)^T", lambda A, X, B: T(A @ X @ B @ X)),
    C("(116)", "tr(X^T X)", "X", "2 X", lambda X: T(X.T @ X)),
    C("(117)", "tr(B^T X^T C X B)", "X", "(C + C^T) X B B^T", lambda B, X, C: T(B.T @ X.T @ C @ X @ B)),
    C("(118)", "tr(X^T B X C)", "X", "B X C + B^T X C^T", lambda X, B, C: T(X.T @ B @ X @ C)),
    C("(119)", "tr(A X B X^T C)", "X", "C A X B + A^T C^T X B^T",
      lambda A, X, B, C: T(A @ X @ B @ X.T @ C)),
    C("(120)", "tr((A X B + C) (A X B + C)^T)", "X", "2 A^T (A X B + C) B^T",
      lambda A, X, B, C: T((A @ X @ B + C) @ (A @ X @ B + C).T)),
    C("(121)", "tr(kron(X, X))", "X", "2 tr(X) I", lambda X: T(np.kron(X, X)), square="X"),
    # §2.5.3 higher order, §2.5.4 other
    C("(122)", "tr(X^4)", "X", "4 (X^T)^3", lambda X: T(np.linalg.matrix_power(X, 4))),
    C("(124)", "tr(A X^-1 B)", "X", "-X^-T A^T B^T X^-T", lambda A, X, B: T(A @ inv(X) @ B)),
    C("§2.5.4", "tr(A (X^T C X)^-1)", "X",
      "-C X*(X^T C X)^-1 A*(X^T C X)^-1 - C^T X*(X^T C^T X)^-1 A^T (X^T C^T X)^-1",
      lambda A, X, C: T(A @ inv(X.T @ C @ X))),
    C("§2.5.4", "tr(expm(X))", "X", "expm(X)^T", lambda X: T(sla.expm(X))),
    # §2.1 determinants
    C("(49)", "det(X)", "X", "det(X) X^-T", lambda X: det(X)),
    C("(51)", "logdet(X)", "X", "X^-T", lambda X: np.log(det(X))),
    C("(53)", "log(det(X^T X))", "X", "2 pinv(X^T)", lambda X: np.log(det(X.T @ X))),
    C("(55)", "det(X^3)", "X", "3 det(X^3) X^-T", lambda X: det(np.linalg.matrix_power(X, 3))),
    C("(46)", "det(A + t B)", "t", "tr(adj(A + t B) B)", lambda A, B, t: det(A + t * B), scalar="t"),
    C("(43)", "logdet(A + t B)", "t", "tr((A + t B)^-1 B)", lambda A, B, t: np.log(det(A + t * B)),
      scalar="t"),
    # §2.2 inverses
    C("(59)", "(A + t B)^-1", "t", "-(A + t B)^-T B^T (A + t B)^-T", lambda A, B, t: inv(A + t * B),
      scalar="t"),
    C("(61)", "a^T X^-1 b", "X", "-X^-T a b^T X^-T", lambda a, X, b: a @ inv(X) @ b),
    C("(62)", "det(X^-1)", "X", "-det(X^-1) X^-T", lambda X: det(inv(X))),
    C("(64)", "tr((X + A)^-1)", "X", "-(X^T + A^T)^-2", lambda X, A: T(inv(X + A))),
    # §2.4.1 first order
    C("(69)", "x^T a", "x", "a", lambda x, a: x @ a),
    C("(69)", "a^T x", "x", "a", lambda a, x: a @ x),
    C("(70)", "a^T X b", "X", "a b^T", lambda a, X, b: a @ X @ b),
    C("(71)", "a^T X^T b", "X", "b a^T", lambda a, X, b: a @ X.T @ b),
    C("(72)", "a^T X a", "X", "a a^T", lambda a, X: a @ X @ a),
    # §2.4.2 second order
    C("(78)", "b^T X^T X c", "X", "X*(c b^T + b c^T)", lambda b, X, c: b @ X.T @ X @ c),
    C("(79)", "(B x + b)^T C*(D x + d)", "x", "B^T C*(D x + d) + D^T C^T (B x + b)",
      lambda B, x, b, C, D, d: (B @ x + b) @ C @ (D @ x + d)),
    C("(81)", "x^T B x", "x", "(B + B^T) x", lambda x, B: x @ B @ x),
    C("(82)", "b^T X^T D X c", "X", "D X c b^T + D^T X b c^T", lambda b, X, D, c: b @ X.T @ D @ X @ c),
    C("(83)", "(X b + c)^T D*(X b + c)", "X", "(D + D^T)(X b + c) b^T",
      lambda X, b, c, D: (X @ b + c) @ D @ (X @ b + c)),
    C("(84)", "(x - s)^T W (x - s)", "x", "2 W*(x - s)", lambda x, s, W: (x - s) @ W @ (x - s),
      symmetric="W"),
    C("(86)", "(x - s)^T W (x - s)", "s", "-2 W*(x - s)", lambda x, s, W: (x - s) @ W @ (x - s),
      symmetric="W"),
    C("(88)", "(x - A s)^T W (x - A s)", "A", "-2 W*(x - A s) s^T",
      lambda x, A, s, W: (x - A @ s) @ W @ (x - A @ s), symmetric="W"),
    # §2.6 norms
    C("(129)", "norm(x - a)", "x", "(x - a)/norm(x - a)", lambda x, a: norm(x - a)),
    C("(130)", "(x - a)/norm(x - a)", "x", "I/norm(x - a) - (x - a)(x - a)^T/norm(x - a)^3",
      lambda x, a: (x - a) / norm(x - a)),
    C("(131)", "norm(x)^2", "x", "2 x", lambda x: norm(x) ** 2),
    C("(132)", "norm(X)^2", "X", "2 X", lambda X: norm(X) ** 2),
    C("least squares", "norm(A x - b)^2", "x", "2 A^T (A x - b)", lambda A, x, b: norm(A @ x - b) ** 2),
    C("Rayleigh quotient", "x^T A x / (x^T B x)", "x",
      "(A + A^T - (x^T A x)(B + B^T)/(x^T B x)) x/(x^T B x)",
      lambda x, A, B: (x @ A @ x) / (x @ B @ x)),
    C("Jacobian", "A x", "x", "A^T", lambda A, x: A @ x),
    C("diag", "tr(diag(x) A)", "x", "diag(A)", lambda x, A: T(np.diag(x) @ A)),
    C("diag", "a^T diag(X)", "X", "diag(a)", lambda a, X: a @ np.diag(X)),
    C("cross", "x^T cross(a, x)", "x", "0", lambda x, a: x @ np.cross(a, x)),
    C("cross", "a^T cross(x, b)", "x", "cross(b, a)", lambda a, x, b: a @ np.cross(x, b)),
]


@pytest.mark.parametrize("expr,wrt,kinds,expected,oracle", COOKBOOK)
def test_cookbook_identity(expr, wrt, kinds, expected, oracle):
    kinds = {k: [v] for k, v in kinds.items()}
    den = run(expr, wrt, "denominator", **kinds)
    assert render(den, "text") == expected
    assert_numeric(den, oracle)
    assert_numeric(run(expr, wrt, "numerator", **kinds), oracle)


def test_every_operation_has_a_rule_with_its_identity():
    """Every operation that can be differentiated has a rule whose docstring states its
    identity (leaves and internal forms excepted)."""
    leaves = {"sym", "num", "I", "zero", "ones", "K", "d", "dof", "index"}
    for name, op in OPS.items():
        if name in leaves or op.d is None and op.check is not None and op.shape is None:
            continue                           # a spelling (inv, dot) builds other nodes
        assert op.d is not None, name
        doc = op.d.__doc__ or ""
        assert "=" in doc or "unsupported" in doc.lower() or "second derivatives" in doc \
            or not doc and op.derivative, name


def test_differential_of_trace_is_trace_of_differential():
    from matdiff.core import analyse

    t = analyse("tr(X)", Declarations(), "X")
    d = differential(t.expr, t.wrt)
    assert d == E.Fn("tr", (E.Diff(t.wrt),))


def test_constants_have_zero_differential():
    from matdiff.core import analyse

    t = analyse("tr(A B)", Declarations(), "X")
    assert isinstance(differential(t.expr, t.wrt), E.Num)
