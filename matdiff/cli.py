"""The command line (stage 8): `matdiff d EXPR wrt VAR [options]`.

Errors from every stage arrive here as `MatdiffError` and leave as one line on
stderr (with a caret under the input when stderr is a terminal) and exit code 1
(bad expression) or 2 (bad usage). Rich is used only for pretty output on a
terminal; NO_COLOR and pipes get plain text.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import List, Optional

import typer

from . import __version__
from .errors import MatdiffError, UsageError

app = typer.Typer(add_completion=True, no_args_is_help=True, rich_markup_mode=None,
                  help="matdiff: derivatives in matrix calculus, in numerator or denominator layout.",
                  context_settings={"help_option_names": ["-h", "--help"]})


class Layout(str, Enum):
    numerator = "numerator"
    denominator = "denominator"


class Format(str, Enum):
    pretty = "pretty"
    text = "text"
    latex = "latex"
    json = "json"
    numpy = "numpy"


def _version(value: bool):
    if value:
        typer.echo(f"matdiff {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(version: bool = typer.Option(False, "--version", callback=_version,
                                              is_eager=True, help="Print the version and exit.")):
    """matdiff: derivatives in matrix calculus (numerator layout by default)."""


def fail(err: MatdiffError) -> "typer.Exit":
    sys.stderr.write("matdiff: " + err.one_line() + "\n")
    caret = err.caret()
    if caret and sys.stderr.isatty():
        sys.stderr.write(caret + "\n")
    return typer.Exit(err.exit_code)


def use_pretty(fmt: Optional[Format]) -> bool:
    if fmt is not None:
        return fmt == Format.pretty
    return sys.stdout.isatty()


def styled_terminal() -> bool:
    """Rich styling only on a terminal, and not under NO_COLOR or TERM=dumb."""
    return (sys.stdout.isatty() and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb")


def emit(result, fmt: Optional[Format]) -> None:
    from .render import pretty_lines, render

    if use_pretty(fmt) and styled_terminal():
        from rich.console import Console
        from rich.text import Text

        label, formula = pretty_lines(result)
        console = Console(highlight=False)
        line = Text()
        line.append(label, style="dim")
        line.append(" = ", style="dim")
        line.append(formula, style="bold")
        console.print(line)
        return
    if use_pretty(fmt) and sys.stdout.isatty():
        label, formula = pretty_lines(result)
        sys.stdout.write(f"{label} = {formula}\n")
        return
    sys.stdout.write(render(result, fmt.value if fmt else "text") + "\n")


@app.command("d", help="Differentiate EXPR with respect to VAR:  matdiff d \"tr(A X B X^T C)\" wrt X")
def d_command(
    expr: str = typer.Argument(..., help="The expression, e.g. \"x^T A x\"."),
    wrt_word: str = typer.Argument(..., metavar="wrt", help="The word 'wrt'."),
    var: str = typer.Argument(..., help="The variable."),
    layout: Layout = typer.Option(Layout.numerator, "--layout", "-l",
                                  help="numerator (the default) or denominator."),
    fmt: Optional[Format] = typer.Option(None, "--format", "-f",
                                         help="pretty on a terminal, else text; or latex, json, numpy."),
    scalar: List[str] = typer.Option([], "--scalar", help="Names that are scalars (comma-separated)."),
    vector: List[str] = typer.Option([], "--vector", help="Names that are column vectors."),
    matrix: List[str] = typer.Option([], "--matrix", help="Names that are matrices."),
    symmetric: List[str] = typer.Option([], "--symmetric", help="Names of symmetric matrices."),
):
    from .core import differentiate
    from .shapes import Declarations

    try:
        if wrt_word != "wrt":
            raise UsageError(f"expected the word 'wrt' after the expression, got {wrt_word!r}")
        decls = Declarations.from_lists(scalar, vector, matrix, symmetric)
        result = differentiate(expr, var, layout.value, decls)
        emit(result, fmt)
    except MatdiffError as err:
        raise fail(err)


def main(argv: list[str] | None = None) -> None:
    import click

    try:
        code = app(args=argv, prog_name="matdiff", standalone_mode=False)
        if isinstance(code, int) and code:
            raise SystemExit(code)
    except click.exceptions.UsageError as exc:      # one line, exit 2
        if type(exc).__name__ == "NoArgsIsHelpError":
            sys.stdout.write(exc.format_message() + "\n")
            raise SystemExit(0)
        cmd = exc.ctx.command_path if exc.ctx is not None else "matdiff"
        sys.stderr.write(f"matdiff: usage error: {exc.format_message()} "
                         f"(see '{cmd} --help')\n")
        raise SystemExit(2)
    except click.exceptions.Abort:
        sys.stderr.write("matdiff: aborted\n")
        raise SystemExit(1)
    except click.exceptions.Exit as exc:
        raise SystemExit(exc.exit_code)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write("matdiff: interrupted\n")
        raise SystemExit(130)
    except Exception as exc:   # never a traceback: report and fail
        if os.environ.get("MATDIFF_DEBUG"):
            raise
        sys.stderr.write(f"matdiff: internal error: {type(exc).__name__}: {exc} "
                         "(please report; MATDIFF_DEBUG=1 shows the traceback)\n")
        raise SystemExit(1)
