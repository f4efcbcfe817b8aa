"""Explicit Runge–Kutta integrators: fixed-step forward Euler and RK4; adaptive RK45, DOP853.

What:
- `EulerStepper`: forward Euler, fixed step, one f evaluation per step (first order; the default
  explicit scheme of py-pde, here so that benchmarks can compare the same scheme).
- `RK4Stepper`: the classical fourth-order Runge–Kutta method (Kutta 1901; Hairer, Nørsett &
  Wanner, *Solving ODEs I*, §II.1, Table 1.2), fixed step, four f evaluations per step; the
  stage updates are fused into compiled passes (`fused.py`).
- `integrate_rk45`, `integrate_dop853`: adaptive Dormand–Prince 5(4) (Dormand & Prince 1980) and
  DOP853 (8th order with 5th- and 3rd-order error estimates and 7th-order dense output; Hairer,
  Nørsett & Wanner, §II.10) with error control by rtol/atol — SciPy's implementations
  (``solve_ivp``'s "RK45" and "DOP853"), not hand-written tableaus, driven by `adaptive.run_scipy`
  so that save times come from the dense output as with ``solve_ivp(t_eval=...)``. A given ``dt``
  is used as the first and the largest step. With Numba the stage sums and the error norm run
  as fused passes (`FusedRK45`, `FusedDOP853`: SciPy's step control, the same steps).

Why: RK4 is the cheap workhorse for non-stiff semi-discretizations at a CFL-limited step
(see `cfl.py`); the embedded pairs give error control when accuracy, not stability, sets the step
(e.g. NLS solitons to 1e-10).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.integrate import DOP853, RK45
from scipy.integrate._ivp.rk import MAX_FACTOR, MIN_FACTOR, SAFETY
from scipy.linalg import get_blas_funcs

from . import fused
from .adaptive import run_scipy
from .recording import Recorder
from .solution import IntegrationStats, Solution


class _ExplicitStepper:
    """What the fused explicit steppers share: the right-hand side, counters, the NaN flag."""

    def __init__(self, rhs: Callable[[float, np.ndarray], np.ndarray],
                 stats: IntegrationStats, fused: bool | None = None) -> None:
        self.rhs = rhs
        self.stats = stats
        self.fused = fused
        self.finite: bool | None = None

    def _slope(self, t: float, y: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(self.rhs(t, y), dtype=y.dtype)


class RK4Stepper(_ExplicitStepper):
    """Classical RK4: y_{n+1} = y_n + h/6 (k1 + 2 k2 + 2 k3 + k4).

    With Numba (float64/complex128 states) each stage's update is one compiled pass
    (`fused`): the stage state and the running sum y + h/6 k1 + h/3 k2 + ... are written
    together, and the last pass also checks the new state for NaN/inf (``finite``), so a step
    costs its four right-hand sides plus four passes over the state. Otherwise (``fused=False``
    or no Numba) the stage state and the weighted sum of slopes live in two buffers updated in
    place by BLAS ``axpy``. The stage state passed to ``rhs`` is overwritten by the next stage,
    so ``rhs`` must not keep a reference to it.
    """

    def __init__(self, rhs: Callable[[float, np.ndarray], np.ndarray],
                 stats: IntegrationStats, fused: bool | None = None) -> None:
        super().__init__(rhs, stats, fused)
        self._buffers: tuple[np.ndarray, np.ndarray] | None = None

    def _work(self, y: np.ndarray):
        if self._buffers is None or self._buffers[0].shape != y.shape \
                or self._buffers[0].dtype != y.dtype:
            self._buffers = (np.empty_like(y), np.empty_like(y))
            self._axpy = get_blas_funcs("axpy", (y,))
        return self._buffers

    def step(self, t: float, y: np.ndarray, h: float) -> np.ndarray:
        """The state at t + h."""
        y = np.ascontiguousarray(y)
        if self.fused is not False and fused.available(y):
            return self._step_fused(t, y, h)
        self.finite = None
        slopes, stage = self._work(y)
        axpy = self._axpy
        k = self._slope(t, y)
        np.copyto(slopes, k)
        for c, w in ((0.5, 2.0), (0.5, 2.0), (1.0, 1.0)):
            np.copyto(stage, y)
            axpy(k, stage, a=c * h)
            k = self._slope(t + c * h, stage)
            axpy(k, slopes, a=w)
        y_new = np.array(y, copy=True)
        axpy(slopes, y_new, a=h / 6.0)
        return y_new

    def _step_fused(self, t: float, y: np.ndarray, h: float) -> np.ndarray:
        stage = self._work(y)[1]
        acc = np.empty_like(y)
        fused.rk4_first(y, self._slope(t, y), 0.5 * h, h / 6.0, stage, acc)
        fused.rk4_middle(y, self._slope(t + 0.5 * h, stage), 0.5 * h, h / 3.0, stage, acc)
        fused.rk4_middle(y, self._slope(t + 0.5 * h, stage), h, h / 3.0, stage, acc)
        self.finite = fused.euler(acc, self._slope(t + h, stage), h / 6.0, acc)
        return acc


class EulerStepper(_ExplicitStepper):
    """Forward Euler: y_{n+1} = y_n + h f(t_n, y_n), first order, one f evaluation per step.

    The update is one compiled pass (with the NaN/inf check, ``finite``) when Numba is
    available, else NumPy. Stable only where |1 + h λ| <= 1: diffusion-like spectra on the
    negative real axis (h <= 2/ρ), never for purely imaginary eigenvalues (waves).
    """

    def step(self, t: float, y: np.ndarray, h: float) -> np.ndarray:
        """The state at t + h."""
        y = np.ascontiguousarray(y)
        k = self._slope(t, y)
        if self.fused is not False and fused.available(y, k):
            out = np.empty_like(y)
            self.finite = fused.euler(y, k, h, out)
            return out
        self.finite = None
        return y + h * k


class _FusedStages:
    """SciPy's adaptive Runge–Kutta step with the stage states and the error norm fused.

    `_step_impl` is SciPy's (``scipy.integrate._ivp.rk.RungeKutta``: the same step-size
    control, SAFETY/MIN_FACTOR/MAX_FACTOR, tableaus, K storage and dense output); only the
    arithmetic between the right-hand sides runs in `fused.rk_stage` and `fused.error_sums`
    passes instead of NumPy matrix-vector products and temporaries.
    """

    def _error_norm(self, h: float, y: np.ndarray, y_new: np.ndarray) -> float:
        if isinstance(self, DOP853):
            s5, s3 = fused.error_sums(self.K, self.E5, self.E3, y, y_new, self.rtol, self.atol)
            if s5 == 0 and s3 == 0:
                return 0.0
            return abs(h) * s5 / np.sqrt((s5 + 0.01 * s3) * y.size)
        s5, _ = fused.error_sums(self.K, self.E, self.E, y, y_new, self.rtol, self.atol)
        return abs(h) * np.sqrt(s5 / y.size)

    def _rk_step(self, t: float, y: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
        k, stage = self.K, self._stage
        k[0] = self.f
        for s in range(1, self.n_stages):
            fused.rk_stage(y, k, self.A[s], s, h, stage)
            k[s] = self.fun(t + self.C[s] * h, stage)
        y_new = np.empty_like(y)
        fused.rk_stage(y, k, self.B, self.n_stages, h, y_new)
        f_new = self.fun(t + h, y_new)
        k[-1] = f_new
        return y_new, f_new

    def _step_impl(self):
        t, y = self.t, self.y
        if not hasattr(self, "_stage"):
            self._stage = np.empty_like(y)
        min_step = 10 * np.abs(np.nextafter(t, self.direction * np.inf) - t)
        h_abs = self.max_step if self.h_abs > self.max_step else max(self.h_abs, min_step)
        step_accepted = step_rejected = False
        while not step_accepted:
            if h_abs < min_step:
                return False, self.TOO_SMALL_STEP
            t_new = t + h_abs * self.direction
            if self.direction * (t_new - self.t_bound) > 0:
                t_new = self.t_bound
            h = t_new - t
            h_abs = np.abs(h)
            y_new, f_new = self._rk_step(t, y, h)
            error_norm = self._error_norm(h, y, y_new)
            if error_norm < 1:
                factor = MAX_FACTOR if error_norm == 0 else min(
                    MAX_FACTOR, SAFETY * error_norm ** self.error_exponent)
                h_abs *= min(1, factor) if step_rejected else factor
                step_accepted = True
            else:
                h_abs *= max(MIN_FACTOR, SAFETY * error_norm ** self.error_exponent)
                step_rejected = True
        self.h_previous, self.y_old = h, y
        self.t, self.y, self.h_abs, self.f = t_new, y_new, h_abs, f_new
        return True, None


class FusedRK45(_FusedStages, RK45):
    """SciPy's RK45 with fused stage updates and error norm (`_FusedStages`)."""


class FusedDOP853(_FusedStages, DOP853):
    """SciPy's DOP853 with fused stage updates and error norm (`_FusedStages`)."""


def _solver_class(plain, fast, y0, atol):
    """The fused subclass where its loops apply (Numba, float64/complex128, scalar atol)."""
    return fast if fused.available(np.ascontiguousarray(y0)) and np.ndim(atol) == 0 else plain


def integrate_rk45(fun, y0, t0, t_end, recorder: Recorder, **kwargs) -> Solution:
    """Adaptive Dormand–Prince 5(4) (SciPy's RK45); kwargs as `adaptive.run_scipy`."""
    cls = _solver_class(RK45, FusedRK45, y0, kwargs.get("atol"))
    return run_scipy(cls, fun, y0, t0, t_end, recorder, method="rk45", **kwargs)


def integrate_dop853(fun, y0, t0, t_end, recorder: Recorder, **kwargs) -> Solution:
    """Adaptive DOP853 (SciPy's DOP853); kwargs as `adaptive.run_scipy`."""
    cls = _solver_class(DOP853, FusedDOP853, y0, kwargs.get("atol"))
    return run_scipy(cls, fun, y0, t0, t_end, recorder, method="dop853", **kwargs)
