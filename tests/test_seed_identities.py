"""Every identity derived in the seed notes (the user's lecture notes on matrix calculus),
made concrete where the notes state it for abstract u(x), U(x).

Each row: the seed section, the expression and variable, declarations, the compact
result matdiff must print (numerator layout), the form the notes write (in matdiff's
syntax; the result may not be longer), and an independent NumPy oracle of the
expression. Every row is checked numerically in both layouts by finite differences
at random inputs whose sizes are all different (so a missing transpose shows).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

from helpers import assert_numeric, declared, det, inv, mpow, norm, run
from matdiff.render import render


def R(id, section, expr, wrt, expected, seed_form, oracle, **kinds):
    return pytest.param(section, expr, wrt, kinds, expected, seed_form, oracle, id=id)


S = {"scalar": "t"}   # t is a scalar (it would be a vector by default)

SEED = [
    # §1 basic results: constants
    R("const-ss", "§1", "a", "t", "0", "0", lambda a, t: a, scalar="a,t"),
    R("const-vs", "§1", "a", "t", "0", "0", lambda a, t: a, **S),
    R("const-sv", "§1", "alpha", "x", "0", "0^T", lambda alpha, x: alpha),
    R("const-vv", "§1", "a", "x", "0", "0", lambda a, x: a),
    R("const-ms", "§1", "A", "t", "0", "0", lambda A, t: A, **S),
    R("const-sm", "§1", "alpha", "X", "0", "0^T", lambda alpha, X: alpha),
    # §1 scalar multiples
    R("scale-ss", "§1", "alpha t^2", "t", "2 alpha t", "2 alpha t",
      lambda alpha, t: alpha * t ** 2, **S),
    R("scale-vs", "§1", "alpha*(t^2 b + c)", "t", "2 alpha t b", "2 alpha t b",
      lambda alpha, t, b, c: alpha * (t ** 2 * b + c), **S),
    R("scale-sv", "§1", "alpha x^T x", "x", "2 alpha x^T", "2 alpha x^T",
      lambda alpha, x: alpha * x @ x),
    R("scale-vv", "§1", "alpha A x", "x", "alpha A", "alpha A", lambda alpha, A, x: alpha * A @ x),
    R("scale-ms", "§1", "alpha*(t A + t^2 B)", "t", "alpha*(A + 2 t B)", "alpha A + 2 alpha t B",
      lambda alpha, t, A, B: alpha * (t * A + t ** 2 * B), **S),
    R("scale-sm", "§1", "alpha tr(A X)", "X", "alpha A", "alpha A",
      lambda alpha, A, X: alpha * np.trace(A @ X)),
    # §1 sums
    R("sum-ss", "§1", "t^2 + t^3", "t", "2 t + 3 t^2", "2 t + 3 t^2", lambda t: t ** 2 + t ** 3, **S),
    R("sum-vs", "§1", "t a + t^2 b", "t", "a + 2 t b", "a + 2 t b", lambda t, a, b: t * a + t ** 2 * b, **S),
    R("sum-sv", "§1", "a^T x + x^T x", "x", "a^T + 2 x^T", "a^T + 2 x^T", lambda a, x: a @ x + x @ x),
    R("sum-vv", "§1", "A x + B x", "x", "A + B", "A + B", lambda A, B, x: A @ x + B @ x),
    R("sum-ms", "§1", "t A + B t^3", "t", "A + 3 t^2 B", "A + 3 t^2 B",
      lambda t, A, B: t * A + B * t ** 3, **S),
    R("sum-sm", "§1", "tr(A X) + tr(X^T X)", "X", "A + 2 X^T", "A + 2 X^T",
      lambda A, X: np.trace(A @ X) + np.trace(X.T @ X)),
    # §1 products
    R("prod-ss", "§1", "t^2 sin(t)", "t", "2 t sin(t) + t^2 cos(t)", "2 t sin(t) + t^2 cos(t)",
      lambda t: t ** 2 * np.sin(t), **S),
    R("prod-vs", "§1", "t^2*(t a + b)", "t", "3 t^2 a + 2 t b", "2 t*(t a + b) + t^2 a",
      lambda t, a, b: t ** 2 * (t * a + b), **S),
    R("prod-sv", "§1", "(a^T x) (b^T x)", "x", "x^T (b a^T + a b^T)", "(b^T x) a^T + (a^T x) b^T",
      lambda a, b, x: (a @ x) * (b @ x)),
    R("prod-ms", "§1", "(t A + B) (t C + D)", "t", "A*(2 t C + D) + B C",
      "A*(t C + D) + (t A + B) C", lambda t, A, B, C, D: (t * A + B) @ (t * C + D), **S),
    R("prod-sm", "§1", "tr(A X) tr(B X)", "X", "tr(B X) A + tr(A X) B", "tr(B X) A + tr(A X) B",
      lambda A, B, X: np.trace(A @ X) * np.trace(B @ X)),
    # §1 dx/dx = I
    R("ident-v", "§1", "x", "x", "I", "I", lambda x: x),
    R("ident-s", "§1", "t", "t", "1", "1", lambda t: t, **S),
    # §1 chain rules, made concrete
    R("chain-vec", "§1", "B sin(A x)", "x", "B diag(cos(A x)) A", "B diag(cos(A x)) A",
      lambda A, B, x: B @ np.sin(A @ x)),
    R("chain-scalar", "§1", "exp(x^T x)", "x", "2 exp(x^T x) x^T", "2 exp(x^T x) x^T",
      lambda x: np.exp(x @ x)),
    R("chain-matvar-exp", "§1", "exp(tr(A X))", "X", "exp(tr(A X)) A", "exp(tr(A X)) A",
      lambda A, X: np.exp(np.trace(A @ X))),
    R("chain-matvar-sq", "§1", "tr(A X)^2", "X", "2 tr(A X) A", "2 tr(A X) A",
      lambda A, X: np.trace(A @ X) ** 2),
    R("chain-eq1-det", "§1 eq. 1, §6.2", "det(A + t B)", "t", "tr(adj(A + t B) B)",
      "det(A + t B) tr((A + t B)^-1 B)", lambda A, B, t: det(A + t * B), **S),
    R("chain-eq1-trace", "§1 eq. 1", "tr((A + t B)^T (A + t B))", "t", "2 tr(B^T (A + t B))",
      "2 tr((A + t B)^T B)", lambda A, B, t: np.trace((A + t * B).T @ (A + t * B)), **S),
    # §2 vector by scalar
    R("s2-Au", "§2", "A*(t^2 a + t b)", "t", "A*(2 t a + b)", "A*(2 t a + b)",
      lambda A, a, b, t: A @ (t ** 2 * a + t * b), **S),
    R("s2-uTA", "§2", "(t^2 a + t b)^T A", "t", "(2 t a + b)^T A", "(2 t a + b)^T A",
      lambda A, a, b, t: (t ** 2 * a + t * b) @ A, **S),
    R("s2-cross", "§2", "cross(t a + b, t^2 c + d)", "t", "cross(a, t^2 c + d) + 2 t cross(t a + b, c)",
      "cross(a, t^2 c + d) + cross(t a + b, 2 t c)",
      lambda a, b, c, d, t: np.cross(t * a + b, t ** 2 * c + d), **S),
    # §3 scalar by vector
    R("s3-uTAv", "§3", "sin(x)^T A B x", "x", "((A B x) .* cos(x))^T + sin(x)^T A B",
      "sin(x)^T A B + (B x)^T A^T diag(cos(x))", lambda x, A, B: np.sin(x) @ A @ B @ x),
    R("s3-uTv", "§3", "(A x)^T (B x)", "x", "x^T (B^T A + A^T B)", "(A x)^T B + (B x)^T A",
      lambda x, A, B: (A @ x) @ (B @ x)),
    R("s3-aTv", "§3", "a^T exp(x)", "x", "(a .* exp(x))^T", "a^T diag(exp(x))",
      lambda a, x: a @ np.exp(x)),
    R("s3-aTx", "§3", "a^T x", "x", "a^T", "a^T", lambda a, x: a @ x),
    R("s3-bTAx", "§3", "b^T A x", "x", "b^T A", "b^T A", lambda b, A, x: b @ A @ x),
    R("s3-xTAx", "§3", "x^T A x", "x", "x^T (A + A^T)", "x^T (A + A^T)", lambda A, x: x @ A @ x),
    R("s3-xTx", "§3", "x^T x", "x", "2 x^T", "2 x^T", lambda x: x @ x),
    R("s3-norm2", "§3", "norm(x)^2", "x", "2 x^T", "2 x^T", lambda x: norm(x) ** 2),
    R("s3-norm2-bars", "§3", "||x||^2", "x", "2 x^T", "2 x^T", lambda x: norm(x) ** 2),
    R("s3-xTbaTx", "§3", "x^T b a^T x", "x", "x^T (a b^T + b a^T)", "x^T (a b^T + b a^T)",
      lambda a, b, x: (x @ b) * (a @ x)),
    R("s3-aTxxTb", "§3", "a^T x x^T b", "x", "x^T (b a^T + a b^T)", "x^T (a b^T + b a^T)",
      lambda a, b, x: (a @ x) * (x @ b)),
    R("s3-affine", "§3", "(A x + b)^T C*(D x + e)", "x", "(A x + b)^T C D + (D x + e)^T C^T A",
      "(D x + e)^T C^T A + (A x + b)^T C D",
      lambda x, A, b, C, D, e: (A @ x + b) @ C @ (D @ x + e)),
    R("s3-norm-diff", "§3 eq. 2", "norm(x - a)", "x", "(x - a)^T/norm(x - a)",
      "(x - a)^T/norm(x - a)", lambda x, a: norm(x - a)),
    R("s3-norm-diff-bars", "§3 eq. 2", "||x - a||", "x", "(x - a)^T/||x - a||",
      "(x - a)^T/||x - a||", lambda x, a: norm(x - a)),
    # §4 vector by vector
    R("s4-Au", "§4", "A sin(x)", "x", "A diag(cos(x))", "A diag(cos(x))", lambda A, x: A @ np.sin(x)),
    R("s4-Ax", "§4", "A x", "x", "A", "A", lambda A, x: A @ x),
    R("s4-vu", "§4", "(a^T x) B x", "x", "B x a^T + (a^T x) B", "(a^T x) B + B x a^T",
      lambda a, B, x: (a @ x) * (B @ x)),
    R("s4-vu-norm", "§4", "(x^T x) x", "x", "2 x x^T + (x^T x) I", "(x^T x) I + 2 x x^T",
      lambda x: (x @ x) * x),
    R("s4-unit", "§4", "(x - a)/norm(x - a)", "x", "I/norm(x - a) - (x - a)(x - a)^T/norm(x - a)^3",
      "I/norm(x - a) - (x - a)(x - a)^T/norm(x - a)^3", lambda x, a: (x - a) / norm(x - a)),
    R("s4-unit-bars", "§4", "(x - a)/||x - a||", "x", "I/||x - a|| - (x - a)(x - a)^T/||x - a||^3",
      "I/||x - a|| - (x - a)(x - a)^T/||x - a||^3", lambda x, a: (x - a) / norm(x - a)),
    # §5 matrix by scalar
    R("s5-uV", "§5", "t^2*(A + t B)", "t", "2 t A + 3 t^2 B", "2 t*(A + t B) + t^2 B",
      lambda t, A, B: t ** 2 * (A + t * B), **S),
    R("s5-UVW", "§5 eq. 3", "(A + t B) (C + t D) (E + t F)", "t",
      "B*(C + t D)(E + t F) + (A + t B)(D*(E + 2 t F) + C F)",
      "B*(C + t D)(E + t F) + (A + t B) D (E + t F) + (A + t B)(C + t D) F",
      lambda t, A, B, C, D, E, F: (A + t * B) @ (C + t * D) @ (E + t * F), **S),
    R("s5-AUB", "§5", "A*(C + t D)*B", "t", "A D B", "A D B", lambda t, A, C, D, B: A @ (C + t * D) @ B, **S),
    R("s5-U2", "§5 eq. 4", "(A + t B)^2", "t", "B A + 2 t B^2 + A B", "B*(A + t B) + (A + t B) B",
      lambda t, A, B: mpow(A + t * B, 2), **S),
    R("s5-U3", "§5 eq. 4", "(A + t B)^3", "t", "B*(A + t B)^2 + (A + t B) B*(A + t B) + (A + t B)^2 B",
      "B*(A + t B)^2 + (A + t B) B*(A + t B) + (A + t B)^2 B", lambda t, A, B: mpow(A + t * B, 3), **S),
    R("s5-Uinv", "§5 eq. 5", "(A + t B)^-1", "t", "-(A + t B)^-1 B*(A + t B)^-1",
      "-(A + t B)^-1 B*(A + t B)^-1", lambda t, A, B: inv(A + t * B), **S),
    R("s5-Uinv-fn", "§5 eq. 5", "inv(A + t B)", "t", "-(A + t B)^-1 B*(A + t B)^-1",
      "-inv(A + t B) B inv(A + t B)", lambda t, A, B: inv(A + t * B), **S),
    R("s5-kron", "§5", "kron(A + t B, C + t D)", "t", "kron(B, C + t D) + kron(A + t B, D)",
      "kron(B, C + t D) + kron(A + t B, D)", lambda t, A, B, C, D: np.kron(A + t * B, C + t * D), **S),
    R("s5-kron-symbol", "§5", "(A + t B) ⊗ (C + t D)", "t", "B ⊗ (C + t D) + (A + t B) ⊗ D",
      "B ⊗ (C + t D) + (A + t B) ⊗ D", lambda t, A, B, C, D: np.kron(A + t * B, C + t * D), **S),
    R("s5-hadamard", "§5", "(A + t B) .* (C + t D)", "t", "B .* (C + t D) + (A + t B) .* D",
      "B .* (C + t D) + (A + t B) .* D", lambda t, A, B, C, D: (A + t * B) * (C + t * D), **S),
    R("s5-hadamard-fn", "§5", "hadamard(A + t B, C + t D)", "t", "B .* (C + t D) + (A + t B) .* D",
      "hadamard(B, C + t D) + hadamard(A + t B, D)",
      lambda t, A, B, C, D: (A + t * B) * (C + t * D), **S),
    R("s5-hadamard-symbol", "§5", "(A + t B) ∘ (C + t D)", "t", "B ∘ (C + t D) + (A + t B) ∘ D",
      "B ∘ (C + t D) + (A + t B) ∘ D", lambda t, A, B, C, D: (A + t * B) * (C + t * D), **S),
    R("s5-poly", "§5 g(xA)", "I + 2 t A + 5 t^2 A^2 + t^3 A^3", "t", "2 A + 10 t A^2 + 3 t^2 A^3",
      "2 A + 10 t A^2 + 3 t^2 A^3",
      lambda t, A: np.eye(len(A)) + 2 * t * A + 5 * t ** 2 * mpow(A, 2) + t ** 3 * mpow(A, 3), **S),
    R("s5-expm", "§5 g(xA)", "expm(t A)", "t", "expm(t A) A", "A expm(t A)",
      lambda t, A: sla.expm(t * A), **S),
    R("s5-sinm", "§5 g(xA)", "sinm(t A)", "t", "cosm(t A) A", "A cosm(t A)",
      lambda t, A: sla.sinm(t * A), **S),
    R("s5-cosm", "§5 g(xA)", "cosm(t A)", "t", "-sinm(t A) A", "-A sinm(t A)",
      lambda t, A: sla.cosm(t * A), **S),
    # §6.1 traces
    R("trX", "§6.1", "tr(X)", "X", "I", "I", lambda X: np.trace(X)),
    R("tr-sum", "§6.1", "tr(A X + X^T B)", "X", "A + B^T", "A + B^T",
      lambda A, X, B: np.trace(A @ X + X.T @ B)),
    R("tr-scale", "§6.1", "tr(alpha A X)", "X", "alpha A", "alpha A",
      lambda alpha, A, X: np.trace(alpha * A @ X)),
    R("tr-BAX", "§6.1", "tr(B A X)", "X", "B A", "B A", lambda B, A, X: np.trace(B @ A @ X)),
    R("tr-AXB", "§6.1", "tr(A X B)", "X", "B A", "B A", lambda A, X, B: np.trace(A @ X @ B)),
    R("tr-BAXT", "§6.1", "tr(B A X^T)", "X", "A^T B^T", "A^T B^T", lambda B, A, X: np.trace(B @ A @ X.T)),
    R("tr-XATBT", "§6.1", "tr(X A^T B^T)", "X", "A^T B^T", "A^T B^T",
      lambda B, A, X: np.trace(X @ A.T @ B.T)),
    R("tr-ATBTX", "§6.1", "tr(A^T B^T X)", "X", "A^T B^T", "A^T B^T",
      lambda B, A, X: np.trace(A.T @ B.T @ X)),
    R("tr-AXXT", "§6.1", "tr(A X X^T)", "X", "X^T (A + A^T)", "X^T (A + A^T)",
      lambda A, X: np.trace(A @ X @ X.T)),
    R("tr-XTAX", "§6.1", "tr(X^T A X)", "X", "X^T (A + A^T)", "X^T (A + A^T)",
      lambda A, X: np.trace(X.T @ A @ X)),
    R("tr-XXTA", "§6.1", "tr(X X^T A)", "X", "X^T (A + A^T)", "X^T (A + A^T)",
      lambda A, X: np.trace(X @ X.T @ A)),
    R("tr-AXTX", "§6.1", "tr(A X^T X)", "X", "(A + A^T) X^T", "(A + A^T) X^T",
      lambda A, X: np.trace(A @ X.T @ X)),
    R("tr-XAXT", "§6.1", "tr(X A X^T)", "X", "(A + A^T) X^T", "(A + A^T) X^T",
      lambda A, X: np.trace(X @ A @ X.T)),
    R("tr-XTXA", "§6.1", "tr(X^T X A)", "X", "(A + A^T) X^T", "(A + A^T) X^T",
      lambda A, X: np.trace(X.T @ X @ A)),
    R("tr-BAXinv", "§6.1", "tr(B A X^-1)", "X", "-X^-1 B A X^-1", "-X^-1 B A X^-1",
      lambda B, A, X: np.trace(B @ A @ inv(X))),
    R("tr-AXinvB", "§6.1", "tr(A X^-1 B)", "X", "-X^-1 B A X^-1", "-X^-1 B A X^-1",
      lambda A, X, B: np.trace(A @ inv(X) @ B)),
    R("tr-AinvXB", "§6.1", "tr(A inv(X) B)", "X", "-X^-1 B A X^-1", "-inv(X) B A inv(X)",
      lambda A, X, B: np.trace(A @ inv(X) @ B)),
    R("tr-XplusAinv", "§6.1", "tr((X + A)^-1)", "X", "-(X + A)^-2", "-(X + A)^-1 (X + A)^-1",
      lambda X, A: np.trace(inv(X + A))),
    R("tr-AXBXTC", "§6.1", "tr(A X B X^T C)", "X", "B X^T C A + B^T X^T A^T C^T",
      "B X^T C A + B^T X^T A^T C^T", lambda A, X, B, C: np.trace(A @ X @ B @ X.T @ C)),
    R("tr-AXTBXC", "§6.1", "tr(A X^T B X C)", "X", "C A X^T B + A^T C^T X^T B^T",
      "C A X^T B + A^T C^T X^T B^T", lambda A, X, B, C: np.trace(A @ X.T @ B @ X @ C)),
    R("tr-BAXn", "§6.1 eq. 4", "tr(B A X^3)", "X", "X^2 B A + X B A X + B A X^2",
      "X^2 B A + X B A X + B A X^2", lambda B, A, X: np.trace(B @ A @ mpow(X, 3))),
    R("tr-AXnB", "§6.1 eq. 4", "tr(A X^3 B)", "X", "X^2 B A + X B A X + B A X^2",
      "X^2 B A + X B A X + B A X^2", lambda A, X, B: np.trace(A @ mpow(X, 3) @ B)),
    R("tr-X3", "§6.1", "tr(X^3)", "X", "3 X^2", "3 X^2", lambda X: np.trace(mpow(X, 3))),
    R("tr-X4", "§6.1", "tr(X^4)", "X", "4 X^3", "4 X^3", lambda X: np.trace(mpow(X, 4))),
    R("tr-expm", "§6.1", "tr(expm(X))", "X", "expm(X)", "expm(X)", lambda X: np.trace(sla.expm(X))),
    R("tr-sinm", "§6.1", "tr(sinm(X))", "X", "cosm(X)", "cosm(X)", lambda X: np.trace(sla.sinm(X))),
    R("tr-cosm", "§6.1", "tr(cosm(X))", "X", "-sinm(X)", "-sinm(X)", lambda X: np.trace(sla.cosm(X))),
    # the notes take A and X square (declared: a square Kronecker product may have
    # non-square factors, whose trace is not tr(A) tr(X))
    R("tr-kron-AX", "§6.1", "tr(kron(A, X))", "X", "tr(A) I", "tr(A) I",
      lambda A, X: np.trace(np.kron(A, X)), square="A,X"),
    R("tr-kron-AX-symbol", "§6.1", "tr(A ⊗ X)", "X", "tr(A) I", "tr(A) I",
      lambda A, X: np.trace(np.kron(A, X)), square="A,X"),
    R("tr-kron-XX", "§6.1", "tr(kron(X, X))", "X", "2 tr(X) I", "2 tr(X) I",
      lambda X: np.trace(np.kron(X, X)), square="X"),
    # §6.2 determinants
    R("det-AXB", "§6.2", "det(A X B)", "X", "B adj(A X B) A", "B adj(A X B) A",
      lambda A, X, B: det(A @ X @ B)),
    R("det-X", "§6.2", "det(X)", "X", "det(X) X^-1", "det(X) X^-1", lambda X: det(X)),
    R("det-X-bars", "§6.2", "|X|", "X", "|X| X^-1", "|X| X^-1", lambda X: det(X)),
    R("det-Xn", "§6.2", "det(X^3)", "X", "3 det(X^3) X^-1", "3 det(X^3) X^-1",
      lambda X: det(mpow(X, 3))),
    R("det-X-pow", "§6.2", "det(X)^3", "X", "3 det(X)^3 X^-1", "3 det(X)^3 X^-1",
      lambda X: det(X) ** 3),
    R("logdet-aX", "§6.2", "log(det(a X))", "X", "X^-1", "X^-1",
      lambda a, X: np.log(det(a * X)), scalar="a"),
    R("logdet-fn", "§6.2", "logdet(alpha X)", "X", "X^-1", "X^-1",
      lambda alpha, X: np.log(det(alpha * X))),
    R("log-bars-aX", "§6.2", "log(|a X|)", "X", "X^-1", "X^-1",
      lambda a, X: np.log(det(a * X)), scalar="a"),
    R("det-XTAX", "§6.2", "det(X^T A X)", "X", "adj(X^T A X) X^T A + adj(X^T A^T X) X^T A^T",
      "det(X^T A X) ((X^T A^T X)^-1 X^T A^T + (X^T A X)^-1 X^T A)",
      lambda X, A: det(X.T @ A @ X)),
    R("det-XTAX-sym", "§6.2", "det(X^T A X)", "X", "2 adj(X^T A X) X^T A",
      "2 det(X^T A X) (X^T A X)^-1 X^T A", lambda X, A: det(X.T @ A @ X), symmetric="A"),
    R("det-XTX", "§6.2", "det(X^T X)", "X", "2 det(X^T X) pinv(X)", "2 det(X^T X) pinv(X)",
      lambda X: det(X.T @ X)),
    R("logdet-XTX", "§6.2", "log(det(X^T X))", "X", "2 pinv(X)", "2 pinv(X)",
      lambda X: np.log(det(X.T @ X))),
    R("logdet-fn-XTX", "§6.2", "logdet(X^T X)", "X", "2 pinv(X)", "2 pinv(X)",
      lambda X: np.log(det(X.T @ X))),
]




@pytest.mark.parametrize("section,expr,wrt,kinds,expected,seed_form,oracle", SEED)
def test_compact_form(section, expr, wrt, kinds, expected, seed_form, oracle):
    r = run(expr, wrt, **declared(kinds))
    out = render(r, "text")
    assert out == expected
    assert len(out) <= len(seed_form), f"longer than the seed's {seed_form!r}"


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize("section,expr,wrt,kinds,expected,seed_form,oracle", SEED)
def test_numerically(section, expr, wrt, kinds, expected, seed_form, oracle, layout):
    r = run(expr, wrt, layout, **declared(kinds))
    assert_numeric(r, oracle)


@pytest.mark.parametrize("section,expr,wrt,kinds,expected,seed_form,oracle", SEED)
def test_denominator_is_the_transpose(section, expr, wrt, kinds, expected, seed_form, oracle):
    """The seed: every denominator-layout result is the numerator-layout one transposed."""
    num = run(expr, wrt, "numerator", **declared(kinds))
    den = run(expr, wrt, "denominator", **declared(kinds))
    assert den.expr.shape == (num.expr.shape[1], num.expr.shape[0])


# --- the seed's identities about abstract functions u(x), U(t): the result's text ---

ABSTRACT = [
    ("§1", "alpha u(t)", "t", {"scalar": ["t"]}, "alpha du/dt"),
    ("§1", "alpha u(x)", "x", {"scalar": ["u"]}, "alpha du/dx"),
    ("§1", "alpha U(t)", "t", {"scalar": ["t"]}, "alpha dU/dt"),
    ("§1", "alpha u(X)", "X", {"scalar": ["u"]}, "alpha du/dX"),
    ("§1", "u(t) + v(t)", "t", {"scalar": ["t"]}, "du/dt + dv/dt"),
    ("§1", "u(x) + v(x)", "x", {}, "du/dx + dv/dx"),
    ("§1", "U(t) + V(t)", "t", {"scalar": ["t"]}, "dU/dt + dV/dt"),
    ("§1", "u(X) + v(X)", "X", {"scalar": ["u,v"]}, "du/dX + dv/dX"),
    ("§1", "v(t) u(t)", "t", {"scalar": ["t,v"]}, "dv/dt u(t) + v(t) du/dt"),
    ("§1", "u(x) v(x)", "x", {"scalar": ["u,v"]}, "v(x) du/dx + u(x) dv/dx"),
    ("§1", "U(t) V(t)", "t", {"scalar": ["t"]}, "dU/dt V(t) + U(t) dV/dt"),
    ("§1", "u(X) v(X)", "X", {"scalar": ["u,v"]}, "v(X) du/dX + u(X) dv/dX"),
    ("§1 chain", "g(u(x))", "x", {}, "dg/du du/dx"),
    ("§1 chain", "g(u(X))", "X", {"scalar": ["g,u"]}, "dg/du du/dX"),
    ("§1 eq. 1", "g(U(t))", "t", {"scalar": ["t,g"]}, "tr(dg/dU dU/dt)"),
    ("§2", "A u(t)", "t", {"scalar": ["t"]}, "A du/dt"),
    ("§2", "u(t)^T A", "t", {"scalar": ["t"]}, "(du/dt)^T A"),
    ("§2", "cross(u(t), v(t))", "t", {"scalar": ["t"]}, "cross(du/dt, v(t)) + cross(u(t), dv/dt)"),
    ("§3", "u(x)^T A v(x)", "x", {}, "u(x)^T A dv/dx + v(x)^T A^T du/dx"),
    ("§3", "u(x)^T v(x)", "x", {}, "v(x)^T du/dx + u(x)^T dv/dx"),
    ("§3", "a^T v(x)", "x", {}, "a^T dv/dx"),
    ("§4", "A u(x)", "x", {}, "A du/dx"),
    ("§4", "v(x) u(x)", "x", {"scalar": ["v"]}, "u(x) dv/dx + v(x) du/dx"),
    ("§5", "u(t) V(t)", "t", {"scalar": ["t,u"]}, "du/dt V(t) + u(t) dV/dt"),
    ("§5 eq. 3", "U(t) V(t) W(t)", "t", {"scalar": ["t"]}, "dU/dt V(t) W(t) + U(t)(dV/dt W(t) + V(t) dW/dt)"),
    ("§5", "A U(t) B", "t", {"scalar": ["t"]}, "A dU/dt B"),
    ("§5 eq. 4", "U(t)^3", "t", {"scalar": ["t"]}, "dU/dt U(t)^2 + U(t) dU/dt U(t) + U(t)^2 dU/dt"),
    ("§5 eq. 5", "U(t)^-1", "t", {"scalar": ["t"]}, "-U(t)^-1 dU/dt U(t)^-1"),
    ("§5", "kron(U(t), V(t))", "t", {"scalar": ["t"]}, "kron(dU/dt, V(t)) + kron(U(t), dV/dt)"),
    ("§5", "U(t) .* V(t)", "t", {"scalar": ["t"]}, "dU/dt .* V(t) + U(t) .* dV/dt"),
]


@pytest.mark.parametrize("section,expr,wrt,kinds,expected", ABSTRACT,
                         ids=[f"{a[0]} {a[1]}" for a in ABSTRACT])
def test_abstract_functions(section, expr, wrt, kinds, expected):
    assert render(run(expr, wrt, **kinds), "text") == expected
