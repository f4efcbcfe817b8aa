"""Between the user's problem and the one the interior-point core iterates on, both ways.

Forward (`presolve`): guard the kernels' output, reject inconsistent bounds, remove fixed
variables and unconstrained rows, relax bounds by IPOPT's bound_relax_factor, push the start
inside them, and scale by gradients. Backward (`Presolved.result`): expand to the user's
variables, project x onto the original bounds (IPOPT's honor_original_bounds), unscale the
multipliers, and recompute objective, constraint violation and dual infeasibility with the
user's kernels at the returned x, so the numbers in a result are about the user's problem.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .bounds import push_inside, relax
from .guard import KernelEvaluationError, guarded
from codegen.kernels import NLPKernels
from .options import IPMOptions
from .reduce import Reduction, reduce_problem
from .result import SolveResult
from .scaling import Scaling, gradient_scaling


def _violation(k: NLPKernels, x: np.ndarray, c: np.ndarray | None) -> float:
    parts = [np.max(np.maximum(k.x_lower - x, 0.0), initial=0.0),
             np.max(np.maximum(x - k.x_upper, 0.0), initial=0.0)]
    if c is None:
        return float("nan") if k.m else float(max(parts))
    parts += [np.max(np.maximum(k.c_lower - c, 0.0), initial=0.0),
              np.max(np.maximum(c - k.c_upper, 0.0), initial=0.0)]
    return float(max(parts))


def _try(fn, x: np.ndarray):
    try:
        return fn(x)
    except KernelEvaluationError:
        return None


def user_result(k: NLPKernels, x: np.ndarray, lam: np.ndarray, zl: np.ndarray, zu: np.ndarray,
                status: str, message: str, iterations: int, history: list,
                fallback_f: float = float("nan"),
                fixed: np.ndarray | None = None) -> SolveResult:
    """A SolveResult whose values are recomputed by the (guarded) user kernels `k` at x.

    Bound multipliers of the `fixed` variables come from stationarity. A kernel that fails at x
    leaves its values NaN (the objective falls back to `fallback_f`)."""
    f, c = _try(k.objective, x), _try(k.constraints, x)
    g, jac = _try(k.gradient, x), _try(k.jacobian, x)
    dual_inf = float("nan")
    if g is not None and jac is not None:
        stat = g.copy()
        np.add.at(stat, k.jacobian_pattern.cols, jac * lam[k.jacobian_pattern.rows])
        if fixed is not None and fixed.size:
            zl[fixed] = np.maximum(stat[fixed], 0.0)
            zu[fixed] = np.maximum(-stat[fixed], 0.0)
        dual_inf = float(np.max(np.abs(stat - zl + zu), initial=0.0))
    return SolveResult(x=x, objective=float(fallback_f if f is None else f), status=status,
                       message=message, iterations=iterations, multipliers=lam,
                       bound_multipliers_lower=zl, bound_multipliers_upper=zu,
                       constraint_violation=_violation(k, x, c), dual_infeasibility=dual_inf,
                       history=history, method="ipm")


@dataclass
class Presolved:
    """The problem as the core sees it, its start, and the way back to the user's problem."""

    user: NLPKernels
    reduction: Reduction
    scaling: Scaling
    x0: np.ndarray

    @property
    def kernels(self) -> NLPKernels:
        """Reduced, relaxed and scaled kernels (what the interior-point core iterates on)."""
        return self.scaling.kernels

    def result(self, x: np.ndarray, y: np.ndarray, zl: np.ndarray, zu: np.ndarray, f: float,
               status: str, message: str, iterations: int, history: list) -> SolveResult:
        """The user's result from the core's x, multipliers y, z (over x) and objective f."""
        red, sc, k = self.reduction, self.scaling, self.user
        x_user = np.clip(red.expand_x(x), k.x_lower, k.x_upper)
        lam = red.expand_rows(sc.constraints * y / sc.objective)
        zl_user, zu_user = np.zeros(k.n), np.zeros(k.n)
        zl_user[red.free] = zl / sc.objective
        zu_user[red.free] = zu / sc.objective
        return user_result(k, x_user, lam, zl_user, zu_user, status, message, iterations, history,
                           fallback_f=f / sc.objective, fixed=red.fixed)


def _bad_bounds(k: NLPKernels) -> str | None:
    for lo, hi, name in ((k.x_lower, k.x_upper, "x"), (k.c_lower, k.c_upper, "c")):
        bad = np.flatnonzero(lo > hi)
        if bad.size:
            i = int(bad[0])
            return (f"the bounds are inconsistent: {name}_lower[{i}] = {lo[i]:g} > "
                    f"{name}_upper[{i}] = {hi[i]:g}")
    return None


def presolve(kernels: NLPKernels, x0: np.ndarray, opts: IPMOptions,
             history: list) -> Presolved | SolveResult:
    """The core's problem and start, or the final result when no iteration is needed."""
    k = guarded(kernels)
    n, m = k.n, k.m

    def early(status: str, message: str, x: np.ndarray, fixed=None) -> SolveResult:
        return user_result(k, x, np.zeros(m), np.zeros(n), np.zeros(n), status, message, 0,
                           history, fixed=fixed)

    bad = _bad_bounds(k)
    if bad is not None:
        return early("infeasible", bad, x0)
    red = reduce_problem(k)
    if red.kernels.n == 0:
        res = early("optimal", "every variable is fixed by its bounds and the constraints hold",
                    red.expand_x(np.zeros(0)), fixed=red.fixed)
        if not res.constraint_violation <= opts.constr_viol_tol:
            res.status = "infeasible"
            res.message = (f"every variable is fixed by its bounds and the constraints are "
                           f"violated by {res.constraint_violation:.3g}")
        return res
    rk = red.kernels
    xl, xu = relax(rk.x_lower, rk.x_upper, opts.bound_relax_factor, opts.constr_viol_tol)
    ineq = rk.c_lower != rk.c_upper
    cl, cu = relax(rk.c_lower, rk.c_upper, opts.bound_relax_factor, opts.constr_viol_tol)
    rk = replace(rk, x_lower=xl, x_upper=xu, c_lower=np.where(ineq, cl, rk.c_lower),
                 c_upper=np.where(ineq, cu, rk.c_upper))
    xs = push_inside(x0[red.free], xl, xu, opts.bound_push, opts.bound_frac)
    # IPOPT takes the scaling factors at the user's start, before it is pushed inside the
    # bounds: the pushed point can sit in a much flatter region (HS016 from (-2, 1)), and its
    # smaller gradients would leave the objective nearly unscaled. Where the kernels cannot be
    # evaluated at the user's start, the pushed point serves.
    for xsc in (x0[red.free], xs):
        try:
            sc = gradient_scaling(rk, xsc, opts.nlp_scaling_max_gradient,
                                  opts.nlp_scaling_min_value)
            break
        except KernelEvaluationError as exc:
            failure = exc
    else:
        return early("numerical_error", f"{failure} at the starting point", x0)
    return Presolved(k, red, sc, xs)
