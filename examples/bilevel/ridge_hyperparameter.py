"""Ridge regression: choose the regularization weight on validation data (a bilevel problem).

    min_{-8 <= r <= 4}  1/(2 m_v) |A_v w - b_v|^2
    s.t.   w = argmin_w 1/(2 m) |A w - b|^2 + exp(r)/2 |w|^2       (r = log of the weight)

Known answer: with A = U S V^T, w(r) = V diag(s / (s^2 + m e^r)) U^T b in closed form, so the
validation loss is a smooth function of the scalar r, minimized to machine precision by SciPy.
Run: python examples/bilevel/ridge_hyperparameter.py
"""
import numpy as np
from scipy.optimize import minimize_scalar

import symbolic as sy

m, mv, p = 200, 100, 20
A = sy.Parameter("A", shape=(m, p))
b = sy.Parameter("b", shape=m)
Av = sy.Parameter("Av", shape=(mv, p))
bv = sy.Parameter("bv", shape=mv)
r = sy.Variable("r", lower=-8, upper=4)
w = sy.Variable("w", shape=p)
lower = sy.Problem(minimize=sy.sum((A @ w - b) ** 2) / (2 * m) + sy.exp(r) * sy.sum(w ** 2) / 2,
                   over=w)
upper = sy.Problem(minimize=sy.sum((Av @ w - bv) ** 2) / (2 * mv), over=r)
bilevel = sy.Bilevel(upper=upper, lower=lower, name="ridge")


def generate(seed=0, noise=1.0):
    rng = np.random.default_rng(seed)
    w_true = rng.standard_normal(p) * (rng.random(p) < 0.5)
    a, av = rng.standard_normal((m, p)), rng.standard_normal((mv, p))
    return {"A": a, "b": a @ w_true + noise * rng.standard_normal(m),
            "Av": av, "bv": av @ w_true + noise * rng.standard_normal(mv)}


params = generate()
x0, y0 = 0.0, np.zeros(p)


def known_answer(params=params):
    """r* and F* from the closed-form ridge path (SVD) and a bounded scalar minimization."""
    U, s, Vt = np.linalg.svd(params["A"], full_matrices=False)
    Utb = U.T @ params["b"]

    def loss(rr):
        wr = Vt.T @ (s * Utb / (s ** 2 + m * np.exp(rr)))
        return np.sum((params["Av"] @ wr - params["bv"]) ** 2) / (2 * mv)

    best = minimize_scalar(loss, bounds=(-12, 6), method="bounded",
                           options={"xatol": 1e-12})
    return {"x": best.x, "upper_objective": loss(best.x)}


METHODS = ("auto", "kkt", "value-penalty", "lv-hba", "implicit")
SETTINGS = {}                   # every method with its defaults (LV-HBA's adapt)

if __name__ == "__main__":
    from methods_table import print_rows, run_methods
    known = known_answer()
    print(f"known answer: r* = {known['x']:.8f} (weight {np.exp(known['x']):.6f}), "
          f"F* = {known['upper_objective']:.12f}\n")
    solver = bilevel.compile(backend="numba")
    print_rows(run_methods(solver, known, METHODS, SETTINGS, x0, y0, params))
