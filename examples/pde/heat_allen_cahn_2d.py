"""2D finite differences: heat equation against its exact solution, Allen–Cahn mean-curvature flow.

1. u_t = u_xx + u_yy on the unit square, u = 0 on the boundary, u(0) = sin(πx) sin(2πy):
   exactly exp(-5π² t) u(0). Second-order differences, BDF with the derived sparse Jacobian.
2. Allen–Cahn u_t = ε² Δu + u - u³ on a periodic square, starting from a disc of radius R0
   (u = tanh((R0 - r)/(√2 ε))). In the sharp-interface limit the interface moves by mean
   curvature, V = -ε²/R, so R² = R0² - 2ε² t (Allen & Cahn 1979). RK4 at the CFL step that
   sympile derives from the Jacobian's spectral radius; the radius is measured from the area
   where u > 0.
"""
import numpy as np

import symbolic as sy
from common import Check, report, save_plot

EPS, R0, POINTS, T_END = 0.04, 0.6, 128, 40.0


def heat() -> Check:
    t, x, y = sy.symbols("t x y", real=True)
    dom = sy.Domain(x=(0, 1), y=(0, 1), points=(65, 65), periodic=False)
    u = sy.Field("u", dom)
    walls = [sy.Eq(u.at(x=0), 0), sy.Eq(u.at(x=1), 0), sy.Eq(u.at(y=0), 0), sy.Eq(u.at(y=1), 0)]
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2) + u.diff(y, 2)),
                 initial={u: sy.sin(sy.pi * x) * sy.sin(2 * sy.pi * y)}, bcs=walls)
    sol = pde.compile(backend="numba", integrator="bdf").run(t_end=0.02, rtol=1e-8, atol=1e-10)
    X, Y = dom.mesh()
    exact = np.exp(-5 * np.pi ** 2 * 0.02) * np.sin(np.pi * X) * np.sin(2 * np.pi * Y)
    rel = np.abs(sol["u"][-1] - exact).max() / np.abs(exact).max()
    print(f"  heat 65x65, BDF: {sol.message}, {sol.stats['lu_factorizations']} LU factorizations")
    return Check("heat: max relative error at t = 0.02 (O(h²) ≈ 1e-3)", rel, 0.0, 2e-3)


def allen_cahn(plot: bool) -> list[Check]:
    t, x, y = sy.symbols("t x y", real=True)
    dom = sy.Domain(x=(-1, 1), y=(-1, 1), points=(POINTS, POINTS), periodic=True)
    u = sy.Field("u", dom)
    disc = sy.tanh((R0 - sy.sqrt(x ** 2 + y ** 2)) / (sy.sqrt(2) * EPS))
    ac = sy.PDE(sy.Eq(u.diff(t), EPS ** 2 * (u.diff(x, 2) + u.diff(y, 2)) + u - u ** 3),
                initial={u: disc})
    sim = ac.compile(backend="numba", discretization="finite_difference", integrator="rk4")
    sol = sim.run(t_end=T_END, save_every=4.0)
    cell = (2 / POINTS) ** 2
    radius2 = np.array([np.sum(f > 0) * cell / np.pi for f in sol["u"]])
    slope = np.polyfit(sol.t[1:], radius2[1:], 1)[0]
    print(f"  Allen–Cahn {POINTS}x{POINTS}, RK4: {sol.message} (CFL step {T_END / sol.stats['steps']:.3g})")
    if plot:
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(1, 2, figsize=(11, 4))
        ax[0].plot(sol.t, radius2, "o", label="measured R²")
        ax[0].plot(sol.t, R0 ** 2 - 2 * EPS ** 2 * sol.t, "-", label="R0² - 2ε² t")
        ax[0].set_xlabel("t")
        ax[0].legend()
        im = ax[1].pcolormesh(*dom.grid(), sol["u"][-1].T, shading="auto", cmap="RdBu_r")
        ax[1].set_aspect("equal")
        ax[1].set_title(f"u at t = {T_END:g}")
        fig.colorbar(im, ax=ax[1])
        save_plot(fig, "allen_cahn_2d")
    return [Check("Allen–Cahn: d(R²)/dt (sharp interface: -2ε²)", slope, -2 * EPS ** 2,
                  0.02 * 2 * EPS ** 2)]


def main(plot: bool = True) -> list[Check]:
    print("2D finite differences")
    return report("checks", [heat(), *allen_cahn(plot)])


if __name__ == "__main__":
    main()
