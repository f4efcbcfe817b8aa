"""KKT / MPEC reformulation solved by the interior-point runtime with Scholtes relaxation.

Complementarity lam_i c_i = 0 is relaxed to lam_i c_i >= -t, and t is driven to zero over a
sequence of warm-started interior-point solves (Scholtes, SIAM J. Optim. 11, 2001): each
relaxed problem satisfies constraint qualifications that the MPEC itself violates.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..solve import solve_nlp
from .kernels import BilevelKernels


@dataclass(frozen=True)
class KKTOptions:
    """t_init: first relaxation; t_factor: its reduction per stage; t_min: last relaxation;
    tol: interior-point tolerance of each stage; ipm: further interior-point options; polish:
    solve the piece of the MPEC the last stage ended on (`_polish`)."""

    t_init: float = 1e-2
    t_factor: float = 1e-2
    t_min: float = 1e-12
    tol: float = 1e-12
    max_iter: int = 3000
    ipm: dict | None = None
    polish: bool = True


def relaxation_schedule(o: KKTOptions) -> list[float]:
    """t_init, t_init * t_factor, ... down to t_min (which is always the last stage)."""
    ts, t = [], o.t_init
    while t > o.t_min * (1 + 1e-9):
        ts.append(t)
        t *= o.t_factor
    return ts + [o.t_min]


_PIECE_MOVE = 1e-3


def _polish(kk, z: np.ndarray, o: KKTOptions, history: list, iterations: int):
    """Solve the piece of the MPEC the relaxation ended on, to the interior point's full
    accuracy: each inequality is active (held at its bound) where its distance from the bound
    is below its multiplier, else its multiplier is 0 (a pair where both vanish goes with the
    constraint: that piece holds the point too). Scholtes' sequence alone stops about sqrt(t)
    from a solution with such a biactive pair, and the interior point's own tolerances stop it
    sooner. The piece's answer (feasible for the MPEC by construction; the relaxation's is
    not, and its upper objective may be below the optimum) is kept when it solves to
    optimality within `_PIECE_MOVE` (relative) of the relaxation's x, y and upper objective:
    the same solution, made exact; a piece guessed wrong ends elsewhere or fails."""
    lam, gap, equality = kk.pairs(z)
    active = ~equality & (gap <= np.abs(lam))
    inactive = ~equality & ~active
    res = solve_nlp(kk.branch(active, inactive), z, method="ipm", tol=o.tol,
                    max_iter=o.max_iter, **{"bound_relax_factor": 1e-14,
                                            "constr_viol_tol": 1e-12, **dict(o.ipm or {})})
    iterations += res.iterations
    before = history[-1]["upper_objective"]
    xy = kk.unpack(z)[:2]
    moved = max((float(np.max(np.abs(a - b), initial=0.0) / (1.0 + np.max(np.abs(b), initial=0.0)))
                 for a, b in zip(kk.unpack(np.asarray(res.x))[:2], xy)), default=0.0)
    kept = (res.status == "optimal" and moved <= _PIECE_MOVE
            and abs(res.objective - before) <= _PIECE_MOVE * (1.0 + abs(before)))
    history.append({"stage": "piece", "t": 0.0, "status": res.status,
                    "iterations": res.iterations, "upper_objective": res.objective,
                    "constraint_violation": res.constraint_violation, "kept": kept,
                    "active": int(active.sum()), "inactive": int(inactive.sum())})
    return (np.asarray(res.x) if kept else z), iterations


def solve_kkt(k: BilevelKernels, x0: np.ndarray, y0: np.ndarray, o: KKTOptions):
    """Run the relaxation sequence; returns (x, y, lam, status, message, iterations, history)."""
    kk = k.kkt()
    lam0 = np.clip(np.zeros(kk.lam_lower.size), kk.lam_lower, kk.lam_upper)
    z = kk.pack(x0, y0, lam0)
    history, iterations = [], 0
    status, message = "optimal", "no stage ran"
    stages = relaxation_schedule(o) if kk.relaxed else [0.0]
    extra = dict(o.ipm or {})
    for stage, t in enumerate(stages):
        warm = dict(mu_init=max(min(1e-1, 10 * t), 1e-9), bound_push=1e-8, bound_frac=1e-8) \
            if stage else {}
        res = solve_nlp(kk.nlp(t), z, method="ipm", tol=o.tol, max_iter=o.max_iter,
                        **{**warm, **extra})
        iterations += res.iterations
        history.append({"stage": stage, "t": t, "status": res.status,
                        "iterations": res.iterations, "upper_objective": res.objective,
                        "constraint_violation": res.constraint_violation})
        status, message = res.status, res.message
        if res.status != "optimal":
            if not stage:
                z = np.asarray(res.x)    # nothing better: keep what the first stage reached
            break                        # else keep the last good stage's iterate
        z = np.asarray(res.x)
    if status == "optimal" and kk.relaxed and kk.branch is not None and o.polish:
        z, iterations = _polish(kk, z, o, history, iterations)
        if history[-1]["kept"]:
            message = (f"optimal solution found: the relaxation's last stage (t = "
                       f"{history[-2]['t']:.0e}) identified the active lower-level "
                       f"constraints, and that piece of the MPEC was solved exactly")
    if status != "optimal" and len(history) > 1:
        message = (f"relaxation t = {history[-1]['t']:.0e} ended with {status!r} ({message}); "
                   f"returned the iterate of t = {history[-2]['t']:.0e}")
    x, y, lam = kk.unpack(z)
    if status == "unbounded":
        status, message = "numerical_error", f"the single-level KKT problem seems unbounded " \
                                             f"(upper objective): {message}"
    return x, y, lam, status, message, iterations, history
