"""Structured sparsity: a matrix's entries as blocks of affine (row, col) index templates.

A block lists the loops that enumerate its entries; its coordinates come from evaluating the
affine row/col templates over those ranges with NumPy (work of size nnz, no symbolic work).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy
from sympy import Expr

from .derive import Loop


@dataclass(frozen=True)
class SparseBlock:
    """Entries (row, col) += value over ``loops``; rows/cols are affine in the loop indices.

    Loops that appear in neither row nor col are reductions: their values add up in one entry.
    """

    row: Expr
    col: Expr
    loops: tuple[Loop, ...]
    value: Expr

    @property
    def entry_loops(self) -> list[Loop]:
        used = self.row.free_symbols | self.col.free_symbols
        return [lp for lp in self.loops if lp[0] in used]

    @property
    def entry_shape(self) -> tuple[int, ...]:
        return tuple(int(hi - lo + 1) for _, lo, hi in self.entry_loops)

    @property
    def nnz(self) -> int:
        return int(np.prod(self.entry_shape)) if self.entry_loops else 1


@dataclass(frozen=True)
class StructuredPattern:
    """The sparsity of a matrix as a list of blocks; `coo()` gives the coordinates.

    >>> import symbolic as sy
    >>> x = sy.Variable("x", shape=5)
    >>> pattern = sy.Problem(minimize=sy.sum((x[1:] - x[:-1]) ** 2)).hessian_sparsity()
    >>> pattern.nnz, pattern.coo()[0][:4].tolist(), pattern.coo()[1][:4].tolist()
    (16, [0, 1, 2, 3], [0, 1, 2, 3])
    """

    blocks: tuple[SparseBlock, ...]
    shape: tuple[int, int]

    @property
    def nnz(self) -> int:
        """Stored entries (duplicates included; they are summed)."""
        return sum(b.nnz for b in self.blocks)

    def coo(self) -> tuple[np.ndarray, np.ndarray]:
        """Row and column arrays, block after block, entries in row-major order of their loops."""
        rows, cols = [], []
        for b in self.blocks:
            entry = b.entry_loops
            grids = np.meshgrid(*[np.arange(int(lo), int(hi) + 1) for _, lo, hi in entry],
                                indexing="ij") if entry else []
            syms = [v for v, _, _ in entry]
            for expr, dest in ((b.row, rows), (b.col, cols)):
                f = sympy.lambdify(syms, expr, "numpy")
                val = np.broadcast_to(np.asarray(f(*grids), dtype=np.int64), b.entry_shape)
                dest.append(np.ravel(val))
        cat = (lambda a: np.concatenate(a) if a else np.zeros(0, np.int64))
        return cat(rows), cat(cols)

    def __repr__(self) -> str:
        from .printing import readable
        lines = [f"StructuredPattern(shape={self.shape}, nnz={self.nnz}, blocks=["]
        for b in self.blocks:
            pair = readable(sympy.Tuple(b.row, b.col, *[lp[0] for lp in b.entry_loops]))
            ranges = ", ".join(f"{v} in [{lo}, {hi}]" for v, (_, lo, hi) in
                               zip(pair[2:], b.entry_loops))
            lines.append(f"  ({pair[0]}, {pair[1]})" + (f" for {ranges}" if ranges else ""))
        return "\n".join(lines) + "])"
