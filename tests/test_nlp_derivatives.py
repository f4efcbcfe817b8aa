"""Derived gradient, Jacobian, Hessian and HVP against finite differences, on every backend."""
import numpy as np
import pytest

import symbolic as sy
from conftest import dense, fd_gradient, fd_jacobian

BACKENDS = ["numpy", "numba", "jax"]


def structured_problem(n=7):
    y = sy.Variable("y", shape=n)
    t = sy.Variable("t")
    A = sy.Parameter("A", shape=(3, n))
    b = sy.Parameter("b", shape=3)
    f = (sy.sum(100 * (y[1:] - y[:-1] ** 2) ** 2 + (1 - y[:-1]) ** 2)
         + sy.sum((A @ y - b) ** 2) + sy.sum(y ** 2) ** 2 / 10 + t ** 2 * sy.sum(sy.sin(y[::2]))
         + sy.exp(t * y[0]))
    cons = [y[1:] >= y[:-1], sy.Eq(y[0] * y[1], 1), sy.exp(A @ y) <= 3,
            sy.log(1 + y[2:] ** 2) + t * y[:-2] <= 4, sy.Eq(t + sy.sum(y), 2)]
    params = {"A": np.linspace(-1, 1, 3 * n).reshape(3, n), "b": np.array([0.5, -0.2, 1.0])}
    return sy.Problem(minimize=f, subject_to=cons), params, n + 1


def scalar_problem():
    x = sy.Variable("x", shape=4, lower=1, upper=5)
    return sy.Problem(minimize=x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2],
                      subject_to=[x[0] * x[1] * x[2] * x[3] >= 25,
                                  sy.Eq(x[0] ** 2 + x[1] ** 2 + x[2] ** 2 + x[3] ** 2, 40)]), {}, 4


@pytest.fixture(scope="module", params=[structured_problem, scalar_problem],
                ids=["structured", "scalar"])
def case(request):
    prob, params, n = request.param()
    return prob, params, n, {b: prob.compile(backend=b).kernels(params) for b in BACKENDS}


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradient_jacobian_against_finite_differences(case, backend, rng):
    prob, params, n, ks = case
    k = ks[backend]
    x = rng.uniform(0.5, 1.5, n)
    np.testing.assert_allclose(k.gradient(x), fd_gradient(k.objective, x), rtol=1e-6, atol=1e-6)
    if k.m:
        J = dense(k.jacobian(x), k.jacobian_pattern)
        np.testing.assert_allclose(J, fd_jacobian(k.constraints, x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_hessian_and_hvp_against_finite_differences(case, backend, rng):
    prob, params, n, ks = case
    k = ks[backend]
    x, v = rng.uniform(0.5, 1.5, n), rng.standard_normal(n)
    lam, sigma = rng.standard_normal(k.m), 0.7

    def lagrangian_grad(z):
        g = sigma * k.gradient(z)
        if k.m:
            g = g + dense(k.jacobian(z), k.jacobian_pattern).T @ lam
        return g

    H = dense(k.hessian(x, sigma, lam), k.hessian_pattern)
    np.testing.assert_allclose(H, fd_jacobian(lagrangian_grad, x), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    np.testing.assert_allclose(k.hvp(x, sigma, lam, v), H @ v, rtol=1e-10, atol=1e-10)


def test_backends_agree(case, rng):
    prob, params, n, ks = case
    x, v = rng.uniform(0.5, 1.5, n), rng.standard_normal(n)
    lam = rng.standard_normal(ks["numpy"].m)
    ref = ks["numpy"]
    for backend in ("numba", "jax"):
        k = ks[backend]
        assert k.objective(x) == pytest.approx(ref.objective(x), rel=1e-12)
        for a, b in [(k.gradient(x), ref.gradient(x)), (k.constraints(x), ref.constraints(x)),
                     (k.jacobian(x), ref.jacobian(x)),
                     (k.hessian(x, 1.3, lam), ref.hessian(x, 1.3, lam)),
                     (k.hvp(x, 1.3, lam, v), ref.hvp(x, 1.3, lam, v))]:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_structured_equals_scalarized_twin(rng):
    """Chained Rosenbrock as one template vs the same sum written out element by element."""
    n = 6
    x = sy.Variable("x", shape=n)
    structured = sy.Problem(minimize=sy.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2),
                            subject_to=[x[1:] + x[:-1] <= 3])
    twin = sy.Problem(minimize=sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
                                   for i in range(n - 1)),
                      subject_to=[x[i + 1] + x[i] <= 3 for i in range(n - 1)])
    ks, kt = structured.compile().kernels(), twin.compile().kernels()
    z, lam, v = rng.standard_normal(n), rng.standard_normal(n - 1), rng.standard_normal(n)
    assert ks.objective(z) == pytest.approx(kt.objective(z), rel=1e-14)
    np.testing.assert_allclose(ks.gradient(z), kt.gradient(z), rtol=1e-13)
    np.testing.assert_allclose(ks.constraints(z), kt.constraints(z), rtol=1e-13)
    np.testing.assert_allclose(dense(ks.jacobian(z), ks.jacobian_pattern),
                               dense(kt.jacobian(z), kt.jacobian_pattern), rtol=1e-13)
    np.testing.assert_allclose(dense(ks.hessian(z, 1.0, lam), ks.hessian_pattern),
                               dense(kt.hessian(z, 1.0, lam), kt.hessian_pattern), rtol=1e-13)
    np.testing.assert_allclose(ks.hvp(z, 1.0, lam, v), kt.hvp(z, 1.0, lam, v), rtol=1e-13)


def test_symbolic_work_does_not_grow_with_n():
    """The derived terms of chained Rosenbrock are the same size at n = 10 and n = 10**7."""
    sizes = []
    for n in (10, 10 ** 7):
        x = sy.Variable("x", shape=n)
        p = sy.Problem(minimize=sy.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))
        d = p.derivatives()
        sizes.append((len(d.gradient), len(d.hessian), len(d.hvp),
                      sum(sy.count_ops(t.value) for t in d.gradient)))
    assert sizes[0] == sizes[1]


def test_gradient_matches_sympy_diff_for_scalar_problem():
    a, b = sy.symbols("a b", real=True)
    p = sy.Problem(minimize=sy.exp(a * b) + sy.sin(a) ** 2 / (1 + b ** 2))
    g = p.gradient()
    for var, entry in zip(p.variables, g):
        assert sy.simplify(entry - sy.diff(p.objective, var)) == 0
