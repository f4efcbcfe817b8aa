"""Hock–Schittkowski problem 71: a product inequality, a sphere equality and box bounds.

Known optimum f* = 17.0140173 at x* = (1, 4.7430, 3.8211, 1.3794).
Run: python examples/nlp/hs071.py   or   sympile solve examples/nlp/hs071.py
"""
import symbolic as sy

x = sy.Variable("x", shape=4, lower=1, upper=5)
problem = sy.Problem(
    minimize=x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2],
    subject_to=[x[0] * x[1] * x[2] * x[3] >= 25,
                sy.Eq(x[0] ** 2 + x[1] ** 2 + x[2] ** 2 + x[3] ** 2, 40)],
    name="hs071",
)
x0 = [1, 5, 5, 1]
KNOWN_OPTIMUM = 17.0140173

if __name__ == "__main__":
    print(problem, "\n")
    for backend in ("numpy", "numba", "jax"):
        res = problem.compile(backend=backend).solve(x0=x0)
        print(f"{backend:6s} {res.status:8s} f = {res.objective:.10f} in {res.iterations} "
              f"iterations, |f - f*| = {abs(res.objective - KNOWN_OPTIMUM):.1e}, x = {res.x.round(5)}")
    print("multipliers:", res.multipliers)
