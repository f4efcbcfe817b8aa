"""The cost-driven simplifier: cost model, canonical rules, e-graph stage, budgets, pass-through."""
import doctest
import importlib
import subprocess
import sys
import time

import mpmath
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from sympy.codegen.cfunctions import expm1, hypot, log1p

import symbolic as sy
from symbolic.simplify import Budget, SimplifyReport, simplify_cost, simplify_exprs
from symbolic.simplify import canonical, cost
from symbolic.simplify.cost import dag_cost

x, y, z = sp.symbols("x y z", real=True)
k, K, s = sp.symbols("k K s", positive=True)


@pytest.fixture(scope="module", autouse=True)
def warm_worker():
    """Start the e-graph worker once, so timings below measure simplification, not start-up."""
    simplify_cost(x * y + x * z)


def values_agree(a, b, points, tol=1e-9):
    """Whether ``a`` and ``b`` agree at each point where both are real and finite and ``a`` is
    well-conditioned (its values at 30 and 60 digits agree: ``x*(1 - E) + x*E`` with a huge
    ``E`` loses all 30 digits to cancellation, while its simplified form ``x`` loses none)."""
    fa, fb = (sp.lambdify([x, y], e, modules="mpmath") for e in (a, b))

    def value(f, px, py, dps):
        with mpmath.workdps(dps):
            try:
                v = mpmath.mpmathify(f(mpmath.mpf(px), mpmath.mpf(py)))
            except (ZeroDivisionError, ValueError, OverflowError):
                return None
            return v if isinstance(v, mpmath.mpf) and mpmath.isfinite(v) else None

    for px, py in points:
        va, va_fine, vb = (value(fa, px, py, 30), value(fa, px, py, 60),
                           value(fb, px, py, 60))
        if va is None or va_fine is None or vb is None:
            continue
        if abs(va - va_fine) > tol * max(1, abs(va_fine)):
            continue
        if abs(va_fine - vb) > tol * max(1, abs(va_fine), abs(vb)):
            return False
    return True


POINTS = [(0.7, -1.3), (2.1, 0.4), (-0.35, 1.9), (1.3, 2.7), (-2.2, -0.6)]


# -- cost model -----------------------------------------------------------------------------------
def test_cost_table_prices_operations_in_cycles():
    assert cost.int_pow_muls(2) == 1 and cost.int_pow_muls(3) == 2 and cost.int_pow_muls(8) == 3
    assert dag_cost(x + y) == 1 and dag_cost(x * y) == 3 and dag_cost(x / y) == 24
    assert dag_cost(x**3) == 6 and dag_cost(1 / x) == 24 and dag_cost(x**-2) == 27
    assert dag_cost(sp.sqrt(x)) == 20 and dag_cost(x**y) == 100
    assert dag_cost(sp.exp(x)) == 20 and dag_cost(sp.log(x)) == 25 and dag_cost(sp.sin(x)) == 130
    assert dag_cost(sp.Function("f")(x)) == cost.DEFAULT_FUNCTION


def test_dag_cost_pays_shared_subexpressions_once():
    assert dag_cost(sp.sin(x) * y + sp.sin(x)) == 130 + 3 + 1
    assert dag_cost([sp.exp(x) * y, sp.exp(x) * z]) == 20 + 3 + 3
    assert dag_cost([x * y, -x * y]) == 3 + 1          # CSE shares a product with its negation


def test_loads_constants_and_sums_are_priced_as_described():
    a, i = sp.IndexedBase("a"), sp.Symbol("i", integer=True)
    assert dag_cost(a[i + 1]) == 0
    assert dag_cost(sp.sqrt(2) * x) == 3
    assert dag_cost(sp.Sum(a[i] ** 2, (i, 0, 9))) == 3 + 1


# -- canonical rules ------------------------------------------------------------------------------
@pytest.mark.parametrize("before, after", [
    (sp.exp(x) * sp.exp(y), sp.exp(x + y)),
    (sp.log(sp.exp(x + y)), x + y),
    (sp.log(1 + x), log1p(x)),
    (x ** 2.0, x ** 2),
    (x ** 0.5, sp.sqrt(x)),
    (3 * y * sp.sin(x) ** 2 + 3 * y * sp.cos(x) ** 2, 3 * y),
    (sp.cosh(x) ** 2 - sp.sinh(x) ** 2, 1),
])
def test_canonical_rules(before, after):
    assert canonical.canonicalize(before) == after


@pytest.mark.parametrize("name", ["symbolic.simplify.cost", "symbolic.simplify.canonical",
                                  "symbolic.simplify", "symbolic.check",
                                  "symbolic.simplify.memo", "symbolic.simplify.reciprocals",
                                  "symbolic.problem_checks"])
def test_module_docstring_examples_run(name):
    module = importlib.import_module(name)   # by name: `symbolic.check` is also a function
    assert doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


# -- the e-graph stage ----------------------------------------------------------------------------
def test_issue_example():
    e = sy.sin(x) ** 2 + sy.cos(x) ** 2 + x * y + x * (1 - y)
    expr, report = sy.simplify_cost(e)
    assert expr == 1 + x
    assert isinstance(report, SimplifyReport)
    assert report.cost_before == 276 and report.cost_after == 1 and report.time > 0
    assert "cycles" in str(report)


@pytest.mark.parametrize("before, expected", [
    (x * y + x * z, x * (y + z)),
    (sp.exp(x) - 1, expm1(x)),
    (sp.sqrt(x ** 2 + y ** 2), hypot(x, y)),
    (sp.sin(x) / sp.cos(x), sp.tan(x)),
    (sp.exp(x) / sp.exp(y), sp.exp(x - y)),
    (sp.diff(k * s / (K + s), s), k * K / (K + s) ** 2),        # the quotient rule's output
])
def test_known_identities_are_found(before, expected):
    result = simplify_cost(before).expr
    assert sp.simplify(result - expected) == 0
    assert dag_cost(result) <= dag_cost(expected)


def test_several_expressions_are_simplified_together():
    exprs = [x * y + x * z, sp.sin(x * y + x * z) * z]
    expr, report = simplify_cost(exprs)
    assert expr == [x * (y + z), z * sp.sin(x * (y + z))]
    assert (report.cost_before, report.cost_after) == (1 + 3 + 3 + 130 + 3, 1 + 3 + 130 + 3)


def test_an_expression_sharing_work_is_not_undone():
    jac = [sp.diff(k * s / (K + s), v) for v in (k, K, s)]       # the last reuses k*s/(K+s)**2
    expr, report = simplify_cost(jac)
    assert report.cost_after == dag_cost(jac) == dag_cost(expr)


def _trees():
    leaves = st.sampled_from([x, y, sp.Integer(2), sp.Integer(-1), sp.Rational(1, 2), 1 + x])
    unary = st.sampled_from([sp.sin, sp.cos, sp.exp, sp.log, sp.sqrt, sp.tanh, sp.atan,
                             lambda a: a ** 2, lambda a: a ** -1, lambda a: sp.log(1 + a),
                             lambda a: sp.sin(a) ** 2 + sp.cos(a) ** 2])
    binary = st.sampled_from([sp.Add, sp.Mul, lambda a, b: a - b, lambda a, b: a / b,
                              lambda a, b: a * b + a * (1 - b), lambda a, b: sp.exp(a) * sp.exp(b)])

    def extend(children):
        return st.one_of(st.builds(lambda f, a: f(a), unary, children),
                         st.builds(lambda f, a, b: f(a, b), binary, children, children))

    return st.recursive(leaves, extend, max_leaves=8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees())
def test_simplified_equals_original_and_costs_no_more(e):
    assume(not e.has(sp.zoo, sp.nan, sp.oo, -sp.oo))
    expr, report = simplify_cost(e, budget=Budget(time_limit=1.0, iter_limit=5))
    assert dag_cost(expr) <= dag_cost(e)
    assert report.cost_after == dag_cost(expr) and report.cost_before == dag_cost(e)
    assert values_agree(e, expr, POINTS)


def test_fp_strict_leaves_reassociation_and_distribution_out():
    assert simplify_cost(x * y + x * z, fp_strict=True).expr == x * y + x * z
    assert simplify_cost((x + y) / z + x / z, fp_strict=True).report.cost_after == \
        dag_cost((x + y) / z + x / z)
    assert simplify_cost(sp.sin(x) ** 2 + sp.cos(x) ** 2 + x, fp_strict=True).expr == x + 1


# -- budgets --------------------------------------------------------------------------------------
def test_budget_exhaustion_returns_promptly_with_a_correct_result():
    e = sp.expand((x + y + z + 1) ** 8) * sp.exp(x) + sp.expand((x - y + 2 * z) ** 6)
    for limit in (0.05, 0.5):
        simplify_cost(x * y + x * z)      # a killed worker restarts here, outside the timing
        start = time.perf_counter()
        expr, report = simplify_cost(e, budget=Budget(time_limit=limit))
        assert time.perf_counter() - start < limit + 1.0
        assert report.cost_after <= report.cost_before
        assert values_agree(e.subs(z, sp.Rational(1, 3)), expr.subs(z, sp.Rational(1, 3)),
                            POINTS, tol=1e-9)
    assert report.budget_exhausted or report.stopped_by == "saturated"


def test_hard_time_limit_kills_the_worker_and_the_next_call_works():
    e = sp.expand((x + y + z + 1) ** 6)
    expr, report = simplify_cost(e, budget=Budget(time_limit=0.01))
    assert report.stopped_by == "time" and report.budget_exhausted
    assert sp.expand(expr - e) == 0
    assert simplify_cost(x * y + x * z).expr == x * (y + z)


def test_the_worker_runs_while_the_caller_works_and_its_timeout_counts_from_the_start():
    from symbolic.simplify import worker
    start = time.perf_counter()
    pending = worker.submit("time:sleep", 0.5, timeout=5.0)
    time.sleep(0.4)                                  # the caller's own work, meanwhile
    assert pending.result() is None
    assert time.perf_counter() - start < 0.85        # overlapped, not 0.9 s one after the other
    late = worker.submit("time:sleep", 0.5, timeout=0.3)
    time.sleep(0.4)
    assert late.result() is worker.TIMED_OUT         # 0.3 s from the start had passed
    assert worker.call("math:factorial", 5, timeout=60.0) == 120      # a fresh worker


def test_bad_budget_and_bad_input_are_clear_errors():
    with pytest.raises(ValueError, match="time_limit"):
        Budget(time_limit=0)
    with pytest.raises(ValueError, match="node_limit"):
        Budget(node_limit=-1)
    with pytest.raises(TypeError, match="SymPy expressions"):
        simplify_cost(object())


# -- pass-through of structure ------------------------------------------------------------------
def test_unknown_functions_pass_through():
    f = sp.Function("f")
    e = f(x * y + x * (1 - y)) + sp.besselj(0, x) + sp.besselj(0, x * y + x * (1 - y))
    expr = simplify_cost(e).expr
    assert expr == f(x) + 2 * sp.besselj(0, x)


def test_indexed_loads_and_sums_pass_through_for_kernels():
    a, xb = sp.IndexedBase("a"), sp.IndexedBase("x")
    i, j = sp.symbols("i j", integer=True)
    body = [sp.exp(xb[i + 1]) * sp.exp(-xb[i]) + sp.sin(xb[i]) ** 2 + sp.cos(xb[i]) ** 2,
            sp.Sum(a[j] * sp.log(sp.exp(xb[j])) + 2 * a[j] * xb[j], (j, 0, 9))]
    start = time.perf_counter()
    out = simplify_exprs(body, time_limit=1.5)
    assert time.perf_counter() - start < 2.0
    assert out[0] == sp.exp(xb[i + 1] - xb[i]) + 1
    assert isinstance(out[1], sp.Sum) and out[1].limits == body[1].limits
    assert sp.expand(out[1].function - 3 * a[j] * xb[j]) == 0


def test_element_templates_keep_their_shape():
    v = sy.Variable("v", shape=5)
    template = v[1:] * v[:-1] + v[1:] * (1 - v[:-1])
    assert isinstance(template, sy.ArrayExpr)
    out = simplify_cost(template).expr
    assert isinstance(out, sy.ArrayExpr) and out.shape == (4,)
    assert out.elem == v[1:].elem


def test_egglog_stays_out_of_the_calling_process():
    code = ("import sys, symbolic as sy; x = sy.Symbol('x', real=True); "
            "sy.simplify_cost(x*x + x); print('egglog' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_complex_valued_input_is_left_alone():
    """The rules hold for real values only: abs(z)**2 * z is not z**3 for complex z."""
    zc = sp.Symbol("zc", complex=True)
    for e in (sp.Abs(zc) ** 2 * zc + zc * y + zc * (1 - y), sp.Abs(x) * sp.I + x * y + x * z):
        expr, report = simplify_cost(e)
        assert expr == e and report.stopped_by == "skipped"
    assert simplify_exprs([sp.Abs(x) ** 2 * x + x * y + x * z]) == [x * (x ** 2 + y + z)]
