"""Scatter-to-gather: turn ``out[a*k + s_t] += v_t(k)`` terms into one write per output entry.

A derivative of a shifted template scatters into several neighbours per iteration, which keeps
compilers from vectorizing and threads from sharing the loop. Over the range of j where every
term is defined, ``out[a*j + r] = sum_t v_t(j - q_t)`` (with ``s_t = a*q_t + r``) writes each
entry once (SIMD- and prange-friendly); the few leftover iterations at the ends stay scatter
loops. Strided templates (``x[0::2]``, ``x[1::2]``, ``x[2::2]``) group by residue ``r``.
"""
from __future__ import annotations

import sympy
from sympy import Integer, Symbol

from .lower import Output


def _shift(o: Output):
    """(array, base, loop, shift, step) when ``o`` writes ``base + step*k + shift`` over a loop k."""
    if not o.accumulate or len(o.loops) != 1:
        return None
    k, lo, hi = o.loops[0]
    step = sympy.diff(o.index, k)
    if not step.is_Integer or step < 1:
        return None
    rest = sympy.expand(o.index - step * k)
    base = rest.func(*[a for a in sympy.Add.make_args(rest) if not a.is_Integer]) \
        if not rest.is_Integer else Integer(0)
    shift = sympy.expand(rest - base)
    if not shift.is_Integer or base.free_symbols:
        return None
    return o.array, base, (k, int(lo), int(hi)), int(shift), int(step)


def gather(outputs: list[Output]) -> list[Output]:
    """Rewrite groups of shifted scatter terms into a gather loop plus short edge loops."""
    groups: dict = {}
    rest = []
    for o in outputs:
        info = _shift(o)
        if info is None:
            rest.append(o)
            continue
        array, base, loop, shift, step = info
        groups.setdefault((array, base, step, shift % step), []).append(
            (o, loop, shift // step))
    out = list(rest)
    for (array, base, step, residue), members in groups.items():
        if len(members) < 2:
            out.extend(o for o, _, _ in members)
            continue
        j_lo = max(lo + q for _, (_, lo, _), q in members)
        j_hi = min(hi + q for _, (_, _, hi), q in members)
        if j_hi - j_lo < 16:
            out.extend(o for o, _, _ in members)
            continue
        j = Symbol("_gather", integer=True)
        total = sympy.Add(*[o.value.xreplace({k: j - q}) for o, (k, _, _), q in members])
        out.append(Output(array, base + step * j + residue, total,
                          ((j, Integer(j_lo), Integer(j_hi)),)))
        for o, (k, lo, hi), q in members:
            for a, b in ((lo, j_lo - q - 1), (j_hi - q + 1, hi)):
                if a <= b:
                    out.append(Output(o.array, o.index, o.value, ((k, Integer(a), Integer(b)),)))
    return out
