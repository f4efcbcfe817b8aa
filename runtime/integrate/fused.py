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

For the adaptive pairs (Dormand–Prince 5(4), DOP853), `rk_stage` forms a stage state
y + h Σ a_j k_j in one pass (NumPy: a matrix-vector product, a scaling and a sum) and
`error_sums` the error estimate's weighted norms in one more.

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


BLOCK = 256     # entries per block: the inner loops run over contiguous rows and vectorize


@_jit
def rk_stage(y, k, a, s, h, out):
    """out = y + h Σ_{j<s} a[j] k[j]: an explicit Runge–Kutta stage state (or the new state)."""
    acc = np.empty(BLOCK, dtype=k.dtype)
    for lo in range(0, y.size, BLOCK):
        m = min(BLOCK, y.size - lo)
        for i in range(m):
            acc[i] = a[0] * k[0, lo + i]
        for j in range(1, s):
            aj = a[j]
            for i in range(m):
                acc[i] += aj * k[j, lo + i]
        for i in range(m):
            out[lo + i] = y[lo + i] + h * acc[i]


@_jit
def error_sums(k, e5, e3, y, y_new, rtol, atol):
    """Σ|kᵀe5 / scale|² and Σ|kᵀe3 / scale|², scale = atol + rtol max(|y|, |y_new|)."""
    v5 = np.empty(BLOCK, dtype=k.dtype)
    v3 = np.empty(BLOCK, dtype=k.dtype)
    s5 = 0.0
    s3 = 0.0
    for lo in range(0, y.size, BLOCK):
        m = min(BLOCK, y.size - lo)
        for i in range(m):
            v5[i] = e5[0] * k[0, lo + i]
            v3[i] = e3[0] * k[0, lo + i]
        for j in range(1, k.shape[0]):
            c5, c3 = e5[j], e3[j]
            for i in range(m):
                v5[i] += c5 * k[j, lo + i]
                v3[i] += c3 * k[j, lo + i]
        for i in range(m):
            scale = atol + rtol * max(abs(y[lo + i]), abs(y_new[lo + i]))
            w = 1.0 / (scale * scale)
            s5 += (v5[i].real * v5[i].real + v5[i].imag * v5[i].imag) * w
            s3 += (v3[i].real * v3[i].real + v3[i].imag * v3[i].imag) * w
    return s5, s3


@_jit
def all_finite(y):
    """True when y holds no NaN or inf (one pass, no temporaries)."""
    probe = 0.0
    for i in range(y.size):
        z = y[i] * 0.0
        probe += z.real + z.imag
    return probe == 0.0


@_jit
def diagonal_stage(p, u, q, v, out):
    """out = p u + q v with diagonal (array) coefficients p, q: ETDRK4's stages a and b."""
    for i in range(u.size):
        out[i] = p[i] * u[i] + q[i] * v[i]


@_jit
def etdrk4_c(e2, a, q, nb, nu, out):
    """out = e2 a + q (2 nb - nu): ETDRK4's stage c."""
    for i in range(a.size):
        out[i] = e2[i] * a[i] + q[i] * (2.0 * nb[i] - nu[i])


@_jit
def etdrk4_last(e, y, f1, nu, f2, na, nb, f3, nc, out):
    """out = e y + f1 nu + 2 f2 (na + nb) + f3 nc; True when the result is finite."""
    probe = 0.0
    for i in range(y.size):
        v = e[i] * y[i] + f1[i] * nu[i] + 2.0 * f2[i] * (na[i] + nb[i]) + f3[i] * nc[i]
        out[i] = v
        z = v * 0.0
        probe += z.real + z.imag
    return probe == 0.0


@_jit
def ifrk4_stage(e, e2, y, n, h, c, stage):
    """IF-RK4's stage state after stage c = 1, 2, 3 from its slope n (E = exp(hL/2),
    E2 = exp(hL)): E (y + h/2 n1), E y + h/2 n2, E2 y + h E n3."""
    if c == 1:
        for i in range(y.size):
            stage[i] = e[i] * (y[i] + 0.5 * h * n[i])
    elif c == 2:
        for i in range(y.size):
            stage[i] = e[i] * y[i] + 0.5 * h * n[i]
    else:
        for i in range(y.size):
            stage[i] = e2[i] * y[i] + h * e[i] * n[i]


@_jit
def ifrk4_last(e, e2, y, n1, n2, n3, n4, h, out):
    """out = E2 y + h/6 (E2 n1 + 2 E (n2 + n3) + n4); True when the result is finite."""
    probe = 0.0
    for i in range(y.size):
        v = e2[i] * y[i] + (h / 6.0) * (e2[i] * n1[i] + 2.0 * e[i] * (n2[i] + n3[i]) + n4[i])
        out[i] = v
        z = v * 0.0
        probe += z.real + z.imag
    return probe == 0.0
