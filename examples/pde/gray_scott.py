"""Gray–Scott reaction–diffusion: self-replicating spots, with the kinetics checked against SciPy.

u_t = Du Δu - u v² + F (1 - u),  v_t = Dv Δv + u v² - (F + k) v  (Pearson, Science 261, 1993),
two fields on a periodic square, finite differences, the feed F and kill k as run-time
parameters (new values never recompile). Checks: (1) from uniform data the PDE reduces to the
kinetics ODE — compared with `scipy.integrate.solve_ivp`; (2) the trivial state (1, 0) is
stable: a small uniform v decays at the rate -(F + k) of the linearization;
(3) from one square seed, spots form and replicate (a picture; the count is printed).
"""
import numpy as np
from scipy.integrate import solve_ivp
from scipy.ndimage import label

import symbolic as sy
from common import Check, report, save_plot

DU, DV, POINTS = 0.16, 0.08, 128
PARAMS = {"F": 0.035, "k": 0.065}


def model(initial_u, initial_v):
    t, x, y = sy.symbols("t x y", real=True)
    dom = sy.Domain(x=(0, POINTS), y=(0, POINTS), points=(POINTS, POINTS), periodic=True)
    u, v = sy.Field("u", dom), sy.Field("v", dom)
    F, k = sy.Parameter("F"), sy.Parameter("k")
    lap = lambda f: f.diff(x, 2) + f.diff(y, 2)          # noqa: E731
    pde = sy.PDE(sy.Eq(u.diff(t), DU * lap(u) - u * v ** 2 + F * (1 - u)),
                 sy.Eq(v.diff(t), DV * lap(v) + u * v ** 2 - (F + k) * v),
                 initial={u: initial_u, v: initial_v},
                 monitors={"mean_v": sy.integral(v) / POINTS ** 2})
    return dom, pde.compile(backend="numba", discretization="finite_difference")


def main(plot: bool = True) -> list[Check]:
    F, k = PARAMS["F"], PARAMS["k"]
    # (1) uniform data: the kinetics ODE
    _, uniform = model(0.5, 0.25)
    sol = uniform.run(t_end=50.0, save_every=10.0, integrator="dop853", rtol=1e-10,
                      atol=1e-12, params=PARAMS)
    ode = solve_ivp(lambda t, z: [-z[0] * z[1] ** 2 + F * (1 - z[0]),
                                  z[0] * z[1] ** 2 - (F + k) * z[1]],
                    (0, 50.0), [0.5, 0.25], rtol=1e-11, atol=1e-13, t_eval=sol.t)
    kinetics = np.abs(sol.monitors["mean_v"] - ode.y[1]).max()
    # (2) stability of (1, 0): v decays like exp(-(F + k) t)
    _, trivial = model(1.0, 1e-8)
    dec = trivial.run(t_end=20.0, save_every=20.0, integrator="dop853", rtol=1e-10,
                      atol=1e-22, params=PARAMS)
    rate = np.log(dec.monitors["mean_v"][-1] / dec.monitors["mean_v"][0]) / 20.0
    # (3) patterns from one seed: RK4 at the derived CFL step
    X, Y = np.meshgrid(np.arange(POINTS), np.arange(POINTS), indexing="ij")
    seed = (np.abs(X - POINTS / 2) < 8) & (np.abs(Y - POINTS / 2) < 8)
    rng = np.random.default_rng(0)
    dom, spots = model(np.where(seed, 0.5, 1.0),
                       np.where(seed, 0.25, 0.0) + 0.01 * rng.random((POINTS, POINTS)))
    pattern = spots.run(t_end=3000.0, save_every=500.0, integrator="rk4", params=PARAMS)
    counts = [label(frame > 0.2)[1] for frame in pattern["v"]]
    print(f"  spots (connected regions with v > 0.2) at t = {pattern.t.tolist()}: {counts} "
          f"({pattern.message})")
    checks = report(f"Gray–Scott F={F}, k={k}, {POINTS}x{POINTS} periodic", [
        Check("uniform data: max |mean v - ODE (solve_ivp)|", kinetics, 0.0, 1e-8),
        Check("trivial state: decay rate of v (exact -(F + k))", rate, -(F + k), 1e-6),
        Check("spots replicate: count at the end > 4", min(counts[-1], 5), 5, 0),
    ])
    if plot:
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(5, 4))
        im = ax.pcolormesh(*dom.grid(), pattern["v"][-1].T, shading="auto")
        ax.set_aspect("equal")
        ax.set_title(f"v at t = {pattern.t[-1]:g}")
        fig.colorbar(im, ax=ax)
        save_plot(fig, "gray_scott")
    return checks


if __name__ == "__main__":
    main()
