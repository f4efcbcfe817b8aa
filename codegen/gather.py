"""Scatter-to-gather: turn ``out[k + s_t] += v_t(k)`` terms into one write per output entry.

A derivative of a shifted template scatters into several neighbours per iteration, which keeps
compilers from vectorizing and threads from sharing the loop. Over the range of j where every
term is defined, ``out[j] = sum_t v_t(j - s_t)`` writes each entry once (SIMD- and
prange-friendly); the few leftover iterations at the ends stay scatter loops.
"""
from __future__ import annotations

import sympy
from sympy import Integer, Symbol

from .lower import Output


def _shift(o: Output):
    """(array, base, loop, shift) when ``o`` writes ``base + k + shift`` over one loop k."""
    if not o.accumulate or len(o.loops) != 1:
        return None
    k, lo, hi = o.loops[0]
    if sympy.diff(o.index, k) != 1:
        return None
    rest = sympy.expand(o.index - k)
    base = rest.func(*[a for a in sympy.Add.make_args(rest) if not a.is_Integer]) \
        if not rest.is_Integer else Integer(0)
    shift = sympy.expand(rest - base)
    if not shift.is_Integer or base.free_symbols:
        return None
    return o.array, base, (k, int(lo), int(hi)), int(shift)


def gather(outputs: list[Output]) -> list[Output]:
    """Rewrite groups of shifted scatter terms into a gather loop plus short edge loops."""
    groups: dict = {}
    rest = []
    for o in outputs:
        info = _shift(o)
        if info is None:
            rest.append(o)
        else:
            groups.setdefault((info[0], info[1]), []).append((o, info))
    out = list(rest)
    for (array, base), members in groups.items():
        if len(members) < 2:
            out.extend(o for o, _ in members)
            continue
        j_lo = max(lo + s for _, (_, _, (_, lo, _), s) in members)
        j_hi = min(hi + s for _, (_, _, (_, _, hi), s) in members)
        if j_hi - j_lo < 16:
            out.extend(o for o, _ in members)
            continue
        j = Symbol("_gather", integer=True)
        total = sympy.Add(*[o.value.xreplace({k: j - s}) for o, (_, _, (k, _, _), s) in members])
        out.append(Output(array, base + j, total, ((j, Integer(j_lo), Integer(j_hi)),)))
        for o, (_, _, (k, lo, hi), s) in members:
            for a, b in ((lo, j_lo - s - 1), (j_hi - s + 1, hi)):
                if a <= b:
                    out.append(Output(o.array, o.index, o.value, ((k, Integer(a), Integer(b)),)))
    return out
