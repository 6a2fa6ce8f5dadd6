"""The installed `matdiff` command end to end: formats, exit codes, errors, terminals."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def command() -> list[str]:
    here = Path(sys.executable).parent / "matdiff"
    if here.exists():
        return [str(here)]
    found = shutil.which("matdiff")
    return [found] if found else [sys.executable, "-m", "matdiff"]


def md(*args, env=None):
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e.update(env or {})
    return subprocess.run(command() + list(args), capture_output=True, text=True, env=e,
                          stdin=subprocess.DEVNULL, timeout=60)


def on_terminal(*args, env=None) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal; (exit code, everything printed)."""
    master, slave = pty.openpty()
    e = dict(os.environ, COLUMNS="200", TERM="xterm-256color")
    e.pop("NO_COLOR", None)
    e.update(env or {})
    p = subprocess.Popen(command() + list(args), stdout=slave, stderr=slave,
                         stdin=subprocess.DEVNULL, env=e)
    os.close(slave)
    out = b""
    while True:
        r, _, _ = select.select([master], [], [], 30)
        if not r:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(timeout=30), out.decode("utf-8", "replace")


def test_the_mission_statement():
    r = md("d", "tr(A X B X^T C)", "wrt", "X")
    assert r.returncode == 0
    assert r.stdout == "B X^T C A + B^T X^T A^T C^T\n"
    assert r.stderr == ""


def test_denominator_layout():
    r = md("d", "x^T A x", "wrt", "x", "--layout", "denominator")
    assert r.stdout.strip() == "(A + A^T) x"


def test_declarations():
    r = md("d", "x^T A x", "wrt", "x", "--symmetric", "A")
    assert r.stdout.strip() == "2 x^T A"
    r = md("d", "expm(t A)", "wrt", "t", "--scalar", "t", "--format", "numpy")
    assert r.stdout.strip() == "scipy.linalg.expm(t*A) @ A"


@pytest.mark.parametrize("fmt,expected", [
    ("text", "2 x^T"),
    ("latex", "2 x^{\\top}"),
    ("numpy", "2*x"),
    ("pretty", "2 xᵀ"),
])
def test_formats_in_a_pipe_are_plain(fmt, expected):
    r = md("d", "x^T x", "wrt", "x", "--format", fmt)
    assert r.stdout == expected + "\n"
    assert "\x1b" not in r.stdout


def test_json_format():
    r = md("d", "tr(A X)", "wrt", "X", "--format", "json")
    obj = json.loads(r.stdout)
    assert obj["result"] == "A" and obj["derivative"] == "scalar-by-matrix"
    assert obj["names"]["X"]["kind"] == "matrix"


@pytest.mark.parametrize("args,code,fragments", [
    (["d", "tr(A X", "wrt", "X"], 1, ["parse error at column 7", "unexpected end of input"]),
    (["d", "expm(t A)", "wrt", "t"], 1, ["shape error at column 6", "--scalar t"]),
    (["d", "a^T X^n b", "wrt", "X", "--scalar", "n"], 1, ["unsupported", "no closed form"]),
    (["d", "x x^T", "wrt", "x", "wrt", "x"], 1, ["unsupported", "tensor of order 4"]),
    (["d", "tr(X)", "wrt"], 2, ["usage error", "missing the variable"]),
    (["d", "tr(X)", "X"], 2, ["usage error", "'wrt'", "wrt X"]),
    (["d", "softmax(X)", "wrt", "X"], 1, ["shape error at column 9", "column vector"]),
    (["d", "sigmod(x)", "wrt", "x"], 1, ["did you mean sigmoid"]),
    (["d", "tr(X)", "wrt", "X", "--symmetric-convention", "cookbook"], 2,
     ["usage error", "--symmetric X"]),
    (["d", "tr(X)", "about", "X"], 2, ["usage error", "'wrt'"]),
    (["d", "tr(X)", "wrt", "X", "--layout", "sideways"], 2, ["usage error", "--layout"]),
    (["d", "t", "wrt", "t", "--scalar", "t", "--vector", "t"], 2, ["usage error", "both"]),
    (["nonsense"], 2, ["usage error"]),
    (["dd", "x", "wrt", "x"], 2, ["usage error", "Did you mean 'd'? ("]),      # said once
    (["d", "x^T A x", "wrt", "x", "--layout"], 2, ["usage error", "--layout needs a value"]),
    (["d", "x^T x", "wrt", "x", "—layout", "denominator"], 2, ["typographic dash",
                                                                "write --layout"]),
    (["d", "tahn(W x)", "wrt", "x"], 1, ["did you mean tanh"]),        # swapped letters
    (["d", "sum(x)/N", "wrt", "x"], 1, ["cannot divide by N", "--scalar N"]),
    (["d", "|x|", "wrt", "x"], 1, ["vector", "||x||", "abs(x)"]),
])
def test_errors_are_one_line_with_an_exit_code(args, code, fragments):
    r = md(*args)
    assert r.returncode == code
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("matdiff: ")
    for frag in fragments:
        assert frag in lines[0]
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args,expected", [
    (["d", "-logdet(X)", "wrt", "X"], "-X^-1"),
    (["d", "--", "-logdet(X)", "wrt", "X", "--layout", "denominator"], "-X^-T"),
    (["d", "-x^T x", "wrt", "x", "-l", "denominator"], "-2 x"),
    (["d", "--layout", "denominator", "-x^T x", "wrt", "x"], "-2 x"),
])
def test_expressions_may_start_with_a_minus_and_options_go_anywhere(args, expected):
    r = md(*args)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == expected


def test_a_variable_that_does_not_occur_gives_zero_and_a_note():
    r = md("d", "tr(X)", "wrt", "x")
    assert r.returncode == 0 and r.stdout.strip() == "0"
    assert "note" in r.stderr and "does not depend on x" in r.stderr


def test_help_lists_examples_one_per_line():
    r = md("d", "--help")
    lines = r.stdout.splitlines()
    assert any(line.strip() == 'matdiff d "-logdet(X)" wrt X' for line in lines), r.stdout
    assert any("Greek" in line for line in lines)


def test_version_and_help():
    r = md("--version")
    assert r.returncode == 0 and r.stdout.startswith("matdiff ")
    r = md("d", "--help")
    assert r.returncode == 0 and "EXPR" in r.stdout and "--layout" in r.stdout


def test_pretty_output_on_a_terminal_is_styled():
    code, out = on_terminal("d", "tr(A X B X^T C)", "wrt", "X")
    assert code == 0
    assert "B Xᵀ C A + Bᵀ Xᵀ Aᵀ Cᵀ" in out
    assert "\x1b[" in out


def test_no_color_on_a_terminal():
    code, out = on_terminal("d", "tr(A X B X^T C)", "wrt", "X", env={"NO_COLOR": "1"})
    assert code == 0
    assert "B Xᵀ C A + Bᵀ Xᵀ Aᵀ Cᵀ" in out
    assert "\x1b[" not in out


def test_a_terminal_gets_a_caret_under_the_error():
    code, out = on_terminal("d", "A + * B", "wrt", "A")
    assert code == 1
    lines = [ln for ln in out.replace("\r", "").splitlines() if ln.strip()]
    assert lines[0].startswith("matdiff: parse error at column 5")
    assert lines[1].strip() == "A + * B"
    assert lines[2].index("^") == lines[1].index("*")


def md_in(stdin: str, *args):
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    return subprocess.run(command() + list(args), input=stdin, capture_output=True, text=True,
                          env=e, timeout=120)


def test_batch_one_result_per_line_and_a_bad_line_in_the_middle():
    r = md_in("x^T A x\ntr(A X\n\nnorm(x - a)\n", "d", "-", "wrt", "x")
    assert r.returncode == 1
    assert r.stdout.split("\n") == ["x^T (A + A^T)", "", "", "(x - a)^T/norm(x - a)", ""]
    errors = r.stderr.strip().splitlines()
    assert len(errors) == 1
    assert errors[0].startswith("matdiff: line 2: parse error at column 7")


def test_batch_all_good_exits_zero():
    r = md_in("x^T x\na^T x\n", "d", "-", "wrt", "x", "--layout", "denominator")
    assert r.returncode == 0 and r.stdout == "2 x\na\n" and r.stderr == ""


def test_batch_declarations_travel_with_a_line():
    r = md_in("t: scalar; expm(t A)\nt, s: scalar; A: symmetric; s t^2 A\n", "d", "-", "wrt", "t")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["t: scalar; expm(t A) A",
                                     "t, s: scalar; A: symmetric; 2 s t A"]


def test_batch_error_columns_count_from_the_start_of_the_line():
    r = md_in("t: scalar; expm(t A + x)\n", "d", "-", "wrt", "t")
    assert r.returncode == 1
    assert "line 1: shape error at column 17" in r.stderr


def test_bad_declaration_in_a_batch_line():
    r = md_in("t scalar; t A\n", "d", "-", "wrt", "t")
    assert r.returncode == 1 and "bad declaration 't scalar'" in r.stderr


def test_text_round_trips_into_a_second_derivative():
    first = md("d", "x^T A x", "wrt", "x", "--format", "text")
    second = md_in(first.stdout, "d", "-", "wrt", "x")
    assert second.stdout.strip() == "A + A^T"           # the Hessian
    first = md_in("t: scalar; sin(t) A\n", "d", "-", "wrt", "t")
    second = md_in(first.stdout, "d", "-", "wrt", "t")
    assert second.stdout.strip() == "t: scalar; -sin(t) A"


def test_json_batch_is_one_object_per_line_with_stable_keys():
    r = md_in("x^T A x\n(x\n", "d", "-", "wrt", "x", "--format", "json")
    objs = [json.loads(line) for line in r.stdout.splitlines()]
    assert set(objs[0]) == {"input", "wrt", "layout", "derivative", "names", "result", "latex",
                            "numpy", "shape"}
    assert objs[0]["result"] == "x^T (A + A^T)" and objs[0]["shape"] == [1, "m"]
    assert objs[1]["line"] == 2 and objs[1]["error"]["kind"] == "parse error"
    assert objs[1]["error"]["column"] == 3
    # the JSON's NumPy code evaluates to the derivative
    import numpy as np

    rng = np.random.default_rng(0)
    A, x = rng.standard_normal((3, 3)), rng.standard_normal(3)
    got = eval(objs[0]["numpy"], {"np": np, "A": A, "x": x})
    np.testing.assert_allclose(got, x @ (A + A.T))


def test_check_option_and_command():
    r = md("d", "det(X)", "wrt", "X", "--check")
    assert r.returncode == 0 and r.stdout.strip() == "det(X) X^-1"
    assert "check: max relative error" in r.stderr and r.stderr.strip().endswith(": ok")
    r = md("check", "norm(x - a)", "wrt", "x", "--trials", "2")
    assert r.returncode == 0
    assert r.stdout.splitlines()[1].startswith("check: max relative error")
    r = md("d", "x^T x", "wrt", "x", "--check", "--format", "json")
    assert json.loads(r.stdout)["check"]["ok"] is True
    r = md("check", "u(x)^T a", "wrt", "x")
    assert r.returncode == 1 and "abstract functions" in r.stderr


def test_explain_command():
    r = md("explain", "x^T A x", "wrt", "x")
    assert r.returncode == 0
    assert "Reading off the derivative: d f = G dx  ⇒  ∂f/∂x = G" in r.stdout
    assert "\x1b" not in r.stdout
    r = md("explain", "det(X)", "wrt", "X", "--format", "latex")
    assert r.stdout.startswith("## ") and "$$" in r.stdout


def test_explain_on_a_terminal_is_styled():
    code, out = on_terminal("explain", "tr(X)", "wrt", "X")
    assert code == 0 and "\x1b[" in out and "The differential" in out


def test_help_shows_examples():
    r = md("--help")
    assert "matdiff d \"tr(A X B X^T C)\" wrt X" in r.stdout
    r = md("d", "--help")
    assert "--check" in r.stdout and "Examples:" in r.stdout


def test_shell_completion_is_offered():
    r = md("--help")
    assert "--install-completion" in r.stdout


def test_a_vector_name_declared_square_is_a_matrix_with_a_note():
    r = md("d", "x^T x", "wrt", "x", "--square", "x")
    assert r.returncode == 0 and "x is read as a matrix because it is declared square" in r.stderr
