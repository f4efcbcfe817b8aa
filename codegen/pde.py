"""Kernels of a semi-discrete PDE: right-hand side, its sparse Jacobian, monitors, full fields."""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import sympy


from symbolic.errors import NonDifferentiableError
from symbolic.pde.field import FieldFunction
from symbolic.pde.semidiscrete import SemiDiscrete

from .build import load_module
from .ir import Kernel, View
from .lower import Lowerer, Output
from .nlp import BACKENDS, _block_positions, emit_module
from .single_writes import single_writes
from .supported import check_functions

#: backends that compile the kernel IR themselves (no Python module source)
NATIVE_BACKENDS = ("cuda", "llvm")

DISCRETIZATIONS = ("finite_difference", "spectral")


class PDEKernelSet:
    """IR of the kernels of a `SemiDiscrete` system (all take the state ``_y`` and time ``t``)."""

    def __init__(self, sd: SemiDiscrete, full_grids: list[tuple],
                 simplify: str | None = "egraph"):
        self.sd = sd
        # the e-graph's rewrite rules assume real values (|z|**2 -> z**2 is wrong for complex
        # z): complex-valued kernels only share subexpressions
        self.simplify = simplify if not sd.complex_state or simplify is None else "cse"
        layout = sd.layout
        views = [View(b.array.name, "_y", layout.offsets[b.array], b.array.shape)
                 for b in sd.blocks]
        args = [("_y", "array"), (sd.time.name, "scalar")] + \
            [(p.name, "scalar") for p in sd.parameters]
        cplx = sd.complex_state
        self.rhs = self._kernel("rhs", args, views, layout.n,
                                [Output("_out", r.index, r.value, r.loops, accumulate=False)
                                 for r in sd.rows], cplx)
        self.jacobian, self.jacobian_blocks, self.no_jacobian = None, None, ""
        try:
            self.jacobian_blocks = sd.jacobian()
        except NonDifferentiableError as exc:
            if not cplx:
                raise
            # |u|, conj(u) of a complex field: the RHS has no complex derivative
            self.no_jacobian = (f"the right-hand side is not complex-differentiable in the "
                                f"complex state ({exc}); implicit integrators need its "
                                f"Jacobian: use an explicit integrator (rk4, rk45, dop853), or "
                                f"write the complex field as two real fields")
        if self.jacobian_blocks is not None:
            nnz = sum(b.nnz for b in self.jacobian_blocks)
            self.jacobian = self._kernel("jacobian", args, views, nnz,
                                         _block_positions(self.jacobian_blocks), cplx)
        self.monitors = {}
        for k, (name, expr) in enumerate(sd.monitors.items()):
            low = Lowerer(self.simplify)
            value = low.result(expr)
            self.monitors[name] = Kernel(f"monitor_{k}", args, views, [], low.root.stmts, value,
                                         cplx)
        outs, self.field_offsets, off = [], [], 0
        for key, pieces, shape in full_grids:
            strides = np.cumprod((1,) + tuple(shape)[::-1])[::-1][1:]
            for node, loops, value in pieces:
                idx = off + sympy.Add(*[int(s) * j for s, j in zip(strides, node)])
                outs.append(Output("_out", idx, value, loops, accumulate=False))
            self.field_offsets.append((key, off, shape))
            off += int(np.prod(shape))
        self.fields = self._kernel("fields", args, views, off, outs, cplx)

    def all(self) -> list[Kernel]:
        return [k for k in (self.rhs, self.jacobian, *self.monitors.values(), self.fields)
                if k is not None]

    def _kernel(self, name, args, views, size, outs, cplx) -> Kernel:
        low = Lowerer(self.simplify)
        low.outputs(outs)
        return single_writes(Kernel(name, args, views, [("_out", size)], low.root.stmts, None,
                                    cplx))


def compile_pde(pde, backend: str = "numpy", discretization: str = "finite_difference",
                order: int = 2, integrator: str | None = None, simplify: str | None = "egraph",
                **options: Any):
    """Discretize ``pde`` in space, emit and load its kernels, return a `Simulator`.

    ``simplify``: how the kernels' expressions are simplified before code generation, as for
    `Problem.compile`: "egraph" (rewriting against the cycle cost model, then CSE), "cse" or
    None. Complex-valued kernels use "cse" at most (the rewrite rules assume real values).
    """
    from symbolic.pde.finite_difference import FiniteDifference
    from .simulator import Simulator
    if backend not in BACKENDS + NATIVE_BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of "
                         f"{', '.join(BACKENDS + NATIVE_BACKENDS)}")
    if backend in NATIVE_BACKENDS and discretization == "spectral":
        raise NotImplementedError(f"backend {backend!r} runs finite-difference PDEs; the "
                                  f"spectral discretization needs numpy, numba or jax")
    if discretization not in DISCRETIZATIONS:
        raise ValueError(f"unknown discretization {discretization!r}; choose one of "
                         f"{', '.join(DISCRETIZATIONS)}")
    check_functions([(f"the equation of {ev.field.func} (d{ev.field.func}/dt = {ev.rhs})", ev.rhs)
                     for ev in pde.evolutions], backend, unknowns=[FieldFunction],
                    derivative_order=1)
    check_functions([(f"monitor '{name}'", m) for name, m in pde.monitors.items()], backend,
                    derivative_order=0)
    if discretization == "spectral":
        from .spectral import compile_spectral
        return compile_spectral(pde, backend=backend, integrator=integrator, simplify=simplify,
                                **options)
    t0 = time.perf_counter()
    fd = FiniteDifference(pde, order)
    sd = fd.semidiscrete()
    grids = []
    for ev in pde.evolutions:
        for level in range(ev.order):
            grids.append(((ev.field, level), fd.full_grid(ev.field, level), pde.domain.shape))
    kset = PDEKernelSet(sd, grids, simplify)
    t1 = time.perf_counter()
    if backend == "cuda":            # phased grid-stride kernels, NumPy in and out
        from .cuda_kernels import CudaModule
        module = CudaModule(kset.all())
        source = module.source
    elif backend == "llvm":          # one native library, real-valued kernels
        from .llvm.module import LLVMModule
        module = LLVMModule(kset.all())
        source = module.library.source
    else:
        source = emit_module(kset.all(), backend)
        t1 = time.perf_counter()
        module = load_module(source, backend)
    timings = {"derive_and_emit": t1 - t0, "load": time.perf_counter() - t1}
    return Simulator(pde, sd, kset, module, source, backend, integrator or "rk45", timings,
                     **options)


def grid_values(expr: Any, domain) -> np.ndarray:
    """An initial-data expression (or array) evaluated on the full grid."""
    if isinstance(expr, np.ndarray) or np.isscalar(expr) and not isinstance(expr, sympy.Basic):
        return np.broadcast_to(np.asarray(expr), domain.shape)
    expr = sympy.sympify(expr)
    f = sympy.lambdify(domain.symbols, expr, "numpy")
    return np.broadcast_to(np.asarray(f(*domain.mesh())), domain.shape)


__all__ = ["PDEKernelSet", "compile_pde", "grid_values"]
