"""Exact augmented Lagrangian method with randomized iterative sketching ("eal-sketch").

Hong, Na, Mahoney, Kolar, "Constrained Optimization via Exact Augmented Lagrangian and
Randomized Iterative Sketching", ICML 2023 (authors' code: IlgeeHong/AdaSketch-Newton).
For  min f(x)  s.t.  c(x) = 0,  each iteration

1. evaluates grad_x L = grad f + G^T lam, c and H = hess_x L;
2. B = H, or B = H + (xi_B + ||H||) I when the reduced Hessian Z^T H Z (Z spanning null(G)) is
   not positive definite (the paper's curvature safeguard);
3. solves the Newton-KKT system  [B G^T; G 0] z = -(grad_x L, c)  inexactly (warm-started,
   see below) with a
   randomized sketching solver (`runtime.sketch`) until the adaptive accuracy condition
   ||K|| Psi ||r|| <= theta_k delta ||b|| holds. When single-row Kaczmarz (dense K) cannot
   meet it within 200 (n + m) rows, K is nearly singular (a singular Hessian near x*): row
   blocks of 4 sqrt(n + m) rows, doubling after 5 sweeps each, take over, up to all rows (one
   least-squares solve); only a system that even that leaves inconsistent gets B shifted by
   (xi_B + ||H||) I;
4. checks that z descends the exact augmented Lagrangian
   L_eta = f + lam^T c + eta1/2 ||c||^2 + eta2/2 ||grad_x L||^2, whose gradient is
   (grad_x L + eta2 H grad_x L + eta1 G^T c,  c + eta2 G grad_x L)  (one HVP): if
   grad L_eta^T z > -(eta2/2) ||b||^2 it raises eta1 <- nu^2 eta1, lowers eta2 <- eta2/nu,
   tightens delta <- delta/nu^4 and continues sketching from the current z;
5. backtracks (Armijo, from alpha = 1) on L_eta and moves x and lam together.

How K is represented (the choice): up to ``dense_max_dim`` rows (n + m) the Hessian kernel forms
H and K is a dense matrix. The reduced-Hessian test is then, for n <= 300, a Cholesky
factorization of H + rho G^T G - curvature_tol I (positive definite implies Z^T H Z is, by
Debreu's lemma; a failure only means B gets the shift), and for larger n, where n^3/3 flops
would cost as much as the exact KKT factorization the sketching replaces, a loose Lanczos
estimate (ARPACK, some 40 products with H; 10-20 when started from the last refresh's Ritz
vector) of the smallest eigenvalue of P H P + sigma (I - P), P the projector onto null(G).
Above ``dense_max_dim``, K is a LinearOperator built from HVPs and
the sparse Jacobian, never formed, with the same Lanczos test on HVPs. The merit's HVP always
uses the true H.

Hessian reuse (``hessian_reuse`` r, default 0.5; 0 turns it off; dense K only): B stays the
Hessian of the last refresh while each step cuts the KKT residual norm to at most r times the
previous one (or by as much as the last fresh Hessian's step) and reaching the tolerance at that
rate is predicted to take less CPU time than
with fresh Hessians (Newton's model), counting the time to form them and to prepare K for
sketching (`_HessianReuse`): chord / modified Newton steps, as
KINSOL reuses Jacobians, taken only where forming H is the expensive part (2 N n^2 flops for
N-sample logistic regression). A failed line search with a reused B refreshes it; a failed
descent test raises the penalties whatever B is (the paper's rule; refreshing B first cost
2000x5000 one more Hessian and two more iterations). The paper's global analysis asks of B only boundedness and a positive definite reduced
Hessian; its local superlinear rate needs B = H, which reuse trades for cheaper iterations.
K lives in one buffer with B in its leading block; a reused B keeps the equilibrated copy the
sketching solver made of K (`runtime.sketch.DenseSystem`), replacing only G's rows and columns.
Each KKT solve starts from the multiple of the previous direction that minimizes the residual
(one product with K) when that lowers the residual below 0.9 ||b||, else from 0.

Practical accuracy test: by default ``psi=None`` stands for ||K|| Psi = 1, i.e. a relative
residual theta_k delta; the descent test of step 4 then tightens delta when the direction is
not good enough. ``psi=<number>`` uses ||K||_F Psi as in the paper. theta_k = min(1, ||b||^p)
(``theta_power`` p) sharpens the condition near a solution, which the paper shows turns local
linear convergence superlinear; p = 0 is the authors' code (theta = 1).

The objective and constraints are scaled by their gradients at x0 (IPOPT's rule, as in the
interior-point method), so ``tol`` means the same as there; results are unscaled.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from codegen.kernels import NLPKernels
from .guard import KernelEvaluationError, guarded
from .monitor import Monitor
from .options import EALSketchOptions
from .result import SolveResult
from .scaling import gradient_scaling
from .sketch import SKETCHES, DenseSystem, SketchResult, sketch_solve


def check_equality_constrained(k: NLPKernels) -> None:
    """Raise ValueError naming the rows or variables unless the problem is min f s.t. c(x) = c_l."""
    inequalities = np.flatnonzero(np.asarray(k.c_lower) != np.asarray(k.c_upper))
    if inequalities.size:
        raise ValueError(
            f"method='eal-sketch' solves equality-constrained problems only; constraint row(s) "
            f"{_listing(inequalities)} are inequalities (c_lower < c_upper): use method='ipm' "
            f"(the interior-point method), which handles inequalities and bounds")
    bounded = np.flatnonzero(np.isfinite(k.x_lower) | np.isfinite(k.x_upper))
    if bounded.size:
        raise ValueError(
            f"method='eal-sketch' solves equality-constrained problems without variable bounds; "
            f"variable(s) {_listing(bounded)} have finite bounds: use method='ipm' (the "
            f"interior-point method), which handles bounds")
    if k.m > k.n:
        raise ValueError(
            f"method='eal-sketch' needs linearly independent constraint gradients (LICQ), "
            f"impossible with m={k.m} equality constraints on n={k.n} unknowns; remove redundant "
            f"constraints")


def _listing(idx: np.ndarray, limit: int = 8) -> str:
    shown = ", ".join(str(int(i)) for i in idx[:limit])
    return shown + (f", ... ({idx.size} in all)" if idx.size > limit else "")


@dataclass
class _Point:
    """A primal-dual iterate of the scaled problem with the first-order values at it."""

    x: np.ndarray
    lam: np.ndarray
    f: float
    c: np.ndarray            # c(x) - c_lower (scaled)
    jac: np.ndarray          # Jacobian values at the pattern
    grad_l: np.ndarray       # grad f + G^T lam

    def merit(self, eta1: float, eta2: float) -> float:
        return (self.f + self.lam @ self.c + 0.5 * eta1 * (self.c @ self.c)
                + 0.5 * eta2 * (self.grad_l @ self.grad_l))


class _EALSketch:
    """One run of the method on scaled kernels `k`; `solve_eal_sketch` wraps it."""

    def __init__(self, k: NLPKernels, opts: EALSketchOptions, monitor: Monitor,
                 scale_f: float, scale_c: np.ndarray):
        self.k, self.opts, self.monitor = k, opts, monitor
        self.scale_f, self.scale_c = scale_f, scale_c
        self.n, self.m = k.n, k.m
        self.rows, self.cols = k.jacobian_pattern.rows, k.jacobian_pattern.cols
        self.dense = k.n + k.m <= opts.dense_max_dim
        self.rng = np.random.default_rng(opts.seed)
        self.eta1, self.eta2, self.delta = opts.eta1, opts.eta2, opts.delta
        self.kkt: np.ndarray | None = None          # dense K, B of the last refresh in K[:n, :n]
        self.system: DenseSystem | None = None      # K prepared for Kaczmarz
        self.hessian_layout = _HessianLayout(k.hessian_pattern, k.n) if self.dense else None
        self.lanczos_start: dict[str, np.ndarray] = {}   # last Ritz vectors, to warm-start
        self.shift = 0.0
        self.z_previous: np.ndarray | None = None
        self.t_hessian = 0.0                        # seconds forming B in this iteration

    # ------------------------------------------------------------------ evaluation
    def gt(self, jac: np.ndarray, v: np.ndarray) -> np.ndarray:
        """G^T v."""
        return np.bincount(self.cols, weights=jac * v[self.rows], minlength=self.n)

    def g(self, jac: np.ndarray, v: np.ndarray) -> np.ndarray:
        """G v."""
        return np.bincount(self.rows, weights=jac * v[self.cols], minlength=self.m)

    def point(self, x: np.ndarray, lam: np.ndarray, f: float | None = None,
              c: np.ndarray | None = None) -> _Point:
        """The iterate (x, lam) with its first-order values (f and c if already known)."""
        k = self.k
        f = k.objective(x) if f is None else f
        c = k.constraints(x) - k.c_lower if c is None else c
        jac = k.jacobian(x)
        return _Point(x, lam, f, c, jac, k.gradient(x) + self.gt(jac, lam))

    def start(self, x0: np.ndarray) -> _Point:
        """x0 with least-squares multipliers: lam minimizing ||grad f + G^T lam||."""
        pt = self.point(x0, np.zeros(self.m))
        if self.m:
            gmat = sp.csr_matrix((pt.jac, (self.rows, self.cols)), shape=(self.m, self.n))
            lam = spla.lsqr(gmat.T, -pt.grad_l, atol=1e-12, btol=1e-12)[0]
            pt = _Point(pt.x, lam, pt.f, pt.c, pt.jac, pt.grad_l + self.gt(pt.jac, lam))
        return pt

    def hvp(self, pt: _Point, v: np.ndarray) -> np.ndarray:
        """hess_x L(x, lam) v."""
        return self.k.hvp(pt.x, 1.0, pt.lam, v)

    # ------------------------------------------------------------------ the KKT system
    def dense_system(self, pt: _Point, refresh: bool) -> tuple[DenseSystem, float, float]:
        """K = [B G^T; G 0] prepared for Kaczmarz, the shift t of B = H + t I, and the flops
        spent on the curvature test and the preparation; with ``refresh`` False, B is the one
        of the last refresh and only G's rows and columns are replaced (one buffer for K)."""
        n, m, k = self.n, self.m, self.k
        G = np.zeros((m, n))
        np.add.at(G, (self.rows, self.cols), pt.jac)
        if self.kkt is None:
            self.kkt = np.zeros((n + m, n + m))
        K = self.kkt
        K[:n, n:], K[n:, :n] = G.T, G
        if not (refresh or self.system is None):
            self.system.replace_border(K, m)
            return self.system, self.shift, self.system.setup_flops
        t0 = time.process_time()
        H = K[:n, :n]
        self.hessian_layout.assemble(k.hessian(pt.x, 1.0, pt.lam), H)
        self.shift, flops = self._dense_shift(H, G)
        H[np.arange(n), np.arange(n)] += self.shift
        self.system = DenseSystem(K)
        self.t_hessian += time.process_time() - t0
        return self.system, self.shift, flops + self.system.setup_flops

    def shifted_system(self) -> tuple[DenseSystem, float, float]:
        """K with B = H + (xi_B + ||H||) I, for a K too ill-conditioned to sketch (the solve ran
        out of steps): the shift of an indefinite reduced Hessian. Returns K, shift, flops."""
        n, K = self.n, self.kkt
        H = K[:n, :n]
        if n <= _CHOLESKY_MAX_N:
            h_norm, flops = float(np.max(np.abs(la.eigvalsh(H)), initial=0.0)), 4.0 * n ** 3 / 3
        else:
            h_op = _CountingOperator(H)
            h_norm = abs(self._lanczos(h_op, "LM"))
            flops = h_op.products * (2.0 * n * n + 2.0 * _NCV * n)
        self.shift = self.opts.xi_b + h_norm
        H[np.arange(n), np.arange(n)] += self.shift
        self.system = DenseSystem(K)
        return self.system, self.shift, flops + self.system.setup_flops

    def _dense_shift(self, H: np.ndarray, G: np.ndarray) -> tuple[float, float]:
        """The shift of B = H + shift I (0 when Z^T H Z is positive definite) and its flops."""
        n, m, tol = self.n, self.m, self.opts.curvature_tol
        if n <= _CHOLESKY_MAX_N:
            flops = n ** 3 / 3 + 2.0 * n * n * m
            if self._reduced_hessian_pd(H, G):
                return 0.0, flops
            return self.opts.xi_b + float(np.max(np.abs(la.eigvalsh(H)), initial=0.0)), \
                flops + 4.0 * n ** 3 / 3
        h_op = _CountingOperator(H)
        lam_min = self._reduced_curvature(h_op, sp.csr_matrix(G),
                                          float(np.max(np.abs(H).sum(axis=1))) + 1.0)
        shift = 0.0 if lam_min >= tol else self.opts.xi_b + abs(self._lanczos(h_op, "LM"))
        return shift, h_op.products * (2.0 * n * n + 4.0 * n * m + 2.0 * _NCV * n)

    def _reduced_hessian_pd(self, H: np.ndarray, G: np.ndarray) -> bool:
        """Cholesky test of H + rho G^T G - curvature_tol I (sufficient for Z^T H Z > tol)."""
        M = H - self.opts.curvature_tol * np.eye(self.n)
        if self.m:
            gg = la.eigvalsh(G @ G.T)
            if gg[0] > 0.0:
                M += (10.0 * (1.0 + np.linalg.norm(H)) / gg[0]) * (G.T @ G)
        try:
            la.cholesky(M, lower=True, check_finite=False)
        except la.LinAlgError:
            return False
        return True

    def operator_system(self, pt: _Point) -> tuple[spla.LinearOperator, float, float]:
        """K as a LinearOperator from HVPs and the sparse Jacobian, the shift of B, and the
        flops of the curvature test outside its HVPs (none counted)."""
        n, m = self.n, self.m
        gmat = sp.csr_matrix((pt.jac, (self.rows, self.cols)), shape=(m, n))
        h_op = spla.LinearOperator((n, n), matvec=lambda v: self.hvp(pt, np.ravel(v)),
                                   dtype=float)
        h_norm, lam_min = self._operator_curvature(h_op, gmat)
        shift = 0.0 if lam_min >= self.opts.curvature_tol else self.opts.xi_b + h_norm

        def matvec(v):
            v = np.ravel(v)
            top = self.hvp(pt, v[:n]) + shift * v[:n] + gmat.T @ v[n:]
            return np.concatenate([top, gmat @ v[:n]])

        return spla.LinearOperator((n + m, n + m), matvec=matvec, rmatvec=matvec,
                                   dtype=float), shift, 0.0

    def _operator_curvature(self, h_op: spla.LinearOperator,
                            gmat: sp.csr_matrix) -> tuple[float, float]:
        """(||H|| estimate, smallest eigenvalue estimate of Z^T H Z) by Lanczos on HVPs."""
        n = self.n
        if n < 3:       # too small for ARPACK's Krylov space: form H from n HVPs
            H = h_op.matmat(np.eye(n))
            H = 0.5 * (H + H.T)
            G = gmat.toarray()
            return float(np.max(np.abs(la.eigvalsh(H)), initial=0.0)), \
                (np.inf if self._reduced_hessian_pd(H, G) else -np.inf)
        h_norm = abs(self._lanczos(h_op, "LM"))
        return h_norm, self._reduced_curvature(h_op, gmat, h_norm + 1.0)

    def _reduced_curvature(self, h_op: spla.LinearOperator, gmat: sp.csr_matrix,
                           sigma: float) -> float:
        """Lanczos estimate of the smallest eigenvalue of Z^T H Z, as that of
        P H P + sigma (I - P) with P the projector onto null(G) and sigma > ||H||."""
        n = self.n
        if self.m:
            try:
                solve_gg = spla.factorized((gmat @ gmat.T).tocsc())
            except RuntimeError:        # G G^T singular (LICQ fails): shift B, the safe side
                return -np.inf

            def project(v):
                return v - gmat.T @ solve_gg(gmat @ v)
        else:
            def project(v):
                return v

        def reduced(v):
            v = np.ravel(v)
            pv = project(v)
            return project(h_op.matvec(pv)) + sigma * (v - pv)

        return self._lanczos(spla.LinearOperator((n, n), matvec=reduced, dtype=float), "SA")

    def _lanczos(self, op: spla.LinearOperator, which: str) -> float:
        """`_lanczos` started from the last Ritz vector of this kind (H changes little between
        refreshes, so it is near the new one) plus a random tenth, else at random."""
        v0 = self.rng.standard_normal(op.shape[0])
        previous = self.lanczos_start.get(which)
        if previous is not None and previous.shape == v0.shape:
            v0 = previous + 0.1 * v0 / np.linalg.norm(v0)
        ncv = _NCV if previous is None else _NCV_WARM
        value, self.lanczos_start[which] = _lanczos(op, which, v0, ncv)
        return value

    # ------------------------------------------------------------------ one iteration
    def direction(self, pt: _Point, kkt_norm: float, refresh: bool) -> tuple[np.ndarray, float,
                                                                             dict]:
        """The sketched Newton direction z, the merit slope along it, and what it took. A
        direction that fails the descent test moves the penalties, as in the paper, whether B
        is fresh or reused (``refresh`` False)."""
        o = self.opts
        if self.dense:
            refresh = refresh or self.system is None
            K, shift, flops = self.dense_system(pt, refresh)
        else:
            (K, shift, flops), refresh = self.operator_system(pt), True
        b = -np.concatenate([pt.grad_l, pt.c])
        bnorm = float(np.linalg.norm(b))
        theta = min(1.0, kkt_norm ** o.theta_power)
        k_psi = 1.0 if o.psi is None else o.psi * _frobenius(K.K if self.dense else K)
        hg = self.hvp(pt, pt.grad_l)
        gtc, g_gl = self.gt(pt.jac, pt.c), self.g(pt.jac, pt.grad_l)
        z, applications, flops0 = self.warm_start(K.K if self.dense else K, b)
        steps, flops, penalty_updates = 0, flops + flops0, 0
        limit = o.max_sketch_steps
        if limit is None and self.dense and o.sketch == "kaczmarz":
            limit = max(_SKETCH_SWEEPS * b.size, _SKETCH_MIN_ROWS)
        block = None
        while True:
            tol = theta * self.delta * bnorm / k_psi
            res = sketch_solve(K, b, tol, sketch=o.sketch, block_size=o.block_size,
                               max_steps=limit, z0=z, rng=self.rng)
            runs = [res]
            if self.dense and not res.converged and o.sketch == "kaczmarz":
                runs += self._row_blocks(K, b, tol, res.z)
                res, block = runs[-1], max(block or 0, _block_rows(b.size, len(runs) - 2))
            z = res.z
            steps = steps + sum(r.steps for r in runs)
            flops = flops + sum(r.flops for r in runs)
            applications += sum(r.operator_applications for r in runs)
            if self.dense and not res.converged and self.shift == 0.0:
                K, shift, more = self.shifted_system()
                z, flops = None, flops + more
                continue
            merit_grad = np.concatenate([pt.grad_l + self.eta2 * hg + self.eta1 * gtc,
                                         pt.c + self.eta2 * g_gl])
            slope = float(merit_grad @ z)
            if slope <= -0.5 * self.eta2 * bnorm ** 2:
                break
            if self.eta1 >= o.eta1_max or self.eta2 <= o.eta2_min:
                break
            self.eta1 *= o.nu ** 2
            self.eta2 /= o.nu
            self.delta = max(self.delta / o.nu ** 4, o.delta_min)
            penalty_updates += 1
        self.z_previous = z
        info = dict(reg=shift if shift > 0 else None, sketch_steps=steps, sketch_block=block,
                    linalg_flops=flops,
                    kkt_applications=applications, sketch_residual=res.residual_norm / bnorm,
                    penalty_updates=penalty_updates, hessian=refresh)
        return z, slope, info

    def _row_blocks(self, K: DenseSystem, b: np.ndarray, tol: float,
                    z: np.ndarray) -> list[SketchResult]:
        """Block Kaczmarz from z with blocks of `_block_rows` rows, doubling after each
        `_BLOCK_SWEEPS` sweeps that miss tol, up to all rows (one least-squares solve): for a K
        so ill-conditioned that single rows stall (a singular Hessian near x*)."""
        runs: list[SketchResult] = []
        dim = b.size
        while not runs or not runs[-1].converged:
            rows = _block_rows(dim, len(runs))
            runs.append(sketch_solve(K, b, tol, sketch="block", block_size=rows,
                                     max_steps=_BLOCK_SWEEPS * -(-dim // rows), z0=z,
                                     rng=self.rng))
            z = runs[-1].z
            if rows >= dim:
                break
        return runs

    def warm_start(self, K, b: np.ndarray) -> tuple[np.ndarray | None, int, float]:
        """(the multiple of the previous direction minimizing ||K z - b||, or None when that
        residual is not below 0.9 ||b||; the products with K and the flops it took)."""
        z = self.z_previous
        if z is None or not np.any(z):
            return None, 0, 0.0
        kz = K @ z
        dim = b.size
        flops = 2.0 * dim * dim + 6.0 * dim if isinstance(K, np.ndarray) else 6.0 * dim
        alpha = float(kz @ b) / float(kz @ kz)
        if not alpha > 0.0 or np.linalg.norm(alpha * kz - b) >= 0.9 * np.linalg.norm(b):
            return None, 1, flops
        return alpha * z, 1, flops

    def line_search(self, pt: _Point, z: np.ndarray, slope: float) -> tuple[_Point | None, float,
                                                                          int]:
        """Armijo backtracking on L_eta from alpha = 1 (halving); None when it fails.

        Decreases below the rounding error of L_eta count as decreases (so the last digits of
        a solution are not lost to noise in the merit, as in IPOPT). Where the whole predicted
        decrease alpha |slope| is within `_MERIT_NOISE_RANGE` times that rounding error, the
        merit cannot tell (f summed over 10^6 samples rounds far above 10 eps |f|): a trial that
        lowers the KKT residual ||(grad_x L, c)|| is accepted there. A trial whose merit without
        the (eta2/2) ||grad_x L||^2 term already fails is rejected before its gradient."""
        n = self.n
        merit0 = pt.merit(self.eta1, self.eta2)
        noise = 10.0 * np.finfo(float).eps * max(1.0, abs(merit0))
        kkt0 = pt.grad_l @ pt.grad_l + pt.c @ pt.c
        alpha = 1.0
        for ls in range(self.opts.max_backtracks):
            x, lam = pt.x + alpha * z[:n], pt.lam + alpha * z[n:]
            bound = merit0 + alpha * self.opts.beta * slope + noise
            in_noise = alpha * abs(slope) <= _MERIT_NOISE_RANGE * noise
            try:        # L_eta without its eta2 term is a lower bound: reject before the gradient
                f, c = self.k.objective(x), self.k.constraints(x) - self.k.c_lower
                ok = f + lam @ c + 0.5 * self.eta1 * (c @ c) <= bound
                if ok or in_noise:
                    trial = self.point(x, lam, f, c)
                    ok = (trial.merit(self.eta1, self.eta2) <= bound
                          or in_noise and trial.grad_l @ trial.grad_l + trial.c @ trial.c < kkt0)
            except KernelEvaluationError:
                ok = False
            if ok:
                return trial, alpha, ls
            alpha *= 0.5
        return None, 0.0, self.opts.max_backtracks

    # ------------------------------------------------------------------ the loop
    def result(self, pt: _Point, status: str, message: str, it: int) -> SolveResult:
        k, n = self.k, self.n
        lam = self.scale_c * pt.lam / self.scale_f
        grad_l = pt.grad_l / self.scale_f
        return SolveResult(
            x=pt.x, objective=pt.f / self.scale_f, status=status, message=message, iterations=it,
            multipliers=lam, bound_multipliers_lower=np.zeros(n),
            bound_multipliers_upper=np.zeros(n),
            constraint_violation=float(np.max(np.abs(pt.c / self.scale_c), initial=0.0)),
            dual_infeasibility=float(np.max(np.abs(grad_l), initial=0.0)),
            history=self.monitor.history, method="eal-sketch")

    def run(self, x0: np.ndarray) -> SolveResult:
        o = self.opts
        try:
            pt = self.start(x0)
        except KernelEvaluationError as exc:
            nan = _Point(x0, np.zeros(self.m), np.nan, np.full(self.m, np.nan),
                         np.zeros(self.k.jacobian_pattern.nnz), np.full(self.n, np.nan))
            return self.result(nan, "numerical_error", f"{exc} at the starting point", 0)
        it, stalled, info = 0, 0, dict(step=0.0, alpha_pr=0.0, alpha_du=0.0, ls=0)
        kkt_previous, t_iteration, reuse = np.inf, 0.0, _HessianReuse(o.hessian_reuse)
        while True:
            inf_pr = float(np.max(np.abs(pt.c), initial=0.0))
            inf_du = float(np.max(np.abs(pt.grad_l), initial=0.0))
            self.monitor.record(dict(iter=it, objective=pt.f / self.scale_f, inf_pr=inf_pr,
                                     inf_du=inf_du, mu=None, phase="", eta1=self.eta1,
                                     eta2=self.eta2, delta=self.delta, **info))
            if max(inf_pr, inf_du) <= o.tol:
                return self.result(pt, "optimal", "optimal solution found", it)
            xmax = float(np.max(np.abs(pt.x), initial=0.0))
            if pt.f / self.scale_f < -o.unbounded_objective or xmax > o.diverging_iterates_tol:
                return self.result(pt, "unbounded", f"the problem seems unbounded: objective "
                                   f"{pt.f / self.scale_f:.3g} with max |x| = {xmax:.3g}", it)
            if it >= o.max_iter:
                return self.result(pt, "max_iter", f"maximum number of iterations ({o.max_iter})"
                                   f" reached; KKT residual {max(inf_pr, inf_du):.2e}", it)
            kkt_norm = float(np.sqrt(pt.c @ pt.c + pt.grad_l @ pt.grad_l))
            if it:
                reuse.observe(kkt_previous, kkt_norm, info["hessian"], self.t_hessian,
                              time.process_time() - t_iteration, info["alpha_pr"] == 1.0)
            refresh = reuse.refresh(kkt_previous, kkt_norm, o.tol)
            t_iteration, self.t_hessian = time.process_time(), 0.0
            try:
                z, slope, info = self.direction(pt, kkt_norm, refresh)
                trial, alpha, ls = self.line_search(pt, z, slope)
                if trial is None and not info["hessian"]:
                    z, slope, info = self.direction(pt, kkt_norm, True)
                    trial, alpha, ls = self.line_search(pt, z, slope)
            except KernelEvaluationError as exc:
                return self.result(pt, "numerical_error", f"{exc} at iteration {it}", it)
            kkt_previous = kkt_norm
            if trial is None:
                why = ("the sketched direction is not a descent direction of the augmented "
                       "Lagrangian even at the largest penalties" if slope >= 0 else
                       f"the line search failed after {ls} backtracks")
                return self.result(pt, "numerical_error", f"{why} at iteration {it} (KKT "
                                   f"residual {max(inf_pr, inf_du):.2e})", it)
            info.update(step=float(np.max(np.abs(z[:self.n]), initial=0.0)) * alpha,
                        alpha_pr=alpha, alpha_du=alpha, ls=ls)
            tiny = 10.0 * np.finfo(float).eps * (1.0 + xmax)
            stalled = stalled + 1 if alpha * np.max(np.abs(z), initial=0.0) <= tiny else 0
            pt = trial
            it += 1
            if stalled >= _STALL_ITERATIONS:
                return self.result(pt, "numerical_error", f"no progress in {stalled} iterations "
                                   f"(steps at rounding level) with KKT residual "
                                   f"{max(inf_pr, inf_du):.2e}", it)


_STALL_ITERATIONS = 5


class _HessianReuse:
    """Whether the next iteration forms a fresh Hessian. Reuse B while the last step cut the KKT
    norm to at most ``max_ratio`` times the previous one, or by as much as the last fresh
    Hessian's step did (far from a solution the line search, not B, limits the steps), the line
    search took it whole (a stale B that the line search cuts short is refreshed), and
    reaching the tolerance that way is
    predicted to take less time than with fresh Hessians, counting the time to form them:
    reuse pays only where forming H costs more than the extra iterations. Reused steps are
    predicted to keep the last step's ratio (a chord method converges linearly); fresh ones
    follow Newton's model: the last fresh step's ratio, shrinking in proportion to the KKT norm
    (quadratic convergence, ratio = C ||F||). Times are the process's CPU seconds (other
    processes on the machine do not count)."""

    def __init__(self, max_ratio: float):
        self.max_ratio = max_ratio
        self.fresh_c: float | None = None           # C of the last fresh step
        self.fresh_ratio = 1.0
        self.hessian_seconds = self.step_seconds = 0.0
        self.newton = False                         # the last fresh step was a full step
        self.reused_short = False                   # the last step reused B and was cut short

    def observe(self, kkt_before: float, kkt_after: float, fresh: bool, hessian_seconds: float,
                seconds: float, full_step: bool) -> None:
        """The last step: KKT norms before and after, whether it formed H, its timing, and
        whether the line search took the full step (else Newton's model does not apply yet)."""
        self.step_seconds = max(seconds - hessian_seconds, 1e-9)
        self.reused_short = not fresh and not full_step
        if fresh:
            self.hessian_seconds = hessian_seconds
            ratio = kkt_after / kkt_before
            c = ratio / kkt_before if ratio < 1.0 else None
            if c is not None and full_step and self.newton and self.fresh_c is not None:
                c = max(c, self.fresh_c)    # the least optimistic of the full Newton steps
            self.fresh_c, self.fresh_ratio = c, min(ratio, 1.0)
            self.newton = full_step

    def refresh(self, kkt_before: float, kkt_after: float, target: float) -> bool:
        """Whether to form H for the step from a KKT norm ``kkt_after`` (the last step came from
        ``kkt_before``) towards ``target``: not when some number of reused steps followed by
        fresh ones is predicted to get there sooner than fresh ones from now on."""
        ratio = kkt_after / kkt_before
        if self.max_ratio <= 0.0 or self.fresh_c is None or self.reused_short \
                or not ratio <= max(self.max_ratio, self.fresh_ratio):
            return True
        now = self._fresh_seconds(kkt_after, target)
        kkt, reused = kkt_after, 0
        while kkt > target and reused < _MAX_PREDICTED_STEPS:
            kkt, reused = kkt * ratio, reused + 1
            if reused * self.step_seconds + self._fresh_seconds(kkt, target) < now:
                return False
        return True

    def _fresh_seconds(self, kkt: float, target: float) -> float:
        """Predicted time from ``kkt`` to ``target`` with a fresh Hessian every step: each step
        cuts the norm by the last fresh step's ratio, and once full Newton steps are taken by
        min(that, C kkt) (quadratic convergence, C the largest seen in consecutive full steps)."""
        steps = 0
        while kkt > target and steps < _MAX_PREDICTED_STEPS:
            kkt *= min(self.fresh_ratio, self.fresh_c * kkt) if self.newton else self.fresh_ratio
            steps += 1
        return steps * (self.hessian_seconds + self.step_seconds)


_MAX_PREDICTED_STEPS = 200


def _frobenius(K) -> float:
    """||K||_F of a dense K; for an operator, the norm of K applied to a random unit vector."""
    if isinstance(K, np.ndarray):
        return float(np.linalg.norm(K))
    v = np.random.default_rng(1).standard_normal(K.shape[1])
    return float(np.linalg.norm(K.matvec(v / np.linalg.norm(v)))) * np.sqrt(K.shape[0])


_CHOLESKY_MAX_N = 300       # above: the dense curvature test is Lanczos, not n^3/3 Cholesky
_SKETCH_SWEEPS = 200        # dense Kaczmarz rows per solve: this many times n + m (at least
_SKETCH_MIN_ROWS = 20_000   # this many); then B is shifted, K being too ill-conditioned
_MERIT_NOISE_RANGE = 1e3    # predicted merit decreases within this times its rounding error:
                            # the KKT residual decides (the line search's noise regime)
_BLOCK_SWEEPS = 5           # sweeps of each block size before the blocks double


def _block_rows(dim: int, level: int) -> int:
    """Rows per block at escalation ``level``: 4 sqrt(dim) doubling per level, at most dim."""
    return min(dim, (4 * math.isqrt(max(dim - 1, 0)) + 4) << level)


_NCV_WARM = 8              # the basis size when started from the last Ritz vector
_NCV = 20                   # ARPACK's Lanczos basis size (its default for one eigenvalue)


class _CountingOperator(spla.LinearOperator):
    """A dense symmetric matrix as a LinearOperator that counts its products (for flops)."""

    def __init__(self, matrix: np.ndarray):
        super().__init__(float, matrix.shape)
        self.matrix, self.products = matrix, 0

    def _matvec(self, v):
        self.products += 1
        return self.matrix @ np.ravel(v)


def _lanczos(op: spla.LinearOperator, which: str, v0: np.ndarray,
             ncv: int = 20) -> tuple[float, np.ndarray]:
    """One extreme eigenvalue and its vector by ARPACK from ``v0`` with an ``ncv``-vector
    Krylov basis, loosely converged (relative 1e-2, enough to decide a sign or a shift); its
    best estimate if it stalls."""
    try:
        values, vectors = spla.eigsh(op, k=1, which=which, tol=1e-2, maxiter=300,
                                     ncv=min(ncv, op.shape[0]), v0=v0)
    except spla.ArpackNoConvergence as exc:
        if not exc.eigenvalues.size:
            return (-np.inf if which == "SA" else 0.0), v0
        values, vectors = exc.eigenvalues, exc.eigenvectors
    return float(values[0]), vectors[:, 0]


class _HessianLayout:
    """Where the Hessian kernel's values go in the dense n x n matrix: a prefix stored row by
    row (the whole matrix, as kernels of dense Hessians store it) is copied in one reshape,
    the other entries are added by position."""

    def __init__(self, pattern, n: int):
        flat = pattern.rows * n + pattern.cols
        dense = flat.size >= n * n and np.array_equal(flat[:n * n], np.arange(n * n))
        self.prefix = n * n if dense else 0
        self.rows, self.cols = pattern.rows[self.prefix:], pattern.cols[self.prefix:]
        self.n = n

    def assemble(self, values: np.ndarray, out: np.ndarray) -> None:
        """out (n x n, possibly a view) = the Hessian with these kernel values."""
        n = self.n
        if self.prefix:
            out[...] = values[:self.prefix].reshape(n, n)
        else:
            out[...] = 0.0
        np.add.at(out, (self.rows, self.cols), values[self.prefix:])


def solve_eal_sketch(kernels: NLPKernels, x0: np.ndarray, opts: EALSketchOptions,
                     monitor: Monitor) -> SolveResult:
    """Solve an equality-constrained problem (no bounds) from x0 by the method above.

    Raises ValueError for inequalities, bounds, m > n or an unknown sketch; a failed solve is a
    status of the returned `SolveResult`.
    """
    check_equality_constrained(kernels)
    if opts.sketch not in SKETCHES:
        raise ValueError(f"sketch={opts.sketch!r}; expected one of "
                         f"{', '.join(map(repr, SKETCHES))}")
    k = guarded(kernels)
    try:
        sc = gradient_scaling(k, x0, opts.nlp_scaling_max_gradient, opts.nlp_scaling_min_value)
    except KernelEvaluationError as exc:
        n = k.n
        return SolveResult(x=x0, objective=np.nan, status="numerical_error",
                           message=f"{exc} at the starting point", iterations=0,
                           multipliers=np.zeros(k.m), bound_multipliers_lower=np.zeros(n),
                           bound_multipliers_upper=np.zeros(n), constraint_violation=np.nan,
                           dual_infeasibility=np.nan, history=monitor.history,
                           method="eal-sketch")
    return _EALSketch(sc.kernels, opts, monitor, sc.objective, sc.constraints).run(x0.copy())
