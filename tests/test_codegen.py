"""`--format python`: the generated module runs, asserts shapes and checks itself."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from helpers import run
from matdiff.numeric import numeric_derivative
from matdiff.render.python import python_code

CASES = [
    ("tr(A X B X^T C)", "X", "numerator", {}),
    ("tr(A X B X^T C)", "X", "denominator", {}),
    ("x^T A x", "x", "denominator", {"symmetric": ["A"]}),
    ("B sin(A x)", "x", "numerator", {}),
    ("expm(t A)", "t", "denominator", {"scalar": ["t"]}),
    ("log(det(X^T X))", "X", "numerator", {}),
    ("lambda norm(x - a)", "x", "numerator", {}),
]


def load(code: str) -> dict:
    ns = {"__name__": "generated"}
    exec(compile(code, "<generated>", "exec"), ns)
    return ns


@pytest.mark.parametrize("src,wrt,layout,kinds", CASES)
def test_generated_code_matches_finite_differences(src, wrt, layout, kinds):
    r = run(src, wrt, layout, **kinds)
    ns = load(python_code(r))
    assert ns["check"]() < 1e-6          # its own check
    # and an independent one: call it at inputs of our choosing
    rng = np.random.default_rng(5)
    sizes = {"m": 4, "n": 3, "p": 5, "q": 2}
    args = {}
    for name, s in r.typed.symbols.items():
        shape = tuple(sizes[d] if isinstance(d, str) else d for d in s.shape)
        if s.is_scalar:
            args[name] = float(rng.uniform(0.5, 1.5))
        elif s.is_col:
            args[name] = rng.standard_normal(shape[0])
        else:
            m = rng.standard_normal(shape)
            if s.symmetric:
                m = (m + m.T) / 2
            if shape[0] == shape[1]:
                m = m + 2 * np.eye(shape[0])
            args[name] = m
    order = [wrt] + [n for n in r.typed.symbols if n != wrt]
    call = [args[n] for n in order]
    value, derivative = ns["f_and_derivative"](*call)

    def value_of(env):
        return ns["f_and_derivative"](*[env[n] for n in order])[0]

    fshape = tuple(np.shape(np.atleast_2d(value))) if np.ndim(value) != 1 else (len(value), 1)
    if r.function.is_row:
        fshape = (1, fshape[0])
    var = r.typed.symbols[wrt]
    ref = numeric_derivative(value_of, args, var, fshape, layout)
    np.testing.assert_allclose(np.asarray(derivative), ref, rtol=1e-6, atol=1e-6)


def test_wrong_shapes_are_refused():
    ns = load(python_code(run("tr(A X)", "X")))
    with pytest.raises(AssertionError):
        ns["f_and_derivative"](np.ones((3, 2)), np.ones((3, 2)))     # A must be 2×3


def test_symmetry_is_asserted():
    ns = load(python_code(run("x^T A x", "x", symmetric=["A"])))
    with pytest.raises(AssertionError, match="symmetric"):
        ns["f_and_derivative"](np.ones(2), np.array([[1.0, 2.0], [3.0, 4.0]]))


def test_abstract_functions_have_no_code():
    from matdiff.errors import UnsupportedError

    with pytest.raises(UnsupportedError):
        python_code(run("u(x)^T a", "x"))


def test_the_installed_command_writes_a_runnable_file(tmp_path):
    from test_cli import command

    out = subprocess.run(command() + ["d", "tr(A X B X^T C)", "wrt", "X", "--format", "python"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    path = tmp_path / "grad.py"
    path.write_text(out.stdout)
    ran = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and ran.stdout.strip().endswith(": ok"), ran.stdout + ran.stderr
