"""Rendering (stage 7): a `Result` as text, Unicode, LaTeX, NumPy code or JSON.

Machine formats (text, latex, numpy, json) are plain strings built here and never
pass through rich; only `pretty` uses rich, and only the CLI decides when.
"""

from __future__ import annotations

import json

from ..expr import Expr
from ..textform import to_text
from .latex import to_latex
from .numpy import to_numpy
from .unicode import pretty_name, to_unicode

FORMATS = ("pretty", "text", "latex", "json", "numpy")


def dims_text(shape) -> list:
    return [d if isinstance(d, int) else str(d) for d in shape]


def names_table(typed) -> dict:
    """Each name's kind and shape (and whether symmetric, or an abstract function)."""
    names = {}
    for name, s in sorted(typed.symbols.items()):
        names[name] = {"kind": s.kind, "shape": dims_text(s.shape),
                       **({"symmetric": True} if s.symmetric else {})}
    for name, shape in sorted(typed.functions.items()):
        kind = "scalar" if shape == (1, 1) else "vector" if shape[1] == 1 else "matrix"
        names[name] = {"kind": kind, "shape": dims_text(shape), "function": True}
    return names


def numpy_code(result) -> str:
    t = result.typed
    return to_numpy(result.expr, t.symbols, t.functions, result.layout)


def text_of(result) -> str:
    t = result.typed
    return to_text(result.expr, t.style, t.symbols.values())


def as_json(result) -> dict:
    """The stable JSON object of a result (documented in README.md)."""
    t = result.typed
    out = {
        "input": result.source,
        "wrt": result.wrt if len(result.wrts) == 1 else list(result.wrts),
        "layout": result.layout,
        "derivative": result.kind,
        "names": names_table(t),
        "result": text_of(result),
        "latex": to_latex(result.expr),
        "numpy": numpy_code(result),
        "shape": dims_text(result.expr.shape),
    }
    if result.convention:
        out["convention"] = result.convention
    if t.functions:
        out["abstract_functions"] = sorted(t.functions)
    if result.notes:
        out["notes"] = list(result.notes)
    return out


def render(result, fmt: str) -> str:
    """A result in a machine format: text, latex, numpy or json (one line)."""
    if fmt == "text":
        return text_of(result)
    if fmt == "latex":
        return to_latex(result.expr)
    if fmt == "numpy":
        return numpy_code(result)
    if fmt == "json":
        return json.dumps(as_json(result), ensure_ascii=False)
    if fmt == "pretty":
        return to_unicode(result.expr)
    raise ValueError(f"unknown format {fmt!r}")


def pretty_lines(result):
    """(label, formula) for the terminal: ∂f/∂X and the result in Unicode."""
    f = to_unicode(result.function)
    if len(result.wrts) == 1:
        var = pretty_name(result.wrt)
        label = f"∂/∂{var} {f}" if len(f) <= 40 else f"∂f/∂{var}"
    else:
        a, b = (pretty_name(w) for w in result.wrts)
        den = f"∂{a}²" if a == b else f"∂{a} ∂{b}"
        label = f"∂²/{den} {f}" if len(f) <= 40 else f"∂²f/{den}"
    return label, to_unicode(result.expr)


__all__ = ["FORMATS", "render", "as_json", "numpy_code", "pretty_lines", "to_text", "to_latex",
           "to_unicode", "Expr", "text_of"]
