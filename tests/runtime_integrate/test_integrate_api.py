"""`integrate`: input checks with clear errors, failure statuses that keep snapshots, monitors,
max_steps, progress bar, and the CFL step suggestion."""
import numpy as np
import pytest

from runtime.integrate import METHODS, ODEProblem, Solution, integrate, stability_limit, suggest_dt
from runtime.integrate.cfl import stability_function


def decay():
    return ODEProblem(rhs=lambda t, y: -y, name="decay")


def blow_up():
    return ODEProblem(rhs=lambda t, y: y ** 2, name="blow-up")


# -- bad input -------------------------------------------------------------------------------
def test_unknown_method_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown method 'heun'.*euler, rk4, rk45, dop853"):
        integrate(decay(), np.ones(2), 1.0, method="heun")


@pytest.mark.parametrize("method", ["euler", "rk4", "verlet", "ifrk4", "etdrk4"])
def test_fixed_step_method_without_dt(method):
    prob = ODEProblem(rhs=lambda t, y: -y, linear=-np.ones(2), nonlinear=lambda t, y: 0 * y,
                      force=lambda t, u: -u)
    with pytest.raises(ValueError, match=f"{method}.*fixed-step: give dt"):
        integrate(prob, np.ones(2), 1.0, method=method)


@pytest.mark.parametrize("method", ["ifrk4", "etdrk4"])
def test_split_method_without_split_form(method):
    with pytest.raises(ValueError, match="needs the split form.*`linear`.*`nonlinear`"):
        integrate(decay(), np.ones(3), 1.0, method=method, dt=0.1)


def test_split_form_needs_both_parts_and_a_diagonal():
    with pytest.raises(ValueError, match="`nonlinear` is missing"):
        ODEProblem(linear=-np.ones(3))
    with pytest.raises(ValueError, match="1-D diagonal"):
        ODEProblem(linear=-np.eye(3), nonlinear=lambda t, y: y)
    prob = ODEProblem(linear=-np.ones(3), nonlinear=lambda t, y: 0 * y)
    with pytest.raises(ValueError, match=r"`linear` has shape \(3,\), expected \(4,\)"):
        integrate(prob, np.ones(4), 1.0, method="etdrk4", dt=0.1)


def test_verlet_without_force_or_odd_state():
    with pytest.raises(ValueError, match="'verlet' needs the second-order form.*`force`"):
        integrate(decay(), np.ones(2), 1.0, method="verlet", dt=0.1)
    with pytest.raises(ValueError, match="even size"):
        integrate(ODEProblem(force=lambda t, u: -u), np.ones(3), 1.0, method="verlet", dt=0.1)


def test_problem_needs_a_right_hand_side():
    with pytest.raises(ValueError, match="give `rhs`"):
        ODEProblem()
    with pytest.raises(TypeError, match="rhs must be a callable"):
        ODEProblem(rhs=np.ones(3))


def test_bad_initial_state_and_rhs_shape():
    with pytest.raises(ValueError, match="flat 1-D"):
        integrate(decay(), np.ones((2, 2)), 1.0, method="rk45")
    with pytest.raises(ValueError, match="NaN or inf.*index 1"):
        integrate(decay(), np.array([1.0, np.nan]), 1.0, method="rk45")
    with pytest.raises(ValueError, match=r"rhs\(t, y\) returned shape \(2,\), expected \(3,\)"):
        integrate(ODEProblem(rhs=lambda t, y: y[:2]), np.ones(3), 1.0, method="rk4", dt=0.1)


def test_bad_times():
    with pytest.raises(ValueError, match="t_end must be greater than t0"):
        integrate(decay(), np.ones(1), 0.0, method="rk45")
    with pytest.raises(ValueError, match="dt must be a positive number"):
        integrate(decay(), np.ones(1), 1.0, method="rk4", dt=-0.1)
    with pytest.raises(ValueError, match="save_every or save_times, not both"):
        integrate(decay(), np.ones(1), 1.0, method="rk45", save_every=0.1, save_times=[0, 1])
    with pytest.raises(ValueError, match=r"save_times must lie in \[t0, t_end\]"):
        integrate(decay(), np.ones(1), 1.0, method="rk45", save_times=[0.5, 2.0])
    with pytest.raises(ValueError, match="strictly increasing"):
        integrate(decay(), np.ones(1), 1.0, method="rk45", save_times=[0.5, 0.2])


def test_dt_beyond_cfl_limit_is_rejected_with_the_limit():
    k = np.arange(1.0, 33.0)
    prob = ODEProblem(rhs=lambda t, y: 1j * k * y, spectral_radius=32.0, spectrum="imaginary")
    with pytest.raises(ValueError, match=r"dt=0.1 exceeds the stability \(CFL\) limit 0.08839"):
        integrate(prob, np.ones(32, complex), 1.0, method="rk4", dt=0.1)
    sol = integrate(prob, np.ones(32, complex), 10.0, method="rk4")  # dt suggested: stable
    assert sol.dt == pytest.approx(0.9 * 2 * np.sqrt(2) / 32)
    assert sol.status == "success" and np.all(np.abs(sol.y[-1]) <= 1.0)
    np.testing.assert_allclose(sol.y[-1, :2], np.exp(10j * k[:2]), atol=1e-3)


# -- failures keep what was computed -------------------------------------------------------
@pytest.mark.parametrize("method,kw", [("rk4", dict(dt=0.01)), ("rk45", {}), ("dop853", {}),
                                       ("bdf", {})])
def test_blow_up_fails_and_keeps_earlier_snapshots(method, kw):
    sol = integrate(blow_up(), np.array([1.0]), 2.0, method=method, save_every=0.1, **kw)
    assert isinstance(sol, Solution) and sol.status == "failed" and not sol.success
    assert "t=" in sol.message
    # the snapshots before the singularity at t = 1 are kept (and one at t = 1 itself when the
    # method stepped onto it with a finite value)
    assert 0.9 <= sol.t[-1] <= 1.0 and len(sol.t) == len(sol.y) >= 10
    np.testing.assert_allclose(sol.t, np.arange(len(sol.t)) * 0.1, atol=1e-12)
    before = sol.t < 0.95
    np.testing.assert_allclose(sol.y[before, 0], 1 / (1 - sol.t[before]), rtol=1e-3)
    assert np.all(np.isfinite(sol.y)) and np.isfinite(sol.y_last).all()
    assert sol.t[-1] <= sol.t_last < 1.05


def test_nan_from_rhs_names_the_time():
    prob = ODEProblem(rhs=lambda t, y: -y + (np.nan if t > 0.55 else 0.0))
    sol = integrate(prob, np.ones(2), 1.0, method="rk4", dt=0.1, save_every=0.2)
    assert sol.status == "failed" and "non-finite" in sol.message and "t=0.6" in sol.message
    np.testing.assert_allclose(sol.t, [0, 0.2, 0.4])
    sol = integrate(prob, np.ones(2), 1.0, method="rk45", save_every=0.2)
    assert sol.status == "failed" and "NaN/inf" in sol.message and list(sol.t) == [0, 0.2, 0.4]


def test_exception_in_rhs_stops_with_failed_status():
    def rhs(t, y):
        if t > 0.5:
            raise RuntimeError("kernel exploded")
        return -y
    sol = integrate(ODEProblem(rhs=rhs), np.ones(1), 1.0, method="rk4", dt=0.1, save_every=0.25)
    assert sol.status == "failed" and "RuntimeError" in sol.message and "kernel exploded" in \
        sol.message
    assert isinstance(sol.exception, RuntimeError)
    np.testing.assert_allclose(sol.t, [0, 0.25, 0.5])


def test_max_steps_status():
    for method, kw in (("rk4", dict(dt=0.01)), ("rk45", dict(rtol=1e-10))):
        sol = integrate(decay(), np.ones(1), 10.0, method=method, max_steps=50, save_every=0.1,
                        **kw)
        assert sol.status == "max_steps" and "max_steps=50" in sol.message
        assert sol.stats.steps == 50 and sol.t[-1] < 10.0
        np.testing.assert_allclose(sol.y[:, 0], np.exp(-sol.t), rtol=1e-6)


# -- monitors, progress, every method ------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_every_method_runs_with_monitors_and_progress(method, capsys):
    # u'' = -u, in every form at once: y = (u, v); split form L = diag(i, -i) in (u + iv, u - iv)
    # is not used here: use decay in split form, which every first-order method can run
    if method == "verlet":
        prob, y0 = ODEProblem(force=lambda t, u: -u), np.array([1.0, 0.0])
        exact = lambda t: np.array([np.cos(t), -np.sin(t)])  # noqa: E731
    else:
        prob = ODEProblem(linear=np.array([-1.0, -2.0]), nonlinear=lambda t, y: 0 * y)
        y0 = np.array([1.0, 1.0])
        exact = lambda t: np.exp(np.array([-1.0, -2.0]) * t)  # noqa: E731
    dt = {"rk45": None, "dop853": None, "bdf": None, "euler": 1e-4}.get(method, 0.01)
    sol = integrate(prob, y0, 1.0, method=method, dt=dt, save_every=0.5, progress=True,
                    monitors={"norm": lambda t, y: float(np.linalg.norm(y))})
    assert sol.status == "success" and sol.method == method
    np.testing.assert_allclose(sol.t, [0, 0.5, 1.0])
    np.testing.assert_allclose(sol.y[-1], exact(1.0), atol=1e-4)
    np.testing.assert_allclose(sol.monitors["norm"], np.linalg.norm(sol.y, axis=1))
    assert sol.stats.steps > 0 and sol.stats.rhs_evaluations > 0 and sol.stats.wall_time >= 0
    assert "reached t_end" in sol.message


def test_monitor_error_stops_with_failed_status_keeping_snapshots():
    def monitor(t, y):
        if t > 0.3:
            raise ZeroDivisionError("bad monitor")
        return 1.0
    sol = integrate(decay(), np.ones(1), 1.0, method="rk4", dt=0.1, save_every=0.2,
                    monitors={"m": monitor})
    assert sol.status == "failed" and "monitor 'm'" in sol.message
    np.testing.assert_allclose(sol.t, [0, 0.2])
    np.testing.assert_allclose(sol.monitors["m"], [1.0, 1.0])


# -- CFL -----------------------------------------------------------------------------------
def test_cfl_limits_of_rk4_and_verlet():
    assert stability_limit("rk4", 1.0, spectrum="imaginary") == pytest.approx(2 * np.sqrt(2))
    assert stability_limit("rk4", 1.0, spectrum="negative_real") == pytest.approx(2.7853, 1e-4)
    assert stability_limit("rk4", 10.0) < stability_limit("rk4", 10.0, spectrum="imaginary")
    assert stability_limit("verlet", wave_speed=1.0, dx=0.1, mass=1.0) == pytest.approx(
        2 / np.sqrt((np.pi / 0.1) ** 2 + 1))
    assert suggest_dt("bdf", 1e6) == np.inf
    # advection-diffusion: the suggested step keeps the Fourier symbols in RK4's region
    c, d, dx = 2.0, 0.05, 0.02
    dt = suggest_dt("rk4", wave_speed=c, dx=dx, diffusion=d)
    k = np.linspace(0, np.pi / dx, 2000)
    z = dt * (-d * k ** 2 + 1j * c * k)
    assert np.all(np.abs(stability_function("rk4", z)) <= 1.0)
    assert dt < min(2.785 * dx ** 2 / (d * np.pi ** 2), 2.83 * dx / (c * np.pi))


def test_cfl_limits_of_adaptive_tableaus_from_scipy():
    assert stability_limit("rk45", 1.0, spectrum="negative_real") == pytest.approx(3.3066, 1e-4)
    assert stability_limit("dop853", 1.0, spectrum="negative_real") > 6.0
    with pytest.raises(ValueError, match="unknown method"):
        suggest_dt("heun", 1.0)
    with pytest.raises(ValueError, match="give spectral_radius"):
        suggest_dt("rk4")


def test_suggested_step_is_stable_and_twice_it_is_not():
    lam = -np.linspace(0, 400.0, 50)
    prob = ODEProblem(rhs=lambda t, y: lam * y, spectral_radius=400.0, spectrum="negative_real")
    dt = suggest_dt("rk4", 400.0, spectrum="negative_real")
    ok = integrate(prob, np.ones(50), 5.0, method="rk4", dt=dt)
    bad = integrate(prob, np.ones(50), 5.0, method="rk4", dt=2 * dt, check_cfl=False)
    assert np.all(np.abs(ok.y[-1]) <= 1.0)
    assert np.max(np.abs(bad.y[-1])) > 1e10 or bad.status == "failed"


@pytest.mark.parametrize("method,kw", [("rk4", dict(dt=0.01)), ("dop853", {}),
                                       ("bdf", dict(dt=0.001))])
def test_runs_to_t_end_even_when_the_last_save_time_is_earlier(method, kw):
    sol = integrate(decay(), np.ones(1), 1.0, method=method, save_times=[0.25, 0.5], **kw)
    np.testing.assert_allclose(sol.t, [0.25, 0.5])
    np.testing.assert_allclose(sol.y[:, 0], np.exp(-sol.t), rtol=1e-5)
    assert sol.t_last == 1.0 and sol.y_last[0] == pytest.approx(np.exp(-1.0), rel=1e-5)
