"""Factorizations of the symmetric indefinite KKT matrix.

Three back ends:
- `DenseLDL` (scipy.linalg.ldl, Bunch-Kaufman) for small systems; it reports the inertia
  exactly, which is what IPOPT's inertia correction needs.
- `SparseLDL` (the `qdldl` package: LDL^T with AMD ordering, no pivoting) for large ones; the
  signs of D are the inertia (Sylvester's law), and the ordering and elimination tree are
  computed once per sparsity pattern (`LDLWorkspace`), so each iteration only refactors. Where
  pivoting-free elimination meets a zero pivot on the pattern, a static regularization that
  iterative refinement removes again keeps it going.
- `SparseLU` (scipy.sparse.linalg.splu, SuperLU), the fallback where the LDL^T breaks down
  anyway (or cannot be regularized) and where `qdldl` is not installed; its pivoting hides the
  inertia except when every pivot was diagonal, so the interior-point method falls back on the
  inertia-free curvature test.
All refine the solution iteratively and return None from `solve` when it stays inaccurate, so a
near-singular matrix is treated like a singular one.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as spla

try:
    import qdldl
except ImportError:         # optional: without it large systems use SuperLU
    qdldl = None

_REFINE_STEPS = 3
_REFINE_STEPS_REGULARIZED = 10   # SparseLDL: refinement also removes its static regularization
_RESIDUAL_TOL = 1e-10
_RESIDUAL_TOL_LDL = 1e-14        # SparseLDL: refined to rounding level (no pivoting, eps shift)
_FAIL_TOL = 1e-5


def _refined_solve(matrix: sp.spmatrix, norm: float, raw, b: np.ndarray,
                   steps: int = _REFINE_STEPS, contracting: bool = False,
                   tol: float = _RESIDUAL_TOL) -> np.ndarray | None:
    """raw(b) improved by iterative refinement until the residual is below tol (relative);
    None when it stays inaccurate or non-finite.

    With `contracting` (raw solves a perturbed matrix), refinement goes on while each
    correction is at most half the one before, and stops where it is not (rounding level);
    None when already the first correction is not at most half the solution: then `matrix` is
    singular along the perturbation."""
    try:
        with np.errstate(all="ignore"):
            x = raw(b)
            last = np.max(np.abs(x), initial=0.0)
            scale = norm * last + np.max(np.abs(b), initial=0.0)
            for k in range(steps):
                if not np.all(np.isfinite(x)):
                    return None
                res = b - matrix @ x
                if np.max(np.abs(res), initial=0.0) <= tol * scale:
                    return x
                step = raw(res)
                size = np.max(np.abs(step), initial=0.0)
                if contracting and size > 0.5 * last:
                    if k == 0:
                        return None
                    break
                x, last = x + step, size
            res = b - matrix @ x
    except (np.linalg.LinAlgError, RuntimeError):
        return None
    if not np.all(np.isfinite(x)) or np.max(np.abs(res), initial=0.0) > _FAIL_TOL * scale:
        return None
    return x


class DenseLDL:
    """Dense Bunch-Kaufman LDL^T with the inertia (positive, negative, zero eigenvalue counts).

    The matrix is equilibrated first (S K S with S = diag(1/sqrt(max_j |K_ij|))): the inertia
    is unchanged (Sylvester's law), and a row whose entries are all tiny, such as the barrier
    curvature z/x of a variable running off to infinity, is not mistaken for a zero pivot.
    Pivots below 1e-13 (relative) count as zero, except those a primal regularization
    delta_w > 0 accounts for (down to delta_w / 100 after scaling).
    """

    def __init__(self, matrix: sp.spmatrix, delta_w: float = 0.0):
        self.matrix = matrix
        a = matrix.toarray()
        self._norm = float(np.max(np.abs(a), initial=0.0))
        rowmax = np.max(np.abs(a), axis=1, initial=0.0)
        self._scale = 1.0 / np.sqrt(np.where(rowmax > 0, rowmax, 1.0))
        lu, d, perm = la.ldl(self._scale[:, None] * a * self._scale[None, :], lower=True)
        self._perm = perm
        self._l = lu[perm]
        self._d = d
        if not np.all(np.isfinite(d)):
            raise np.linalg.LinAlgError("the LDL factorization has non-finite pivots")
        zero_tol = 1e-13
        if delta_w > 0.0:
            zero_tol = min(zero_tol, 0.01 * delta_w * float(np.min(self._scale)) ** 2)
        self.inertia = self._count(d, zero_tol)

    @staticmethod
    def _count(d: np.ndarray, zero_tol: float) -> tuple[int, int, int]:
        eig, i, size = [], 0, d.shape[0]
        while i < size:
            if i + 1 < size and d[i + 1, i] != 0.0:
                a, b, c = d[i, i], d[i + 1, i], d[i + 1, i + 1]
                mid, rad = 0.5 * (a + c), np.hypot(0.5 * (a - c), b)
                eig += [mid - rad, mid + rad]
                i += 2
            else:
                eig.append(d[i, i])
                i += 1
        eig = np.asarray(eig)
        return (int(np.sum(eig > zero_tol)), int(np.sum(eig < -zero_tol)),
                int(np.sum(np.abs(eig) <= zero_tol)))

    def solve(self, b: np.ndarray) -> np.ndarray | None:
        """K^{-1} b, or None when it cannot be computed accurately."""
        return _refined_solve(self.matrix, self._norm, self._raw, b)

    def _raw(self, b: np.ndarray) -> np.ndarray:
        sb = self._scale * b
        v = la.solve_triangular(self._l, sb[self._perm], lower=True, unit_diagonal=True,
                                check_finite=False)
        size = self._d.shape[0]
        bands = np.zeros((3, size))
        bands[0, 1:] = np.diag(self._d, 1)
        bands[1] = np.diag(self._d)
        bands[2, :-1] = np.diag(self._d, -1)
        u = la.solve_banded((1, 1), bands, v, check_finite=False)
        x = np.empty_like(b)
        x[self._perm] = la.solve_triangular(self._l.T, u, lower=False, unit_diagonal=True,
                                            check_finite=False)
        return self._scale * x


class SparseLU:
    """SuperLU factorization of the KKT matrix, with the inertia when it is free.

    SuperLU pivots for stability, so in general its factors say nothing about the inertia.
    But when every pivot was taken on the diagonal (row and column permutations equal), the
    factorization is P K P^T = L U with U = D L^T, and the signs of diag(U) are the inertia
    (Sylvester's law); then `inertia` holds the counts, else None (use the curvature test).
    Pivots below 1e-13 times their row's largest entry count as zero.
    """

    def __init__(self, matrix: sp.csc_matrix):
        self.matrix = matrix
        self._norm = float(abs(matrix).max()) if matrix.nnz else 0.0
        self._lu = spla.splu(matrix, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.01,
                             options={"SymmetricMode": True})
        self.inertia = None
        perm = self._lu.perm_c
        if np.array_equal(self._lu.perm_r, perm):
            rowmax = np.zeros(matrix.shape[0])
            rowmax[perm] = abs(matrix).max(axis=1).toarray().ravel()
            d = self._lu.U.diagonal()
            zero = np.abs(d) <= 1e-13 * rowmax
            self.inertia = (int(np.sum((d > 0) & ~zero)), int(np.sum((d < 0) & ~zero)),
                            int(np.sum(zero)))

    def solve(self, b: np.ndarray) -> np.ndarray | None:
        """K^{-1} b, or None when it cannot be computed accurately."""
        return _refined_solve(self.matrix, self._norm, self._lu.solve, b)


class LDLBreakdown(RuntimeError):
    """The pivoting-free LDL^T met a zero, tiny or non-finite pivot."""


class LDLWorkspace:
    """qdldl's analysis of one sparsity pattern, shared by the factorizations of its matrices.

    `qdldl.Solver` computes the AMD ordering and the elimination tree when it is created; its
    `update` refactors new values on the same pattern, several times cheaper. Factorizations
    share the one solver, so `owner` says whose values are loaded (an older factorization that
    solves again, as the watchdog's saved direction does, reloads its own first).

    With `n_primal` given (the KKT matrix's first n_primal rows are primal, the rest dual),
    a pattern whose plain LDL^T broke down is from then on factored with the static
    regularization +eps on the primal and -eps on the dual diagonal (`regularized`); `eps`
    starts at EPS_START and is divided by 100 (down to EPS_MIN) whenever a solve shows it was
    too large for the matrix's conditioning.
    """

    EPS_START, EPS_MIN = 1e-9, 1e-12

    def __init__(self, n_primal: int | None = None) -> None:
        self.n_primal = n_primal
        self.regularized = False
        self.eps = self.EPS_START
        self.owner: SparseLDL | None = None
        self._solver = None
        self._pattern: tuple[np.ndarray, np.ndarray] | None = None
        self.upper = np.zeros(0, dtype=bool)
        self.upper_cols = np.zeros(0, dtype=np.int64)
        self.diag = np.zeros(0, dtype=np.int64)
        self.upper_indices = np.zeros(0, dtype=np.int32)
        self.upper_indptr = np.zeros(1, dtype=np.int32)

    def analyze(self, matrix: sp.csc_matrix) -> None:
        """The pattern's upper triangle (`upper` masks the stored entries; `upper_indices`,
        `upper_cols` and `upper_indptr` describe it, `diag` is where its diagonal entries are),
        computed again only when the pattern changes."""
        if self._pattern is None or not (
                np.array_equal(self._pattern[0], matrix.indptr)
                and np.array_equal(self._pattern[1], matrix.indices)):
            self._pattern = (matrix.indptr.copy(), matrix.indices.copy())
            cols = np.repeat(np.arange(matrix.shape[1]), np.diff(matrix.indptr))
            self.upper = matrix.indices <= cols
            self.upper_indices, self.upper_cols = matrix.indices[self.upper], cols[self.upper]
            counts = np.bincount(self.upper_cols, minlength=matrix.shape[1])
            self.upper_indptr = np.concatenate([[0], np.cumsum(counts)]).astype(
                matrix.indptr.dtype)
            self.diag = np.flatnonzero(self.upper_indices == self.upper_cols)
            self._solver, self.regularized, self.owner = None, False, None
            self.eps = self.EPS_START
        if self.diag.size < matrix.shape[0]:
            raise LDLBreakdown("qdldl needs every diagonal entry stored (zeros explicitly)")

    def load(self, owner: SparseLDL, upper: sp.csc_matrix) -> np.ndarray:
        """Factor `upper` (the upper triangle of the scaled matrix) for `owner`; returns D."""
        self.owner = None
        try:
            if self._solver is None:
                self._solver = qdldl.Solver(upper, upper=True)
            else:
                self._solver.update(upper, upper=True)
        except (RuntimeError, ValueError) as exc:
            self._solver = None
            raise LDLBreakdown(str(exc)) from exc
        self.owner = owner
        return self._solver.factors()[1]

    def solve(self, b: np.ndarray) -> np.ndarray:
        """The loaded factorization's solution of (S K S) x = b."""
        return self._solver.solve(b)


class SparseLDL:
    """Sparse LDL^T of the KKT matrix by qdldl (AMD ordering), with the inertia from D.

    The matrix is equilibrated as in `DenseLDL` (S K S, same inertia). qdldl does not pivot: it
    is made for quasi-definite matrices, which the regularized KKT matrix with the right inertia
    usually is. Before IPOPT's delta_c, though, a constraint row that the ordering eliminates
    before its variables is a zero pivot. Then (when the workspace knows n_primal) the scaled
    matrix gets a static regularization eps (+eps on primal, -eps on dual rows; see
    `LDLWorkspace`): for a nonsingular K with eigenvalues away from +-eps the inertia is K's,
    and iterative refinement against K itself removes eps from the solution. Refinement that
    does not contract means eps was too large: the matrix is factored again with eps / 100, and
    at EPS_MIN the solve falls back on SuperLU (which reports a singular K), as does a solve of
    the plain (unregularized) LDL^T whose refinement stays inaccurate. Pivots below 1e-13 after
    scaling (below delta_w / 100 where delta_w > 0, as in `DenseLDL`; below eps / 10 when
    regularized) raise `LDLBreakdown`, and `factorize` falls back on SuperLU.

    >>> import scipy.sparse as sp
    >>> rows, cols = [0, 1, 2, 0, 1, 0, 2], [0, 1, 2, 1, 0, 2, 0]
    >>> k = sp.csc_matrix(([2.0, 3.0, 0.0, 1.0, 1.0, 1.0, 1.0], (rows, cols)), shape=(3, 3))
    >>> fac = SparseLDL(k, workspace=LDLWorkspace(n_primal=2))   # K[2, 2] = 0 stored too
    >>> fac.inertia
    (2, 1, 0)
    >>> np.round(fac.solve(np.array([4.0, 4.0, 1.0])), 12)
    array([1., 1., 1.])
    """

    def __init__(self, matrix: sp.csc_matrix, delta_w: float = 0.0,
                 workspace: LDLWorkspace | None = None):
        if qdldl is None:
            raise LDLBreakdown("the qdldl package is not installed")
        matrix = sp.csc_matrix(matrix)
        self.matrix = matrix
        self._ws = LDLWorkspace() if workspace is None else workspace
        ws = self._ws
        ws.analyze(matrix)
        # K is symmetric: the largest entry of row i is that of column i (never empty)
        rowmax = np.maximum.reduceat(np.abs(matrix.data), matrix.indptr[:-1])
        self._norm = float(np.max(rowmax, initial=0.0))
        self._scale = 1.0 / np.sqrt(np.where(rowmax > 0, rowmax, 1.0))
        data = matrix.data[ws.upper]
        scaled = data * self._scale[ws.upper_indices] * self._scale[ws.upper_cols]
        self._plain = sp.csc_matrix((scaled, ws.upper_indices, ws.upper_indptr),
                                    shape=matrix.shape)
        self._upper = self._plain
        self._fallback: SparseLU | None = None
        self._eps = 0.0                      # the static regularization of this factorization
        self._zero_tol = 1e-13
        if delta_w > 0.0:
            self._zero_tol = min(self._zero_tol,
                                 0.01 * delta_w * float(np.min(self._scale)) ** 2)
        try:
            d = self._factor()
        except LDLBreakdown:
            if self._ws.regularized or self._ws.n_primal is None:
                raise
            self._ws.regularized = True
            d = self._factor()
        self.inertia = self._count(d)

    @staticmethod
    def _count(d: np.ndarray) -> tuple[int, int, int]:
        return int(np.sum(d > 0)), int(np.sum(d < 0)), 0

    def _factor(self) -> np.ndarray:
        """D of the (statically regularized, if the workspace says so) scaled matrix."""
        zero_tol = self._zero_tol
        if self._ws.regularized:
            self._eps = self._ws.eps
            shift = np.full(self.matrix.shape[0], -self._eps)
            shift[:self._ws.n_primal] = self._eps
            self._upper = self._plain.copy()
            self._upper.data[self._ws.diag] += shift
            zero_tol = min(zero_tol, 0.1 * self._eps)
        d = self._ws.load(self, self._upper)
        if not np.all(np.isfinite(d)) or np.any(np.abs(d) <= zero_tol):
            raise LDLBreakdown("a zero or tiny pivot in the LDL^T without pivoting")
        return d

    def solve(self, b: np.ndarray) -> np.ndarray | None:
        """K^{-1} b, or None when it cannot be computed accurately."""
        while True:
            x = _refined_solve(self.matrix, self._norm, self._raw, b, _REFINE_STEPS_REGULARIZED,
                               contracting=True, tol=_RESIDUAL_TOL_LDL)
            if x is not None:
                return x
            if self._eps <= LDLWorkspace.EPS_MIN:
                return self._superlu_solve(b)
            self._ws.eps = max(LDLWorkspace.EPS_MIN, min(self._ws.eps, 0.01 * self._eps))
            try:
                d = self._factor()
            except LDLBreakdown:
                return None
            if self._count(d) != self.inertia:
                return None

    def _superlu_solve(self, b: np.ndarray) -> np.ndarray | None:
        """The fallback where the LDL^T stays inaccurate: growth without pivoting, or a matrix
        too ill-conditioned (or singular) for the smallest static regularization."""
        if self._fallback is None:
            try:
                with np.errstate(all="ignore"):
                    self._fallback = SparseLU(self.matrix)
            except RuntimeError:
                return None
        return self._fallback.solve(b)

    def _raw(self, b: np.ndarray) -> np.ndarray:
        if self._ws.owner is not self:
            self._ws.load(self, self._upper)
        return self._scale * self._ws.solve(self._scale * b)


SOLVERS = ("auto", "ldl", "qdldl", "splu")


def choose_solver(name: str, dim: int, dense_max_dim: int) -> str:
    """The factorization for a KKT matrix of dimension `dim`: "ldl", "qdldl" or "splu".

    "auto" takes the dense LDL up to `dense_max_dim`, then qdldl, or SuperLU where the qdldl
    package is missing.

    >>> choose_solver("auto", 50, 300)
    'ldl'
    >>> choose_solver("auto", 5000, 300) == ("qdldl" if qdldl is not None else "splu")
    True
    """
    if name not in SOLVERS:
        raise ValueError(f"linear_solver={name!r}; expected one of "
                         f"{', '.join(map(repr, SOLVERS))}")
    if name == "qdldl" and qdldl is None:
        raise ValueError("linear_solver='qdldl' needs the qdldl package (pip install qdldl); "
                         "'splu' or 'auto' work without it")
    if name != "auto":
        return name
    if dim <= dense_max_dim:
        return "ldl"
    return "splu" if qdldl is None else "qdldl"


def factorize(matrix: sp.csc_matrix, solver: str, delta_w: float = 0.0,
              workspace: LDLWorkspace | None = None) -> DenseLDL | SparseLDL | SparseLU | None:
    """A factorization of `matrix` (regularized by delta_w), or None when it is singular.

    `solver` is "ldl", "qdldl" or "splu" (see `choose_solver`); "qdldl" falls back on SuperLU
    where its LDL^T breaks down, and reuses the ordering kept in `workspace`.

    >>> import scipy.sparse as sp
    >>> k = sp.csc_matrix([[2.0, 1.0], [1.0, -1.0]])
    >>> [factorize(k, s).solve(np.array([3.0, 0.0])) for s in ("ldl", "qdldl", "splu")]
    [array([1., 1.]), array([1., 1.]), array([1., 1.])]
    >>> factorize(sp.csc_matrix([[1.0, 1.0], [1.0, 1.0]]), "qdldl") is None
    True
    """
    try:
        with np.errstate(all="ignore"):
            if solver == "ldl":
                return DenseLDL(matrix, delta_w)
            if solver == "qdldl":
                try:
                    return SparseLDL(matrix, delta_w, workspace)
                except LDLBreakdown:
                    pass
            return SparseLU(matrix)
    except (RuntimeError, np.linalg.LinAlgError, ValueError):
        return None
