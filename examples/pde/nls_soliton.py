"""NLS bright soliton: i u_t + u_xx/2 + |u|^2 u = 0, pseudo-spectral in x, DOP853 in time.

u = a sech(a(x - x0 - c t)) exp(i[c(x - x0) + (a^2 - c^2) t/2]) travels unchanged; its mass
N = 2a, momentum P = 2ac and energy H = ac^2 - a^3/3 are invariants. The run prints the largest
error against this closed form over t in [0, 10] and the drift of the invariants.
"""
import numpy as np

import symbolic as sy
from common import Check, report, save_plot

A, C, X0, T_END = 1.0, 1.0, -5.0, 10.0


def main(plot: bool = True) -> list[Check]:
    t, x = sy.symbols("t x", real=True)
    dom = sy.Domain(x=(-40, 40), points=512, periodic=True)
    u = sy.Field("u", dom, dtype=complex)
    exact = A * sy.sech(A * (x - X0 - C * t)) * sy.exp(
        sy.I * (C * (x - X0) + (A ** 2 - C ** 2) * t / 2))
    nls = sy.PDE(sy.Eq(sy.I * u.diff(t), -u.diff(x, 2) / 2 - sy.Abs(u) ** 2 * u),
                 initial={u: exact.subs(t, 0)},
                 monitors={"mass": sy.integral(sy.Abs(u) ** 2),
                           "momentum": sy.integral(sy.im(sy.conjugate(u) * u.diff(x))),
                           "energy": sy.integral(sy.Abs(u.diff(x)) ** 2 / 2
                                                 - sy.Abs(u) ** 4 / 2)})
    sim = nls.compile(backend="numba", discretization="spectral", integrator="dop853")
    sol = sim.run(t_end=T_END, save_every=0.5, rtol=1e-10, atol=1e-12)
    f = sy.lambdify((x, t), exact, "numpy")
    xs = dom.grid()[0]
    err = max(np.abs(sol["u"][k] - f(xs, tk)).max() for k, tk in enumerate(sol.t))
    m = sol.monitors
    checks = report(f"NLS soliton a={A}, c={C}, N=512, T={T_END} ({sol.message}; "
                    f"{sol.stats['rhs_evaluations']} RHS evaluations)", [
        Check("max |u - exact| over all snapshots", err, 0.0, 1e-8),
        Check("mass N at t = T (exact 2a)", m["mass"][-1], 2 * A, 1e-10),
        Check("momentum P at t = T (exact 2ac)", m["momentum"][-1], 2 * A * C, 1e-9),
        Check("energy H at t = T (exact ac^2 - a^3/3)", m["energy"][-1],
              A * C ** 2 - A ** 3 / 3, 1e-9),
    ])
    if plot:
        save_plot(sol.plot("u"), "nls_soliton")
    return checks


if __name__ == "__main__":
    main()
