"""CFL-type step suggestions for the explicit schemes, from a spectral-radius estimate.

What: an explicit method with stability function R is stable for the linear test equation
y' = λy iff |R(hλ)| <= 1 (Hairer & Wanner, *Solving ODEs II*, §IV.2). Given where the eigenvalues
λ of the semi-discrete Jacobian lie, `stability_limit` returns the largest h keeping every h*λ in
the stability region, and `suggest_dt` that times a safety factor. The eigenvalue sets:

- ``spectral_radius=ρ, spectrum="imaginary"``: λ in [-iρ, iρ] (advection, waves, Schrödinger);
- ``spectrum="negative_real"``: λ in [-ρ, 0] (diffusion);
- ``spectrum="any"`` (default): the left half-disc |λ| <= ρ, Re λ <= 0 (conservative);
- ``wave_speed=c, dx, diffusion=D, ndim``: ρ_I = c π √ndim / dx on the imaginary axis and
  ρ_R = D π² ndim / dx² on the negative real axis — the largest Fourier symbols |c k| and D|k|²
  at the Nyquist wave number π/dx, which bound second- and fourth-order centred finite
  differences too (their symbols peak at 1 and 1.37 c/dx, 4 and 5.33 D/dx²). The eigenvalues
  then lie in the triangle with corners 0, -ρ_R, ±iρ_I.

By the maximum-modulus principle (R is a polynomial) it suffices to check |R| on the boundary of
each set. The limits on the axes are forward Euler (R = 1 + z): 2 (negative real), 0 (imaginary:
unstable at every step, so also for "any" and for a triangle with an imaginary extent); RK4: 2√2 ≈ 2.83 (imaginary), 2.785 (negative real);
Dormand–Prince 5(4): 3.31 (real), only 0.997 on the imaginary axis (beyond it |R| exceeds 1
slightly); DOP853: 6.39 (real), 5.96 (imaginary) — computed here from SciPy's tableaus,
R(z) = 1 + z bᵀ(I - zA)⁻¹1 = Σ_k bᵀA^(k-1)1 z^k. Störmer–Verlet on u'' = F(u) with frequencies up to
omega_max is stable for h < 2/omega_max (for the Klein–Gordon equation omega_max² =
c²k_max² + m²; ``spectral_radius`` is omega_max for "verlet"). IF-RK4/ETDRK4 integrate the linear
part exactly; their limit is RK4's for the spectral radius of the nonlinear part. BDF (A-stable
for orders 1–2) has no stability limit: `inf`.

`jacobian_spectrum` estimates (spectral_radius, spectrum) from a sparse Jacobian without
eigenvalues: by Bendixson's theorem the real parts of the eigenvalues lie within those of the
Hermitian part (J + Jᴴ)/2 and the imaginary parts within those of (J - Jᴴ)/2i, each bounded by
Gershgorin's discs (Horn & Johnson, *Matrix Analysis*, Thm 6.1.1 and Problem 1.2.P7); the bounds
are exact for the centred-difference Laplacian and first derivative at the Nyquist wave number.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

EXPLICIT_RK = ("euler", "rk4", "rk45", "dop853", "ifrk4", "etdrk4")
ALL_METHODS = EXPLICIT_RK + ("verlet", "bdf")


@lru_cache(maxsize=None)
def _tableau(method: str) -> tuple[np.ndarray, np.ndarray]:
    """(A, b) of the explicit Runge–Kutta method behind ``method`` (square A)."""
    if method == "euler":
        return np.zeros((1, 1)), np.ones(1)
    if method in ("rk4", "ifrk4", "etdrk4"):
        a = np.zeros((4, 4))
        a[1, 0], a[2, 1], a[3, 2] = 0.5, 0.5, 1.0
        return a, np.array([1, 2, 2, 1]) / 6.0
    from scipy.integrate import DOP853, RK45
    cls = {"rk45": RK45, "dop853": DOP853}[method]
    s = cls.n_stages
    a = np.zeros((s, s))
    a[:, :np.shape(cls.A)[1]] = np.asarray(cls.A)[:s]
    return a, np.asarray(cls.B, dtype=float)


@lru_cache(maxsize=None)
def stability_polynomial(method: str) -> np.ndarray:
    """Coefficients c_k (ascending) of R(z) = Σ c_k z^k: c_0 = 1, c_k = bᵀA^(k-1)1."""
    a, b = _tableau(method)
    coeffs, v = [1.0], np.ones(len(b))
    for _ in range(len(b)):
        coeffs.append(float(b @ v))
        v = a @ v
    return np.array(coeffs)


def stability_function(method: str, z) -> np.ndarray:
    """R(z) = 1 + z bᵀ(I - zA)⁻¹1 of an explicit Runge–Kutta method (a polynomial), at z."""
    return np.polynomial.polynomial.polyval(np.asarray(z, dtype=complex),
                                            stability_polynomial(method))


def _boundary(rho_real: float, rho_imag: float, spectrum: str, points: int = 400) -> np.ndarray:
    """Sample points of the boundary of the eigenvalue set (scaled so that h = 1)."""
    s = np.linspace(0.0, 1.0, points)
    if spectrum == "any":
        theta = np.linspace(0.5 * np.pi, 1.5 * np.pi, points)
        return np.concatenate((rho_real * np.exp(1j * theta), 1j * rho_real * (2 * s - 1)))
    edges = [-rho_real * s, 1j * rho_imag * s, -rho_real * (1 - s) + 1j * rho_imag * s]
    pts = np.concatenate(edges)
    return np.concatenate((pts, pts.conj()))


def _largest_stable_h(method: str, samples: np.ndarray) -> float:
    """The largest h with |R(h λ)| <= 1 for all sampled λ and every smaller h (scan + bisect)."""
    radius = np.max(np.abs(samples))
    if radius == 0:
        return math.inf

    def stable(h: float) -> bool:
        return bool(np.all(np.abs(stability_function(method, h * samples)) <= 1.0 + 1e-12))

    grid = np.linspace(0.0, 10.0 / radius, 401)[1:]
    lo = 0.0
    for h in grid:
        if not stable(h):
            break
        lo = h
    else:
        return float(lo)
    hi = h
    for _ in range(45):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if stable(mid) else (lo, mid)
    return float(lo)


def _radii(spectral_radius, wave_speed, dx, diffusion, ndim, spectrum):
    if spectral_radius is not None:
        if wave_speed is not None or dx is not None:
            raise ValueError("give spectral_radius, or wave_speed/dx/diffusion, not both")
        if not (math.isfinite(spectral_radius) and spectral_radius >= 0):
            raise ValueError(f"spectral_radius must be a finite number >= 0, got {spectral_radius}")
        if spectrum == "imaginary":
            return 0.0, float(spectral_radius), "triangle"
        if spectrum == "negative_real":
            return float(spectral_radius), 0.0, "triangle"
        if spectrum == "any":
            return float(spectral_radius), float(spectral_radius), "any"
        raise ValueError(f"spectrum must be 'any', 'imaginary' or 'negative_real', "
                         f"got {spectrum!r}")
    if dx is None or not (dx > 0):
        raise ValueError("give spectral_radius, or dx > 0 with wave_speed and/or diffusion")
    c = abs(wave_speed or 0.0)
    d = diffusion or 0.0
    if d < 0:
        raise ValueError(f"diffusion must be >= 0, got {d}")
    return d * math.pi ** 2 * ndim / dx ** 2, c * math.pi * math.sqrt(ndim) / dx, "triangle"


def stability_limit(method: str, spectral_radius: float | None = None, *,
                    wave_speed: float | None = None, dx: float | None = None,
                    diffusion: float = 0.0, ndim: int = 1, mass: float = 0.0,
                    spectrum: str = "any") -> float:
    """The largest stable step of ``method`` (no safety factor); see the module docstring."""
    method = method.lower()
    if method not in ALL_METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(ALL_METHODS)}")
    if method == "bdf":
        return math.inf
    if method == "verlet":
        if spectral_radius is not None:
            omega = float(spectral_radius)
        else:
            if dx is None or not dx > 0:
                raise ValueError("verlet: give spectral_radius (omega_max) or wave_speed and dx")
            if diffusion:
                raise ValueError("verlet integrates u'' = F(u) without damping; diffusion is not "
                                 "part of its stability limit")
            omega = math.sqrt((abs(wave_speed or 0.0) * math.pi / dx) ** 2 * ndim + mass ** 2)
        return 2.0 / omega if omega > 0 else math.inf
    rho_real, rho_imag, shape = _radii(spectral_radius, wave_speed, dx, diffusion, ndim, spectrum)
    if method == "euler" and rho_imag > 0:
        return 0.0                  # |1 + i y| > 1 for every y != 0
    return _largest_stable_h(method, _boundary(rho_real, rho_imag, shape))


def suggest_dt(method: str, spectral_radius: float | None = None, *,
               wave_speed: float | None = None, dx: float | None = None, diffusion: float = 0.0,
               ndim: int = 1, mass: float = 0.0, spectrum: str = "any",
               safety: float = 0.9) -> float:
    """A CFL-based step for ``method``: ``safety`` times `stability_limit`.

    >>> round(suggest_dt("rk4", 1.0, spectrum="imaginary", safety=1.0), 3)
    2.828
    >>> round(suggest_dt("rk4", 1.0, spectrum="negative_real", safety=1.0), 3)
    2.785
    >>> round(suggest_dt("euler", 4.0, spectrum="negative_real", safety=1.0), 6)
    0.5
    >>> suggest_dt("verlet", 10.0, safety=1.0)
    0.2
    """
    if not 0 < safety <= 1:
        raise ValueError(f"safety must be in (0, 1], got {safety}")
    return safety * stability_limit(method, spectral_radius, wave_speed=wave_speed, dx=dx,
                                    diffusion=diffusion, ndim=ndim, mass=mass, spectrum=spectrum)


def _gershgorin_interval(h: sp.csr_matrix) -> tuple[float, float]:
    """Bounds [lo, hi] on the (real) eigenvalues of a Hermitian sparse matrix."""
    centre = np.real(h.diagonal())
    radius = np.asarray(abs(h).sum(axis=1)).ravel() - np.abs(h.diagonal())
    return float(np.min(centre - radius)), float(np.max(centre + radius))


def jacobian_spectrum(jacobian, *, second_order: bool = False) -> tuple[float, str]:
    """(spectral_radius, spectrum) bounds of a sparse Jacobian, for `stability_limit`.

    With ``second_order``, ``jacobian`` is dF/du of u'' = F(u): the eigenvalues of the first-order
    system are ±sqrt(eig(dF/du)), and the result is (omega_max, "imaginary") as "verlet" expects.
    Where one of the real and imaginary extents is under 1 % of the other the spectrum is taken to
    lie on the larger axis; otherwise the half-disc ("any") of radius hypot(real, imag).

    >>> import scipy.sparse as sp
    >>> lap = sp.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(50, 50)) * 100.0
    >>> jacobian_spectrum(lap)
    (400.0, 'negative_real')
    >>> jacobian_spectrum(lap, second_order=True)
    (20.0, 'imaginary')
    """
    j = sp.csr_matrix(jacobian)
    if j.ndim != 2 or j.shape[0] != j.shape[1]:
        raise ValueError(f"jacobian must be square, got shape {j.shape}")
    jh = j.conj().T.tocsr()
    re_lo, re_hi = _gershgorin_interval(((j + jh) * 0.5).tocsr())
    im_lo, im_hi = _gershgorin_interval(((j - jh) * (-0.5j)).tocsr())
    if second_order:
        # eig(dF/du) lie in [re_lo, re_hi] (+ i [im_lo, im_hi]); oscillation needs them <= 0
        if max(abs(im_lo), abs(im_hi)) <= 0.01 * max(abs(re_lo), 1e-300):
            return math.sqrt(max(0.0, -re_lo)), "imaginary"
        return math.sqrt(math.hypot(re_lo, max(abs(im_lo), abs(im_hi)))), "any"
    rho_real = max(0.0, -re_lo)
    rho_imag = max(abs(im_lo), abs(im_hi))
    if rho_imag <= 0.01 * rho_real and re_hi <= 0.01 * rho_real:
        return rho_real, "negative_real"
    if rho_real <= 0.01 * rho_imag and abs(re_hi) <= 0.01 * rho_imag:
        return rho_imag, "imaginary"
    return math.hypot(max(rho_real, abs(re_hi)), rho_imag), "any"
