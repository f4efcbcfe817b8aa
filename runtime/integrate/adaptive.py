"""Drive SciPy's adaptive solvers (RK45, DOP853, BDF) step by step.

What: `run_scipy` runs one of `scipy.integrate`'s `OdeSolver` classes — the very classes
`scipy.integrate.solve_ivp` uses for ``method="RK45"``, ``"DOP853"`` and ``"BDF"`` — and
evaluates the solution at the save times exactly as ``solve_ivp(..., t_eval=...)`` does: from
the step's dense output (or the step's end point when a save time falls on it).

Why not call `solve_ivp` itself: it offers no step limit, no hook to stop on a NaN, no progress
bar and no monitors, and its failure output does not say which time went wrong. Driving the
solver object ourselves gives the same steps and the same interpolated values, plus those.
(Error control, tableaus and dense output are SciPy's: Dormand & Prince 1980 for RK45,
Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.10 for DOP853, Shampine & Reichelt 1997's NDF/BDF
for BDF.)
"""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np
from scipy.integrate import OdeSolver

from .recording import Recorder, is_finite
from .solution import IntegrationStats, Solution
from .stepping import ProgressBar, describe_exception


def run_scipy(solver_cls: type[OdeSolver], fun: Callable, y0: np.ndarray, t0: float,
              t_end: float, recorder: Recorder, *, method: str, rtol: float, atol: float, dt: float | None,
              max_steps: int, progress: bool, stats: IntegrationStats,
              **solver_kwargs) -> Solution:
    """Integrate with ``solver_cls`` from t0 to t_end, recording at ``recorder``'s save times.

    ``dt``, when given, is both the first step and the largest step. Pass the raw ``fun``: each
    call (including SciPy's finite-difference Jacobian columns) is counted here. Rejected steps
    are inferred for explicit Runge–Kutta solvers (each attempt costs ``n_stages`` evaluations
    in SciPy's implementation) and reported as ``None`` for BDF, which does not expose them.
    """
    t_end = float(t_end)
    first_nonfinite: list[float] = []

    def f(t, y):
        stats.rhs_evaluations += 1
        out = fun(t, y)
        if not first_nonfinite and not is_finite(np.asarray(out)):
            first_nonfinite.append(t)
        return out

    kwargs = dict(rtol=rtol, atol=atol, **solver_kwargs)
    if dt is not None:
        kwargs.update(first_step=dt, max_step=dt)
    n_stages = getattr(solver_cls, "n_stages", None)
    if n_stages is None:
        stats.rejected_steps = None
    start = time.perf_counter()
    t, y = float(t0), y0
    status, message, exception = "success", "", None
    bar = ProgressBar(progress, t0, t_end, method)
    solver = None
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            while not recorder.done and recorder.next_time <= t0:
                recorder.record(y0)
            if t_end > t0:
                solver = solver_cls(f, t0, y0, t_end, **kwargs)
            while solver is not None and solver.status == "running":
                if stats.steps >= max_steps:
                    status = "max_steps"
                    message = (f"stopped after max_steps={max_steps} steps at t={t:.6g} "
                               f"before reaching t_end={t_end:g}")
                    break
                before = stats.rhs_evaluations
                scipy_message = solver.step()
                if solver.status == "failed":
                    if n_stages is not None:  # every attempt of the failed step was rejected
                        stats.rejected_steps += (stats.rhs_evaluations - before) // n_stages
                    status = "failed"
                    message = f"{method} failed at t={solver.t:.6g}: {scipy_message}"
                    if first_nonfinite:
                        message += (f" (the right-hand side returned NaN/inf at "
                                    f"t={first_nonfinite[0]:.6g})")
                    message += (f"; the snapshots so far and the last accepted state "
                                f"(t={t:.6g}) are kept")
                    break
                stats.steps += 1
                if n_stages is not None:
                    attempts = (stats.rhs_evaluations - before) // n_stages
                    stats.rejected_steps += max(0, attempts - 1)
                if not is_finite(solver.y):
                    status = "failed"
                    message = (f"non-finite value (NaN or inf) in the state at t={solver.t:.6g}; "
                               f"the snapshots so far and the last finite state (t={t:.6g}) "
                               f"are kept")
                    break
                t_new = float(solver.t)
                dense = None
                while not recorder.done and recorder.next_time <= t_new:
                    ts = recorder.next_time
                    if math.isclose(ts, t_new, rel_tol=1e-14, abs_tol=1e-300):
                        recorder.record(solver.y)
                    else:
                        if dense is None:
                            dense = solver.dense_output()
                        recorder.record(dense(ts))
                t, y = t_new, solver.y
                bar.update_to(t)
    except (Exception, KeyboardInterrupt) as exc:  # keep what was computed (principle 7)
        status, message, exception = "failed", describe_exception(exc, t), exc
    finally:
        bar.close()
    if solver is not None:
        stats.jacobian_evaluations += getattr(solver, "njev", 0) or 0
        stats.lu_factorizations += getattr(solver, "nlu", 0) or 0
    if status == "success":
        message = f"reached t_end={t_end:g} in {stats.steps} steps"
    stats.wall_time = time.perf_counter() - start
    return recorder.solution(status=status, message=message, stats=stats, t_last=t,
                             y_last=np.array(y, copy=True), method=method, dt=dt,
                             exception=exception)
