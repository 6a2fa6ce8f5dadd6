"""Property-based tests: random well-shaped expressions built from the supported
operations; every derivative must agree with finite differences, in both layouts,
and its text must parse back to the same value.

Names have fixed shapes so that the expressions are well-shaped by construction:
  scalars alpha, beta, tau;  column vectors a (m), b (n), x (n);
  matrices A (m×n), B (n×m), C (m×m), D (n×n), X (m×n).
The variable is X, x or tau; the sizes m and n are drawn differently at each check.
300 examples each by default (derandomized, so CI is repeatable); MATDIFF_EXAMPLES=5000
runs more, with fresh random draws.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from helpers import numeric_error, run
from matdiff.core import analyse
from matdiff.errors import UnsupportedError
from matdiff.expr import Ident, Zero
from matdiff.numeric import choose_sizes, evaluate, random_inputs
from matdiff.render import render
from matdiff.shapes import Declarations

SYMBOLS = {
    (1, 1): ["alpha", "beta", "tau"],
    ("m", 1): ["a"], ("n", 1): ["b", "x"],
    ("m", "n"): ["A", "X"], ("n", "m"): ["B"], ("m", "m"): ["C"], ("n", "n"): ["D"],
}
DIMS = (1, "m", "n")
FUNCS = ("sin", "cos", "tanh", "exp")


def leaves(shape):
    r, c = shape
    out = list(SYMBOLS.get(shape, []))
    out += [f"{s}^T" for s in SYMBOLS.get((c, r), []) if (c, r) != (1, 1)]
    if shape == (1, 1):
        out += ["2", "3", "0.5"]
    if r == c and r != 1:
        out += ["I"]
    return out


VAR_SHAPES = {"X": ("m", "n"), "x": ("n", 1), "tau": (1, 1)}


def leaf(draw, shape):
    return draw(st.sampled_from(leaves(shape)))


@st.composite
def expr_of(draw, shape, depth, var, with_var=True):
    """An expression of `shape`; with `with_var`, one in which the variable occurs."""
    r, c = shape
    if depth == 0 or draw(st.integers(0, 4)) == 0:
        if not with_var:
            return leaf(draw, shape)
        vr, vc = VAR_SHAPES[var]
        if (vr, vc) == shape:
            return var
        if (vc, vr) == shape:
            return f"{var}^T"
        left = "" if r == vr == 1 else f"({leaf(draw, (r, vr))})*"
        right = "" if c == vc == 1 else f"*({leaf(draw, (vc, c))})"
        return f"{left}({var}){right}"
    ops = ["add", "scale", "scale_var", "left", "right", "transpose", "hadamard", "func"]
    if shape == (1, 1):
        ops += ["trace", "normsq", "power", "det", "logdet", "trexpm"]
    if r == c and r != 1:
        ops += ["square", "inverse", "adj"]
    if r != 1 and c != 1:
        ops += ["pinv"]
    op = draw(st.sampled_from(ops))
    wv = lambda s: draw(expr_of(s, depth - 1, var, with_var))     # noqa: E731  (holds x)
    sub = lambda s: draw(expr_of(s, depth - 1, var, False))        # noqa: E731
    if op == "add":
        return f"({wv(shape)}) {draw(st.sampled_from('+-'))} ({sub(shape)})"
    if op == "scale":
        return f"({sub((1, 1))})*({wv(shape)})"
    if op == "scale_var":
        return f"({wv((1, 1))})*({sub(shape)})"
    if op in ("left", "right"):
        k = draw(st.sampled_from(DIMS))
        if shape == (1, 1) and k == 1:
            k = "n"
        if op == "left":
            return f"({sub((r, k))})*({wv((k, c))})"
        return f"({wv((r, k))})*({sub((k, c))})"
    if op == "transpose":
        return f"({wv((c, r))})^T"
    if op == "hadamard":
        return f"({wv(shape)}) .* ({sub(shape)})"
    if op == "func":
        return f"{draw(st.sampled_from(FUNCS))}({wv(shape)})"
    k = draw(st.sampled_from(("m", "n")))
    if op == "trace":
        return f"tr({wv((k, k))})"
    if op == "normsq":
        return f"norm({wv(draw(st.sampled_from([('m', 1), ('n', 1), ('m', 'n')])))})^2"
    if op == "power":
        return f"({wv((1, 1))})^{draw(st.sampled_from((2, 3)))}"
    if op == "det":            # well conditioned: I plus something small
        return f"det(I + 0.1*({wv((k, k))}))"
    if op == "logdet":
        return f"logdet(I + 0.1*({wv((k, k))}))"
    if op == "trexpm":
        return f"tr(expm(0.1*({wv((k, k))})))"
    if op == "square":
        return f"({wv(shape)})^2"
    if op == "inverse":
        return f"(I + 0.1*({wv(shape)}))^-1"
    if op == "adj":
        return f"adj(I + 0.1*({wv(shape)}))"
    if op == "pinv":
        return f"pinv({wv((c, r))})"
    raise AssertionError(op)


def sized(typed) -> bool:
    """Whether every I and 0 has a size fixed by a name (tr(I) alone has none)."""
    named = {d for s in typed.symbols.values() for d in s.shape}
    return all(d in named or d == 1 for x in typed.expr.walk()
               if isinstance(x, (Ident, Zero)) for d in x.shape)


CASES = {
    "scalar-by-matrix": ((1, 1), "X"),
    "scalar-by-matrix, C symmetric": ((1, 1), "X"),
    "scalar-by-vector": ((1, 1), "x"),
    "vector-by-vector": (("m", 1), "x"),
    "matrix-by-scalar": (("m", "n"), "tau"),
    "vector-by-scalar": (("n", 1), "tau"),
}


def kinds_of(name: str) -> dict:
    return {"symmetric": ["C"]} if "symmetric" in name else {}


def cases():
    return st.sampled_from(sorted(CASES)).flatmap(
        lambda name: st.tuples(st.just(name), expr_of(CASES[name][0], 3, CASES[name][1]),
                               st.sampled_from(["numerator", "denominator"])))


SETTINGS = settings(max_examples=int(__import__("os").environ.get("MATDIFF_EXAMPLES", "300")), deadline=None, derandomize=not __import__("os").environ.get("MATDIFF_EXAMPLES"),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@SETTINGS
@given(cases())
def test_random_derivatives_agree_with_finite_differences(case):
    name, text, layout = case
    var = CASES[name][1]
    try:
        r = run(text, var, layout, **kinds_of(name))
    except UnsupportedError as e:   # no refusal is expected for these operations
        raise AssertionError(f"{text!r} wrt {var}: {e}") from None
    assume(sized(r.typed))
    err = numeric_error(r, trials=1, seed=7)
    assert err < 1e-5, f"{text!r} wrt {var} [{layout}] -> {render(r, 'text')}: error {err:.2g}"


@SETTINGS
@given(cases())
def test_random_results_parse_back(case):
    name, text, layout = case
    var = CASES[name][1]
    r = run(text, var, layout, **kinds_of(name))
    assume(sized(r.typed))
    out = render(r, "text")
    back = analyse(out, Declarations.from_lists(**kinds_of(name)))
    rng = np.random.default_rng(11)
    sizes = choose_sizes(r.typed.symbols, rng)
    env = random_inputs(r.typed.symbols, sizes, rng)
    want = evaluate(r.expr, env, sizes)
    back_sizes = dict(sizes)
    for s in back.symbols.values():
        orig = r.typed.symbols.get(s.name)
        if orig is not None:
            for d, od in zip(s.shape, orig.shape):
                if isinstance(d, str) and isinstance(od, str):
                    back_sizes[d] = sizes[od]
    if not sized(back) or out == "0":
        return      # an I or 0 whose size no name fixes
    got = evaluate(back.expr, env, back_sizes)
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-8, err_msg=f"{text} -> {out}")
