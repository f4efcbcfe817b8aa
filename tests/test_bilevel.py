"""Bilevel declarations, derived reformulations (checked against hand-written ones and against
what the runtime computes), and the symbolic convexity test."""
import doctest
import importlib

import numpy as np
import pytest

import symbolic as sy
from symbolic.bilevel import gradient_pieces
from symbolic.convexity import curvature, problem_convexity


def _toy():
    x, y = sy.Variable("x"), sy.Variable("y")
    return x, y, sy.Bilevel(upper=sy.Problem(minimize=(x - 1) ** 2 + (y - 2) ** 2, over=x),
                            lower=sy.Problem(minimize=(y - x) ** 2, over=y))


# -- declaration and validation ------------------------------------------------------------------
def test_levels_variables_and_parameters():
    A, b = sy.Parameter("A", shape=(3, 2)), sy.Parameter("b", shape=3)
    x, y, w = sy.Variable("x", shape=2), sy.Variable("y", shape=3), sy.Variable("w")
    lower = sy.Problem(minimize=sy.sum((y - A @ x) ** 2) + (w - x[0]) ** 2,
                       subject_to={"cap": sy.sum(y) <= x[1]}, over=[y, w])
    bl = sy.Bilevel(upper=sy.Problem(minimize=sy.sum((y - b) ** 2) + w ** 2), lower=lower)
    assert bl.x == [x] and bl.y == [w, y]            # the upper level owns what the lower does not
    assert [p.name for p in bl.parameters] == ["A", "b"]
    assert bl.lower.variables == [w, y] and x in bl.lower.parameters


def test_lower_level_without_variables_of_its_own():
    x, y = sy.Variable("x"), sy.Variable("y")
    with pytest.raises(sy.DeclarationError, match=r"no variables of its own.*\(x\)"):
        sy.Bilevel(upper=sy.Problem(minimize=(x - y) ** 2, over=[x, y]),
                   lower=sy.Problem(minimize=x ** 2, over=x))


def test_variable_claimed_by_both_levels_is_named():
    x, y = sy.Variable("x"), sy.Variable("y")
    with pytest.raises(sy.DeclarationError, match=r"\bx\b.*claimed by both levels"):
        sy.Bilevel(upper=sy.Problem(minimize=(x - y) ** 2, over=x),
                   lower=sy.Problem(minimize=(y - x) ** 2, over=[x, y]))


def test_variable_no_level_optimizes_is_named():
    x, y, s = sy.Variable("x"), sy.Variable("y"), sy.Variable("stray")
    with pytest.raises(sy.DeclarationError, match="stray.*neither level"):
        sy.Bilevel(upper=sy.Problem(minimize=(x - y) ** 2 + s, over=x),
                   lower=sy.Problem(minimize=(y - x) ** 2, over=y))


def test_non_problem_argument():
    x, y, bl = _toy()
    with pytest.raises(TypeError, match="lower=.*sy.Problem"):
        sy.Bilevel(upper=bl.upper, lower=(y - x) ** 2)


# -- the KKT reformulation against hand-written conditions ---------------------------------------
def test_kkt_reformulation_equals_hand_written_scalar():
    x, y = sy.Variable("x"), sy.Variable("y")
    lower = sy.Problem(minimize=sy.exp(x * y) + y ** 2 / 2 + y,
                       subject_to={"floor": y >= x - 1}, over=y)
    bl = sy.Bilevel(upper=sy.Problem(minimize=x ** 2 + y ** 2, over=x), lower=lower)
    kkt = bl.reformulate("kkt")
    cons = {c.name: c for c in kkt.constraints}
    assert set(cons) == {"stationarity_y", "lower_floor", "complementarity_floor"}
    lam = next(v for v in kkt.variables if v.name == "lambda_floor")
    assert lam.upper == 0 and lam.lower == -np.inf        # y - x + 1 >= 0: lambda <= 0
    t = kkt.symbols["t"]
    hand_stationarity = x * sy.exp(x * y) + y + 1 + lam
    assert sy.check(sy.Eq(cons["stationarity_y"].expr, hand_stationarity)).status == "proved"
    hand_complementarity = lam * (y - x + 1) + t           # lambda * c >= -t
    assert sy.check(sy.Eq(cons["complementarity_floor"].expr, hand_complementarity)).status \
        == "proved"
    assert cons["complementarity_floor"].lower == 0 and cons["stationarity_y"].is_equality


def test_kkt_reformulation_equals_hand_written_template():
    A, b = sy.Parameter("A", shape=(4, 3)), sy.Parameter("b", shape=4)
    r, w = sy.Variable("r"), sy.Variable("w", shape=3, lower=0)
    lower = sy.Problem(minimize=sy.sum((A @ w - b) ** 2) / 2 + r * sy.sum(w ** 2) / 2, over=w)
    bl = sy.Bilevel(upper=sy.Problem(minimize=sy.sum(w), over=r), lower=lower)
    kkt = bl.reformulate("kkt")
    stat = next(c for c in kkt.constraints if c.name == "stationarity_w")
    assert stat.shape == (3,) and stat.is_equality
    lam = next(v for v in kkt.variables if v.name == "lambda_w_lower")
    i, k, j = sy.Symbol("_i0", integer=True), sy.Symbol("kk", integer=True), \
        sy.Symbol("jj", integer=True)
    Ix = sy.Indexed
    hand = sy.Sum(Ix(A, k, i) * (sy.Sum(Ix(A, k, j) * Ix(w, j), (j, 0, 2)) - Ix(b, k)),
                  (k, 0, 3)) + r * Ix(w, i) + Ix(lam, i)
    report = sy.check(sy.Eq(stat.expr, hand), points=20, time_limit=0.5)   # i drawn too
    assert report.status in ("proved", "agrees")
    wrong = sy.check(sy.Eq(stat.expr, hand - Ix(lam, i)), points=20, time_limit=0.5)
    assert wrong.status == "refuted"           # the check can tell a missing multiplier


def test_gradient_pieces_of_shifted_templates_match_finite_differences():
    y = sy.Variable("y", shape=7)
    expr = sy.sum((y[1:] - y[:-1] ** 2) ** 2) + y[3] * y[0] + sy.sum(sy.sin(y))
    pieces = gradient_pieces(expr, y)
    rng = np.random.default_rng(0)
    point = rng.standard_normal(7)
    values = {y.full().elem.subs(sy.Symbol("_i0", integer=True), q): point[q] for q in range(7)}
    grad = np.zeros(7)
    for p in pieces:
        for e in range(int(np.prod(p.shape)) if p.shape else 1):
            elem = p.elem.subs(sy.Symbol("_i0", integer=True), e) if p.shape else p.elem
            grad[p.start[0] + e] += float(elem.xreplace(values))
    def f(v):
        return np.sum((v[1:] - v[:-1] ** 2) ** 2) + v[3] * v[0] + np.sum(np.sin(v))
    fd = np.array([(f(point + h) - f(point - h)) / 2e-6 for h in np.eye(7) * 1e-6])
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)
    assert len(pieces) <= 6                      # boxes, not one formula per entry


# -- reformulations are what the runtime computes ------------------------------------------------
@pytest.fixture(scope="module")
def coupled():
    """A vector bilevel problem with a coupling lower constraint and data."""
    A = sy.Parameter("A", shape=(3, 2))
    x, y = sy.Variable("x", shape=2), sy.Variable("y", shape=3)
    lower = sy.Problem(minimize=sy.sum((y - A @ x) ** 2) / 2 + sy.sum(sy.exp(y)) / 10,
                       subject_to={"budget": sy.sum(y) <= x[0] + 1}, over=y)
    upper = sy.Problem(minimize=sy.sum(y ** 2) + sy.sum((x - 1) ** 2) + x[0] * y[2], over=x)
    bl = sy.Bilevel(upper=upper, lower=lower)
    rng = np.random.default_rng(3)
    params = {"A": rng.standard_normal((3, 2))}
    return bl, bl.compile(backend="numpy"), params, rng


def _reform_gradient(problem, params, xy):
    solver = problem.compile(backend="numpy")
    k = solver.kernels(params)
    z = np.zeros(solver.n)
    pos = np.concatenate([np.arange(solver.layout.offsets[v], solver.layout.offsets[v] +
                                    (v.size if hasattr(v, "size") else 1))
                          for v in problem.variables])
    z[pos] = xy
    return k.gradient(z)[pos]


def test_value_penalty_reformulation_gradient_is_the_runtime_one(coupled):
    bl, solver, params, rng = coupled
    reform = bl.reformulate("value-penalty")
    assert [v.name for v in reform.variables] == ["x", "y"] and reform.inner is bl.lower
    x, y, z, sigma = rng.standard_normal(2), rng.standard_normal(3), rng.standard_normal(3), 0.3
    grad = _reform_gradient(reform, {**params, "y_star": z, "sigma_penalty": sigma},
                            np.concatenate([x, y]))
    k = solver.kernels(params)
    gFx, gFy = k.upper_gradient(x, y)
    gx, gy, _ = k.lower_gradient(x, y, np.zeros(1))
    gzx, _, _ = k.lower_gradient(x, z, np.zeros(1))
    np.testing.assert_allclose(grad, np.concatenate([gFx + (gx - gzx) / sigma, gFy + gy / sigma]),
                               rtol=1e-12, atol=1e-12)


def test_lvhba_reformulation_gradient_is_the_runtime_direction(coupled):
    bl, solver, params, rng = coupled
    reform = bl.reformulate("lv-hba")
    x, y, theta = rng.standard_normal(2), rng.standard_normal(3), rng.standard_normal(3)
    lam, zz, c, g1, g2 = np.array([0.7]), np.array([0.2]), 2.5, 10.0, 5.0
    grad = _reform_gradient(reform, {**params, "y_theta": theta, "lambda_budget": lam[0],
                                     "lambda_budget_z": zz[0], "c_penalty": c, "gamma_1": g1,
                                     "gamma_2": g2}, np.concatenate([x, y]))
    k = solver.kernels(params)
    gFx, gFy = k.upper_gradient(x, y)
    gfx, gfy, _ = k.lower_gradient(x, y, np.zeros(1))
    gLx, _, _ = k.lower_gradient(x, theta, lam)
    d = np.concatenate([gFx / c + gfx - gLx, gFy / c + gfy - (y - theta) / g1])
    np.testing.assert_allclose(grad, d, rtol=1e-12, atol=1e-12)


def test_implicit_equations_are_the_runtime_hessian_products():
    x, y = sy.Variable("x", shape=2), sy.Variable("y", shape=3)
    f = sy.sum((y - x[0]) ** 2 * sy.exp(x[1] * y)) + sy.sum(y ** 4) / 4
    bl = sy.Bilevel(upper=sy.Problem(minimize=sy.sum(y), over=x),
                    lower=sy.Problem(minimize=f, over=y))
    eq = bl.reformulate("implicit").equations
    rng = np.random.default_rng(2)
    xv, yv, qv = rng.standard_normal(2), rng.standard_normal(3), rng.standard_normal(3)
    q = bl.reformulate("implicit").symbols["q"][y]
    i = sy.Symbol("_i0", integer=True)
    subs = {**{x[a]: xv[a] for a in range(2)}, **{y[a]: yv[a] for a in range(3)},
            **{q[a]: qv[a] for a in range(3)}}

    def unroll(e):      # Sum -> explicit terms (SymPy's doit would re-create the arrays)
        if isinstance(e, sy.Sum):
            (k, lo, hi), = e.limits
            return sy.Add(*[unroll(e.function.xreplace({k: v})) for v in range(lo, hi + 1)])
        return e.func(*[unroll(a) for a in e.args]) if e.args and not e.is_Atom and \
            not isinstance(e, sy.Indexed) else e

    def dense(pieces, n):
        out = np.zeros(n)
        for p in pieces:
            for e in range(int(np.prod(p.shape)) if p.shape else 1):
                elem = p.elem.subs(i, e) if p.shape else p.elem
                out[p.start[0] + e] += float(unroll(elem).xreplace(subs))
        return out

    k = bl.compile(backend="numpy").kernels()
    hx, hy = k.lower_hvp(xv, yv, np.zeros(0), np.zeros(2), qv)
    np.testing.assert_allclose(dense(eq["hessian_times_adjoint"]["y"], 3), hy, rtol=1e-10)
    np.testing.assert_allclose(dense(eq["mixed_times_adjoint"]["x"], 2), hx, rtol=1e-10)
    with pytest.raises(NotImplementedError, match="unconstrained lower level"):
        _, _, toy = _toy()
        sy.Bilevel(upper=toy.upper, lower=sy.Problem(
            minimize=toy.f, subject_to=[toy.y[0] >= 0], over=toy.y)).reformulate("implicit")


# -- convexity, decided symbolically -------------------------------------------------------------
def test_convexity_quadratic_and_composition_rules():
    x, y, z = sy.Variable("x"), sy.Variable("y"), sy.Variable("z")
    u = sy.Variable("u", lower=0)
    quad = sy.Problem(minimize=(y - x) ** 2 + y * z + z ** 2, over=[y, z])
    report = problem_convexity(quad, [y, z])
    assert report.convex is True and "positive semidefinite" in report.reason
    indefinite = sy.Problem(minimize=y ** 2 + 3 * y * z + z ** 2, over=[y, z])
    report = problem_convexity(indefinite, [y, z])
    assert report.convex is False and "negative eigenvalue" in report.reason
    assert curvature(sy.log(1 + sy.exp(-x * y)) + u * sy.exp(y) + sy.Abs(y - 1), {y}) == "convex"
    assert curvature(sy.sqrt(y), {y}) == "unknown"              # sqrt needs y >= 0
    assert curvature(sy.sqrt(u), {u}) == "concave"
    report = problem_convexity(sy.Problem(minimize=x * y ** 2, over=y), [y])
    assert report.convex is None and "x*y**2" in report.reason  # the sign of x is unknown
    report = problem_convexity(sy.Problem(minimize=u * y ** 2, over=y), [y])
    assert report.convex is True                                 # u >= 0 by its bound
    w = sy.Variable("w", shape=3)
    A = sy.Parameter("A", shape=(5, 3))
    bad = sy.Problem(minimize=sy.sum(w ** 2), subject_to={"ring": sy.sum(w ** 2) >= 1}, over=w)
    report = problem_convexity(bad, [w])
    assert report.convex is None and "'ring'" in report.reason
    good = sy.Problem(minimize=sy.sum((A @ w) ** 2), subject_to={"ball": sy.sum(w ** 2) <= 1},
                      over=w)
    assert problem_convexity(good, [w]).convex is True


@pytest.mark.parametrize("name", ["symbolic.bilevel", "symbolic.convexity", "codegen.bilevel"])
def test_docstring_examples(name):
    failures, _ = doctest.testmod(importlib.import_module(name),
                                  optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
