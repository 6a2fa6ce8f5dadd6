"""Rewriting a derivative for evaluation cost: the display form in, the evaluation form out.

`Optimizer.opt(e)` returns the evaluation form of e (`matdiff.codegen.ir`) and its cost
in the model of `matdiff.codegen.cost`. What it decides:

* **Product chains.** A product's factors (transposes of products opened, small matrix
  powers written out, identities dropped) are parenthesised by the classic matrix-chain
  dynamic programme, so vectors are multiplied first (`Aᵀ (A x)`); an inverse next to
  the rest of a chain becomes a solve (`X⁻¹ B` → `solve(X, B)`, `B X⁻¹` →
  `solve(Xᵀ, Bᵀ)ᵀ`) where that is cheaper than forming the inverse. A chain with more
  transposed matrices than plain ones is parenthesised as its transpose (so both
  layouts get one evaluation order, and the transpose stays outside, free).
* **Distribution.** A factor that is a sum may be multiplied out
  (`X (b aᵀ + a bᵀ)` → `(X b) aᵀ + (X a) bᵀ`, `(A + Aᵀ) x` → `A x + Aᵀ x`), recursively,
  when the terms cost less than the product of the sum; factored forms that are cheaper
  are kept, and the caller also tries the fully expanded normal form of the derivative
  (`matdiff.simplify.normalize`) against the display form, so the cheaper of a factored
  and an expanded form wins.
* **Scalings** (numbers, scalar factors, signs) go on the smallest array of a product:
  `np.outer(g, g/q**2)` rather than scaling an n×n result; a sign in a sum is a
  subtraction.
* **Sharing.** With `occ` (how often each factor and each stretch of a chain occurs in
  the whole computation, from a first pass), a product step is charged its cost divided
  by its number of occurrences: the orders that produce shared products win ties and
  near-ties (`matdiff.codegen.emit` then computes each shared value once).
* **All the roots together** (`matdiff.codegen.share`): the chains parenthesised again
  one after another so that products of shared products recur, and one LU
  factorisation for a matrix solved more than once.

Where orders cost the same (every dimension is one n, so they often do), factors are
paired from the left, then multiplied left to right, as written (`_preferred`).
"""

from __future__ import annotations

from fractions import Fraction

from ..expr import (Add, Call, Commutation, Deriv, Expr, Fn, Had, HadPow, Ident, Kron, MatPow,
                    Mul, Num, Ones, Pow, Sym, T, Zero, int_value)
from ..ops import record
from . import cost as C
from .ir import (LU, LUSolve, OuterSum, Prod, Solve, TraceProd, canonical, diag_vector, factors,
                 key, operands, scaling_operand, tkey, transpose)

LEAVES = (Sym, Num, Ident, Zero, Ones, Deriv, Call, Commutation)
MAX_DISTRIBUTE_DEPTH = 3
MAX_TERMS = 8
MAX_STRETCH_CHAIN = 8       # a sum is multiplied out over part of a chain up to this long,
MAX_STRETCH_DEPTH = 1       # and not inside a term of a sum already multiplied out


def num(v) -> Num:
    return Num(Fraction(v))


def is_leafy(e: Expr) -> bool:
    return isinstance(e, LEAVES) or (isinstance(e, T) and isinstance(e.arg, LEAVES))


def inverse_of(e: Expr):
    """M when e is M⁻¹ (M possibly a transpose), else None."""
    if isinstance(e, MatPow) and int_value(e.exp) == -1:
        return e.base
    if isinstance(e, T) and isinstance(e.arg, MatPow) and int_value(e.arg.exp) == -1:
        return transpose(e.arg.base)
    return None


def strided(e: Expr) -> bool:
    """A transposed matrix: read with a stride by an element-wise operation."""
    while isinstance(e, Mul):
        rest = [f for f in e.factors if not f.is_scalar]
        if not rest:
            return False
        e = rest[0]
    return isinstance(e, T) and e.is_matrix


def step_cost(e: Expr) -> float:
    """The cost of computing e from its children (the model of `matdiff.codegen.cost`)."""
    if isinstance(e, (Ident, Zero, Ones, Commutation)):
        return C.size(e.shape)
    if isinstance(e, LEAVES) or isinstance(e, T):
        return 0
    if isinstance(e, Prod):
        sc = scaling_operand(e)
        if sc is not None:
            v, other, _ = sc
            if diag_vector(other) is not None:        # diag(u) diag(v) = diag(u ∘ v)
                return C.dim(e.shape[0]) + C.size(e.shape)
            return C.scaling(C.dim(e.shape[0]), C.dim(e.shape[1]), strided(other))
        return C.matmul(e.a.shape, e.b.shape)
    if isinstance(e, Solve):
        return C.solve(C.dim(e.a.shape[0]), C.dim(e.b.shape[1]))
    if isinstance(e, LU):
        return C.lu_factor(C.dim(e.shape[0]))
    if isinstance(e, LUSolve):
        return C.lu_solve(C.dim(e.a.shape[0]), C.dim(e.b.shape[1]))
    if isinstance(e, OuterSum):
        k = len(e.args) // 2
        return 2 * C.size(e.shape) * k + C.size(e.shape) + 2 * k * (
            C.dim(e.shape[0]) + C.dim(e.shape[1]))
    if isinstance(e, TraceProd):
        return C.elementwise(e.a.shape, 2, 1) + C.reduction(e.a.shape)
    if isinstance(e, Add):
        return C.elementwise(e.shape, len(e.terms), sum(1 for t in e.terms if strided(t)))
    if isinstance(e, Mul):
        if e.is_scalar:
            return len(e.factors)
        return C.elementwise(e.shape, 1, 1 if strided(e) else 0)
    if isinstance(e, Had):
        return C.elementwise(e.shape, len(e.factors), sum(1 for f in e.factors if strided(f)))
    if isinstance(e, HadPow):
        return C.elementwise(e.shape, 1)
    if isinstance(e, Pow):
        return 1
    if isinstance(e, MatPow):
        k = int_value(e.exp)
        n = C.dim(e.rows)
        if k == -1:
            return C.inverse(n)
        return C.product(n, n, n) * max(1, abs(k or 2) - 1) + (C.inverse(n) if (k or 0) < 0 else 0)
    if isinstance(e, Kron):
        return 2 * C.size(e.shape)
    if isinstance(e, Fn):
        rec = record(e.op)
        return C.function(e.op, rec.family, [a.shape for a in e.args], e.shape)
    return C.size(e.shape)


def total_cost(e: Expr) -> float:
    """The cost of evaluating e as written, every repeated part computed again."""
    return step_cost(e) + sum(total_cost(c) for c in operands(e))


def shared_cost(roots) -> float:
    """The cost of evaluating the roots with every repeated value computed once."""
    seen: set = set()
    total = 0.0

    def walk(e: Expr):
        nonlocal total
        while isinstance(e, T):
            e = e.arg
        k = canonical(e)[0]
        if k in seen:
            return
        seen.add(k)
        total += step_cost(e)
        for c in operands(e):
            walk(c)

    for r in roots:
        walk(r)
    return total


# ---------------------------------------------------------------------------
# occurrences (for the second pass)


def factor_key(f: Expr) -> tuple:
    """The key of a factor in a chain, with its orientation: a vector's key is that of its
    transpose too (a 1-D array), but in a chain b (xᵀ P) and (P xᵀ) b differ."""
    return key(f), str(f.shape)


def chain_key(fs) -> frozenset:
    """The key of the product of the factors fs, up to a transpose: the keys of the
    product and of its transpose (the factors reversed and transposed), unordered."""
    a = tuple(factor_key(f) for f in fs)
    b = tuple((tkey(f), str((f.shape[1], f.shape[0]))) for f in reversed(fs))
    return frozenset((a, b))


def occurrences(roots) -> dict:
    """How often each factor and each stretch of a product chain occurs in the roots."""
    occ: dict = {}

    def chain_of(e: Expr) -> list:
        if isinstance(e, Solve):
            return [MatPow(e.a, num(-1))] + chain_of(e.b)
        if isinstance(e, T) and isinstance(e.arg, Solve):
            return [transpose(f) for f in reversed(chain_of(e.arg))]
        if isinstance(e, (Prod,)) or (isinstance(e, T) and isinstance(e.arg, Prod)):
            out = []
            for f in factors(e):
                out.extend(chain_of(f) if isinstance(f, (Solve, T)) and
                           (isinstance(f, Solve) or isinstance(f.arg, Solve)) else [f])
            return out
        return [e]

    def walk(e: Expr):
        if isinstance(e, (Prod, Solve)) or (isinstance(e, T) and isinstance(e.arg, (Prod, Solve))):
            fs = chain_of(e)
            for i in range(len(fs)):
                for j in range(i + 1, len(fs) + 1):
                    k = chain_key(fs[i:j])
                    occ[k] = occ.get(k, 0) + 1
            for f in fs:
                walk_inner(f)
            return
        k = chain_key([e])
        occ[k] = occ.get(k, 0) + 1
        walk_inner(e)

    def walk_inner(e: Expr):
        if isinstance(e, MatPow):
            walk(e.base)
            return
        for c in e.children:
            walk(c)

    for r in roots:
        walk(r)
    return occ


# ---------------------------------------------------------------------------
# the optimiser


class Optimizer:
    """One pass of the rewriting; `occ` from `occurrences` of an earlier pass."""

    def __init__(self, occ: dict | None = None, layout: str = "numerator") -> None:
        self.occ = occ or {}
        self.layout = layout
        self.memo: dict = {}
        self.mul_memo: dict = {}

    def shared(self, fs: list) -> int:
        return max(1, self.occ.get(chain_key(fs), 1))

    # -- entry ---------------------------------------------------------------
    def opt(self, e: Expr):
        """(evaluation form, cost) of e."""
        got = self.memo.get(e)
        if got is None:
            got = self._opt(e)
            self.memo[e] = got
        return got

    def _opt(self, e: Expr):
        if isinstance(e, LEAVES):
            return e, step_cost(e)
        if isinstance(e, T):
            return self.opt_transpose(e.arg)
        if isinstance(e, Mul):
            ir, c, neg = self.opt_mul(e.coeff, list(e.scalars), list(e.chain), 0, False)
            return ir, c
        if isinstance(e, Add):
            return self.opt_add(e.terms)
        if isinstance(e, MatPow):
            return self.opt_matpow(e)
        if isinstance(e, Fn) and e.op == "tr":
            return self.opt_trace(e)
        return self.generic(e)

    def generic(self, e: Expr):
        kids = [self.opt(c) for c in e.children]
        ir = e.with_children([k for k, _ in kids]) if kids else e
        return ir, step_cost(ir) + sum(c for _, c in kids)

    def opt_transpose(self, a: Expr):
        if isinstance(a, LEAVES):
            return transpose(a), 0
        if isinstance(a, Mul):
            chain = [_t(f) for f in reversed(a.chain)]
            ir, c, _ = self.opt_mul(a.coeff, list(a.scalars), chain, 0, False)
            return ir, c
        from ..simplify.rules import transpose_of
        pushed = transpose_of(a)
        if pushed is not None and not isinstance(pushed, T):
            return self.opt(pushed)
        ir, c = self.opt(a)
        return transpose(ir), c

    def opt_matpow(self, e: MatPow):
        k = int_value(e.exp)
        base, c = self.opt(e.base)
        if k == -1 and isinstance(base, T):
            ir = transpose(MatPow(base.arg, e.exp))
        else:
            exp, ce = self.opt(e.exp)
            ir = MatPow(base, exp)
            c += ce
        return ir, c + step_cost(MatPow(base, e.exp)) / self.shared([ir])

    def opt_trace(self, e: Fn):
        """tr(P Q) as sum(P ∘ Qᵀ) when the product is only traced."""
        arg = e.arg
        ir, c = self.opt(arg)
        plain = (Fn("tr", (ir,)), c + step_cost(Fn("tr", (ir,))))
        if isinstance(ir, Prod) and ir.a.is_matrix and ir.b.is_matrix and \
                scaling_operand(ir) is None:
            ca = c - C.matmul(ir.a.shape, ir.b.shape) / self.shared(factors(ir))
            alt = (TraceProd(ir.a, ir.b), ca + step_cost(TraceProd(ir.a, ir.b)))
            if alt[1] < plain[1]:
                return alt
        return plain

    # -- sums ------------------------------------------------------------------
    def opt_add(self, terms):
        parts = []
        total = 0.0
        for t in terms:
            if isinstance(t, Mul):
                ir, c, neg = self.opt_mul(t.coeff, list(t.scalars), list(t.chain), 0, True)
            else:
                (ir, c), neg = self.opt(t), False
            total += c
            parts.append((ir, neg))
        ir = make_sum(parts)
        return ir, total + (step_cost(ir) if isinstance(ir, Add) else 0)

    # -- products --------------------------------------------------------------
    def opt_mul(self, coeff: Fraction, scalars: list, chain: list, depth: int, in_sum: bool):
        """(evaluation form, cost, negated?) of coeff · scalars · chain; the sign is left
        to the caller (a subtraction) when `in_sum`."""
        mk = (coeff, tuple(scalars), tuple(chain), in_sum)
        got = self.mul_memo.get(mk)
        if got is None:
            got = self._opt_mul(coeff, scalars, chain, depth, in_sum)
            self.mul_memo[mk] = got
        return got

    def _opt_mul(self, coeff, scalars, chain, depth, in_sum):
        chain = expand_chain(chain)
        neg = coeff < 0 and in_sum
        if neg:
            coeff = -coeff
        sc = [self.opt(s) for s in scalars]
        if not chain:
            factors_ = ([num(coeff)] if coeff != 1 else []) + [s for s, _ in sc]
            ir = factors_[0] if len(factors_) == 1 else Mul(tuple(factors_)) if factors_ \
                else num(1)
            return ir, sum(c for _, c in sc) + (len(factors_) if len(factors_) > 1 else 0), neg
        # one evaluation order for a chain and its transpose
        flipped = [_t(f) for f in reversed(chain)]
        if _transposed_count(flipped, self.layout) < _transposed_count(chain, self.layout):
            ir, c, n2 = self.opt_mul(coeff if not neg else -coeff, scalars, flipped, depth,
                                     in_sum)
            return transpose(ir), c, n2
        fs = [self.opt(f) for f in chain]
        k = len(chain)
        sums = {}
        if depth < MAX_STRETCH_DEPTH and 2 < k <= MAX_STRETCH_CHAIN:
            for i, f in enumerate(chain):
                terms = sum_terms(f)
                if terms and len(terms) <= MAX_TERMS:
                    sums[i] = terms

        def stretch(lo: int, i: int, hi: int):
            # the sum chain[i] multiplied out over the stretch lo..hi only: one factor of
            # the rest of the chain, as in (rᵀW + rᵀWᵀ) X for rᵀ(W + Wᵀ) X
            return self.distribute(Fraction(1), [], chain, lo, i, hi, sums[i], fs, depth)

        # only where it can pay: a stretch that is a vector, or a sum with a term of low
        # rank (u vᵀ); else the terms are products as dear as the sum's
        low_rank = {i for i, terms in sums.items()
                    if any(any(g.is_vector for g in split_term(t)[2]) for t in terms)}
        tree, cost = self.dp([f for f, _ in fs], [c for _, c in fs],
                             stretch if sums else None, sorted(sums), low_rank)
        best = self.scale(tree, cost, coeff, sc)
        if depth < MAX_DISTRIBUTE_DEPTH and k > 1:
            for i, f in enumerate(chain):       # the whole chain: a sum of products
                terms = sum_terms(f)
                if not terms or len(terms) > MAX_TERMS:
                    continue
                cand = self.distribute(coeff, scalars, chain, 0, i, k - 1, terms, fs, depth)
                if cand[1] < best[1]:
                    best = cand
        return best[0], best[1], neg

    def distribute(self, coeff, scalars, chain, lo, i, hi, terms, fs, depth):
        """(evaluation form, cost) of coeff · scalars · chain[lo..hi] with the sum
        chain[i] multiplied out: one term per term of the sum. The other factors of the
        stretch occur in every term: they are computed once (`matdiff.codegen.emit`
        names them), so they are charged once."""
        parts, total = [], 0.0
        for t in terms:
            tc, ts, tch = split_term(t)
            ir, c, n2 = self.opt_mul(coeff * tc, scalars + ts,
                                     chain[lo:i] + tch + chain[i + 1:hi + 1], depth + 1, True)
            parts.append((ir, n2))
            total += c
        for j in range(lo, hi + 1):
            f, c = fs[j]
            if j != i and not is_leafy(f):
                total -= (len(terms) - 1) * c / self.shared([f])
        ir = make_sum(parts)
        total += step_cost(ir) if isinstance(ir, Add) else 0
        return ir, total

    def scale(self, tree: Expr, cost: float, coeff: Fraction, sc: list):
        """The product scaled by the coefficient and scalar factors, on its smallest array."""
        if coeff == 1 and not sc:
            return tree, cost
        extra = sum(c for _, c in sc)
        scal = ([num(coeff)] if coeff != 1 else []) + [s for s, _ in sc]
        places = [tree] + [p for p in _operands(tree) if diag_vector(p) is None]
        place = min(places, key=lambda p: C.size(p.shape))
        scaled = Mul(tuple(scal) + (place,))
        if place is tree:
            return scaled, cost + extra + step_cost(scaled)
        return _replace(tree, place, scaled), cost + extra + step_cost(scaled)

    def dp(self, fs: list, costs: list, stretch=None, sums=(), low_rank=frozenset()):
        """The cheapest parenthesisation of the chain fs (matrix-chain order), with
        solves for inverses, scalings for diagonal matrices and products shared by
        `occ` charged once; `stretch(lo, i, hi)`, for each i of `sums` (factors that are
        sums), evaluates a part lo..hi of the chain (not the whole) with the sum
        multiplied out, another candidate for that part where the part is a vector or
        the sum has a term of low rank (in `low_rank`)."""
        k = len(fs)
        dims = [C.dim(fs[0].shape[0])] + [C.dim(f.shape[1]) for f in fs]
        diag = [k > 1 and diag_vector(f) is not None for f in fs]
        best: dict = {}
        base = {}          # for an inverse factor: the cost of what is inverted
        for i, f in enumerate(fs):
            inv = inverse_of(f)
            if inv is None:
                c = costs[i] - (_formation(f) if diag[i] else 0)   # diag(v): v only
                best[i, i] = (c / self.shared([f]), f)
            else:           # its cost is already shared out (opt_matpow)
                best[i, i] = (costs[i], f)
                base[i] = costs[i] - step_cost(MatPow(inv, num(-1))) / self.shared([f])
        for length in range(2, k + 1):
            for i in range(k - length + 1):
                j = i + length - 1
                share = self.shared(fs[i:j + 1])
                cand = None
                for s in range(i, j):
                    lc, lt = best[i, s]
                    rc, rt = best[s + 1, j]
                    c = lc + rc + pair_cost(fs, dims, diag, i, s, j) / share
                    t = Prod(lt, rt)
                    if cand is None or c < cand[0] - 1e-9 * c or (
                            c <= cand[0] + 1e-9 * c and _preferred(s - i + 1, cand[2])):
                        cand = (c, t, s - i + 1)
                    inv = inverse_of(fs[i]) if s == i else None
                    if inv is not None:
                        c2 = base[i] + rc + C.solve(dims[i], dims[j + 1]) / share
                        if c2 < cand[0]:
                            cand = (c2, Solve(inv, rt), 0)
                    inv = inverse_of(fs[j]) if s + 1 == j else None
                    if inv is not None:
                        c3 = lc + base[j] + C.solve(dims[j], dims[i]) / share
                        if c3 < cand[0]:
                            cand = (c3, transpose(Solve(transpose(inv), transpose(lt))), 0)
                if stretch is not None and length < k:
                    flat_ = dims[i] == 1 or dims[j + 1] == 1
                    for m in sums:
                        if i <= m <= j and (flat_ or m in low_rank):
                            ir, c4 = stretch(i, m, j)
                            c4 /= share
                            if c4 < cand[0] - 1e-9 * c4:
                                cand = (c4, ir, 0)
                best[i, j] = cand[:2]
        c, t = best[0, k - 1]
        return t, c


def _formation(f: Expr) -> float:
    """The cost of forming diag(v) from v (saved where it scales a neighbour instead)."""
    return step_cost(f.arg if isinstance(f, T) else f)


def pair_cost(fs: list, dims: list, diag: list, i: int, s: int, j: int) -> float:
    """The cost of multiplying the products of fs[i..s] and fs[s+1..j]: a scaling when
    one side is a single diagonal matrix, else a matrix product."""
    if (s == i and diag[i]) or (s + 1 == j and diag[j]):
        if s == i and diag[i]:
            other = fs[j] if s + 1 == j else None
        else:
            other = fs[i] if s == i else None
        return C.scaling(dims[i], dims[j + 1], other is not None and strided(other))
    return C.product(dims[i], dims[s + 1], dims[j + 1])


# ---------------------------------------------------------------------------
# helpers


def _preferred(left: int, other: int) -> bool:
    """Between two splits of a chain that cost the same: the one whose left part has an
    even number of factors, then the longer left part (factors paired from the left,
    then multiplied left to right, as written)."""
    return (left % 2 == 0, left) > (other % 2 == 0, other)


def _t(e: Expr) -> Expr:
    """eᵀ on the display form (no simplification beyond the smart constructor)."""
    from .. import build as B
    return B.transpose(e)


def _transposed_count(chain: list, layout: str) -> int:
    """Transposed matrices in a chain (an abstract derivative du/dx prints transposed
    in denominator layout unless it is under a transpose)."""
    n = 0
    for f in chain:
        if not f.is_matrix:
            continue
        under = isinstance(f, T)
        g = f.arg if under else f
        if isinstance(g, Deriv) and layout == "denominator":
            under = not under
        n += under
    return n


def expand_chain(chain: list) -> list:
    """Factors of a chain: products and transposed products opened, small positive
    matrix powers written out, identities dropped."""
    out: list = []
    for f in chain:
        if isinstance(f, Mul) and not f.scalars and f.coeff == 1:
            out.extend(expand_chain(list(f.chain)))
        elif isinstance(f, T) and isinstance(f.arg, Mul) and not f.arg.scalars \
                and f.arg.coeff == 1:
            out.extend(expand_chain([_t(g) for g in reversed(f.arg.chain)]))
        elif isinstance(f, MatPow) and (int_value(f.exp) or 0) in (2, 3, 4):
            out.extend([f.base] * int_value(f.exp))
        elif isinstance(f, Ident):
            continue
        else:
            out.append(f)
    if not out and chain:
        return [next(f for f in chain if isinstance(f, Ident))]
    return out


def sum_terms(f: Expr):
    """The terms of a factor that is a sum (or the transpose of one), else None."""
    if isinstance(f, Add) and not f.is_scalar:
        return list(f.terms)
    if isinstance(f, T) and isinstance(f.arg, Add):
        return [_t(t) for t in f.arg.terms]
    return None


def split_term(t: Expr):
    """(coefficient, scalar factors, chain) of a term."""
    if isinstance(t, Mul):
        return t.coeff, list(t.scalars), list(t.chain)
    if isinstance(t, Num):
        return t.value, [], []
    if t.is_scalar:
        return Fraction(1), [t], []
    return Fraction(1), [], [t]


def negate(e: Expr) -> Expr:
    if isinstance(e, Mul) and isinstance(e.factors[0], Num):
        c = -e.factors[0].value
        rest = e.factors[1:]
        if c == 1:
            return rest[0] if len(rest) == 1 else Mul(rest)
        return Mul((num(c),) + rest)
    if isinstance(e, Num):
        return num(-e.value)
    return Mul((num(-1), e))


def make_sum(parts) -> Expr:
    """The sum of (term, negated?) pairs, nested sums flattened."""
    terms: list = []
    for ir, neg in parts:
        inner = ir.terms if isinstance(ir, Add) else (ir,)
        for t in inner:
            terms.append(negate(t) if neg else t)
    terms.sort(key=lambda t: isinstance(t, Mul) and isinstance(t.factors[0], Num)
               and t.factors[0].value < 0)
    if len(terms) == 1:
        return terms[0]
    outers = [t for t in terms if _outer(t) is not None]
    if len(outers) >= 2:
        # u vᵀ + w zᵀ = [u w] [v z]ᵀ: one product writes the result once
        args = []
        for t in outers:
            args.extend(_outer(t))
        rest = [t for t in terms if _outer(t) is None]
        both = [OuterSum(tuple(args))] + rest
        terms = both
        if len(terms) == 1:
            return terms[0]
    if sum(1 for t in terms if _transposed(t)) * 2 > len(terms):
        # (Pᵀ + Qᵀ) = (P + Q)ᵀ: contiguous reads, one free transpose
        return transpose(Add(tuple(_untranspose(t) for t in terms)))
    return Add(tuple(terms))


def _outer(t: Expr):
    """(u, vᵀ) when t is the outer product u vᵀ (a sign or scaling moved onto u), else None."""
    if isinstance(t, Prod) and t.a.is_col and t.b.is_row:
        return t.a, t.b
    if isinstance(t, T) and isinstance(t.arg, Prod) and t.arg.a.is_col and t.arg.b.is_row:
        return transpose(t.arg.b), transpose(t.arg.a)
    if isinstance(t, Mul):
        rest = [f for f in t.factors if not f.is_scalar]
        inner = _outer(rest[0]) if len(rest) == 1 else None
        if inner is not None:
            u, v = inner
            return Mul(tuple(f for f in t.factors if f.is_scalar) + (u,)), v
    return None


def _transposed(t: Expr) -> bool:
    if isinstance(t, Mul):
        rest = [f for f in t.factors if not f.is_scalar]
        return bool(rest) and _transposed(rest[0])
    return isinstance(t, T) and t.is_matrix


def _untranspose(t: Expr) -> Expr:
    if isinstance(t, Mul):
        return Mul(tuple(f if f.is_scalar else _untranspose(f) for f in t.factors))
    return transpose(t)


def _operands(tree: Expr) -> list:
    """The factors of a product tree that a scaling may go on."""
    if isinstance(tree, Prod):
        return [tree.a, tree.b] + _operands(tree.a) + _operands(tree.b)
    if isinstance(tree, Solve):
        return [tree.b] + _operands(tree.b)
    if isinstance(tree, T):
        return _operands(tree.arg)
    return []


def _replace(tree: Expr, old: Expr, new: Expr) -> Expr:
    if tree is old:
        return new
    if isinstance(tree, (Prod, Solve, T)):
        kids = tree.children
        for i, k in enumerate(kids):
            r = _replace(k, old, new)
            if r is not k:
                return tree.with_children(kids[:i] + (r,) + kids[i + 1:])
    return tree


def optimize(roots: list, layout: str = "numerator") -> list:
    """The evaluation forms of the roots (display-form expressions), optimised together:
    a first pass, then a second that knows what the first found in several places; for
    each root, the display form or its expanded normal form, whichever costs less."""
    from ..simplify import normalize
    candidates = []
    for r in roots:
        cs = [r]
        try:
            nr = normalize(r)
            if nr != r:
                cs.append(nr)
        except Exception:  # noqa: BLE001 - the display form is always there
            pass
        candidates.append(cs)
    first = Optimizer(layout=layout)
    pass1 = [[first.opt(c)[0] for c in cs] for cs in candidates]
    occ = occurrences([p for ps in pass1 for p in ps])
    second = Optimizer(occ, layout)
    out = []
    for cs in candidates:
        forms = [second.opt(c)[0] for c in cs]
        forms += [first.opt(c)[0] for c in cs]
        out.append(min(forms, key=lambda f: shared_cost([f])))
    # all the roots together: products of shared products, one LU per solved matrix
    from .share import factor_once, reassociate
    return factor_once(reassociate(out))
