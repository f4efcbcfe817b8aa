"""Fused stage updates of the explicit Runge–Kutta steppers: one compiled pass per stage.

What: Numba loops that do, in one pass over the state, what NumPy does in several: the RK4 stage
state and the running weighted sum of slopes together (``stage = y + c k``, ``acc += w k``), and
``out = y + h k`` (forward Euler's step, RK4's last update), which also tells whether the new
state is finite (the sum ``Σ 0*x`` is NaN exactly when some x is NaN or inf, so the check costs
no extra pass and cannot overflow).

Why: on a large grid a right-hand side made by a generated kernel is a single pass; NumPy's
``y + c*k`` is three (a temporary, a product, a sum) and BLAS ``axpy`` one per term, so the stage
arithmetic of RK4 cost more than its four right-hand sides (2.9 ms against 0.9 ms per step on a
512 x 512 Allen–Cahn grid). Fused, an RK4 step reads and writes the state four times.

`available()` says whether the loops can run (Numba importable, contiguous float64 or complex128
arrays); the steppers keep a NumPy path for everything else (no Numba, other dtypes).
"""
from __future__ import annotations

import numpy as np

try:
    import numba
except ImportError:          # the steppers then use their NumPy path
    numba = None

FUSED_DTYPES = (np.dtype(np.float64), np.dtype(np.complex128))


def available(*arrays: np.ndarray) -> bool:
    """True when the fused loops can update these arrays (same dtype, contiguous, 1-D).

    >>> available(np.ones(3), np.zeros(3)), available(np.ones(3, np.float32))
    (True, False)
    """
    if numba is None:
        return False
    dtype = arrays[0].dtype
    return dtype in FUSED_DTYPES and all(
        a.dtype == dtype and a.ndim == 1 and a.flags.c_contiguous for a in arrays)


def _jit(fn):
    return numba.njit(cache=True, nogil=True)(fn) if numba is not None else fn


@_jit
def rk4_first(y, k, half_h, sixth_h, stage, acc):
    """stage = y + (h/2) k1, acc = y + (h/6) k1."""
    for i in range(y.size):
        stage[i] = y[i] + half_h * k[i]
        acc[i] = y[i] + sixth_h * k[i]


@_jit
def rk4_middle(y, k, c, w, stage, acc):
    """stage = y + c k, acc += w k (stages 2 and 3 of RK4)."""
    for i in range(y.size):
        stage[i] = y[i] + c * k[i]
        acc[i] += w * k[i]


@_jit
def euler(y, k, h, out):
    """out = y + h k; True when the result is finite (``out`` may be ``y``: RK4's last stage).

    >>> out = np.empty(2)
    >>> bool(euler(np.array([1.0, 2.0]), np.array([-1.0, np.inf]), 0.5, out)), out
    (False, array([0.5, inf]))
    """
    probe = 0.0
    for i in range(y.size):
        v = y[i] + h * k[i]
        out[i] = v
        z = v * 0.0
        probe += z.real + z.imag
    return probe == 0.0
