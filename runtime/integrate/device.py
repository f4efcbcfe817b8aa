"""Fixed-step RK4 that keeps the state on its devices: JAX arrays, sharded or not.

The NumPy integrators copy the state to the host every step. With JAX kernels the state can
instead stay where it is, sharded over several devices (``jax.sharding``), and the steps
between two save times run as one jitted ``lax.fori_loop``; only the saved snapshots come
back to the host. DESIGN.md: sympile does not invent a distributed engine, it uses JAX's.
"""
from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from .solution import IntegrationStats, Solution


def integrate_rk4_on_device(fun: Callable[[Any, Any], Any], y0: Any, t_end: float, dt: float,
                            save_every: float | None = None,
                            monitors: dict[str, Callable] | None = None) -> Solution:
    """RK4 from t = 0 to ``t_end`` with step ``dt``; ``fun(t, y)`` and ``y0`` are JAX arrays.

    Snapshots every ``save_every`` (default: start and end) are gathered to the host; the
    state between them never leaves its devices and keeps ``y0``'s sharding. A non-finite
    snapshot stops the run with status "failed", keeping the snapshots before it.
    """
    import jax
    import jax.numpy as jnp
    if not dt > 0 or not t_end > 0:
        raise ValueError(f"dt={dt} and t_end={t_end} must both be positive")
    interval = t_end if save_every is None else save_every
    per_save = max(1, int(round(interval / dt)))
    total = int(round(t_end / dt))
    if abs(total * dt - t_end) > 1e-9 * max(1.0, t_end):
        raise ValueError(f"dt={dt} does not divide t_end={t_end}; choose dt = t_end / k")

    def step(i, carry):
        t, y = carry
        k1 = fun(t, y)
        k2 = fun(t + dt / 2, y + (dt / 2) * k1)
        k3 = fun(t + dt / 2, y + (dt / 2) * k2)
        k4 = fun(t + dt, y + dt * k3)
        return t + dt, y + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4)

    advance = jax.jit(lambda t, y, n: jax.lax.fori_loop(0, n, step, (t, y)),
                      static_argnums=2)
    start = time.perf_counter()
    t, y = jnp.asarray(0.0), y0
    times, snaps, done, status, message = [0.0], [np.asarray(y0)], 0, "success", ""
    while done < total:
        n = min(per_save, total - done)
        t, y = advance(t, y, n)
        done += n
        snap = np.asarray(y)
        if not np.all(np.isfinite(snap)):
            status = "failed"
            message = f"non-finite state after {done} steps (t = {done * dt:g})"
            break
        times.append(done * dt)
        snaps.append(snap)
    t_arr, y_arr = np.asarray(times), np.stack(snaps)
    mon = {name: np.array([m(tk, yk) for tk, yk in zip(t_arr, y_arr)])
           for name, m in (monitors or {}).items()}
    stats = IntegrationStats(steps=min(done, total), rejected_steps=None,
                             rhs_evaluations=4 * min(done, total),
                             wall_time=time.perf_counter() - start)
    return Solution(t=t_arr, y=y_arr, monitors=mon, status=status, message=message,
                    stats=stats, t_last=float(t_arr[-1]), y_last=y_arr[-1], method="rk4", dt=dt)
