"""The cost model of code generation: how much an evaluation step costs.

Every choice the code generator makes (the order of a product chain, distributing a
product over a sum or not, `solve` or `inv`, transposes, sharing) compares costs
computed here, on symbolic shapes and without NumPy:

* **Dimensions.** Every symbolic dimension (`m`, `n`, ...) is one large n (`N` below);
  a literal dimension (1 for vectors and scalars, 3 for `cross`) is itself; a Kronecker
  dimension is the product of its factors. Vectors are n×1 (1-D arrays in the code).
* **Flops.** A product of a p×q by a q×r array costs 2·p·q·r (an outer product, q = 1,
  is 2·p·r; a dot product p·r = 1); `solve(A, B)` for an n×n A and r right-hand sides
  costs 2/3·n³ (the LU factorisation) + 2·n²·r; `inv(A)` 2/3·n³ + 4/3·n³ (`scipy.linalg.inv`:
  the LU, then getri); `det` and `logdet` 2/3·n³ — these LAPACK flops
  count twice (`LAPACK`: a factorisation or a triangular solve runs at about half the
  speed of a matrix product, measured with OpenBLAS), so an inverse used twice is
  formed once and multiplied, and one applied to a vector is a solve; a matrix function
  (`expm`, ...) 20·n³; an element-wise operation (a sum, a scaling, a Hadamard product,
  `exp`) one flop per entry and per operand; a reduction (`sum`, `trace`, a norm) one
  per entry read.
* **Diagonal matrices.** A product with diag(v) is a broadcast scaling of the other
  operand's rows (diag(v) M: `v[:, None] * M`) or columns (M diag(v): `M * v`): one
  flop per entry of the result (`scaling`), never the n×n diag(v) nor an n³ product;
  between two vectors it is an element-wise product.
* **Shared factorisations.** A matrix solved more than once (two right-hand sides,
  or it and its transpose) is factorised once: one LU (2/3·n³, `lu_factor`) and
  2·n² per right-hand side (`lu_solve`, `LAPACK` speed), instead of one LU per solve.
* **Temporaries.** Every array an operation creates costs its number of entries again
  (it is written to memory, and read back by the next step); a transposed matrix read
  by an element-wise operation costs its entries once more (a strided, cache-unfriendly
  read); a transpose itself is free (a view), and so is a transpose folded into a
  product (BLAS reads it in place).

So `(A + Aᵀ) @ x` costs n² (the sum) + n² (its temporary) + n² (the strided read)
+ 2n² (the product) + n, and `A @ x + x @ A` costs 4n² + 3n + n: the second is
chosen. Costs are plain integers (N = 1000), compared as they are; where two
evaluation orders cost the same, the code generator keeps the first it finds
(`matdiff.codegen.optimize`).
"""

from __future__ import annotations

from ..expr import DimProd

N = 1000          # the value of every symbolic dimension
LAPACK = 2        # factorisations and triangular solves run at about half a product's speed
INV = LAPACK * 2          # scipy.linalg.inv: LU (2/3 n³) + getri (4/3 n³)
LU = LAPACK * 2 / 3
MATFUN = 20       # expm, logm, sqrtm, ...: tens of n³ (scaling and squaring, Schur)


def dim(d) -> int:
    """The value of a dimension in the cost model."""
    if isinstance(d, int):
        return d
    if isinstance(d, DimProd):
        out = 1
        for f in d.factors:
            out *= dim(f)
        return out
    return N


def size(shape) -> int:
    """Entries of an array of this (symbolic) shape."""
    r, c = shape
    return dim(r) * dim(c)


def product(p: int, q: int, r: int) -> int:
    """(p×q)(q×r): its flops, plus the result written out."""
    return 2 * p * q * r + p * r


def matmul(a_shape, b_shape) -> int:
    return product(dim(a_shape[0]), dim(a_shape[1]), dim(b_shape[1]))


def solve(n: int, r: int) -> int:
    """A⁻¹ B for an n×n A and an n×r B (LU, two triangular solves, the result; the LU
    factors are a temporary of n² entries)."""
    return int(LU * n ** 3) + LAPACK * 2 * n * n * r + n * r + n * n


def lu_factor(n: int) -> int:
    """The LU factorisation of an n×n matrix (the factors written out)."""
    return int(LU * n ** 3) + n * n


def lu_solve(n: int, r: int) -> int:
    """Two triangular solves against n×r right-hand sides with given LU factors."""
    return LAPACK * 2 * n * n * r + n * r


def scaling(p: int, r: int, strided: bool = False) -> int:
    """diag(v) M or M diag(v) for a p×r M, by broadcasting: a flop per entry, the
    result written, a strided read when M is a transposed matrix."""
    return 2 * p * r + (p * r if strided else 0)


def inverse(n: int) -> int:
    return int(INV * n ** 3) + n * n


def elementwise(shape, operands: int = 1, strided: int = 0) -> int:
    """An element-wise operation over `operands` arrays of this shape (one of them may
    be a strided transpose, `strided` of them): flops, the temporary, strided reads."""
    s = size(shape)
    return s * max(1, operands - 1) + s + s * strided


def reduction(shape) -> int:
    return size(shape) + 1


def function(op: str, family: str, arg_shapes, out_shape) -> int:
    """A named operation (a record of `matdiff.ops`, of this README family) applied to
    arguments of these shapes."""
    if op in ("det", "logdet"):
        n = dim(arg_shapes[0][0])
        return int(LU * n ** 3) + n * n
    if op in ("inv", "pinv", "adj"):
        n = dim(arg_shapes[0][0])
        return inverse(n) * (3 if op != "inv" else 1)
    if op in ("tr", "sum", "norm", "norm1", "logsumexp", "dot", "diagof"):
        return sum(size(s) for s in arg_shapes) + 1
    if family == "matrix function" and size(out_shape) > 1:
        n = dim(arg_shapes[0][0])
        return MATFUN * n ** 3
    return sum(size(s) for s in arg_shapes) + size(out_shape)
