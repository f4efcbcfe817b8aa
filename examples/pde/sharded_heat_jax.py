"""2D heat equation with the grid sharded over 4 (CPU) devices through JAX.

u_t = u_xx + u_yy on the unit square, u = 0 on the boundary, u(0) = sin(πx) sin(2πy): exactly
exp(-5π² t) u(0). The JAX kernels are compiled once; `run(sharding=...)` places the state on a
device mesh and RK4 steps run jitted there, the state never leaving its devices between
snapshots. On one machine the devices are simulated with
XLA_FLAGS=--xla_force_host_platform_device_count=4 (set below if unset); on a GPU cluster the
same code shards over real devices.
Run: python examples/pde/sharded_heat_jax.py
"""
import os

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")

import jax  # noqa: E402
import numpy as np  # noqa: E402
from jax.sharding import Mesh, NamedSharding, PartitionSpec  # noqa: E402

import symbolic as sy  # noqa: E402
from common import Check, report, save_plot  # noqa: E402

T_END, DT = 0.01, 2.5e-5


def main(plot: bool = True) -> list[Check]:
    t, x, y = sy.symbols("t x y", real=True)
    dom = sy.Domain(x=(0, 1), y=(0, 1), points=(66, 66), periodic=False)
    u = sy.Field("u", dom)
    walls = [sy.Eq(u.at(x=0), 0), sy.Eq(u.at(x=1), 0), sy.Eq(u.at(y=0), 0), sy.Eq(u.at(y=1), 0)]
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2) + u.diff(y, 2)),
                 initial={u: sy.sin(sy.pi * x) * sy.sin(2 * sy.pi * y)}, bcs=walls)
    sim = pde.compile(backend="jax", discretization="finite_difference", integrator="rk4")
    devices = jax.devices()
    sharding = NamedSharding(Mesh(np.array(devices), ("grid",)), PartitionSpec("grid"))
    sol = sim.run(t_end=T_END, dt=DT, save_every=T_END / 2, sharding=sharding)
    host = sim.run(t_end=T_END, dt=DT, save_every=T_END / 2)
    X, Y = dom.mesh()
    exact = np.exp(-5 * np.pi ** 2 * T_END) * np.sin(np.pi * X) * np.sin(2 * np.pi * Y)
    print(f"  {len(devices)} devices, state of {sim.size} values sharded as {sharding.spec}; "
          f"{sol.message or sol.status}")
    if plot:
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(5, 4))
        image = ax.pcolormesh(X, Y, sol["u"][-1] - exact, shading="auto", cmap="RdBu_r")
        fig.colorbar(image, label="u - exact")
        ax.set(title=f"2D heat at t = {T_END}, sharded over {len(devices)} devices",
               xlabel="x", ylabel="y")
        save_plot(fig, "sharded_heat_jax")
    return report("2D heat equation, grid sharded over JAX devices", [
        Check("max relative error vs exact (O(h²) ≈ 1e-3)",
              np.abs(sol["u"][-1] - exact).max() / np.abs(exact).max(), 0.0, 2e-3),
        Check("max |sharded - unsharded run|", np.abs(sol["u"][-1] - host["u"][-1]).max(),
              0.0, 1e-12),
    ])


if __name__ == "__main__":
    main()
