"""The command line (stage 8): `matdiff d`, `matdiff check`, `matdiff explain`.

Errors from every stage arrive here as `MatdiffError` and leave as one line on
stderr (with a caret under the input when stderr is a terminal) and exit code 1
(bad expression) or 2 (bad usage). Rich is used only for pretty output on a
terminal, and not under NO_COLOR; machine formats are written as plain text.
`matdiff d - wrt X` reads one expression per line from stdin and writes one
result per line, in order.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import List, Optional

import typer

from . import __version__
from .errors import MatdiffError, UsageError

EXAMPLES = """Examples:

  matdiff d "tr(A X B X^T C)" wrt X
  matdiff d "x^T A x" wrt x --layout denominator --symmetric A
  matdiff d "expm(t A)" wrt t --scalar t --format numpy
  matdiff d "det(X)" wrt X --check
  echo "t: scalar; expm(t A)" | matdiff d - wrt t
  matdiff explain "tr(A X B X^T C)" wrt X
  matdiff check "norm(x - a)" wrt x
"""

app = typer.Typer(add_completion=True, no_args_is_help=True, rich_markup_mode=None,
                  help="matdiff: derivatives in matrix calculus, in numerator or denominator "
                       "layout.\n\n" + EXAMPLES,
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
    python = "python"


class ExplainFormat(str, Enum):
    pretty = "pretty"
    text = "text"
    latex = "latex"


def _version(value: bool):
    if value:
        typer.echo(f"matdiff {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(version: bool = typer.Option(False, "--version", callback=_version,
                                              is_eager=True, help="Print the version and exit.")):
    """matdiff: derivatives in matrix calculus (numerator layout by default)."""


# ---------------------------------------------------------------------------
# shared pieces

EXPR = typer.Argument(..., help="The expression, e.g. \"x^T A x\"; '-' reads one per line "
                                "from stdin.")
WRT = typer.Argument(..., metavar="wrt", help="The word 'wrt'.")
VAR = typer.Argument(..., help="The variable.")
LAYOUT = typer.Option(Layout.numerator, "--layout", "-l",
                      help="numerator (the default) or denominator.")
SCALAR = typer.Option([], "--scalar", help="Names that are scalars (comma-separated).")
VECTOR = typer.Option([], "--vector", help="Names that are column vectors.")
MATRIX = typer.Option([], "--matrix", help="Names that are matrices.")
SYMMETRIC = typer.Option([], "--symmetric", help="Names of symmetric matrices.")


def report(err: MatdiffError, prefix: str = "") -> None:
    sys.stderr.write("matdiff: " + prefix + err.one_line() + "\n")
    caret = err.caret()
    if caret and sys.stderr.isatty():
        sys.stderr.write(caret + "\n")


def fail(err: MatdiffError) -> "typer.Exit":
    report(err)
    return typer.Exit(err.exit_code)


def styled_terminal() -> bool:
    """Rich styling only on a terminal, and not under NO_COLOR or TERM=dumb."""
    return (sys.stdout.isatty() and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb")


def declarations(scalar, vector, matrix, symmetric):
    from .shapes import Declarations
    return Declarations.from_lists(scalar, vector, matrix, symmetric)


def check_wrt(word: str) -> None:
    if word != "wrt":
        raise UsageError(f"expected the word 'wrt' after the expression, got {word!r}")


def emit_pretty(result) -> None:
    from .render import pretty_lines

    label, formula = pretty_lines(result)
    if styled_terminal():
        from rich.console import Console
        from rich.text import Text

        line = Text()
        line.append(label, style="dim")
        line.append(" = ", style="dim")
        line.append(formula, style="bold")
        Console(highlight=False).print(line)
    else:
        sys.stdout.write(f"{label} = {formula}\n")


def run_check(result, trials: int, tolerance: float):
    from .verify import check
    return check(result, trials=trials, tolerance=tolerance)


# ---------------------------------------------------------------------------
# matdiff d


@app.command("d", help="Differentiate EXPR with respect to VAR.", epilog=EXAMPLES)
def d_command(
    expr: str = EXPR, wrt_word: str = WRT, var: str = VAR, layout: Layout = LAYOUT,
    fmt: Optional[Format] = typer.Option(
        None, "--format", "-f",
        help="pretty (the default on a terminal), text (the default otherwise), latex, json, "
             "numpy, python."),
    scalar: List[str] = SCALAR, vector: List[str] = VECTOR, matrix: List[str] = MATRIX,
    symmetric: List[str] = SYMMETRIC,
    check: bool = typer.Option(False, "--check",
                               help="Also verify the result by finite differences."),
    trials: int = typer.Option(3, "--trials", help="Random inputs for --check."),
):
    try:
        check_wrt(wrt_word)
        decls = declarations(scalar, vector, matrix, symmetric)
        if expr == "-":
            if fmt == Format.python:
                raise UsageError("--format python writes a whole module; give one expression")
            code = run_batch(sys.stdin, var, layout.value, fmt, decls, check, trials)
            raise typer.Exit(code)
        ok = run_single(expr, var, layout.value, fmt, decls, check, trials)
    except MatdiffError as err:
        raise fail(err)
    if not ok:
        raise typer.Exit(1)


def render_one(result, fmt: Optional[Format], check_report=None) -> str:
    from .render import render

    if fmt == Format.python:
        from .render.python import python_code
        return python_code(result).rstrip("\n")
    if fmt == Format.json:
        import json

        from .render import as_json
        obj = as_json(result)
        if check_report is not None:
            obj["check"] = {"max_rel_error": check_report.max_rel_error,
                            "trials": check_report.trials, "ok": check_report.ok}
        return json.dumps(obj, ensure_ascii=False)
    return render(result, fmt.value if fmt else "text")


def run_single(expr, var, layout, fmt, decls, check, trials) -> bool:
    from .core import differentiate

    result = differentiate(expr, var, layout, decls)
    rep = run_check(result, trials, 1e-6) if check else None
    if (fmt == Format.pretty or fmt is None) and sys.stdout.isatty():
        emit_pretty(result)
    else:
        sys.stdout.write(render_one(result, fmt, rep) + "\n")
    if rep is not None and fmt != Format.json:
        from .verify import describe
        sys.stderr.write("matdiff: " + describe(rep) + "\n")
    return rep is None or rep.ok


def run_batch(lines, var, layout, fmt, decls, check, trials) -> int:
    """One result per input line, in order; a bad line gets an error naming its line
    number and an empty line (JSON: an error object) in the output."""
    import json

    from .core import differentiate
    from .shapes import split_declarations
    from .verify import describe

    status = 0
    for number, raw_line in enumerate(lines, 1):
        line = raw_line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            sys.stdout.write("\n")
            continue
        try:
            line_decls, text, prefix = split_declarations(line)
            offset = len(line) - len(text)
            try:
                result = differentiate(text, var, layout, decls.merged(line_decls))
            except MatdiffError as err:
                if err.span is not None:
                    err.span = (err.span[0] + offset, err.span[1] + offset)
                err.source = line
                raise
            rep = run_check(result, trials, 1e-6) if check else None
            if fmt == Format.pretty:
                from .render.unicode import to_unicode
                out = to_unicode(result.expr)
            else:
                out = render_one(result, fmt, rep)
                if fmt in (None, Format.text):
                    out = prefix + out
            sys.stdout.write(out + "\n")
            if rep is not None and fmt != Format.json:
                sys.stderr.write(f"matdiff: line {number}: {describe(rep)}\n")
            if rep is not None and not rep.ok:
                status = 1
        except MatdiffError as err:
            report(err, f"line {number}: ")
            status = max(status, 1)
            if fmt == Format.json:
                sys.stdout.write(json.dumps({"input": line, "line": number, "error": {
                    "kind": err.kind, "message": err.message, "column": err.column,
                    "hint": err.hint}}, ensure_ascii=False) + "\n")
            else:
                sys.stdout.write("\n")
        sys.stdout.flush()
    return status


# ---------------------------------------------------------------------------
# matdiff check, matdiff explain


@app.command("check", help="Differentiate, then verify the result numerically; exit 1 if the "
                           "check fails.", epilog=EXAMPLES)
def check_command(
    expr: str = EXPR, wrt_word: str = WRT, var: str = VAR, layout: Layout = LAYOUT,
    scalar: List[str] = SCALAR, vector: List[str] = VECTOR, matrix: List[str] = MATRIX,
    symmetric: List[str] = SYMMETRIC,
    trials: int = typer.Option(3, "--trials", help="Random inputs."),
    tolerance: float = typer.Option(1e-6, "--tolerance", help="Largest relative error allowed."),
):
    from .core import differentiate
    from .render import render
    from .verify import describe

    try:
        check_wrt(wrt_word)
        result = differentiate(expr, var, layout.value,
                               declarations(scalar, vector, matrix, symmetric))
        rep = run_check(result, trials, tolerance)
    except MatdiffError as err:
        raise fail(err)
    sys.stdout.write(render(result, "text") + "\n" + describe(rep) + "\n")
    if not rep.ok:
        raise typer.Exit(1)


@app.command("explain", help="Show the derivation step by step.", epilog=EXAMPLES)
def explain_command(
    expr: str = EXPR, wrt_word: str = WRT, var: str = VAR, layout: Layout = LAYOUT,
    fmt: Optional[ExplainFormat] = typer.Option(
        None, "--format", "-f", help="pretty (on a terminal), text, or latex (Markdown)."),
    scalar: List[str] = SCALAR, vector: List[str] = VECTOR, matrix: List[str] = MATRIX,
    symmetric: List[str] = SYMMETRIC,
):
    from .explain import explain, lines_plain, to_markdown, to_plain

    try:
        check_wrt(wrt_word)
        ex = explain(expr, var, layout.value, declarations(scalar, vector, matrix, symmetric))
    except MatdiffError as err:
        raise fail(err)
    if fmt == ExplainFormat.latex:
        sys.stdout.write(to_markdown(ex))
        return
    if (fmt == ExplainFormat.pretty or fmt is None) and styled_terminal():
        from rich.console import Console
        from rich.text import Text

        console = Console(highlight=False)
        first = True
        for kind, text, note in lines_plain(ex):
            if kind == "title":
                if not first:
                    console.print()
                console.print(Text(text, style="bold underline"))
                first = False
            elif kind == "text":
                console.print(Text("  " + text, style="italic"))
            else:
                row = Text("  " + text)
                if note:
                    row.append("    " + note, style="dim")
                console.print(row)
        return
    sys.stdout.write(to_plain(ex) + "\n")


# ---------------------------------------------------------------------------


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
        hint = f"see '{cmd} --help'"
        if isinstance(exc, click.exceptions.NoSuchOption):
            hint = "an expression that starts with '-' goes after '--', as in " \
                   "matdiff d -- \"-x^T x\" wrt x"
        sys.stderr.write(f"matdiff: usage error: {exc.format_message()} ({hint})\n")
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
    except BrokenPipeError:
        raise SystemExit(0)
    except Exception as exc:   # never a traceback: report and fail
        if os.environ.get("MATDIFF_DEBUG"):
            raise
        sys.stderr.write(f"matdiff: internal error: {type(exc).__name__}: {exc} "
                         "(please report; MATDIFF_DEBUG=1 shows the traceback)\n")
        raise SystemExit(1)
