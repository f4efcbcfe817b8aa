"""Bilevel problems with known solutions, solved by every applicable method; bad input.

Exact methods (kkt, implicit) must reach the known upper objective within 1e-6 relative,
first-order methods (value-penalty, lv-hba) within 1e-3.
"""
import os
import runpy
import warnings

import numpy as np
import pytest

import symbolic as sy

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples", "bilevel")
TOLERANCE = {"auto": 1e-6, "kkt": 1e-6, "implicit": 1e-6, "value-penalty": 1e-3, "lv-hba": 1e-3}
AUTHORS_TUNED = dict(schedule="authors", c0=0.3, c_power=1.0, alpha=0.3, eta=0.3,
                     max_iter=100_000)


def _example(name):
    return runpy.run_path(os.path.join(EXAMPLES, name + ".py"))


@pytest.fixture(scope="module")
def toy():
    ex = _example("toy_closed_form")
    return ex, ex["bilevel"].compile(backend="numpy"), ex["known_answer"]()


def _check(res, known, method):
    assert res.status == "optimal", res.message
    err = abs(res.upper_objective - known) / abs(known)
    assert err <= TOLERANCE[method], f"{method}: relative error {err:.2e}"


@pytest.mark.parametrize("method", ["auto", "kkt", "value-penalty", "implicit"])
def test_toy_closed_form(toy, method):
    ex, solver, known = toy
    res = solver.solve(x0=ex["x0"], y0=ex["y0"], params=ex["params"], method=method)
    _check(res, known["upper_objective"], method)
    assert res.method == ("kkt" if method == "auto" else method)
    np.testing.assert_allclose(res.x, known["x"], atol=1e-6 if method != "value-penalty" else 1e-3)
    assert set(res.y) == {"w", "y"}                   # two lower-level variables, by name
    assert abs(res.lower_gap) < 1e-8 and sum(res.kernel_evaluations.values()) > 0


def test_toy_lv_hba(toy):
    ex, solver, known = toy
    res = solver.solve(x0=ex["x0"], y0=ex["y0"], params=ex["params"], method="lv-hba")
    _check(res, known["upper_objective"], "lv-hba")
    np.testing.assert_allclose(res.x, known["x"], atol=1e-3)
    assert res.iterations < 100 and res.history[-1]["c"] >= 1e3     # penalty raised in stages


@pytest.mark.slow
def test_toy_lv_hba_authors_schedule(toy):
    ex, _, known = toy
    solver = ex["bilevel"].compile(backend="numba")
    res = solver.solve(x0=ex["x0"], y0=ex["y0"], params=ex["params"], method="lv-hba",
                       **AUTHORS_TUNED)
    _check(res, known["upper_objective"], "lv-hba")
    assert res.history and res.history[-1]["iter"] <= res.iterations


def test_lv_hba_cut_short_is_not_called_optimal(toy):
    ex, solver, known = toy
    for options in (dict(max_iter=2), {**AUTHORS_TUNED, "max_iter": 1500}):
        res = solver.solve(x0=ex["x0"], y0=ex["y0"], params=ex["params"], method="lv-hba",
                           **options)
        assert res.status == "max_iter"
        assert abs(res.upper_objective - known["upper_objective"]) > \
            1e-3 * known["upper_objective"]
    with pytest.raises(ValueError, match="schedule='fast'.*'adaptive', 'authors'"):
        solver.solve(x0=ex["x0"], y0=ex["y0"], params=ex["params"], method="lv-hba",
                     schedule="fast")
    with pytest.raises(ValueError, match="alpha, eta belong to schedule='authors'"):
        solver.solve(x0=ex["x0"], y0=ex["y0"], params=ex["params"], method="lv-hba",
                     alpha=0.3, eta=0.3)


def test_auto_says_why(toy):
    ex, solver, _ = toy
    res = solver.solve(x0=ex["x0"], y0=ex["y0"], params=ex["params"])
    assert res.method == "kkt" and "convex in y" in res.reason and "composition" in res.reason


@pytest.fixture(scope="module")
def kink():
    ex = _example("constrained_nonsmooth")
    return ex, ex["bilevel"].compile(backend="numpy")


@pytest.mark.parametrize("method", ["auto", "kkt"])
def test_nonsmooth_response_exact(kink, method):
    ex, solver = kink
    res = solver.solve(x0=ex["x0"], y0=ex["y0"], method=method)
    _check(res, 0.25, method)
    assert abs(res.x) < 1e-6 and abs(res.y) < 1e-6
    stages = [h for h in res.history if h["stage"] != "piece"]
    assert stages[-1]["t"] == 1e-12                        # Scholtes relaxation driven to 0
    assert res.history[-1]["stage"] == "piece" and res.history[-1]["kept"]  # then made exact


def test_nonsmooth_response_lv_hba(kink):
    ex, solver = kink
    res = solver.solve(x0=ex["x0"], y0=ex["y0"], method="lv-hba")
    _check(res, 0.25, "lv-hba")
    assert res.y + res.x >= -1e-12                  # iterates projected onto the lower constraint
    # the stopping test's bias estimate 2 c (f - v_gamma) is the F that the penalty gives away:
    # at the end of each stage (x stationary) it matches F* - F within 10%
    ends = [h for h, after in zip(res.history, res.history[1:]) if after["c"] > h["c"]]
    assert len(ends) >= 2
    for h in ends:
        assert abs((0.25 - h["upper_objective"]) - h["bias"]) <= 0.1 * h["bias"], h


@pytest.mark.slow
def test_lv_hba_stalled_stage_sharpens_inner_steps(kink):
    """z lagging behind lam (z_relax 0.2) with loose inner steps makes L-BFGS-B's line search
    fail at c = 1e4; the stage is retried with 10x more accurate inner steps, not given up."""
    ex, solver = kink
    res = solver.solve(x0=ex["x0"], y0=ex["y0"], method="lv-hba", z_relax=0.2,
                       inner_accuracy=0.3)
    _check(res, 0.25, "lv-hba")


def _shifted_kink(y_upper=None):
    """y*(x) = max(x, 1 - x) through the constraint y + x >= 1; min (x - 1/2)^2 + 2y has
    x* = y* = 1/2, F* = 1 (the multiplier prices y + x - 1, not y + x)."""
    x, y = sy.Variable("x", lower=-2, upper=2), sy.Variable("y", upper=y_upper)
    return sy.Bilevel(upper=sy.Problem(minimize=(x - sy.Rational(1, 2)) ** 2 + 2 * y, over=x),
                      lower=sy.Problem(minimize=(y - x) ** 2, subject_to={"cone": y + x >= 1},
                                       over=y))


@pytest.mark.parametrize("x0", [-1.5, 1.5])
def test_lv_hba_constraint_with_a_bound_moves_along_it(x0):
    """From x0 < 1/2, y stays on y = 1 - x: the x-direction needs the constraint's multiplier."""
    res = _shifted_kink().compile(backend="numpy").solve(x0=x0, y0=3.0, method="lv-hba")
    _check(res, 1.0, "lv-hba")
    assert abs(res.x - 0.5) < 1e-2 and res.x + res.y >= 1 - 1e-12


def test_lv_hba_optimum_with_zero_upper_objective():
    """F* = 0 at x = y = 1: tol |F| is measured against a floor, so "optimal" is reachable."""
    x, y = sy.Variable("x", lower=-2, upper=2), sy.Variable("y")
    bl = sy.Bilevel(upper=sy.Problem(minimize=(x - 1) ** 2 + (y - 1) ** 2, over=x),
                    lower=sy.Problem(minimize=(y - x) ** 2, over=y))
    res = bl.compile(backend="numpy").solve(x0=-1.0, y0=0.0, method="lv-hba")
    assert res.status == "optimal", res.message
    assert res.upper_objective < 1e-8 and abs(res.x - 1) < 1e-3 and abs(res.y - 1) < 1e-3


def test_lv_hba_lower_level_infeasible_for_some_x_is_named():
    """y + x >= 1 and y <= -1 leave a feasible y only at x = 2: LV-HBA's x-steps say so."""
    res = _shifted_kink(y_upper=-1).compile(backend="numpy").solve(x0=1.0, y0=-1.0,
                                                                   method="lv-hba")
    assert res.status == "infeasible"
    assert "admit no y at x = " in res.message and "method='kkt'" in res.message


def test_methods_that_cannot_handle_the_problem_say_which_can(kink):
    ex, solver = kink
    with pytest.raises(ValueError, match="cone.*handles bounds of y only.*'lv-hba' or 'kkt'"):
        solver.solve(x0=ex["x0"], y0=ex["y0"], method="value-penalty")
    with pytest.raises(ValueError, match="unconstrained lower level.*'kkt' or 'lv-hba'"):
        solver.solve(x0=ex["x0"], y0=ex["y0"], method="implicit")
    with pytest.raises(ValueError, match="method='newton'.*expected one of"):
        solver.solve(method="newton")


def _bounded_kink():
    """y*(x) = max(x, 0) through a bound on y; min (x - 1/2)^2 + 2y has x* = y* = 0, F* = 1/4."""
    x, y = sy.Variable("x", lower=-2, upper=2), sy.Variable("y", lower=0)
    return sy.Bilevel(upper=sy.Problem(minimize=(x - sy.Rational(1, 2)) ** 2 + 2 * y, over=x),
                      lower=sy.Problem(minimize=(y - x) ** 2, over=y))


@pytest.mark.parametrize("method", ["kkt", "value-penalty"])
def test_bounded_lower_level(method):
    res = _bounded_kink().compile(backend="numpy").solve(x0=1.0, y0=1.0, method=method)
    _check(res, 0.25, method)


def test_upper_constraint_on_lower_variables_needs_kkt():
    x, y = sy.Variable("x"), sy.Variable("y")
    bl = sy.Bilevel(upper=sy.Problem(minimize=(x - 1) ** 2 + (y - 2) ** 2,
                                     subject_to={"cap": y <= 1.2}, over=x),
                    lower=sy.Problem(minimize=(y - x) ** 2, over=y))
    solver = bl.compile(backend="numpy")
    for method in ("lv-hba", "value-penalty", "implicit"):
        with pytest.raises(ValueError, match="'?cap'?.*mention the lower-level.*method='kkt'"):
            solver.solve(x0=0, y0=0, method=method)
    res = solver.solve(x0=0, y0=0)                  # x = y = 1.2: F = 0.04 + 0.64
    _check(res, 0.68, "kkt")
    assert res.upper_violation <= 1e-8


def test_lower_level_unbounded_for_some_x():
    x, y = sy.Variable("x", lower=-1, upper=1), sy.Variable("y")
    bl = sy.Bilevel(upper=sy.Problem(minimize=(x - 1) ** 2 + y ** 2, over=x),
                    lower=sy.Problem(minimize=x * y ** 2 / 2 - y, over=y))
    assert bl.lower_convexity().convex is None       # the sign of x decides
    solver = bl.compile(backend="numpy")
    res = solver.solve(x0=-0.5, y0=0.0)
    assert res.method == "value-penalty" and "not known to be convex" in res.reason
    assert res.status == "lower_unbounded"
    assert "unbounded below in y at x = [-0.5]" in res.message
    with pytest.warns(RuntimeWarning, match="not known to be convex"):
        res = solver.solve(x0=-0.5, y0=0.0, method="lv-hba")   # inner steps diverge: diagnosed
    assert res.status == "lower_unbounded"
    assert "LV-HBA's lower-level iterate diverged" in res.message and "x = [-0.5]" in res.message


def _double_well():
    """min (x-1)^2 + (y-1)^2 + 1, y in argmin (y^2 - x)^2: y = +-sqrt(x); optimistic F* = 1."""
    x, y = sy.Variable("x", lower=0.5, upper=2), sy.Variable("y")
    return sy.Bilevel(upper=sy.Problem(minimize=(x - 1) ** 2 + (y - 1) ** 2 + 1, over=x),
                      lower=sy.Problem(minimize=(y ** 2 - x) ** 2, over=y))


def test_nonconvex_lower_level_auto_uses_first_order_and_kkt_warns():
    solver = _double_well().compile(backend="numpy")
    res = solver.solve(x0=1.5, y0=1.0)
    assert res.method == "value-penalty"
    _check(res, 1.0, "value-penalty")
    with pytest.warns(RuntimeWarning, match="KKT points of the lower level may not be"):
        solver.solve(x0=1.5, y0=0.0, method="kkt")
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # a convex lower level: no warning
        _bounded_kink().compile(backend="numpy").solve(x0=1.0, y0=1.0, method="kkt")


def test_lv_hba_warns_on_a_lower_level_not_known_to_be_convex():
    """On the double well LV-HBA's y may follow y = -sqrt(x) (F = 4.16, not the optimistic 1)."""
    solver = _double_well().compile(backend="numpy")
    with pytest.warns(RuntimeWarning, match="'lv-hba'.*not known to be convex.*worse branch"):
        solver.solve(x0=1.5, y0=1.0, method="lv-hba", max_iter=1)


def test_unknown_option_is_named(toy):
    ex, solver, _ = toy
    with pytest.raises(ValueError, match="'sigma'.*'kkt'"):
        solver.solve(x0=ex["x0"], y0=ex["y0"], params=ex["params"], method="kkt", sigma=1.0)


def _solve_example(name, methods, backend):
    ex = _example(name)
    solver = ex["bilevel"].compile(backend=backend)
    known = ex["known_answer"]()
    for method in methods:
        res = solver.solve(x0=ex["x0"], y0=ex["y0"], params=ex["params"], method=method,
                           **ex["SETTINGS"].get(method, {}))
        _check(res, known["upper_objective"], method)


@pytest.mark.parametrize("name,methods", [("ridge_hyperparameter", ["auto", "implicit", "lv-hba"]),
                                          ("hyper_cleaning", ["auto", "lv-hba"])])
def test_learning_examples(name, methods):
    _solve_example(name, methods, "numpy")


@pytest.mark.slow
@pytest.mark.parametrize("name,methods", [
    ("ridge_hyperparameter", ["value-penalty"]),
    ("hyper_cleaning", ["implicit", "value-penalty"]),
])
def test_learning_examples_first_order(name, methods):
    _solve_example(name, methods, "numba")


def test_equality_constrained_lower_level_and_maximized_upper_level():
    """y = ((1 + x)/2, (1 - x)/2) from the lower KKT system; max -(x-1)^2 - (1-3x)^2/4 at 7/13."""
    x, y = sy.Variable("x"), sy.Variable("y", shape=2)
    lower = sy.Problem(minimize=(y[0] - x) ** 2 + y[1] ** 2,
                       subject_to={"sum": sy.Eq(y[0] + y[1], 1)}, over=y)
    upper = sy.Problem(maximize=-(x - 1) ** 2 - (y[0] - 2 * x) ** 2, over=x)
    res = sy.Bilevel(upper=upper, lower=lower).compile(backend="numpy").solve(x0=0, y0=0)
    _check(res, -4 / 13, "kkt")
    assert abs(res.x - 7 / 13) < 1e-8
    np.testing.assert_allclose(res.y, [10 / 13, 3 / 13], atol=1e-8)
    assert abs(res.multipliers["sum"] + 2 * 3 / 13) < 1e-8        # 2 y1 + lambda = 0


def _shimizu_aiyoshi():
    """Shimizu & Aiyoshi (1981), example 1 (BOLIB's ShimizuAiyoshi1981Ex1): min x^2 + (y-10)^2
    s.t. y <= x, 0 <= x <= 15; y in argmin (x + 2y - 30)^2 s.t. x + y <= 20, 0 <= y <= 20.
    y*(x) = 15 - x/2 for x <= 10, else 20 - x; with y <= x the optimum is (10, 10), F* = 100,
    where x + y <= 20 is active with a zero multiplier (a biactive pair)."""
    x = sy.Variable("x", lower=0, upper=15)
    y = sy.Variable("y", lower=0, upper=20)
    lower = sy.Problem(minimize=(x + 2 * y - 30) ** 2, subject_to={"cap": x + y <= 20}, over=y)
    upper = sy.Problem(minimize=x ** 2 + (y - 10) ** 2, subject_to={"y_le_x": y - x <= 0},
                       over=x)
    return sy.Bilevel(upper=upper, lower=lower), (10.0, 10.0, 100.0)


def _bard():
    """Bard (1988): min (x-5)^2 + (2y+1)^2, x >= 0; y in argmin (y-1)^2 - 1.5 x y s.t.
    -3x + y <= -3, x - y/2 <= 4, x + y <= 7, y >= 0. The lower level is feasible only for
    1 <= x <= 5, where y*(x) = min(3x - 3, 1 + 3x/4, 7 - x); F increases from x = 1:
    (x, y) = (1, 0), F* = 17 (there y's feasible set is the single point 0)."""
    x = sy.Variable("x", lower=0)
    y = sy.Variable("y", lower=0)
    lower = sy.Problem(minimize=(y - 1) ** 2 - sy.Rational(3, 2) * x * y,
                       subject_to={"a": -3 * x + y <= -3, "b": x - y / 2 <= 4, "c": x + y <= 7},
                       over=y)
    upper = sy.Problem(minimize=(x - 5) ** 2 + (2 * y + 1) ** 2, over=x)
    return sy.Bilevel(upper=upper, lower=lower), (1.0, 0.0, 17.0)


@pytest.mark.parametrize("build", [_shimizu_aiyoshi, _bard])
def test_classic_bilevel_problems_exact(build):
    """Two classic problems with coupled lower-level constraints, solved by auto (KKT) to the
    known optimum: the relaxation identifies the active constraints and the piece of the MPEC
    it ended on is solved exactly (Scholtes alone stopped 2e-5 from Shimizu-Aiyoshi's x*)."""
    bilevel, (x_star, y_star, f_star) = build()
    res = bilevel.compile(backend="numpy").solve(x0=5.0, y0=1.0, method="auto")
    assert res.status == "optimal", res.message
    assert res.method == "kkt"
    assert abs(res.upper_objective - f_star) <= 1e-9 * f_star
    assert abs(res.x - x_star) <= 1e-7 and abs(res.y - y_star) <= 1e-7


def test_box_constrained_vector_lower_level_exact():
    """y in argmin |y - x a|^2 over 0 <= y <= 1 (y*(x) = clip(x a, 0, 1)), min |y - b|^2 + x^2/10:
    at x* = 7/9 three bounds of y are active (two upper, one lower), F* = 1/12. The piece the
    relaxation ends on holds those bounds; with the relaxation alone F was 4e-8 off."""
    x = sy.Variable("x", lower=-3, upper=3)
    y = sy.Variable("y", shape=5, lower=0, upper=1)
    a, b = sy.Parameter("a", shape=5), sy.Parameter("b", shape=5)
    lower = sy.Problem(minimize=sy.sum((y - x * a) ** 2), over=y)
    upper = sy.Problem(minimize=sy.sum((y - b) ** 2) + x ** 2 / 10, over=x)
    solver = sy.Bilevel(upper=upper, lower=lower).compile(backend="numpy")
    params = {"a": np.array([0.5, 1.0, 2.0, -1.0, 3.0]), "b": np.array([0.3, 0.9, 1.0, 0.0, 1.0])}
    res = solver.solve(x0=1.0, y0=0.5, params=params, method="auto")
    assert res.status == "optimal", res.message
    assert abs(res.upper_objective - 1 / 12) <= 1e-12
    assert abs(res.x - 7 / 9) <= 1e-9
    np.testing.assert_allclose(res.y, np.clip(7 / 9 * params["a"], 0, 1), atol=1e-9)
    assert res.history[-1]["kept"] and res.history[-1]["active"] == 3
