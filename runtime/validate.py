"""Checks of a problem's metadata and start point before any solver runs, with clear messages.

Bad input gets an error naming the offending piece (DESIGN.md, principle 7): the start point's
length, a bound array's shape, a sparsity pattern that points outside its matrix.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike

from codegen.kernels import NLPKernels, SparsePattern


_INFINITE_BOUND = 1e19


def _bound(name: str, value, size: int) -> np.ndarray:
    """A bound vector; |b| >= 1e19 means no bound (IPOPT's nlp_lower/upper_bound_inf)."""
    arr = np.array(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(size, float(arr))
    if arr.shape != (size,):
        raise ValueError(f"{name} has shape {arr.shape}; expected ({size},)")
    if np.any(np.isnan(arr)):
        raise ValueError(f"{name} contains NaN at index {int(np.flatnonzero(np.isnan(arr))[0])}")
    arr[arr >= _INFINITE_BOUND] = np.inf
    arr[arr <= -_INFINITE_BOUND] = -np.inf
    return arr


def _pattern(name: str, p: SparsePattern, shape: tuple[int, int]) -> SparsePattern:
    rows = np.asarray(p.rows, dtype=np.int64).ravel()
    cols = np.asarray(p.cols, dtype=np.int64).ravel()
    if tuple(p.shape) != shape:
        raise ValueError(f"{name} has shape {tuple(p.shape)}; expected {shape}")
    if rows.size != cols.size:
        raise ValueError(f"{name} has {rows.size} row indices but {cols.size} column indices")
    for label, idx, bound in (("row", rows, shape[0]), ("column", cols, shape[1])):
        bad = (idx < 0) | (idx >= bound)
        if np.any(bad):
            raise ValueError(f"{name} has {label} index {int(idx[bad][0])} outside 0..{bound - 1}")
    return SparsePattern(rows, cols, shape)


def validate_kernels(k: NLPKernels) -> NLPKernels:
    """The kernels with bounds as float arrays and patterns as int64 arrays, or a ValueError."""
    n, m = int(k.n), int(k.m)
    if n < 0 or m < 0:
        raise ValueError(f"NLPKernels has n={n}, m={m}; both must be non-negative")
    return replace(
        k, n=n, m=m,
        x_lower=_bound("x_lower", k.x_lower, n), x_upper=_bound("x_upper", k.x_upper, n),
        c_lower=_bound("c_lower", k.c_lower, m), c_upper=_bound("c_upper", k.c_upper, m),
        jacobian_pattern=_pattern("jacobian_pattern", k.jacobian_pattern, (m, n)),
        hessian_pattern=_pattern("hessian_pattern", k.hessian_pattern, (n, n)))


def validate_x0(x0: ArrayLike, n: int) -> np.ndarray:
    """x0 as a fresh float vector of length n, or a ValueError naming `x0`."""
    arr = np.asarray(x0, dtype=float)
    if arr.ndim != 1 or arr.size != n:
        given = arr.size if arr.ndim == 1 else f"shape {arr.shape}"
        raise ValueError(f"x0 has length {given}; expected length {n} (the number of unknowns)")
    bad = ~np.isfinite(arr)
    if np.any(bad):
        raise ValueError(f"x0 must be finite; x0[{int(np.flatnonzero(bad)[0])}] = "
                         f"{arr[bad][0]}")
    return arr.copy()
