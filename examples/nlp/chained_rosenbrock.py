"""Chained Rosenbrock at n = 10^6: one template, never a million SymPy expressions.

min sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2; the minimum is 0 at x = 1.
From the classic start x = -1.2 every local method (sympile's Newton-CG and interior point,
IPOPT, SciPy's trust-ncg) settles one index of the solution per iteration, so iterations grow
with n: the example solves n = 1000 from -1.2, and n = 10^6 from a perturbed start, where
Newton-CG with Hessian-vector products converges in a few dozen iterations.
Run: python examples/nlp/chained_rosenbrock.py [n]
"""
import sys
import time

import numpy as np

import symbolic as sy

n = int(sys.argv[1]) if len(sys.argv) > 1 and __name__ == "__main__" else 1_000_000
x = sy.Variable("x", shape=n)
problem = sy.Problem(minimize=sy.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))
x0 = 1 + 0.3 * np.cos(np.arange(n))


def report(label, solver, start):
    t0 = time.perf_counter()
    res = solver.solve(x0=start)
    print(f"{label}: status {res.status}, objective {res.objective:.2e} (exact 0), "
          f"max |x - 1| = {np.abs(res.x - 1).max():.1e}, {res.iterations} iterations, "
          f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    small = sy.Variable("x", shape=1000)
    classic = sy.Problem(minimize=sy.sum(100 * (small[1:] - small[:-1] ** 2) ** 2
                                         + (1 - small[:-1]) ** 2)).compile(backend="numba")
    report("n = 1000 from x = -1.2", classic, np.full(1000, -1.2))
    t0 = time.perf_counter()
    solver = problem.compile(backend="numba")
    print(f"n = {n}: declared, derived and compiled in {time.perf_counter() - t0:.2f} s "
          f"(symbolic work and code emission {solver.timings['derive_and_emit']:.3f} s)")
    report(f"n = {n} from 1 + 0.3 cos(i)", solver, x0)
