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


def lower_starts(k: BilevelKernels, y: np.ndarray, count: int, seed: int = 0) -> list[np.ndarray]:
    """``count`` starting points for the lower level: uniform in the box of y where both bounds
    are finite, else y + max(1, |y|) * N(0, 1), clipped to the bounds."""
    rng = np.random.default_rng(seed)
    boxed = np.isfinite(k.y_lower) & np.isfinite(k.y_upper)
    lo, hi = np.where(boxed, k.y_lower, 0.0), np.where(boxed, k.y_upper, 1.0)
    scale = np.maximum(1.0, np.abs(y))
    starts = []
    for _ in range(count):
        z = np.where(boxed, rng.uniform(lo, hi), y + scale * rng.standard_normal(y.size))
        starts.append(np.clip(z, k.y_lower, k.y_upper))
    return starts


def best_lower(k: BilevelKernels, x: np.ndarray, y0: np.ndarray, starts: int = 0,
               tol: float = 1e-10, seed: int = 0) -> LowerSolution:
    """The lowest local solution of the lower level at ``x`` from ``y0`` and ``starts`` more
    starting points (`lower_starts`): where the lower level is not convex, one local solve may
    stop at a local minimizer while v(x) = min_y f(x, y) needs the global one. Failed solves
    from the extra starts are skipped; a failure from ``y0`` raises as in `solve_lower`."""
    best = solve_lower(k, x, y0, tol)
    for z in lower_starts(k, best.y, starts, seed):
        try:
            sol = solve_lower(k, x, z, tol)
        except LowerLevelFailure:
            continue
        if sol.value < best.value - 1e-12 * (1 + abs(best.value)):
            best = sol
    return best


def lower_gap(k: BilevelKernels, x: np.ndarray, y: np.ndarray, starts: int = 0) -> float:
    """f(x, y) - min_y' f(x, y'): zero when y solves the lower level at x (nan if unsolvable);
    the minimum is the best of a solve from y and ``starts`` other starts (`best_lower`)."""
    try:
        sol = best_lower(k, x, y, starts)
    except LowerLevelFailure:
        return float("nan")
    return float(k.lower_objective(x, y) - sol.value)
