"""Explanations: a derivation step by step, in the seed's own style (`matdiff explain`).

  1. the function and the kind of derivative;
  2. the differential, one rule per operation, each with its identity;
  3. reading the derivative off d f = G dt, d f = tr(G dX), d f = G dx or d f = J dx,
     term by term (tr(A dX B) = tr(B A dX) and so on);
  4. the simplification, as a chain of equalities naming the rules used;
  5. the result in the chosen layout.

An `Explanation` is data; `to_plain`, `to_markdown` and the CLI's rich printer
render it. Everything comes from the same engine as `matdiff d`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from . import build as B
from . import calculus
from .core import Result, differentiate
from .derivative import gradient, jacobian
from .differential import RULES, TITLES, differential, identity_of
from .expr import (Add, Call, Diff, Expr, Frechet, MatFn, Mul, Num, Sym, Tr, map_leaves, node,
                   shape_str)
from .functions import MATRIX_FUNCTIONS
from .layout import to_layout
from .render.latex import LatexPrinter
from .render.unicode import UnicodePrinter, pretty_name
from .shapes import Declarations
from .simplify import FACTOR, NORMALIZE, PRESENT
from .simplify.engine import rewrite
from .simplify.rules import push_transpose
from .textform import TextStyle

MAX_RULE_LINES = 14


@node
class DiffOf(Expr):
    """d(U) written out, for a part U whose differential is shown on its own line."""

    arg: Expr

    @property
    def shape(self):
        return self.arg.shape


class _Unicode(UnicodePrinter):
    def p_DiffOf(self, e: DiffOf) -> str:
        text = self.p(e.arg, 0)
        return f"d {text}" if _atomic(e.arg) else f"d({text})"


class _Latex(LatexPrinter):
    def p_DiffOf(self, e: DiffOf) -> str:
        return rf"\mathrm{{d}}\left({self.p(e.arg, 0)}\right)"

    def p_Diff(self, e: Diff) -> str:
        return rf"\mathrm{{d}}{self.p(e.var, 5)}"


def _atomic(e: Expr) -> bool:
    """Whether d e reads without parentheses: d X, d tr(U), d u(x)."""
    return isinstance(e, (Sym, Call)) or bool(re.fullmatch(r"[^\W\d]\w*\(.*\)", _U(e))) and \
        _U(e).count("(") == 1


_U = _Unicode(TextStyle(det_bars=True))
_L = _Latex()


def to_unicode(e: Expr) -> str:
    return _U(e)


def to_latex(e: Expr) -> str:
    return _L(e)


@dataclass
class Line:
    """lhs = rhs, with a note; lhs may be an expression, ("d", expr) or text."""

    lhs: object
    rhs: Expr | None
    note: str = ""


@dataclass
class Section:
    title: str
    lines: list = field(default_factory=list)
    text: str = ""


@dataclass
class Explanation:
    result: Result
    sections: list


def _rule_note(fn) -> str:
    return f"{TITLES.get(fn, fn.__name__)}: {identity_of(fn)}"


def _simplify_note(rule) -> str:
    return getattr(rule, "title", rule.__name__.replace("_", " "))


def explain(source: str, wrt: str, layout: str = "numerator",
            decls: Declarations | None = None) -> Explanation:
    result = differentiate(source, wrt, layout, decls)
    f, var = result.function, result.var
    sections = []

    var_desc = "scalar" if var.is_scalar else f"{shape_str(var.shape)} {var.kind_word}"
    sections.append(Section("The function", [Line("f", f)],
                            f"A {f.kind_word} function of the {var_desc} {var.name}: "
                            f"its derivative is {result.kind.replace('-', ' ')}."))

    # 2. the differential
    trace: list = []
    df = split_terms(differential(f, var, trace))

    def symbolic(child: Expr) -> Expr:
        if not child.depends_on(var.name):
            return B.zero(child.shape)
        if isinstance(child, Sym):
            return Diff(var)
        return DiffOf(child)

    seen = set()
    lines = []
    for fn, part, _ in trace:
        if isinstance(part, Sym) or part in seen:
            continue
        seen.add(part)
        step = RULES[type(part)](part, symbolic, var)
        if isinstance(part, MatFn) and isinstance(step, Frechet):   # it commutes: g'(U) dU
            step = B.mul(calculus.derivative(MATRIX_FUNCTIONS[part.name], part.arg, "matrix"),
                         DiffOf(part.arg))
        lines.append(Line(("d", part), step, _rule_note(fn)))
    more = len(lines) - MAX_RULE_LINES
    lines = lines[:MAX_RULE_LINES]
    if more > 0:
        lines.append(Line(None, None, f"… and {more} more rules"))
    lines.append(Line(("d", f), df, "so, putting the parts together"))
    sections.append(Section("The differential, one rule per operation", lines))

    # 3. reading off the derivative
    d_var = Diff(var)
    if var.is_scalar:
        g = map_leaves(df, lambda leaf: Num(Fraction(1)) if isinstance(leaf, Diff) else leaf)
        read = [Line(("d", f), _times(g, d_var), f"the differential is a multiple of d{var.name}")]
        rule = f"d f = G d{var.name}  ⇒  ∂f/∂{var.name} = G"
        parts = [g]
    else:
        terms = [t for t in (df.terms if isinstance(df, Add) else (df,)) if t.has_diff]
        read, parts = [], []
        for t in terms:
            if f.is_scalar:
                gi = rewrite(B.transpose(gradient(t, var)), [push_transpose])
                form = B.trace(_times(gi, d_var)) if var.is_matrix else _times(gi, d_var)
                note = ("cyclic: tr(A B) = tr(B A); tr(Mᵀ) = tr(M)" if var.is_matrix
                        else "a scalar equals its transpose")
            else:
                gi = rewrite(jacobian(t, var), [push_transpose])
                form = _times(gi, d_var)
                note = "collect the factor in front of dx"
            read.append(Line(t, form, note))
            parts.append(gi)
        if f.is_scalar and var.is_matrix:
            rule = f"d f = tr(G d{var.name})  ⇒  ∂f/∂{var.name} = G"
        elif f.is_scalar:
            rule = f"d f = G d{var.name}  ⇒  ∂f/∂{var.name} = G"
        else:
            rule = f"d f = J d{var.name}  ⇒  ∂f/∂{var.name} = J"
    g_sum = B.add(*parts) if parts else B.zero(result.numerator.shape)
    read.append(Line(("∂", var), g_sum, "numerator layout"))
    sections.append(Section(f"Reading off the derivative: {rule}", read))

    # 4. simplification, phase by phase
    chain = []
    current = g_sum
    for rules in (NORMALIZE, FACTOR, PRESENT):
        fired: list = []
        nxt = rewrite(current, rules, fired)
        if to_unicode(nxt) != to_unicode(current):
            notes = []
            for rule_fn, _, _ in fired:
                note = _simplify_note(rule_fn)
                if note not in notes:
                    notes.append(note)
            chain.append(Line("=", nxt, "; ".join(notes[:4]) + ("; …" if len(notes) > 4 else "")))
        current = nxt
    if to_unicode(current) != to_unicode(result.numerator):   # another route, same value
        chain.append(Line("=", result.numerator, "as matdiff d prints it"))
    if not chain:
        chain.append(Line(None, None, "nothing to simplify"))
    sections.append(Section("Simplification", chain))

    # 5. layout
    if layout == "numerator":
        final = [Line(("∂", var), result.expr, "numerator layout, as in the notes")]
    else:
        final = [Line(("∂", var), to_layout(result.numerator, "denominator"),
                      "denominator layout: the transpose of the numerator-layout result")]
    sections.append(Section("Result", final))
    return Explanation(result, sections)


def _times(g: Expr, d: Expr) -> Expr:
    """G dX as written: (c G) dX keeps G together rather than moving its scalars."""
    if isinstance(g, Mul) and (g.scalars or g.coeff != 1) or isinstance(g, Add):
        return Mul((g, d))
    return B.mul(g, d)


def split_terms(df: Expr) -> Expr:
    """d f as a sum of terms, each with one dX: tr(U + V) = tr(U) + tr(V), (U + V) W = U W + V W
    where U or V holds dX."""
    if isinstance(df, Add):
        return B.add(*(split_terms(t) for t in df.terms))
    if isinstance(df, Tr):
        inner = split_terms(df.arg)
        if isinstance(inner, Add):
            return B.add(*(split_terms(B.trace(t)) for t in inner.terms))
        return df
    if isinstance(df, Mul):
        for i, x in enumerate(df.factors):
            if isinstance(x, Add) and x.has_diff:
                fs = df.factors
                return B.add(*(split_terms(B.mul(*fs[:i], t, *fs[i + 1:])) for t in x.terms))
    return df


# ---------------------------------------------------------------------------
# rendering


def _lhs_unicode(lhs, result: Result) -> str:
    if isinstance(lhs, tuple) and lhs[0] == "d":
        node = lhs[1]
        if node is result.function or node == result.function:
            return "d f"
        text = to_unicode(node)
        atomic = isinstance(node, (Sym, Tr)) or text.endswith(")") and text[0].isalpha()
        return f"d {text}" if atomic else f"d({text})"
    if isinstance(lhs, tuple) and lhs[0] == "∂":
        return f"∂f/∂{pretty_name(lhs[1].name)}"
    if isinstance(lhs, Expr):
        return to_unicode(lhs)
    return str(lhs) if lhs is not None else ""


def _lhs_latex(lhs, result: Result) -> str:
    if isinstance(lhs, tuple) and lhs[0] == "d":
        node = lhs[1]
        if node == result.function:
            return r"\mathrm{d}f"
        return rf"\mathrm{{d}}\left({to_latex(node)}\right)"
    if isinstance(lhs, tuple) and lhs[0] == "∂":
        return rf"\frac{{\partial f}}{{\partial {to_latex(lhs[1])}}}"
    if isinstance(lhs, Expr):
        return to_latex(lhs)
    if lhs == "=":
        return ""
    return str(lhs) if lhs is not None else ""


def lines_plain(ex: Explanation):
    """(kind, text, note) rows: kind is 'title', 'text' or 'eq'."""
    r = ex.result
    for sec in ex.sections:
        yield "title", sec.title, ""
        if sec.text:
            yield "text", sec.text, ""
        for ln in sec.lines:
            if ln.rhs is None:
                yield "text", ln.note, ""
                continue
            lhs = _lhs_unicode(ln.lhs, r)
            eq = f"{lhs} = {to_unicode(ln.rhs)}" if lhs not in ("", "=") else f"= {to_unicode(ln.rhs)}"
            yield "eq", eq, ln.note


def to_plain(ex: Explanation) -> str:
    out = []
    for kind, text, note in lines_plain(ex):
        if kind == "title":
            out.append(("" if not out else "\n") + text)
        elif kind == "text":
            out.append(f"  {text}")
        else:
            out.append(f"  {text}" + (f"    [{note}]" if note else ""))
    return "\n".join(out)


def to_markdown(ex: Explanation) -> str:
    """Markdown with LaTeX: a heading per step, one display equation per line."""
    r = ex.result
    out = [f"## ∂f/∂{r.var.name} for f = `{r.source}`", ""]
    for sec in ex.sections:
        out += [f"### {sec.title}", ""]
        if sec.text:
            out += [sec.text, ""]
        for ln in sec.lines:
            if ln.rhs is None:
                out += [ln.note, ""]
                continue
            lhs = _lhs_latex(ln.lhs, r)
            eq = f"{lhs} = {to_latex(ln.rhs)}" if lhs else f"= {to_latex(ln.rhs)}"
            out.append(f"$$ {eq} $$")
            if ln.note:
                out.append(f"*{ln.note}*")
            out.append("")
    return "\n".join(out).rstrip() + "\n"
