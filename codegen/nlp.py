"""Kernels of an NLP: lower the derived terms of a `Problem` to IR, emit a backend, bind parameters."""
from __future__ import annotations

import time
import numpy as np
import sympy
from sympy import Integer

from symbolic.arrays import ArraySymbol, sym_shape
from symbolic.nlp import LAMBDA, SIGMA, NLPDerivation
from symbolic.sparsity import SparseBlock

from .build import DECORATORS, load_module, module_source
from .emit_loops import emit_loops
from .emit_vector import emit_vector
from .ir import Kernel, View
from .lower import Lowerer, Output

BACKENDS = ("numpy", "numba", "jax")


def _block_positions(blocks: list[SparseBlock]) -> list[Output]:
    """One output per block writing its values to its own range, in `StructuredPattern` order."""
    outs, offset = [], 0
    for b in blocks:
        pos, stride = Integer(offset), 1
        for (v, lo, _), size in reversed(list(zip(b.entry_loops, b.entry_shape))):
            pos += stride * (v - lo)
            stride *= size
        outs.append(Output("_out", pos, b.value, b.loops))
        offset += b.nnz
    return outs


class NLPKernelSet:
    """The IR of the six NLP kernels of a derivation and their COO patterns."""

    def __init__(self, d: NLPDerivation):
        self.derivation = d
        layout = d.layout
        self.param_names = [p.name for p in d.parameters]
        views = [View(v.name, "_z", layout.offsets[v], sym_shape(v)) for v in layout.variables]
        dviews = [View(str(d.directions[v].label) if isinstance(v, ArraySymbol) else
                       d.directions[v].name, "_v", layout.offsets[v], sym_shape(v))
                  for v in layout.variables]
        params = [(p, "array" if sym_shape(sp) else "scalar")
                  for p, sp in zip(self.param_names, d.parameters)]
        z = [("_z", "array")]
        mult = [(SIGMA.name, "scalar"), (str(LAMBDA.label), "array")]

        low = Lowerer()
        self.objective = Kernel("objective", z + params, views, [], low.root.stmts,
                                low.result(d.objective))
        self.gradient = self._outputs("gradient", z + params, views, layout.n,
                                      [Output("_out", layout.flat(t.target), t.value, t.loops)
                                       for t in d.gradient])
        cons = []
        for off, shape, expr, idx in d.constraint_rows:
            loops = tuple((i, Integer(0), Integer(s - 1)) for i, s in zip(idx, shape))
            strides = np.cumprod((1,) + tuple(shape)[::-1])[::-1][1:]
            pos = off + sympy.Add(*[int(s) * i for s, i in zip(strides, idx)])
            cons.append(Output("_out", pos, expr, loops, accumulate=False))
        self.constraints = self._outputs("constraints", z + params, views, d.m, cons)
        self.jacobian = self._outputs("jacobian", z + params, views, d.jacobian_pattern().nnz,
                                      _block_positions(d.jacobian))
        self.hessian = self._outputs("hessian", z + mult + params, views,
                                     d.hessian_pattern().nnz, _block_positions(d.hessian))
        self.hvp = self._outputs("hvp", z + mult + [("_v", "array")] + params, views + dviews,
                                 layout.n,
                                 [Output("_out", layout.flat(t.target), t.value, t.loops)
                                  for t in d.hvp])

    @staticmethod
    def _outputs(name, args, views, size, outs) -> Kernel:
        low = Lowerer()
        low.outputs(outs)
        return Kernel(name, args, views, [("_out", size)], low.root.stmts)

    def all(self) -> list[Kernel]:
        return [self.objective, self.gradient, self.constraints, self.jacobian, self.hessian,
                self.hvp]


def emit_module(kernels: list[Kernel], backend: str) -> str:
    """Standalone source of a module holding ``kernels`` for ``backend``."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if backend == "numba":
        funcs = [emit_loops(k, DECORATORS["numba"]) for k in kernels]
        return module_source(funcs, backend)
    funcs = [emit_vector(k, backend) for k in kernels]
    footer = "".join(f"{k.name} = jax.jit({k.name})\n" for k in kernels) if backend == "jax" else ""
    return module_source(funcs, backend, footer)


def compile_problem(problem, backend: str = "numpy", **options):
    """Derive, lower, emit and load the kernels of ``problem``; return a bound `NLPSolver`."""
    from .solver import NLPSolver
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    t0 = time.perf_counter()
    derivation = problem.derivatives()
    kset = NLPKernelSet(derivation)
    source = emit_module(kset.all(), backend)
    t1 = time.perf_counter()
    module = load_module(source, backend)
    jac_pattern = derivation.jacobian_pattern()
    hess_pattern = derivation.hessian_pattern()
    timings = {"derive_and_emit": t1 - t0, "load": time.perf_counter() - t1}
    return NLPSolver(problem, kset, module, source, backend, jac_pattern, hess_pattern, timings,
                     **options)
