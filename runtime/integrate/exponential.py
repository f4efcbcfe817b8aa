"""Exponential integrators for y' = L*y + N(t, y) with a DIAGONAL linear part L (complex allowed).

What:
- `IFRK4Stepper`: integrating-factor RK4 (Lawson 1967): classical RK4 applied to
  w = exp(-L t) y, written back in y (Trefethen, *Spectral Methods in MATLAB*, 2000, program 27):

      a = h N(t, y)
      b = h N(t + h/2, E (y + a/2))              E = exp(hL/2), E2 = exp(hL)
      c = h N(t + h/2, E y + b/2)
      d = h N(t + h, E2 y + E c)
      y+ = E2 y + (E2 a + 2 E (b + c) + d) / 6

- `ETDRK4Stepper`: exponential time differencing RK4 of Cox & Matthews (J. Comput. Phys. 176,
  2002, eqs. (26)–(29)), with the coefficients evaluated by the contour-integral method of
  Kassam & Trefethen (SIAM J. Sci. Comput. 26, 2005): each phi-type function g(z) is the mean of
  g over M = 32 points of a circle of radius 1 centred at z = hL, which avoids the cancellation
  of the explicit formulas near z = 0 (e.g. (e^z - 1 - z)/z^2).

Why: in Fourier space dispersion/diffusion is a diagonal, stiff linear operator (-k^2, i k^2/2);
both methods integrate it exactly, so the step is set by the nonlinearity, not by the CFL limit
of the linear part. IF-RK4 is simplest; ETDRK4 is more accurate when N matters on the fast modes.
Both are fourth order in h, fixed step. The coefficients depend on h and are cached per h.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from . import fused
from .solution import IntegrationStats

CONTOUR_POINTS = 32
_CHUNK = 1 << 14


def _contour_means(z: np.ndarray, m: int, real: bool) -> tuple[np.ndarray, ...]:
    """Q/h, f1/h, f2/h, f3/h of Cox–Matthews at z = h*L by the Kassam–Trefethen contour mean.

    For real z the M points lie on the upper half circle and the real part is taken (K&T's
    program); for complex z they cover the whole circle.
    """
    if real:
        r = np.exp(1j * np.pi * (np.arange(1, m + 1) - 0.5) / m)
    else:
        r = np.exp(2j * np.pi * (np.arange(1, m + 1) - 0.5) / m)
    out = [np.empty(z.shape, dtype=float if real else complex) for _ in range(4)]
    for lo in range(0, z.size, _CHUNK):
        lr = z[lo:lo + _CHUNK, None] + r[None, :]
        e = np.exp(lr)
        lr3 = lr ** 3
        vals = (np.mean((np.exp(lr / 2) - 1) / lr, axis=1),
                np.mean((-4 - lr + e * (4 - 3 * lr + lr ** 2)) / lr3, axis=1),
                np.mean((2 + lr + e * (lr - 2)) / lr3, axis=1),
                np.mean((-4 - 3 * lr - lr ** 2 + e * (4 - lr)) / lr3, axis=1))
        for dest, val in zip(out, vals):
            dest[lo:lo + _CHUNK] = val.real if real else val
    return tuple(out)


def etdrk4_coefficients(linear: np.ndarray, h: float,
                        m: int = CONTOUR_POINTS) -> tuple[np.ndarray, ...]:
    """(E, E2, Q, f1, f2, f3) of ETDRK4 for diagonal L and step h (Kassam & Trefethen 2005).

    E = exp(hL), E2 = exp(hL/2), Q = h*phi-type coefficient of the half steps, f1, f2, f3 the
    weights of N(u), N(a)+N(b), N(c). Repeated entries of L (e.g. -k^2 for ±k) are evaluated once.
    """
    lin = np.asarray(linear)
    real = not np.iscomplexobj(lin)
    z = h * lin
    values, inverse = np.unique(z, return_inverse=True)
    q, f1, f2, f3 = (h * c[inverse].reshape(z.shape) for c in _contour_means(values, m, real))
    return np.exp(z), np.exp(z / 2), q, f1, f2, f3


class _CoefficientCache:
    """Coefficients for the last few step sizes (a run uses one or two)."""

    def __init__(self, build: Callable[[float], tuple]) -> None:
        self._build = build
        self._entries: list[tuple[float, tuple]] = []

    def __call__(self, h: float) -> tuple:
        for key, value in self._entries:
            if math.isclose(key, h, rel_tol=1e-13):
                return value
        value = self._build(h)
        self._entries = [(h, value)] + self._entries[:3]
        return value


def _fusable(y: np.ndarray, coefficients: tuple) -> bool:
    """True when the fused loops apply: Numba, a float64/complex128 state, 1-D coefficients."""
    return fused.available(y) and all(
        c.ndim == 1 and c.flags.c_contiguous and c.dtype in fused.FUSED_DTYPES
        for c in coefficients)


class _SplitStepper:
    """What the exponential steppers share: N, counters, the fused/NumPy choice, the NaN flag.

    With Numba (``fused`` not False) each stage state and the update are one compiled pass
    (`fused`), the last with the NaN/inf check (``finite``); otherwise NumPy.
    """

    def __init__(self, nonlinear: Callable[[float, np.ndarray], np.ndarray],
                 stats: IntegrationStats, fused: bool | None = None) -> None:
        self.nonlinear = nonlinear
        self.stats = stats
        self.fused = fused
        self.finite: bool | None = None

    def _slope(self, t: float, y: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(self.nonlinear(t, y), dtype=y.dtype)

    def _use_fused(self, y: np.ndarray, coefficients: tuple) -> bool:
        """`_fusable`, remembered per coefficient set and state dtype (checked every step)."""
        if self.fused is False:
            return False
        key = (id(coefficients), y.dtype, y.flags.c_contiguous)
        known = getattr(self, "_fusable_memo", None)
        if known is None or known[0] != key:
            self._fusable_memo = known = (key, _fusable(y, coefficients))
        return known[1]


class IFRK4Stepper(_SplitStepper):
    """Integrating-factor RK4 for y' = L*y + N(t, y), L diagonal."""

    def __init__(self, linear: np.ndarray, nonlinear: Callable[[float, np.ndarray], np.ndarray],
                 stats: IntegrationStats, fused: bool | None = None) -> None:
        super().__init__(nonlinear, stats, fused)
        lin = np.asarray(linear)
        self._coefficients = _CoefficientCache(lambda h: (np.exp(0.5 * h * lin), np.exp(h * lin)))

    def step(self, t: float, y: np.ndarray, h: float) -> np.ndarray:
        """The state at t + h."""
        coefficients = self._coefficients(h)
        e, e2 = coefficients
        y = np.ascontiguousarray(y)
        if self._use_fused(y, coefficients):
            stage, out = np.empty_like(y), np.empty_like(y)
            n1 = self._slope(t, y)
            fused.ifrk4_stage(e, e2, y, n1, h, 1, stage)
            n2 = self._slope(t + 0.5 * h, stage)
            fused.ifrk4_stage(e, e2, y, n2, h, 2, stage)
            n3 = self._slope(t + 0.5 * h, stage)
            fused.ifrk4_stage(e, e2, y, n3, h, 3, stage)
            n4 = self._slope(t + h, stage)
            self.finite = fused.ifrk4_last(e, e2, y, n1, n2, n3, n4, h, out)
            return out
        self.finite = None
        n = self.nonlinear
        a = h * n(t, y)
        b = h * n(t + 0.5 * h, e * (y + 0.5 * a))
        c = h * n(t + 0.5 * h, e * y + 0.5 * b)
        d = h * n(t + h, e2 * y + e * c)
        return e2 * y + (e2 * a + 2.0 * e * (b + c) + d) / 6.0


class ETDRK4Stepper(_SplitStepper):
    """ETDRK4 (Cox & Matthews 2002) for y' = L*y + N(t, y), L diagonal, K&T coefficients."""

    def __init__(self, linear: np.ndarray, nonlinear: Callable[[float, np.ndarray], np.ndarray],
                 stats: IntegrationStats, contour_points: int = CONTOUR_POINTS,
                 fused: bool | None = None) -> None:
        super().__init__(nonlinear, stats, fused)
        lin = np.asarray(linear)
        self._coefficients = _CoefficientCache(
            lambda h: etdrk4_coefficients(lin, h, contour_points))

    def step(self, t: float, y: np.ndarray, h: float) -> np.ndarray:
        """The state at t + h."""
        coefficients = self._coefficients(h)
        e, e2, q, f1, f2, f3 = coefficients
        y = np.ascontiguousarray(y)
        if self._use_fused(y, coefficients):
            a, b, c, out = np.empty_like(y), np.empty_like(y), np.empty_like(y), np.empty_like(y)
            nu = self._slope(t, y)
            fused.diagonal_stage(e2, y, q, nu, a)
            na = self._slope(t + 0.5 * h, a)
            fused.diagonal_stage(e2, y, q, na, b)
            nb = self._slope(t + 0.5 * h, b)
            fused.etdrk4_c(e2, a, q, nb, nu, c)
            nc = self._slope(t + h, c)
            self.finite = fused.etdrk4_last(e, y, f1, nu, f2, na, nb, f3, nc, out)
            return out
        self.finite = None
        n = self.nonlinear
        nu = n(t, y)
        a = e2 * y + q * nu
        na = n(t + 0.5 * h, a)
        b = e2 * y + q * na
        nb = n(t + 0.5 * h, b)
        c = e2 * a + q * (2.0 * nb - nu)
        nc = n(t + h, c)
        return e * y + f1 * nu + 2.0 * f2 * (na + nb) + f3 * nc
