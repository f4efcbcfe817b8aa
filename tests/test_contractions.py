"""Weighted Gram updates in Hessians emitted as BLAS products (codegen/contractions.py)."""
import numpy as np
import pytest
import scipy.sparse as sp

import symbolic as sy

pytest.importorskip("numba")


def dense(values, pattern):
    return sp.coo_matrix((values, (pattern.rows, pattern.cols)), shape=pattern.shape).toarray()


def sigmoid(t):
    return 1 / (1 + np.exp(-t))


def test_two_blocks_with_offsets_equal_closed_form_hessian():
    """sum_i log(1 + exp(A_i.x + B_i.z)): four Gram blocks (xx, xz, zx, zz) at their offsets."""
    rows, n1, n2 = 300, 12, 9
    A = sy.Parameter("A", shape=(rows, n1))
    B = sy.Parameter("B", shape=(rows, n2))
    x = sy.Variable("x", shape=n1)
    z = sy.Variable("z", shape=n2)
    prob = sy.Problem(minimize=sy.sum(sy.log(1 + sy.exp(A @ x + B @ z))),
                      subject_to={"ball": sy.sum(x ** 2) + sy.sum(z ** 2) <= 4})
    solver = prob.compile(backend="numba")
    assert solver.source.count("np.dot(") >= 3
    rng = np.random.default_rng(3)
    params = {"A": rng.standard_normal((rows, n1)), "B": rng.standard_normal((rows, n2))}
    k = solver.kernels(params)
    xz = 0.1 * rng.standard_normal(n1 + n2)
    sigma, lam = 0.8, np.array([0.3])
    H = dense(k.hessian(xz, sigma, lam), k.hessian_pattern)
    C = np.hstack([params["A"], params["B"]])
    s = sigmoid(C @ xz)
    expected = sigma * C.T @ ((s * (1 - s))[:, None] * C) + 2 * lam[0] * np.eye(n1 + n2)
    assert np.abs(H - expected).max() <= 1e-12 * np.abs(expected).max()
    reference = prob.compile(backend="numpy").kernels(params)
    H_numpy = dense(reference.hessian(xz, sigma, lam), reference.hessian_pattern)
    assert np.abs(H - H_numpy).max() <= 1e-12 * np.abs(expected).max()


def test_shifted_rows_and_small_blocks():
    """Differences of shifted rows (A[i+1, j] - A[i, j]) as one block; a 3x3 block stays a loop."""
    rows, n = 200, 10
    A = sy.Parameter("A", shape=(rows, n))
    x = sy.Variable("x", shape=n)
    prob = sy.Problem(minimize=sy.sum(sy.exp((A[1:, :] @ x - A[:-1, :] @ x) / 4)))
    solver = prob.compile(backend="numba")
    assert "np.dot(" in solver.source
    rng = np.random.default_rng(4)
    a = rng.standard_normal((rows, n))
    k = solver.kernels({"A": a})
    xv = 0.2 * rng.standard_normal(n)
    H = dense(k.hessian(xv, 1.0, np.zeros(0)), k.hessian_pattern)
    D = (a[1:] - a[:-1])
    e = np.exp(D @ xv / 4) / 16
    expected = D.T @ (e[:, None] * D)
    assert np.abs(H - expected).max() <= 1e-12 * np.abs(expected).max()

    small = sy.Parameter("S", shape=(rows, 3))
    y = sy.Variable("y", shape=3)
    tiny = sy.Problem(minimize=sy.sum(sy.exp(small @ y)))
    assert "np.dot(" not in tiny.compile(backend="numba").source
