"""Operations on bounds shared by the interior-point method and its preprocessing.

Relaxing bounds slightly (IPOPT's bound_relax_factor) keeps an interior when bounds are tight;
pushing the start point inside (bound_push, bound_frac) gives the barrier a finite value; the
fraction-to-boundary rule keeps every iterate strictly inside.
"""
from __future__ import annotations

import numpy as np


def relax(lower: np.ndarray, upper: np.ndarray, factor: float,
          cap: float) -> tuple[np.ndarray, np.ndarray]:
    """Finite bounds moved outwards by min(factor * max(1, |b|), cap)."""
    with np.errstate(invalid="ignore"):
        lo = lower - np.minimum(factor * np.maximum(1.0, np.abs(lower)), cap)
        hi = upper + np.minimum(factor * np.maximum(1.0, np.abs(upper)), cap)
    return np.where(np.isfinite(lower), lo, lower), np.where(np.isfinite(upper), hi, upper)


def push_inside(x: np.ndarray, lower: np.ndarray, upper: np.ndarray, push: float,
                frac: float) -> np.ndarray:
    """x moved strictly inside [lower, upper] as in IPOPT's initialization (its eq. 36)."""
    with np.errstate(invalid="ignore"):
        width = upper - lower
        pl = np.minimum(push * np.maximum(1.0, np.abs(lower)), frac * width)
        pu = np.minimum(push * np.maximum(1.0, np.abs(upper)), frac * width)
        out = np.where(np.isfinite(lower), np.maximum(x, lower + pl), x)
        out = np.where(np.isfinite(upper), np.minimum(out, upper - pu), out)
        both = np.isfinite(lower) & np.isfinite(upper)
        inverted = both & (lower + pl > upper - pu)
    out[inverted] = 0.5 * (lower[inverted] + upper[inverted])
    return out


def fraction_to_boundary(v: np.ndarray, dv: np.ndarray, tau: float) -> float:
    """Largest alpha in (0, 1] with v + alpha*dv >= (1 - tau) * v, for v > 0."""
    neg = dv < 0
    if not np.any(neg):
        return 1.0
    return float(min(1.0, np.min(-tau * v[neg] / dv[neg])))
