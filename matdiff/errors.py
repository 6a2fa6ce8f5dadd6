"""The one domain error type of matdiff, with a source span.

Every stage raises a `MatdiffError` (or a subclass naming the kind of problem);
the CLI catches it once, prints one line on stderr (plus a caret under the input
on a terminal) and exits with `exit_code`. Nothing else in the package prints.
"""

from __future__ import annotations

Span = tuple[int, int]


class MatdiffError(Exception):
    """A problem with the user's input: what is wrong, where, and what to try."""

    kind = "error"
    exit_code = 1

    def __init__(self, message: str, span: Span | None = None, hint: str | None = None,
                 source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint
        self.source = source

    def with_source(self, source: str) -> "MatdiffError":
        if self.source is None:
            self.source = source
        return self

    @property
    def column(self) -> int | None:
        """1-based column of the start of the span, if there is one."""
        return None if self.span is None else self.span[0] + 1

    def one_line(self) -> str:
        where = f" at column {self.column}" if self.column is not None else ""
        text = f"{self.kind}{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def caret(self) -> str | None:
        """The input with a caret line under the span, or None."""
        if self.span is None or self.source is None or "\n" in self.source:
            return None
        start, end = self.span
        width = max(1, min(end, len(self.source)) - start)
        return f"  {self.source}\n  {' ' * start}{'^' * width}"

    def __str__(self) -> str:
        return self.one_line()


class ParseError(MatdiffError):
    """The text is not an expression of the grammar."""

    kind = "parse error"


class ShapeError(MatdiffError):
    """The operands' shapes or kinds do not fit together."""

    kind = "shape error"


class UnknownNameError(MatdiffError):
    """A name that is not matdiff's: a misspelt function, another tool's spelling."""

    kind = "unknown name"


class UnsupportedError(MatdiffError):
    """A well-formed expression whose derivative matdiff cannot express."""

    kind = "unsupported"


class UsageError(MatdiffError):
    """Bad command-line usage (conflicting declarations, unknown layout...)."""

    kind = "usage error"
    exit_code = 2
