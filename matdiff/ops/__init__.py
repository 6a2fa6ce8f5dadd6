"""Every operation matdiff knows, one record each (see `registry.Op`).

Where to look: the algebra (sums, products, transposes, powers, Kronecker and
Hadamard products) in `algebra`; tr, det, logdet, adj, pinv, inv in `linalg`; sum,
norms, logsumexp, softmax, dot in `reductions`; vec, unvec, diag, skew, cross in
`shaping`; exp, log, ..., sigmoid, relu in `elementwise` (arcsinh, sec, ... whose
derivatives SymPy derives in `derived`); expm, ..., their Fréchet
derivatives and the matrix power's in `matfun`; abstract functions u(x) and their
derivatives in `abstract`.
"""

from __future__ import annotations

from . import (abstract, algebra, derived, elementwise, linalg, matfun,  # noqa: F401
               reductions, shaping)
from .registry import CALL_NAMES, OPS, Op


def record(name: str) -> Op:
    """The record of an operation (KeyError for an unknown one: a bug, not user input)."""
    return OPS[name]


def of(e) -> Op:
    """The record of a node."""
    return OPS[e.op]


__all__ = ["OPS", "CALL_NAMES", "Op", "record", "of"]
