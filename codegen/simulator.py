"""A compiled PDE: kernels bound to parameters, run by the runtime's time integrators."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import scipy.sparse as sps

from symbolic.sparsity import StructuredPattern

from .pde import grid_values
from .solution import PDESolution

INTEGRATORS = ("euler", "rk4", "rk45", "dop853", "verlet", "ifrk4", "etdrk4", "bdf")
EXPLICIT_FIXED_STEP = ("euler", "rk4", "verlet")


class SimulatorBase:
    """What every discretization's simulator shares: parameters, output, the run loop."""

    def __init__(self, pde, module, source: str, backend: str, integrator: str,
                 timings: dict, **options: Any):
        if integrator not in INTEGRATORS:
            raise ValueError(f"unknown integrator {integrator!r}; choose one of "
                             f"{', '.join(INTEGRATORS)}")
        self.pde, self.module, self.source, self.backend = pde, module, source, backend
        self.integrator, self.timings, self.options = integrator, timings, options

    def write(self, path: str | Path) -> Path:
        """Write the kernels as a standalone module that imports only its backend."""
        path = Path(path)
        path.write_text(self.source)
        return path

    def bind(self, params: Mapping | None) -> list:
        """Scalar parameter values in kernel-argument order."""
        params = {getattr(k, "name", k): v for k, v in (params or {}).items()}
        names = [p.name for p in self.pde.parameters]
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise KeyError(f"unknown parameter(s) {', '.join(unknown)}; the PDE's parameters "
                           f"are: {', '.join(names) or 'none'}")
        missing = [n for n in names if n not in params]
        if missing:
            raise KeyError(f"parameter '{missing[0]}' is not bound; pass params={{'{missing[0]}'"
                           f": value}} to run()")
        return [float(params[n]) for n in names]

    def grid_initial(self) -> dict:
        """Initial data of every (field, level) on the full grid."""
        return {key: grid_values(expr, self.pde.domain) for key, expr in self.pde.initial.items()}

    def ode_problem(self, p: list) -> dict:
        raise NotImplementedError

    def initial_state(self) -> np.ndarray:
        raise NotImplementedError

    def fields(self, t: float, y: np.ndarray, p: list) -> dict:
        raise NotImplementedError

    def monitor_functions(self, p: list) -> dict[str, Callable]:
        raise NotImplementedError

    def stability(self, p: list) -> dict:
        """Spectral-radius estimate of the semi-discrete system (for CFL steps and checks)."""
        raise NotImplementedError

    @property
    def name(self) -> str:
        """How messages name this system: its fields, discretization and grid."""
        names = ", ".join(str(ev.field.func) for ev in self.pde.evolutions)
        return f"PDE for {names} ({self.discretization} on a {self.pde.domain.shape} grid)"

    def run(self, t_end: float, dt: float | None = None, save_every: float | None = None,
            rtol: float = 1e-6, atol: float = 1e-9, params: Mapping | None = None,
            integrator: str | None = None, progress: bool = False,
            max_steps: int = 10 ** 7, check_cfl: bool = True,
            sharding: Any = None) -> PDESolution:
        """Integrate from t = 0 to ``t_end``, saving snapshots every ``save_every``.

        Fixed-step explicit schemes ("euler", "rk4", "verlet") without ``dt`` take a CFL step from the
        spectral-radius bound of the system; a ``dt`` beyond that stability limit raises a
        ValueError naming the limit (unless ``check_cfl=False``). A NaN in the state, a solver
        failure or an interrupt stops the run with ``status="failed"``, keeping the snapshots.

        ``sharding`` (backend "jax", integrator "rk4", a fixed ``dt``): a `jax.sharding.Sharding`
        for the state, e.g. ``NamedSharding(Mesh(jax.devices(), ("x",)), PartitionSpec("x"))``;
        the state then stays sharded on the devices and only snapshots come back to the host.
        """
        from runtime.integrate import ODEProblem, integrate
        method = integrator or self.integrator
        if method not in INTEGRATORS:
            raise ValueError(f"unknown integrator {method!r}; choose one of "
                             f"{', '.join(INTEGRATORS)}")
        p = self.bind(params)
        if sharding is not None:
            return self._run_on_devices(t_end, dt, save_every, p, method, sharding)
        form = self.ode_problem(p)
        if method == "bdf" and "jacobian" not in form and getattr(self, "kernel_set", None):
            raise NotImplementedError(f"{self.name}: {self.kernel_set.no_jacobian}")
        if method in EXPLICIT_FIXED_STEP and (check_cfl or dt is None):
            form.update(self.stability(p))
        problem = ODEProblem(**form, name=self.name)
        sol = integrate(problem, self.initial_state(), t_end, method=method, dt=dt,
                        save_every=save_every, rtol=rtol, atol=atol,
                        monitors=self.monitor_functions(p), progress=progress,
                        max_steps=max_steps, check_cfl=check_cfl)
        snaps = [self.fields(t, y, p) for t, y in zip(sol.t, sol.y)]
        return PDESolution.from_snapshots(self.pde.domain, sol, snaps)


    def _run_on_devices(self, t_end, dt, save_every, p, method, sharding) -> PDESolution:
        """RK4 with the state kept on (sharded over) JAX devices."""
        import jax
        from runtime.integrate.device import integrate_rk4_on_device
        if self.backend != "jax" or method != "rk4" or dt is None:
            raise ValueError(f"{self.name}: sharding= runs backend 'jax' with integrator 'rk4' "
                             f"and a fixed dt (got backend {self.backend!r}, integrator "
                             f"{method!r}, dt={dt}); compile with backend='jax' and pass dt")
        y0 = jax.device_put(self.initial_state(), sharding)
        rhs = self.module.rhs
        sol = integrate_rk4_on_device(lambda t, y: rhs(y, t, *p), y0, t_end, dt, save_every,
                                      self.monitor_functions(p))
        snaps = [self.fields(t, y, p) for t, y in zip(sol.t, sol.y)]
        return PDESolution.from_snapshots(self.pde.domain, sol, snaps)


class Simulator(SimulatorBase):
    """Finite differences: the state holds grid values; the Jacobian is sparse and derived."""

    discretization = "finite differences"

    def __init__(self, pde, semidiscrete, kernel_set, module, source, backend, integrator,
                 timings, **options):
        super().__init__(pde, module, source, backend, integrator, timings, **options)
        self.sd, self.kernel_set = semidiscrete, kernel_set
        self._jac_rows = self._jac_cols = None
        if kernel_set.jacobian is not None:
            self._jac_rows, self._jac_cols = StructuredPattern(
                tuple(kernel_set.jacobian_blocks), (self.sd.size, self.sd.size)).coo()
        self.size = semidiscrete.size

    def initial_state(self) -> np.ndarray:
        return self.sd.initial_state(self.grid_initial())

    def rhs(self, t: float, y: np.ndarray, params: Mapping | None = None) -> np.ndarray:
        """The semi-discrete right-hand side dy/dt at (t, y)."""
        return np.asarray(self.module.rhs(y, float(t), *self.bind(params)))

    def jacobian(self, t: float, y: np.ndarray, params: Mapping | None = None) -> sps.csr_matrix:
        """d(rhs)/dy as a sparse matrix, from the symbolically derived stencil Jacobian."""
        return self._jacobian(t, y, self.bind(params))

    def _jacobian(self, t, y, p) -> sps.csr_matrix:
        if self._jac_rows is None:
            raise NotImplementedError(f"{self.name}: {self.kernel_set.no_jacobian}")
        vals = np.asarray(self.module.jacobian(y, float(t), *p))
        return sps.csr_matrix((vals, (self._jac_rows, self._jac_cols)),
                              shape=(self.size, self.size))

    def fields(self, t: float, y: np.ndarray, p: list) -> dict:
        """Every field on the full grid (boundary nodes included) at one state."""
        flat = np.asarray(self.module.fields(y, float(t), *p))
        out = {}
        for (fld, level), off, shape in self.kernel_set.field_offsets:
            name = str(fld.func) + ("_t" if level else "")
            out[name] = flat[off:off + int(np.prod(shape))].reshape(shape)
        return out

    def monitor_functions(self, p: list) -> dict:
        mod, cast = self.module, (complex if self.sd.complex_state else float)
        return {name: (lambda t, y, k=k: cast(getattr(mod, k.name)(y, float(t), *p)))
                for name, k in self.kernel_set.monitors.items()}

    def stability(self, p: list) -> dict:
        """Gershgorin/Bendixson bounds of the derived Jacobian at the initial state.

        For a system u'' = F(u) (no velocity in F) the bound is on dF/du: omega_max.
        """
        from runtime.integrate import jacobian_spectrum
        if self._jac_rows is None:
            return {}                       # no estimate: a fixed-step run then needs dt
        y0 = self.initial_state()
        jac = self._jacobian(0.0, y0, p)
        if "force" in self.ode_problem(p):
            half = sum(b.array.size for b in self.sd.blocks if b.level == 0)
            radius, spectrum = jacobian_spectrum(jac[half:, :half], second_order=True)
        else:
            radius, spectrum = jacobian_spectrum(jac)
        return {"spectral_radius": radius, "spectrum": spectrum}

    def ode_problem(self, p: list) -> dict:
        mod = self.module
        form = {"rhs": lambda t, y: np.asarray(mod.rhs(y, float(t), *p))}
        if self._jac_rows is not None:
            form["jacobian"] = lambda t, y: self._jacobian(t, y, p)
        if all(ev.order == 2 for ev in self.pde.evolutions):
            velocities = [b.array for b in self.sd.blocks if b.level == 1]
            if not any(r.value.has(*velocities) for r in self.sd.force_rows):
                half = sum(b.array.size for b in self.sd.blocks if b.level == 0)

                def force(t, u):
                    y = np.concatenate([u, np.zeros_like(u)])
                    return np.asarray(mod.rhs(y, float(t), *p))[half:]
                form["force"] = force
        return form
