"""The language of machine learning: sums, element-wise calculus, softmax, losses.

Element-wise functions are checked on a vector argument (sum(f(A x)) and f(A x) by x)
and on a matrix argument (sum(f(X)) and f(X) by X), in both layouts, by finite
differences against independent NumPy oracles at random non-square inputs of unequal
sizes; arguments are kept in each function's domain (log and sqrt of 1 + u.^2, arcsin and
arccos of tanh(u)/2, ...) and the kinks of abs, sign, relu and step are not hit by the
fixed random inputs. The derivative forms asserted are the ones an ML reader expects
(Goodfellow, Bengio & Courville, "Deep Learning", GBC for short; Bishop, "Pattern
Recognition and Machine Learning", PRML): tanh' = 1 − tanh², σ' = σ ∘ (1 − σ),
softplus' = σ, relu' = step, abs' = sign.

Then the losses and layers of ML, each row citing its source, with the compact
numerator-layout text asserted separately from the numeric check; then bad input (one
line with a column and a hint) and the command line (a leading '-', batch mode).
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from helpers import assert_numeric, declared, matches_form, norm, run
from matdiff.render import render

LAYOUTS = ["numerator", "denominator"]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softplus(z):
    return np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0)


def softmax(z):
    w = np.exp(z - np.max(z))
    return w / np.sum(w)


def logsumexp(z):
    c = np.max(z)
    return c + np.log(np.sum(np.exp(z - c)))




# ---------------------------------------------------------------------------
# element-wise functions

IDENT = ("{0}", lambda u: u)
POSITIVE = ("1 + ({0}) .^ 2", lambda u: 1 + u ** 2)           # log, sqrt: > 0
NONNEG = ("({0}) .^ 2", lambda u: u ** 2)                      # log1p: > -1
HALF = ("tanh({0})/2", lambda u: np.tanh(u) / 2)               # arcsin, arccos: |u| < 1
UNIT = ("tanh({0})", lambda u: np.tanh(u))                     # tan: |u| < π/2

# name, NumPy oracle, domain, f(x) by x (numerator), sum(f(X)) by X (denominator)
ELEMENTWISE = [
    ("exp", np.exp, IDENT, "diag(exp(x))", "exp(X)"),
    ("log", np.log, POSITIVE, "diag(1 ./ x)", "1 ./ X"),
    ("sin", np.sin, IDENT, "diag(cos(x))", "cos(X)"),
    ("cos", np.cos, IDENT, "-diag(sin(x))", "-sin(X)"),
    ("tan", np.tan, UNIT, "diag(1 + tan(x).^2)", "1 + tan(X).^2"),
    ("tanh", np.tanh, IDENT, "diag(1 - tanh(x).^2)", "1 - tanh(X).^2"),
    ("sinh", np.sinh, IDENT, "diag(cosh(x))", "cosh(X)"),
    ("cosh", np.cosh, IDENT, "diag(sinh(x))", "sinh(X)"),
    ("sqrt", np.sqrt, POSITIVE, ("diag(1 ./ sqrt(x))/2", "diag(1 ./ (2 sqrt(x)))"),
     ("(1 ./ sqrt(X))/2", "1 ./ (2 sqrt(X))", "0.5 ./ sqrt(X)")),
    ("abs", np.abs, IDENT, "diag(sign(x))", "sign(X)"),
    ("sign", np.sign, IDENT, "0", "0"),
    ("sigmoid", sigmoid, IDENT, "diag(sigmoid(x) .* (1 - sigmoid(x)))",
     "sigmoid(X) .* (1 - sigmoid(X))"),
    ("softplus", softplus, IDENT, "diag(sigmoid(x))", "sigmoid(X)"),
    ("relu", lambda u: np.maximum(u, 0.0), IDENT, "diag(step(x))", "step(X)"),
    ("step", lambda u: (u > 0).astype(float), IDENT, "0", "0"),
    ("log1p", np.log1p, NONNEG, "diag(1 ./ (1 + x))", "1 ./ (1 + X)"),
    ("arcsin", np.arcsin, HALF, "diag(1 ./ sqrt(1 - x.^2))", "1 ./ sqrt(1 - X.^2)"),
    ("arccos", np.arccos, HALF, "-diag(1 ./ sqrt(1 - x.^2))",
     ("-1 ./ sqrt(1 - X.^2)", "-(1 ./ sqrt(1 - X.^2))")),
    ("arctan", np.arctan, IDENT, "diag(1 ./ (1 + x.^2))", "1 ./ (1 + X.^2)"),
]
EW_IDS = [row[0] for row in ELEMENTWISE]


def _forms(name, f, domain):
    """The four numeric rows of one function: (expr, wrt, oracle)."""
    text, g = domain
    ax, xx = text.format("A x"), text.format("X")
    return [
        (f"sum({name}({ax}))", "x", lambda A, x: np.sum(f(g(A @ x)))),
        (f"{name}({ax})", "x", lambda A, x: f(g(A @ x))),
        (f"sum({name}({xx}))", "X", lambda X: np.sum(f(g(X)))),
        (f"{name}({xx})", "X", lambda X: f(g(X))),
    ]


EW_NUMERIC = [pytest.param(expr, wrt, oracle, id=f"{expr} wrt {wrt}")
              for name, f, domain, _, _ in ELEMENTWISE
              for expr, wrt, oracle in _forms(name, f, domain)]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("expr,wrt,oracle", EW_NUMERIC)
def test_elementwise_numerically(expr, wrt, oracle, layout):
    assert_numeric(run(expr, wrt, layout), oracle)


@pytest.mark.parametrize("name,f,domain,jacobian,gradient", ELEMENTWISE, ids=EW_IDS)
def test_elementwise_jacobian_text(name, f, domain, jacobian, gradient):
    """f(x) by x is diag(f'(x)), in both layouts (it is symmetric)."""
    for layout in LAYOUTS:
        out = render(run(f"{name}(x)", "x", layout), "text")
        assert matches_form(out, jacobian), f"{name}(x) [{layout}]: {out!r}, expected {jacobian!r}"


@pytest.mark.parametrize("name,f,domain,jacobian,gradient", ELEMENTWISE, ids=EW_IDS)
def test_elementwise_gradient_text(name, f, domain, jacobian, gradient):
    """∂ sum(f(X)) / ∂X = f'(X), the shape of X (denominator layout)."""
    out = render(run(f"sum({name}(X))", "X", "denominator"), "text")
    assert matches_form(out, gradient), f"sum({name}(X)): {out!r}, expected {gradient!r}"


@pytest.mark.parametrize("expr,expected", [
    ("tanh(A x)", "diag(1 - tanh(A x).^2) A"),
    ("sigmoid(A x)", "diag(sigmoid(A x) .* (1 - sigmoid(A x))) A"),
    ("abs(A x)", "diag(sign(A x)) A"),
    ("relu(A x)", "diag(step(A x)) A"),
    ("softplus(A x)", "diag(sigmoid(A x)) A"),
])
def test_elementwise_chain_rule_text(expr, expected):
    """GBC §6.5.2: the Jacobian of f(A x) is diag(f'(A x)) A."""
    assert render(run(expr, "x"), "text") == expected


# ---------------------------------------------------------------------------
# sums, softmax, losses and layers

def M(id, source, expr, wrt, expected, oracle, **kinds):
    return pytest.param(source, expr, wrt, kinds, expected, oracle, id=id)


S = {"scalar": "p"}

ML = [
    M("sum-x", "contract: sum of all entries; ∂ sum(x)/∂x = 1ᵀ", "sum(x)", "x", "ones^T",
      lambda x: np.sum(x)),
    M("sum-X", "contract: sum of all entries; ∂ sum(X)/∂X = 1 1ᵀ", "sum(X)", "X", "matrix(1)",
      lambda X: np.sum(X)),
    M("sum-Ax", "GBC §6.5.2", "sum(A x)", "x", "ones^T A", lambda A, x: np.sum(A @ x)),
    M("logistic-loss", "PRML eq. 4.90 with labels ±1; GBC §6.2.2.2 (softplus form)",
      "sum(log(1 + exp(-y .* (X w))))", "w",
      ("-(y .* sigmoid(-(y .* (X w))))^T X", "-(sigmoid(-(y .* (X w))) .* y)^T X",
       "-(y .* sigmoid(-y .* (X w)))^T X", "-((1 - sigmoid(y .* (X w))) .* y)^T X",
       "-(y .* (1 - sigmoid(y .* (X w))))^T X"),
      lambda X, w, y: np.sum(np.log1p(np.exp(-y * (X @ w))))),
    M("logistic-regression", "PRML eq. 4.91: ∇E = Σ (σ(wᵀφₙ) − tₙ) φₙ",
      "sum(softplus(X w)) - y^T X w", "w", "(sigmoid(X w) - y)^T X",
      lambda X, w, y: np.sum(softplus(X @ w)) - y @ X @ w),
    M("softmax-cross-entropy", "PRML eq. 4.109 (∇ = (s − y) xᵀ when Σ y = 1)",
      "-y^T log(softmax(W x))", "W",
      ("x*(sum(y) softmax(W x) - y)^T", "sum(y) x softmax(W x)^T - x y^T"),
      lambda W, x, y: -y @ np.log(softmax(W @ x))),
    M("logsumexp-cross-entropy", "PRML eq. 4.109, GBC §6.2.2.3", "logsumexp(W x) - y^T W x",
      "W", "x*(softmax(W x) - y)^T", lambda W, x, y: logsumexp(W @ x) - y @ W @ x),
    M("softmax-jacobian", "PRML eq. 4.106: ∂sₖ/∂zⱼ = sₖ(δₖⱼ − sⱼ)", "softmax(x)", "x",
      "diag(softmax(x)) - softmax(x) softmax(x)^T", lambda x: softmax(x)),
    M("logsumexp-gradient", "GBC §4.1: ∇ logsumexp = softmax", "logsumexp(x)", "x",
      "softmax(x)^T", lambda x: logsumexp(x)),
    M("norm1", "∂‖x‖₁/∂x = sign(x)ᵀ away from 0 (GBC §7.1.2)", "norm1(x)", "x", "sign(x)^T",
      lambda x: np.sum(np.abs(x))),
    M("norm1-matrix", "GBC §7.1.2, entry-wise L1 of a matrix", "norm1(W)", "W", "sign(W)^T",
      lambda W: np.sum(np.abs(W))),
    M("divide-by-x", "d(x ⊘ y) = dx ⊘ y", "x ./ y", "x", "diag(1 ./ y)", lambda x, y: x / y),
    M("divide-by-y", "d(x ⊘ y) = −x ⊘ y² ∘ dy", "x ./ y", "y", "-diag(x ./ y.^2)",
      lambda x, y: x / y),
    M("reciprocal", "d(1 ⊘ x) = −dx ⊘ x²", "1 ./ x", "x", "-diag(1 ./ x.^2)", lambda x: 1 / x),
    M("cube", "d(x^∘3) = 3 x^∘2 ∘ dx", "x .^ 3", "x", "3 diag(x.^2)", lambda x: x ** 3),
    M("sum-cube", "d sum(x^∘3) = 3 (x^∘2)ᵀ dx", "sum(x .^ 3)", "x", ("3 (x.^2)^T",),
      lambda x: np.sum(x ** 3)),
    M("power-p", "d(u^∘p) = p u^∘(p−1) ∘ du, u = 1 + x^∘2 > 0", "(1 + x .^ 2) .^ p", "x",
      "2 p diag((1 + x.^2).^(p - 1) .* x)", lambda x, p: (1 + x ** 2) ** p, **S),
    M("power-p-by-p", "∂(u^∘p)/∂p = u^∘p ∘ log u", "(1 + x .^ 2) .^ p", "p",
      "(1 + x.^2).^p .* log(1 + x.^2)", lambda x, p: (1 + x ** 2) ** p, **S),
    M("exp-power-p", "exp(x)^∘p = exp(p x)", "sum(exp(x) .^ p)", "x", "p*(exp(x).^p)^T",
      lambda x, p: np.sum(np.exp(x) ** p), **S),
    M("xTx-power-p", "chain rule, d(s^p) = p s^(p−1) ds", "(x^T x)^p", "x",
      "2 p*(x^T x)^(p - 1) x^T", lambda x, p: (x @ x) ** p, **S),
    M("two-layer-by-W", "GBC §6.5.4 (back-propagation through tanh)", "v^T tanh(W x + b)", "W",
      "x*(v .* (1 - tanh(W x + b).^2))^T", lambda v, W, x, b: v @ np.tanh(W @ x + b)),
    M("two-layer-by-b", "GBC §6.5.4", "v^T tanh(W x + b)", "b",
      "(v .* (1 - tanh(W x + b).^2))^T", lambda v, W, x, b: v @ np.tanh(W @ x + b)),
    M("two-layer-by-x", "GBC §6.5.4", "v^T tanh(W x + b)", "x",
      "(v .* (1 - tanh(W x + b).^2))^T W", lambda v, W, x, b: v @ np.tanh(W @ x + b)),
    M("sigmoid-squared-error", "PRML §5.3 (back-propagation, sum-of-squares error)",
      "0.5 norm(sigmoid(W x) - y)^2", "W",
      "x*((sigmoid(W x) - y) .* sigmoid(W x) .* (1 - sigmoid(W x)))^T",
      lambda W, x, y: 0.5 * norm(sigmoid(W @ x) - y) ** 2),
    M("weight-decay", "GBC §7.1.1 (L2 parameter regularisation)",
      "0.5 norm(W x - y)^2 + 0.5 lambda norm(W)^2", "W", "x*(W x - y)^T + lambda W^T",
      lambda W, x, y, lambda_: 0.5 * norm(W @ x - y) ** 2 + 0.5 * lambda_ * norm(W) ** 2),
    M("cosine-similarity", "∂/∂x xᵀy/(‖x‖‖y‖) = (y/‖x‖ − (xᵀy) x/‖x‖³)ᵀ/‖y‖",
      "x^T y / (norm(x) norm(y))", "x", "(y/norm(x) - (x^T y) x/norm(x)^3)^T/norm(y)",
      lambda x, y: x @ y / (norm(x) * norm(y))),
]




def _oracle(oracle):
    """Inputs arrive under the names NumPy code uses (lambda → lambda_)."""
    return lambda **env: oracle(**{("lambda_" if k == "lambda" else k): v
                                   for k, v in env.items()})


@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle", ML)
def test_compact_form(source, expr, wrt, kinds, expected, oracle):
    out = render(run(expr, wrt, **declared(kinds)), "text")
    assert matches_form(out, expected), f"{expr} wrt {wrt}: got {out!r}, expected {expected!r}"


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle", ML)
def test_numerically(source, expr, wrt, kinds, expected, oracle, layout):
    assert_numeric(run(expr, wrt, layout, **declared(kinds)), _oracle(oracle))


@pytest.mark.parametrize("expr,wrt,expected", [
    ("sum(softplus(X w)) - y^T X w", "w", "X^T (sigmoid(X w) - y)"),
    ("logsumexp(W x) - y^T W x", "W", "(softmax(W x) - y) x^T"),
    ("v^T tanh(W x + b)", "W", "(v .* (1 - tanh(W x + b).^2)) x^T"),
    ("softmax(x)", "x", "diag(softmax(x)) - softmax(x) softmax(x)^T"),
    ("logsumexp(x)", "x", "softmax(x)"),
])
def test_denominator_layout_gradients_read_as_in_ml_texts(expr, wrt, expected):
    """The gradient (denominator layout) as PRML and GBC write it."""
    assert render(run(expr, wrt, "denominator"), "text") == expected


def test_plain_power_with_a_scalar_exponent_text():
    assert render(run("x .^ p", "x", scalar=["p"]), "text") == "p diag(x.^(p - 1))"


# ---------------------------------------------------------------------------
# the command line: bad input is one line with a column and a hint

def md(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "matdiff", *args], input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args,column,fragments", [
    (["softmax(X)", "wrt", "X"], 9, ["softmax", "column vector"]),
    (["sum()", "wrt", "x"], 1, ["sum()", "argument"]),
    (["x .^ A", "wrt", "x"], 6, ["exponent", "scalar"]),
    (["sigmod(x)", "wrt", "x"], 1, ["did you mean sigmoid"]),
    (["trace(X)", "wrt", "X"], 1, ["did you mean tr"]),
    (["Tr(X)", "wrt", "X"], 1, ["did you mean tr"]),
    (["softmx(x)", "wrt", "x"], 1, ["did you mean softmax"]),
    (["tr(eye X)", "wrt", "X"], 4, ["eye", re.compile(r"\bI\b")]),
    (["eye", "wrt", "x"], 1, ["eye", re.compile(r"\bI\b")]),
    (["norm(X theta - y)^2", "wrt", "theta"], 6, ["--vector theta"]),
    (["logsumexp(X)", "wrt", "X"], 11, ["logsumexp", "column vector"]),
])
def test_bad_input_is_one_line_with_a_column(args, column, fragments):
    r = md("d", *args)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    line = lines[0]
    assert line.startswith("matdiff: ") and "Traceback" not in r.stderr
    assert f"at column {column}:" in line, line
    for frag in fragments:
        if isinstance(frag, re.Pattern):
            assert frag.search(line), (frag.pattern, line)
        else:
            assert frag in line, (frag, line)


@pytest.mark.parametrize("args,expected", [
    (["-logdet(X)", "wrt", "X"], "-X^-1"),
    (["-logdet(X)", "wrt", "X", "--layout", "denominator"], "-X^-T"),
    (["-logsumexp(x)", "wrt", "x"], "-softmax(x)^T"),
    (["-sum(relu(X))", "wrt", "X", "--layout", "denominator"], "-step(X)"),
    (["-y^T W x + logsumexp(W x)", "wrt", "W", "--layout", "denominator"],
     "(softmax(W x) - y) x^T"),
])
def test_an_expression_may_start_with_a_minus(args, expected):
    r = md("d", *args)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == expected


def test_batch_mode_with_the_new_syntax():
    lines = ["sum(softplus(X w)) - y^T X w",
             "logsumexp(w)",
             "sum(w .^ 2)/2",
             "norm1(w)",
             "softmx(w)",
             "p: scalar; sum(exp(w) .^ p)",
             "-sum(relu(w))",
             "0.5 norm(sigmoid(A w) - y)^2 + 0.5 lambda norm(w)^2"]
    r = md("d", "-", "wrt", "w", "--layout", "denominator", stdin="\n".join(lines) + "\n")
    assert r.returncode == 1
    assert r.stdout.split("\n") == [
        "X^T (sigmoid(X w) - y)",
        "softmax(w)",
        "w",
        "sign(w)",
        "",
        "p: scalar; p exp(w).^p",
        "-step(w)",
        r.stdout.split("\n")[7],
        ""]
    last = r.stdout.split("\n")[7]
    assert "sigmoid(A w)" in last and "lambda w" in last, last
    errors = r.stderr.strip().splitlines()
    assert len(errors) == 1
    assert errors[0].startswith("matdiff: line 5: unknown name at column 1")
    assert "did you mean softmax" in errors[0]


def test_batch_mode_all_good_exits_zero():
    r = md("d", "-", "wrt", "x", stdin="softmax(x)\nlogsumexp(x)\ntanh(x)\n")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.splitlines() == ["diag(softmax(x)) - softmax(x) softmax(x)^T",
                                     "softmax(x)^T", "diag(1 - tanh(x).^2)"]


def test_a_greek_name_used_as_a_vector_in_a_batch_line_gets_the_hint():
    r = md("d", "-", "wrt", "theta", stdin="norm(X theta - y)^2\n")
    assert r.returncode == 1
    assert "--vector theta" in r.stderr and "line 1" in r.stderr


def test_a_greek_name_declared_a_vector_works():
    r = md("d", "norm(X theta - y)^2", "wrt", "theta", "--vector", "theta",
           "--layout", "denominator")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "2 X^T (X theta - y)"
