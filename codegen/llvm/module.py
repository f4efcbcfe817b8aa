"""Kernel-IR functions compiled into one native library, each a Python callable with the
calling convention of the numba modules (arrays and floats in, a float or a new array out).

Any list of `codegen.ir.Kernel` works: NLP kernels (`codegen.llvm.nlp`), or the real-valued
kernels of a finite-difference PDE (``LLVMModule(kset.all())``).

>>> import numpy as np, sympy
>>> from codegen.ir import Kernel, Loop, Store
>>> j, x = sympy.Symbol("j", integer=True), sympy.IndexedBase("x")
>>> double = Kernel("double", [("x", "array")], [], [("_out", 3)],
...                 [Loop(j, 0, 3, [Store("_out", j, 2 * x[j])])])
>>> LLVMModule([double]).double(np.array([1.0, 2.0, 3.0]))
array([2., 4., 6.])
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from llvmlite import ir

from ..ir import Kernel
from .emit import CFunction, emit_kernel
from .names import c_name
from .native import NativeLibrary


class LLVMModule:
    """``kernels`` as native functions: ``module.<kernel name>(*args)``; ``library`` holds them.

    ``shapes`` gives the shapes of array arguments indexed with several indices (parameters).
    """

    def __init__(self, kernels: list[Kernel], shapes: dict[str, tuple[int, ...]] | None = None,
                 note: str = ""):
        module = ir.Module(name="sympile_kernels")
        sigs = [emit_kernel(module, k, "float64", shapes) for k in kernels]
        self.library = NativeLibrary(str(module), sigs, "float64", note)
        for sig in sigs:
            setattr(self, sig.name, _wrap(self.library, sig))


def _wrap(library: NativeLibrary, sig: CFunction) -> Callable:
    """A Python callable ``f(*args) -> float | array`` over the native function ``sig``.

    Written out per signature (no loops over arguments at call time): these kernels are
    called a few times per solver iteration, where microseconds of Python add up.
    """
    inputs = [p for p in sig.params if p.kind != "output"]
    names = [c_name(p.name) for p in inputs]
    conv = [f"_sympile_ref(_sympile_contiguous({n}, dtype=_sympile_f64))" if p.kind == "array"
            else f"float({n})" for n, p in zip(names, inputs)]
    outs = [f"_sympile_out{k}" for k in range(len(sig.output_sizes))]
    func = c_name(sig.name)
    lines = [f"def {func}({', '.join(names)}):"]
    lines += [f"    {o} = _sympile_empty({max(size, 1)})"
              for o, size in zip(outs, sig.output_sizes)]
    call = f"_sympile_fn({', '.join(conv + [f'_sympile_ref({o})' for o in outs])})"
    if sig.returns_value:
        lines.append(f"    return {call}")
    else:
        lines.append(f"    {call}")
        results = [o if size else f"{o}[:0]" for o, size in zip(outs, sig.output_sizes)]
        lines.append(f"    return {', '.join(results)}")
    scope = {"_sympile_fn": library.cfuncs[sig.name], "_sympile_ref": library.ref,
             "_sympile_empty": np.empty, "_sympile_contiguous": np.ascontiguousarray,
             "_sympile_f64": np.float64}
    exec("\n".join(lines), scope)        # names are safe identifiers (`c_name`)
    return scope[func]
