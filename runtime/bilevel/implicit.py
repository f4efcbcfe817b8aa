"""Implicit-differentiation hypergradients for an unconstrained, strongly convex lower level.

    grad Phi(x) = grad_x F - (d^2 f / dx dy) q,   (d^2 f / dy^2) q = grad_y F

with y = y*(x) from a warm-started Newton-CG inner solve and q from conjugate gradients on
Hessian-vector products (the Hessian is never formed). The reduced problem min_x Phi(x) is
solved by L-BFGS-B, so bounds on x are kept.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.sparse.linalg import LinearOperator, cg

from .inner import LowerLevelFailure, solve_lower
from .kernels import BilevelKernels


@dataclass(frozen=True)
class ImplicitOptions:
    """inner_tol: lower solves; cg_rtol / cg_max_iter: the adjoint system; gtol / max_iter:
    the outer L-BFGS-B run."""

    inner_tol: float = 1e-12
    cg_rtol: float = 1e-12
    cg_max_iter: int = 1000
    gtol: float = 1e-10
    max_iter: int = 1000


class _Reduced:
    """Phi(x) = F(x, y*(x)) and its hypergradient; remembers y* for warm starts."""

    def __init__(self, k: BilevelKernels, y0: np.ndarray, o: ImplicitOptions):
        self.k, self.o, self.y = k, o, y0
        self.cg_iterations = 0
        self.last = None

    def __call__(self, x: np.ndarray):
        k, o = self.k, self.o
        sol = solve_lower(k, x, self.y, o.inner_tol)
        y = self.y = sol.y
        lam, zx = np.zeros(k.nlam), np.zeros(k.nx)
        gFx, gFy = k.upper_gradient(x, y)

        def hyy(v):
            return k.lower_hvp(x, y, lam, zx, np.asarray(v).ravel())[1]

        calls = [0]

        def count(_):
            calls[0] += 1

        op = LinearOperator((k.ny, k.ny), matvec=hyy, dtype=float)
        q, info = cg(op, gFy, rtol=o.cg_rtol, atol=0.0, maxiter=o.cg_max_iter, callback=count)
        self.cg_iterations += calls[0]
        hx, hy = k.lower_hvp(x, y, lam, zx, q)
        curvature = float(q @ hy)
        if np.linalg.norm(gFy) > 0 and (curvature <= 0 or info < 0):
            raise LowerLevelFailure(
                "lower_not_strongly_convex",
                f"the lower-level Hessian in y is not positive definite at x = "
                f"{np.array2string(x, precision=4, threshold=6)} (q.Hq = {curvature:.2e}); "
                f"implicit differentiation needs a strongly convex lower level: use "
                f"method='kkt', 'value-penalty' or 'lv-hba'", x)
        F = k.upper_objective(x, y)
        self.last = (x.copy(), y.copy(), F)
        return F, gFx - hx


def solve_implicit(k: BilevelKernels, x0: np.ndarray, y0: np.ndarray, o: ImplicitOptions):
    """Minimize the reduced objective; returns (x, y, status, message, iterations, history)."""
    phi = _Reduced(k, y0, o)
    bounds = [(a if np.isfinite(a) else None, b if np.isfinite(b) else None)
              for a, b in zip(k.x_lower, k.x_upper)]
    history = []

    def record(xk):
        history.append({"iter": len(history) + 1, "upper_objective": phi.last[2],
                        "cg_iterations": phi.cg_iterations})

    res = minimize(phi, np.clip(x0, k.x_lower, k.x_upper), jac=True, method="L-BFGS-B",
                   bounds=bounds, callback=record,
                   options={"maxiter": o.max_iter, "gtol": o.gtol, "ftol": 1e-15})
    x = res.x
    _, g = phi(x)
    projected = float(np.max(np.abs(x - np.clip(x - g, k.x_lower, k.x_upper)), initial=0.0))
    if res.success or projected <= 1e-6 * max(1.0, abs(phi.last[2])):
        status = "optimal"
    else:
        status = "max_iter" if res.status == 1 else "numerical_error"
    message = f"L-BFGS-B on the reduced problem: {res.message} ({phi.cg_iterations} CG " \
              f"iterations in all)"
    return x, phi.y, status, message, res.nit, history
