"""The NLP-to-NLP maps behind the interior-point method keep their derivatives consistent:
fixed-variable reduction, gradient scaling, and the feasibility-restoration problem."""
import numpy as np
import pytest

from nlp_test_kernels import build_kernels
from runtime import solve_nlp
from runtime.reduce import reduce_problem
from runtime.restoration import elastic_start, restoration_problem
from runtime.scaling import gradient_scaling

INF = np.inf


def _problem():
    """3 variables (x1 fixed at 0.5), rows: equality, inequality, unconstrained."""
    def c(x):
        return np.array([x[0] * x[1] + x[2] ** 2, np.exp(x[0]) - x[2], x[1] ** 3])

    def jac(x):
        return np.array([[x[1], x[0], 2 * x[2]], [np.exp(x[0]), 0, -1], [0, 3 * x[1] ** 2, 0]])

    def hess(x, s, lam):
        hf = np.array([[2, 1, 0], [1, 4, 0], [0, 0, 6 * x[2]]]) * 1.0
        h0 = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 2]]) * 1.0
        h1 = np.diag([np.exp(x[0]), 0, 0])
        h2 = np.diag([0, 6 * x[1], 0])
        return s * hf + lam[0] * h0 + lam[1] * h1 + lam[2] * h2
    return build_kernels(
        lambda x: x[0] ** 2 + x[0] * x[1] + 2 * x[1] ** 2 + x[2] ** 3,
        lambda x: np.array([2 * x[0] + x[1], x[0] + 4 * x[1], 3 * x[2] ** 2]), 3, m=3,
        c=c, jac=jac, hess=hess, x_lower=[-INF, 0.5, 0], x_upper=[INF, 0.5, 300],
        c_lower=[1, -INF, -INF], c_upper=[1, 2, INF])


def _dense(k, x, sigma, lam):
    jac = np.zeros((k.m, k.n))
    np.add.at(jac, (k.jacobian_pattern.rows, k.jacobian_pattern.cols), k.jacobian(x))
    hess = np.zeros((k.n, k.n))
    np.add.at(hess, (k.hessian_pattern.rows, k.hessian_pattern.cols), k.hessian(x, sigma, lam))
    return jac, hess


def _check(k, x, rng):
    """gradient, Jacobian, Hessian of the Lagrangian vs finite differences; hvp vs Hessian."""
    lam, sigma, h = rng.normal(size=k.m), 0.7, 1e-6
    jac, hess = _dense(k, x, sigma, lam)
    for i in range(k.n):
        e = np.zeros(k.n)
        e[i] = h
        assert (k.objective(x + e) - k.objective(x - e)) / (2 * h) == pytest.approx(
            k.gradient(x)[i], rel=1e-6, abs=1e-6)
        np.testing.assert_allclose((k.constraints(x + e) - k.constraints(x - e)) / (2 * h),
                                   jac[:, i], rtol=1e-6, atol=1e-6)
        lag = (lambda z: sigma * k.gradient(z) + _dense(k, z, sigma, lam)[0].T @ lam)
        np.testing.assert_allclose((lag(x + e) - lag(x - e)) / (2 * h), hess[:, i],
                                   rtol=1e-5, atol=1e-5)
    v = rng.normal(size=k.n)
    np.testing.assert_allclose(k.hvp(x, sigma, lam, v), hess @ v, rtol=1e-12, atol=1e-12)


def test_reduction_removes_fixed_variables_and_free_rows(rng):
    red = reduce_problem(_problem())
    k = red.kernels
    assert (k.n, k.m) == (2, 2)
    np.testing.assert_array_equal(red.free, [0, 2])
    np.testing.assert_array_equal(red.rows, [0, 1])
    np.testing.assert_array_equal(red.expand_x(np.array([3.0, 4.0])), [3.0, 0.5, 4.0])
    np.testing.assert_array_equal(red.expand_rows(np.array([1.0, 2.0])), [1.0, 2.0, 0.0])
    _check(k, np.array([0.3, 1.7]), rng)


def test_scaling_is_consistent(rng):
    red = reduce_problem(_problem())
    sc = gradient_scaling(red.kernels, np.array([0.3, 60.0]), 100.0, 1e-8)
    assert sc.objective == pytest.approx(100 / (3 * 60.0 ** 2))   # steep x2^3 term
    np.testing.assert_allclose(sc.constraints, [100 / 120.0, 1.0])  # only row 0 is steep
    np.testing.assert_allclose(sc.kernels.c_lower, [100 / 120.0, -INF])
    _check(sc.kernels, np.array([0.3, 1.7]), rng)


def test_restoration_problem(rng):
    k = reduce_problem(_problem()).kernels
    x_ref = np.array([0.3, 1.7])
    kr = restoration_problem(k, x_ref, zeta=0.3, rho=1000.0)
    assert (kr.n, kr.m) == (6, 2)
    np.testing.assert_array_equal(kr.x_lower[2:], 0.0)
    v = np.concatenate([x_ref + 0.1, [0.2, 0.3, 0.4, 0.5]])
    _check(kr, v, rng)
    np.testing.assert_allclose(kr.constraints(v), k.constraints(v[:2]) - [0.2, 0.3] + [0.4, 0.5])


def test_elastic_start_solves_the_elastic_problem():
    r = np.array([-5.0, -1e-3, 0.0, 1e-3, 5.0, 1e6])
    p, n = elastic_start(r, mu=0.1, rho=1000.0)
    np.testing.assert_allclose(p - n, r, rtol=1e-12, atol=1e-12)
    assert np.all(p > 0) and np.all(n > 0)
    # optimality of rho (p + n) - mu (log p + log n) with p - n = r: rho - mu/p = -(rho - mu/n)
    np.testing.assert_allclose(1000 - 0.1 / p, -(1000 - 0.1 / n), rtol=1e-6, atol=1e-9)


def test_solve_through_all_transformations():
    # fixed variable, free row, steep scaling: the result is in the user's units
    r = solve_nlp(_problem(), [0.5, 0.5, 0.5])
    assert r.converged, r.message
    assert r.x[1] == 0.5 and r.multipliers[2] == 0.0
    k = _problem()
    c = k.constraints(r.x)
    assert c[0] == pytest.approx(1.0, abs=1e-8) and c[1] <= 2 + 1e-8
    assert r.dual_infeasibility < 1e-7


def test_huge_bounds_mean_no_bound():
    k = build_kernels(lambda x: (x[0] - 2) ** 2, lambda x: 2 * (x - 2), 1,
                      hess=lambda x, s, l: 2 * s * np.eye(1), x_lower=[-1e20], x_upper=[1e19])
    r = solve_nlp(k, [50.0])
    assert r.method == "newton-cg" and r.converged and r.x[0] == pytest.approx(2.0)


@pytest.fixture
def rng():
    return np.random.default_rng(7)
