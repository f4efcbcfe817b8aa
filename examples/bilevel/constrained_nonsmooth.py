"""A constrained lower level whose response is non-smooth: y*(x) = |x|, optimum at the kink.

    min_x (x - 1/2)^2 + 2 y   s.t.  -2 <= x <= 2,
    y = argmin_y (y - x)^2  s.t.  y + x >= 0          (so y*(x) = max(x, -x) = |x|)

The reduced objective (x - 1/2)^2 + 2|x| has its minimum at the kink x* = 0 (slopes -1 and +1
there), with y* = 0 and F* = 1/4. At the solution the lower-level constraint is active with a
zero multiplier (degenerate complementarity), the hard case of MPECs.
Run: python examples/bilevel/constrained_nonsmooth.py
"""
import numpy as np

import symbolic as sy

x = sy.Variable("x", lower=-2, upper=2)
y = sy.Variable("y")
lower = sy.Problem(minimize=(y - x) ** 2, subject_to={"cone": y + x >= 0}, over=y)
upper = sy.Problem(minimize=(x - sy.Rational(1, 2)) ** 2 + 2 * y, over=x)
bilevel = sy.Bilevel(upper=upper, lower=lower, name="kink")
params = {}
x0, y0 = 1.5, 1.5


def known_answer(params=params):
    return {"x": 0.0, "upper_objective": 0.25}


METHODS = ("auto", "kkt", "lv-hba")
SETTINGS = {}                   # every method with its defaults (LV-HBA's adapt)


def plot(rows, path="constrained_nonsmooth.png"):
    """The reduced objective with each method's answer, and LV-HBA's error along its run."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    grid = np.linspace(-1, 1, 401)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(grid, (grid - 0.5) ** 2 + 2 * np.abs(grid), label="F(x, |x|)")
    for r in rows:
        res = r["result"]
        left.plot(res.x, res.upper_objective, "o", label=f"{r['method']} ({r['error']:.0e})")
    left.set_xlabel("x")
    left.legend()
    lv = next(r["result"] for r in rows if r["method"] == "lv-hba")
    right.semilogy([h["evaluation"] for h in lv.history],
                   [abs(h["upper_objective"] - 0.25) / 0.25 for h in lv.history])
    right.set_xlabel("LV-HBA evaluation (penalty c grows in stages)")
    right.set_ylabel("|F - F*| / F*")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"saved {path}")


if __name__ == "__main__":
    from methods_table import print_rows, run_methods
    print(bilevel.reformulate("kkt"), "\n")
    solver = bilevel.compile(backend="numba")
    rows = run_methods(solver, known_answer(), METHODS, SETTINGS, x0, y0)
    print_rows(rows)
    print(f"\nkkt: x = {rows[1]['result'].x:+.2e}, y = {rows[1]['result'].y:.2e}, "
          f"multiplier of 'cone' {rows[1]['result'].multipliers['cone']:.1e}")
    for name in ("value-penalty", "implicit"):
        try:
            solver.solve(x0=x0, y0=y0, method=name)
        except ValueError as exc:
            print(f"{name}: {exc}")
    plot(rows)

