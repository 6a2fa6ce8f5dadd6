"""The kinds of derivative: one table, and the one place that decides by the pair of kinds.

A kind is fixed by what is differentiated (a scalar, a vector, a matrix) and by what
with respect to (the same three, a symmetric matrix). Its `Kind` record owns:
  * the result's shape in numerator layout (the seed's convention; denominator layout
    is always its transpose);
  * how the derivative is read off the differential (Magnus & Neudecker's
    identification table, ch. 9):
      "substitute"    d F = G dt                → G, the shape of F (by a scalar t)
      "gradient"      d f = ⟨G, dX⟩ = tr(Gᵀ dX) → Gᵀ (a scalar f by a vector or matrix)
      "vec-jacobian"  d vec F = J d vec X        → J (every other pair: the Jacobian of a
                                                   vector by a vector, and the vec-Jacobians
                                                   of the contract's second version)
  * the words that `explain` and the JSON output use;
  * how a numerical check arranges finite differences, and the NumPy shape.
Second derivatives (repeated `wrt`) compose two kinds: `second_kind`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import UnsupportedError
from .expr import SCALAR, dim_mul

ORDER = {"scalar": 0, "vector": 1, "matrix": 2}


def kind_word(shape) -> str:
    if tuple(shape) == SCALAR:
        return "scalar"
    return "vector" if 1 in shape else "matrix"


@dataclass(frozen=True)
class Kind:
    function: str               # scalar, vector, matrix
    variable: str               # scalar, vector, matrix
    readoff: str                # substitute, gradient, vec-jacobian
    identification: str         # the identity the derivative is read off
    symmetric: str = ""         # for a symmetric matrix variable: the convention

    @property
    def name(self) -> str:
        base = f"{self.function}-by-{self.variable}"
        return base if not self.symmetric else base.replace("matrix", "symmetric-matrix")

    @property
    def is_vec_jacobian(self) -> bool:
        """A derivative that would be a tensor of order 3 or 4, given as a matrix."""
        return self.readoff == "vec-jacobian" and ORDER[self.function] + ORDER[self.variable] > 2

    def numerator_shape(self, fshape, vshape):
        if self.readoff == "substitute":
            return tuple(fshape)
        if self.readoff == "gradient":
            return (vshape[1], vshape[0])
        return (dim_mul(*fshape), dim_mul(*vshape))

    def shape(self, fshape, vshape, layout: str):
        r, c = self.numerator_shape(fshape, vshape)
        return (r, c) if layout == "numerator" or self.symmetric else (c, r)

    def describe(self, var_name: str) -> str:
        """A sentence for `explain`."""
        if self.readoff == "substitute":
            return f"A {self.function} function of the scalar {var_name}: d f = G d{var_name}."
        if self.readoff == "gradient":
            return (f"A scalar function of the {self.variable} {var_name}: d f = ⟨G, d{var_name}⟩"
                    f" = tr(Gᵀ d{var_name}), and ∂f/∂{var_name} = Gᵀ in numerator layout.")
        if self.is_vec_jacobian:
            return (f"A {self.function} function of the {self.variable} {var_name}: its "
                    f"derivative is the vec-Jacobian J with d vec f = J d vec {var_name} "
                    "(Magnus & Neudecker).")
        return f"A vector function of the vector {var_name}: d f = J d{var_name}."

    # -- numbers ---------------------------------------------------------------
    def arrange(self, np, g, fshape, vshape, layout: str):
        """The derivative from finite differences g[j] = d vec(f) / d vec(v)_j (vec column
        by column), in the layout's arrangement, vectors 1-D (the contract's NumPy shapes)."""
        num = layout == "numerator" or bool(self.symmetric)
        if self.readoff == "substitute":
            d = g[0].reshape(fshape, order="F")
            if fshape == (1, 1):
                return d.reshape(())
            if 1 in fshape:
                return d.ravel()
            return d if num else d.T
        if self.readoff == "gradient":
            grad = g[:, 0].reshape(vshape, order="F")
            if 1 in vshape:
                return grad.ravel()
            return grad.T if num else grad
        jac = g.T
        return jac if num else jac.T


def kind_of(fshape, vshape, symmetric: str = "") -> Kind:
    """The kind of d f / d v for values of these shapes."""
    f, v = kind_word(fshape), kind_word(vshape)
    if v == "scalar":
        return Kind(f, v, "substitute", "d f = G dt")
    if f == "scalar":
        if v == "vector":
            return Kind(f, v, "gradient", "d f = ⟨g, dx⟩ = gᵀ dx")
        return Kind(f, v, "gradient", "d f = ⟨G, dX⟩ = tr(Gᵀ dX)", symmetric)
    if symmetric:
        raise UnsupportedError("the derivative of a vector or matrix with respect to a "
                               "symmetric matrix is not supported; matdiff gives gradients of "
                               "scalars with respect to symmetric matrices")
    if f == "vector" and v == "vector":
        return Kind(f, v, "vec-jacobian", "d f = J dx")
    return Kind(f, v, "vec-jacobian", "d vec F = J d vec X")


def derivative_shape(fshape, vshape):
    """The numerator-layout shape of d f / d v (used for abstract derivatives du/dx)."""
    return kind_of(fshape, vshape).numerator_shape(fshape, vshape)


# ---------------------------------------------------------------------------
# second derivatives


@dataclass(frozen=True)
class SecondKind:
    """d²f / dA dB: f differentiated by A (a scalar's derivative taken as the gradient,
    the shape of A), then by B."""

    first: Kind
    second: Kind
    name: str

    def describe(self, a: str, b: str) -> str:
        return f"The second derivative d²f/d{a} d{b} ({self.name})."


def second_kind(fshape, ashape, bshape) -> SecondKind:
    """The kind of a second derivative, or an UnsupportedError naming what it would be."""
    f, a, b = kind_word(fshape), kind_word(ashape), kind_word(bshape)
    first = kind_of(fshape, ashape)
    gshape = ashape if f == "scalar" and a != "scalar" else first.numerator_shape(fshape, ashape)
    order = ORDER[f] + ORDER[a] + ORDER[b]
    if f != "scalar" and order > 2:
        raise UnsupportedError(
            f"the second derivative of a {f} by a {a} and then a {b} would be a tensor of "
            f"order {order}; matdiff gives second derivatives of scalars (Hessians), and of "
            "vectors and matrices by two scalars or by a scalar and then a vector")
    second = kind_of(gshape, bshape)
    if f == "scalar" and a == b == "scalar":
        name = "second-derivative"
    elif f == "scalar" and a == "vector" and b == "vector":
        name = "hessian-by-vector"
    elif f == "scalar" and a == "matrix" and b == "matrix":
        name = "hessian-by-matrix"
    elif a == b == "scalar":
        name = f"{f}-by-scalars"
    else:
        name = f"{f}-by-{a}-then-{b}"
    return SecondKind(first, second, name)
