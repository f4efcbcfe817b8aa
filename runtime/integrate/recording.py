"""Save times, snapshot storage and monitors shared by every integrator.

What: `save_grid` turns ``save_every``/``save_times`` into a validated, sorted array of times in
[t0, t_end]; `Recorder` stores the state and the monitor values at each of them, in an array
allocated once; `is_finite` is the cheap NaN/inf test run after every step.

Why one place: every integrator (fixed-step loop, SciPy's adaptive solvers) records the same way,
so snapshots, monitors and the "keep what was computed" rule (DESIGN.md, principle 7) behave the
same whichever method runs.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping

import numpy as np

from . import fused
from .solution import IntegrationStats, Solution

Monitor = Callable[[float, np.ndarray], float]


def save_grid(t0: float, t_end: float, save_every: float | None = None,
              save_times=None) -> np.ndarray:
    """The times at which snapshots are stored.

    - ``save_times``: explicit times, all within [t0, t_end], strictly increasing.
    - ``save_every``: t0, t0 + s, t0 + 2s, ... up to t_end, plus t_end itself.
    - neither: [t0, t_end].
    """
    if save_every is not None and save_times is not None:
        raise ValueError("give save_every or save_times, not both")
    if save_times is not None:
        times = np.asarray(save_times, dtype=float).ravel()
        if times.size == 0:
            raise ValueError("save_times is empty")
        if not np.all(np.isfinite(times)):
            raise ValueError("save_times must be finite")
        if np.any(np.diff(times) <= 0):
            raise ValueError("save_times must be strictly increasing")
        tol = 1e-12 * max(1.0, abs(t0), abs(t_end))
        if times[0] < t0 - tol or times[-1] > t_end + tol:
            raise ValueError(f"save_times must lie in [t0, t_end] = [{t0:g}, {t_end:g}]; got "
                             f"[{times[0]:g}, {times[-1]:g}]")
        return np.clip(times, t0, t_end)
    if save_every is not None:
        if not (np.isfinite(save_every) and save_every > 0):
            raise ValueError(f"save_every must be a positive number, got {save_every}")
        n = int(math.floor((t_end - t0) / save_every * (1 + 1e-12) + 1e-9))
        times = t0 + save_every * np.arange(n + 1)
        times = times[times < t_end - 1e-9 * save_every]
        return np.append(times, t_end)
    return np.array([t0, t_end])


def is_finite(y: np.ndarray) -> bool:
    """True when y holds no NaN or inf (a sum first, which is cheap; then the exact test)."""
    if fused.available(y):
        return bool(fused.all_finite(y))
    with np.errstate(all="ignore"):
        if np.isfinite(np.sum(y)):
            return True
    return bool(np.all(np.isfinite(y)))


class MonitorError(RuntimeError):
    """A monitor callable raised; the message names the monitor."""


class Recorder:
    """Stores snapshots and monitor values at the save times, in order."""

    def __init__(self, times: np.ndarray, y0: np.ndarray,
                 monitors: Mapping[str, Monitor] | None = None) -> None:
        self.times = np.asarray(times, dtype=float)
        self.snapshots = np.empty((self.times.size, y0.size), dtype=y0.dtype)
        self.monitors = dict(monitors or {})
        self.values: dict[str, list] = {name: [] for name in self.monitors}
        self.count = 0

    @property
    def done(self) -> bool:
        """True when every save time has been recorded."""
        return self.count >= self.times.size

    @property
    def next_time(self) -> float:
        """The next save time to record (inf when all are recorded)."""
        return float(self.times[self.count]) if not self.done else math.inf

    def record(self, y: np.ndarray) -> None:
        """Store y as the snapshot at `next_time` and evaluate the monitors there."""
        t = float(self.times[self.count])
        for name, monitor in self.monitors.items():
            try:
                value = monitor(t, y)
            except Exception as exc:  # a user callable: report it with its name
                raise MonitorError(f"monitor {name!r} raised {type(exc).__name__}: {exc} "
                                   f"at t={t:g}") from exc
            value = np.asarray(value)
            if value.size != 1 or not np.issubdtype(value.dtype, np.number):
                raise MonitorError(f"monitor {name!r} must return one number, got "
                                   f"{value.dtype} array of shape {value.shape} at t={t:g}")
            self.values[name].append(value.reshape(()).item())
        self.snapshots[self.count] = y
        self.count += 1

    def solution(self, *, status: str, message: str, stats: IntegrationStats, t_last: float,
                 y_last: np.ndarray, method: str, dt: float | None,
                 exception: BaseException | None = None) -> Solution:
        """The `Solution` with what was recorded so far."""
        k = self.count
        monitors = {}
        for name, vals in self.values.items():
            arr = np.asarray(vals[:k])
            monitors[name] = arr if np.iscomplexobj(arr) else arr.astype(float).reshape(-1)
        return Solution(t=self.times[:k].copy(), y=self.snapshots[:k], monitors=monitors,
                        status=status, message=message, stats=stats, t_last=float(t_last),
                        y_last=np.array(y_last, copy=True), method=method, dt=dt,
                        exception=exception)
