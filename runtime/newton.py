"""Trust-region Newton-CG (Steihaug-Toint) for unconstrained problems.

Uses only the objective, the gradient and Hessian-vector products: the Hessian is never
formed, memory is a few vectors of length n, and every operation is a vectorized NumPy call,
so n = 10^6 costs what its kernels cost. Each iteration solves the trust-region subproblem
approximately by conjugate gradients, stopping at the boundary, at negative curvature, or at
the inexact-Newton residual min(0.5, sqrt(||g||)) * ||g|| (superlinear convergence).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .guard import KernelEvaluationError, guarded
from codegen.kernels import NLPKernels
from .monitor import Monitor
from .options import NewtonOptions
from .result import SolveResult

_EPS = np.finfo(float).eps


def _to_boundary(z: np.ndarray, d: np.ndarray, radius: float) -> float:
    """tau >= 0 with ||z + tau d|| = radius."""
    a, b, c = d @ d, 2.0 * (z @ d), z @ z - radius * radius
    return float((-b + np.sqrt(max(b * b - 4.0 * a * c, 0.0))) / (2.0 * a))


def steihaug(g: np.ndarray, hvp: Callable[[np.ndarray], np.ndarray], radius: float, tol: float,
             max_iter: int) -> tuple[np.ndarray, np.ndarray, bool, int]:
    """Approximate minimizer p of g.p + p.Bp/2 with ||p|| <= radius.

    Returns p, B p, whether p is on the boundary, and the number of CG iterations."""
    z, bz = np.zeros_like(g), np.zeros_like(g)
    r = g.copy()
    d = -r
    rr = r @ r
    for j in range(max_iter):
        bd = hvp(d)
        dbd = d @ bd
        if dbd <= 0.0:
            tau = _to_boundary(z, d, radius)
            return z + tau * d, bz + tau * bd, True, j + 1
        alpha = rr / dbd
        z_new = z + alpha * d
        if np.linalg.norm(z_new) >= radius:
            tau = _to_boundary(z, d, radius)
            return z + tau * d, bz + tau * bd, True, j + 1
        z, bz = z_new, bz + alpha * bd
        r = r + alpha * bd
        rr_new = r @ r
        if np.sqrt(rr_new) <= tol:
            return z, bz, False, j + 1
        d = -r + (rr_new / rr) * d
        rr = rr_new
    return z, bz, False, max_iter


def _ratio(k: NLPKernels, x_t: np.ndarray, f: float, g: np.ndarray, pred: float,
           eta: float) -> tuple[float, float, np.ndarray | None]:
    """Actual over predicted reduction at the trial x_t, f(x_t), and its gradient if accepted.

    When both reductions are at rounding level, the ratio is 1 if the gradient got smaller
    (so the last digits of a solution are not lost to noise in f), else 0."""
    f_t = k.objective(x_t)
    actual = f - f_t
    roundoff = 10.0 * _EPS * max(1.0, abs(f))
    if abs(actual) <= roundoff and abs(pred) <= roundoff:
        g_t = k.gradient(x_t)
        return (1.0 if np.linalg.norm(g_t) < np.linalg.norm(g) else 0.0), f_t, g_t
    rho = actual / pred if pred > 0 else -1.0
    return rho, f_t, (k.gradient(x_t) if rho > eta else None)


def _relative_gradient(x: np.ndarray, f: float, g: np.ndarray) -> float:
    """max_i |g_i| max(|x_i|, 1) / max(|f|, 1): the change of f relative to its size for a
    relative change of each x_i (Dennis & Schnabel, Numerical Methods for Unconstrained
    Optimization, 7.2), independent of how f and x are scaled."""
    if g.size == 0:
        return 0.0
    return float(np.max(np.abs(g) * np.maximum(np.abs(x), 1.0))) / max(abs(f), 1.0)


def _result(x, f, g, status, message, k, monitor) -> SolveResult:
    n = x.size
    return SolveResult(x=x, objective=float(f), status=status, message=message, iterations=k,
                       multipliers=np.zeros(0), bound_multipliers_lower=np.zeros(n),
                       bound_multipliers_upper=np.zeros(n), constraint_violation=0.0,
                       dual_infeasibility=float(np.max(np.abs(g), initial=0.0))
                       if g is not None else float("nan"),
                       history=monitor.history, method="newton-cg")


def solve_newton_cg(kernels: NLPKernels, x0: np.ndarray, opts: NewtonOptions,
                    monitor: Monitor) -> SolveResult:
    """Minimize an unconstrained objective from x0; `kernels` has m == 0 and no finite bounds."""
    k = guarded(kernels)
    x = x0.copy()
    no_lam = np.zeros(0)
    try:
        f = k.objective(x)
        g = k.gradient(x)
    except KernelEvaluationError as exc:
        return _result(x, np.nan, None, "numerical_error", f"{exc} at the starting point", 0,
                       monitor)
    gmax = float(np.max(np.abs(g), initial=0.0))
    scale = min(1.0, opts.nlp_scaling_max_gradient / gmax) if gmax > 0 else 1.0
    radius = opts.initial_radius
    it, info, bad_kernel = 0, dict(step=0.0, alpha_pr=0.0, ls=0), None
    while True:
        gmax = float(np.max(np.abs(g), initial=0.0))
        monitor.record(dict(iter=it, objective=f, inf_pr=0.0, inf_du=gmax, mu=None,
                            reg=None, alpha_du=0.0, phase="", **info))
        if scale * gmax <= opts.tol and _relative_gradient(x, f, g) <= opts.relative_tol:
            return _result(x, f, g, "optimal", "optimal solution found", it, monitor)
        xmax = float(np.max(np.abs(x), initial=0.0))
        if f < -opts.unbounded_objective or xmax > opts.diverging_iterates_tol:
            return _result(x, f, g, "unbounded", f"the problem seems unbounded: objective "
                           f"{f:.3g} with max |x| = {xmax:.3g}", it, monitor)
        if it >= opts.max_iter:
            return _result(x, f, g, "max_iter", f"maximum number of iterations ({opts.max_iter}) "
                           f"reached; gradient max-norm {gmax:.2e}", it, monitor)
        if radius <= 10.0 * _EPS * max(1.0, float(np.linalg.norm(x))):
            if scale * gmax <= opts.acceptable_tol:
                return _result(x, f, g, "optimal", f"solved to an acceptable level (trust region "
                               f"collapsed at gradient max-norm {gmax:.2e})", it, monitor)
            detail = (f"; the {bad_kernel} kernel returned non-finite values"
                      if bad_kernel else "")
            return _result(x, f, g, "numerical_error", f"the trust region collapsed at gradient "
                           f"max-norm {gmax:.2e}{detail}", it, monitor)
        gnorm = float(np.linalg.norm(g))
        xk = x

        def hvp(v):
            return k.hvp(xk, 1.0, no_lam, v)

        try:
            p, bp, boundary, cg_iters = steihaug(g, hvp, radius, min(0.5, np.sqrt(gnorm)) * gnorm,
                                                 min(opts.max_cg_iter or x.size, max(x.size, 1)))
        except KernelEvaluationError as exc:
            return _result(x, f, g, "numerical_error", f"{exc} at iteration {it}", it, monitor)
        x_t = x + p
        try:
            rho, f_t, g_t = _ratio(k, x_t, f, g, -(g @ p + 0.5 * (p @ bp)), opts.eta)
        except KernelEvaluationError as exc:
            rho, bad_kernel = -1.0, exc.kernel
        if rho < 0.25:
            radius = 0.25 * float(np.linalg.norm(p))
        elif rho > 0.75 and boundary:
            radius = min(2.0 * radius, opts.max_radius)
        accepted = rho > opts.eta
        if accepted:
            x, f, g, bad_kernel = x_t, f_t, g_t, None
        it += 1
        info = dict(step=float(np.max(np.abs(p), initial=0.0)),
                    alpha_pr=1.0 if accepted else 0.0, ls=cg_iters)
