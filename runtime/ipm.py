"""Primal-dual interior-point method with a filter line search (Wächter & Biegler 2006, IPOPT).

Solves  min f(x)  s.t.  c_lower <= c(x) <= c_upper,  x_lower <= x <= x_upper.  Inequality rows
get slacks s (c_I(x) - s = 0, c_lower_I <= s <= c_upper_I), so the method works on w = (x, s)
with equality constraints r(w) = 0 and bounds on w only. Each iteration solves the regularized
KKT system (`kkt.py`) of the log-barrier problem for the current mu, takes the largest step the
fraction-to-boundary rule allows, and backtracks until the filter accepts it (with second-order
corrections). mu decreases monotonically (Fiacco-McCormick) once the barrier problem is solved
to kappa_eps * mu. When no step is acceptable, a soft restoration (primal-dual error decrease)
and then the feasibility restoration phase (`restoration.py`) take over; a restoration that
converges with the constraints still violated proves local infeasibility.

`solve_ipm` wraps the method between `presolve` (fixed variables removed, bounds relaxed,
scaling) and the map back to the user's variables with unscaled multipliers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from .assembly import CooAssembler
from .bounds import fraction_to_boundary, push_inside
from .filter import Filter
from .guard import KernelEvaluationError
from codegen.kernels import NLPKernels
from .kkt import KKTSystem, NewtonStep, Regularizer, least_squares_multipliers
from .linsolve import choose_solver
from .monitor import Monitor
from .options import IPMOptions
from .presolve import presolve, user_result
from .restoration import elastic_start, restoration_problem
from .result import SolveResult

_EPS = np.finfo(float).eps


@dataclass
class Start:
    """A primal-dual start for a warm-started run (z over all of w; unbounded entries unused)."""

    x: np.ndarray
    s: np.ndarray
    y: np.ndarray
    zl: np.ndarray
    zu: np.ndarray
    mu: float


@dataclass
class Point:
    """A primal-dual iterate with the kernel values at it (derivatives once it is accepted)."""

    x: np.ndarray
    s: np.ndarray
    f: float
    c: np.ndarray
    r: np.ndarray
    theta: float
    y: np.ndarray | None = None
    zl: np.ndarray | None = None
    zu: np.ndarray | None = None
    grad: np.ndarray | None = None
    jac: sp.csr_matrix | None = None
    jac_vals: np.ndarray | None = None
    hess_vals: np.ndarray | None = None


@dataclass
class Direction:
    """A Newton direction in all primal-dual variables and the step that produced it."""

    dw: np.ndarray
    dy: np.ndarray
    dzl: np.ndarray
    dzu: np.ndarray
    step: NewtonStep


@dataclass
class Errors:
    """Optimality measures: scaled (as in the termination test) and unscaled."""

    total: float       # IPOPT's E_mu with the s_d, s_c scaling
    inf_pr: float      # max |r| (scaled problem)
    inf_du: float      # max |grad L| (scaled problem)
    compl: float       # max |z * slack - mu|
    pr_user: float     # constraint violation in the user's units
    du_user: float
    compl_user: float


@dataclass
class Outcome:
    """How a run of the core method ended, with the last good iterate."""

    status: str        # a SolveResult status, or "stopped" (stop test met) / "failed"
    message: str
    point: Point | None
    iterations: int


class InteriorPoint:
    """The core method on an already reduced and scaled problem (no fixed variables)."""

    def __init__(self, nlp: NLPKernels, opts: IPMOptions, monitor: Monitor, *,
                 obj_scale: float = 1.0, con_scale: np.ndarray | None = None, phase: str = "",
                 iter_offset: int = 0, allow_restoration: bool = True, watch=None):
        self.nlp, self.o, self.monitor = nlp, opts, monitor
        self.obj_scale = obj_scale
        self.con_scale = np.ones(nlp.m) if con_scale is None else con_scale
        self.phase, self.iter_offset = phase, iter_offset
        # watch(x, s) -> (stop, objective, inf_pr): the restoration phase's view of the
        # original problem at an inner iterate (when to stop, and what to display)
        self.allow_restoration, self.watch = allow_restoration, watch
        n, m = nlp.n, nlp.m
        cl, cu = nlp.c_lower, nlp.c_upper
        self.eq, self.ineq = np.flatnonzero(cl == cu), np.flatnonzero(cl != cu)
        self.b_eq = cl[self.eq]
        self.n, self.m, self.mi = n, m, self.ineq.size
        self.N = n + self.mi
        self.wl = np.concatenate([nlp.x_lower, cl[self.ineq]])
        self.wu = np.concatenate([nlp.x_upper, cu[self.ineq]])
        self.iL = np.flatnonzero(np.isfinite(self.wl))
        self.iU = np.flatnonzero(np.isfinite(self.wu))
        self.l_only = ~np.isfinite(self.wu[self.iL])
        self.u_only = ~np.isfinite(self.wl[self.iU])
        dim = self.N + m
        solver = choose_solver(opts.linear_solver, dim, opts.dense_max_dim)
        jp = nlp.jacobian_pattern
        self.kkt = KKTSystem(n, m, self.ineq, nlp.hessian_pattern, jp, solver)
        self.jac_asm = CooAssembler(jp.rows, jp.cols, (m, n), "csr")
        self.reg = Regularizer(opts)
        self.mu_floor = min(opts.tol, opts.compl_inf_tol) / (opts.kappa_eps + 1.0)
        self.filter = Filter(np.inf)
        self.theta_min = 0.0

    # ------------------------------------------------------------------ evaluations
    def _primal_at(self, x: np.ndarray, s: np.ndarray) -> Point:
        """f, c, the residual r and theta = ||r||_1 at (x, s); raises KernelEvaluationError."""
        f = self.nlp.objective(x)
        c = self.nlp.constraints(x)
        r = c.copy()
        r[self.eq] -= self.b_eq
        r[self.ineq] -= s
        return Point(x, s, f, c, r, float(np.sum(np.abs(r))))

    def _derivatives(self, pt: Point, hessian: bool = True) -> None:
        """Gradient, Jacobian (and Hessian of the Lagrangian with pt.y) at pt."""
        pt.grad = self.nlp.gradient(pt.x)
        pt.jac_vals = self.nlp.jacobian(pt.x)
        pt.jac = self.jac_asm.matrix(pt.jac_vals)
        if hessian:
            pt.hess_vals = self.nlp.hessian(pt.x, 1.0, pt.y)

    def _gaps(self, x: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distances w - w_lower and w_upper - w over the bounded entries."""
        w = np.concatenate([x, s])
        return w[self.iL] - self.wl[self.iL], self.wu[self.iU] - w[self.iU]

    def _phi(self, pt: Point, mu: float) -> float:
        """The barrier function (with IPOPT's damping of one-sided bounds)."""
        gl, gu = self._gaps(pt.x, pt.s)
        with np.errstate(divide="ignore", invalid="ignore"):
            barrier = np.sum(np.log(gl)) + np.sum(np.log(gu))
        damping = np.sum(gl[self.l_only]) + np.sum(gu[self.u_only])
        return float(pt.f - mu * barrier + self.o.kappa_d * mu * damping)

    def _grad_phi(self, pt: Point, mu: float) -> np.ndarray:
        gl, gu = self._gaps(pt.x, pt.s)
        g = np.concatenate([pt.grad, np.zeros(self.mi)])
        g[self.iL] -= mu / gl
        g[self.iU] += mu / gu
        g[self.iL[self.l_only]] += self.o.kappa_d * mu
        g[self.iU[self.u_only]] -= self.o.kappa_d * mu
        return g

    def _aty(self, pt: Point, y: np.ndarray) -> np.ndarray:
        """A^T y over w = (x, s)."""
        return np.concatenate([pt.jac.T @ y, -y[self.ineq]])

    def _full(self, z: np.ndarray, idx: np.ndarray) -> np.ndarray:
        out = np.zeros(self.N)
        out[idx] = z
        return out

    def bound_multipliers(self, pt: Point) -> tuple[np.ndarray, np.ndarray]:
        """z_L, z_U over all of w (zero where there is no bound)."""
        return self._full(pt.zl, self.iL), self._full(pt.zu, self.iU)

    def _errors(self, pt: Point, mu: float) -> Errors:
        o = self.o
        dual = np.concatenate([pt.grad, np.zeros(self.mi)]) + self._aty(pt, pt.y)
        dual[self.iL] -= pt.zl
        dual[self.iU] += pt.zu
        gl, gu = self._gaps(pt.x, pt.s)
        compl = max(np.max(np.abs(gl * pt.zl - mu), initial=0.0),
                    np.max(np.abs(gu * pt.zu - mu), initial=0.0))
        inf_du = float(np.max(np.abs(dual), initial=0.0))
        inf_pr = float(np.max(np.abs(pt.r), initial=0.0))
        nz = pt.zl.size + pt.zu.size
        z1 = float(np.sum(pt.zl) + np.sum(pt.zu))
        s_d = max(o.s_max, (float(np.sum(np.abs(pt.y))) + z1) / max(self.m + nz, 1)) / o.s_max
        s_c = max(o.s_max, z1 / max(nz, 1)) / o.s_max
        pr_user = float(np.max(np.abs(pt.r / self.con_scale), initial=0.0))
        return Errors(max(inf_du / s_d, inf_pr, compl / s_c), inf_pr, inf_du, compl, pr_user,
                      inf_du / self.obj_scale, compl / self.obj_scale)

    # ------------------------------------------------------------------ start
    def _initial_point(self, x0: np.ndarray) -> Point:
        o = self.o
        x = push_inside(x0, self.nlp.x_lower, self.nlp.x_upper, o.bound_push, o.bound_frac)
        c = self.nlp.constraints(x)
        s = push_inside(c[self.ineq], self.wl[self.n:], self.wu[self.n:], o.bound_push,
                        o.bound_frac)
        pt = self._primal_at(x, s)
        pt.zl, pt.zu = np.ones(self.iL.size), np.ones(self.iU.size)
        pt.y = np.zeros(self.m)
        self._estimate_multipliers(pt)
        return pt

    def _estimate_multipliers(self, pt: Point) -> None:
        """Derivatives at pt with y set to the least-squares estimate (kept if not too large)."""
        self._derivatives(pt, hessian=False)
        if self.m:
            grad_w = np.concatenate([pt.grad, np.zeros(self.mi)])
            grad_w[self.iL] -= pt.zl
            grad_w[self.iU] += pt.zu
            y = least_squares_multipliers(self.kkt, pt.jac_vals, grad_w)
            if y is not None and np.max(np.abs(y)) <= self.o.constr_mult_init_max:
                pt.y = y
        pt.hess_vals = self.nlp.hessian(pt.x, 1.0, pt.y)

    def _warm_point(self, start: Start) -> Point:
        pt = self._primal_at(start.x, start.s)
        pt.y, pt.zl, pt.zu = start.y, start.zl[self.iL], start.zu[self.iU]
        self._derivatives(pt)
        return pt

    # ------------------------------------------------------------------ direction
    def _direction(self, pt: Point, mu: float) -> Direction | None:
        gl, gu = self._gaps(pt.x, pt.s)
        sigma = np.zeros(self.N)
        sigma[self.iL] += pt.zl / gl
        sigma[self.iU] += pt.zu / gu
        rhs = -np.concatenate([self._grad_phi(pt, mu) + self._aty(pt, pt.y), pt.r])
        step = self.reg.solve(self.kkt, pt.hess_vals, pt.jac_vals, sigma, rhs, mu)
        if step is None:
            return None
        return self._complete(pt, step.solution, step, mu)

    def _complete(self, pt: Point, sol: np.ndarray, step: NewtonStep, mu: float) -> Direction:
        """The bound-multiplier steps that go with a primal-dual solution of the KKT system."""
        dw, dy = sol[:self.N], sol[self.N:]
        gl, gu = self._gaps(pt.x, pt.s)
        dzl = mu / gl - pt.zl - pt.zl * dw[self.iL] / gl
        dzu = mu / gu - pt.zu + pt.zu * dw[self.iU] / gu
        return Direction(dw, dy, dzl, dzu, step)

    def _tiny(self, pt: Point, d: Direction) -> bool:
        """True when the step changes no variable beyond rounding (IPOPT's tiny_step_tol)."""
        w = np.concatenate([pt.x, pt.s])
        return float(np.max(np.abs(d.dw) / (1.0 + np.abs(w)), initial=0.0)) < 10 * _EPS

    def _max_steps(self, pt: Point, d: Direction, tau: float) -> tuple[float, float]:
        gl, gu = self._gaps(pt.x, pt.s)
        alpha = min(fraction_to_boundary(gl, d.dw[self.iL], tau),
                    fraction_to_boundary(gu, -d.dw[self.iU], tau))
        alpha_z = min(fraction_to_boundary(pt.zl, d.dzl, tau),
                      fraction_to_boundary(pt.zu, d.dzu, tau))
        return alpha, alpha_z

    # ------------------------------------------------------------------ step acceptance
    def _accepts(self, theta: float, phi: float, gd: float, alpha: float, trial: Point,
                 phi_t: float) -> tuple[bool, bool]:
        """(accepted, f-type) by the filter and the switching/Armijo/sufficient-decrease rules.

        f-type (the filter is not augmented) means: the switching condition and the Armijo
        condition hold, whatever theta is; IPOPT decides so (FilterLSAcceptor::
        UpdateForNextIteration), also for steps accepted by sufficient decrease of theta."""
        o = self.o
        if not self.filter.acceptable(trial.theta, phi_t):
            return False, False
        slack = 10.0 * _EPS * abs(phi)
        switching = gd < 0 and alpha * (-gd) ** o.s_phi > o.delta * theta ** o.s_theta
        armijo = phi_t - phi - o.eta_phi * alpha * gd <= slack
        if theta <= self.theta_min and switching:
            return armijo, armijo
        ok = (trial.theta <= (1 - o.gamma_theta) * theta
              or phi_t - (phi - o.gamma_phi * theta) <= slack)
        return ok, switching and armijo

    def _finish(self, pt: Point, trial: Point, d: Direction, alpha: float, alpha_z: float,
                mu: float) -> Point | None:
        """The accepted trial with updated multipliers and derivatives; None on a bad value."""
        trial.y = pt.y + alpha * d.dy
        gl, gu = self._gaps(trial.x, trial.s)
        k = self.o.kappa_sigma
        zl, zu = pt.zl + alpha_z * d.dzl, pt.zu + alpha_z * d.dzu
        trial.zl = np.clip(zl, mu / (k * gl), k * mu / gl)
        trial.zu = np.clip(zu, mu / (k * gu), k * mu / gu)
        try:
            self._derivatives(trial)
        except KernelEvaluationError as exc:
            self._bad_kernel = exc.kernel
            return None
        return trial

    def _try(self, pt: Point, dw: np.ndarray, alpha: float) -> Point | None:
        try:
            return self._primal_at(pt.x + alpha * dw[:self.n], pt.s + alpha * dw[self.n:])
        except KernelEvaluationError as exc:
            self._bad_kernel = exc.kernel
            return None

    def _line_search(self, pt: Point, d: Direction, mu: float, tau: float,
                     skip_first: bool = False) -> tuple[Point | None, dict]:
        """Backtracking filter line search from the fraction-to-boundary step (with SOC).

        skip_first starts at half the fraction-to-boundary step (after a failed watchdog, whose
        trial was that full step)."""
        o = self.o
        alpha_max, alpha_z = self._max_steps(pt, d, tau)
        theta, phi = pt.theta, self._phi(pt, mu)
        gd = float(self._grad_phi(pt, mu) @ d.dw)
        alpha_min = o.gamma_theta
        if gd < 0:
            alpha_min = min(alpha_min, o.gamma_phi * theta / -gd)
            if theta <= self.theta_min:
                alpha_min = min(alpha_min, o.delta * theta ** o.s_theta / (-gd) ** o.s_phi)
        alpha_min *= o.gamma_alpha
        w = np.concatenate([pt.x, pt.s])
        rel = float(np.max(np.abs(d.dw) / (1.0 + np.abs(w)), initial=0.0))
        alpha_min = max(alpha_min, 10.0 * _EPS / max(rel, 1e-300))
        alpha, trials, all_bad = alpha_max, 0, True
        if skip_first:
            alpha, trials = 0.5 * alpha_max, 1
        while alpha >= alpha_min or trials == 0:
            trials += 1
            trial = self._try(pt, d.dw, alpha)
            if trial is not None:
                phi_t = self._phi(trial, mu)
                ok, f_type = self._accepts(theta, phi, gd, alpha, trial, phi_t)
                all_bad = all_bad and ok
                if ok:
                    new = self._finish(pt, trial, d, alpha, alpha_z, mu)
                    if new is not None:
                        if not f_type:
                            self.filter.add((1 - o.gamma_theta) * theta, phi - o.gamma_phi * theta)
                        return new, dict(alpha_pr=alpha, alpha_du=alpha_z, ls=trials)
                if not ok and trials == 1 and self.m and trial.theta >= theta:
                    new, a_soc = self._second_order(pt, d, alpha, trial, mu, tau, theta, phi, gd)
                    if new is not None:
                        return new, dict(alpha_pr=a_soc, alpha_du=a_soc, ls=trials)
            alpha *= 0.5
        self._all_trials_bad = all_bad
        return None, dict(ls=trials)

    def _second_order(self, pt: Point, d: Direction, alpha: float, trial: Point, mu: float,
                      tau: float, theta: float, phi: float,
                      gd: float) -> tuple[Point | None, float]:
        """Second-order corrections of a rejected full step (IPOPT's Algorithm A, A-5.5 ff)."""
        o = self.o
        top = -(self._grad_phi(pt, mu) + self._aty(pt, pt.y))
        # IPOPT keeps correcting while each trial reduces the violation of the previous one by
        # kappa_soc, starting from the rejected trial point (not from the current iterate)
        c_soc, theta_old = alpha * pt.r + trial.r, trial.theta
        for _ in range(o.max_soc):
            sol = d.step.factor.solve(np.concatenate([top, -c_soc]))
            if sol is None:
                return None, 0.0
            ds = self._complete(pt, sol, d.step, mu)
            a_soc, a_z = self._max_steps(pt, ds, tau)
            t_soc = self._try(pt, ds.dw, a_soc)
            if t_soc is None:
                return None, 0.0
            phi_t = self._phi(t_soc, mu)
            ok, f_type = self._accepts(theta, phi, gd, alpha, t_soc, phi_t)
            if ok:
                new = self._finish(pt, t_soc, ds, a_soc, a_z, mu)
                if new is not None and not f_type:
                    self.filter.add((1 - o.gamma_theta) * theta, phi - o.gamma_phi * theta)
                return new, a_soc
            if t_soc.theta > o.kappa_soc * theta_old:
                return None, 0.0
            theta_old = t_soc.theta
            c_soc = a_soc * c_soc + t_soc.r
        return None, 0.0

    def _soft_step(self, pt: Point, d: Direction, mu: float,
                   tau: float) -> tuple[Point | None, bool, float]:
        """IPOPT's soft restoration: accept a step that reduces the primal-dual error.

        Returns the new point (or None), whether the filter accepted it as well, and the step."""
        o = self.o
        alpha_max, alpha_z = self._max_steps(pt, d, tau)
        alpha = min(alpha_max, alpha_z)
        trial = self._try(pt, d.dw, alpha)
        if trial is None:
            return None, False, alpha
        before = self._errors(pt, mu)
        theta, phi = pt.theta, self._phi(pt, mu)
        gd = float(self._grad_phi(pt, mu) @ d.dw)
        ok, f_type = self._accepts(theta, phi, gd, alpha, trial, self._phi(trial, mu))
        new = self._finish(pt, trial, d, alpha, alpha, mu)
        if new is None:
            return None, False, alpha
        if ok:
            if not f_type:
                self.filter.add((1 - o.gamma_theta) * theta, phi - o.gamma_phi * theta)
            return new, True, alpha
        after = self._errors(new, mu)
        measure = (lambda e: max(e.inf_pr, e.inf_du, e.compl))
        if measure(after) <= o.soft_resto_factor * measure(before):
            return new, False, alpha
        return None, False, alpha

    # ------------------------------------------------------------------ restoration
    def _restore(self, pt: Point, mu: float, k: int) -> tuple[Point | None, Outcome | None, int]:
        """The feasibility restoration phase: a new acceptable point, or how the solve ends."""
        o = self.o
        if not self.allow_restoration:
            return None, Outcome("failed", "the restoration phase needed a restoration phase",
                                 pt, k), 0
        if self.m == 0:
            return None, Outcome("failed", "the line search failed and there are no constraints "
                                 "whose violation could be reduced instead", pt, k), 0
        theta0, phi0 = pt.theta, self._phi(pt, mu)
        self.filter.add((1 - o.gamma_theta) * theta0, phi0 - o.gamma_phi * theta0)
        n, m, rho = self.n, self.m, o.rho_resto
        nlp_r = restoration_problem(self.nlp, pt.x, math.sqrt(mu), rho)
        mu_r = max(mu, float(np.max(np.abs(pt.r))))
        p, nn = elastic_start(pt.r, mu_r, rho)
        zl, zu = self.bound_multipliers(pt)
        zl, zu = np.minimum(rho, zl), np.minimum(rho, zu)
        start = Start(np.concatenate([pt.x, p, nn]), pt.s.copy(), np.zeros(m),
                      np.concatenate([zl[:n], mu_r / p, mu_r / nn, zl[n:]]),
                      np.concatenate([zu[:n], np.zeros(2 * m), zu[n:]]), mu_r)

        def watch(v: np.ndarray, s: np.ndarray) -> tuple[bool, float, float]:
            try:
                trial = self._primal_at(v[:n], s)
            except KernelEvaluationError:
                return False, float("nan"), float("nan")
            stop = (trial.theta <= o.kappa_resto * theta0
                    and self.filter.acceptable(trial.theta, self._phi(trial, mu)))
            return (stop, trial.f / self.obj_scale,
                    float(np.max(np.abs(trial.r / self.con_scale), initial=0.0)))

        inner = InteriorPoint(nlp_r, replace(o, max_iter=max(o.max_iter - k, 0)), self.monitor,
                              phase="r", iter_offset=self.iter_offset + k,
                              allow_restoration=False, watch=watch)
        out = inner.run(start=start)
        used = out.iterations
        if out.status in ("failed", "numerical_error", "max_iter") or out.point is None:
            status = "max_iter" if out.status == "max_iter" else "failed"
            return None, Outcome(status, f"restoration phase: {out.message}", pt, k + used), used
        ip = out.point
        try:
            new = self._primal_at(ip.x[:n], ip.s)
        except KernelEvaluationError as exc:
            return None, Outcome("failed", f"restoration phase: {exc}", pt, k + used), used
        izl, izu = inner.bound_multipliers(ip)
        zl = np.concatenate([izl[:n], izl[n + 2 * m:]])[self.iL]
        zu = np.concatenate([izu[:n], izu[n + 2 * m:]])[self.iU]
        if max(np.max(zl, initial=0.0), np.max(zu, initial=0.0)) > o.bound_mult_reset_threshold:
            zl, zu = np.ones_like(zl), np.ones_like(zu)
        new.zl, new.zu, new.y = zl, zu, ip.y.copy()
        if out.status == "optimal":
            err = float(np.max(np.abs(new.r / self.con_scale), initial=0.0))
            if err > o.constr_viol_tol:
                return None, Outcome(
                    "infeasible", f"the problem is locally infeasible: the restoration phase "
                    f"converged to a minimizer of the constraint violation with violation "
                    f"{err:.3g}", new, k + used), used
            self._filter_resets += 1
            if self._filter_resets > o.max_restoration_failures:
                return None, Outcome("failed", "the restoration phase repeatedly ended at feasible "
                                     "points that the filter rejects", pt, k + used), used
            self.filter.reset()
        self.reg.last_delta_w = 0.0
        try:
            self._estimate_multipliers(new)
        except KernelEvaluationError as exc:
            return None, Outcome("failed", f"after the restoration phase: {exc}", pt,
                                 k + used), used
        return new, None, used

    # ------------------------------------------------------------------ main loop
    def _record(self, k: int, objective: float, inf_pr: float, err: Errors, info: dict) -> None:
        self.monitor.record(dict(
            iter=self.iter_offset + k, objective=objective, inf_pr=inf_pr, inf_du=err.inf_du,
            mu=self.mu, step=info.get("step", 0.0), reg=info.get("reg"),
            alpha_du=info.get("alpha_du", 0.0), alpha_pr=info.get("alpha_pr", 0.0),
            ls=info.get("ls", 0), phase=self.phase))

    def _converged(self, err: Errors) -> bool:
        o = self.o
        return (err.total <= o.tol and err.pr_user <= o.constr_viol_tol
                and err.du_user <= o.dual_inf_tol and err.compl_user <= o.compl_inf_tol)

    def _acceptable(self, err: Errors) -> bool:
        o = self.o
        return err.total <= o.acceptable_tol and err.pr_user <= o.acceptable_constr_viol_tol

    def _give_up(self, pt: Point, err: Errors, message: str, k: int) -> Outcome:
        """End after a failure: 'optimal' if the point is acceptable, else a failure."""
        if self._acceptable(err):
            return Outcome("optimal", f"solved to an acceptable level ({message})", pt, k)
        return Outcome("failed", message, pt, k)

    def _record_and_check(self, pt: Point, err: Errors, k: int) -> Outcome | None:
        """Record the iterate; return how the run ends here, or None to go on."""
        o = self.o
        if self.watch is not None:
            stop, objective, inf_pr = self.watch(pt.x, pt.s)
            if k > 0:
                self._record(k, objective, inf_pr, err, self._info)
            if stop and k > 0:
                return Outcome("stopped", "the restoration phase found an acceptable point", pt, k)
        else:
            self._record(k, pt.f / self.obj_scale, err.pr_user, err, self._info)
        if self._converged(err):
            return Outcome("optimal", "optimal solution found", pt, k)
        self._acceptable_count = self._acceptable_count + 1 if self._acceptable(err) else 0
        if self._acceptable_count >= o.acceptable_iter:
            return Outcome("optimal", f"solved to an acceptable level (KKT error {err.total:.2e} "
                           f"in {o.acceptable_iter} consecutive iterations)", pt, k)
        f_user = pt.f / self.obj_scale
        xmax = float(np.max(np.abs(pt.x), initial=0.0))
        if f_user < -o.unbounded_objective or xmax > o.diverging_iterates_tol:
            if err.pr_user <= o.constr_viol_tol:
                return Outcome("unbounded", f"the problem seems unbounded: feasible iterates with "
                               f"objective {f_user:.3g} and max |x| = {xmax:.3g}", pt, k)
            return Outcome("failed", f"the iterates diverge (max |x| = {xmax:.3g}) while the "
                           f"constraints are violated by {err.pr_user:.3g}", pt, k)
        if k >= o.max_iter:
            return Outcome("max_iter", f"maximum number of iterations ({o.max_iter}) reached; KKT "
                           f"error {err.total:.2e}, constraint violation {err.pr_user:.2e}", pt, k)
        return None

    def _update_barrier(self, pt: Point) -> None:
        """Monotone Fiacco-McCormick decrease of mu while the barrier problem is solved."""
        o = self.o
        while self.mu > self.mu_floor and (
                self._force_mu or self._errors(pt, self.mu).total <= o.kappa_eps * self.mu):
            self.mu = max(self.mu_floor, min(o.kappa_mu * self.mu, self.mu ** o.theta_mu))
            self.tau = max(o.tau_min, 1.0 - self.mu)
            self.filter.reset()
            self._force_mu = False
        self._force_mu = False

    def _watchdog_trial(self, pt: Point, d: Direction, mu: float,
                        tau: float) -> tuple[Point | None, dict]:
        """One step of IPOPT's watchdog: the full step, judged against the point where the
        watchdog started (Wächter & Biegler 2006, section 3.2; IPOPT's watchdog_* options).

        Accepted by the filter: the watchdog ends. Not accepted: the step is taken anyway, up to
        watchdog_trial_iter_max times; then the solver returns to the watchdog's start point and
        backtracks from there as usual."""
        o, wd = self.o, self._watchdog
        alpha, alpha_z = self._max_steps(pt, d, tau)
        trial = self._try(pt, d.dw, alpha)
        info = dict(alpha_pr=alpha, alpha_du=alpha_z, ls=1)
        if trial is not None:
            ok, f_type = self._accepts(wd["theta"], wd["phi"], wd["gd"], wd["alpha"], trial,
                                       self._phi(trial, mu))
            if ok or wd["trials"] < o.watchdog_trial_iter_max:
                new = self._finish(pt, trial, d, alpha, alpha_z, mu)
                if new is not None:
                    if ok:
                        self._watchdog = None
                        if not f_type:
                            self.filter.add((1 - o.gamma_theta) * wd["theta"],
                                            wd["phi"] - o.gamma_phi * wd["theta"])
                    else:
                        wd["trials"] += 1
                    return new, info
        return self._stop_watchdog(mu, tau)

    def _stop_watchdog(self, mu: float, tau: float) -> tuple[Point | None, dict]:
        """Back to the watchdog's start point: backtrack from half its full step."""
        wd, self._watchdog = self._watchdog, None
        self._restart_direction = wd["direction"]
        new, info = self._line_search(wd["point"], wd["direction"], mu, tau, skip_first=True)
        return new, dict(info, restart=wd["point"])

    def _step(self, pt: Point, err: Errors, k: int) -> tuple[Point | None, dict, Outcome | None]:
        """One iteration's step: the new point (None: go to the restoration phase), the values
        to record, and an outcome when the run must end here."""
        o, mu, tau = self.o, self.mu, self.tau
        d = self._direction(pt, mu)
        if d is not None and self._tiny(pt, d) and d.step.delta_w > o.delta_w_init:
            # a large regularization remembered from earlier iterates: start afresh
            self.reg.last_delta_w = 0.0
            d = self._direction(pt, mu)
        restart = None
        if self._watchdog is not None and (d is None or self._tiny(pt, d)):
            # IPOPT stops the watchdog here and backtracks from the point where it started
            wd, self._watchdog = self._watchdog, None
            pt = restart = wd["point"]
            d = wd["direction"]
        if d is None:
            return None, {}, None
        info = dict(step=float(np.max(np.abs(d.dw), initial=0.0)), reg=d.step.delta_w)
        if restart is not None:
            new, ls = self._line_search(pt, d, mu, tau, skip_first=True)
            self._shortened = 0
            info.update(ls, restart=restart)
            return self._after_line_search(pt, d, new, info, k)
        if self._tiny(pt, d):
            if d.step.delta_w > 0.0 and self.m and err.pr_user > o.constr_viol_tol:
                # tiny only because the regularization is huge: not a solution; the
                # restoration phase gets away from the multipliers that caused it
                return None, info, None
            if mu <= self.mu_floor:
                return None, info, self._give_up(pt, err, "the search direction became too "
                                                 "small", k)
            self._force_mu = True
            alpha, alpha_z = self._max_steps(pt, d, tau)
            trial = self._try(pt, d.dw, alpha)
            new = None if trial is None else self._finish(pt, trial, d, alpha, alpha_z, mu)
            if new is not None:
                self._shortened = 0
                return new, dict(info, alpha_pr=alpha, alpha_du=alpha_z, ls=1), None
        if self._soft_iters:
            new, left, alpha = self._soft_step(pt, d, mu, tau)
            done = left or new is None or self._soft_iters >= o.max_soft_resto_iters
            self._soft_iters = 0 if done else self._soft_iters + 1
            return new, dict(info, alpha_pr=alpha, alpha_du=alpha, ls=1), None
        if (self._watchdog is None and o.watchdog_shortened_iter_trigger > 0
                and self._shortened >= o.watchdog_shortened_iter_trigger):
            # many shortened steps in a row: try full steps for a while (IPOPT's watchdog)
            self._watchdog = dict(point=pt, direction=d, theta=pt.theta, phi=self._phi(pt, mu),
                                  gd=float(self._grad_phi(pt, mu) @ d.dw),
                                  alpha=self._max_steps(pt, d, tau)[0], trials=0)
        if self._watchdog is not None:
            new, ls = self._watchdog_trial(pt, d, mu, tau)
            info.update(ls)
            if "restart" in ls:
                pt, d = ls["restart"], self._restart_direction
            self._shortened = 0
            return self._after_line_search(pt, d, new, info, k)
        new, ls = self._line_search(pt, d, mu, tau)
        info.update(ls)
        self._shortened = 0 if ls.get("ls", 0) == 1 else self._shortened + 1
        return self._after_line_search(pt, d, new, info, k)

    def _after_line_search(self, pt: Point, d: Direction, new: Point | None, info: dict,
                           k: int) -> tuple[Point | None, dict, Outcome | None]:
        """A failed line search: a numerical error, or IPOPT's soft restoration step."""
        mu, tau = self.mu, self.tau
        if new is None and self._all_trials_bad:
            return None, info, Outcome(
                "numerical_error", f"the {self._bad_kernel} kernel returned non-finite values at "
                f"every trial point along the search direction ({info.get('ls', 0)} trials)",
                pt, k)
        if new is None:
            new, left, alpha = self._soft_step(pt, d, mu, tau)
            self._soft_iters = 1 if new is not None and not left else 0
            info.update(alpha_pr=alpha, alpha_du=alpha)
        return new, info, None

    def run(self, x0: np.ndarray | None = None, start: Start | None = None) -> Outcome:
        """Iterate from x0 (pushed inside the bounds) or from a warm start until done."""
        o = self.o
        self._bad_kernel, self._all_trials_bad = None, False
        try:
            pt = self._initial_point(x0) if start is None else self._warm_point(start)
        except KernelEvaluationError as exc:
            return Outcome("numerical_error", f"{exc} at the starting point", None, 0)
        self.mu = o.mu_init if start is None else start.mu
        self.tau = max(o.tau_min, 1.0 - self.mu)
        self.filter = Filter(1e4 * max(1.0, pt.theta))
        self.theta_min = 1e-4 * max(1.0, pt.theta)
        self._acceptable_count, self._soft_iters, self._filter_resets = 0, 0, 0
        self._force_mu, self._info = False, {}
        self._watchdog, self._shortened, self._restart_direction = None, 0, None
        k = 0
        while True:
            err = self._errors(pt, 0.0)
            done = self._record_and_check(pt, err, k)
            if done is not None:
                return done
            self._update_barrier(pt)
            new, self._info, done = self._step(pt, err, k)
            pt = self._info.pop("restart", pt)     # a stopped watchdog went back to its start
            if done is not None:
                return done
            used = 0
            if new is None:
                self._watchdog, self._shortened = None, 0
                new, done, used = self._restore(pt, self.mu, k)
                if done is not None:
                    if done.status == "failed":
                        done = self._give_up(done.point or pt, err, done.message, done.iterations)
                    return done
                self._info = {}
            pt = new
            k += 1 + used
            self._bad_kernel = None


def solve_ipm(kernels: NLPKernels, x0: np.ndarray, opts: IPMOptions,
              monitor: Monitor) -> SolveResult:
    """Solve with the interior-point method; `kernels` and `x0` are already validated."""
    pre = presolve(kernels, x0, opts, monitor.history)
    if isinstance(pre, SolveResult):
        return pre
    core = InteriorPoint(pre.kernels, opts, monitor, obj_scale=pre.scaling.objective,
                         con_scale=pre.scaling.constraints)
    out = core.run(x0=pre.x0)
    status = "numerical_error" if out.status == "failed" else out.status
    pt = out.point
    if pt is None:
        return user_result(pre.user, x0, np.zeros(kernels.m), np.zeros(kernels.n),
                           np.zeros(kernels.n), status, out.message, out.iterations,
                           monitor.history)
    zl, zu = core.bound_multipliers(pt)
    return pre.result(pt.x, pt.y, zl[:core.n], zu[:core.n], pt.f, status, out.message,
                      out.iterations, monitor.history)
