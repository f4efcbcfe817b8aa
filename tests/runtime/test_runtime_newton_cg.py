"""Trust-region Newton-CG on unconstrained problems, from small to n = 10^5 (vectorized, O(n))."""
import numpy as np
import pytest

from runtime import NLPKernels, SparsePattern, solve_nlp


def chained_rosenbrock(n: int) -> NLPKernels:
    """f = sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 with an hvp and no usable Hessian."""
    def f(x):
        a, b = x[1:] - x[:-1] ** 2, 1 - x[:-1]
        return float(100 * a @ a + b @ b)

    def grad(x):
        a = x[1:] - x[:-1] ** 2
        g = np.zeros_like(x)
        g[:-1] = -400 * x[:-1] * a - 2 * (1 - x[:-1])
        g[1:] += 200 * a
        return g

    def hvp(x, sigma, lam, v):
        d = np.zeros_like(x)
        d[:-1] = 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
        d[1:] += 200
        off = -400 * x[:-1]
        out = d * v
        out[:-1] += off * v[1:]
        out[1:] += off * v[:-1]
        return sigma * out

    def no_hessian(*args):
        raise AssertionError("newton-cg must not form the Hessian")
    empty = np.zeros(0, dtype=int)
    return NLPKernels(
        n=n, m=0, x_lower=np.full(n, -np.inf), x_upper=np.full(n, np.inf), c_lower=np.zeros(0),
        c_upper=np.zeros(0), objective=f, gradient=grad, constraints=lambda x: np.zeros(0),
        jacobian=lambda x: np.zeros(0), jacobian_pattern=SparsePattern(empty, empty, (0, n)),
        hessian=no_hessian, hessian_pattern=SparsePattern(empty, empty, (n, n)), hvp=hvp)


@pytest.mark.parametrize("n", [2, 10, 100])
def test_chained_rosenbrock_from_minus_1_2(n):
    r = solve_nlp(chained_rosenbrock(n), np.full(n, -1.2))
    assert r.status == "optimal" and r.method == "newton-cg"
    assert r.objective < 1e-10
    np.testing.assert_allclose(r.x, 1.0, atol=1e-6)
    assert r.iterations < 5 * n + 50     # the front from x ~ 0 to x = 1 moves ~ one index per step


def test_chained_rosenbrock_n_1e5():
    n = 100_000
    x0 = 1.0 + 0.5 * np.sin(np.arange(n))
    r = solve_nlp(chained_rosenbrock(n), x0)
    assert r.converged and r.objective < 1e-10
    np.testing.assert_allclose(r.x, 1.0, atol=1e-6)
    assert r.iterations < 100 and r.dual_infeasibility < 1e-6


def test_extended_rosenbrock_n_1e5_from_minus_1_2():
    # independent pairs: converges in the iterations of one 2-d Rosenbrock, whatever n
    n = 100_000
    odd, even = slice(0, None, 2), slice(1, None, 2)

    def f(x):
        a, b = x[even] - x[odd] ** 2, 1 - x[odd]
        return float(100 * a @ a + b @ b)

    def grad(x):
        a = x[even] - x[odd] ** 2
        g = np.empty_like(x)
        g[odd] = -400 * x[odd] * a - 2 * (1 - x[odd])
        g[even] = 200 * a
        return g

    def hvp(x, s, lam, v):
        out = np.empty_like(x)
        out[odd] = (1200 * x[odd] ** 2 - 400 * x[even] + 2) * v[odd] - 400 * x[odd] * v[even]
        out[even] = -400 * x[odd] * v[odd] + 200 * v[even]
        return s * out
    k = chained_rosenbrock(n)
    k.objective, k.gradient, k.hvp = f, grad, hvp
    r = solve_nlp(k, np.full(n, -1.2))
    assert r.converged and r.objective < 1e-10 and r.iterations < 200
    np.testing.assert_allclose(r.x, 1.0, atol=1e-6)


def test_unbounded_linear_objective():
    k = chained_rosenbrock(3)
    k.objective = lambda x: float(-x.sum())
    k.gradient = lambda x: -np.ones(3)
    k.hvp = lambda x, s, lam, v: np.zeros(3)
    r = solve_nlp(k, np.zeros(3))
    assert r.status == "unbounded" and r.objective < -1e20 and r.iterations < 200


def test_nan_at_start_names_kernel():
    k = chained_rosenbrock(4)
    k.gradient = lambda x: np.full(4, np.nan)
    r = solve_nlp(k, np.zeros(4))
    assert r.status == "numerical_error" and "gradient" in r.message


def test_max_iter_keeps_last_iterate():
    k = chained_rosenbrock(10)
    r = solve_nlp(k, np.full(10, -1.2), max_iter=5)
    assert r.status == "max_iter" and r.iterations == 5 and len(r.history) == 6
    assert r.objective == pytest.approx(k.objective(r.x))
    assert r.objective < k.objective(np.full(10, -1.2))
