"""Building blocks of records: argument requirements, element-wise functions and the
default printing and evaluation of a named operation."""

from __future__ import annotations

from typing import Callable

from .. import build as B
from ..expr import Expr, Fn
from .registry import Op, register

# what an argument may be, for the default shape rule
ANY, SQUARE, COL, VECTOR, MATRIX, NONSCALAR, SCALAR_ARG = (
    "any", "square", "col", "vector", "matrix", "nonscalar", "scalar")


def require(ck, raw, e: Expr, need: str, what: str) -> None:
    """Check one argument against a requirement; errors name the operand and its shape."""
    if need == ANY:
        return
    if need == SQUARE:
        if e.is_scalar:
            return
        ck.square(raw, e, what)
        return
    ok = {COL: e.is_col, VECTOR: e.is_vector, MATRIX: e.is_matrix,
          NONSCALAR: not e.is_scalar, SCALAR_ARG: e.is_scalar}[need]
    if not ok:
        words = {COL: "a column vector", VECTOR: "a vector", MATRIX: "a matrix",
                 NONSCALAR: "a vector or a matrix", SCALAR_ARG: "a scalar"}[need]
        raise ck.fail(f"{what} takes {words}; {ck.describe(raw, e)} is not one", raw,
                      hint=ck.kind_hint((raw, e)))


def checker(*needs: str, build: Callable | None = None):
    """A shape rule: each argument meets its requirement, then the node is built."""
    def check(ck, raw, args):
        name = raw.value
        for r, a, need in zip(raw.args, args, needs):
            require(ck, r, a, need, f"{name}()")
        return build(*args) if build is not None else None
    return check


def function(name: str, summary: str, *, arity=(1,), needs=(ANY,), **kw) -> Op:
    """A record for a named operation, registered; `needs` are the argument requirements."""
    op = Op(name, summary, arity=arity, **kw)
    if op.check is None:
        def build(*args, _op=op):
            return _op.build(*args) if _op.build is not None else Fn(_op.name, tuple(args))
        op.check = checker(*needs, build=build)
    return register(op)


# ---------------------------------------------------------------------------
# element-wise functions


def elementwise(name: str, summary: str, *, deriv: Callable[[Expr], Expr], numpy: str,
                derivative: str, value: Callable | None = None, latex: str = "",
                spellings=(), fold: Callable | None = None, kinked: bool = False,
                domain: tuple | None = None) -> Op:
    """f applied to a scalar, or to every entry of a vector or matrix (NumPy's convention).
    `deriv(u)` is f'(u) written element-wise; `numpy` the function's NumPy spelling (a
    function of one argument, e.g. "np.exp" or "(lambda z: ...)"); `value(np, a)` its
    evaluation (default: the NumPy spelling); `fold(v)` its value at a number, or None;
    `kinked`: f is not differentiable at 0 (a numerical check keeps its argument away);
    `domain`: (low, high) (None for unbounded) where f is real and smooth, from which a
    numerical check draws a name that is f's argument."""

    def build(u: Expr, _name=name):
        if fold is not None and B.is_zero(u):
            v = fold(0)
            if v is not None:
                return B.mul(B.num(v), B.ones(u.shape)) if v != 0 else B.zero(u.shape)
        if fold is not None and hasattr(u, "value"):
            v = fold(u.value)
            if v is not None:
                return B.num(v)
        return Fn(_name, (u,))

    def d(e: Fn, dd):
        """d f(U) = f'(U) ∘ dU element-wise (§4: ∂f(x)/∂x = diag(f'(x))); d f(u) = f'(u) du."""
        du = dd(e.arg)
        if B.is_zero(du):
            return B.zero(e.shape)
        return B.had(deriv(e.arg), du)

    def evaluate(np, vals, e):
        with np.errstate(all="ignore"):
            return value(np, vals[0]) if value is not None else _np_attr(np, numpy)(vals[0])

    return function(
        name, summary, spellings=spellings, shape=lambda args: args[0].shape, build=build,
        d=d, derivative=derivative, deriv=deriv,
        transpose=lambda e: B.fn(name, B.transpose(e.arg)),
        latex=(lambda p, e, _l=latex: p.func(_l, e.arg)) if latex else None,
        numpy=lambda p, e: p.call(numpy, e.arg),
        evaluate=evaluate, elementwise=True, family="element-wise",
        extra={**({"kinked": True} if kinked else {}),
               **({"domain": domain} if domain else {})})


def _np_attr(np, spelling: str):
    if "{0}" in spelling:
        return lambda a: eval(spelling.format("a"), {"np": np, "a": a})   # noqa: S307
    if spelling.startswith("np."):
        return getattr(np, spelling[3:])
    raise ValueError(spelling)
