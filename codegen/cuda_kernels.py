"""Kernel IR on the GPU: each top-level loop becomes a grid-stride `numba.cuda` kernel (a phase).

A kernel's body is a sequence of scalar assignments, loops and stores. Launches on one stream
run in order, so splitting at the top-level loops gives the grid-wide synchronization that a
reduction needs: a phase adds each thread's partial sum of a top-level accumulator to ``_acc``
with one atomic add, and later phases (and the final single-thread phase that computes the
result and the stores outside loops) read the finished sums from ``_acc``. Scatter-adds into
outputs are atomic; plain stores are not (each entry is written once). Scalar assignments at the
top are recomputed by every phase that needs them (they are cheap and keep phases independent).

The host side (`CudaModule`) has one function per IR kernel with the numba module's calling
convention, so `NLPSolver` and the runtime use it unchanged: NumPy in, NumPy out.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from .build import load_module, module_source
from .cuda_function import CudaScalarPrinter
from .cuda_launch import Launcher, cuda_module, require_device
from .ir import AddTo, Assign, Kernel, Loop, ScatterAdd, Store
from .printers import ScalarPrinter, safe_name


class CudaIRPrinter(CudaScalarPrinter):
    """CUDA scalar code for kernel IR: integers stay integers (a CSE temporary may become an
    array index); only the arguments of min/max, which CUDA types as two floats, become floats."""

    def __init__(self):
        super().__init__("float64")
        self.index = ScalarPrinter().doprint

    def _print_Integer(self, expr):
        return str(int(expr))

    def _nested(self, func: str, args) -> str:
        return super()._nested(func, [sympy.Float(a) if a.is_Integer else a for a in args])

    def _print_Indexed(self, expr):
        return f"{safe_name(str(expr.base.label))}[{', '.join(map(self.index, expr.indices))}]"


@dataclass
class Plan:
    """How the host runs one IR kernel: phase kernels (with trip counts), then the final one."""

    kernel: Kernel
    phases: list[tuple[str, int]]      # (function name, loop trips)
    final: str | None                  # single-thread phase (result, stores outside loops)
    n_acc: int


def _top_accumulators(kernel: Kernel) -> dict:
    """Top-level accumulators (initialized at the top, summed inside a top-level loop) → slot."""
    inits = [st.target for st in kernel.body if isinstance(st, Assign) and st.value == 0]
    summed = set()

    def walk(stmts):
        for st in stmts:
            if isinstance(st, Loop):
                walk(st.body)
            elif isinstance(st, AddTo):
                summed.add(st.target)
    walk([st for st in kernel.body if isinstance(st, Loop)])
    return {t: k for k, t in enumerate(t for t in inits if t in summed)}


def emit_cuda_kernel(kernel: Kernel) -> tuple[list[str], Plan]:
    """Source of the phase kernels of ``kernel`` and the plan to launch them."""
    if kernel.complex_outputs:
        raise NotImplementedError(f"backend 'cuda' does not run complex kernels ({kernel.name}); "
                                  "use the numba, numpy or jax backend")
    p = CudaIRPrinter()
    code, index = p.doprint, p.index
    accs = _top_accumulators(kernel)
    params = [safe_name(a) for a, _ in kernel.args] + \
        [f"_view{k}" for k in range(len(kernel.views))] + \
        [safe_name(n) for n, _ in kernel.outputs] + ["_acc", "_res"]
    head = [f"    {safe_name(v.name)} = _view{k}" + ("[0]" if v.shape == () else "")
            for k, v in enumerate(kernel.views)]

    def assign(st: Assign) -> str:
        if st.target in accs:
            return f"{code(st.target)} = _acc[{accs[st.target]}]"
        return f"{code(st.target)} = {code(st.value)}"

    def walk(stmts, indent, lines, partial):
        for st in stmts:
            if isinstance(st, Loop):
                lines.append(f"{indent}for {index(st.index)} in range({index(st.start)}, "
                             f"{index(st.stop)}):")
                walk(st.body, indent + "    ", lines, partial)
            elif isinstance(st, Assign):
                lines.append(f"{indent}{assign(st)}")
            elif isinstance(st, AddTo):
                target = f"_p{accs[st.target]}" if st.target in accs and partial else code(st.target)
                lines.append(f"{indent}{target} += {code(st.value)}")
            elif isinstance(st, ScatterAdd):
                arr, idx = safe_name(st.array), index(st.index)
                lines.append(f"{indent}cuda.atomic.add({arr}, {idx}, {code(st.value)})" if partial
                             else f"{indent}{arr}[{idx}] += {code(st.value)}")
            elif isinstance(st, Store):
                lines.append(f"{indent}{safe_name(st.array)}[{index(st.index)}] = "
                             f"{code(st.value)}")
            else:
                raise TypeError(f"unknown IR statement {st!r}")

    funcs, phases, prologue = [], [], []
    for st in kernel.body:
        if isinstance(st, Assign):
            prologue.append(f"    {assign(st)}")
        elif isinstance(st, Loop):
            name = f"{kernel.name}_phase{len(phases)}"
            mine = sorted({accs[s.target] for s in _adds(st.body) if s.target in accs})
            lines = ["@cuda.jit(cache=True)", f"def {name}({', '.join(params)}):", *head,
                     *prologue, *[f"    _p{k} = 0.0" for k in mine],
                     f"    for {index(st.index)} in range({index(st.start)} + cuda.grid(1), "
                     f"{index(st.stop)}, cuda.gridsize(1)):"]
            walk(st.body, "        ", lines, True)
            lines += [f"    cuda.atomic.add(_acc, {k}, _p{k})" for k in mine]
            funcs.append("\n".join(lines) + "\n")
            phases.append((name, int(st.stop - st.start)))
    serial = [st for st in kernel.body if isinstance(st, (Assign, ScatterAdd, Store))]
    final = None
    if kernel.result is not None or any(not isinstance(st, Assign) for st in serial):
        final = f"{kernel.name}_final"
        lines = ["@cuda.jit(cache=True)", f"def {final}({', '.join(params)}):",
                 "    if cuda.grid(1) != 0:", "        return", *head]
        walk(serial, "    ", lines, False)
        if kernel.result is not None:
            lines.append(f"    _res[0] = {code(kernel.result)}")
        funcs.append("\n".join(lines) + "\n")
    return funcs, Plan(kernel, phases, final, len(accs))


def _adds(stmts):
    for st in stmts:
        if isinstance(st, Loop):
            yield from _adds(st.body)
        elif isinstance(st, AddTo):
            yield st


def launch_note(plans: list[Plan]) -> str:
    """The usage note of an emitted CUDA module: what to launch, in which order, with what."""
    lines = ["CUDA kernels generated by sympile; this file imports only numba.cuda, numpy and the "
             "standard library.", "",
             "Each function K of the problem runs as launches on one stream, in order: K_phase0, "
             "K_phase1, ... (grid-stride loops; any grid) over the trips given, then K_final[1, 1] "
             "when listed. Arguments of every launch: K's own arguments as device arrays or "
             "floats, then the views _view0, _view1, ... (slices of the arrays they view), then the "
             "outputs "
             "(zero-filled device arrays), then _acc (zeros, one slot per sum) and _res (one "
             "element; the scalar result of K).", ""]
    for p in plans:
        k = p.kernel
        views = ", ".join(f"_view{j} = {v.source}[{v.offset}:{v.offset + int(np.prod(v.shape))}]"
                          f"{'.reshape(' + str(v.shape) + ')' if len(v.shape) > 1 else ''}"
                          for j, v in enumerate(k.views))
        phases = ", ".join(f"{name} ({trips} trips)" for name, trips in p.phases)
        lines.append(f"{k.name}({', '.join(a for a, _ in k.args)}): views {views or 'none'}; "
                     f"outputs {', '.join(f'{n}[{s}]' for n, s in k.outputs) or 'none'}; "
                     f"_acc[{max(1, p.n_acc)}]; launches {phases or 'none'}"
                     f"{', ' + p.final + '[1, 1]' if p.final else ''}.")
    return "\n".join(lines)


class CudaKernelFunction:
    """Host function for one IR kernel: NumPy arguments in, NumPy result out."""

    def __init__(self, plan: Plan, module):
        self.plan = plan
        self.phases = [(Launcher(getattr(module, name)), trips) for name, trips in plan.phases]
        self.final = getattr(module, plan.final) if plan.final else None

    def __call__(self, *args: Any):
        cuda = require_device()
        k = self.plan.kernel
        if len(args) != len(k.args):
            raise TypeError(f"{k.name} takes {len(k.args)} arguments "
                            f"({', '.join(a for a, _ in k.args)}), got {len(args)}")
        device = {}
        values = []
        for (name, kind), a in zip(k.args, args):
            if kind == "array":
                device[name] = cuda.to_device(np.ascontiguousarray(a, dtype=np.float64))
                values.append(device[name])
            else:
                values.append(float(a))
        for v in k.views:
            size = int(np.prod(v.shape)) if v.shape else 1
            part = device[v.source][v.offset:v.offset + size]
            values.append(part.reshape(v.shape) if len(v.shape) > 1 else part)
        outs = [cuda.to_device(np.zeros(size)) for _, size in k.outputs]
        acc, res = cuda.to_device(np.zeros(max(1, self.plan.n_acc))), cuda.to_device(np.zeros(1))
        params = tuple(values + outs + [acc, res])
        for launch, trips in self.phases:
            launch(params, trips)
        if self.final is not None:
            self.final[1, 1](*params)
        if k.result is not None:
            return float(res.copy_to_host()[0])
        host = [o.copy_to_host() for o in outs]
        return host[0] if len(host) == 1 else tuple(host)


class CudaModule:
    """The `cuda` counterpart of an emitted numba module: one host function per IR kernel."""

    def __init__(self, kernels: list[Kernel]):
        cuda_module()
        plans, funcs = [], []
        for k in kernels:
            src, plan = emit_cuda_kernel(k)
            funcs += src
            plans.append(plan)
        self.source = module_source(funcs, "cuda", note=launch_note(plans))
        self.module = load_module(self.source, "cuda")
        for plan in plans:
            setattr(self, plan.kernel.name, CudaKernelFunction(plan, self.module))
