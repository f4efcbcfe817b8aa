"""`Domain`: a box of one or two axes with a uniform grid, periodic or bounded per axis."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from sympy import Symbol

from ..errors import DeclarationError


@dataclass(frozen=True)
class Axis:
    """One axis: coordinate symbol, extent, number of grid points, periodicity."""

    symbol: Symbol
    lower: sympy.Expr
    upper: sympy.Expr
    points: int
    periodic: bool

    @property
    def name(self) -> str:
        return self.symbol.name

    @property
    def length(self) -> float:
        return float(self.upper - self.lower)

    @property
    def spacing(self) -> float:
        """Grid spacing: L/N when periodic (no repeated end point), else L/(N-1)."""
        return self.length / (self.points if self.periodic else self.points - 1)

    def grid(self) -> np.ndarray:
        lo = float(self.lower)
        return lo + self.spacing * np.arange(self.points)


class Domain:
    """A box ``Domain(x=(a, b), points=N, periodic=True)``; 2D with ``y=(c, d), points=(nx, ny)``.

    >>> import symbolic as sy
    >>> dom = sy.Domain(x=(0, 1), points=5, periodic=False)
    >>> dom.grid()[0].tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """

    def __init__(self, points: Any = None, periodic: Any = True, **extents: Any):
        if not extents:
            raise DeclarationError("a Domain needs at least one axis, e.g. Domain(x=(0, 1), ...)")
        if len(extents) > 3:
            raise DeclarationError(f"at most 3 axes are supported, got {list(extents)}")
        if points is None:
            raise DeclarationError("give the number of grid points: points=N (or a tuple)")
        n = len(extents)
        pts = tuple(points) if isinstance(points, (tuple, list)) else (points,) * n
        per = tuple(periodic) if isinstance(periodic, (tuple, list)) else (periodic,) * n
        if len(pts) != n or len(per) != n:
            raise DeclarationError(f"points={points!r} and periodic={periodic!r} must give one "
                                   f"value per axis ({', '.join(extents)})")
        axes = []
        for (name, ext), npts, p in zip(extents.items(), pts, per):
            if not (isinstance(ext, (tuple, list)) and len(ext) == 2):
                raise DeclarationError(f"axis '{name}' needs an extent (lower, upper), got {ext!r}")
            lo, hi = sympy.sympify(ext[0]), sympy.sympify(ext[1])
            if not (float(hi) > float(lo)):
                raise DeclarationError(f"axis '{name}': upper {hi} must exceed lower {lo}")
            if int(npts) < 4:
                raise DeclarationError(f"axis '{name}' needs at least 4 grid points, got {npts}")
            axes.append(Axis(Symbol(name, real=True), lo, hi, int(npts), bool(p)))
        self.axes = tuple(axes)

    @property
    def ndim(self) -> int:
        return len(self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(a.points for a in self.axes)

    @property
    def symbols(self) -> tuple[Symbol, ...]:
        return tuple(a.symbol for a in self.axes)

    @property
    def cell_volume(self) -> float:
        """Quadrature weight of an interior grid point (uniform grid)."""
        return float(np.prod([a.spacing for a in self.axes]))

    def axis(self, name: str | Symbol) -> Axis:
        key = getattr(name, "name", name)
        for a in self.axes:
            if a.name == key:
                return a
        raise DeclarationError(f"the domain has no axis '{key}'; its axes are "
                               f"{', '.join(a.name for a in self.axes)}")

    def grid(self) -> tuple[np.ndarray, ...]:
        """The 1-D grid of each axis."""
        return tuple(a.grid() for a in self.axes)

    def mesh(self) -> tuple[np.ndarray, ...]:
        """Coordinate arrays of the full grid (indexing='ij')."""
        return tuple(np.meshgrid(*self.grid(), indexing="ij"))

    def __repr__(self) -> str:
        parts = [f"{a.name}=({a.lower}, {a.upper}) [{a.points} pts, "
                 f"{'periodic' if a.periodic else 'bounded'}]" for a in self.axes]
        return f"Domain({', '.join(parts)})"
