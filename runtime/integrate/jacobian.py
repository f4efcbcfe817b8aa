"""Sparse Jacobians for implicit integrators: a given callable, or compressed finite differences.

What:
- `column_colouring(pattern)`: a colouring of the columns of a sparsity pattern such that no two
  columns of one colour have a nonzero in the same row — a greedy colouring (networkx,
  ``largest_first``) of the column intersection graph, whose adjacency is the pattern of
  SᵀS (Coleman & Moré, SIAM J. Numer. Anal. 20, 1983).
- `ColouredJacobian`: the Curtis–Powell–Reid compressed forward-difference Jacobian (J. Inst.
  Math. Appl. 13, 1974): one extra f evaluation per colour, perturbing all columns of a colour at
  once; entry (i, j) is read from row i of the difference for j's colour. A banded pattern of
  bandwidth b needs 2b+1 evaluations whatever the size (3 for a tridiagonal system).
- `jacobian_source(problem, fun, n, dtype)`: the callable (t, y) -> CSC matrix the implicit
  integrators use: the problem's analytic ``jacobian`` when given, else the coloured
  finite-difference Jacobian on ``jac_sparsity``, else a dense finite-difference one.

Why: the PDE layer emits the Jacobian symbolically when it can; when it only knows the stencil's
sparsity, colouring keeps a finite-difference Jacobian as cheap as a few right-hand sides.
Complex states are perturbed along the real axis, which gives df/dy only for an analytic
(holomorphic) f; non-analytic terms such as |u|^2 u need the analytic Jacobian or a real
(Re, Im) formulation.
"""
from __future__ import annotations

from typing import Callable

import networkx as nx
import numpy as np
import scipy.sparse as sp

from .solution import IntegrationStats


def column_colouring(pattern) -> np.ndarray:
    """Colour per column (0, 1, ...) so that same-coloured columns share no nonzero row."""
    s = sp.csc_matrix(pattern, dtype=bool)
    s.eliminate_zeros()
    s = s.astype(np.int32)
    n = s.shape[1]
    adjacency = sp.coo_matrix(s.T @ s)
    mask = adjacency.row != adjacency.col
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(zip(adjacency.row[mask].tolist(), adjacency.col[mask].tolist()))
    colours = nx.greedy_color(graph, strategy="largest_first")
    return np.array([colours[j] for j in range(n)], dtype=np.int64)


class ColouredJacobian:
    """Compressed forward-difference Jacobian of ``fun`` on a fixed sparsity pattern."""

    def __init__(self, fun: Callable[[float, np.ndarray], np.ndarray], pattern,
                 stats: IntegrationStats | None = None) -> None:
        csc = sp.csc_matrix(pattern, dtype=bool)
        csc.eliminate_zeros()
        csc.sum_duplicates()
        csc.sort_indices()
        self.shape = csc.shape
        self.fun = fun
        self.stats = stats
        self.colours = column_colouring(csc)
        self.n_colours = int(self.colours.max()) + 1 if self.colours.size else 0
        self._groups = [np.flatnonzero(self.colours == c) for c in range(self.n_colours)]
        self._indptr, self._indices = csc.indptr, csc.indices
        # the column of each stored entry, in CSC order, to build the result directly
        self._cols_csc = np.repeat(np.arange(self.shape[1]), np.diff(self._indptr))

    def __call__(self, t: float, y: np.ndarray, f0: np.ndarray | None = None) -> sp.csc_matrix:
        """df/dy at (t, y) as a CSC matrix with the pattern's structure."""
        if f0 is None:
            f0 = np.asarray(self.fun(t, y))
        eps = np.sqrt(np.finfo(float).eps)
        yr = np.abs(y)
        h = eps * np.maximum(1.0, yr)
        h = ((y + h) - y).real  # a step exactly representable in y's scale
        diffs = np.empty((self.n_colours, self.shape[0]), dtype=np.result_type(f0, y))
        for c, cols in enumerate(self._groups):
            yp = np.array(y, copy=True)
            yp[cols] += h[cols]
            diffs[c] = np.asarray(self.fun(t, yp)) - f0
        rows, cols = self._indices, self._cols_csc
        data = diffs[self.colours[cols], rows] / h[cols]
        if self.stats is not None:
            self.stats.jacobian_evaluations += 1
        return sp.csc_matrix((data, self._indices.copy(), self._indptr.copy()), shape=self.shape)


def jacobian_source(problem, fun: Callable, n: int,
                    stats: IntegrationStats) -> Callable[[float, np.ndarray], sp.csc_matrix]:
    """The Jacobian callable for Newton: analytic if given, else coloured FD, else dense FD.

    ``fun`` is the (counted) right-hand side; FD evaluations are counted through it.
    """
    if problem.jacobian is not None:
        analytic = problem.jacobian

        def evaluate(t, y, f0=None):
            stats.jacobian_evaluations += 1
            jac = analytic(t, y)
            jac = sp.csc_matrix(jac)
            if jac.shape != (n, n):
                raise ValueError(f"{problem.name}: jacobian returned shape {jac.shape}, "
                                 f"expected {(n, n)}")
            return jac
        return evaluate
    pattern = problem.jac_sparsity
    if pattern is None:
        pattern = np.ones((n, n), dtype=bool)
    pattern = sp.csc_matrix(pattern)
    if pattern.shape != (n, n):
        raise ValueError(f"{problem.name}: jac_sparsity has shape {pattern.shape}, expected "
                         f"{(n, n)} for a state of size {n}")
    return ColouredJacobian(fun, pattern, stats)
