"""Sparse matrices from COO values, with duplicates summed and the structure computed once.

The kernels return values at fixed coordinates; sorting those coordinates every iteration would
cost more than the kernels. `CooAssembler` sorts once and then sums values into a CSC or CSR
matrix with one `bincount`.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class CooAssembler:
    """Builds a CSC or CSR matrix of a fixed shape from values at fixed (row, col) coordinates."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int],
                 fmt: str = "csc"):
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        self.shape = (int(shape[0]), int(shape[1]))
        self._csc = fmt == "csc"
        major, minor = (cols, rows) if self._csc else (rows, cols)
        nmajor, nminor = (self.shape[1], self.shape[0]) if self._csc else self.shape
        keys = major * max(nminor, 1) + minor
        uniq, self._inverse = np.unique(keys, return_inverse=True)
        self._size = uniq.size
        itype = np.int32 if max(self.shape) < 2**31 - 1 and uniq.size < 2**31 - 1 else np.int64
        self._indices = (uniq % max(nminor, 1)).astype(itype)
        counts = np.bincount(uniq // max(nminor, 1), minlength=nmajor)
        self._indptr = np.concatenate([[0], np.cumsum(counts)]).astype(itype)

    def matrix(self, values: np.ndarray) -> sp.spmatrix:
        """The matrix with `values` (one per coordinate, duplicates summed)."""
        data = np.bincount(self._inverse.ravel(), weights=values, minlength=self._size)
        cls = sp.csc_matrix if self._csc else sp.csr_matrix
        return cls((data, self._indices, self._indptr), shape=self.shape)
