"""How NumPy code spells an expression: the `NumpyPrinter` (every node in NumPy, each
named operation through its record's `numpy`), the names variables take (`py_name`:
keywords and the module names np and scipy get a trailing _), the code for each
symbolic dimension (`dim_witnesses`), and operator precedences. The contract's
conventions: vectors are 1-D arrays, so transposing a vector is a no-op and a column
times a row is `np.outer`; scalars are Python/NumPy scalars; the derivative du/dx of an
abstract function is the variable `du_dx`, already in the output's layout; matrix
functions use `scipy.linalg`. `matdiff.codegen.emit` prints the evaluation form with a
subclass; `matdiff.render.numpy` prints results with it.
"""

from __future__ import annotations

import keyword

from ..errors import UnsupportedError
from ..expr import (Add, Call, Commutation, Deriv, Diff, DimProd, Expr, Fn, Had, HadPow, Ident,
                    Index, Kron, MatPow, Mul, Num, Ones, Pow, Sym, T, Zero, int_value)
from ..ops import record
from ..textform import signed_terms, split_mul

ATOM, POW, UNARY, MUL, ADD = 5, 4, 3, 2, 1


def py_name(name: str) -> str:
    """A variable's name in NumPy code: keywords, and the modules' names np and scipy,
    get a trailing _."""
    return name + "_" if keyword.iskeyword(name) or name in ("np", "scipy") else name


def kind(e: Expr) -> str:
    if e.is_scalar:
        return "scalar"
    if e.is_col:
        return "col"
    if e.is_row:
        return "row"
    return "matrix"


def dim_witnesses(symbols: dict, functions: dict | None = None) -> dict:
    """Python code for each dimension: the size of some array that has it."""
    out: dict = {}
    for name, s in symbols.items():
        r, c = s.shape
        code = py_name(name)
        if r != 1 and r not in out:
            out[r] = f"{code}.shape[0]"
        if c != 1 and c not in out:
            out[c] = f"{code}.shape[0]" if r == 1 else f"{code}.shape[1]"
    for name, shape in (functions or {}).items():
        r, c = shape
        if r != 1 and r not in out:
            out[r] = f"np.shape({py_name(name)})[0]"
        if c != 1 and c not in out:
            out[c] = f"np.shape({py_name(name)})[1]"
    # a dimension known only as a factor of a product, m·n with m known: the size // m
    changed = True
    while changed:
        changed = False
        for d, code in list(out.items()):
            if not isinstance(d, DimProd):
                continue
            unknown = [f for f in d.factors if not isinstance(f, int) and f not in out]
            if len(unknown) == 1:
                known = [str(f) if isinstance(f, int) else out[f] for f in d.factors
                         if f != unknown[0]]
                out[unknown[0]] = f"({code} // ({' * '.join(known)}))" if known else code
                changed = True
    return out


def deriv_name(e: Deriv) -> str:
    if len(e.wrts) == 1:
        return f"d{e.fn.name}_d{e.wrt.name}"
    return f"d2{e.fn.name}_" + "".join(f"d{w.name}" for w in e.wrts)


class NumpyPrinter:
    def __init__(self, dims: dict, layout: str = "numerator") -> None:
        self.dims = dims
        self.layout = layout

    def __call__(self, e: Expr) -> str:
        return self.p(e)[0]

    # -- helpers (also for records) ---------------------------------------------
    def dim(self, d) -> str:
        if isinstance(d, int):
            return str(d)
        if isinstance(d, DimProd):
            return "*".join(self.dim(f) for f in d.factors)
        if d in self.dims:
            return self.dims[d]
        raise UnsupportedError(f"NumPy code needs the size of an I (or a ones vector) that "
                               f"nothing in the expression fixes (dimension {d})",
                               hint="use I next to a matrix, as in I + A")

    def at(self, e: Expr, prec: int) -> str:
        code, p = self.p(e)
        return f"({code})" if p < prec else code

    def p(self, e: Expr):
        if isinstance(e, Fn):
            rec = record(e.op)
            if rec.numpy is None:
                raise UnsupportedError(f"{rec.name}() has no NumPy form")
            return rec.numpy(self, e)
        return getattr(self, "p_" + type(e).__name__)(e)

    def call(self, spelling: str, *args: Expr):
        """A function call; a spelling with {0} is a template for one argument."""
        if "{0}" in spelling:
            code = spelling.format(*(self.at(a, ATOM) for a in args))
            return code, (ATOM if spelling.startswith("np.") and spelling.endswith(")") else MUL)
        return f"{spelling}({', '.join(self.p(a)[0] for a in args)})", ATOM

    def as_2d(self, e: Expr) -> str:
        code = self.p(e)[0]
        k = kind(e)
        if k == "col":
            return f"np.reshape({code}, (-1, 1))"
        if k == "row":
            return f"np.reshape({code}, (1, -1))"
        if k == "scalar":
            return f"np.reshape({code}, (1, 1))"
        return code

    kind = staticmethod(kind)

    # -- leaves ----------------------------------------------------------------
    def p_Sym(self, e: Sym):
        return py_name(e.name), ATOM

    def p_Num(self, e: Num):
        v = e.value
        if v.denominator == 1:
            return str(v.numerator), (ATOM if v >= 0 else UNARY)
        text = repr(float(v))
        from fractions import Fraction
        if Fraction(text) != v:
            return f"{v.numerator}/{v.denominator}", MUL
        return text, (ATOM if v >= 0 else UNARY)

    def p_Ident(self, e: Ident):
        return f"np.eye({self.dim(e.n)})", ATOM

    def filled(self, fn: str, e: Expr):
        """np.zeros / np.ones of e's shape (1-D for a vector)."""
        k = kind(e)
        if k in ("col", "row"):
            return f"{fn}({self.dim(e.rows if k == 'col' else e.cols)})", ATOM
        return f"{fn}(({self.dim(e.rows)}, {self.dim(e.cols)}))", ATOM

    def p_Zero(self, e: Zero):
        return self.filled("np.zeros", e)

    def p_Ones(self, e: Ones):
        return self.filled("np.ones", e)

    def p_Commutation(self, e: Commutation):
        m, n = self.dim(e.m), self.dim(e.n)
        return (f"(lambda m, n: np.eye(m*n)[np.arange(m*n).reshape((m, n), order=\"F\")"
                f".T.ravel(order=\"F\")])({m}, {n})"), ATOM

    def p_Call(self, e: Call):
        return py_name(e.name), ATOM

    def p_Deriv(self, e: Deriv):
        name = deriv_name(e)
        if self.layout == "denominator" and e.is_matrix:
            return f"{name}.T", ATOM
        return name, ATOM

    def p_Diff(self, e: Diff):
        raise UnsupportedError("a differential has no NumPy value")

    def p_Index(self, e: Index):
        return record("index").numpy(self, e)

    # -- the algebra -------------------------------------------------------------
    def p_Add(self, e: Add):
        out = ""
        for first, minus, t in signed_terms(e):
            out += ("" if first else " - " if minus else " + ") + self.at(t, MUL if minus else ADD)
        return out, ADD

    def chain(self, factors) -> tuple[str, str]:
        code, k = None, None
        for f in factors:
            fk = kind(f)
            fc = self.at(f, POW)
            if code is None:
                code, k = fc, fk
                continue
            if k == "col" and fk == "row":
                code, k = f"np.outer({code}, {fc})", "matrix"
            else:
                code = f"{code} @ {fc}"
                rows = "1" if k in ("row", "scalar") else "n"
                cols = "1" if fk in ("col", "scalar") else "n"
                k = {("1", "1"): "scalar", ("n", "1"): "col", ("1", "n"): "row"}.get(
                    (rows, cols), "matrix")
        return code, k

    def p_Mul(self, e: Mul):
        sign, top, bottom = split_mul(e)
        scal = [f for f in top if f.is_scalar]
        chain = [f for f in top if not f.is_scalar]
        parts = [self.at(f, POW) for f in scal]
        if chain:
            code, _ = self.chain(chain)
            parts.append(f"({code})" if len(chain) > 1 and parts else code)
        text = "*".join(parts) if parts else "1"
        for f in bottom:
            text += "/" + self.at(f, POW)
        if sign < 0:
            return "-" + text, UNARY
        return text, MUL

    def p_T(self, e: T):
        a = e.arg
        if isinstance(a, Deriv):
            name = deriv_name(a)
            if self.layout == "denominator" or not a.is_matrix:
                return name, ATOM
            return f"{name}.T", ATOM
        if not a.is_matrix:
            return self.p(a)
        return f"{self.at(a, ATOM)}.T", ATOM

    def exponent(self, p: Expr) -> str:
        code, prec = self.p(p)
        return code if prec >= ATOM and not code.startswith("-") else f"({code})"

    def p_Pow(self, e: Pow):
        return f"{self.at(e.base, ATOM)}**{self.exponent(e.exp)}", POW

    def p_MatPow(self, e: MatPow):
        n = int_value(e.exp)
        if n == -1:
            return f"np.linalg.inv({self.p(e.base)[0]})", ATOM
        if n is not None:
            return f"np.linalg.matrix_power({self.p(e.base)[0]}, {n})", ATOM
        return f"np.linalg.matrix_power({self.p(e.base)[0]}, int({self.p(e.exp)[0]}))", ATOM

    def p_Kron(self, e: Kron):
        ka, kb = kind(e.a), kind(e.b)
        if ka == kb and ka in ("col", "row"):
            return f"np.kron({self.p(e.a)[0]}, {self.p(e.b)[0]})", ATOM
        code = f"np.kron({self.as_2d(e.a)}, {self.as_2d(e.b)})"
        if kind(e) in ("col", "row"):
            code += ".ravel()"
        return code, ATOM

    def p_Had(self, e: Had):
        top = [f for f in e.factors if not _reciprocal(f)]
        bottom = [f for f in e.factors if _reciprocal(f)]
        text = " * ".join(self.at(f, POW) for f in top) if top else "1"
        for f in bottom:
            base = f.base if f.exp.value == -1 else HadPow(f.base, Num(-f.exp.value))
            text += " / " + self.at(base, POW)
        return text, MUL

    def p_HadPow(self, e: HadPow):
        if _reciprocal(e):
            base = e.base if e.exp.value == -1 else HadPow(e.base, Num(-e.exp.value))
            return f"1 / {self.at(base, POW)}", MUL
        return f"{self.at(e.base, ATOM)}**{self.exponent(e.exp)}", POW


def _reciprocal(e: Expr) -> bool:
    return isinstance(e, HadPow) and isinstance(e.exp, Num) and e.exp.value < 0
