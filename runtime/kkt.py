"""The primal-dual (KKT) system of the interior-point method and its regularization.

The system in w = (x, s) and y is

    [ W + Sigma + delta_w I    A^T        ] [dw]     [ grad phi + A^T y ]
    [ A                       -delta_c I  ] [dy] = - [ r                ]

with A = [J, -P] (P selects the inequality rows, whose slacks are s). Regularization follows
IPOPT (Wächter & Biegler 2006, Algorithm IC): delta_w = 0 first, then delta_w grows until the
step is acceptable; delta_c > 0 when the matrix is singular (rank-deficient Jacobian).
"Acceptable" means the exact inertia (n + m_I positive, m negative eigenvalues) whenever the
factorization knows it (always for the dense and the sparse (qdldl) LDL^T; for SuperLU, the
sparse fallback, when it pivoted on the diagonal only),
and otherwise the inertia-free curvature test of Chiang & Zavala (2016): with d = t + nrm split
into the normal step nrm (solving the system with right-hand side [0; -r]) and the tangential
rest t, accept when

    t^T W_d t + max(t^T W_d nrm - g^T nrm, 0) >= kappa t^T D t,   W_d = W + Sigma + delta_w I,

where D = diag(min(1, |W_ii + Sigma_ii|)): kappa t^T t on rows of unit curvature scale, less on
rows whose own scale is tiny. Without that weight a bound multiplier z -> 0 (a variable running
off to infinity on an unbounded problem) would trigger regularization that caps the step length
and hides the unboundedness.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .assembly import CooAssembler
from codegen.kernels import SparsePattern
from .linsolve import DenseLDL, LDLWorkspace, SparseLDL, SparseLU, factorize
from .options import IPMOptions


class KKTSystem:
    """Assembles the KKT matrix from Hessian and Jacobian values at fixed coordinates and
    factorizes it with `solver` ("ldl", "qdldl" or "splu", see `linsolve.choose_solver`)."""

    def __init__(self, n: int, m: int, ineq: np.ndarray, hess: SparsePattern,
                 jac: SparsePattern, solver: str):
        mi = ineq.size
        self.n_primal = n + mi
        self.dim = self.n_primal + m
        self.m, self.mi, self.solver = m, mi, solver
        self.dense = solver == "ldl"
        self._workspace = LDLWorkspace(self.n_primal)
        self.hess_nnz = hess.nnz
        self._hess_diag = np.flatnonzero(hess.rows == hess.cols)
        self._hess_diag_pos = np.asarray(hess.rows)[self._hess_diag]
        npr, diag, s_idx = self.n_primal, np.arange(self.n_primal + m), n + np.arange(mi)
        rows = np.concatenate([hess.rows, diag, npr + jac.rows, jac.cols, npr + ineq, s_idx])
        cols = np.concatenate([hess.cols, diag, jac.cols, npr + jac.rows, s_idx, npr + ineq])
        self._assembler = CooAssembler(rows, cols, (self.dim, self.dim), "csc")
        self._minus_ones = -np.ones(2 * mi)

    def factorize(self, matrix: sp.csc_matrix,
                  delta_w: float = 0.0) -> DenseLDL | SparseLDL | SparseLU | None:
        """`matrix` (one of this system's) factorized, or None when it is singular."""
        return factorize(matrix, self.solver, delta_w, self._workspace)

    def primal_diagonal(self, hess_vals: np.ndarray) -> np.ndarray:
        """The diagonal of W (duplicates summed)."""
        return np.bincount(self._hess_diag_pos, weights=hess_vals[self._hess_diag],
                           minlength=self.n_primal)

    def matrix(self, hess_vals: np.ndarray, jac_vals: np.ndarray, diag_w: np.ndarray,
               delta_c: float) -> sp.csc_matrix:
        """K with the given primal diagonal (Sigma + delta_w) and dual diagonal -delta_c."""
        vals = np.concatenate([hess_vals, diag_w, np.full(self.m, -delta_c), jac_vals, jac_vals,
                               self._minus_ones])
        return self._assembler.matrix(vals)


@dataclass
class NewtonStep:
    """A solution of the KKT system with the factorization that produced it (reused by SOC)."""

    solution: np.ndarray
    factor: DenseLDL | SparseLDL | SparseLU
    delta_w: float
    delta_c: float


class Regularizer:
    """IPOPT's inertia correction (exact or inertia-free), remembering the last delta_w."""

    def __init__(self, opts: IPMOptions):
        self.opts = opts
        self.last_delta_w = 0.0

    def _next_delta_w(self, delta_w: float) -> float:
        o = self.opts
        if delta_w == 0.0:
            return (o.delta_w_init if self.last_delta_w == 0.0
                    else max(o.delta_w_min, o.kappa_w_minus * self.last_delta_w))
        return delta_w * (o.kappa_w_plus_bar if self.last_delta_w == 0.0 else o.kappa_w_plus)

    def _curvature_ok(self, kkt: KKTSystem, matrix: sp.csc_matrix, fac: SparseLU,
                      sol: np.ndarray, rhs: np.ndarray, weight: np.ndarray) -> bool | None:
        npr = kkt.n_primal
        dw = sol[:npr]
        if kkt.m:
            normal_rhs = np.concatenate([np.zeros(npr), rhs[npr:]])
            normal = fac.solve(normal_rhs)
            if normal is None:
                return None
            nrm = normal[:npr]
        else:
            nrm = np.zeros(npr)
        t = dw - nrm
        wt = (matrix @ np.concatenate([t, np.zeros(kkt.m)]))[:npr]
        g = -rhs[:npr]
        lhs = t @ wt + max(nrm @ wt - g @ nrm, 0.0)
        return bool(lhs >= self.opts.curvature_tol * (t @ (weight * t)))

    def solve(self, kkt: KKTSystem, hess_vals: np.ndarray, jac_vals: np.ndarray,
              sigma: np.ndarray, rhs: np.ndarray, mu: float) -> NewtonStep | None:
        """The regularized Newton step, or None when delta_w would exceed delta_w_max."""
        o = self.opts
        delta_w, delta_c, weight = 0.0, 0.0, None
        if not kkt.dense:
            weight = np.minimum(1.0, np.abs(kkt.primal_diagonal(hess_vals) + sigma))
        while True:
            matrix = kkt.matrix(hess_vals, jac_vals, sigma + delta_w, delta_c)
            fac = kkt.factorize(matrix, delta_w)
            singular, ok, sol = fac is None, False, None
            if fac is not None and fac.inertia is not None:
                pos, neg, zero = fac.inertia
                singular = zero > 0
                if pos == kkt.n_primal and neg == kkt.m and zero == 0:
                    sol = fac.solve(rhs)
                    ok, singular = sol is not None, sol is None
            elif fac is not None:
                sol = fac.solve(rhs)
                if sol is None:
                    singular = True
                else:
                    test = self._curvature_ok(kkt, matrix, fac, sol, rhs, weight)
                    ok, singular = bool(test), test is None
            if ok:
                if delta_w > 0.0:
                    self.last_delta_w = delta_w
                return NewtonStep(sol, fac, delta_w, delta_c)
            if singular and delta_c == 0.0 and kkt.m:
                delta_c = o.delta_c_bar * mu ** o.kappa_c
                if delta_w == 0.0:
                    continue
            delta_w = self._next_delta_w(delta_w)
            if delta_w > o.delta_w_max:
                return None


def least_squares_multipliers(kkt: KKTSystem, jac_vals: np.ndarray,
                              grad_w: np.ndarray) -> np.ndarray | None:
    """y minimizing ||grad_w + A^T y||, from [[I, A^T], [A, 0]] [v; y] = [-grad_w; 0].

    None when that system is singular (rank-deficient Jacobian).
    """
    matrix = kkt.matrix(np.zeros(kkt.hess_nnz), jac_vals, np.ones(kkt.n_primal), 0.0)
    fac = kkt.factorize(matrix)
    if fac is None:
        return None
    sol = fac.solve(np.concatenate([-grad_w, np.zeros(kkt.m)]))
    return None if sol is None else sol[kkt.n_primal:]
