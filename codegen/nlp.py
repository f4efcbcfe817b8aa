"""Kernels of an NLP: lower the derived terms of a `Problem` to IR, emit a backend, bind parameters."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import sympy
from sympy import Expr, Integer

from symbolic.arrays import ArraySymbol, sym_shape
from symbolic.nlp import LAMBDA, SIGMA, NLPDerivation, SparseBlock

from .build import DECORATORS, load_module, module_source
from .emit_loops import emit_loops
from .emit_vector import emit_vector
from .ir import Kernel, View
from .lower import Lowerer, Output

BACKENDS = ("numpy", "numba", "jax")


@dataclass
class Pattern:
    """COO coordinates of a sparse matrix (duplicates are summed)."""

    rows: np.ndarray
    cols: np.ndarray
    shape: tuple[int, int]


def _entry_loops(block: SparseBlock) -> list:
    used = block.row.free_symbols | block.col.free_symbols
    return [lp for lp in block.loops if lp[0] in used]


def _block_positions(blocks: list[SparseBlock]) -> tuple[list[Output], list[tuple]]:
    """One output per block writing value to its own range of the values array."""
    outs, spans, offset = [], [], 0
    for b in blocks:
        entry = _entry_loops(b)
        sizes = [int(hi - lo + 1) for _, lo, hi in entry]
        pos, stride = Integer(offset), 1
        for (v, lo, _), size in reversed(list(zip(entry, sizes))):
            pos += stride * (v - lo)
            stride *= size
        outs.append(Output("_out", pos, b.value, b.loops))
        spans.append((b, entry, sizes, offset))
        offset += int(np.prod(sizes)) if sizes else 1
    return outs, spans


def block_pattern(spans: list[tuple], shape: tuple[int, int]) -> Pattern:
    """Row and column arrays of the entries (numeric work of size nnz, no symbolic work)."""
    rows, cols = [], []
    for b, entry, sizes, _ in spans:
        grids = np.meshgrid(*[np.arange(int(lo), int(hi) + 1) for _, lo, hi in entry],
                            indexing="ij") if entry else []
        syms = [v for v, _, _ in entry]
        for expr, dest in ((b.row, rows), (b.col, cols)):
            f = sympy.lambdify(syms, expr, "numpy")
            val = np.broadcast_to(np.asarray(f(*grids), dtype=np.int64),
                                  tuple(sizes) if sizes else ())
            dest.append(np.ravel(val))
    cat = (lambda a: np.concatenate(a).astype(np.int64) if a else np.zeros(0, np.int64))
    return Pattern(cat(rows), cat(cols), shape)


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
        jac_outs, self.jacobian_spans = _block_positions(d.jacobian)
        self.jacobian_nnz = _nnz(self.jacobian_spans)
        self.jacobian = self._outputs("jacobian", z + params, views, self.jacobian_nnz, jac_outs)
        hess_outs, self.hessian_spans = _block_positions(d.hessian)
        self.hessian_nnz = _nnz(self.hessian_spans)
        self.hessian = self._outputs("hessian", z + mult + params, views, self.hessian_nnz,
                                     hess_outs)
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

    def patterns(self) -> tuple[Pattern, Pattern]:
        n, m = self.derivation.layout.n, self.derivation.m
        return (block_pattern(self.jacobian_spans, (m, n)),
                block_pattern(self.hessian_spans, (n, n)))


def _nnz(spans) -> int:
    return sum(int(np.prod(sizes)) if sizes else 1 for _, _, sizes, _ in spans)


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
    kset = NLPKernelSet(problem.derivatives())
    source = emit_module(kset.all(), backend)
    t1 = time.perf_counter()
    module = load_module(source, backend)
    jac_pattern, hess_pattern = kset.patterns()
    timings = {"derive_and_emit": t1 - t0, "load": time.perf_counter() - t1}
    return NLPSolver(problem, kset, module, source, backend, jac_pattern, hess_pattern, timings,
                     **options)


def expr_size(e: Expr) -> int:
    return sympy.count_ops(e)
