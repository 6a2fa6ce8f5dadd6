"""Kinds and shapes: give a `Raw` syntax tree meaning as an `Expr` (stage 2).

Names get their kind from their spelling (uppercase: matrix, lowercase Latin:
column vector, Greek: scalar) unless declared. Dimensions are unknowns solved by
unification; a named dimension is never 1, which keeps scalars, vectors and
matrices apart and lets a wrong default kind show up as a clear error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from . import build as B
from .errors import ShapeError, UnsupportedError, UsageError
from .expr import (SCALAR, Call, Deriv, DimProd, Expr, Ident, Num, Sym, Zero, derivative_shape,
                   map_leaves)
from .functions import (ALIASES, BUILTINS, MATRIX_FUNCTIONS, OTHER_FUNCTIONS,
                        SCALAR_FUNCTIONS, canonical)
from .parser import Raw
from .textform import PLAIN, TextStyle

GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
         "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho",
         "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega"}
KINDS = ("scalar", "vector", "matrix")


def is_greek(name: str) -> bool:
    if name in GREEK:
        return True
    return "\u03b1" <= name[0] <= "\u03c9"


def default_kind(name: str) -> str:
    """The contract's rule: Uppercase → matrix, Greek → scalar, lowercase Latin → vector."""
    if name[0].isupper():
        return "matrix"
    if is_greek(name):
        return "scalar"
    return "vector"


@dataclass
class Declarations:
    """Kinds declared on the command line (or in a batch line's prefix)."""

    scalar: set = field(default_factory=set)
    vector: set = field(default_factory=set)
    matrix: set = field(default_factory=set)
    symmetric: set = field(default_factory=set)

    @classmethod
    def from_lists(cls, scalar=(), vector=(), matrix=(), symmetric=()) -> "Declarations":
        d = cls(set(_names(scalar)), set(_names(vector)), set(_names(matrix)),
                set(_names(symmetric)))
        d.check()
        return d

    def check(self) -> None:
        groups = {"scalar": self.scalar, "vector": self.vector,
                  "matrix": self.matrix | self.symmetric}
        seen: dict[str, str] = {}
        for kind, names in groups.items():
            for n in names:
                if n in seen and seen[n] != kind:
                    raise UsageError(f"'{n}' is declared both {seen[n]} and {kind}")
                seen[n] = kind
        for n in seen:
            if n == "I":
                raise UsageError("'I' is the identity matrix and cannot be declared")

    def kind_of(self, name: str) -> tuple[str, bool]:
        """(kind, declared?)"""
        if name in self.scalar:
            return "scalar", True
        if name in self.vector:
            return "vector", True
        if name in self.matrix or name in self.symmetric:
            return "matrix", True
        return default_kind(name), False

    def as_dict(self) -> dict:
        return {k: sorted(getattr(self, k)) for k in ("scalar", "vector", "matrix", "symmetric")
                if getattr(self, k)}


    def merged(self, other: "Declarations") -> "Declarations":
        """These declarations, with `other`'s taking precedence for the names it declares."""
        redeclared = other.scalar | other.vector | other.matrix | other.symmetric
        out = Declarations(self.scalar - redeclared | other.scalar,
                           self.vector - redeclared | other.vector,
                           self.matrix - redeclared | other.matrix,
                           self.symmetric - redeclared | other.symmetric)
        out.check()
        return out


_NAME = r"[A-Za-z_\u0391-\u03A9\u03B1-\u03C9][A-Za-z0-9_\u0391-\u03A9\u03B1-\u03C9]*"
_DECLARATION = re.compile(rf"^\s*({_NAME}(?:\s*,\s*{_NAME})*)\s*:\s*"
                          r"(scalar|vector|matrix|symmetric)\s*$")


def split_declarations(line: str) -> tuple[Declarations, str, str]:
    """A batch line `t: scalar; A, B: symmetric; expm(t A)` as (declarations, the
    expression, the declaration prefix to repeat in front of a text result)."""
    parts = line.split(";")
    if len(parts) == 1:
        return Declarations(), line, ""
    kinds: dict[str, list] = {"scalar": [], "vector": [], "matrix": [], "symmetric": []}
    pos = 0
    for clause in parts[:-1]:
        m = _DECLARATION.match(clause)
        if m is None:
            from .errors import ParseError
            start = pos + len(clause) - len(clause.lstrip())
            raise ParseError(f"bad declaration {clause.strip()!r}",
                             span=(start, start + max(1, len(clause.strip()))),
                             hint="write e.g. 't: scalar; A, B: symmetric; expm(t A)'",
                             source=line)
        kinds[m.group(2)] += [n.strip() for n in m.group(1).split(",")]
        pos += len(clause) + 1
    decls = Declarations.from_lists(**kinds)
    prefix = "; ".join(c.strip() for c in parts[:-1]) + "; "
    return decls, parts[-1], prefix


def _names(items) -> list[str]:
    out = []
    for item in items or ():
        for part in str(item).split(","):
            part = part.strip()
            if part:
                out.append(part)
    return out


# ---------------------------------------------------------------------------
# dimensions as unknowns

_POOL = "mnpqrskluvw"


class DimVar:
    """An unknown dimension (never 1). Union-find node."""

    __slots__ = ("parent", "name", "order", "bound", "origin")

    def __init__(self, name: str, order: int, origin: str | None) -> None:
        self.parent: DimVar | None = None
        self.name = name
        self.order = order
        self.bound = None          # an int or a tuple of dims (a product)
        self.origin = origin       # the name whose dimension this is, for hints

    def __repr__(self) -> str:
        return self.name


class Dims:
    def __init__(self) -> None:
        self.count = 0

    def fresh(self, origin: str | None = None) -> DimVar:
        i = self.count
        self.count += 1
        letter = _POOL[i % len(_POOL)]
        name = letter if i < len(_POOL) else f"{letter}{i // len(_POOL) + 1}"
        return DimVar(name, i, origin)

    def find(self, d):
        """The representative of d: a root DimVar, an int, or a tuple (product)."""
        if isinstance(d, DimVar):
            while d.parent is not None:
                d = d.parent
            if d.bound is not None:
                return self.find(d.bound) if not isinstance(d.bound, tuple) else d.bound
            return d
        if isinstance(d, DimProd):
            return tuple(d.factors)
        return d

    def unify(self, a, b) -> bool:
        a, b = self.find(a), self.find(b)
        if a is b or (not isinstance(a, (DimVar, tuple)) and a == b):
            return True
        if isinstance(a, DimVar) and isinstance(b, DimVar):
            if b.order < a.order:
                a, b = b, a
            b.parent = a
            return True
        if isinstance(b, DimVar):
            a, b = b, a
        if isinstance(a, DimVar):
            if b == 1:
                return False
            if isinstance(b, tuple) and any(self.find(x) is a for x in b):
                return False
            a.bound = b
            return True
        if isinstance(a, tuple) and isinstance(b, tuple):
            if len(a) != len(b):
                return False
            return all(self.unify(x, y) for x, y in zip(a, b))
        return False

    def resolve(self, d):
        r = self.find(d)
        if isinstance(r, DimVar):
            return r.name
        if isinstance(r, tuple):
            parts = []
            for x in r:
                rx = self.resolve(x)
                parts.extend(rx.factors if isinstance(rx, DimProd) else [rx])
            parts = [p for p in parts if p != 1]
            if not parts:
                return 1
            return parts[0] if len(parts) == 1 else DimProd(tuple(parts))
        return r

    def rename_in_order(self, shapes) -> None:
        """Name the unknown dimensions m, n, p, ... in order of first appearance."""
        seen: list = []

        def visit(d):
            r = self.find(d)
            if isinstance(r, DimVar):
                if not any(r is x for x in seen):
                    seen.append(r)
            elif isinstance(r, tuple):
                for x in r:
                    visit(x)

        for shape in shapes:
            for d in shape:
                visit(d)
        for i, r in enumerate(seen):
            letter = _POOL[i % len(_POOL)]
            r.name = letter if i < len(_POOL) else f"{letter}{i // len(_POOL) + 1}"

    def show(self, d) -> str:
        r = self.resolve(d)
        return str(r)

    def show_shape(self, shape) -> str:
        return f"{self.show(shape[0])}×{self.show(shape[1])}"


# ---------------------------------------------------------------------------
# the checker


@dataclass
class Typed:
    """The meaning of an input: the expression, its names and the variable."""

    expr: Expr
    source: str
    symbols: dict            # name -> Sym
    functions: dict          # name -> shape of an abstract function's value
    wrt: Sym | None
    decls: Declarations
    style: TextStyle = PLAIN

    def symbol(self, name: str) -> Sym:
        return self.symbols[name]


class Checker:
    def __init__(self, source: str, decls: Declarations) -> None:
        self.source = source
        self.decls = decls
        self.dims = Dims()
        self.symbols: dict[str, Sym] = {}
        self.functions: dict[str, tuple] = {}
        self.function_args: dict[str, tuple] = {}

    # -- errors ------------------------------------------------------------
    def text(self, raw: Raw) -> str:
        s, e = raw.span
        t = self.source[s:e].strip()
        return t if t else "?"

    def describe(self, raw: Raw, e: Expr) -> str:
        return f"{self.text(raw)} ({e.kind_word}, {self.dims.show_shape(e.shape)})"

    def fail(self, message: str, raw: Raw, hint: str | None = None) -> ShapeError:
        return ShapeError(message, span=raw.span, hint=hint, source=self.source)

    def kind_hint(self, *pairs) -> str | None:
        """Suggest a declaration when an operand is a bare name whose default kind (a
        lowercase name is a vector) is the likely culprit: expm(t A) → --scalar t."""
        for raw, _ in pairs:
            if raw.op == "name":
                name = raw.value
                kind, declared = self.decls.kind_of(name)
                if not declared and kind == "vector":
                    return (f"{name} is a vector by default (a lowercase name); "
                            f"if it is a scalar, declare it: --scalar {name}")
        return None

    # -- names -------------------------------------------------------------
    def symbol(self, name: str, raw: Raw | None) -> Sym:
        if name in self.symbols:
            return self.symbols[name]
        if name in self.functions:
            raise self.fail(f"'{name}' is used both as a function and as a variable", raw)
        if name in BUILTINS:
            raise self.fail(f"'{name}' is a function; call it as {name}(...)", raw)
        kind, _ = self.decls.kind_of(name)
        symmetric = name in self.decls.symmetric
        if kind == "scalar":
            shape = SCALAR
        elif kind == "vector":
            shape = (self.dims.fresh(name), 1)
        elif symmetric:
            n = self.dims.fresh(name)
            shape = (n, n)
        else:
            shape = (self.dims.fresh(name), self.dims.fresh(name))
        s = Sym(name, shape, kind, symmetric)
        self.symbols[name] = s
        return s

    def function_shape(self, name: str, raw: Raw):
        if name in self.functions:
            return self.functions[name]
        if name in self.symbols:
            raise self.fail(f"'{name}' is used both as a variable and as a function", raw)
        kind, _ = self.decls.kind_of(name)
        if name in self.decls.symmetric:
            raise self.fail(f"abstract function {name} cannot be declared symmetric", raw)
        if kind == "scalar":
            shape = SCALAR
        elif kind == "vector":
            shape = (self.dims.fresh(name), 1)
        else:
            shape = (self.dims.fresh(name), self.dims.fresh(name))
        self.functions[name] = shape
        return shape

    # -- unification helpers ---------------------------------------------------
    def same_shape(self, a: Expr, b: Expr) -> bool:
        return self.dims.unify(a.rows, b.rows) and self.dims.unify(a.cols, b.cols)

    def square(self, raw: Raw, e: Expr, what: str) -> None:
        if e.is_scalar:
            return
        if not self.dims.unify(e.rows, e.cols):
            raise self.fail(f"{what} needs a square matrix, but {self.describe(raw, e)} is not square",
                            raw, hint=self.kind_hint((raw, e)))

    # -- the walk ------------------------------------------------------------
    def visit(self, raw: Raw) -> Expr:
        meth = getattr(self, "v_" + raw.op)
        return meth(raw)

    def v_num(self, raw: Raw) -> Expr:
        return Num(raw.value)

    def v_name(self, raw: Raw) -> Expr:
        name = raw.value
        if name == "I":
            n = self.dims.fresh(None)
            return Ident(n)
        return self.symbol(name, raw)

    def v_deriv(self, raw: Raw) -> Expr:
        fname, wname = raw.value
        wrt = self.symbol(wname, raw) if wname not in self.functions else None
        if wrt is None:
            raise self.fail(f"d{fname}/d{wname}: derivatives with respect to a function are "
                            "not supported here", raw)
        fshape = self.function_shape(fname, raw)
        args = self.function_args.get(fname) or (wrt,)
        self.function_args.setdefault(fname, args)
        call = Call(fname, tuple(args), fshape)
        return Deriv(call, wrt, self.deriv_shape(fshape, wrt.shape, raw, f"d{fname}/d{wname}"))

    def deriv_shape(self, fshape, vshape, raw: Raw, label: str):
        shape = derivative_shape(fshape, vshape)
        if shape is None:
            raise UnsupportedError(f"{label} would be a tensor of order 3 or 4; matdiff writes "
                                   "derivatives of vector or matrix functions only with respect "
                                   "to scalars, and of vector functions with respect to vectors",
                                   span=raw.span, source=self.source)
        return shape

    def v_call(self, raw: Raw) -> Expr:
        name = raw.value
        if name in BUILTINS:
            return self.builtin(canonical(name), raw)
        return self.abstract_call(name, raw)

    def abstract_call(self, name: str, raw: Raw) -> Expr:
        if not raw.args:
            raise self.fail(f"{name}() needs at least one argument", raw)
        args = []
        for a in raw.args:
            if a.op not in ("name", "call") or (a.op == "call" and a.value in BUILTINS) \
                    or (a.op == "name" and a.value == "I"):
                raise self.fail(
                    f"'{name}(...)' reads as an abstract function, whose arguments must be names "
                    f"or abstract functions; '{self.text(a)}' is neither", a,
                    hint=f"for a product write {name}*({self.text(a)}) or {name} ({self.text(a)})")
            args.append(self.visit(a))
        shape = self.function_shape(name, raw)
        self.function_args.setdefault(name, tuple(args))   # what du/dx refers to
        return Call(name, tuple(args), shape)

    def args_of(self, raw: Raw, n: int, name: str) -> list[Expr]:
        if len(raw.args) != n:
            raise self.fail(f"{name}() takes {n} argument{'s' if n > 1 else ''}, "
                            f"got {len(raw.args)}", raw)
        return [self.visit(a) for a in raw.args]

    def builtin(self, name: str, raw: Raw) -> Expr:
        if name in SCALAR_FUNCTIONS:
            (a,) = self.args_of(raw, 1, name)
            return B.fn(name, a)
        if name in MATRIX_FUNCTIONS:
            (a,) = self.args_of(raw, 1, name)
            if a.is_scalar:
                return B.fn(MATRIX_FUNCTIONS[name], a)
            self.square(raw.args[0], a, f"{name}()")
            return B.matfn(name, a)
        n = OTHER_FUNCTIONS[name]
        args = self.args_of(raw, n, name)
        if name == "tr":
            self.square(raw.args[0], args[0], "tr()")
            return B.trace(args[0])
        if name == "det":
            self.square(raw.args[0], args[0], "det()")
            return B.det(args[0])
        if name == "logdet":
            self.square(raw.args[0], args[0], "logdet()")
            return B.logdet(args[0])
        if name == "adj":
            self.square(raw.args[0], args[0], "adj()")
            return B.adj(args[0])
        if name == "inv":
            self.square(raw.args[0], args[0], "inv()")
            return B.inv(args[0])
        if name == "pinv":
            return B.pinv(args[0])
        if name == "norm":
            return B.norm(args[0])
        if name == "kron":
            return B.kron(args[0], args[1])
        if name == "hadamard":
            return self.hadamard(raw.args[0], args[0], raw.args[1], args[1], raw)
        if name == "cross":
            return self.cross(raw.args[0], args[0], raw.args[1], args[1], raw)
        if name == "diag":
            a = args[0]
            if a.is_matrix:
                self.square(raw.args[0], a, "diag() of a matrix")
            elif not a.is_col:
                raise self.fail(f"diag() takes a column vector or a square matrix; "
                                f"{self.describe(raw.args[0], a)} is neither", raw.args[0])
            return B.diag(a)
        if name == "skew":
            a = args[0]
            if not a.is_col or not self.dims.unify(a.rows, 3):
                raise self.fail(f"skew() takes a 3-vector; {self.describe(raw.args[0], a)} "
                                "is not one", raw.args[0])
            return B.skew(a)
        raise AssertionError(name)

    def v_add(self, raw: Raw) -> Expr:
        return self.sum(raw, negate=False)

    def v_sub(self, raw: Raw) -> Expr:
        return self.sum(raw, negate=True)

    def sum(self, raw: Raw, negate: bool) -> Expr:
        ra, rb = raw.args
        a, b = self.visit(ra), self.visit(rb)
        if a.is_scalar != b.is_scalar:
            s_raw, m_raw, m = (ra, rb, b) if a.is_scalar else (rb, ra, a)
            hint = self.kind_hint((ra, a), (rb, b))
            if hint is None and m.is_matrix:
                hint = f"to add a multiple of the identity write {self.text(s_raw)} I"
            raise self.fail(f"cannot {'subtract' if negate else 'add'} {self.describe(ra, a)} "
                            f"and {self.describe(rb, b)}", raw, hint=hint)
        if not self.same_shape(a, b):
            raise self.fail(f"cannot {'subtract' if negate else 'add'} {self.describe(ra, a)} "
                            f"and {self.describe(rb, b)}: the shapes differ", raw)
        return B.sub(a, b) if negate else B.add(a, b)

    def v_neg(self, raw: Raw) -> Expr:
        return B.neg(self.visit(raw.args[0]))

    def v_mul(self, raw: Raw) -> Expr:
        return self.product(raw)

    def v_juxt(self, raw: Raw) -> Expr:
        return self.product(raw)

    def product(self, raw: Raw) -> Expr:
        ra, rb = raw.args
        a, b = self.visit(ra), self.visit(rb)
        if a.is_scalar or b.is_scalar:
            return B.mul(a, b)
        if not self.dims.unify(a.cols, b.rows):
            hint = self.kind_hint((ra, a), (rb, b))
            if hint is None and a.is_col and b.is_col:
                hint = f"for an inner product write {self.text(ra)}^T {self.text(rb)}"
            cols, rows = self.dims.show(a.cols), self.dims.show(b.rows)
            raise self.fail(
                f"cannot multiply {self.describe(ra, a)} by {self.describe(rb, b)}: "
                f"{cols} column{'s' if cols != '1' else ''} against {rows} row"
                f"{'s' if rows != '1' else ''}", raw, hint=hint)
        return B.mul(a, b)

    def v_div(self, raw: Raw) -> Expr:
        ra, rb = raw.args
        a, b = self.visit(ra), self.visit(rb)
        if not b.is_scalar:
            raise self.fail(f"cannot divide by {self.describe(rb, b)}: only by a scalar", raw,
                            hint=self.kind_hint((rb, b)) or f"write inv({self.text(rb)}) "
                            "or a product with ^-1")
        if isinstance(b, Num) and b.value == 0:
            raise self.fail("division by zero", rb)
        return B.divide(a, b)

    def hadamard(self, ra: Raw, a: Expr, rb: Raw, b: Expr, raw: Raw) -> Expr:
        if a.is_scalar or b.is_scalar:
            return B.mul(a, b)
        if not self.same_shape(a, b):
            hint = self.kind_hint((ra, a), (rb, b))
            if hint is None and raw.op == "hadamard" and (ra.op in ("juxt", "mul")
                                                          or rb.op in ("juxt", "mul")):
                hint = ("'.*' binds like a product, left to right; group the operands, "
                        "e.g. (A x) .* (B x)")
            raise self.fail(f"the Hadamard product needs equal shapes: {self.describe(ra, a)} "
                            f"and {self.describe(rb, b)}", raw, hint=hint)
        return B.had(a, b)

    def v_hadamard(self, raw: Raw) -> Expr:
        ra, rb = raw.args
        return self.hadamard(ra, self.visit(ra), rb, self.visit(rb), raw)

    def v_kron(self, raw: Raw) -> Expr:
        ra, rb = raw.args
        return B.kron(self.visit(ra), self.visit(rb))

    def cross(self, ra: Raw, a: Expr, rb: Raw, b: Expr, raw: Raw) -> Expr:
        for r, e in ((ra, a), (rb, b)):
            if not e.is_col or not self.dims.unify(e.rows, 3):
                raise self.fail(f"the cross product needs 3-vectors; {self.describe(r, e)} "
                                "is not one", r, hint=self.kind_hint((r, e)))
        return B.cross(a, b)

    def v_cross(self, raw: Raw) -> Expr:
        ra, rb = raw.args
        return self.cross(ra, self.visit(ra), rb, self.visit(rb), raw)

    def v_T(self, raw: Raw) -> Expr:
        return B.transpose(self.visit(raw.args[0]))

    def v_invT(self, raw: Raw) -> Expr:
        a = self.visit(raw.args[0])
        self.square(raw.args[0], a, "the inverse")
        return B.inv(B.transpose(a))

    def v_pow(self, raw: Raw) -> Expr:
        (ra,) = raw.args
        a = self.visit(ra)
        p: Fraction = raw.value
        if a.is_scalar:
            if isinstance(a, Num) and a.value == 0 and p < 0:
                raise self.fail("division by zero", raw)
            return B.power(a, p)
        if a.is_vector:
            raise self.fail(f"cannot raise the vector {self.describe(ra, a)} to a power", raw,
                            hint=self.kind_hint((ra, a)) or
                            f"for the squared norm write {self.text(ra)}^T {self.text(ra)}; "
                            f"element-wise: {self.text(ra)} .^ {p}")
        if p.denominator != 1:
            raise UnsupportedError(f"fractional matrix power {p} of {self.text(ra)}",
                                   span=raw.span, source=self.source,
                                   hint="use sqrtm() for the square root")
        self.square(ra, a, "a matrix power")
        return B.power(a, p)

    def v_hadpow(self, raw: Raw) -> Expr:
        (ra,) = raw.args
        return B.hadpow(self.visit(ra), raw.value)


def text_style(raw: Raw) -> TextStyle:
    """Print results in the user's own notation where the syntax offers a choice."""
    spell: dict[str, set] = {"det": set(), "norm": set(), "kron": set(), "hadamard": set()}

    def walk(r: Raw) -> None:
        if r.op == "call" and r.value in spell:
            spell[r.value].add(r.spelling or "call")
        elif r.op in ("kron", "hadamard"):
            spell[r.op].add(r.spelling)
        for a in r.args:
            if isinstance(a, Raw):
                walk(a)

    walk(raw)
    had = [s for s in spell["hadamard"] if s not in ("call", ".*")]
    return TextStyle(det_bars=spell["det"] == {"bars"}, norm_bars=spell["norm"] == {"bars"},
                     kron_infix=bool(spell["kron"]) and "call" not in spell["kron"],
                     hadamard=had[0] if len(had) == 1 and ".*" not in spell["hadamard"] else ".*")


# ---------------------------------------------------------------------------


def check(raw: Raw, source: str, decls: Declarations | None = None,
          wrt: str | None = None) -> Typed:
    """Kinds and shapes for a parsed expression; `wrt` names the variable."""
    decls = decls or Declarations()
    ck = Checker(source, decls)
    expr = ck.visit(raw)
    var = None
    if wrt is not None:
        var = _variable(ck, wrt)
    return _resolve(ck, expr, var, source, decls, raw)


def _variable(ck: Checker, wrt: str):
    if wrt == "I":
        raise UsageError("cannot differentiate with respect to the identity I")
    if wrt in ck.functions:
        raise UsageError(f"'{wrt}' is an abstract function; differentiate with respect to "
                         "one of its arguments")
    if wrt in BUILTINS or wrt in ALIASES:
        raise UsageError(f"'{wrt}' is a built-in function, not a variable")
    if not wrt or not (wrt[0].isalpha() or wrt[0] == "_") or not all(
            c.isalnum() or c == "_" for c in wrt):
        raise UsageError(f"'{wrt}' is not a variable name")
    if wrt in ck.decls.symmetric:
        raise UnsupportedError(f"differentiating with respect to the symmetric matrix {wrt} "
                               "depends on a convention matdiff does not pick; drop --symmetric "
                               f"{wrt} to get the unconstrained derivative")
    return ck.symbol(wrt, None)


def _resolve(ck: Checker, expr: Expr, var, source: str, decls: Declarations,
             raw: Raw) -> Typed:
    dims = ck.dims
    dims.rename_in_order([s.shape for s in ck.symbols.values()] + list(ck.functions.values())
                         + [x.shape for x in expr.walk()])

    def fix_shape(shape):
        return (dims.resolve(shape[0]), dims.resolve(shape[1]))

    def fix(leaf: Expr) -> Expr:
        if isinstance(leaf, Sym):
            return Sym(leaf.name, fix_shape(leaf.shape), leaf.kind, leaf.symmetric)
        if isinstance(leaf, Ident):
            return Ident(dims.resolve(leaf.n))
        if isinstance(leaf, Zero):
            return Zero(fix_shape(leaf.shape))
        if isinstance(leaf, Call):
            return Call(leaf.name, leaf.args, fix_shape(leaf.shape))
        if isinstance(leaf, Deriv):
            return Deriv(leaf.fn, leaf.wrt, fix_shape(leaf.shape))
        return leaf

    out = map_leaves(expr, fix)
    symbols = {n: fix(s) for n, s in ck.symbols.items()}
    functions = {n: fix_shape(s) for n, s in ck.functions.items()}
    v = symbols.get(var.name) if var is not None else None
    return Typed(out, source, symbols, functions, v, decls, text_style(raw))
