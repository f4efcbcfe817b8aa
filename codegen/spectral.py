"""Fourier pseudo-spectral kernels: a pointwise nonlinearity kernel inside an FFT driver.

The state holds each field's Fourier coefficients (then, for second-order fields, those of
its time derivative). The generated module defines ``linear`` (the diagonal of L), ``nonlinear``
(pad → inverse FFT → pointwise kernel → FFT → truncate), ``rhs = linear * y + nonlinear(y)``,
``fields`` (physical snapshots) and the monitors; it imports only numpy (and numba or jax).
With numba, grids padded by 2 (the default for cubic terms) or not at all take the products on
shifted grids instead of the padded one (`spectral_shifted`): the same values, less time.
"""
from __future__ import annotations

import itertools
import time
from typing import Any

import numpy as np
import sympy
from sympy import Indexed, Integer, Symbol

from symbolic.arrays import ArrayVariable
from symbolic.pde.pde import DomainIntegral
from symbolic.pde.spectral import padded_points, spectral_split, wavenumbers, with_placeholders

from .build import load_module, module_source
from .emit_loops import numba_functions
from .emit_vector import emit_vector
from .ir import Kernel, View
from .lower import Lowerer, Output
from .nlp import PARALLEL
from .spectral_shifted import RUNTIME as SHIFTED_RUNTIME
from .spectral_shifted import driver_lines as shifted_driver
from .spectral_shifted import pointwise_kernel as shifted_pointwise
from .spectral_shifted import shift_ratios
from .printers import NumPyVectorPrinter


def _grid_loops(shape):
    idx = tuple(Symbol(f"_g{a}", integer=True) for a in range(len(shape)))
    return idx, tuple((i, Integer(0), Integer(n - 1)) for i, n in zip(idx, shape))


def _flat(idx, shape):
    strides = np.cumprod((1,) + tuple(shape)[::-1])[::-1][1:]
    return sympy.Add(*[int(s) * i for s, i in zip(strides, idx)])


class SpectralPlan:
    """Shapes, state layout and the kernels' IR of a pseudo-spectral discretization."""

    def __init__(self, pde, dealias: int | None = None, simplify: str | None = "egraph"):
        self.pde, self.simplify = pde, simplify
        self.split = spectral_split(pde)
        dom = pde.domain
        self.shape = dom.shape
        self.padded = tuple(padded_points(n, self.split.degree, dealias) for n in self.shape)
        self.size = int(np.prod(self.shape))
        self.evolutions = pde.evolutions
        self.second_order = [ev.order == 2 for ev in pde.evolutions]
        if any(self.second_order) and not all(self.second_order):
            second = [str(ev.field.func) for ev in pde.evolutions if ev.order == 2]
            raise NotImplementedError(
                f"the spectral discretization cannot mix first- and second-order-in-time "
                f"fields yet (second order: {', '.join(second)}); write each second-order field "
                f"as two first-order ones (u_t = w, w_t = ...), or use "
                f"discretization='finite_difference'")
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
        low = Lowerer(self.simplify)
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
            low = Lowerer(self.simplify)
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


def _copy_blocks(shape, padded) -> list[tuple[str, str]]:
    """(source, destination) slice tuples that move the retained modes between grids.

    Per axis: the non-negative wave numbers 0 .. n/2-1 and the negative ones -(n/2-1) .. -1
    (the Nyquist mode is dropped, as it has no partner to keep the padded field real).
    """
    per_axis = []
    for n, m in zip(shape, padded):
        h = n // 2
        per_axis.append([(f"slice(0, {h})", f"slice(0, {h})"),
                         (f"slice({h + 1}, {n})", f"slice({m - n + h + 1}, {m})")])
    return [("(" + ", ".join(c[0] for c in combo) + ",)",
             "(" + ", ".join(c[1] for c in combo) + ",)")
            for combo in itertools.product(*per_axis)]


def _transform_helpers(plan: SpectralPlan, backend: str) -> list[str]:
    """``_to_physical`` (pad, inverse FFT) and ``_to_spectral`` (FFT, truncate), straight-line.

    Scaling by the grid ratio is folded into the copies; without padding there are no copies.
    numpy/numba call pocketfft's ``c2c`` (SciPy's binding) directly, which skips scipy.fft's
    per-call argument handling (half the time of a 512-point transform); jax uses jnp.fft.
    """
    jax = backend == "jax"
    npts, mpts = plan.size, int(np.prod(plan.padded))
    padded = plan.padded != plan.shape
    if jax:
        inv = "_fft.ifftn(full)" if padded else "_fft.ifftn(spec)"
        fwd = "_fft.fftn(values)"
    else:
        inv = "_c2c(full, _AXES, False, 0, full)" if padded else "_c2c(spec, _AXES, False, 2)"
        fwd = "_c2c(values, _AXES, True, 0)"
    lines = ["def _to_physical(spec):"]
    if padded:
        scale = mpts / npts if jax else 1.0 / npts     # jnp.fft.ifftn divides by M itself
        lines.append("    full = _xp.zeros(_PADDED, dtype=complex)")
        for src, dst in _copy_blocks(plan.shape, plan.padded):
            lines.append(f"    full = full.at[{dst}].set(spec[{src}] * {scale!r})" if jax
                         else f"    full[{dst}] = spec[{src}] * {scale!r}")
    lines += [f"    return {inv}", "", "def _to_spectral(values):"]
    if padded:
        lines += [f"    spec = {fwd}", "    out = _xp.zeros(_SHAPE, dtype=complex)"]
        for src, dst in _copy_blocks(plan.shape, plan.padded):
            lines.append(f"    out = out.at[{src}].set(spec[{dst}] * {npts / mpts!r})" if jax
                         else f"    out[{src}] = spec[{dst}] * {npts / mpts!r}")
        lines += ["    return out", ""]
    else:
        lines += [f"    return {fwd}", ""]
    return lines


def _gather_code(table, target: str, transform: str, grid_size: int, block: int, jax: bool,
                 multiplier: str) -> list[str]:
    """Code filling ``target`` with the physical values (``grid_size`` each) of ``table``'s terms.

    Each term's spectrum is the state slice of length ``block`` at its offset, times its
    derivative multiplier; the real and imaginary parts of one transform are stored in turn.
    """
    lines, parts, off = [], [], 0
    for g, (state_off, orders, kinds) in enumerate(table):
        spec = f"_y[{state_off}:{state_off + block}].reshape(_SHAPE)"
        if any(orders):
            spec += f" * {multiplier}{g}"
        lines.append(f"    _v{g} = {transform}({spec})")
        for kind in kinds:
            part = f"_v{g}.{'real' if kind == 'real' else 'imag'}.ravel()"
            if jax:
                parts.append(part)
            else:
                lines.append(f"    {target}[{off}:{off + grid_size}] = {part}")
            off += grid_size
    if jax:
        lines.append(f"    {target} = _xp.concatenate([{', '.join(parts)}])" if parts else
                     f"    {target} = _xp.zeros(0)")
    else:
        lines.insert(0, f"    {target} = _xp.empty({off})")
    return lines


def _padded_driver(plan: SpectralPlan, backend: str, table, params: str, real) -> list[str]:
    """``nonlinear`` and ``rhs`` through the padded grid (zero-filled copies around the FFTs)."""
    jax = backend == "jax"
    npad, n = int(np.prod(plan.padded)), plan.size
    lines = ["", f"def nonlinear(_y, {params}):",
             "    \"\"\"N(y): spectra -> physical values on the padded grid -> pointwise kernel -> "
             "spectra.\"\"\""]
    lines += _gather_code(table, "_w", "_to_physical", npad, n, jax, "_MN")
    lines.append(f"    _nv = pointwise(_w, {params})")
    outs = []
    for k in range(len(plan.evolutions)):
        value = f"_to_spectral(_nv[{k * npad}:{(k + 1) * npad}].reshape(_PADDED)).ravel()"
        # real fields: rounding in the transforms leaves an anti-Hermitian part that the
        # nonlinearity never sees and an unstable linear mode would amplify; remove it
        outs.append(f"hermitian({value})" if k in real else value)
    if len(outs) == 1:
        lines.append(f"    return {outs[0]}")
    elif jax:
        lines.append(f"    return _xp.concatenate([{', '.join(outs)}])")
    else:
        lines.append(f"    _out = _xp.empty({len(outs) * n}, dtype=complex)")
        lines += [f"    _out[{k * n}:{(k + 1) * n}] = {o}" for k, o in enumerate(outs)]
        lines.append("    return _out")
    nf = n * len(plan.evolutions)
    lines += ["", f"def rhs(_y, {params}):"]
    if plan.levels == 2:
        lines.append(f"    return _xp.concatenate([_y[{nf}:], LINEAR * _y[:{nf}] + "
                     f"nonlinear(_y, {params})])")
    elif backend == "numba":
        lines.append(f"    return _linear_plus(LINEAR, _y, nonlinear(_y, {params}))")
    else:
        lines.append(f"    return LINEAR * _y + nonlinear(_y, {params})")
    if backend == "numba":
        lines += ["", "@numba.njit(cache=True, nogil=True)", "def _linear_plus(lin, y, nl):",
                  "    out = numpy.empty_like(nl)", "    for i in range(nl.size):",
                  "        out[i] = lin[i] * y[i] + nl[i]", "    return out"]
    return lines


def driver_source(plan: SpectralPlan, backend: str,
                  shifted: tuple[int, ...] | None = None) -> str:
    """The FFT driver: multipliers, padding, transforms, and the kernels' glue.

    Straight-line code specialized to the problem: SciPy's FFT (pocketfft) for numpy/numba,
    ``jax.numpy.fft`` for jax; one buffer for the physical values, one for the result.
    ``shifted`` (numba, ratios 1 or 2 per axis): products on shifted grids instead
    (`spectral_shifted`).
    """
    jax = backend == "jax"
    dom = plan.pde.domain
    printer = NumPyVectorPrinter()
    ks = wavenumbers(dom.ndim)
    lines = (["import jax.numpy as _xp", "import jax.numpy.fft as _fft"] if jax else
             ["import numpy.fft as _fft", "_xp = numpy", "try:",
              "    from scipy.fft._pocketfft.pypocketfft import c2c as _c2c",
              "except ImportError:   # the same transforms through numpy.fft",
              "    def _c2c(a, axes, forward, inorm, out=None):",
              "        norm = 'backward' if forward or inorm == 2 else 'forward'",
              "        return (_fft.fftn if forward else _fft.ifftn)(a, axes=axes, norm=norm)"])
    lines.append(f"_AXES = {tuple(range(dom.ndim))!r}")
    lines += [f"_SHAPE = {plan.shape}", f"_PADDED = {plan.padded}", f"_SIZE = {plan.size}",
              f"_FIELDS = {len(plan.evolutions)}", f"_LEVELS = {plan.levels}",
              "_SCALE = float(numpy.prod(_PADDED)) / float(numpy.prod(_SHAPE))",
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
              "    return 0.5 * (spec + _xp.conj(spec[_MIRROR]))",
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
    if shifted is None:
        lines += _transform_helpers(plan, backend)
    tables = {"N": _terms_table(plan.split.terms, plan),
              "P": _terms_table(plan.monitor_terms, plan)}
    for tag, table in tables.items():
        for g, (_, orders, _) in enumerate(table):
            if any(orders):
                lines.append(f"_M{tag}{g} = _multiplier({orders})")
    params = ", ".join(["t"] + [p.name for p in plan.pde.parameters])
    n = plan.size
    if shifted is not None:
        lines += [""] + shifted_driver(plan, shifted, params)
    else:
        lines += _padded_driver(plan, backend, tables["N"], params, real)
    lines += ["", "def fields(_y):",
              "    return [_fft.ifftn(_y[k * _SIZE:(k + 1) * _SIZE].reshape(_SHAPE)) "
              "for k in range(_FIELDS * _LEVELS)]",
              "", "def _unpadded(spec):", "    return _fft.ifftn(spec)",
              "", "def physical_terms(_y):"]
    lines += _gather_code(tables["P"], "_w", "_unpadded", n, n, jax, "_MP")
    lines += ["    return _w", ""]
    if jax:
        lines += ["rhs = jax.jit(rhs)", "nonlinear = jax.jit(nonlinear)", ""]
    return "\n".join(lines)


def compile_spectral(pde, backend: str = "numpy", integrator: str | None = None,
                     dealias: int | None = None, simplify: str | None = "egraph",
                     **options: Any):
    """Emit and load the pseudo-spectral kernels of ``pde``; return a `SpectralSimulator`."""
    from .spectral_simulator import SpectralSimulator
    t0 = time.perf_counter()
    plan = SpectralPlan(pde, dealias, simplify)
    shifted = shift_ratios(plan) if backend == "numba" else None
    pointwise = plan.pointwise_kernel() if shifted is None else shifted_pointwise(plan, shifted)
    monitors = plan.monitor_kernels()
    kernels = [pointwise, *monitors.values()]
    if backend == "numba":
        funcs = numba_functions(kernels, parallel=PARALLEL)
    else:
        funcs = [emit_vector(k, backend) for k in kernels]
    note = (f"Pseudo-spectral kernels generated by sympile ({backend}); state = Fourier "
            f"coefficients of {', '.join(str(ev.field.func) for ev in plan.evolutions)} on a "
            f"{plan.shape} grid (products on {plan.padded}"
            f"{', as shifted grids' if shifted and max(shifted) > 1 else ''}).\n"
            f"rhs(_y, t, params...) -> dy/dt; "
            f"LINEAR is the diagonal of L, nonlinear(_y, ...) the rest; fields(_y) -> physical.")
    driver = [driver_source(plan, backend, shifted)]
    if shifted is not None:
        driver.insert(0, SHIFTED_RUNTIME)
    source = module_source(funcs + driver, backend, note=note)
    t1 = time.perf_counter()
    module = load_module(source, backend)
    timings = {"derive_and_emit": t1 - t0, "load": time.perf_counter() - t1}
    return SpectralSimulator(pde, plan, module, source, backend, integrator or "dop853",
                             monitors, timings, **options)
