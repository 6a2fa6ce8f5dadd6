"""Expression tree: immutable nodes with symbolic shapes (stage 2 of the pipeline).

Every node is a frozen dataclass; children are stored in tuples, so `==` is
structural equality and nodes can be dictionary keys. Every value is a matrix:
a scalar is 1x1, a column vector n x 1, a row vector 1 x n. Dimensions are
symbolic: a `Dim` is the integer 1 (or another literal such as 3 for `cross`),
a name such as "m", or a `DimProd` for Kronecker products. Named dimensions are
never 1, so whether a value is a scalar, a vector or a matrix is structural.

Leaves store their shape; inner nodes compute theirs from their children. The
nodes carry no simplification logic: `matdiff.build` has the smart constructors
that keep trees tidy and `matdiff.simplify` the rewrite rules.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from fractions import Fraction
from functools import cached_property
from typing import Any, Callable, Iterator, Union

# ---------------------------------------------------------------------------
# dimensions


@dataclass(frozen=True)
class DimProd:
    """The product of dimensions (rows or columns of a Kronecker product)."""

    factors: tuple

    def __str__(self) -> str:
        return "·".join(str(f) for f in self.factors)


Dim = Union[int, str, DimProd, Any]   # Any: a `shapes.DimVar` while shapes are inferred
Shape = tuple
SCALAR: Shape = (1, 1)


def dim_mul(a, b):
    """The product of two dimensions, with 1 as the unit."""
    if a == 1:
        return b
    if b == 1:
        return a
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    fa = a.factors if isinstance(a, DimProd) else (a,)
    fb = b.factors if isinstance(b, DimProd) else (b,)
    return DimProd(fa + fb)


def shape_str(shape: Shape) -> str:
    r, c = shape
    return f"{r}×{c}"


# ---------------------------------------------------------------------------
# node machinery


def node(cls):
    """Make `cls` a frozen dataclass whose hash is computed once."""
    cls = dataclass(frozen=True, repr=False)(cls)
    generated = cls.__hash__

    def __hash__(self):
        d = self.__dict__
        h = d.get("_hash")
        if h is None:
            h = generated(self)
            d["_hash"] = h   # frozen: write the cache straight into __dict__
        return h

    cls.__hash__ = __hash__
    cls._child_fields = tuple(f.name for f in fields(cls) if f.metadata.get("child")
                              or f.name in CHILD_FIELD_NAMES)
    return cls


CHILD_FIELD_NAMES = {"arg", "a", "b", "terms", "factors", "base", "darg", "args"}


class Expr:
    """Base class of expression nodes."""

    _child_fields: tuple = ()

    # -- structure ---------------------------------------------------------
    @property
    def children(self) -> tuple:
        out = []
        for name in self._child_fields:
            v = getattr(self, name)
            if isinstance(v, tuple):
                out.extend(v)
            else:
                out.append(v)
        return tuple(out)

    def rebuild(self, fn: Callable[["Expr"], "Expr"]) -> "Expr":
        """A copy of this node with `fn` applied to each child (no simplification)."""
        changes = {}
        for name in self._child_fields:
            v = getattr(self, name)
            if isinstance(v, tuple):
                new = tuple(fn(c) for c in v)
            else:
                new = fn(v)
            if new != v:
                changes[name] = new
        if not changes:
            return self
        kwargs = {f.name: getattr(self, f.name) for f in fields(self)}
        kwargs.update(changes)
        return type(self)(**kwargs)

    def walk(self) -> Iterator["Expr"]:
        yield self
        for c in self.children:
            yield from c.walk()

    # -- shape -------------------------------------------------------------
    @property
    def shape(self) -> Shape:
        raise NotImplementedError

    @property
    def rows(self):
        return self.shape[0]

    @property
    def cols(self):
        return self.shape[1]

    @property
    def is_scalar(self) -> bool:
        return self.shape == SCALAR

    @property
    def is_col(self) -> bool:
        r, c = self.shape
        return c == 1 and r != 1

    @property
    def is_row(self) -> bool:
        r, c = self.shape
        return r == 1 and c != 1

    @property
    def is_vector(self) -> bool:
        return self.is_col or self.is_row

    @property
    def is_matrix(self) -> bool:
        r, c = self.shape
        return r != 1 and c != 1

    @property
    def kind_word(self) -> str:
        """'scalar', 'vector' or 'matrix', by shape."""
        return "scalar" if self.is_scalar else "vector" if self.is_vector else "matrix"

    @property
    def is_square(self) -> bool:
        r, c = self.shape
        return r == c

    # -- dependencies --------------------------------------------------------
    @cached_property
    def free(self) -> frozenset:
        """Names of the symbols this expression depends on."""
        out: frozenset = frozenset()
        for c in self.children:
            out |= c.free
        return out

    @cached_property
    def has_diff(self) -> bool:
        return any(c.has_diff for c in self.children)

    def depends_on(self, name: str) -> bool:
        return name in self.free

    def __repr__(self) -> str:
        from .textform import to_text
        try:
            return f"<{type(self).__name__} {to_text(self)}>"
        except Exception:  # pragma: no cover - repr must never fail
            return f"<{type(self).__name__}>"

    def __str__(self) -> str:
        from .textform import to_text
        return to_text(self)


# ---------------------------------------------------------------------------
# leaves


@node
class Sym(Expr):
    """A named variable. `kind` is scalar, vector or matrix; `symmetric` matrices equal
    their transpose."""

    name: str
    shape_: tuple
    kind: str = "matrix"
    symmetric: bool = False

    @property
    def shape(self):
        return self.shape_

    @cached_property
    def free(self):
        return frozenset((self.name,))


@node
class Num(Expr):
    """A number (exact rational)."""

    value: Fraction

    @property
    def shape(self):
        return SCALAR

    @cached_property
    def free(self):
        return frozenset()


@node
class Ident(Expr):
    """The identity matrix I of size n."""

    n: Any

    @property
    def shape(self):
        return (self.n, self.n)

    @cached_property
    def free(self):
        return frozenset()


@node
class Zero(Expr):
    """The zero of a given shape."""

    shape_: tuple

    @property
    def shape(self):
        return self.shape_

    @cached_property
    def free(self):
        return frozenset()


@node
class Diff(Expr):
    """The differential dX of the variable X: the one unknown of a differential."""

    var: Sym

    @property
    def shape(self):
        return self.var.shape

    @cached_property
    def free(self):
        return frozenset()

    @cached_property
    def has_diff(self):
        return True


@node
class Call(Expr):
    """An abstract function u(x), U(x, y), g(u(x)) of the given shape."""

    name: str
    args: tuple
    shape_: tuple

    @property
    def shape(self):
        return self.shape_


@node
class Deriv(Expr):
    """du/dx: the derivative of the abstract function `fn` with respect to `wrt`, a
    name or an inner abstract function, in numerator layout (shape `shape_`)."""

    fn: Call
    wrt: Expr
    shape_: tuple

    @property
    def shape(self):
        return self.shape_

    @cached_property
    def free(self):
        return self.fn.free

    @property
    def partial(self) -> bool:
        return len(self.fn.args) > 1


# ---------------------------------------------------------------------------
# inner nodes


@node
class Add(Expr):
    """A sum of terms of one shape."""

    terms: tuple

    @property
    def shape(self):
        return self.terms[0].shape


@node
class Mul(Expr):
    """A product: scalar factors (1x1) commute; the other factors form a chain of
    matrix products in order. `matdiff.build.mul` keeps numbers first, then scalars,
    then the chain, and turns 1x1 stretches of a chain into scalar factors."""

    factors: tuple

    @cached_property
    def chain(self) -> tuple:
        return tuple(f for f in self.factors if not f.is_scalar)

    @cached_property
    def scalars(self) -> tuple:
        return tuple(f for f in self.factors if f.is_scalar and not isinstance(f, Num))

    @cached_property
    def coeff(self) -> Fraction:
        c = Fraction(1)
        for f in self.factors:
            if isinstance(f, Num):
                c *= f.value
        return c

    @cached_property
    def _shape(self):
        ch = self.chain
        if not ch:
            return SCALAR
        return (ch[0].shape[0], ch[-1].shape[1])

    @property
    def shape(self):
        return self._shape


@node
class T(Expr):
    """Transpose."""

    arg: Expr

    @property
    def shape(self):
        r, c = self.arg.shape
        return (c, r)


@node
class Pow(Expr):
    """A scalar raised to a rational power."""

    base: Expr
    exp: Fraction

    @property
    def shape(self):
        return SCALAR


@node
class MatPow(Expr):
    """A square matrix to an integer power n (n = -1 is the inverse)."""

    base: Expr
    n: int

    @property
    def shape(self):
        return self.base.shape


@node
class Tr(Expr):
    """Trace."""

    arg: Expr

    @property
    def shape(self):
        return SCALAR


@node
class Det(Expr):
    """Determinant."""

    arg: Expr

    @property
    def shape(self):
        return SCALAR


@node
class LogDet(Expr):
    """log det."""

    arg: Expr

    @property
    def shape(self):
        return SCALAR


@node
class Adj(Expr):
    """Adjugate (transposed cofactor matrix)."""

    arg: Expr

    @property
    def shape(self):
        return self.arg.shape


@node
class Pinv(Expr):
    """Moore-Penrose pseudo-inverse."""

    arg: Expr

    @property
    def shape(self):
        r, c = self.arg.shape
        return (c, r)


@node
class Norm(Expr):
    """2-norm of a vector, Frobenius norm of a matrix, |s| of a scalar."""

    arg: Expr

    @property
    def shape(self):
        return SCALAR


@node
class Kron(Expr):
    """Kronecker product."""

    a: Expr
    b: Expr

    @property
    def shape(self):
        return (dim_mul(self.a.shape[0], self.b.shape[0]), dim_mul(self.a.shape[1], self.b.shape[1]))


@node
class Had(Expr):
    """Hadamard (element-wise) product of operands of one shape."""

    factors: tuple

    @property
    def shape(self):
        return self.factors[0].shape


@node
class HadPow(Expr):
    """Element-wise power of a vector or matrix."""

    base: Expr
    exp: Fraction

    @property
    def shape(self):
        return self.base.shape


@node
class Cross(Expr):
    """Cross product of two 3-vectors."""

    a: Expr
    b: Expr

    @property
    def shape(self):
        return self.a.shape


@node
class Fn(Expr):
    """A scalar function (exp, log, sin, ...) of a scalar, or applied element-wise."""

    name: str
    arg: Expr

    @property
    def shape(self):
        return self.arg.shape


@node
class MatFn(Expr):
    """A matrix function defined by its power series: expm, sinm, cosm, ..."""

    name: str
    arg: Expr

    @property
    def shape(self):
        return self.arg.shape


@node
class Diag(Expr):
    """diag(v): the diagonal matrix with the vector v on its diagonal."""

    arg: Expr

    @property
    def shape(self):
        n = self.arg.shape[0] if self.arg.shape[0] != 1 else self.arg.shape[1]
        return (n, n)


@node
class DiagOf(Expr):
    """diag(M) of a square matrix: its diagonal as a column vector (NumPy's np.diag)."""

    arg: Expr

    @property
    def shape(self):
        return (self.arg.rows, 1)


@node
class Skew(Expr):
    """skew(a): the matrix with skew(a) b = a × b."""

    arg: Expr

    @property
    def shape(self):
        n = self.arg.shape[0]
        return (n, n)


@node
class Frechet(Expr):
    """The differential of the matrix function g at U in direction dU when dU and U
    need not commute; only its trace has a closed form, tr(g'(U) dU)."""

    name: str
    arg: Expr
    darg: Expr

    @property
    def shape(self):
        return self.arg.shape


# ---------------------------------------------------------------------------
# small helpers


def map_leaves(e: Expr, fn: Callable[[Expr], Expr]) -> Expr:
    """Rebuild `e` bottom-up, replacing each leaf by fn(leaf)."""
    if not e.children and not isinstance(e, (Call, Deriv)):
        return fn(e)
    if isinstance(e, Deriv):
        return fn(Deriv(map_leaves(e.fn, fn), map_leaves(e.wrt, fn), e.shape_))
    if isinstance(e, Call):
        return fn(Call(e.name, tuple(map_leaves(a, fn) for a in e.args), e.shape_))
    return e.rebuild(lambda c: map_leaves(c, fn))


def derivative_shape(fshape, vshape):
    """The numerator-layout shape of d(value of fshape)/d(variable of vshape), or None
    when that derivative is a tensor of order 3 or 4.

    scalar by scalar 1×1; vector or matrix by scalar: the value's shape; scalar by
    vector n: 1×n; vector l by vector n: l×n (the Jacobian); scalar by m×n matrix:
    n×m (the seed's definition: the transpose of the denominator's shape)."""
    if vshape == SCALAR:
        return fshape
    if vshape[1] == 1:
        if fshape == SCALAR:
            return (1, vshape[0])
        if fshape[1] == 1:
            return (fshape[0], vshape[0])
        if fshape[0] == 1:
            return (fshape[1], vshape[0])
        return None
    if fshape == SCALAR:
        return (vshape[1], vshape[0])
    return None


def transform(e: Expr, fn: Callable[[Expr], Expr]) -> Expr:
    """Rebuild `e` bottom-up, replacing every node x (after its children) by fn(x)."""
    if isinstance(e, (Call, Deriv)) or not e.children:
        return fn(e)
    return fn(e.rebuild(lambda c: transform(c, fn)))
