"""Vectorized backends load shifted template entries as slices, and agree with the loop backend."""
import numpy as np
import pytest

import symbolic as sy


def _problem():
    m, n = 5, 7
    x = sy.Variable("x", shape=n)
    A = sy.Parameter("A", shape=(m, n))
    b = sy.Parameter("b", shape=m)
    f = sy.sum((A @ x - b) ** 2) + sy.sum(x[1:-1] * sy.exp(x[:-2]) - x[2:] ** 2 * x[:-2])
    return sy.Problem(minimize=f, subject_to=[x[1:] - x[:-1] ** 2 <= 3]), m, n


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_slices_agree_with_numba(backend):
    prob, m, n = _problem()
    rng = np.random.default_rng(3)
    params = {"A": rng.normal(size=(m, n)), "b": rng.normal(size=m)}
    ref = prob.compile(backend="numba").kernels(params)
    vec = prob.compile(backend=backend).kernels(params)
    z, v, lam = rng.uniform(-1, 1, n), rng.normal(size=n), rng.normal(size=n - 1)
    assert vec.objective(z) == pytest.approx(ref.objective(z), rel=1e-13)
    np.testing.assert_allclose(vec.gradient(z), ref.gradient(z), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vec.constraints(z), ref.constraints(z), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vec.jacobian(z), ref.jacobian(z), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vec.hvp(z, 1.0, lam, v), ref.hvp(z, 1.0, lam, v), rtol=1e-12,
                               atol=1e-12)


def test_shifted_loads_are_slices_not_gathers():
    x = sy.Variable("x", shape=100)
    solver = sy.Problem(minimize=sy.sum((x[1:] - x[:-1] ** 2) ** 2)).compile(backend="numpy")
    gradient = solver.source.split("def gradient")[1].split("\ndef ")[0]
    assert "arange" not in gradient and "x[2:100]" in gradient and "x[0:98]" in gradient
