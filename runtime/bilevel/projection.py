"""Euclidean projection onto {w : box, affine constraints} by Dykstra's alternating projections.

LV-HBA projects (x, y) onto C = {(x, y) in the bounds : lower-level constraints hold} (Yao et
al., 2024, assume this projection is computable). For affine constraints a w + b (<=, >=, =) 0
the sets are a box, halfspaces and hyperplanes, each with a closed-form projection; Dykstra's
method (Boyle and Dykstra, 1986) converges to the projection onto their intersection.
"""
from __future__ import annotations

import numpy as np


class AffineSet:
    """{w : lo <= w <= hi, c_lo <= J w + c0 <= c_hi} with a projection."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, J: np.ndarray, c0: np.ndarray,
                 c_lo: np.ndarray, c_hi: np.ndarray, tol: float = 1e-13, max_sweeps: int = 10_000):
        self.lo, self.hi, self.J, self.c0 = lo, hi, J, c0
        self.c_lo, self.c_hi = c_lo, c_hi
        self.norms = np.einsum("ij,ij->i", J, J)
        self.tol, self.max_sweeps = tol, max_sweeps

    def contains(self, w: np.ndarray, slack: float = 1e-12) -> bool:
        c = self.J @ w + self.c0
        return bool(np.all(w >= self.lo - slack) and np.all(w <= self.hi + slack)
                    and np.all(c >= self.c_lo - slack) and np.all(c <= self.c_hi + slack))

    def _row(self, i: int, v: np.ndarray) -> np.ndarray:
        """Projection onto constraint row i (a slab c_lo <= a.w + c0 <= c_hi)."""
        a, n2 = self.J[i], self.norms[i]
        if n2 == 0:
            return v
        c = a @ v + self.c0[i]
        target = min(max(c, self.c_lo[i]), self.c_hi[i])
        return v - ((c - target) / n2) * a

    def project(self, v: np.ndarray) -> np.ndarray:
        """The point of the set nearest to ``v``."""
        w = np.clip(v, self.lo, self.hi)
        if self.J.shape[0] == 0 or self.contains(w):
            return w
        sets = self.J.shape[0] + 1
        increments = [np.zeros_like(v) for _ in range(sets)]
        w = v.copy()
        for _ in range(self.max_sweeps):
            before = w.copy()
            for s in range(sets):
                shifted = w + increments[s]
                w_new = np.clip(shifted, self.lo, self.hi) if s == 0 else self._row(s - 1, shifted)
                increments[s] = shifted - w_new
                w = w_new
            if np.max(np.abs(w - before), initial=0.0) <= self.tol * max(1.0, np.max(np.abs(w))):
                break
        return w
