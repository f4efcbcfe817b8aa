"""Which top-level loops may run as ``numba.prange``: no two iterations write the same place.

Writes are affine in the loop indices. A loop is safe when each write statement is injective in
the loop's index (its coefficient exceeds the spread of the rest of the index) and the position
ranges of different statements on one array do not overlap (or they write the same position).
Reductions into scalars are left to numba's prange reduction support.
"""
from __future__ import annotations

import sympy
from sympy import Expr

from .ir import AddTo, Assign, Loop, ScatterAdd, Store

PARALLEL_MIN_TRIPS = 1 << 15


def _writes(stmts: list, ranges: dict, out: list) -> None:
    for st in stmts:
        if isinstance(st, Loop):
            _writes(st.body, {**ranges, st.index: (int(st.start), int(st.stop) - 1)}, out)
        elif isinstance(st, (ScatterAdd, Store)):
            out.append((st.array, sympy.expand(st.index), ranges))


def _interval(expr: Expr, ranges: dict) -> tuple[int, int] | None:
    """Bounds of an affine integer expression over box ranges (None if not affine)."""
    lo = hi = 0
    poly = sympy.Poly(expr, *ranges.keys()) if ranges else None
    if poly is not None and poly.total_degree() > 1:
        return None
    for s, (a, b) in ranges.items():
        c = expr.coeff(s)
        if not c.is_Integer:
            return None
        lo += min(c * a, c * b)
        hi += max(c * a, c * b)
    const = expr.subs({s: 0 for s in ranges})
    if not const.is_Integer:
        return None
    return int(lo + const), int(hi + const)


def parallel_safe(loop: Loop) -> bool:
    """Whether iterations of a top-level loop write disjoint positions of every output."""
    trips = int(loop.stop) - int(loop.start)
    if trips < PARALLEL_MIN_TRIPS or _has_outer_accumulation(loop):
        return False
    writes: list = []
    _writes([loop], {}, writes)
    spans = []
    for array, index, ranges in writes:
        j = loop.index
        coeff = index.coeff(j)
        rest = {s: r for s, r in ranges.items() if s != j}
        rest_span = _interval(index - coeff * j, rest)
        full = _interval(index, ranges)
        if not coeff.is_Integer or coeff == 0 or rest_span is None or full is None:
            return False
        if abs(int(coeff)) <= rest_span[1] - rest_span[0]:
            return False
        spans.append((array, index, full, int(coeff), rest_span))
    for a, (arr1, idx1, (lo1, hi1), c1, r1) in enumerate(spans):
        for arr2, idx2, (lo2, hi2), c2, r2 in spans[a + 1:]:
            if arr1 != arr2 or idx1 == idx2 or hi2 < lo1 or hi1 < lo2:
                continue
            # same stride, and one iteration's writes of both fit in one stride: iterations
            # write disjoint blocks (x[2j] and x[2j + 1])
            if c1 == c2 and max(r1[1], r2[1]) - min(r1[0], r2[0]) < abs(c1):
                continue
            return False
    return True


def _has_outer_accumulation(loop: Loop) -> bool:
    """A reduction into an outer accumulator is only safe directly in the prange body."""
    private = {st.target for st in _all(loop.body) if isinstance(st, Assign)}
    nested = [st for inner in loop.body if isinstance(inner, Loop) for st in _all(inner.body)]
    return any(isinstance(st, AddTo) and st.target not in private for st in nested)


def _all(stmts: list):
    for st in stmts:
        yield st
        if isinstance(st, Loop):
            yield from _all(st.body)
