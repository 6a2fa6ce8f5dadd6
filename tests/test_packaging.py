"""Packaging and start-up: the wheel carries the grammar; the common path stays light."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_the_grammar_and_works_without_the_checkout(tmp_path):
    pytest.importorskip("hatchling")
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(out)], check=True,
                   capture_output=True, timeout=300)
    wheel = next(out.glob("matdiff-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        assert "matdiff/grammar/matdiff.lark" in names
        site = tmp_path / "site"
        z.extractall(site)
    probe = ("import matdiff.parser as p, sys; print(p.grammar_path());"
             "from matdiff.core import differentiate;"
             "print(differentiate('tr(A X)', 'X').expr)")
    env = dict(os.environ, PYTHONPATH=str(site), MATDIFF_CACHE_DIR=str(tmp_path / "cache"))
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                       cwd=tmp_path, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    grammar, result = r.stdout.split("\n")[:2]
    assert grammar.startswith(str(site))
    assert result == "A"


def test_the_common_path_imports_no_heavy_library():
    probe = ("import sys\nfrom matdiff.cli import main\n"
             "try:\n    main(['d', 'tr(A X B X^T C)', 'wrt', 'X', '--format', 'text'])\n"
             "except SystemExit:\n    pass\n"
             "print('HEAVY', sorted(m for m in ('sympy', 'numpy', 'scipy', 'rich', 'pydantic')"
             " if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert "HEAVY []" in r.stdout, r.stdout + r.stderr


def test_sympy_is_imported_only_for_derived_functions(tmp_path):
    """Built-in functions never import SymPy; SymPy derives f' of a derived function
    (arcsinh) once, and later processes read the formula from the cache."""
    probe = ("import sys\nfrom matdiff.core import differentiate\n"
             "differentiate('sum(sigmoid(x)) + sin(x)^T tanh(x)', 'x')\n"
             "a = 'sympy' in sys.modules\n"
             "differentiate('arcsinh(x)^T a', 'x'); b = 'sympy' in sys.modules\n"
             "print(a, b)")
    env = dict(os.environ, MATDIFF_CACHE_DIR=str(tmp_path))
    first = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           cwd=ROOT, timeout=120, env=env)
    assert first.stdout.strip() == "False True", first.stderr
    again = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           cwd=ROOT, timeout=120, env=env)
    assert again.stdout.strip() == "False False", again.stderr
