"""Emit vectorized array source from kernel IR, for NumPy (in place) and JAX (functional updates).

A loop nest becomes broadcasting: the loop at depth d is an index array along axis d, so the
body's expressions are arrays over the loops they depend on; sums reduce over their own axis.
"""
from __future__ import annotations

import re

import sympy
from sympy import Expr

from .ir import AddTo, Assign, Kernel, Loop, ScatterAdd, Store
from .printers import JaxVectorPrinter, NumPyVectorPrinter, safe_name


class _SliceLoads:
    """Print ``x[a*j + c]`` over a loop axis as the slice ``x[a*start+c : ... : a]``, not a gather.

    A gather with an ``arange`` index copies through an index array (NumPy) or lowers to a
    gather op (XLA); a basic slice is a view. ``axes`` maps each open loop's index to
    (start, stop, axis) and ``ndim`` is the rank of the current loop nest's broadcast.
    """

    def __init__(self, settings=None):
        super().__init__(settings)
        self.axes: dict = {}
        self.ndim = 0

    def _print_Indexed(self, expr):
        items, last = [], -1
        for index in expr.indices:
            loop = next((s for s in index.free_symbols if s in self.axes), None)
            if loop is None and index.is_Integer:
                items.append(str(int(index)))
                continue
            start, stop, axis = self.axes[loop] if loop is not None else (0, 0, -1)
            piece = _affine_slice(index, loop, start, stop) if loop is not None else None
            if piece is None or axis <= last:
                return super()._print_Indexed(expr)
            if last >= 0:
                items.extend(["None"] * (axis - last - 1))
            items.append(piece)
            last = axis
        if last < 0:
            return super()._print_Indexed(expr)
        items.extend(["None"] * (self.ndim - last - 1))
        return f"{safe_name(str(expr.base.label))}[{', '.join(items)}]"


def _affine_slice(index: Expr, loop, start: int, stop: int) -> str | None:
    """The slice that ``index = a*loop + c`` (integers a != 0, c) visits for loop in [start, stop).

    None when ``index`` is not of that form or would visit a negative position (where NumPy
    indexing would wrap around).
    """
    step = index.coeff(loop)
    offset = index - step * loop
    if not (step.is_Integer and offset.is_Integer) or step == 0 or stop <= start:
        return None
    step, offset = int(step), int(offset)
    first, last = step * start + offset, step * (stop - 1) + offset
    if min(first, last) < 0:
        return None
    end = last + (1 if step > 0 else -1)
    end_text = "" if end < 0 else str(end)
    return f"{first}:{end_text}" if step == 1 else f"{first}:{end_text}:{step}"


class _NumPySlices(_SliceLoads, NumPyVectorPrinter):
    """NumPy vector printer with slice loads."""


class _JaxSlices(_SliceLoads, JaxVectorPrinter):
    """jax.numpy vector printer with slice loads."""


def _depth(stmts: list) -> int:
    return max((1 + _depth(s.body) for s in stmts if isinstance(s, Loop)), default=0)


def emit_vector(kernel: Kernel, backend: str = "numpy") -> str:
    """Source of one vectorized function (``backend`` is "numpy" or "jax")."""
    jax = backend == "jax"
    p = _JaxSlices() if jax else _NumPySlices()
    xp = "jax.numpy" if jax else "numpy"
    code = p.doprint
    lines = [f"def {kernel.name}({', '.join(safe_name(a) for a, _ in kernel.args)}):"]
    for v in kernel.views:
        src = safe_name(v.source)
        size = int(sympy.prod(v.shape)) if v.shape else 1
        view = f"{src}[{v.offset}]" if v.shape == () else \
            f"{src}[{v.offset}:{v.offset + size}].reshape({v.shape})"
        lines.append(f"    {safe_name(v.name)} = {view}")
    dtype = f"{xp}.complex128" if kernel.complex_outputs else f"{xp}.float64"
    for name, size in kernel.outputs:
        alloc = "empty" if name in kernel.filled_outputs and not jax else "zeros"
        lines.append(f"    {safe_name(name)} = {xp}.{alloc}({size}, dtype={dtype})")

    def scatter(st, chain, ndim, indent, store):
        arr, val = safe_name(st.array), code(st.value)
        idx = st.index
        if not chain:
            op = "set" if store else "add"
            lines.append(f"{indent}{arr} = {arr}.at[{code(idx)}].{op}({val})" if jax else
                         f"{indent}{arr}[{code(idx)}] {'=' if store else '+='} {val}")
            return
        shape = _shape(chain, ndim)
        size = int(sympy.prod(shape))
        free = idx.free_symbols & {lp.index for lp in chain}
        if not free:
            total = f"{xp}.sum({xp}.broadcast_to({val}, {shape}))"
            lines.append(f"{indent}{arr} = {arr}.at[{code(idx)}].add({total})" if jax else
                         f"{indent}{arr}[{code(idx)}] += {total}")
            return
        contiguous = _slice_target(idx, chain)
        if contiguous is not None:
            target = contiguous
            value = f"{xp}.broadcast_to({val}, {shape}).reshape({size})"
        else:
            target = f"{xp}.broadcast_to({code(idx)}, {shape}).reshape({size})"
            value = f"{xp}.broadcast_to({val}, {shape}).reshape({size})"
        if jax:
            lines.append(f"{indent}{arr} = {arr}.at[{target}].{'set' if store else 'add'}({value})")
        elif store or contiguous is not None:
            lines.append(f"{indent}{arr}[{target}] {'=' if store else '+='} {value}")
        else:
            lines.append(f"{indent}numpy.add.at({arr}, {target}, {value})")

    depth_of: dict = {}   # accumulator -> number of loops around its definition

    def walk(stmts, chain, ndim, indent):
        for st in stmts:
            if isinstance(st, Loop):
                nd = ndim if chain else _depth([st])
                axis = len(chain)
                shape = [1] * nd
                shape[axis] = -1
                lines.append(f"{indent}{code(st.index)} = {xp}.arange({code(st.start)}, "
                             f"{code(st.stop)}).reshape({tuple(shape)})")
                p.axes[st.index] = (int(st.start), int(st.stop), axis)
                p.ndim = nd
                walk(st.body, chain + [st], nd, indent)
            elif isinstance(st, Assign):
                depth_of[st.target] = len(chain)
                lines.append(f"{indent}{code(st.target)} = {_float(st.value, code)}")
            elif isinstance(st, AddTo):
                shape = _shape(chain, ndim)
                full = f"{xp}.broadcast_to({code(st.value)}, {shape})"
                outer = depth_of.get(st.target, len(chain) - 1)
                if outer == 0:
                    red = f"{xp}.sum({full})"
                else:
                    axes = tuple(range(outer, ndim))
                    red = f"{xp}.sum({full}, axis={axes}, keepdims=True)"
                lines.append(f"{indent}{code(st.target)} = {code(st.target)} + {red}")
            elif isinstance(st, (ScatterAdd, Store)):
                scatter(st, chain, ndim, indent, isinstance(st, Store))
            else:
                raise TypeError(f"unknown IR statement {st!r}")

    walk(kernel.body, [], 0, "    ")
    lines = _without_unused_indices(lines, [code(index) for index in p.axes])
    if kernel.result is not None:
        lines.append(f"    return {code(kernel.result)}")
    else:
        lines.append(f"    return {', '.join(safe_name(n) for n, _ in kernel.outputs)}")
    return "\n".join(lines) + "\n"


def _without_unused_indices(lines: list[str], names: list[str]) -> list[str]:
    """Drop the ``arange`` of a loop index that every load turned into a slice."""
    for name in names:
        pattern = re.compile(rf"\b{re.escape(name)}\b")
        users = [k for k, line in enumerate(lines) if pattern.search(line)]
        if len(users) == 1 and lines[users[0]].lstrip().startswith(f"{name} = "):
            del lines[users[0]]
    return lines


def _shape(chain: list, ndim: int) -> tuple[int, ...]:
    sizes = [int(lp.stop - lp.start) for lp in chain]
    return tuple(sizes + [1] * (ndim - len(sizes)))


def _slice_target(idx: Expr, chain: list) -> str | None:
    """The slice of positions when ``idx`` is ``a*j + c`` over the only loop of the chain.

    Distinct iterations write distinct positions (a != 0), so ``out[slice] += v`` is exact.
    """
    if len(chain) != 1:
        return None
    lp = chain[0]
    idx = sympy.expand(idx)
    if not idx.is_polynomial(lp.index) or sympy.degree(idx, lp.index) != 1:
        return None
    return _affine_slice(idx, lp.index, int(lp.start), int(lp.stop))


def _float(e: Expr, code) -> str:
    return repr(float(e)) if e.is_Integer else code(e)
