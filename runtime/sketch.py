"""Randomized iterative sketching solvers for a consistent square linear system K z = b.

Sketch-and-project (Gower & Richtarik 2015): each step projects the iterate onto the solution
set of a random sketch S^T K z = S^T b,  z <- z - K^T S (S^T K K^T S)^+ S^T (K z - b).
Three sketches, the first two as in Hong, Na, Mahoney, Kolar (ICML 2023):

- ``"kaczmarz"``: S = e_i, one row of K per step (randomized Kaczmarz; rows drawn with
  probability ||K_i||^2 / ||K||_F^2 when K is a dense matrix, uniformly for an operator);
- ``"gaussian"``: S a block of ``block_size`` standard normal columns;
- ``"block"`` (dense K): S = ``block_size`` distinct rows drawn by their norms (block
  Kaczmarz, Needell & Tropp 2014): each step is the least-norm correction solving those rows
  exactly, so the rate no longer hinges on sigma_min(K) / ||K||_F alone; a block of all N rows
  is one least-squares solve. The method uses it when single rows stall on a nearly singular K.

K is a dense NumPy array or a `scipy.sparse.linalg.LinearOperator` (then each row or block costs
operator applications, e.g. Hessian-vector products). A dense K is first equilibrated, D K D with
D diagonal making the rows of unit 2-norm (Ruiz's iteration, a few O(N^2) passes): sketching
converges at a rate set by ||K||_F / sigma_min(K), which badly scaled rows ruin (a KKT matrix
with a Hessian block of size 25 and constraint rows of size 1 stalls without it). The residual
tested is always that of the original system. The dense Kaczmarz loop runs in Numba: each step
costs about 4 N flops; the full residual (2 N^2) is computed only when a running estimate from
the row residuals says it may meet the tolerance; the setup (equilibration, scaled copy, row
norms) costs about 11 such products and is done once per K (`DenseSystem`), not once per solve.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import scipy.sparse.linalg as spla

SKETCHES = ("kaczmarz", "gaussian", "block")
_SETUP_PRODUCTS = 11    # of a DenseSystem, in 2 N^2-flop products: 6 Ruiz passes of 3 N^2,
                        # the scaled copy and the row norms, 2 N^2 each


@dataclass
class SketchResult:
    """What a sketching solve returns.

    - ``z``: the iterate; ``residual``: K z - b at it; ``converged``: ||residual|| <= tol.
    - ``steps``: sketch steps taken; ``operator_applications``: products with K (or with a row
      or block of it through the operator), counted as whole products for a LinearOperator;
    - ``flops``: arithmetic done by the solver itself, counting a dense product with K as 2 N^2
      (for an operator, add ``operator_applications`` times the cost of one product).
    """

    z: np.ndarray
    residual: np.ndarray
    steps: int
    converged: bool
    operator_applications: int
    flops: float

    @property
    def residual_norm(self) -> float:
        return float(np.linalg.norm(self.residual))


@numba.njit(cache=True)
def _kaczmarz_dense(K, b, z, cum_prob, row_norm_sq, tol, max_steps, seed, dinv):  # pragma: no cover
    """Randomized Kaczmarz on a dense K from z (updated in place) until ||dinv * (K z - b)||
    <= tol; returns (steps, that norm, full residuals computed).

    The full residual (a pass over K, as much as a sweep of N rows) is computed only once the
    running estimate says it may meet tol: the mean over the last N rows of (dinv_i r_i)^2 / p_i,
    r_i the row residual each step computes anyway and p_i its sampling probability, is an
    unbiased estimate of ||dinv * r||^2 at the sweep's iterates (high while r decreases)."""
    np.random.seed(seed)
    n = b.size
    steps, checks = 0, 1
    rnorm = np.linalg.norm(dinv * (K @ z - b))
    total = cum_prob[-1]
    while rnorm > tol and steps < max_steps:
        estimate = 0.0
        for _ in range(n):
            i = np.searchsorted(cum_prob, np.random.random() * total, side="right")
            if i >= n:
                i = n - 1
            ri = K[i] @ z - b[i]
            z -= (ri / row_norm_sq[i]) * K[i]
            estimate += (dinv[i] * ri) ** 2 * total / row_norm_sq[i]
            steps += 1
        if estimate <= _ESTIMATE_SLACK * n * tol * tol or steps >= max_steps:
            rnorm = np.linalg.norm(dinv * (K @ z - b))
            checks += 1
    return steps, rnorm, checks


_ESTIMATE_SLACK = 1.0   # full residual once the estimated ||r||^2 is below this times tol^2
                        # (noisy: it dips below before the residual does; 2-5 checks a solve)


def equilibrate(K: np.ndarray, passes: int = 6) -> np.ndarray:
    """d > 0 such that the rows of diag(d) K diag(d) have 2-norms near 1 (symmetric Ruiz).

    >>> K = np.array([[100.0, 1.0], [1.0, 0.0]])
    >>> d = equilibrate(K); rows = np.linalg.norm(d[:, None] * K * d, axis=1)
    >>> bool(np.all(np.abs(rows - 1) < 0.2)), bool(np.linalg.norm(K, axis=1).max() > 99)
    (True, True)
    """
    d = np.ones(K.shape[0])
    dense = np.ascontiguousarray(K, dtype=float)
    for _ in range(passes):
        rows = _scaled_row_norms(dense, d)
        rows[rows == 0.0] = 1.0
        d /= np.sqrt(rows)
    return d


@numba.njit(cache=True, fastmath=True)   # sums of squares: any order
def _scaled_row_norms(K, d):  # pragma: no cover
    """2-norms of the rows of diag(d) K diag(d), one pass over K (no scaled copy)."""
    out = np.empty(K.shape[0])
    for i in range(K.shape[0]):
        acc = 0.0
        for j in range(K.shape[1]):
            t = K[i, j] * d[j]
            acc += t * t
        out[i] = abs(d[i]) * np.sqrt(acc)
    return out


@numba.njit(cache=True, fastmath=True)   # sums of squares: any order
def _scaled_copy(K, d):  # pragma: no cover
    """diag(d) K diag(d) and its squared row norms, in one pass."""
    n = K.shape[0]
    out = np.empty((n, K.shape[1]))
    norms = np.empty(n)
    for i in range(n):
        acc = 0.0
        for j in range(K.shape[1]):
            t = d[i] * K[i, j] * d[j]
            out[i, j] = t
            acc += t * t
        norms[i] = acc
    return out, norms


def _as_operator(K) -> spla.LinearOperator:
    return K if isinstance(K, spla.LinearOperator) else spla.aslinearoperator(K)


def _check(K, b: np.ndarray, z0) -> tuple[int, np.ndarray]:
    shape = tuple(K.shape)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"sketch_solve needs a square K; got shape {shape}")
    b = np.asarray(b, dtype=float)
    if b.shape != (shape[0],):
        raise ValueError(f"b has shape {b.shape}; expected ({shape[0]},) to match K {shape}")
    z = np.zeros(shape[0]) if z0 is None else np.array(z0, dtype=float)
    if z.shape != b.shape:
        raise ValueError(f"z0 has shape {z.shape}; expected {b.shape}")
    return shape[0], z


def sketch_solve(K, b: np.ndarray, tol: float, *, sketch: str = "kaczmarz",
                 block_size: int = 8, max_steps: int | None = None, z0: np.ndarray | None = None,
                 rng: np.random.Generator | None = None) -> SketchResult:
    """Solve K z = b by randomized sketching until ||K z - b|| <= tol (or ``max_steps``).

    Starts from ``z0`` (default 0). ``max_steps`` defaults to 1000 N Kaczmarz rows or
    1000 N / block_size blocks. A system that is not consistent never meets ``tol``;
    the result then says ``converged=False``.

    >>> K = np.array([[4.0, 1.0], [1.0, 3.0]]); b = np.array([1.0, 2.0])
    >>> res = sketch_solve(K, b, 1e-10, rng=np.random.default_rng(0))
    >>> res.converged, np.allclose(res.z, np.linalg.solve(K, b))
    (True, True)
    >>> res = sketch_solve(K, b, 1e-12, sketch="block", block_size=2)   # all rows: one step
    >>> res.converged, res.steps
    (True, 1)
    """
    if sketch not in SKETCHES:
        raise ValueError(f"sketch={sketch!r}; expected one of {', '.join(map(repr, SKETCHES))}")
    if not tol >= 0:
        raise ValueError(f"tol={tol!r}; expected a non-negative number")
    n, z = _check(K, b, z0)
    b = np.asarray(b, dtype=float)
    rng = np.random.default_rng() if rng is None else rng
    if n == 0:
        return SketchResult(z, np.zeros(0), 0, True, 0, 0.0)
    if sketch == "kaczmarz":
        max_steps = 1000 * n if max_steps is None else int(max_steps)
        if isinstance(K, (np.ndarray, DenseSystem)):
            system = K if isinstance(K, DenseSystem) else DenseSystem(K)
            res = _kaczmarz_dense_solve(system, b, z, tol, max_steps, rng)
            if system is not K:         # prepared here: count the setup
                res.flops += system.setup_flops
            return res
        return _kaczmarz_operator(_as_operator(K), b, z, tol, max_steps, rng)
    if block_size < 1:
        raise ValueError(f"block_size={block_size}; expected a positive integer")
    max_steps = max(1, 1000 * n // block_size) if max_steps is None else int(max_steps)
    if sketch == "block":
        if not isinstance(K, (np.ndarray, DenseSystem)):
            raise ValueError("sketch='block' needs a dense K (a NumPy array or DenseSystem); "
                             "use 'kaczmarz' or 'gaussian' with a LinearOperator")
        system = K if isinstance(K, DenseSystem) else DenseSystem(K)
        res = _block_kaczmarz(system, b, z, tol, min(block_size, n), max_steps, rng)
        if system is not K:
            res.flops += system.setup_flops
        return res
    return _gaussian(K.K if isinstance(K, DenseSystem) else K, b, z, tol, min(block_size, n),
                     max_steps, rng)


class DenseSystem:
    """A dense square K prepared for randomized Kaczmarz: the equilibration d (`equilibrate`),
    the scaled copy D K D and its squared row norms. Made once per K and passed to
    `sketch_solve` in its place, it serves every solve with that K; `replace_border` swaps the
    last rows and columns (a KKT matrix's constraint Jacobian) keeping d.

    >>> K = np.array([[4.0, 1.0], [1.0, 0.0]])
    >>> system = DenseSystem(K); b = np.array([1.0, 2.0])
    >>> res = sketch_solve(system, b, 1e-10, rng=np.random.default_rng(0))
    >>> bool(np.allclose(res.z, np.linalg.solve(K, b)))
    True
    >>> K[0, 1] = K[1, 0] = 3.0; system.replace_border(K, 1)
    >>> res = sketch_solve(system, b, 1e-10, rng=np.random.default_rng(0))
    >>> bool(np.allclose(res.z, np.linalg.solve(K, b)))
    True
    """

    def __init__(self, K: np.ndarray):
        K = np.ascontiguousarray(K, dtype=float)
        zero = ~K.any(axis=1)
        if np.any(zero):
            raise ValueError(f"K has a zero row ({int(np.flatnonzero(zero)[0])}): the system is "
                             f"singular")
        self.K = K
        self.d = equilibrate(K)
        self.scaled, self.row_norm_sq = _scaled_copy(K, self.d)
        self.cum_prob = np.cumsum(self.row_norm_sq)
        self.border: int | None = None
        self.shape = K.shape
        self.setup_flops = 2.0 * K.shape[0] ** 2 * _SETUP_PRODUCTS

    def replace_border(self, K: np.ndarray, border: int) -> None:
        """Use K (same shape, a new matrix or the old one changed in place) that differs from
        the prepared one only in its last ``border`` rows and columns: O(N border) work. The
        border rows get scales making their scaled rows unit (as equilibration would), the
        others keep theirs."""
        n = K.shape[0] - border
        self.setup_flops = 6.0 * K.shape[0] * border
        if border == 0:
            self.K = K
            return
        if self.border != border:       # split the row norms into the kept block's and the rest
            self.inner_norm_sq = np.einsum("ij,ij->i", self.scaled[:n, :n], self.scaled[:n, :n])
            self.border = border
        d, Ks = self.d, self.scaled
        self.K = K
        size = np.linalg.norm(K[n:, :n] * d[:n], axis=1)
        d[n:] = np.where(size > 0.0, 1.0 / np.where(size > 0.0, size, 1.0), d[n:])
        Ks[:, n:] = d[:, None] * K[:, n:] * d[n:]
        Ks[n:, :n] = Ks[:n, n:].T
        self.row_norm_sq = np.concatenate([
            self.inner_norm_sq + np.einsum("ij,ij->i", Ks[:n, n:], Ks[:n, n:]),
            np.einsum("ij,ij->i", Ks[n:], Ks[n:])])
        if not np.all(self.row_norm_sq > 0.0):
            raise ValueError(f"K has a zero row ({int(np.argmin(self.row_norm_sq))}): the "
                             f"system is singular")
        self.cum_prob = np.cumsum(self.row_norm_sq)


def _kaczmarz_dense_solve(system: DenseSystem, b: np.ndarray, z: np.ndarray, tol: float,
                          max_steps: int, rng: np.random.Generator) -> SketchResult:
    n, d = b.size, system.d
    y = z / d
    steps, _, checks = _kaczmarz_dense(system.scaled, d * b, y, system.cum_prob,
                                       system.row_norm_sq, float(tol), max_steps,
                                       int(rng.integers(2**31 - 1)), 1.0 / d)
    z = d * y
    r = system.K @ z - b
    return SketchResult(z, r, int(steps), bool(np.linalg.norm(r) <= tol), checks + 1,
                        4.0 * n * steps + 2.0 * n * n * (checks + 1))


def _block_kaczmarz(system: DenseSystem, b: np.ndarray, z: np.ndarray, tol: float, s: int,
                    max_steps: int, rng: np.random.Generator) -> SketchResult:
    """Row-block Kaczmarz on the equilibrated system: s distinct rows drawn by their norms,
    y <- y + lstsq(K_S, b_S - K_S y) (the least-norm correction); the residual is checked once
    per sweep of N / s blocks. Flops: the block residual 2 s N, the SVD least squares ~ 6 s^2 N."""
    n, d = b.size, system.d
    scaled, rhs, y = system.scaled, d * b, z / d
    p = system.row_norm_sq / system.row_norm_sq.sum()
    sweep = -(-n // s)
    r = system.K @ z - b
    steps, checks, flops = 0, 1, 0.0
    while np.linalg.norm(r) > tol and steps < max_steps:
        rows = np.arange(n) if s >= n else rng.choice(n, size=s, replace=False, p=p)
        block = scaled[rows]
        y += np.linalg.lstsq(block, rhs[rows] - block @ y, rcond=None)[0]
        steps += 1
        flops += 2.0 * s * n + 6.0 * s * s * n
        if steps % sweep == 0 or steps >= max_steps:
            r = system.K @ (d * y) - b
            checks += 1
    z = d * y
    return SketchResult(z, r, steps, bool(np.linalg.norm(r) <= tol), steps + checks,
                        flops + 2.0 * n * n * checks)


def _kaczmarz_operator(K: spla.LinearOperator, b: np.ndarray, z: np.ndarray, tol: float,
                       max_steps: int, rng: np.random.Generator) -> SketchResult:
    """Uniform randomized Kaczmarz through rows K^T e_i: one application per row (r_i is the
    row times z), and one product K z per N rows for the residual test."""
    n = b.size
    r = K.matvec(z) - b
    checks, steps = 1, 0
    e = np.zeros(n)
    while np.linalg.norm(r) > tol and steps < max_steps:
        for _ in range(min(n, max_steps - steps)):
            i = int(rng.integers(n))
            e[i] = 1.0
            row = K.rmatvec(e)
            e[i] = 0.0
            nrm = row @ row
            if nrm > 0.0:
                z -= ((row @ z - b[i]) / nrm) * row
            steps += 1
        r = K.matvec(z) - b
        checks += 1
    return SketchResult(z, r, steps, bool(np.linalg.norm(r) <= tol), steps + checks,
                        6.0 * n * steps + 2.0 * n * checks)


def _gaussian(K, b: np.ndarray, z: np.ndarray, tol: float, s: int, max_steps: int,
              rng: np.random.Generator) -> SketchResult:
    """Block Gaussian sketch-and-project: z <- z - d, d the least-norm solution of W^T d = S^T r."""
    n = b.size
    dense = isinstance(K, np.ndarray)
    op = None if dense else _as_operator(K)
    r = (K @ z if dense else op.matvec(z)) - b
    applications, steps, flops = 1, 0, 0.0
    while np.linalg.norm(r) > tol and steps < max_steps:
        S = rng.standard_normal((n, s))
        W = K.T @ S if dense else op.rmatmat(S)
        d = np.linalg.lstsq(W.T, S.T @ r, rcond=None)[0]
        z -= d
        r = (K @ z if dense else op.matvec(z)) - b
        applications += s + 1
        steps += 1
        flops += 2.0 * n * s + 4.0 * n * s * s + 2.0 * n
    if dense:
        flops += 2.0 * n * n * applications
    return SketchResult(z, r, steps, bool(np.linalg.norm(r) <= tol), applications, flops)
