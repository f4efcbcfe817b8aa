"""The feasibility-restoration problem of the interior-point method, as an NLP of its own.

When the filter line search cannot make progress, IPOPT (Wächter & Biegler 2006, section 3.3)
minimizes the constraint violation instead:

    min  rho * sum(p + n) + zeta/2 * || D_R (x - x_R) ||^2
    s.t. c_lower <= c(x) - p + n <= c_upper,  x_lower <= x <= x_upper,  p, n >= 0

with zeta = sqrt(mu) and D_R = diag(min(1, 1/|x_R|)). It is built here as `NLPKernels` over the
variables (x, p, n), so the same interior-point method solves it. A solution with p + n > 0 is a
stationary point of the l1 infeasibility: the original problem is (locally) infeasible.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from codegen.kernels import NLPKernels, SparsePattern


def restoration_problem(k: NLPKernels, x_ref: np.ndarray, zeta: float, rho: float) -> NLPKernels:
    """The restoration NLP of `k` around x_ref (variables x, then p, then n)."""
    n, m = k.n, k.m
    with np.errstate(divide="ignore"):
        weight = zeta * np.minimum(1.0, 1.0 / np.abs(x_ref)) ** 2
    rho_vec = np.full(2 * m, rho)
    rows_m, eye = np.arange(m), np.arange(n)
    jp, hp = k.jacobian_pattern, k.hessian_pattern
    jac = SparsePattern(np.concatenate([jp.rows, rows_m, rows_m]),
                        np.concatenate([jp.cols, n + rows_m, n + m + rows_m]), (m, n + 2 * m))
    hess = SparsePattern(np.concatenate([hp.rows, eye]), np.concatenate([hp.cols, eye]),
                         (n + 2 * m, n + 2 * m))
    ones = np.ones(m)

    def objective(v):
        dx = v[:n] - x_ref
        return float(rho * np.sum(v[n:]) + 0.5 * np.sum(weight * dx * dx))

    def constraints(v):
        return k.constraints(v[:n]) - v[n:n + m] + v[n + m:]

    def hvp(v, sigma, lam, u):
        hx = k.hvp(v[:n], 0.0, lam, u[:n]) + sigma * weight * u[:n]
        return np.concatenate([hx, np.zeros(2 * m)])

    return replace(
        k, n=n + 2 * m,
        x_lower=np.concatenate([k.x_lower, np.zeros(2 * m)]),
        x_upper=np.concatenate([k.x_upper, np.full(2 * m, np.inf)]),
        objective=objective,
        gradient=lambda v: np.concatenate([weight * (v[:n] - x_ref), rho_vec]),
        constraints=constraints,
        jacobian=lambda v: np.concatenate([k.jacobian(v[:n]), -ones, ones]),
        jacobian_pattern=jac,
        hessian=lambda v, sigma, lam: np.concatenate([k.hessian(v[:n], 0.0, lam),
                                                       sigma * weight]),
        hessian_pattern=hess,
        hvp=hvp)


def elastic_start(residual: np.ndarray, mu: float, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """p, n >= 0 with p - n = residual that are optimal for fixed x (IPOPT's eq. 33)."""
    a = (mu - rho * residual) / (2.0 * rho)
    b = mu * residual / (2.0 * rho)
    disc = np.sqrt(a * a + b)
    with np.errstate(divide="ignore", invalid="ignore"):
        nn = np.where(a >= 0.0, a + disc, b / (disc - a))
    return residual + nn, nn
