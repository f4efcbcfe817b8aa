"""Hock-Schittkowski problems: sympile's solver against SciPy, and IPOPT where available.

Problems (W. Hock, K. Schittkowski, Test Examples for Nonlinear Programming Codes, 1981):
HS035, HS038, HS040, HS071, HS076, HS100. Each is written once as Python functions of an
indexable `x` that work on SymPy (sympile, CasADi) and NumPy (SciPy) alike; the gradients and
constraint Jacobians for SciPy are written by hand in NumPy and checked against central
differences. The published optima are checked by evaluating f and the constraints at the
published x* (first table).

Solvers:
  sympile         Problem(...).compile(backend="numba").solve(x0): interior point (or Newton-CG
                  for unconstrained problems) with exact Hessians; timed after a warm-up solve
                  (so Numba's compile is excluded; see setup_time.py for it)
  SLSQP           scipy.optimize.minimize(method="SLSQP"), exact gradients + Jacobians, ftol 1e-10
  trust-constr    scipy.optimize.minimize(method="trust-constr"), exact gradients + Jacobians,
                  BFGS Hessian approximations (SciPy's default without hess=), gtol 1e-8
  ipopt (cyipopt) cyipopt.minimize_ipopt with the same hand-written gradients (L-BFGS Hessian)
                  -- only when cyipopt is importable (pip install cyipopt needs IPOPT installed)
  ipopt (casadi)  IPOPT 3.14 as bundled in CasADi's wheel, exact Hessians by CasADi's AD, tol 1e-8
                  -- only when casadi is importable

Wall time is the median over --repeats solves from x0 (problem construction excluded).

Run:  python benchmarks/hs_solvers.py [--quick] [--repeats 7]
      python benchmarks/hs_solvers.py --problems more --backend numpy --repeats 1 --summary
      (``more``: the 57 problems of tests/hs_problems_more.py, whose SciPy functions and
      derivatives are sympile's numpy kernels, and whose IPOPT model CasADi builds from the
      SymPy expressions; single names such as hs016 select from that collection too)
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

INF = np.inf


@dataclass
class HS:
    name: str
    n: int
    f: Callable                     # f(x) on SymPy or NumPy
    grad: Callable                  # hand-written NumPy gradient
    cons: list = field(default_factory=list)   # (kind, c(x), jac(x)); kind "ineq": c >= 0, "eq"
    lower: float | list = -INF
    upper: float | list = INF
    x0: tuple = ()
    fstar: float = 0.0
    xstar: tuple = ()
    build: Callable | None = None   # sy.Problem builder (collection problems)


# ----------------------------------------------------------------------------- the problems
def _problems() -> list[HS]:
    a = np.array
    return [
        HS("HS035", 3,
           f=lambda x: (9 - 8 * x[0] - 6 * x[1] - 4 * x[2] + 2 * x[0] ** 2 + 2 * x[1] ** 2
                        + x[2] ** 2 + 2 * x[0] * x[1] + 2 * x[0] * x[2]),
           grad=lambda x: a([-8 + 4 * x[0] + 2 * x[1] + 2 * x[2], -6 + 4 * x[1] + 2 * x[0],
                             -4 + 2 * x[2] + 2 * x[0]]),
           cons=[("ineq", lambda x: 3 - x[0] - x[1] - 2 * x[2],
                  lambda x: a([-1.0, -1.0, -2.0]))],
           lower=0, x0=(0.5, 0.5, 0.5), fstar=1 / 9, xstar=(4 / 3, 7 / 9, 4 / 9)),
        HS("HS038", 4,   # Colville's function
           f=lambda x: (100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
                        + 90 * (x[3] - x[2] ** 2) ** 2 + (1 - x[2]) ** 2
                        + 10.1 * ((x[1] - 1) ** 2 + (x[3] - 1) ** 2)
                        + 19.8 * (x[1] - 1) * (x[3] - 1)),
           grad=lambda x: a([-400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0]),
                             200 * (x[1] - x[0] ** 2) + 20.2 * (x[1] - 1) + 19.8 * (x[3] - 1),
                             -360 * x[2] * (x[3] - x[2] ** 2) - 2 * (1 - x[2]),
                             180 * (x[3] - x[2] ** 2) + 20.2 * (x[3] - 1) + 19.8 * (x[1] - 1)]),
           lower=-10, upper=10, x0=(-3, -1, -3, -1), fstar=0.0, xstar=(1, 1, 1, 1)),
        HS("HS040", 4,
           f=lambda x: -x[0] * x[1] * x[2] * x[3],
           grad=lambda x: -a([x[1] * x[2] * x[3], x[0] * x[2] * x[3], x[0] * x[1] * x[3],
                              x[0] * x[1] * x[2]]),
           cons=[("eq", lambda x: x[0] ** 3 + x[1] ** 2 - 1,
                  lambda x: a([3 * x[0] ** 2, 2 * x[1], 0, 0])),
                 ("eq", lambda x: x[0] ** 2 * x[3] - x[2],
                  lambda x: a([2 * x[0] * x[3], 0, -1, x[0] ** 2])),
                 ("eq", lambda x: x[3] ** 2 - x[1],
                  lambda x: a([0, -1, 0, 2 * x[3]]))],
           x0=(0.8, 0.8, 0.8, 0.8), fstar=-0.25,
           xstar=(2 ** (-1 / 3), 2 ** (-1 / 2), 2 ** (-11 / 12), 2 ** (-1 / 4))),
        HS("HS071", 4,
           f=lambda x: x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2],
           grad=lambda x: a([x[3] * (2 * x[0] + x[1] + x[2]), x[0] * x[3], x[0] * x[3] + 1,
                             x[0] * (x[0] + x[1] + x[2])]),
           cons=[("ineq", lambda x: x[0] * x[1] * x[2] * x[3] - 25,
                  lambda x: a([x[1] * x[2] * x[3], x[0] * x[2] * x[3], x[0] * x[1] * x[3],
                               x[0] * x[1] * x[2]])),
                 ("eq", lambda x: x[0] ** 2 + x[1] ** 2 + x[2] ** 2 + x[3] ** 2 - 40,
                  lambda x: 2 * a([x[0], x[1], x[2], x[3]]))],
           lower=1, upper=5, x0=(1, 5, 5, 1), fstar=17.0140173,
           xstar=(1.0, 4.7429994, 3.8211503, 1.3794082)),
        HS("HS076", 4,
           f=lambda x: (x[0] ** 2 + 0.5 * x[1] ** 2 + x[2] ** 2 + 0.5 * x[3] ** 2 - x[0] * x[2]
                        + x[2] * x[3] - x[0] - 3 * x[1] + x[2] - x[3]),
           grad=lambda x: a([2 * x[0] - x[2] - 1, x[1] - 3, 2 * x[2] - x[0] + x[3] + 1,
                             x[3] + x[2] - 1]),
           cons=[("ineq", lambda x: 5 - x[0] - 2 * x[1] - x[2] - x[3],
                  lambda x: a([-1.0, -2.0, -1.0, -1.0])),
                 ("ineq", lambda x: 4 - 3 * x[0] - x[1] - 2 * x[2] + x[3],
                  lambda x: a([-3.0, -1.0, -2.0, 1.0])),
                 ("ineq", lambda x: x[1] + 4 * x[2] - 1.5,
                  lambda x: a([0.0, 1.0, 4.0, 0.0]))],
           lower=0, x0=(0.5, 0.5, 0.5, 0.5), fstar=-4.681818181818182,   # = -103/22
           xstar=(3 / 11, 23 / 11, 0.0, 6 / 11)),
        HS("HS100", 7,
           f=lambda x: ((x[0] - 10) ** 2 + 5 * (x[1] - 12) ** 2 + x[2] ** 4 + 3 * (x[3] - 11) ** 2
                        + 10 * x[4] ** 6 + 7 * x[5] ** 2 + x[6] ** 4 - 4 * x[5] * x[6]
                        - 10 * x[5] - 8 * x[6]),
           grad=lambda x: a([2 * (x[0] - 10), 10 * (x[1] - 12), 4 * x[2] ** 3, 6 * (x[3] - 11),
                             60 * x[4] ** 5, 14 * x[5] - 4 * x[6] - 10,
                             4 * x[6] ** 3 - 4 * x[5] - 8]),
           cons=[("ineq", lambda x: (127 - 2 * x[0] ** 2 - 3 * x[1] ** 4 - x[2] - 4 * x[3] ** 2
                                     - 5 * x[4]),
                  lambda x: a([-4 * x[0], -12 * x[1] ** 3, -1, -8 * x[3], -5, 0, 0])),
                 ("ineq", lambda x: 282 - 7 * x[0] - 3 * x[1] - 10 * x[2] ** 2 - x[3] + x[4],
                  lambda x: a([-7, -3, -20 * x[2], -1, 1, 0, 0])),
                 ("ineq", lambda x: 196 - 23 * x[0] - x[1] ** 2 - 6 * x[5] ** 2 + 8 * x[6],
                  lambda x: a([-23, -2 * x[1], 0, 0, 0, -12 * x[5], 8])),
                 ("ineq", lambda x: (-4 * x[0] ** 2 - x[1] ** 2 + 3 * x[0] * x[1] - 2 * x[2] ** 2
                                     - 5 * x[5] + 11 * x[6]),
                  lambda x: a([-8 * x[0] + 3 * x[1], -2 * x[1] + 3 * x[0], -4 * x[2], 0, 0,
                               -5, 11]))],
           x0=(1, 2, 0, 4, 0, 1, 1), fstar=680.6300573,
           xstar=(2.330499, 1.951372, -0.4775414, 4.365726, -0.6244870, 1.038131, 1.594227)),
    ]


def from_collection(entry) -> HS:
    """An HS entry from tests/hs_problems_more.py: SciPy gets the compiled numpy kernels."""
    problem = entry.build()
    k = problem.compile(backend="numpy").kernels()
    jp = k.jacobian_pattern

    def row_jacobian(i: int, sign: float):
        def jac(x):
            dense = np.zeros(jp.shape)
            np.add.at(dense, (jp.rows, jp.cols), k.jacobian(np.asarray(x, float)))
            return sign * dense[i]
        return jac

    cons = []
    for i, (lo, hi) in enumerate(zip(k.c_lower, k.c_upper)):
        if lo == hi:
            cons.append(("eq", lambda x, i=i, b=lo: k.constraints(np.asarray(x, float))[i] - b,
                         row_jacobian(i, 1.0)))
            continue
        if np.isfinite(lo):
            cons.append(("ineq", lambda x, i=i, b=lo: k.constraints(np.asarray(x, float))[i] - b,
                         row_jacobian(i, 1.0)))
        if np.isfinite(hi):
            cons.append(("ineq", lambda x, i=i, b=hi: b - k.constraints(np.asarray(x, float))[i],
                         row_jacobian(i, -1.0)))
    xstar = entry.x_star if entry.x_star is not None else entry.x0
    return HS(entry.name.upper(), entry.n, f=lambda x: k.objective(np.asarray(x, float)),
              grad=lambda x: k.gradient(np.asarray(x, float)), cons=cons,
              lower=list(k.x_lower), upper=list(k.x_upper), x0=tuple(entry.x0),
              fstar=entry.f_star, xstar=tuple(xstar), build=entry.build)


def collection(names: set[str]) -> list[HS]:
    """Entries of tests/hs_problems_more.py: all for "MORE", else those named."""
    sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))
    from hs_problems_more import PROBLEMS
    return [from_collection(e) for e in PROBLEMS if "MORE" in names or e.name.upper() in names]


def bounds_of(p: HS):
    lo = np.broadcast_to(np.asarray(p.lower, float), (p.n,)).copy()
    hi = np.broadcast_to(np.asarray(p.upper, float), (p.n,)).copy()
    return lo, hi


# ----------------------------------------------------------------------------- checks
def check_problem(p: HS) -> list:
    """f at the published x*, the constraint violation there, and the hand-written
    derivatives against central differences at x0 and at a random point."""
    xs = np.asarray(p.xstar, float)
    lo, hi = bounds_of(p)
    viol = max([0.0] + [max(0.0, -c(xs)) if k == "ineq" else abs(c(xs)) for k, c, _ in p.cons]
               + list(np.maximum(0, lo - xs)) + list(np.maximum(0, xs - hi)))
    err = 0.0
    rng = np.random.default_rng(1)
    for x in (np.asarray(p.x0, float), xs + 0.1 * rng.standard_normal(p.n)):
        fns = [(p.f, p.grad)] + [(c, j) for _, c, j in p.cons]
        for fun, jac in fns:
            h = 1e-6
            fd = np.array([(fun(x + h * e) - fun(x - h * e)) / (2 * h) for e in np.eye(p.n)])
            err = max(err, float(np.max(np.abs(fd - jac(x)) / (1 + np.abs(fd)))))
    fx = float(p.f(xs))
    return [p.name, p.n, len(p.cons), f"{p.fstar:.10g}", f"{fx:.10g}",
            f"{abs(fx - p.fstar):.1e}", f"{viol:.1e}", f"{err:.1e}"]


# ----------------------------------------------------------------------------- solvers
def run_sympile(p: HS, backend: str = "numba"):
    import symbolic as sy
    if p.build is not None:
        solver = p.build().compile(backend=backend)
    else:
        # One variable name per problem: two sy.Variable("x", shape=4) in one process are
        # merged by SymPy's cache, and the second one's bounds are silently lost.
        x = sy.Variable(f"x{p.name[2:]}", shape=p.n,
                        lower=None if np.isneginf(p.lower) else p.lower,
                        upper=None if np.isposinf(p.upper) else p.upper)
        cons = [p_c(x) >= 0 if k == "ineq" else sy.Eq(p_c(x), 0) for k, p_c, _ in p.cons]
        solver = sy.Problem(minimize=p.f(x), subject_to=cons,
                            name=p.name).compile(backend=backend)
    solver.solve(x0=list(p.x0))                   # warm-up: Numba compiles the kernels here

    def solve():
        r = solver.solve(x0=list(p.x0))
        return r.status, r.iterations, r.objective, np.asarray(r.x, float)
    return solve


def _scipy_constraints(p: HS):
    return [{"type": k, "fun": c, "jac": j} for k, c, j in p.cons]


def run_slsqp(p: HS):
    from scipy.optimize import minimize
    lo, hi = bounds_of(p)
    bnds = list(zip(lo, hi)) if np.isfinite(np.r_[lo, hi]).any() else None

    def solve():
        r = minimize(p.f, np.asarray(p.x0, float), jac=p.grad, method="SLSQP", bounds=bnds,
                     constraints=_scipy_constraints(p), options={"ftol": 1e-10, "maxiter": 500})
        return ("optimal" if r.success else f"fail({r.status})"), r.nit, float(r.fun), r.x
    return solve


def run_trust_constr(p: HS):
    from scipy.optimize import BFGS, Bounds, NonlinearConstraint, minimize
    lo, hi = bounds_of(p)
    bnds = Bounds(lo, hi) if np.isfinite(np.r_[lo, hi]).any() else None
    cons = [NonlinearConstraint(c, 0.0, INF if k == "ineq" else 0.0,
                                jac=lambda x, j=j: j(x).reshape(1, -1), hess=BFGS())
            for k, c, j in p.cons]

    def solve():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = minimize(p.f, np.asarray(p.x0, float), jac=p.grad, hess=BFGS(),
                         method="trust-constr", bounds=bnds, constraints=cons,
                         options={"gtol": 1e-8, "xtol": 1e-12, "maxiter": 3000})
        status = "optimal" if r.status in (1, 2) else f"fail({r.status})"
        return status, r.nit, float(r.fun), r.x
    return solve


def run_cyipopt(p: HS):
    import cyipopt
    lo, hi = bounds_of(p)

    def solve():
        r = cyipopt.minimize_ipopt(p.f, np.asarray(p.x0, float), jac=p.grad,
                                   bounds=list(zip(lo, hi)), constraints=_scipy_constraints(p),
                                   options={"tol": 1e-8, "print_level": 0})
        return ("optimal" if r.success else f"fail({r.status})"), int(r.nit), float(r.fun), r.x
    return solve


def _sympy_to_casadi(p: HS, xs: list):
    """Objective and constraint functions of a built problem as CasADi expressions of xs."""
    import casadi as ca
    import sympy
    problem = p.build()
    var = problem.variables[0]
    z = sympy.symbols(f"z0:{p.n}")
    mods = [{"exp": ca.exp, "sin": ca.sin, "cos": ca.cos, "log": ca.log, "sqrt": ca.sqrt}, "math"]

    def conv(e):
        e = sympy.sympify(e).xreplace({var[i]: z[i] for i in range(p.n)})
        return sympy.lambdify(z, e, modules=mods)(*xs)
    rows = []
    for con in problem.constraints:
        g = conv(con.expr)
        if con.lower == con.upper:
            rows.append(("eq", g - float(con.lower)))
            continue
        if np.isfinite(con.lower):
            rows.append(("ineq", g - float(con.lower)))
        if np.isfinite(con.upper):
            rows.append(("ineq", float(con.upper) - g))
    return conv(problem.objective), rows


def run_casadi_ipopt(p: HS):
    import casadi as ca
    x = ca.SX.sym("x", p.n)
    xs = [x[i] for i in range(p.n)]
    if p.build is not None:
        fx, rows = _sympy_to_casadi(p, xs)
        p = HS(p.name, p.n, f=lambda _: fx, grad=p.grad, lower=p.lower, upper=p.upper,
               x0=p.x0, fstar=p.fstar, cons=[(kind, lambda _, g=g: g, None) for kind, g in rows])
    g = ca.vertcat(*[c(xs) for _, c, _ in p.cons]) if p.cons else ca.SX(0, 1)
    lbg = [0.0] * len(p.cons)
    ubg = [INF if k == "ineq" else 0.0 for k, _, _ in p.cons]
    lo, hi = bounds_of(p)
    S = ca.nlpsol("s", "ipopt", {"x": x, "f": p.f(xs), "g": g},
                  {"ipopt.print_level": 0, "print_time": False, "ipopt.tol": 1e-8,
                   "ipopt.sb": "yes"})

    def solve():
        r = S(x0=list(p.x0), lbx=lo, ubx=hi, lbg=lbg, ubg=ubg)
        st = S.stats()
        status = "optimal" if st["success"] else st["return_status"]
        return status, int(st["iter_count"]), float(r["f"]), np.asarray(r["x"]).ravel()
    return solve


def available(module: str) -> str | None:
    try:
        __import__(module)
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def table(header, rows, left=2):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    fmt = lambda r: "  ".join(str(c).ljust(w) if i < left else str(c).rjust(w)  # noqa: E731
                              for i, (c, w) in enumerate(zip(r, widths)))
    print(fmt(header))
    print("-" * len(fmt(header)))
    for r in rows:
        print(fmt(r))


def fmt_t(t):
    return f"{t * 1e6:.0f} us" if t < 1e-3 else f"{t * 1e3:.2f} ms" if t < 1 else f"{t:.2f} s"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="3 repeats")
    ap.add_argument("--problems", default="",
                    help="comma-separated subset, e.g. HS071,HS100; 'more' (or names such as "
                         "hs016) adds problems of tests/hs_problems_more.py")
    ap.add_argument("--backend", default="numba", help="sympile backend (default numba)")
    ap.add_argument("--summary", action="store_true",
                    help="print solved counts and median iterations per solver")
    args = ap.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    problems = _problems()
    if args.problems:
        keep = {s.strip().upper() for s in args.problems.split(",")}
        problems = [p for p in problems if p.name in keep]
        problems += collection(keep - {p.name for p in problems})

    print("1) problem definitions against the published optima")
    table(["problem", "n", "m", "f* (published)", "f(x* published)", "|diff|", "viol(x*)",
           "grad/jac vs FD"], [check_problem(p) for p in problems])
    print("   viol(x*): max constraint/bound violation at the published x*. HS071's and HS100's x*"
          "\n   are published to 7 digits, so f(x*) and viol(x*) there differ at that rounding "
          "(HS100: 10 x5^6 amplifies it)."
          "\n   grad/jac vs FD: max relative error of the hand-written derivatives vs central "
          "differences.\n")

    solvers = [(f"sympile/{args.backend}", lambda p: run_sympile(p, args.backend)),
               ("SLSQP", run_slsqp), ("trust-constr", run_trust_constr)]
    notes = []
    why = available("cyipopt")
    if why is None:
        solvers.append(("ipopt (cyipopt)", run_cyipopt))
    else:
        notes.append(f"cyipopt not available ({why}); `pip install cyipopt` needs the IPOPT "
                     f"library (pkg-config ipopt) -- IPOPT rows come from CasADi's bundled IPOPT")
    why = available("casadi")
    if why is None:
        solvers.append(("ipopt (casadi)", run_casadi_ipopt))
    else:
        notes.append(f"casadi not available ({why}): no 'ipopt (casadi)' rows")

    rows = []
    for p in problems:
        for name, make in solvers:
            try:
                solve = make(p)
                status, it, fval, _ = solve()
                ts = []
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    solve()
                    ts.append(time.perf_counter() - t0)
                t = statistics.median(ts)
                rows.append([p.name, name, status, it, f"{fval:.10g}",
                             f"{abs(fval - p.fstar):.1e}", fmt_t(t)])
            except Exception as exc:   # a broken solver is a row, not a crash
                rows.append([p.name, name, f"error: {type(exc).__name__}: {exc}"[:70],
                             "", "", "", ""])
            print(f"  done {p.name} {name}", file=sys.stderr)
    print(f"2) solvers (wall time: median of {repeats} solves from x0, after a warm-up solve)")
    table(["problem", "solver", "status", "iter", "objective", "|f - f*|", "time"], rows, left=3)
    print("   |f - f*| is against the published f* (HS071 and HS100 are published to 7-9 "
          "digits,\n   so differences below ~1e-7 are at the precision of f*).")
    for note in notes:
        print("note:", note)
    if args.summary:
        print_summary(rows, [name for name, _ in solvers], len(problems))


def print_summary(rows: list, solvers: list, n_problems: int) -> None:
    """Per solver: problems solved to |f - f*| <= 1e-6 max(1, |f*|) with status optimal, and
    the median iteration count over the problems that every solver solved."""
    solved = {s: {} for s in solvers}
    for name, solver, status, it, fval, err, _ in rows:
        if status == "optimal" and float(err) <= 1e-6 * max(1.0, abs(float(fval))):
            solved[solver][name] = it
    common = set.intersection(*(set(v) for v in solved.values())) if solved else set()
    print(f"3) summary over {n_problems} problems (median iterations over the {len(common)} "
          f"problems every solver solved)")
    table(["solver", "solved", "median iter"],
          [[s, f"{len(solved[s])}/{n_problems}",
            f"{statistics.median(solved[s][p] for p in common):g}" if common else "-"]
           for s in solvers], left=1)


if __name__ == "__main__":
    main()
