"""Shared by the bilevel examples: solve with each method, print the error against the answer."""
import numpy as np


def run_methods(solver, known, methods, settings=None, x0=None, y0=None, params=None):
    """One row per method: what ran, its status, |F - F*| / |F*|, iterations, evaluations, time."""
    rows = []
    for method in methods:
        res = solver.solve(x0=x0, y0=y0, params=params, method=method,
                           **(settings or {}).get(method, {}))
        error = abs(res.upper_objective - known["upper_objective"]) / \
            max(abs(known["upper_objective"]), 1e-300)
        rows.append({"method": method, "ran": res.method, "status": res.status, "error": error,
                     "x_error": float(np.max(np.abs(np.asarray(res.x) - known["x"]))),
                     "iterations": res.iterations,
                     "evaluations": sum(res.kernel_evaluations.values()),
                     "seconds": res.wall_time, "result": res})
    return rows


def print_rows(rows):
    print(f"{'method':14s} {'ran':14s} {'status':9s} {'|F-F*|/|F*|':>12s} {'max|x-x*|':>10s} "
          f"{'iterations':>10s} {'kernel evals':>12s} {'seconds':>8s}")
    for r in rows:
        print(f"{r['method']:14s} {r['ran']:14s} {r['status']:9s} {r['error']:12.1e} "
              f"{r['x_error']:10.1e} {r['iterations']:10d} {r['evaluations']:12d} "
              f"{r['seconds']:8.2f}")
