"""`build_function(..., backend="llvm")`: kernels compiled to native code through LLVM.

>>> import numpy as np, symbolic as sy, codegen
>>> x, y = sy.symbols("x y")
>>> k = codegen.build_function([sy.sin(x) * sy.exp(-y**2), x**2 * y], [x, y], backend="llvm")
>>> out = k(np.array([0.5, 1.0]), np.array([2.0, 3.0]))
>>> out.shape, bool(np.allclose(out[1], [0.5, 3.0]))
((2, 2), True)
>>> k.prototype
'void kernel(const double *restrict x, const double *restrict y, int64_t _n, double *restrict _out);'
"""
from __future__ import annotations

from pathlib import Path

from llvmlite import ir

from ..function import ElementwiseKernel
from ..function_spec import FunctionSpec
from .emit import emit_elementwise
from .native import NativeLibrary


class _NativeModule:
    """The ``module.kernel(*flat, n, out)`` calling convention over a native function."""

    def __init__(self, cfunc):
        self._cfunc = cfunc

    def kernel(self, *arrays) -> None:
        *inputs, n, out = arrays
        self._cfunc(*[a.ctypes.data for a in inputs], n, out.ctypes.data)


class LLVMKernel(ElementwiseKernel):
    """A `build_function` kernel in native code; ``source`` is its LLVM IR.

    ``write(stem)`` writes stem.o, stem.so and stem.h: ``kernel(a0, ..., n, out)`` with every
    input a contiguous array of n elements and out row-major (n_out, n) (or n_out when summed).
    """

    def __init__(self, spec: FunctionSpec, library: NativeLibrary):
        super().__init__(spec, library.source, _NativeModule(library.cfuncs["kernel"]), "llvm")
        self.library = library

    @property
    def prototype(self) -> str:
        return self.library.functions["kernel"].prototype(self.library.ctype)

    def write(self, path: str | Path, header: bool = True) -> list[Path]:
        """Write ``path``.o, ``path``.so (and ``path``.h); returns the written paths."""
        return self.library.write(path, header=header)


def build_llvm(spec: FunctionSpec) -> LLVMKernel:
    """Emit, optimize and JIT the kernel of ``spec`` (see `codegen.build_function`)."""
    module = ir.Module(name="sympile_kernel")
    sig = emit_elementwise(module, spec)
    what = (f"_out[k] = sum over i < _n of expr_k" if spec.reduce else
            f"_out[k*_n + i] = expr_k at element i, i < _n")
    sig.doc = f"{what}, k < {spec.n_out}; inputs are contiguous arrays of _n elements"
    note = spec.describe("llvm") + "\n\n" + sig.doc + "."
    return LLVMKernel(spec, NativeLibrary(str(module), [sig], spec.dtype.name, note))
