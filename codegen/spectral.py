"""Fourier pseudo-spectral kernels: a pointwise nonlinearity kernel inside an FFT driver.

The state holds each field's Fourier coefficients (then, for second-order fields, those of
its time derivative). The generated module defines ``linear`` (the diagonal of L), ``nonlinear``
(pad → inverse FFT → pointwise kernel → FFT → truncate), ``rhs = linear * y + nonlinear(y)``,
``fields`` (physical snapshots) and the monitors; it imports only numpy (and numba or jax).
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import sympy
from sympy import Indexed, Integer, Symbol

from symbolic.arrays import ArrayVariable
from symbolic.pde.pde import DomainIntegral
from symbolic.pde.spectral import padded_points, spectral_split, wavenumbers, with_placeholders

from .build import DECORATORS, load_module, module_source
from .emit_loops import emit_loops
from .emit_vector import emit_vector
from .ir import Kernel, View
from .lower import Lowerer, Output
from .nlp import PARALLEL
from .printers import NumPyVectorPrinter


def _grid_loops(shape):
    idx = tuple(Symbol(f"_g{a}", integer=True) for a in range(len(shape)))
    return idx, tuple((i, Integer(0), Integer(n - 1)) for i, n in zip(idx, shape))


def _flat(idx, shape):
    strides = np.cumprod((1,) + tuple(shape)[::-1])[::-1][1:]
    return sympy.Add(*[int(s) * i for s, i in zip(strides, idx)])


class SpectralPlan:
    """Shapes, state layout and the kernels' IR of a pseudo-spectral discretization."""

    def __init__(self, pde, dealias: int | None = None):
        self.pde = pde
        self.split = spectral_split(pde)
        dom = pde.domain
        self.shape = dom.shape
        self.padded = tuple(padded_points(n, self.split.degree, dealias) for n in self.shape)
        self.size = int(np.prod(self.shape))
        self.evolutions = pde.evolutions
        self.second_order = [ev.order == 2 for ev in pde.evolutions]
        if any(self.second_order) and not all(self.second_order):
            raise NotImplementedError("mixing first- and second-order-in-time fields is not "
                                      "supported by the spectral discretization yet")
        self.levels = 2 if all(self.second_order) else 1
        self.complex_fields = any(ev.field.dtype is complex for ev in pde.evolutions) or any(
            n.has(sympy.I) for n in self.split.nonlinear.values())
        self.monitor_terms: dict = {}
        self.monitor_exprs = {name: self._monitor(m) for name, m in pde.monitors.items()}

    def state_offset(self, field, level: int) -> int:
        k = [ev.field for ev in self.evolutions].index(field)
        return (level * len(self.evolutions) + k) * self.size

    def _monitor(self, expr):
        rule = {}
        for integ in expr.atoms(DomainIntegral):
            body = with_placeholders(integ.args[0], self.pde, self.monitor_terms)
            rule[integ] = ("integral", body)
        return expr, rule

    def pointwise_kernel(self) -> Kernel:
        """N of every field at every padded grid point, from the physical arrays in ``_w``."""
        terms = self.split.terms
        views, off = [], 0
        for sym in terms:
            views.append(View(sym.name, "_w", off, self.padded))
            off += int(np.prod(self.padded))
        idx, loops = _grid_loops(self.padded)
        outs = []
        arrays = {sym: ArrayVariable(sym.name, self.padded) for sym in terms}
        for k, ev in enumerate(self.evolutions):
            body = self.split.nonlinear[ev.field].xreplace(
                {s: Indexed(a, *idx) for s, a in arrays.items()})
            body = body.xreplace(self._coords(idx, self.padded))
            if body != 0:
                outs.append(Output("_out", k * int(np.prod(self.padded)) + _flat(idx, self.padded),
                                   body, loops, accumulate=False))
        low = Lowerer()
        low.outputs(outs)
        params = [(p.name, "scalar") for p in self.pde.parameters]
        return Kernel("pointwise", [("_w", "array"), ("t", "scalar")] + params, views,
                      [("_out", len(self.evolutions) * int(np.prod(self.padded)))],
                      low.root.stmts, None, self.complex_fields)

    def monitor_kernels(self) -> dict:
        """One scalar kernel per monitor: a sum over the (unpadded) grid times the cell volume."""
        terms = self.monitor_terms
        views = [View(sym.name, "_w", k * self.size, self.shape) for k, sym in enumerate(terms)]
        arrays = {sym: ArrayVariable(sym.name, self.shape) for sym in terms}
        idx, loops = _grid_loops(self.shape)
        out = {}
        params = [(p.name, "scalar") for p in self.pde.parameters]
        for k, (name, (expr, rule)) in enumerate(self.monitor_exprs.items()):
            subs = {}
            for integ, (_, body) in rule.items():
                val = body.xreplace({s: Indexed(a, *idx) for s, a in arrays.items()})
                val = val.xreplace(self._coords(idx, self.shape))
                subs[integ] = sympy.Sum(val * self.pde.domain.cell_volume, *loops)
            low = Lowerer()
            value = low.result(expr.xreplace(subs))
            out[name] = Kernel(f"monitor_{k}", [("_w", "array"), ("t", "scalar")] + params, views,
                               [], low.root.stmts, value, self.complex_fields)
        return out

    def _coords(self, idx, shape) -> dict:
        out = {}
        for a, (axis, n) in enumerate(zip(self.pde.domain.axes, shape)):
            out[axis.symbol] = axis.lower + (axis.upper - axis.lower) / n * idx[a]
        return out


def _terms_table(terms: dict, plan: SpectralPlan) -> list:
    """(state offset, derivative orders, parts) per transform, in the order of ``terms``.

    The real and imaginary placeholders of one complex term are adjacent in ``terms`` and
    share one inverse transform.
    """
    table: list = []
    for t in terms.values():
        part = t.part if t.part != "value" else "real"
        key = (plan.state_offset(t.field, t.level), t.orders)
        if table and table[-1][:2] == key:
            table[-1][2].append(part)
        else:
            table.append((*key, [part]))
    return table


def driver_source(plan: SpectralPlan, backend: str) -> str:
    """The FFT driver: multipliers, padding, transforms, and the kernels' glue."""
    xp = "jax.numpy" if backend == "jax" else "numpy"
    dom = plan.pde.domain
    printer = NumPyVectorPrinter()
    ks = wavenumbers(dom.ndim)
    lines = [f"_SHAPE = {plan.shape}", f"_PADDED = {plan.padded}", f"_SIZE = {plan.size}",
             f"_FIELDS = {len(plan.evolutions)}", f"_LEVELS = {plan.levels}",
             "_K = numpy.meshgrid(" + ", ".join(
                 f"2 * numpy.pi / {float(a.length)!r} * numpy.fft.fftfreq({a.points}, "
                 f"1.0 / {a.points})" for a in dom.axes) + ", indexing='ij')"]
    for a, k in enumerate(ks):
        lines.append(f"{k.name} = _K[{a}]")
    lin = []
    for ev in plan.evolutions:
        mult = plan.split.linear[ev.field]
        text = printer.doprint(mult) if mult != 0 else "0"
        lin.append(f"numpy.broadcast_to(numpy.asarray({text}, dtype=complex), _SHAPE).ravel()")
    lines.append("LINEAR = numpy.concatenate([" + ", ".join(lin) + "])")
    # real multipliers stay real: exp(h L) and the ETDRK4 coefficients then map Hermitian
    # spectra (real fields) to exactly Hermitian spectra
    lines.append("LINEAR = LINEAR.real.copy() if not numpy.any(LINEAR.imag) else LINEAR")
    real = [k for k, ev in enumerate(plan.evolutions) if ev.field.dtype is not complex]
    lines += [f"_REAL_FIELDS = {tuple(real)!r}",
              "_MIRROR = numpy.arange(_SIZE).reshape(_SHAPE)[numpy.ix_(*[(-numpy.arange(n)) % n "
              "for n in _SHAPE])].ravel()",
              "",
              "def hermitian(spec):",
              "    \"\"\"The Hermitian part (c_k + conj(c_-k))/2: exactly the spectrum of a real field."
              "\"\"\"",
              f"    return 0.5 * (spec + {xp}.conj(spec[_MIRROR]))", ""]
    lines += [
        "",
        "def _keep(n, m):",
        "    src = numpy.concatenate([numpy.arange(0, n // 2), numpy.arange(n // 2 + 1, n)])",
        "    dst = numpy.concatenate([numpy.arange(0, n // 2), numpy.arange(m - n + n // 2 + 1, m)])",
        "    return src, dst",
        "",
        "_SRC, _DST = zip(*[_keep(n, m) for n, m in zip(_SHAPE, _PADDED)])",
        "_SRC, _DST = numpy.ix_(*_SRC), numpy.ix_(*_DST)",
        "_SCALE = float(numpy.prod(_PADDED)) / float(numpy.prod(_SHAPE))",
        "",
        "def _multiplier(orders):",
        "    out = numpy.ones(_SHAPE, dtype=complex)",
        "    for a, o in enumerate(orders):",
        "        if o:",
        "            k = _K[a].copy()",
        "            if o % 2:",
        "                k[numpy.abs(k) == numpy.abs(k).max()] = 0.0",
        "            out = out * (1j * k) ** o",
        "    return out",
        ""]
    setter = ("    full = full.at[_DST].set(spec[_SRC])" if backend == "jax" else
              "    full[_DST] = spec[_SRC]")
    lines += ["def _parts(values, parts):",
              "    return [(values.real if p == 'real' else values.imag).ravel() for p in parts]",
              "",
              "def _to_physical(spec, parts):",
              f"    full = {xp}.zeros(_PADDED, dtype=complex)", setter,
              f"    return _parts({xp}.fft.ifftn(full) * _SCALE, parts)", "",
              "def _to_spectral(values):",
              f"    spec = {xp}.fft.fftn(values) / _SCALE",
              f"    out = {xp}.zeros(_SHAPE, dtype=complex)",
              ("    return out.at[_SRC].set(spec[_DST])" if backend == "jax" else
               "    out[_SRC] = spec[_DST]\n    return out"), ""]
    for name, table in (("nonlinear", _terms_table(plan.split.terms, plan)),
                        ("physical", _terms_table(plan.monitor_terms, plan))):
        lines.append(f"_{name.upper()}_TERMS = [" + ", ".join(
            f"({off}, _multiplier({orders}), {tuple(parts)!r})" for off, orders, parts in table)
            + "]")
    params = ", ".join(["t"] + [p.name for p in plan.pde.parameters])
    lines += [
        "",
        f"def nonlinear(_y, {params}):",
        "    parts = [a for o, m, r in _NONLINEAR_TERMS "
        "for a in _to_physical(_y[o:o + _SIZE].reshape(_SHAPE) * m, r)]",
        f"    w = {xp}.concatenate(parts) if parts else {xp}.zeros(0)",
        f"    nv = pointwise(w, {params})",
        "    npad = int(numpy.prod(_PADDED))",
        "    out = [_to_spectral(nv[k * npad:(k + 1) * npad].reshape(_PADDED)).ravel() "
        "for k in range(_FIELDS)]",
        "    # real fields: rounding in the transforms leaves an anti-Hermitian part that the",
        "    # nonlinearity never sees and an unstable linear mode would amplify; remove it",
        f"    return {xp}.concatenate([hermitian(o) if k in _REAL_FIELDS else o "
        "for k, o in enumerate(out)])",
        "",
        f"def rhs(_y, {params}):",
        "    n = _SIZE * _FIELDS",
        "    if _LEVELS == 2:",
        f"        return {xp}.concatenate([_y[n:], LINEAR * _y[:n] + nonlinear(_y, {params})])",
        f"    return LINEAR * _y + nonlinear(_y, {params})",
        "",
        "def fields(_y):",
        f"    return [{xp}.fft.ifftn(_y[k * _SIZE:(k + 1) * _SIZE].reshape(_SHAPE)) "
        "for k in range(_FIELDS * _LEVELS)]",
        "",
        "def physical_terms(_y):",
        f"    parts = [a for o, m, r in _PHYSICAL_TERMS "
        f"for a in _parts({xp}.fft.ifftn(_y[o:o + _SIZE].reshape(_SHAPE) * m), r)]",
        f"    return {xp}.concatenate(parts) if parts else {xp}.zeros(0)",
        ""]
    if backend == "jax":
        lines += ["rhs = jax.jit(rhs)", "nonlinear = jax.jit(nonlinear)", ""]
    return "\n".join(lines)


def compile_spectral(pde, backend: str = "numpy", integrator: str | None = None,
                     dealias: int | None = None, **options: Any):
    """Emit and load the pseudo-spectral kernels of ``pde``; return a `SpectralSimulator`."""
    from .spectral_simulator import SpectralSimulator
    t0 = time.perf_counter()
    plan = SpectralPlan(pde, dealias)
    pointwise = plan.pointwise_kernel()
    monitors = plan.monitor_kernels()
    kernels = [pointwise, *monitors.values()]
    if backend == "numba":
        funcs = [emit_loops(k, DECORATORS["numba"], parallel=PARALLEL) for k in kernels]
    else:
        funcs = [emit_vector(k, backend) for k in kernels]
    note = (f"Pseudo-spectral kernels generated by sympile ({backend}); state = Fourier "
            f"coefficients of {', '.join(str(ev.field.func) for ev in plan.evolutions)} on a "
            f"{plan.shape} grid (products on {plan.padded}).\nrhs(_y, t, params...) -> dy/dt; "
            f"LINEAR is the diagonal of L, nonlinear(_y, ...) the rest; fields(_y) -> physical.")
    source = module_source(funcs + [driver_source(plan, backend)], backend, note=note)
    t1 = time.perf_counter()
    module = load_module(source, backend)
    timings = {"derive_and_emit": t1 - t0, "load": time.perf_counter() - t1}
    return SpectralSimulator(pde, plan, module, source, backend, integrator or "dop853",
                             monitors, timings, **options)
