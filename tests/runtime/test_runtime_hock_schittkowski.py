"""Hock-Schittkowski problems solved by the interior-point method, checked against known optima.

Each problem is hand-written NumPy (objective, gradient, constraints, dense Jacobian, dense
Hessian of the Lagrangian); both KKT back ends (dense LDL with exact inertia, sparse LU with the
inertia-free curvature test) must reach the published optimum.
"""
import numpy as np
import pytest

from nlp_test_kernels import hs071_hessian, build_kernels, stationarity
from runtime import solve_nlp

INF = np.inf


def _rosenbrock():
    f = lambda x: 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
    g = lambda x: np.array([-400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0]),
                            200 * (x[1] - x[0] ** 2)])
    h = lambda x: np.array([[1200 * x[0] ** 2 - 400 * x[1] + 2, -400 * x[0]],
                            [-400 * x[0], 200.0]])
    return f, g, h


def hs001():
    f, g, h = _rosenbrock()
    return dict(f=f, grad=g, n=2, hess=lambda x, s, l: s * h(x), x_lower=[-INF, -1.5]), \
        [-2.0, 1.0], 0.0, [1.0, 1.0]


def hs002():
    # From the usual start (-2, 1) the KKT point (-1.2210, 1.5), f = 4.9412, is as close: start
    # in the basin of the global solution instead.
    f, g, h = _rosenbrock()
    return dict(f=f, grad=g, n=2, hess=lambda x, s, l: s * h(x), x_lower=[-INF, 1.5]), \
        [2.0, 1.0], 0.0504261879, [1.224370749, 1.5]


def hs004():
    return dict(f=lambda x: (x[0] + 1) ** 3 / 3 + x[1],
                grad=lambda x: np.array([(x[0] + 1) ** 2, 1.0]), n=2,
                hess=lambda x, s, l: s * np.array([[2 * (x[0] + 1), 0], [0, 0]]),
                x_lower=[1, 0]), [1.125, 0.125], 8 / 3, [1.0, 0.0]


def hs005():
    def hess(x, s, l):
        q = -np.sin(x[0] + x[1])
        return s * np.array([[q + 2, q - 2], [q - 2, q + 2]])
    return dict(f=lambda x: np.sin(x[0] + x[1]) + (x[0] - x[1]) ** 2 - 1.5 * x[0] + 2.5 * x[1] + 1,
                grad=lambda x: np.array([np.cos(x[0] + x[1]) + 2 * (x[0] - x[1]) - 1.5,
                                         np.cos(x[0] + x[1]) - 2 * (x[0] - x[1]) + 2.5]),
                n=2, hess=hess, x_lower=[-1.5, -3], x_upper=[4, 3]), [0.0, 0.0], \
        -0.5 * np.sqrt(3) - np.pi / 3, [0.5 - np.pi / 3, -0.5 - np.pi / 3]


def hs006():
    return dict(f=lambda x: (1 - x[0]) ** 2, grad=lambda x: np.array([-2 * (1 - x[0]), 0.0]),
                n=2, m=1, c=lambda x: np.array([10 * (x[1] - x[0] ** 2)]),
                jac=lambda x: np.array([[-20 * x[0], 10.0]]),
                hess=lambda x, s, l: np.array([[2 * s - 20 * l[0], 0], [0, 0]])), \
        [-1.2, 1.0], 0.0, [1.0, 1.0]


def hs010():
    return dict(f=lambda x: x[0] - x[1], grad=lambda x: np.array([1.0, -1.0]), n=2, m=1,
                c=lambda x: np.array([-3 * x[0] ** 2 + 2 * x[0] * x[1] - x[1] ** 2 + 1]),
                jac=lambda x: np.array([[-6 * x[0] + 2 * x[1], 2 * x[0] - 2 * x[1]]]),
                hess=lambda x, s, l: l[0] * np.array([[-6.0, 2], [2, -2]]),
                c_lower=[0], c_upper=[INF]), [-10.0, 10.0], -1.0, [0.0, 1.0]


def hs011():
    return dict(f=lambda x: (x[0] - 5) ** 2 + x[1] ** 2 - 25,
                grad=lambda x: np.array([2 * (x[0] - 5), 2 * x[1]]), n=2, m=1,
                c=lambda x: np.array([-x[0] ** 2 + x[1]]),
                jac=lambda x: np.array([[-2 * x[0], 1.0]]),
                hess=lambda x, s, l: np.diag([2 * s - 2 * l[0], 2 * s]),
                c_lower=[0], c_upper=[INF]), [4.9, 0.1], -8.498464223, [1.2347728, 1.5246639]


def hs012():
    return dict(f=lambda x: 0.5 * x[0] ** 2 + x[1] ** 2 - x[0] * x[1] - 7 * x[0] - 7 * x[1],
                grad=lambda x: np.array([x[0] - x[1] - 7, 2 * x[1] - x[0] - 7]), n=2, m=1,
                c=lambda x: np.array([25 - 4 * x[0] ** 2 - x[1] ** 2]),
                jac=lambda x: np.array([[-8 * x[0], -2 * x[1]]]),
                hess=lambda x, s, l: (s * np.array([[1.0, -1], [-1, 2]])
                                      + l[0] * np.diag([-8.0, -2])),
                c_lower=[0], c_upper=[INF]), [0.0, 0.0], -30.0, [2.0, 3.0]


def hs014():
    r7 = np.sqrt(7)
    return dict(f=lambda x: (x[0] - 2) ** 2 + (x[1] - 1) ** 2,
                grad=lambda x: np.array([2 * (x[0] - 2), 2 * (x[1] - 1)]), n=2, m=2,
                c=lambda x: np.array([1 - x[0] ** 2 / 4 - x[1] ** 2, x[0] - 2 * x[1] + 1]),
                jac=lambda x: np.array([[-0.5 * x[0], -2 * x[1]], [1.0, -2.0]]),
                hess=lambda x, s, l: np.diag([2 * s - 0.5 * l[0], 2 * s - 2 * l[0]]),
                c_lower=[0, 0], c_upper=[INF, 0]), [2.0, 2.0], 9 - 23 * r7 / 8, \
        [(r7 - 1) / 2, (r7 + 1) / 4]


def hs015():
    f, g, h = _rosenbrock()
    return dict(f=f, grad=g, n=2, m=2,
                c=lambda x: np.array([x[0] * x[1] - 1, x[0] + x[1] ** 2]),
                jac=lambda x: np.array([[x[1], x[0]], [1.0, 2 * x[1]]]),
                hess=lambda x, s, l: s * h(x) + np.array([[0, l[0]], [l[0], 2 * l[1]]]),
                x_upper=[0.5, INF], c_lower=[0, 0], c_upper=[INF, INF]), \
        [-2.0, 1.0], 306.5, [0.5, 2.0]


def hs021():
    return dict(f=lambda x: 0.01 * x[0] ** 2 + x[1] ** 2 - 100,
                grad=lambda x: np.array([0.02 * x[0], 2 * x[1]]), n=2, m=1,
                c=lambda x: np.array([10 * x[0] - x[1]]), jac=lambda x: np.array([[10.0, -1.0]]),
                hess=lambda x, s, l: s * np.diag([0.02, 2.0]), x_lower=[2, -50], x_upper=[50, 50],
                c_lower=[10], c_upper=[INF]), [-1.0, -1.0], -99.96, [2.0, 0.0]


def hs035():
    H = np.array([[4.0, 2, 2], [2, 4, 0], [2, 0, 2]])
    return dict(f=lambda x: 9 - 8 * x[0] - 6 * x[1] - 4 * x[2] + 2 * x[0] ** 2 + 2 * x[1] ** 2
                + x[2] ** 2 + 2 * x[0] * x[1] + 2 * x[0] * x[2],
                grad=lambda x: H @ x - np.array([8.0, 6, 4]), n=3, m=1,
                c=lambda x: np.array([x[0] + x[1] + 2 * x[2]]),
                jac=lambda x: np.array([[1.0, 1, 2]]), hess=lambda x, s, l: s * H,
                x_lower=[0, 0, 0], c_lower=[-INF], c_upper=[3]), [0.5, 0.5, 0.5], 1 / 9, \
        [4 / 3, 7 / 9, 4 / 9]


def hs039():
    return dict(f=lambda x: -x[0], grad=lambda x: np.array([-1.0, 0, 0, 0]), n=4, m=2,
                c=lambda x: np.array([x[1] - x[0] ** 3 - x[2] ** 2, x[0] ** 2 - x[1] - x[3] ** 2]),
                jac=lambda x: np.array([[-3 * x[0] ** 2, 1, -2 * x[2], 0],
                                        [2 * x[0], -1, 0, -2 * x[3]]]),
                hess=lambda x, s, l: l[0] * np.diag([-6 * x[0], 0, -2, 0])
                + l[1] * np.diag([2.0, 0, 0, -2])), [2.0] * 4, -1.0, [1.0, 1.0, 0.0, 0.0]


def hs040():
    def grad(x):
        return -np.array([x[1] * x[2] * x[3], x[0] * x[2] * x[3], x[0] * x[1] * x[3],
                          x[0] * x[1] * x[2]])

    def hess(x, s, l):
        a, b, c, d = x
        hf = -np.array([[0, c * d, b * d, b * c], [c * d, 0, a * d, a * c],
                        [b * d, a * d, 0, a * b], [b * c, a * c, a * b, 0]])
        h2 = np.zeros((4, 4))
        h2[0, 0], h2[0, 3], h2[3, 0] = 2 * d, 2 * a, 2 * a
        return (s * hf + l[0] * np.diag([6 * a, 2, 0, 0]) + l[1] * h2
                + l[2] * np.diag([0, 0, 0, 2.0]))
    return dict(f=lambda x: -np.prod(x), grad=grad, n=4, m=3,
                c=lambda x: np.array([x[0] ** 3 + x[1] ** 2 - 1, x[0] ** 2 * x[3] - x[2],
                                      x[3] ** 2 - x[1]]),
                jac=lambda x: np.array([[3 * x[0] ** 2, 2 * x[1], 0, 0],
                                        [2 * x[0] * x[3], 0, -1, x[0] ** 2],
                                        [0, -1, 0, 2 * x[3]]]), hess=hess), [0.8] * 4, -0.25, \
        [2 ** (-1 / 3), 2 ** (-1 / 2), 2 ** (-11 / 12), 2 ** (-1 / 4)]


def hs043():
    def c(x):
        a, b, e, d = x
        return np.array([8 - a * a - b * b - e * e - d * d - a + b - e + d,
                         10 - a * a - 2 * b * b - e * e - 2 * d * d + a + d,
                         5 - 2 * a * a - b * b - e * e - 2 * a + b + d])

    def jac(x):
        a, b, e, d = x
        return np.array([[-2 * a - 1, -2 * b + 1, -2 * e - 1, -2 * d + 1],
                         [-2 * a + 1, -4 * b, -2 * e, -4 * d + 1],
                         [-4 * a - 2, -2 * b + 1, -2 * e, 1.0]])
    return dict(f=lambda x: x[0] ** 2 + x[1] ** 2 + 2 * x[2] ** 2 + x[3] ** 2 - 5 * x[0] - 5 * x[1]
                - 21 * x[2] + 7 * x[3],
                grad=lambda x: np.array([2 * x[0] - 5, 2 * x[1] - 5, 4 * x[2] - 21, 2 * x[3] + 7]),
                n=4, m=3, c=c, jac=jac,
                hess=lambda x, s, l: np.diag(s * np.array([2.0, 2, 4, 2]) + l[0] * -2.0
                                             + l[1] * np.array([-2.0, -4, -2, -4])
                                             + l[2] * np.array([-4.0, -2, -2, 0])),
                c_lower=[0, 0, 0], c_upper=[INF] * 3), [0.0] * 4, -44.0, [0.0, 1.0, 2.0, -1.0]


def hs048():
    H = np.array([[2.0, 0, 0, 0, 0], [0, 2, -2, 0, 0], [0, -2, 2, 0, 0], [0, 0, 0, 2, -2],
                  [0, 0, 0, -2, 2]])
    A = np.array([[1.0, 1, 1, 1, 1], [0, 0, 1, -2, -2]])
    return dict(f=lambda x: (x[0] - 1) ** 2 + (x[1] - x[2]) ** 2 + (x[3] - x[4]) ** 2,
                grad=lambda x: H @ x - np.array([2.0, 0, 0, 0, 0]), n=5, m=2,
                c=lambda x: A @ x, jac=lambda x: A, hess=lambda x, s, l: s * H,
                c_lower=[5, -3], c_upper=[5, -3]), [3.0, 5, -3, 2, -2], 0.0, [1.0] * 5


def hs065():
    H = np.array([[2 + 2 / 9, -2 + 2 / 9, 0], [-2 + 2 / 9, 2 + 2 / 9, 0], [0, 0, 2.0]])
    return dict(f=lambda x: (x[0] - x[1]) ** 2 + (x[0] + x[1] - 10) ** 2 / 9 + (x[2] - 5) ** 2,
                grad=lambda x: np.array([2 * (x[0] - x[1]) + 2 * (x[0] + x[1] - 10) / 9,
                                         -2 * (x[0] - x[1]) + 2 * (x[0] + x[1] - 10) / 9,
                                         2 * (x[2] - 5)]), n=3, m=1,
                c=lambda x: np.array([48 - x @ x]), jac=lambda x: -2 * x[None, :],
                hess=lambda x, s, l: s * H - 2 * l[0] * np.eye(3),
                x_lower=[-4.5, -4.5, -5], x_upper=[4.5, 4.5, 5], c_lower=[0], c_upper=[INF]), \
        [-5.0, 5.0, 0.0], 0.9535288567, [3.650461821, 3.65046168, 4.6204170507]


def hs071():
    hess = hs071_hessian
    return dict(f=lambda x: x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2],
                grad=lambda x: np.array([x[3] * (2 * x[0] + x[1] + x[2]), x[0] * x[3],
                                         x[0] * x[3] + 1, x[0] * (x[0] + x[1] + x[2])]),
                n=4, m=2, c=lambda x: np.array([np.prod(x), x @ x]),
                jac=lambda x: np.array([[x[1] * x[2] * x[3], x[0] * x[2] * x[3],
                                         x[0] * x[1] * x[3], x[0] * x[1] * x[2]], 2 * x]),
                hess=hess, x_lower=[1] * 4, x_upper=[5] * 4, c_lower=[25, 40],
                c_upper=[INF, 40]), [1.0, 5, 5, 1], 17.0140173, [1.0, 4.743, 3.82115, 1.37941]


def hs076():
    H = np.array([[2.0, 0, -1, 0], [0, 1, 0, 0], [-1, 0, 2, 1], [0, 0, 1, 1]])
    A = np.array([[1.0, 2, 1, 1], [3, 1, 2, -1], [0, 1, 4, 0]])
    return dict(f=lambda x: x[0] ** 2 + 0.5 * x[1] ** 2 + x[2] ** 2 + 0.5 * x[3] ** 2
                - x[0] * x[2] + x[2] * x[3] - x[0] - 3 * x[1] + x[2] - x[3],
                grad=lambda x: H @ x + np.array([-1.0, -3, 1, -1]), n=4, m=3,
                c=lambda x: A @ x, jac=lambda x: A, hess=lambda x, s, l: s * H,
                x_lower=[0] * 4, c_lower=[-INF, -INF, 1.5], c_upper=[5, 4, INF]), [0.5] * 4, \
        -4.681818181, [0.2727273, 2.090909, 0.0, 0.5454545]


def hs078():
    def grad(x):
        return np.array([np.prod(np.delete(x, i)) for i in range(5)])

    def hess(x, s, l):
        hf = np.zeros((5, 5))
        for i in range(5):
            for j in range(5):
                if i != j:
                    hf[i, j] = np.prod(np.delete(x, [i, j]))
        h2 = np.zeros((5, 5))
        h2[1, 2] = h2[2, 1] = 1.0
        h2[3, 4] = h2[4, 3] = -5.0
        return (s * hf + 2 * l[0] * np.eye(5) + l[1] * h2
                + l[2] * np.diag([6 * x[0], 6 * x[1], 0, 0, 0]))
    return dict(f=lambda x: np.prod(x), grad=grad, n=5, m=3,
                c=lambda x: np.array([x @ x - 10, x[1] * x[2] - 5 * x[3] * x[4],
                                      x[0] ** 3 + x[1] ** 3 + 1]),
                jac=lambda x: np.array([2 * x, [0, x[2], x[1], -5 * x[4], -5 * x[3]],
                                        [3 * x[0] ** 2, 3 * x[1] ** 2, 0, 0, 0]]), hess=hess), \
        [-2.0, 1.5, 2.0, -1.0, -1.0], -2.91970041, [-1.717143, 1.595709, 1.827247, -0.7636413,
                                                   -0.7636450]


PROBLEMS = {p.__name__: p for p in (hs001, hs002, hs004, hs005, hs006, hs010, hs011, hs012, hs014,
                                    hs015, hs021, hs035, hs039, hs040, hs043, hs048, hs065, hs071,
                                    hs076, hs078)}


def _fd_check(k, x):
    """The hand-written derivatives of a test problem agree with finite differences."""
    h, n = 1e-6, k.n
    rng = np.random.default_rng(0)
    lam = rng.normal(size=k.m)
    jac = np.zeros((k.m, n))
    np.add.at(jac, (k.jacobian_pattern.rows, k.jacobian_pattern.cols), k.jacobian(x))
    hess = np.zeros((n, n))
    np.add.at(hess, (k.hessian_pattern.rows, k.hessian_pattern.cols), k.hessian(x, 0.7, lam))
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        fd_g = (k.objective(x + e) - k.objective(x - e)) / (2 * h)
        assert fd_g == pytest.approx(k.gradient(x)[i], rel=1e-5, abs=1e-5)
        fd_c = (k.constraints(x + e) - k.constraints(x - e)) / (2 * h)
        np.testing.assert_allclose(fd_c, jac[:, i], rtol=1e-5, atol=1e-5)
        lag = lambda z: 0.7 * k.gradient(z) + jacobian_t(k, z) @ lam
        fd_h = (lag(x + e) - lag(x - e)) / (2 * h)
        np.testing.assert_allclose(fd_h, hess[:, i], rtol=1e-4, atol=1e-4)


def jacobian_t(k, x):
    jac = np.zeros((k.m, k.n))
    np.add.at(jac, (k.jacobian_pattern.rows, k.jacobian_pattern.cols), k.jacobian(x))
    return jac.T


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_problem_derivatives_are_consistent(name):
    spec, x0, _, _ = PROBLEMS[name]()
    k = build_kernels(**spec)
    _fd_check(k, np.asarray(x0) + 0.1)


@pytest.mark.parametrize("linear_solver", ["ldl", "qdldl", "splu"])
@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_reaches_known_optimum(name, linear_solver):
    spec, x0, f_star, x_star = PROBLEMS[name]()
    k = build_kernels(**spec)
    r = solve_nlp(k, x0, linear_solver=linear_solver)
    assert r.status == "optimal", r.message
    assert r.converged
    assert r.objective == pytest.approx(f_star, rel=1e-6, abs=1e-6)
    np.testing.assert_allclose(r.x, x_star, rtol=1e-4, atol=1e-4)
    assert r.constraint_violation <= 1e-7
    assert stationarity(k, r) <= 1e-5
    assert np.all(r.bound_multipliers_lower >= 0) and np.all(r.bound_multipliers_upper >= 0)
    assert r.iterations < 100
