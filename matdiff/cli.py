"""The command line (stage 8): `matdiff d`, `matdiff check`, `matdiff explain`.

Errors from every stage arrive here as `MatdiffError` and leave as one line on
stderr (with a caret under the input when stderr is a terminal) and exit code 1
(bad expression) or 2 (bad usage). Rich is used only for pretty output on a
terminal, and not under NO_COLOR; machine formats are written as plain text.
`matdiff d - wrt X` reads one expression per line from stdin and writes one
result per line, in order. Options may come anywhere, before or after `--`, and an
expression may start with '-' (`matdiff d "-logdet(X)" wrt X`).
"""

from __future__ import annotations

import os
import re
import sys
from enum import Enum
from typing import List, Optional

import typer

from . import __version__
from .errors import MatdiffError, UsageError

EXAMPLES = """Examples:

\b
  matdiff d "tr(A X B X^T C)" wrt X
  matdiff d "x^T A x" wrt x --layout denominator --symmetric A
  matdiff d "-logdet(X)" wrt X
  matdiff d "sum(softplus(X w)) - y^T X w" wrt w
  matdiff d "A X B" wrt X                    (a vec-Jacobian: kron(B^T, A))
  matdiff d "x^T A x" wrt x wrt x            (the Hessian)
  matdiff d "logdet(S)" wrt S --symmetric S  (a symmetric variable)
  matdiff d "expm(t A)" wrt t --scalar t --format numpy
  matdiff d "det(X)" wrt X --check
  echo "t: scalar; expm(t A)" | matdiff d - wrt t
  matdiff explain "tr(A X B X^T C)" wrt X
  matdiff check "norm(x - a)" wrt x
"""

SYNTAX = """Names: Uppercase = matrix, lowercase = column vector, Greek (alpha, theta) =
scalar; declare others with --scalar/--vector/--matrix (--square, --symmetric). I
is the identity, ones a vector of ones, matrix(1) a matrix of ones. An unknown
name applied to names, u(x), is an abstract function.

Syntax: A X B (product; also *), + -, / (by a scalar), .* ./ .^ (element-wise), X^T
or X', X^-1 or inv(X), X^n, kron(A, B), tr det logdet adj pinv norm norm1 sum
diag vec exp log sin cos tan tanh sinh cosh sqrt abs sign sigmoid softplus relu
log1p softmax logsumexp expm sinm cosm logm sqrtm; a scalar added to a vector
acts on every entry."""

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


class Convention(str, Enum):
    sym = "sym"
    cookbook = "cookbook"


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

ARGS = typer.Argument(..., metavar="EXPR wrt VAR [wrt VAR2]",
                      help="The expression (e.g. \"x^T A x\"; '-' reads one per line from "
                           "stdin), the word wrt and the variable; a second 'wrt VAR2' asks "
                           "for a second derivative.")
LAYOUT = typer.Option(Layout.numerator, "--layout", "-l",
                      help="numerator (the default) or denominator.")
SCALAR = typer.Option([], "--scalar", help="Names that are scalars (comma-separated).")
VECTOR = typer.Option([], "--vector", help="Names that are column vectors.")
MATRIX = typer.Option([], "--matrix", help="Names that are matrices.")
SYMMETRIC = typer.Option([], "--symmetric", help="Names of symmetric matrices.")
SQUARE = typer.Option([], "--square", help="Names of square matrices (tr(kron(A, X)) with "
                                           "square A and X is tr(A) I).")
CONVENTION = typer.Option(Convention.sym, "--symmetric-convention",
                          help="For a symmetric variable: sym (the gradient on symmetric "
                               "matrices, (G + G^T)/2; the default) or cookbook (the Matrix "
                               "Cookbook's G + G^T - G .* I).")


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


def declarations(scalar, vector, matrix, symmetric, square=()):
    from .shapes import Declarations
    return Declarations.from_lists(scalar, vector, matrix, symmetric, square)


def split_args(args: list) -> tuple[str, list]:
    """EXPR wrt VAR [wrt VAR2] as (EXPR, [VAR, VAR2])."""
    if not args:
        raise UsageError("missing the expression", hint="matdiff d EXPR wrt VAR")
    expr, rest = args[0], list(args[1:])
    if not rest:
        raise UsageError("missing 'wrt VAR' after the expression",
                         hint=f"matdiff d \"{expr}\" wrt X")
    variables = []
    while rest:
        word = rest.pop(0)
        if word[:1] in "—–‐−" and word[1:2].isalpha():
            raise UsageError(f"{word!r} looks like an option written with a typographic dash",
                             hint=f"write --{word.lstrip('—–‐−-')}")
        if word != "wrt":
            if not variables and len(args) == 2:
                raise UsageError(f"expected the word 'wrt' before the variable, got {word!r}",
                                 hint=f"matdiff d \"{expr}\" wrt {word}")
            raise UsageError(f"expected the word 'wrt', got {word!r}")
        if not rest:
            raise UsageError("missing the variable after 'wrt'")
        variables.append(rest.pop(0))
    if len(variables) > 2:
        raise UsageError("at most two variables (wrt A wrt B, a second derivative)")
    return expr, variables


def emit_pretty(result) -> None:
    from .render import pretty_lines

    label, formula = pretty_lines(result)
    extra = []
    if result.convention:
        extra.append(f"symmetric {result.wrt}: {result.convention} convention")
    if result.typed.functions:
        extra.append("abstract functions: " + ", ".join(sorted(result.typed.functions)))
    if styled_terminal():
        from rich.console import Console
        from rich.text import Text

        line = Text()
        line.append(label, style="dim")
        line.append(" = ", style="dim")
        line.append(formula, style="bold")
        if extra:
            line.append("    (" + "; ".join(extra) + ")", style="dim")
        Console(highlight=False).print(line)
    else:
        tail = f"    ({'; '.join(extra)})" if extra else ""
        sys.stdout.write(f"{label} = {formula}{tail}\n")


def run_check(result, trials: int, tolerance: float):
    from .verify import check
    return check(result, trials=trials, tolerance=tolerance)


def notes_to_stderr(result, prefix: str = "") -> None:
    for note in result.notes:
        sys.stderr.write(f"matdiff: {prefix}note: {note}\n")


# ---------------------------------------------------------------------------
# matdiff d


@app.command("d", help="Differentiate EXPR with respect to VAR (twice with 'wrt A wrt B').\n\n"
                       + SYNTAX, epilog=EXAMPLES)
def d_command(
    args: List[str] = ARGS, layout: Layout = LAYOUT,
    fmt: Optional[Format] = typer.Option(
        None, "--format", "-f",
        help="pretty (the default on a terminal), text (the default otherwise), latex, json, "
             "numpy, python."),
    scalar: List[str] = SCALAR, vector: List[str] = VECTOR, matrix: List[str] = MATRIX,
    symmetric: List[str] = SYMMETRIC, square: List[str] = SQUARE,
    convention: Convention = CONVENTION,
    check: bool = typer.Option(False, "--check",
                               help="Also verify the result by finite differences."),
    trials: int = typer.Option(3, "--trials", help="Random inputs for --check."),
):
    try:
        expr, variables = split_args(args)
        decls = declarations(scalar, vector, matrix, symmetric, square)
        check_convention(convention, decls, variables)
        if expr == "-":
            if fmt == Format.python:
                raise UsageError("--format python writes a whole module; give one expression")
            code = run_batch(sys.stdin, variables, layout.value, fmt, decls, check, trials,
                             convention.value)
            raise typer.Exit(code)
        ok = run_single(expr, variables, layout.value, fmt, decls, check, trials,
                        convention.value)
    except MatdiffError as err:
        raise fail(err)
    if not ok:
        raise typer.Exit(1)


def check_convention(convention, decls, variables) -> None:
    if convention != Convention.sym and not any(v in decls.symmetric for v in variables):
        raise UsageError("--symmetric-convention applies to a variable declared --symmetric",
                         hint=f"add --symmetric {variables[0]}")


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


def run_single(expr, variables, layout, fmt, decls, check, trials, convention) -> bool:
    from .core import differentiate

    result = differentiate(expr, variables, layout, decls, convention)
    rep = run_check(result, trials, 1e-6) if check else None
    if (fmt == Format.pretty or fmt is None) and sys.stdout.isatty():
        emit_pretty(result)
    else:
        sys.stdout.write(render_one(result, fmt, rep) + "\n")
    if fmt != Format.json:
        notes_to_stderr(result)
    if rep is not None and fmt != Format.json:
        from .verify import describe
        sys.stderr.write("matdiff: " + describe(rep) + "\n")
    return rep is None or rep.ok


def run_batch(lines, variables, layout, fmt, decls, check, trials, convention) -> int:
    """One result per input line, in order; a bad line gets an error naming its line
    number and an empty line (JSON: an error object) in the output."""
    from .core import differentiate
    from .shapes import split_declarations
    from .verify import describe

    status = 0
    for number, raw_line in enumerate(lines, 1):
        line = raw_line.rstrip("\n").rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            sys.stdout.write("\n")
            continue
        try:
            line_decls, text, prefix = split_declarations(line)
            offset = len(line) - len(text)
            try:
                result = differentiate(text, variables, layout, decls.merged(line_decls),
                                       convention)
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
            if fmt != Format.json:
                notes_to_stderr(result, f"line {number}: ")
            if rep is not None and fmt != Format.json:
                sys.stderr.write(f"matdiff: line {number}: {describe(rep)}\n")
            if rep is not None and not rep.ok:
                status = 1
        except MatdiffError as err:
            report(err, f"line {number}: ")
            status = max(status, 1)
            _error_line(fmt, line, number, err.kind, err.message, err.column, err.hint)
        except RecursionError:
            sys.stderr.write(f"matdiff: line {number}: unsupported: the expression is too "
                             "deeply nested\n")
            status = max(status, 1)
            _error_line(fmt, line, number, "unsupported", "too deeply nested", None, None)
        except Exception as exc:   # noqa: BLE001 - one bad line never stops the others
            if os.environ.get("MATDIFF_DEBUG"):
                raise
            sys.stderr.write(f"matdiff: line {number}: error: {type(exc).__name__}: {exc} "
                             "(please report this)\n")
            status = max(status, 1)
            _error_line(fmt, line, number, "error", f"{type(exc).__name__}: {exc}", None, None)
        sys.stdout.flush()
    return status


def _error_line(fmt, line, number, kind, message, column, hint) -> None:
    """The output line of a failed batch line: empty, or a JSON error object."""
    import json
    if fmt == Format.json:
        sys.stdout.write(json.dumps({"input": line, "line": number, "error": {
            "kind": kind, "message": message, "column": column, "hint": hint}},
            ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("\n")


# ---------------------------------------------------------------------------
# matdiff check, matdiff explain


@app.command("check", help="Differentiate, then verify the result numerically; exit 1 if the "
                           "check fails.", epilog=EXAMPLES)
def check_command(
    args: List[str] = ARGS, layout: Layout = LAYOUT,
    scalar: List[str] = SCALAR, vector: List[str] = VECTOR, matrix: List[str] = MATRIX,
    symmetric: List[str] = SYMMETRIC, square: List[str] = SQUARE,
    convention: Convention = CONVENTION,
    trials: int = typer.Option(3, "--trials", help="Random inputs."),
    tolerance: float = typer.Option(1e-6, "--tolerance", help="Largest relative error allowed."),
):
    from .core import differentiate
    from .render import render
    from .verify import describe

    try:
        expr, variables = split_args(args)
        decls = declarations(scalar, vector, matrix, symmetric, square)
        check_convention(convention, decls, variables)
        result = differentiate(expr, variables, layout.value, decls, convention.value)
        rep = run_check(result, trials, tolerance)
    except MatdiffError as err:
        raise fail(err)
    sys.stdout.write(render(result, "text") + "\n" + describe(rep) + "\n")
    notes_to_stderr(result)
    if not rep.ok:
        raise typer.Exit(1)


@app.command("explain", help="Show the derivation step by step.", epilog=EXAMPLES)
def explain_command(
    args: List[str] = ARGS, layout: Layout = LAYOUT,
    fmt: Optional[ExplainFormat] = typer.Option(
        None, "--format", "-f", help="pretty (on a terminal), text, or latex (Markdown)."),
    scalar: List[str] = SCALAR, vector: List[str] = VECTOR, matrix: List[str] = MATRIX,
    symmetric: List[str] = SYMMETRIC, square: List[str] = SQUARE,
    convention: Convention = CONVENTION,
):
    from .explain import explain, lines_plain, to_markdown, to_plain

    try:
        expr, variables = split_args(args)
        decls = declarations(scalar, vector, matrix, symmetric, square)
        check_convention(convention, decls, variables)
        ex = explain(expr, variables, layout.value, decls, convention.value)
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
# the argument list: options anywhere, expressions that start with '-'

_VALUED = {"--layout", "-l", "--format", "-f", "--scalar", "--vector", "--matrix",
           "--symmetric", "--square", "--symmetric-convention", "--trials", "--tolerance"}
_FLAGS = {"--check", "--help", "-h"}
_COMMANDS = {"d", "check", "explain"}


def arrange_args(argv: list) -> list:
    """Options first, then '--', then the positional arguments, so that an expression
    may start with '-' and options may follow '--' or the expression."""
    if not argv or argv[0] not in _COMMANDS:
        return argv
    options: list = []
    positional: list = []
    it = iter(argv[1:])
    for a in it:
        if a == "--":
            continue
        name = a.split("=", 1)[0]
        if name in _VALUED:
            options.append(a)
            if "=" not in a:
                value = next(it, None)
                if value is None:
                    import click
                    raise click.UsageError(f"option {name} needs a value")
                options.append(value)
        elif a in _FLAGS:
            options.append(a)
        elif a.startswith("--") and len(a) > 2 and a[2:3].isalpha():
            options.append(a)          # unknown: click names it
        else:
            positional.append(a)
    return [argv[0]] + options + ["--"] + positional


def main(argv: list[str] | None = None) -> None:
    import click

    if argv is None:
        argv = sys.argv[1:]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
    try:
        code = app(args=arrange_args(list(argv)), prog_name="matdiff", standalone_mode=False)
        if isinstance(code, int) and code:
            raise SystemExit(code)
    except click.exceptions.UsageError as exc:      # one line, exit 2
        if type(exc).__name__ == "NoArgsIsHelpError":
            sys.stdout.write(exc.format_message() + "\n")
            raise SystemExit(0)
        cmd = exc.ctx.command_path if exc.ctx is not None else "matdiff"
        message = re.sub(r"(Did you mean [^?]*\?)(?: \1)+", r"\1",
                         exc.format_message().replace("\n", " "))
        sys.stderr.write(f"matdiff: usage error: {message} (see '{cmd} --help')\n")
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
    except MatdiffError as err:
        report(err)
        raise SystemExit(err.exit_code)
    except RecursionError:
        sys.stderr.write("matdiff: unsupported: the expression is too deeply nested\n")
        raise SystemExit(1)
    except Exception as exc:   # never a traceback: report and fail
        if os.environ.get("MATDIFF_DEBUG"):
            raise
        sys.stderr.write(f"matdiff: error: {type(exc).__name__}: {exc} "
                         "(please report this; MATDIFF_DEBUG=1 shows where)\n")
        raise SystemExit(1)
