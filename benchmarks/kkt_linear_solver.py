"""Large sparse NLPs: the interior point's KKT linear solver (qdldl LDL^T vs SuperLU) vs IPOPT.

Problems (n ~ 10^5 unknowns by default, sparse Jacobian and Hessian):

  control     minimum-energy transfer of a double integrator (examples/nlp/optimal_control.py)
              with N = n/3 steps: a convex QP whose variables p, v have no curvature and no
              bounds (zero diagonal entries in the KKT matrix); the continuous optimum is 12
  luksan      Luksan & Vlcek (1999), problem 5.1: chained Rosenbrock objective with n - 2
              nonlinear equality constraints (cubic, sin, exp), nonconvex: IPOPT's inertia
              correction is at work; x0 = -1.2 at even, 1 at odd indices (0-based)

Solvers, each from the same start; sympile with the numba backend and simplify="cse" (the
linear solver is what is measured; compilation excluded: one warm-up solve):

  sympile/qdldl   linear_solver="qdldl" (what "auto" picks above 300 KKT rows)
  sympile/splu    linear_solver="splu" (SuperLU, the previous default; inertia-free test)
  ipopt (casadi)  IPOPT 3.14 with MUMPS from CasADi's wheel, exact Hessians by CasADi's AD,
                  tol 1e-8 like sympile; only when casadi is importable

Run:  python benchmarks/kkt_linear_solver.py [--n 100000] [--repeats 1] [--skip-splu]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import symbolic as sy  # noqa: E402


def control(n: int):
    """(problem, x0 dict, start vector, known optimum) of the double-integrator transfer."""
    N = max(n // 3, 2)
    h = 1.0 / N
    p, v = sy.Variable("p", shape=N + 1), sy.Variable("v", shape=N + 1)
    u = sy.Variable("u", shape=N, lower=-20, upper=20)
    problem = sy.Problem(
        minimize=h * sy.sum(u ** 2),
        subject_to={"position": sy.Eq(p[1:], p[:-1] + h * v[:-1] + h ** 2 * u / 2),
                    "velocity": sy.Eq(v[1:], v[:-1] + h * u),
                    "p0": sy.Eq(p[0], 0), "v0": sy.Eq(v[0], 0),
                    "pN": sy.Eq(p[N], 1), "vN": sy.Eq(v[N], 0)})
    x0 = {"p": np.linspace(0, 1, N + 1), "v": np.ones(N + 1), "u": np.zeros(N)}
    return problem, x0, 12.0


def luksan(n: int):
    """(problem, x0 dict, known optimum or None) of Luksan & Vlcek's problem 5.1."""
    x = sy.Variable("x", shape=n)
    a, b, c = x[:-2], x[1:-1], x[2:]
    problem = sy.Problem(
        minimize=sy.sum(100 * (x[:-1] ** 2 - x[1:]) ** 2 + (x[:-1] - 1) ** 2),
        subject_to={"chain": sy.Eq(3 * b ** 3 + 2 * c - 5 + sy.sin(b - c) * sy.sin(b + c)
                                   + 4 * b - a * sy.exp(a - b) - 3, 0)})
    x0 = {"x": np.where(np.arange(n) % 2 == 0, -1.2, 1.0)}
    return problem, x0, None


def casadi_control(n: int):
    import casadi as ca
    N = max(n // 3, 2)
    h = 1.0 / N
    p, v, u = ca.MX.sym("p", N + 1), ca.MX.sym("v", N + 1), ca.MX.sym("u", N)
    g = ca.vertcat(p[1:] - (p[:-1] + h * v[:-1] + h ** 2 * u / 2), v[1:] - (v[:-1] + h * u),
                   p[0], v[0], p[N] - 1, v[N])
    z = ca.vertcat(p, v, u)
    x0 = np.concatenate([np.linspace(0, 1, N + 1), np.ones(N + 1), np.zeros(N)])
    lbx = np.concatenate([np.full(2 * N + 2, -np.inf), np.full(N, -20.0)])
    ubx = np.concatenate([np.full(2 * N + 2, np.inf), np.full(N, 20.0)])
    return dict(x=z, f=h * ca.sumsqr(u), g=g), x0, lbx, ubx


def casadi_luksan(n: int):
    import casadi as ca
    x = ca.MX.sym("x", n)
    a, b, c = x[:-2], x[1:-1], x[2:]
    f = ca.sum1(100 * (x[:-1] ** 2 - x[1:]) ** 2 + (x[:-1] - 1) ** 2)
    g = 3 * b ** 3 + 2 * c - 5 + ca.sin(b - c) * ca.sin(b + c) + 4 * b - a * ca.exp(a - b) - 3
    x0 = np.where(np.arange(n) % 2 == 0, -1.2, 1.0)
    return dict(x=x, f=f, g=g), x0, np.full(n, -np.inf), np.full(n, np.inf)


def run_sympile(solver, x0, linear_solver, repeats):
    solver.solve(x0=x0, linear_solver=linear_solver)             # warm-up (compiles)
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        res = solver.solve(x0=x0, linear_solver=linear_solver)
        runs.append((time.perf_counter() - start, res))
    seconds = statistics.median(t for t, _ in runs)
    res = runs[-1][1]
    return seconds, res.status, res.iterations, float(res.objective)


def run_casadi(build, n, repeats):
    import casadi as ca
    nlp, x0, lbx, ubx = build(n)
    solver = ca.nlpsol("s", "ipopt", nlp, {"expand": True, "print_time": False,
                                           "ipopt": {"print_level": 0, "tol": 1e-8}})
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        sol = solver(x0=x0, lbx=lbx, ubx=ubx, lbg=0, ubg=0)
        times.append(time.perf_counter() - start)
        stats = solver.stats()
        out = ("optimal" if stats["return_status"] == "Solve_Succeeded"
               else stats["return_status"][:9], stats["iter_count"], float(sol["f"]))
    return (statistics.median(times), *out)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--problems", default="control,luksan")
    ap.add_argument("--skip-splu", action="store_true", help="leave out SuperLU (slow)")
    args = ap.parse_args(argv)
    try:
        import casadi  # noqa: F401
        have_casadi = True
    except ImportError:
        have_casadi = False
    builders = {"control": (control, casadi_control), "luksan": (luksan, casadi_luksan)}
    print(f"{'problem':9s} {'n':>7s} {'m':>7s} {'solver':15s} {'status':9s} {'iter':>5s} "
          f"{'objective':>18s} {'time':>9s}")
    print("-" * 86)
    for name in args.problems.split(","):
        build, build_casadi = builders[name]
        problem, x0, known = build(args.n)
        solver = problem.compile(backend="numba", simplify="cse")
        n = sum(np.size(v) for v in x0.values())
        m = sum(np.size(y) for y in solver.solve(x0=x0, max_iter=0).multipliers.values())
        rows = []
        for ls in ("qdldl",) + (() if args.skip_splu else ("splu",)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rows.append((f"sympile/{ls}", *run_sympile(solver, x0, ls, args.repeats)))
        if have_casadi:
            rows.append(("ipopt (casadi)", *run_casadi(build_casadi, args.n, args.repeats)))
        for label, seconds, status, iters, obj in rows:
            print(f"{name:9s} {n:7d} {m:7d} {label:15s} {status:9s} {iters:5d} {obj:18.10g} "
                  f"{seconds:8.2f}s", flush=True)
        if known is not None:
            print(f"{'':9s} known optimum of the continuous problem: {known}")
    print("\nmachine: see benchmarks/README.md; times are wall-clock medians")


if __name__ == "__main__":
    main()
