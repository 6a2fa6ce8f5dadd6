"""The plain-text form of an expression, in matdiff's own input syntax.

`to_text` is the inverse of parsing: its output parses back to the same
expression. It belongs to the expression stage because every later stage needs
it: the simplifier measures candidate forms by the length of their text, and the
renderers start from the same layout of factors (`split_mul`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .expr import (Add, Call, Deriv, Diff, Expr, Frechet, Had,
                   HadPow, Ident, Kron, MatPow, Mul, Num, Pow,
                   Sym, T, Zero)

# precedence: higher binds tighter
P_SUM, P_PRODUCT, P_UNARY, P_POSTFIX, P_ATOM = 1, 2, 3, 4, 5


def format_number(q: Fraction) -> str:
    """Integers as integers; fractions with a finite decimal expansion as decimals."""
    if q.denominator == 1:
        return str(q.numerator)
    d = q.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:
        text = f"{float(q):.15g}"
        if Fraction(text) == q:
            return text
    return f"{q.numerator}/{q.denominator}"


def format_exponent(p: Fraction) -> str:
    if p.denominator == 1:
        return str(p.numerator)
    return f"({p.numerator}/{p.denominator})"


def split_mul(e: Mul):
    """(sign, numerator factors, denominator factors) of a product, for printing.

    The coefficient's numerator stays in front, its denominator and every scalar
    factor with a negative power go below the line (with the power made positive).
    """
    c = e.coeff
    sign = -1 if c < 0 else 1
    c = abs(c)
    top: list = []
    bottom: list = []
    if c.numerator != 1:
        top.append(Num(Fraction(c.numerator)))
    if c.denominator != 1:
        bottom.append(Num(Fraction(c.denominator)))
    for f in e.factors:
        if isinstance(f, Num):
            continue
        if isinstance(f, Pow) and f.exp < 0:
            bottom.append(f.base if f.exp == -1 else Pow(f.base, -f.exp))
        else:
            top.append(f)
    return sign, top, bottom


def neg_parts(e: Expr):
    """(negative?, magnitude) of a term of a sum: -2 A gives (True, 2 A)."""
    if isinstance(e, Mul) and e.coeff < 0:
        factors = tuple(f for f in e.factors if not isinstance(f, Num))
        if -e.coeff != 1:
            factors = (Num(-e.coeff),) + factors
        return True, factors[0] if len(factors) == 1 else Mul(factors)
    if isinstance(e, Num) and e.value < 0:
        return True, Num(-e.value)
    return False, e


@dataclass(frozen=True)
class TextStyle:
    """Where the input syntax offers a choice, the spelling to print: |X| or det(X),
    ||x|| or norm(x), A ⊗ B or kron(A, B), and the Hadamard operator."""

    det_bars: bool = False
    norm_bars: bool = False
    kron_infix: bool = False
    hadamard: str = ".*"


PLAIN = TextStyle()


class TextPrinter:
    """Prints expressions; subclasses (pretty, LaTeX) override the leaf and operator
    spellings and keep the precedence logic."""

    def __init__(self, style: TextStyle = PLAIN) -> None:
        self.style = style
        self.in_bars = 0

    transpose_mark = "^T"
    paren_open = "("
    paren_close = ")"
    times = " "
    explicit_times = "*"

    # -- entry ---------------------------------------------------------------
    def __call__(self, e: Expr, names=()) -> str:
        """e as text; `names` (symbols) may size a zero that the expression cannot."""
        self.shapes = {}
        for x in list(e.walk()) + list(names):
            if isinstance(x, Sym) and not x.is_scalar:
                self.shapes.setdefault(x.shape, x.name)
                self.shapes.setdefault((x.cols, x.rows), x.name + self.transpose_mark)
        self.top = e
        return self.p(e, 0)

    def prec(self, e: Expr) -> int:
        if isinstance(e, Add):
            return P_SUM
        if isinstance(e, Mul):
            return P_PRODUCT
        if isinstance(e, Had) or (isinstance(e, Kron) and self.style.kron_infix):
            return P_PRODUCT
        if isinstance(e, Zero) and self.raw(e) != "0":
            return P_PRODUCT
        if isinstance(e, Num):
            if e.value < 0:
                return P_UNARY
            return P_ATOM if e.value.denominator == 1 or "/" not in format_number(e.value) else P_PRODUCT
        if isinstance(e, (T, Pow, MatPow, HadPow)):
            return P_POSTFIX
        return P_ATOM

    def p(self, e: Expr, min_prec: int) -> str:
        text = self.raw(e)
        if self.prec(e) < min_prec:
            return self.paren(text)
        return text

    def paren(self, text: str) -> str:
        return f"({text})"

    # -- nodes -----------------------------------------------------------------
    def raw(self, e: Expr) -> str:
        meth = getattr(self, "p_" + type(e).__name__)
        return meth(e)

    def p_Sym(self, e: Sym) -> str:
        return e.name

    def p_Num(self, e: Num) -> str:
        return format_number(e.value)

    def p_Ident(self, e: Ident) -> str:
        return "I"

    def p_Zero(self, e: Zero) -> str:
        """0; inside an expression, 0 times names of its shape, so that the text keeps
        the shape when it is parsed back (cos(0 a) is a vector of ones, cos(0) is 1)."""
        if e is getattr(self, "top", None):
            return "0"
        shapes = getattr(self, "shapes", {})
        name = shapes.get(e.shape)
        if name is None:        # a product of two names: (r×k)(k×c)
            r, c = e.shape
            name = next((f"{n1} {n2}" for (r1, k1), n1 in shapes.items() if r1 == r
                         for (k2, c2), n2 in shapes.items() if k2 == k1 and c2 == c), None)
        return "0" if name is None else f"0 {name}"

    def p_Diff(self, e: Diff) -> str:
        return "d" + self.p(e.var, P_ATOM)

    def p_Call(self, e: Call) -> str:
        return f"{e.name}({', '.join(self.p(a, 0) for a in e.args)})"

    def p_Deriv(self, e: Deriv) -> str:
        wrt = e.wrt.name
        return f"d{e.fn.name}/d{wrt}"

    def p_Add(self, e: Add) -> str:
        out = ""
        for i, term in enumerate(e.terms):
            negative, mag = neg_parts(term)
            if i == 0:
                out = self.p(term, P_SUM)
            elif negative:
                out += " - " + self.p(mag, P_SUM + 1 if isinstance(mag, Add) else P_SUM)
            else:
                out += " + " + self.p(term, P_SUM + 1 if isinstance(term, Add) else P_SUM)
        return out

    def join_factors(self, factors: list[Expr]) -> str:
        """Juxtapose printed factors; a name followed by '(' would read as a call, so
        there the product is written with an explicit '*'; ')(' needs no space."""
        out = ""
        prev = None
        for f in factors:
            part = self.factor_text(f)
            if not out:
                out = part
            elif part.startswith(self.paren_open) and isinstance(prev, (Sym, Deriv)):
                out += self.explicit_times + part
            elif part.startswith(self.paren_open) and out.endswith(self.paren_close):
                out += part
            else:
                out += self.times + part
            prev = f
        return out

    def factor_text(self, f: Expr) -> str:
        return self.p(f, P_UNARY + 1 if not isinstance(f, Num) else P_ATOM)

    def p_Mul(self, e: Mul) -> str:
        sign, top, bottom = split_mul(e)
        if len(top) == 1 and isinstance(top[0], Mul):     # -aᵀx, not -(aᵀx)
            text = self.raw(top[0])
        elif len(top) == 2 and isinstance(top[0], Num) and isinstance(top[1], Mul):
            text = self.raw(top[0]) + self.times + self.raw(top[1])   # 2 aᵀx
        else:
            text = self.join_factors(top) if top else "1"
        if bottom:
            text = self.divide(text, self.denominator(bottom))
        return ("-" if sign < 0 else "") + text

    def denominator(self, bottom: list) -> str:
        if len(bottom) == 1:
            return self.p(bottom[0], P_POSTFIX)
        return self.paren(self.join_factors(bottom))

    def divide(self, top: str, bottom: str) -> str:
        return f"{top}/{bottom}"

    def base(self, e: Expr) -> str:
        """e as the base of a postfix operator: du/dx and numbers need parentheses."""
        if isinstance(e, Deriv) or (isinstance(e, Num) and e.value < 0):
            return self.paren(self.raw(e))
        return self.p(e, P_ATOM)

    def p_T(self, e: T) -> str:
        return self.base(e.arg) + self.transpose_mark

    def p_Pow(self, e: Pow) -> str:
        return self.base(e.base) + "^" + format_exponent(e.exp)

    def p_MatPow(self, e: MatPow) -> str:
        if e.n == -1 and isinstance(e.base, T):
            return self.base(e.base.arg) + "^-T"
        return self.base(e.base) + "^" + str(e.n)

    def func(self, name: str, *args: Expr) -> str:
        return f"{name}({', '.join(self.p(a, 0) for a in args)})"

    def p_Tr(self, e):
        return self.func("tr", e.arg)

    def bars(self, open_: str, e: Expr, close: str) -> str:
        self.in_bars += 1
        try:
            return f"{open_}{self.p(e, 0)}{close}"
        finally:
            self.in_bars -= 1

    def p_Det(self, e):
        if self.style.det_bars and not self.in_bars:
            return self.bars("|", e.arg, "|")
        return self.func("det", e.arg)

    def p_LogDet(self, e):
        return self.func("logdet", e.arg)

    def p_Adj(self, e):
        return self.func("adj", e.arg)

    def p_Pinv(self, e):
        return self.func("pinv", e.arg)

    def p_Norm(self, e):
        if self.style.norm_bars and not self.in_bars:
            return self.bars("||", e.arg, "||")
        return self.func("norm", e.arg)

    def p_Kron(self, e):
        if self.style.kron_infix:
            return f"{self.p(e.a, P_POSTFIX)} ⊗ {self.p(e.b, P_POSTFIX)}"
        return self.func("kron", e.a, e.b)

    def p_Cross(self, e):
        return self.func("cross", e.a, e.b)

    def p_Fn(self, e):
        return self.func(e.name, e.arg)

    def p_MatFn(self, e):
        return self.func(e.name, e.arg)

    def p_Diag(self, e):
        return self.func("diag", e.arg)

    def p_DiagOf(self, e):
        return self.func("diag", e.arg)

    def p_Skew(self, e):
        return self.func("skew", e.arg)

    def p_Had(self, e: Had) -> str:
        op = f" {self.style.hadamard} "
        return op.join(self.p(f, P_POSTFIX) for f in e.factors)

    def p_HadPow(self, e: HadPow) -> str:
        return self.p(e.base, P_ATOM) + ".^" + format_exponent(e.exp)

    def p_Frechet(self, e: Frechet) -> str:
        return f"D{e.name}({self.p(e.arg, 0)})[{self.p(e.darg, 0)}]"


_TEXT = TextPrinter()


def to_text(e: Expr, style: TextStyle = PLAIN, names=()) -> str:
    """The expression in matdiff's input syntax (ASCII unless `style` asks for ⊗ or ∘);
    `names` are symbols that may give a nested zero its shape (0 a)."""
    return (_TEXT if style == PLAIN else TextPrinter(style))(e, names)


def text_len(e: Expr) -> int:
    """The length of the text form: the simplifier's measure of compactness."""
    return len(_TEXT(e))
