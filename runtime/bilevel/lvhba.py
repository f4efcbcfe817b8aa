"""LV-HBA: the single-loop Hessian-free method of Yao, Yu, Zeng, Zhang ("Constrained Bi-Level
Optimization: Proximal Lagrangian Value function Approach and Hessian-free Algorithm", ICLR 2024;
code: SUSTech-Optimization/LV-HBA).

It minimizes F/c_k + f(x, y) - v_gamma(x, y, z), where v_gamma is the proximal Lagrangian value
function min_theta max_lam f(x, theta) + lam.g(x, theta) + |theta - y|^2/(2 gamma_1)
- |lam - z|^2/(2 gamma_2), tracking its saddle point (theta, lam) with one projected
gradient step per iteration. Only first derivatives of F, f and g are used. The (x, y) step
is projected onto C = {bounds, lower-level constraints}, which the method assumes computable:
here the lower-level constraints must be affine (`projection.AffineSet`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .inner import LowerLevelFailure, solve_lower
from .kernels import BilevelKernels
from .projection import AffineSet


@dataclass(frozen=True)
class LVHBAOptions:
    """The authors' settings: c_k = c0 (k+1)^c_power, step sizes alpha (x, y), beta (z),
    eta (theta, lam), proximal parameters gamma_1, gamma_2.

    The run stops ("optimal") once c_k >= c_stop and, for `patience` iterations, the projected
    direction is below tol * |grad F| / c_k (stationary for the current penalty; its bias is
    O(1/c_k)); else at max_iter. Small steps alone do not stop it: the F-part of the step
    shrinks like 1/c_k whether or not the iterate is near a solution."""

    c0: float = 0.025
    c_power: float = 0.3
    alpha: float = 0.008
    beta: float = 0.02
    eta: float = 0.01
    gamma_1: float = 10.0
    gamma_2: float = 10.0
    max_iter: int = 200_000
    tol: float = 1e-2
    c_stop: float = 1e4
    patience: int = 10
    record_every: int = 100
    divergence: float = 1e12


MAX_PROJECTED_ROWS = 500


def feasible_set(k: BilevelKernels, lo: np.ndarray, hi: np.ndarray, w0: np.ndarray) -> AffineSet:
    """C = {(x, y) in bounds : c_lo <= c(x, y) <= c_hi} for affine lower-level constraints.

    The rows of the constant Jacobian come from the Lagrangian gradient: grad L(w, e_i) -
    grad L(w, 0) = (dc_i/dx, dc_i/dy)."""
    nx, ny = k.nx, k.ny
    if k.nlam == 0:
        return AffineSet(lo, hi, np.zeros((0, nx + ny)), np.zeros(0), np.zeros(0), np.zeros(0))
    if k.nlam > MAX_PROJECTED_ROWS:
        raise NotImplementedError(
            f"LV-HBA projects onto the lower-level constraints, which have {k.nlam} entries "
            f"here (at most {MAX_PROJECTED_ROWS} are supported): use method='kkt'")
    x0, y0 = w0[:nx], w0[nx:]
    zero = np.zeros(k.nlam)
    gx0, gy0, c = k.lower_gradient(x0, y0, zero)
    J = np.empty((k.nlam, nx + ny))
    for i in range(k.nlam):
        e = np.zeros(k.nlam)
        e[i] = 1.0
        gx, gy, _ = k.lower_gradient(x0, y0, e)
        J[i] = np.concatenate([gx - gx0, gy - gy0])
    return AffineSet(lo, hi, J, c - J @ w0, k.c_lower, k.c_upper)


def solve_lvhba(k: BilevelKernels, x0: np.ndarray, y0: np.ndarray, o: LVHBAOptions):
    """Iterate LV-HBA; returns (x, y, lam, status, message, iterations, history)."""
    lo_xy = np.concatenate([k.x_lower, k.y_lower])
    hi_xy = np.concatenate([k.x_upper, k.y_upper])
    lam_lo, lam_hi = k.lam_lower, k.lam_upper
    C = feasible_set(k, lo_xy, hi_xy, np.concatenate([x0, y0]))
    w = C.project(np.concatenate([x0, y0]))
    nx = k.nx
    theta = w[nx:].copy()
    lam = np.zeros(k.nlam)
    z = np.zeros(k.nlam)
    zero = np.zeros(k.nlam)
    history, quiet = [], 0
    status, message = "max_iter", f"LV-HBA reached max_iter = {o.max_iter}"
    it = 0
    for it in range(1, o.max_iter + 1):
        x, y = w[:nx], w[nx:]
        c_k = o.c0 * it ** o.c_power
        _, gy_t, g_t = k.lower_gradient(x, theta, lam)
        theta = np.clip(theta - o.eta * (gy_t + (theta - y) / o.gamma_1), k.y_lower, k.y_upper)
        lam = np.clip(lam + o.eta * (g_t - (lam - z) / o.gamma_2), lam_lo, lam_hi)
        gFx, gFy = k.upper_gradient(x, y)
        gfx, gfy, _ = k.lower_gradient(x, y, zero)
        gLx, _, _ = k.lower_gradient(x, theta, lam)
        d = np.concatenate([gFx / c_k + gfx - gLx, gFy / c_k + gfy - (y - theta) / o.gamma_1])
        w_new = C.project(w - o.alpha * d)
        z = np.clip(z - o.beta * (z - lam) / o.gamma_2, lam_lo, lam_hi)
        step = float(np.max(np.abs(w_new - w), initial=0.0)) / o.alpha
        w = w_new
        if not (np.all(np.isfinite(w)) and np.all(np.isfinite(theta))) or \
                np.max(np.abs(theta), initial=0.0) > o.divergence:
            status, message = _diagnose(k, x, y, o)
            break
        if it % o.record_every == 0 or it == 1:
            history.append({"iter": it, "c": c_k, "upper_objective": k.upper_objective(x, y),
                            "step": step, "theta_gap": float(np.max(np.abs(y - theta),
                                                                    initial=0.0))})
        scale = max(float(np.max(np.abs(gFx), initial=0.0)),
                    float(np.max(np.abs(gFy), initial=0.0)), 1e-12) / c_k
        quiet = quiet + 1 if c_k >= o.c_stop and step <= o.tol * scale else 0
        if quiet >= o.patience:
            status, message = "optimal", (
                f"LV-HBA stationary for the penalty c_k = {c_k:.3g} >= c_stop = {o.c_stop:g}: "
                f"projected direction <= {o.tol:g} |grad F| / c_k for {o.patience} iterations "
                f"(the penalty's bias is O(1/c_k))")
            break
    return w[:nx], w[nx:], lam, status, message, it, history


def _diagnose(k: BilevelKernels, x: np.ndarray, y: np.ndarray, o: LVHBAOptions):
    """Why theta diverged: an unbounded lower level at x (checked by an inner solve), or steps."""
    where = np.array2string(x, precision=4, threshold=6)
    try:
        solve_lower(k, x, y)
    except LowerLevelFailure as fail:
        if fail.status == "lower_unbounded":
            return fail.status, f"LV-HBA's lower-level iterate diverged: {fail.message}"
    return "numerical_error", (f"LV-HBA's iterates diverged at x = {where} although the lower "
                               f"level has a solution there: reduce the step sizes (eta = "
                               f"{o.eta:g}, alpha = {o.alpha:g})")
