"""Viscous Burgers u_t + u u_x = ν u_xx against the Cole–Hopf exact solution.

With φ = a + exp(-νt) cos x (a solution of the heat equation φ_t = ν φ_xx), Cole–Hopf gives
u = -2ν φ_x / φ = 2ν exp(-νt) sin x / (a + exp(-νt) cos x), 2π-periodic, with a steep front
near x = π for a close to 1 (Cole 1951, Hopf 1950). The run compares pseudo-spectral (quadratic
nonlinearity: 3/2-rule padding, chosen automatically) and 4th-order finite differences.
"""
import numpy as np

import symbolic as sy
from common import Check, report, save_plot

NU, A, T_END = 0.05, 1.01, 2.0


def main(plot: bool = True) -> list[Check]:
    t, x = sy.symbols("t x", real=True)
    exact = 2 * NU * sy.exp(-NU * t) * sy.sin(x) / (A + sy.exp(-NU * t) * sy.cos(x))
    f = sy.lambdify((x, t), exact, "numpy")
    checks, sols = [], {}
    for disc, points, tol in (("spectral", 256, 1e-8), ("finite_difference", 512, 1e-4)):
        dom = sy.Domain(x=(0, 2 * sy.pi), points=points, periodic=True)
        u = sy.Field("u", dom)
        burgers = sy.PDE(sy.Eq(u.diff(t), -u * u.diff(x) + NU * u.diff(x, 2)),
                         initial={u: exact.subs(t, 0)})
        sim = burgers.compile(backend="numba", discretization=disc, order=4,
                              integrator="dop853")
        sol = sim.run(t_end=T_END, save_every=0.25, rtol=1e-10, atol=1e-12)
        err = max(np.abs(sol["u"][k] - f(dom.grid()[0], tk)).max() for k, tk in enumerate(sol.t))
        label = "pseudo-spectral" if disc == "spectral" else "4th-order FD"
        checks.append(Check(f"{label}, {points} points: max |u - Cole–Hopf|", err, 0.0, tol))
        sols[label] = (dom, sol)
    report(f"Viscous Burgers ν={NU}, a={A}, t in [0, {T_END:g}] (max |u| at t=0: "
           f"{NU / np.sqrt(A ** 2 - 1):.2f})", checks)
    if plot:
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 4))
        dom, sol = sols["pseudo-spectral"]
        for k in range(0, len(sol.t), 2):
            ax.plot(dom.grid()[0], sol["u"][k], label=f"t = {sol.t[k]:g}")
        ax.set_xlabel("x")
        ax.set_ylabel("u")
        ax.legend()
        save_plot(fig, "burgers")
    return checks


if __name__ == "__main__":
    main()
