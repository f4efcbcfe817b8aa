"""Shared reciprocals after CSE: one division per divisor, multiplications for every use.

A division costs about eight multiplications (`cost` table). Derivatives of quotients divide
many terms by the same denominator and its powers (``a/d``, ``b/d**2``, ``c/d**3``), which
SymPy cannot write as products with one reciprocal: ``a*(1/d)**2`` evaluates back to
``a/d**2``, and `sympy.cse` shares ``1/d`` only between identical powers. This pass works on
CSE's output instead: each non-constant base ``d`` that is divided by in two or more places, or
by a power ``d**n`` with n >= 2, gets one temporary ``r = 1/d`` and its uses become ``a*r``,
``b*r**2``. ``a/d`` and ``a*(1/d)`` differ by one rounding.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Iterator, Sequence

from sympy import Expr, Integer, Pow, Symbol, preorder_traversal

Temps = list[tuple[Symbol, Expr]]


def share_reciprocals(temps: Sequence[tuple[Symbol, Expr]], reduced: Sequence[Expr],
                      names: Iterator[Symbol] | Callable[[], Symbol]) -> tuple[Temps, list[Expr]]:
    """``(temps, reduced)`` (as `sympy.cse` returns them) with shared reciprocals; new
    temporaries take their names from ``names`` and come right after their base's own.

    >>> import sympy
    >>> a, b, d = sympy.symbols("a b d")
    >>> temps, out = share_reciprocals([], [a / d, b / d**2], sympy.numbered_symbols("r"))
    >>> temps, out
    ([(r0, 1/d)], [a*r0, b*r0**2])
    """
    fresh = names if callable(names) else (lambda it=names: next(it))
    exprs = [e for _, e in temps] + list(reduced)
    uses: Counter = Counter()
    deepest: dict = {}
    found: set = set()
    for e in exprs:
        for node in preorder_traversal(e):
            if _divides(node):
                found.add(node)
                uses[node.base] += 1
                deepest[node.base] = max(deepest.get(node.base, 1), int(-node.exp))
    bases = [b for b in uses if uses[b] >= 2 or deepest[b] >= 2]
    if not bases:
        return list(temps), list(reduced)
    recip = {b: fresh() for b in bases}

    to_products = {n: recip[n.base] ** int(-n.exp) for n in found if n.base in recip}

    def rewrite(e: Expr) -> Expr:
        return e.xreplace(to_products)     # outermost first: a base holding a division stays

    defined = {s: k for k, (s, _) in enumerate(temps)}
    after: dict[int, list[Symbol]] = {}
    for b, r in recip.items():
        needs = [defined[s] for s in b.free_symbols if s in defined]
        after.setdefault(max(needs, default=-1), []).append(b)
    out: Temps = [(recip[b], Pow(rewrite(b), -1)) for b in after.get(-1, [])]
    for k, (s, e) in enumerate(temps):
        out.append((s, rewrite(e)))
        out += [(recip[b], Pow(rewrite(b), -1)) for b in after.get(k, [])]
    return out, [rewrite(e) for e in reduced]


def _divides(node: Expr) -> bool:
    """``d**-n`` for a positive integer n and a non-constant d."""
    return isinstance(node, Pow) and isinstance(node.exp, Integer) and node.exp < 0 \
        and bool(node.base.free_symbols)
