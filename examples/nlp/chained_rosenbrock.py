"""Chained Rosenbrock at n = 10^6: one template, never a million SymPy expressions.

min sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 from x = -1.2; the minimum is 0 at x = 1.
Run: python examples/nlp/chained_rosenbrock.py [n]
"""
import sys
import time

import numpy as np

import symbolic as sy

n = int(sys.argv[1]) if len(sys.argv) > 1 and __name__ == "__main__" else 1_000_000
x = sy.Variable("x", shape=n)
problem = sy.Problem(minimize=sy.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))
x0 = np.full(n, -1.2)

if __name__ == "__main__":
    t0 = time.perf_counter()
    solver = problem.compile(backend="numba")
    t1 = time.perf_counter()
    res = solver.solve(x0=x0)
    t2 = time.perf_counter()
    print(f"n = {n}: compile {t1 - t0:.2f} s (symbolic + emit {solver.timings['derive_and_emit']:.3f} s),"
          f" solve {t2 - t1:.2f} s")
    print(f"status {res.status}, objective {res.objective:.3e} (exact 0), "
          f"max |x - 1| = {np.abs(res.x - 1).max():.2e}, iterations {res.iterations}")
