"""`solve_bilevel`: pick a method (or check the one asked for), run it, report in one result."""
from __future__ import annotations

import time

import numpy as np

from ..options import make_options
from .choose import choose
from .implicit import ImplicitOptions, solve_implicit
from .inner import LowerLevelFailure, lower_gap
from .kernels import BilevelKernels, counted
from .kkt import KKTOptions, solve_kkt
from .lvhba import LVHBAOptions, solve_lvhba
from .penalty import PenaltyOptions, solve_value_penalty
from .result import BilevelSolveResult

LOWER_STARTS = 8
OPTIONS = {"kkt": KKTOptions, "value-penalty": PenaltyOptions, "lv-hba": LVHBAOptions,
           "implicit": ImplicitOptions}


def solve_bilevel(kernels: BilevelKernels, x0: np.ndarray, y0: np.ndarray, *,
                  method: str = "auto", measure_gap: bool = True,
                  **options) -> BilevelSolveResult:
    """Solve the bilevel problem of ``kernels`` from (x0, y0).

    ``method``: "auto" (KKT when the lower level is convex in y, else a first-order method),
    "kkt", "value-penalty", "lv-hba" or "implicit"; ``options`` are the chosen method's
    (`KKTOptions`, `PenaltyOptions`, `LVHBAOptions`, `ImplicitOptions`). A method that cannot
    handle the problem raises ValueError naming what blocks it and which method can;
    a failed solve is a status, with the last iterate kept.
    """
    x0 = np.asarray(x0, dtype=float).ravel()
    y0 = np.asarray(y0, dtype=float).ravel()
    for name, v, n in (("x0", x0, kernels.nx), ("y0", y0, kernels.ny)):
        if v.size != n:
            raise ValueError(f"{name} has {v.size} entries, expected {n}")
    chosen, reason = choose(method, kernels)
    opts = make_options(OPTIONS[chosen], chosen, options)
    k = counted(kernels)
    x0 = np.clip(x0, k.x_lower, k.x_upper)
    y0 = np.clip(y0, k.y_lower, k.y_upper)
    lam = np.zeros(k.nlam)
    start = time.perf_counter()
    try:
        if chosen == "kkt":
            x, y, lam_all, status, message, iterations, history = solve_kkt(k, x0, y0, opts)
            lam = lam_all[:k.nlam]
        elif chosen == "value-penalty":
            x, y, status, message, iterations, history = solve_value_penalty(k, x0, y0, opts)
        elif chosen == "lv-hba":
            x, y, lam, status, message, iterations, history = solve_lvhba(k, x0, y0, opts)
        else:
            x, y, status, message, iterations, history = solve_implicit(k, x0, y0, opts)
    except LowerLevelFailure as fail:
        x, y = fail.x, y0
        status, message, iterations, history = fail.status, fail.message, 0, []
    elapsed = time.perf_counter() - start
    starts = 0 if k.info.get("lower_convex") is True else LOWER_STARTS
    gap = lower_gap(k, x, y, starts) if measure_gap and status not in (
        "lower_unbounded", "lower_not_strongly_convex") else float("nan")
    if status == "optimal" and gap > 1e-3 * (1 + abs(k.lower_objective(x, y))):
        status = "lower_not_optimal"
        message += f"; but y is not a lower-level minimizer at the final x: f(x, y) - min f(x, .)" \
                   f" = {gap:.3g} (the lower level is not convex and the method stopped at a " \
                   f"worse local minimizer)"
    evaluations = dict(k.counts)
    return BilevelSolveResult(
        x=x, y=y, lam=lam, upper_objective=float(k.upper_objective(x, y)),
        lower_objective=float(k.lower_objective(x, y)), status=status, message=message,
        method=chosen, reason=reason, iterations=iterations,
        upper_violation=float(k.upper_violation(x, y)), lower_gap=gap, history=history,
        kernel_evaluations=evaluations, wall_time=elapsed)
