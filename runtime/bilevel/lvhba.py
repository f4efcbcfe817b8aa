"""LV-HBA: the Hessian-free method of Yao, Yu, Zeng, Zhang ("Constrained Bi-Level Optimization:
Proximal Lagrangian Value function Approach and Hessian-free Algorithm", ICLR 2024; code:
SUSTech-Optimization/LV-HBA).

It minimizes F/c + f(x, y) - v_gamma(x, y, z) over C = {bounds, lower-level constraints}, where
v_gamma is the proximal Lagrangian value function min_theta max_lam f(x, theta) + lam.g(x, theta)
+ |theta - y|^2/(2 gamma_1) - |lam - z|^2/(2 gamma_2) and (theta, lam) track its saddle point by
projected gradient steps. Only first derivatives of F, f and g are used. The (x, y) steps are
projected onto C, which the method assumes computable: here the lower-level constraints must be
affine (`projection.AffineSet`).

Two schedules share these directions:

- ``schedule="authors"``: the paper's single loop verbatim, c_k = c0 (k+1)^c_power and fixed steps
  alpha, beta, eta (Algorithm 1). The F-part of each step shrinks like 1/c_k, so progress along
  the lower-level solution set slows down as c_k grows.
- ``schedule="adaptive"`` (default), with four deviations from Algorithm 1, each documented here:
  1. c is held fixed in stages and raised only when x is stationary for it; a stage is then a
     smooth problem in (x, y) for fixed z (v_gamma is differentiable with the gradient the
     paper's directions use), solved to a tolerance before c grows.
  2. Two timescales: at fixed x, theta, lam, y and z take the paper's projected gradient steps
     (z moving a fraction z_relax of the way to lam), warm-started, several per x-step, until
     c times their residual is small against the x-direction. Their step sizes are 1/(L +
     1/gamma_1) with L a running secant estimate of the Lipschitz constant of grad_y f (no
     Hessian products; it may halve between x-steps; theta and lam also divide by |J_y| of
     the constraints). They stop only while contracting, so a lower level unbounded at x
     diverges and is diagnosed; a stage whose x-steps stall is retried with 10x more accurate
     inner steps.
  3. With y following x, c d_x = grad_x F + c (grad_x f(x, y) - grad_x L(x, theta, lam)) (plus
     J_x^T mu for lower-level constraints coupling x and y that are active at y) is the
     gradient of c times the stage objective reduced to x, and it tends to the hypergradient as
     c grows, so its scale does not shrink like 1/c. x steps along it by L-BFGS-B (SciPy; Byrd,
     Lu, Nocedal, Zhu 1995) over the bounds of x, one L-BFGS-B run per stage.
  4. "optimal" needs x stationary for the stage (projected c d_x <= gtol |grad F|, and the
     L-BFGS-B model predicting a further decrease <= tol |F|) and the penalty's estimated bias
     2 c (f - v_gamma) <= tol |F| (|F| counted as at least F_FLOOR times its first value, for
     F* = 0): for a quadratic penalty F* - F(x_c, y_c) ~ 2 c (f - v), so the bias is measured
     rather than assumed O(1/c). Else c grows by the factor that estimate asks for (at least
     c_growth, at most C_MAX in all); the run ends at max_iter L-BFGS-B iterations otherwise.
  The lower level must then be feasible for every x within its bounds (status "infeasible"
  says where it is not).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from .inner import LowerLevelFailure, solve_lower
from .kernels import BilevelKernels
from .projection import AffineSet

SCHEDULES = ("adaptive", "authors")


@dataclass(frozen=True)
class LVHBAOptions:
    """Options of both schedules (see the module docstring).

    Shared: proximal parameters gamma_1, gamma_2 (the authors' 10), max_iter (L-BFGS-B
    iterations for "adaptive", iterations for "authors"), divergence (|theta| that counts as
    diverged).
    "adaptive": tol (relative bias and predicted decrease of F for "optimal"), gtol (relative
    projected gradient), c_start (first penalty), c_growth (least factor between stages), the
    inner steps' cap max_inner and accuracy inner_accuracy (relative to the x-direction),
    z_relax (fraction of the way z moves to lam per inner step).
    "authors": c_k = c0 (k+1)^c_power, steps alpha (x, y), beta (z), eta (theta, lam); "optimal"
    once c_k >= c_stop and for `patience` iterations the projected direction is below
    stationarity |grad F| / c_k."""

    schedule: str = "adaptive"
    gamma_1: float = 10.0
    gamma_2: float = 10.0
    max_iter: int = 5_000
    divergence: float = 1e12
    tol: float = 1e-4
    gtol: float = 1e-6
    c_start: float = 10.0
    c_growth: float = 10.0
    max_inner: int = 200
    inner_accuracy: float = 0.1
    z_relax: float = 0.5
    c0: float = 0.025
    c_power: float = 0.3
    alpha: float = 0.008
    beta: float = 0.02
    eta: float = 0.01
    c_stop: float = 1e4
    stationarity: float = 1e-2
    patience: int = 10

    def __post_init__(self) -> None:
        if self.schedule not in SCHEDULES:
            raise ValueError(f"LV-HBA schedule={self.schedule!r}; expected one of "
                             f"{', '.join(map(repr, SCHEDULES))}")
        other = "authors" if self.schedule == "adaptive" else "adaptive"
        unused = [name for name in ONLY[other]
                  if getattr(self, name) != self.__dataclass_fields__[name].default]
        if unused:
            raise ValueError(f"LV-HBA option(s) {', '.join(unused)} belong to "
                             f"schedule={other!r} and do nothing with schedule="
                             f"{self.schedule!r}: pass schedule={other!r} or leave them out")


ONLY = {"adaptive": ("tol", "gtol", "c_start", "c_growth", "max_inner", "inner_accuracy",
                     "z_relax"),
        "authors": ("c0", "c_power", "alpha", "beta", "eta", "c_stop", "stationarity",
                    "patience")}
MAX_PROJECTED_ROWS = 500
AUTHORS_RECORD_EVERY = 100          # the authors' schedule records every 100th iteration
LIPSCHITZ_DECAY = 0.5               # the secant estimate may fall by this factor per x
F_FLOOR = 1e-3                      # |F| below this fraction of the first F counts as that much
C_MAX = 1e12                        # the largest penalty the adaptive schedule tries


def feasible_set(k: BilevelKernels, lo: np.ndarray, hi: np.ndarray, w0: np.ndarray) -> AffineSet:
    """C = {(x, y) in bounds : c_lo <= c(x, y) <= c_hi} for affine lower-level constraints.

    The rows of the constant Jacobian come from the Lagrangian gradient: grad L(w, e_i) -
    grad L(w, 0) = (dc_i/dx, dc_i/dy)."""
    nx, ny = k.nx, k.ny
    if k.nlam == 0:
        return AffineSet(lo, hi, np.zeros((0, nx + ny)), np.zeros(0), np.zeros(0), np.zeros(0))
    if k.nlam > MAX_PROJECTED_ROWS:
        raise NotImplementedError(
            f"LV-HBA projects onto the lower-level constraints, which have {k.nlam} entries "
            f"here (at most {MAX_PROJECTED_ROWS} are supported): use method='kkt'")
    x0, y0 = w0[:nx], w0[nx:]
    zero = np.zeros(k.nlam)
    gx0, gy0, c = k.lower_gradient(x0, y0, zero)
    J = np.empty((k.nlam, nx + ny))
    for i in range(k.nlam):
        e = np.zeros(k.nlam)
        e[i] = 1.0
        gx, gy, _ = k.lower_gradient(x0, y0, e)
        J[i] = np.concatenate([gx - gx0, gy - gy0])
    return AffineSet(lo, hi, J, c - J @ w0, k.c_lower, k.c_upper)


def constraint_target(k: BilevelKernels) -> np.ndarray:
    """The bound each multiplier prices: c_lo where lam <= 0 (c >= c_lo), else c_hi (c <= c_hi
    or c = c_lo = c_hi), so that lam.(c - target) is the Lagrangian term."""
    return np.where(k.lam_upper == 0.0, k.c_lower, k.c_upper) if k.nlam else np.zeros(0)


def solve_lvhba(k: BilevelKernels, x0: np.ndarray, y0: np.ndarray, o: LVHBAOptions):
    """Run LV-HBA with the schedule of ``o``; returns (x, y, lam, status, message, iterations,
    history)."""
    if o.schedule == "authors":
        return _solve_authors(k, x0, y0, o)
    return _AdaptiveLVHBA(k, x0, y0, o).run()


def _max(v: np.ndarray) -> float:
    return float(np.max(np.abs(v), initial=0.0))


class _AdaptiveLVHBA:
    """The adaptive schedule; its state is (x, y, theta, lam, z) and the stage penalty c."""

    def __init__(self, k: BilevelKernels, x0: np.ndarray, y0: np.ndarray, o: LVHBAOptions):
        self.k, self.o, self.nx = k, o, k.nx
        lo = np.concatenate([k.x_lower, k.y_lower])
        hi = np.concatenate([k.x_upper, k.y_upper])
        self.C = feasible_set(k, lo, hi, np.concatenate([x0, y0]))
        w = self.C.project(np.concatenate([x0, y0]))
        self.x, self.y = w[:k.nx], w[k.nx:]
        self.theta, self.lam, self.z = self.y.copy(), np.zeros(k.nlam), np.zeros(k.nlam)
        self.target = constraint_target(k)
        self.Jy = self.C.J[:, k.nx:]
        self.Jy_norm = float(np.linalg.norm(self.Jy, 2)) if k.nlam else 0.0
        self.coupled = bool(np.any(self.C.J[:, :k.nx]))
        self.c = o.c_start
        self.L = 0.0                      # secant estimate of Lip(grad_y f)
        self.inner_steps = 0
        self.relative = o.inner_accuracy  # inner accuracy relative to |c d_x|; tightened on stalls
        self.floor = 0.1 * o.gtol         # absolute inner accuracy, relative to |grad F|
        self.accuracy = 0.0               # the absolute inner accuracy in use
        self.state: dict = {}             # gradients at the last evaluation
        self.F = self.P = 0.0             # F and f - v_gamma there
        self.history: list[dict] = []
        self.evaluations = 0

    def _fix_x(self, x: np.ndarray) -> AffineSet:
        """C's slice {y : (x, y) in C}."""
        C, nx = self.C, self.nx
        return AffineSet(C.lo[nx:], C.hi[nx:], C.J[:, nx:], C.c0 + C.J[:, :nx] @ x,
                         C.c_lo, C.c_hi)

    def relax(self, accuracy: float) -> dict:
        """Steps of theta, lam, y, z at fixed x until c * (their residual) <= accuracy or
        self.relative |c d_x|; returns the gradients there (no evaluation is wasted)."""
        k, o, x, c = self.k, self.o, self.x, self.c
        Cx = self._fix_x(x)
        zero = np.zeros(k.nlam)
        prev, last_residual = None, np.inf
        self.L *= LIPSCHITZ_DECAY
        for j in range(o.max_inner + 1):
            y, theta, lam = self.y, self.theta, self.lam
            gLx, gLy, g = k.lower_gradient(x, theta, lam)
            gFx, gFy = k.upper_gradient(x, y)
            gfx, gfy, _ = k.lower_gradient(x, y, zero)
            gfy_theta = gLy - self.Jy.T @ lam
            if prev is not None:
                for a, b, ga, gb in ((y, prev[0], gfy, prev[1]), (theta, prev[2], gfy_theta,
                                                                  prev[3])):
                    dist = np.linalg.norm(a - b)
                    if dist > 0:
                        self.L = max(self.L, float(np.linalg.norm(ga - gb)) / dist)
            if self.L <= 1e-8:
                self.L = self._probe(gfy)
            step = 1.0 / (self.L + 1.0 / o.gamma_1)
            eta = 1.0 / (self.L + 1.0 / o.gamma_1 + self.Jy_norm)
            theta_new = np.clip(theta - eta * (gLy + (theta - y) / o.gamma_1),
                                k.y_lower, k.y_upper)
            lam_new = np.clip(lam + eta * (g - self.target - (lam - self.z) / o.gamma_2),
                              k.lam_lower, k.lam_upper)
            dy = gFy / c + gfy - (y - theta) / o.gamma_1
            y_new = Cx.project(y - step * dy)
            residual = max(_max(theta_new - theta) / eta, _max(lam_new - lam) / eta,
                           _max(y_new - y) / step)
            normal = (y - step * dy - y_new) / step       # in C_x's normal cone at y_new
            gx = gFx + c * (gfx - gLx + self._normal_x(y_new, normal))
            contracting = residual <= last_residual          # a diverging loop never returns
            if contracting and c * residual <= max(accuracy, self.relative * _max(gx)):
                return {"gx": gx, "gFx": gFx, "gFy": gFy}
            last_residual = residual
            if j == o.max_inner:
                solve_lower(k, x, y)        # an unbounded lower level at x raises, named
                return {"gx": gx, "gFx": gFx, "gFy": gFy}
            prev = (y, gfy, theta, gfy_theta)
            self.theta, self.lam, self.y = theta_new, lam_new, y_new
            self.z = np.clip(self.z + o.z_relax * (lam_new - self.z), k.lam_lower, k.lam_upper)
            self.inner_steps += 1
            if _max(self.theta) > o.divergence or not np.all(np.isfinite(self.theta)):
                raise FloatingPointError
        raise AssertionError("unreachable")

    def _normal_x(self, y: np.ndarray, normal: np.ndarray) -> np.ndarray:
        """J_x^T mu for the multipliers mu of the constraints active at y in min_y over C_x:
        with constraints coupling x and y, the reduced gradient in x is d_x + J_x^T mu (where
        J_y^T mu + nu = normal, the normal-cone part of -d_y at the projected step's y; nu from
        active bounds of y), not d_x alone."""
        if not self.coupled:
            return np.zeros(self.nx)
        C, nx = self.C, self.nx
        cv = C.J @ np.concatenate([self.x, y]) + C.c0
        near = 1e-9 * (1.0 + np.abs(cv))
        rows = np.flatnonzero((np.abs(cv - C.c_lo) <= near) | (np.abs(cv - C.c_hi) <= near))
        if rows.size == 0:
            return np.zeros(nx)
        lo, hi = C.lo[nx:], C.hi[nx:]
        with np.errstate(invalid="ignore"):
            bounds = np.flatnonzero((y <= lo + 1e-12 * (1 + np.abs(lo)))
                                    | (y >= hi - 1e-12 * (1 + np.abs(hi))))
        basis = np.hstack([self.Jy[rows].T, np.eye(y.size)[:, bounds]])
        mu = np.linalg.lstsq(basis, normal, rcond=None)[0][:rows.size]
        return C.J[rows, :nx].T @ mu

    def _probe(self, gfy: np.ndarray) -> float:
        """A first Lipschitz estimate of grad_y f: a secant along -grad_y f."""
        k, y = self.k, self.y
        h = 1e-4 * (1.0 + _max(y)) * (-gfy / max(np.linalg.norm(gfy), 1e-300))
        if not np.any(h):
            h = np.full_like(y, 1e-4 * (1.0 + _max(y)))
        _, g2, _ = k.lower_gradient(self.x, y + h, np.zeros(k.nlam))
        return max(float(np.linalg.norm(g2 - gfy) / np.linalg.norm(h)), 1e-8)

    def penalty(self) -> tuple[float, float]:
        """(F, f - v_gamma) at the current state, v_gamma evaluated at (theta, lam)."""
        k, o, x = self.k, self.o, self.x
        _, _, g = k.lower_gradient(x, self.theta, np.zeros(k.nlam))
        v = (k.lower_objective(x, self.theta) + self.lam @ (g - self.target)
             + np.sum((self.theta - self.y) ** 2) / (2 * o.gamma_1)
             - np.sum((self.lam - self.z) ** 2) / (2 * o.gamma_2))
        return float(k.upper_objective(x, self.y)), float(k.lower_objective(x, self.y) - v)

    def _pg(self, gx: np.ndarray) -> float:
        """|x - clip(x - c d_x)|: the projected x-direction of c times the stage objective."""
        return _max(self.x - np.clip(self.x - gx, self.k.x_lower, self.k.x_upper))

    def _predicted_decrease(self, gx: np.ndarray, hess_inv) -> float:
        """1/2 g^T H^-1 g over the x-entries free to move, with L-BFGS-B's inverse Hessian:
        how much further the stage objective is expected to fall (0 before the first stage)."""
        if hess_inv is None:
            return 0.0
        k, x = self.k, self.x
        free = ~(((x <= k.x_lower) & (gx > 0)) | ((x >= k.x_upper) & (gx < 0)))
        g = np.where(free, gx, 0.0)
        return 0.5 * float(g @ hess_inv.matvec(g))

    def evaluate(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """c times the stage objective reduced to x, and its gradient: theta, lam, y, z relax at
        x from the last state (warm start)."""
        self.x = np.clip(np.asarray(x, dtype=float), self.k.x_lower, self.k.x_upper)
        Cx = self._fix_x(self.x)
        self.y = Cx.project(self.y)
        if not Cx.contains(self.y, slack=1e-9 * (1.0 + _max(self.y))):
            raise _NoLowerFeasible(self.x)
        state = self.relax(self.accuracy)
        self.state = state
        self.F, self.P = self.penalty()
        self.evaluations += 1
        self.history.append({"evaluation": self.evaluations, "c": self.c,
                             "upper_objective": self.F, "stationarity": self._pg(state["gx"]),
                             "bias": 2.0 * self.c * max(self.P, 0.0),
                             "inner_steps": self.inner_steps})
        return self.F + self.c * self.P, state["gx"]

    def run(self):
        """Stages of L-BFGS-B in x at fixed c until "optimal" (module docstring, item 4)."""
        k, o = self.k, self.o
        status, message = "max_iter", f"LV-HBA reached max_iter = {o.max_iter} x-steps"
        bounds = list(zip(np.where(np.isfinite(k.x_lower), k.x_lower, None),
                          np.where(np.isfinite(k.x_upper), k.x_upper, None)))
        it, stuck, scale, hess_inv = 0, 0, 1e-300, None
        try:
            self.evaluate(self.x)
            F_floor = max(F_FLOOR * abs(self.F), 1e-300)   # |F| near 0 counts from here
            while True:
                gx, F = self.state["gx"], self.F
                scale = max(scale, _max(self.state["gFx"]), _max(self.state["gFy"]))
                self.accuracy = self.floor * scale
                pg, bias = self._pg(gx), 2.0 * self.c * max(self.P, 0.0)
                decrease = self._predicted_decrease(gx, hess_inv)
                allowed = o.tol * max(abs(F), F_floor)
                stationary = pg <= o.gtol * scale and decrease <= allowed
                if stationary and bias <= allowed:
                    status, message = "optimal", (
                        f"LV-HBA stationary for the penalty c = {self.c:.3g} (projected "
                        f"x-direction {pg:.1e} <= gtol |grad F|) with estimated bias 2 c (f - "
                        f"v_gamma) = {bias:.1e} <= tol |F| (tol = {o.tol:g})")
                    break
                if it >= o.max_iter:
                    break
                if stationary and self.c >= C_MAX:
                    status, message = "numerical_error", (
                        f"LV-HBA's estimated bias 2 c (f - v_gamma) = {bias:.1e} stayed above "
                        f"tol |F| = {allowed:.1e} up to the penalty c = {self.c:.3g}: raise tol")
                    break
                if stationary:
                    self.c *= min(max(2.0 * bias / allowed, o.c_growth), o.c_growth ** 3)
                    self.evaluate(self.x)
                    continue
                res = minimize(self.evaluate, self.x, jac=True, method="L-BFGS-B",
                               bounds=bounds, options={"maxiter": o.max_iter - it, "ftol": 0.0,
                                                       "gtol": 0.5 * o.gtol * scale})
                it += max(res.nit, 1)
                hess_inv = res.hess_inv
                stuck = stuck + 1 if res.nit <= 1 else 0
                if stuck:                               # a stalled stage: sharper directions
                    self.relative *= 0.1
                    self.floor *= 0.1
                if stuck >= 3:
                    status, message = "numerical_error", (
                        f"LV-HBA's x-steps stalled at c = {self.c:.3g} (L-BFGS-B: {res.message})"
                        f" although the inner steps were made 1000x more accurate: raise "
                        f"max_inner ({o.max_inner}) or tol ({o.tol:g})")
                    break
                self.evaluate(res.x)
        except FloatingPointError:
            status, message = _diagnose(k, self.x, self.y, o)
        except _NoLowerFeasible as bad:
            status, message = "infeasible", (
                f"the lower-level constraints admit no y at x = "
                f"{np.array2string(bad.x, precision=4, threshold=6)} (within the bounds of x); "
                f"LV-HBA's adaptive schedule needs a feasible lower level for every x within "
                f"them: use schedule='authors' or method='kkt'")
        return self.x, self.y, self.lam, status, message, it, self.history


class _NoLowerFeasible(Exception):
    """No y satisfies the lower-level constraints at x."""

    def __init__(self, x: np.ndarray):
        super().__init__("no feasible y")
        self.x = x


def _solve_authors(k: BilevelKernels, x0: np.ndarray, y0: np.ndarray, o: LVHBAOptions):
    """Algorithm 1 of the paper with the authors' fixed schedule."""
    lo_xy = np.concatenate([k.x_lower, k.y_lower])
    hi_xy = np.concatenate([k.x_upper, k.y_upper])
    lam_lo, lam_hi = k.lam_lower, k.lam_upper
    target = constraint_target(k)
    C = feasible_set(k, lo_xy, hi_xy, np.concatenate([x0, y0]))
    w = C.project(np.concatenate([x0, y0]))
    nx = k.nx
    theta = w[nx:].copy()
    lam = np.zeros(k.nlam)
    z = np.zeros(k.nlam)
    zero = np.zeros(k.nlam)
    history, quiet = [], 0
    status, message = "max_iter", f"LV-HBA reached max_iter = {o.max_iter}"
    it = 0
    for it in range(1, o.max_iter + 1):
        x, y = w[:nx], w[nx:]
        c_k = o.c0 * it ** o.c_power
        _, gy_t, g_t = k.lower_gradient(x, theta, lam)
        theta = np.clip(theta - o.eta * (gy_t + (theta - y) / o.gamma_1), k.y_lower, k.y_upper)
        lam = np.clip(lam + o.eta * (g_t - target - (lam - z) / o.gamma_2), lam_lo, lam_hi)
        gFx, gFy = k.upper_gradient(x, y)
        gfx, gfy, _ = k.lower_gradient(x, y, zero)
        gLx, _, _ = k.lower_gradient(x, theta, lam)
        d = np.concatenate([gFx / c_k + gfx - gLx, gFy / c_k + gfy - (y - theta) / o.gamma_1])
        w_new = C.project(w - o.alpha * d)
        z = np.clip(z - o.beta * (z - lam) / o.gamma_2, lam_lo, lam_hi)
        step = _max(w_new - w) / o.alpha
        w = w_new
        if not (np.all(np.isfinite(w)) and np.all(np.isfinite(theta))) or \
                _max(theta) > o.divergence:
            status, message = _diagnose(k, x, y, o)
            break
        if it % AUTHORS_RECORD_EVERY == 0 or it == 1:
            history.append({"iter": it, "c": c_k, "upper_objective": k.upper_objective(x, y),
                            "step": step, "theta_gap": _max(y - theta)})
        scale = max(_max(gFx), _max(gFy), 1e-12) / c_k
        quiet = quiet + 1 if c_k >= o.c_stop and step <= o.stationarity * scale else 0
        if quiet >= o.patience:
            status, message = "optimal", (
                f"LV-HBA stationary for the penalty c_k = {c_k:.3g} >= c_stop = {o.c_stop:g}: "
                f"projected direction <= {o.stationarity:g} |grad F| / c_k for {o.patience} "
                f"iterations (the penalty's bias is O(1/c_k))")
            break
    return w[:nx], w[nx:], lam, status, message, it, history


def _diagnose(k: BilevelKernels, x: np.ndarray, y: np.ndarray, o: LVHBAOptions):
    """Why theta diverged: an unbounded lower level at x (checked by an inner solve), or steps."""
    where = np.array2string(x, precision=4, threshold=6)
    try:
        solve_lower(k, x, y)
    except LowerLevelFailure as fail:
        if fail.status == "lower_unbounded":
            return fail.status, f"LV-HBA's lower-level iterate diverged: {fail.message}"
    fix = (f"reduce the step sizes (eta = {o.eta:g}, alpha = {o.alpha:g})"
           if o.schedule == "authors" else
           "the secant step sizes did not keep the inner steps stable: use method='kkt'")
    return "numerical_error", (f"LV-HBA's iterates diverged at x = {where} although the lower "
                               f"level has a solution there: {fix}")
