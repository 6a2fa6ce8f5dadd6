"""Readable Unicode math for a terminal: ᵀ ⁻¹ ⊗ ∘ ‖·‖, Greek letters, ∂u/∂x.

The layout of factors and the precedence rules are the text printer's; only
the spellings differ. The output is for reading, not for parsing back.
"""

from __future__ import annotations

from fractions import Fraction

from ..expr import Commutation, Deriv, Expr, Had, HadPow, Kron, MatPow, Num, Pow, Sym, T
from ..textform import P_ATOM, P_POSTFIX, P_PRODUCT, TextPrinter, TextStyle

GREEK_LETTERS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω",
}
_SUP = str.maketrans("0123456789-/()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᐟ⁽⁾")


def superscript(p: Fraction) -> str:
    text = str(p.numerator) if p.denominator == 1 else f"{p.numerator}/{p.denominator}"
    return text.translate(_SUP)


def pretty_name(name: str) -> str:
    return GREEK_LETTERS.get(name, name)


class UnicodePrinter(TextPrinter):
    style = "unicode"
    transpose_mark = "ᵀ"
    explicit_times = " "

    def prec(self, e: Expr) -> int:
        if isinstance(e, Kron):
            return P_PRODUCT
        return super().prec(e)

    def name(self, n: str) -> str:
        return pretty_name(n)

    def p_Sym(self, e: Sym) -> str:
        return pretty_name(e.name)

    def p_Commutation(self, e: Commutation) -> str:
        """K(m,n), the commutation matrix by its dimensions (as LaTeX's K_{m,n}): read by
        a person beside the names' shapes, where a witness such as commutation((A ones)
        (X ones)ᵀ), which the text form needs to parse back, would only obscure it."""
        return f"K({e.m},{e.n})"

    def p_Deriv(self, e: Deriv) -> str:
        f = pretty_name(e.fn.name)
        if len(e.wrts) == 1:
            return f"∂{f}/∂{self.wrt_name(e.wrt)}"
        return f"∂²{f}/" + "".join(f"∂{self.wrt_name(w)}" for w in e.wrts)

    def exponent_sup(self, p: Expr) -> str | None:
        if isinstance(p, Num):
            return superscript(p.value)
        return None

    def p_Pow(self, e: Pow) -> str:
        sup = self.exponent_sup(e.exp)
        if sup is None:
            return self.p(e.base, P_ATOM) + "^" + self.exponent(e.exp)
        return self.p(e.base, P_ATOM) + sup

    def p_MatPow(self, e: MatPow) -> str:
        if isinstance(e.exp, Num) and e.exp.value == -1 and isinstance(e.base, T):
            return self.p(e.base.arg, P_ATOM) + "⁻ᵀ"
        sup = self.exponent_sup(e.exp)
        if sup is None:
            return self.p(e.base, P_ATOM) + "^" + self.exponent(e.exp)
        return self.p(e.base, P_ATOM) + sup

    def p_HadPow(self, e: HadPow) -> str:
        if self._reciprocal(e):
            return super().p_HadPow(e)
        sup = self.exponent_sup(e.exp)
        if sup is None:
            return self.p(e.base, P_ATOM) + "^∘" + self.exponent(e.exp)
        return self.p(e.base, P_ATOM) + "^∘" + sup

    def p_Kron(self, e) -> str:
        return f"{self.p(e.a, P_POSTFIX)} ⊗ {self.p(e.b, P_POSTFIX)}"

    def hadamard_op(self) -> str:
        return " ∘ "

    def division_op(self) -> str:
        return " ⊘ "

    def p_Had(self, e: Had) -> str:
        return super().p_Had(e)


_PRINTER = UnicodePrinter(TextStyle(det_bars=True))


def to_unicode(e: Expr) -> str:
    return _PRINTER(e)
