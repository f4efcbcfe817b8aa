"""`Problem.check_gradient/_jacobian/_hvp/_kkt`: hand derivations and claimed solutions checked."""
import numpy as np
import pytest

import symbolic as sy
from hs_problems import BY_NAME
from symbolic.arrays import ELEMENT_INDEX, ArrayExpr
from symbolic.problem_checks import DerivationReport, KKTReport

I0, I1 = ELEMENT_INDEX[:2]


@pytest.fixture(scope="module")
def hs071():
    """min x1 x4 (x1 + x2 + x3) + x3, x1 x2 x3 x4 >= 25, |x|^2 = 40, 1 <= x <= 5."""
    problem = BY_NAME["hs071"].build()
    (x,) = problem.variables
    return problem, x


def hs071_gradient(x):
    return [x[3] * (2 * x[0] + x[1] + x[2]), x[0] * x[3], x[0] * x[3] + 1,
            x[0] * (x[0] + x[1] + x[2])]


def test_scalar_gradient_is_proved_and_a_wrong_one_refuted(hs071):
    problem, x = hs071
    rep = problem.check_gradient(hs071_gradient(x))
    assert isinstance(rep, DerivationReport) and rep.status == "proved" and rep.max_error < 1e-12
    wrong = hs071_gradient(x)
    wrong[2] = x[0] * x[3]                       # forgot the + 1 of d/dx3
    rep = problem.check_gradient(wrong)
    assert rep.status == "refuted" and not rep and rep.worst == "x[2]"
    assert rep.expected - rep.got == pytest.approx(1.0)
    point = np.array(rep.counterexample["x"])
    assert np.all((1 <= point) & (point <= 5))   # drawn inside the bounds
    assert "refuted" in str(rep)


def test_scalar_jacobian_and_hvp(hs071):
    problem, x = hs071
    c0 = [x[1] * x[2] * x[3], x[0] * x[2] * x[3], x[0] * x[1] * x[3], x[0] * x[1] * x[2]]
    c1 = [2 * x[k] for k in range(4)]
    assert problem.check_jacobian([c0, c1]).status in ("proved", "agrees")
    rep = problem.check_jacobian([c0, [2 * x[k] for k in (0, 1, 2, 2)]])
    assert rep.status == "refuted" and rep.worst == "d sphere / d x[3]"
    v = sy.Variable("v", shape=4)
    lam = sy.symbols("l0 l1", real=True)
    g = hs071_gradient(x)
    lagrangian_grad = [g[k] + lam[0] * c0[k] + lam[1] * c1[k] for k in range(4)]
    hvp = [sum(sy.diff(lagrangian_grad[k], x[j]) * v[j] for j in range(4)) for k in range(4)]
    mults = {"product": lam[0], "sphere": lam[1]}
    assert problem.check_hvp(hvp, direction={x: v}, multipliers=mults).status == "agrees"
    with pytest.raises(ValueError, match="uses l0, l1, which is neither"):
        problem.check_hvp(hvp, direction={x: v})      # multipliers named, but not passed
    objective_only = [h.subs({lam[0]: 0, lam[1]: 0}) for h in hvp]
    rep = problem.check_hvp(objective_only, direction={x: v}, multipliers=mults)
    assert rep.status == "refuted" and "multipliers" in rep.counterexample


def test_kkt_at_the_solution_passes_and_perturbed_points_fail(hs071):
    problem, x = hs071
    result = problem.compile(backend="numpy").solve(x0=BY_NAME["hs071"].x0)
    assert result.converged
    rep = problem.check_kkt(result.x, result.multipliers)
    assert isinstance(rep, KKTReport) and rep.passed, str(rep)
    moved = problem.check_kkt(result.x + np.array([0.0, 1e-3, 0.0, 0.0]), result.multipliers)
    assert not moved.passed and moved.primal_feasibility > 1e-4
    flipped = {k: -v for k, v in result.multipliers.items()}
    rep = problem.check_kkt(result.x, flipped)
    assert not rep.passed and rep.dual_feasibility > 0.1 and rep.worst["dual_feasibility"] == "product"
    assert "FAIL" in str(rep) and "dual_feasibility" in str(rep)


def template_problem(n=6):
    y = sy.Variable("y", shape=n)
    w = sy.Parameter("w", shape=n)
    problem = sy.Problem(minimize=sy.sum(w * y ** 2) + sy.sum(sy.exp(-y)),
                         subject_to={"cubic": y ** 3 + y <= 5, "total": sy.Eq(sy.sum(y), 2)})
    return problem, y, w


def test_template_gradient_jacobian_and_hvp():
    problem, y, w = template_problem()
    assert problem.check_gradient({y: 2 * w * y - sy.exp(-y)}).status == "agrees"
    rep = problem.check_gradient({y: 2 * w * y + sy.exp(-y)})
    assert rep.status == "refuted" and rep.worst.startswith("y[")
    n = 6
    cubic = ArrayExpr(sy.KroneckerDelta(I0, I1) * (3 * sy.Indexed(y, I0) ** 2 + 1), (n, n))
    ones = ArrayExpr(sy.Integer(1), (n,))
    assert problem.check_jacobian({"cubic": {y: cubic}, "total": {y: ones}}).status == "agrees"
    rep = problem.check_jacobian({"cubic": {y: cubic}})          # the sum's row left out
    assert rep.status == "refuted" and rep.worst.startswith("d total / d y[")
    v, lam, mu = sy.Variable("v", shape=n), sy.Parameter("lam", shape=n), sy.Symbol("mu")
    hvp = (2 * w * v + sy.exp(-y) * v + 6 * lam * y * v)
    rep = problem.check_hvp({y: hvp}, direction={y: v}, multipliers={"cubic": lam, "total": mu},
                            points=3)
    assert rep.status == "agrees" and rep.points == 3
    rep = problem.check_hvp({y: hvp - 6 * lam * y * v}, direction={y: v},
                            multipliers={"cubic": lam, "total": mu})
    assert rep.status == "refuted"


def test_template_kkt():
    problem, y, w = template_problem()
    params = {"w": np.linspace(0.5, 2.0, 6)}
    result = problem.compile(backend="numpy").solve(params=params)
    assert result.converged
    assert problem.check_kkt(result.x, result.multipliers, params=params).passed
    rep = problem.check_kkt(result.x, {"cubic": result.multipliers["cubic"], "total": 0.0},
                            params=params)
    assert not rep.passed and rep.stationarity > 1e-3 and rep.worst["stationarity"].startswith("y[")


def test_bad_input_names_the_offending_piece(hs071):
    problem, x = hs071
    with pytest.raises(ValueError, match="3 entries.*4 unknowns"):
        problem.check_gradient(hs071_gradient(x)[:3])
    q = sy.Symbol("q")
    with pytest.raises(ValueError, match="uses q, which is neither a variable nor a parameter"):
        problem.check_gradient([q] + hs071_gradient(x)[1:])
    with pytest.raises(ValueError, match="missing sphere"):
        problem.check_kkt(np.ones(4), {"product": 0.0})
    with pytest.raises(ValueError, match="direction= has no entry for x"):
        problem.check_hvp(hs071_gradient(x), direction={})
    tp, y, w = template_problem()
    with pytest.raises(ValueError, match="parameters w"):
        tp.check_kkt(np.ones(6), {"cubic": np.zeros(6), "total": 0.0})
    with pytest.raises(ValueError, match="shape"):
        tp.check_gradient({y: y[1:]})


def test_a_function_without_numeric_form_is_named(hs071):
    problem, x = hs071
    f = sy.Function("f")
    with pytest.raises(ValueError, match="functions are f"):
        problem.check_gradient([f(x[0])] + hs071_gradient(x)[1:])
