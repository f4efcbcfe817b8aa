"""`integrate`: one entry point for every time integrator, with input checks and a `Solution`.

What: validates the problem, the initial state, the times and the method's needs (a step for the
fixed-step schemes, the split form for IF-RK4/ETDRK4, the force for Verlet), probes the callables
once at (t0, y0) for shape and dtype, checks a given step against the CFL limit when the problem
carries a spectral-radius estimate, and dispatches to the method's module. Every run returns a
`Solution` with a status; bad input raises a ValueError naming the offending piece
(DESIGN.md, principle 7).
"""
from __future__ import annotations

import math
from typing import Callable, Mapping

import numpy as np

from .cfl import stability_limit, suggest_dt
from .explicit import EulerStepper, RK4Stepper, integrate_dop853, integrate_rk45
from .exponential import ETDRK4Stepper, IFRK4Stepper
from .implicit import BDFStepper, integrate_bdf_adaptive
from .jacobian import jacobian_source
from .problem import ODEProblem
from .recording import Recorder, save_grid
from .solution import IntegrationStats, Solution
from .stepping import counted, run_fixed_step
from .verlet import VerletStepper

METHODS = ("euler", "rk4", "rk45", "dop853", "verlet", "ifrk4", "etdrk4", "bdf")
FIXED_STEP_ONLY = ("euler", "rk4", "verlet", "ifrk4", "etdrk4")
SPLIT_METHODS = ("ifrk4", "etdrk4")


def _initial_state(y0, problem: ODEProblem) -> np.ndarray:
    y = np.asarray(y0)
    if y.ndim != 1:
        raise ValueError(f"{problem.name}: y0 must be a flat 1-D array, got shape {y.shape} "
                         f"(flatten the fields into one state vector)")
    if y.size == 0:
        raise ValueError(f"{problem.name}: y0 is empty")
    if not np.issubdtype(y.dtype, np.number) or np.issubdtype(y.dtype, np.bool_):
        raise ValueError(f"{problem.name}: y0 must be numeric, got dtype {y.dtype}")
    y = y.astype(np.complex128 if np.iscomplexobj(y) else np.float64)
    if not np.all(np.isfinite(y)):
        bad = int(np.flatnonzero(~np.isfinite(y))[0])
        raise ValueError(f"{problem.name}: y0 holds NaN or inf (first at index {bad})")
    return y


def _probe(name: str, fn: Callable, t0: float, arg: np.ndarray, expected: int,
           problem: ODEProblem) -> np.ndarray:
    """Call fn(t0, arg) once; check it returns a 1-D array of the expected size."""
    out = np.asarray(fn(t0, arg))
    if out.shape != (expected,):
        raise ValueError(f"{problem.name}: {name}(t, y) returned shape {out.shape}, expected "
                         f"({expected},)")
    if not np.issubdtype(out.dtype, np.number):
        raise ValueError(f"{problem.name}: {name}(t, y) returned dtype {out.dtype}")
    return out


def _promote(y: np.ndarray, *others) -> np.ndarray:
    dtype = np.result_type(y.dtype, *[np.asarray(o).dtype for o in others])
    return y.astype(np.complex128 if np.issubdtype(dtype, np.complexfloating) else np.float64,
                    copy=False)


def _radius_for(method: str, problem: ODEProblem) -> tuple[float | None, str]:
    """The spectral radius that limits ``method``'s step, and where the spectrum lies."""
    if method in SPLIT_METHODS:
        return problem.nonlinear_spectral_radius, "any"
    if method == "verlet":
        return problem.spectral_radius, "imaginary"
    return problem.spectral_radius, problem.spectrum


def _check_some_step_stable(method: str, limit: float, radius, spectrum: str,
                            problem: ODEProblem) -> None:
    """Raise when no positive step is stable (forward Euler on eigenvalues near the imaginary
    axis: its stability region, the disc |1 + z| <= 1, touches that axis only at 0)."""
    if limit == 0.0 and radius:
        raise ValueError(
            f"{problem.name}: {method} is unstable at every step size for spectral radius "
            f"{radius:g} with a {spectrum!r} spectrum (eigenvalues on or near the imaginary "
            f"axis); use rk4, rk45 or dop853, or a split/implicit method (ifrk4, etdrk4, bdf)")


def integrate(problem: ODEProblem, y0, t_end: float, *, method: str, dt: float | None = None,
              t0: float = 0.0, save_every: float | None = None, save_times=None,
              rtol: float = 1e-6, atol: float = 1e-9,
              monitors: Mapping[str, Callable[[float, np.ndarray], float]] | None = None,
              progress: bool = False, max_steps: int = 10 ** 7,
              check_cfl: bool = True) -> Solution:
    """Integrate ``problem`` from (t0, y0) to t_end with ``method``; returns a `Solution`.

    - ``method``: "euler" (forward Euler), "rk4", "verlet", "ifrk4", "etdrk4" (fixed step
      ``dt``; without ``dt`` it is suggested from the problem's spectral-radius estimate, see
      `cfl.suggest_dt`; forward Euler is stable only for spectra on the negative real axis), "rk45",
      "dop853" (adaptive with rtol/atol; ``dt`` = first and largest step), "bdf" (adaptive SciPy
      BDF, or fixed-step BDF2 with sparse Newton when ``dt`` is given).
    - Fixed-step methods take n = ceil(gap/dt) equal steps between consecutive save times, so
      save times are hit exactly; the step used is <= dt (== dt when the gap is a multiple).
    - ``save_every`` / ``save_times``: when snapshots are stored (default: t0 and t_end).
    - ``monitors``: name -> ``monitor(t, y) -> float``, evaluated at every save time.
    - ``rtol``/``atol``: error control of the adaptive methods; Newton tolerance of fixed BDF.
    - ``progress``: a tqdm bar over simulated time. ``max_steps``: stop with status "max_steps".
    - ``check_cfl``: reject a ``dt`` beyond the explicit stability limit (needs the problem's
      spectral-radius estimate; "euler", "rk4", "verlet", "ifrk4", "etdrk4").

    A NaN/inf state, a solver failure or an exception in a callable during the run stops it with
    status "failed" and a message naming the time; the snapshots so far are kept.

    >>> import numpy as np
    >>> sol = integrate(ODEProblem(rhs=lambda t, y: -y), np.array([1.0]), 1.0, method="rk4",
    ...                 dt=0.01)
    >>> sol.status, bool(abs(sol.y[-1, 0] - np.exp(-1.0)) < 1e-9)
    ('success', True)
    """
    if not isinstance(problem, ODEProblem):
        raise TypeError(f"problem must be an ODEProblem, got {type(problem).__name__}")
    if not isinstance(method, str) or method.lower() not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    method = method.lower()
    t0, t_end = float(t0), float(t_end)
    if not (math.isfinite(t0) and math.isfinite(t_end)):
        raise ValueError(f"t0 and t_end must be finite, got t0={t0}, t_end={t_end}")
    if not t_end > t0:
        raise ValueError(f"t_end must be greater than t0 (got t0={t0:g}, t_end={t_end:g})")
    if not (rtol > 0 and atol >= 0):
        raise ValueError(f"rtol must be > 0 and atol >= 0, got rtol={rtol}, atol={atol}")
    if int(max_steps) != max_steps or max_steps < 1:
        raise ValueError(f"max_steps must be a positive integer, got {max_steps}")
    if dt is not None and not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a positive number, got {dt}")
    for name, monitor in (monitors or {}).items():
        if not callable(monitor):
            raise TypeError(f"monitor {name!r} must be a callable (t, y) -> float")

    y = _initial_state(y0, problem)
    n = y.size
    stats = IntegrationStats()

    # the callables this method evaluates, probed once for shape and dtype
    if method in SPLIT_METHODS:
        if not problem.has_split:
            raise ValueError(f"{problem.name}: method {method!r} needs the split form "
                             f"y' = L*y + N(t, y): give `linear` (the diagonal of L) and "
                             f"`nonlinear`")
        if problem.linear.shape != (n,):
            raise ValueError(f"{problem.name}: `linear` has shape {problem.linear.shape}, expected "
                             f"({n},) like y0")
        y = _promote(y, problem.linear)
        fn = counted(problem.nonlinear, stats)
        y = _promote(y, _probe("nonlinear", fn, t0, y, n, problem))
    elif method == "verlet":
        if not problem.has_force:
            raise ValueError(f"{problem.name}: method 'verlet' needs the second-order form "
                             f"u'' = F(t, u): give `force` (the state is y = (u, u'))")
        if n % 2:
            raise ValueError(f"{problem.name}: verlet's state y = (u, v) must have even size, "
                             f"got {n}")
        fn = counted(problem.force, stats)
        y = _promote(y, _probe("force", fn, t0, y[: n // 2], n // 2, problem))
    else:
        fn = counted(problem.full_rhs(), stats)
        if problem.rhs is None and problem.has_split:
            y = _promote(y, problem.linear)
        y = _promote(y, _probe("rhs", fn, t0, y, n, problem))

    # the step
    radius, spectrum = _radius_for(method, problem)
    if dt is None and method in FIXED_STEP_ONLY:
        limit = stability_limit("rk4" if method in SPLIT_METHODS else method, radius,
                                spectrum=spectrum) if radius is not None else math.inf
        _check_some_step_stable(method, limit, radius, spectrum, problem)
        if not math.isfinite(limit):
            hint = ("nonlinear_spectral_radius" if method in SPLIT_METHODS else "spectral_radius")
            raise ValueError(f"method {method!r} is fixed-step: give dt (or set the problem's "
                             f"{hint} so that a CFL step can be suggested)")
        dt = suggest_dt("rk4" if method in SPLIT_METHODS else method, radius, spectrum=spectrum)
    elif dt is not None and check_cfl and radius is not None and method in FIXED_STEP_ONLY:
        limit = stability_limit("rk4" if method in SPLIT_METHODS else method, radius,
                                spectrum=spectrum)
        _check_some_step_stable(method, limit, radius, spectrum, problem)
        if dt > limit * (1 + 1e-12):
            raise ValueError(
                f"{problem.name}: dt={dt:g} exceeds the stability (CFL) limit {limit:.4g} of "
                f"{method} for spectral radius {radius:g} ({spectrum} spectrum); use dt <= "
                f"{limit:.4g} (suggest_dt gives {0.9 * limit:.4g}) or pass check_cfl=False")

    recorder = Recorder(save_grid(t0, t_end, save_every, save_times), y, monitors)
    common = dict(method=method, max_steps=int(max_steps), progress=progress)

    if method in ("rk45", "dop853") or (method == "bdf" and dt is None):
        first = None if dt is None else min(dt, t_end - t0)
        raw = fn.__wrapped__  # run_scipy counts the calls itself
        kwargs = dict(rtol=rtol, atol=atol, dt=first, max_steps=int(max_steps),
                      progress=progress, stats=stats)
        if method == "rk45":
            return integrate_rk45(raw, y, t0, t_end, recorder, **kwargs)
        if method == "dop853":
            return integrate_dop853(raw, y, t0, t_end, recorder, **kwargs)
        return integrate_bdf_adaptive(problem, raw, y, t0, t_end, recorder, **kwargs)

    if method == "euler":
        stepper = EulerStepper(fn, stats)
    elif method == "rk4":
        stepper = RK4Stepper(fn, stats)
    elif method == "verlet":
        stepper = VerletStepper(fn, stats)
    elif method == "ifrk4":
        stepper = IFRK4Stepper(problem.linear, fn, stats)
    elif method == "etdrk4":
        stepper = ETDRK4Stepper(problem.linear, fn, stats)
    else:  # fixed-step BDF2
        stepper = BDFStepper(fn, jacobian_source(problem, fn, n, stats), stats, rtol=rtol,
                             atol=atol, dtype=y.dtype)
    return run_fixed_step(stepper, y, t0, t_end, float(dt), recorder, **common)
