"""Bilevel examples: every method's iterations, kernel evaluations, wall time and final error.

For each example in examples/bilevel (toy with a closed form, constrained lower level with a
non-smooth response, ridge hyperparameter selection, data hyper-cleaning) each applicable
method of sympile's bilevel solver runs from the example's start; the error is
|F - F*| / |F*| against the example's known answer. Peers in the same run:

  casadi-kkt   the same KKT / MPEC single-level problem written by hand in CasADi and solved
               by IPOPT 3.14 (CasADi's AD, exact Hessians, tol 1e-12 like sympile's KKT
               stages), with the same Scholtes relaxation sequence t = 1e-2, 1e-4, ..., 1e-12
               where the lower level has inequalities (only when casadi is importable)
  reference    the hand-derived answer itself (closed form, or SciPy on the closed-form lower
               level), i.e. what a user writes who derives the reduced problem by hand

sympile runs with the numba backend (OPENBLAS_NUM_THREADS=1 unless set, see below); kernel
compilation is excluded (one warm-up solve per
method), wall time is the median of --repeats solves (LV-HBA's authors' loop: one). "evals"
counts kernel calls, inner solves included (IPOPT's for casadi-kkt).
lv-hba runs twice, with no per-example settings: its adaptive schedule (the default: penalty
stages raised by a measured bias estimate, warm-started inner steps, L-BFGS-B x-steps; "iters"
are L-BFGS-B iterations) and the authors' single loop (schedule="authors": c_k = 0.025 (k+1)^0.3,
alpha = 0.008, beta = 0.02, eta = 0.01, gamma = 10) for 20000 iterations.

--large adds hyper-cleaning with 10^4 training samples (auto, implicit and adaptive lv-hba, one
repeat each).

Run:  python benchmarks/bilevel.py [--quick] [--large] [--repeats 3] [--examples toy_closed_form,...]
"""
from __future__ import annotations

import os

# On the shared 2-core machine OpenBLAS's worker threads made each tiny BLAS call inside SciPy's
# L-BFGS-B ~10x slower (thread contention); one thread is what such small problems want.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import runpy  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EXAMPLES = ["toy_closed_form", "constrained_nonsmooth", "ridge_hyperparameter", "hyper_cleaning"]
LARGE = (10_000, 2_000, 20)     # hyper-cleaning with --large: training, validation rows, features
AUTHORS = dict(schedule="authors", max_iter=20_000)
T_SCHEDULE = [1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12]


# ----------------------------------------------------------------------------- CasADi peers
def _casadi_kkt(name, ex):
    """(objective, variables, constraints g, lbg, ubg, lbx, ubx, start, relaxed) of the hand KKT."""
    import casadi as ca
    p = ex["params"]
    if name == "toy_closed_form":
        A, b, rho = p["A"], p["b"], ex["rho"]
        m, n = A.shape
        x, y, w = ca.SX.sym("x", n), ca.SX.sym("y", m), ca.SX.sym("w")
        F = ca.sumsqr(y - b) / 2 + w ** 2 / 2 + rho * ca.sumsqr(x) / 2
        g = ca.vertcat(y - ca.mtimes(ca.DM(A), x), w - ca.sum1(x))
        z = ca.vertcat(x, y, w)
        nz = z.shape[0]
        return F, z, g, np.zeros(g.shape[0]), np.zeros(g.shape[0]), -np.inf * np.ones(nz), \
            np.inf * np.ones(nz), np.zeros(nz), None
    if name == "constrained_nonsmooth":
        x, y, mu, t = ca.SX.sym("x"), ca.SX.sym("y"), ca.SX.sym("mu"), ca.SX.sym("t")
        F = (x - 0.5) ** 2 + 2 * y
        g = ca.vertcat(2 * (y - x) - mu, y + x, mu * (y + x) - t)
        return F, ca.vertcat(x, y, mu), g, [0, 0, -np.inf], [0, np.inf, 0], \
            [-2, -np.inf, 0], [2, np.inf, np.inf], [ex["x0"], ex["y0"], 0.0], t
    A, b = p["A"], p["b"]
    m, k = A.shape
    w = ca.SX.sym("w", k)
    val = ca.mtimes(ca.DM(p["Av"]), w) - p["bv"]
    F = ca.sumsqr(val) / (2 * p["Av"].shape[0])
    res = ca.mtimes(ca.DM(A), w) - b
    if name == "ridge_hyperparameter":
        r = ca.SX.sym("r")
        g = ca.mtimes(ca.DM(A.T), res) / m + ca.exp(r) * w
        return F, ca.vertcat(r, w), g, np.zeros(k), np.zeros(k), [-8] + [-np.inf] * k, \
            [4] + [np.inf] * k, np.r_[ex["x0"], ex["y0"]], None
    u = ca.SX.sym("u", m)
    F += ex["RHO"] * ca.sumsqr(1 - u) / (2 * m)
    g = ca.mtimes(ca.DM(A.T), u * res) / m + ex["MU"] * w
    return F, ca.vertcat(u, w), g, np.zeros(k), np.zeros(k), [0] * m + [-np.inf] * k, \
        [1] * m + [np.inf] * k, np.r_[ex["x0"], ex["y0"]], None


def casadi_kkt(name, ex, repeats):
    """Median time, IPOPT iterations, evaluations and F of the hand-written KKT in CasADi."""
    import casadi as ca
    F, z, g, lbg, ubg, lbx, ubx, z0, t = _casadi_kkt(name, ex)
    nlp = {"x": z, "f": F, "g": g}
    if t is not None:
        nlp["p"] = t
    solver = ca.nlpsol("kkt", "ipopt", nlp, {"print_time": False, "ipopt.print_level": 0,
                                             "ipopt.sb": "yes", "ipopt.tol": 1e-12})
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        zk, iters, evals = np.asarray(z0, dtype=float), 0, 0
        for tk in (T_SCHEDULE if t is not None else [None]):
            args = dict(x0=zk, lbx=lbx, ubx=ubx, lbg=lbg, ubg=ubg)
            if tk is not None:
                args["p"] = tk
            sol = solver(**args)
            stats = solver.stats()
            iters += stats["iter_count"]
            evals += sum(v for key, v in stats.items() if key.startswith("n_call_nlp"))
            zk = np.asarray(sol["x"]).ravel()
        times.append(time.perf_counter() - start)
        out = (float(sol["f"]), iters, evals, stats["return_status"])
    return statistics.median(times), out


# ----------------------------------------------------------------------------- sympile runs
def load(name: str) -> dict:
    """An example's namespace; "hyper_cleaning_large" is hyper-cleaning at the `LARGE` size."""
    if name != "hyper_cleaning_large":
        return runpy.run_path(str(ROOT / "examples" / "bilevel" / f"{name}.py"))
    ex = runpy.run_path(str(ROOT / "examples" / "bilevel" / "hyper_cleaning.py"))
    reference = ex["known_answer"]
    m, mv, p = LARGE
    params, _ = ex["generate"](m, mv, p)
    x0 = np.full(m, 0.5)
    ex.update(bilevel=ex["build"](m, mv, p), params=params, x0=x0, y0=np.zeros(p),
              METHODS=("auto", "implicit", "lv-hba"), SETTINGS={},
              known_answer=lambda: reference(params, x0))
    return ex


def run_sympile(solver, ex, method, settings, repeats):
    kwargs = dict(x0=ex["x0"], y0=ex["y0"], params=ex["params"], method=method, **settings)
    solver.solve(**kwargs)                               # warm-up: numba compiles on first call
    results = [solver.solve(**kwargs) for _ in range(repeats)]
    return statistics.median(r.wall_time for r in results), results[-1]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one repeat, no authors' LV-HBA loop")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--backend", default="numba")
    ap.add_argument("--examples", default=",".join(EXAMPLES))
    ap.add_argument("--large", action="store_true",
                    help=f"also hyper-cleaning at m = {LARGE[0]} (one repeat; minutes)")
    args = ap.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    names = args.examples.split(",") + (["hyper_cleaning_large"] if args.large else [])
    try:
        import casadi  # noqa: F401
        have_casadi = True
    except ImportError:
        have_casadi = False
    print(f"{'example':22s} {'method':22s} {'status':9s} {'iters':>7s} {'evals':>8s} "
          f"{'time':>10s} {'|F-F*|/|F*|':>12s}")
    print("-" * 96)
    for name in names:
        ex = load(name)
        t0 = time.perf_counter()
        known = ex["known_answer"]()
        t_ref = time.perf_counter() - t0
        fstar = known["upper_objective"]
        solver = ex["bilevel"].compile(backend=args.backend)

        def row(label, status, iters, evals, seconds, F):
            err = abs(F - fstar) / abs(fstar)
            print(f"{name:22s} {label:22s} {status:9s} {iters:7d} {evals:8d} "
                  f"{seconds * 1e3:8.1f}ms {err:12.1e}", flush=True)

        for method in ex["METHODS"]:
            reps = 1 if name.endswith("_large") else repeats
            runs = [("", ex["SETTINGS"].get(method, {}))]
            if method == "lv-hba":
                authors = not (args.quick or name.endswith("_large"))
                runs = [(" (adaptive)", {})] + ([(" (authors')", AUTHORS)] if authors else [])
            for suffix, settings in runs:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    seconds, res = run_sympile(solver, ex, method, settings,
                                               1 if settings is AUTHORS else reps)
                label = f"{method}->{res.method}" if method == "auto" else method + suffix
                row(label, res.status, res.iterations, sum(res.kernel_evaluations.values()),
                    seconds, res.upper_objective)
        if have_casadi:
            seconds, (F, iters, evals, status) = casadi_kkt(name.removesuffix("_large"), ex,
                                                            repeats)
            row("casadi-kkt (ipopt)", "optimal" if status == "Solve_Succeeded" else status[:9],
                iters, evals, seconds, F)
        row("reference (by hand)", "optimal", 0, 0, t_ref, fstar)
    print("\nmachine: see benchmarks/README.md; times are wall-clock medians")


if __name__ == "__main__":
    main()
