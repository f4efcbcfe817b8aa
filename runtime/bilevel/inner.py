"""Inner solves of the lower level at fixed x, through the NLP runtime (warm-started)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..solve import solve_nlp
from .kernels import BilevelKernels


class LowerLevelFailure(Exception):
    """The lower level has no usable solution at some x (unbounded, or the solve failed)."""

    def __init__(self, status: str, message: str, x: np.ndarray):
        super().__init__(message)
        self.status, self.message, self.x = status, message, x


@dataclass
class LowerSolution:
    """y = argmin f(x, .), its multipliers (L = f + lam @ c) and f there."""

    y: np.ndarray
    lam: np.ndarray
    value: float
    iterations: int


def _where(x: np.ndarray) -> str:
    return np.array2string(x, precision=4, threshold=6)


def solve_lower(k: BilevelKernels, x: np.ndarray, y0: np.ndarray, tol: float = 1e-10
                ) -> LowerSolution:
    """Solve the lower level at ``x`` from ``y0``; unbounded or failed solves raise
    `LowerLevelFailure` naming the x where it happened."""
    y0 = np.clip(y0, k.y_lower, k.y_upper)
    res = solve_nlp(k.lower_problem(x), y0, tol=tol)
    if res.status == "unbounded":
        raise LowerLevelFailure(
            "lower_unbounded", f"the lower level is unbounded below in y at x = {_where(x)} "
            f"({res.message}); bound the lower-level variables or restrict x so that "
            f"min_y f(x, y) exists", x)
    if res.status not in ("optimal", "max_iter"):
        status = "infeasible" if res.status == "infeasible" else "numerical_error"
        raise LowerLevelFailure(status, f"the lower-level solve at x = {_where(x)} ended with "
                                        f"status {res.status!r}: {res.message}", x)
    lam = np.asarray(res.multipliers, dtype=float) if k.nlam else np.zeros(0)
    return LowerSolution(np.asarray(res.x, dtype=float), lam, float(res.objective),
                         res.iterations)


def lower_gap(k: BilevelKernels, x: np.ndarray, y: np.ndarray) -> float:
    """f(x, y) - min_y' f(x, y'): zero when y solves the lower level at x (nan if unsolvable)."""
    try:
        sol = solve_lower(k, x, y)
    except LowerLevelFailure:
        return float("nan")
    return float(k.lower_objective(x, y) - sol.value)
