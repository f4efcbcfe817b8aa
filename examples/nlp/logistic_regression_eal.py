"""Constrained logistic regression solved by eal-sketch, checked against the interior point.

min sum_i log(1 + exp(-b_i a_i.x))  s.t.  |x|^2 = 1,  sum(x) = 0.5     (10^5 samples, 100 features)
The problem and data are those of logistic_regression.py. The same compiled kernels are handed to
two methods: "eal-sketch" (exact augmented Lagrangian, Newton-KKT systems solved inexactly by
randomized Kaczmarz; Hong, Na, Mahoney, Kolar 2023; Hessians reused where that pays) and "ipm"
(the interior point, exact KKT factorizations). Both KKT residuals are recomputed here with NumPy from the data, independent of
the kernels.
Run: python examples/nlp/logistic_regression_eal.py
"""
import time

import numpy as np

from logistic_regression import n, params, problem, x0


def kkt_residual(res):
    """max-norm of (grad f + 2 lam_sphere x + lam_budget, |x|^2 - 1, sum(x) - 0.5), by NumPy."""
    xs, lam = res.x, res.multipliers
    z = params["b"] * (params["A"] @ xs)
    grad = -(params["A"].T @ (params["b"] / (1 + np.exp(z))))
    stationarity = grad + 2 * lam["sphere"] * xs + lam["budget"]
    return max(np.abs(stationarity).max(), abs(xs @ xs - 1), abs(xs.sum() - 0.5))


if __name__ == "__main__":
    solver = problem.compile(backend="numba")
    results = {}
    for method in ("eal-sketch", "ipm"):
        solver.solve(x0=x0, params=params, method=method, max_iter=1)     # warm up the JIT
        t0 = time.perf_counter()
        res = solver.solve(x0=x0, params=params, method=method)
        results[method] = res
        print(f"{method:10s} status {res.status}, {res.iterations:2d} iterations, "
              f"{time.perf_counter() - t0:5.2f} s: objective {res.objective:.10f}, "
              f"KKT residual {kkt_residual(res):.1e}")
    eal, ipm = results["eal-sketch"], results["ipm"]
    hist = eal.raw.history[1:]
    steps = [h["sketch_steps"] for h in hist]
    print(f"randomized Kaczmarz rows per iteration: {min(steps)} to {max(steps)} "
          f"(the KKT system has {n + 2} rows); Hessians formed in "
          f"{sum(bool(h['hessian']) for h in hist)} of {len(hist)} iterations (reused where "
          f"forming one costs more than the iterations it saves)")
    linalg = sum(h["linalg_flops"] for h in hist) / len(hist)
    print(f"linear algebra per iteration: {linalg:.2e} flops, against {(n + 2) ** 3 / 3:.2e} for "
          f"one LDL^T of the KKT matrix (sketching wins only for larger n: "
          f"benchmarks/eal_sketch.py)")
    print(f"|x_eal - x_ipm|_max = {np.abs(eal.x - ipm.x).max():.1e}, objective difference "
          f"{abs(eal.objective - ipm.objective):.1e}")
