"""Kinds and shapes: give a `Raw` syntax tree meaning as an `Expr` (stage 2).

Names get their kind from their spelling (uppercase: matrix, lowercase Latin:
column vector, Greek: scalar) unless declared. Dimensions are unknowns solved by
unification; a named dimension is never 1, which keeps scalars, vectors and
matrices apart and lets a wrong default kind show up as a clear error that names
the declaration fixing it. The algebra (sums with broadcasting, products, powers,
transposes) is checked here; every named operation is checked by its record's
`check` (`matdiff.ops`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from . import build as B
from .errors import ParseError, ShapeError, UnknownNameError, UnsupportedError, UsageError
from .expr import (SCALAR, Call, Deriv, DimProd, Expr, Ident, Index, Num, Ones, Sym, Zero,
                   map_leaves)
from .kinds import derivative_shape
from .ops import CALL_NAMES, record
from .parser import SPECIAL_CALLS, Raw
from .textform import PLAIN, TextStyle

GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
         "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho",
         "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega"}
KINDS = ("scalar", "vector", "matrix")
KIND_WORDS = ("scalar", "vector", "matrix", "symmetric", "square")   # declarations
SPECIAL_NAMES = {"I", "ones"}

# spellings of other tools, answered with matdiff's
ALIASES = {
    "trace": "tr", "Tr": "tr", "TR": "tr", "Trace": "tr", "det2": "det", "Det": "det",
    "eye": "I", "identity": "I", "transpose": "the postfix ^T (or ')", "inverse": "inv",
    "log_det": "logdet", "logdeterminant": "logdet", "lse": "logsumexp",
    "LogSumExp": "logsumexp", "diagonal": "diag", "kronecker": "kron", "outer": "x y^T",
    "frobenius": "norm", "max": "relu (max(u, 0))", "exp2": "exp", "numel": "sum(ones)",
    "mean": "sum(x) divided by the length", "ln1p": "log1p", "tanhm1": "tanh",
    "softmin": "softmax(-x)", "Exp": "exp", "Log": "log", "Sin": "sin", "Cos": "cos",
}


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


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of two neighbouring letters (the
    optimal string alignment distance: `tahn` is one edit from `tanh`)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def near_builtin(name: str) -> str | None:
    """The built-in a name is probably a misspelling of, or None."""
    if name in ALIASES:
        return ALIASES[name]
    if name.startswith("d") and name[1:] in CALL_NAMES and name not in CALL_NAMES:
        frechet = sorted(n for n in CALL_NAMES if n.startswith("d") and n[1:] in CALL_NAMES)
        return (f"no Fréchet derivative is written for {name[1:]}(); there are "
                + ", ".join(f"{n}(U, E)" for n in frechet))
    names = sorted(set(CALL_NAMES) | {"kron", "hadamard"})
    for b in names:
        if name.lower() == b and name != b:
            return b
    best = None
    for b in names:
        dist = edit_distance(name, b)
        swapped = dist == 1 and len(name) == len(b) and sorted(name) == sorted(b)
        if (dist <= 1 and (len(name) >= 5 or swapped and len(name) >= 3)) \
                or (dist <= 2 and len(name) >= 7):
            if best is None or dist < best[0]:
                best = (dist, b)
    return best[1] if best else None


@dataclass
class Declarations:
    """Kinds declared on the command line (or in a batch line's prefix)."""

    scalar: set = field(default_factory=set)
    vector: set = field(default_factory=set)
    matrix: set = field(default_factory=set)
    symmetric: set = field(default_factory=set)
    square: set = field(default_factory=set)

    @classmethod
    def from_lists(cls, scalar=(), vector=(), matrix=(), symmetric=(),
                   square=()) -> "Declarations":
        d = cls(set(_names(scalar)), set(_names(vector)), set(_names(matrix)),
                set(_names(symmetric)), set(_names(square)))
        d.check()
        return d

    def check(self) -> None:
        groups = {"scalar": self.scalar, "vector": self.vector,
                  "matrix": self.matrix | self.symmetric | self.square}
        seen: dict[str, str] = {}
        for kind, names in groups.items():
            for n in names:
                if n in seen and seen[n] != kind:
                    raise UsageError(f"'{n}' is declared both {seen[n]} and {kind}")
                seen[n] = kind
        for n in seen:
            if n == "I":
                raise UsageError("'I' is the identity matrix and cannot be declared")
            if not re.fullmatch(_NAME, n):
                raise UsageError(f"'{n}' is not a name that can be declared")
        for group, word in ((self.symmetric, "symmetric"), (self.square, "square")):
            for n in group:
                if n in self.scalar or n in self.vector:
                    raise UsageError(f"'{n}' cannot be both {word} and a "
                                     f"{'scalar' if n in self.scalar else 'vector'}")

    def kind_of(self, name: str) -> tuple[str, bool]:
        """(kind, declared?)"""
        if name in self.scalar:
            return "scalar", True
        if name in self.vector:
            return "vector", True
        if name in self.matrix or name in self.symmetric or name in self.square:
            return "matrix", True
        return default_kind(name), False

    def declared(self, name: str) -> bool:
        return self.kind_of(name)[1]

    def as_dict(self) -> dict:
        return {k: sorted(getattr(self, k)) for k in KIND_WORDS if getattr(self, k)}

    def merged(self, other: "Declarations") -> "Declarations":
        """These declarations, with `other`'s taking precedence for the names it declares."""
        redeclared = set().union(*(getattr(other, k) for k in KIND_WORDS))
        out = Declarations(*(getattr(self, k) - redeclared | getattr(other, k)
                             for k in KIND_WORDS))
        out.check()
        return out


_NAME = r"[A-Za-z_\u0391-\u03A9\u03B1-\u03C9][A-Za-z0-9_\u0391-\u03A9\u03B1-\u03C9]*"
_DECLARATION = re.compile(rf"^\s*({_NAME}(?:\s*,\s*{_NAME})*)\s*:\s*"
                          r"(scalar|vector|matrix|symmetric|square)\s*$")


def split_declarations(line: str) -> tuple[Declarations, str, str]:
    """A batch line `t: scalar; A, B: symmetric; expm(t A)` as (declarations, the
    expression, the declaration prefix to repeat in front of a text result)."""
    parts = line.split(";")
    if len(parts) == 1:
        return Declarations(), line, ""
    kinds: dict[str, list] = {k: [] for k in KIND_WORDS}
    pos = 0
    for clause in parts[:-1]:
        m = _DECLARATION.match(clause)
        if m is None:
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
            elif str(item).strip() == "":
                raise UsageError("an empty name in a declaration")
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
        self.constraints: list = []     # (product, product) pairs known only to be equal

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
        if isinstance(a, tuple) and isinstance(b, int) or isinstance(b, tuple) and \
                isinstance(a, int):
            t, n = (a, b) if isinstance(a, tuple) else (b, a)
            flat = self.flat(t)
            if all(isinstance(x, int) for x in flat):
                return _prod(flat) == n
            if n == 1:
                return False
            self.constraints.append((t, (n,)))       # m·n = 9: kept as an equation
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
            # m·p = n·q says nothing about m and n: the factors of a Kronecker product stay
            # independent (a 6×6 product may have 3×2 and 2×3 factors); the equation is
            # kept, and the numeric checks choose sizes that satisfy it
            fa, fb = self.flat(a), self.flat(b)
            for x in list(fa):           # k·m = k·n: m = n (dimensions are positive)
                if not isinstance(x, int) and any(y is x for y in fb):
                    fa.pop(next(i for i, y in enumerate(fa) if y is x))
                    fb.pop(next(i for i, y in enumerate(fb) if y is x))
            if not fa and not fb:
                return True
            if not fa or not fb:
                return False             # k·m = k: m = 1, which no dimension is
            if len(fa) == 1 and len(fb) == 1:
                return self.unify(fa[0], fb[0])
            ints_a = [x for x in fa if isinstance(x, int)]
            ints_b = [x for x in fb if isinstance(x, int)]
            if not [x for x in fa if not isinstance(x, int)] and \
                    not [x for x in fb if not isinstance(x, int)]:
                return _prod(ints_a) == _prod(ints_b)
            if len(fa) == len(fb) and len({id(x) for x in fa}) == 1 and \
                    len({id(x) for x in fb}) == 1:
                return self.unify(fa[0], fb[0])          # m^k = n^k: m = n
            self.constraints.append((a, b))
            return True
        return False

    def flat(self, t) -> list:
        out = []
        for x in t:
            r = self.find(x)
            if isinstance(r, tuple):
                out.extend(self.flat(r))
            elif r != 1:
                out.append(r)
        return out

    def resolve(self, d):
        r = self.find(d)
        if isinstance(r, DimVar):
            return r.name
        if isinstance(r, tuple):
            parts = []
            for x in r:
                rx = self.resolve(x)
                parts.extend(rx.factors if isinstance(rx, DimProd) else [rx])
            ints = 1
            named = []
            for p in parts:
                if isinstance(p, int):
                    ints *= p
                else:
                    named.append(p)
            parts = ([ints] if ints != 1 else []) + named
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
        return str(self.resolve(d))

    def show_shape(self, shape) -> str:
        return f"{self.show(shape[0])}×{self.show(shape[1])}"


def _prod(xs) -> int:
    out = 1
    for x in xs:
        out *= x
    return out


# ---------------------------------------------------------------------------
# the checker


@dataclass
class Typed:
    """The meaning of an input: the expression, its names and the variable(s)."""

    expr: Expr
    source: str
    symbols: dict            # name -> Sym
    functions: dict          # name -> shape of an abstract function's value
    wrt: Sym | None
    decls: Declarations
    style: TextStyle = PLAIN
    notes: list = field(default_factory=list)
    wrts: tuple = ()         # every variable, for repeated wrt
    constraints: tuple = ()  # (dims, dims): products of dimensions known to be equal

    def symbol(self, name: str) -> Sym:
        return self.symbols[name]


class Checker:
    def __init__(self, source: str, decls: Declarations) -> None:
        self.source = source
        self.decls = decls
        self.dims = Dims()
        self.symbols: dict[str, Sym] = {}
        self.functions: dict[str, tuple] = {}
        self.index_names: set = set()      # i in x[i]: an integer, never a variable too
        self.function_args: dict[str, tuple] = {}
        self.notes: list[str] = []
        self.exponent_names: set = set()

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
        """Suggest the declaration that a default kind may have got wrong: a Greek name is a
        scalar (X theta - y → --vector theta), a lowercase name a vector (expm(t A) →
        --scalar t). A Greek name inside an operand first, then bare operands."""
        for raw, _ in pairs:
            for name in _names_in(raw):
                if is_greek(name):
                    hint = self._name_hint(name, direct=False)
                    if hint:
                        return hint
        for raw, _ in pairs:
            if raw.op == "name":
                hint = self._name_hint(raw.value, direct=True)
                if hint:
                    return hint
        for raw, _ in pairs:
            for name in _names_in(raw):
                if name in self.decls.symmetric or name in self.decls.square:
                    return self._name_hint(name, direct=False)
        return None

    def _name_hint(self, name: str, direct: bool) -> str | None:
        if name in SPECIAL_NAMES or name not in self.symbols:
            return None
        kind, declared = self.decls.kind_of(name)
        for group, word in ((self.decls.symmetric, "symmetric"), (self.decls.square, "square")):
            if name in group:
                return f"{name} is declared {word}, so it is square"
        if declared:
            return None
        if kind == "vector" and direct:
            return (f"{name} is a vector by default (a lowercase name); "
                    f"if it is a scalar, declare it: --scalar {name}")
        if kind == "scalar":
            return (f"{name} is a scalar by default (a Greek name); "
                    f"if it is a vector, declare it: --vector {name}")
        return None

    # -- names -------------------------------------------------------------
    def symbol(self, name: str, raw: Raw | None) -> Sym:
        if name in self.symbols:
            return self.symbols[name]
        if name in self.functions:
            raise self.fail(f"'{name}' is used both as a function and as a variable", raw)
        if name in self.index_names:
            raise self.fail(f"'{name}' is used both as an index and as a variable", raw)
        if name in CALL_NAMES and raw is not None and not self.decls.declared(name):
            raise self.fail(f"'{name}' is a function; call it as {name}(...)", raw)
        if raw is not None and not self.decls.declared(name) and name in ALIASES:
            raise UnknownNameError(f"'{name}' is not a matdiff name; write {ALIASES[name]}",
                                   span=raw.span, source=self.source,
                                   hint=f"to use it as a variable, declare its kind, e.g. "
                                        f"--{default_kind(name)} {name}")
        kind, declared = self.decls.kind_of(name)
        if not declared and name in self.exponent_names and kind != "scalar":
            kind = "scalar"          # a name used only in exponents: X^n, (x^T x)^(p - 1)
            self.notes.append(f"{name} is read as a scalar (it is used only as an exponent); "
                              f"declare it to say otherwise: --vector {name}")
        symmetric = name in self.decls.symmetric
        square = symmetric or name in self.decls.square
        if square and default_kind(name) != "matrix" and name not in self.decls.matrix:
            word = "symmetric" if symmetric else "square"
            self.notes.append(f"{name} is read as a matrix because it is declared {word} "
                              f"(a {'lowercase' if default_kind(name) == 'vector' else 'Greek'} "
                              f"name is a {default_kind(name)} by default)")
        if kind == "scalar":
            shape = SCALAR
        elif kind == "vector":
            shape = (self.dims.fresh(name), 1)
        elif square:
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
    def unify(self, a, b) -> bool:
        return self.dims.unify(a, b)

    def product_dim(self, a, b):
        return (a, b) if a != 1 and b != 1 else (a if b == 1 else b)

    def same_shape(self, a: Expr, b: Expr) -> bool:
        return self.dims.unify(a.rows, b.rows) and self.dims.unify(a.cols, b.cols)

    def square(self, raw: Raw, e: Expr, what: str) -> None:
        if e.is_scalar:
            return
        if not self.dims.unify(e.rows, e.cols):
            raise self.fail(f"{what} needs a square matrix, but {self.describe(raw, e)} is not "
                            "square", raw, hint=self.kind_hint((raw, e)))

    # -- the walk ------------------------------------------------------------
    def visit(self, raw: Raw) -> Expr:
        meth = getattr(self, "v_" + raw.op)
        return meth(raw)

    def v_num(self, raw: Raw) -> Expr:
        return Num(raw.value)

    def v_string(self, raw: Raw) -> Expr:
        raise self.fail(f"a string {self.text(raw)} is only an argument of norm(X, 'fro')", raw)

    def v_name(self, raw: Raw) -> Expr:
        name = raw.value
        if name == "I" and not self.decls.declared(name):
            return Ident(self.dims.fresh(None))
        if name == "ones" and not self.decls.declared(name):
            return Ones((self.dims.fresh(None), 1))
        return self.symbol(name, raw)

    def v_deriv(self, raw: Raw) -> Expr:
        fname, den = raw.value
        if raw.spelling == "2":
            wnames = self._split_wrts(fname, den, raw)
        else:
            wnames = (den,)
        wrts = []
        for w in wnames:
            if w in self.functions:
                raise self.fail(f"d{fname}/d{w}: derivatives with respect to a function are "
                                "not supported here", raw)
            wrts.append(self.symbol(w, raw))
        fshape = self.function_shape(fname, raw)
        args = self.function_args.get(fname) or tuple(dict.fromkeys(wrts))
        self.function_args.setdefault(fname, args)
        call = Call(fname, tuple(args), fshape)
        if len(wrts) == 1:
            return Deriv(call, tuple(wrts), derivative_shape(fshape, wrts[0].shape))
        return Deriv(call, tuple(wrts), self.second_shape(fshape, wrts, raw))

    def second_shape(self, fshape, wrts, raw: Raw):
        """The shape of d2u/dxdy as printed: the derivative of du/dx (a gradient's
        transpose for a scalar u) by y."""
        x, y = wrts
        if fshape == SCALAR:
            if x.is_scalar and y.is_scalar:
                return SCALAR
            if x.is_col and y.is_col:
                return (x.rows, y.rows)
            if x.is_col and y.is_scalar:
                return (1, x.rows)
            if x.is_scalar and y.is_col:
                return (1, y.rows)
        elif x.is_scalar and y.is_scalar:
            return fshape
        raise UnsupportedError(f"d2{call_name(raw)}: second derivatives of abstract functions "
                               "are written for scalar arguments and for Hessians of scalar "
                               "functions of vectors", span=raw.span, source=self.source)

    def _split_wrts(self, fname: str, den: str, raw: Raw) -> tuple:
        """'xdy' as ('x', 'y'): a split at a 'd' into two names, preferring the function's
        arguments when it has been seen."""
        known = [a.name for a in self.function_args.get(fname, ()) if isinstance(a, Sym)]
        cands = []
        for i, ch in enumerate(den):
            if ch == "d" and 0 < i < len(den) - 1:
                a, b = den[:i], den[i + 1:]
                if re.fullmatch(_NAME, a) and re.fullmatch(_NAME, b):
                    cands.append((a, b))
        if not cands:
            raise self.fail(f"cannot read the second derivative d2{fname}/d{den}", raw,
                            hint="write d2U/dxdy")
        for a, b in cands:
            if a in known and b in known:
                return (a, b)
        return cands[0]

    def v_call(self, raw: Raw) -> Expr:
        name = raw.value
        declared = self.decls.declared(name)
        if name in SPECIAL_CALLS and not declared:
            return getattr(self, "call_" + name)(raw)
        if name in CALL_NAMES and not declared:
            op = record(CALL_NAMES[name])
            if len(raw.args) not in op.arity:
                want = " or ".join(str(a) for a in op.arity)
                raise self.fail(f"{name}() takes {want} argument{'s' if op.arity != (1,) else ''}"
                                f", got {len(raw.args)}", raw)
            args = [self.visit(a) if a.op != "string" else None for a in raw.args]
            for a, r in zip(args, raw.args):
                if a is None and op.name != "norm":
                    raise self.fail(f"{name}() does not take a string", r)
            return op.check(self, raw, args)
        return self.abstract_call(name, raw)

    def call_kron(self, raw: Raw) -> Expr:
        a, b = self.args_of(raw, 2, "kron")
        return B.kron(a, b)

    def call_hadamard(self, raw: Raw) -> Expr:
        a, b = self.args_of(raw, 2, "hadamard")
        return self.hadamard(raw.args[0], a, raw.args[1], b, raw, "hadamard")

    def call_vector(self, raw: Raw) -> Expr:
        (c,) = self.args_of(raw, 1, "vector")
        if not c.is_scalar:
            raise self.fail("vector(c) takes a scalar c (vector(1) is a vector of ones)", raw)
        return B.mul(c, Ones((self.dims.fresh(None), 1)))

    def call_matrix(self, raw: Raw) -> Expr:
        (c,) = self.args_of(raw, 1, "matrix")
        if not c.is_scalar:
            raise self.fail("matrix(c) takes a scalar c (matrix(1) is a matrix of ones)", raw)
        return B.mul(c, Ones((self.dims.fresh(None), self.dims.fresh(None))))

    def call_commutation(self, raw: Raw) -> Expr:
        (m,) = self.args_of(raw, 1, "commutation")
        if not m.is_matrix:
            raise self.fail("commutation(M) takes a matrix: the K with K vec(M) = vec(Mᵀ)",
                            raw)
        return B.commutation(m.rows, m.cols)

    def abstract_call(self, name: str, raw: Raw) -> Expr:
        near = near_builtin(name)
        if near is not None and near.startswith("no Fréchet"):
            raise UnknownNameError(f"unknown function '{name}': {near}", span=raw.span,
                                   source=self.source)
        if near is not None:
            raise UnknownNameError(f"unknown function '{name}'; did you mean {near}?",
                                   span=raw.span, source=self.source,
                                   hint=f"to use {name} as an abstract function, declare its "
                                        f"kind, e.g. --{default_kind(name)} {name}"
                                   if near in CALL_NAMES else None)
        if not raw.args:
            raise self.fail(f"{name}() needs at least one argument", raw)
        args = []
        for a in raw.args:
            if a.op not in ("name", "call") or (a.op == "call" and a.value in CALL_NAMES) \
                    or (a.op == "name" and a.value in SPECIAL_NAMES):
                raise self.fail(
                    f"'{name}(...)' reads as an abstract function, whose arguments must be names "
                    f"or abstract functions; '{self.text(a)}' is neither", a,
                    hint=f"for a product write {name}*({self.text(a)}) or {name} ({self.text(a)})")
            args.append(self.visit(a))
        if len(set(args)) != len(args):
            raise self.fail(f"{name}(...) repeats an argument; the arguments of an abstract "
                            "function are distinct", raw)
        shape = self.function_shape(name, raw)
        self.function_args.setdefault(name, tuple(args))   # what du/dx refers to
        return Call(name, tuple(args), shape)

    def args_of(self, raw: Raw, n: int, name: str) -> list[Expr]:
        if len(raw.args) != n:
            raise self.fail(f"{name}() takes {n} argument{'s' if n > 1 else ''}, "
                            f"got {len(raw.args)}", raw)
        return [self.visit(a) for a in raw.args]

    # -- sums ------------------------------------------------------------------
    def v_sum(self, raw: Raw) -> Expr:
        """A sum of many terms is checked term by term against the running shape and built
        once at the end (a 30,000-term sum costs linear time)."""
        first = raw.args[0]
        head = self.visit(first)
        terms = [head]
        left, shape_of = first, head          # an expression of the sum's shape so far
        for sign, r in zip(raw.value, raw.args[1:]):
            here = Raw("sum", span=(first.span[0], r.span[1]))
            b = self.visit(r)
            probe = self.add(left, shape_of, r, b, here, sign == "-", build=False)
            if not probe.is_scalar:
                shape_of = probe
            terms.append(B.neg(b) if sign == "-" else b)
            left = here
        if all(t.is_scalar for t in terms) or not any(t.is_scalar for t in terms):
            return B.add(*terms)
        shape = shape_of.shape
        return B.add(*(B.mul(t, Ones(shape)) if t.is_scalar else t for t in terms))

    def add(self, ra: Raw, a: Expr, rb: Raw, b: Expr, raw: Raw, negate: bool,
            build: bool = True) -> Expr:
        """a ± b, checked; without `build`, an expression of the result's shape."""
        word = "subtract" if negate else "add"
        if a.is_scalar != b.is_scalar:          # a scalar acts on every entry (NumPy)
            s_raw, s, m = (ra, a, b) if a.is_scalar else (rb, b, a)
            self.note_broadcast(s_raw)
            if not build:
                return m
            full = B.mul(s, Ones(m.shape))
            a, b = (full, b) if a.is_scalar else (a, full)
        elif not self.same_shape(a, b):
            hint = self.kind_hint((ra, a), (rb, b))
            raise self.fail(f"cannot {word} {self.describe(ra, a)} and {self.describe(rb, b)}: "
                            "the shapes differ", raw, hint=hint)
        if not build:
            return a
        return B.sub(a, b) if negate else B.add(a, b)

    def note_broadcast(self, raw: Raw) -> None:
        for name in _names_in(raw):
            if name in self.symbols and self.symbols[name].is_scalar \
                    and not self.decls.declared(name) and is_greek(name):
                note = (f"{name} is a scalar (a Greek name) and is added to every entry; "
                        f"if it is a vector, declare it: --vector {name}")
                if note not in self.notes:
                    self.notes.append(note)

    def v_neg(self, raw: Raw) -> Expr:
        return B.neg(self.visit(raw.args[0]))

    # -- products ----------------------------------------------------------------
    def v_product(self, raw: Raw) -> Expr:
        first = raw.args[0]
        acc = self.visit(first)
        left = first
        for (op, spelling), r in zip(raw.value, raw.args[1:]):
            here = Raw("product", span=(first.span[0], r.span[1]))
            acc = self.binary(op, spelling, left, acc, r, self.visit(r), here)
            left = here
        return acc

    def binary(self, op: str, spelling: str, ra: Raw, a: Expr, rb: Raw, b: Expr,
               raw: Raw) -> Expr:
        if op in ("mul", "juxt"):
            return self.product(ra, a, rb, b, raw)
        if op == "div":
            return self.divide(ra, a, rb, b, raw)
        if op == "hadamard":
            return self.hadamard(ra, a, rb, b, raw, spelling)
        if op == "haddiv":
            return self.hadamard(ra, a, rb, self.reciprocal(rb, b), raw, spelling)
        if op == "kron":
            return B.kron(a, b)
        if op == "cross":
            return record("cross").check(self, Raw("call", (ra, rb), "cross", raw.span), [a, b])
        raise AssertionError(op)

    def product(self, ra: Raw, a: Expr, rb: Raw, b: Expr, raw: Raw) -> Expr:
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

    def divide(self, ra: Raw, a: Expr, rb: Raw, b: Expr, raw: Raw) -> Expr:
        if not b.is_scalar:
            hint = self.kind_hint((rb, b))
            if hint is None and rb.op == "name" and not self.decls.kind_of(rb.value)[1]:
                hint = (f"{rb.value} is a matrix by default (an uppercase name); if it is a "
                        f"scalar, declare it: --scalar {rb.value}; for element-wise division "
                        "write ./")
            raise self.fail(f"cannot divide by {self.describe(rb, b)}: only by a scalar", raw,
                            hint=hint or "for element-wise division write ./; for a matrix, "
                            "inv(...) or ^-1")
        if isinstance(b, Num) and b.value == 0:
            raise self.fail("division by zero", rb)
        return B.divide(a, b)

    def reciprocal(self, rb: Raw, b: Expr) -> Expr:
        if isinstance(b, Num) and b.value == 0:
            raise self.fail("division by zero", rb)
        return B.hadpow(b, -1)

    def hadamard(self, ra: Raw, a: Expr, rb: Raw, b: Expr, raw: Raw, spelling: str) -> Expr:
        if a.is_scalar or b.is_scalar:
            if a.is_scalar and not b.is_scalar and spelling == "./":
                return B.mul(a, b)           # c ./ x = c x.^-1, already the reciprocal
            return B.mul(a, b)
        if not self.same_shape(a, b):
            hint = self.kind_hint((ra, a), (rb, b))
            if hint is None and (ra.op == "product" or rb.op == "product"):
                hint = (f"'{spelling}' binds like a product, left to right; group the operands, "
                        "e.g. (A x) .* (B x)")
            what = "element-wise division" if spelling == "./" else "the Hadamard product"
            raise self.fail(f"{what} needs equal shapes: {self.describe(ra, a)} "
                            f"and {self.describe(rb, b)}", raw, hint=hint)
        return B.had(a, b)

    # -- postfix ---------------------------------------------------------------
    def v_T(self, raw: Raw) -> Expr:
        return B.transpose(self.visit(raw.args[0]))

    def v_invT(self, raw: Raw) -> Expr:
        a = self.visit(raw.args[0])
        if a.is_vector:
            raise self.fail(f"cannot invert the vector {self.describe(raw.args[0], a)}", raw,
                            hint=self.kind_hint((raw.args[0], a)))
        self.square(raw.args[0], a, "the inverse")
        return B.inv(B.transpose(a))

    def exponent(self, raw: Raw) -> Expr:
        p = self.visit(raw)
        if not p.is_scalar:
            raise self.fail(f"an exponent must be a scalar; {self.describe(raw, p)} is not",
                            raw, hint=self.kind_hint((raw, p)))
        return p

    def v_pow(self, raw: Raw) -> Expr:
        ra, rp = raw.args
        a = self.visit(ra)
        p = self.exponent(rp)
        pv = p.value if isinstance(p, Num) else None
        if a.is_scalar:
            if isinstance(a, Num) and a.value == 0 and pv is not None and pv < 0:
                raise self.fail("division by zero", raw)
            if isinstance(a, Num) and pv is not None and not _small_power(a.value, pv):
                raise self.fail(f"the number {self.text(raw)} is too large to compute exactly",
                                raw)
            return B.power(a, p)
        if a.is_vector:
            raise self.fail(f"cannot raise the vector {self.describe(ra, a)} to a power", raw,
                            hint=self.kind_hint((ra, a)) or
                            f"for the squared norm write {self.text(ra)}^T {self.text(ra)}; "
                            f"element-wise: {self.text(ra)} .^ {self.text(rp)}")
        if pv is not None and pv.denominator != 1:
            raise UnsupportedError(f"fractional matrix power {pv} of {self.text(ra)}",
                                   span=raw.span, source=self.source,
                                   hint="use sqrtm() for the square root")
        if pv is None and not isinstance(p, Sym):
            raise UnsupportedError(f"a matrix power needs an integer exponent; "
                                   f"{self.text(rp)} is an expression", span=rp.span,
                                   source=self.source, hint="use a number or a scalar name")
        self.square(ra, a, "a matrix power")
        return B.power(a, p)

    def v_hadpow(self, raw: Raw) -> Expr:
        ra, rp = raw.args
        a = self.visit(ra)
        p = self.exponent(rp)
        if isinstance(a, Num) and isinstance(p, Num) and not _small_power(a.value, p.value):
            raise self.fail(f"the number {self.text(raw)} is too large to compute exactly", raw)
        return B.hadpow(a, p)

    def v_index(self, raw: Raw) -> Expr:
        (ra,) = raw.args
        a = self.visit(ra)
        idx = raw.value
        for i in idx:
            if not i.isdigit() and i in self.symbols:
                raise self.fail(f"'{i}' is used both as an index and as a variable", raw)
            self.index_names.add(i)
        if a.is_scalar:
            raise self.fail(f"cannot index the scalar {self.describe(ra, a)}", raw)
        if a.is_vector:
            if len(idx) != 1:
                raise self.fail(f"a vector takes one index: {self.text(ra)}[i]", raw)
            return Index(a, idx[0], None)
        if len(idx) != 2:
            raise self.fail(f"a matrix takes two indices: {self.text(ra)}[i, j]", raw)
        return Index(a, idx[0], idx[1])


def call_name(raw: Raw) -> str:
    return raw.value[0] if isinstance(raw.value, tuple) else str(raw.value)


MAX_EXPR_DEPTH = 250


def depth(e: Expr) -> int:
    """The depth of an expression tree, without recursion."""
    best = 0
    stack = [(e, 1)]
    while stack:
        x, k = stack.pop()
        best = max(best, k)
        if k > MAX_EXPR_DEPTH:
            return k
        stack.extend((c, k + 1) for c in x.children)
    return best


def _small_power(base: Fraction, p: Fraction) -> bool:
    """Whether base^p can be computed exactly at a small cost."""
    if p.denominator != 1 or base in (0, 1, -1):
        return True
    bits = max(abs(base.numerator), abs(base.denominator)).bit_length()
    return abs(p.numerator) * bits <= 4096


def _names_in(raw: Raw):
    """The names occurring in a raw subtree, in order."""
    out: list = []
    stack = [raw]
    while stack:
        r = stack.pop()
        if r.op == "name":
            if r.value not in out:
                out.append(r.value)
        stack.extend(reversed([a for a in r.args if isinstance(a, Raw)]))
    return out


def exponent_only_names(raw: Raw) -> set:
    """Lowercase names that occur only as exponents of ^, alone or in sums and negations
    (X^n, t^alpha, (x^T x)^(p - 1)): they are scalars unless declared (an exponent of ^ is
    a scalar; x .^ y keeps the contract's default, a vector y, and says why it fails)."""
    inside: set = set()
    everywhere: list = []
    stack = [raw]
    while stack:
        r = stack.pop()
        if r.op == "name":
            everywhere.append(r.value)
        if r.op == "pow":
            exp = r.args[1]
            todo = [exp]
            while todo:
                x = todo.pop()
                if x.op == "name":
                    inside.add(x.value)
                elif x.op in ("sum", "neg"):
                    todo.extend(x.args)
        stack.extend(a for a in r.args if isinstance(a, Raw))
    counts = {n: everywhere.count(n) for n in inside}
    direct = _direct_exponent_counts(raw)
    return {n for n in inside if counts[n] == direct.get(n, 0) and not n[0].isupper()
            and n not in SPECIAL_NAMES}


def _direct_exponent_counts(raw: Raw) -> dict:
    """How often each name occurs as (part of a sum in) an exponent of ^."""
    out: dict = {}
    stack = [raw]
    while stack:
        r = stack.pop()
        if r.op == "pow":
            todo = [r.args[1]]
            while todo:
                x = todo.pop()
                if x.op == "name":
                    out[x.value] = out.get(x.value, 0) + 1
                elif x.op in ("sum", "neg"):
                    todo.extend(x.args)
        stack.extend(a for a in r.args if isinstance(a, Raw))
    return out


def text_style(raw: Raw) -> TextStyle:
    """Print results in the user's own notation where the syntax offers a choice."""
    spell: dict[str, set] = {"det": set(), "norm": set(), "kron": set(), "hadamard": set()}
    stack = [raw]
    while stack:
        r = stack.pop()
        if r.op == "call" and r.value in spell:
            spell[r.value].add(r.spelling or "call")
        elif r.op == "product":
            for op, spelling in r.value:
                if op in ("kron", "hadamard"):
                    spell[op].add(spelling)
        stack.extend(a for a in r.args if isinstance(a, Raw))
    had = [s for s in spell["hadamard"] if s not in ("call", ".*")]
    return TextStyle(det_bars=spell["det"] == {"bars"}, norm_bars=spell["norm"] == {"bars"},
                     kron_infix=bool(spell["kron"]) and "call" not in spell["kron"],
                     hadamard=had[0] if len(had) == 1 and ".*" not in spell["hadamard"] else ".*")


# ---------------------------------------------------------------------------


def check(raw: Raw, source: str, decls: Declarations | None = None,
          wrt=None) -> Typed:
    """Kinds and shapes for a parsed expression; `wrt` names the variable (or a list of
    variables, for repeated wrt)."""
    decls = decls or Declarations()
    ck = Checker(source, decls)
    ck.exponent_names = exponent_only_names(raw)
    expr = ck.visit(raw)
    if depth(expr) > MAX_EXPR_DEPTH:
        raise UnsupportedError(f"the expression nests more than {MAX_EXPR_DEPTH} operations "
                               "(a chain of Kronecker products, say): too deep to differentiate",
                               source=source)
    wrts = [wrt] if isinstance(wrt, str) else list(wrt or ())
    variables = [_variable(ck, w) for w in wrts]
    return _resolve(ck, expr, variables, source, decls, raw)


def _variable(ck: Checker, wrt: str):
    if wrt == "I":
        raise UsageError("cannot differentiate with respect to the identity I")
    if not wrt or not re.fullmatch(_NAME, wrt):
        raise UsageError(f"'{wrt}' is not a variable name")
    if wrt in ck.functions:
        raise UsageError(f"'{wrt}' is an abstract function; differentiate with respect to "
                         "one of its arguments")
    if (wrt in CALL_NAMES or wrt in SPECIAL_CALLS) and not ck.decls.declared(wrt):
        raise UsageError(f"'{wrt}' is a built-in function, not a variable")
    if wrt == "ones" and not ck.decls.declared(wrt):
        raise UsageError("'ones' is the vector of ones, not a variable")
    s = ck.symbol(wrt, None)
    if s.symmetric and not s.is_matrix:
        raise UsageError(f"'{wrt}' is declared symmetric but is a {s.kind}")
    return s


def _resolve(ck: Checker, expr: Expr, variables, source: str, decls: Declarations,
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
        if isinstance(leaf, (Zero, Ones)):
            return type(leaf)(fix_shape(leaf.shape))
        if isinstance(leaf, Call):
            return Call(leaf.name, leaf.args, fix_shape(leaf.shape))
        if isinstance(leaf, Deriv):
            return Deriv(leaf.fn, leaf.wrts, fix_shape(leaf.shape))
        if isinstance(leaf, Index):
            return leaf
        from .expr import Commutation
        if isinstance(leaf, Commutation):
            return Commutation(dims.resolve(leaf.m), dims.resolve(leaf.n))
        return leaf

    out = _refresh(map_leaves(expr, fix))
    symbols = {n: fix(s) for n, s in ck.symbols.items()}
    functions = {n: fix_shape(s) for n, s in ck.functions.items()}
    vs = tuple(symbols[v.name] for v in variables)
    constraints = []
    for a, b in dims.constraints:
        fa, fb = _factors(dims.resolve(a)), _factors(dims.resolve(b))
        if sorted(map(str, fa)) != sorted(map(str, fb)):
            constraints.append((fa, fb))
    return Typed(out, source, symbols, functions, vs[0] if vs else None, decls,
                 text_style(raw), ck.notes, vs, tuple(constraints))


def _factors(d) -> tuple:
    return tuple(d.factors) if isinstance(d, DimProd) else (d,)


def _refresh(e: Expr) -> Expr:
    """Rebuild named operations so that cached shapes use the resolved dimensions."""
    from .expr import Fn
    if not e.children:
        return e
    new = e.rebuild(_refresh)
    if isinstance(new, Fn) and new is e:
        return Fn(e.op, e.args)
    return new
