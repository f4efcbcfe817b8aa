"""The interior-point method on the cases that are not plain optima: bounds, infeasibility,
unboundedness, non-finite kernel values, iteration limits, degenerate and large problems."""
import math

import numpy as np
import pytest

from nlp_test_kernels import hs071_hessian, build_kernels, stationarity
from runtime import NLPKernels, SolveResult, SparsePattern, solve_nlp

INF = np.inf


def hs071():
    hess = hs071_hessian
    return build_kernels(
        lambda x: x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2],
        lambda x: np.array([x[3] * (2 * x[0] + x[1] + x[2]), x[0] * x[3], x[0] * x[3] + 1,
                            x[0] * (x[0] + x[1] + x[2])]), 4, m=2,
        c=lambda x: np.array([np.prod(x), x @ x]),
        jac=lambda x: np.array([[x[1] * x[2] * x[3], x[0] * x[2] * x[3], x[0] * x[1] * x[3],
                                 x[0] * x[1] * x[2]], 2 * x]),
        hess=hess, x_lower=[1] * 4, x_upper=[5] * 4, c_lower=[25, 40], c_upper=[INF, 40])


def test_hs071_solution_multipliers_and_kkt():
    k = hs071()
    r = solve_nlp(k, [1.0, 5.0, 5.0, 1.0])
    assert isinstance(r, SolveResult) and r.converged and r.method == "ipm"
    assert r.objective == pytest.approx(17.0140173, rel=1e-8)
    np.testing.assert_allclose(r.x, [1.0, 4.743, 3.82115, 1.37941], atol=1e-4)
    # IPOPT's multipliers for HS071 (L = f + lam @ c): the active c1 >= 25 has lam <= 0
    np.testing.assert_allclose(r.multipliers, [-0.55229366, 0.16146856], rtol=1e-6)
    assert r.bound_multipliers_lower[0] == pytest.approx(1.08787121, rel=1e-6)
    assert np.all(r.bound_multipliers_lower[1:] < 1e-7) and np.all(r.bound_multipliers_upper < 1e-7)
    assert stationarity(k, r) < 1e-7
    assert r.dual_infeasibility < 1e-7 and r.constraint_violation < 1e-7
    gap = np.concatenate([(r.x - 1) * r.bound_multipliers_lower,
                          (5 - r.x) * r.bound_multipliers_upper])
    assert np.max(np.abs(gap)) < 1e-7
    assert r.iterations == len(r.history) - 1
    assert set(r.history[0]) >= {"iter", "objective", "inf_pr", "inf_du", "mu", "step", "reg",
                                 "alpha_pr", "alpha_du", "ls", "phase"}


def test_solution_at_bounds_has_positive_bound_multipliers():
    # HS004: min (x1+1)^3/3 + x2, x1 >= 1, x2 >= 0; both bounds active, z_L = grad f = (4, 1)
    k = build_kernels(lambda x: (x[0] + 1) ** 3 / 3 + x[1],
                      lambda x: np.array([(x[0] + 1) ** 2, 1.0]), 2,
                      hess=lambda x, s, l: s * np.array([[2 * (x[0] + 1), 0], [0, 0]]),
                      x_lower=[1, 0])
    r = solve_nlp(k, [1.125, 0.125])
    assert r.converged
    assert r.objective == pytest.approx(8 / 3, rel=1e-8)
    np.testing.assert_allclose(r.x, [1.0, 0.0], atol=1e-8)
    np.testing.assert_allclose(r.bound_multipliers_lower, [4.0, 1.0], rtol=1e-6)
    np.testing.assert_array_equal(r.bound_multipliers_upper, [0.0, 0.0])


def test_upper_bound_multiplier():
    # min |x|^2/2 - (x1 + 2 x2) on [0, 0.5] x [0, 1]: x = (0.5, 1), z_U = -grad f = (0.5, 1)
    k = build_kernels(lambda x: -(x[0] + 2 * x[1]) + 0.5 * x @ x,
                      lambda x: x - np.array([1.0, 2.0]), 2, hess=lambda x, s, l: s * np.eye(2),
                      x_lower=[0, 0], x_upper=[0.5, 1])
    r = solve_nlp(k, [0.2, 0.2])
    assert r.converged
    np.testing.assert_allclose(r.x, [0.5, 1.0], atol=1e-8)
    np.testing.assert_allclose(r.bound_multipliers_upper, [0.5, 1.0], rtol=1e-6)
    assert np.all(r.bound_multipliers_lower < 1e-8)


@pytest.mark.parametrize("linear_solver", ["ldl", "qdldl", "splu"])
def test_infeasible_square_below_minus_one(linear_solver):
    k = build_kernels(lambda x: x[0] ** 2, lambda x: 2 * x, 1, m=1, c=lambda x: x ** 2,
                      jac=lambda x: np.array([[2 * x[0]]]),
                      hess=lambda x, s, l: np.array([[2 * s + 2 * l[0]]]),
                      c_lower=[-INF], c_upper=[-1])
    r = solve_nlp(k, [3.0], linear_solver=linear_solver)
    assert r.status == "infeasible" and not r.converged
    assert "infeasible" in r.message
    assert r.x[0] == pytest.approx(0.0, abs=1e-4)       # the least violation is at x = 0
    assert r.constraint_violation == pytest.approx(1.0, rel=1e-4)


@pytest.mark.parametrize("linear_solver", ["ldl", "qdldl", "splu"])
def test_infeasible_contradicting_linear_constraints(linear_solver):
    A = np.array([[1.0, 1.0], [1.0, 1.0]])
    k = build_kernels(lambda x: x @ x, lambda x: 2 * x, 2, m=2, c=lambda x: A @ x,
                      jac=lambda x: A, hess=lambda x, s, l: 2 * s * np.eye(2),
                      c_lower=[2, -INF], c_upper=[INF, 1])
    r = solve_nlp(k, [0.0, 0.0], linear_solver=linear_solver)
    assert r.status == "infeasible"
    assert 1.0 - 1e-6 <= r.x.sum() <= 2.0 + 1e-6     # between the two contradicting sides
    assert r.constraint_violation >= 0.49


def test_unbounded_below_with_bound():
    k = build_kernels(lambda x: -x[0], lambda x: np.array([-1.0]), 1,
                      hess=lambda x, s, l: np.zeros((1, 1)), x_lower=[0])
    r = solve_nlp(k, [1.0])
    assert r.status == "unbounded" and "unbounded" in r.message
    assert r.objective < -1e19 and r.iterations < 100


@pytest.mark.parametrize("linear_solver", ["ldl", "qdldl", "splu"])
def test_unbounded_along_equality(linear_solver):
    B = np.array([[1.0, -1.0]])
    k = build_kernels(lambda x: -x[0] - x[1], lambda x: np.array([-1.0, -1.0]), 2, m=1,
                      c=lambda x: B @ x, jac=lambda x: B, hess=lambda x, s, l: np.zeros((2, 2)))
    r = solve_nlp(k, [0.0, 0.0], linear_solver=linear_solver)
    assert r.status == "unbounded"
    assert r.x[0] == pytest.approx(r.x[1], rel=1e-8) and r.iterations < 100


@pytest.mark.parametrize("kernel", ["objective", "gradient", "constraints", "jacobian", "hessian"])
def test_nan_at_the_start_names_the_kernel(kernel):
    funcs = dict(f=lambda x: x @ x, grad=lambda x: 2 * x, c=lambda x: np.array([x.sum()]),
                 jac=lambda x: np.ones((1, 2)), hess=lambda x, s, l: 2 * s * np.eye(2))
    key = dict(objective="f", gradient="grad", constraints="c", jacobian="jac",
               hessian="hess")[kernel]
    good = funcs[key]
    funcs[key] = lambda *a: np.nan * np.asarray(good(*a))
    k = build_kernels(funcs["f"], funcs["grad"], 2, m=1, c=funcs["c"], jac=funcs["jac"],
                      hess=funcs["hess"], c_lower=[1], c_upper=[1])
    r = solve_nlp(k, [1.0, 2.0])
    assert r.status == "numerical_error"
    assert kernel in r.message and "starting point" in r.message
    np.testing.assert_array_equal(r.x, [1.0, 2.0])


def test_nan_at_trial_points_backtracks():
    # f = -x - log(5 - x) is NaN for x > 5; the first Newton step from 0 jumps to x = 20
    k = build_kernels(lambda x: -x[0] - np.log(5 - x[0]), lambda x: np.array([-1 + 1 / (5 - x[0])]),
                      1, hess=lambda x, s, l: np.array([[s / (5 - x[0]) ** 2]]))
    for method in ("ipm", "newton-cg"):
        r = solve_nlp(k, [0.0], method=method)
        assert r.converged, (method, r.message)
        assert r.x[0] == pytest.approx(4.0, abs=1e-6)


def test_exception_in_kernel_is_an_evaluation_failure():
    # math.log raises ValueError outside its domain: treated like NaN (backtrack)
    k = build_kernels(lambda x: -x[0] - math.log(5 - x[0]),
                      lambda x: np.array([-1 + 1 / (5 - x[0])]),
                      1, hess=lambda x, s, l: np.array([[s / (5 - x[0]) ** 2]]), x_lower=[-10])
    r = solve_nlp(k, [0.0])
    assert r.converged and r.x[0] == pytest.approx(4.0, abs=1e-6)


def test_nan_everywhere_ahead_is_numerical_error():
    # the gradient says "go right", but every point right of x0 = 1 is NaN
    k = build_kernels(lambda x: -x[0] if x[0] <= 1 else np.nan, lambda x: np.array([-1.0]), 1,
                      hess=lambda x, s, l: np.array([[1.0]]), x_lower=[0])
    r = solve_nlp(k, [1.0])
    assert r.status == "numerical_error" and "objective" in r.message
    assert r.x[0] <= 1.0 and np.isfinite(r.objective)


def test_max_iter_keeps_the_last_iterate():
    k = hs071()
    r = solve_nlp(k, [1.0, 5.0, 5.0, 1.0], max_iter=3)
    assert r.status == "max_iter" and not r.converged and "3" in r.message
    assert r.iterations == 3 and len(r.history) == 4
    assert not np.allclose(r.x, [1.0, 5.0, 5.0, 1.0])
    assert r.objective == pytest.approx(k.objective(r.x))
    assert r.objective == pytest.approx(r.history[-1]["objective"], rel=1e-6)
    assert r.multipliers.shape == (2,) and np.all(np.isfinite(r.multipliers))
    assert np.isfinite(r.dual_infeasibility) and r.constraint_violation > 0


@pytest.mark.parametrize("linear_solver", ["ldl", "qdldl", "splu"])
def test_redundant_equalities(linear_solver):
    # a rank-deficient Jacobian: the KKT matrix is singular without delta_c
    A = np.array([[1.0, 1.0], [2.0, 2.0]])
    k = build_kernels(lambda x: x @ x, lambda x: 2 * x, 2, m=2, c=lambda x: A @ x,
                      jac=lambda x: A, hess=lambda x, s, l: 2 * s * np.eye(2),
                      c_lower=[1, 2], c_upper=[1, 2])
    r = solve_nlp(k, [3.0, -1.0], linear_solver=linear_solver)
    assert r.converged, r.message
    np.testing.assert_allclose(r.x, [0.5, 0.5], atol=1e-7)
    assert r.objective == pytest.approx(0.5, rel=1e-8)


def test_fixed_variables_and_free_rows():
    # x2 fixed at 2 by its bounds; the second row is unconstrained (both bounds infinite)
    A = np.array([[1.0, 1.0, 1.0], [1.0, -1.0, 3.0]])
    k = build_kernels(lambda x: x @ x, lambda x: 2 * x, 3, m=2, c=lambda x: A @ x,
                      jac=lambda x: A, hess=lambda x, s, l: 2 * s * np.eye(3),
                      x_lower=[-INF, 2, -INF], x_upper=[INF, 2, INF], c_lower=[4, -INF],
                      c_upper=[4, INF])
    r = solve_nlp(k, [0.0, 0.0, 0.0])
    assert r.converged
    np.testing.assert_allclose(r.x, [1.0, 2.0, 1.0], atol=1e-8)
    assert r.multipliers[1] == 0.0 and r.multipliers[0] == pytest.approx(-2.0, rel=1e-7)
    # the fixed variable's multiplier balances its gradient: 2*2 + lam0 = 2 = z_L
    assert r.bound_multipliers_lower[1] == pytest.approx(2.0, rel=1e-7)
    assert stationarity(k, r) < 1e-7


def test_inconsistent_bounds_are_infeasible():
    k = build_kernels(lambda x: x @ x, lambda x: 2 * x, 2, hess=lambda x, s, l: 2 * np.eye(2),
                      x_lower=[0, 3], x_upper=[1, 2])
    r = solve_nlp(k, [0.5, 2.5])
    assert r.status == "infeasible" and "x_lower[1]" in r.message


def test_linear_program():
    # min -x1 - 2 x2  s.t.  x1 + x2 <= 4, x1 + 3 x2 <= 6, x >= 0  ->  x = (3, 1), f = -5
    A = np.array([[1.0, 1.0], [1.0, 3.0]])
    k = build_kernels(lambda x: -x[0] - 2 * x[1], lambda x: np.array([-1.0, -2.0]), 2, m=2,
                      c=lambda x: A @ x, jac=lambda x: A, hess=lambda x, s, l: np.zeros((2, 2)),
                      x_lower=[0, 0], c_lower=[-INF, -INF], c_upper=[4, 6])
    r = solve_nlp(k, [0.0, 0.0])
    assert r.converged
    np.testing.assert_allclose(r.x, [3.0, 1.0], atol=1e-7)
    np.testing.assert_allclose(r.multipliers, [0.5, 0.5], rtol=1e-6)


def test_badly_scaled_problem():
    # a steep objective and a steep constraint: gradient-based scaling keeps tol meaningful
    k = build_kernels(lambda x: 1e6 * (x[0] - 1) ** 2 + 1e6 * (x[1] - 2) ** 2,
                      lambda x: 2e6 * (x - np.array([1.0, 2.0])), 2, m=1,
                      c=lambda x: np.array([1e5 * (x[0] + x[1])]),
                      jac=lambda x: np.array([[1e5, 1e5]]),
                      hess=lambda x, s, l: 2e6 * s * np.eye(2), c_lower=[-INF], c_upper=[2e5])
    r = solve_nlp(k, [0.0, 0.0])
    assert r.converged
    np.testing.assert_allclose(r.x, [0.5, 1.5], atol=1e-6)
    assert r.multipliers[0] == pytest.approx(10.0, rel=1e-5)


def _tridiagonal_bounded(n):
    """min sum (x_i - a_i)^2 + sum (x_{i+1} - x_i)^2 + sum x_i^4 / 4 on [0, 1]^n, a = 2 sin(i)."""
    a = 2 * np.sin(np.arange(n))
    i = np.arange(n)

    def diag(x):
        d = 6.0 + 3 * x ** 2
        d[[0, -1]] -= 2
        return d

    def grad(x):
        d = np.diff(x)
        g = 2 * (x - a) + x ** 3
        g[:-1] -= 2 * d
        g[1:] += 2 * d
        return g

    def hvp(x, s, lam, v):
        out = diag(x) * v
        out[:-1] -= 2 * v[1:]
        out[1:] -= 2 * v[:-1]
        return s * out
    empty = np.zeros(0, dtype=int)
    return NLPKernels(
        n=n, m=0, x_lower=np.zeros(n), x_upper=np.ones(n), c_lower=np.zeros(0),
        c_upper=np.zeros(0),
        objective=lambda x: float(np.sum((x - a) ** 2) + np.sum(np.diff(x) ** 2)
                                  + np.sum(x ** 4) / 4),
        gradient=grad, constraints=lambda x: np.zeros(0), jacobian=lambda x: np.zeros(0),
        jacobian_pattern=SparsePattern(empty, empty, (0, n)),
        hessian=lambda x, s, lam: s * np.concatenate([diag(x), -2 * np.ones(2 * (n - 1))]),
        hessian_pattern=SparsePattern(np.concatenate([i, i[:-1], i[1:]]),
                                      np.concatenate([i, i[1:], i[:-1]]), (n, n)),
        hvp=hvp)


def test_large_bound_constrained_tridiagonal():
    n = 100_000
    k = _tridiagonal_bounded(n)
    r = solve_nlp(k, np.full(n, 0.5))
    assert r.converged and r.iterations < 40
    # the objective is strictly convex (diagonally dominant Hessian), so the KKT conditions
    # certify the global optimum: stationarity, complementarity, signs
    zl, zu = r.bound_multipliers_lower, r.bound_multipliers_upper
    assert np.max(np.abs(k.gradient(r.x) - zl + zu)) < 1e-6
    assert np.max(r.x * zl) < 1e-8 and np.max((1 - r.x) * zu) < 1e-8
    assert np.all(zl >= 0) and np.all(zu >= 0) and r.constraint_violation == 0.0
    assert np.sum(zl > 1e-3) > 10_000 and np.sum(zu > 1e-3) >= 1


def _control(N, T=5.0):
    """Discretized optimal control with N steps (N + 1 equality constraints):

    min h sum (y_i - 0.5)^2 + 0.01 h sum u_i^2  s.t.  y_{i+1} = y_i + h (u_i - y_i^3), y_0 = 1,
    -1 <= u <= 1, y >= 0.3, and the path constraint y_i + u_i <= 1 (inequalities).
    """
    h, ny = T / N, N + 1
    n, r = ny + N, np.arange(N)
    yi, ui = np.arange(ny), ny + np.arange(N)

    def cons(z):
        y, u = z[:ny], z[ny:]
        return np.concatenate([[y[0] - 1], y[1:] - y[:-1] - h * (u - y[:-1] ** 3), y[:-1] + u])

    def jac(z):
        y = z[:ny]
        return np.concatenate([[1.0], np.ones(N), -1 + 3 * h * y[:-1] ** 2, -h * np.ones(N),
                               np.ones(2 * N)])

    def hess(z, s, lam):
        y = z[:ny]
        dy = np.full(ny, 2 * h * s)
        dy[:-1] += lam[1:N + 1] * 6 * h * y[:-1]
        return np.concatenate([dy, np.full(N, 2e-2 * h * s)])
    jrows = np.concatenate([[0], 1 + r, 1 + r, 1 + r, N + 1 + r, N + 1 + r])
    jcols = np.concatenate([[0], yi[1:], yi[:-1], ui, yi[:-1], ui])
    m = 2 * N + 1
    return NLPKernels(
        n=n, m=m, x_lower=np.concatenate([np.full(ny, 0.3), -np.ones(N)]),
        x_upper=np.concatenate([np.full(ny, INF), np.ones(N)]),
        c_lower=np.concatenate([np.zeros(N + 1), np.full(N, -INF)]),
        c_upper=np.concatenate([np.zeros(N + 1), np.ones(N)]),
        objective=lambda z: float(h * np.sum((z[:ny] - 0.5) ** 2) + 1e-2 * h * z[ny:] @ z[ny:]),
        gradient=lambda z: np.concatenate([2 * h * (z[:ny] - 0.5), 2e-2 * h * z[ny:]]),
        constraints=cons, jacobian=jac, jacobian_pattern=SparsePattern(jrows, jcols, (m, n)),
        hessian=hess, hessian_pattern=SparsePattern(np.arange(n), np.arange(n), (n, n)),
        hvp=lambda z, s, lam, v: hess(z, s, lam) * v)


def test_optimal_control_with_thousands_of_constraints():
    N = 4000
    k = _control(N)
    r = solve_nlp(k, np.concatenate([np.ones(N + 1), np.zeros(N)]))
    assert r.converged and r.iterations < 60
    assert r.constraint_violation < 1e-8 and stationarity(k, r) < 1e-6
    y, u = r.x[:N + 1], r.x[N + 1:]
    assert y[0] == pytest.approx(1.0) and np.all(y + 1e-9 >= 0.3) and np.all(np.abs(u) <= 1)
    # a finer grid gives nearly the same optimal cost (the discretization converges)
    r2 = solve_nlp(_control(2 * N), np.concatenate([np.ones(2 * N + 1), np.zeros(2 * N)]))
    assert r2.converged and r2.objective == pytest.approx(r.objective, rel=5e-3)
