"""Numba driver of the pseudo-spectral right-hand side: products on shifted grids, no padding.

What: padding a spectrum from n to 2n points (the 1/2 rule that dealiases cubic terms) and
transforming back is the same as evaluating the field on the n-point grid and on the grid shifted
by half a cell: with padded index p = 2m + s (s = 0, 1) and signed wave number k,

    u(x_p) = 1/n Σ_k [û_k e^{iπks/n}] e^{2πikm/n},
    Σ_p f(x_p) e^{-2πikp/2n} = Σ_s e^{-iπks/n} Σ_m f(x_{2m+s}) e^{-2πikm/n},

per axis: the first radix-2 decimation-in-time step of the 2n-point transforms (Cooley & Tukey
1965) taken out of the FFT, so that the zero half is never transformed; the two grids are those
of phase-shift dealiasing (Patterson & Orszag 1971). So every product is computed on 2^d shifted
n-point grids: one batched n-point transform each way instead of a 2^d-times-larger one, no
zero half and no copies in and out of it. The state-to-grid step (derivative multipliers, shift twiddles, 1/n), the pointwise
nonlinearity (reading the transform's complex output in place as interleaved real/imaginary
pairs) and the grid-to-state step (twiddles, the Hermitian part of real fields, + L y) are each one
Numba loop; the two transforms are pocketfft's batched ``c2c`` into buffers allocated once per
module (so a module's ``rhs`` is not re-entrant from several threads at once). Unpadded grids
(``dealias=n``) are the case of one shift. Other padding ratios keep the generic driver.

Why: the transforms of the padded grid, the zero-filled copies around them and a dozen small
NumPy calls took 20.4 us per 512-point NLS right-hand side; this layout gives the same values
(to rounding) in 12.9 us (benchmarks/README.md, PDE section).
"""
from __future__ import annotations

import numpy as np
import sympy
from sympy import Indexed, Integer, Symbol

from symbolic.arrays import ArrayVariable

from .ir import Kernel, View
from .lower import Lowerer, Output
from .single_writes import single_writes


def shift_ratios(plan) -> tuple[int, ...] | None:
    """Points per cell per axis (1: unpadded, 2: padded to 2n), or None for other paddings."""
    ratios = tuple(m // n if m % n == 0 else 0 for n, m in zip(plan.shape, plan.padded))
    return ratios if all(r in (1, 2) for r in ratios) else None


def term_groups(plan) -> list[tuple[int, tuple, list]]:
    """(state offset, derivative orders, [(placeholder, part)]) per transform of the products.

    The real and imaginary placeholders of one complex term are adjacent in the split's terms
    and share one transform.
    """
    groups: list = []
    for sym, term in plan.split.terms.items():
        key = (plan.state_offset(term.field, term.level), term.orders)
        part = 1 if term.part == "imag" else 0
        if groups and groups[-1][:2] == key:
            groups[-1][2].append((sym, part))
        else:
            groups.append((*key, [(sym, part)]))
    return groups


def pointwise_kernel(plan, ratios: tuple[int, ...]) -> Kernel:
    """N of every field at every point of the shifted grids, read from ``_w``.

    ``_w`` is the complex transform output of every group viewed as floats: group g's value at
    shift s and point m is ``_w[g, s, m, 0]`` (real part) and ``[..., 1]`` (imaginary part).
    The output holds each field's values in the same (shift, point) order.
    """
    shape, nd = plan.shape, len(plan.shape)
    block = tuple(ratios) + tuple(shape)
    npts = int(np.prod(block))
    shifts = tuple(Symbol(f"_s{a}", integer=True) for a in range(nd))
    points = tuple(Symbol(f"_g{a}", integer=True) for a in range(nd))
    loops = tuple((s, Integer(0), Integer(r - 1)) for s, r in zip(shifts, ratios)) + \
        tuple((i, Integer(0), Integer(n - 1)) for i, n in zip(points, shape))
    idx = shifts + points
    views, placeholders = [], {}
    for g, (_, _, members) in enumerate(term_groups(plan)):
        array = ArrayVariable(f"_q{g}", block + (2,))
        views.append(View(array.name, "_w", 2 * g * npts, block + (2,)))
        for sym, part in members:
            placeholders[sym] = Indexed(array, *idx, part)
    coords = {}
    for a, (axis, n, r) in enumerate(zip(plan.pde.domain.axes, shape, ratios)):
        coords[axis.symbol] = axis.lower + (axis.upper - axis.lower) / (r * n) * \
            (r * points[a] + shifts[a])
    strides = np.cumprod((1,) + block[::-1])[::-1][1:]
    flat = sympy.Add(*[int(s) * i for s, i in zip(strides, idx)])
    outs = []
    for k, ev in enumerate(plan.evolutions):
        body = plan.split.nonlinear[ev.field].xreplace(placeholders).xreplace(coords)
        if body != 0:
            outs.append(Output("_out", k * npts + flat, body, loops, accumulate=False))
    low = Lowerer(plan.simplify)
    low.outputs(outs)
    params = [(p.name, "scalar") for p in plan.pde.parameters]
    return single_writes(Kernel("pointwise", [("_w", "array"), ("t", "scalar")] + params, views,
                                [("_out", len(plan.evolutions) * npts)], low.root.stmts, None,
                                plan.complex_fields))


RUNTIME = '''
@numba.njit(cache=True, nogil=True)
def _spread(y, offsets, coefficients, out):
    """out[g, s, k] = y[offsets[g] + k] * coefficients[g, s, k] (multiplier, twiddle, 1/n)."""
    groups, shifts, n = coefficients.shape
    for g in range(groups):
        for s in range(shifts):
            base = (g * shifts + s) * n
            for k in range(n):
                out[base + k] = y[offsets[g] + k] * coefficients[g, s, k]


@numba.njit(cache=True, nogil=True)
def _gather(spec, fold, real, mirror, lin, y, linear):
    """Per field f: sum_s fold[s, k] spec[f, s, k] (fold: conjugate twiddle / shifts), the
    Hermitian part for real fields, plus lin * y when ``linear``."""
    shifts, n = fold.shape
    out = numpy.empty(real.size * n, dtype=numpy.complex128)
    for f in range(real.size):
        base = f * shifts * n
        for k in range(n):
            acc = fold[0, k] * spec[base + k]
            for s in range(1, shifts):
                acc += fold[s, k] * spec[base + s * n + k]
            out[f * n + k] = acc
        if real[f]:
            part = out[f * n:(f + 1) * n].copy()
            for k in range(n):
                out[f * n + k] = 0.5 * (part[k] + part[mirror[k]].conjugate())
        if linear:
            for k in range(n):
                out[f * n + k] += lin[f * n + k] * y[f * n + k]
    return out
'''


def driver_lines(plan, ratios: tuple[int, ...], params: str) -> list[str]:
    """Module-level buffers and twiddles, ``_products`` and the numba ``nonlinear``/``rhs``."""
    shape, nd = plan.shape, len(plan.shape)
    groups = term_groups(plan)
    nshift = int(np.prod(ratios))
    batch = tuple(ratios) + tuple(shape)
    padded = any(r > 1 for r in ratios)
    axes = tuple(range(1 + nd, 1 + 2 * nd))
    lines = [f"_RATIOS = {tuple(ratios)!r}", f"_BATCH_AXES = {axes!r}",
             "_KS = numpy.meshgrid(*[numpy.fft.fftfreq(n, 1.0 / n) for n in _SHAPE], "
             "indexing='ij')",
             "_TWIDDLES = numpy.stack([numpy.exp(1j * numpy.pi * sum(k * s / n for k, s, n in "
             "zip(_KS, shift, _SHAPE))) for shift in numpy.ndindex(*_RATIOS)])"]
    if padded:       # the Nyquist mode has no partner that keeps a padded real field real
        lines.append("_TWIDDLES *= numpy.all([numpy.abs(k) != n // 2 for k, n in "
                     "zip(_KS, _SHAPE)], axis=0)")
    lines += [f"_TWIDDLES = _TWIDDLES.reshape({nshift}, _SIZE)",
              f"_FOLD = numpy.ascontiguousarray(_TWIDDLES.conj() / {nshift})",
              f"_OFFSETS = numpy.array({[g[0] for g in groups]!r}, dtype=numpy.int64)",
              f"_SPREAD = numpy.empty(({len(groups)}, {nshift}, _SIZE), dtype=complex)"]
    for g, (_, orders, _) in enumerate(groups):
        mult = f"_multiplier({orders}).reshape(1, _SIZE) * " if any(orders) else ""
        lines.append(f"_SPREAD[{g}] = {mult}_TWIDDLES / _SIZE")
    direct = nshift == 1 and len(groups) == 1 and not any(groups[0][1])
    real = [ev.field.dtype is not complex for ev in plan.evolutions]
    grid_shape = (len(groups),) + batch
    spectra_shape = (len(plan.evolutions),) + batch
    lines += [f"_REAL = numpy.array({real!r})",
              f"_GRID = numpy.zeros({grid_shape!r}, dtype=complex)",
              "_GRID_FLAT = _GRID.reshape(-1)",
              "_VALUES = numpy.empty_like(_GRID)",
              f"_SPECTRA = numpy.empty({spectra_shape!r}, dtype=complex)",
              "_SPECTRA_FLAT = _SPECTRA.reshape(-1)",
              "_W = _VALUES.reshape(-1).view(numpy.float64)",
              "", f"def _products(_y, {params}):",
              "    \"\"\"The products' spectra on every shifted grid, into _SPECTRA.\"\"\"",
              # one unpadded field without derivatives: transform the state slice itself
              f"    _c2c(_y[{groups[0][0]}:{groups[0][0] + plan.size}].reshape({grid_shape!r}), "
              f"_BATCH_AXES, False, 2, _VALUES)" if direct else
              "    _spread(_y, _OFFSETS, _SPREAD, _GRID_FLAT)\n"
              "    _c2c(_GRID, _BATCH_AXES, False, 0, _VALUES)",
              f"    _c2c(pointwise(_W, {params}).reshape({spectra_shape!r}), _BATCH_AXES, True, 0, "
              f"_SPECTRA)"]
    lines += ["", f"def nonlinear(_y, {params}):",
              "    \"\"\"N(y): spectra -> shifted grids -> pointwise kernel -> spectra.\"\"\"",
              f"    _products(_y, {params})",
              "    return _gather(_SPECTRA_FLAT, _FOLD, _REAL, _MIRROR, LINEAR, _y, False)"]
    nf = plan.size * len(plan.evolutions)
    lines += ["", f"def rhs(_y, {params}):"]
    if plan.levels == 2:
        lines.append(f"    return numpy.concatenate([_y[{nf}:], LINEAR * _y[:{nf}] + "
                     f"nonlinear(_y, {params})])")
    else:
        lines += [f"    _products(_y, {params})",
                  "    return _gather(_SPECTRA_FLAT, _FOLD, _REAL, _MIRROR, LINEAR, _y, True)"]
    return lines
