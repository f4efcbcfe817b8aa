"""`Solution`: what a time integration returns — snapshots, monitors, status and counters.

Why: a run is always a result object with a status, never a bare array and never a silent failure
(DESIGN.md, principle 4), and a run that stops early keeps everything computed so far
(principle 7): the snapshots up to the failure, and the last finite state reached.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STATUSES = ("success", "failed", "max_steps")


@dataclass
class IntegrationStats:
    """Work counters of one run.

    - ``steps``: accepted steps.
    - ``rejected_steps``: steps rejected by error control or by a failed Newton iteration; ``None``
      where the underlying solver does not report it (SciPy's adaptive BDF).
    - ``rhs_evaluations``: calls of the right-hand side; for "ifrk4"/"etdrk4" these are calls of
      the nonlinear part N, for "verlet" calls of the force F (what each method evaluates).
      Finite-difference Jacobians count here too.
    - ``jacobian_evaluations``: Jacobians formed (analytic or finite-difference).
    - ``lu_factorizations``: sparse LU factorizations of the Newton matrix I - c*J.
    - ``wall_time``: seconds spent integrating.
    """

    steps: int = 0
    rejected_steps: int | None = 0
    rhs_evaluations: int = 0
    jacobian_evaluations: int = 0
    lu_factorizations: int = 0
    wall_time: float = 0.0


@dataclass
class Solution:
    """The outcome of `integrate`.

    - ``t``: the save times reached, shape (k,).
    - ``y``: the snapshots at those times, shape (k, size), dtype of the state.
    - ``monitors``: name -> array over ``t`` of each ``monitor(t, y)`` given to `integrate`.
    - ``status``: ``"success"`` (reached t_end), ``"failed"`` (non-finite state, solver failure,
      an exception in a callable, an interrupt) or ``"max_steps"``; ``message`` says why in a
      sentence, naming the time.
    - ``stats``: `IntegrationStats`.
    - ``t_last``, ``y_last``: the last finite state reached (may lie between save times), so a
      failed or interrupted run can be inspected or restarted from there.
    - ``method``: the integrator used; ``dt``: the fixed step asked for (``None`` if adaptive).
    - ``exception``: the exception that stopped the run, if one did.
    """

    t: np.ndarray
    y: np.ndarray
    monitors: dict[str, np.ndarray]
    status: str
    message: str
    stats: IntegrationStats
    t_last: float
    y_last: np.ndarray
    method: str = ""
    dt: float | None = None
    exception: BaseException | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of "
                             f"{', '.join(STATUSES)}")

    @property
    def success(self) -> bool:
        """True when the run reached t_end."""
        return self.status == "success"

    def __len__(self) -> int:
        return len(self.t)

    def __repr__(self) -> str:
        return (f"Solution(method={self.method!r}, status={self.status!r}, "
                f"snapshots={len(self.t)}, "
                f"t=[{self.t[0] if len(self.t) else float('nan'):g} .. "
                f"{self.t[-1] if len(self.t) else float('nan'):g}], size={self.y.shape[-1]}, "
                f"steps={self.stats.steps}, message={self.message!r})")
