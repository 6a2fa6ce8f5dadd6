"""matdiff: a derivative calculator for matrix calculus.

    matdiff d "tr(A X B X^T C)" wrt X      →  B Xᵀ C A + Bᵀ Xᵀ Aᵀ Cᵀ

From Python::

    import matdiff
    r = matdiff.d("tr(A X B X^T C)", wrt="X", layout="denominator")
    print(r, r.latex(), r.numpy())

The pipeline, one module per stage, each importing only earlier ones:
grammar/matdiff.lark → parse → shapes (kinds, dimensions) → expr/build →
differential → derivative → simplify → layout → render → cli. The API (`d`,
`parse`, the error types) is loaded on first use, so `import matdiff` is cheap.
"""

__version__ = "0.1.0"

_API = {"d": "api", "parse": "api", "Derivative": "api", "Expression": "api",
        "MatdiffError": "errors", "ParseError": "errors", "ShapeError": "errors",
        "UnsupportedError": "errors", "UsageError": "errors", "UnknownNameError": "errors"}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'matdiff' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"matdiff.{module}"), name)
    globals()[name] = value
    return value
