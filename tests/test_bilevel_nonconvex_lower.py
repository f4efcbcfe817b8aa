"""A lower level with two local minimizers: the value function needs the global one.

    min_x x + y   s.t.  y in argmin_{y in [-1, 1]} x y^2 - y^3/3,   x in [-1, 1]

At x = -1 the lower level has a local minimizer y = -1 (f = -2/3) and the global one y = 1
(f = -4/3); the bilevel optimum is (x, y) = (-1, 1) with F = 0 (brute force below). A method
that keeps the local minimizer reports F = -2 at a point where y does not solve the lower level.
"""
import numpy as np
import pytest

import symbolic as sy


@pytest.fixture(scope="module")
def solver():
    x = sy.Variable("x", lower=-1, upper=1)
    y = sy.Variable("y", lower=-1, upper=1)
    lower = sy.Problem(minimize=x * y**2 - y**3 / 3, over=y)
    upper = sy.Problem(minimize=x + y, over=x)
    return sy.Bilevel(upper=upper, lower=lower).compile(backend="numpy")


def _brute_force_optimum():
    xs, ys = np.linspace(-1, 1, 401), np.linspace(-1, 1, 4001)
    f = xs[:, None] * ys[None, :] ** 2 - ys[None, :] ** 3 / 3
    return float(np.min(xs + ys[np.argmin(f, axis=1)]))


@pytest.mark.parametrize("y0", [0.5, -0.5, -1.0])
def test_auto_finds_the_global_lower_level_minimizer(solver, y0):
    res = solver.solve(x0=[0.0], y0=[y0], method="auto")
    assert res.method == "value-penalty" and "not known to be convex" in res.reason
    assert res.status == "optimal", res.message
    assert abs(res.upper_objective - _brute_force_optimum()) < 1e-6
    np.testing.assert_allclose([res.x, res.y], [-1.0, 1.0], atol=1e-6)
    assert abs(res.lower_gap) < 1e-8


def test_a_local_lower_level_minimizer_is_reported_not_optimal(solver):
    res = solver.solve(x0=[0.0], y0=[-0.5], method="value-penalty", inner_starts=0)
    assert res.status == "lower_not_optimal", res.message
    assert res.lower_gap == pytest.approx(2 / 3, abs=1e-6)
    assert "not a lower-level minimizer" in res.message
