"""What random inputs must respect, for the numerical checks (`matdiff.numeric`) and the
check of a generated module (`matdiff.render.python`): the range of each index of an
entry (x[i], X[i, j]) and the domain of each name that a function defined on part of the
line takes as its argument. Read off the expression; nothing here imports NumPy."""

from __future__ import annotations

from .expr import Fn, HadPow, Index, Pow, Sym, T, int_value
from .ops import record


def index_ranges(exprs) -> dict:
    """The symbolic indices of entries (x[i], X[i, j]) and the dimensions each must stay
    below (an index used for rows and for columns, X[i, i], below both)."""
    out: dict = {}
    for e in exprs:
        for x in e.walk():
            if isinstance(x, Index) and x.arg is not None:
                a = x.arg
                pairs = [(x.i, a.rows if a.cols == 1 else a.cols)] if x.j is None \
                    else [(x.i, a.rows), (x.j, a.cols)]
                for name, d in pairs:
                    if not name.isdigit() and d not in out.setdefault(name, []):
                        out[name].append(d)
    return out


def domains_of(exprs) -> dict:
    """The names that are, themselves, the argument of a function defined on part of the
    line (log, sqrt, arcsin, ...: the record's `domain`) or the base of a power with a
    fractional or symbolic exponent (positive), with the (low, high) to draw them from."""
    out: dict = {}
    for e in exprs:
        for x in e.walk():
            arg, dom = None, None
            if isinstance(x, Fn) and x.args and record(x.op).extra.get("domain"):
                arg, dom = x.args[0], record(x.op).extra["domain"]
            elif isinstance(x, (Pow, HadPow)) and int_value(x.exp) is None:
                arg, dom = x.base, (0, None)
            if isinstance(arg, T):
                arg = arg.arg
            if isinstance(arg, Sym) and arg.name not in out:
                out[arg.name] = dom
    return out
