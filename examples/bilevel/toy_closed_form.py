"""A bilevel toy with a closed-form answer: two lower-level variables that track the upper one.

    min_x  1/2 |y - b|^2 + 1/2 w^2 + rho/2 |x|^2
    s.t.   (y, w) = argmin_{y, w} 1/2 |y - A x|^2 + 1/2 (w - sum(x))^2

The lower level gives y = A x, w = sum(x), so x* solves (A^T A + 1 1^T + rho I) x = A^T b.
Run: python examples/bilevel/toy_closed_form.py
"""
import numpy as np

import symbolic as sy

m, n, rho = 3, 2, 0.1
A = sy.Parameter("A", shape=(m, n))
b = sy.Parameter("b", shape=m)
x = sy.Variable("x", shape=n)
y = sy.Variable("y", shape=m)
w = sy.Variable("w")
lower = sy.Problem(minimize=sy.sum((y - A @ x) ** 2) / 2 + (w - sy.sum(x)) ** 2 / 2, over=[y, w])
upper = sy.Problem(minimize=sy.sum((y - b) ** 2) / 2 + w ** 2 / 2 + rho * sy.sum(x ** 2) / 2,
                   over=x)
bilevel = sy.Bilevel(upper=upper, lower=lower, name="toy")

rng = np.random.default_rng(1)
params = {"A": rng.standard_normal((m, n)), "b": rng.standard_normal(m)}
x0, y0 = np.zeros(n), np.zeros(m + 1)


def known_answer(params=params):
    """x*, (w*, y*) and F* from the normal equations."""
    a, bb = params["A"], params["b"]
    xs = np.linalg.solve(a.T @ a + np.ones((n, n)) + rho * np.eye(n), a.T @ bb)
    ys = a @ xs
    F = 0.5 * np.sum((ys - bb) ** 2) + 0.5 * xs.sum() ** 2 + 0.5 * rho * xs @ xs
    return {"x": xs, "upper_objective": F}


METHODS = ("auto", "kkt", "value-penalty", "lv-hba", "implicit")
SETTINGS = {}                   # every method with its defaults (LV-HBA's adapt)

if __name__ == "__main__":
    from methods_table import print_rows, run_methods
    print(bilevel.reformulate("kkt"), "\n")
    known = known_answer()
    solver = bilevel.compile(backend="numba")
    rows = run_methods(solver, known, METHODS, SETTINGS, x0, y0, params)
    print_rows(rows)
    print("\nauto:", rows[0]["result"].reason)
