"""`build_function`: compile a list or matrix of expressions into a kernel over arrays.

>>> import numpy as np, symbolic as sy, codegen
>>> x, y = sy.symbols("x y")
>>> k = codegen.build_function([sy.sin(x) * sy.exp(-y**2), x**2 * y], args=[x, y], backend="numba")
>>> out = k(np.array([0.5, 1.0]), np.array([2.0, 3.0]))
>>> out.shape, bool(np.allclose(out[1], [0.5, 3.0]))
((2, 2), True)
>>> s = codegen.build_function([x * y, x + y], [x, y], reduce="sum")
>>> s(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
array([11., 10.])
>>> m = codegen.build_function(sy.SparseMatrix([[x, 0], [0, x * y]]), [x, y])
>>> m.pattern.rows.tolist(), m.pattern.cols.tolist(), m(2.0, 3.0).tolist()
([0, 1], [0, 1], [2.0, 6.0])
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import sympy
from sympy.printing.codeprinter import PrintMethodNotImplementedError

from .build import load_by_request, load_module, module_source, record_request
from .function_spec import FunctionSpec, make_spec
from .numba_vecmath import HELPER_NOTE, enabled, scalar_printer, with_helper
from .printers import JaxVectorPrinter, NumPyVectorPrinter

BACKENDS = ("numpy", "numba", "jax", "cuda", "llvm")
_STRAY_MATH = re.compile(r"(?<![\w.])math\.(\w+)")


class ElementwiseKernel:
    """A compiled kernel: ``k(*arrays, out=None)`` -> array of shape ``out_shape + broadcast``.

    With ``reduce="sum"`` the element axes are summed: the result has shape ``out_shape``.
    ``source`` is the generated module, ``write(path)`` saves it as a standalone file, and
    ``pattern`` holds the coordinates of a sparse matrix's values.
    """

    def __init__(self, spec: FunctionSpec, source: str, module, backend: str):
        self.spec = spec
        self.source = source
        self.module = module
        self.backend = backend

    @property
    def dtype(self) -> np.dtype:
        return self.spec.dtype

    @property
    def pattern(self):
        return self.spec.pattern

    @property
    def n_out(self) -> int:
        return self.spec.n_out

    def __repr__(self) -> str:
        return (f"<{self.backend} kernel {self.spec.out_shape} of "
                f"({', '.join(a.name for a in self.spec.args)}), {self.dtype.name}"
                f"{', sum' if self.spec.reduce else ''}>")

    def __call__(self, *arrays: Any, out: Any = None):
        spec = self.spec
        if self.backend == "jax":
            return self._call_jax(arrays, out)
        flat = self._plain_inputs(arrays)
        if flat is None:                      # broadcast, convert and check (the general path)
            arrays = spec.check_arguments(arrays)
            shape = spec.broadcast_shape(arrays)
            flat = [_writable(np.ascontiguousarray(a if a.shape == shape else
                                                   np.broadcast_to(a, shape)).reshape(-1))
                    for a in arrays]
        else:
            shape = arrays[0].shape
        if out is not None:
            spec.check_out(out, shape)
        if self.backend == "numpy":
            result = self.module.kernel(*[f.reshape(shape) for f in flat])
            if out is None:
                return result
            out[...] = result
            return out
        n = flat[0].size if flat else 1
        direct = out is not None and out.flags.c_contiguous
        target = out if direct else np.empty(spec.result_shape(shape), dtype=spec.dtype)
        view = target.reshape(spec.n_out) if spec.reduce else target.reshape(spec.n_out, n)
        self.module.kernel(*flat, n, view)
        if out is not None and not direct:
            out[...] = target
            return out
        return target

    def _plain_inputs(self, arrays: tuple) -> list | None:
        """Flat views of the inputs when they need no work: writable contiguous arrays of the
        kernel's dtype and one shape (the fast path; anything else goes the general way)."""
        if len(arrays) != len(self.spec.args) or not arrays:
            return None
        shape, dtype = getattr(arrays[0], "shape", None), self.spec.dtype
        for a in arrays:
            if type(a) is not np.ndarray or a.dtype != dtype or a.shape != shape \
                    or not a.flags.c_contiguous or not a.flags.writeable:
                return None
        return [a.reshape(-1) for a in arrays]

    def _call_jax(self, arrays: tuple, out: Any):
        import jax.numpy as jnp
        if out is not None:
            raise TypeError("backend 'jax' returns new arrays (JAX arrays are immutable); "
                            "call without out=")
        arrays = self.spec.check_arguments(arrays, xp=jnp)
        self.spec.broadcast_shape(arrays)
        return self.module.kernel(*arrays)

    def write(self, path: str | Path) -> Path:
        """Write the standalone module (it imports only its backend)."""
        path = Path(path)
        path.write_text(self.source)
        return path


def _writable(a: np.ndarray) -> np.ndarray:
    return a if a.flags.writeable else a.copy()


def printer_code(printer, backend: str) -> Callable[[Any], str]:
    """``printer.doprint`` that names the function a backend cannot express."""
    vector = backend in ("numpy", "jax")
    complex_scalar = getattr(printer, "dtype", "").startswith("complex")

    def code(expr) -> str:
        try:
            text = printer.doprint(expr)
        except PrintMethodNotImplementedError as exc:
            name = str(exc).splitlines()[0].rsplit(":", 1)[-1].strip()
            raise NotImplementedError(f"backend {backend!r} cannot express the function {name} "
                                      f"(in {expr}); choose another backend or rewrite it") from None
        stray = _STRAY_MATH.search(text) if vector or complex_scalar else None
        if stray:
            what = "complex values" if complex_scalar else "arrays"
            raise NotImplementedError(f"backend {backend!r} cannot evaluate the function "
                                      f"{stray.group(1)} on {what} (in {expr}); choose another "
                                      f"backend or rewrite it")
        return text
    return code


def element_loop(spec: FunctionSpec, code: Callable, loop: str, load: str,
                 finish: str) -> list[str]:
    """Lines of a kernel body: ``loop`` over the elements, loading argument k with ``load``,
    computing temporaries, storing each result (or adding it to ``_r{k}``, then ``finish``)."""
    lines = [f"    _r{k} = {code(sympy.Float(0.0))}" for k in range(spec.n_out)] \
        if spec.reduce else []
    lines.append(f"    {loop}")
    lines += [f"        {n} = {load.format(k=k)}" for k, n in enumerate(spec.names)]
    lines += [f"        {code(t)} = {code(e)}" for t, e in spec.temps]
    if spec.reduce:
        lines += [f"        _r{k} += {code(e)}" for k, e in enumerate(spec.reduced)]
        lines += [f"    {finish.format(k=k)}" for k in range(spec.n_out)]
    else:
        lines += [f"        _out[{k}, _i] = {code(e)}" for k, e in enumerate(spec.reduced)]
    return lines


def numba_source(spec: FunctionSpec) -> str:
    """An ``@njit`` loop over the flat elements (explicit signature: compiled at import)."""
    code = printer_code(scalar_printer(spec.dtype.name), "numba")
    ty = f"numba.types.{spec.dtype.name}"          # float32, float64, complex64, complex128
    inputs = [f"_a{k}" for k in range(len(spec.names))]
    out_ty = f"{ty}[::1]" if spec.reduce else f"{ty}[:, ::1]"
    sig = ", ".join([f"{ty}[::1]"] * len(inputs) + ["numba.types.int64", out_ty])
    lines = [f"@numba.njit(numba.types.void({sig}), cache=True, nogil=True, "
             "error_model='numpy')",   # divisions unchecked: loops vectorize (build.DECORATORS)
             f"def kernel({', '.join(inputs + ['_n', '_out'])}):"]
    lines += element_loop(spec, code, "for _i in range(_n):", "_a{k}[_i]", "_out[{k}] = _r{k}")
    note = spec.describe("numba") + (
        "\n\nkernel(" + ", ".join(inputs + ["_n", "_out"]) + "): every input a contiguous "
        f"{spec.dtype.name} array of _n elements (the arguments in order, broadcast and "
        f"flattened); _out has shape ({spec.n_out}{'' if spec.reduce else ', _n'}) and receives "
        "the results.")
    functions = with_helper(["\n".join(lines) + "\n"], spec.dtype.name)
    helper_note = HELPER_NOTE if len(functions) > 1 else ""
    return module_source(functions, "numba", note=note + helper_note)


def vector_source(spec: FunctionSpec, backend: str) -> str:
    """A NumPy or jax.numpy function of the (broadcastable) argument arrays."""
    jax = backend == "jax"
    xp = "jax.numpy" if jax else "numpy"
    code = printer_code(JaxVectorPrinter() if jax else NumPyVectorPrinter(), backend)
    shapes = ", ".join(f"{xp}.shape({n})" for n in spec.names)
    lines = [f"def kernel({', '.join(spec.names)}):",
             f"    _shape = {xp}.broadcast_shapes({shapes})" if spec.names else "    _shape = ()"]
    lines += [f"    {code(t)} = {code(e)}" for t, e in spec.temps]
    if spec.reduce:
        items = ", ".join(f"{xp}.sum({xp}.broadcast_to({code(e)}, _shape))" for e in spec.reduced)
        shape = repr(spec.out_shape)
    else:
        items = ", ".join(f"{xp}.broadcast_to({code(e)}, _shape)" for e in spec.reduced)
        shape = f"{spec.out_shape!r} + tuple(_shape)"
    lines.append(f"    return {xp}.stack([{items}]).reshape({shape})"
                 f".astype({xp}.{spec.dtype.name})")
    footer = "\nkernel = jax.jit(kernel)\n" if jax else ""
    note = spec.describe(backend) + (f"\n\nkernel({', '.join(spec.names)}) takes arrays that "
                                     "broadcast against each other and returns the results.")
    return module_source(["\n".join(lines) + "\n"], backend, footer=footer, note=note)


def build_function(exprs: Sequence[Any] | Any, args: Sequence[Any], backend: str = "numpy",
                   dtype: Any = np.float64, reduce: str | None = None) -> ElementwiseKernel:
    """Compile ``exprs`` of the symbols ``args`` into a kernel over arrays.

    ``exprs``: one expression, a list (nested lists make a matrix), a SymPy Matrix, or a sparse
    Matrix (the kernel returns its values in COO order; ``k.pattern`` has the coordinates).
    Arguments broadcast against each other; the results stack on the leading axes. ``reduce=
    "sum"`` sums each result over the elements instead. ``dtype``: float64 (default), float32
    (computed in float32), complex64/complex128 (chosen automatically when an expression has I).
    ``backend``: numpy, numba, jax, cuda (NumPy or device arrays in, like arrays out), or llvm
    (native code; ``k.write(stem)`` writes stem.o, stem.so and a C header stem.h).
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    spec = make_spec(exprs, args, dtype, reduce)
    if backend == "cuda":
        from .cuda_function import build_cuda
        return build_cuda(spec)
    if backend == "llvm":
        from .llvm.function import build_llvm
        return build_llvm(spec)
    request = spec.request_key(backend) + ("_vm" if backend == "numba" and enabled() else "")
    cached = load_by_request(request, backend, key_parts=[spec.dtype.name])
    if cached is not None:                 # no CSE, no printing: the verified file is loaded
        module, source = cached
    else:
        source = numba_source(spec) if backend == "numba" else vector_source(spec, backend)
        module = load_module(source, backend, key_parts=[spec.dtype.name])
        record_request(request, module)
    return ElementwiseKernel(spec, source, module, backend)
