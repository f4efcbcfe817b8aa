"""eal-sketch vs the interior point and SciPy's trust-constr on constrained logistic regression.

    min_x sum_i log(1 + exp(-b_i a_i.x))  s.t.  |x|^2 = 1,  sum(x) = 0.5

with n features and N samples, sizes (n, N) from --sizes (default 100x1e4, 100x1e5, 500x1e4,
2000x5000: the feature count scales too, so the KKT matrix grows from 102 to 2002 rows while
forming the Hessian, 2 N n^2 flops, stays affordable on a 2-core machine). All methods use the
same compiled sympile kernels (numba): objective, gradient, constraint Jacobian, and
  eal-sketch    solve(method="eal-sketch"), default options: Hessian kernel (reused where that
                is predicted to reach the tolerance sooner), KKT solved inexactly by
                randomized Kaczmarz
                (runtime/sketch.py) under the adaptive accuracy condition, warm-started
  eal-paper     the same with hessian_reuse=0: a fresh Hessian every iteration, as in the paper
  ipm           solve(method="ipm"): Hessian kernel, exact factorizations of the KKT matrix
  trust-constr  scipy.optimize.minimize(method="trust-constr") with exact gradients and Jacobians
                and Hessians as HVP LinearOperators (its projected CG needs only products)
  tc-bfgs       the same without Hessians: SciPy's default BFGS approximations
The start is x0 = 0.1 perturbed (`start`; x0 = 0.1 (1, ..., 1) makes both constraint gradients
parallel). Each stops at a KKT residual of 1e-6: sympile's tol is 1e-6 times its objective scaling, and
trust-constr's gtol is 1e-6. The residual printed is recomputed here for every method in the same
way: max(|grad f + G^T lam|_inf, |c|_inf) with least-squares multipliers lam.

Flops, counted the same way for every method (a multiply and an add are two flops):
- kernels, from call counts: objective N(2n+25), gradient and HVP N(4n+25), Hessian N(2n^2+25),
  constraints and Jacobian 3n;
- linear algebra: eal-sketch's own count, reported per iteration by the solver (Kaczmarz rows
  4(n+m), full residuals 2(n+m)^2 each, equilibration and the scaled copy of K 22(n+m)^2 per
  fresh B, the warm start's product, the curvature test: Cholesky n^3/3 for n <= 300, else
  Lanczos products 2n^2 each); the interior
  point's factorizations counted by wrapping `runtime.kkt.factorize`, each priced as a dense
  LDL^T (n+m)^3/3 (the cheapest exact method; it factorizes more than once when it corrects the
  inertia); trust-constr's O(n) vector work per CG step is left out (it only flatters it).
"KKT solve/it" is what produces the Newton direction: forming B (Hessian kernel calls) plus the
linear algebra, per iteration; "x exact" divides it by one exact KKT solve, N(2n^2+25) +
(n+m)^3/3, and "LA x LDL" divides the linear algebra alone by (n+m)^3/3.

Wall and CPU time (time.process_time, less sensitive to other load on the machine): medians of
--repeats solves after a first solve (which gives the counts) where one solve takes under 5 s,
else that first solve; a one-iteration solve per method loads the Numba kernels before anything
is timed. Every library runs on one thread (BLAS, OpenMP, Numba; set OPENBLAS_NUM_THREADS etc.
to override): on the shared 2-core machine NumPy's and SciPy's two OpenBLAS thread pools spin
against each other and other processes, which made a 2-thread Hessian 3x slower than a 1-thread
one and every time depend on the load.
Run:  python benchmarks/eal_sketch.py [--quick] [--sizes 100x1e4,500x1e4] [--repeats 3]
      [--ipm-up-to 2000]
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")        # before NumPy loads: one thread, see the docstring

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

import runtime.kkt                                      # noqa: E402
import symbolic as sy                                   # noqa: E402
from logistic_regression import generate                # noqa: E402  (the example's data)
from runtime import solve_nlp                           # noqa: E402

CONSTRAINTS, TARGET = 2, 1e-6
SIZES = "100x1e4,100x1e5,500x1e4,2000x5000"
REPEAT_BELOW_S = 5.0


def build(samples: int, features: int):
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


def start(features: int) -> np.ndarray:
    """x0 = 0.1 perturbed by up to 50 %: at x0 = 0.1 (1, ..., 1) both constraint gradients
    (2 x0 and 1) are parallel, LICQ fails and the first Newton-KKT system is inconsistent."""
    return np.random.default_rng(1).uniform(0.05, 0.15, features)


def kernel_flops(counts: dict, samples: int, n: int) -> float:
    per_call = dict(objective=samples * (2 * n + 25), gradient=samples * (4 * n + 25),
                    hvp=samples * (4 * n + 25), hessian=samples * (2 * n * n + 25),
                    constraints=3 * n, jacobian=3 * n)
    return float(sum(counts[name] * per_call[name] for name in per_call))


def ldl_flops(n: int) -> float:
    return (n + CONSTRAINTS) ** 3 / 3


def kkt_residual(k, x: np.ndarray) -> float:
    """max(|grad f + G^T lam|_inf, |c - c_l|_inf) with least-squares multipliers lam."""
    G = np.zeros((k.m, k.n))
    np.add.at(G, (k.jacobian_pattern.rows, k.jacobian_pattern.cols), k.jacobian(x))
    g = k.gradient(x)
    lam = np.linalg.lstsq(G.T, -g, rcond=None)[0]
    return float(max(np.abs(g + G.T @ lam).max(), np.abs(k.constraints(x) - k.c_lower).max()))


class CountedFactorizations:
    """Counts the interior point's KKT factorizations while active (wraps runtime.kkt.factorize)."""

    def __enter__(self):
        self.count, original = 0, runtime.kkt.factorize

        def factorize(*args, **kwargs):
            self.count += 1
            return original(*args, **kwargs)

        self.original, runtime.kkt.factorize = original, factorize
        return self

    def __exit__(self, *exc):
        runtime.kkt.factorize = self.original


def run_sympile(k, x0, method, samples, **options):
    n = k.n
    scale = min(1.0, 100.0 / np.abs(k.gradient(x0)).max())
    kc, counts = counted(k)
    with CountedFactorizations() as fac:
        t0, c0 = time.perf_counter(), time.process_time()
        res = solve_nlp(kc, x0, method=method, tol=TARGET * scale, **options)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if method == "eal-sketch":
        linalg = sum(h.get("linalg_flops", 0.0) for h in res.history)
    else:
        linalg = fac.count * ldl_flops(n)
    return dict(status=res.status, iters=res.iterations, x=res.x, wall=wall, cpu=cpu,
                counts=counts,
                linalg=linalg, kernels=kernel_flops(counts, samples, n))


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
    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = minimize(kc.objective, x0, jac=kc.gradient, constraints=[con], **hessians,
                     method="trust-constr",
                     options={"gtol": TARGET, "xtol": 1e-14, "maxiter": 5000})
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return dict(status="optimal" if r.status == 1 else f"stop({r.status})", iters=r.nit, x=r.x,
                wall=wall, cpu=cpu, counts=counts, linalg=float("nan"),
                kernels=kernel_flops(counts, samples, k.n))


def bench(features: int, samples: int, repeats: int, ipm_up_to: int) -> list[dict]:
    t0 = time.perf_counter()
    solver = build(samples, features).compile(backend="numba")
    k = solver.kernels(generate(m=samples, n=features))
    x0 = start(features)
    print(f"# n = {features}, N = {samples:.0e}: compiled in {time.perf_counter() - t0:.1f} s",
          flush=True)
    for method in ("eal-sketch", "ipm"):                # load the Numba kernels (JIT caches)
        solve_nlp(k, x0, method=method, max_iter=1)
    runners = [("eal-sketch", lambda: run_sympile(k, x0, "eal-sketch", samples)),
               ("eal-paper", lambda: run_sympile(k, x0, "eal-sketch", samples,
                                                 hessian_reuse=0.0)),
               ("ipm", lambda: run_sympile(k, x0, "ipm", samples)),
               ("trust-constr", lambda: run_trust_constr(k, x0, samples)),
               ("tc-bfgs", lambda: run_trust_constr(k, x0, samples, hvp=False))]
    if features > ipm_up_to:
        runners = [r for r in runners if r[0] != "ipm"]
    rows = []
    for name, run in runners:
        out = run()                                     # the reported counts
        if out["wall"] < REPEAT_BELOW_S and repeats > 1:
            again = [run() for _ in range(repeats)]
            out["wall"] = statistics.median(a["wall"] for a in again)
            out["cpu"] = statistics.median(a["cpu"] for a in again)
        out.update(method=name, samples=samples, features=features,
                   kkt=kkt_residual(k, out["x"]))
        rows.append(out)
        print(f"#   {name}: {out['status']}, {out['iters']} iterations, "
              f"{out['wall']:.2f} s", flush=True)
    return rows


def table(rows: list[dict]) -> str:
    head = (f"{'n':>5s} {'N':>6s}  {'method':12s} {'status':9s} {'iter':>4s} {'KKT res':>8s} "
            f"{'wall s':>7s} {'x tc':>5s} {'cpu s':>7s} {'x tc':>5s} {'hess':>4s} {'hvp':>5s} {'lin.alg/it':>10s} "
            f"{'LA x LDL':>8s} {'KKT solve/it':>12s} {'x exact':>7s} {'flops/it':>9s} "
            f"{'flops':>8s}")
    lines = [head, "-" * len(head)]
    for size in sorted({(r["features"], r["samples"]) for r in rows}):
        n, samples = size
        group = {r["method"]: r for r in rows if (r["features"], r["samples"]) == size}
        tc, tc_cpu = group["trust-constr"]["wall"], group["trust-constr"]["cpu"]
        form_b = samples * (2 * n * n + 25)
        for r in group.values():
            its = max(r["iters"], 1)
            c = r["counts"]
            solve = (c["hessian"] * form_b + r["linalg"]) / its
            total = r["kernels"] + (r["linalg"] if np.isfinite(r["linalg"]) else 0.0)
            lines.append(
                f"{n:5d} {samples:6.0e}  {r['method']:12s} {r['status'][:9]:9s} {r['iters']:4d} "
                f"{r['kkt']:8.1e} {r['wall']:7.2f} {r['wall'] / tc:5.2f} {r['cpu']:7.2f} "
                f"{r['cpu'] / tc_cpu:5.2f} {c['hessian']:4d} "
                f"{c['hvp']:5d} {r['linalg'] / its:10.2e} {r['linalg'] / its / ldl_flops(n):8.3f} "
                f"{solve:12.3e} {solve / (form_b + ldl_flops(n)):7.3f} {total / its:9.2e} "
                f"{total:8.2e}")
    return "\n".join(lines)


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """'100x1e4,500x1e4' -> [(100, 10000), (500, 10000)] (features x samples)."""
    sizes = []
    for item in text.split(","):
        try:
            n, samples = item.lower().split("x")
            sizes.append((int(float(n)), int(float(samples))))
        except ValueError:
            raise SystemExit(f"--sizes: {item!r} is not FEATURESxSAMPLES (e.g. 500x1e4)")
    return sizes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100x1e4 only, one timed repeat")
    ap.add_argument("--sizes", default=SIZES, help=f"FEATURESxSAMPLES,... (default {SIZES})")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ipm-up-to", type=int, default=500,
                    help="run the interior point only up to this many features (default 500: "
                         "at 2000 it took 400 s of the run)")
    args = ap.parse_args()
    sizes = [(100, 10 ** 4)] if args.quick else parse_sizes(args.sizes)
    rows = []
    for features, samples in sizes:
        rows += bench(features, samples, 1 if args.quick else args.repeats, args.ipm_up_to)
    print()
    print(table(rows))
    print("\nx tc: wall (then CPU) time / trust-constr's; LA x LDL: linear-algebra flops per iteration / "
          "one LDL^T of the KKT matrix; x exact: KKT-solve flops per iteration (Hessian kernel + "
          "linear algebra) / one exact solve's (Hessian kernel + LDL^T); flops: total to the "
          "1e-6 residual")


if __name__ == "__main__":
    main()
