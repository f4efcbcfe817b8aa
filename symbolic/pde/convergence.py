"""Observed order of accuracy over a sequence of grids or time steps (verification of PDE solvers).

With errors e_k at spacings h_k, the observed order between two resolutions is
p = log(e_k / e_{k+1}) / log(h_k / h_{k+1}); a least-squares fit of log e against log h gives one
order for the whole sequence. Spectral methods converge faster than any power: their pairwise
orders keep growing, and log e falls linearly in the number of points (the ``exponential_rate``).
(Roache, *Verification and Validation in Computational Science and Engineering*, 1998, ch. 5.)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..errors import DeclarationError


@dataclass(frozen=True)
class ConvergenceOrder:
    """Errors at each resolution, pairwise observed orders and the least-squares order.

    - ``steps``: the spacing (h or dt) of each resolution, ``points``: the point counts when
      given; ``errors``: the measured errors.
    - ``orders``: observed order between consecutive resolutions (len - 1 values).
    - ``order``: slope of the least-squares line through (log h, log e).
    - ``exponential_rate``: slope of -ln e against the number of points (spectral convergence,
      e ~ exp(-rate N)); ``None`` when no point counts were given.
    """

    steps: np.ndarray
    errors: np.ndarray
    orders: np.ndarray
    order: float
    points: np.ndarray | None = None
    exponential_rate: float | None = None

    def __str__(self) -> str:
        rows = ["      h          error     order"]
        for k, (h, e) in enumerate(zip(self.steps, self.errors)):
            p = f"{self.orders[k - 1]:8.2f}" if k else "        "
            rows.append(f"{h:10.4g} {e:12.4e} {p}")
        rows.append(f"least-squares order {self.order:.2f}")
        return "\n".join(rows)


def convergence_order(errors: Sequence[float] | Callable[[float], float],
                      steps: Sequence[float] | None = None, *,
                      points: Sequence[int] | None = None,
                      length: float = 1.0) -> ConvergenceOrder:
    """Observed order of accuracy from errors at a sequence of spacings or point counts.

    ``errors`` is a sequence of measured errors, or a callable evaluated at each entry of
    ``steps`` (or of ``points``). Give ``steps`` (spacings h or time steps dt), or ``points``
    (grid point counts N; then h = ``length`` / N, e.g. ``length`` = L for periodic grids and
    pass N - 1 for grids that include both end points).

    >>> import symbolic as sy
    >>> r = sy.convergence_order([1e-2, 2.5e-3, 6.25e-4], steps=[0.1, 0.05, 0.025])
    >>> [round(float(p), 6) for p in r.orders], round(r.order, 6)
    ([2.0, 2.0], 2.0)
    >>> r = sy.convergence_order(lambda n: 1.0 / n ** 4, points=[10, 20, 40])
    >>> round(r.order, 6)
    4.0
    """
    if (steps is None) == (points is None):
        raise DeclarationError("convergence_order: give exactly one of steps=[h, ...] or "
                               "points=[N, ...]")
    grid = np.asarray(points if points is not None else steps, dtype=float)
    if grid.ndim != 1 or grid.size < 2:
        raise DeclarationError(f"convergence_order needs at least two resolutions, got "
                               f"{grid.tolist()}")
    if not np.all(np.isfinite(grid)) or np.any(grid <= 0):
        raise DeclarationError(f"convergence_order: resolutions must be positive, got "
                               f"{grid.tolist()}")
    if points is not None and not length > 0:
        raise DeclarationError(f"convergence_order: length must be positive, got {length}")
    h = length / grid if points is not None else grid
    if len(np.unique(h)) != h.size:
        raise DeclarationError(f"convergence_order: resolutions repeat: {grid.tolist()}")
    if callable(errors):
        errs = np.array([float(errors(int(g) if points is not None else g)) for g in grid])
    else:
        errs = np.asarray(errors, dtype=float)
    if errs.shape != h.shape:
        raise DeclarationError(f"convergence_order: {errs.size} errors for {h.size} "
                               f"resolutions; give one error per resolution")
    if not np.all(np.isfinite(errs)) or np.any(errs <= 0):
        raise DeclarationError(f"convergence_order: errors must be positive and finite, got "
                               f"{errs.tolist()} (an error of 0 or NaN has no order)")
    logh, loge = np.log(h), np.log(errs)
    orders = np.diff(loge) / np.diff(logh)
    order = float(np.polyfit(logh, loge, 1)[0])
    rate = None
    if points is not None:
        rate = float(-np.polyfit(grid, loge, 1)[0])
    return ConvergenceOrder(h, errs, orders, order,
                            grid.astype(int) if points is not None else None, rate)
