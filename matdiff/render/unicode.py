"""Readable Unicode math for a terminal: ᵀ ⁻¹ ⊗ ∘ ‖·‖, Greek letters, ∂u/∂x.

The layout of factors and the precedence rules are the text printer's; only
the spellings differ. The output is for reading, not for parsing back.
"""

from __future__ import annotations

from fractions import Fraction

from ..expr import Deriv, Expr, Had, Kron, MatPow, Norm, Pow, Sym
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
    transpose_mark = "ᵀ"
    explicit_times = " "
    hadamard = " ∘ "

    def prec(self, e: Expr) -> int:
        if isinstance(e, Kron):
            return P_PRODUCT
        if isinstance(e, Norm):
            return P_ATOM
        return super().prec(e)

    def p_Sym(self, e: Sym) -> str:
        return pretty_name(e.name)

    def p_Call(self, e):
        return f"{pretty_name(e.name)}({', '.join(self.p(a, 0) for a in e.args)})"

    def p_Deriv(self, e: Deriv) -> str:
        return f"∂{pretty_name(e.fn.name)}/∂{pretty_name(e.wrt.name)}"

    def p_Pow(self, e: Pow) -> str:
        return self.p(e.base, P_ATOM) + superscript(e.exp)

    def p_MatPow(self, e: MatPow) -> str:
        from ..expr import T
        if e.n == -1 and isinstance(e.base, T):
            return self.p(e.base.arg, P_ATOM) + "⁻ᵀ"
        return self.p(e.base, P_ATOM) + superscript(Fraction(e.n))

    def p_HadPow(self, e) -> str:
        return self.p(e.base, P_ATOM) + "^∘" + superscript(e.exp)

    def p_Kron(self, e) -> str:
        return f"{self.p(e.a, P_POSTFIX)} ⊗ {self.p(e.b, P_POSTFIX)}"

    def p_Had(self, e: Had) -> str:
        return self.hadamard.join(self.p(f, P_POSTFIX) for f in e.factors)

    def p_Norm(self, e) -> str:
        return f"‖{self.p(e.arg, 0)}‖"

    def p_Pinv(self, e) -> str:
        return self.p(e.arg, P_ATOM) + "⁺"

    def p_Cross(self, e) -> str:
        return f"{self.p(e.a, P_POSTFIX)} × {self.p(e.b, P_POSTFIX)}"



_PRINTER = UnicodePrinter(TextStyle(det_bars=True))


def to_unicode(e: Expr) -> str:
    return _PRINTER(e)
