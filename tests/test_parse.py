"""The grammar and the parser: every spelling of the syntax, and parse errors with columns."""

from __future__ import annotations

import pytest

from matdiff.core import analyse
from matdiff.errors import ParseError
from matdiff.ops import CALL_NAMES
from matdiff.parser import grammar_path, parse
from matdiff.shapes import Declarations
from matdiff.textform import to_text


def canonical(src: str, **kinds) -> str:
    return to_text(analyse(src, Declarations.from_lists(**kinds)).expr)


def test_grammar_is_lalr_without_conflicts():
    """Lark resolves a shift/reduce conflict silently (as a shift) and says so only in
    its debug log: the grammar must not need that."""
    import logging

    from lark import Lark, logger

    from matdiff.parser import _PostLex

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="basic",
             postlex=_PostLex(), debug=True)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    conflicts = [r.getMessage() for r in records if "conflict" in r.getMessage().lower()]
    assert conflicts == []


@pytest.mark.parametrize("name", sorted(CALL_NAMES))
def test_every_builtin_name_is_a_call_even_with_a_space(name):
    """The post-lexer makes a built-in name followed by "(" a call, with or without spaces;
    the names come from the operations' records, not from a list in the grammar."""
    tree = parse(f"{name} (X)")
    assert (tree.op, tree.value) == ("call", name)


def test_other_names_are_calls_only_directly_before_a_parenthesis():
    assert parse("u(x)").op == "call"
    assert parse("A (x + b)").op == "product"


@pytest.mark.parametrize("src,expected", [
    ("A X B", "A X B"),
    ("A*X*B", "A X B"),
    ("A·X", "A X"),
    ("AX", "AX"),                       # one name
    ("X^T", "X^T"), ("X'", "X^T"), ("Xᵀ", "X^T"), ("X ^ T", "X^T"),
    ("x^Tx", "x^T x"),
    ("X^-1", "X^-1"), ("inv(X)", "X^-1"), ("X⁻¹", "X^-1"), ("X^(-1)", "X^-1"),
    ("X^-T", "X^-T"), ("X⁻ᵀ", "X^-T"),
    ("X^3", "X^3"), ("X³", "X^3"),
    ("alpha^2", "alpha^2"), ("alpha^(1/2)", "alpha^(1/2)"), ("alpha^(-3/2)", "alpha^(-3/2)"),
    ("tr(X)", "tr(X)"), ("tr (X)", "tr(X)"),
    ("det(X)", "det(X)"), ("|X|", "det(X)"), ("2 |X|", "2 det(X)"), ("|A| |B|", "det(A) det(B)"),
    ("logdet(X)", "logdet(X)"), ("log(det(X))", "log(det(X))"), ("ln(alpha)", "log(alpha)"),
    ("norm(x)", "norm(x)"), ("||x||", "norm(x)"), ("‖x‖", "norm(x)"), ("||x - a||^2", "norm(x - a)^2"),
    ("kron(A, B)", "kron(A, B)"), ("A ⊗ B", "kron(A, B)"),
    ("A .* B", "A .* B"), ("A ∘ B", "A .* B"), ("A ⊙ B", "A .* B"), ("hadamard(A, B)", "A .* B"),
    ("A .^ 2", "A.^2"), ("x ./ y", "x ./ y"), ("1 ./ x", "1 ./ x"), ("x .^ alpha", "x.^alpha"),
    ("X^n", "X^n"), ("tau^alpha", "tau^alpha"), ("(x^T x)^(p - 1)", "(x^T x)^(p - 1)"),
    ("det(X)^det(X)", "det(X)^(det(X))"), ("tau^exp(alpha)", "tau^(exp(alpha))"),
    ("sum(x)", "sum(x)"), ("x + 1", "x + 1"), ("1 - x", "1 - x"), ("vector(1)", "ones"),
    ("norm2(x)", "norm(x)"), ("norm(X, 'fro')", "norm(X)"), ("norm(x, 1)", "norm1(x)"),
    ("|alpha|", "abs(alpha)"), ("|a^T x|", "abs(a^T x)"), ("vec(X)", "vec(X)"),
    ("dot(x, y)", "x^T y"), ("sigmoid (W x + b)", "sigmoid(W x + b)"),
    ("2 x .^ 2", "2 x.^2"), ("x ./ 2", "x/2"),
    ("cross(a, b)", "cross(a, b)"), ("a × b", "cross(a, b)"),
    ("adj(X)", "adj(X)"), ("pinv(X)", "pinv(X)"), ("X⁺", "pinv(X)"), ("X†", "pinv(X)"),
    ("expm(X)", "expm(X)"), ("sinm(X)", "sinm(X)"), ("cosm(X)", "cosm(X)"),
    ("exp(x)", "exp(x)"), ("tanh(A x)", "tanh(A x)"),
    ("I + A", "I + A"),
    ("x / norm(x)", "x/norm(x)"),
    ("-x^T A x", "-x^T A x"), ("a - -b", "a + b"), ("+a", "a"),
    ("0.5 A", "A/2"), ("1/3 A", "A/3"), ("2.5e1 A", "25 A"), ("2.*x", "2 x"),
    ("u(x)", "u(x)"), ("U(x, y)", "U(x, y)"), ("g(u(x))", "g(u(x))"),
    ("A*(x + b)", "A*(x + b)"), ("A (x + b)", "A*(x + b)"),
    ("α X", "α X"), ("lambda x", "lambda x"),
])
def test_spellings(src, expected):
    assert canonical(src) == expected


def test_derivative_symbols_parse_back():
    # `du/dx` is how results print the derivative of an abstract function
    assert canonical("du/dx A") == "du/dx A"
    assert canonical("(du/dt)^T A", scalar="t") == "(du/dt)^T A"


@pytest.mark.parametrize("src,column,fragment", [
    ("tr(A X", 7, "unexpected end of input"),
    ("A + * B", 5, "unexpected '*'"),
    ("A & B", 3, "unexpected character '&'"),
    ("(A + B", 7, "end of input"),
    ("A + B)", 6, "unexpected ')'"),
    ("X^", 3, "end of input"),
    ("tr(A X))", 8, "unexpected ')'"),
    ("A @ B", 3, "unexpected character '@'"),
])
def test_parse_errors_name_the_column(src, column, fragment):
    with pytest.raises(ParseError) as info:
        parse(src)
    err = info.value
    assert err.column == column
    assert fragment in err.message
    assert "\n" not in err.one_line()


def test_empty_input():
    with pytest.raises(ParseError, match="empty expression"):
        parse("   ")


def test_caret_points_at_the_column():
    with pytest.raises(ParseError) as info:
        parse("A + * B")
    caret = info.value.caret()
    line, marks = caret.splitlines()
    assert line.strip() == "A + * B"
    assert marks.index("^") == line.index("*")
