"""Bad PDE input gets a clear error naming the offending piece; failed runs keep their snapshots."""
import numpy as np
import pytest

import symbolic as sy

t, x, y = sy.symbols("t x y", real=True)


@pytest.fixture
def bounded():
    dom = sy.Domain(x=(0, 1), points=21, periodic=False)
    return dom, sy.Field("u", dom)


@pytest.fixture
def periodic():
    dom = sy.Domain(x=(0, 2 * sy.pi), points=32, periodic=True)
    return dom, sy.Field("u", dom)


def test_third_order_in_time_is_rejected(periodic):
    _, u = periodic
    with pytest.raises(sy.DeclarationError, match=r"equation 0 is of order 3 in time; first or "
                                                  r"second order"):
        sy.PDE(sy.Eq(u.diff(t, 3), u.diff(x, 2)), initial={u: sy.sin(x)})


def test_equation_without_time_derivative_is_rejected(periodic):
    _, u = periodic
    with pytest.raises(sy.DeclarationError, match=r"equation 0 .* has no time derivative"):
        sy.PDE(sy.Eq(u.diff(x, 2), u), initial={u: sy.sin(x)})


def test_missing_initial_data_names_the_field_and_level(periodic):
    _, u = periodic
    with pytest.raises(sy.DeclarationError, match=r"'u' has no initial data for u\.diff\(t\)"):
        sy.PDE(sy.Eq(u.diff(t, 2), u.diff(x, 2)), initial={u: sy.sin(x)})
    with pytest.raises(sy.DeclarationError, match=r"field 'u' has no initial data for u;"):
        sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)))


def test_initial_array_of_the_wrong_shape_names_both_shapes(periodic):
    _, u = periodic
    with pytest.raises(sy.DeclarationError, match=r"initial data of 'u' has shape \(31,\), the "
                                                  r"grid is \(32,\)"):
        sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)), initial={u: np.zeros(31)})


def test_initial_array_of_the_right_shape_is_used(periodic):
    dom, u = periodic
    data = np.sin(dom.grid()[0])
    sim = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)), initial={u: data}).compile(order=4)
    np.testing.assert_allclose(sim.initial_state(), data)
    np.testing.assert_allclose(sim.rhs(0.0, sim.initial_state()), -data, atol=2e-4)


def test_boundary_condition_on_a_periodic_axis(periodic):
    _, u = periodic
    with pytest.raises(sy.DeclarationError, match=r"on the periodic axis 'x'; periodic axes take "
                                                  r"no boundary conditions"):
        sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)), initial={u: sy.sin(x)},
               bcs=[sy.Eq(u.at(x=0), 0)])


def test_missing_boundary_condition_names_field_axis_and_end(bounded):
    _, u = bounded
    with pytest.raises(sy.DeclarationError, match=r"field 'u' .* needs 1 boundary condition\(s\) "
                                                  r"at x = 1; it has 0"):
        sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)), initial={u: x}, bcs=[sy.Eq(u.at(x=0), 0)])


def test_boundary_condition_away_from_the_ends(bounded):
    _, u = bounded
    with pytest.raises(sy.DeclarationError, match=r"at x = 1/2, which is not an end of \[0, 1\]"):
        sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)), initial={u: x},
               bcs=[sy.Eq(u.at(x=0), 0), sy.Eq(u.at(x=sy.Rational(1, 2)), 0)])


def test_spectral_discretization_of_a_bounded_axis(bounded):
    _, u = bounded
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)), initial={u: x},
                 bcs=[sy.Eq(u.at(x=0), 0), sy.Eq(u.at(x=1), 0)])
    with pytest.raises(sy.DeclarationError, match=r"axis 'x' is bounded: use "
                                                  r"discretization='finite_difference'"):
        pde.compile(discretization="spectral")


def test_step_beyond_the_cfl_limit_names_the_limit(bounded):
    """Heat with h = 1/20: the spectrum is [-4/h^2, 0], RK4's limit 2.785 h^2/4 = 1.74e-3."""
    _, u = bounded
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)), initial={u: sy.sin(sy.pi * x)},
                 bcs=[sy.Eq(u.at(x=0), 0), sy.Eq(u.at(x=1), 0)])
    sim = pde.compile(integrator="rk4")
    limit = 2.7853 / 1600
    with pytest.raises(ValueError, match=r"PDE for u \(finite differences on a \(21,\) grid\): "
                                         r"dt=0.002 exceeds the stability \(CFL\) limit 0.00174"):
        sim.run(t_end=0.1, dt=2e-3)
    ok = sim.run(t_end=0.1, dt=0.99 * limit)
    exact = np.exp(-np.pi ** 2 * 0.1) * np.sin(np.pi * np.linspace(0, 1, 21))
    assert ok.success and np.abs(ok["u"][-1] - exact).max() < 2e-3
    # without dt, the suggested CFL step (0.9 x limit) is taken
    auto = sim.run(t_end=0.1)
    assert auto.success and auto.stats["steps"] == int(np.ceil(0.1 / (0.9 * limit)))
    # past the limit with the check off, high modes grow until the state is no longer finite
    rough = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)), initial={u: np.cos(np.pi * 20 * np.linspace(0, 1, 21))},
                   bcs=[sy.Eq(u.diff(x).at(x=0), 0), sy.Eq(u.diff(x).at(x=1), 0)])
    blown = rough.compile(integrator="rk4").run(t_end=2.0, dt=1.5 * limit, check_cfl=False)
    assert np.abs(blown["u"][-1]).max() > 1e10 or blown.status == "failed"


def test_spectral_and_verlet_limits_come_from_the_linear_part(periodic):
    """NLS: L = -i k^2/2, RK4 limit 2.828/(k_max^2/2); sine-Gordon: Verlet limit 2/k_max."""
    dom, _ = periodic
    v = sy.Field("v", dom, dtype=complex)
    nls = sy.PDE(sy.Eq(sy.I * v.diff(t), -v.diff(x, 2) / 2 - sy.Abs(v) ** 2 * v),
                 initial={v: sy.sech(x - sy.pi)})
    kmax = 16.0                                # N/2 on a 2 pi periodic grid of 32 points
    with pytest.raises(ValueError, match=r"limit 0.0221 of rk4 for spectral radius 128 "
                                         r"\(imaginary spectrum\)"):
        nls.compile(discretization="spectral", integrator="rk4").run(t_end=1.0, dt=0.03)
    w = sy.Field("w", dom)
    sg = sy.PDE(sy.Eq(w.diff(t, 2), w.diff(x, 2) - sy.sin(w)),
                initial={w: 0, w.diff(t): sy.sech(x - sy.pi)})
    with pytest.raises(ValueError, match=rf"limit {2 / kmax:.4g} of verlet"):
        sg.compile(discretization="spectral", integrator="verlet").run(t_end=1.0, dt=0.13)


def test_nan_in_the_state_stops_with_a_status_and_keeps_snapshots(periodic):
    """u_t = u^2 + u_xx/100 from max u = 3 blows up near t = 1/3: snapshots before stay."""
    _, u = periodic
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2) / 100 + u ** 2), initial={u: 2 + sy.cos(x)},
                 monitors={"mass": sy.integral(u)})
    for method, kw in (("rk4", dict(dt=1e-3)), ("dop853", {})):
        sol = pde.compile(integrator=method).run(t_end=1.0, save_every=0.1, **kw)
        assert sol.status == "failed" and not sol.success
        assert "non-finite" in sol.message or "NaN" in sol.message or "failed at" in sol.message
        np.testing.assert_allclose(sol.t, [0.0, 0.1, 0.2, 0.3], atol=1e-12)
        assert sol["u"].shape == (4, 32) and np.all(np.isfinite(sol["u"]))
        # the spatially constant part obeys v' = v^2 approximately: u grows, mass follows
        assert np.all(np.diff(sol.monitors["mass"]) > 0)


def test_mixed_first_and_second_order_spectral_system_says_what_to_do(periodic):
    dom, u = periodic
    v = sy.Field("v", dom)
    pde = sy.PDE(sy.Eq(u.diff(t, 2), u.diff(x, 2) - v), sy.Eq(v.diff(t), v.diff(x, 2) + u),
                 initial={u: sy.sin(x), u.diff(t): 0, v: sy.cos(x)})
    with pytest.raises(NotImplementedError, match=r"cannot mix first- and second-order-in-time "
                                                  r"fields yet \(second order: u\); write each"):
        pde.compile(discretization="spectral")
    # the suggested rewrite runs spectrally and agrees with finite differences of the original
    w = sy.Field("w", dom)
    first = sy.PDE(sy.Eq(u.diff(t), w), sy.Eq(w.diff(t), u.diff(x, 2) - v),
                   sy.Eq(v.diff(t), v.diff(x, 2) + u),
                   initial={u: sy.sin(x), w: 0, v: sy.cos(x)})
    spectral = first.compile(discretization="spectral").run(t_end=0.5, rtol=1e-10, atol=1e-12)
    fd = pde.compile(order=4, integrator="dop853").run(t_end=0.5, rtol=1e-10, atol=1e-12)
    for name in ("u", "v"):
        assert np.abs(spectral[name][-1] - fd[name][-1]).max() < 1e-4
    np.testing.assert_allclose(spectral["w"][-1], fd["u_t"][-1], atol=1e-4)
