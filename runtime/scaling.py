"""Gradient-based scaling of the objective and the constraints (IPOPT's default scaling).

A function whose gradient at the start point exceeds `max_gradient` in max-norm is scaled down
so that it does not: then a tolerance means the same for steep and flat problems. Scaled
multipliers map back as lam = D_c * lam_s / sigma_f and z = z_s / sigma_f.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from codegen.kernels import NLPKernels


@dataclass
class Scaling:
    """The scaled kernels with their objective factor and per-row constraint factors."""

    kernels: NLPKernels
    objective: float
    constraints: np.ndarray


def gradient_scaling(k: NLPKernels, x: np.ndarray, max_gradient: float,
                     min_value: float) -> Scaling:
    """Scale factors from the gradients at x; unit factors give back `k` itself."""
    g = k.gradient(x)
    gmax = float(np.max(np.abs(g))) if g.size else 0.0
    sf = max(min_value, min(1.0, max_gradient / gmax)) if gmax > 0 else 1.0
    rmax = np.zeros(k.m)
    if k.m and k.jacobian_pattern.nnz:
        np.maximum.at(rmax, k.jacobian_pattern.rows, np.abs(k.jacobian(x)))
    with np.errstate(divide="ignore"):
        dc = np.where(rmax > 0, np.clip(max_gradient / rmax, min_value, 1.0), 1.0)
    if sf == 1.0 and np.all(dc == 1.0):
        return Scaling(k, 1.0, dc)
    jrow = dc[k.jacobian_pattern.rows]
    scaled = replace(
        k,
        c_lower=dc * k.c_lower, c_upper=dc * k.c_upper,
        objective=lambda x: sf * k.objective(x),
        gradient=lambda x: sf * k.gradient(x),
        constraints=lambda x: dc * k.constraints(x),
        jacobian=lambda x: jrow * k.jacobian(x),
        hessian=lambda x, sigma, lam: k.hessian(x, sigma * sf, dc * lam),
        hvp=lambda x, sigma, lam, v: k.hvp(x, sigma * sf, dc * lam, v))
    return Scaling(scaled, sf, dc)
