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
# the post-lexer: bars and calls.
# |X| is a determinant, ||x|| and ‖x‖ norms. A bar opens unless it follows the end of
# an operand while a bar of its kind is open. A name directly followed by "(" is a call
# (FUNC); so is a built-in name followed by spaces and "(".

_OPERAND_END = {"NAME", "NUMBER", "DERIV", "DERIV2", "RPAR", "RSQB", "BAR_CLOSE", "NORM_CLOSE",
                "TRANSPOSE", "INV_T", "SUPERSCRIPT", "PINV", "STRING"}


def _builtin_call_names() -> set:
    from .ops import CALL_NAMES
    return set(CALL_NAMES) | SPECIAL_CALLS


# calls the shape checker knows besides the operations' records
SPECIAL_CALLS = {"kron", "hadamard", "vector", "matrix", "commutation"}


class _PostLex:
    always_accept = ("BAR", "DBAR", "NBAR", "NAME")

    def process(self, stream):
        from lark import Token

        builtins = _builtin_call_names()
        stack: list[str] = []
        prev = None
        pending = None          # a NAME waiting to see whether "(" follows
        for tok in stream:
            if pending is not None:
                if tok.type == "LPAR" and (tok.start_pos == pending.end_pos
                                           or pending.value in builtins):
                    pending = Token.new_borrow_pos("FUNC", pending.value, pending)
                yield pending
                prev = pending.type
                pending = None
            if tok.type == "NAME":
                pending = tok
                continue
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
        if pending is not None:
            yield pending


# Part of the cache key: change it when the parser's options or post-lexer change.
_PARSER_CONFIG = "lalr/basic/postlex-v2/" + ",".join(_PostLex.always_accept)


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
                postlex=_PostLex(), propagate_positions=True,
                cache=cache_file)


# ---------------------------------------------------------------------------
# tree -> Raw

_FRIENDLY = {
    "RPAR": "')'", "LPAR": "'('", "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'",
    "SLASH": "'/'", "CIRCUMFLEX": "'^'", "COMMA": "','", "NAME": "a name",
    "NUMBER": "a number", "FUNC": "a function call", "BAR_OPEN": "'|'", "BAR_CLOSE": "'|'",
    "NORM_OPEN": "'||'", "NORM_CLOSE": "'||'", "$END": "end of input",
    "TRANSPOSE": "a transpose", "HADAMARD": "'.*'", "KRON": "'⊗'", "CROSS": "'×'",
    "DERIV": "a derivative symbol", "DERIV2": "a derivative symbol",
    "SUPERSCRIPT": "a superscript", "__ANON_0": "'·'", "HADDIV": "'./'", "HADPOW": "'.^'",
    "LSQB": "'['", "RSQB": "']'", "STRING": "a string",
}

_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


MAX_DIGITS = 60
MAX_EXPONENT = 300


class _TooLarge(Exception):
    pass


def _number(text) -> Fraction:
    """A number literal as an exact rational; literals beyond 60 digits or 10^±300 are
    refused, so that no cost grows with a number's size."""
    mantissa, _, exponent = str(text).lower().partition("e")
    digits = mantissa.replace(".", "").lstrip("0")
    if len(digits) > MAX_DIGITS or (exponent and abs(int(exponent[:8])) > MAX_EXPONENT):
        raise _TooLarge(str(text))
    return Fraction(str(text))


def _span_of(node) -> Span:
    meta = getattr(node, "meta", None)
    if meta is not None and not getattr(meta, "empty", True):
        return (meta.start_pos, meta.end_pos)
    return (getattr(node, "start_pos", 0) or 0, getattr(node, "end_pos", 0) or 0)


MAX_DEPTH = 250      # nesting levels (parentheses, calls, postfix operators) accepted

_SUM_OPS = {"add": "+", "sub": "-"}
_PRODUCT_OPS = {"mul", "div", "juxt", "hadamard", "haddiv", "kron", "cross"}


class _TooDeep(Exception):
    def __init__(self, span):
        super().__init__("too deep")
        self.span = span


def _chain(tree, ops):
    """The operands and operators of a left-nested chain a op b op c ..., without recursion
    (a sum of 30,000 terms is a chain, not a deep tree)."""
    items = []
    node = tree
    while not _is_token(node) and node.data in ops:
        items.append((node.data, node))
        node = node.children[0]
    items.reverse()
    return node, items


def _is_token(x) -> bool:
    from lark import Token
    return isinstance(x, Token)


def _to_raw(tree, depth: int = 0) -> Raw:
    from lark import Token

    if isinstance(tree, Token):
        raise AssertionError(f"unexpected token {tree!r}")
    span = _span_of(tree)
    if depth > MAX_DEPTH:
        raise _TooDeep(span)
    op = tree.data
    kids = list(tree.children)

    def sub(i):
        return _to_raw(kids[i], depth + 1)

    if op in _SUM_OPS:
        first, items = _chain(tree, _SUM_OPS)
        args = [_to_raw(first, depth + 1)] + [_to_raw(n.children[-1], depth + 1) for _, n in items]
        spans = tuple(_span_of(n) for _, n in items)
        return Raw("sum", tuple(args), value=tuple(_SUM_OPS[o] for o, _ in items), span=span,
                   spelling=spans)
    if op in _PRODUCT_OPS:
        first, items = _chain(tree, _PRODUCT_OPS)
        args = [_to_raw(first, depth + 1)] + [_to_raw(n.children[-1], depth + 1) for _, n in items]
        ops = tuple((o, str(n.children[1]) if o in ("hadamard", "haddiv", "kron", "cross") else "")
                    for o, n in items)
        spans = tuple(_span_of(n) for _, n in items)
        return Raw("product", tuple(args), value=ops, span=span, spelling=spans)
    if op == "number":
        return Raw("num", value=_number(kids[0]), span=span)
    if op == "name":
        return Raw("name", value=str(kids[0]), span=span)
    if op == "string":
        return Raw("string", value=str(kids[0])[1:-1], span=span)
    if op == "deriv":
        text = str(kids[0]).replace(" ", "")
        num, den = text.split("/")
        return Raw("deriv", value=(num[1:], den[1:]), span=span, spelling="1")
    if op == "deriv2":
        text = str(kids[0]).replace(" ", "").replace("∂²", "d2").replace("∂", "d")
        num, den = text.split("/")
        return Raw("deriv", value=(num[2:], den[1:]), span=span, spelling="2")
    if op == "call":
        fname = str(kids[0]).strip()
        args = kids[1]
        raw_args = tuple(_to_raw(a, depth + 1) for a in args.children) if args is not None else ()
        return Raw("call", raw_args, value=fname, span=span)
    if op == "group":
        inner = sub(0)
        return Raw(inner.op, inner.args, inner.value, span, inner.spelling)
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
        return Raw("pow", (sub(0), _exponent(kids[1], depth + 1)), span=span)
    if op == "hadpow":
        return Raw("hadpow", (sub(0), _exponent(kids[2], depth + 1)), span=span)
    if op == "sup_power":
        text = str(kids[1]).translate(_SUPERSCRIPT_DIGITS)
        tok = kids[1]
        e = Raw("num", value=Fraction(abs(int(text))), span=(tok.start_pos, tok.end_pos))
        if int(text) < 0:
            e = Raw("neg", (e,), span=e.span)
        return Raw("pow", (sub(0), e), span=span)
    if op == "index":
        idx = tuple(str(k.children[0]) for k in kids[1:] if hasattr(k, "children"))
        return Raw("index", (sub(0),), value=idx, span=span)
    if op == "det_bars":
        return Raw("call", (sub(1),), value="det", span=span, spelling="bars")
    if op == "norm_bars":
        return Raw("call", (sub(1),), value="norm", span=span, spelling="bars")
    raise AssertionError(f"unknown parse node {op}")


def _exponent(node, depth: int) -> Raw:
    """An exponent as a Raw expression: a number, a name, their negatives, a group, or a
    function call."""
    from lark import Token, Tree

    if isinstance(node, Token):
        return Raw("num", value=_number(node), span=(node.start_pos, node.end_pos))
    kind = node.data
    span = _span_of(node)
    if kind == "exp_group":
        return _to_raw(node.children[0], depth)
    if kind == "exp_call":                   # X^det(X), t^exp(s): a call as it is elsewhere
        return _to_raw(Tree("call", node.children, node.meta), depth)
    tok = next(t for t in node.children if isinstance(t, Token))
    tspan = (tok.start_pos, tok.end_pos)
    if kind in ("exp_number", "exp_negative"):
        base = Raw("num", value=_number(tok), span=tspan)
    else:
        base = Raw("name", value=str(tok), span=tspan)
    if kind in ("exp_negative", "exp_negative_name"):
        return Raw("neg", (base,), span=span)
    return base


def parse(text: str) -> Raw:
    """Parse `text` into a `Raw` tree; raise `ParseError` with the column on failure."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    if not text.strip():
        raise ParseError("empty expression", span=(0, max(1, len(text))), source=text)
    try:
        tree = _parser().parse(text)
    except RecursionError:
        raise ParseError(f"the expression is nested more than {MAX_DEPTH} levels deep",
                         span=(0, 1), source=text) from None
    except UnexpectedCharacters as e:
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        hint = None
        if ch == ".":
            hint = "element-wise operators are .* ./ .^"
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
    try:
        return _to_raw(tree)
    except RecursionError:
        raise ParseError(f"the expression is nested more than {MAX_DEPTH} levels deep",
                         span=(0, 1), source=text) from None
    except _TooDeep as e:
        raise ParseError(f"the expression is nested more than {MAX_DEPTH} levels deep",
                         span=e.span, source=text) from None
    except _TooLarge as e:
        where = text.find(str(e))
        raise ParseError(f"the number {str(e)[:20]}{'...' if len(str(e)) > 20 else ''} is out "
                         f"of range (at most {MAX_DIGITS} digits and exponents up to "
                         f"{MAX_EXPONENT})", span=(max(where, 0), max(where, 0) + 1),
                         source=text) from None


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
