"""The cost of a form: how the simplifier chooses between equal expressions.

An explicit count over the tree, not the length of a printed string: every name,
number, operator and function application is one token, a transpose one more, and
the parentheses a printer would need around a sum inside a product or under a
postfix operator one more. Two forms of one value are compared by this count (and,
when it ties, by the number of leaves: `measure`); the factoring and presentation rules
fire only when it strictly decreases.
"""

from __future__ import annotations

from functools import lru_cache

from ..expr import (Add, Expr, Fn, Had, HadPow, Kron, MatPow, Mul, Num, Pow, T)


def _num_cost(e: Num) -> int:
    v = e.value
    return (1 if v.denominator == 1 else 2) + (1 if v < 0 else 0)


def _wrapped(e: Expr) -> int:
    """Parentheses around e as an operand of a product or a postfix operator."""
    return 1 if isinstance(e, (Add, Had)) or (isinstance(e, Mul) and len(e.factors) > 1) else 0


@lru_cache(maxsize=200_000)
def cost(e: Expr) -> int:
    if isinstance(e, Num):
        return _num_cost(e)
    if not e.children:
        return 1
    if isinstance(e, Add):
        return sum(cost(t) for t in e.terms) + len(e.terms) - 1
    if isinstance(e, Mul):
        total = 0
        for f in e.factors:
            if isinstance(f, Num):
                total += 1 if f.value not in (1, -1) else 0
                continue
            total += cost(f) + (1 if isinstance(f, Add) else 0)
        return total
    if isinstance(e, T):
        return cost(e.arg) + 1 + _wrapped(e.arg)
    if isinstance(e, (Pow, MatPow, HadPow)):
        base = _wrapped(e.base)
        if isinstance(e.base, (T, Pow, MatPow, HadPow)):
            inverse_t = isinstance(e, MatPow) and isinstance(e.base, T) and \
                isinstance(e.exp, Num) and e.exp.value == -1
            base = 0 if inverse_t else 1          # X^-T; otherwise (X^T)^2
        return cost(e.base) + cost(e.exp) + base
    if isinstance(e, (Kron, Had)):
        return sum(cost(c) for c in e.children) + 1
    if isinstance(e, Fn):
        return 1 + sum(cost(a) for a in e.args)
    return 1 + sum(cost(c) for c in e.children)


@lru_cache(maxsize=200_000)
def leaves(e: Expr) -> int:
    """How many times vectors and matrices are written (scalars are not counted)."""
    if not e.children:
        return 0 if e.is_scalar else 1
    return sum(leaves(c) for c in e.children)


def measure(e: Expr) -> tuple:
    """(cost, leaves): equal costs are decided for the form that writes its vectors and
    matrices fewer times, x (a - b)ᵀ rather than x aᵀ - x bᵀ (while 2 t + 3 t² stays)."""
    return cost(e), leaves(e)
