"""Implicit BDF integrators for stiff systems, with Newton on a sparse Jacobian.

What:
- `integrate_bdf_adaptive`: SciPy's variable-order (1–5), variable-step BDF/NDF (Shampine &
  Reichelt, "The MATLAB ODE suite", SIAM J. Sci. Comput. 18, 1997) — ``solve_ivp``'s "BDF" —
  given the problem's sparse Jacobian callable (``jac``) or, failing that, its sparsity pattern
  (``jac_sparsity``, for SciPy's own grouped finite differences). Used when no ``dt`` is given.
- `BDFStepper`: fixed-step BDF2 started by one backward-Euler (BDF1) step, used when ``dt`` is
  given. With ω = h_n / h_{n-1} the variable-step BDF2 formula (Hairer & Wanner, *Solving ODEs
  II*, §III.5, eq. (5.11) with k = 2) is

      y_{n+1} - (1+ω)²/(1+2ω) y_n + ω²/(1+2ω) y_{n-1} = h_n (1+ω)/(1+2ω) f(t_{n+1}, y_{n+1}),

  which is the classical 4/3, -1/3, 2/3 h for ω = 1 (steps only change where the fixed-step loop
  lands on a save time, or when a step is halved).

Newton (simplified, Hairer & Wanner II §IV.8 as in RADAU5): each step solves
y - c f(t+h, y) - ψ = 0, c = γh, with the matrix I - cJ factored once by `scipy.sparse.linalg.splu`
and the factorization reused across iterations and across steps; J is re-evaluated only when
convergence is slow (rate θ > 0.5 or more than 3 iterations) or fails, and I - cJ is refactored
only when c changes or J is new. Convergence: η‖Δ‖ <= κ in the norm scaled by atol + rtol|y|,
η = θ/(1-θ), κ = max(10 ε/rtol, min(0.03, √rtol)). If Newton fails with a fresh Jacobian the
step is split into two halves (up to 10 times) and counted as rejected; beyond that the run stops
with status "failed".

Why: diffusion-dominated finite-difference problems (heat, Allen–Cahn, Gray–Scott) are stiff; BDF2
is A-stable (and BDF1 L-stable), so the step is set by accuracy, not by the CFL limit, and each
step costs a few right-hand sides and sparse triangular solves.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.integrate import BDF

from .adaptive import run_scipy
from .recording import Recorder
from .solution import IntegrationStats, Solution
from .stepping import StepFailure

MAX_NEWTON = 7
MAX_HALVINGS = 10


def integrate_bdf_adaptive(problem, fun, y0, t0, t_end, recorder: Recorder,
                           **kwargs) -> Solution:
    """Adaptive BDF (SciPy) with the problem's sparse Jacobian or its sparsity pattern."""
    extra = {}
    if problem.jacobian is not None:
        analytic = problem.jacobian
        extra["jac"] = lambda t, y: sp.csc_matrix(analytic(t, y))
    elif problem.jac_sparsity is not None:
        extra["jac_sparsity"] = sp.csc_matrix(problem.jac_sparsity)
    return run_scipy(BDF, fun, y0, t0, t_end, recorder, method="bdf", **kwargs, **extra)


class BDFStepper:
    """Fixed-step BDF2 (BDF1 first) with simplified Newton on a reused sparse LU of I - cJ."""

    def __init__(self, fun: Callable[[float, np.ndarray], np.ndarray],
                 jacobian: Callable[[float, np.ndarray], sp.csc_matrix],
                 stats: IntegrationStats, *, rtol: float, atol: float, dtype) -> None:
        self.fun = fun
        self.jacobian = jacobian
        self.stats = stats
        self.rtol, self.atol = rtol, atol
        self.kappa = max(10 * np.finfo(float).eps / rtol, min(0.03, math.sqrt(rtol)))
        self.dtype = np.dtype(dtype)
        self._jac: sp.csc_matrix | None = None
        self._jac_fresh = False     # evaluated at the start of the current step
        self._jac_stale = True      # convergence was slow: re-evaluate at the next step
        self._lu = None
        self._lu_c: float | None = None
        self._eta = 1.0
        self._y_last: np.ndarray | None = None
        self._y_prev: np.ndarray | None = None
        self._h_prev: float | None = None

    # -- linear algebra --------------------------------------------------------------------
    def _update_jacobian(self, t: float, y: np.ndarray) -> None:
        self._jac = self.jacobian(t, y)
        self._jac_fresh, self._jac_stale = True, False
        self._lu = None

    def _factor(self, c: float) -> None:
        if self._lu is not None and self._lu_c is not None and \
                math.isclose(self._lu_c, c, rel_tol=1e-12):
            return
        n = self._jac.shape[0]
        dtype = np.result_type(self._jac.dtype, self.dtype)
        matrix = (sp.identity(n, dtype=dtype, format="csc") - c * self._jac).tocsc()
        try:
            self._lu = spla.splu(matrix)
        except RuntimeError as exc:  # exactly singular I - cJ
            raise StepFailure(f"bdf: the Newton matrix I - {c:.3g}*J is singular ({exc})") from exc
        self._lu_c = c
        self.stats.lu_factorizations += 1

    # -- one implicit solve ----------------------------------------------------------------
    def _newton(self, t_new: float, z: np.ndarray, psi: np.ndarray, c: float,
                scale: np.ndarray) -> np.ndarray | None:
        """Solve z - c f(t_new, z) = psi from the predictor z; None when Newton fails."""
        self._factor(c)
        eta = max(self._eta, np.finfo(float).eps) ** 0.8
        dn_old = None
        for k in range(MAX_NEWTON):
            residual = z - c * np.asarray(self.fun(t_new, z)) - psi
            dz = self._lu.solve(-residual)
            z = z + dz
            dn = float(np.sqrt(np.mean(np.abs(dz / scale) ** 2)))
            if not math.isfinite(dn):
                return None
            if dn_old is not None:
                theta = dn / dn_old if dn_old > 0 else 0.0
                if theta >= 1.0 or theta ** (MAX_NEWTON - 1 - k) / (1 - theta) * dn > self.kappa:
                    return None
                eta = theta / (1.0 - theta)
                if theta > 0.5:
                    self._jac_stale = True
            if dn == 0.0 or eta * dn <= self.kappa:
                if k >= 3:
                    self._jac_stale = True
                self._eta = eta
                return z
            dn_old = dn
        return None

    def _attempt(self, t: float, y: np.ndarray, h: float) -> np.ndarray | None:
        """One BDF1/BDF2 step from (t, y); None when Newton fails even with a fresh Jacobian."""
        history = y is self._y_last and self._y_prev is not None
        if history:
            w = h / self._h_prev
            gamma = (1 + w) / (1 + 2 * w)
            psi = ((1 + w) ** 2 * y - w ** 2 * self._y_prev) / (1 + 2 * w)
            predictor = y + w * (y - self._y_prev)
        else:
            gamma, psi, predictor = 1.0, y, np.array(y, copy=True)
        scale = self.atol + self.rtol * np.abs(y)
        self._jac_fresh = False
        if self._jac is None or self._jac_stale:
            self._update_jacobian(t, y)
        z = self._newton(t + h, predictor, psi, gamma * h, scale)
        if z is None and not self._jac_fresh:
            self.stats.rejected_steps += 1
            self._update_jacobian(t, y)
            z = self._newton(t + h, predictor, psi, gamma * h, scale)
        return z

    def _advance(self, t: float, y: np.ndarray, h: float, depth: int) -> np.ndarray:
        z = self._attempt(t, y, h)
        if z is None:
            if depth >= MAX_HALVINGS:
                raise StepFailure(f"bdf: Newton did not converge at t={t:.6g} even with the step "
                                  f"reduced to h={h:.3g}; the snapshots so far are kept")
            self.stats.rejected_steps += 1
            y_mid = self._advance(t, y, 0.5 * h, depth + 1)
            return self._advance(t + 0.5 * h, y_mid, 0.5 * h, depth + 1)
        self._y_prev, self._h_prev, self._y_last = y, h, z
        return z

    def step(self, t: float, y: np.ndarray, h: float) -> np.ndarray:
        """The state at t + h (BDF1 when there is no previous step of this run, else BDF2)."""
        return self._advance(t, y, h, 0)
