"""Helpers of the runtime tests: NLPKernels from hand-written NumPy functions.

A plain module, not a conftest.py: a conftest.py here would replace `conftest` in sys.modules
and break `from conftest import ...` in the tests one directory up.
"""
from __future__ import annotations

import numpy as np

from runtime import NLPKernels, SparsePattern

INF = np.inf


def _dense_pattern(shape):
    rows, cols = np.nonzero(np.ones(shape, dtype=bool))
    return SparsePattern(rows, cols, shape)


def build_kernels(f, grad, n, *, c=None, jac=None, hess=None, m=0, x_lower=None, x_upper=None,
                 c_lower=None, c_upper=None) -> NLPKernels:
    """NLPKernels from dense NumPy functions.

    - f(x) -> float, grad(x) -> (n,)
    - c(x) -> (m,), jac(x) -> (m, n) dense
    - hess(x, sigma, lam) -> (n, n) dense Hessian of sigma*f + lam@c
    The Jacobian and Hessian patterns are dense (all entries), as COO.
    """
    c = c or (lambda x: np.zeros(0))
    jac = jac or (lambda x: np.zeros((0, n)))
    jp, hp = _dense_pattern((m, n)), _dense_pattern((n, n))
    return NLPKernels(
        n=n, m=m,
        x_lower=np.full(n, -INF) if x_lower is None else np.asarray(x_lower, float),
        x_upper=np.full(n, INF) if x_upper is None else np.asarray(x_upper, float),
        c_lower=np.zeros(m) if c_lower is None else np.asarray(c_lower, float),
        c_upper=np.zeros(m) if c_upper is None else np.asarray(c_upper, float),
        objective=lambda x: float(f(x)),
        gradient=lambda x: np.asarray(grad(x), float),
        constraints=lambda x: np.asarray(c(x), float),
        jacobian=lambda x: np.asarray(jac(x), float)[jp.rows, jp.cols],
        jacobian_pattern=jp,
        hessian=lambda x, s, lam: np.asarray(hess(x, s, lam), float)[hp.rows, hp.cols],
        hessian_pattern=hp,
        hvp=lambda x, s, lam, v: np.asarray(hess(x, s, lam), float) @ v,
        backend="test")


def stationarity(k: NLPKernels, r) -> float:
    """max-norm of grad f + J^T lam - z_L + z_U at a result, recomputed from the kernels."""
    g = k.gradient(r.x)
    jt = np.zeros(k.n)
    np.add.at(jt, k.jacobian_pattern.cols,
              k.jacobian(r.x) * r.multipliers[k.jacobian_pattern.rows])
    return float(np.max(np.abs(g + jt - r.bound_multipliers_lower + r.bound_multipliers_upper)))



def hs071_hessian(x, s, l):
    """Hessian of s*f + l.c for HS071 (objective, product inequality, sphere equality)."""
    a, b, c, d = x
    hf = np.array([[2 * d, d, d, 2 * a + b + c], [d, 0, 0, a], [d, 0, 0, a],
                   [2 * a + b + c, a, a, 0]])
    h1 = np.array([[0, c * d, b * d, b * c], [c * d, 0, a * d, a * c],
                   [b * d, a * d, 0, a * b], [b * c, a * c, a * b, 0]])
    return s * hf + l[0] * h1 + 2 * l[1] * np.eye(4)
