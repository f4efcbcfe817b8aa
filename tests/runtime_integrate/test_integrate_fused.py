"""Forward Euler (order 1, CFL) and the fused compiled stage updates of Euler and RK4, which must
give the NumPy path's steps to rounding and catch NaN/inf in the same pass."""
import numpy as np
import pytest

from runtime.integrate import ODEProblem, integrate, stability_limit
from runtime.integrate import fused
from runtime.integrate.explicit import EulerStepper, RK4Stepper
from runtime.integrate.solution import IntegrationStats

needs_numba = pytest.mark.skipif(fused.numba is None, reason="the fused loops need Numba")


def test_euler_is_first_order_on_decay():
    lam = np.array([-0.5, -1.0, -2.0])
    prob = ODEProblem(rhs=lambda t, y: lam * y, name="decay")
    errors = []
    for dt in (0.02, 0.01, 0.005):
        sol = integrate(prob, np.ones(3), 2.0, method="euler", dt=dt)
        assert sol.status == "success" and sol.stats.rhs_evaluations == sol.stats.steps + 1
        errors.append(np.abs(sol.y[-1] - np.exp(2.0 * lam)).max())
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 1.0) < 0.05), orders


def test_euler_cfl_limit_on_the_negative_real_axis():
    assert stability_limit("euler", 100.0, spectrum="negative_real") == pytest.approx(0.02)
    lam = -np.linspace(0.0, 400.0, 40)
    prob = ODEProblem(rhs=lambda t, y: lam * y, spectral_radius=400.0, spectrum="negative_real")
    sol = integrate(prob, np.ones(40), 1.0, method="euler")  # dt suggested: 0.9 * 2/400
    assert sol.dt == pytest.approx(0.9 * 2 / 400, rel=1e-9)
    assert sol.status == "success" and np.all(np.abs(sol.y[-1]) <= 1.0)
    with pytest.raises(ValueError, match=r"exceeds the stability \(CFL\) limit 0.005.*euler"):
        integrate(prob, np.ones(40), 1.0, method="euler", dt=0.006)
    # past the limit without the check, the stiffest mode grows: |1 - 0.006*400| = 1.4
    sol = integrate(prob, np.ones(40), 0.3, method="euler", dt=0.006, check_cfl=False)
    assert np.abs(sol.y[-1, -1]) > 1e3


@pytest.mark.parametrize("spectrum", ["imaginary", "any"])
def test_euler_on_waves_is_rejected_naming_better_methods(spectrum):
    assert stability_limit("euler", 5.0, spectrum=spectrum) == 0.0
    prob = ODEProblem(rhs=lambda t, y: 5j * y, spectral_radius=5.0, spectrum=spectrum,
                      name="rotation")
    for dt in (None, 1e-4):
        with pytest.raises(ValueError, match="rotation: euler is unstable at every step size.*"
                                             "use rk4"):
            integrate(prob, np.ones(2, complex), 1.0, method="euler", dt=dt)


def _steps(stepper_cls, fused_flag, y0, rhs, h, n):
    stepper = stepper_cls(rhs, IntegrationStats(), fused=fused_flag)
    y, t = y0, 0.0
    for _ in range(n):
        y = stepper.step(t, y, h)
        t += h
    return y, stepper.finite


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("stepper_cls", [RK4Stepper, EulerStepper])
def test_fused_steps_equal_the_numpy_path(stepper_cls, dtype):
    rng = np.random.default_rng(1)
    y0 = rng.standard_normal(4096).astype(dtype)
    if dtype is np.complex128:
        y0 = y0 + 1j * rng.standard_normal(4096)
    a = rng.uniform(-2.0, 0.5, 4096)

    def rhs(t, y):                       # nonlinear, time dependent, neighbours coupled
        return a * y - y * np.abs(y) ** 2 + np.roll(y, 1) * np.cos(t)

    fused_y, finite = _steps(stepper_cls, None, y0, rhs, 0.01, 30)
    numpy_y, numpy_finite = _steps(stepper_cls, False, y0, rhs, 0.01, 30)
    assert finite is True and numpy_finite is None        # the fused path ran and checked
    assert fused_y.dtype == dtype and fused_y.shape == y0.shape
    assert np.max(np.abs(fused_y - numpy_y)) <= 1e-13 * np.max(np.abs(numpy_y))
    assert not np.allclose(fused_y, y0)                    # the steps moved the state


@needs_numba
@pytest.mark.parametrize("method", ["euler", "rk4"])
@pytest.mark.parametrize("bad", [np.inf, np.nan, complex(0.0, np.inf)])
def test_fused_update_catches_non_finite_values(method, bad):
    dtype = complex if isinstance(bad, complex) else float

    def rhs(t, y):
        out = -y
        if t > 0.25:
            out[3] = bad
        return out
    sol = integrate(ODEProblem(rhs=rhs), np.ones(8, dtype), 1.0, method=method, dt=0.1,
                    save_every=0.1)
    assert sol.status == "failed" and "non-finite" in sol.message
    assert sol.t[-1] == pytest.approx(0.3 if method == "euler" else 0.2)
    assert np.all(np.isfinite(sol.y)) and np.all(np.isfinite(sol.y_last))


def test_numpy_path_for_other_arrays():
    # a non-contiguous or non-float64 array is not for the fused loops; the steppers fall back
    assert not fused.available(np.ones(4, np.float32))
    assert not fused.available(np.ones(8)[::2])
    y, finite = _steps(RK4Stepper, None, np.ones(3, np.float32), lambda t, y: -y, 0.1, 10)
    assert finite is None and np.allclose(y, np.exp(-1.0), atol=1e-6)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("pair", ["rk45", "dop853"])
def test_fused_adaptive_pairs_take_scipys_steps(pair, dtype):
    """The fused stage sums and error norm are SciPy's arithmetic reordered: the same accepted
    and rejected steps, the same evaluations, the same state to rounding."""
    from scipy.integrate import DOP853, RK45
    from runtime.integrate.explicit import FusedDOP853, FusedRK45
    plain, fast = {"rk45": (RK45, FusedRK45), "dop853": (DOP853, FusedDOP853)}[pair]
    rng = np.random.default_rng(2)
    a = rng.uniform(-3.0, 0.5, 3000)
    y0 = rng.standard_normal(3000).astype(dtype)

    def rhs(t, y):
        return a * y - y * np.abs(y) ** 2 + np.roll(y, 1) * np.cos(3 * t)
    runs = []
    for cls in (plain, fast):
        solver = cls(rhs, 0.0, y0, 2.0, rtol=1e-7, atol=1e-10)
        steps = 0
        while solver.status == "running":
            solver.step()
            steps += 1
        runs.append((steps, solver.nfev, solver.y, solver.dense_output()(1.9)))
    assert runs[0][:2] == runs[1][:2] and runs[0][0] > 10
    for k in (2, 3):
        assert np.max(np.abs(runs[0][k] - runs[1][k])) <= 1e-13 * np.max(np.abs(runs[0][k]))


@needs_numba
def test_integrate_uses_the_fused_pairs_and_finite_check():
    from scipy.integrate import DOP853
    from runtime.integrate.explicit import FusedDOP853, _solver_class
    from runtime.integrate.recording import is_finite
    assert _solver_class(DOP853, FusedDOP853, np.ones(5), 1e-12) is FusedDOP853
    assert _solver_class(DOP853, FusedDOP853, np.ones(5), np.ones(5)) is DOP853   # array atol
    assert _solver_class(DOP853, FusedDOP853, np.ones(5, np.float32), 1e-12) is DOP853
    sol = integrate(ODEProblem(rhs=lambda t, y: -y), np.ones(5), 1.0, method="dop853",
                    rtol=1e-10, atol=1e-12)
    assert sol.status == "success" and np.allclose(sol.y[-1], np.exp(-1.0), atol=1e-10)
    assert is_finite(np.ones(4)) and not is_finite(np.array([1.0, np.nan]))
    assert not is_finite(np.array([1j, complex(0, np.inf)]))
    assert not is_finite(np.array([1.0, np.inf], dtype=np.float32))     # NumPy path


@needs_numba
@pytest.mark.parametrize("real_linear", [True, False])
@pytest.mark.parametrize("method", ["ifrk4", "etdrk4"])
def test_fused_exponential_steps_equal_the_numpy_path(method, real_linear):
    from runtime.integrate.exponential import ETDRK4Stepper, IFRK4Stepper
    rng = np.random.default_rng(3)
    k = np.fft.fftfreq(1024, 1 / 1024.0)
    lin = -0.01 * k ** 2 if real_linear else -0.5j * 0.01 * k ** 2 - 0.1
    y0 = np.fft.fft(np.exp(-np.linspace(-5, 5, 1024) ** 2) * (1 + 0.1j * rng.random(1024)))

    def nonlinear(t, y):
        u = np.fft.ifft(y)
        return np.fft.fft(1j * np.abs(u) ** 2 * u * np.cos(t))
    cls = {"ifrk4": IFRK4Stepper, "etdrk4": ETDRK4Stepper}[method]
    results = []
    for flag in (None, False):
        stepper = cls(lin, nonlinear, IntegrationStats(), fused=flag)
        y = y0
        for n in range(20):
            y = stepper.step(0.05 * n, y, 0.05)
        results.append((y, stepper.finite))
    (fast, finite), (slow, slow_finite) = results
    assert finite is True and slow_finite is None
    assert np.max(np.abs(fast - slow)) <= 1e-13 * np.max(np.abs(slow))
    assert np.max(np.abs(fast - y0)) > 1e-3 * np.max(np.abs(y0))
