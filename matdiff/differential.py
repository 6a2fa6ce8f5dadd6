"""Differentials: d f in terms of dX (stage 3 of the pipeline).

Following Magnus & Neudecker, every derivative is read off a differential: the
rule of each operation (its record's `d`, in `matdiff.ops`) computes d f, an
expression linear in the one unknown `Diff(X)`, and `matdiff.readoff` reads the
derivative off it. This module is the one traversal: it differentiates each node
once (memoised), gives constants a zero, and records the rules it used for
`explain`. An operation without a rule raises `UnsupportedError`.
"""

from __future__ import annotations

import re
from typing import Callable

from . import build as B
from .errors import UnsupportedError
from .expr import Diff, DiffOf, Expr, Sym
from .ops import record


def identity_of(fn: Callable) -> str:
    """A rule's identity: its docstring up to the first parenthesised reference."""
    doc = " ".join((fn.__doc__ or "").split())
    return re.split(r" \((?=§|MC|Golub|U invertible|Higham|Bishop|MN|the )", doc)[0].rstrip(".;")


def one_step(rec, x: Expr, var: Sym) -> Expr:
    """The rule of `rec` applied to x with its parts' differentials left symbolic,
    d(U V) = d(U) V + U d(V): how `explain` shows the step."""
    def symbolic(child: Expr) -> Expr:
        if not child.depends_on(var.name):
            return B.zero(child.shape)
        if isinstance(child, Sym):
            return Diff(var)
        return DiffOf(child)
    try:
        return rec.d(x, symbolic)
    except Exception:       # noqa: BLE001 - a rule that needs its parts' values: show the result
        return None


def differential(e: Expr, var: Sym, trace: list | None = None) -> Expr:
    """d e, linear in Diff(var). With `trace`, each rule used is appended to it as
    (record, node, its differential, the rule's one-step form), outermost first."""
    memo: dict[Expr, Expr] = {}

    def d(x: Expr) -> Expr:
        if not x.depends_on(var.name):
            return B.zero(x.shape)
        if isinstance(x, Sym):
            return Diff(var) if x.name == var.name else B.zero(x.shape)
        done = memo.get(x)
        if done is not None:
            return done
        rec = record(x.op)
        if rec.d is None:
            raise UnsupportedError(f"no differential rule for {rec.name} ({x})")
        slot = None
        if trace is not None:
            slot = len(trace)
            trace.append(None)
        out = rec.d(x, d)
        if slot is not None:
            trace[slot] = (rec, x, out, one_step(rec, x, var))
        memo[x] = out
        return out

    return d(e)
