"""Parsing: text -> `Raw` syntax tree with source spans (stage 1 of the pipeline).

The grammar lives in `grammar/matdiff.lark` (shipped inside the wheel as
`matdiff/grammar/matdiff.lark`). The LALR parser is built once per process and
its tables are cached on disk by Lark, so a cold start does not rebuild them.
`Raw` nodes know nothing of kinds or shapes; `matdiff.shapes` gives them meaning.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from .errors import ParseError

Span = tuple[int, int]

_HERE = Path(__file__).resolve().parent
GRAMMAR_CANDIDATES = (
    _HERE / "grammar" / "matdiff.lark",          # installed from a wheel
    _HERE.parent / "grammar" / "matdiff.lark",   # a checkout / editable install
)


@dataclass(frozen=True)
class Raw:
    """A node of the syntax tree: an operator name, children, a payload, a span, and
    how it was spelled where there is a choice ("bars" for |X| and ||x||, the infix
    symbol for ⊗ ∘ .*), so that results can be written in the user's notation."""

    op: str
    args: tuple = ()
    value: object = None
    span: Span = (0, 0)
    spelling: str = ""


def grammar_path() -> Path:
    for path in GRAMMAR_CANDIDATES:
        if path.is_file():
            return path
    raise FileNotFoundError("matdiff grammar not found; looked in: "
                            + ", ".join(str(p) for p in GRAMMAR_CANDIDATES))


# ---------------------------------------------------------------------------
# bars: |X| is a determinant, ||x|| and ‖x‖ norms. A bar opens unless it follows
# the end of an operand while a bar of its kind is open.

_OPERAND_END = {"NAME", "NUMBER", "DERIV", "RPAR", "BAR_CLOSE", "NORM_CLOSE", "TRANSPOSE",
                "INV_T", "SUPERSCRIPT", "PINV"}


class _BarPostLex:
    always_accept = ("BAR", "DBAR", "NBAR")

    def process(self, stream):
        from lark import Token

        stack: list[str] = []
        prev = None
        for tok in stream:
            kind = {"BAR": "det", "DBAR": "norm", "NBAR": "norm"}.get(tok.type)
            if kind is not None:
                closing = prev in _OPERAND_END and stack and stack[-1] == tok.type
                if closing:
                    stack.pop()
                    new_type = "BAR_CLOSE" if kind == "det" else "NORM_CLOSE"
                else:
                    stack.append(tok.type)
                    new_type = "BAR_OPEN" if kind == "det" else "NORM_OPEN"
                tok = Token.new_borrow_pos(new_type, tok.value, tok)
            prev = tok.type
            yield tok


# Part of the cache key: change it when the parser's options or post-lexer change.
_PARSER_CONFIG = "lalr/basic/bars-v1/" + ",".join(_BarPostLex.always_accept)


@lru_cache(maxsize=1)
def _parser():
    from lark import Lark

    path = grammar_path()
    text = path.read_text(encoding="utf-8")
    cache_dir = os.environ.get("MATDIFF_CACHE_DIR") or tempfile.gettempdir()
    key = hashlib.sha1((text + _PARSER_CONFIG).encode()).hexdigest()[:16]
    cache_file: str | bool = os.path.join(cache_dir, f".matdiff-lark-{key}.cache")
    try:
        os.makedirs(cache_dir, exist_ok=True)
    except OSError:
        cache_file = False
    return Lark(text, parser="lalr", lexer="basic",
                postlex=_BarPostLex(), propagate_positions=True,
                cache=cache_file)


# ---------------------------------------------------------------------------
# tree -> Raw

_FRIENDLY = {
    "RPAR": "')'", "LPAR": "'('", "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'",
    "SLASH": "'/'", "CIRCUMFLEX": "'^'", "COMMA": "','", "NAME": "a name",
    "NUMBER": "a number", "FUNC": "a function call", "BAR_OPEN": "'|'", "BAR_CLOSE": "'|'",
    "NORM_OPEN": "'||'", "NORM_CLOSE": "'||'", "$END": "end of input",
    "TRANSPOSE": "a transpose", "HADAMARD": "'.*'", "KRON": "'⊗'", "CROSS": "'×'",
    "DERIV": "a derivative symbol", "SUPERSCRIPT": "a superscript", "__ANON_0": "'·'",
}

_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def _number(text: str) -> Fraction:
    return Fraction(text)


def _span_of(node) -> Span:
    meta = getattr(node, "meta", None)
    if meta is not None and not getattr(meta, "empty", True):
        return (meta.start_pos, meta.end_pos)
    return (getattr(node, "start_pos", 0) or 0, getattr(node, "end_pos", 0) or 0)


def _to_raw(tree) -> Raw:
    from lark import Token

    if isinstance(tree, Token):
        raise AssertionError(f"unexpected token {tree!r}")
    span = _span_of(tree)
    op = tree.data
    kids = [c for c in tree.children]

    def sub(i):
        return _to_raw(kids[i])

    if op == "number":
        return Raw("num", value=_number(kids[0]), span=span)
    if op == "name":
        return Raw("name", value=str(kids[0]), span=span)
    if op == "deriv":
        text = str(kids[0]).replace(" ", "")
        num, den = text.split("/")
        return Raw("deriv", value=(num[1:], den[1:]), span=span)
    if op == "call":
        fname = str(kids[0]).strip()
        args = kids[1]
        raw_args = tuple(_to_raw(a) for a in args.children) if args is not None else ()
        return Raw("call", raw_args, value=fname, span=span)
    if op == "group":
        inner = sub(0)
        return Raw(inner.op, inner.args, inner.value, span, inner.spelling)
    if op in ("add", "sub", "mul", "div", "juxt"):
        return Raw(op, (sub(0), sub(1)), span=span)
    if op in ("hadamard", "kron", "cross"):
        return Raw(op, (sub(0), sub(-1)), value=str(kids[1]), span=span, spelling=str(kids[1]))
    if op == "neg":
        return Raw("neg", (sub(0),), span=span)
    if op == "pos":
        return sub(0)
    if op == "transpose":
        return Raw("T", (sub(0),), span=span)
    if op == "inv_transpose":
        return Raw("invT", (sub(0),), span=span)
    if op == "pinv_suffix":
        return Raw("call", (sub(0),), value="pinv", span=span)
    if op == "power":
        return Raw("pow", (sub(0),), value=_exponent(kids[1]), span=span)
    if op == "hadpow":
        return Raw("hadpow", (sub(0),), value=_exponent(kids[2]), span=span)
    if op == "sup_power":
        text = str(kids[1]).translate(_SUPERSCRIPT_DIGITS)
        return Raw("pow", (sub(0),), value=Fraction(int(text)), span=span)
    if op == "det_bars":
        return Raw("call", (sub(1),), value="det", span=span, spelling="bars")
    if op == "norm_bars":
        return Raw("call", (sub(1),), value="norm", span=span, spelling="bars")
    raise AssertionError(f"unknown parse node {op}")


def _exponent(node) -> Fraction:
    from lark import Token

    if isinstance(node, Token):
        return _number(node)
    kind = node.data
    nums = [_number(t) for t in node.children if isinstance(t, Token) and t.type == "NUMBER"]
    if kind == "exp_number":
        return nums[0]
    if kind == "exp_negative":
        return -nums[0]
    if kind == "exp_ratio":
        return nums[0] / nums[1]
    if kind == "exp_negative_ratio":
        return -nums[0] / nums[1]
    raise AssertionError(kind)


def parse(text: str) -> Raw:
    """Parse `text` into a `Raw` tree; raise `ParseError` with the column on failure."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    if not text.strip():
        raise ParseError("empty expression", span=(0, max(1, len(text))), source=text)
    try:
        tree = _parser().parse(text)
    except UnexpectedCharacters as e:
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        hint = None
        if ch == "(":
            hint = "a '(' right after '^' must hold a number, e.g. X^(-1)"
        raise ParseError(f"unexpected character {ch!r}", span=(e.pos_in_stream, e.pos_in_stream + 1),
                         hint=hint, source=text) from None
    except UnexpectedEOF as e:
        raise ParseError("unexpected end of input" + _expected(e.expected),
                         span=(len(text), len(text) + 1), source=text) from None
    except UnexpectedToken as e:
        tok = e.token
        if tok.type == "$END":
            raise ParseError("unexpected end of input" + _expected(e.expected),
                             span=(len(text), len(text) + 1), source=text) from None
        start = tok.start_pos if tok.start_pos is not None else 0
        hint = _hint_for(tok, text)
        raise ParseError(f"unexpected {tok.value!r}" + _expected(e.expected),
                         span=(start, start + max(1, len(tok.value))), hint=hint,
                         source=text) from None
    return _to_raw(tree)


def _expected(expected) -> str:
    names = sorted({_FRIENDLY.get(x, x.lower()) for x in expected or ()
                    if not x.startswith("__") or x in _FRIENDLY})
    if not names or len(names) > 6:
        return ""
    return "; expected " + " or ".join(names)


def _hint_for(tok, text: str) -> str | None:
    if tok.type in ("RPAR",):
        return "unbalanced parentheses"
    if tok.type in ("BAR_CLOSE", "BAR_OPEN", "NORM_OPEN", "NORM_CLOSE"):
        return "write det(...) or norm(...) when bars nest"
    return None
