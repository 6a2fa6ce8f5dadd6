"""NumPy code: one Python expression that evaluates a result (stage 7, render).

The contract's conventions: vectors are 1-D arrays, so transposing a vector is a
no-op and a column times a row is `np.outer`; scalars are Python/NumPy scalars;
a name that is a Python keyword gets a trailing underscore (`lambda_`); the
derivative du/dx of an abstract function is the variable `du_dx`, already in the
output's layout. Matrix functions use `scipy.linalg`.
"""

from __future__ import annotations

import keyword
from fractions import Fraction

from ..errors import UnsupportedError
from ..expr import (Add, Call, Cross, Deriv, Diag, Diff, DimProd, Expr, Fn, Frechet,
                    Had, HadPow, Ident, Kron, MatFn, MatPow, Mul, Num, Pow,
                    Skew, Sym, T, Zero)
from ..functions import SCALAR_FUNCTIONS
from ..textform import neg_parts, split_mul

ATOM, POW, UNARY, MUL, ADD = 5, 4, 3, 2, 1

_ADJUGATE = ("(lambda M: (lambda U, s, Vt: np.linalg.det(U @ Vt) * (Vt.T * np.array("
             "[np.prod(np.delete(s, i)) for i in range(len(s))])) @ U.T)(*np.linalg.svd(M)))")


def py_name(name: str) -> str:
    return name + "_" if keyword.iskeyword(name) else name


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
    return out


class NumpyPrinter:
    def __init__(self, dims: dict, layout: str = "numerator") -> None:
        self.dims = dims
        self.layout = layout

    def __call__(self, e: Expr) -> str:
        return self.p(e)[0]

    # -- helpers -------------------------------------------------------------
    def dim(self, d) -> str:
        if isinstance(d, int):
            return str(d)
        if isinstance(d, DimProd):
            return "*".join(self.dim(f) for f in d.factors)
        if d in self.dims:
            return self.dims[d]
        raise UnsupportedError(f"NumPy code needs the size of an I that nothing in the "
                               f"expression fixes (dimension {d})",
                               hint="use I next to a matrix, as in I + A")

    def at(self, e: Expr, prec: int) -> str:
        code, p = self.p(e)
        return f"({code})" if p < prec else code

    def p(self, e: Expr):
        return getattr(self, "p_" + type(e).__name__)(e)

    # -- leaves ----------------------------------------------------------------
    def p_Sym(self, e: Sym):
        return py_name(e.name), ATOM

    def p_Num(self, e: Num):
        v = e.value
        if v.denominator == 1:
            return str(v.numerator), (ATOM if v >= 0 else UNARY)
        text = repr(float(v))
        if Fraction(text) != v:
            return f"{v.numerator}/{v.denominator}", MUL
        return text, (ATOM if v >= 0 else UNARY)

    def p_Ident(self, e: Ident):
        return f"np.eye({self.dim(e.n)})", ATOM

    def p_Zero(self, e: Zero):
        k = kind(e)
        if k == "scalar":
            return "0.0", ATOM
        if k == "col":
            return f"np.zeros({self.dim(e.rows)})", ATOM
        if k == "row":
            return f"np.zeros({self.dim(e.cols)})", ATOM
        return f"np.zeros(({self.dim(e.rows)}, {self.dim(e.cols)}))", ATOM

    def p_Call(self, e: Call):
        return py_name(e.name), ATOM

    def deriv_name(self, e: Deriv) -> str:
        return f"d{e.fn.name}_d{e.wrt.name}"

    def p_Deriv(self, e: Deriv):
        name = self.deriv_name(e)
        if self.layout == "denominator" and e.is_matrix:
            return f"{name}.T", ATOM
        return name, ATOM

    def p_Diff(self, e: Diff):
        raise UnsupportedError("a differential has no NumPy value")

    def p_Frechet(self, e: Frechet):
        raise UnsupportedError(f"the Fréchet derivative of {e.name} has no NumPy form here")

    # -- operators -------------------------------------------------------------
    def p_Add(self, e: Add):
        out = ""
        for i, t in enumerate(e.terms):
            negative, mag = neg_parts(t)
            if i == 0:
                out = self.at(t, ADD)
            elif negative:
                out += " - " + self.at(mag, MUL)
            else:
                out += " + " + self.at(t, ADD)
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
            name = self.deriv_name(a)
            if self.layout == "denominator" or not a.is_matrix:
                return name, ATOM
            return f"{name}.T", ATOM
        if not a.is_matrix:
            return self.p(a)
        return f"{self.at(a, ATOM)}.T", ATOM

    def power(self, base: Expr, p: Fraction):
        exp = str(p.numerator) if p.denominator == 1 and p >= 0 else (
            f"({p.numerator})" if p.denominator == 1 else f"({p.numerator}/{p.denominator})")
        return f"{self.at(base, ATOM)}**{exp}", POW

    def p_Pow(self, e: Pow):
        return self.power(e.base, e.exp)

    def p_MatPow(self, e: MatPow):
        if e.n == -1:
            return f"np.linalg.inv({self.p(e.base)[0]})", ATOM
        return f"np.linalg.matrix_power({self.p(e.base)[0]}, {e.n})", ATOM

    def fn(self, name: str, *args: Expr):
        return f"{name}({', '.join(self.p(a)[0] for a in args)})", ATOM

    def p_Tr(self, e):
        return self.fn("np.trace", e.arg)

    def p_Det(self, e):
        return self.fn("np.linalg.det", e.arg)

    def p_LogDet(self, e):
        return f"np.log(np.linalg.det({self.p(e.arg)[0]}))", ATOM

    def p_Adj(self, e):
        return f"{_ADJUGATE}({self.p(e.arg)[0]})", ATOM

    def p_Pinv(self, e):
        return self.fn("np.linalg.pinv", e.arg)

    def p_Norm(self, e):
        if e.arg.is_scalar:
            return self.fn("abs", e.arg)
        return self.fn("np.linalg.norm", e.arg)

    def as_2d(self, e: Expr) -> str:
        code = self.p(e)[0]
        k = kind(e)
        if k == "col":
            return f"np.reshape({code}, (-1, 1))"
        if k == "row":
            return f"np.reshape({code}, (1, -1))"
        return code

    def p_Kron(self, e: Kron):
        ka, kb = kind(e.a), kind(e.b)
        if ka == kb and ka in ("col", "row"):
            return self.fn("np.kron", e.a, e.b)
        code = f"np.kron({self.as_2d(e.a)}, {self.as_2d(e.b)})"
        if kind(e) in ("col", "row"):
            code += ".ravel()"
        return code, ATOM

    def p_Had(self, e: Had):
        return " * ".join(self.at(f, POW) for f in e.factors), MUL

    def p_HadPow(self, e: HadPow):
        return self.power(e.base, e.exp)

    def p_Cross(self, e: Cross):
        return self.fn("np.cross", e.a, e.b)

    def p_Fn(self, e: Fn):
        return self.fn(SCALAR_FUNCTIONS[e.name][0], e.arg)

    def p_MatFn(self, e: MatFn):
        return self.fn(f"scipy.linalg.{e.name}", e.arg)

    def p_Diag(self, e: Diag):
        return self.fn("np.diag", e.arg)

    def p_DiagOf(self, e):
        return self.fn("np.diag", e.arg)

    def p_Skew(self, e: Skew):
        return f"np.cross(np.eye(3), {self.p(e.arg)[0]})", ATOM


def to_numpy(e: Expr, symbols: dict, functions: dict | None = None,
             layout: str = "numerator") -> str:
    return NumpyPrinter(dim_witnesses(symbols, functions), layout)(e)
