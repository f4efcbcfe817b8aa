"""Weighted Gram updates in Hessians emitted as BLAS products (codegen/contractions.py)."""
import importlib.util
import sys

import numpy as np
import pytest
import scipy.sparse as sp

import symbolic as sy
from codegen.contractions import GRAM_HELPER

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
    assert solver.source.count("np.dot(") == 2          # the xz and zx blocks
    assert solver.source.count("= _sy_gram(") == 2      # the symmetric xx and zz blocks (dsyrk)
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
    assert "= _sy_gram(-A[0:199, 0:10] + A[1:200, 0:10], _gw0)" in solver.source
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
    assert "_sy_gram(" not in tiny.compile(backend="numba").source


def test_symmetric_gram_with_weights_of_both_signs_equals_closed_form():
    """sum_i sin(A_i.x): weights -sin(A_i.x) of both signs, so dsyrk adds the rows with w_i > 0
    and subtracts those with w_i < 0; the result is the full symmetric Hessian."""
    rows, n = 400, 30
    A = sy.Parameter("A", shape=(rows, n))
    x = sy.Variable("x", shape=n)
    solver = sy.Problem(minimize=sy.sum(sy.sin(A @ x))).compile(backend="numba")
    assert "_sy_gram(" in solver.source
    rng = np.random.default_rng(7)
    a = rng.standard_normal((rows, n))
    xv = rng.standard_normal(n)
    w = -np.sin(a @ xv)
    assert (w > 0).any() and (w < 0).any()
    H = dense(solver.kernels({"A": a}).hessian(xv, 1.0, np.zeros(0)), solver.kernels(
        {"A": a}).hessian_pattern)
    expected = a.T @ (w[:, None] * a)
    assert np.abs(H - expected).max() <= 1e-12 * np.abs(expected).max()
    assert np.array_equal(H, H.T)


@pytest.mark.parametrize("blocked", [False, True])
def test_gram_helper_uses_scipy_dsyrk_and_falls_back_to_loops(blocked, monkeypatch, tmp_path):
    """The helper's _sy_gram calls SciPy's dsyrk by address; where SciPy cannot be imported the
    same source falls back to a loop (standalone files need only numba), with the same values."""
    if blocked:
        for name in ("scipy", "scipy.linalg", "scipy.linalg.cython_blas"):
            monkeypatch.setitem(sys.modules, name, None)
    module = tmp_path / f"gram_helper_{int(blocked)}.py"
    module.write_text("import numba\nimport numpy as np\n" + GRAM_HELPER)
    spec = importlib.util.spec_from_file_location(module.stem, module)
    helper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helper)
    assert helper._SY_BLAS is not blocked
    rng = np.random.default_rng(8)
    X = rng.standard_normal((300, 17))[:, 2:15]        # a strided view, as kernels pass slices
    w = rng.uniform(-1.0, 2.0, 300)
    expected = X.T @ (w[:, None] * X)
    got = helper._sy_gram(X, w)
    assert np.abs(got - expected).max() <= 1e-12 * np.abs(expected).max()
    assert np.array_equal(got, got.T)
    assert np.array_equal(helper._sy_gram(X, np.zeros(300)), np.zeros((13, 13)))


def test_logistic_regression_hessian_is_one_symmetric_gram_product():
    """The Hessian of sum_i log(1 + exp(-b_i a_i.x)), whatever form the simplifier leaves its
    row weight in (a sum of terms each holding A[i, j] is factored back), is one dsyrk call."""
    rows, n = 300, 20
    A = sy.Parameter("A", shape=(rows, n))
    b = sy.Parameter("b", shape=rows)
    x = sy.Variable("x", shape=n)
    solver = sy.Problem(minimize=sy.sum(sy.log(1 + sy.exp(-b * (A @ x))))).compile(
        backend="numba")
    assert solver.source.count("= _sy_gram(A[0:300, 0:20], _gw0)") == 1
    rng = np.random.default_rng(9)
    params = {"A": rng.standard_normal((rows, n)), "b": np.sign(rng.standard_normal(rows))}
    k = solver.kernels(params)
    xv = 0.3 * rng.standard_normal(n)
    s = sigmoid(params["b"] * (params["A"] @ xv))
    expected = params["A"].T @ ((s * (1 - s))[:, None] * params["A"])
    H = dense(k.hessian(xv, 1.0, np.zeros(0)), k.hessian_pattern)
    assert np.abs(H - expected).max() <= 1e-12 * np.abs(expected).max()
