"""LaTeX: \\top, ^{-1}, \\operatorname{tr}, \\otimes, \\circ, \\frac{\\partial u}{\\partial x}."""

from __future__ import annotations

from ..expr import Deriv, Expr, HadPow, Kron, MatPow, Num, Pow, Sym, T
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


class LatexPrinter(TextPrinter):
    style = "latex"
    transpose_mark = "^{\\top}"
    explicit_times = " "
    paren_open = "\\left("

    def paren(self, text: str) -> str:
        return f"\\left({text}\\right)"

    def prec(self, e: Expr) -> int:
        if isinstance(e, Kron):
            return P_PRODUCT
        return super().prec(e)

    def func(self, name: str, *args: Expr) -> str:
        return f"{name}\\left({', '.join(self.p(a, 0) for a in args)}\\right)"

    def fn_name(self, rec) -> str:
        return rec.latex_name or f"\\operatorname{{{rec.name}}}"

    def name(self, n: str) -> str:
        return latex_name(n)

    def p_Sym(self, e: Sym) -> str:
        return latex_name(e.name)

    def p_Num(self, e: Num) -> str:
        v = e.value
        if v.denominator != 1 and "/" in format_number(v):
            return f"\\frac{{{v.numerator}}}{{{v.denominator}}}"
        return format_number(v)

    def p_Ones(self, e) -> str:
        return r"\mathbf{1}" + (self.transpose_mark if e.is_row else "")

    def p_Index(self, e) -> str:
        """e_{i}, E_{ij}, and entries as [X]_{ij} (indices of several characters apart)."""
        sep = "," if max(len(e.i), len(e.j or "")) > 1 else ""
        sub = e.i if e.j is None else f"{e.i}{sep}{e.j}"
        if e.arg is None:
            return f"e_{{{sub}}}" if e.j is None else f"E_{{{sub}}}"
        return f"\\left[{self.p(e.arg, 0)}\\right]_{{{sub}}}"

    def p_Commutation(self, e) -> str:
        return r"K_{" + f"{e.m},{e.n}" + "}"

    def p_Call(self, e) -> str:
        return f"{latex_name(e.name)}\\left({', '.join(self.p(a, 0) for a in e.args)}\\right)"

    def p_Deriv(self, e: Deriv) -> str:
        f = latex_name(e.fn.name)
        if len(e.wrts) == 1:
            return f"\\frac{{\\partial {f}}}{{\\partial {self.wrt_name(e.wrt)}}}"
        den = " ".join(f"\\partial {self.wrt_name(w)}" for w in e.wrts)
        return f"\\frac{{\\partial^2 {f}}}{{{den}}}"

    def p_DiffOf(self, e) -> str:
        return rf"\mathrm{{d}}\left({self.p(e.arg, 0)}\right)"

    def p_Diff(self, e) -> str:
        return rf"\mathrm{{d}}{self.p(e.var, P_ATOM)}"

    def divide(self, top: str, bottom: str) -> str:
        return f"\\frac{{{top}}}{{{bottom}}}"

    def denominator(self, bottom: list) -> str:
        return self.join_factors(bottom)

    def p_T(self, e: T) -> str:
        return self.p(e.arg, P_ATOM) + self.transpose_mark

    def exponent(self, p: Expr) -> str:
        return self.p(p, 0)

    def p_Pow(self, e: Pow) -> str:
        return f"{self.p(e.base, P_ATOM)}^{{{self.exponent(e.exp)}}}"

    def p_MatPow(self, e: MatPow) -> str:
        if isinstance(e.exp, Num) and e.exp.value == -1 and isinstance(e.base, T):
            return f"{self.p(e.base.arg, P_ATOM)}^{{-\\top}}"
        return f"{self.p(e.base, P_ATOM)}^{{{self.exponent(e.exp)}}}"

    def p_Kron(self, e) -> str:
        return f"{self.p(e.a, P_POSTFIX)} \\otimes {self.p(e.b, P_POSTFIX)}"

    def hadamard_op(self) -> str:
        return " \\circ "

    def division_op(self) -> str:
        return " \\oslash "

    def p_HadPow(self, e: HadPow) -> str:
        if self._reciprocal(e):
            return super().p_HadPow(e)
        return f"{self.p(e.base, P_ATOM)}^{{\\circ {self.exponent(e.exp)}}}"


_PRINTER = LatexPrinter()


def to_latex(e: Expr) -> str:
    return _PRINTER(e)
