"""The rewrite rules, one by one, on expressions typed by hand, and the engine."""

from __future__ import annotations

import pytest

from matdiff import build as B
from matdiff.core import analyse
from matdiff.expr import Add, Mul, Num, T
from matdiff.shapes import Declarations
from matdiff.simplify import normalize, simplify
from matdiff.simplify.engine import RewriteLoop, rewrite
from matdiff.simplify.keys import key, tkey
from matdiff.textform import to_text


def e(src: str, **kinds):
    return analyse(src, Declarations.from_lists(**kinds)).expr


def simp(src: str, **kinds) -> str:
    return to_text(simplify(e(src, **kinds)))


def norm_text(src: str, **kinds) -> str:
    return to_text(normalize(e(src, **kinds)))


@pytest.mark.parametrize("src,expected", [
    # transposes go to the leaves (and products reverse)
    ("(A B)^T", "B^T A^T"),
    ("(A B C)^T", "C^T B^T A^T"),
    ("(X^-1)^T", "X^-T"),
    ("(X^3)^T", "(X^T)^3"),
    ("(x^T A)^T", "A^T x"),
    ("(A^T)^T", "A"),
    ("kron(A, B)^T", "kron(A^T, B^T)"),
    # powers merge, inverses cancel
    ("X X X", "X^3"),
    ("X^2 X^-3", "X^-1"),
    ("A X X^-1 B", "A B"),
    ("theta theta alpha", "theta^2 alpha"),
    ("(theta^2)^3", "theta^6"),
    # inverse of a product distributes only when the factors are known to be square
    ("(A B)^-1 A", "(A B)^-1 A"),
    # traces: linear, scalars out, Kronecker
    ("tr(2 A + alpha B)", "2 tr(A) + alpha tr(B)"),
    ("tr(kron(A, B)) + tr(A) + tr(B)", "tr(A) tr(B) + tr(A) + tr(B)"),   # A, B square
    # like terms, up to the symmetries of the algebra
    ("a^T x + x^T a", "2 a^T x"),
    ("tr(A B) + tr(B A) + tr(B^T A^T)", "3 tr(A B)"),
    ("X + X", "2 X"),
    ("A - A", "0"),
    # adjugates of square names become |X| X^-1; pseudo-inverses are recognised
    ("adj(X) X", "det(X) I"),
    ("(X^T X)^-1 X^T", "pinv(X)"),
    ("X^T (X X^T)^-1", "pinv(X)"),
    ("adj(X^T X) X^T", "det(X^T X) pinv(X)"),
    # element-wise
    ("A .* A", "A.^2"),
    ("(2 A) .* B", "2 (A .* B)"),
    ("diag(a) b", "a .* b"),
    ("cross(a, a)", "0"),
    ("cross(a, b) + cross(b, a)", "0"),                 # b × a = −(a × b)
    ("x^T cross(a, x) + x^T cross(x, a)", "0"),
    ("diag(X^T)", "diag(X)"),
    ("diag(diag(I + X))", "diag(diag(I + X))"),
    ("diag(2 X)", "2 diag(X)"),
    ("cross(2 a, b)", "2 cross(a, b)"),
    # only the diagonal of a Hadamard product with I is read: diag(Aᵀ) = diag(A)
    ("A^T .* I", "A .* I"),
    ("A^T .* B", "A^T .* B"),                           # without I: the transpose stays
    # quotients of element-wise functions (the same argument above and below)
    ("sinh(x) ./ cosh(x)", "tanh(x)"),
    ("sin(A x) ./ cos(A x)", "tan(A x)"),
    ("sinh(x) ./ cosh(y)", "sinh(x) ./ cosh(y)"),       # different arguments: kept
    ("sinh(x) ./ cosh(x).^2", "sinh(x) ./ cosh(x).^2"),
    # a Fréchet derivative is linear in its direction (Higham, Functions of Matrices §3.1)
    ("dexpm(X, A) + 2 dexpm(X, B)", "dexpm(X, A + 2 B)"),
    ("dexpm(X, A) + dexpm(Y, B)", "dexpm(X, A) + dexpm(Y, B)"),   # different points: kept
    ("dexpm(X, A) + dlogm(X, B)", "dexpm(X, A) + dlogm(X, B)"),  # different functions: kept
    # I ∘ I = I; sign(u) ∘ u = |u|
    ("2 I - I .^ 2", "I"),
    ("sign(x) .* x", "abs(x)"),
    ("sign(alpha) alpha", "abs(alpha)"),
    ("sign(x) .* y", "sign(x) .* y"),
    # vec with Kronecker and commutation matrices (Magnus & Neudecker ch. 2-3), when the
    # shapes make it so
    ("kron(A, B) vec(X) + vec(B X A^T)", "2 vec(B X A^T)"),
    ("vec(X)^T kron(A, B) + vec(B^T X A)^T", "2 vec(B^T X A)^T"),
    ("kron(A, B) vec(X)", "kron(A, B) vec(X)"),     # X's shape not fixed: only its size
    ("commutation(X) vec(X)", "vec(X^T)"),
    # Jacobi's formula: |expm(A)| = exp(tr A)
    ("det(expm(A))", "exp(tr(A))"),
    ("logdet(expm(A))", "tr(A)"),
    # diagonals of outer products and of powers of diagonal matrices; exp(log(u)) = u
    ("diag(x y^T)", "x .* y"),
    ("diag(2 x x^T)", "2 x.^2"),
    ("diag(diag(x)^-1)", "1 ./ x"),
    ("diag(A B)", "diag(A B)"),                          # not an outer product: kept
    ("exp(log(x))", "x"),
])
def test_normal_form(src, expected):
    assert norm_text(src) == expected


def test_inverse_of_a_product_cancels_a_square_factor():
    assert simp("(A B)^-1 A", square=["A,B"]) == "B^-1"
    assert simp("B (A B)^-1", square=["A,B"]) == "A^-1"
    assert simp("(A B)^-1 A", square=["A,B"]) != "B^-1 A^-1 A"
    assert simp("(A B)^-2 A", square=["A,B"]) == "(A B)^-2 A"      # (A B)^-2 is not B^-2 A^-2


@pytest.mark.parametrize("src,kinds,expected", [
    ("x^T A + x^T A^T", {}, "x^T (A + A^T)"),
    ("B A x + B A^T x", {}, "B*(A + A^T) x"),
    ("(a^T x) b^T + (x^T b) a^T", {}, "x^T (a b^T + b a^T)"),
    ("x^T A + x^T A^T", {"symmetric": ["A"]}, "2 x^T A"),
    ("b c^T D + b c^T E", {}, "b c^T (D + E)"),
    ("-A - B", {}, "-A - B"),
    ("x^T (A/2 + A^T/2)", {}, "x^T (A + A^T)/2"),
    ("x^T - a^T", {}, "x^T - a^T"),                    # not shorter as (x - a)^T
    ("(x^T - a^T) A", {}, "(x - a)^T A"),             # shorter inside a product
    ("sin(x^T)", {}, "sin(x)^T"),
    ("B^T X^T A^T C^T", {}, "B^T X^T A^T C^T"),        # transposes stay on the leaves
    ("-A .* I + A + A^T", {}, "A + A^T - A .* I"),     # subtracted terms after the others
])
def test_compact_forms(src, kinds, expected):
    assert simp(src, **kinds) == expected


def test_the_entries_of_a_unit_vector_add_to_one():
    from matdiff.expr import Index
    unit = Index(None, "k", None, ("m", 1))            # e_k, as a derivative writes it
    assert to_text(simplify(B.fn("sum", unit))) == "1"
    assert to_text(simplify(B.fn("sum", B.mul(B.num(3), unit)))) == "3"


def test_keys_see_through_symmetries():
    assert key(e("a^T x")) == key(e("x^T a"))
    assert key(e("tr(A B C)")) == key(e("tr(C A B)")) == key(e("tr(C^T B^T A^T)"))
    assert key(e("det(X^T)")) == key(e("det(X)"))
    assert key(e("norm(A B)")) == key(e("norm(B^T A^T)"))
    assert key(e("A + B")) == key(e("B + A"))
    assert tkey(e("A B")) == key(normalize(e("B^T A^T")))
    assert key(e("A B")) != key(e("B A"))


def test_simplify_is_idempotent_on_results():
    for src in ("B X^T C A + B^T X^T A^T C^T", "x^T (A + A^T)", "I/norm(x - a) - (x - a)(x - a)^T/norm(x - a)^3"):
        once = simplify(e(src))
        assert simplify(once) == once


def test_engine_reports_a_rule_that_does_not_terminate():
    def flip(x):
        if isinstance(x, Add):
            return B.add(*reversed(x.terms))
        return None

    with pytest.raises(RewriteLoop):
        rewrite(e("A + B"), [flip])


def test_smart_constructors_split_scalar_stretches_out_of_chains():
    x = e("x a^T b c^T")
    assert isinstance(x, Mul)
    assert to_text(x) == "(a^T b) x c^T"
    assert x.chain == (x.chain[0], x.chain[1]) and all(not f.is_scalar for f in x.chain)


def test_transpose_constructor():
    a = e("A")
    assert B.transpose(B.transpose(a)) == a
    assert isinstance(B.transpose(a), T)
    assert B.transpose(Num(2)) == Num(2)


def test_rules_are_indexed_by_the_operation_they_match():
    from matdiff.simplify import FACTOR

    assert all(r.ops is None or "tr" in r.ops for r in FACTOR.for_op("tr"))
    assert any(r.__name__ == "trace_rules" for r in FACTOR.for_op("tr"))
    assert not any(r.__name__ == "trace_rules" for r in FACTOR.for_op("det"))


@pytest.mark.parametrize("src,expected", [
    ("(A B)^-2", "(A B)^-2"),                   # not B^-2 A^-2
    ("tr(kron(a, b^T))", "b^T a"),              # non-square factors: not tr(a) tr(b^T)
    ("tr(kron(A, B))", "tr(kron(A, B))"),        # A 3×2 and B 2×3 would do
    ("tr(kron(A, B)) + tr(A) + tr(B)", "tr(A) tr(B) + tr(A) + tr(B)"),
])
def test_rules_check_their_preconditions(src, expected):
    assert norm_text(src, symmetric=["A,B"] if "^-2" in src else []) == expected


def test_every_rule_says_why_it_terminates_and_has_a_title():
    from matdiff.simplify import FACTOR, NORMALIZE, PRESENT

    for rule in set(NORMALIZE + FACTOR.rules + PRESENT.rules):
        doc = " ".join((rule.__doc__ or "").split())
        assert "Decreases" in doc or "Reorders" in doc, rule.__name__
        assert getattr(rule, "title", ""), rule.__name__
