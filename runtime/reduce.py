"""Removal of fixed variables and unconstrained constraint rows before the interior-point method.

A variable with x_lower == x_upper has no interior, so the barrier cannot handle it: it becomes a
constant (IPOPT's "make_parameter"). A constraint row with both bounds infinite constrains
nothing and only adds a degenerate direction: it is dropped and its multiplier is zero.
`Reduction` maps between the user's problem and the reduced one in both directions.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from codegen.kernels import NLPKernels, SparsePattern


@dataclass
class Reduction:
    """The reduced kernels and the maps back to the original variables and constraints."""

    kernels: NLPKernels
    free: np.ndarray          # indices of the free variables
    fixed: np.ndarray         # indices of the fixed variables
    rows: np.ndarray          # indices of the kept constraint rows
    x_fixed: np.ndarray       # values of the fixed variables
    n: int
    m: int

    def expand_x(self, xr: np.ndarray) -> np.ndarray:
        """The full x from the free variables."""
        x = np.empty(self.n)
        x[self.free] = xr
        x[self.fixed] = self.x_fixed
        return x

    def expand_rows(self, vr: np.ndarray) -> np.ndarray:
        """A full constraint-length vector from the kept rows, zero on dropped rows."""
        v = np.zeros(self.m)
        v[self.rows] = vr
        return v


def _map(size: int, kept: np.ndarray) -> np.ndarray:
    out = np.full(size, -1, dtype=np.int64)
    out[kept] = np.arange(kept.size)
    return out


def reduce_problem(k: NLPKernels) -> Reduction:
    """Fixed variables become constants; rows with both bounds infinite are dropped."""
    n, m = k.n, k.m
    is_fixed = k.x_lower == k.x_upper
    free, fixed = np.flatnonzero(~is_fixed), np.flatnonzero(is_fixed)
    rows = np.flatnonzero(np.isfinite(k.c_lower) | np.isfinite(k.c_upper))
    red = Reduction(k, free, fixed, rows, k.x_lower[fixed].copy(), n, m)
    if fixed.size == 0 and rows.size == m:
        return red

    col_map, row_map = _map(n, free), _map(m, rows)
    jp, hp = k.jacobian_pattern, k.hessian_pattern
    jkeep = np.flatnonzero((col_map[jp.cols] >= 0) & (row_map[jp.rows] >= 0))
    hkeep = np.flatnonzero((col_map[hp.rows] >= 0) & (col_map[hp.cols] >= 0))
    nr, mr = free.size, rows.size
    jpat = SparsePattern(row_map[jp.rows[jkeep]], col_map[jp.cols[jkeep]], (mr, nr))
    hpat = SparsePattern(col_map[hp.rows[hkeep]], col_map[hp.cols[hkeep]], (nr, nr))

    full_x, full_lam = red.expand_x, red.expand_rows

    def hvp(xr, sigma, lam_r, v_r):
        v = np.zeros(n)
        v[free] = v_r
        return k.hvp(full_x(xr), sigma, full_lam(lam_r), v)[free]

    red.kernels = replace(
        k, n=nr, m=mr,
        x_lower=k.x_lower[free], x_upper=k.x_upper[free],
        c_lower=k.c_lower[rows], c_upper=k.c_upper[rows],
        objective=lambda xr: k.objective(full_x(xr)),
        gradient=lambda xr: k.gradient(full_x(xr))[free],
        constraints=lambda xr: k.constraints(full_x(xr))[rows],
        jacobian=lambda xr: k.jacobian(full_x(xr))[jkeep],
        jacobian_pattern=jpat,
        hessian=lambda xr, sigma, lam_r: k.hessian(full_x(xr), sigma, full_lam(lam_r))[hkeep],
        hessian_pattern=hpat,
        hvp=hvp)
    return red
