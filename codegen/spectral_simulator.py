"""A compiled pseudo-spectral PDE: state in Fourier space, L diagonal, N through FFTs."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sps

from .simulator import SimulatorBase


class SpectralSimulator(SimulatorBase):
    """Runs a pseudo-spectral discretization; snapshots are transformed back to the grid."""

    discretization = "Fourier pseudo-spectral"

    def __init__(self, pde, plan, module, source, backend, integrator, monitors, timings,
                 **options):
        super().__init__(pde, module, source, backend, integrator, timings, **options)
        self.plan, self.monitor_kernels = plan, monitors

    def initial_state(self) -> np.ndarray:
        grids = self.grid_initial()
        parts = []
        for level in range(self.plan.levels):
            for ev in self.plan.evolutions:
                spec = np.fft.fftn(np.asarray(grids[(ev.field, level)], dtype=complex)).ravel()
                real = ev.field.dtype is not complex
                parts.append(np.asarray(self.module.hermitian(spec)) if real else spec)
        return np.concatenate(parts)

    def rhs(self, t: float, y: np.ndarray, params=None) -> np.ndarray:
        """dy/dt of the Fourier coefficients."""
        return np.asarray(self.module.rhs(y, float(t), *self.bind(params)))

    def fields(self, t: float, y: np.ndarray, p: list) -> dict:
        arrays = self.module.fields(y)
        out = {}
        for k, arr in enumerate(arrays):
            ev = self.plan.evolutions[k % len(self.plan.evolutions)]
            name = str(ev.field.func) + ("_t" if k >= len(self.plan.evolutions) else "")
            arr = np.asarray(arr)
            out[name] = arr if ev.field.dtype is complex else arr.real
        return out

    def monitor_functions(self, p: list) -> dict:
        mod, cast = self.module, (complex if self.plan.complex_fields else float)
        return {name: (lambda t, y, k=k: cast(getattr(mod, k.name)(
                    np.asarray(mod.physical_terms(y)), float(t), *p)))
                for name, k in self.monitor_kernels.items()}

    def stability(self, p: list) -> dict:
        """Spectral radius of the linear part L (exact: L is diagonal in Fourier space).

        The nonlinear part is not included; for u'' = L u + N(u) the result is omega_max.
        """
        from runtime.integrate import jacobian_spectrum
        lin = sps.diags(np.asarray(self.module.LINEAR))
        radius, spectrum = jacobian_spectrum(lin, second_order=self.plan.levels == 2)
        return {"spectral_radius": radius, "spectrum": spectrum}

    def ode_problem(self, p: list) -> dict:
        mod = self.module
        form = {"rhs": lambda t, y: np.asarray(mod.rhs(y, float(t), *p))}
        if self.plan.levels == 1:
            form["linear"] = np.asarray(mod.LINEAR)
            form["nonlinear"] = lambda t, y: np.asarray(mod.nonlinear(y, float(t), *p))
        elif not any(t.level for t in self.plan.split.terms.values()):
            def force(t, u):
                y = np.concatenate([u, np.zeros_like(u)])
                return np.asarray(mod.LINEAR) * u + np.asarray(mod.nonlinear(y, float(t), *p))
            form["force"] = force
        return form
