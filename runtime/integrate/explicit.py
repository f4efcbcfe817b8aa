"""Explicit Runge–Kutta integrators: fixed-step classical RK4; adaptive RK45 and DOP853.

What:
- `RK4Stepper`: the classical fourth-order Runge–Kutta method (Kutta 1901; Hairer, Nørsett &
  Wanner, *Solving ODEs I*, §II.1, Table 1.2), fixed step, four f evaluations per step.
- `integrate_rk45`, `integrate_dop853`: adaptive Dormand–Prince 5(4) (Dormand & Prince 1980) and
  DOP853 (8th order with 5th- and 3rd-order error estimates and 7th-order dense output; Hairer,
  Nørsett & Wanner, §II.10) with error control by rtol/atol — SciPy's implementations
  (``solve_ivp``'s "RK45" and "DOP853"), not hand-written tableaus, driven by `adaptive.run_scipy`
  so that save times come from the dense output as with ``solve_ivp(t_eval=...)``. A given ``dt``
  is used as the first and the largest step.

Why: RK4 is the cheap workhorse for non-stiff semi-discretizations at a CFL-limited step
(see `cfl.py`); the embedded pairs give error control when accuracy, not stability, sets the step
(e.g. NLS solitons to 1e-10).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.integrate import DOP853, RK45
from scipy.linalg import get_blas_funcs

from .adaptive import run_scipy
from .recording import Recorder
from .solution import IntegrationStats, Solution


class RK4Stepper:
    """Classical RK4: y_{n+1} = y_n + h/6 (k1 + 2 k2 + 2 k3 + k4).

    The stage states and the weighted sum of slopes live in two buffers reused across steps and
    are updated in place by BLAS ``axpy`` (y += a x, one pass, no temporaries): on large grids the
    step then costs little more than its four right-hand sides. The stage state passed to
    ``rhs`` is overwritten by the next stage, so ``rhs`` must not keep a reference to it.
    """

    def __init__(self, rhs: Callable[[float, np.ndarray], np.ndarray],
                 stats: IntegrationStats) -> None:
        self.rhs = rhs
        self.stats = stats
        self._buffers: tuple[np.ndarray, np.ndarray] | None = None

    def _work(self, y: np.ndarray):
        if self._buffers is None or self._buffers[0].shape != y.shape \
                or self._buffers[0].dtype != y.dtype:
            self._buffers = (np.empty_like(y), np.empty_like(y))
            self._axpy = get_blas_funcs("axpy", (y,))
        return self._buffers

    def step(self, t: float, y: np.ndarray, h: float) -> np.ndarray:
        """The state at t + h."""
        f, dtype = self.rhs, y.dtype
        slopes, stage = self._work(y)
        axpy = self._axpy

        def slope(tk: float, yk: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray(f(tk, yk), dtype=dtype)

        k = slope(t, y)
        np.copyto(slopes, k)
        for c, w in ((0.5, 2.0), (0.5, 2.0), (1.0, 1.0)):
            np.copyto(stage, y)
            axpy(k, stage, a=c * h)
            k = slope(t + c * h, stage)
            axpy(k, slopes, a=w)
        y_new = np.array(y, copy=True)
        axpy(slopes, y_new, a=h / 6.0)
        return y_new


def integrate_rk45(fun, y0, t0, t_end, recorder: Recorder, **kwargs) -> Solution:
    """Adaptive Dormand–Prince 5(4) (SciPy's RK45); kwargs as `adaptive.run_scipy`."""
    return run_scipy(RK45, fun, y0, t0, t_end, recorder, method="rk45", **kwargs)


def integrate_dop853(fun, y0, t0, t_end, recorder: Recorder, **kwargs) -> Solution:
    """Adaptive DOP853 (SciPy's DOP853); kwargs as `adaptive.run_scipy`."""
    return run_scipy(DOP853, fun, y0, t0, t_end, recorder, method="dop853", **kwargs)
