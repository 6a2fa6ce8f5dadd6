"""LaTeX: \\top, ^{-1}, \\operatorname{tr}, \\otimes, \\circ, \\frac{\\partial u}{\\partial x}."""

from __future__ import annotations

from fractions import Fraction

from ..expr import Deriv, Expr, Had, Kron, MatPow, Num, Pow, Sym, T
from ..functions import SCALAR_FUNCTIONS
from ..textform import P_ATOM, P_POSTFIX, P_PRODUCT, TextPrinter, format_number
from .unicode import GREEK_LETTERS


def latex_name(name: str) -> str:
    if name in GREEK_LETTERS:
        return "\\" + name
    if len(name) > 1 and "_" in name:
        base, sub = name.split("_", 1)
        return f"{latex_name(base)}_{{{sub}}}"
    if len(name) > 1 and not name[1:].isdigit():
        return f"\\mathit{{{name}}}"
    if len(name) > 1:
        return f"{name[0]}_{{{name[1:]}}}"
    return name


def _exp(p: Fraction) -> str:
    return str(p.numerator) if p.denominator == 1 else f"{p.numerator}/{p.denominator}"


class LatexPrinter(TextPrinter):
    transpose_mark = "^{\\top}"
    explicit_times = " "
    hadamard = " \\circ "
    paren_open = "\\left("

    def paren(self, text: str) -> str:
        return f"\\left({text}\\right)"

    def prec(self, e: Expr) -> int:
        if isinstance(e, Kron):
            return P_PRODUCT
        return super().prec(e)

    def p_Sym(self, e: Sym) -> str:
        return latex_name(e.name)

    def p_Num(self, e: Num) -> str:
        v = e.value
        if v.denominator != 1 and "/" in format_number(v):
            return f"\\frac{{{v.numerator}}}{{{v.denominator}}}"
        return format_number(v)

    def p_Ident(self, e) -> str:
        return "I"

    def p_Call(self, e) -> str:
        return f"{latex_name(e.name)}\\left({', '.join(self.p(a, 0) for a in e.args)}\\right)"

    def p_Deriv(self, e: Deriv) -> str:
        return (f"\\frac{{\\partial {latex_name(e.fn.name)}}}"
                f"{{\\partial {latex_name(e.wrt.name)}}}")

    def divide(self, top: str, bottom: str) -> str:
        return f"\\frac{{{top}}}{{{bottom}}}"

    def denominator(self, bottom: list) -> str:
        return self.join_factors(bottom)

    def p_T(self, e: T) -> str:
        return self.p(e.arg, P_ATOM) + self.transpose_mark

    def p_Pow(self, e: Pow) -> str:
        return f"{self.p(e.base, P_ATOM)}^{{{_exp(e.exp)}}}"

    def p_MatPow(self, e: MatPow) -> str:
        if e.n == -1 and isinstance(e.base, T):
            return f"{self.p(e.base.arg, P_ATOM)}^{{-\\top}}"
        return f"{self.p(e.base, P_ATOM)}^{{{e.n}}}"

    def op(self, name: str, *args: Expr) -> str:
        return f"{name}\\left({', '.join(self.p(a, 0) for a in args)}\\right)"

    def p_Tr(self, e):
        return self.op("\\operatorname{tr}", e.arg)

    def p_Det(self, e):
        return self.op("\\det", e.arg)

    def p_LogDet(self, e):
        return self.op("\\log\\det", e.arg)

    def p_Adj(self, e):
        return self.op("\\operatorname{adj}", e.arg)

    def p_Pinv(self, e):
        return f"{self.p(e.arg, P_ATOM)}^{{+}}"

    def p_Norm(self, e):
        return f"\\left\\| {self.p(e.arg, 0)} \\right\\|"

    def p_Kron(self, e):
        return f"{self.p(e.a, P_POSTFIX)} \\otimes {self.p(e.b, P_POSTFIX)}"

    def p_Cross(self, e):
        return f"{self.p(e.a, P_POSTFIX)} \\times {self.p(e.b, P_POSTFIX)}"

    def p_Had(self, e: Had) -> str:
        return self.hadamard.join(self.p(f, P_POSTFIX) for f in e.factors)

    def p_HadPow(self, e):
        return f"{self.p(e.base, P_ATOM)}^{{\\circ {_exp(e.exp)}}}"

    def p_Fn(self, e):
        return self.op(SCALAR_FUNCTIONS[e.name][1], e.arg)

    def p_MatFn(self, e):
        return self.op(f"\\operatorname{{{e.name}}}", e.arg)

    def p_Diag(self, e):
        return self.op("\\operatorname{diag}", e.arg)

    def p_DiagOf(self, e):
        return self.op("\\operatorname{diag}", e.arg)

    def p_Skew(self, e):
        return f"\\left[{self.p(e.arg, 0)}\\right]_{{\\times}}"


_PRINTER = LatexPrinter()


def to_latex(e: Expr) -> str:
    return _PRINTER(e)
