"""Sine-Gordon breather: u_tt = u_xx - sin u, Störmer–Verlet against RK4 over a long run.

u = 4 atan[(√(1-ω²)/ω) sin(ωt) / cosh(√(1-ω²) x)] is an exact breather with energy
E = ∫ u_t²/2 + u_x²/2 + 1 - cos u dx = 16√(1-ω²). With the same step, Verlet's energy error stays
bounded, O(dt²), with no secular growth (it is symplectic), while RK4's, though smaller at this
step, grows linearly in time; the run prints both, and the error against the closed form.
"""
import numpy as np

import symbolic as sy
from common import Check, report, save_plot

OMEGA, T_END, DT = 0.5, 200.0, 0.05


def secular(sol) -> float:
    """|slope of the least-squares line through E(t) - E(0)| * T, relative to max |E - E(0)|."""
    de = sol.monitors["energy"] - sol.monitors["energy"][0]
    return abs(np.polyfit(sol.t, de, 1)[0]) * sol.t[-1] / np.abs(de).max()


def main(plot: bool = True) -> list[Check]:
    t, x = sy.symbols("t x", real=True)
    dom = sy.Domain(x=(-30, 30), points=256, periodic=True)
    u = sy.Field("u", dom)
    s = sy.sqrt(1 - sy.Float(OMEGA) ** 2)
    exact = 4 * sy.atan(s / OMEGA * sy.sin(OMEGA * t) / sy.cosh(s * x))
    sg = sy.PDE(sy.Eq(u.diff(t, 2), u.diff(x, 2) - sy.sin(u)),
                initial={u: exact.subs(t, 0), u.diff(t): sy.diff(exact, t).subs(t, 0)},
                monitors={"energy": sy.integral(u.diff(t) ** 2 / 2 + u.diff(x) ** 2 / 2
                                                + 1 - sy.cos(u))})
    sim = sg.compile(backend="numba", discretization="spectral", integrator="verlet")
    verlet = sim.run(t_end=T_END, dt=DT, save_every=1.0)
    fine = sim.run(t_end=T_END, dt=DT / 2, save_every=1.0)
    rk4 = sim.run(t_end=T_END, dt=DT, save_every=1.0, integrator="rk4")
    e_exact = 16 * np.sqrt(1 - OMEGA ** 2)
    ev, er = verlet.monitors["energy"], rk4.monitors["energy"]
    half = len(ev) // 2
    excursion = np.abs(ev - ev[0])
    f = sy.lambdify(x, exact.subs(t, 10.0))
    k10 = int(np.argmin(np.abs(verlet.t - 10.0)))
    checks = report(f"Sine-Gordon breather ω={OMEGA}, 256 points, dt={DT}, T={T_END}", [
        Check("energy at t = 0 (exact 16√(1-ω²))", ev[0], e_exact, 1e-8),
        Check("Verlet: max|E-E0| 2nd half / 1st half (bounded)",
              excursion[half:].max() / excursion[:half].max(), 1.0, 0.05),
        Check("Verlet: fitted drift over [0, T] / max|E-E0|", secular(verlet), 0.0, 0.05),
        Check("RK4: fitted drift over [0, T] / max|E-E0|", secular(rk4), 1.0, 0.2),
        Check("Verlet: max|E-E0| at dt / at dt/2 (O(dt²))",
              excursion.max() / np.abs(fine.monitors["energy"] - ev[0]).max(), 4.0, 0.1),
        Check("Verlet: max |u - exact| at t = 10 (O(dt²) phase)",
              np.abs(verlet["u"][k10] - f(dom.grid()[0])).max(), 0.0, 1e-2),
    ])
    if plot:
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.semilogy(verlet.t[1:], np.abs(ev[1:] - ev[0]), label="Verlet")
        ax.semilogy(rk4.t[1:], np.abs(er[1:] - er[0]), label="RK4")
        ax.set_xlabel("t")
        ax.set_ylabel("|E(t) - E(0)|")
        ax.legend()
        save_plot(fig, "sine_gordon_breather")
    return checks


if __name__ == "__main__":
    main()
