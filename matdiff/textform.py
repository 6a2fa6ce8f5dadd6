"""The printed forms of an expression: matdiff's input syntax, and the printer that the
Unicode and LaTeX printers specialise.

`to_text` is the inverse of parsing: its output parses back to the same
expression. The printer knows the algebra's precedence (sums, products,
postfix operators); a named operation prints through its record in
`matdiff.ops` (`text`, `unicode`, `latex`), by default as `name(args)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .expr import (Add, Call, Commutation, Deriv, Diff, Expr, Fn, Had, HadPow, Ident, Index,
                   Kron, MatPow, Mul, Num, Ones, Pow, Sym, T, Zero)

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


def split_mul(e: Mul):
    """(sign, numerator factors, denominator factors) of a product, for printing.

    The coefficient's numerator stays in front, its denominator and every scalar
    factor with a negative numeric power go below the line (the power made positive).
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
        if isinstance(f, Pow) and isinstance(f.exp, Num) and f.exp.value < 0:
            bottom.append(f.base if f.exp.value == -1 else Pow(f.base, Num(-f.exp.value)))
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


def broadcast_scalar(e: Expr):
    """s when e = s · ones (a scalar spread over every entry), else None."""
    if isinstance(e, Ones):
        return Num(Fraction(1))
    if isinstance(e, Mul) and len(e.chain) == 1 and isinstance(e.chain[0], Ones):
        return Mul(tuple(f for f in e.factors if f.is_scalar)) if len(e.factors) > 2 else \
            e.factors[0]
    return None


def signed_terms(e: Add):
    """(first?, negative?, what to print) for each term of a sum, as every printer writes
    it: a scalar spread over every entry (s · ones, in a sum with a vector or matrix)
    printed as the scalar, and a negative term as its magnitude after a minus."""
    spread = not e.is_scalar and any(broadcast_scalar(t) is None for t in e.terms)
    for i, term in enumerate(e.terms):
        s = broadcast_scalar(term) if spread else None
        if s is not None:
            term = s
        negative, mag = neg_parts(term)
        yield i == 0, negative and i > 0, mag if negative and i > 0 else term


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
    """Prints expressions in matdiff's syntax; the Unicode and LaTeX printers override
    spellings and keep the precedence logic. Records print through `p`, `func`,
    `bars`, `postfix`, `infix` and `witness`."""

    style = "text"
    transpose_mark = "^T"
    paren_open = "("
    paren_close = ")"
    times = " "
    explicit_times = "*"

    def __init__(self, options: TextStyle = PLAIN) -> None:
        self.options = options
        self.in_bars = 0
        self.shapes: dict = {}
        self.top = None

    # -- entry ---------------------------------------------------------------
    def __call__(self, e: Expr, names=()) -> str:
        """e as text; `names` (symbols) may size a zero that the expression cannot."""
        self.shapes = {}
        for x in list(e.walk()) + list(names):
            if isinstance(x, Sym) and not x.is_scalar:
                self.shapes.setdefault(x.shape, x)
                self.shapes.setdefault((x.cols, x.rows), T(x))
        self.top = e
        return self.p(e, 0)

    def record(self, e: Fn):
        from .ops import record
        return record(e.op)

    def prec(self, e: Expr) -> int:
        if isinstance(e, Add):
            return P_SUM
        if isinstance(e, Mul):
            return P_PRODUCT
        if isinstance(e, Had) or (isinstance(e, Kron) and self.options.kron_infix):
            return P_PRODUCT
        if isinstance(e, Ones):
            return P_POSTFIX if e.is_row else P_ATOM
        if isinstance(e, Zero) and self.raw(e) != "0":
            return P_PRODUCT
        if isinstance(e, Num):
            if e.value < 0:
                return P_UNARY
            return P_ATOM if "/" not in format_number(e.value) else P_PRODUCT
        if isinstance(e, HadPow) and self._reciprocal(e):
            return P_PRODUCT
        if isinstance(e, (T, Pow, MatPow, HadPow)):
            return P_POSTFIX
        if isinstance(e, Fn):
            return self.record(e).extra.get(f"prec_{self.style}", P_ATOM)
        return P_ATOM

    def p(self, e: Expr, min_prec: int = 0) -> str:
        text = self.raw(e)
        if self.prec(e) < min_prec:
            return self.paren(text)
        return text

    def paren(self, text: str) -> str:
        return f"({text})"

    # -- helpers for records ---------------------------------------------------
    def func(self, name: str, *args: Expr) -> str:
        return f"{name}({', '.join(self.p(a, 0) for a in args)})"

    def bars(self, open_: str, e: Expr, close: str) -> str:
        self.in_bars += 1
        try:
            return f"{open_}{self.p(e, 0)}{close}"
        finally:
            self.in_bars -= 1

    def postfix(self, e: Expr, mark: str) -> str:
        return self.base(e) + mark

    def infix(self, a: Expr, op: str, b: Expr) -> str:
        return f"{self.p(a, P_POSTFIX)}{op}{self.p(b, P_POSTFIX)}"

    def rows_witness(self, rows) -> Expr:
        """An expression with the given number of rows (a name or a transposed name)."""
        for (r, _), w in self.shapes.items():
            if r == rows:
                return w
        return Zero((rows, rows))

    def witness(self, shape) -> Expr:
        """An expression of the given shape to stand for it in a function call's argument
        (commutation(X)): a name, a product of two names, or an outer product of columns
        built from names and ones (sized by inference when the text is parsed back);
        a dimension that is a product gets a Kronecker product of such columns."""
        w = self.shapes.get(tuple(shape))
        if w is not None:
            return w
        r, c = shape
        for (r1, k1), n1 in self.shapes.items():
            if r1 == r:
                for (k2, c2), n2 in self.shapes.items():
                    if k2 == k1 and c2 == c:
                        return Mul((n1, n2))
        left, right = self.column_witness(r), self.column_witness(c)
        if left is None or right is None:
            return Ones(tuple(shape))      # matrix(1), sized by inference if at all
        if c == 1:
            return left
        if r == 1:
            return T(right)
        return Mul((left, T(right)))

    def column_witness(self, d):
        """A column of length d: a column name, a name times ones, or a Kronecker product."""
        from .expr import DimProd
        if isinstance(d, DimProd):
            parts = [self.column_witness(f) for f in d.factors]
            if any(p is None for p in parts):
                return None
            out = parts[0]
            for p in parts[1:]:
                out = Kron(out, p)
            return out
        for (r1, c1), n1 in self.shapes.items():
            if r1 == d:
                return n1 if c1 == 1 else Mul((n1, Ones((c1, 1))))
        return None

    # -- nodes -----------------------------------------------------------------
    def raw(self, e: Expr) -> str:
        if isinstance(e, Fn):
            rec = self.record(e)
            how = getattr(rec, self.style, None) or (rec.text if self.style == "unicode" else None)
            if how is not None:
                return how(self, e)
            return self.func(self.fn_name(rec), *e.args)
        return getattr(self, "p_" + type(e).__name__)(e)

    def fn_name(self, rec) -> str:
        return rec.name

    def p_Sym(self, e: Sym) -> str:
        return e.name

    def p_Num(self, e: Num) -> str:
        return format_number(e.value)

    def p_Ident(self, e: Ident) -> str:
        return "I"

    def _named_shape(self, shape) -> str | None:
        w = self.shapes.get(tuple(shape))
        if w is not None:
            return self.p(w, P_POSTFIX)
        r, c = shape
        for (r1, k1), n1 in self.shapes.items():
            if r1 != r:
                continue
            for (k2, c2), n2 in self.shapes.items():
                if k2 == k1 and c2 == c:
                    return f"{self.p(n1, P_POSTFIX)} {self.p(n2, P_POSTFIX)}"
        return None

    def p_Zero(self, e: Zero) -> str:
        """0; inside an expression, 0 times names of its shape, so that the text keeps
        the shape when it is parsed back (cos(0 a) is a vector of ones, cos(0) is 1)."""
        if e is self.top:
            return "0"
        name = self._named_shape(e.shape)
        return "0" if name is None else f"0 {name}"

    def p_Ones(self, e: Ones) -> str:
        """ones (a column of ones, sized by inference), onesᵀ, and matrix(1)."""
        if e.is_col:
            return "ones"
        if e.is_row:
            return "ones" + self.transpose_mark
        return "matrix(1)"

    def p_Commutation(self, e: Commutation) -> str:
        return self.func("commutation", self.witness((e.m, e.n)))

    def p_Diff(self, e: Diff) -> str:
        return "d" + self.p(e.var, P_ATOM)

    def p_DiffOf(self, e) -> str:
        text = self.p(e.arg, 0)
        atomic = isinstance(e.arg, (Sym, Call)) or (isinstance(e.arg, Fn) and self.prec(e.arg)
                                                   == P_ATOM and text.endswith(")"))
        return f"d {text}" if atomic else f"d({text})"

    def p_Call(self, e: Call) -> str:
        return f"{self.name(e.name)}({', '.join(self.p(a, 0) for a in e.args)})"

    def name(self, n: str) -> str:
        return n

    def wrt_name(self, w: Expr) -> str:
        """The variable of du/dx as written: a name, or an inner function's name (dg/du)."""
        return self.name(w.name) if isinstance(w, Call) else self.p(w, P_ATOM)

    def p_Deriv(self, e: Deriv) -> str:
        if len(e.wrts) == 1:
            return f"d{e.fn.name}/d{self.wrt_name(e.wrt)}"
        return f"d2{e.fn.name}/" + "".join(f"d{self.wrt_name(w)}" for w in e.wrts)

    def p_Index(self, e: Index) -> str:
        idx = e.i if e.j is None else f"{e.i}, {e.j}"
        if e.arg is None:
            return f"e_{e.i}" if e.j is None else f"E_{e.i}{e.j}"
        return f"{self.base(e.arg)}[{idx}]"

    def p_Add(self, e: Add) -> str:
        out = ""
        for first, minus, term in signed_terms(e):
            prec = P_SUM + 1 if isinstance(term, Add) and not first else P_SUM
            out += ("" if first else " - " if minus else " + ") + self.p(term, prec)
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
        """e as the base of a postfix operator: du/dx and negative numbers need parentheses."""
        if isinstance(e, Deriv) or (isinstance(e, Num) and e.value < 0):
            return self.paren(self.raw(e))
        return self.p(e, P_ATOM)

    def p_T(self, e: T) -> str:
        return self.base(e.arg) + self.transpose_mark

    def exponent(self, p: Expr) -> str:
        if isinstance(p, Num):
            v = p.value
            return str(v.numerator) if v.denominator == 1 else f"({v.numerator}/{v.denominator})"
        if isinstance(p, Sym):
            return p.name
        return self.paren(self.p(p, 0))

    def p_Pow(self, e: Pow) -> str:
        return self.base(e.base) + "^" + self.exponent(e.exp)

    def p_MatPow(self, e: MatPow) -> str:
        if isinstance(e.exp, Num) and e.exp.value == -1 and isinstance(e.base, T):
            return self.base(e.base.arg) + "^-T"
        return self.base(e.base) + "^" + self.exponent(e.exp)

    def p_Kron(self, e: Kron) -> str:
        if self.options.kron_infix:
            return f"{self.p(e.a, P_POSTFIX)} ⊗ {self.p(e.b, P_POSTFIX)}"
        return self.func("kron", e.a, e.b)

    def hadamard_op(self) -> str:
        return f" {self.options.hadamard} "

    def division_op(self) -> str:
        return " ./ "

    @staticmethod
    def _reciprocal(e: Expr) -> bool:
        return isinstance(e, HadPow) and isinstance(e.exp, Num) and e.exp.value < 0

    def p_Had(self, e: Had) -> str:
        top = [f for f in e.factors if not self._reciprocal(f)]
        bottom = [HadPow(f.base, Num(-f.exp.value)) if f.exp.value != -1 else f.base
                  for f in e.factors if self._reciprocal(f)]
        text = self.hadamard_op().join(self.p(f, P_POSTFIX) for f in top) if top else "1"
        if bottom:
            text += self.division_op() + self.division_op().join(
                self.p(f, P_POSTFIX) for f in bottom)
        return text

    def p_HadPow(self, e: HadPow) -> str:
        if self._reciprocal(e):
            base = e.base if e.exp.value == -1 else HadPow(e.base, Num(-e.exp.value))
            return "1" + self.division_op() + self.p(base, P_POSTFIX)
        return self.p(e.base, P_ATOM) + ".^" + self.exponent(e.exp)


_TEXT = TextPrinter()


def to_text(e: Expr, style: TextStyle = PLAIN, names=()) -> str:
    """The expression in matdiff's input syntax (ASCII unless `style` asks for ⊗ or ∘);
    `names` are symbols that may give a nested zero its shape (0 a)."""
    return (_TEXT if style == PLAIN else TextPrinter(style))(e, names)
