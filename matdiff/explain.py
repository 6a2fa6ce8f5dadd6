"""Explanations: the derivation step by step, in the seed's own style (`matdiff explain`).

It shows the one derivation `matdiff d` made (the `Step`s of a `Result`), not a
second one of its own:
  1. the function and the kind of derivative (from the kind table);
  2. the differential, one rule per operation, each with its identity;
  3. the read-off the kind prescribes (d f = G dt, d f = tr(Gᵀ dX), d vec F = J d vec X),
     term by term, with what each term contributes;
  4. the simplification, phase by phase, naming the rules that fired;
  5. the result in the chosen layout (and, for a symmetric variable, the convention).
A second derivative shows the first derivation, then the differential of its result.
An `Explanation` is data; `to_plain`, `to_markdown` and the CLI's rich printer render it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import build as B
from .core import Result, differentiate
from .derivative import Step
from .readoff import terms_of
from .differential import identity_of
from .expr import Diff, Expr, Fn, Sym, shape_str
from .render.latex import LatexPrinter
from .render.unicode import UnicodePrinter, pretty_name
from .shapes import Declarations
from .simplify.engine import rewrite
from .simplify.rules import push_transpose
from .textform import TextStyle

MAX_RULE_LINES = 14

_U = UnicodePrinter(TextStyle(det_bars=True))
_L = LatexPrinter()


def to_unicode(e: Expr) -> str:
    return _U(e)


def to_latex(e: Expr) -> str:
    return _L(e)


@dataclass
class Line:
    """lhs = rhs, with a note; lhs may be an expression, ("d", expr), ("∂", var) or text."""

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


def _title(rec) -> str:
    return rec.summary.split(" (")[0].split(",")[0].split(":")[0]


def _rule_note(rec) -> str:
    return f"{_title(rec)}: {identity_of(rec.d)}" if rec.d.__doc__ else _title(rec)


def explain(source: str, wrt, layout: str = "numerator", decls: Declarations | None = None,
            convention: str = "sym") -> Explanation:
    result = differentiate(source, wrt, layout, decls, convention)
    sections = []
    for k, step in enumerate(result.steps):
        if k == 1:
            first = result.steps[0]
            taken = ("the gradient (the shape of the variable)" if first.function.is_scalar
                     and not first.var.is_scalar else "the first derivative")
            sections.append(Section(
                f"Differentiating again, by {step.var.name}",
                [Line("g", step.function, "")],
                f"The second derivative is the derivative of {taken} by {step.var.name}."))
        sections += _step_sections(step, result, k)
    sections.append(_result_section(result, layout))
    return Explanation(result, sections)


def _step_sections(step: Step, result: Result, k: int) -> list:
    f, var, kind = step.function, step.var, step.kind
    out = []
    if k == 0:
        var_desc = "scalar" if var.is_scalar else f"{shape_str(var.shape)} {var.kind_word}"
        sym = ""
        if kind.symmetric:
            sym = (f" {var.name} is symmetric: the {kind.symmetric} convention "
                   "(see the result).")
        out.append(Section("The function", [Line("f", f)],
                           f"A {f.kind_word} function of the {var_desc} {var.name}: its "
                           f"derivative is {kind.name.replace('-', ' ')}.{sym}"))

    # the differential, one rule per operation
    lines = []
    for rec, node, full, one in step.rules:
        if isinstance(node, Sym):
            continue
        shown = one if one is not None else full
        lines.append(Line(("d", node), shown, _rule_note(rec)))
    more = len(lines) - MAX_RULE_LINES
    lines = lines[:MAX_RULE_LINES]
    if more > 0:
        lines.append(Line(None, None, f"… and {more} more rules"))
    lines.append(Line(("d", f), B.add(*terms_of(step.differential)),
                      "so, putting the parts together"))
    out.append(Section("The differential, one rule per operation", lines))

    # the read-off
    d_var = Diff(var)
    read = []
    shown_parts = []
    for term, part, used in step.parts:
        form, g = _identified(kind, part, d_var)
        notes = [_readoff_note(kind, var)] + [identity_of(r) for r in used
                                              if getattr(r, "__doc__", None) and r.__doc__
                                              and r.__name__ not in _PLAIN_RULES]
        if isinstance(term, Expr) and to_unicode(term) == to_unicode(form) and \
                not [r for r in used if r.__name__ not in _PLAIN_RULES]:
            notes = ["already in the form"]        # xᵀ A dx: nothing to rewrite
        read.append(Line(term, form, "; ".join(dict.fromkeys(notes))))
        shown_parts.append(g)
    raw = step.raw if kind.symmetric or not shown_parts else B.add(*shown_parts)
    read.append(Line(("∂", var, "g" if k else "f"), raw, _raw_note(kind)))
    ident = _identification(kind, var)
    if k:
        ident = ident.replace("d f", "d g").replace("∂f", "∂g").replace("vec F", "vec G")
    out.append(Section(f"Reading off the derivative: {ident}", read))

    # the simplification
    chain = []
    fired: list = []
    shown = raw                 # as the read-off section last showed it
    for entry in step.simplification:
        if entry[0] == "phase":
            _, name, form = entry
            if to_unicode(form) != to_unicode(shown):
                notes = []
                for rule_fn in fired:
                    t = getattr(rule_fn, "title", rule_fn.__name__.replace("_", " "))
                    if t not in notes:
                        notes.append(t)
                chain.append(Line("=", form, "; ".join(notes[:4])
                                  + ("; …" if len(notes) > 4 else "")))
                shown = form
            fired = []
        else:
            fired.append(entry[0])
    if not chain:
        chain.append(Line(None, None, "nothing to simplify"))
    out.append(Section("Simplification", chain))
    return out


# read-off rules that the general note already states (products and transposes)
_PLAIN_RULES = {"cot_mul", "jac_mul", "jac_transpose"}


def _identified(kind, part: Expr, d_var: Expr):
    """(the term in the identification's form, the part of the derivative it gives):
    G dt, tr(G dX) or G dx with G in numerator layout, J dx, J d vec X."""
    if kind.readoff == "substitute":
        return _times(part, d_var), part
    if kind.readoff == "gradient":
        g = part if kind.symmetric else rewrite(B.transpose(part), [push_transpose])
        if d_var.var.is_matrix:
            return Fn("tr", (_times(g, d_var),)), g
        return _times(g, d_var), g
    if kind.is_vec_jacobian:
        return _times(part, Fn("vec", (d_var,)) if d_var.var.is_matrix else d_var), part
    return _times(part, d_var), part


def _identification(kind, var) -> str:
    v = pretty_name(var.name)
    if kind.readoff == "substitute":
        return f"d f = G d{v}  ⇒  ∂f/∂{v} = G"
    if kind.readoff == "gradient":
        if var.is_matrix:
            return f"d f = tr(G d{v})  ⇒  ∂f/∂{v} = G"
        return f"d f = G d{v}  ⇒  ∂f/∂{v} = G"
    if kind.is_vec_jacobian:
        dv = f"d vec {v}" if var.is_matrix else f"d{v}"
        return f"d vec F = J {dv}  ⇒  ∂F/∂{v} = J (the vec-Jacobian)"
    return f"d f = J d{v}  ⇒  ∂f/∂{v} = J"


def _readoff_note(kind, var) -> str:
    if kind.readoff == "gradient":
        if var.is_matrix:
            return "cyclic: tr(A B) = tr(B A); tr(Mᵀ) = tr(M)"
        return "a scalar equals its transpose"
    if kind.readoff == "vec-jacobian":
        if kind.is_vec_jacobian:
            return "vec(A U B) = (Bᵀ ⊗ A) vec U"
        return "collect the factor in front of dx"
    return f"the differential is a multiple of d{var.name}"


def _raw_note(kind) -> str:
    if kind.symmetric:
        return f"the {kind.symmetric} convention for a symmetric variable"
    if kind.readoff == "gradient":
        return "numerator layout: the transpose of G"
    return "numerator layout"


def _times(g: Expr, d: Expr) -> Expr:
    """G dX as written: (c G) dX keeps G together rather than moving its scalars."""
    from .expr import Add, Mul
    if isinstance(g, Mul) and (g.scalars or g.coeff != 1) or isinstance(g, Add):
        return Mul((g, d))
    return B.mul(g, d)


def _result_section(result: Result, layout: str) -> Section:
    var = result.variables[0]
    lhs = ("∂", result.variables)
    if result.convention:
        conv = {"sym": "sym(G) = (G + Gᵀ)/2, the gradient on the symmetric matrices "
                       "(Srinivasan & Panda)",
                "cookbook": "G + Gᵀ − G ∘ I, the Matrix Cookbook's derivative by the "
                            "independent entries (MC §2.8)"}[result.convention]
        return Section("Result", [Line(lhs, result.expr, f"{var.name} symmetric: {conv}")])
    if layout == "numerator":
        return Section("Result", [Line(lhs, result.expr, "numerator layout, as in the notes")])
    return Section("Result", [Line(lhs, result.expr, "denominator layout: the transpose of "
                                                     "the numerator-layout result")])


# ---------------------------------------------------------------------------
# rendering


def _partial(variables, f: str = "f") -> str:
    if isinstance(variables, Sym):
        variables = (variables,)
    if len(variables) == 1:
        return f"∂{f}/∂{pretty_name(variables[0].name)}"
    a, b = (pretty_name(v.name) for v in variables)
    return f"∂²f/∂{a}∂{b}"


def _lhs_unicode(lhs, result: Result) -> str:
    if isinstance(lhs, tuple) and lhs[0] == "d":
        node = lhs[1]
        if node is result.function or node == result.function:
            return "d f"
        if len(result.steps) > 1 and node == result.steps[1].function:
            return "d g"
        text = to_unicode(node)
        atomic = isinstance(node, Sym) or (text.endswith(")") and text[0].isalpha()
                                           and text.count("(") == 1)
        return f"d {text}" if atomic else f"d({text})"
    if isinstance(lhs, tuple) and lhs[0] == "∂":
        return _partial(lhs[1], *lhs[2:])
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
        vs = lhs[1] if isinstance(lhs[1], tuple) else (lhs[1],)
        if len(vs) == 1:
            return rf"\frac{{\partial f}}{{\partial {to_latex(vs[0])}}}"
        return (rf"\frac{{\partial^2 f}}{{\partial {to_latex(vs[0])}\,"
                rf"\partial {to_latex(vs[1])}}}")
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
            eq = f"{lhs} = {to_unicode(ln.rhs)}" if lhs not in ("", "=") else \
                f"= {to_unicode(ln.rhs)}"
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
    out = [f"## {_partial(r.variables)} for f = `{r.source}`", ""]
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



