"""Abstract functions u(x), U(x, y), g(u(x)) and their derivatives du/dx, d2U/dxdy.

An unknown name applied to names is an abstract function (the contract); its
derivative by an argument is the symbol du/dx, in numerator layout, of the kind the
kind table gives (a vec-Jacobian where it would be a tensor). Second derivatives
d2U/dxdy are written for arguments that are scalars, and for the Hessian of a scalar
function of one vector.
"""

from __future__ import annotations

from .. import build as B
from ..errors import UnsupportedError
from ..expr import Call, Deriv, Expr
from ..kinds import derivative_shape, kind_word
from .registry import Op, register


def apply_partial(partial: Expr, fshape, arg: Expr, da: Expr) -> Expr:
    """The term of d u for the argument `arg`: (∂u/∂a) da arranged by the kinds (§1, the
    chain rules): ∂u/∂t dt; tr(∂u/∂X dX) for a scalar u of a matrix; unvec(∂u/∂a vec(da))
    for the vec-Jacobians."""
    fk, ak = kind_word(fshape), kind_word(arg.shape)
    if ak == "scalar":
        return B.mul(partial, da)
    if fk == "scalar":
        return B.mul(partial, da) if ak == "vector" else B.fn("tr", B.mul(partial, da))
    return B.unvec(B.mul(partial, B.vec(da)), fshape)


def d_call(e: Call, d) -> Expr:
    """d u(x) = (∂u/∂x) dx; for a scalar u of a matrix X, d u = tr(∂u/∂X dX); for u(v(x)),
    d u = (∂u/∂v)(∂v/∂x) dx (§1, the chain rules)."""
    terms = []
    for a in e.args:
        da = d(a)
        if B.is_zero(da):
            continue
        partial = Deriv(e, (a,), derivative_shape(e.shape, a.shape))
        terms.append(apply_partial(partial, e.shape, a, da))
    return B.add(*terms) if terms else B.zero(e.shape)


def d_deriv(e: Deriv, d) -> Expr:
    """d(∂u/∂x) = Σ_y ∂²u/∂x∂y dy for scalar arguments (§5: the Hessian ∂²U⁻¹/∂x∂y);
    d(∂u/∂x) = (∂²u/∂x² dx)ᵀ for a scalar u of a vector x (the Hessian is symmetric)."""
    if len(e.wrts) > 1:
        raise UnsupportedError(f"third derivatives of the abstract function {e.fn.name}")
    fn, x = e.fn, e.wrt
    terms = []
    for y in fn.args:
        dy = d(y)
        if B.is_zero(dy):
            continue
        if y.is_scalar:                       # entry-wise: ∂²u/∂x∂y dy
            terms.append(B.mul(Deriv(fn, (x, y), e.shape), dy))
        elif y.is_col and e.is_scalar:        # ∂²u/∂x∂y is a row
            terms.append(B.mul(Deriv(fn, (x, y), (1, y.rows)), dy))
        elif y.is_col and e.is_row:           # the Hessian H: d(∂u/∂x)ᵀ = H dy
            terms.append(B.transpose(B.mul(Deriv(fn, (x, y), (x.rows, y.rows)), dy)))
        else:
            raise UnsupportedError(
                f"the derivative of d{fn.name}/d{x} by {y}: second derivatives of abstract "
                "functions are written for scalar arguments and for the Hessian of a scalar "
                "function of vectors")
    return B.add(*terms) if terms else B.zero(e.shape)


register(Op("call", "an abstract function u(x)", d=d_call))
register(Op("deriv", "the derivative du/dx of an abstract function", d=d_deriv))
