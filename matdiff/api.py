"""The Python API: matdiff in a program or a notebook.

    >>> import matdiff
    >>> r = matdiff.d("tr(A X B X^T C)", wrt="X")
    >>> str(r)
    'B X^T C A + B^T X^T A^T C^T'
    >>> r.numpy()
    'B @ X.T @ C @ A + B.T @ X.T @ A.T @ C.T'
    >>> matdiff.d("x^T A x", wrt="x", layout="denominator", symmetric=["A"]).text()
    '2 A x'

`d` and `parse` raise `matdiff.MatdiffError` (ParseError, ShapeError,
UnsupportedError, UsageError) with the message, the source span and a hint.
In Jupyter, results display as LaTeX (`_repr_latex_`).
"""

from __future__ import annotations

from typing import Iterable, Union

from .core import Result, analyse, differentiate
from .expr import Expr
from .render import as_json, dims_text, names_table, numpy_code, text_of
from .render.latex import to_latex
from .render.unicode import to_unicode
from .shapes import Declarations, Typed
from .textform import to_text

Names = Union[str, Iterable[str]]


def _decls(scalar: Names, vector: Names, matrix: Names, symmetric: Names,
           square: Names = ()) -> Declarations:
    def names(v):
        return [v] if isinstance(v, str) else list(v or ())
    return Declarations.from_lists(names(scalar), names(vector), names(matrix), names(symmetric),
                                   names(square))


class Derivative:
    """A derivative: print it, or get it as LaTeX, NumPy code, Python or JSON."""

    def __init__(self, result: Result) -> None:
        self._result = result

    # -- what it is --------------------------------------------------------------
    @property
    def expr(self) -> Expr:
        """The derivative as an expression tree (in its layout)."""
        return self._result.expr

    @property
    def function(self) -> Expr:
        return self._result.function

    @property
    def wrt(self) -> str:
        """The variable (the first one, for a second derivative)."""
        return self._result.wrt

    @property
    def wrts(self) -> tuple:
        """Every variable, in order (two for a second derivative)."""
        return self._result.wrts

    @property
    def layout(self) -> str:
        return self._result.layout

    @property
    def kind(self) -> str:
        """e.g. 'scalar-by-matrix', 'vector-by-vector'."""
        return self._result.kind

    @property
    def shape(self) -> tuple:
        """The derivative's shape, with symbolic dimensions such as ('n', 'm')."""
        return tuple(dims_text(self._result.expr.shape))

    @property
    def names(self) -> dict:
        """Each name's kind and shape, as in the JSON output."""
        return names_table(self._result.typed)

    # -- how it prints -------------------------------------------------------------
    def text(self) -> str:
        """The derivative in matdiff's input syntax (it parses back)."""
        return text_of(self._result)

    def pretty(self) -> str:
        """The derivative in Unicode math: B Xᵀ C A + Bᵀ Xᵀ Aᵀ Cᵀ."""
        return to_unicode(self._result.expr)

    def latex(self) -> str:
        """The derivative in LaTeX."""
        return to_latex(self._result.expr)

    def numpy(self) -> str:
        """One NumPy expression over the input names (vectors are 1-D arrays)."""
        return numpy_code(self._result)

    def python(self) -> str:
        """A runnable module computing the value and the derivative, with a check()."""
        from .render.python import python_code
        return python_code(self._result)

    def json(self) -> dict:
        """The JSON object of `--format json`, as a dict."""
        return as_json(self._result)

    @property
    def notes(self) -> tuple:
        """Remarks on how the input was read (a name taken as a scalar, a zero result)."""
        return self._result.notes

    def explain(self, fmt: str = "text") -> str:
        """The derivation step by step ('text' or 'markdown')."""
        from .explain import explain, to_markdown, to_plain
        r = self._result
        ex = explain(r.source, list(r.wrts), self.layout, r.typed.decls, r.convention or "sym")
        return to_markdown(ex) if fmt in ("markdown", "latex") else to_plain(ex)

    def check(self, trials: int = 3, tolerance: float = 1e-6, seed: int = 0):
        """Compare with finite differences at random inputs; a report with
        .max_rel_error and .ok. Needs NumPy and SciPy."""
        from .verify import check
        return check(self._result, trials, tolerance, seed)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<matdiff.Derivative d/d{self.wrt} ({self.layout}): {self.text()}>"

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def __eq__(self, other) -> bool:
        return isinstance(other, Derivative) and other._result.expr == self._result.expr

    def __hash__(self) -> int:
        return hash(self._result.expr)


class Expression:
    """A parsed expression with its names' kinds and shapes."""

    def __init__(self, typed: Typed) -> None:
        self._typed = typed

    @property
    def expr(self) -> Expr:
        return self._typed.expr

    @property
    def shape(self) -> tuple:
        return tuple(dims_text(self._typed.expr.shape))

    @property
    def names(self) -> dict:
        return names_table(self._typed)

    def text(self) -> str:
        """The expression in matdiff's input syntax."""
        return to_text(self._typed.expr, self._typed.style)

    def latex(self) -> str:
        """The expression in LaTeX."""
        return to_latex(self._typed.expr)

    def d(self, wrt, layout: str = "numerator", convention: str = "sym") -> Derivative:
        """The derivative of this expression with respect to `wrt` (or a pair of names)."""
        return Derivative(differentiate(self._typed.source, wrt, layout, self._typed.decls,
                                        convention))

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<matdiff.Expression {self.text()}>"

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"


def parse(expr: str, *, scalar: Names = (), vector: Names = (), matrix: Names = (),
          symmetric: Names = (), square: Names = ()) -> Expression:
    """Parse and check an expression (kinds by name unless declared)."""
    return Expression(analyse(expr, _decls(scalar, vector, matrix, symmetric, square)))


def d(expr: str, wrt, *, layout: str = "numerator", scalar: Names = (),
      vector: Names = (), matrix: Names = (), symmetric: Names = (), square: Names = (),
      convention: str = "sym") -> Derivative:
    """The derivative of `expr` with respect to `wrt` (a name, or a pair of names for a
    second derivative), simplified, in `layout`; `convention` ("sym" or "cookbook") for a
    variable declared symmetric."""
    return Derivative(differentiate(expr, wrt, layout,
                                    _decls(scalar, vector, matrix, symmetric, square),
                                    convention))


__all__ = ["d", "parse", "Derivative", "Expression"]
