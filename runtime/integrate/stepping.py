"""The fixed-step loop shared by RK4, Störmer–Verlet, IF-RK4, ETDRK4 and fixed-step BDF.

What: `run_fixed_step` advances a `Stepper` from save time to save time. Between two save times
it takes n = ceil(gap/dt) equal steps of h = gap/n <= dt, so every save time is hit exactly and
no tiny last step appears (when the save interval is a multiple of dt, h == dt). After every
step the state is checked for NaN/inf; on a non-finite state, an exception in a user callable,
a solver failure (`StepFailure`), ``max_steps`` or a KeyboardInterrupt, the loop stops and the
`Solution` keeps the snapshots so far and the last finite state (DESIGN.md, principle 7).

Why a protocol: each method is a small object with ``step(t, y, h) -> y_new``, keeping whatever
history it needs (BDF2's previous state, Verlet's last force, cached exponential coefficients);
the loop, saving, monitors, the progress bar and failure handling are written once here.
"""
from __future__ import annotations

import math
import time
from typing import Protocol

import numpy as np
from tqdm import tqdm

from .recording import MonitorError, Recorder, is_finite
from .solution import IntegrationStats, Solution


class StepFailure(RuntimeError):
    """A step could not be completed (e.g. Newton did not converge); the message says why."""


class Stepper(Protocol):
    """One fixed-step method: ``step(t, y, h)`` returns the state at t + h.

    A stepper whose update already checked the new state for NaN/inf may say so in an attribute
    ``finite`` (True/False after each step; None or absent: the loop checks).
    """

    stats: IntegrationStats

    def step(self, t: float, y: np.ndarray, h: float) -> np.ndarray: ...


def counted(fn, stats: IntegrationStats):
    """Wrap a right-hand-side callable so each call adds one to ``stats.rhs_evaluations``."""
    def wrapper(t, y):
        stats.rhs_evaluations += 1
        return fn(t, y)
    wrapper.__wrapped__ = fn
    return wrapper


class ProgressBar:
    """A tqdm bar over simulated time (a no-op when disabled)."""

    def __init__(self, enabled: bool, t0: float, t_end: float, desc: str) -> None:
        self._bar = None
        if enabled:
            self._bar = tqdm(total=float(t_end - t0), desc=desc, unit="t", leave=False,
                             bar_format="{desc}: {percentage:3.0f}%|{bar}| t={n:.4g}/{total:.4g} "
                                        "[{elapsed}<{remaining}{postfix}]")
        self._t0 = t0

    def update_to(self, t: float) -> None:
        """Move the bar to simulated time t."""
        if self._bar is not None:
            self._bar.update((t - self._t0) - self._bar.n)

    def close(self) -> None:
        """Close the bar (idempotent)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def describe_exception(exc: BaseException, t: float) -> str:
    """A one-sentence message for an exception that stopped the run at time t."""
    if isinstance(exc, KeyboardInterrupt):
        return f"interrupted (KeyboardInterrupt) at t={t:.6g}"
    if isinstance(exc, (StepFailure, MonitorError)):
        return str(exc)
    return f"{type(exc).__name__} raised while stepping from t={t:.6g}: {exc}"


def run_fixed_step(stepper: Stepper, y0: np.ndarray, t0: float, t_end: float, dt: float,
                   recorder: Recorder, *, method: str, max_steps: int,
                   progress: bool) -> Solution:
    """Advance ``stepper`` from t0 through every save time of ``recorder`` to t_end, steps <= dt."""
    stats = stepper.stats
    start = time.perf_counter()
    t, y = float(t0), y0
    status, message, exception = "success", "", None
    bar = ProgressBar(progress, t0, t_end, method)
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            while not recorder.done or t < t_end:
                t_save = min(recorder.next_time, t_end)
                gap = t_save - t
                n = max(1, math.ceil(gap / dt * (1 - 1e-12) - 1e-9)) if gap > 0 else 0
                h = gap / n if n else 0.0
                t_start = t
                for k in range(n):
                    if stats.steps >= max_steps:
                        status = "max_steps"
                        message = (f"stopped after max_steps={max_steps} steps at t={t:.6g} "
                                   f"before reaching t_end={t_end:g}")
                        break
                    y_new = stepper.step(t, y, h)
                    stats.steps += 1
                    t_new = t_save if k == n - 1 else t_start + (k + 1) * h
                    finite = getattr(stepper, "finite", None)
                    if not (is_finite(y_new) if finite is None else finite):
                        status = "failed"
                        message = (f"non-finite value (NaN or inf) in the state at t={t_new:.6g} "
                                   f"(step from t={t:.6g} with h={h:.3g}); the snapshots so far "
                                   f"and the last finite state (t={t:.6g}) are kept")
                        break
                    t, y = t_new, y_new
                    bar.update_to(t)
                if status != "success":
                    break
                if not recorder.done and recorder.next_time <= t:
                    recorder.record(y)
    except (Exception, KeyboardInterrupt) as exc:  # keep what was computed (principle 7)
        status, message, exception = "failed", describe_exception(exc, t), exc
    finally:
        bar.close()
    if status == "success":
        message = f"reached t_end={t:g} in {stats.steps} steps"
    stats.wall_time = time.perf_counter() - start
    return recorder.solution(status=status, message=message, stats=stats, t_last=t, y_last=y,
                             method=method, dt=dt, exception=exception)
