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
    # backends are compared here, not simplifications: CSE only keeps the test lean
    sims = {b: pde.compile(backend=b, discretization="finite_difference", order=4,
                           simplify="cse")
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


def beam_rhs_error(n: int, order: int, kind: str) -> float:
    """u_t = -u_xxxx with two conditions per end: clamped (u = u_x = 0) or hinged (u = u_xx = 0)."""
    dom = sy.Domain(x=(0, 1), points=n + 1, periodic=False)
    u = sy.Field("u", dom)
    second = 1 if kind == "clamped" else 2
    exact = sy.sin(sy.pi * x) ** 2 if kind == "clamped" else sy.sin(sy.pi * x)
    bcs = [c for end in (0, 1) for c in (sy.Eq(u.at(x=end), 0),
                                         sy.Eq(u.diff(x, second).at(x=end), 0))]
    sim = sy.PDE(sy.Eq(u.diff(t), -u.diff(x, 4)), initial={u: exact}, bcs=bcs).compile(order=order)
    assert sim.size == n - 3                          # two nodes eliminated at each end
    ref = sy.lambdify(x, -sy.diff(exact, x, 4))(dom.grid()[0])[2:-2]
    return np.abs(sim.rhs(0.0, sim.initial_state()) - ref).max()


@pytest.mark.parametrize("kind,order", [("clamped", 2), ("hinged", 2), ("hinged", 4)])
def test_two_boundary_conditions_per_end_converge_at_the_design_order(kind, order):
    result = sy.convergence_order(lambda n: beam_rhs_error(n, order, kind), points=[32, 64])
    assert result.orders[-1] > order - 0.3, str(result)


def test_dependent_boundary_conditions_are_rejected():
    dom = sy.Domain(x=(0, 1), points=21, periodic=False)
    u = sy.Field("u", dom)
    pde = sy.PDE(sy.Eq(u.diff(t), -u.diff(x, 4)), initial={u: 0},
                 bcs=[sy.Eq(u.at(x=0), 0), sy.Eq(2 * u.at(x=0), 0),
                      sy.Eq(u.at(x=1), 0), sy.Eq(u.diff(x).at(x=1), 0)])
    with pytest.raises(sy.DeclarationError, match="lower end of 'x' do not determine"):
        pde.compile()


def test_mixed_derivative_on_a_bounded_square_is_second_order():
    def error(n):
        dom = sy.Domain(x=(0, 1), y=(0, 1), points=(n + 1, n + 1), periodic=False)
        u = sy.Field("u", dom)
        exact = sy.sin(sy.pi * x) * sy.cos(sy.pi * y / 2)
        walls = [sy.Eq(u.at(x=0), 0), sy.Eq(u.at(x=1), 0), sy.Eq(u.diff(y).at(y=0), 0),
                 sy.Eq(u.at(y=1), 0)]
        op = u.diff(x, 2) + u.diff(y, 2) + u.diff(x, y)
        sim = sy.PDE(sy.Eq(u.diff(t), op), initial={u: exact}, bcs=walls).compile()
        X, Y = dom.mesh()
        ref = sy.lambdify((x, y), sy.diff(exact, x, 2) + sy.diff(exact, y, 2)
                          + sy.diff(exact, x, y))(X, Y)[1:-1, 1:-1]
        return np.abs(sim.rhs(0.0, sim.initial_state()) - ref.ravel()).max()

    assert sy.convergence_order(error, points=[10, 20]).order > 1.8


def test_velocity_of_a_second_order_field_on_a_neumann_boundary():
    """u_tt = u_xx, u_x = 0 at both ends: the standing wave cos(pi x) cos(pi t)."""
    dom = sy.Domain(x=(0, 1), points=41, periodic=False)
    u = sy.Field("u", dom)
    pde = sy.PDE(sy.Eq(u.diff(t, 2), u.diff(x, 2)),
                 initial={u: sy.cos(sy.pi * x), u.diff(t): sy.pi * sy.cos(sy.pi * x)},
                 bcs=[sy.Eq(u.diff(x).at(x=0), 0), sy.Eq(u.diff(x).at(x=1), 0)],
                 monitors={"energy": sy.integral(u.diff(t) ** 2 + u.diff(x) ** 2)})
    sol = pde.compile(order=4, integrator="verlet").run(t_end=1.0, dt=1e-3, save_every=0.5)
    xs = dom.grid()[0]
    for k, tk in enumerate(sol.t):
        exact = np.cos(np.pi * xs) * (np.cos(np.pi * tk) + np.sin(np.pi * tk))
        assert np.abs(sol["u"][k] - exact).max() < 1e-4
        np.testing.assert_allclose(sol["u_t"][k][[0, -1]], np.pi * np.array([1, -1]) * (
            np.cos(np.pi * tk) - np.sin(np.pi * tk)), atol=1e-4)
    np.testing.assert_allclose(sol.monitors["energy"], np.pi ** 2, rtol=1e-5)


def test_complex_field_with_finite_differences():
    """NLS by 4th-order differences: the RHS of a complex field keeps |u|^2 (not u^2)."""
    dom = sy.Domain(x=(-20, 20), points=400, periodic=True)
    u = sy.Field("u", dom, dtype=complex)
    nls = sy.PDE(sy.Eq(sy.I * u.diff(t), -u.diff(x, 2) / 2 - sy.Abs(u) ** 2 * u),
                 initial={u: sy.sech(x) * sy.exp(sy.I * x)},
                 monitors={"mass": sy.integral(sy.Abs(u) ** 2)})
    sim = nls.compile(backend="numba", order=4)
    xs = dom.grid()[0]
    X = sy.Symbol("X", real=True)
    uxx = sy.lambdify(X, sy.diff(sy.sech(X) * sy.exp(sy.I * X), X, 2))(xs)
    uu = np.exp(1j * xs) / np.cosh(xs)
    exact = 0.5j * uxx + 1j * np.abs(uu) ** 2 * uu
    assert np.abs(sim.rhs(0.0, sim.initial_state()) - exact).max() < 1e-3
    assert abs(sim.monitor_functions([])["mass"](0.0, sim.initial_state()) - 2.0) < 1e-8
    with pytest.raises(NotImplementedError, match="not complex-differentiable .* use an explicit"):
        sim.run(t_end=0.1, integrator="bdf")
    sol = sim.run(t_end=0.5, integrator="dop853", rtol=1e-9, atol=1e-11)
    assert sol.success and abs(sol.monitors["mass"][-1] - 2.0) < 1e-7


def _shifted_grid_cases():
    """Spectral problems whose numba right-hand side runs on shifted grids (see
    codegen/spectral_shifted.py): 2N padding, 2D, several real fields, derivatives and x in the
    nonlinearity, second order in time, a parameter scaling a linear term (kept in N: L is
    fixed at compile time), and no padding at all."""
    y = sy.Symbol("y", real=True)
    one = sy.Domain(x=(0, 2 * sy.pi), points=32, periodic=True)
    two = sy.Domain(x=(0, 2 * sy.pi), y=(0, 4), points=(16, 12), periodic=True)
    z = sy.Field("z", one, dtype=complex)
    u1, u2, v2 = sy.Field("u", one), sy.Field("u", two), sy.Field("v", two)
    w = sy.Field("w", one)
    c = sy.Parameter("c")
    return {
        "nls 2N": (sy.PDE(sy.Eq(sy.I * z.diff(t), -z.diff(x, 2) / 2 - sy.Abs(z) ** 2 * z),
                          initial={z: sy.sech(x - 3) * sy.exp(sy.I * x)}), {}, None),
        "nls unpadded": (sy.PDE(sy.Eq(sy.I * z.diff(t), -z.diff(x, 2) / 2 - sy.Abs(z) ** 2 * z),
                                initial={z: sy.sech(x - 3) * sy.exp(2 * sy.I * x)}), {}, 32),
        "x and u_x in N, forced 2N": (
            sy.PDE(sy.Eq(u1.diff(t), 0.1 * u1.diff(x, 2) - u1 * u1.diff(x) + sy.cos(x) * u1 ** 3),
                   initial={u1: sy.sin(x) + 0.3 * sy.cos(3 * x)}), {}, 64),
        "2D two real fields": (
            sy.PDE(sy.Eq(u2.diff(t), u2.diff(x, 2) - u2 * v2 ** 2 + c * (1 - u2)),
                   sy.Eq(v2.diff(t), 0.5 * v2.diff(y, 2) + u2 * v2 ** 2 - v2 * sy.sin(y)),
                   initial={u2: 1 + 0.2 * sy.sin(x) * sy.cos(sy.pi * y / 2),
                            v2: 0.3 * sy.cos(2 * x) + 0.1 * sy.sin(sy.pi * y)}),
            {"c": 0.04}, None),
        "second order in time": (
            sy.PDE(sy.Eq(w.diff(t, 2), w.diff(x, 2) - sy.sin(w)),
                   initial={w: sy.sin(x), w.diff(t): 0.5 * sy.cos(2 * x)}), {}, None),
    }


@pytest.mark.parametrize("case", list(_shifted_grid_cases()))
def test_spectral_numba_rhs_on_shifted_grids_equals_padded_numpy(case):
    """The numba driver (products on 2^d shifted grids) against the numpy driver (products on
    the zero-padded grid): the same discretization, equal to rounding."""
    pde, params, dealias = _shifted_grid_cases()[case]
    fast = pde.compile(backend="numba", discretization="spectral", dealias=dealias)
    ref = pde.compile(backend="numpy", discretization="spectral", dealias=dealias)
    assert "_spread(" in fast.source and "_spread(" not in ref.source
    y0 = ref.initial_state()
    y0 = y0 + 1e-3 * np.abs(y0).max() * np.cos(np.arange(y0.size))   # all modes present
    a, b = fast.rhs(0.3, y0, params), ref.rhs(0.3, y0, params)
    assert np.abs(a - b).max() <= 1e-12 * np.abs(b).max()
    if fast.plan.levels == 1:
        form = fast.ode_problem(fast.bind(params))
        n_ref = ref.ode_problem(ref.bind(params))["nonlinear"](0.3, y0)
        assert np.abs(form["nonlinear"](0.3, y0) - n_ref).max() <= 1e-12 * np.abs(n_ref).max()
