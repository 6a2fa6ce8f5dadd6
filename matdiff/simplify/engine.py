"""The one rewrite engine: drive a catalogue of rules to a fixed point.

A rule is a pure function `rule(e) -> Expr | None` that looks at one node (whose
children are already simplified) and returns a rewritten node or None. Rules are
indexed by the operation at the root of the node they can match (`@rule("tr", ...)`),
so the engine tries only those. The engine works bottom-up: it simplifies the
children, rebuilds the node through the smart constructors, tries the node's rules
in order and, when one fires, simplifies its result from scratch. Each rule states
the measure it decreases, which is why the process ends; a depth guard turns a
mistake into an error instead of a hang.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional

from .. import build as B
from ..errors import UnsupportedError
from ..expr import Add, Expr, Fn, Had, HadPow, Kron, MatPow, Mul, Pow, T

Rule = Callable[[Expr], Optional[Expr]]
MAX_DEPTH = 600


def rule(*ops: str, title: str):
    """Mark fn as a rewrite rule for nodes whose operation is in `ops` (all nodes when
    none are given); `title` names it in explanations."""
    def mark(fn):
        fn.ops = frozenset(ops) if ops else None
        fn.title = title
        return fn
    return mark


def tidy(e: Expr) -> Expr:
    """Re-run the smart constructor of e's node type on its children."""
    if isinstance(e, Add):
        return B.add(*e.terms)
    if isinstance(e, Mul):
        return B.mul(*e.factors)
    if isinstance(e, T):
        return B.transpose(e.arg)
    if isinstance(e, (Pow, MatPow)):
        return B.power(e.base, e.exp)
    if isinstance(e, Had):
        return B.had(*e.factors)
    if isinstance(e, HadPow):
        return B.hadpow(e.base, e.exp)
    if isinstance(e, Kron):
        return B.kron(e.a, e.b)
    if isinstance(e, Fn):
        return B.fn(e.op, *e.args)
    return e


class RewriteLoop(UnsupportedError):
    """The simplifier did not reach a fixed point (a bug, reported cleanly)."""


class Catalogue:
    """Rules indexed by the operation at the root of the nodes they match."""

    MEMO_LIMIT = 100_000

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        self.by_op: dict = {}
        self.memo: dict = {}      # node -> its fixed point: the rules are pure, so it lasts

    def for_op(self, op: str) -> tuple:
        got = self.by_op.get(op)
        if got is None:
            got = tuple(r for r in self.rules if getattr(r, "ops", None) is None or op in r.ops)
            self.by_op[op] = got
        return got

    def __add__(self, other) -> "Catalogue":
        return Catalogue(self.rules + tuple(other))


def rewrite(e: Expr, rules, trace: list | None = None) -> Expr:
    """e with the rules applied everywhere, until none applies. With `trace`, every
    firing is appended to it as (rule, node before, node after)."""
    cat = rules if isinstance(rules, Catalogue) else Catalogue(rules)
    if trace is None:
        if len(cat.memo) > cat.MEMO_LIMIT:
            cat.memo.clear()
        memo = cat.memo
    else:
        memo = {}                 # a trace needs every firing, not remembered results
    depth = 0

    def go(x: Expr) -> Expr:
        nonlocal depth
        done = memo.get(x)
        if done is not None:
            return done
        depth += 1
        if depth > MAX_DEPTH:
            raise RewriteLoop(f"simplification does not terminate near {x}")
        try:
            y = tidy(x.rebuild(go))
            if y != x and y in memo:
                y = memo[y]
            else:
                for r in cat.for_op(y.op):
                    z = r(y)
                    if z is not None and z != y:
                        if trace is not None:
                            trace.append((r, y, z))
                        y = go(z)
                        break
        finally:
            depth -= 1
        memo[x] = y
        memo[y] = y
        return y

    return go(e)
