"""Symmetric matrix variables in both conventions, and Fréchet derivatives of matrix functions
outside a trace (issue 9; contract.md, "Additions": symmetric variables).

Symmetric variables: each row (sources: the Matrix Cookbook, MC, §2.8 and the equations it
cites; Srinivasan & Panda, "What is the gradient of a scalar function of a symmetric
matrix?"; Bishop PRML §2.3.4 for the Gaussian) gives the compact result in the `sym`
convention, sym(G) = (G + Gᵀ)/2, and in the `cookbook` convention, G + Gᵀ − G ∘ I, with G the
unconstrained derivative. Each is checked in both layouts by finite differences that move
X_ij and X_ji together, once through the project's checker and once by an independent
difference quotient written here.

Fréchet derivatives (Higham, "Functions of Matrices", ch. 3 and 10): L_g(U, E), printed
`dexpm(U, E)`, ...; gradients by the adjoint identity ⟨C, L_g(U, E)⟩ = ⟨L_g(Uᵀ, C), E⟩.
Each row is checked in both layouts against finite differences with random matrices that
do not commute (logm and sqrtm near I, with a positive spectrum), and the commuting cases
must still print g′(U) dU.
"""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pytest
import scipy.linalg as sla

from helpers import declared, inv, matches_form, mpow, numeric_error, run
from matdiff.core import analyse
from matdiff.errors import MatdiffError
from matdiff.explain import explain, to_plain
from matdiff.numeric import choose_sizes, compare, eval_numpy_code, random_inputs
from matdiff.render import numpy_code, render
from matdiff.shapes import Declarations
from matdiff.textform import to_text
from test_cli import md, on_terminal

LAYOUTS = ["numerator", "denominator"]
CONVENTIONS = ["sym", "cookbook"]




def _sums(terms, outer=("{}",)):
    """Every order of the terms of a sum (each a string, '-' prefixed when subtracted),
    each wrapped in each of `outer`."""
    out = []
    for perm in itertools.permutations(terms):
        s = perm[0]
        for t in perm[1:]:
            s += f" - {t[1:]}" if t.startswith("-") else f" + {t}"
        if s.startswith("-"):
            continue
        out += [o.format(s) for o in outer]
    return tuple(out)




def logdet(M):
    sign, value = np.linalg.slogdet(M)
    return value


# ---------------------------------------------------------------------------
# symmetric variables

def Sy(id, source, expr, wrt, sym, cookbook, oracle, **kinds):
    """`sym`, `cookbook`: the compact text in each convention (the same in both layouts:
    both are symmetric); a tuple lists equally compact forms, a regex frees the spelling."""
    kinds.setdefault("symmetric", wrt)
    return pytest.param(source, expr, wrt, kinds, {"sym": sym, "cookbook": cookbook}, oracle,
                        id=id)


SYMMETRIC = [
    Sy("logdet", "MC (57) and §2.8.2: ∂ log|X| = X⁻¹ for symmetric X (sym); 2X⁻¹ − X⁻¹ ∘ I",
       "logdet(X)", "X", "X^-1", ("2 X^-1 - X^-1 .* I", "2 X^-1 - (X^-1 .* I)"),
       lambda X: logdet(X)),
    Sy("xTXx", "MC (72) with §2.8: x xᵀ (sym); 2 x xᵀ − (x xᵀ) ∘ I", "x^T X x", "X", "x x^T",
       "2 x x^T - (x x^T) .* I", lambda x, X: x @ X @ x),
    Sy("trAX", "MC (100) with §2.8: (A + Aᵀ)/2 (sym); A + Aᵀ − A ∘ I", "tr(A X)", "X",
       "(A + A^T)/2", ("A + A^T - A .* I", "A + A^T - A^T .* I"),
       lambda A, X: np.trace(A @ X)),
    Sy("trXAX", "MC §2.8.2 (symmetric); the gradient of tr(XAX) is XAᵀ + AᵀX + AX + XA",
       "tr(X A X)", "X",
       ("(X*(A + A^T) + (A + A^T) X)/2", "((A + A^T) X + X*(A + A^T))/2",
        "(A X + X A + X A^T + A^T X)/2"),
       re.compile(r"X\*\(A \+ A\^T\) \+ \(A \+ A\^T\) X - "
                  r"\((A X \+ X A|X A \+ A X|X A\^T \+ A\^T X|X\*\(A \+ A\^T\)|\(A \+ A\^T\) X)\) "
                  r"\.\* I"),
       lambda A, X: np.trace(X @ A @ X)),
    Sy("aTX2a", "MC §2.8.2 (symmetric): a aᵀX + X a aᵀ (sym); the cookbook's 2M − M ∘ I",
       "a^T X^2 a", "X", ("a a^T X + X a a^T", "X a a^T + a a^T X"),
       _sums(["2 a a^T X", "2 X a a^T", "-(a a^T X + X a a^T) .* I"])
       + _sums(["2 (X a a^T + a a^T X)", "-(X a a^T + a a^T X) .* I"])
       + _sums(["2 (a a^T X + X a a^T)", "-(a a^T X + X a a^T) .* I"]),
       lambda a, X: a @ X @ X @ a),
    Sy("normXminusB", "MC §2.8.2 (symmetric): ‖X − B‖² → 2X − B − Bᵀ (sym)", "norm(X - B)^2",
       "X", ("2 X - B - B^T", "2 X - B^T - B"),
       _sums(["2 X", "-B", "-B^T", "-(X - B) .* I"], ("2 ({})", "2*({})"))
       + _sums(["4 X", "-2 B", "-2 B^T", "-2 (X - B) .* I"]),
       lambda X, B: np.sum((X - B) ** 2)),
    Sy("trX3", "MC §2.8.2 (symmetric): tr(X³) → 3X² (sym); 6X² − 3 X² ∘ I (cookbook)",
       "tr(X^3)", "X", "3 X^2", ("6 X^2 - 3 (X^2 .* I)", "6 X^2 - 3 X^2 .* I"),
       lambda X: np.trace(mpow(X, 3))),
    Sy("logdet-XplusA", "MC (57) and §2.8.2: ((X + A)⁻¹ + (X + A)⁻ᵀ)/2 (sym)", "logdet(X + A)",
       "X",
       ("((X + A)^-1 + (X + A^T)^-1)/2", "((X + A)^-1 + (X + A)^-T)/2",
        "((X + A^T)^-1 + (X + A)^-1)/2"),
       ("(X + A)^-1 + (X + A^T)^-1 - (X + A^T)^-1 .* I",
        "(X + A)^-1 + (X + A^T)^-1 - (X + A)^-1 .* I",
        "(X + A)^-1 + (X + A)^-T - (X + A)^-1 .* I"),
       lambda X, A: logdet(X + A)),
    Sy("lsq", "MC §2.8.2 (symmetric least squares): ‖X a − b‖²",
       "norm(X a - b)^2", "X",
       ("(X a - b) a^T + a*(X a - b)^T", "a*(X a - b)^T + (X a - b) a^T"),
       _sums(["(X a - b) a^T", "a*(X a - b)^T", "-((X a - b) a^T) .* I"], ("2 ({})",))
       + _sums(["2 (X a - b) a^T", "2 a*(X a - b)^T", "-2 ((X a - b) a^T) .* I"]),
       lambda X, a, b: np.sum((X @ a - b) ** 2)),
    Sy("gaussian", "Bishop PRML §2.3.4 (ML for the covariance), MC (57), (61) and §2.8: "
       "½(S⁻¹(x − μ)(x − μ)ᵀS⁻¹ − S⁻¹)", "-0.5 logdet(S) - 0.5 (x - mu)^T S^-1 (x - mu)", "S",
       ("S^-1 ((x - mu)(x - mu)^T S^-1 - I)/2", "(S^-1 (x - mu)(x - mu)^T S^-1 - S^-1)/2",
        "S^-1 ((x - mu)(x - mu)^T - S) S^-1/2"),
       ("S^-1 ((x - mu)(x - mu)^T S^-1 - I) - (S^-1 ((x - mu)(x - mu)^T S^-1 - I)/2) .* I",
        "S^-1 (x - mu)(x - mu)^T S^-1 - S^-1 - ((S^-1 (x - mu)(x - mu)^T S^-1 - S^-1)/2) .* I",
        "S^-1 ((x - mu)(x - mu)^T S^-1 - I) - (S^-1 ((x - mu)(x - mu)^T S^-1 - I) .* I)/2"),
       lambda S, x, mu: -0.5 * logdet(S) - 0.5 * (x - mu) @ inv(S) @ (x - mu), vector="mu"),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle", SYMMETRIC)
def test_symmetric_compact_form(source, expr, wrt, kinds, expected, oracle, convention,
                                layout):
    out = render(run(expr, wrt, layout, convention, **declared(kinds)), "text")
    assert matches_form(out, expected[convention]), \
        f"{expr} wrt {wrt} [{convention}, {layout}]: got {out!r}, expected {expected[convention]!r}"


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle", SYMMETRIC)
def test_symmetric_numerically(source, expr, wrt, kinds, expected, oracle, convention, layout):
    """The project's checker, which perturbs X_ij and X_ji together."""
    r = run(expr, wrt, layout, convention, **declared(kinds))
    assert r.convention == convention
    err = numeric_error(r, oracle, trials=2)
    assert err < 1e-6, f"{expr} [{convention}, {layout}]: {render(r, 'text')}: error {err:.3g}"


def _symmetric_fd(f, X, convention, h=1e-5):
    """Independently: the derivative along E_ij + E_ji (i ≠ j) is G_ij + G_ji, which is the
    cookbook entry and twice the sym entry; along E_ii it is G_ii in both."""
    n = X.shape[0]
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            E = np.zeros((n, n))
            E[i, j] = E[j, i] = 1.0
            d = (-f(X + 2 * h * E) + 8 * f(X + h * E) - 8 * f(X - h * E) + f(X - 2 * h * E)) \
                / (12 * h)
            if i != j and convention == "sym":
                d /= 2
            out[i, j] = out[j, i] = d
    return out


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("source,expr,wrt,kinds,expected,oracle", SYMMETRIC)
def test_symmetric_against_an_independent_quotient(source, expr, wrt, kinds, expected, oracle,
                                                   convention, layout):
    r = run(expr, wrt, layout, convention, **declared(kinds))
    rng = np.random.default_rng(11)
    sizes = choose_sizes(r.typed.symbols, rng, exprs=(r.function, r.expr))
    env = random_inputs(r.typed.symbols, sizes, rng)
    X = env[wrt]
    assert np.allclose(X, X.T) and X.shape[0] >= 2
    got = np.asarray(eval_numpy_code(numpy_code(r), env))
    ref = _symmetric_fd(lambda Y: oracle(**{**env, wrt: Y}), X, convention)
    assert np.allclose(got, got.T, atol=1e-10), "a symmetric variable's gradient is symmetric"
    assert compare(got, ref) < 1e-7, f"{render(r, 'text')}: error {compare(got, ref):.3g}"


def test_symmetric_gaussian_stationary_point_is_the_sample_covariance():
    """Bishop PRML eq. 2.122: summed over samples, the gradient by S vanishes at the sample
    covariance, in either convention."""
    rng = np.random.default_rng(12)
    xs = rng.standard_normal((9, 3))
    mu = xs.mean(axis=0)
    S = (xs - mu).T @ (xs - mu) / len(xs)
    for convention in CONVENTIONS:
        r = run("-0.5 logdet(S) - 0.5 (x - mu)^T S^-1 (x - mu)", "S", "numerator", convention,
                symmetric=["S"], vector=["mu"])
        code = numpy_code(r)
        total = sum(eval_numpy_code(code, {"S": S, "x": x, "mu": mu}) for x in xs)
        assert np.allclose(total, 0, atol=1e-10), convention


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_convention_named_in_pretty_output(convention):
    code, out = on_terminal("d", "logdet(X)", "wrt", "X", "--symmetric", "X",
                            "--symmetric-convention", convention, env={"NO_COLOR": "1"})
    assert code == 0
    assert f"{convention} convention" in out
    other = "cookbook" if convention == "sym" else "sym "
    assert other + "convention" not in out


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_convention_in_json(convention):
    r = md("d", "-0.5 logdet(S) - 0.5 (x - mu)^T S^-1 (x - mu)", "wrt", "S", "--symmetric", "S",
           "--vector", "mu", "--symmetric-convention", convention, "--format", "json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["convention"] == convention
    assert j["derivative"] == "scalar-by-symmetric-matrix"
    assert j["names"]["S"].get("symmetric") is True
    assert j["names"]["mu"]["kind"] == "vector"


def test_no_convention_key_without_a_symmetric_variable():
    j = json.loads(render(run("logdet(X)", "X"), "json"))
    assert "convention" not in j


@pytest.mark.parametrize("convention,words", [
    ("sym", ["sym convention", "(G + Gᵀ)/2"]),
    ("cookbook", ["cookbook convention", "G + Gᵀ − G ∘ I"]),
])
def test_convention_named_in_explain(convention, words):
    plain = to_plain(explain("logdet(X)", "X", "numerator",
                             Declarations.from_lists(symmetric=["X"]), convention))
    for w in words:
        assert w in plain, (w, plain)


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_cli_check_perturbs_symmetrically(convention):
    r = md("d", "tr(X A X) + logdet(X)", "wrt", "X", "--symmetric", "X",
           "--symmetric-convention", convention, "--check", "--trials", "2", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["check"]["ok"] is True


def test_convention_flag_without_a_symmetric_variable_is_a_usage_error():
    r = md("d", "logdet(X)", "wrt", "X", "--symmetric-convention", "cookbook")
    assert r.returncode == 2
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert "--symmetric" in r.stderr


@pytest.mark.parametrize("expr,wrt", [
    ("sum(X a^T)", "a"),          # X a^T: X has one column
    ("tr(A x^T)", "x"),           # A x^T: A has one column
])
def test_symmetric_declaration_on_a_non_square_matrix_is_a_clear_error(expr, wrt):
    name = "X" if "X" in expr else "A"
    r = md("d", expr, "wrt", wrt, "--symmetric", name)
    assert r.returncode == 1
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert "symmetric" in r.stderr, r.stderr     # the cause: the declaration


# ---------------------------------------------------------------------------
# Fréchet derivatives of matrix functions outside a trace

def _near_identity(rng, n, scale=0.25):
    M = np.eye(n) + scale * rng.standard_normal((n, n)) / np.sqrt(n)
    assert np.all(np.linalg.eigvals(M).real > 0.3)
    return M


def _env_general(rng):
    n, p = 4, 3
    return {"X": rng.standard_normal((n, n)) / np.sqrt(n), "a": rng.standard_normal(n),
            "b": rng.standard_normal(n), "B": rng.standard_normal((p, n)),
            "C": rng.standard_normal((n, p)), "A": rng.standard_normal((n, n)) / 2,
            "t": 0.7}


def _env_near_identity(rng):
    """Smaller (logm is slow): X 3×3 near I, B 2×3, C 3×2."""
    n, p = 3, 2
    return {"X": _near_identity(rng, n), "a": rng.standard_normal(n),
            "b": rng.standard_normal(n), "B": rng.standard_normal((p, n)),
            "C": rng.standard_normal((n, p)), "A": 0.2 * rng.standard_normal((n, n)),
            "t": 0.6}


def _env_t_A_B(rng):
    """For g(t A + B): A and B do not commute; for logm/sqrtm t A + B stays near I."""
    env = _env_general(rng)
    env["A"] = 0.3 * rng.standard_normal((4, 4))
    env["B"] = _near_identity(rng, 4, 0.2)
    env["t"] = 0.5
    return env


def _vec(M):
    return np.asarray(M, dtype=float).reshape(-1, order="F")


def _fd(oracle, env, wrt, layout, h=1e-6):
    """The contract's arrangement of finite differences of `oracle` by `wrt` (independent of
    the project's checker): J[:, k] = d vec(F) / d vec(V)_k, then scalar by matrix is Jᵀ
    reshaped and transposed (numerator n×m), matrix by scalar is F's shape, matrix by
    matrix is J; the denominator layout transposes."""
    v0 = np.asarray(env[wrt], dtype=float)
    f0 = np.asarray(oracle(**env), dtype=float)
    cols = []
    for k in range(max(v0.size, 1)):
        d = np.zeros(v0.size)
        if v0.size:
            d[k] = 1.0
        d = d.reshape(v0.shape, order="F") if v0.ndim == 2 else d.reshape(v0.shape)

        def at(s):
            return _vec(oracle(**{**env, wrt: v0 + s * d}))
        cols.append((at(h) - at(-h)) / (2 * h))
    J = np.array(cols).T                     # (size of F, size of V)
    if f0.ndim == 0 and v0.ndim == 0:
        out = J.reshape(())
    elif f0.ndim == 0 and v0.ndim == 2:
        out = J.reshape(v0.shape, order="F").T
    elif f0.ndim == 0:
        return J.reshape(-1)
    elif v0.ndim == 0:
        out = J.reshape(f0.shape, order="F")
        if f0.ndim == 1:
            return out
    else:
        out = J
    return out if layout == "numerator" else out.T


def Fr(id, source, expr, wrt, numerator, denominator, oracle, env=_env_general, **kinds):
    """`numerator`, `denominator`: the compact text (None: not pinned in that layout)."""
    return pytest.param(source, expr, wrt, kinds, numerator, denominator, oracle, env, id=id)


T = {"scalar": "t"}
E = sla.expm

FRECHET = [
    Fr("aT-expm-b", "Higham ch. 3, adjoint: ∇ aᵀe^X b = L_exp(Xᵀ, a bᵀ) (denominator)",
       "a^T expm(X) b", "X", "dexpm(X, b a^T)", "dexpm(X^T, a b^T)",
       lambda a, X, b: a @ E(X) @ b),
    Fr("norm-expm-a", "Higham ch. 3 (Fréchet derivative, adjoint): ‖e^X a‖²",
       "norm(expm(X) a)^2", "X",
       ("2 dexpm(X, a a^T expm(X)^T)", "2 dexpm(X, a (expm(X) a)^T)",
        "2 dexpm(X, a a^T expm(X^T))"),
       ("2 dexpm(X^T, expm(X) a a^T)", "2 dexpm(X, a a^T expm(X)^T)^T"),
       lambda X, a: np.sum((E(X) @ a) ** 2)),
    Fr("tr-B-expm-C", "Higham ch. 3: d tr(M e^X) = tr(L(X, M) dX), M = C B (B, C non-square)",
       "tr(B expm(X) C)", "X", "dexpm(X, C B)",
       ("dexpm(X, C B)^T", "dexpm(X^T, B^T C^T)", "dexpm(X^T, (C B)^T)"),
       lambda B, X, C: np.trace(B @ E(X) @ C)),
    Fr("aT-expm-XT-b", "Higham ch. 3 (e^{Xᵀ} = (e^X)ᵀ)", "a^T expm(X^T) b", "X",
       "dexpm(X, a b^T)", ("dexpm(X, a b^T)^T", "dexpm(X^T, b a^T)"),
       lambda a, X, b: a @ E(X.T) @ b),
    Fr("aT-expm2-b", "Higham ch. 3 (product rule, then the adjoint identity)",
       "a^T expm(X) expm(X) b", "X",
       ("dexpm(X, expm(X) b a^T) + dexpm(X, b a^T expm(X))",
        "dexpm(X, b a^T expm(X)) + dexpm(X, expm(X) b a^T)",
        "dexpm(X, expm(X) b a^T + b a^T expm(X))", "dexpm(X, b a^T expm(X) + expm(X) b a^T)"),
       None, lambda a, X, b: a @ E(X) @ E(X) @ b),
    Fr("aT-expm-tA+B-b", "Higham ch. 3 (A, B not commuting): aᵀ L_exp(tA + B, A) b",
       "a^T expm(t A + B) b", "t", "a^T dexpm(t A + B, A) b", "a^T dexpm(t A + B, A) b",
       lambda a, t, A, B, b: a @ E(t * A + B) @ b, _env_t_A_B, **T),
    Fr("expm-tA+B", "Higham ch. 3: d/dt e^{tA + B} = L_exp(tA + B, A), not A e^{tA + B}",
       "expm(t A + B)", "t", "dexpm(t A + B, A)",
       ("dexpm(t A + B, A)^T", "dexpm(t A^T + B^T, A^T)"),
       lambda t, A, B: E(t * A + B), _env_t_A_B, **T),
    Fr("tr-expm", "Higham ch. 3 (under a trace L(X, I) = e^X); MC (528)", "tr(expm(X))", "X",
       "expm(X)", ("expm(X)^T", "expm(X^T)"), lambda X: np.trace(E(X))),
    Fr("aT-sinm-b", "Higham ch. 3, 12 (sine), adjoint", "a^T sinm(X) b", "X", "dsinm(X, b a^T)",
       ("dsinm(X^T, a b^T)", "dsinm(X, b a^T)^T"), lambda a, X, b: a @ sla.sinm(X) @ b),
    Fr("aT-cosm-b", "Higham ch. 3, 12 (cosine), adjoint", "a^T cosm(X) b", "X",
       "dcosm(X, b a^T)", ("dcosm(X^T, a b^T)", "dcosm(X, b a^T)^T"),
       lambda a, X, b: a @ sla.cosm(X) @ b),
    Fr("aT-sqrtm-b", "Higham ch. 3, 6 (square root), X near I", "a^T sqrtm(X) b", "X",
       "dsqrtm(X, b a^T)", ("dsqrtm(X^T, a b^T)", "dsqrtm(X, b a^T)^T"),
       lambda a, X, b: a @ np.real(sla.sqrtm(X)) @ b, _env_near_identity),
    Fr("aT-logm-b", "Higham ch. 3, 11 (logarithm), X near I", "a^T logm(X) b", "X",
       "dlogm(X, b a^T)", ("dlogm(X^T, a b^T)", "dlogm(X, b a^T)^T"),
       lambda a, X, b: a @ np.real(sla.logm(X)) @ b, _env_near_identity),
    Fr("tr-B-logm-C", "Higham ch. 3, 11, under a trace with non-square B, C", "tr(B logm(X) C)",
       "X", "dlogm(X, C B)", ("dlogm(X, C B)^T", "dlogm(X^T, B^T C^T)", "dlogm(X^T, (C B)^T)"),
       lambda B, X, C: np.trace(B @ np.real(sla.logm(X)) @ C), _env_near_identity),
    Fr("sinm-tA+B", "Higham ch. 3 (A, B not commuting)", "sinm(t A + B)", "t",
       "dsinm(t A + B, A)", None, lambda t, A, B: sla.sinm(t * A + B), _env_t_A_B, **T),
    Fr("cosm-tA+B", "Higham ch. 3 (A, B not commuting)", "cosm(t A + B)", "t",
       "dcosm(t A + B, A)", None, lambda t, A, B: sla.cosm(t * A + B), _env_t_A_B, **T),
    Fr("logm-tA+B", "Higham ch. 3, 11 (t A + B near I)", "logm(t A + B)", "t",
       "dlogm(t A + B, A)", None, lambda t, A, B: np.real(sla.logm(t * A + B)), _env_t_A_B,
       **T),
    Fr("sqrtm-tA+B", "Higham ch. 3, 6 (t A + B near I)", "sqrtm(t A + B)", "t",
       "dsqrtm(t A + B, A)", None, lambda t, A, B: np.real(sla.sqrtm(t * A + B)), _env_t_A_B,
       **T),
    Fr("vecjac-expm", "Higham ch. 10; MN ch. 9: d vec e^X / d vec(X)ᵀ", "expm(X)", "X",
       "dexpm(X)", None, lambda X: E(X)),
    Fr("vecjac-sinm", "Higham ch. 3, 12: d vec sin(X) / d vec(X)ᵀ", "sinm(X)", "X",
       "dsinm(X)", None, lambda X: sla.sinm(X)),
    Fr("vecjac-logm", "Higham ch. 3, 11: d vec log(X) / d vec(X)ᵀ, X near I", "logm(X)", "X",
       "dlogm(X)", None, lambda X: np.real(sla.logm(X)), _env_near_identity),
    # the commuting cases: g′(U) dU, no Fréchet derivative
    Fr("expm-tA", "seed §5 g(xA); Higham ch. 10", "expm(t A)", "t",
       ("expm(t A) A", "A expm(t A)"), None, lambda t, A: E(t * A), **T),
    Fr("expm-I+tA", "Higham ch. 10 (I + tA commutes with A)", "expm(I + t A)", "t",
       ("expm(I + t A) A", "A expm(I + t A)"), None, lambda t, A: E(np.eye(len(A)) + t * A),
       **T),
    Fr("expm-2tA", "Higham ch. 10 (a scalar multiple)", "expm(2 t A)", "t",
       ("2 expm(2 t A) A", "2 A expm(2 t A)"), None, lambda t, A: E(2 * t * A), **T),
    Fr("sinm-tA", "seed §5 g(xA); Higham ch. 12", "sinm(t A)", "t",
       ("cosm(t A) A", "A cosm(t A)"), None, lambda t, A: sla.sinm(t * A), **T),
    Fr("expm-tA+t2A2", "Higham ch. 10 (powers of one matrix commute)", "expm(t A + t^2 A^2)",
       "t", ("expm(t A + t^2 A^2)(A + 2 t A^2)", "(A + 2 t A^2) expm(t A + t^2 A^2)"), None,
       lambda t, A: E(t * A + t * t * A @ A), **T),
    Fr("logm-I+tA", "Higham ch. 11 (I + tA commutes with A)", "logm(I + t A)", "t",
       ("(I + t A)^-1 A", "A (I + t A)^-1"), None,
       lambda t, A: np.real(sla.logm(np.eye(len(A)) + t * A)), _env_near_identity, **T),
]


@pytest.mark.parametrize("source,expr,wrt,kinds,numerator,denominator,oracle,env", FRECHET)
def test_frechet_compact_form(source, expr, wrt, kinds, numerator, denominator, oracle, env):
    out = render(run(expr, wrt, **declared(kinds)), "text")
    assert matches_form(out, numerator), f"{expr} wrt {wrt}: got {out!r}, expected {numerator!r}"
    if denominator is not None:
        out = render(run(expr, wrt, "denominator", **declared(kinds)), "text")
        assert matches_form(out, denominator), \
            f"{expr} wrt {wrt} [denominator]: got {out!r}, expected {denominator!r}"


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("source,expr,wrt,kinds,numerator,denominator,oracle,env", FRECHET)
def test_frechet_numerically(source, expr, wrt, kinds, numerator, denominator, oracle, env,
                             layout):
    """Finite differences of the oracle, at inputs where the matrices do not commute."""
    r = run(expr, wrt, layout, **declared(kinds))
    values = env(np.random.default_rng(21))
    values = {k: v for k, v in values.items() if k in r.typed.symbols}
    if "A" in values and "B" in values and values["A"].shape == values["B"].shape:
        assert not np.allclose(values["A"] @ values["B"], values["B"] @ values["A"])
    if "X" in values and "B" in values and "C" in values:
        assert not np.allclose(values["C"] @ values["B"] @ values["X"],
                               values["X"] @ values["C"] @ values["B"])
    got = np.asarray(eval_numpy_code(numpy_code(r), values))
    ref = _fd(oracle, values, wrt, layout)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    err = compare(got, ref)
    assert err < 1e-7, f"{expr} [{layout}]: {render(r, 'text')}: error {err:.3g}"


RANDOM_SIZES = [p for p in FRECHET if p.values[-1] is _env_general]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("source,expr,wrt,kinds,numerator,denominator,oracle,env",
                         RANDOM_SIZES)
def test_frechet_at_random_sizes(source, expr, wrt, kinds, numerator, denominator, oracle, env,
                                 layout):
    """The project's checker, at random unequal sizes."""
    r = run(expr, wrt, layout, **declared(kinds))
    err = numeric_error(r, oracle, trials=1, seed=4)
    assert err < 1e-6, f"{expr} [{layout}]: {render(r, 'text')}: error {err:.3g}"


@pytest.mark.parametrize("expr,wrt,kinds", [
    ("expm(t A)", "t", {"scalar": "t"}), ("expm(I + t A)", "t", {"scalar": "t"}),
    ("expm(2 t A)", "t", {"scalar": "t"}), ("sinm(t A)", "t", {"scalar": "t"}),
    ("cosm(I + t A)", "t", {"scalar": "t"}), ("expm(t A + t^2 A^2)", "t", {"scalar": "t"}),
])
def test_commuting_cases_need_no_frechet_derivative(expr, wrt, kinds):
    """Issue 9: the false "need not commute" refusals are gone, and g′(U) dU is printed."""
    for layout in LAYOUTS:
        out = render(run(expr, wrt, layout, **declared(kinds)), "text")
        assert not re.search(r"\bd(expm|sinm|cosm|logm|sqrtm)\(", out), out


def test_frechet_notation_parses_back():
    for expr, wrt, kinds in [("a^T expm(X) b", "X", {}), ("expm(t A + B)", "t", {"scalar": "t"}),
                             ("norm(expm(X) a)^2", "X", {}), ("a^T logm(X) b", "X", {})]:
        out = render(run(expr, wrt, **declared(kinds)), "text")
        typed = analyse(out, Declarations.from_lists(**declared(kinds)))
        assert to_text(typed.expr) == out


def test_frechet_text_fed_back_evaluates_the_same():
    """dexpm(U, E) typed in by hand is L_exp(U, E) (scipy's expm_frechet)."""
    r = run("tr(dexpm(X, A) C B)", "C")     # linear in C: the derivative is the Fréchet term
    rng = np.random.default_rng(3)
    X, A = rng.standard_normal((4, 4)) / 2, rng.standard_normal((4, 4))
    B, C = rng.standard_normal((3, 4)), rng.standard_normal((4, 3))
    L = sla.expm_frechet(X, A, compute_expm=False)
    got = eval_numpy_code(numpy_code(r), {"X": X, "A": A, "B": B, "C": C})
    assert np.allclose(got, B @ L)


@pytest.mark.parametrize("expr,wrt,kinds,fn", [
    ("a^T expm(X) b", "X", {}, "expm"), ("expm(t A + B)", "t", {"scalar": "t"}, "expm"),
    ("a^T sinm(X) b", "X", {}, "sinm"), ("a^T logm(X) b", "X", {}, "logm"),
])
def test_frechet_latex(expr, wrt, kinds, fn):
    latex = render(run(expr, wrt, **declared(kinds)), "latex")
    short = fn[:-1]
    assert re.search(r"L_\{(\\)?(mathrm\{)?(%s|%s)\}?\}?\\left\(" % (fn, short), latex), latex
    assert "dexpm" not in latex and "dsinm" not in latex


def test_explain_shows_the_adjoint_step():
    plain = to_plain(explain("a^T expm(X) b", "X", "numerator", Declarations.from_lists()))
    reading = plain[plain.index("Reading off"):]
    assert "⟨C, L" in reading and "(Uᵀ, C), E⟩" in reading, reading
    line = next(ln for ln in reading.splitlines() if "⟨C, L" in ln)
    assert "dexpm(X, b aᵀ)" in line, line
    assert plain.index("d expm(X) = dexpm(X, dX)") < plain.index("Reading off")


def test_frechet_notation_for_a_function_without_one_is_a_clear_error():
    r = md("d", "tr(ddet(X, A))", "wrt", "X")
    assert r.returncode == 1
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert "ddet" in r.stderr and "det" in r.stderr and "dexpm" in r.stderr
    with pytest.raises(MatdiffError):
        run("tr(ddet(X, A))", "X")
