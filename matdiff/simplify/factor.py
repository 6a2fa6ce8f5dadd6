"""Factoring: take a common factor out of the terms of a sum when that shortens it.

xᵀA + xᵀAᵀ = xᵀ(A + Aᵀ) (§3), X A + X Aᵀ = X(A + Aᵀ) (§6.1). A scalar
1x1 product next to a vector may be moved into the chain, in either orientation,
to expose a factor: (aᵀx) bᵀ + (xᵀb) aᵀ = xᵀ(a bᵀ + b aᵀ) (§3). The rule fires
only when the cost (`matdiff.simplify.cost`) strictly decreases, which is its
termination measure.
"""

from __future__ import annotations

from fractions import Fraction

from .. import build as B
from ..expr import SCALAR, Add, Expr, Ident, Mul, Num, Pow, int_value
from .cost import measure
from .keys import key

MAX_TERMS = 40     # longer sums are left as they are: the search is quadratic in terms

# a term as (coefficient, scalar factors, chain)
Parts = tuple


def parts(t: Expr) -> Parts:
    if isinstance(t, Num):
        return t.value, [], []
    if isinstance(t, Mul) and not (t.is_scalar and not t.scalars and t.coeff == 1):
        return t.coeff, list(t.scalars), list(t.chain)
    if t.is_scalar:
        return Fraction(1), [t], []
    return Fraction(1), [], [t]


def _is_chain_scalar(s: Expr) -> bool:
    return isinstance(s, Mul) and s.is_scalar and not s.scalars and s.coeff == 1


def _orientations(s: Mul, normal_transpose) -> list[list[Expr]]:
    fwd = list(s.chain)
    back = [normal_transpose(f) for f in reversed(s.chain)]
    return [fwd, back]


def _options(p: Parts, side: str, normal_transpose):
    """(factor, remaining parts) pairs: ways to show a factor at one end of the term."""
    c, scal, chain = p
    out = []
    if chain:
        if side == "left":
            out.append((chain[0], (c, scal, chain[1:])))
        else:
            out.append((chain[-1], (c, scal, chain[:-1])))
        edge_is_one = chain[0].rows == 1 if side == "left" else chain[-1].cols == 1
        if edge_is_one:
            for i, s in enumerate(scal):
                if not _is_chain_scalar(s):
                    continue
                rest_scal = scal[:i] + scal[i + 1:]
                for seq in _orientations(s, normal_transpose):
                    if side == "left":
                        out.append((seq[0], (c, rest_scal, seq[1:] + chain)))
                    else:
                        out.append((seq[-1], (c, rest_scal, chain + seq[:-1])))
    for i, s in enumerate(scal):
        out.append((s, (c, scal[:i] + scal[i + 1:], chain)))
        n = int_value(s.exp) if isinstance(s, Pow) else None
        if n is not None and abs(n) >= 2:          # q⁻² shares q⁻¹ with q⁻¹: q⁻¹ (1 + q⁻¹)
            unit = B.power(s.base, 1 if n > 0 else -1)
            rest = B.power(s.base, n - (1 if n > 0 else -1))
            out.append((unit, (c, scal[:i] + [rest] + scal[i + 1:], chain)))
    return out


def _rebuild(p: Parts, shape) -> Expr:
    """The remaining factors of a term as an expression of `shape` (I where none remain)."""
    c, scal, chain = p
    if not chain and tuple(shape) != SCALAR:
        chain = [Ident(shape[0])]
    return B.mul(Num(c), *scal, *chain)


def _extend(fac_seq: list, hits: list, side: str) -> None:
    """Grow a common chain factor while every remainder shares its next element:
    b (Xb + c)ᵀ Dᵀ + b (Xb + c)ᵀ D has the common prefix b (Xb + c)ᵀ."""
    while True:
        nxt = None
        for _, _, (c, scal, chain) in hits:
            if not chain:
                return
            f = chain[0] if side == "left" else chain[-1]
            if nxt is None:
                nxt = f
            elif key(f) != key(nxt):
                return
        for j, (i, fac, (c, scal, chain)) in enumerate(hits):
            hits[j] = (i, fac, (c, scal, chain[1:] if side == "left" else chain[:-1]))
        if side == "left":
            fac_seq.append(nxt)
        else:
            fac_seq.insert(0, nxt)


def common_number(coeffs: list[Fraction]) -> Fraction:
    """The largest rational dividing every coefficient, negative when all are."""
    from math import gcd, lcm

    num = 0
    den = 1
    for c in coeffs:
        num = gcd(num, abs(c.numerator))
        den = lcm(den, c.denominator)
    g = Fraction(num, den)
    if all(c < 0 for c in coeffs):
        g = -g
    return g


def _assemble(terms: list, idx: set, grouped: Expr) -> Expr:
    first = min(idx)
    new_terms = []
    for i, t in enumerate(terms):
        if i == first:
            new_terms.append(grouped)
        elif i not in idx:
            new_terms.append(t)
    return B.add(*new_terms)


def factor_sum(e: Expr, normal_transpose):
    """The shortest of: e, and e with a common factor of some of its terms taken out
    (a number, a scalar, or a stretch of matrix factors at the left or the right)."""
    if not isinstance(e, Add) or len(e.terms) < 2 or len(e.terms) > MAX_TERMS:
        return None
    terms = list(e.terms)
    ps = [parts(t) for t in terms]
    best, best_len = None, measure(e)

    def consider(cand: Expr) -> None:
        nonlocal best, best_len
        n = measure(cand)
        if n < best_len:
            best, best_len = cand, n

    g = common_number([p[0] for p in ps])
    if g not in (0, 1):
        consider(B.mul(Num(g), B.add(*(B.mul(Num(1 / g), t) for t in terms))))

    for side in ("left", "right"):
        cands: dict = {}
        for i, p in enumerate(ps):
            seen = set()
            for fac, rest in _options(p, side, normal_transpose):
                k = key(fac)
                if k in seen:
                    continue
                seen.add(k)
                cands.setdefault(k, []).append((i, fac, rest))
        for k, hits in cands.items():
            if len(hits) < 2:
                continue
            fac = hits[0][1]
            if isinstance(fac, Num):
                continue
            hits = list(hits)
            seq = [fac]
            other: list = []
            if not fac.is_scalar:
                _extend(seq, hits, side)
                # and a common stretch at the other end: B A x + B Aᵀ x = B (A + Aᵀ) x
                _extend(other, hits, "right" if side == "left" else "left")
            left_f, right_f = (seq, other) if side == "left" else (other, seq)
            if fac.is_scalar:
                left_f, right_f = [fac], []
            lf = B.mul(*left_f) if left_f else None
            rf = B.mul(*right_f) if right_f else None
            idx = {i for i, _, _ in hits}
            inner_terms = []
            if not fac.is_scalar and all(not rest[2] for _, _, rest in hits):
                # only scalars remain: (Σ cᵢ sᵢ) times the common chain, a + s t a = (1 + s t) a
                inner = B.add(*(B.mul(Num(c), *scal) for _, _, (c, scal, _) in hits))
                grouped = B.mul(inner, *([lf] if lf is not None else []),
                                *([rf] if rf is not None else []))
                consider(_assemble(terms, idx, grouped))
                continue
            for i, _, rest in hits:
                if fac.is_scalar:
                    shape = terms[i].shape
                else:
                    shape = (lf.cols if lf is not None else terms[i].rows,
                             rf.rows if rf is not None else terms[i].cols)
                inner_terms.append(_rebuild(rest, shape))
            inner = B.add(*inner_terms)
            grouped = B.mul(*([lf] if lf is not None else []), inner,
                            *([rf] if rf is not None else []))
            consider(_assemble(terms, idx, grouped))
    return best
