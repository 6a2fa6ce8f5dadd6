"""Printing the evaluation form: shared values computed once, as NumPy code.

`Program(roots)` finds the values that the roots compute more than once (by the keys of
`matdiff.codegen.ir`: a matrix and its transpose are one value, `t0.T` is free) and
that are worth a name (at least linear in n in the cost model: a product, a solve, a
function of an array), and prints:

* `expression(i)`: root i as ONE Python expression, a shared value named where it is
  first evaluated with an assignment expression, `(t0 := A @ x)`, and reused after
  (Python evaluates left to right, so the first occurrence in the text is the first
  computed);
* `statements(...)`: the roots as assignments `t0 = ...` followed by the roots'
  expressions, for `--format python`.

The printer is `matdiff.render.numpy.NumpyPrinter` (every named operation prints through
its record's `numpy` entry) with products printed in their evaluation order and with
1-D vectors: a column times a row is `np.outer`, `Aᵀ x` is `x @ A`; diag(v) M is
`v[:, None] * M`, M diag(v) is `M * v` (and `u * v` between vectors); a sum of outer
products is one product of stacked vectors, `np.array((u1, u2)).T @ np.array((v1, v2))`;
an inverse is `scipy.linalg.inv(X)` (LAPACK's getri: about 15% faster than
`np.linalg.inv`, which solves against the identity); a shared factorisation is
`scipy.linalg.lu_factor(X)`, named like any shared value, and
its solves `scipy.linalg.lu_solve(t0, b)` (`trans=1` for Xᵀ).
"""

from __future__ import annotations

import re

from ..expr import Expr, Fn, T, int_value
from .printer import ATOM, MUL, POW, NumpyPrinter, kind
from . import cost as C
from .ir import (LU, LUSolve, OuterSum, Prod, Solve, TraceProd, canonical, diag_vector, operands,
                 scaling_operand, transpose)
from .optimize import LEAVES, step_cost, total_cost

MARK = re.compile("\x00(\\d+)(t?)\x01")


def worth_naming(e: Expr) -> bool:
    """A shared value gets a name when computing it is at least linear in n."""
    if isinstance(e, LEAVES) or isinstance(e, T) and isinstance(e.arg, LEAVES):
        return False
    return total_cost(e) >= C.N


class CodePrinter(NumpyPrinter):
    """NumPy code of the evaluation form; shared values print as markers."""

    def __init__(self, dims: dict, layout: str, shared: dict) -> None:
        super().__init__(dims, layout)
        self.shared = shared          # canonical key -> (id, key of the named orientation)
        self.defining = None

    def p(self, e: Expr):
        if self.shared and not isinstance(e, LEAVES) and e is not self.defining:
            k, _ = canonical(e)
            got = self.shared.get(k)
            if got is not None:
                tid, named = got
                flip = not kind(e) in ("col", "row", "scalar") and _orient(e) != named
                return f"\x00{tid}{'t' if flip else ''}\x01", ATOM
        return super().p(e)

    def define(self, e: Expr) -> str:
        self.defining = e
        try:
            return super().p(e)[0]
        finally:
            self.defining = None

    def p_Prod(self, e: Prod):
        a, b = e.a, e.b
        ka, kb = kind(a), kind(b)
        sc = scaling_operand(e)
        if sc is not None:                      # diag(v) M, M diag(v): broadcasting
            v, other, side = sc
            if diag_vector(other) is not None:
                return f"np.diag({self.at(v, MUL)} * {self.at(diag_vector(other), POW)})", ATOM
            if side == "left" and kind(other) == "matrix":
                return f"{self.at(v, ATOM)}[:, None] * {self.at(other, POW)}", MUL
            if side == "left":
                return f"{self.at(v, MUL)} * {self.at(other, POW)}", MUL
            return f"{self.at(other, MUL)} * {self.at(v, POW)}", MUL
        if ka == "col" and kb == "row":
            return f"np.outer({self.p(a)[0]}, {self.p(b)[0]})", ATOM
        if ka == "scalar" or kb == "scalar":                       # (xᵀ a) bᵀ: a scaling
            return f"{self.at(a, MUL)}*{self.at(b, POW)}", MUL
        if kb == "col" and isinstance(a, T) and a.is_matrix:        # Aᵀ x = x @ A
            return f"{self.at(b, MUL)} @ {self.at(a.arg, POW)}", MUL
        if ka == "row" and isinstance(b, T) and b.is_matrix:        # xᵀ Aᵀ = A @ x
            return f"{self.at(b.arg, MUL)} @ {self.at(a, POW)}", MUL
        return f"{self.at(a, MUL)} @ {self.at(b, POW)}", MUL

    def p_MatPow(self, e):
        if int_value(e.exp) == -1:      # getrf + getri: faster than np.linalg.inv's gesv
            return f"scipy.linalg.inv({self.p(e.base)[0]})", ATOM
        return super().p_MatPow(e)

    def p_Solve(self, e: Solve):
        return f"np.linalg.solve({self.p(e.a)[0]}, {self.p(e.b)[0]})", ATOM

    def p_LU(self, e: LU):
        return f"scipy.linalg.lu_factor({self.p(e.a)[0]})", ATOM

    def p_LUSolve(self, e: LUSolve):
        trans = ", trans=1" if e.trans else ""
        return f"scipy.linalg.lu_solve({self.p(e.a)[0]}, {self.p(e.b)[0]}{trans})", ATOM

    def p_OuterSum(self, e: OuterSum):
        # [u₁ u₂ ...] [v₁ v₂ ...]ᵀ: np.array of the vectors is the cheapest stacking
        # (measured against np.stack, np.column_stack and np.vstack at n = 400, 1600)
        cols = ", ".join(self.p(a)[0] for a in e.args[0::2])
        rows = ", ".join(self.p(a)[0] for a in e.args[1::2])
        return f"np.array(({cols})).T @ np.array(({rows}))", MUL

    def p_TraceProd(self, e: TraceProd):
        return f"np.sum({self.at(e.a, MUL)} * {self.at(transpose(e.b), POW)})", ATOM


def _orient(e: Expr):
    from .ir import key
    return key(e)


class Program:
    """The roots' evaluation forms with their shared values found."""

    def __init__(self, roots: list, dims: dict, layout: str, share: bool = True) -> None:
        self.roots = list(roots)
        self.shared: dict = {}
        self.nodes: list = []            # id -> the node that defines it
        if share:
            self._find_shared()
        self.printer = CodePrinter(dims, layout, self.shared)
        self.bodies = [self.printer.define(n) for n in self.nodes]

    def _find_shared(self) -> None:
        count: dict = {}
        first: dict = {}

        def walk(e: Expr):
            while isinstance(e, T):           # a transpose is free: share what is under it
                e = e.arg
            if isinstance(e, LEAVES):
                return
            k, _ = canonical(e)
            if k in count:
                count[k] += 1
                return
            count[k] = 1
            first[k] = e
            for c in operands(e):
                walk(c)

        for r in self.roots:
            walk(r)
        for k, n in count.items():
            if n > 1 and worth_naming(first[k]):
                self.shared[k] = (len(self.nodes), _orient(first[k]))
                self.nodes.append(first[k])

    def cost(self) -> float:
        from .optimize import shared_cost
        return shared_cost(self.roots)

    def _names(self, avoid) -> list:
        prefix = "t"
        while any(re.fullmatch(prefix + r"\d+", a) for a in avoid):
            prefix += "t"
        return [f"{prefix}{i}" for i in range(len(self.nodes))]

    def _expander(self, avoid, first):
        """A function replacing the marks of shared values in printed text by their
        names; `first(name, body)` gives the text of a value's first occurrence (its
        body expanded already), and names are handed out in order of first use."""
        names = self._names(avoid)
        order: dict = {}

        def expand(text: str) -> str:
            out, pos = [], 0
            for m in MARK.finditer(text):
                out.append(text[pos:m.start()])
                tid, flip = int(m.group(1)), bool(m.group(2))
                if tid not in order:
                    body = expand(self.bodies[tid])
                    order[tid] = names[len(order)]
                    s = first(order[tid], body)
                else:
                    s = order[tid]
                out.append(s + (".T" if flip else ""))
                pos = m.end()
            out.append(text[pos:])
            return "".join(out)

        return expand

    def expression(self, i: int = 0, avoid=()) -> str:
        """Root i as one expression (assignment expressions for shared values)."""
        expand = self._expander(avoid, lambda name, body: f"({name} := {body})")
        return expand(self.printer(self.roots[i]))

    def statements(self, avoid=()) -> tuple:
        """(assignments of the shared values, the roots' expressions over them)."""
        lines: list = []

        def assign(name: str, body: str) -> str:
            lines.append(f"{name} = {body}")
            return name

        expand = self._expander(avoid, assign)
        exprs = [expand(self.printer(r)) for r in self.roots]
        return lines, exprs


def is_call(e: Expr) -> bool:
    return isinstance(e, Fn)


__all__ = ["Program", "CodePrinter", "worth_naming", "step_cost"]
