"""`ODEProblem`: the semi-discrete system y' = f(t, y) handed to the time integrators.

What: a plain container of callables on flat NumPy arrays (float64 or complex128) — the
right-hand side, and optionally what particular integrators need: a sparse Jacobian or its
sparsity pattern (implicit BDF), a diagonal linear part and the nonlinear rest (IF-RK4, ETDRK4),
or the acceleration of a second-order system (Störmer–Verlet).

Why: the PDE layer derives all of these symbolically and emits them as kernels; the runtime never
sees SymPy (DESIGN.md), only these callables. One problem can be given in several forms at once,
so the same compiled system can be run with any integrator; forms not given are derived from the
ones that are (``y' = L*y + N(t, y)`` and ``y = (u, v), u' = v, v' = F(t, u)`` both define f).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np
import scipy.sparse as sp

RHS = Callable[[float, np.ndarray], np.ndarray]
JacobianFn = Callable[[float, np.ndarray], "sp.spmatrix | sp.sparray | np.ndarray"]

SPECTRA = ("any", "imaginary", "negative_real")


@dataclass
class ODEProblem:
    """A first-order system y' = f(t, y) with y a flat float64 or complex128 array.

    Fields (all optional, but at least one way to evaluate f must be given):

    - ``rhs(t, y) -> dy``: the right-hand side f.
    - ``jacobian(t, y) -> J``: df/dy as a SciPy sparse matrix (a dense array is accepted).
    - ``jac_sparsity``: the sparsity pattern of df/dy (any SciPy sparse matrix or array-like;
      nonzeros mark possibly-nonzero entries). Without ``jacobian``, the implicit integrators
      evaluate a compressed finite-difference Jacobian with one f evaluation per colour of the
      column intersection graph (Curtis, Powell & Reid 1974; see `jacobian.py`).
    - ``linear``: a 1-D array L, the DIAGONAL of a constant linear operator (e.g. ``-k**2`` or
      ``1j*k`` in Fourier space; complex allowed), and ``nonlinear(t, y) -> N``, with
      y' = L*y + N(t, y). Needed by "ifrk4" and "etdrk4".
    - ``force(t, u) -> u''``: the acceleration of a second-order system u'' = F(t, u), with the
      state y = concatenate(u, v), v = u'. Needed by "verlet". F must not depend on v.
    - ``spectral_radius``: an estimate of the largest |eigenvalue| of df/dy, used to suggest a
      step (`cfl.suggest_dt`) when none is given, and to reject a step beyond the stability
      limit of an explicit scheme. For "verlet" this is the largest frequency omega_max of the
      linearized force (eigenvalues of df/dy are ±i*omega). ``spectrum`` says where those
      eigenvalues lie: ``"imaginary"`` (waves, Schrödinger), ``"negative_real"`` (diffusion) or
      ``"any"`` (the left half-disc; the conservative default).
    - ``nonlinear_spectral_radius``: the same for dN/dy alone, which is what limits the step of
      "ifrk4"/"etdrk4" (their linear part is integrated exactly).
    - ``name``: used in messages.
    """

    rhs: RHS | None = None
    jacobian: JacobianFn | None = None
    jac_sparsity: object | None = None
    linear: np.ndarray | None = None
    nonlinear: RHS | None = None
    force: RHS | None = None
    spectral_radius: float | None = None
    spectrum: Literal["any", "imaginary", "negative_real"] = "any"
    nonlinear_spectral_radius: float | None = None
    name: str = "ODE problem"

    def __post_init__(self) -> None:
        for attr in ("rhs", "jacobian", "nonlinear", "force"):
            value = getattr(self, attr)
            if value is not None and not callable(value):
                raise TypeError(f"{self.name}: {attr} must be a callable (t, y) -> array, "
                                f"got {type(value).__name__}")
        if (self.linear is None) != (self.nonlinear is None):
            missing = "nonlinear" if self.nonlinear is None else "linear"
            raise ValueError(f"{self.name}: the split form y' = L*y + N(t, y) needs both "
                             f"`linear` and `nonlinear`; `{missing}` is missing")
        if self.linear is not None:
            lin = np.asarray(self.linear)
            if lin.ndim != 1:
                raise ValueError(f"{self.name}: `linear` must be the 1-D diagonal of L, got an "
                                 f"array of shape {lin.shape} (only diagonal linear operators "
                                 f"are supported)")
            if not np.issubdtype(lin.dtype, np.number) or not np.all(np.isfinite(lin)):
                raise ValueError(f"{self.name}: `linear` must hold finite numbers")
            self.linear = lin.astype(np.result_type(lin.dtype, np.float64), copy=False)
        if self.rhs is None and self.linear is None and self.force is None:
            raise ValueError(f"{self.name}: give `rhs`, or `linear` and `nonlinear`, or `force`")
        if self.jac_sparsity is not None:
            pattern = sp.csc_matrix(self.jac_sparsity)
            if pattern.ndim != 2 or pattern.shape[0] != pattern.shape[1]:
                raise ValueError(f"{self.name}: jac_sparsity must be square, got shape "
                                 f"{pattern.shape}")
        if self.spectrum not in SPECTRA:
            raise ValueError(f"{self.name}: spectrum must be one of {SPECTRA}, "
                             f"got {self.spectrum!r}")
        for attr in ("spectral_radius", "nonlinear_spectral_radius"):
            value = getattr(self, attr)
            if value is not None and not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{self.name}: {attr} must be a finite number >= 0, got {value}")

    @property
    def has_split(self) -> bool:
        """True when the split form y' = L*y + N(t, y) is given."""
        return self.linear is not None and self.nonlinear is not None

    @property
    def has_force(self) -> bool:
        """True when the second-order form u'' = F(t, u) is given."""
        return self.force is not None

    def full_rhs(self) -> RHS:
        """f(t, y) as one callable: ``rhs`` if given, else from the split or second-order form."""
        if self.rhs is not None:
            return self.rhs
        if self.has_split:
            lin, nonlin = self.linear, self.nonlinear

            def split_rhs(t: float, y: np.ndarray) -> np.ndarray:
                return lin * y + nonlin(t, y)
            return split_rhs
        force = self.force

        def second_order_rhs(t: float, y: np.ndarray) -> np.ndarray:
            m = y.shape[0] // 2
            return np.concatenate((y[m:], force(t, y[:m])))
        return second_order_rhs
