"""Kernels of a bilevel problem: NLP kernel sets of both levels, bound for the bilevel runtime.

Three NLP-style kernel modules are emitted by `Problem.compile` (`codegen.nlp`): the upper
level over (x, y) (F, its gradient, the upper constraints), the lower level's Lagrangian over
(x, y, lam) (gradient = (dL/dx, dL/dy, c), Hessian-vector products in (x, y)), and the lower
level itself over y with x as a parameter (for inner solves). The KKT reformulation is compiled
on first use. The runtime sees plain callables in a fixed (x, y, lam) order.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import numpy as np

from symbolic.arrays import sym_shape
from symbolic.convexity import curvature
from symbolic.problem import Problem


def _size(v: Any) -> int:
    return int(np.prod(sym_shape(v))) if sym_shape(v) else 1


def _positions(solver, variables: list) -> np.ndarray:
    """Where ``variables`` (in this order) sit in ``solver``'s flat vector of unknowns."""
    off = solver.layout.offsets
    parts = [np.arange(off[v], off[v] + _size(v)) for v in variables]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _bounds(variables: list) -> tuple[np.ndarray, np.ndarray]:
    lo = [np.ravel(getattr(v, "lower", np.array(-np.inf))) for v in variables]
    hi = [np.ravel(getattr(v, "upper", np.array(np.inf))) for v in variables]
    cat = (lambda a: np.concatenate(a).astype(float) if a else np.zeros(0))
    return cat(lo), cat(hi)


def _complementarity(solver, bl, lam_at: np.ndarray, nlp):
    """``pairs(z) -> (lam, gap, equality)``: each lower-level multiplier entry of the KKT
    problem's vector z, the distance of its constraint from the bound it prices (a row
    ``lower_<name>`` or a bound of y) and whether it is an equality; ``branch(active,
    inactive)`` -> the KKT problem's kernels with those constraints held at their bounds and
    those multipliers fixed at 0 (complementarity then holds exactly: its rows get t = 1)."""
    offsets, off = {}, 0
    for c in solver.problem.constraints:
        offsets[c.name] = off
        off += c.size
    rows_of = {c.name for c in bl.lower.constraints}    # the others price bounds of y
    rows, where, value, upper, equality = [], [], [], [], []
    for c, _ in bl.multipliers(include_bounds=True):
        size = c.size or 1
        at_upper = np.isfinite(c.upper)
        equality += [c.is_equality] * size
        upper += [at_upper] * size
        if c.name not in rows_of:
            v = next(v for v in bl.y if c.name in (f"{v.name}_lower", f"{v.name}_upper"))
            rows += [-1] * size
            where += list(_positions(solver, [v]))
            value += [float(c.upper if at_upper else c.lower)
                      - float(c.expr.as_independent(*c.expr.free_symbols, as_Add=True)[0])] * size
        else:
            rows += list(range(offsets[f"lower_{c.name}"], offsets[f"lower_{c.name}"] + size))
            where += [-1] * size
            value += [np.nan] * size                     # the row's own bound, below
    rows, where, value = np.array(rows, dtype=np.int64), np.array(where, dtype=np.int64), \
        np.array(value)
    upper, equality = np.array(upper, dtype=bool), np.array(equality, dtype=bool)
    in_rows = rows >= 0
    k1 = nlp(1.0)
    value[in_rows] = np.where(upper[in_rows], k1.c_upper[rows[in_rows]],
                              k1.c_lower[rows[in_rows]])

    def pairs(z):
        z = np.asarray(z, dtype=float)
        current = np.empty(rows.size)
        current[in_rows] = k1.constraints(z)[rows[in_rows]]
        current[~in_rows] = z[where[~in_rows]]
        gap = np.where(upper, value - current, current - value)
        return z[lam_at], np.where(equality, 0.0, gap), equality

    def branch(active, inactive):
        k = nlp(1.0)
        x_lo, x_hi = k.x_lower.copy(), k.x_upper.copy()
        c_lo, c_hi = k.c_lower.copy(), k.c_upper.copy()
        x_lo[lam_at[inactive]] = x_hi[lam_at[inactive]] = 0.0
        held = np.asarray(active) & in_rows
        c_lo[rows[held]] = c_hi[rows[held]] = value[held]
        pinned = np.asarray(active) & ~in_rows
        x_lo[where[pinned]] = x_hi[where[pinned]] = value[pinned]
        return replace(k, x_lower=x_lo, x_upper=x_hi, c_lower=c_lo, c_upper=c_hi)

    return pairs, branch


def flatten(variables: list, value: Any, what: str) -> np.ndarray:
    """A flat vector for ``variables`` from a number, an array or a dict by variable or name.

    >>> import symbolic as sy
    >>> a, b = sy.Variable("a", shape=2), sy.Variable("b")
    >>> flatten([a, b], {"a": [1, 2], "b": 3}, "x0").tolist(), unflatten([a, b], np.arange(3.))["b"]
    ([1.0, 2.0, 3.0], 2.0)
    """
    n = sum(_size(v) for v in variables)
    if isinstance(value, Mapping):
        parts = []
        for v in variables:
            val = value.get(v, value.get(v.name))
            if val is None:
                raise KeyError(f"{what} has no value for variable '{v.name}'")
            parts.append(np.ravel(np.broadcast_to(np.asarray(val, dtype=float), sym_shape(v))))
        return np.concatenate(parts)
    arr = np.ravel(np.asarray(value, dtype=float))
    if arr.size == 1 and n > 1:
        arr = np.full(n, float(arr[0]))
    if arr.size != n:
        names = ", ".join(f"{v.name}{list(sym_shape(v))}" for v in variables)
        raise ValueError(f"{what} has {arr.size} entries but {names} have {n}")
    return arr


def unflatten(variables: list, z: np.ndarray) -> dict:
    """Per-variable values (arrays shaped like the variable, floats for scalars) by name."""
    out, off = {}, 0
    for v in variables:
        n = _size(v)
        out[v.name] = z[off:off + n].reshape(sym_shape(v)) if sym_shape(v) else float(z[off])
        off += n
    return out


@dataclass
class BilevelResult:
    """What a bilevel solve found, in the problem's terms.

    ``x`` / ``y``: the upper / lower variables' values (an array or float for one variable, a
    dict by name for several); ``status`` ("optimal", "max_iter", "lower_unbounded",
    "lower_not_strongly_convex", "infeasible", "numerical_error") and ``message``; ``method``
    that ran and ``reason`` it was chosen; ``lower_gap`` = f(x, y) - min f(x, .) at the end;
    ``kernel_evaluations`` per kernel, ``wall_time`` in seconds, ``history`` per stage.
    """

    x: Any
    y: Any
    upper_objective: float
    lower_objective: float
    status: str
    message: str
    method: str
    reason: str
    iterations: int
    lower_gap: float
    upper_violation: float
    history: list = field(repr=False)
    kernel_evaluations: dict = field(repr=False)
    wall_time: float = 0.0
    multipliers: dict = field(default_factory=dict, repr=False)
    raw: Any = field(default=None, repr=False)

    @property
    def converged(self) -> bool:
        return self.status == "optimal"


class BilevelSolver:
    """Compiled kernels of a `Bilevel` and a `solve` running the bilevel runtime on them."""

    def __init__(self, bilevel, backend: str, **options: Any):
        t0 = time.perf_counter()
        bl = self.bilevel = bilevel
        self.backend, self.options = backend, options
        self.lams = [lam for _, lam in bl.multipliers()]
        upper = Problem(minimize=bl.F, subject_to=bl.upper_relations(), over=bl.x + bl.y,
                        name=f"{bl.name} upper")
        lower_l = Problem(minimize=bl.lower_lagrangian(), over=bl.x + bl.y + self.lams,
                          name=f"{bl.name} lower Lagrangian")
        self.upper = upper.compile(backend=backend)
        self.lower_lagrangian = lower_l.compile(backend=backend)
        self.lower = bl.lower.compile(backend=backend)
        self._kkt = None
        self.signs = (1 if bl.upper.sense == "minimize" else -1,
                      1 if bl.lower.sense == "minimize" else -1)
        self.nx = sum(_size(v) for v in bl.x)
        self.ny = sum(_size(v) for v in bl.y)
        self.nlam = sum(_size(v) for v in self.lams)
        self.timings = {"compile": time.perf_counter() - t0}
        convexity = bl.lower_convexity()
        y_lo, y_hi = _bounds(bl.y)
        self.info = {
            "lower_convex": convexity.convex, "convexity_reason": convexity.reason,
            "coupled_upper": list(bl.coupled_upper_constraints),
            "x_only_upper": list(bl.x_only_upper_constraints),
            "lower_constraints": [c.name for c in bl.lower.constraints],
            "nonaffine_lower": [c.name for c in bl.lower.constraints
                                if curvature(c.expr, set(bl.x + bl.y)) not in ("constant",
                                                                                "affine")],
            "y_bounded": bool(np.isfinite(y_lo).any() or np.isfinite(y_hi).any()),
            "x_names": [v.name for v in bl.x], "y_names": [v.name for v in bl.y]}

    def kkt_solver(self):
        """The compiled KKT reformulation (compiled on first use)."""
        if self._kkt is None:
            t0 = time.perf_counter()
            self._kkt = self.bilevel.reformulate("kkt").compile(backend=self.backend)
            self.timings["compile_kkt"] = time.perf_counter() - t0
        return self._kkt

    def _data(self, solver, params: dict) -> dict:
        names = set(solver._param_shapes)
        return {k: v for k, v in params.items() if k in names}

    def kernels(self, params: Mapping[str, Any] | None = None):
        """The runtime's `BilevelKernels` with the data parameters bound."""
        from runtime.bilevel import BilevelKernels, KKTKernels
        bl = self.bilevel
        params = {getattr(k, "name", k): v for k, v in (params or {}).items()}
        known = {p.name for p in bl.parameters}
        unknown = sorted(set(params) - known)
        if unknown:
            raise KeyError(f"unknown parameter(s) {', '.join(unknown)}; the bilevel problem's "
                           f"parameters are: {', '.join(sorted(known)) or 'none'}")
        up = self.upper.kernels(self._data(self.upper, params))
        lo = self.lower_lagrangian.kernels(self._data(self.lower_lagrangian, params))
        nx, ny, nlam = self.nx, self.ny, self.nlam
        pu = _positions(self.upper, bl.x + bl.y)
        pl = _positions(self.lower_lagrangian, bl.x + bl.y + self.lams)
        zu, zl = np.zeros(up.n), np.zeros(lo.n)
        no_lam = np.zeros(nlam)

        def at_upper(x, y):
            zu[pu[:nx]], zu[pu[nx:]] = x, y
            return zu

        def at_lower(x, y, lam):
            zl[pl[:nx]], zl[pl[nx:nx + ny]], zl[pl[nx + ny:]] = x, y, lam
            return zl

        def upper_gradient(x, y):
            g = up.gradient(at_upper(x, y))[pu]
            return g[:nx], g[nx:]

        def upper_violation(x, y):
            if up.m == 0:
                return 0.0
            c = up.constraints(at_upper(x, y))
            return float(np.max(np.maximum(up.c_lower - c, c - up.c_upper), initial=0.0))

        def lower_gradient(x, y, lam):
            g = lo.gradient(at_lower(x, y, lam))[pl]
            return g[:nx], g[nx:nx + ny], g[nx + ny:]

        def lower_hvp(x, y, lam, vx, vy):
            v = np.zeros(lo.n)
            v[pl[:nx]], v[pl[nx:nx + ny]] = vx, vy
            h = lo.hvp(at_lower(x, y, lam), 1.0, np.zeros(0), v)[pl]
            return h[:nx], h[nx:nx + ny]

        inner_data = self._data(self.lower, params)

        def lower_problem(x):
            return self.lower.kernels({**inner_data, **unflatten(bl.x, np.asarray(x))})

        def kkt():
            solver = self.kkt_solver()
            reform = bl.reformulate("kkt")
            kkt_lams = [lam for _, lam in bl.multipliers(include_bounds=True)]
            pk = _positions(solver, bl.x + bl.y + kkt_lams)
            data = self._data(solver, params)
            relaxed = "t" in reform.symbols
            lam_lo, lam_hi = _bounds(kkt_lams)

            def pack(x, y, lam):
                z = np.zeros(solver.n)
                z[pk] = np.concatenate([x, y, lam])
                return z

            def unpack(z):
                w = np.asarray(z)[pk]
                return w[:nx], w[nx:nx + ny], w[nx + ny:]

            def nlp(t):
                return solver.kernels({**data, "t_relax": t} if relaxed else data)
            pairs, branch = _complementarity(solver, bl, pk[nx + ny:], nlp)
            return KKTKernels(nlp, pack, unpack, relaxed, lam_lo, lam_hi, pairs, branch)

        x_lo, x_hi = _bounds(bl.x)
        y_lo, y_hi = _bounds(bl.y)
        c_lo = [np.full(c.size, c.lower) for c in bl.lower.constraints]
        c_hi = [np.full(c.size, c.upper) for c in bl.lower.constraints]
        cat = (lambda a: np.concatenate(a) if a else np.zeros(0))
        return BilevelKernels(
            nx=nx, ny=ny, nlam=nlam, x_lower=x_lo, x_upper=x_hi, y_lower=y_lo, y_upper=y_hi,
            c_lower=cat(c_lo), c_upper=cat(c_hi),
            upper_objective=lambda x, y: float(up.objective(at_upper(x, y))),
            upper_gradient=upper_gradient, upper_violation=upper_violation,
            lower_objective=lambda x, y: float(lo.objective(at_lower(x, y, no_lam))),
            lower_gradient=lower_gradient, lower_hvp=lower_hvp, lower_problem=lower_problem,
            kkt=kkt, info=dict(self.info))

    def default_start(self, variables: list) -> np.ndarray:
        """0 projected into the variables' bounds (box midpoints where both bounds are finite)."""
        lo, hi = _bounds(variables)
        z = np.clip(np.zeros(lo.size), lo, hi)
        box = np.isfinite(lo) & np.isfinite(hi)
        z[box] = 0.5 * (lo[box] + hi[box])
        return z

    def solve(self, x0: Any = None, y0: Any = None, params: Mapping[str, Any] | None = None,
              method: str = "auto", **options: Any) -> BilevelResult:
        """Solve from (x0, y0) (default: inside the bounds) with ``params`` bound.

        ``method``: "auto", "kkt", "value-penalty", "lv-hba" or "implicit"; ``options`` go to
        the method (see `runtime.bilevel.solve_bilevel`).
        """
        from runtime.bilevel import solve_bilevel
        bl = self.bilevel
        xs = self.default_start(bl.x) if x0 is None else flatten(bl.x, x0, "x0")
        ys = self.default_start(bl.y) if y0 is None else flatten(bl.y, y0, "y0")
        raw = solve_bilevel(self.kernels(params), xs, ys, method=method,
                            **{**self.options, **options})
        xv, yv = unflatten(bl.x, raw.x), unflatten(bl.y, raw.y)
        mult, off = {}, 0
        for c, lam in bl.multipliers():
            part = raw.lam[off:off + c.size] if raw.lam.size else np.zeros(c.size)
            mult[c.name] = part.reshape(c.shape) if c.shape else float(part[0])
            off += c.size
        one = (lambda d: next(iter(d.values())) if len(d) == 1 else d)
        return BilevelResult(
            x=one(xv), y=one(yv), upper_objective=self.signs[0] * raw.upper_objective,
            lower_objective=self.signs[1] * raw.lower_objective, status=raw.status,
            message=raw.message,
            method=raw.method, reason=raw.reason, iterations=raw.iterations,
            lower_gap=raw.lower_gap, upper_violation=raw.upper_violation, history=raw.history,
            kernel_evaluations=raw.kernel_evaluations, wall_time=raw.wall_time,
            multipliers=mult, raw=raw)


def compile_bilevel(bilevel, backend: str = "numpy", **options: Any) -> BilevelSolver:
    """Emit and load the kernels of ``bilevel``; return a `BilevelSolver`."""
    return BilevelSolver(bilevel, backend, **options)
