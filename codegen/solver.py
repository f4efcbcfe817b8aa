"""A compiled problem: kernels bound to parameter values, handed to the runtime's NLP solvers."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .kernels import LazySparsePattern, NLPKernels, SparsePattern
from symbolic.arrays import sym_shape


@dataclass
class ProblemResult:
    """What a solve found, in the problem's own terms (named variables and constraints)."""

    x: Any
    objective: float
    status: str
    message: str
    iterations: int
    multipliers: dict
    values: dict
    constraint_violation: float
    raw: Any = field(repr=False, default=None)

    @property
    def converged(self) -> bool:
        return self.status == "optimal"

    def __getitem__(self, name: str):
        return self.values[name]


class NLPSolver:
    """Compiled kernels of a `Problem` and a `solve` that runs the runtime's solvers on them."""

    def __init__(self, problem, kernel_set, module, source, backend, jac_pattern, hess_pattern,
                 timings, **options):
        self.problem = problem
        self.kernel_set = kernel_set
        self.module = module
        self.source = source
        self.backend = backend
        self._structured = {"jacobian": jac_pattern, "hessian": hess_pattern}
        self._coo: dict = {}
        self.timings = timings
        self.options = options
        d = kernel_set.derivation
        self.layout = d.layout
        self.n, self.m = d.layout.n, d.m
        self._param_shapes = {p.name: sym_shape(p) for p in d.parameters}

    def _pattern(self, which: str) -> SparsePattern:
        """COO coordinates, built on first use (HVP-only solves never build the Hessian's)."""
        if which not in self._coo:
            structured = self._structured[which]
            self._coo[which] = LazySparsePattern(structured.coo, structured.shape)
        return self._coo[which]

    @property
    def jacobian_pattern(self) -> SparsePattern:
        return self._pattern("jacobian")

    @property
    def hessian_pattern(self) -> SparsePattern:
        return self._pattern("hessian")

    def write(self, path: str | Path) -> Path:
        """Write the kernels as a standalone module that imports only its backend."""
        path = Path(path)
        path.write_text(self.source)
        return path

    def bind(self, params: Mapping[str, Any] | None) -> list:
        """Parameter values in kernel-argument order, checked against their declared shapes."""
        params = {getattr(k, "name", k): v for k, v in (params or {}).items()}
        unknown = sorted(set(params) - set(self._param_shapes))
        if unknown:
            raise KeyError(f"unknown parameter(s) {', '.join(unknown)}: no expression of the problem "
                           f"contains them (a misspelled name, or a parameter that cancelled out, "
                           f"like w**0); the problem's parameters are: "
                           f"{', '.join(self._param_shapes) or 'none'}")
        values = []
        for name, shape in self._param_shapes.items():
            if name not in params:
                raise KeyError(f"parameter '{name}' is not bound; pass params={{'{name}': ...}} "
                               f"with an array of shape {shape}" if shape else
                               f"parameter '{name}' is not bound; pass params={{'{name}': value}}")
            val = np.asarray(params[name], dtype=float)
            if val.shape != shape:
                raise ValueError(f"parameter '{name}' has shape {val.shape}, expected {shape}")
            values.append(np.ascontiguousarray(val) if shape else float(val))
        return values

    def kernels(self, params: Mapping[str, Any] | None = None) -> NLPKernels:
        """The runtime's `NLPKernels`, parameters bound (no recompilation for new data)."""
        p = self.bind(params)
        mod = self.module
        d = self.kernel_set.derivation
        xl, xu = self.problem.bounds()
        f64 = (lambda a: np.asarray(a, dtype=float))
        return NLPKernels(
            n=self.n, m=self.m, x_lower=xl, x_upper=xu, c_lower=d.c_lower, c_upper=d.c_upper,
            objective=lambda x: float(mod.objective(x, *p)),
            gradient=lambda x: f64(mod.gradient(x, *p)),
            constraints=lambda x: f64(mod.constraints(x, *p)),
            jacobian=lambda x: f64(mod.jacobian(x, *p)),
            jacobian_pattern=self.jacobian_pattern,
            hessian=lambda x, s, lam: f64(mod.hessian(x, float(s), f64(lam), *p)),
            hessian_pattern=self.hessian_pattern,
            hvp=lambda x, s, lam, v: f64(mod.hvp(x, float(s), f64(lam), f64(v), *p)),
            backend=self.backend)

    def flatten(self, x0: Any) -> np.ndarray:
        """A flat start vector from an array, or a dict of per-variable values."""
        if isinstance(x0, Mapping):
            parts = []
            for v in self.layout.variables:
                val = x0.get(v, x0.get(v.name))
                if val is None:
                    raise KeyError(f"x0 has no value for variable '{v.name}'")
                arr = np.broadcast_to(np.asarray(val, dtype=float), sym_shape(v))
                parts.append(np.ravel(arr))
            return np.concatenate(parts)
        arr = np.ravel(np.asarray(x0, dtype=float))
        if arr.size != self.n:
            names = ", ".join(f"{v.name}{list(sym_shape(v))}" for v in self.layout.variables)
            raise ValueError(f"x0 has {arr.size} entries but the problem has {self.n} unknowns "
                             f"({names})")
        return arr

    def default_x0(self) -> np.ndarray:
        """A start inside the bounds: 0 projected onto [lower, upper], midpoints of boxes."""
        xl, xu = self.problem.bounds()
        x = np.clip(np.zeros(self.n), xl, xu)
        box = np.isfinite(xl) & np.isfinite(xu)
        x[box] = 0.5 * (xl[box] + xu[box])
        return x

    def solve(self, x0: Any = None, params: Mapping[str, Any] | None = None,
              **options: Any) -> ProblemResult:
        """Solve from ``x0`` (default: inside the bounds) with parameters bound to ``params``."""
        from runtime import solve_nlp
        x_start = self.default_x0() if x0 is None else self.flatten(x0)
        raw = solve_nlp(self.kernels(params), x_start, **{**self.options, **options})
        return self._result(raw)

    def unflatten(self, z: np.ndarray) -> dict:
        out = {}
        for v in self.layout.variables:
            off, shape = self.layout.offsets[v], sym_shape(v)
            size = int(np.prod(shape)) if shape else 1
            out[v.name] = z[off:off + size].reshape(shape) if shape else float(z[off])
        return out

    def _result(self, raw) -> ProblemResult:
        d = self.kernel_set.derivation
        values = self.unflatten(np.asarray(raw.x))
        x = values[self.layout.variables[0].name] if len(values) == 1 else values
        mult, off = {}, 0
        lam = np.asarray(raw.multipliers) if raw.multipliers is not None else np.zeros(self.m)
        for c in self.problem.constraints:
            part = lam[off:off + c.size] * d.sign
            mult[c.name] = part.reshape(c.shape) if c.shape else float(part[0])
            off += c.size
        return ProblemResult(x=x, objective=d.sign * float(raw.objective), status=raw.status,
                             message=raw.message, iterations=raw.iterations, multipliers=mult,
                             values=values, constraint_violation=raw.constraint_violation,
                             raw=raw)
