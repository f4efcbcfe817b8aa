"""Störmer–Verlet: bounded energy error (no drift) over 10^4 steps, second order, one F per step."""
import numpy as np
import pytest

from runtime.integrate import ODEProblem, integrate


def pendulum():
    return ODEProblem(force=lambda t, u: -np.sin(u),
                      rhs=lambda t, y: np.array([y[1], -np.sin(y[0])]), name="pendulum")


def oscillator():
    return ODEProblem(force=lambda t, u: -u, rhs=lambda t, y: np.array([y[1], -y[0]]))


def energy_pendulum(t, y):
    return 0.5 * y[1] ** 2 - np.cos(y[0])


def energy_oscillator(t, y):
    return 0.5 * (y[0] ** 2 + y[1] ** 2)


@pytest.mark.parametrize("make,energy,y0", [(oscillator, energy_oscillator, [1.0, 0.0]),
                                            (pendulum, energy_pendulum, [1.5, 0.0])])
def test_energy_error_bounded_for_verlet_but_drifting_for_rk4(make, energy, y0):
    dt, steps = 0.1, 10_000
    t_end = dt * steps
    runs = {m: integrate(make(), np.array(y0), t_end, method=m, dt=dt, save_every=10 * dt,
                         monitors={"E": energy}) for m in ("verlet", "rk4")}
    quarter = len(runs["verlet"].t) // 4
    verlet_err = np.abs(runs["verlet"].monitors["E"] - energy(0, np.array(y0)))
    rk4_err = np.abs(runs["rk4"].monitors["E"] - energy(0, np.array(y0)))
    assert runs["verlet"].stats.steps == steps
    # Verlet: the error in the last quarter is no larger than in the first (bounded, no drift)
    assert verlet_err[-quarter:].max() <= 1.05 * verlet_err[:quarter].max()
    assert verlet_err.max() < 0.01
    # RK4: the error grows about linearly in time (secular drift)
    assert rk4_err[-1] > 3.0 * rk4_err[quarter]
    assert rk4_err[-1] > 10 * rk4_err[10]


def test_verlet_is_second_order():
    ref = integrate(pendulum(), np.array([1.0, 0.5]), 10.0, method="dop853", rtol=1e-12,
                    atol=1e-14).y[-1]
    errors = [np.max(np.abs(integrate(pendulum(), np.array([1.0, 0.5]), 10.0, method="verlet",
                                      dt=dt).y[-1] - ref)) for dt in (0.1, 0.05, 0.025)]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 2.0) < 0.1), orders


def test_one_force_evaluation_per_step_and_state_layout():
    calls = []

    def force(t, u):
        calls.append(t)
        return -4.0 * u  # omega = 2

    prob = ODEProblem(force=force)
    u0 = np.array([1.0, 0.5, -0.2])
    y0 = np.concatenate([u0, np.zeros(3)])
    sol = integrate(prob, y0, 1.0, method="verlet", dt=0.001, save_every=0.5)
    assert sol.stats.steps == 1000
    assert sol.stats.rhs_evaluations == len(calls) == 1000 + 2  # + the probe and the first F
    np.testing.assert_allclose(sol.y[-1, :3], u0 * np.cos(2.0), atol=5e-6)
    np.testing.assert_allclose(sol.y[-1, 3:], -2.0 * u0 * np.sin(2.0), atol=5e-6)


def test_verlet_dt_from_spectral_radius_and_cfl_check():
    prob = ODEProblem(force=lambda t, u: -100.0 * u, spectral_radius=10.0)  # omega_max = 10
    sol = integrate(prob, np.array([1.0, 0.0]), 1.0, method="verlet")  # dt = 0.9 * 2/10
    assert sol.dt == pytest.approx(0.18)
    assert sol.status == "success" and np.all(np.abs(sol.y) < 20)
    with pytest.raises(ValueError, match=r"exceeds the stability \(CFL\) limit 0.2"):
        integrate(prob, np.array([1.0, 0.0]), 1.0, method="verlet", dt=0.25)
    # beyond the limit (when the check is off) Verlet blows up
    sol = integrate(prob, np.array([1.0, 0.0]), 200.0, method="verlet", dt=0.25, check_cfl=False)
    assert sol.status == "failed" and "non-finite" in sol.message
