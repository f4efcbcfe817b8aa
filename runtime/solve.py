"""`solve_nlp`: the one entry point that validates a problem, picks a method and runs it.

"auto" uses trust-region Newton-CG (Hessian-vector products only) when there are no
constraints and no finite bounds, and the interior-point method otherwise. "eal-sketch" (exact
augmented Lagrangian with randomized sketching) is for equality constraints without bounds.
"""
from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike

from .eal_sketch import solve_eal_sketch
from .ipm import solve_ipm
from codegen.kernels import NLPKernels, SparsePattern
from .monitor import Monitor
from .newton import solve_newton_cg
from .options import EALSketchOptions, IPMOptions, NewtonOptions, make_options
from .result import SolveResult
from .validate import validate_kernels, validate_x0

METHODS = ("auto", "ipm", "newton-cg", "eal-sketch")
# Newton-CG iterations cost a few HVPs each; on chained Rosenbrock from the standard start the
# count grows with n (one index of the solution settles per step), so its default is higher.
DEFAULT_MAX_ITER = {"ipm": 3000, "newton-cg": 50_000, "eal-sketch": 1000}
_PROGRESS_AUTO_N = 100_000


def _unconstrained(k: NLPKernels) -> bool:
    return k.m == 0 and not np.any(np.isfinite(k.x_lower)) and not np.any(np.isfinite(k.x_upper))


def _hvp_only(k: NLPKernels) -> NLPKernels:
    """The kernels without the assembled Hessian, which Newton-CG never uses: its pattern (n^2
    entries where the Hessian is dense, e.g. (sum_i i x_i^2)^2) is then never built."""
    def no_hessian(*args):
        raise NotImplementedError("Newton-CG uses Hessian-vector products only")
    empty = np.zeros(0, dtype=np.int64)
    return replace(k, hessian=no_hessian, hessian_pattern=SparsePattern(empty, empty, (k.n, k.n)))


def solve_nlp(kernels: NLPKernels, x0: ArrayLike, *, method: str = "auto", tol: float = 1e-8,
              max_iter: int | None = None, verbose: bool = False, progress: bool | None = None,
              **options) -> SolveResult:
    """Solve  min f(x)  s.t.  c_lower <= c(x) <= c_upper,  x_lower <= x <= x_upper.

    - ``method``: "auto", "ipm" (primal-dual interior point, IPOPT's algorithm),
      "newton-cg" (trust-region Newton-CG; only without constraints and finite bounds) or
      "eal-sketch" (`runtime.eal_sketch`; only equality constraints, no finite bounds).
    - ``tol``: tolerance on the scaled KKT error; ``max_iter``: iteration limit (default
      3000 for "ipm", 50000 for "newton-cg", 1000 for "eal-sketch").
    - ``verbose``: print IPOPT's iteration table; ``progress``: a tqdm bar (None: on for
      n >= 100000 when stderr is a terminal).
    - ``options``: method options by name (see `runtime.options.IPMOptions`,
      `NewtonOptions` and `EALSketchOptions`), e.g. ``mu_init=1e-2`` or ``sketch="gaussian"``.

    Returns a `SolveResult`; a failed solve is a status, never an exception. Bad input (x0 of
    the wrong length, inconsistent metadata, unknown options) raises ValueError.
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r}; expected one of {', '.join(map(repr, METHODS))}")
    if method in ("auto", "newton-cg") and _unconstrained(kernels):
        kernels = _hvp_only(kernels)
    k = validate_kernels(kernels)
    x = validate_x0(x0, k.n)
    if method == "auto":
        method = "newton-cg" if _unconstrained(k) else "ipm"
    if method == "newton-cg" and not _unconstrained(k):
        raise ValueError(f"method='newton-cg' solves problems without constraints and bounds; "
                         f"this one has m={k.m} constraints and "
                         f"{int(np.sum(np.isfinite(k.x_lower) | np.isfinite(k.x_upper)))} "
                         f"bounded variables: use method='ipm'")
    max_iter = DEFAULT_MAX_ITER[method] if max_iter is None else max_iter
    cls = {"newton-cg": NewtonOptions, "eal-sketch": EALSketchOptions}.get(method, IPMOptions)
    opts = make_options(cls, method, dict(options, tol=tol, max_iter=max_iter))
    if progress is None:
        progress = k.n >= _PROGRESS_AUTO_N and sys.stderr.isatty()
    monitor = Monitor(verbose=verbose, progress=bool(progress), max_iter=max_iter, desc=method)
    result = None
    try:
        if method == "newton-cg":
            result = solve_newton_cg(k, x, opts, monitor)
        elif method == "eal-sketch":
            result = solve_eal_sketch(k, x, opts, monitor)
        else:
            result = solve_ipm(k, x, opts, monitor)
    finally:
        monitor.finish(result.message if result is not None else "interrupted")
    return result
