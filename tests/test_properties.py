"""Property-based tests: random well-shaped expressions over every operation matdiff has,
differentiated by every kind of variable, in both layouts.

Each drawn expression carries its own NumPy evaluation (written here, independently of
matdiff's evaluator), the oracle of the finite differences (matdiff.numeric's, through
helpers.numeric_error for first derivatives): the printed NumPy code of every derivative
must agree with them (a failure also reports how far the formula itself is, as matdiff
evaluates it, to tell a wrong formula from wrong code), and its text must parse back to
the same value.

Shapes. Dimensions are symbolic: m, n, p, and q (q is 3 where a cross product or skew()
pins it). Names have fixed shapes, so that expressions are well shaped by construction:
  scalars   alpha, beta, gamma (and numbers)
  columns   a (m), b (n), c (p), u, v (q)
  matrices  A m×n, B n×m, C m×m, D n×n, E n×p, F p×n, G m×p, H p×m, P p×p,
            Q q×m, R q×n, W q×p, Z q×q
  variables tau (a scalar), x (n), X (m×n), S (p×p, declared symmetric), s and t
            (scalars declared with --scalar)
numeric.choose_sizes gives distinct dimensions distinct sizes where it can, so most
operands are non-square and of unequal sizes: a missing transpose or a Kronecker product
in the wrong order shows. Where its sizes do not fit the expression (a dimension that
only a product ties, as in vec(U)^T vec(V), when its search finds no sizes satisfying
the ties), and for second derivatives and the parse-back check, sizes come from the
generator's dimensions instead, distinct (2 to 6; 2 to 5 for second derivatives); see
sizes_for.

Operations: + - (a scalar added to a vector or matrix broadcasts), products (with * and
by juxtaposition, inner dimensions 1 (outer products), m, n, p or q), ^T and ', unary
minus, / by a scalar, .* and ∘, ./, .^ (2, 3, -1, 0.5, a scalar name, a scalar
expression), ^ of scalars, tr, det (and |.|), logdet (and log(det(.))), inv, ^-1, ^-T,
adj, pinv, matrix powers 2 and 3, I + U, every element-wise function (including sigmoid,
softplus, relu, step, log1p and the ones SymPy differentiates), expm sinm cosm sinhm
coshm tanm tanhm logm sqrtm (also outside traces), dexpm/dsinm/dcosm(U, E), norm (also
||.||, norm(., 2), norm(., 'fro'), squared), norm1 (also norm(., 1)), sum, ones^T u,
dot, logsumexp, softmax, vec, unvec, diag of a vector and of a square matrix, skew,
cross (also ×), kron (also ⊗) of non-square factors of unequal sizes, in
tr(U ⊗ V), vec(U)^T (K ⊗ L) vec(V), (w^T ⊗ K) vec(N), unvec((L ⊗ K) vec(N), .) and as
the function itself.
Domains are kept by construction: log, sqrt and the like take 1 + u.^2; a scalar
exponent has a positive base; arcsin, arccos, arctanh and sec take 0.5 tanh(u), csc and
cot 1 + 0.5 tanh(u), arccosh 2 + u.^2; det, logdet, inverses, adj, logm and sqrtm take
I + 0.1 U; pinv takes L + 0.1 U with a full-rank constant L; the other matrix functions
take 0.1 U; dexpm(U, E) has a constant U. abs, sign, relu, step and norm1 are drawn
freely: their kinks are at exact zeros, which random inputs do not hit (but not in
second derivatives, whose differences of differences take wider steps).
Not drawn: X^n with a scalar name n (its value needs an integer n, and random scalars
are not); exponents with vector names (a lowercase name that occurs only in exponents
is a scalar, matdiff's rule for x.^(p - 1)); a Kronecker product under a scalar function
where its cotangent is neither s·I (square factors) nor an outer product, which matdiff
refuses (see the docstring of ops/algebra.cot_kron); matrix functions and their Fréchet
derivatives inside second derivatives, which it refuses (ops/matfun._no_second).

Kinds: scalar, vector (column or row) and matrix functions by a scalar, a vector and a
matrix (the last ones the vec-Jacobians), scalars by a symmetric matrix (S), scalars by a
matrix with a symmetric constant (C), and second derivatives: scalars by x then x, X then
X, s then t, tau then tau and mixed pairs; vectors and matrices by s then t; vectors by
tau then x.

No refusal (UnsupportedError) is expected for anything drawn here, so a refusal fails
the test (no refusal is assumed away).

300 examples per property by default (derandomized, so CI is repeatable);
MATDIFF_EXAMPLES=5000 runs more, with fresh random draws. Failures that such longer runs
found are kept as test_pinned_examples.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import numpy as np
import pytest
import scipy.linalg
from hypothesis import HealthCheck, assume, currently_in_test_context, given, settings
from hypothesis import strategies as st

from helpers import numeric_error, run
from matdiff.core import analyse
from matdiff.errors import UnsupportedError
from matdiff.expr import Ident, Ones, Zero
from matdiff.numeric import (NumericError, compare, eval_numpy_code, evaluate,
                             numeric_derivative, random_inputs, second_derivative, size_of,
                             well_conditioned)
from matdiff.render import numpy_code, render
from matdiff.shapes import Declarations

# ---------------------------------------------------------------------------
# expressions with their own NumPy evaluation


def as2d(v):
    a = np.asarray(v, dtype=float)
    return a.reshape(1, 1) if a.ndim == 0 else a.reshape(-1, 1) if a.ndim == 1 else a


@dataclass(frozen=True)
class Node:
    """An expression's text, its value (a function of the inputs, 2-D arrays) and whether
    a variable occurs in it."""

    text: str
    f: Callable = field(compare=False)
    var: bool = False

    def __repr__(self) -> str:
        return repr(self.text)

    def oracle(self, **env):
        with np.errstate(all="ignore"):
            return self.f({k: as2d(v) for k, v in env.items()})


ATOM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\^T|')?|[0-9.]+")


def par(n: Node) -> str:
    """The text, parenthesised unless it is a name (transposed or not) or a number."""
    return n.text if ATOM.fullmatch(n.text) else f"({n.text})"


def node(text, f, *kids, var=False):
    return Node(text, f, var or any(k.var for k in kids))


def name(nm: str, is_var: bool = False) -> Node:
    return Node(nm, lambda env: env[nm], is_var)


def number(v: str) -> Node:
    return Node(v, lambda env: np.array([[float(v)]]))


# -- the algebra ---------------------------------------------------------------

def add(a, b, sign="+"):
    return node(f"{a.text} {sign} {par(b)}" if sign == "-" else f"{a.text} + {b.text}",
                (lambda e: a.f(e) + b.f(e)) if sign == "+" else (lambda e: a.f(e) - b.f(e)),
                a, b)


def matmul(a, b, star=True):
    text = f"{par(a)} {par(b)}" if not star else f"{par(a)}*{par(b)}"
    return node(text, lambda e: a.f(e) @ b.f(e), a, b)


def scale(s, m):
    return node(f"{par(s)}*{par(m)}", lambda e: s.f(e) * m.f(e), s, m)


def transpose(a, spelling="^T"):
    return node(f"{par(a)}{spelling}", lambda e: a.f(e).T, a)


def neg(a):
    return node(f"-{par(a)}", lambda e: -a.f(e), a)


def had(a, b, spelling=".*"):
    return node(f"{par(a)} {spelling} {par(b)}", lambda e: a.f(e) * b.f(e), a, b)


def haddiv(a, b):
    return node(f"{par(a)} ./ {par(b)}", lambda e: a.f(e) / b.f(e), a, b)


def divide(a, s):
    return node(f"{par(a)} / {par(s)}", lambda e: a.f(e) / s.f(e), a, s)


def power(a, p: Node, elementwise: bool):
    op = " .^ " if elementwise else "^"
    return node(f"{par(a)}{op}{par(p)}", lambda e: np.power(a.f(e), p.f(e)), a, p)


def shifted(a, c="0.1"):
    """I + c U (well conditioned for the inverse, det, logdet, adj, logm, sqrtm)."""
    k = float(c)
    return node(f"I + {c}*{par(a)}", lambda e: np.eye(a.f(e).shape[0]) + k * a.f(e), a)


def small(a, c="0.1"):
    k = float(c)
    return node(f"{c}*{par(a)}", lambda e: k * a.f(e), a)


def call(fname, fn, *args, text=None):
    t = text if text is not None else f"{fname}({', '.join(x.text for x in args)})"
    return node(t, lambda e: fn(*(x.f(e) for x in args)), *args)


def scalar(v):
    return np.array([[float(np.real(v))]])


def _trace(m):
    if m.shape[0] != m.shape[1]:    # np.trace would sum a non-square matrix's diagonal
        raise ValueError(f"the trace of a {m.shape} matrix")
    return scalar(np.trace(m))


def _sigmoid(a):
    return 0.5 * (1 + np.tanh(a / 2))


def _softmax(z):
    w = np.exp(z - np.max(z))
    return w / np.sum(w)


def _skew(a):
    a = a.ravel()
    return np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])


def _adj(m):
    return np.linalg.det(m) * np.linalg.inv(m)


def _frechet(name, u, e):
    """L_g(U, E) from g([[U, E], [0, U]]) = [[g(U), L_g(U, E)], [0, g(U)]] (Higham §3.2)."""
    n = u.shape[0]
    return np.real(getattr(scipy.linalg, name)(np.block([[u, e], [np.zeros_like(u), u]]))[:n, n:])


def _mfun(name):
    if name in ("logm", "sqrtm"):       # of I + 0.1 U: by eigenvectors (scipy's logm is slow)
        f = np.log if name == "logm" else np.sqrt
        return lambda m: _by_eigenvectors(f, m)
    g = getattr(scipy.linalg, name)
    return lambda m: np.real(g(m))


def _by_eigenvectors(f, m):
    w, v = np.linalg.eig(m)
    return np.real(v @ np.diag(f(w.astype(complex))) @ np.linalg.inv(v))


ELEMENTWISE = {         # name -> (NumPy, wrap): wrap keeps the argument in the domain
    "exp": (np.exp, None), "sin": (np.sin, None), "cos": (np.cos, None),
    "tanh": (np.tanh, None), "sinh": (np.sinh, None), "cosh": (np.cosh, None),
    "arctan": (np.arctan, None), "sigmoid": (_sigmoid, None),
    "softplus": (lambda a: np.logaddexp(0, a), None),
    "abs": (np.abs, None), "sign": (np.sign, None), "relu": (lambda a: np.maximum(a, 0), None),
    "step": (lambda a: np.heaviside(a, 0.0), None),
    "tan": (np.tan, "tanh"), "arcsin": (np.arcsin, "halftanh"),
    "arccos": (np.arccos, "halftanh"),
    "log": (np.log, "pos"), "sqrt": (np.sqrt, "pos"), "log1p": (np.log1p, "square"),
    # the functions whose derivatives SymPy derives (matdiff/ops/derived.py)
    "arcsinh": (np.arcsinh, None), "arctanh": (np.arctanh, "halftanh"),
    "arccosh": (np.arccosh, "twoplus"), "sec": (lambda a: 1 / np.cos(a), "halftanh"),
    "csc": (lambda a: 1 / np.sin(a), "oneplus"), "cot": (lambda a: 1 / np.tan(a), "oneplus"),
}
# not in second derivatives: their differences of differences take a step (2e-3) wide
# enough to straddle a kink now and then
KINKED = ("abs", "sign", "relu", "step")
MATRIX_FUNCTIONS = ("expm", "sinm", "cosm", "sinhm", "coshm", "tanm", "tanhm")
MATRIX_FUNCTIONS_NEAR_I = ("logm", "sqrtm")

# ---------------------------------------------------------------------------
# names and shapes

M, N, P_, Q = "m", "n", "p", "q"
SCALARS = ("alpha", "beta", "gamma")
COLUMNS = {M: ("a",), N: ("b",), P_: ("c",), Q: ("u", "v")}
MATRICES = {(M, N): "A", (N, M): "B", (M, M): "C", (N, N): "D", (N, P_): "E", (P_, N): "F",
            (M, P_): "G", (P_, M): "H", (P_, P_): "P", (Q, M): "Q", (Q, N): "R", (Q, P_): "W",
            (Q, Q): "Z"}
VARIABLES = {"tau": (1, 1), "s": (1, 1), "t": (1, 1), "x": (N, 1), "X": (M, N), "S": (P_, P_)}


def is_scalar(shape):
    return shape == (1, 1)


class Gen:
    """Draws expressions of a given shape; `vars` are the variables (one must occur
    where `need` says so)."""

    def __init__(self, draw, variables, second=False):
        self.draw = draw
        self.vars = variables
        self.second = second
        self.constant = 0

    def pick(self, seq):
        return self.draw(st.sampled_from(list(seq)))

    def coin(self, p_true=0.5):
        return self.draw(st.integers(0, 99)) < 100 * p_true

    def maybe(self, p_true):
        """Whether an optional occurrence of the variable is drawn (never in a constant)."""
        return not self.constant and self.coin(p_true)

    def fixed(self, shape, depth) -> Node:
        """An expression without the variable."""
        self.constant += 1
        try:
            return self.expr(shape, depth, False)
        finally:
            self.constant -= 1

    # -- leaves ------------------------------------------------------------------
    def const(self, shape) -> Node:
        r, c = shape
        if is_scalar(shape):
            nm = self.pick(SCALARS + ("2", "3", "0.5"))
            return number(nm) if nm[0].isdigit() else name(nm)
        if c == 1:
            return name(self.pick(COLUMNS[r]))
        if r == 1:
            return transpose(name(self.pick(COLUMNS[c])))
        if (r, c) in MATRICES and (not (c, r) in MATRICES or r == c or self.coin()):
            return name(MATRICES[(r, c)])
        return transpose(name(MATRICES[(c, r)]), self.pick(("^T", "'")))

    def var_leaf(self, shape) -> Node:
        """A variable, transposed or multiplied by constants to the shape."""
        v = self.pick(self.vars)
        vshape = VARIABLES[v]
        x = name(v, True)
        if vshape == shape:
            return x
        if is_scalar(vshape):
            return x if is_scalar(shape) else scale(x, self.const(shape))
        if (vshape[1], vshape[0]) == shape and self.coin(0.7):
            return transpose(x)
        out = x
        if shape[0] != vshape[0] or (shape[0] != 1 and self.coin(0.3)):
            out = matmul(self.const((shape[0], vshape[0])), out, star=False)
        if shape[1] != vshape[1] or (shape[1] != 1 and self.coin(0.3)):
            out = matmul(out, self.const((vshape[1], shape[1])), star=False)
        return out

    # -- the recursion -------------------------------------------------------------
    def expr(self, shape, depth, need=True) -> Node:
        if depth <= 0 or self.draw(st.integers(0, 7)) == 0:
            return self.var_leaf(shape) if need else self.const(shape)
        r, c = shape
        ops = ["add", "product", "product", "transpose", "neg", "hadamard", "func", "func",
               "divide", "power"]
        if is_scalar(shape):
            ops += ["trace", "trace", "det", "logdet", "norm", "sum", "dot", "vec_inner",
                    "ones_sum", "kron_trace", "kron_bilinear", "logsumexp"]
            if not self.second:
                ops += ["norm1", "tr_matfun"]
        else:
            ops += ["scale", "scale", "broadcast", "haddiv"]
        if r == c and r != 1:
            ops += ["matpow", "inverse", "inverse", "adj", "diag", "shift"]
            if not self.second:
                ops += ["matfun", "matfun", "frechet"]
            if r == Q:
                ops += ["skew"] * 3
        if c == 1 and r != 1:
            ops += ["diagof", "softmax", "kron_vec"]
            if r == Q:
                ops += ["cross", "cross"]
        if r != 1 and c != 1:
            ops += ["pinv", "unvec_kron"]
        op = self.pick(ops)
        return getattr(self, "op_" + op)(shape, depth - 1, need)

    def two(self, sa, sb, depth, need):
        """Two children, at least one with the variable when `need`."""
        first = self.coin()
        a = self.expr(sa, depth, need and first or self.maybe(0.3))
        b = self.expr(sb, depth, (need and not a.var) or self.maybe(0.3))
        return a, b

    def dim(self, allow_one=True):
        return self.pick(((1,) if allow_one else ()) + (M, N, P_, M, N, P_, Q))

    # -- every shape -----------------------------------------------------------------
    def op_add(self, shape, d, need):
        a, b = self.two(shape, shape, d, need)
        if not a.var and b.var:
            a, b = b, a
        return add(a, b, self.pick("+-"))

    def op_product(self, shape, d, need):
        k = self.dim(allow_one=not is_scalar(shape))
        a, b = self.two((shape[0], k), (k, shape[1]), d, need)
        return matmul(a, b, star=self.coin(0.7))

    def op_transpose(self, shape, d, need):
        return transpose(self.expr((shape[1], shape[0]), d, need), self.pick(("^T", "^T", "'")))

    def op_neg(self, shape, d, need):
        return neg(self.expr(shape, d, need))

    def op_hadamard(self, shape, d, need):
        a, b = self.two(shape, shape, d, need)
        return had(a, b, self.pick((".*", ".*", "∘")))

    def op_func(self, shape, d, need):
        fname = self.pick([f for f in ELEMENTWISE if not (self.second and f in KINKED)])
        fn, wrap = ELEMENTWISE[fname]
        a = self.expr(shape, d, need)
        if wrap == "tanh":
            a = call("tanh", np.tanh, a)
        elif wrap == "halftanh":
            a = small(call("tanh", np.tanh, a), "0.5")
        elif wrap == "pos":
            a = self.positive(a, shape)
        elif wrap == "square":
            a = self.square(a, shape)
        elif wrap == "twoplus":          # 2 + u.^2 > 1
            a = add(number("2"), self.square(a, shape))
        elif wrap == "oneplus":          # 1 + 0.5 tanh(u) in (0.5, 1.5)
            a = add(number("1"), small(call("tanh", np.tanh, a), "0.5"))
        return call(fname, fn, a)

    def square(self, a, shape):
        return power(a, number("2"), not is_scalar(shape))

    def positive(self, a, shape):
        """1 + a.^2, or exp(a)."""
        if self.coin(0.8):
            return add(number("1"), self.square(a, shape))
        return call("exp", np.exp, a)

    def op_divide(self, shape, d, need):
        a, s = self.two(shape, (1, 1), d, need)
        return divide(a, self.positive(s, (1, 1)) if self.coin(0.7) else
                      add(number("2"), call("sin", np.sin, s)))

    def op_power(self, shape, d, need):
        ew = not is_scalar(shape)
        kind = self.pick(("int", "int", "name", "half", "minus", "expr"))
        if kind == "int":
            return power(self.expr(shape, d, need), number(self.pick("23")), ew)
        base = self.positive(self.expr(shape, d, need and kind != "expr"), shape)
        if kind == "name":
            return power(base, name(self.pick(SCALARS)), ew)
        if kind == "half":
            return power(base, number("0.5"), ew)
        if kind == "minus":
            return power(base, number("-1"), ew)
        return power(base, self.exponent(need and not base.var), ew)

    def exponent(self, need):
        """A scalar exponent of Greek names and scalar variables only: a lowercase name
        that occurs only in exponents is a scalar (matdiff's rule for X^n, x.^(p - 1))."""
        scalars = [v for v in self.vars if is_scalar(VARIABLES[v])]
        if need and not scalars:
            need = False
        pool = list(scalars) if need else list(SCALARS) + (list(scalars) * (not self.constant))
        first = self.pick(pool)
        a = name(first, first in scalars)
        form = self.pick(("name", "sum", "sin", "scaled"))
        if form == "sum":
            return add(a, name(self.pick(SCALARS)), self.pick("+-"))
        if form == "sin":
            return call("sin", np.sin, a)
        if form == "scaled":
            return scale(number("0.5"), a)
        return a

    def op_scale(self, shape, d, need):
        s, m = self.two((1, 1), shape, d, need)
        return scale(s, m)

    def op_broadcast(self, shape, d, need):
        """A scalar added to every entry."""
        if self.coin(0.4):
            m = self.expr(shape, d, need)
            k = number(self.pick("12"))
            return add(k, m) if self.coin() else add(m, k, "-")
        s, m = self.two((1, 1), shape, d, need)
        return add(s, m) if self.coin() else add(m, s, self.pick("+-"))

    def op_haddiv(self, shape, d, need):
        a, b = self.two(shape, shape, d, need)
        return haddiv(a, self.positive(b, shape))

    # -- scalars ---------------------------------------------------------------------
    def square_dim(self):
        return self.pick((M, N, P_, Q))

    def op_trace(self, shape, d, need):
        k = self.square_dim()
        return call("tr", _trace, self.expr((k, k), d, need))

    def op_det(self, shape, d, need):
        k = self.square_dim()
        a = shifted(self.expr((k, k), d, need))
        fn = lambda m: scalar(np.linalg.det(m))           # noqa: E731
        if self.coin(0.3):
            return call("det", fn, a, text=f"|{a.text}|")
        return call("det", fn, a)

    def op_logdet(self, shape, d, need):
        k = self.square_dim()
        a = shifted(self.expr((k, k), d, need))
        fn = lambda m: scalar(np.log(np.linalg.det(m)))   # noqa: E731
        if self.coin(0.3):
            return call("logdet", fn, a, text=f"log(det({a.text}))")
        return call("logdet", fn, a)

    def any_shape(self, allow_scalar=False):
        r = self.dim(allow_one=True)
        c = self.dim(allow_one=True)
        if (r, c) == (1, 1) and not allow_scalar:
            c = self.dim(allow_one=False)
        return (r, c)

    def op_norm(self, shape, d, need):
        sh = self.any_shape()
        a = self.expr(sh, d, need)
        fn = lambda m: scalar(np.linalg.norm(m))          # noqa: E731
        style = self.pick(("call", "call", "bars", "squared", "order"))
        if style == "bars":
            return call("norm", fn, a, text=f"||{a.text}||")
        if style == "squared":
            return power(call("norm", fn, a), number("2"), False)
        if style == "order":
            if 1 in sh:
                return call("norm", fn, a, text=f"norm({a.text}, 2)")
            return call("norm", fn, a, text=f"norm({a.text}, 'fro')")
        return call("norm", fn, a)

    def op_norm1(self, shape, d, need):
        a = self.expr(self.any_shape(), d, need)
        fn = lambda m: scalar(np.sum(np.abs(m)))          # noqa: E731
        if self.coin(0.3):
            return call("norm1", fn, a, text=f"norm({a.text}, 1)")
        return call("norm1", fn, a)

    def op_sum(self, shape, d, need):
        a = self.expr(self.any_shape(), d, need)
        return call("sum", lambda m: scalar(np.sum(m)), a)

    def op_logsumexp(self, shape, d, need):
        a = self.expr((self.square_dim(), 1), d, need)
        return call("logsumexp", lambda z: scalar(np.logaddexp.reduce(z.ravel())), a)

    def op_dot(self, shape, d, need):
        k = self.square_dim()
        a, b = self.two((k, 1), (k, 1), d, need)
        return call("dot", lambda p, q: p.T @ q, a, b)

    def op_vec_inner(self, shape, d, need):
        """vec(U)^T vec(V) = tr(U^T V)."""
        sh = self.any_shape()
        a, b = self.two(sh, sh, d, need)
        return matmul(transpose(self.vec(a)), self.vec(b))

    def vec(self, a):
        return call("vec", lambda m: m.reshape(-1, 1, order="F"), a)

    def op_ones_sum(self, shape, d, need):
        a = self.expr((self.square_dim(), 1), d, need)
        return node(f"ones^T {par(a)}", lambda e: np.sum(a.f(e)).reshape(1, 1), a)

    def kron(self, a, b):
        if self.coin(0.3):
            return node(f"{par(a)} ⊗ {par(b)}", lambda e: np.kron(a.f(e), b.f(e)), a, b)
        return call("kron", np.kron, a, b)

    def op_kron_trace(self, shape, d, need):
        """tr(U ⊗ V) for square U, V of different sizes."""
        k1, k2 = self.square_dim(), self.square_dim()
        a, b = self.two((k1, k1), (k2, k2), d, need)
        return call("tr", _trace, self.kron(a, b))

    def op_kron_bilinear(self, shape, d, need):
        """vec(U)^T (K ⊗ L) vec(V) = tr(U^T L V K^T), with K (rk×ck), L (rl×cl), U (rl×rk),
        V (cl×ck): non-square factors of unequal sizes."""
        rk, ck, rl, cl = (self.dim(allow_one=False) for _ in range(4))
        k, lm = self.two((rk, ck), (rl, cl), d, need)
        u = self.expr((rl, rk), d, self.maybe(0.3))
        v = self.expr((cl, ck), d, (need and not (k.var or lm.var or u.var)) or self.maybe(0.3))
        return matmul(matmul(transpose(self.vec(u)), self.kron(k, lm)), self.vec(v))

    def op_tr_matfun(self, shape, d, need):
        k = self.square_dim()
        a = self.expr((k, k), d, need)
        return call("tr", _trace, self.matfun(a))

    # -- square matrices --------------------------------------------------------------
    def op_matpow(self, shape, d, need):
        a = self.expr(shape, d, need)
        n = self.pick("23")
        if self.coin(0.5):
            a = small(a, "0.5")
        return node(f"{par(a)}^{n}", lambda e: np.linalg.matrix_power(a.f(e), int(n)), a)

    def op_inverse(self, shape, d, need):
        a = shifted(self.expr(shape, d, need))
        style = self.pick(("^-1", "inv", "^-T"))
        if style == "inv":
            return call("inv", np.linalg.inv, a)
        if style == "^-T":
            return node(f"({a.text})^-T", lambda e: np.linalg.inv(a.f(e)).T, a)
        return node(f"({a.text})^-1", lambda e: np.linalg.inv(a.f(e)), a)

    def op_adj(self, shape, d, need):
        return call("adj", _adj, shifted(self.expr(shape, d, need)))

    def matfun(self, a):
        if self.coin(0.25):
            g = self.pick(MATRIX_FUNCTIONS_NEAR_I)
            return call(g, _mfun(g), shifted(a))
        g = self.pick(MATRIX_FUNCTIONS)
        return call(g, _mfun(g), small(a))

    def op_matfun(self, shape, d, need):
        return self.matfun(self.expr(shape, d, need))

    def op_frechet(self, shape, d, need):
        """dexpm(U, E) (dsinm, dcosm), the Fréchet derivative written in the input, with a
        constant U (it is linear in E; second derivatives through it are refused)."""
        g = self.pick(("expm", "sinm", "cosm"))
        u = small(self.fixed(shape, d))
        e = self.expr(shape, d, need)
        return call("d" + g, lambda a, b: _frechet(g, a, b), u, e)

    def op_diag(self, shape, d, need):
        a = self.expr((shape[0], 1), d, need)
        return call("diag", lambda v: np.diag(v.ravel()), a)

    def op_shift(self, shape, d, need):
        a = self.expr(shape, d, need)
        return node(f"{par(a)} + I", lambda e: a.f(e) + np.eye(a.f(e).shape[0]), a)

    def op_skew(self, shape, d, need):
        return call("skew", _skew, self.expr((Q, 1), d, need))

    # -- columns -----------------------------------------------------------------------
    def op_diagof(self, shape, d, need):
        a = self.expr((shape[0], shape[0]), d, need)
        return call("diag", lambda m: np.diag(m).reshape(-1, 1).copy(), a)

    def op_softmax(self, shape, d, need):
        return call("softmax", _softmax, self.expr(shape, d, need))

    def op_cross(self, shape, d, need):
        a, b = self.two(shape, shape, d, need)
        fn = lambda p, q: np.cross(p.ravel(), q.ravel()).reshape(-1, 1)   # noqa: E731
        if self.coin(0.3):
            return node(f"{par(a)} × {par(b)}", lambda e: fn(a.f(e), b.f(e)), a, b)
        return call("cross", fn, a, b)

    def op_kron_vec(self, shape, d, need):
        """(w^T ⊗ K) vec(N) = K N w, with K (k×r), N (r×c), w (c)."""
        r, c = self.dim(allow_one=False), self.dim(allow_one=False)
        kk, w = self.two((shape[0], r), (c, 1), d, need)
        nn = self.expr((r, c), d, need and not (kk.var or w.var) or self.maybe(0.3))
        return matmul(self.kron(transpose(w), kk), self.vec(nn))

    # -- matrices ----------------------------------------------------------------------
    def op_pinv(self, shape, d, need):
        """pinv(L + 0.1 U) with L a full-rank constant: well conditioned (the derivative
        of a rank-deficient argument holds too, at constant rank, but its finite
        differences are at the mercy of pinv's cut-off)."""
        sh = (shape[1], shape[0])
        a = self.expr(sh, d, need)
        return call("pinv", np.linalg.pinv, add(self.const(sh), small(a)))

    def op_unvec_kron(self, shape, d, need):
        """unvec((L ⊗ K) vec(N), like) = K N L^T, with K (r×r2), L (c×c2), N (r2×c2)."""
        r, c = shape
        r2, c2 = self.dim(allow_one=False), self.dim(allow_one=False)
        kk, ll = self.two((r, r2), (c, c2), d, need)
        nn = self.expr((r2, c2), d, need and not (kk.var or ll.var) or self.maybe(0.3))
        like = self.const((r, 1))
        inner = matmul(self.kron(ll, kk), self.vec(nn))
        return node(f"unvec({inner.text}, {like.text})",
                    lambda e: inner.f(e).reshape((like.f(e).shape[0], -1), order="F"),
                    inner, like)

    # -- top level: a function of `shape`, or a Kronecker product or vec of any shapes
    def top(self, kind, depth):
        """A function of the kind: one to three terms of one form, summed (each term
        brings its own operations, so that every example covers more of them)."""
        if kind == "scalar":
            term = lambda: self.expr((1, 1), depth)               # noqa: E731
        elif kind == "vector":
            form = self.pick(("plain", "plain", "plain", "row", "kron", "vec"))
            if form == "kron":
                sa, sb = (self.dim(False), 1), (self.dim(False), 1)
                term = lambda: self.kron(*self.two(sa, sb, depth - 1, True))   # noqa: E731
            elif form == "vec":
                sh = self.any_shape()
                term = lambda: self.vec(self.expr(sh, depth - 1, True))      # noqa: E731
            else:
                k = self.dim(False)
                sh = (1, k) if form == "row" else (k, 1)
                term = lambda: self.expr(sh, depth)                          # noqa: E731
        else:
            form = self.pick(("plain", "plain", "plain", "kron"))
            if form == "kron":
                sa, sb = self.any_shape(), self.any_shape()
                if 1 in sa and 1 in sb and (sa[0] == 1) == (sb[0] == 1):    # not a vector
                    sb = tuple(d if d != 1 else self.dim(False) for d in sb)
                term = lambda: self.kron(*self.two(sa, sb, depth - 1, True))   # noqa: E731
            else:
                r, c = self.dim(False), self.dim(False)
                if r == c and self.coin(0.6):
                    c = self.pick([k for k in (M, N, P_) if k != r])
                term = lambda: self.expr((r, c), depth)                      # noqa: E731
        out = term()
        for _ in range(self.draw(st.integers(0, 2))):
            out = add(out, term(), self.pick("+-"))
        return out


# ---------------------------------------------------------------------------
# the kinds of derivative


@dataclass(frozen=True)
class Case:
    function: str           # scalar, vector, matrix
    wrts: tuple             # one variable, or two for a second derivative
    kinds: dict = field(default_factory=dict)

    @property
    def variables(self):
        return tuple(dict.fromkeys(self.wrts))


FIRST = {
    "scalar-by-scalar": Case("scalar", ("tau",)),
    "vector-by-scalar": Case("vector", ("tau",)),
    "matrix-by-scalar": Case("matrix", ("tau",)),
    "scalar-by-vector": Case("scalar", ("x",)),
    "vector-by-vector": Case("vector", ("x",)),
    "matrix-by-vector": Case("matrix", ("x",)),
    "scalar-by-matrix": Case("scalar", ("X",)),
    "scalar-by-matrix, C symmetric": Case("scalar", ("X",), {"symmetric": ["C"]}),
    "vector-by-matrix": Case("vector", ("X",)),
    "matrix-by-matrix": Case("matrix", ("X",)),
    "scalar-by-symmetric-matrix": Case("scalar", ("S",), {"symmetric": ["S"]}),
}

ST = {"scalar": ["s", "t"]}
SECOND = {
    "scalar wrt x wrt x": Case("scalar", ("x", "x")),
    "scalar wrt X wrt X": Case("scalar", ("X", "X")),
    "scalar wrt s wrt t": Case("scalar", ("s", "t"), ST),
    "scalar wrt tau wrt tau": Case("scalar", ("tau", "tau")),
    "scalar wrt x wrt X": Case("scalar", ("x", "X")),
    "scalar wrt X wrt x": Case("scalar", ("X", "x")),
    "scalar wrt tau wrt x": Case("scalar", ("tau", "x")),
    "vector wrt s wrt t": Case("vector", ("s", "t"), ST),
    "vector wrt tau wrt x": Case("vector", ("tau", "x")),
    "matrix wrt s wrt t": Case("matrix", ("s", "t"), ST),
}


@st.composite
def drawn(draw, table, depth, second=False):
    name = draw(st.sampled_from(sorted(table)))
    case = table[name]
    gen = Gen(draw, case.variables, second)
    expr = gen.top(case.function, depth)
    layout = draw(st.sampled_from(["numerator", "denominator"]))
    return name, expr, layout


def first_cases():
    return drawn(FIRST, 3)


def second_cases():
    return drawn(SECOND, 2, second=True)


def all_cases():
    return st.one_of(first_cases(), second_cases())


def case_of(name):
    return FIRST.get(name) or SECOND[name]


def differentiate(name, expr, layout):
    case = case_of(name)
    wrt = case.wrts[0] if len(case.wrts) == 1 else list(case.wrts)
    try:
        return run(expr.text, wrt, layout, **case.kinds)
    except UnsupportedError as e:   # no refusal is expected for what is drawn here
        raise AssertionError(f"{expr.text!r} wrt {case.wrts} [{layout}]: {e}") from None


def usable(condition: bool, why: str) -> None:
    """A drawn case that cannot be checked is discarded (hypothesis's assume); a pinned
    example must be checkable, so there it is an assertion."""
    if currently_in_test_context():
        assume(condition)
    else:
        assert condition, why


def sized(typed) -> bool:
    """Whether every I, 0 and ones has a size fixed by a name (tr(I) alone has none)."""
    named = {d for s in typed.symbols.values() for d in s.shape}
    return all(d in named or isinstance(d, int) for x in typed.expr.walk()
               if isinstance(x, (Ident, Zero, Ones)) for d in x.shape)


NAME_SHAPES = {**{nm: (1, 1) for nm in SCALARS},
               **{nm: (d, 1) for d, names in COLUMNS.items() for nm in names},
               **{nm: sh for sh, nm in MATRICES.items()}, **VARIABLES}


def sizes_for(typed, rng, high=6) -> dict:
    """Sizes for matdiff's dimensions from the generator's: m, n, p and q distinct (q is 3
    where matdiff has fixed it to 3). Not numeric.choose_sizes: matdiff leaves
    dimensions free that only a product ties (vec(U)^T vec(V) needs only as many entries
    in U as in V), and random sizes rarely satisfy such a tie; the generator knows the
    shapes it meant. matdiff must not tie two dimensions that the generator keeps apart."""
    shapes = {n: s.shape for n, s in typed.symbols.items()}
    q3 = any(d == 3 and mine == Q for n, sh in shapes.items()
             for d, mine in zip(sh, NAME_SHAPES[n]))
    pool = [int(k) for k in rng.permutation(np.arange(2, high + 1)) if not (q3 and k == 3)]
    pool += [k for k in range(high + 1, high + 4) if not (q3 and k == 3)]
    mine = {M: pool[0], N: pool[1], P_: pool[2], Q: 3 if q3 else pool[3], 1: 1}
    sizes: dict = {}
    for n, sh in shapes.items():
        for d, md in zip(sh, NAME_SHAPES[n]):
            want = mine[md]
            got = sizes.setdefault(d, want) if isinstance(d, str) else d
            assert got == want, (f"matdiff gives {n} the shape {sh}, which ties dimensions "
                                 f"the expression keeps apart ({typed.symbols})")
    return sizes


def fd_errors(r, expr: Node, second: bool, seed: int = 7):
    """Relative errors against finite differences (numeric.numeric_derivative, or
    numeric.second_derivative: differences of differences) of the expression's own NumPy
    value, at random inputs of the generator's sizes: of the printed NumPy code of `r`,
    and of the formula as matdiff's evaluator reads it (to tell a wrong formula from
    wrong code). The code's error is inf when it fails to run."""
    code = numpy_code(r)
    rng = np.random.default_rng(seed)
    sizes = sizes_for(r.typed, rng, high=4 if second else 6)
    value = lambda env: expr.oracle(**env)         # noqa: E731
    fshape = tuple(size_of(d, sizes) for d in r.function.shape)
    for _ in range(20):
        env = random_inputs(r.typed.symbols, sizes, rng)
        if not well_conditioned((r.function, r.expr), env, sizes):
            continue
        v = value(env)
        if not np.all(np.isfinite(v)) or np.max(np.abs(v)) > 1e8:
            continue        # differences of differences of a huge value are rounding noise
        with np.errstate(all="ignore"):
            if second:
                ref = second_derivative(value, env, r.variables, fshape, r.layout, sizes)
            else:
                ref = numeric_derivative(value, env, r.var, fshape, r.layout,
                                         r.convention or "sym")
        if not np.all(np.isfinite(ref)):
            continue
        try:
            by_code = compare(eval_numpy_code(code, env), ref)
        except Exception as e:      # noqa: BLE001 - reported in the assertion
            by_code = math.inf
            code = f"{code}  [fails: {type(e).__name__}: {e}]"
        try:
            by_formula = compare(evaluate(r.expr, env, sizes), ref)
        except Exception:           # noqa: BLE001
            by_formula = math.inf
        return by_code, by_formula, code
    usable(False, "no input where the function and its differences are finite")
    raise AssertionError("unreachable")


class SizesDoNotFit(Exception):
    """The oracle cannot evaluate the expression at the sizes it was given."""


def assert_close(r, expr, name, layout, second, tol):
    """First derivatives: helpers.numeric_error with the expression's own value as the
    oracle (sizes from numeric.choose_sizes, which satisfies matdiff's product constraints
    when its search finds sizes that do; when it does not, or no input gave a finite
    value, the check at the generator's sizes decides). Second derivatives: the check at
    the generator's sizes, which are smaller (differences of differences of a function of
    6×6 matrices, whose traces are large, are not accurate to 1e-4). On a failure, the
    errors at the generator's sizes, of the code and of the formula, say which is wrong."""
    def oracle(**env):
        try:
            return expr.oracle(**env)
        except ValueError as e:
            raise SizesDoNotFit(str(e)) from None

    fails = ""
    try:
        err = None if second else numeric_error(r, oracle=oracle, trials=1, seed=7)
    except (NumericError, SizesDoNotFit):
        err = None
    except Exception as e:      # noqa: BLE001 - the printed code does not run
        err, fails = math.inf, f" [the NumPy code fails: {type(e).__name__}: {e}]"
    if err is not None and err < tol:
        return
    code_err, formula_err, code = fd_errors(r, expr, second)
    if err is None:
        err = code_err
    assert err < tol, (f"{expr.text!r} [{name}, {layout}]: error {err:.2g}{fails} (at the "
                       f"generator's sizes: {code_err:.2g}, and of the formula as matdiff "
                       f"evaluates it: {formula_err:.2g}); result {render(r, 'text')}; "
                       f"NumPy: {code}")


# Examples that longer runs (MATDIFF_EXAMPLES) drew and that failed, built with the same
# constructors (so they carry their oracles), checked by test_pinned_examples on every run
# (as explicit examples of the properties, a failing one would stop the random draws).
def _pinned():
    x, X = name("x", True), name("X", True)
    Qxb = matmul(matmul(name("Q"), X, star=False), name("b"), star=False)
    Ax = matmul(name("A"), x, star=False)
    kron_infix = lambda a, b: node(f"{par(a)} ⊗ {par(b)}",          # noqa: E731
                                   lambda e: np.kron(a.f(e), b.f(e)), a, b)
    logdet_skew = call("log", lambda m: np.log(m), call(
        "det", lambda m: scalar(np.linalg.det(m)), shifted(call("skew", _skew, Qxb))))
    first = [   # refused: "cannot write the vec-Jacobian through skew()"
        ("matrix-by-vector", call("skew", _skew, matmul(name("R"), x, star=False)),
         "numerator")]
    second = [  # refused: the same, for the Hessian's second step
        ("scalar wrt X wrt X", logdet_skew, "numerator")]
    parse_back = [
        # the witness of commutation(), a 1 in its shape, prints matrix(1): no parse
        ("matrix-by-vector", kron_infix(Ax, matmul(Ax, transpose(name("a")), star=False)),
         "numerator"),
        # a commutation matrix with no witness prints commutation(0): no parse
        ("matrix-by-matrix", kron_infix(kron_infix(X, X), X), "numerator"),
        # a matrix of equal entries sum(u) + 1 prints as the scalar sum(u) + 1
        ("matrix-by-scalar", add(add(name("E"), node("ones^T (tau*u)", lambda e: np.sum(
            e["tau"] * e["u"]).reshape(1, 1), var=True)), name("tau", True)), "numerator")]
    return first, second, parse_back


PINNED_FIRST, PINNED_SECOND, PINNED_PARSE_BACK = _pinned()


SETTINGS = settings(max_examples=int(os.environ.get("MATDIFF_EXAMPLES", "300")),
                    deadline=None, derandomize=not os.environ.get("MATDIFF_EXAMPLES"),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


def check_derivative(case, second=False):
    name, expr, layout = case
    r = differentiate(name, expr, layout)
    usable(sized(r.typed), "an I, 0 or ones whose size no name fixes")
    assert_close(r, expr, name, layout, second=second, tol=1e-4 if second else 1e-5)


def check_parse_back(case):
    name, expr, layout = case
    r = differentiate(name, expr, layout)
    usable(sized(r.typed), "an I, 0 or ones whose size no name fixes")
    out = render(r, "text")
    back = analyse(out, Declarations.from_lists(**case_of(name).kinds))
    rng = np.random.default_rng(11)
    sizes = sizes_for(r.typed, rng)
    env = random_inputs(r.typed.symbols, sizes, rng)
    want = evaluate(r.expr, env, sizes)
    back_sizes = dict(sizes)
    for s in back.symbols.values():
        orig = r.typed.symbols.get(s.name)
        if orig is not None:
            for d, od in zip(s.shape, orig.shape):
                if isinstance(d, str):
                    back_sizes[d] = size_of(od, sizes)
    if not sized(back) or out == "0":
        return      # an I or 0 whose size no name fixes
    got = evaluate(back.expr, env, back_sizes)
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-8,
                               err_msg=f"{expr.text} [{name}] -> {out}")


@SETTINGS
@given(first_cases())
def test_random_derivatives_agree_with_finite_differences(case):
    check_derivative(case)


@SETTINGS
@given(second_cases())
def test_random_second_derivatives_agree_with_finite_differences(case):
    check_derivative(case, second=True)


@SETTINGS
@given(all_cases())
def test_random_results_parse_back(case):
    check_parse_back(case)


PINNED = ([("derivative", check_derivative, c) for c in PINNED_FIRST]
          + [("second derivative", partial(check_derivative, second=True), c)
             for c in PINNED_SECOND]
          + [("parse back", check_parse_back, c) for c in PINNED_PARSE_BACK])


@pytest.mark.parametrize("check, case", [pytest.param(check, case, id=f"{what}: {case[1].text}")
                                         for what, check, case in PINNED])
def test_pinned_examples(check, case):
    check(case)
