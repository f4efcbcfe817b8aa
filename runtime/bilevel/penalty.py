"""Value-function penalty (Kwon, Kwon, Wright, Nowak, "On Penalty Methods for Nonconvex Bilevel
Optimization and First-Order Stochastic Approximation", 2023).

    min_{x, y}  P_sigma(x, y) = F(x, y) + (f(x, y) - v(x)) / sigma,   v(x) = min_z f(x, z)

for a decreasing sequence of sigma. P is minimized with first-order information only: by
Danskin's theorem grad_x v(x) = grad_x L(x, z*, lam*) at the inner solution z* (solved
warm-started at each new x), so no second derivatives are used. Each sigma stage runs
L-BFGS-B from the previous stage's point; the bias of a stage is O(sigma).

Warm-started inner solves find local minimizers; where the lower level is not known to be
convex, the end of each stage also solves it from ``inner_starts`` other points
(`inner.best_lower`), and when one of them reaches a lower value, the stage runs again from
that lower-level solution (at most ``restarts`` times, and not again after a rerun that ends
where it started): otherwise v(x) would be a local value and (x, y) could be a point where y
does not solve the lower level. This is a heuristic for the global lower-level minimum, not a
guarantee; the final y is checked the same way (`solve_bilevel`'s lower_gap).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from .inner import best_lower, solve_lower
from .kernels import BilevelKernels


@dataclass(frozen=True)
class PenaltyOptions:
    """sigma_init, sigma_factor, sigma_min: the penalty schedule; inner_tol: lower solves;
    gtol / max_iter: each L-BFGS-B stage; inner_starts / restarts: the search for better
    lower-level minimizers after each stage (lower levels not known to be convex only)."""

    sigma_init: float = 1.0
    sigma_factor: float = 0.1
    sigma_min: float = 1e-6
    inner_tol: float = 1e-11
    gtol: float = 1e-9
    max_iter: int = 2000
    inner_starts: int = 8
    restarts: int = 5


class _Penalty:
    """P_sigma and its gradient at w = (x, y); remembers the inner solution for warm starts."""

    def __init__(self, k: BilevelKernels, z0: np.ndarray, o: PenaltyOptions):
        self.k, self.o, self.z, self.sigma = k, o, z0, o.sigma_init
        self.last, self.trapped = None, False
        self.zero_lam = np.zeros(k.nlam)

    def __call__(self, w: np.ndarray):
        k = self.k
        x, y = w[:k.nx], w[k.nx:]
        sol = solve_lower(k, x, self.z, self.o.inner_tol)
        self.z = sol.y
        gFx, gFy = k.upper_gradient(x, y)
        gfx, gfy, _ = k.lower_gradient(x, y, self.zero_lam)
        gvx, _, _ = k.lower_gradient(x, sol.y, sol.lam)
        F, fy = k.upper_objective(x, y), k.lower_objective(x, y)
        self.last = (x.copy(), y.copy(), F, fy, fy - sol.value)
        value = F + (fy - sol.value) / self.sigma
        grad = np.concatenate([gFx + (gfx - gvx) / self.sigma, gFy + gfy / self.sigma])
        return value, grad


def _restart(k: BilevelKernels, P: _Penalty, w: np.ndarray, starts: int, o: PenaltyOptions,
             seed: int) -> bool:
    """Whether the lower level at the stage's x has a better minimizer than the inner solution
    P.z (from other starts): then P.z becomes it, and P.trapped says whether y itself sits at a
    worse local lower-level minimizer (where the penalty cannot move it out)."""
    x, y = w[:k.nx], w[k.nx:]
    tol = 1e-9 * (1 + abs(k.lower_objective(x, P.z)))
    better = best_lower(k, x, P.z, starts, o.inner_tol, seed=seed)
    local = solve_lower(k, x, y, o.inner_tol)
    P.trapped = (k.lower_objective(x, y) - local.value < tol
                 and local.value - better.value > tol)
    if better.value < k.lower_objective(x, P.z) - tol or P.trapped:
        P.z = better.y
        return True
    return False


def solve_value_penalty(k: BilevelKernels, x0: np.ndarray, y0: np.ndarray, o: PenaltyOptions):
    """Run the penalty stages; returns (x, y, status, message, iterations, history)."""
    starts = 0 if k.info.get("lower_convex") is True else o.inner_starts
    P = _Penalty(k, y0, o)
    w = np.concatenate([x0, y0])
    bounds = list(zip(np.concatenate([k.x_lower, k.y_lower]),
                      np.concatenate([k.x_upper, k.y_upper])))
    bounds = [(None if not np.isfinite(a) else a, None if not np.isfinite(b) else b)
              for a, b in bounds]
    history, iterations, status, message = [], 0, "optimal", ""
    sigma = o.sigma_init
    restarts, restarted_from = 0, None
    while True:
        P.sigma = sigma
        res = minimize(P, w, jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxiter": o.max_iter, "gtol": o.gtol, "ftol": 1e-15,
                                "maxcor": 20})
        w = res.x
        iterations += res.nit
        _, _, F, _, gap = P.last
        history.append({"sigma": sigma, "iterations": res.nit, "upper_objective": F,
                        "lower_gap": gap, "message": str(res.message)})
        if res.status == 1:
            status, message = "max_iter", f"L-BFGS-B reached {o.max_iter} iterations at " \
                                          f"sigma = {sigma:.1e}"
        moved = restarted_from is None or not np.allclose(w, restarted_from, rtol=1e-6, atol=1e-9)
        restarted_from = None
        if starts and moved and restarts < o.restarts and _restart(k, P, w, starts, o, restarts):
            restarts += 1
            restarted_from = w.copy()
            w = np.concatenate([w[:k.nx], P.z]) if P.trapped else w
            history[-1]["restarted"] = "a lower-level minimizer with a lower value found " \
                                       "from another start"
            continue
        if sigma <= o.sigma_min * (1 + 1e-9):
            break
        sigma = max(sigma * o.sigma_factor, o.sigma_min)
    if status == "optimal":
        message = f"penalty stages down to sigma = {sigma:.1e} converged " \
                  f"(lower-level gap {history[-1]['lower_gap']:.1e})"
        if starts:
            message += f"; the lower level was solved from {starts} more starts after each " \
                       f"stage ({restarts} better lower-level minimizer(s) found)"
    return w[:k.nx], w[k.nx:], status, message, iterations, history
