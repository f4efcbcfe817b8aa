"""BDF: adaptive (SciPy, sparse Jacobian) and fixed-step BDF2 with sparse Newton; coloured FD."""
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.linalg import expm

from runtime.integrate import ColouredJacobian, ODEProblem, column_colouring, integrate


def stiff_matrix(n=40):
    """1-D diffusion (3-point, Dirichlet) plus a little advection: eigenvalues down to ~-6700."""
    dx = 1.0 / (n + 1)
    main = -2.0 / dx ** 2 * np.ones(n)
    off = np.ones(n - 1) / dx ** 2
    return sp.diags([off + 3.0 / dx, main, off - 3.0 / dx], [-1, 0, 1], format="csc")


def linear_problem(a, **kw):
    return ODEProblem(rhs=lambda t, y: a @ y, **kw)


@pytest.fixture(scope="module")
def stiff():
    a = stiff_matrix()
    x = np.linspace(0, 1, a.shape[0] + 2)[1:-1]
    y0 = np.sin(np.pi * x) + 0.3 * np.sin(7 * np.pi * x)
    times = np.array([0.0, 0.01, 0.05, 0.1])
    exact = np.array([expm(a.toarray() * t) @ y0 for t in times])
    return a, y0, times, exact


@pytest.mark.parametrize("form", ["jacobian", "jac_sparsity"])
def test_adaptive_bdf_matches_expm(stiff, form):
    a, y0, times, exact = stiff
    kw = {"jacobian": lambda t, y: a} if form == "jacobian" else {"jac_sparsity": a != 0}
    sol = integrate(linear_problem(a, **kw), y0, times[-1], method="bdf", save_times=times,
                    rtol=1e-8, atol=1e-10)
    assert sol.status == "success"
    np.testing.assert_allclose(sol.y, exact, atol=2e-6)
    assert sol.stats.steps < 500  # an explicit method would need > 0.1 * 6700 / 2.8 steps
    assert sol.stats.lu_factorizations >= 1 and sol.stats.jacobian_evaluations >= 1


def test_fixed_bdf2_is_second_order_and_reuses_one_factorization(stiff):
    a, y0, times, exact = stiff
    prob = linear_problem(a, jacobian=lambda t, y: a)
    errors = []
    for dt in (0.002, 0.001, 0.0005):
        sol = integrate(prob, y0, times[-1], method="bdf", dt=dt, save_times=times, rtol=1e-10,
                        atol=1e-12)
        assert sol.status == "success"
        errors.append(np.max(np.abs(sol.y[-1] - exact[-1])))
        # linear problem: one Jacobian; one LU for BDF1 (c = h) and one for BDF2 (c = 2h/3),
        # plus one per step-size change at a save time that is not a multiple of dt
        assert sol.stats.jacobian_evaluations == 1
        assert sol.stats.lu_factorizations <= 4
        assert sol.stats.rejected_steps == 0
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 2.0) < 0.15), (errors, orders)


def test_fixed_bdf_with_coloured_fd_jacobian_equals_analytic(stiff):
    a, y0, times, exact = stiff
    runs = {}
    for form, kw in (("analytic", {"jacobian": lambda t, y: a}),
                     ("coloured", {"jac_sparsity": a != 0}),
                     ("dense", {})):
        runs[form] = integrate(linear_problem(a, **kw), y0, 0.05, method="bdf", dt=0.001,
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(runs["coloured"].y, runs["analytic"].y, atol=1e-7)
    np.testing.assert_allclose(runs["dense"].y, runs["analytic"].y, atol=1e-7)
    # the coloured Jacobian costs 3 evaluations (tridiagonal), the dense one n = 40
    fd_cost = {f: r.stats.rhs_evaluations - runs["analytic"].stats.rhs_evaluations
               for f, r in runs.items()}
    assert fd_cost["coloured"] < 10 < fd_cost["dense"]


def test_fixed_bdf2_on_nonlinear_allen_cahn_against_reference():
    n, eps = 60, 0.01
    dx = 1.0 / (n + 1)
    lap = eps * sp.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(n, n), format="csc") / dx ** 2

    def rhs(t, u):
        return lap @ u + u - u ** 3

    def jac(t, u):
        return (lap + sp.diags(1 - 3 * u ** 2)).tocsc()

    x = np.linspace(0, 1, n + 2)[1:-1]
    u0 = 0.8 * np.sin(3 * np.pi * x)
    ref = integrate(ODEProblem(rhs=rhs, jacobian=jac), u0, 1.0, method="bdf", rtol=1e-11,
                    atol=1e-13).y[-1]
    errors = [np.max(np.abs(integrate(ODEProblem(rhs=rhs, jacobian=jac), u0, 1.0, method="bdf",
                                      dt=dt, rtol=1e-10, atol=1e-12).y[-1] - ref))
              for dt in (0.02, 0.01, 0.005)]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 2.0) < 0.2), (errors, orders)
    sol = integrate(ODEProblem(rhs=rhs, jac_sparsity=lap != 0), u0, 1.0, method="bdf", dt=0.01)
    assert sol.status == "success" and sol.stats.jacobian_evaluations < sol.stats.steps


def test_complex_state_with_complex_jacobian():
    omega = np.array([1.0, 4.0, -2.0])
    d = sp.diags(1j * omega - 1.0, format="csc")
    prob = ODEProblem(rhs=lambda t, y: d @ y, jacobian=lambda t, y: d)
    y0 = np.array([1.0, 1j, 0.5 + 0.5j])
    exact = np.exp((1j * omega - 1.0) * 1.0) * y0
    for kw in ({}, {"dt": 1e-3}):
        sol = integrate(prob, y0, 1.0, method="bdf", rtol=1e-9, atol=1e-12, **kw)
        assert sol.y.dtype == np.complex128
        np.testing.assert_allclose(sol.y[-1], exact, atol=2e-5)


def tridiagonal_rhs(t, y):
    out = -2.0 * y + np.sin(y) * np.roll(y, 1) ** 2
    out[1:] += np.exp(0.1 * y[:-1])
    out[:-1] += y[1:] ** 3
    return out


def test_compressed_fd_jacobian_from_colouring_equals_dense_fd_on_tridiagonal():
    n = 30
    # the band, plus the corner (0, n-1) from np.roll
    pattern = sp.diags([1.0, 1.0, 1.0], [-1, 0, 1], shape=(n, n)) + \
        sp.csc_matrix(([1.0], ([0], [n - 1])), shape=(n, n))
    rng = np.random.default_rng(3)
    y = rng.standard_normal(n)
    coloured = ColouredJacobian(tridiagonal_rhs, pattern)
    jac = coloured(0.0, y).toarray()
    # dense forward differences, one column at a time, with the same steps
    f0 = tridiagonal_rhs(0.0, y)
    h = np.sqrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(y))
    h = (y + h) - y
    dense = np.empty((n, n))
    for j in range(n):
        yp = y.copy()
        yp[j] += h[j]
        dense[:, j] = (tridiagonal_rhs(0.0, yp) - f0) / h[j]
    np.testing.assert_allclose(jac, dense, rtol=1e-12, atol=1e-12)
    assert coloured.n_colours <= 4  # 3 for the band, at most one more for the corner


def test_colouring_of_a_tridiagonal_pattern_uses_three_colours():
    n = 100
    pattern = sp.diags([1.0, 1.0, 1.0], [-1, 0, 1], shape=(n, n))
    colours = column_colouring(pattern)
    assert colours.max() + 1 == 3
    dense = pattern.toarray() != 0
    for c in range(3):
        cols = np.flatnonzero(colours == c)
        assert np.all(dense[:, cols].sum(axis=1) <= 1)  # no row shared by two columns


def test_fixed_bdf_newton_failure_halves_then_fails_keeping_snapshots():
    # y' = y^2 from y = 1: backward Euler has no real solution once h*y > 1/4 (near t = 1)
    prob = ODEProblem(rhs=lambda t, y: y ** 2, jacobian=lambda t, y: sp.diags(2 * y))
    sol = integrate(prob, np.array([1.0]), 2.0, method="bdf", dt=0.01, save_every=0.1)
    assert sol.status == "failed"
    assert "Newton" in sol.message and "t=" in sol.message
    assert sol.stats.rejected_steps > 0
    assert 0.85 <= sol.t[-1] < 1.0
    np.testing.assert_allclose(sol.y[:, 0], 1 / (1 - sol.t), rtol=0.05)
