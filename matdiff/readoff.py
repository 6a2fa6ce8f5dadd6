"""Reading the derivative off the differential (stage 4): one identification for
every kind (Magnus & Neudecker ch. 9).

d f is a sum of terms linear in dX. The kind (`matdiff.kinds`) says what is read off:
  substitute    d F = G dt                G: dt replaced by 1 (by a scalar)
  gradient      d f = ⟨G, dX⟩             G: a cotangent C, starting at 1, is pushed from
                                          the root to dX through each operation's
                                          `cotangent` rule (⟨C, A F B⟩ = ⟨Aᵀ C Bᵀ, F⟩ ...)
  vec-jacobian  d vec F = J d vec X       J: a left factor L, starting at I, is pushed
                                          through each operation's `jacobian` rule
                                          (L vec(A F B) = L (Bᵀ ⊗ A) vec F ...)
Both pushes are one traversal (`pull`) asking each record for its rule; the value
reaching dX along each path is summed. Each term of d f is read off on its own, and
the (term, part) pairs are kept for `explain`.
"""

from __future__ import annotations

from . import build as B
from .errors import UnsupportedError
from .expr import Add, Diff, Expr, Sym, dim_mul, map_leaves
from .kinds import Kind
from .ops import record
from .simplify.engine import tidy


def pull(e: Expr, ctx: Expr, mode: str, acc: list, used: list | None = None) -> None:
    """Push the context `ctx` (a cotangent, or a vec-Jacobian's left factor) from e down
    to dX, appending what arrives to acc. Where an operation has no cotangent of matrix
    form for this C (a Kronecker product with a general C), the push goes on as the row
    L = vec(C)ᵀ through the `jacobian` rules, and G = unvec(Lᵀ) at dX (⟨C, M⟩ =
    vec(C)ᵀ vec M)."""
    stack = [(e, ctx, mode)]
    while stack:
        x, c, m = stack.pop()
        if isinstance(x, Diff):
            if m == mode:
                acc.append(c)
            else:
                acc.append(B.unvec(B.transpose(c), x.shape))
            continue
        rec = record(x.op)
        kids = [(i, k) for i, k in enumerate(x.children) if k.has_diff]
        if len(kids) > 1 and x.op not in ("add",):
            raise AssertionError(f"the differential is not linear in dX at {x}")
        for i, k in reversed(kids):
            ctx_k, mode_k = _step(rec, x, i, c, m)
            if used is not None:
                rule = rec.cotangent if mode_k == "cotangent" else rec.jacobian
                if rule not in used:
                    used.append(rule)
            stack.append((k, ctx_k, mode_k))


def _step(rec, x: Expr, i: int, c: Expr, mode: str):
    """(the child's context, its mode) for child i of x."""
    if mode == "cotangent":
        if rec.cotangent is not None:
            try:
                return rec.cotangent(x, i, c), mode
            except UnsupportedError:
                if rec.jacobian is None:
                    raise
        if rec.jacobian is not None:
            return rec.jacobian(x, i, B.transpose(B.vec(c))), "jacobian"
        raise UnsupportedError(f"cannot read a derivative through {rec.name}() here ({x})")
    if rec.jacobian is None:
        raise UnsupportedError(f"cannot write the vec-Jacobian through {rec.name}() ({x})")
    return rec.jacobian(x, i, c), mode


def terms_of(df: Expr) -> tuple:
    """d f as a sum of terms with one dX each: every operation on a path to dX is linear
    in that argument, so it distributes over a sum there (tr(U + V) = tr U + tr V,
    (U + V) W = U W + V W)."""
    out: list = []
    stack = [df]
    while stack:
        x = stack.pop()
        if isinstance(x, Add):
            stack.extend(reversed(x.terms))
            continue
        kids = x.children
        split = next((i for i, k in enumerate(kids) if k.has_diff and isinstance(k, Add)), None)
        if split is None:
            out.append(x)
            continue
        parts = []
        for t in kids[split].terms:
            new = list(kids)
            new[split] = t
            parts.append(tidy(x.with_children(new)))
        stack.extend(reversed(parts))
    return tuple(out)


def read_off(df: Expr, var: Sym, kind: Kind, fshape, parts: list | None = None) -> Expr:
    """The derivative in numerator layout (for a symmetric variable, the kind's
    convention), from d f. With `parts`, (term, what it contributes, the read-off rules
    used on its way to dX) are appended."""
    if kind.readoff == "substitute":
        g = map_leaves(df, lambda leaf: B.ONE if isinstance(leaf, Diff) else leaf)
        if parts is not None:
            parts.extend((t, map_leaves(t, lambda leaf: B.ONE if isinstance(leaf, Diff)
                                        else leaf), []) for t in terms_of(df) if t.has_diff)
        return g if df.has_diff else B.zero(fshape)
    if kind.readoff == "gradient":
        total = []
        for t in terms_of(df):
            if not t.has_diff:
                continue
            acc: list = []
            used: list = []
            pull(t, B.ONE, "cotangent", acc, used)
            part = B.add(*acc)
            total.append(part)
            if parts is not None:
                parts.append((t, part, used))
        grad = B.add(*total) if total else B.zero(var.shape)
        return kind_gradient(kind, grad)
    start = B.ident(dim_mul(*fshape))
    total = []
    for t in terms_of(df):
        if not t.has_diff:
            continue
        acc = []
        used = []
        pull(t, start, "jacobian", acc, used)
        part = B.add(*acc)
        total.append(part)
        if parts is not None:
            parts.append((t, part, used))
    if not total:
        return B.zero(kind.numerator_shape(fshape, var.shape))
    return B.add(*total)


def kind_gradient(kind: Kind, g: Expr) -> Expr:
    """The derivative from the gradient G (d f = ⟨G, dX⟩): Gᵀ in numerator layout; for a
    symmetric variable, sym(G) = (G + Gᵀ)/2, the gradient on the symmetric matrices
    (d f = ⟨sym(G), dX⟩ for every symmetric dX: Srinivasan & Panda), or the Matrix
    Cookbook's G + Gᵀ − G ∘ I (the derivative by the independent entries, MC §2.8)."""
    if kind.symmetric == "sym":
        return B.mul(B.num("1/2"), B.add(g, B.transpose(g)))
    if kind.symmetric == "cookbook":
        gt = B.transpose(g)
        return B.add(g, gt, B.neg(B.had(g, B.ident(g.rows))))
    return B.transpose(g)
