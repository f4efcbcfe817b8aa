"""IF-RK4 and ETDRK4 on y' = L y + N(t, y), L diagonal: exact linear part, fourth order."""
import numpy as np
import pytest

from runtime.integrate import ODEProblem, etdrk4_coefficients, integrate

SPLIT = ("ifrk4", "etdrk4")


def wavenumbers(n=64, length=2 * np.pi):
    return 2 * np.pi * np.fft.fftfreq(n, d=length / n)


@pytest.mark.parametrize("method", SPLIT)
def test_heat_equation_in_fourier_space_decays_exactly_at_stiff_steps(method):
    k = wavenumbers()
    lam = -k ** 2                                   # up to -1024: h*L = -102 at dt = 0.1
    rng = np.random.default_rng(0)
    y0 = rng.standard_normal(k.size) + 1j * rng.standard_normal(k.size)
    prob = ODEProblem(linear=lam, nonlinear=lambda t, y: np.zeros_like(y))
    sol = integrate(prob, y0, 2.0, method=method, dt=0.1, save_every=0.5)
    exact = np.exp(np.outer(sol.t, lam)) * y0
    assert sol.status == "success"
    np.testing.assert_allclose(sol.y, exact, rtol=1e-13, atol=1e-300)


def test_rk4_fails_on_the_same_stiff_heat_problem_and_keeps_snapshots():
    k = wavenumbers()
    prob = ODEProblem(rhs=lambda t, y: -k ** 2 * y)
    sol = integrate(prob, np.ones(k.size), 10.0, method="rk4", dt=0.1, save_every=1.0)
    assert sol.status == "failed" and "non-finite" in sol.message and "t=" in sol.message
    assert sol.t[0] == 0.0 and np.all(sol.y[0] == 1.0)
    assert np.all(np.isfinite(sol.y)) and np.all(np.isfinite(sol.y_last))


@pytest.mark.parametrize("method", SPLIT)
def test_free_schroedinger_complex_linear_part_is_exact(method):
    k = wavenumbers(32)
    lam = -0.5j * k ** 2
    y0 = np.exp(-k ** 2 / 10).astype(float)         # real y0 is promoted to complex
    prob = ODEProblem(linear=lam, nonlinear=lambda t, y: 0 * y)
    sol = integrate(prob, y0, 3.0, method=method, dt=0.3)
    assert sol.y.dtype == np.complex128
    np.testing.assert_allclose(sol.y[-1], np.exp(3.0 * lam) * y0, rtol=1e-12, atol=1e-15)


def bernoulli(lam, y0, t):
    """Exact solution of y' = lam y + y^2 (w = 1/y solves w' = -lam w - 1)."""
    return 1.0 / ((1 / y0 + 1 / lam) * np.exp(-lam * t) - 1 / lam)


@pytest.mark.parametrize("method", SPLIT)
def test_fourth_order_on_bernoulli_equation(method):
    lam = np.array([-1.0, -3.0, -0.5 + 2j, 1j])
    y0 = np.array([0.5, 0.3, 0.2 + 0.1j, 0.25])
    prob = ODEProblem(linear=lam, nonlinear=lambda t, y: y ** 2)
    exact = bernoulli(lam, y0, 2.0)
    errors = [np.max(np.abs(integrate(prob, y0, 2.0, method=method, dt=dt).y[-1] - exact))
              for dt in (0.2, 0.1, 0.05)]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 4.0) < 0.3), (errors, orders)
    assert errors[-1] < 1e-6


@pytest.mark.parametrize("method", SPLIT)
def test_nls_like_cubic_phase_rotation(method):
    # y' = i w y + i |y|^2 y: |y| is conserved and y = y0 exp(i (w + |y0|^2) t)
    omega = np.array([0.0, 1.0, -2.0, 5.0])
    y0 = np.array([1.0, 0.5 + 0.5j, 0.3j, 1.2])
    prob = ODEProblem(linear=1j * omega, nonlinear=lambda t, y: 1j * np.abs(y) ** 2 * y)
    exact = y0 * np.exp(1j * (omega + np.abs(y0) ** 2) * 5.0)
    errors = [np.max(np.abs(integrate(prob, y0, 5.0, method=method, dt=dt).y[-1] - exact))
              for dt in (0.025, 0.0125, 0.00625)]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 4.0) < 0.4), (errors, orders)
    assert errors[-1] < 1e-7
    sol = integrate(prob, y0, 5.0, method=method, dt=0.05, save_every=1.0,
                    monitors={"mass": lambda t, y: np.sum(np.abs(y) ** 2)})
    np.testing.assert_allclose(sol.monitors["mass"], np.sum(np.abs(y0) ** 2), rtol=1e-4)


def test_etdrk4_beats_ifrk4_when_linear_part_is_stiff():
    # y' = -L y + L*cos(t)-type forcing through N: slow manifold y ~ forcing; IF-RK4 suffers
    lam = np.array([-200.0])
    prob = ODEProblem(linear=lam, nonlinear=lambda t, y: 200.0 * np.sin(t) + 0 * y)
    ref = integrate(ODEProblem(rhs=lambda t, y: lam * y + 200.0 * np.sin(t)), np.array([0.0]),
                    2.0, method="bdf", rtol=1e-12, atol=1e-14).y[-1]
    err = {m: abs(integrate(prob, np.array([0.0]), 2.0, method=m, dt=0.1).y[-1, 0] - ref[0])
           for m in SPLIT}
    assert err["etdrk4"] < 1e-2 * err["ifrk4"], err


def test_etdrk4_coefficients_match_direct_formulas_and_limits():
    h = 0.5
    lam = np.array([-4.0, -50.0, 6.0, 1e-12, 0.0])
    e, e2, q, f1, f2, f3 = etdrk4_coefficients(lam, h)
    z = h * lam[:3]
    np.testing.assert_allclose(e, np.exp(h * lam))
    np.testing.assert_allclose(e2, np.exp(h * lam / 2))
    np.testing.assert_allclose(q[:3], h * (np.exp(z / 2) - 1) / z, rtol=1e-13)
    np.testing.assert_allclose(f1[:3], h * (-4 - z + np.exp(z) * (4 - 3 * z + z ** 2)) / z ** 3,
                               rtol=1e-12)
    np.testing.assert_allclose(f2[:3], h * (2 + z + np.exp(z) * (z - 2)) / z ** 3, rtol=1e-12)
    np.testing.assert_allclose(f3[:3], h * (-4 - 3 * z - z ** 2 + np.exp(z) * (4 - z)) / z ** 3,
                               rtol=1e-12)
    # at z -> 0 the explicit formulas cancel catastrophically; the contour means do not
    np.testing.assert_allclose(q[3:], h / 2, rtol=1e-12)
    for f in (f1, f2, f3):
        np.testing.assert_allclose(f[3:], h / 6, rtol=1e-12)
    # complex L uses the full circle
    zc = np.array([0.3 + 2j, -1 - 1j])
    _, _, qc, _, f2c, _ = etdrk4_coefficients(zc, 1.0)
    np.testing.assert_allclose(qc, (np.exp(zc / 2) - 1) / zc, rtol=1e-13)
    np.testing.assert_allclose(f2c, (2 + zc + np.exp(zc) * (zc - 2)) / zc ** 3, rtol=1e-12)


def test_coefficients_are_computed_once_per_step_size():
    calls = []
    prob = ODEProblem(linear=np.array([-1.0]), nonlinear=lambda t, y: calls.append(t) or 0 * y)
    sol = integrate(prob, np.array([1.0]), 1.0, method="etdrk4", dt=0.1, save_every=0.25)
    # between save times the step is 0.25/3; four nonlinear calls per step, plus the probe
    assert sol.stats.steps == 12 and len(calls) == 4 * 12 + 1
    np.testing.assert_allclose(sol.y[:, 0], np.exp(-sol.t), rtol=1e-14)
