"""What a bilevel solve returns: both levels' iterates and objectives, the method and why."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STATUSES = ("optimal", "max_iter", "lower_unbounded", "lower_not_strongly_convex",
            "lower_not_optimal", "infeasible", "numerical_error")


@dataclass
class BilevelSolveResult:
    """The outcome of `solve_bilevel` on flat vectors.

    - ``x``, ``y``: the final upper- and lower-level iterates; ``lam``: lower-level multipliers
      (L = f + lam @ c) where the method has them.
    - ``status``: one of `STATUSES`; ``message`` says the same in a sentence.
    - ``method``: the method that ran; ``reason``: why it was chosen (for method="auto").
    - ``history``: one dict per outer iteration or stage; ``kernel_evaluations``: calls per
      kernel (inner solves included).
    - ``lower_gap``: f(x, y) - min_y' f(x, y') at the final x (how far y is from a lower-level
      optimum), when an inner solve could measure it; for lower levels not known to be convex
      the minimum is the best of several starts, and a method that stopped where the gap
      exceeds 1e-3 (1 + |f|) gets status "lower_not_optimal".
    """

    x: np.ndarray
    y: np.ndarray
    lam: np.ndarray
    upper_objective: float
    lower_objective: float
    status: str
    message: str
    method: str
    reason: str
    iterations: int
    upper_violation: float = 0.0
    lower_gap: float = float("nan")
    history: list[dict] = field(default_factory=list, repr=False)
    kernel_evaluations: dict = field(default_factory=dict, repr=False)
    wall_time: float = 0.0

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of "
                             f"{', '.join(STATUSES)}")

    @property
    def converged(self) -> bool:
        return self.status == "optimal"
