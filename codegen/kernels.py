"""The one interface between compiled kernels and the solvers: callables on arrays plus metadata.

A solver never knows which backend produced its kernels (DESIGN.md, principle 4).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class SparsePattern:
    """Coordinates of the stored entries of a sparse matrix; duplicate coordinates are summed."""

    rows: Array
    cols: Array
    shape: tuple[int, int]

    @property
    def nnz(self) -> int:
        return int(self.rows.size)


class LazySparsePattern(SparsePattern):
    """A pattern whose coordinates are built on first use: an HVP-only solve of a problem with
    a dense Hessian ((sum_i w_i x_i^2)^2: n^2 entries) never builds them.

    >>> p = LazySparsePattern(lambda: (np.array([0, 1]), np.array([1, 0])), (2, 2))
    >>> p.shape, p.nnz
    ((2, 2), 2)
    """

    def __init__(self, build: Callable[[], tuple[Array, Array]], shape: tuple[int, int]):
        object.__setattr__(self, "_build", build)
        object.__setattr__(self, "_coords", None)
        object.__setattr__(self, "shape", tuple(shape))

    def _coordinates(self) -> tuple[Array, Array]:
        if self._coords is None:
            object.__setattr__(self, "_coords", tuple(self._build()))
        return self._coords

    @property
    def rows(self) -> Array:
        return self._coordinates()[0]

    @property
    def cols(self) -> Array:
        return self._coordinates()[1]


@dataclass
class NLPKernels:
    """Kernels of  min f(x)  s.t.  c_lower <= c(x) <= c_upper,  x_lower <= x <= x_upper.

    Equalities have c_lower == c_upper; missing bounds are -inf / +inf. The Lagrangian is
    L = sigma * f(x) + lam @ c(x). Every callable takes and returns float64 NumPy arrays.

    - objective(x) -> float
    - gradient(x) -> (n,)
    - constraints(x) -> (m,)
    - jacobian(x) -> (jacobian_pattern.nnz,) values of dc/dx at jacobian_pattern's coordinates
    - hessian(x, sigma, lam) -> (hessian_pattern.nnz,) values of the Hessian of L; the pattern
      holds both triangles of the symmetric matrix (duplicates summed)
    - hvp(x, sigma, lam, v) -> (n,) Hessian of L times v, without forming the Hessian
    """

    n: int
    m: int
    x_lower: Array
    x_upper: Array
    c_lower: Array
    c_upper: Array
    objective: Callable[[Array], float]
    gradient: Callable[[Array], Array]
    constraints: Callable[[Array], Array]
    jacobian: Callable[[Array], Array]
    jacobian_pattern: SparsePattern
    hessian: Callable[[Array, float, Array], Array]
    hessian_pattern: SparsePattern
    hvp: Callable[[Array, float, Array, Array], Array]
    backend: str = "unknown"
