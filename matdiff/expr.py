"""Expression tree: immutable nodes with symbolic shapes (stage 2 of the pipeline).

Every node is a frozen dataclass; children are stored in tuples, so `==` is
structural equality and nodes can be dictionary keys. Every value is a matrix:
a scalar is 1x1, a column vector n x 1, a row vector 1 x n. Dimensions are
symbolic: a `Dim` is the integer 1 (or another literal such as 3 for `cross`),
a name such as "m", or a `DimProd` for Kronecker products and vec. Named
dimensions are never 1, so whether a value is a scalar, a vector or a matrix is
structural.

The node types are the algebra (sums, products, transposes, powers, Kronecker
and Hadamard products) and the leaves; every named operation (tr, det, exp,
softmax, ...) is one generic `Fn` node whose behaviour — shape, differential,
read-off, printing, evaluation — lives in its record in `matdiff.ops`. The
nodes carry no simplification logic: `matdiff.build` has the smart
constructors that keep trees tidy and `matdiff.simplify` the rewrite rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from fractions import Fraction
from functools import cached_property
from typing import Any, Callable, Iterator, Union

# ---------------------------------------------------------------------------
# dimensions


@dataclass(frozen=True)
class DimProd:
    """The product of dimensions (rows or columns of a Kronecker product, of vec)."""

    factors: tuple

    def __str__(self) -> str:
        return "·".join(str(f) for f in self.factors)


Dim = Union[int, str, DimProd, Any]   # Any: a `shapes.DimVar` while shapes are inferred
Shape = tuple
SCALAR: Shape = (1, 1)


def dim_factors(d) -> tuple:
    return d.factors if isinstance(d, DimProd) else (d,)


def dim_mul(*ds):
    """The product of dimensions, with 1 as the unit."""
    ints = 1
    named: list = []
    for d in ds:
        for f in dim_factors(d):
            if isinstance(f, int):
                ints *= f
            else:
                named.append(f)
    if not named:
        return ints
    parts = ([ints] if ints != 1 else []) + named
    return parts[0] if len(parts) == 1 else DimProd(tuple(parts))


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
    cls._child_fields = tuple(f.name for f in fields(cls) if f.name in CHILD_FIELD_NAMES)
    return cls


CHILD_FIELD_NAMES = {"arg", "a", "b", "terms", "factors", "base", "exp", "args"}


class Expr:
    """Base class of expression nodes. `op` names the node's record in `matdiff.ops`."""

    _child_fields: tuple = ()
    op: str = ""

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
            new = tuple(fn(c) for c in v) if isinstance(v, tuple) else fn(v)
            if new != v:
                changes[name] = new
        if not changes:
            return self
        kwargs = {f.name: getattr(self, f.name) for f in fields(self)}
        kwargs.update(changes)
        return type(self)(**kwargs)

    def with_children(self, kids) -> "Expr":
        """A copy of this node with the given children, in `children` order."""
        it = iter(kids)
        kwargs = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in self._child_fields:
            v = kwargs[name]
            kwargs[name] = tuple(next(it) for _ in v) if isinstance(v, tuple) else next(it)
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

    @cached_property
    def is_scalar(self) -> bool:
        return self.shape == SCALAR

    @cached_property
    def is_col(self) -> bool:
        r, c = self.shape
        return c == 1 and r != 1

    @cached_property
    def is_row(self) -> bool:
        r, c = self.shape
        return r == 1 and c != 1

    @cached_property
    def is_vector(self) -> bool:
        return self.is_col or self.is_row

    @cached_property
    def is_matrix(self) -> bool:
        r, c = self.shape
        return r != 1 and c != 1

    @property
    def kind_word(self) -> str:
        """'scalar', 'vector' or 'matrix', by shape."""
        return "scalar" if self.is_scalar else "vector" if self.is_vector else "matrix"

    @cached_property
    def is_square(self) -> bool:
        r, c = self.shape
        return r == c

    @property
    def length(self):
        """The number of entries (a dimension)."""
        return dim_mul(self.rows, self.cols)

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
    op = "sym"

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
    op = "num"

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
    op = "I"

    @property
    def shape(self):
        return (self.n, self.n)

    @cached_property
    def free(self):
        return frozenset()


class _Constant(Expr):
    """A constant array known by its shape alone (its field `shape_`)."""

    @property
    def shape(self):
        return self.shape_

    @cached_property
    def free(self):
        return frozenset()


@node
class Zero(_Constant):
    """The zero of a given shape (never 1x1: that is Num(0))."""

    shape_: tuple
    op = "zero"


@node
class Ones(_Constant):
    """The vector or matrix of ones of a given shape (never 1x1: that is Num(1))."""

    shape_: tuple
    op = "ones"


@node
class Commutation(Expr):
    """The commutation matrix K(m, n): K vec(A) = vec(Aᵀ) for A of shape m×n
    (Magnus & Neudecker ch. 3 §7); it is mn×mn."""

    m: Any
    n: Any
    op = "K"

    @property
    def shape(self):
        d = dim_mul(self.m, self.n)
        return (d, d)

    @cached_property
    def free(self):
        return frozenset()


@node
class Diff(Expr):
    """The differential dX of the variable X: the one unknown of a differential."""

    var: Sym
    op = "d"

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
class DiffOf(Expr):
    """d(U) written out, for `explain`: the differential of a part, shown on its own line."""

    arg: Expr
    op = "dof"

    @property
    def shape(self):
        return self.arg.shape

    @cached_property
    def has_diff(self):
        return True


@node
class Call(Expr):
    """An abstract function u(x), U(x, y), g(u(x)) of the given shape."""

    name: str
    args: tuple
    shape_: tuple
    op = "call"

    @property
    def shape(self):
        return self.shape_


@node
class Deriv(Expr):
    """du/dx (or the second derivative d2u/dxdy): the derivative of the abstract function
    `fn` with respect to `wrts` (one or two names or inner abstract functions), in
    numerator layout (shape `shape_`)."""

    fn: Call
    wrts: tuple
    shape_: tuple
    op = "deriv"

    @property
    def shape(self):
        return self.shape_

    @cached_property
    def free(self):
        return self.fn.free

    @property
    def wrt(self) -> Expr:
        return self.wrts[0]


@node
class Index(Expr):
    """An entry x[i] of a vector or X[i, j] of a matrix, or a unit vector e_i / unit
    matrix E_ij (`arg` None) with symbolic indices (§1, §5 of the notes)."""

    arg: Any
    i: str
    j: str | None
    shape_: tuple = (1, 1)
    op = "index"

    @property
    def children(self):
        return (self.arg,) if self.arg is not None else ()

    def rebuild(self, fn):
        if self.arg is None:
            return self
        a = fn(self.arg)
        return self if a == self.arg else Index(a, self.i, self.j, self.shape_)

    def with_children(self, kids):
        kids = tuple(kids)
        return Index(kids[0], self.i, self.j, self.shape_) if kids else self

    @property
    def shape(self):
        return self.shape_

    @cached_property
    def free(self):
        return self.arg.free if self.arg is not None else frozenset()


# ---------------------------------------------------------------------------
# the algebra


@node
class Add(Expr):
    """A sum of terms of one shape."""

    terms: tuple
    op = "add"

    @property
    def shape(self):
        return self.terms[0].shape


@node
class Mul(Expr):
    """A product: scalar factors (1x1) commute; the other factors form a chain of
    matrix products in order. `matdiff.build.mul` keeps numbers first, then scalars,
    then the chain, and turns 1x1 stretches of a chain into scalar factors."""

    factors: tuple
    op = "mul"

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
    op = "T"

    @cached_property
    def shape(self):
        r, c = self.arg.shape
        return (c, r)


@node
class Pow(Expr):
    """A scalar raised to a scalar power (a number or an expression)."""

    base: Expr
    exp: Expr
    op = "pow"

    @property
    def shape(self):
        return SCALAR


@node
class MatPow(Expr):
    """A square matrix to an integer power (a number, or a scalar name taken to be an
    integer); -1 is the inverse."""

    base: Expr
    exp: Expr
    op = "matpow"

    @property
    def shape(self):
        return self.base.shape


@node
class Kron(Expr):
    """Kronecker product."""

    a: Expr
    b: Expr
    op = "kron"

    @cached_property
    def _shape(self):
        return (dim_mul(self.a.shape[0], self.b.shape[0]), dim_mul(self.a.shape[1], self.b.shape[1]))

    @property
    def shape(self):
        return self._shape


@node
class Had(Expr):
    """Hadamard (element-wise) product of operands of one shape."""

    factors: tuple
    op = "had"

    @property
    def shape(self):
        return self.factors[0].shape


@node
class HadPow(Expr):
    """Element-wise power of a vector or matrix (exponent: a scalar expression)."""

    base: Expr
    exp: Expr
    op = "hadpow"

    @property
    def shape(self):
        return self.base.shape


@node
class Fn(Expr):
    """A named operation: tr, det, exp, softmax, expm, ... Its record in `matdiff.ops`
    (looked up by `op`) holds its shape rule, differential, read-off, printing and
    evaluation."""

    op: str = field()       # field(): no default (Expr.op is a class attribute)
    args: tuple = field()

    @cached_property
    def _shape(self):
        from .ops import record
        return record(self.op).shape(self.args)

    @property
    def shape(self):
        return self._shape

    @property
    def arg(self) -> Expr:
        return self.args[0]


# ---------------------------------------------------------------------------
# small helpers


def num_value(e: Expr):
    """The Fraction of a number node, else None."""
    return e.value if isinstance(e, Num) else None


def int_value(e: Expr):
    """The int of an integer number node, else None."""
    if isinstance(e, Num) and e.value.denominator == 1:
        return int(e.value)
    return None


def map_leaves(e: Expr, fn: Callable[[Expr], Expr]) -> Expr:
    """Rebuild `e` bottom-up, replacing each leaf (and each abstract function or
    derivative, after its arguments) by fn(node)."""
    if isinstance(e, Deriv):
        return fn(Deriv(map_leaves(e.fn, fn), tuple(map_leaves(w, fn) for w in e.wrts), e.shape_))
    if isinstance(e, Call):
        return fn(Call(e.name, tuple(map_leaves(a, fn) for a in e.args), e.shape_))
    if isinstance(e, Index):
        return fn(e.rebuild(lambda c: map_leaves(c, fn)))
    if not e.children:
        return fn(e)
    return e.rebuild(lambda c: map_leaves(c, fn))


def transform(e: Expr, fn: Callable[[Expr], Expr]) -> Expr:
    """Rebuild `e` bottom-up, replacing every node x (after its children) by fn(x)."""
    if isinstance(e, (Call, Deriv)) or not e.children:
        return fn(e)
    return fn(e.rebuild(lambda c: transform(c, fn)))


def substitute(e: Expr, old: Expr, new: Expr) -> Expr:
    """e with every occurrence of `old` replaced by `new` (no simplification)."""
    if e == old:
        return new
    if not e.children:
        return e
    return e.rebuild(lambda c: substitute(c, old, new))
