"""φ⁴ kink–antikink collisions: above v_c ≈ 0.2598 they bounce apart, well below they are captured.

u_tt = u_xx + u - u³ with a kink at -X0 moving right and an antikink at +X0 moving left,
u = tanh(γ(x + X0 - vt)/√2) - tanh(γ(x - X0 + vt)/√2) - 1 (exact while they are far apart).
The pair collides at the centre; for v > v_c it escapes to infinity, for v well below v_c it
forms a long-lived bound state (bion) — with resonance windows in between (Campbell, Schonfeld &
Wingate 1983). The run counts escaping kinks (zeros of u far from the centre) and checks energy
conservation, E = 2 (2√2/3) γ.
"""
import numpy as np

import symbolic as sy
from common import Check, report, save_plot

X0, HALF, POINTS, T_END = 8.0, 60.0, 1024, 100.0


def collide(v: float):
    t, x = sy.symbols("t x", real=True)
    dom = sy.Domain(x=(-HALF, HALF), points=POINTS, periodic=True)
    u = sy.Field("u", dom)
    g = 1 / np.sqrt(1 - v ** 2)
    pair = (sy.tanh(g * (x + X0 - v * t) / sy.sqrt(2)) - sy.tanh(g * (x - X0 + v * t) / sy.sqrt(2))
            - 1)
    phi4 = sy.PDE(sy.Eq(u.diff(t, 2), u.diff(x, 2) + u - u ** 3),
                  initial={u: pair.subs(t, 0), u.diff(t): sy.diff(pair, t).subs(t, 0)},
                  monitors={"energy": sy.integral(u.diff(t) ** 2 / 2 + u.diff(x) ** 2 / 2
                                                  + (1 - u ** 2) ** 2 / 4)})
    sim = phi4.compile(backend="numba", discretization="spectral", integrator="verlet")
    sol = sim.run(t_end=T_END, dt=0.02, save_every=0.5)
    return dom.grid()[0], sol, 2 * (2 * np.sqrt(2) / 3) * g


def kinks_outside(xs, u, radius=6.0) -> int:
    """Number of zeros of u farther than ``radius`` from the centre."""
    s = np.flatnonzero(np.sign(u[:-1]) != np.sign(u[1:]))
    return int(np.sum(np.abs(xs[s]) > radius))


def main(plot: bool = True) -> list[Check]:
    checks = []
    runs = {}
    for v, outcome in ((0.35, 2), (0.15, 0)):
        xs, sol, energy = collide(v)
        runs[v] = sol
        e = sol.monitors["energy"]
        checks += [Check(f"v = {v}: kinks escaped at t = {T_END:g} "
                         f"({'escape' if outcome else 'capture'} expected)",
                         kinks_outside(xs, sol["u"][-1]), outcome, 0),
                   Check(f"v = {v}: energy (exact 2 (2√2/3) γ)", e[0], energy, 1e-6),
                   Check(f"v = {v}: relative energy excursion (Verlet, dt = 0.02)", np.ptp(e) / e[0],
                         0.0, 1e-3)]
    report(f"φ⁴ kink–antikink collisions, {POINTS} points on [-{HALF:g}, {HALF:g}], Verlet",
           checks)
    if plot:
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
        for a, (v, sol) in zip(ax, runs.items()):
            im = a.pcolormesh(xs, sol.t, sol["u"], shading="auto", cmap="RdBu_r",
                               vmin=-1.3, vmax=1.3)
            a.set_title(f"v = {v}")
            a.set_xlabel("x")
        ax[0].set_ylabel("t")
        fig.colorbar(im, ax=ax, label="u")
        save_plot(fig, "phi4_kink_antikink")
    return checks


if __name__ == "__main__":
    main()
