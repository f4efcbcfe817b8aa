"""Emit explicit-loop Python source from kernel IR, for Numba's ``@njit`` (and plain Python)."""
from __future__ import annotations

import sympy
from sympy import Expr

from .build import DECORATORS
from .contractions import GramLoop, gram_updates, with_gram_helper
from .ir import AddTo, Assign, Kernel, Loop, ScatterAdd, Store
from .numba_vecmath import loop_printer, with_helper
from .parallel import parallel_safe
from .printers import ScalarPrinter, safe_name
from .scalar_loads import hoist_loads


def numba_functions(kernels: list[Kernel], parallel: bool = False) -> list[str]:
    """Sources of ``@njit`` functions for ``kernels``, after the SIMD math helper they call
    (`codegen.numba_vecmath`; none when they call no function libmvec has). Weighted Gram
    updates in real kernels become BLAS products (`codegen.contractions`)."""
    return with_gram_helper(with_helper([emit_loops(k, DECORATORS["numba"], parallel,
                                                    printer=loop_printer(
                                                        complex_values=k.complex_outputs),
                                                    blas=not k.complex_outputs)
                                         for k in kernels]))


def emit_loops(kernel: Kernel, decorator: str = "", parallel: bool = False,
               printer: ScalarPrinter | None = None, blas: bool = False) -> str:
    """Source of one function: loops as written, scalars with ``printer`` (`math` calls by
    default), outputs allocated inside; with ``blas``, weighted Gram updates as ``np.dot``.

    With ``parallel``, top-level loops whose iterations write disjoint places become ``prange``
    (and the decorator gets ``parallel=True``). Read-only array elements are loaded once per
    loop iteration, before the stores (`codegen.scalar_loads`).
    """
    code = (printer or ScalarPrinter()).doprint
    args = ", ".join(safe_name(a) for a, _ in kernel.args)
    body = gram_updates(kernel.body, _arrays_2d(kernel)) if blas else kernel.body
    body = hoist_loads(kernel, body)
    pranges = {id(st) for st in body
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
            elif isinstance(st, GramLoop):
                lines.append(f"{indent}{st.weights} = np.empty({code(st.loop.stop - st.loop.start)}"
                             f", dtype=np.float64)")
                walk([st.loop], indent)
                lines.extend(indent + line for line in _gram_product(st, code))
            else:
                raise TypeError(f"unknown IR statement {st!r}")

    walk(body, "    ")
    if kernel.result is not None:
        cast = "complex" if kernel.complex_outputs else "float"
        lines.append(f"    return {cast}({code(kernel.result)})")
    else:
        lines.append(f"    return {', '.join(safe_name(n) for n, _ in kernel.outputs)}")
    return "\n".join(lines) + "\n"


def _arrays_2d(kernel: Kernel) -> set[str]:
    """Names of the kernel's arrays that may be indexed by two indices (arguments, 2-D views)."""
    return ({a for a, kind in kernel.args if kind == "array"}
            | {v.name for v in kernel.views if len(v.shape) == 2})


def _gram_product(g: GramLoop, code) -> list[str]:
    """``(X * w[:, None]).T @ Y`` by ``np.dot`` (BLAS), or ``_sy_gram(X, w)`` (dsyrk) where X is
    Y, added into the output block."""
    lo, hi = g.loop.start, g.loop.stop

    def block(factor, width):
        terms = []
        for t in factor.terms:
            scale = {1: "", -1: "-"}.get(t.coeff, f"{code(t.coeff)}*")
            terms.append(f"{scale}{safe_name(t.array)}[{code(lo + t.row_shift)}:"
                         f"{code(hi + t.row_shift)}, {t.col_shift}:{t.col_shift + width}]")
        return " + ".join(terms)
    out, j, k = safe_name(g.array), f"{g.weights}j", f"{g.weights}k"
    index = code(g.offset + g.row_stride * sympy.Symbol(j) + g.col_stride * sympy.Symbol(k))
    if g.symmetric:
        product = f"{g.weights}g = _sy_gram({block(g.left, g.rows)}, {g.weights})"
    else:
        product = (f"{g.weights}g = np.dot((({block(g.left, g.rows)}) * "
                   f"{g.weights}.reshape(({code(hi - lo)}, 1))).T, "
                   f"np.ascontiguousarray({block(g.right, g.cols)}))")
    return [product,
            f"for {j} in range({g.rows}):",
            f"    for {k} in range({g.cols}):",
            f"        {out}[{index}] += {g.weights}g[{j}, {k}]"]


def _value(e: Expr, code) -> str:
    return repr(float(e)) if e.is_Integer else code(e)
