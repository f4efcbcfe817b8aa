"""A compiled PDE: kernels bound to parameters, run by the runtime's time integrators."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import scipy.sparse as sps

from .pde import grid_values
from .solution import PDESolution

INTEGRATORS = ("rk4", "rk45", "dop853", "verlet", "ifrk4", "etdrk4", "bdf")


class Simulator:
    """Semi-discrete right-hand side, Jacobian and monitors of a PDE, ready to `run`."""

    def __init__(self, pde, semidiscrete, kernel_set, module, source, backend, integrator,
                 timings, **options):
        if integrator not in INTEGRATORS:
            raise ValueError(f"unknown integrator {integrator!r}; choose one of "
                             f"{', '.join(INTEGRATORS)}")
        self.pde, self.sd, self.kernel_set = pde, semidiscrete, kernel_set
        self.module, self.source, self.backend = module, source, backend
        self.integrator, self.timings, self.options = integrator, timings, options
        pattern = semidiscrete.jacobian_pattern()
        self._jac_rows, self._jac_cols = pattern.coo()
        self.size = semidiscrete.size

    def write(self, path) -> None:
        """Write the kernels as a standalone module that imports only its backend."""
        from pathlib import Path
        Path(path).write_text(self.source)

    def _bind(self, params: Mapping | None) -> list:
        params = {getattr(k, "name", k): v for k, v in (params or {}).items()}
        names = [p.name for p in self.sd.parameters]
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise KeyError(f"unknown parameter(s) {', '.join(unknown)}; the PDE's parameters "
                           f"are: {', '.join(names) or 'none'}")
        missing = [n for n in names if n not in params]
        if missing:
            raise KeyError(f"parameter '{missing[0]}' is not bound; pass params={{'{missing[0]}'"
                           f": value}} to run()")
        return [float(params[n]) for n in names]

    def initial_state(self) -> np.ndarray:
        values = {}
        for (fld, level), expr in self.pde.initial.items():
            values[(fld, level)] = grid_values(expr, self.pde.domain)
        return self.sd.initial_state(values)

    def rhs(self, t: float, y: np.ndarray, params: Mapping | None = None) -> np.ndarray:
        """The semi-discrete right-hand side dy/dt at (t, y)."""
        return np.asarray(self.module.rhs(y, float(t), *self._bind(params)))

    def jacobian(self, t: float, y: np.ndarray, params: Mapping | None = None) -> sps.csr_matrix:
        """d(rhs)/dy as a sparse matrix, from the symbolically derived stencil Jacobian."""
        vals = np.asarray(self.module.jacobian(y, float(t), *self._bind(params)))
        return sps.csr_matrix((vals, (self._jac_rows, self._jac_cols)),
                              shape=(self.size, self.size))

    def fields(self, t: float, y: np.ndarray, params: Mapping | None = None) -> dict:
        """Every field on the full grid (boundary nodes included) at one state."""
        flat = np.asarray(self.module.fields(y, float(t), *self._bind(params)))
        out = {}
        for (fld, level), off, shape in self.kernel_set.field_offsets:
            name = str(fld.func) + ("_t" if level else "")
            out[name] = flat[off:off + int(np.prod(shape))].reshape(shape)
        return out

    def run(self, t_end: float, dt: float | None = None, save_every: float | None = None,
            rtol: float = 1e-6, atol: float = 1e-9, params: Mapping | None = None,
            integrator: str | None = None, progress: bool = False,
            max_steps: int = 10 ** 7) -> PDESolution:
        """Integrate from t = 0 to ``t_end``, saving snapshots every ``save_every``."""
        from runtime.integrate import ODEProblem, integrate
        method = integrator or self.integrator
        p = self._bind(params)
        mod = self.module
        monitors = {name: (lambda t, y, k=k: complex(getattr(mod, k.name)(y, float(t), *p))
                           if self.sd.complex_state else
                           float(getattr(mod, k.name)(y, float(t), *p)))
                    for name, k in self.kernel_set.monitors.items()}
        problem = ODEProblem(
            rhs=lambda t, y: np.asarray(mod.rhs(y, float(t), *p)),
            jacobian=lambda t, y: self.jacobian(t, y, params),
            **self._second_order_form(p))
        sol = integrate(problem, self.initial_state(), t_end, method=method, dt=dt,
                        save_every=save_every, rtol=rtol, atol=atol, monitors=monitors,
                        progress=progress, max_steps=max_steps)
        snaps = [self.fields(t, y, params) for t, y in zip(sol.t, sol.y)]
        return PDESolution.from_snapshots(self.pde.domain, sol, snaps)

    def _second_order_form(self, p: list) -> dict:
        """Verlet's u'' = F(u): the velocity rows of the right-hand side (state = [u, v])."""
        if any(ev.order != 2 for ev in self.pde.evolutions):
            return {}
        velocities = [b.array for b in self.sd.blocks if b.level == 1]
        if any(r.value.has(*velocities) for r in self.sd.force_rows):
            return {}      # damping: F depends on u_t, so Verlet does not apply
        half = sum(b.array.size for b in self.sd.blocks if b.level == 0)
        mod = self.module

        def force(t, u):
            y = np.concatenate([u, np.zeros_like(u)])
            return np.asarray(mod.rhs(y, float(t), *p))[half:]
        return {"force": force}
