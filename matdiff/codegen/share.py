"""Passes over the evaluation forms of all the roots together, after `optimize`:
values that several places compute, found beyond what one chain's order can see.

* `reassociate`: products of shared products. The per-chain order (`Optimizer.dp`)
  charges a stretch of a chain by how often it occurs, but where several stretches
  occur equally often (the four terms of tr(A₁XA₂XA₃XA₄X)'s gradient each contain
  two of the products (AᵢX)(AⱼX)), each chain picks its own and nothing is shared.
  Here the chains are parenthesised again one after another, in the order the code
  computes them: a stretch an earlier chain has computed costs nothing, and one not
  computed yet is charged by how often it occurs in the chains still to come. So the
  first chain's choice is taken up by the later ones, and a later chain prefers the
  stretch that the chains after it also contain.
* `factor_once`: one factorisation for a matrix solved more than once (`X⁻¹ b` and
  `X⁻ᵀ a`: `scipy.linalg.lu_factor` once, `lu_solve` for each right-hand side, with
  `trans=1` for the transpose), or, where the inverse is formed anyway, the solves
  replaced by products with it.

Each pass keeps its result only where the cost model (`shared_cost`: every value
computed once) says it is cheaper than what it was given.
"""

from __future__ import annotations

from ..expr import Expr, MatPow, T, int_value
from . import cost as C
from .ir import LU, LUSolve, Prod, Solve, canonical, diag_vector, factors, key, transpose


def _is_chain(e: Expr) -> bool:
    return isinstance(e, Prod) or (isinstance(e, T) and isinstance(e.arg, Prod))


def _chain_key(fs: list):
    from .optimize import chain_key
    return chain_key(fs)


def factor_key(f: Expr) -> tuple:
    from .optimize import factor_key as fk
    return fk(f)


def _rebuild(roots: list, replace) -> list:
    """The roots with each node n replaced, bottom-up, by replace(n, n with its
    children rebuilt) (which returns that rebuilt node to keep it)."""
    memo: dict = {}

    def go(e: Expr) -> Expr:
        got = memo.get(e)
        if got is None:
            kids = e.children
            new = [go(c) for c in kids]
            same = e if all(a is b for a, b in zip(new, kids)) else e.with_children(new)
            got = replace(e, same)
            memo[e] = got
        return got

    return [go(r) for r in roots]


# ---------------------------------------------------------------------------
# products of shared products


def reassociate(roots: list, rounds: int = 3) -> list:
    """Products of shared products: the chains over the values already computed more
    than once, parenthesised again so that the products of those recur (repeated while
    that finds more, up to `rounds` levels)."""
    from .optimize import shared_cost

    cost = shared_cost(roots)
    for _ in range(rounds):
        out = _reassociate_once(roots)
        c = shared_cost(out)
        if not c < cost:
            break
        roots, cost = out, c
    return roots


def _shared_products(roots: list) -> set:
    """The canonical keys of the products computed in more than one place."""
    count: dict = {}
    seen: set = set()

    def walk(e: Expr):
        if isinstance(e, Prod):
            k = canonical(e)[0]
            count[k] = count.get(k, 0) + 1
        if e in seen:
            return
        seen.add(e)
        for c in e.children:
            walk(c)

    for r in roots:
        walk(r)
    return {k for k, n in count.items() if n > 1}


def _reassociate_once(roots: list) -> list:
    from .optimize import pair_cost

    atoms = _shared_products(roots)

    def chain_factors(e: Expr) -> list:
        """The factors of a chain, a product computed elsewhere too kept whole."""
        if isinstance(e, T) and isinstance(e.arg, Prod):
            return [transpose(f) for f in reversed(chain_factors(e.arg))]
        if isinstance(e, Prod):
            return [f for x in (e.a, e.b) for f in
                    ([x] if _is_chain(x) and canonical(x)[0] in atoms else chain_factors(x))]
        return [e]

    chains: list = []          # maximal product chains, in the order they are computed
    seen: set = set()

    def walk(e: Expr):
        if _is_chain(e):
            if e not in seen:
                seen.add(e)
                chains.append(e)
            for f in factors(e):
                walk(f)
            return
        for c in e.children:
            walk(c)

    for r in roots:
        walk(r)
    if len(chains) < 2:
        return roots

    remaining: dict = {}
    stretches, lists = [], []
    for e in chains:
        fs = chain_factors(e.arg if isinstance(e, T) else e)
        ks = [_chain_key(fs[i:j + 1]) for i in range(len(fs)) for j in range(i + 1, len(fs))]
        lists.append(fs)
        stretches.append(ks)
        for k in ks:
            remaining[k] = remaining.get(k, 0) + 1

    done: dict = {}            # chain key -> (the tree computing it, its factors' keys)
    trees: dict = {}
    for e, fs, ks in zip(chains, lists, stretches):
        if len(fs) > 2 and any(k in done or remaining[k] > 1 for k in ks):
            tree = _order(fs, done, remaining, pair_cost)
            trees[e] = transpose(tree) if isinstance(e, T) else tree
        for k in ks:
            remaining[k] -= 1

    memo: dict = {}

    def subst(t: Expr) -> Expr:
        if isinstance(t, Prod):
            return Prod(subst(t.a), subst(t.b))
        if isinstance(t, T) and isinstance(t.arg, Prod):
            return transpose(subst(t.arg))
        return go(t)

    def go(e: Expr) -> Expr:
        got = memo.get(e)
        if got is None:
            if e in trees:
                got = subst(trees[e])
            elif not e.children:
                got = e
            else:
                got = e.with_children([go(c) for c in e.children])
            memo[e] = got
        return got

    return [go(r) for r in roots]


def _order(fs: list, done: dict, remaining: dict, pair_cost) -> Expr:
    """The cheapest parenthesisation of fs given what is computed already (free) and
    how often each stretch occurs in the chains still to compute; the products it
    computes are added to `done`. Between orders that cost the same, the factors (the
    values already shared, and the rest) are multiplied left to right, as written."""
    k = len(fs)
    dims = [C.dim(fs[0].shape[0])] + [C.dim(f.shape[1]) for f in fs]
    diag = [k > 1 and diag_vector(f) is not None for f in fs]
    fwd = [factor_key(f) for f in fs]
    best: dict = {(i, i): (0.0, f, None) for i, f in enumerate(fs)}
    for length in range(2, k + 1):
        for i in range(k - length + 1):
            j = i + length - 1
            ck = _chain_key(fs[i:j + 1])
            if ck in done:
                tree, keys_ = done[ck]
                best[i, j] = (0.0, tree if keys_ == tuple(fwd[i:j + 1]) else transpose(tree),
                              None)
                continue
            share = max(1, remaining.get(ck, 1))
            cand = None
            for s in range(i, j):
                lc, lt, _ = best[i, s]
                rc, rt, _ = best[s + 1, j]
                c = lc + rc + pair_cost(fs, dims, diag, i, s, j) / share
                if cand is None or c < cand[0] - 1e-9 * c or (
                        c <= cand[0] + 1e-9 * c and s > cand[2]):      # the longer left
                    cand = (c, Prod(lt, rt), s)
            best[i, j] = cand

    def record(i: int, j: int) -> None:
        _, tree, s = best[i, j]
        if s is None:            # a factor, or a product computed before
            return
        done.setdefault(_chain_key(fs[i:j + 1]), (tree, tuple(fwd[i:j + 1])))
        record(i, s)
        record(s + 1, j)

    record(0, k - 1)
    return best[0, k - 1][1]


# ---------------------------------------------------------------------------
# one factorisation per matrix


def factor_once(roots: list) -> list:
    from .optimize import shared_cost

    groups: dict = {}          # canonical key of the matrix -> its solves and inverses

    def group(m: Expr) -> dict:
        k = canonical(m)[0]
        return groups.setdefault(k, {"solves": {}, "inverse": None, "matrix": m})

    seen: set = set()

    def walk(e: Expr):
        if e in seen:
            return
        seen.add(e)
        if isinstance(e, Solve):
            group(e.a)["solves"].setdefault(canonical(e)[0], e)
        elif isinstance(e, MatPow) and int_value(e.exp) == -1:
            g = group(e.base)
            if g["inverse"] is None:
                g["inverse"] = e
        for c in e.children:
            walk(c)

    for r in roots:
        walk(r)
    best, cost = roots, shared_cost(roots)
    for g in groups.values():
        if len(g["solves"]) + (g["inverse"] is not None) < 2 or not g["solves"]:
            continue
        m = g["matrix"]
        if isinstance(m, T):
            m = m.arg
        targets = {canonical(m)[0]}
        options = [_with_lu(m, targets)] if len(g["solves"]) > 1 else []
        if g["inverse"] is not None:
            options.append(_with_inverse(g["inverse"], targets))
        start = best
        for replace in options:          # each from the same start: the cheapest wins
            cand = _rebuild(start, replace)
            c = shared_cost(cand)
            if c < cost:
                best, cost = cand, c
    return best


def _with_lu(m: Expr, targets: set):
    """Solves with m or mᵀ as lu_solve with one LU of m."""
    lu = LU(m)
    km = key(m)

    def replace(old: Expr, e: Expr) -> Expr:
        if isinstance(e, Solve) and canonical(e.a)[0] in targets:
            return LUSolve(lu, e.b, 0 if key(e.a) == km else 1)
        return e
    return replace


def _with_inverse(inv: MatPow, targets: set):
    """Solves with m or mᵀ as products with the inverse that is formed anyway."""
    kb = key(inv.base)

    def replace(old: Expr, e: Expr) -> Expr:
        if isinstance(e, Solve) and canonical(e.a)[0] in targets:
            return Prod(inv if key(e.a) == kb else transpose(inv), e.b)
        return e
    return replace
