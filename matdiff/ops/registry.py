"""The record of an operation, and the table of all of them.

Everything matdiff knows about one operation is in its `Op` record: the names
it is called by, its shape rule, its smart constructor, its differential, its
read-off rules (for operations that are linear in an argument), how a transpose
moves through it, how it prints (text, Unicode, LaTeX, NumPy) and how it is
evaluated. The stages of the pipeline look records up here and never branch on
the operation themselves; adding a function is one record (plus its tests).

Calling conventions (`e` is the node, its arguments `e.args`):
  check(ck, raw, args)  -> Expr   shape rule (stage 2): `ck` is the shape checker, which
                                  offers unification and errors that name operands
  shape(args)           -> shape  the node's shape from its arguments' shapes
  build(*args)          -> Expr   the smart constructor (tidy forms: tr(s) = s, ...)
  d(e, d)               -> Expr   the differential; `d(child)` differentiates a child
  cotangent(e, i, C)    -> Expr   for an operation linear in argument i: the C' with
                                  ⟨C, e⟩ = ⟨C', args[i]⟩ (read-off of scalar functions)
  jacobian(e, i, L)     -> Expr   the L' with L vec(e) = L' vec(args[i]) (vec-Jacobians)
  transpose(e)          -> Expr   eᵀ with the transpose moved inside (or None: it stays)
  text/unicode/latex(p, e) -> str, numpy(p, e) -> (code, precedence): printing; `p` is
                                  the printer, with `p.p(x, prec)` and `p.func(name, *args)`
  evaluate(np, vals, e) -> array  the value from the arguments' values (2-D arrays)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional


@dataclass
class Op:
    name: str
    summary: str = ""
    spellings: tuple = ()                 # other names it may be called by
    arity: tuple = (1,)
    check: Optional[Callable] = None
    shape: Optional[Callable] = None
    build: Optional[Callable] = None
    d: Optional[Callable] = None
    derivative: str = ""                  # the identity, for the README's table
    cotangent: Optional[Callable] = None
    jacobian: Optional[Callable] = None
    transpose: Optional[Callable] = None
    text: Optional[Callable] = None
    unicode: Optional[Callable] = None
    latex: Optional[Callable] = None
    latex_name: str = ""
    numpy: Optional[Callable] = None
    evaluate: Optional[Callable] = None
    key: Optional[Callable] = None        # canonical key (default: op and argument keys)
    elementwise: bool = False
    deriv: Optional[Callable] = None      # element-wise and matrix functions: f'(u)
    family: str = ""                      # README grouping
    extra: dict = field(default_factory=dict)


OPS: dict[str, Op] = {}
CALL_NAMES: dict[str, str] = {}           # a name in a call -> the op it means


def register(op: Op) -> Op:
    if op.name in OPS:
        raise ValueError(f"operation {op.name} registered twice")
    OPS[op.name] = op
    if op.check is not None and not op.extra.get("internal"):
        for s in (op.name,) + tuple(op.spellings):
            CALL_NAMES[s] = op.name
    return op


def call_name(name: str, op: str) -> None:
    """`name(...)` in the input means the operation `op` (e.g. inv, norm2)."""
    CALL_NAMES[name] = op
