"""The KKT factorizations: the sparse LDL^T's inertia against eigenvalues and the dense LDL, its
solve accuracy, its static regularization, the shared workspace, and the SuperLU fallbacks."""
import numpy as np
import pytest
import scipy.sparse as sp

import runtime.linsolve as linsolve
from nlp_test_kernels import stationarity
from runtime import NLPKernels, SparsePattern, solve_nlp
from runtime.linsolve import (DenseLDL, LDLWorkspace, SparseLDL, SparseLU, choose_solver,
                              factorize)

pytest.importorskip("qdldl")


def random_kkt(rng, n, m, *, convex, delta_c=0.0, density=0.05):
    """[W + Sigma, J^T; J, -delta_c I] with random sparse W (indefinite unless convex) and J,
    every diagonal entry stored (as the interior point's assembler stores them)."""
    w = sp.random(n, n, density=density, random_state=rng)
    w = (w + w.T) * 0.5
    sigma = rng.uniform(0.1, 2.0, n) if convex else rng.uniform(-1.0, 1.0, n)
    if convex:
        sigma += abs(w).sum(axis=1).A.ravel()       # diagonally dominant: W + Sigma > 0
    j = sp.random(m, n, density=3.0 / n, random_state=rng) + sp.eye(m, n, k=rng.integers(n - m))
    top = sp.hstack([w + sp.diags(sigma), j.T])
    bottom = sp.hstack([j, sp.csr_matrix((m, m))])
    k = sp.vstack([top, bottom]).tocoo()
    diag = np.arange(n + m)
    values = np.concatenate([k.data, np.zeros(n), np.full(m, -delta_c)])
    return sp.csc_matrix((values, (np.concatenate([k.row, diag]), np.concatenate([k.col, diag]))),
                         shape=(n + m, n + m))


def eig_inertia(k):
    ev = np.linalg.eigvalsh(k.toarray())
    tol = 1e-10 * np.max(np.abs(ev))
    return int(np.sum(ev > tol)), int(np.sum(ev < -tol)), int(np.sum(np.abs(ev) <= tol))


@pytest.mark.parametrize("seed", range(12))
def test_inertia_matches_eigenvalues_and_dense_ldl(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(20, 80)), int(rng.integers(1, 15))
    k = random_kkt(rng, n, m, convex=seed % 2 == 0, delta_c=1e-6 if seed % 3 == 0 else 0.0)
    expected = eig_inertia(k)
    assert expected[2] == 0                               # a generic nonsingular matrix
    fac = SparseLDL(k, workspace=LDLWorkspace(n_primal=n))
    assert fac.inertia == expected == DenseLDL(k).inertia
    b = rng.standard_normal(n + m)
    x = fac.solve(b)
    np.testing.assert_allclose(k @ x, b, atol=1e-9 * np.max(np.abs(b)))
    np.testing.assert_allclose(x, np.linalg.solve(k.toarray(), b), rtol=1e-7, atol=1e-9)


def test_constraint_rows_ordered_first_use_static_regularization():
    # every constraint row has fewer entries than any variable's column, so the ordering
    # eliminates a zero pivot first: the plain LDL^T breaks down, the regularized one is exact
    n = 30
    main = np.full(n, 4.0)
    w = sp.diags([main, -np.ones(n - 1), -np.ones(n - 1), np.ones(n - 2), np.ones(n - 2)],
                 [0, 1, -1, 2, -2])
    j = sp.csr_matrix((np.ones(n // 3), (np.arange(n // 3), 3 * np.arange(n // 3))),
                      shape=(n // 3, n))
    m = j.shape[0]
    k = sp.bmat([[w, j.T], [j, sp.csr_matrix((m, m))]]).tocoo()
    diag = np.arange(n + m)
    k = sp.csc_matrix((np.concatenate([k.data, np.zeros(n + m)]),
                       (np.concatenate([k.row, diag]), np.concatenate([k.col, diag]))),
                      shape=(n + m, n + m))
    with pytest.raises(linsolve.LDLBreakdown):
        SparseLDL(k)                                      # no n_primal: no regularization
    ws = LDLWorkspace(n_primal=n)
    fac = SparseLDL(k, workspace=ws)
    assert ws.regularized and fac.inertia == (n, m, 0) == eig_inertia(k)
    b = np.arange(n + m, dtype=float)
    np.testing.assert_allclose(k @ fac.solve(b), b, atol=1e-10 * n)


def with_diagonal(k):
    """k with every diagonal entry stored (explicit zeros where k has none)."""
    k = sp.coo_matrix(k)
    diag = np.arange(k.shape[0])
    return sp.csc_matrix((np.concatenate([k.data, np.zeros(diag.size)]),
                          (np.concatenate([k.row, diag]), np.concatenate([k.col, diag]))),
                         shape=k.shape)


def test_wrong_inertia_is_reported_for_an_indefinite_hessian():
    # W = -I: besides the m negative eigenvalues of the constraints, n - m more
    n, m = 6, 2
    k = with_diagonal(sp.bmat([[-sp.eye(n), sp.eye(m, n).T], [sp.eye(m, n), None]]))
    assert SparseLDL(k, workspace=LDLWorkspace(n_primal=n)).inertia == eig_inertia(k) == (m, n, 0)


def test_singular_matrix_is_not_solved():
    # two identical constraint rows and delta_c = 0: K is singular, so a right-hand side
    # outside its range has no solution; with delta_c > 0 it has one
    n = 5
    j = sp.csr_matrix(np.vstack([np.ones(n), np.ones(n)]))

    def kkt(delta_c):
        return with_diagonal(sp.bmat([[2 * sp.eye(n), j.T], [j, -delta_c * sp.eye(2)]]))

    b = np.concatenate([np.zeros(n), [1.0, -1.0]])
    ws = LDLWorkspace(n_primal=n)
    fac = factorize(kkt(0.0), "qdldl", workspace=ws)
    assert fac is None or fac.solve(b) is None
    fac = factorize(kkt(1e-8), "qdldl", workspace=ws)
    assert isinstance(fac, SparseLDL) and fac.inertia == (n, 2, 0)
    x = fac.solve(b)            # x = 0 and y = -b_dual / delta_c (condition number ~1e9)
    np.testing.assert_allclose(x, [0, 0, 0, 0, 0, -1e8, 1e8], rtol=1e-2, atol=1e-6)


def test_shared_workspace_reloads_an_older_factorization():
    rng = np.random.default_rng(3)
    ws = LDLWorkspace(n_primal=40)
    k1 = random_kkt(rng, 40, 5, convex=True)
    d = rng.uniform(0.5, 2.0, 45)                       # k2 = D k1 D: same pattern
    cols = np.repeat(np.arange(45), np.diff(k1.indptr))
    k2 = sp.csc_matrix((k1.data * d[k1.indices] * d[cols], k1.indices, k1.indptr), shape=k1.shape)
    f1, f2 = SparseLDL(k1, workspace=ws), SparseLDL(k2, workspace=ws)
    b = rng.standard_normal(45)
    np.testing.assert_allclose(k1 @ f1.solve(b), b, atol=1e-9)   # k2's values were loaded
    np.testing.assert_allclose(k2 @ f2.solve(b), b, atol=1e-9)


def test_missing_diagonal_falls_back_on_superlu():
    k = sp.csc_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))      # zero diagonal not stored
    fac = factorize(k, "qdldl")
    assert isinstance(fac, SparseLU)
    np.testing.assert_allclose(fac.solve(np.array([2.0, 3.0])), [3.0, 2.0])


def test_without_qdldl_auto_uses_superlu(monkeypatch):
    monkeypatch.setattr(linsolve, "qdldl", None)
    assert choose_solver("auto", 10_000, 300) == "splu"
    assert choose_solver("auto", 100, 300) == "ldl"
    with pytest.raises(ValueError, match="needs the qdldl package"):
        choose_solver("qdldl", 10_000, 300)
    k = sp.csc_matrix(np.array([[2.0, 1.0], [1.0, -1.0]]))
    assert isinstance(factorize(k, "qdldl"), SparseLU)
    with pytest.raises(ValueError, match="linear_solver='ma57'"):
        choose_solver("ma57", 10, 300)
    with pytest.raises(ValueError, match="needs the qdldl package"):
        solve_nlp(chained_constrained(240), np.zeros(240), linear_solver="qdldl")
    k, x0 = chained_constrained(240), np.linspace(-1.0, 2.0, 240)
    r, dense = solve_nlp(k, x0), solve_nlp(k, x0, linear_solver="ldl")    # auto -> SuperLU
    assert r.converged and r.objective == pytest.approx(dense.objective, rel=1e-9)
    assert stationarity(k, r) < 1e-6


def chained_constrained(n):
    """min sum (x_i - 1)^2 + x_i^2 x_{i+1}^2 / 2 (nonconvex in x_i x_{i+1}) s.t.
    x_i + x_{i+1} + x_{i+2} = 1 for every third i, x >= -2: sparse, several thousand rows."""
    i = np.arange(n - 1)
    rows_c = np.arange(0, n - 2, 3)
    m = rows_c.size

    def grad(x):
        g = 2 * (x - 1)
        g[:-1] += x[:-1] * x[1:] ** 2
        g[1:] += x[:-1] ** 2 * x[1:]
        return g

    def hess(x, s, lam):
        d = np.full(n, 2.0)
        d[:-1] += x[1:] ** 2
        d[1:] += x[:-1] ** 2
        off = 2 * x[:-1] * x[1:]
        return s * np.concatenate([d, off, off])

    jr = np.repeat(np.arange(m), 3)
    jc = (rows_c[:, None] + np.arange(3)).ravel()
    return NLPKernels(
        n=n, m=m, x_lower=np.full(n, -2.0), x_upper=np.full(n, np.inf),
        c_lower=np.ones(m), c_upper=np.ones(m),
        objective=lambda x: float(np.sum((x - 1) ** 2) + 0.5 * np.sum(x[:-1] ** 2 * x[1:] ** 2)),
        gradient=grad,
        constraints=lambda x: x[rows_c] + x[rows_c + 1] + x[rows_c + 2],
        jacobian=lambda x: np.ones(3 * m), jacobian_pattern=SparsePattern(jr, jc, (m, n)),
        hessian=hess,
        hessian_pattern=SparsePattern(np.concatenate([np.arange(n), i, i + 1]),
                                      np.concatenate([np.arange(n), i + 1, i]), (n, n)),
        hvp=lambda x, s, lam, v: None, backend="test")


def test_interior_point_takes_the_same_steps_as_with_the_dense_ldl():
    # 240 + 80 KKT rows: above dense_max_dim, so "auto" picks qdldl; its exact inertia gives the
    # dense LDL's steps (inertia correction included); SuperLU (curvature test) the same optimum
    n = 240
    k = chained_constrained(n)
    x0 = np.linspace(-1.0, 2.0, n)
    runs = {ls: solve_nlp(k, x0, linear_solver=ls) for ls in ("auto", "ldl", "splu")}
    assert all(r.converged for r in runs.values())
    assert max(h["reg"] or 0.0 for h in runs["auto"].history) > 0.0     # delta_w was needed
    assert runs["auto"].iterations == runs["ldl"].iterations
    np.testing.assert_allclose(runs["auto"].x, runs["ldl"].x, atol=1e-9)
    for r in runs.values():
        assert r.objective == pytest.approx(runs["ldl"].objective, rel=1e-9)
        assert stationarity(k, r) < 1e-6 and r.constraint_violation < 1e-9
