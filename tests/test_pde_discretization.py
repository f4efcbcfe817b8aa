"""Spatial discretizations against closed forms: orders of accuracy, Jacobians, backends."""
import numpy as np
import pytest

import symbolic as sy
from conftest import fd_jacobian

t, x, y = sy.symbols("t x y", real=True)


def heat_dirichlet(points, order):
    dom = sy.Domain(x=(0, 1), points=points, periodic=False)
    u = sy.Field("u", dom)
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2) + sy.sin(u)), initial={u: sy.sin(sy.pi * x)},
                 bcs=[sy.Eq(u.at(x=0), 0), sy.Eq(u.diff(x).at(x=1) + u.at(x=1), -sy.pi)])
    return pde.compile(backend="numpy", discretization="finite_difference", order=order)


@pytest.mark.parametrize("order", [2, 4])
def test_finite_difference_order_of_accuracy(order):
    """RHS error of sin(pi x) (which satisfies both boundary conditions) falls like h^order."""
    errors = []
    for n in (21, 41, 81):
        sim = heat_dirichlet(n, order)
        y0 = sim.initial_state()
        xs = np.linspace(0, 1, n)[1:-1]
        exact = -np.pi ** 2 * np.sin(np.pi * xs) + np.sin(np.sin(np.pi * xs))
        errors.append(np.abs(sim.rhs(0.0, y0) - exact).max())
    rates = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert rates.min() > order - 0.3, (errors, rates)


def test_derived_jacobian_matches_finite_differences(rng):
    sim = heat_dirichlet(15, 4)
    y0 = sim.initial_state() + 0.1 * rng.standard_normal(13)
    J = sim.jacobian(0.0, y0).toarray()
    np.testing.assert_allclose(J, fd_jacobian(lambda z: sim.rhs(0.0, z), y0), atol=1e-5)


def test_periodic_2d_laplacian_backends_agree(rng):
    dom = sy.Domain(x=(0, 2 * sy.pi), y=(0, 2 * sy.pi), points=(24, 20), periodic=True)
    u = sy.Field("u", dom)
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2) + u.diff(y, 2) + u - u ** 3),
                 initial={u: sy.sin(x) * sy.cos(2 * y)})
    sims = {b: pde.compile(backend=b, discretization="finite_difference", order=4)
            for b in ("numpy", "numba", "jax")}
    y0 = sims["numpy"].initial_state()
    X, Y = dom.mesh()
    s = np.sin(X) * np.cos(2 * Y)
    exact = (-5 * s + s - s ** 3).ravel()
    ref = sims["numpy"].rhs(0.0, y0)
    assert np.abs(ref - exact).max() < 1e-2     # (k h)^4 k^2 / 90 for cos(2y) at h = 2 pi / 20
    for b in ("numba", "jax"):
        np.testing.assert_allclose(sims[b].rhs(0.0, y0), ref, rtol=1e-12, atol=1e-12)


def test_spectral_rhs_of_nls_is_spectrally_accurate():
    dom = sy.Domain(x=(-20, 20), points=256, periodic=True)
    u = sy.Field("u", dom, dtype=complex)
    nls = sy.PDE(sy.Eq(sy.I * u.diff(t), -u.diff(x, 2) / 2 - sy.Abs(u) ** 2 * u),
                 initial={u: sy.sech(x) * sy.exp(sy.I * x)})
    sim = nls.compile(backend="numpy", discretization="spectral")
    assert sim.plan.padded == (512,)          # cubic nonlinearity: padded to 2N
    xs = dom.grid()[0]
    X = sy.Symbol("X", real=True)
    uxx = sy.lambdify(X, sy.diff(sy.sech(X) * sy.exp(sy.I * X), X, 2))(xs)
    uu = np.exp(1j * xs) / np.cosh(xs)
    exact = 0.5j * uxx + 1j * np.abs(uu) ** 2 * uu
    assert np.abs(np.fft.ifft(sim.rhs(0.0, sim.initial_state())) - exact).max() < 1e-6


def test_spectral_split_separates_linear_part():
    from symbolic.pde.spectral import spectral_split
    dom = sy.Domain(x=(0, 2 * sy.pi), points=32, periodic=True)
    u = sy.Field("u", dom)
    pde = sy.PDE(sy.Eq(u.diff(t), 0.1 * u.diff(x, 2) - u * u.diff(x) + 2 * u),
                 initial={u: sy.sin(x)})
    split = spectral_split(pde)
    k = sy.Symbol("_k0", real=True)
    assert sy.simplify(split.linear[u] - (-0.1 * k ** 2 + 2)) == 0
    assert split.degree == 2
