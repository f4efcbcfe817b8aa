"""Shared and batched reciprocals after CSE: few divisions, multiplications for every use.

A division costs about eight multiplications (`cost` table). Derivatives of quotients divide
many terms by the same denominator and its powers (``a/d``, ``b/d**2``, ``c/d**3``), which
SymPy cannot write as products with one reciprocal: ``a*(1/d)**2`` evaluates back to
``a/d**2``, and `sympy.cse` shares ``1/d`` only between identical powers. This pass works on
CSE's output instead: each non-constant base ``d`` that is divided by in two or more places, or
by a power ``d**n`` with n >= 2, gets one temporary ``r = 1/d`` and its uses become ``a*r``,
``b*r**2``. ``a/d`` and ``a*(1/d)`` differ by one rounding.

Several denominators then share one division (Montgomery's batch inversion, "Speeding the
Pollard and elliptic curve methods of factorization", Math. Comp. 48, 1987): for ``d1 .. dk``,
``i = 1/(d1*...*dk)`` and each ``1/dj`` is ``i`` times the other factors, from prefix products:
one division and 3(k - 1) multiplications instead of k divisions. It is exact over the reals
and adds about 2k roundings; it is real-only in the sense of `canonical`: the product of the
denominators can overflow or underflow where none of them does, so a batch holds at most
`MAX_BATCH` of them, and ``batch=False`` turns it off.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Hashable, Iterator, Sequence

from sympy import Expr, Indexed, Integer, Mul, Pow, Symbol, preorder_traversal

Temps = list[tuple[Symbol, Expr]]
#: Most denominators one division serves: their product must stay within double range
#: (denominators of magnitude 1e-77 .. 1e77 are safe at 4).
MAX_BATCH = 4


def share_reciprocals(temps: Sequence[tuple[Symbol, Expr]], reduced: Sequence[Expr],
                      names: Iterator[Symbol] | Callable[[], Symbol], *, batch: bool = True,
                      group: Callable[[Expr], Hashable] | None = None
                      ) -> tuple[Temps, list[Expr]]:
    """``(temps, reduced)`` (as `sympy.cse` returns them) with shared reciprocals; new
    temporaries take their names from ``names`` and come right after their bases' own.

    With ``batch``, denominators that can be computed before their first use share one
    division (at most `MAX_BATCH` per division); ``group`` maps a denominator to a key, and
    only denominators with equal keys share (code generation keys by the loop a value
    belongs in, so that a loop-invariant reciprocal stays outside the loop).

    >>> import sympy
    >>> a, b, d, e = sympy.symbols("a b d e")
    >>> temps, out = share_reciprocals([], [a / d, b / d**2], sympy.numbered_symbols("r"))
    >>> temps, out
    ([(r0, 1/d)], [a*r0, b*r0**2])
    >>> temps, out = share_reciprocals([], [a / d, b / e], sympy.numbered_symbols("r"))
    >>> temps, out
    ([(r2, d*e), (r3, 1/r2), (r1, d*r3), (r0, e*r3)], [a*r0, b*r1])
    """
    fresh = names if callable(names) else (lambda it=names: next(it))
    exprs = [e for _, e in temps] + list(reduced)
    uses: Counter = Counter()
    deepest: dict = {}
    first_use: dict = {}
    found: set = set()
    for k, e in enumerate(exprs):
        for node in preorder_traversal(e):
            if _divides(node):
                found.add(node)
                uses[node.base] += 1
                deepest[node.base] = max(deepest.get(node.base, 1), int(-node.exp))
                first_use.setdefault(node.base, k)
    if not uses:
        return list(temps), list(reduced)
    defined = {s: k for k, (s, _) in enumerate(temps)}
    ready = {b: max((defined[s] for s in b.free_symbols if s in defined), default=-1)
             for b in uses}
    # a denominator holding a division is left out of batches: it needs that reciprocal first
    single = [b for b in uses if not batch or _division_count(b)]
    batches = [[b] for b in single] + _batches([b for b in uses if b not in single], ready,
                                                 first_use, group)
    batches = [bs for bs in batches if len(bs) > 1 or uses[bs[0]] >= 2 or deepest[bs[0]] >= 2]
    if not batches:
        return list(temps), list(reduced)
    recip = {b: fresh() for bs in batches for b in bs}
    to_products = {n: recip[n.base] ** int(-n.exp) for n in found if n.base in recip}

    def rewrite(e: Expr) -> Expr:
        return e.xreplace(to_products)     # outermost first: a base holding a division stays

    after: dict[int, list[tuple[Symbol, Expr]]] = {}
    # within one place, a denominator holding another's reciprocal comes after it: it holds
    # more divisions than the one inside it
    for bs in sorted(batches, key=lambda bs: max(_division_count(b) for b in bs)):
        at = max(ready[b] for b in bs)
        after.setdefault(at, []).extend(_inversion(bs, recip, rewrite, fresh))
    out: Temps = list(after.get(-1, []))
    for k, (s, e) in enumerate(temps):
        out.append((s, rewrite(e)))
        out += after.get(k, [])
    return out, [rewrite(e) for e in reduced]


def _batches(bases: list[Expr], ready: dict, first_use: dict,
             group: Callable[[Expr], Hashable] | None) -> list[list[Expr]]:
    """Bases in groups that one division can serve: each group can be computed after all its
    bases are defined and before any of them is divided by (``ready[b] < first_use[b]``), has
    one ``group`` key and at most `MAX_BATCH` members. Greedy interval stabbing by first use."""
    by_key: dict[Hashable, list[Expr]] = {}
    for b in bases:
        by_key.setdefault(group(b) if group is not None else None, []).append(b)
    out: list[list[Expr]] = []
    for members in by_key.values():
        members.sort(key=lambda b: (first_use[b], ready[b]))
        current: list[Expr] = []
        point = -2
        for b in members:
            if current and ready[b] <= point and len(current) < MAX_BATCH:
                current.append(b)
                continue
            if current:
                out.append(current)
            current, point = [b], first_use[b] - 1
        out.append(current)
    return out


def _inversion(bases: list[Expr], recip: dict, rewrite: Callable[[Expr], Expr],
               fresh: Callable[[], Symbol]) -> Temps:
    """Statements defining ``recip[b] = 1/b`` for each of ``bases`` with one division."""
    if len(bases) == 1:
        (b,) = bases
        return [(recip[b], Pow(rewrite(b), -1))]
    stmts: Temps = []
    names = []
    for b in bases:                       # a compound denominator is used twice: name it
        value = rewrite(b)
        if isinstance(value, (Symbol, Indexed)):
            names.append(value)
        else:
            s = fresh()
            stmts.append((s, value))
            names.append(s)
    prefix = [names[0]]
    for d in names[1:]:
        s = fresh()
        stmts.append((s, Mul(prefix[-1], d)))
        prefix.append(s)
    inv = fresh()
    stmts.append((inv, Pow(prefix[-1], -1)))
    for j in range(len(bases) - 1, 0, -1):
        stmts.append((recip[bases[j]], Mul(inv, prefix[j - 1])))
        if j > 1:
            nxt = fresh()
            stmts.append((nxt, Mul(inv, names[j])))
            inv = nxt
        else:
            stmts.append((recip[bases[0]], Mul(inv, names[j])))
    return stmts


def _division_count(e: Expr) -> int:
    return sum(1 for node in preorder_traversal(e) if _divides(node))


def _divides(node: Expr) -> bool:
    """``d**-n`` for a positive integer n and a non-constant d."""
    return isinstance(node, Pow) and isinstance(node.exp, Integer) and node.exp < 0 \
        and bool(node.base.free_symbols)
