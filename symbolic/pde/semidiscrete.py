"""The semi-discrete system a spatial discretization produces: state arrays and RHS row pieces.

Rows are structured exactly like NLP constraint rows: an element template over an index range
(or a single index), so the right-hand side and its Jacobian are lowered by the same machinery
and the symbolic work does not grow with the grid.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy
from sympy import Expr, Symbol

from ..arrays import ArrayVariable
from ..derive import Loop, reverse
from ..nlp import Layout
from ..sparsity import SparseBlock, StructuredPattern


@dataclass(frozen=True)
class RowPiece:
    """``dy[index] = value`` for every point of ``loops`` (index affine in the loop indices)."""

    index: Expr
    loops: tuple[Loop, ...]
    value: Expr


@dataclass
class StateBlock:
    """One state array: ``level`` 0 holds a field's values, level 1 its time derivative."""

    field: object
    level: int
    array: ArrayVariable
    nodes: tuple[tuple[int, int], ...]   # per axis, first and last grid node held in the state


@dataclass
class SemiDiscrete:
    """dy/dt = F(t, y) on a grid: state layout, RHS pieces, monitors, grid metadata."""

    blocks: list[StateBlock]
    rows: list[RowPiece]
    monitors: dict[str, Expr]
    complex_state: bool
    time: Symbol
    parameters: list
    force_rows: list[RowPiece] = field(default_factory=list)

    @property
    def layout(self) -> Layout:
        return Layout([b.array for b in self.blocks])

    @property
    def size(self) -> int:
        return self.layout.n

    def jacobian(self) -> list[SparseBlock]:
        """dF/dy as structured blocks (reverse mode on each row template)."""
        layout = self.layout
        wrt = set(layout.variables)
        blocks = []
        for r in self.rows:
            for t in reverse(r.value, sympy.S.One, wrt, r.loops):
                blocks.append(SparseBlock(r.index, layout.flat(t.target), t.loops, t.value))
        return blocks

    def jacobian_pattern(self) -> StructuredPattern:
        return StructuredPattern(tuple(self.jacobian()), (self.size, self.size))

    def block_of(self, fld, level: int) -> StateBlock:
        for b in self.blocks:
            if b.field == fld and b.level == level:
                return b
        raise KeyError(f"no state block for {fld} at level {level}")

    def offset(self, block: StateBlock) -> int:
        return self.layout.offsets[block.array]

    def initial_state(self, values: dict) -> np.ndarray:
        """Flatten per-block grid arrays (full grids) into the state vector."""
        parts = []
        for b in self.blocks:
            full = np.asarray(values[(b.field, b.level)])
            sl = tuple(slice(lo, hi + 1) for lo, hi in b.nodes)
            parts.append(np.ravel(full[sl]))
        dtype = complex if self.complex_state else float
        return np.concatenate(parts).astype(dtype)
