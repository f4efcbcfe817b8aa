"""Compiled PDEs run to closed-form solutions; invariants are conserved; backends agree."""
import numpy as np
import pytest

import symbolic as sy

t, x = sy.symbols("t x", real=True)


@pytest.fixture(scope="module")
def nls():
    dom = sy.Domain(x=(-40, 40), points=512, periodic=True)
    u = sy.Field("u", dom, dtype=complex)
    return dom, sy.PDE(sy.Eq(sy.I * u.diff(t), -u.diff(x, 2) / 2 - sy.Abs(u) ** 2 * u),
                       initial={u: sy.sech(x) * sy.exp(sy.I * x)},
                       monitors={"mass": sy.integral(sy.Abs(u) ** 2)})


@pytest.mark.parametrize("backend,integrator,kw", [
    ("numba", "dop853", dict(rtol=1e-10, atol=1e-12)),
    ("numpy", "etdrk4", dict(dt=0.005)),
    ("jax", "ifrk4", dict(dt=0.002)),
])
def test_nls_soliton_against_exact_solution(nls, backend, integrator, kw):
    """u = sech(x - t) exp(i x) (a = c = 1) stays a soliton; mass N = 2a is conserved."""
    dom, pde = nls
    sim = pde.compile(backend=backend, discretization="spectral", integrator=integrator)
    sol = sim.run(t_end=3.0, save_every=1.0, **kw)
    assert sol.status == "success"
    xs = dom.grid()[0]
    for k, tk in enumerate(sol.t):
        exact = np.exp(1j * xs) / np.cosh(xs - tk)
        assert np.abs(sol["u"][k] - exact).max() < 1e-8
    assert np.abs(sol.monitors["mass"] - 2.0).max() < 1e-10


def test_heat_finite_differences_with_bdf_against_exact():
    """u_t = u_xx, u(0) = u(1) = 0, u = exp(-pi^2 t) sin(pi x)."""
    dom = sy.Domain(x=(0, 1), points=41, periodic=False)
    u = sy.Field("u", dom)
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)), initial={u: sy.sin(sy.pi * x)},
                 bcs=[sy.Eq(u.at(x=0), 0), sy.Eq(u.at(x=1), 0)])
    sim = pde.compile(backend="numba", discretization="finite_difference", order=4,
                      integrator="bdf")
    sol = sim.run(t_end=0.1, save_every=0.05, rtol=1e-8, atol=1e-10)
    exact = np.exp(-np.pi ** 2 * 0.1) * np.sin(np.pi * dom.grid()[0])
    assert sol.status == "success" and np.abs(sol["u"][-1] - exact).max() < 1e-5
    assert sol["u"][-1][0] == 0 and sol["u"][-1][-1] == 0


def test_sine_gordon_breather_with_verlet_energy_bounded():
    """Breather of u_tt = u_xx - sin u; energy 16 sqrt(1 - w^2) is kept without drift."""
    w = 0.5
    dom = sy.Domain(x=(-30, 30), points=256, periodic=True)
    u = sy.Field("u", dom)
    s = sy.sqrt(1 - w ** 2)
    exact = 4 * sy.atan(s / w * sy.sin(w * t) / sy.cosh(s * x))
    energy = sy.integral(u.diff(t) ** 2 / 2 + u.diff(x) ** 2 / 2 + 1 - sy.cos(u))
    pde = sy.PDE(sy.Eq(u.diff(t, 2), u.diff(x, 2) - sy.sin(u)),
                 initial={u: exact.subs(t, 0), u.diff(t): sy.diff(exact, t).subs(t, 0)},
                 monitors={"energy": energy})
    sim = pde.compile(backend="numba", discretization="spectral", integrator="verlet")
    sol = sim.run(t_end=20.0, dt=0.01, save_every=2.0)
    E = sol.monitors["energy"]
    assert abs(E[0] - 16 * np.sqrt(1 - w ** 2)) < 1e-6
    assert np.abs(E - E[0]).max() < 1e-3
    f = sy.lambdify(x, exact.subs(t, sol.t[-1]))
    assert np.abs(sol["u"][-1] - f(dom.grid()[0])).max() < 5e-3     # O(dt^2) phase error


def test_heat_finite_differences_with_euler_first_order_and_cfl():
    """u_t = u_xx periodic on [0, 1), u(0) = sin(2 pi x): the semi-discrete solution is
    exp(lam t) sin(2 pi x), lam = -(2 - 2 cos(2 pi h))/h^2, so the error is Euler's alone."""
    dom = sy.Domain(x=(0, 1), points=32, periodic=True)
    u = sy.Field("u", dom)
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)), initial={u: sy.sin(2 * sy.pi * x)})
    sim = pde.compile(backend="numba", discretization="finite_difference", order=2,
                      integrator="euler")
    h = 1 / 32
    lam = -(2 - 2 * np.cos(2 * np.pi * h)) / h ** 2
    exact = np.exp(lam * 0.05) * np.sin(2 * np.pi * dom.grid()[0])
    limit = 2 / (4 / h ** 2)                    # Euler: 2 / spectral radius (4/h^2)
    errors = []
    for dt in (limit / 2, limit / 4, limit / 8):
        sol = sim.run(t_end=0.05, dt=dt)
        assert sol.status == "success"
        errors.append(np.abs(sol["u"][-1] - exact).max())
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 1.0) < 0.1), orders
    with pytest.raises(ValueError, match=r"exceeds the stability \(CFL\) limit .* of euler"):
        sim.run(t_end=0.05, dt=1.1 * limit)
