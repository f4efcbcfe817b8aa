"""RK4, RK45 and DOP853 against closed forms: decay, complex rotation, harmonic oscillator."""
import numpy as np
import pytest

from runtime.integrate import ODEProblem, integrate


def decay():
    return ODEProblem(rhs=lambda t, y: -y, name="decay")


def rotation(omega):
    return ODEProblem(rhs=lambda t, y: 1j * omega * y, name="rotation")


def oscillator():
    return ODEProblem(rhs=lambda t, y: np.array([y[1], -y[0]]), name="oscillator")


@pytest.mark.parametrize("method,kw,tol", [("rk4", dict(dt=0.01), 1e-9),
                                           ("rk45", dict(rtol=1e-9, atol=1e-12), 1e-8),
                                           ("dop853", dict(rtol=1e-10, atol=1e-12), 1e-9)])
def test_decay_matches_exponential_at_save_times(method, kw, tol):
    y0 = np.array([1.0, -2.0, 0.5])
    sol = integrate(decay(), y0, 2.0, method=method, save_every=0.25, **kw)
    assert sol.status == "success" and sol.y.dtype == np.float64
    np.testing.assert_allclose(sol.t, np.arange(9) * 0.25)
    np.testing.assert_allclose(sol.y, np.exp(-sol.t)[:, None] * y0, atol=tol)


@pytest.mark.parametrize("method,kw,tol", [("rk4", dict(dt=0.005), 1e-8),
                                           ("rk45", dict(rtol=1e-10, atol=1e-12), 1e-8),
                                           ("dop853", dict(rtol=1e-10, atol=1e-12), 1e-9)])
def test_complex_rotation(method, kw, tol):
    omega = 3.0
    y0 = np.array([1.0 + 0.5j, -0.25j])
    sol = integrate(rotation(omega), y0, 2.0, method=method, save_times=[0.0, 0.7, 1.3, 2.0],
                    **kw)
    assert sol.y.dtype == np.complex128
    exact = np.exp(1j * omega * sol.t)[:, None] * y0
    np.testing.assert_allclose(sol.y, exact, atol=tol)


def test_real_initial_state_promoted_when_rhs_is_complex():
    sol = integrate(rotation(1.0), np.array([1.0]), 1.0, method="rk4", dt=0.01)
    assert sol.y.dtype == np.complex128
    assert abs(sol.y[-1, 0] - np.exp(1j)) < 1e-9


def test_rk4_is_fourth_order():
    errors = []
    for dt in (0.1, 0.05, 0.025):
        sol = integrate(rotation(2.0), np.array([1.0 + 0j]), 3.0, method="rk4", dt=dt)
        errors.append(abs(sol.y[-1, 0] - np.exp(6j)))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 4.0) < 0.15), orders


def test_dop853_reaches_rtol_1e_10_on_harmonic_oscillator():
    t_end = 20 * np.pi
    sol = integrate(oscillator(), np.array([1.0, 0.0]), t_end, method="dop853", rtol=1e-10,
                    atol=1e-12, save_every=np.pi / 4)
    exact = np.stack([np.cos(sol.t), -np.sin(sol.t)], axis=1)
    assert sol.status == "success" and sol.t[-1] == t_end
    assert np.max(np.abs(sol.y - exact)) < 1e-8
    # many fewer steps than a fixed RK4 run of the same accuracy would need
    assert sol.stats.steps < 500 and sol.stats.rejected_steps is not None


def test_dt_is_first_and_largest_step_of_adaptive_methods():
    sol_free = integrate(decay(), np.array([1.0]), 1.0, method="rk45", rtol=1e-3)
    sol = integrate(decay(), np.array([1.0]), 1.0, method="rk45", rtol=1e-3, dt=0.01)
    assert sol_free.stats.steps < 20
    assert sol.stats.steps >= 100
    assert abs(sol.y[-1, 0] - np.exp(-1.0)) < 1e-6


def test_fixed_step_lands_on_save_times_not_multiple_of_dt():
    # save every 0.3 with dt = 0.1 and with dt = 0.07 (steps shrink to 0.3/5 = 0.06)
    for dt, steps_per_save in ((0.1, 3), (0.07, 5)):
        sol = integrate(decay(), np.array([1.0]), 1.2, method="rk4", dt=dt, save_every=0.3)
        np.testing.assert_allclose(sol.t, [0, 0.3, 0.6, 0.9, 1.2], atol=1e-15)
        assert sol.stats.steps == 4 * steps_per_save
        assert sol.stats.rhs_evaluations == 4 * sol.stats.steps + 1  # + one probe call
        np.testing.assert_allclose(sol.y[:, 0], np.exp(-sol.t), atol=2e-6)


def test_stats_count_rejected_steps_of_rk45():
    # a sharp pulse forces rejections after large steps
    prob = ODEProblem(rhs=lambda t, y: -50 * (t - 1) * y)
    sol = integrate(prob, np.array([1.0]), 2.0, method="rk45", rtol=1e-8, atol=1e-12)
    assert sol.status == "success"
    assert abs(sol.y[-1, 0] - 1.0) < 1e-6  # exp(-25 (t-1)^2 + 25) at t=0 and t=2 cancel
    assert sol.stats.rejected_steps >= 1
