"""Matrix functions (power series of a square matrix): expm sinm cosm tanm sinhm coshm
tanhm logm sqrtm, their Fréchet derivatives and the matrix power's.

d g(U) = L_g(U, dU), the Fréchet derivative (Higham, Functions of Matrices, ch. 3),
written `dexpm(U, E)` (`dsinm`, ...; `dmpow(U, E, n)` for Uⁿ). When E commutes with U
(a multiple of I, or a function of the same matrix as U: §5, ∂g(tA)/∂t = A g'(tA)) it
is g'(U) E; otherwise it stays, and:
  * its cotangent is ⟨C, L_g(U, E)⟩ = ⟨L_g(Uᵀ, C), E⟩ (the adjoint identity; real power
    series), which gives tr(g'(U) dU) under a trace (§6.1);
  * its vec-Jacobian is the matrix `dexpm(U)` with vec L_g(U, E) = dexpm(U) vec E;
  * its NumPy value comes from `scipy.linalg.expm_frechet` or, for the other functions,
    from the block-triangular identity g([[U, E], [0, U]]) = [[g(U), L_g(U, E)], [0, g(U)]]
    (Higham §3.2).
"""

from __future__ import annotations

from fractions import Fraction

from .. import build as B
from ..errors import UnsupportedError
from ..expr import Add, Expr, Fn, Ident, MatPow, Mul, Num, int_value
from .algebra import POWER_TERMS_LIMIT, power_terms
from .common import SQUARE, function, require


# ---------------------------------------------------------------------------
# when does E commute with U?


def _terms(e: Expr):
    return e.terms if isinstance(e, Add) else (e,)


def _base_of(term: Expr):
    """The matrix M of which `term` is a function (s Mᵏ, s g(M), s Mᵏ g(M)...), "I" for a
    multiple of the identity, or None."""
    _, m = B.scalar_part(term)
    if m.is_scalar:
        return "I"
    factors = m.chain if isinstance(m, Mul) else (m,)
    base = None
    for f in factors:
        b = _factor_base(f)
        if b is None:
            return None
        if b == "I":
            continue
        if base is None:
            base = b
        elif b != base:
            return None
    return base or "I"


def _factor_base(f: Expr):
    if isinstance(f, Ident):
        return "I"
    if isinstance(f, MatPow):
        return _factor_base(f.base) if not isinstance(f.base, Add) else f.base
    if isinstance(f, Fn) and f.op in MATRIX_FUNCTIONS:
        return _poly_base(f.arg)
    return f


def _poly_base(e: Expr):
    """M when e is a polynomial (sums of scalar multiples of powers and functions) of one
    matrix M, "I" when e is a multiple of the identity, else None."""
    base = "I"
    for t in _terms(e):
        b = _base_of(t)
        if b is None:
            return None
        if b == "I":
            continue
        if base == "I":
            base = b
        elif b != base:
            return None
    return base


def commutes(u: Expr, e: Expr) -> bool:
    """E commutes with U: either is a multiple of I, or both are functions of one matrix."""
    if B.is_zero(e):
        return True
    bu, be = _poly_base(u), _poly_base(e)
    if bu == "I" or be == "I":
        return True
    if bu is None or be is None:
        # U = M itself with E a function of M, or E = M with U a function of M
        return bu is not None and be is not None
    return bu == be


# ---------------------------------------------------------------------------
# matrix functions


MATRIX_FUNCTIONS: dict = {}      # name -> (scalar function, g'(U) builder)

_SCIPY_BLOCK = ("(lambda U, E: (lambda n: {f}(np.block([[U, E], [np.zeros_like(U), U]]))"
                "[:n, n:])(U.shape[0]))")


def _frechet_code(name: str) -> str:
    if name == "expm":
        return "(lambda U, E: scipy.linalg.expm_frechet(U, E, compute_expm=False))"
    return _SCIPY_BLOCK.format(f=f"scipy.linalg.{name}")


def _jacobian_code(frechet: str) -> str:
    return (f"(lambda U: np.column_stack([{frechet}(U, E.reshape(U.shape, order=\"F\"))"
            ".ravel(order=\"F\") for E in np.eye(U.size)]))")


def matrix_function(name: str, scalar: str, summary: str, gprime, gprime_text: str):
    """Register g = `name` (the power series of the scalar function `scalar`), its
    Fréchet derivative d<name>(U, E) and its vec-Jacobian d<name>(U)."""
    MATRIX_FUNCTIONS[name] = (scalar, gprime)
    dname = "d" + name

    def check(ck, raw, args):
        (u,) = args
        if u.is_scalar:
            return B.fn(scalar, u)
        if u.is_vector:
            raise ck.fail(f"{name}() takes a square matrix; {ck.describe(raw.args[0], u)} is "
                          f"a vector", raw.args[0],
                          hint=f"for the element-wise function write {scalar}()")
        ck.square(raw.args[0], u, f"{name}()")
        return B.fn(name, u)

    def build(u: Expr) -> Expr:
        if u.is_scalar:
            return B.fn(scalar, u)
        if B.is_zero(u):
            return _at_zero(name, u)
        return Fn(name, (u,))

    def d(e: Fn, dd) -> Expr:
        """d g(U) = L_g(U, dU), = g'(U) dU when dU commutes with U (§5: ∂g(tA)/∂t =
        A g'(tA)); under a trace tr(L_g(U, dU)) = tr(g'(U) dU) (§6.1)."""
        du = dd(e.arg)
        if B.is_zero(du):
            return B.zero(e.shape)
        return B.fn(dname, e.arg, du)

    function(
        name, summary, check=check, shape=lambda args: args[0].shape, build=build, d=d,
        derivative=f"d {name}(U) = {dname}(U, dU), = {gprime_text} dU when dU commutes with U",
        deriv=gprime, transpose=lambda e: B.fn(name, B.transpose(e.arg)),
        latex_name=rf"\operatorname{{{name}}}",
        numpy=lambda p, e: p.call(f"scipy.linalg.{name}", e.arg),
        evaluate=lambda np, vals, e: _scipy(np, name)(vals[0]), family="matrix function")

    frechet(dname, name, gprime, _frechet_code(name),
            lambda np, u, eps: _frechet_value(np, name, u, eps))


def _at_zero(name: str, u: Expr) -> Expr:
    if name in ("expm", "cosm", "coshm"):
        return Ident(u.rows)
    if name in ("sinm", "sinhm", "tanm", "tanhm", "sqrtm"):
        return u
    return Fn(name, (u,))


def _scipy(np, name):
    import scipy.linalg
    f = getattr(scipy.linalg, name)
    return lambda m: np.real(f(m))


def _frechet_value(np, name, u, eps):
    import scipy.linalg
    if name == "expm":
        return scipy.linalg.expm_frechet(u, eps, compute_expm=False)
    n = u.shape[0]
    block = np.block([[u, eps], [np.zeros_like(u), u]])
    return np.real(getattr(scipy.linalg, name)(block))[:n, n:]


# ---------------------------------------------------------------------------
# Fréchet derivatives


def frechet(dname: str, name: str, gprime, code: str, value, power: bool = False):
    """The record of L_g(U, E) (`dname(U, E)`; for powers `dmpow(U, E, n)`) and of its
    vec-Jacobian `dname(U)`."""
    jname = "J" + dname

    def build(u: Expr, eps: Expr, *n: Expr) -> Expr:
        if B.is_zero(eps):
            return B.zero(u.shape)
        if power:
            k = int_value(n[0])
            if k is not None and abs(k) <= POWER_TERMS_LIMIT:
                return power_terms(u, eps, k)
            if commutes(u, eps):
                return B.mul(n[0], B.power(u, B.add(n[0], B.MINUS_ONE)), eps)
        elif commutes(u, eps):
            return B.mul(gprime(u), eps)
        return Fn(dname, (u, eps) + tuple(n))

    def cotangent(e: Fn, i: int, c: Expr) -> Expr:
        """⟨C, L_g(U, E)⟩ = ⟨L_g(Uᵀ, C), E⟩ (Higham ch. 3, the adjoint of the Fréchet
        derivative of a real power series)."""
        if i != 1:
            raise AssertionError("a Fréchet derivative is linear in its direction only")
        return B.fn(dname, B.transpose(e.args[0]), c, *e.args[2:])

    def jacobian(e: Fn, i: int, L: Expr) -> Expr:
        """vec L_g(U, E) = J_g(U) vec E, J_g(U) = Σ (Uᵀ)ⁿ⁻ⁱ ⊗ Uⁱ⁻¹ for a small power n."""
        u = e.args[0]
        if power:
            k = int_value(e.args[2])
            if k is None:
                raise UnsupportedError(
                    f"the vec-Jacobian of {MatPow(u, e.args[2])} for a symbolic exponent "
                    "has no closed form")
            if abs(k) <= POWER_TERMS_LIMIT:
                return B.mul(L, _power_jacobian(u, k))
            raise UnsupportedError(f"the vec-Jacobian of a matrix to the power {k} is a sum "
                                   f"of {abs(k)} Kronecker products; matdiff writes it for "
                                   f"|n| <= {POWER_TERMS_LIMIT}")
        return B.mul(L, Fn(jname, (u,)))

    def transpose(e: Fn) -> Expr:
        return Fn(dname, (B.transpose(e.args[0]), B.transpose(e.args[1])) + tuple(e.args[2:]))

    def frechet_np(p, e):
        args = ", ".join(p.p(a)[0] for a in e.args[:2])
        if power:
            return (f"(lambda U, E, n: (lambda m: np.linalg.matrix_power(np.block([[U, E], "
                    f"[np.zeros_like(U), U]]), int(n))[:m, m:])(U.shape[0]))({args}, "
                    f"{p.p(e.args[2])[0]})"), 5
        return f"{code}({args})", 5

    def frechet_eval(np, vals, e):
        if power:
            n = int(round(float(vals[2][0, 0])))
            m = vals[0].shape[0]
            block = np.block([[vals[0], vals[1]], [np.zeros_like(vals[0]), vals[0]]])
            return np.linalg.matrix_power(block, n)[:m, m:]
        return value(np, vals[0], vals[1])

    def check(ck, raw, args):
        for r, a in zip(raw.args, args[:2]):
            require(ck, r, a, SQUARE, f"{dname}()")
        if len(args) == 1:
            return Fn(jname, (args[0],))
        if not ck.same_shape(args[0], args[1]):
            raise ck.fail(f"{dname}(U, E) needs U and E of one shape: "
                          f"{ck.describe(raw.args[0], args[0])}, "
                          f"{ck.describe(raw.args[1], args[1])}", raw)
        if power and not args[2].is_scalar:
            raise ck.fail(f"{dname}(U, E, n) needs a scalar n", raw.args[2])
        return build(*args)

    what = f"the power {name}" if power else name
    function(
        dname, f"the Fréchet derivative L(U, E) of {what} at U in the direction E",
        arity=(3,) if power else (1, 2), check=check,
        shape=lambda args: args[0].shape, build=build, cotangent=cotangent,
        jacobian=jacobian, transpose=transpose,
        d=_no_second(dname),
        derivative="linear in E",
        latex=lambda p, e: rf"L_{{{name}}}\left({p.p(e.args[0], 0)}, {p.p(e.args[1], 0)}\right)",
        numpy=frechet_np, evaluate=frechet_eval, family="matrix function",
        extra={"frechet_of": name})

    if not power:
        def jac_np(p, e):
            return f"{_jacobian_code(code)}({p.p(e.args[0])[0]})", 5

        def jac_eval(np, vals, e):
            u = vals[0]
            cols = [value(np, u, E.reshape(u.shape, order="F")).ravel(order="F")
                    for E in np.eye(u.size)]
            return np.column_stack(cols)

        function(
            jname, f"the vec-Jacobian of {name}: vec {dname}(U, E) = {dname}(U) vec(E)",
            needs=(SQUARE,), shape=lambda args: (args[0].length, args[0].length),
            extra={"internal": True},
            d=_no_second(dname),
            transpose=lambda e: Fn(jname, (B.transpose(e.arg),)),
            text=lambda p, e: p.func(dname, e.arg),
            latex=lambda p, e: rf"J_{{{name}}}\left({p.p(e.arg, 0)}\right)",
            numpy=jac_np, evaluate=jac_eval, family="matrix function")


def _no_second(dname):
    def d(e, dd):
        """d L_g(U, E) = L_g(U, dE) when U does not depend on the variable (L_g is linear in
        E); the second Fréchet derivative (U varying) is unsupported."""
        if not B.is_zero(dd(e.args[0])):
            raise UnsupportedError(f"second derivatives through {dname}() (a Fréchet "
                                   "derivative whose matrix varies) are not supported")
        if len(e.args) == 1:
            return B.zero(e.shape)
        return B.fn(dname, e.args[0], dd(e.args[1]), *e.args[2:])
    return d


def _power_jacobian(u: Expr, n: int) -> Expr:
    """Σᵢ (Uᵀ)ⁿ⁻ⁱ ⊗ Uⁱ⁻¹ (MN ch. 9: d vec Xⁿ)."""
    if n < 0:
        v = B.inv(u)
        inner = _power_jacobian(v, -n)
        return B.neg(B.mul(inner, B.kron(B.transpose(v), v)))
    return B.add(*(B.kron(B.power(B.transpose(u), n - i), B.power(u, i - 1))
                   for i in range(1, n + 1)))


def _half(e: Expr) -> Expr:
    return B.mul(Num(Fraction(1, 2)), e)


matrix_function("expm", "exp", "matrix exponential", lambda u: B.fn("expm", u), "expm(U)")
matrix_function("sinm", "sin", "matrix sine", lambda u: B.fn("cosm", u), "cosm(U)")
matrix_function("cosm", "cos", "matrix cosine", lambda u: B.neg(B.fn("sinm", u)), "-sinm(U)")
matrix_function("sinhm", "sinh", "matrix hyperbolic sine", lambda u: B.fn("coshm", u),
                "coshm(U)")
matrix_function("coshm", "cosh", "matrix hyperbolic cosine", lambda u: B.fn("sinhm", u),
                "sinhm(U)")
matrix_function("tanm", "tan", "matrix tangent",
                lambda u: B.add(B.ident(u.rows), B.power(B.fn("tanm", u), 2)), "I + tanm(U)^2")
matrix_function("tanhm", "tanh", "matrix hyperbolic tangent",
                lambda u: B.add(B.ident(u.rows), B.neg(B.power(B.fn("tanhm", u), 2))),
                "I - tanhm(U)^2")
matrix_function("logm", "log", "principal matrix logarithm", lambda u: B.inv(u), "U^-1")
matrix_function("sqrtm", "sqrt", "principal matrix square root",
                lambda u: _half(B.inv(B.fn("sqrtm", u))), "sqrtm(U)^-1/2")

frechet("dmpow", "matpow", None, "", None, power=True)


