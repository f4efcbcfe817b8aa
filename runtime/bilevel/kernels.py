"""What the bilevel methods call: kernels of both levels on flat arrays, with evaluation counts.

The bilevel problem is  min_x F(x, y)  with  y in argmin_y { f(x, y) : c(x, y) in [c_lo, c_hi] }.
Vectors come in a fixed order: x (nx entries), y (ny), lam (one multiplier per lower-level
constraint entry, sign convention of L = f + lam @ c). Every callable takes and returns float64
NumPy arrays; which backend produced them is invisible here (DESIGN.md, principle 4).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from codegen.kernels import NLPKernels

Array = np.ndarray


@dataclass
class KKTKernels:
    """The single-level KKT problem: kernels for a relaxation t, and its variable layout.

    ``nlp(t)`` gives `NLPKernels` of the problem with complementarity relaxed to
    ``lam_i c_i >= -t``; ``pack(x, y, lam)`` and ``unpack(z)`` convert to and from its vector.
    ``relaxed`` says whether there is any complementarity to relax; ``lam_lower``/``lam_upper``
    are the sign bounds of its multipliers (lower-level constraints and bounds of y).
    ``pairs(z)`` gives each multiplier, its constraint's distance from its bound and whether it
    is an equality; ``branch(active, inactive)`` the kernels of one piece of the MPEC: those
    constraints held at their bounds, those multipliers fixed at 0 (exact complementarity).
    """

    nlp: Callable[[float], NLPKernels]
    pack: Callable[[Array, Array, Array], Array]
    unpack: Callable[[Array], tuple[Array, Array, Array]]
    relaxed: bool
    lam_lower: Array
    lam_upper: Array
    pairs: Callable[[Array], tuple[Array, Array, Array]] | None = None
    branch: Callable[[Array, Array], NLPKernels] | None = None


@dataclass
class BilevelKernels:
    """Kernels and metadata of a bilevel problem (see the module docstring for the layout).

    - upper_objective(x, y) -> F;  upper_gradient(x, y) -> (dF/dx, dF/dy)
    - upper_violation(x, y) -> largest violation of the upper-level constraints
    - lower_objective(x, y) -> f
    - lower_gradient(x, y, lam) -> (dL/dx, dL/dy, c(x, y)) of L = f + lam @ c
    - lower_hvp(x, y, lam, vx, vy) -> Hessian of L in (x, y) times (vx, vy), as (hx, hy)
    - lower_problem(x) -> `NLPKernels` of the lower level over y at fixed x (inner solves)
    - kkt() -> `KKTKernels` (built on first use: it compiles the single-level problem)
    """

    nx: int
    ny: int
    nlam: int
    x_lower: Array
    x_upper: Array
    y_lower: Array
    y_upper: Array
    c_lower: Array
    c_upper: Array
    upper_objective: Callable[[Array, Array], float]
    upper_gradient: Callable[[Array, Array], tuple[Array, Array]]
    upper_violation: Callable[[Array, Array], float]
    lower_objective: Callable[[Array, Array], float]
    lower_gradient: Callable[[Array, Array, Array], tuple[Array, Array, Array]]
    lower_hvp: Callable[[Array, Array, Array, Array, Array], tuple[Array, Array]]
    lower_problem: Callable[[Array], NLPKernels]
    kkt: Callable[[], KKTKernels]
    info: dict = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)

    @property
    def lam_lower(self) -> Array:
        """Sign bounds of the multipliers: >= 0 for c <= c_hi, <= 0 for c >= c_lo, free for =."""
        eq = self.c_lower == self.c_upper
        return np.where(~eq & np.isfinite(self.c_upper), 0.0, -np.inf)

    @property
    def lam_upper(self) -> Array:
        eq = self.c_lower == self.c_upper
        return np.where(~eq & np.isfinite(self.c_lower), 0.0, np.inf)


def counted(kernels: BilevelKernels) -> BilevelKernels:
    """A copy of ``kernels`` whose calls (inner NLP kernels included) add up in ``counts``."""
    counts = kernels.counts

    def wrap(name: str, fn: Callable) -> Callable:
        def call(*args: Any):
            counts[name] += 1
            return fn(*args)
        return call

    def wrap_nlp(k: NLPKernels, prefix: str) -> NLPKernels:
        names = ("objective", "gradient", "constraints", "jacobian", "hessian", "hvp")
        return NLPKernels(**{**k.__dict__, **{n: wrap(f"{prefix}.{n}", getattr(k, n))
                                              for n in names}})

    def lower_problem(x: Array) -> NLPKernels:
        return wrap_nlp(kernels.lower_problem(x), "inner")

    def kkt() -> KKTKernels:
        base = kernels.kkt()
        branch = None if base.branch is None else \
            (lambda active, inactive: wrap_nlp(base.branch(active, inactive), "kkt"))
        return KKTKernels(lambda t: wrap_nlp(base.nlp(t), "kkt"), base.pack, base.unpack,
                          base.relaxed, base.lam_lower, base.lam_upper, base.pairs, branch)

    names = ("upper_objective", "upper_gradient", "lower_objective", "lower_gradient",
             "lower_hvp")
    out = BilevelKernels(**{**kernels.__dict__, **{n: wrap(n, getattr(kernels, n))
                                                   for n in names}})
    out.lower_problem, out.kkt = lower_problem, kkt
    return out
