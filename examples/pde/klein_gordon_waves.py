"""Linear Klein–Gordon waves u_tt = u_xx - m^2 u: each Fourier mode oscillates at sqrt(k^2 + m^2).

A sum of standing waves cos(k_j x) evolves as sum_j cos(k_j x) cos(w_j t) with the dispersion
relation w_j^2 = k_j^2 + m^2. Störmer–Verlet (the default step is the CFL step from the
derived spectral radius) advances the pseudo-spectral system; each mode's frequency is measured
from the zero crossings of its amplitude and printed against the dispersion relation, with
Verlet's own phase error sin(w h/2) = w_h h/2 for comparison.
"""
import numpy as np

import symbolic as sy
from common import Check, report, save_plot

MASS, LENGTH, POINTS, MODES, T_END, DT = 1.0, 2 * np.pi * 4, 128, (1, 4, 8, 16), 40.0, 0.01


def zero_crossing_frequency(t, a):
    """Angular frequency from the first and last zero crossings (linear interpolation)."""
    s = np.flatnonzero(np.sign(a[:-1]) != np.sign(a[1:]))
    roots = t[s] - a[s] * (t[s + 1] - t[s]) / (a[s + 1] - a[s])
    return np.pi * (len(roots) - 1) / (roots[-1] - roots[0])


def main(plot: bool = True) -> list[Check]:
    t, x = sy.symbols("t x", real=True)
    dom = sy.Domain(x=(0, LENGTH), points=POINTS, periodic=True)
    u = sy.Field("u", dom)
    ks = [2 * np.pi * n / LENGTH for n in MODES]
    kg = sy.PDE(sy.Eq(u.diff(t, 2), u.diff(x, 2) - MASS ** 2 * u),
                initial={u: sum(sy.cos(sy.Float(k) * x) for k in ks), u.diff(t): 0},
                monitors={"energy": sy.integral(u.diff(t) ** 2 / 2 + u.diff(x) ** 2 / 2
                                                + MASS ** 2 * u ** 2 / 2)})
    sim = kg.compile(backend="numba", discretization="spectral", integrator="verlet")
    sol = sim.run(t_end=T_END, dt=DT, save_every=DT * 5)
    coeffs = np.fft.rfft(sol["u"], axis=1).real * 2 / POINTS
    checks = []
    for n, k in zip(MODES, ks):
        w = np.sqrt(k ** 2 + MASS ** 2)
        w_verlet = 2 / DT * np.arcsin(w * DT / 2)
        measured = zero_crossing_frequency(sol.t, coeffs[:, n])
        checks.append(Check(f"w(k = {k:.3f}) (theory sqrt(k^2 + m^2) = {w:.5f})", measured,
                            w_verlet, 1e-5 * w))
    e = sol.monitors["energy"]
    checks.append(Check("relative energy excursion (Verlet: bounded)", np.ptp(e) / e[0], 0.0,
                        1e-3))
    report(f"Klein–Gordon m={MASS}, {POINTS} points, Verlet dt={DT} ({sol.message})", checks)
    if plot:
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 4))
        kk = np.linspace(0, max(ks) * 1.1, 200)
        ax.plot(kk, np.sqrt(kk ** 2 + MASS ** 2), label="sqrt(k^2 + m^2)")
        ax.plot(ks, [c.value for c in checks[:-1]], "o", label="measured")
        ax.set_xlabel("k")
        ax.set_ylabel("w")
        ax.legend()
        save_plot(fig, "klein_gordon_waves")
    return checks


if __name__ == "__main__":
    main()
