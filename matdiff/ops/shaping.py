"""Operations that rearrange entries: vec, unvec, diag (a vector's diagonal matrix, or a
square matrix's diagonal), skew (the cross-product matrix) and cross."""

from __future__ import annotations

from .. import build as B
from ..expr import Add, Expr, Fn, Ident, Index, Ones, T, Zero
from .common import ANY, function
from .registry import Op, register


# ---------------------------------------------------------------------------
# vec and unvec


def _vec_build(u: Expr) -> Expr:
    if u.is_scalar or u.is_col:
        return u
    if u.is_row:
        return B.transpose(u)
    if isinstance(u, Zero):
        return Zero((u.length, 1))
    if isinstance(u, Ones):
        return Ones((u.length, 1))
    if isinstance(u, Fn) and u.op == "unvec":
        return u.args[0]
    return Fn("vec", (u,))



def d_vec(e, d):
    """d vec(U) = vec(dU) (vec is linear)."""
    return B.vec(d(e.arg))


function(
    "vec", "the column-stacking of a matrix (NumPy X.reshape(-1, order=\"F\"))",
    needs=(ANY,), shape=lambda args: (args[0].length, 1), build=_vec_build,
    d=d_vec,
    derivative="d vec(U) = vec(dU)",
    cotangent=lambda e, i, c: B.unvec(c, e.arg.shape),
    jacobian=lambda e, i, L: L,
    latex_name=r"\operatorname{vec}",
    numpy=lambda p, e: (f"np.ravel({p.p(e.arg)[0]}, order=\"F\")", 5),
    evaluate=lambda np, vals, e: vals[0].reshape(-1, 1, order="F"), family="shaping")


def _unvec_check(ck, raw, args):
    v, like = args
    if not v.is_col:
        raise ck.fail(f"unvec(v, M) takes a column vector v; {ck.describe(raw.args[0], v)} "
                      "is not one", raw.args[0])
    found = ck.dims.find(v.rows)
    cols = None
    if isinstance(found, tuple) and len(found) >= 2 and ck.dims.find(found[0]) is \
            ck.dims.find(like.rows):
        cols = found[1] if len(found) == 2 else found[1:]       # vec of an m×n matrix
    if cols is None:
        cols = ck.dims.fresh(None)
    if like.rows == 1 or not ck.unify(v.rows, (like.rows, cols)):
        raise ck.fail(f"unvec(v, M) needs v of length rows(M) times a number of columns: "
                      f"{ck.describe(raw.args[0], v)}, {ck.describe(raw.args[1], like)}", raw)
    return B.unvec(v, (like.rows, cols))


def _unvec_build(v: Expr, like: Expr) -> Expr:
    shape = like.shape
    if shape[1] == 1:
        return v
    if shape[0] == 1:
        return B.transpose(v)
    if isinstance(v, Fn) and v.op == "vec" and v.arg.shape == shape:
        return v.arg
    if isinstance(v, Zero):
        return Zero(shape)
    if not isinstance(like, Zero):
        like = Zero(shape)
    return Fn("unvec", (v, like))


def _unvec_np(p, e):
    r, c = e.shape
    return f"np.reshape({p.p(e.args[0])[0]}, ({p.dim(r)}, {p.dim(c)}), order=\"F\")", 5



def d_unvec(e, d):
    """d unvec(v) = unvec(dv) (unvec is linear)."""
    return B.unvec(d(e.args[0]), e.shape)


function(
    "unvec", "unvec(v, M): the column v reshaped, column by column, into a matrix with as "
    "many rows as M (the inverse of vec)",
    arity=(2,), check=_unvec_check, shape=lambda args: args[1].shape, build=_unvec_build,
    d=d_unvec,
    derivative="d unvec(v) = unvec(dv)",
    cotangent=lambda e, i, c: B.vec(c),
    jacobian=lambda e, i, L: L,
    text=lambda p, e: p.func("unvec", e.args[0], p.rows_witness(e.rows)),
    latex_name=r"\operatorname{unvec}",
    numpy=_unvec_np,
    evaluate=lambda np, vals, e: vals[0].reshape(vals[1].shape, order="F"),
    family="shaping")


# ---------------------------------------------------------------------------
# diag


def _diag_check(ck, raw, args):
    (a,) = args
    if a.is_matrix:
        ck.square(raw.args[0], a, "diag() of a matrix")
        return B.fn("diagof", a)
    if a.is_scalar:
        return a
    if not a.is_col:
        raise ck.fail(f"diag() takes a column vector or a square matrix; "
                      f"{ck.describe(raw.args[0], a)} is neither", raw.args[0])
    return B.fn("diag", a)


def _diag_build(v: Expr) -> Expr:
    if v.is_scalar:
        return v
    if v.is_row:
        v = B.transpose(v)
    if isinstance(v, Zero):
        return Zero((v.rows, v.rows))
    if isinstance(v, Ones):
        return Ident(v.rows)
    if isinstance(v, Fn) and v.op == "diagof" and isinstance(v.arg, Ident):
        return v.arg
    return Fn("diag", (v,))


def cot_diag(e, i, c):
    """⟨C, diag(v)⟩ = ⟨diag(C), v⟩ (the diagonal of C)."""
    return B.fn("diagof", c)


def jac_diag(e, i, L):
    """vec(diag(v)) = diag(vec I) (1 ⊗ I) v: the copies of v masked to the diagonal."""
    n = e.rows
    return B.mul(L, B.fn("diag", B.vec(Ident(n))), B.kron(B.ones((n, 1)), Ident(n)))



def d_diag(e, d):
    """d diag(u) = diag(du) (diag is linear)."""
    return B.fn("diag", d(e.arg))


function(
    "diag", "diag(v): the diagonal matrix of a vector; diag(M): the diagonal of a square "
    "matrix (NumPy's np.diag)", check=_diag_check,
    shape=lambda args: (args[0].length, args[0].length), build=_diag_build,
    d=d_diag,
    derivative="d diag(u) = diag(du)",
    cotangent=cot_diag, jacobian=jac_diag, transpose=lambda e: e,
    latex_name=r"\operatorname{diag}",
    numpy=lambda p, e: p.call("np.diag", e.arg),
    evaluate=lambda np, vals, e: np.diag(vals[0].ravel()),
    extra={"symmetric": lambda e: True}, family="shaping")


def _diagof_build(m: Expr) -> Expr:
    if m.is_scalar:
        return m
    if isinstance(m, Zero):
        return Zero((m.rows, 1))
    if isinstance(m, Ident):
        return Ones((m.rows, 1))
    if isinstance(m, Fn) and m.op == "diag":
        return m.arg
    return Fn("diagof", (m,))


def jac_diagof(e, i, L):
    """diag(M) = (1ᵀ ⊗ I) diag(vec I) vec(M)."""
    n = e.rows
    return B.mul(L, B.kron(B.ones((1, n)), Ident(n)), B.fn("diag", B.vec(Ident(n))))



def d_diagof(e, d):
    """d diag(M) = diag(dM) (the diagonal is linear)."""
    return B.fn("diagof", d(e.arg))


function(
    "diagof", "the diagonal of a square matrix, as a column (written diag(M))",
    shape=lambda args: (args[0].rows, 1), build=_diagof_build,
    d=d_diagof,
    derivative="d diag(M) = diag(dM)",
    cotangent=lambda e, i, c: B.fn("diag", c), jacobian=jac_diagof,
    text=lambda p, e: p.func("diag", e.arg),
    latex_name=r"\operatorname{diag}",
    numpy=lambda p, e: p.call("np.diag", e.arg),
    evaluate=lambda np, vals, e: np.diag(vals[0]).reshape(-1, 1).copy(),
    extra={"transpose_invariant": True, "internal": True}, family="shaping")


# ---------------------------------------------------------------------------
# cross products


def _three_vector(ck, raw, e, what):
    if not e.is_col or not ck.unify(e.rows, 3):
        raise ck.fail(f"{what} needs 3-vectors; {ck.describe(raw, e)} is not one", raw,
                      hint=ck.kind_hint((raw, e)))


def _cross_check(ck, raw, args):
    for r, a in zip(raw.args, args):
        _three_vector(ck, r, a, "the cross product")
    return B.fn("cross", *args)


def _cross_build(a: Expr, b: Expr) -> Expr:
    if B.is_zero(a) or B.is_zero(b):
        return B.zero(a.shape)
    return Fn("cross", (a, b))


def d_cross(e, d):
    """d(u × v) = du × v + u × dv (§2)."""
    a, b = e.args
    return B.add(B.fn("cross", d(a), b), B.fn("cross", a, d(b)))


function(
    "cross", "cross product of 3-vectors (also a × b)", arity=(2,), check=_cross_check,
    shape=lambda args: args[0].shape, build=_cross_build, d=d_cross,
    derivative="d(u × v) = du × v + u × dv (§2)",
    # ⟨C, a × g⟩ = g · (C × a);  ⟨C, g × b⟩ = g · (b × C)
    cotangent=lambda e, i, c: (B.fn("cross", c, e.args[0]) if i == 1
                               else B.fn("cross", e.args[1], c)),
    # a × g = skew(a) g;  g × b = −skew(b) g
    jacobian=lambda e, i, L: (B.mul(L, B.fn("skew", e.args[0])) if i == 1
                              else B.neg(B.mul(L, B.fn("skew", e.args[1])))),
    unicode=lambda p, e: p.infix(e.args[0], " × ", e.args[1]),
    latex=lambda p, e: p.infix(e.args[0], r" \times ", e.args[1]),
    numpy=lambda p, e: p.call("np.cross", *e.args),
    evaluate=lambda np, vals, e: np.cross(vals[0].ravel(), vals[1].ravel()).reshape(-1, 1),
    extra={"prec_unicode": 2, "prec_latex": 2}, family="shaping")


def _skew_check(ck, raw, args):
    _three_vector(ck, raw.args[0], args[0], "skew()")
    return B.fn("skew", args[0])


def cot_skew(e, i, c):
    """⟨C, skew(g)⟩ = gᵀ Σⱼ eⱼ × cⱼ = 2 vex(C)ᵀ g, with vex(M) = (M₃₂ − M₂₃, M₁₃ − M₃₁,
    M₂₁ − M₁₂)/2 (vex(skew(a)) = a); u vᵀ gives v × u."""
    if isinstance(c, Add):
        return B.add(*(cot_skew(e, i, t) for t in c.terms))
    from .algebra import _outer
    outer = _outer(c)
    if outer is not None:
        s, u, v = outer
        return B.mul(s, B.fn("cross", v, u))
    return B.mul(B.num(2), B.fn("vex", c))


def _skew_eval(np, vals, e):
    a = vals[0].ravel()
    return np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])



def d_skew(e, d):
    """d skew(u) = skew(du) (skew is linear)."""
    return B.fn("skew", d(e.arg))


_VECSKEW = [[0, 0, 0], [0, 0, 1], [0, -1, 0], [0, 0, -1], [0, 0, 0], [1, 0, 0],
            [0, 1, 0], [-1, 0, 0], [0, 0, 0]]


def jac_skew(e, i, L):
    """vec(skew(u)) = vecskew() u, the 9×3 matrix stacking −skew(e₁), −skew(e₂), −skew(e₃)
    (column j of skew(u) is u × eⱼ = −skew(eⱼ) u)."""
    return B.mul(L, Fn("vecskew", ()))


function(
    "vecskew", "vecskew(): the 9×3 matrix with vec(skew(u)) = vecskew() u", arity=(0,),
    check=lambda ck, raw, args: Fn("vecskew", ()), shape=lambda args: (9, 3),
    d=lambda e, d: B.zero((9, 3)), derivative="a constant",
    numpy=lambda p, e: (f"np.array({_VECSKEW})", 5),
    evaluate=lambda np, vals, e: np.array(_VECSKEW, dtype=float), family="shaping")


function(
    "skew", "skew(a): the matrix with skew(a) b = a × b", check=_skew_check,
    shape=lambda args: (3, 3),
    build=lambda a: B.zero((3, 3)) if B.is_zero(a) else Fn("skew", (a,)),
    d=d_skew,
    derivative="d skew(u) = skew(du)",
    cotangent=cot_skew, jacobian=jac_skew, transpose=lambda e: B.neg(e),
    latex=lambda p, e: rf"\left[{p.p(e.arg, 0)}\right]_{{\times}}",
    numpy=lambda p, e: (f"np.cross(np.eye(3), {p.p(e.arg)[0]})", 5),
    evaluate=_skew_eval, family="shaping")




# ---------------------------------------------------------------------------
# entries and unit vectors (§1, §5 of the notes)


def unit(i: str, j, shape) -> Expr:
    """e_i (a column of `shape`) or E_ij (a matrix of `shape`)."""
    return Index(None, i, j, tuple(shape))


def d_index(e: Index, d):
    """d x[i] = dx[i]; d X[i, j] = dX[i, j] (§1: ∂x_i/∂x = e_iᵀ, ∂x_ij/∂X = E_ji)."""
    return Index(d(e.arg), e.i, e.j)


def cot_index(e: Index, i: int, c: Expr) -> Expr:
    """⟨c, U[i, j]⟩ = ⟨c E_ij, U⟩; ⟨c, u[i]⟩ = ⟨c e_i, u⟩."""
    return B.mul(c, unit(e.i, e.j, e.arg.shape))


def jac_index(e: Index, i: int, L: Expr) -> Expr:
    """u[i] = e_iᵀ u; U[i, j] = vec(E_ij)ᵀ vec U."""
    return B.mul(L, B.transpose(B.vec(unit(e.i, e.j, e.arg.shape))))


def _index_np(p, e: Index):
    if e.arg is not None:
        idx = e.i if e.j is None else f"{e.i}, {e.j}"
        return f"{p.at(e.arg, 5)}[{idx}]", 5
    r, c = e.shape
    if e.j is None:
        n = p.dim(r if c == 1 else c)
        return f"np.eye({n})[{e.i}]", 5
    return f"np.outer(np.eye({p.dim(r)})[{e.i}], np.eye({p.dim(c)})[{e.j}])", 5


def _index_eval(np, vals, e):
    from ..numeric import NumericError
    raise NumericError(f"{e} needs values of its indices")


register(Op(
    "index", "an entry x[i] or X[i, j]; the unit vector e_i and unit matrix E_ij",
    d=d_index, cotangent=cot_index, jacobian=jac_index,
    derivative="d X[i, j] = dX[i, j]",
    transpose=lambda e: Index(None, e.j, e.i, (e.cols, e.rows)) if e.arg is None and e.j else None,
    numpy=_index_np, evaluate=_index_eval, family="shaping"))


def _vex_build(m: Expr) -> Expr:
    if B.is_symmetric(m) or B.is_zero(m):
        return B.zero((3, 1))
    if isinstance(m, Fn) and m.op == "skew":
        return m.arg
    if isinstance(m, T):                     # vex(Mᵀ) = −vex(M)
        return B.neg(B.fn("vex", m.arg))
    s, core = B.scalar_part(m)
    if s is not B.ONE:
        return B.mul(s, B.fn("vex", core))
    return Fn("vex", (m,))


def _vex_check(ck, raw, args):
    (m,) = args
    if not m.is_matrix or not (ck.unify(m.rows, 3) and ck.unify(m.cols, 3)):
        raise ck.fail(f"vex() takes a 3×3 matrix; {ck.describe(raw.args[0], m)} is not one",
                      raw.args[0])
    return B.fn("vex", m)


def d_vex(e, d):
    """d vex(M) = vex(dM) (vex is linear)."""
    return B.fn("vex", d(e.arg))


def _vex_eval(np, vals, e):
    m = vals[0]
    return np.array([[m[2, 1] - m[1, 2]], [m[0, 2] - m[2, 0]], [m[1, 0] - m[0, 1]]]) / 2


function(
    "vex", "vex(M) = (M32 − M23, M13 − M31, M21 − M12)/2 of a 3×3 matrix (vex(skew(a)) = a)",
    check=_vex_check, shape=lambda args: (3, 1), build=_vex_build, d=d_vex,
    derivative="d vex(M) = vex(dM)",
    cotangent=lambda e, i, c: B.mul(B.num("1/2"), B.fn("skew", c)),   # ⟨c, vex M⟩ = ⟨skew(c)/2, M⟩
    # vex(M) = vecskew()ᵀ vec(M) / 2
    jacobian=lambda e, i, L: B.mul(B.num("1/2"), L, B.transpose(Fn("vecskew", ()))),
    latex_name=r"\operatorname{vex}",
    numpy=lambda p, e: (f"(lambda M: np.array([M[2, 1] - M[1, 2], M[0, 2] - M[2, 0], "
                        f"M[1, 0] - M[0, 1]]) / 2)({p.p(e.arg)[0]})", 5),
    evaluate=_vex_eval, family="shaping")
