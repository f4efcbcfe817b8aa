"""`build_function(..., backend="cuda")`: grid-stride `numba.cuda` kernels and their host wrapper.

Each thread walks the elements ``cuda.grid(1), + cuda.gridsize(1), ...``; a reduction keeps a
partial sum per thread in a register and adds it to the output with one atomic add. The host
wrapper takes NumPy or device arrays: NumPy in, NumPy out; any device array in, device array
out (nothing is copied back).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .build import load_module, module_source
from .cuda_launch import Launcher, cuda_module, is_device_array, require_device
from .function import ElementwiseKernel, element_loop, printer_code
from .function_spec import FunctionSpec
from .printers import NestedMinMax, TypedScalarPrinter


class CudaScalarPrinter(NestedMinMax, TypedScalarPrinter):
    """Scalar code for CUDA kernels: float constants, two-argument min/max, float floor/ceil.

    CUDA's ``min``/``max`` take two floats, so ``Min(1, x, y)`` becomes ``min(1.0, min(x, y))``.
    float32 constants become module globals (``_c0 = numpy.float32(2.0)``), which Numba freezes
    as float32 constants.

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> CudaScalarPrinter("float64").doprint(sympy.Min(1, x, y) + 2 * sympy.floor(x))
    '2.0*math.floor(x) + min(1.0, min(x, y))'
    """

    def __init__(self, dtype: str = "float64"):
        super().__init__(dtype)
        self.constants: dict[str, str] = {}

    def _const(self, expr) -> str:
        text = repr(float(expr))
        if self.dtype != "float32":
            return text
        return self.constants.setdefault(text, f"_c{len(self.constants)}")

    _print_Float = _print_Integer = _print_Rational = _print_Half = _const
    _print_NumberSymbol = _print_Pi = _print_Exp1 = _const

    def _print_floor(self, expr):
        return f"math.floor({self._print(expr.args[0])})"

    def _print_ceiling(self, expr):
        return f"math.ceil({self._print(expr.args[0])})"

    def constant_lines(self) -> list[str]:
        return [f"{name} = numpy.float32({value})" for value, name in self.constants.items()]


def cuda_source(spec: FunctionSpec) -> str:
    """A module with one grid-stride ``@cuda.jit`` kernel for ``spec``."""
    if spec.is_complex:
        raise NotImplementedError("backend 'cuda' does not build complex kernels; use the "
                                  "numba, numpy or jax backend for complex expressions")
    printer = CudaScalarPrinter(spec.dtype.name)
    code = printer_code(printer, "cuda")
    params = [p for k in range(len(spec.names)) for p in (f"_a{k}", f"_s{k}")] + ["_n", "_out"]
    body = ["    _start = cuda.grid(1)", "    _step = cuda.gridsize(1)"]
    body += element_loop(spec, code, "for _i in range(_start, _n, _step):", "_a{k}[_i * _s{k}]",
                         "cuda.atomic.add(_out, {k}, _r{k})")
    func = "\n".join(printer.constant_lines() + ([""] if printer.constants else []) +
                     ["@cuda.jit(cache=True)", f"def kernel({', '.join(params)}):", *body]) + "\n"
    note = spec.describe("cuda") + (
        f"\n\nkernel[blocks, threads]({', '.join(params)}): _a<k> are contiguous "
        f"{spec.dtype.name} device arrays of _n elements (or of one element with _s<k> = 0; "
        f"else _s<k> = 1); _out has shape ({spec.n_out}{'' if spec.reduce else ', _n'})"
        + (" and must start at zero (partial sums are added atomically)." if spec.reduce
           else "."))
    return module_source([func], "cuda", note=note)


class CudaKernel(ElementwiseKernel):
    """Host wrapper: NumPy in → NumPy out; a device array in (or a device ``out``) → device out."""

    def __init__(self, spec: FunctionSpec, source: str, module):
        super().__init__(spec, source, module, "cuda")
        self._launch = Launcher(module.kernel)

    def __call__(self, *arrays: Any, out: Any = None):
        cuda = require_device()
        spec = self.spec
        on_device = [is_device_array(a) for a in arrays]
        host = spec.check_arguments([np.zeros(0, a.dtype) if d else a
                                     for a, d in zip(arrays, on_device)])
        arrays = [a if d else h for a, d, h in zip(arrays, on_device, host)]
        shape = spec.broadcast_shape(arrays)
        n = int(np.prod(shape)) if shape else 1
        args = []
        for sym, a, dev in zip(spec.args, arrays, on_device):
            size = int(np.prod(a.shape)) if a.shape else 1
            if dev and np.dtype(a.dtype) != spec.dtype:
                raise TypeError(f"device argument {sym.name} has dtype {np.dtype(a.dtype).name} "
                                f"but the kernel was built for {spec.dtype.name}; device arrays "
                                f"are not converted")
            if dev and size not in (n, 1):
                raise ValueError(f"device argument {sym.name} has shape {tuple(a.shape)}; a device "
                                 f"array must have the broadcast shape {shape} or one element")
            if dev and not a.is_c_contiguous():
                raise ValueError(f"device argument {sym.name} is not contiguous")
            if not dev:
                a = cuda.to_device(a.reshape(1) if size == 1 else
                                   np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(-1))
            args += [a.reshape(size) if dev else a, 0 if size == 1 else 1]
        want = spec.result_shape(shape)
        flat_shape = (spec.n_out,) if spec.reduce else (spec.n_out, n)
        device_out = out is not None and is_device_array(out)
        if out is not None:
            spec.check_out(out, shape)
        if device_out:
            if not out.is_c_contiguous():
                raise ValueError("device out must be contiguous")
            target = out.reshape(*flat_shape)
            if spec.reduce:
                target.copy_to_device(np.zeros(flat_shape, spec.dtype))
        elif spec.reduce:
            target = cuda.to_device(np.zeros(flat_shape, spec.dtype))
        else:
            target = cuda.device_array(flat_shape, dtype=spec.dtype)
        self._launch(tuple(args) + (np.int64(n), target), n)
        if device_out:
            return out
        if any(on_device):
            return target.reshape(*want) if want else target
        result = target.copy_to_host().reshape(want)
        if out is not None:
            out[...] = result
            return out
        return result


def build_cuda(spec: FunctionSpec) -> CudaKernel:
    """Emit and load the CUDA module of ``spec`` (a GPU is only needed to call it)."""
    cuda_module()
    source = cuda_source(spec)
    return CudaKernel(spec, source, load_module(source, "cuda", key_parts=[spec.dtype.name]))
