"""eal-sketch vs the interior point and SciPy's trust-constr on constrained logistic regression.

    min_x sum_i log(1 + exp(-b_i a_i.x))  s.t.  |x|^2 = 1,  sum(x) = 0.5      (100 features)

at N = 10^4 and 10^5 samples (10^6 with --max-n 1e6). All three methods use the same compiled
sympile kernels (numba): objective, gradient, constraint Jacobian, and
  eal-sketch    solve(method="eal-sketch"): Hessian kernel, KKT solved inexactly by randomized
                Kaczmarz (runtime/sketch.py) under the adaptive accuracy condition
  ipm           solve(method="ipm"): Hessian kernel, exact LDL^T factorization of the KKT matrix
  trust-constr  scipy.optimize.minimize(method="trust-constr") with exact gradients and Jacobians
                and Hessians as HVP LinearOperators (its projected CG needs only products)
  tc-bfgs       the same without Hessians: SciPy's default BFGS approximations (as in
                benchmarks/hs_solvers.py)
Each stops at a KKT residual of 1e-6: sympile's tol is 1e-6 times its objective scaling, and
trust-constr's gtol is 1e-6. The residual printed is recomputed here for every method in the same
way: max(|grad f + G^T lam|_inf, |c|_inf) with least-squares multipliers lam.

Flops per iteration are estimates from kernel-call counts (objective N(2n+25), gradient and HVP
N(4n+25), Hessian N(2n^2+25): one multiply-add per sample and Hessian entry) plus the linear
algebra: eal-sketch's sketching flops (counted by the sketch solver) and its Cholesky
reduced-Hessian test (n^3/3 + 2n^2 m); one dense LDL^T ((n+m)^3/3) per interior-point iteration
(a lower bound: inertia corrections refactorize). "KKT solve" is the part that produces the Newton
direction: forming B (the Hessian kernel) plus the solve (sketch, or LDL^T for the exact solve);
"x exact" divides it by one exact solve, N(2n^2+25) + (n+m)^3/3.

Wall time: median of --repeats solves after a warm-up solve (Numba compile excluded; one
timed solve at 10^6).
Run:  python benchmarks/eal_sketch.py [--quick] [--max-n 1e6] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.optimize import NonlinearConstraint, minimize
from scipy.sparse.linalg import LinearOperator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "examples" / "nlp"))

import symbolic as sy                                   # noqa: E402
from logistic_regression import generate                # noqa: E402  (the example's data)
from runtime import solve_nlp                           # noqa: E402

FEATURES, CONSTRAINTS, TARGET = 100, 2, 1e-6


def build(samples: int, features: int = FEATURES):
    """The constrained logistic regression of examples/nlp/logistic_regression.py at this size."""
    A = sy.Parameter("A", shape=(samples, features))
    b = sy.Parameter("b", shape=samples)
    x = sy.Variable("x", shape=features)
    return sy.Problem(minimize=sy.sum(sy.log(1 + sy.exp(-b * (A @ x)))),
                      subject_to={"sphere": sy.Eq(sy.sum(x ** 2), 1),
                                  "budget": sy.Eq(sy.sum(x), 0.5)})


def counted(k):
    """The kernels with call counters (a dict, by kernel name)."""
    counts = dict(objective=0, gradient=0, constraints=0, jacobian=0, hessian=0, hvp=0)

    def wrap(name, fn):
        def call(*args):
            counts[name] += 1
            return fn(*args)
        return call

    return replace(k, **{name: wrap(name, getattr(k, name)) for name in counts}), counts


def kernel_flops(counts: dict, samples: int, n: int = FEATURES) -> float:
    per_call = dict(objective=samples * (2 * n + 25), gradient=samples * (4 * n + 25),
                    hvp=samples * (4 * n + 25), hessian=samples * (2 * n * n + 25),
                    constraints=3 * n, jacobian=3 * n)
    return float(sum(counts[name] * per_call[name] for name in per_call))


def kkt_residual(k, x: np.ndarray) -> float:
    """max(|grad f + G^T lam|_inf, |c - c_l|_inf) with least-squares multipliers lam."""
    G = np.zeros((k.m, k.n))
    np.add.at(G, (k.jacobian_pattern.rows, k.jacobian_pattern.cols), k.jacobian(x))
    g = k.gradient(x)
    lam = np.linalg.lstsq(G.T, -g, rcond=None)[0]
    return float(max(np.abs(g + G.T @ lam).max(), np.abs(k.constraints(x) - k.c_lower).max()))


def run_sympile(k, x0, method, samples):
    scale = min(1.0, 100.0 / np.abs(k.gradient(x0)).max())
    kc, counts = counted(k)
    t0 = time.perf_counter()
    res = solve_nlp(kc, x0, method=method, tol=TARGET * scale)
    wall = time.perf_counter() - t0
    its = max(res.iterations, 1)
    n, m = FEATURES, CONSTRAINTS
    if method == "eal-sketch":
        sketch = sum(h.get("sketch_flops", 0.0) for h in res.history)
        solve_la = (sketch + its * (n ** 3 / 3 + 2 * n * n * m)) / its
    else:
        solve_la = (n + m) ** 3 / 3
    form_b = counts["hessian"] / its * samples * (2 * n * n + 25)
    total = kernel_flops(counts, samples) / its + solve_la
    return dict(status=res.status, iters=res.iterations, x=res.x, wall=wall, counts=counts,
                kkt_solve=form_b + solve_la, linalg=solve_la, total=total)


def run_trust_constr(k, x0, samples, hvp: bool = True):
    kc, counts = counted(k)
    G = np.zeros((k.m, k.n))
    rows, cols = k.jacobian_pattern.rows, k.jacobian_pattern.cols
    no_lam = np.zeros(k.m)

    def jac(x):
        G[:] = 0.0
        np.add.at(G, (rows, cols), kc.jacobian(x))
        return G.copy()

    def hess_f(x):
        return LinearOperator((k.n, k.n), matvec=lambda v: kc.hvp(x, 1.0, no_lam, np.ravel(v)))

    def hess_c(x, v):
        return LinearOperator((k.n, k.n), matvec=lambda u: kc.hvp(x, 0.0, v, np.ravel(u)))

    hessians = dict(hess=hess_f) if hvp else {}
    con = NonlinearConstraint(lambda x: kc.constraints(x), k.c_lower, k.c_upper, jac=jac,
                              **(dict(hess=hess_c) if hvp else {}))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = minimize(kc.objective, x0, jac=kc.gradient, constraints=[con], **hessians,
                     method="trust-constr",
                     options={"gtol": TARGET, "xtol": 1e-14, "maxiter": 5000})
    wall = time.perf_counter() - t0
    its = max(r.nit, 1)
    return dict(status="optimal" if r.status == 1 else f"stop({r.status})", iters=r.nit, x=r.x,
                wall=wall, counts=counts, kkt_solve=float("nan"), linalg=float("nan"),
                total=kernel_flops(counts, samples) / its)


def bench(samples: int, repeats: int) -> list[dict]:
    t0 = time.perf_counter()
    solver = build(samples).compile(backend="numba")
    k = solver.kernels(generate(m=samples))
    x0 = np.full(FEATURES, 0.1)
    print(f"# N = {samples:.0e}: compiled in {time.perf_counter() - t0:.1f} s", flush=True)
    runners = [("eal-sketch", lambda: run_sympile(k, x0, "eal-sketch", samples)),
               ("ipm", lambda: run_sympile(k, x0, "ipm", samples)),
               ("trust-constr", lambda: run_trust_constr(k, x0, samples)),
               ("tc-bfgs", lambda: run_trust_constr(k, x0, samples, hvp=False))]
    rows = []
    for name, run in runners:
        out = run()                                     # warm-up (and the reported counts)
        walls = [run()["wall"] for _ in range(repeats)]
        out.update(method=name, samples=samples, wall=statistics.median(walls),
                   kkt=kkt_residual(k, out["x"]))
        rows.append(out)
        print(f"#   {name}: {out['status']}, {out['iters']} iterations, "
              f"{out['wall']:.2f} s", flush=True)
    return rows


def table(rows: list[dict]) -> str:
    head = (f"{'N':>6s}  {'method':12s} {'status':9s} {'iter':>4s} {'KKT res':>8s} "
            f"{'wall s':>7s} {'x tc':>5s} {'hess':>4s} {'hvp':>5s} {'grad':>4s} {'obj':>4s} "
            f"{'lin.alg/it':>10s} {'KKT solve/it':>12s} {'x exact':>7s} {'flops/it':>9s}")
    lines = [head, "-" * len(head)]
    for samples in sorted({r["samples"] for r in rows}):
        group = {r["method"]: r for r in rows if r["samples"] == samples}
        tc = group["trust-constr"]["wall"]
        exact = samples * (2 * FEATURES ** 2 + 25) + (FEATURES + CONSTRAINTS) ** 3 / 3
        for r in group.values():
            c = r["counts"]
            ratio = r["kkt_solve"] / exact if np.isfinite(r["kkt_solve"]) else float("nan")
            lines.append(
                f"{samples:6.0e}  {r['method']:12s} {r['status'][:9]:9s} {r['iters']:4d} "
                f"{r['kkt']:8.1e} {r['wall']:7.2f} {r['wall'] / tc:5.2f} {c['hessian']:4d} "
                f"{c['hvp']:5d} {c['gradient']:4d} {c['objective']:4d} {r['linalg']:10.2e} "
                f"{r['kkt_solve']:12.3e} {ratio:7.3f} {r['total']:9.2e}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 1e4 only, one timed repeat")
    ap.add_argument("--max-n", type=float, default=1e5)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    sizes = [10 ** 4] if args.quick else [s for s in (10 ** 4, 10 ** 5, 10 ** 6)
                                          if s <= args.max_n]
    rows = []
    for samples in sizes:
        rows += bench(samples, 1 if args.quick or samples >= 10 ** 6 else args.repeats)
    print()
    print(table(rows))
    print("\nx tc: wall time / trust-constr's; x exact: KKT-solve flops per iteration / one "
          "exact solve's (Hessian kernel + LDL^T)")


if __name__ == "__main__":
    main()
