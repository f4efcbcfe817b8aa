"""Time integrators for semi-discrete PDEs and ODE systems y' = f(t, y) (issue 4, part 4).

`integrate(problem, y0, t_end, method=...)` runs one of

- "rk4": classical Runge–Kutta, fixed step;
- "rk45", "dop853": adaptive Dormand–Prince 5(4) and 8(5,3), SciPy's, with rtol/atol;
- "verlet": Störmer–Verlet (kick–drift–kick), symplectic, for u'' = F(t, u);
- "ifrk4", "etdrk4": integrating-factor RK4 and Cox–Matthews ETDRK4 (Kassam–Trefethen contour
  coefficients) for y' = L*y + N(t, y) with diagonal L;
- "bdf": SciPy's adaptive BDF with a sparse Jacobian, or fixed-step BDF2 with sparse Newton,

on an `ODEProblem` of plain callables on NumPy arrays, and returns a `Solution` (snapshots,
monitors, status, counters). `suggest_dt` gives CFL-based steps for the explicit schemes.
This package never imports SymPy, `symbolic` or `codegen` (DESIGN.md).
"""
from .api import METHODS, integrate
from .cfl import jacobian_spectrum, stability_limit, suggest_dt
from .exponential import etdrk4_coefficients
from .jacobian import ColouredJacobian, column_colouring
from .problem import ODEProblem
from .solution import IntegrationStats, Solution

__all__ = ["METHODS", "ColouredJacobian", "IntegrationStats", "ODEProblem", "Solution",
           "column_colouring", "etdrk4_coefficients", "integrate", "jacobian_spectrum",
           "stability_limit", "suggest_dt"]
