"""Akhmediev breather: a plane wave's modulation grows, peaks at 1 + 2 sqrt(2 alpha), recedes.

For i u_t + u_xx/2 + |u|^2 u = 0 and 0 < alpha < 1/2,
u = [(1 - 4 alpha) cosh(b t) + sqrt(2 alpha) cos(W x) + i b sinh(b t)]
    / [sqrt(2 alpha) cos(W x) - cosh(b t)] * exp(i t),
W = 2 sqrt(1 - 2 alpha), b = sqrt(8 alpha (1 - 2 alpha)) (Akhmediev, Eleonskii & Kulagin 1987),
on one period 2 pi / W. The run starts at t = -T from the exact breather and compares with it over
[-T, T]; the growth is unstable (rounding grows like exp(b t)), which the error shows.
"""
import numpy as np

import symbolic as sy
from common import Check, report, save_plot

ALPHA, T_HALF = 0.25, 6.0


def main(plot: bool = True) -> list[Check]:
    t, x = sy.symbols("t x", real=True)
    W = 2 * sy.sqrt(1 - 2 * sy.Rational(ALPHA))
    b = sy.sqrt(8 * sy.Rational(ALPHA) * (1 - 2 * sy.Rational(ALPHA)))
    s = sy.sqrt(2 * sy.Rational(ALPHA))
    breather = ((1 - 4 * sy.Rational(ALPHA)) * sy.cosh(b * t) + s * sy.cos(W * x)
                + sy.I * b * sy.sinh(b * t)) / (s * sy.cos(W * x) - sy.cosh(b * t)) * sy.exp(sy.I * t)
    period = 2 * sy.pi / W
    dom = sy.Domain(x=(-period / 2, period / 2), points=64, periodic=True)
    u = sy.Field("u", dom, dtype=complex)
    shifted = breather.subs(t, t - T_HALF)             # the run starts at t = 0
    nls = sy.PDE(sy.Eq(sy.I * u.diff(t), -u.diff(x, 2) / 2 - sy.Abs(u) ** 2 * u),
                 initial={u: shifted.subs(t, 0)},
                 monitors={"mass": sy.integral(sy.Abs(u) ** 2)})
    sim = nls.compile(backend="numba", discretization="spectral", integrator="dop853")
    sol = sim.run(t_end=2 * T_HALF, save_every=0.1, rtol=1e-11, atol=1e-13)
    f = sy.lambdify((x, t), shifted, "numpy")
    xs = dom.grid()[0]
    err = max(np.abs(sol["u"][k] - f(xs, tk)).max() for k, tk in enumerate(sol.t))
    peak = np.abs(sol["u"]).max()
    t_peak = sol.t[np.argmax(np.abs(sol["u"]).max(axis=1))] - T_HALF
    mass0 = sol.monitors["mass"][0]
    checks = report(f"Akhmediev breather alpha={ALPHA}, t in [-{T_HALF}, {T_HALF}] "
                    f"({sol.message})", [
        Check("max |u - exact| over all snapshots", err, 0.0, 1e-9),
        Check("peak |u| (exact 1 + 2 sqrt(2 alpha))", peak, 1 + 2 * np.sqrt(2 * ALPHA), 1e-6),
        Check("time of the peak (exact 0; snapshots every 0.1)", t_peak, 0.0, 0.05),
        Check("mass drift |N(T) - N(-T)|", abs(sol.monitors["mass"][-1] - mass0), 0.0, 1e-8),
    ])
    if plot:
        save_plot(sol.plot("u"), "akhmediev_breather")
    return checks


if __name__ == "__main__":
    main()
