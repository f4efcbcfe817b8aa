"""Piecewise objectives and constraints: derivatives branch by branch (the branch taken at the
point), checked against finite differences and a closed-form optimum on every backend."""
import numpy as np
import pytest

import symbolic as sy

BACKENDS = ["numpy", "numba", "jax"]


def _huber(r, delta=1):
    return sy.Piecewise((r**2 / 2, sy.Abs(r) <= delta), (delta * (r - delta / 2), r > 0),
                        (-delta * (r + delta / 2), True))


@pytest.fixture(scope="module")
def huber_fit():
    """Robust line fit: Huber loss of residuals over data rows (an array template)."""
    n = 40
    rng = np.random.default_rng(3)
    t = np.linspace(0, 1, n)
    data = 2 * t + 1 + 0.05 * rng.standard_normal(n)
    data[::7] += 5.0                                         # outliers
    w = sy.Variable("w", shape=2)
    T, Y = sy.Parameter("T", shape=n), sy.Parameter("Y", shape=n)
    prob = sy.Problem(minimize=sy.sum(_huber(Y - w[0] - w[1] * T)), over=w)
    return prob, {"T": t, "Y": data}


def _scipy_huber_fit(params):
    from scipy.optimize import minimize
    t, y = params["T"], params["Y"]

    def f(w):
        r = np.abs(y - w[0] - w[1] * t)
        return np.sum(np.where(r <= 1, r**2 / 2, r - 0.5))
    return minimize(f, np.zeros(2), method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-14,
                                                                     "maxiter": 20000}).x


@pytest.mark.parametrize("backend", BACKENDS)
def test_huber_fit_matches_a_derivative_free_reference(huber_fit, backend):
    prob, params = huber_fit
    res = prob.compile(backend=backend).solve(x0=np.zeros(2), params=params)
    assert res.status == "optimal", res.message
    np.testing.assert_allclose(res.x, _scipy_huber_fit(params), atol=1e-6)


def test_piecewise_gradient_and_hvp_against_finite_differences(huber_fit):
    prob, params = huber_fit
    k = prob.compile(backend="numpy").kernels(params)
    rng = np.random.default_rng(0)
    w, v, h = rng.standard_normal(2), rng.standard_normal(2), 1e-6
    fd = np.array([(k.objective(w + h * e) - k.objective(w - h * e)) / (2 * h) for e in np.eye(2)])
    np.testing.assert_allclose(k.gradient(w), fd, rtol=1e-6, atol=1e-7)
    hv = (k.gradient(w + h * v) - k.gradient(w - h * v)) / (2 * h)
    np.testing.assert_allclose(k.hvp(w, 1.0, np.zeros(0), v), hv, rtol=1e-5, atol=1e-6)


def test_piecewise_in_a_constraint():
    x = sy.Variable("x", shape=2)
    bump = sy.Piecewise((x[0]**2, x[0] >= 0), (0, True))
    prob = sy.Problem(minimize=(x[0] - 2)**2 + (x[1] - 2)**2, subject_to=[bump + x[1] <= 2],
                      over=x)
    res = prob.compile(backend="numba").solve(x0=np.zeros(2))
    # active on the branch x0 >= 0 (x0^2 + x1 = 2): the KKT conditions hold there
    x0 = res.x[0]
    assert res.status == "optimal", res.message
    assert abs(x0**2 + res.x[1] - 2) < 1e-8
    lam = 2 * (2 - res.x[1])                            # from d/dx1: 2(x1 - 2) + lam = 0
    assert abs(2 * (x0 - 2) + lam * 2 * x0) < 1e-7      # d/dx0: 2(x0 - 2) + lam 2 x0 = 0


def test_a_derivative_of_the_conditions_alone_is_zero():
    x = sy.Variable("x", shape=2)
    step = sy.Piecewise((1, x[0] > 0), (-1, True))
    k = sy.Problem(minimize=step + x[1]**2, over=x).compile(backend="numpy").kernels()
    np.testing.assert_allclose(k.gradient(np.array([0.3, 0.5])), [0.0, 1.0])
