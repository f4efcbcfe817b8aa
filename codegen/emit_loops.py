"""Emit explicit-loop Python source from kernel IR, for Numba's ``@njit`` (and plain Python)."""
from __future__ import annotations

from sympy import Expr

from .build import DECORATORS
from .ir import AddTo, Assign, Kernel, Loop, ScatterAdd, Store
from .numba_vecmath import loop_printer, with_helper
from .parallel import parallel_safe
from .printers import ScalarPrinter, safe_name


def numba_functions(kernels: list[Kernel], parallel: bool = False) -> list[str]:
    """Sources of ``@njit`` functions for ``kernels``, after the SIMD math helper they call
    (`codegen.numba_vecmath`; none when they call no function libmvec has)."""
    return with_helper([emit_loops(k, DECORATORS["numba"], parallel,
                                   printer=loop_printer(complex_values=k.complex_outputs))
                        for k in kernels])


def emit_loops(kernel: Kernel, decorator: str = "", parallel: bool = False,
               printer: ScalarPrinter | None = None) -> str:
    """Source of one function: loops as written, scalars with ``printer`` (`math` calls by
    default), outputs allocated inside.

    With ``parallel``, top-level loops whose iterations write disjoint places become ``prange``
    (and the decorator gets ``parallel=True``).
    """
    code = (printer or ScalarPrinter()).doprint
    args = ", ".join(safe_name(a) for a, _ in kernel.args)
    pranges = {id(st) for st in kernel.body
               if parallel and isinstance(st, Loop) and parallel_safe(st)}
    if decorator and pranges:
        decorator = decorator.replace(")", ", parallel=True)")
    lines = [decorator] if decorator else []
    lines.append(f"def {kernel.name}({args}):")
    for v in kernel.views:
        src = safe_name(v.source)
        if v.shape == ():
            lines.append(f"    {safe_name(v.name)} = {src}[{v.offset}]")
        elif len(v.shape) == 1:
            lines.append(f"    {safe_name(v.name)} = {src}[{v.offset}:{v.offset + v.shape[0]}]")
        else:
            size = 1
            for s in v.shape:
                size *= s
            lines.append(f"    {safe_name(v.name)} = {src}[{v.offset}:{v.offset + size}]"
                         f".reshape({v.shape})")
    dtype = "np.complex128" if kernel.complex_outputs else "np.float64"
    for name, size in kernel.outputs:
        alloc = "empty" if name in kernel.filled_outputs else "zeros"
        lines.append(f"    {safe_name(name)} = np.{alloc}({size}, dtype={dtype})")

    def walk(stmts: list, indent: str) -> None:
        for st in stmts:
            if isinstance(st, Loop):
                rng = "numba.prange" if id(st) in pranges else "range"
                lines.append(f"{indent}for {code(st.index)} in {rng}({code(st.start)}, "
                             f"{code(st.stop)}):")
                walk(st.body, indent + "    ")
            elif isinstance(st, Assign):
                lines.append(f"{indent}{code(st.target)} = {_value(st.value, code)}")
            elif isinstance(st, AddTo):
                lines.append(f"{indent}{code(st.target)} += {code(st.value)}")
            elif isinstance(st, ScatterAdd):
                lines.append(f"{indent}{safe_name(st.array)}[{code(st.index)}] += {code(st.value)}")
            elif isinstance(st, Store):
                lines.append(f"{indent}{safe_name(st.array)}[{code(st.index)}] = {code(st.value)}")
            else:
                raise TypeError(f"unknown IR statement {st!r}")

    walk(kernel.body, "    ")
    if kernel.result is not None:
        cast = "complex" if kernel.complex_outputs else "float"
        lines.append(f"    return {cast}({code(kernel.result)})")
    else:
        lines.append(f"    return {', '.join(safe_name(n) for n, _ in kernel.outputs)}")
    return "\n".join(lines) + "\n"


def _value(e: Expr, code) -> str:
    return repr(float(e)) if e.is_Integer else code(e)
