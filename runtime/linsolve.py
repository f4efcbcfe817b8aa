"""Factorizations of the symmetric indefinite KKT matrix.

Two back ends:
- `DenseLDL` (scipy.linalg.ldl, Bunch-Kaufman) for small systems; it reports the inertia
  exactly, which is what IPOPT's inertia correction needs.
- `SparseLU` (scipy.sparse.linalg.splu, SuperLU) for large ones; its pivoting hides the inertia
  except when every pivot was diagonal, so the interior-point method falls back on the
  inertia-free curvature test.
Both refine the solution iteratively and return None from `solve` when it stays inaccurate, so a
near-singular matrix is treated like a singular one.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as spla

_REFINE_STEPS = 3
_RESIDUAL_TOL = 1e-10
_FAIL_TOL = 1e-5


def _refined_solve(matrix: sp.spmatrix, norm: float, raw, b: np.ndarray) -> np.ndarray | None:
    """raw(b) improved by iterative refinement; None when it stays inaccurate or non-finite."""
    try:
        with np.errstate(all="ignore"):
            x = raw(b)
            scale = norm * np.max(np.abs(x), initial=0.0) + np.max(np.abs(b), initial=0.0)
            for _ in range(_REFINE_STEPS):
                if not np.all(np.isfinite(x)):
                    return None
                res = b - matrix @ x
                if np.max(np.abs(res), initial=0.0) <= _RESIDUAL_TOL * scale:
                    return x
                x = x + raw(res)
            res = b - matrix @ x
    except (np.linalg.LinAlgError, RuntimeError):
        return None
    if not np.all(np.isfinite(x)) or np.max(np.abs(res), initial=0.0) > _FAIL_TOL * scale:
        return None
    return x


class DenseLDL:
    """Dense Bunch-Kaufman LDL^T with the inertia (positive, negative, zero eigenvalue counts).

    The matrix is equilibrated first (S K S with S = diag(1/sqrt(max_j |K_ij|))): the inertia
    is unchanged (Sylvester's law), and a row whose entries are all tiny, such as the barrier
    curvature z/x of a variable running off to infinity, is not mistaken for a zero pivot.
    Pivots below 1e-13 (relative) count as zero, except those a primal regularization
    delta_w > 0 accounts for (down to delta_w / 100 after scaling).
    """

    def __init__(self, matrix: sp.spmatrix, delta_w: float = 0.0):
        self.matrix = matrix
        a = matrix.toarray()
        self._norm = float(np.max(np.abs(a), initial=0.0))
        rowmax = np.max(np.abs(a), axis=1, initial=0.0)
        self._scale = 1.0 / np.sqrt(np.where(rowmax > 0, rowmax, 1.0))
        lu, d, perm = la.ldl(self._scale[:, None] * a * self._scale[None, :], lower=True)
        self._perm = perm
        self._l = lu[perm]
        self._d = d
        if not np.all(np.isfinite(d)):
            raise np.linalg.LinAlgError("the LDL factorization has non-finite pivots")
        zero_tol = 1e-13
        if delta_w > 0.0:
            zero_tol = min(zero_tol, 0.01 * delta_w * float(np.min(self._scale)) ** 2)
        self.inertia = self._count(d, zero_tol)

    @staticmethod
    def _count(d: np.ndarray, zero_tol: float) -> tuple[int, int, int]:
        eig, i, size = [], 0, d.shape[0]
        while i < size:
            if i + 1 < size and d[i + 1, i] != 0.0:
                a, b, c = d[i, i], d[i + 1, i], d[i + 1, i + 1]
                mid, rad = 0.5 * (a + c), np.hypot(0.5 * (a - c), b)
                eig += [mid - rad, mid + rad]
                i += 2
            else:
                eig.append(d[i, i])
                i += 1
        eig = np.asarray(eig)
        return (int(np.sum(eig > zero_tol)), int(np.sum(eig < -zero_tol)),
                int(np.sum(np.abs(eig) <= zero_tol)))

    def solve(self, b: np.ndarray) -> np.ndarray | None:
        """K^{-1} b, or None when it cannot be computed accurately."""
        return _refined_solve(self.matrix, self._norm, self._raw, b)

    def _raw(self, b: np.ndarray) -> np.ndarray:
        sb = self._scale * b
        v = la.solve_triangular(self._l, sb[self._perm], lower=True, unit_diagonal=True,
                                check_finite=False)
        size = self._d.shape[0]
        bands = np.zeros((3, size))
        bands[0, 1:] = np.diag(self._d, 1)
        bands[1] = np.diag(self._d)
        bands[2, :-1] = np.diag(self._d, -1)
        u = la.solve_banded((1, 1), bands, v, check_finite=False)
        x = np.empty_like(b)
        x[self._perm] = la.solve_triangular(self._l.T, u, lower=False, unit_diagonal=True,
                                            check_finite=False)
        return self._scale * x


class SparseLU:
    """SuperLU factorization of the KKT matrix, with the inertia when it is free.

    SuperLU pivots for stability, so in general its factors say nothing about the inertia.
    But when every pivot was taken on the diagonal (row and column permutations equal), the
    factorization is P K P^T = L U with U = D L^T, and the signs of diag(U) are the inertia
    (Sylvester's law); then `inertia` holds the counts, else None (use the curvature test).
    Pivots below 1e-13 times their row's largest entry count as zero.
    """

    def __init__(self, matrix: sp.csc_matrix):
        self.matrix = matrix
        self._norm = float(abs(matrix).max()) if matrix.nnz else 0.0
        self._lu = spla.splu(matrix, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.01,
                             options={"SymmetricMode": True})
        self.inertia = None
        perm = self._lu.perm_c
        if np.array_equal(self._lu.perm_r, perm):
            rowmax = np.zeros(matrix.shape[0])
            rowmax[perm] = abs(matrix).max(axis=1).toarray().ravel()
            d = self._lu.U.diagonal()
            zero = np.abs(d) <= 1e-13 * rowmax
            self.inertia = (int(np.sum((d > 0) & ~zero)), int(np.sum((d < 0) & ~zero)),
                            int(np.sum(zero)))

    def solve(self, b: np.ndarray) -> np.ndarray | None:
        """K^{-1} b, or None when it cannot be computed accurately."""
        return _refined_solve(self.matrix, self._norm, self._lu.solve, b)


def factorize(matrix: sp.csc_matrix, dense: bool,
              delta_w: float = 0.0) -> DenseLDL | SparseLU | None:
    """A factorization of `matrix` (regularized by delta_w), or None when it is singular."""
    try:
        with np.errstate(all="ignore"):
            fac = DenseLDL(matrix, delta_w) if dense else SparseLU(matrix)
    except (RuntimeError, np.linalg.LinAlgError, ValueError):
        return None
    return fac
