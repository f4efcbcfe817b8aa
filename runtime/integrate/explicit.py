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

from .adaptive import run_scipy
from .recording import Recorder
from .solution import IntegrationStats, Solution


class RK4Stepper:
    """Classical RK4: y_{n+1} = y_n + h/6 (k1 + 2 k2 + 2 k3 + k4)."""

    def __init__(self, rhs: Callable[[float, np.ndarray], np.ndarray],
                 stats: IntegrationStats) -> None:
        self.rhs = rhs
        self.stats = stats

    def step(self, t: float, y: np.ndarray, h: float) -> np.ndarray:
        """The state at t + h."""
        f = self.rhs
        k1 = f(t, y)
        k2 = f(t + 0.5 * h, y + (0.5 * h) * k1)
        k3 = f(t + 0.5 * h, y + (0.5 * h) * k2)
        k4 = f(t + h, y + h * k3)
        return y + (h / 6.0) * (k1 + 2.0 * (k2 + k3) + k4)


def integrate_rk45(fun, y0, t0, t_end, recorder: Recorder, **kwargs) -> Solution:
    """Adaptive Dormand–Prince 5(4) (SciPy's RK45); kwargs as `adaptive.run_scipy`."""
    return run_scipy(RK45, fun, y0, t0, t_end, recorder, method="rk45", **kwargs)


def integrate_dop853(fun, y0, t0, t_end, recorder: Recorder, **kwargs) -> Solution:
    """Adaptive DOP853 (SciPy's DOP853); kwargs as `adaptive.run_scipy`."""
    return run_scipy(DOP853, fun, y0, t0, t_end, recorder, method="dop853", **kwargs)
