"""Generated Python: a runnable module computing the value and the derivatives.

`--format python` writes `f_and_gradient(<names>)`, which checks the shapes of its
arguments (vectors 1-D, the contract's convention), and returns the value of the
expression and its derivative in the result's layout — and, for a second derivative
(`wrt x wrt x`), the value, the first derivative and the second (the Hessian). The
three are optimised together by `matdiff.codegen`: the cheapest evaluation order, and
every value they share computed once as a temporary (`t0 = ...`), `np.linalg.solve`
instead of an inverse times a matrix. `f_and_derivative` is the same function under
its older name. `check()` compares the derivatives with central finite differences at
random inputs (the second derivative with differences of the first), and runs when the
file is executed.
"""

from __future__ import annotations

from .. import __version__
from ..errors import UnsupportedError
import keyword
from dataclasses import replace

from ..expr import Call, Deriv, DimProd, Expr, Index, Sym
from ..sampling import domains_of, index_ranges
from ..layout import to_layout
from ..textform import to_text


def _dim_code(d, names: dict) -> str:
    if isinstance(d, int):
        return str(d)
    if isinstance(d, DimProd):
        return " * ".join(_dim_code(f, names) for f in d.factors)
    return names[d]


def _shape_tuple(sym: Sym, names: dict) -> str:
    if sym.is_scalar:
        return "()"
    if sym.is_col:
        return f"({_dim_code(sym.rows, names)},)"
    return f"({_dim_code(sym.rows, names)}, {_dim_code(sym.cols, names)})"


def _result_shape(e, names: dict) -> str:
    if e.is_scalar:
        return "()"
    if e.is_vector:
        n = e.rows if e.is_col else e.cols
        return f"({_dim_code(n, names)},)"
    return f"({_dim_code(e.rows, names)}, {_dim_code(e.cols, names)})"


# names the module defines or uses itself: a user's name that is one of them is renamed
RESERVED = frozenset({"np", "scipy", "value", "gradient", "hessian", "check",
                      "f_and_gradient", "f_and_derivative", "float", "int", "max", "abs",
                      "all", "range", "print", "len", "min"})


def python_names(names, taken) -> dict:
    """A distinct Python identifier for each of the user's names: the name itself unless
    it is a keyword, something the module defines (`RESERVED`, the dimensions' names in
    `taken`), or starts with `_` (the module's private names); then with `_` appended."""
    out: dict = {}
    used = set(taken)
    for n in names:
        p = "v" + n if n.startswith("_") else n
        while keyword.iskeyword(p) or p in RESERVED or p in used:
            p += "_"
        out[n] = p
        used.add(p)
    return out


def _renamed(e: Expr, names: dict, memo: dict) -> Expr:
    """e with its names (variables, and the indices of entries) as the module spells them."""
    got = memo.get(e)
    if got is None:
        if isinstance(e, Sym):
            got = replace(e, name=names.get(e.name, e.name))
        elif isinstance(e, Index):
            got = Index(None if e.arg is None else _renamed(e.arg, names, memo),
                        names.get(e.i, e.i), None if e.j is None else names.get(e.j, e.j),
                        e.shape_)
        else:
            got = e.rebuild(lambda c: _renamed(c, names, memo))
        memo[e] = got
    return got


def python_code(result) -> str:
    from ..codegen import program

    f, t = result.function, result.typed
    if any(isinstance(x, (Call, Deriv)) for x in f.walk()):
        raise UnsupportedError("--format python needs concrete functions; abstract functions "
                               "such as u(x) have no values")
    symbols = t.symbols
    variables = list(dict.fromkeys(v.name for v in result.variables))
    order = variables + [n for n in symbols if n not in variables]
    indices = index_ranges((f,))    # x[i]: i is an integer argument

    # a Python name for each dimension, read off the first argument that has it
    # (a factor of a product m·n, with m known: the size // m)
    dim_names: dict = {}
    firsts: list = []
    products: list = []
    for name in order:
        s = symbols[name]
        for axis, d in enumerate(s.shape):
            at = axis if not s.is_col else 0
            if isinstance(d, str) and d not in dim_names:
                dim_names[d] = f"{d}_"
                firsts.append((d, name, at, ()))
            elif isinstance(d, DimProd):
                products.append((d, name, at))
    found = True
    while found:
        found = False
        for d, name, at in products:
            unknown = [x for x in d.factors if isinstance(x, str) and x not in dim_names]
            if len(unknown) == 1:
                dim_names[unknown[0]] = f"{unknown[0]}_"
                firsts.append((unknown[0], name, at, tuple(x for x in d.factors
                                                          if x != unknown[0])))
                found = True
    for d, name, _ in products:
        if any(isinstance(x, str) and x not in dim_names for x in d.factors):
            raise UnsupportedError(f"--format python cannot tell the dimensions {d} of {name} "
                                   "apart: no other argument has one of them")
    names = python_names(order + [i for i in indices if i not in symbols],
                         dim_names.values())
    order_all = order + [i for i in indices if i not in symbols]
    args = ", ".join(names[n] for n in order_all)
    reads = [f"    {dim_names[x]} = {names[name]}.shape[{axis}]"
             + (f" // ({' * '.join(_dim_code(k, dim_names) for k in known)})" if known else "")
             for x, name, axis, known in firsts]
    memo: dict = {}
    outputs = [(n, _renamed(e, names, memo)) for n, e in _outputs(result)]
    prog = program([e for _, e in outputs], dict(dim_names), result.layout)
    temps, codes = prog.statements(avoid=list(names.values()) + list(dim_names.values())
                                   + [n for n, _ in outputs])
    code_text = "\n".join(temps + codes)

    doc = [f'"""Generated by matdiff {__version__}.', "", f"    f = {to_text(f)}"]
    for (name, e), label in zip(_outputs(result)[1:], _labels(result)):   # the user's names
        doc.append(f"    {label} = {to_text(e)}")
    doc.append(f"    ({result.kind}, {result.layout} layout)")
    lines = doc + ['"""', "", "import numpy as np"]
    if "scipy." in code_text:
        lines.append("import scipy.linalg")
    names_out = ", ".join(n for n, _ in outputs)
    lines += ["", "", f"def f_and_gradient({args}):",
              f'    """({names_out}) at the given values; vectors are 1-D arrays."""']
    for i in indices:
        if i not in symbols:
            lines.append(f"    {names[i]} = int({names[i]})")
    for name in order:
        s = symbols[name]
        pn = names[name]
        if s.is_scalar:
            lines.append(f"    {pn} = float({pn})")
        else:
            lines.append(f"    {pn} = np.asarray({pn}, dtype=float)")
            lines.append(f"    assert {pn}.ndim == {1 if s.is_col else 2}, "
                         f"\"{name} must be a {'1-D array' if s.is_col else '2-D array'}\"")
    lines += reads
    for name in order:
        s = symbols[name]
        if s.is_scalar:
            continue
        pn = names[name]
        shape = _shape_tuple(s, dim_names)
        lines.append(f"    assert {pn}.shape == {shape}, f\"{name} has shape {{{pn}.shape}}, "
                     f"expected {shape}\"")
        if s.symmetric:
            lines.append(f"    assert np.allclose({pn}, {pn}.T), \"{name} must be symmetric\"")
    lines += [f"    {line}" for line in temps]
    for (name, e), code in zip(outputs, codes):
        lines.append(f"    {name} = {code}")
    for name, e in outputs[1:]:
        shape = _result_shape(e, dim_names)
        lines.append(f"    assert np.shape({name}) == {shape}, np.shape({name})")
    lines.append(f"    return {names_out}")
    lines += ["", "", f"def f_and_derivative({args}):",
              '    """The older name of f_and_gradient."""',
              f"    return f_and_gradient({args})", "", "",
              *_check_function(result, order_all, dim_names, args, names, indices), "",
              "", 'if __name__ == "__main__":', "    check()", ""]
    return "\n".join(lines)


def _outputs(result) -> list:
    """(name, expression) of what f_and_gradient returns, in the result's layout."""
    out = [("value", result.function)]
    if len(result.steps) == 1:
        return out + [("gradient", result.expr)]
    first = result.steps[0]
    sym = bool(first.kind.symmetric)
    return out + [("gradient", to_layout(first.result, result.layout, sym)),
                  ("hessian", result.expr)]


def _labels(result) -> list:
    names = [v.name for v in result.variables]
    if len(names) == 1:
        return [f"d f / d {names[0]}"]
    a, b = names
    return [f"d f / d {a}", f"d2 f / d {a} d {b}"]


def _check_function(result, order: list, dim_names: dict, args: str, names: dict,
                    indices: dict) -> list:
    """`check()`: its own names start with `_`, which the user's names never do here
    (`python_names`), so a variable called `v` or `g` stays the user's."""
    symbols = result.typed.symbols
    constraints = result.typed.constraints
    domains = domains_of((result.function,))
    out = ["def _differences(fun, v0):",
           '    """g[i, j] = d vec(fun(v))_j / d vec(v)_i by central differences."""',
           "    v0 = np.asarray(v0, dtype=float)",
           "    columns = []",
           "    for idx in [np.unravel_index(k, v0.shape, order=\"F\") for k in range(v0.size)]:",
           "        h = 1e-6 * max(1.0, abs(v0[idx]))",
           "        vp, vm = v0.copy(), v0.copy()",
           "        vp[idx] += h",
           "        vm[idx] -= h",
           "        fp = np.asarray(fun(vp), dtype=float)",
           "        fm = np.asarray(fun(vm), dtype=float)",
           "        columns.append(((fp - fm) / (2 * h)).ravel(order=\"F\"))",
           "    return np.array(columns)",
           "", "",
           "def _error(got, reference):",
           "    scale = max(1.0, float(np.max(np.abs(reference))))",
           "    return float(np.max(np.abs(np.asarray(got) - reference))) / scale",
           "", "",
           "def check(seed=0, tol=1e-6):",
           '    """Compare the derivatives with central finite differences at random inputs',
           '    (random sizes, redrawn until the values are finite)."""',
           "    _rng = np.random.default_rng(seed)",
           f"    for _ in range({200 if constraints else 50}):"]
    if constraints:     # sizes tied by a product (kron(A, B) against X): drawn until they fit
        body = [f"_sizes = _rng.integers(2, 7, {len(dim_names)})"]
    else:
        body = [f"_sizes = _rng.permutation(np.arange(2, {max(7, 2 + len(dim_names))}))"]
    for i, d in enumerate(dim_names):
        body.append(f"{dim_names[d]} = int(_sizes[{i}])")
    for a, b in constraints:
        body.append(f"if {' * '.join(_dim_code(x, dim_names) for x in a)} != "
                    f"{' * '.join(_dim_code(x, dim_names) for x in b)}:")
        body.append("    continue")
    for name in order:
        pn = names[name]
        if name not in symbols:         # an index: an entry at random
            bounds = ", ".join(_dim_code(d, dim_names) for d in indices[name])
            body.append(f"{pn} = int(_rng.integers(min({bounds})))"
                        if len(indices[name]) > 1 else f"{pn} = int(_rng.integers({bounds}))")
            continue
        s = symbols[name]
        if name in domains:             # log(x), sqrt(x), x .^ p: inside the domain
            lo, hi = domains[name]
            shape = _shape_tuple(s, dim_names)
            if lo is not None and hi is not None:
                draw = f"_rng.uniform({lo + (hi - lo) / 10}, {hi - (hi - lo) / 10}, {shape})"
            elif lo is not None:
                draw = f"{lo} + _rng.uniform(0.2, 1.5, {shape})"
            else:
                draw = f"{hi} - _rng.uniform(0.2, 1.5, {shape})"
            body.append(f"{pn} = float({draw})" if s.is_scalar else f"{pn} = {draw}")
            if s.symmetric:
                body.append(f"{pn} = ({pn} + {pn}.T) / 2")
            continue
        if s.is_scalar:
            body.append(f"{pn} = _rng.uniform(0.5, 1.5)")
        elif s.is_col:
            body.append(f"{pn} = _rng.standard_normal({_shape_tuple(s, dim_names)})")
        else:
            shape = _shape_tuple(s, dim_names)
            body.append(f"{pn} = _rng.standard_normal({shape}) / np.sqrt(max({shape}))")
            if s.symmetric:
                body.append(f"{pn} = ({pn} + {pn}.T) / 2")
            if s.is_square:
                body.append(f"{pn} = {pn} + 1.5 * np.eye({pn}.shape[0])")
    body += ["with np.errstate(all=\"ignore\"):",
             f"    _outputs = f_and_gradient({args})",
             "if all(np.all(np.isfinite(o)) for o in _outputs):",
             "    break"]
    out += ["        " + b for b in body]
    layout = result.layout
    steps = result.steps
    variables = [v for v in result.variables]

    def call_with(vname: str, value: str) -> str:
        return ", ".join(value if n == vname else names[n] for n in order)

    a = variables[0]
    k1 = steps[0].kind
    if k1.symmetric:        # a gradient by a symmetric matrix: symmetric directions only
        out[:0] = _SYMMETRIC_DIFFERENCES
        out += [f"    _g = _symmetric_differences(lambda _v: f_and_gradient("
                f"{call_with(a.name, '_v')})[0], {names[a.name]}, {k1.symmetric!r})",
                "    _errors = [_error(_outputs[1], _g)]"]
    else:
        out += [f"    _g = _differences(lambda _v: f_and_gradient({call_with(a.name, '_v')})[0], "
                f"{names[a.name]})",
                "    _out0 = np.asarray(_outputs[0], dtype=float)",
                f"    _errors = [_error(_outputs[1], "
                f"{_arrangement(k1, steps[0].function, names[a.name], a, layout)})]"]
    if len(steps) == 2:
        b = variables[1]
        k2 = steps[1].kind
        g_fun = steps[0].function
        # the first derivative as the second step differentiates it (numerator layout; a
        # scalar's derivative by a vector or matrix taken as the gradient, a's shape)
        conv = "_d if _d.ndim < 2 else _d.T" if layout == "denominator" else "_d"
        as_g = "_d.T if _d.ndim == 2 else _d" if (g_fun.is_scalar and not a.is_scalar) else "_d"
        out += ["    def _first(_v):",
                f"        _d = np.asarray(f_and_gradient({call_with(b.name, '_v')})[1], "
                "dtype=float)",
                *([f"        _d = {conv}"] if conv != "_d" else []),
                f"        return {as_g}",
                f"    _g = _differences(_first, {names[b.name]})",
                f"    _out0 = _first({names[b.name]})",
                f"    _errors.append(_error(_outputs[2], "
                f"{_arrangement(k2, steps[1].function, names[b.name], b, layout)}) / 10)"
                "   # differences of differences: 10x the tolerance"]
    out += ["    _max = max(_errors)",
            '    print(f"max relative error {_max:.2g}: " + ("ok" if _max < tol else "FAILED"))',
            "    return _max"]
    return out


_SYMMETRIC_DIFFERENCES = [
    "def _symmetric_differences(fun, s0, convention):",
    '    """The gradient of the scalar fun at the symmetric s0, from central differences',
    "    along the symmetric directions E_ij + E_ji (E_ii on the diagonal), which stay",
    "    symmetric: the derivative along E_ij + E_ji is G_ij in the 'cookbook' convention",
    '    and 2 G_ij off the diagonal in the \'sym\' one (G symmetric, df = tr(G dS))."""',
    "    s0 = np.asarray(s0, dtype=float)",
    "    n = s0.shape[0]",
    "    g = np.zeros((n, n))",
    "    for i in range(n):",
    "        for j in range(i, n):",
    "            e = np.zeros((n, n))",
    "            e[i, j] = e[j, i] = 1.0",
    "            h = 1e-6 * max(1.0, abs(s0[i, j]))",
    "            d = (float(fun(s0 + h * e)) - float(fun(s0 - h * e))) / (2 * h)",
    "            g[i, j] = g[j, i] = d if i == j or convention == \"cookbook\" else d / 2",
    "    return g",
    "", ""]


def _arrangement(kind, f, pn: str, var, layout: str) -> str:
    """Python code turning _g[i, j] = d vec(f)_j / d vec(v)_i into the derivative's layout
    (the kind table's arrangement, `matdiff.kinds.Kind.arrange`); `_out0` is f's value,
    `pn` the variable's Python name."""
    num = layout == "numerator" or bool(kind.symmetric)
    if kind.readoff == "substitute":
        if f.is_scalar:
            return "_g.reshape(())"
        if f.is_vector:
            return "_g.ravel()"
        return "_g.reshape(_out0.shape, order=\"F\")" + ("" if num else ".T")
    if kind.readoff == "gradient":
        if var.is_vector:
            return "_g.ravel()"
        return f"_g.reshape(np.shape({pn}), order=\"F\")" + (".T" if num else "")
    return "_g.T" if num else "_g"
