"""Element-wise functions: exp log sin cos tan tanh sinh cosh sqrt abs sign sigmoid
softplus relu step log1p arcsin arccos arctan.

Each applies to a scalar, or to every entry of a vector or matrix (NumPy's
convention), with d f(U) = f'(U) ∘ dU. The derivatives are written in the forms an
ML reader expects: tanh' = 1 − tanh², σ' = σ ∘ (1 − σ), softplus' = σ, relu' = step,
abs' = sign. `step(u)` is 1 where u > 0 and 0 elsewhere (so relu'(0) = 0, as in
PyTorch and JAX); `sign` and `step` have derivative 0 away from 0.
"""

from __future__ import annotations

import math
from fractions import Fraction

from .. import build as B
from ..expr import Expr
from .common import elementwise


def _f(name):
    return lambda u: B.fn(name, u)


def _one_plus(u: Expr, x: Expr) -> Expr:
    return B.add(B.ones(u.shape), x)


def _one_minus(u: Expr, x: Expr) -> Expr:
    return B.add(B.ones(u.shape), B.neg(x))


def _exact(fn):
    """fold: f(v) when it is an integer (exp(0) = 1, log(1) = 0, sin(0) = 0), else None."""
    def fold(v):
        try:
            y = fn(float(v))
        except (ValueError, OverflowError):
            return None
        if math.isfinite(y) and y == round(y):
            return Fraction(int(round(y)))
        return None
    return fold


elementwise("exp", "exponential", deriv=_f("exp"), numpy="np.exp",
            derivative="exp(u)", latex=r"\exp", fold=_exact(math.exp))
elementwise("log", "natural logarithm", deriv=lambda u: B.hadpow(u, -1), numpy="np.log",
            derivative="1 ./ u", latex=r"\log", spellings=("ln",),
            fold=lambda v: Fraction(0) if v == 1 else None, domain=(0, None))
elementwise("sin", "sine", deriv=_f("cos"), numpy="np.sin", derivative="cos(u)",
            latex=r"\sin", fold=_exact(math.sin))
elementwise("cos", "cosine", deriv=lambda u: B.neg(B.fn("sin", u)), numpy="np.cos",
            derivative="-sin(u)", latex=r"\cos", fold=_exact(math.cos))
elementwise("tan", "tangent", deriv=lambda u: _one_plus(u, B.hadpow(B.fn("tan", u), 2)),
            numpy="np.tan", derivative="1 + tan(u) .^ 2", latex=r"\tan", fold=_exact(math.tan))
elementwise("tanh", "hyperbolic tangent",
            deriv=lambda u: _one_minus(u, B.hadpow(B.fn("tanh", u), 2)),
            numpy="np.tanh", derivative="1 - tanh(u) .^ 2", latex=r"\tanh",
            fold=_exact(math.tanh))
elementwise("sinh", "hyperbolic sine", deriv=_f("cosh"), numpy="np.sinh",
            derivative="cosh(u)", latex=r"\sinh", fold=_exact(math.sinh))
elementwise("cosh", "hyperbolic cosine", deriv=_f("sinh"), numpy="np.cosh",
            derivative="sinh(u)", latex=r"\cosh", fold=_exact(math.cosh))
elementwise("sqrt", "square root",
            deriv=lambda u: B.mul(B.num(Fraction(1, 2)), B.hadpow(B.fn("sqrt", u), -1)),
            numpy="np.sqrt", derivative="1 ./ (2 sqrt(u))", latex=r"\sqrt",
            fold=_exact(math.sqrt), domain=(0, None))
elementwise("abs", "absolute value", deriv=_f("sign"), numpy="np.abs",
            derivative="sign(u) (away from 0)", fold=lambda v: Fraction(abs(v)), kinked=True)
elementwise("sign", "sign (−1, 0 or 1)", deriv=lambda u: B.zero(u.shape), numpy="np.sign",
            derivative="0 (away from 0)", latex=r"\operatorname{sign}",
            fold=lambda v: Fraction((v > 0) - (v < 0)), kinked=True)
elementwise("sigmoid", "logistic sigmoid 1/(1 + exp(-u))",
            deriv=lambda u: B.had(B.fn("sigmoid", u), _one_minus(u, B.fn("sigmoid", u))),
            numpy="1/(1 + np.exp(-{0}))", derivative="sigmoid(u) .* (1 - sigmoid(u))",
            value=lambda np, a: 0.5 * (1 + np.tanh(a / 2)), latex=r"\sigma",
            fold=lambda v: Fraction(1, 2) if v == 0 else None, spellings=("logistic",))
elementwise("softplus", "log(1 + exp(u))", deriv=_f("sigmoid"),
            numpy="np.logaddexp(0, {0})", derivative="sigmoid(u)",
            value=lambda np, a: np.logaddexp(0, a), latex=r"\operatorname{softplus}")
elementwise("relu", "max(u, 0)", deriv=_f("step"), numpy="np.maximum({0}, 0)",
            derivative="step(u) (away from 0)", value=lambda np, a: np.maximum(a, 0),
            latex=r"\operatorname{relu}", fold=lambda v: Fraction(max(v, 0)), kinked=True)
elementwise("step", "1 where u > 0, else 0 (the Heaviside step, 0 at 0)",
            deriv=lambda u: B.zero(u.shape), numpy="np.heaviside({0}, 0.0)",
            derivative="0 (away from 0)", value=lambda np, a: np.heaviside(a, 0.0),
            latex=r"\operatorname{step}", fold=lambda v: Fraction(1 if v > 0 else 0),
            spellings=("heaviside",), kinked=True)
elementwise("log1p", "log(1 + u)", deriv=lambda u: B.hadpow(_one_plus(u, u), -1),
            numpy="np.log1p", derivative="1 ./ (1 + u)", latex=r"\operatorname{log1p}",
            fold=lambda v: Fraction(0) if v == 0 else None, domain=(-1, None))
elementwise("arcsin", "inverse sine",
            deriv=lambda u: B.hadpow(_one_minus(u, B.hadpow(u, 2)), Fraction(-1, 2)),
            numpy="np.arcsin", derivative="1 ./ sqrt(1 - u .^ 2)", latex=r"\arcsin",
            spellings=("asin",), fold=_exact(math.asin), domain=(-1, 1))
elementwise("arccos", "inverse cosine",
            deriv=lambda u: B.neg(B.hadpow(_one_minus(u, B.hadpow(u, 2)), Fraction(-1, 2))),
            numpy="np.arccos", derivative="-1 ./ sqrt(1 - u .^ 2)", latex=r"\arccos",
            spellings=("acos",), fold=lambda v: Fraction(0) if v == 1 else None,
            domain=(-1, 1))
elementwise("arctan", "inverse tangent",
            deriv=lambda u: B.hadpow(_one_plus(u, B.hadpow(u, 2)), -1),
            numpy="np.arctan", derivative="1 ./ (1 + u .^ 2)", latex=r"\arctan",
            spellings=("atan",), fold=_exact(math.atan))
