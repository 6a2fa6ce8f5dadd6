"""The one rewrite engine: drive an ordered list of rules to a fixed point.

A rule is a pure function `rule(e) -> Expr | None` that looks at one node (whose
children are already simplified) and returns a rewritten node or None. The
engine works bottom-up: it simplifies the children, rebuilds the node through
the smart constructors, tries the rules in order and, when one fires,
simplifies its result from scratch. Each rule states the measure it decreases,
which is why the process ends; a depth guard turns a mistake into an error
instead of a hang.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional

from .. import build as B
from ..expr import (Add, Adj, Cross, Det, Diag, DiagOf, Expr, Had, HadPow, Kron, LogDet, MatPow, Mul,
                    Norm, Pinv, Pow, Skew, T, Tr)

Rule = Callable[[Expr], Optional[Expr]]
MAX_DEPTH = 400


def tidy(e: Expr) -> Expr:
    """Re-run the smart constructor of e's node type on its children."""
    if isinstance(e, Add):
        return B.add(*e.terms)
    if isinstance(e, Mul):
        return B.mul(*e.factors)
    if isinstance(e, T):
        return B.transpose(e.arg)
    if isinstance(e, Pow):
        return B.power(e.base, e.exp)
    if isinstance(e, MatPow):
        return B.power(e.base, e.n)
    if isinstance(e, Tr):
        return B.trace(e.arg)
    if isinstance(e, Det):
        return B.det(e.arg)
    if isinstance(e, LogDet):
        return B.logdet(e.arg)
    if isinstance(e, Adj):
        return B.adj(e.arg)
    if isinstance(e, Pinv):
        return B.pinv(e.arg)
    if isinstance(e, Had):
        return B.had(*e.factors)
    if isinstance(e, HadPow):
        return B.hadpow(e.base, e.exp)
    if isinstance(e, Kron):
        return B.kron(e.a, e.b)
    if isinstance(e, Cross):
        return B.cross(e.a, e.b)
    if isinstance(e, (Diag, DiagOf)):
        return B.diag(e.arg)
    if isinstance(e, Skew):
        return B.skew(e.arg)
    if isinstance(e, Norm):
        return B.norm(e.arg)
    return e


class RewriteLoop(RuntimeError):
    pass


def rewrite(e: Expr, rules: Iterable[Rule], trace: list | None = None) -> Expr:
    """e with the rules applied everywhere, until none applies. With `trace`, every
    firing is appended to it as (rule, node before, node after)."""
    rules = tuple(rules)
    memo: dict[Expr, Expr] = {}
    depth = 0

    def go(x: Expr) -> Expr:
        nonlocal depth
        done = memo.get(x)
        if done is not None:
            return done
        depth += 1
        if depth > MAX_DEPTH:
            raise RewriteLoop(f"simplification does not terminate near {x!r}")
        try:
            y = tidy(x.rebuild(go))
            if y != x and y in memo:
                y = memo[y]
            else:
                for r in rules:
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
