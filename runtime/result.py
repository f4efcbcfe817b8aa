"""What a solve returns: the iterate, its values and multipliers, and why the solver stopped.

A result is always a `SolveResult` (DESIGN.md, principle 4): a solve that stops early still
carries the last good iterate and everything computed at it (principle 7).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STATUSES = ("optimal", "infeasible", "unbounded", "max_iter", "numerical_error")


@dataclass
class SolveResult:
    """The outcome of `solve_nlp`.

    - ``x``: the returned iterate (the solution when ``status == "optimal"``).
    - ``objective``: f(x).
    - ``status``: one of ``"optimal"``, ``"infeasible"``, ``"unbounded"``, ``"max_iter"``,
      ``"numerical_error"``; ``message`` says the same in a sentence.
    - ``multipliers``: constraint multipliers ``lam`` (shape (m,)) with L = f + lam @ c(x)
      (IPOPT's convention: ``lam >= 0`` at an active upper bound of c, ``<= 0`` at a lower).
    - ``bound_multipliers_lower`` / ``_upper``: z_L, z_U >= 0 of x >= x_lower / x <= x_upper, so
      that grad f + J^T lam - z_L + z_U = 0 at a KKT point.
    - ``constraint_violation``: largest violation of c_lower <= c(x) <= c_upper and of the bounds.
    - ``dual_infeasibility``: max-norm of grad f + J^T lam - z_L + z_U.
    - ``history``: one dict per iteration (keys: iter, objective, inf_pr, inf_du, mu, step, reg,
      alpha_pr, alpha_du, ls, phase).
    """

    x: np.ndarray
    objective: float
    status: str
    message: str
    iterations: int
    multipliers: np.ndarray
    bound_multipliers_lower: np.ndarray
    bound_multipliers_upper: np.ndarray
    constraint_violation: float
    dual_infeasibility: float
    history: list[dict] = field(default_factory=list, repr=False)
    method: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of "
                             f"{', '.join(STATUSES)}")

    @property
    def converged(self) -> bool:
        """True when the solver found a point satisfying the optimality conditions."""
        return self.status == "optimal"
