"""Outputs written once: ``out[i] += v`` becomes ``out[i] = v`` where no position is written twice.

After the scatter-to-gather rewrite most derivative kernels write every output entry exactly once.
Proving it (affine positions, injective over each loop nest, disjoint between statements) lets the
emitters store instead of read-modify-write, and skip zero-filling an output whose entries are
all stored: the difference between ``np.zeros`` + ``+=`` and ``np.empty`` + ``=`` in a
memory-bound kernel.
"""
from __future__ import annotations

from dataclasses import replace
from math import gcd

import sympy
from sympy import Expr

from .ir import Kernel, Loop, ScatterAdd, Store

# first position, last position, count, gcd of the index's coefficients (0 for a single point)
Image = tuple[int, int, int, int]


def single_writes(kernel: Kernel) -> Kernel:
    """``kernel`` with provably single writes as stores and fully stored outputs marked filled."""
    sizes = dict(kernel.outputs)
    writes: dict[str, list] = {name: [] for name in sizes}
    if not _collect(kernel.body, {}, writes):
        return kernel
    stores, filled = set(), set()
    for name, found in writes.items():
        images = [_image(index, ranges) for index, ranges in found]
        if any(im is None for im in images):
            continue
        spans = [im for im in images if im[2] > 0]
        if not all(_disjoint(a, b) for k, a in enumerate(spans) for b in spans[k + 1:]):
            continue
        stores.add(name)
        # disjoint sets inside [0, size) whose sizes add up to size cover every position
        if (sum(im[2] for im in spans) == sizes[name]
                and all(im[0] >= 0 and im[1] < sizes[name] for im in spans)):
            filled.add(name)
    if not stores:
        return kernel
    return replace(kernel, body=_as_stores(kernel.body, stores),
                   filled_outputs=frozenset(filled))


def _disjoint(a: Image, b: Image) -> bool:
    """Whether two images share no position: separate ranges, or different residues.

    Every position of an image is congruent to its first one modulo the gcd of its coefficients,
    so interleaved strided writes (``2k`` and ``2k + 1``) are disjoint although their ranges
    overlap.
    """
    if a[1] < b[0] or b[1] < a[0]:
        return True
    g = gcd(a[3], b[3])
    return g > 1 and (a[0] - b[0]) % g != 0


def _collect(stmts: list, ranges: dict, writes: dict) -> bool:
    """Positions written to each output with the box of their loop indices; False if not boxes."""
    for st in stmts:
        if isinstance(st, Loop):
            if not (sympy.sympify(st.start).is_Integer and sympy.sympify(st.stop).is_Integer):
                return False
            inner = {**ranges, st.index: (int(st.start), int(st.stop) - 1)}
            if not _collect(st.body, inner, writes):
                return False
        elif isinstance(st, (ScatterAdd, Store)) and st.array in writes:
            writes[st.array].append((sympy.expand(sympy.sympify(st.index)), ranges))
    return True


def _image(index: Expr, ranges: dict) -> Image | None:
    """Positions of an affine index over a box, if it hits each position at most once."""
    if any(hi < lo for lo, hi in ranges.values()):
        return 0, -1, 0, 0
    live = {s: r for s, r in ranges.items() if r[1] > r[0]}
    fixed = {s: sympy.Integer(r[0]) for s, r in ranges.items() if r[1] == r[0]}
    index = index.xreplace(fixed)
    if index.free_symbols - set(live):
        return None
    if live and sympy.Poly(index, *live).total_degree() > 1:
        return None
    coeffs = []
    for s, (lo, hi) in live.items():
        c = index.coeff(s)
        if not c.is_Integer or c == 0:
            return None
        coeffs.append((abs(int(c)), hi - lo, int(c) * lo, int(c) * hi))
    const = index.xreplace({s: sympy.Integer(0) for s in live})
    if not const.is_Integer:
        return None
    reach, count = 0, 1
    for c, span, _, _ in sorted(coeffs):
        if c <= reach:
            return None
        reach += c * span
        count *= span + 1
    first = int(const) + sum(min(a, b) for _, _, a, b in coeffs)
    last = int(const) + sum(max(a, b) for _, _, a, b in coeffs)
    return first, last, count, gcd(*(c for c, _, _, _ in coeffs)) if coeffs else 0


def _as_stores(stmts: list, arrays: set) -> list:
    out = []
    for st in stmts:
        if isinstance(st, Loop):
            out.append(Loop(st.index, st.start, st.stop, _as_stores(st.body, arrays)))
        elif isinstance(st, ScatterAdd) and st.array in arrays:
            out.append(Store(st.array, st.index, st.value))
        else:
            out.append(st)
    return out
