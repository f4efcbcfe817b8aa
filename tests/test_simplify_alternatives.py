"""Factored candidates after the e-graph and the second CSE over the emitted statements:
cheaper after CSE, same values."""
import doctest
import importlib

import numpy as np
import sympy as sp
from hypothesis import HealthCheck, given, settings, strategies as st

from symbolic.simplify import simplify_exprs
from symbolic.simplify import alternatives
from symbolic.simplify.alternatives import cheapest_form, emitted_cost
from symbolic.simplify.cost import dag_cost, loop_cost, tree_cost
from symbolic.simplify.factoring import greedy_factor
from symbolic.simplify.statements import cse_statements, hoist_invariant_factors

x, y, z, w = sp.symbols("x y z w", real=True)


def _values(exprs, points):
    f = sp.lambdify((x, y, z, w), exprs, "numpy")
    return np.array(f(*points), dtype=float)


def test_greedy_factoring_is_a_horner_scheme_that_pulls_out_reciprocals():
    p = 3 * x**4 + 2 * x**3 * y + x**2 * y**2 - 5 * x * y + y**3 + 7
    h = greedy_factor(p)
    assert sp.expand(h - p) == 0
    assert emitted_cost([h]) < emitted_cost([p])
    a = sp.IndexedBase("a")
    i = sp.Symbol("i", integer=True)
    q = a[i] ** 3 + 2 * a[i] ** 2 * a[i + 1] + a[i] * a[i + 1]
    hq = greedy_factor(q)
    assert sp.expand(hq - q) == 0 and emitted_cost([hq]) < emitted_cost([q])
    # two divisions by d become one; a common factor of part of a sum comes out
    quotients = x / z**2 + y / z + w
    assert greedy_factor(quotients) == w + (x / z + y) / z
    assert dag_cost(greedy_factor(quotients)) < dag_cost(quotients)
    assert greedy_factor(x * y * z + x * y * w + x + 2) == x * (y * (z + w) + 1) + 2
    # a rational content that then leaves two coefficients at 1 comes out with the factor
    assert greedy_factor(6 * x * y + 6 * x * z + 3 * w) == 6 * x * (y + z) + 3 * w
    assert greedy_factor(sp.sin(x) + x**2) == sp.sin(x) + x**2        # nothing shared
    # a function factor comes out whole (dividing would give exp(u)*exp(-v) factors again)
    u, v = x * y - 2 * z, -x * y + 2 * z
    e = (x - 1) * sp.exp(u) * sp.exp(v + w) + y * sp.exp(u) * sp.exp(v + w) + z * sp.exp(u)
    g = greedy_factor(e)
    assert abs(sp.N((g - e).xreplace(POINT), 30)) < 1e-25 and tree_cost(g) < tree_cost(e)


def _sums():
    """Lists of sums of products of powers (negative ones too) with rational coefficients."""
    factor = st.sampled_from([x, y, z, x + 1, y - z, x**2, y**-1, (z + 2)**-2, x * y, w**3])
    coefficient = st.sampled_from([1, -1, 2, 6, -12, sp.Rational(1, 2), sp.Rational(-3, 4)])
    term = st.builds(lambda c, fs: c * sp.Mul(*fs), coefficient,
                     st.lists(factor, min_size=1, max_size=3))
    total = st.builds(lambda ts: sp.Add(*ts), st.lists(term, min_size=1, max_size=6))
    return st.lists(total, min_size=1, max_size=4)


POINT = {x: sp.Rational(3, 7), y: sp.Rational(-5, 4), z: sp.Rational(2, 9), w: sp.Rational(7, 3)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_sums())
def test_greedy_factoring_keeps_values_exactly_and_saves_operations(exprs):
    for e in exprs:
        g = greedy_factor(e)
        assert g.xreplace(POINT) == e.xreplace(POINT)        # exact, over the rationals
        assert tree_cost(g) <= tree_cost(e)
    out, cost = cheapest_form(exprs, exprs)                  # as code generation uses it
    assert cost == emitted_cost(out) <= emitted_cost(exprs)
    assert [e.xreplace(POINT) for e in out] == [e.xreplace(POINT) for e in exprs]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_sums())
def test_second_cse_keeps_values_exactly_and_never_costs_more(exprs):
    names = sp.numbered_symbols("_c")
    temps, reduced = sp.cse(exprs, symbols=names, order="none")
    out, again = cse_statements(temps, reduced, names)
    assert dag_cost([e for _, e in out] + again) <= dag_cost([e for _, e in temps] + reduced)
    env = dict(POINT)
    for s, e in out:                     # each temporary is defined before it is used
        assert e.free_symbols <= set(env) | {x, y, z, w}
        env[s] = e.xreplace(env)
    assert [e.xreplace(env) for e in again] == [e.xreplace(POINT) for e in exprs]


def test_second_cse_shares_partial_sums_and_products_of_the_statements():
    """Statements as CSE left them for HS071's gradient and HVP: ``t + z`` and ``y + z`` are
    shared partial sums, ``12*w`` a shared partial product."""
    t = sp.Symbol("t")
    temps = [(t, x + y)]
    reduced = [(t + z) * x, t + x + z, (2 * w + y + z) * x, (y + z) * w, 12 * w * x, -12 * w * y]
    out, again = cse_statements(temps, reduced, sp.numbered_symbols("_c"))
    assert dag_cost([e for _, e in out] + again) < dag_cost([x + y] + reduced)
    env = {}
    for s, e in out:
        env[s] = e.xreplace(env)
    assert [sp.expand(e.xreplace(env) - r.xreplace({t: x + y})) for e, r in zip(again, reduced)] \
        == [0] * len(reduced)


def test_invariant_factors_of_products_in_a_loop_are_gathered_for_hoisting():
    a, i, s = sp.IndexedBase("a"), sp.Symbol("i", integer=True), sp.Symbol("s")
    values = [s * sp.exp(z) * (a[i + 1] - a[i]) / 16, -3 * s * sp.exp(z) * a[i] * a[i + 1], x * y]
    temps, out = hoist_invariant_factors([], values, [i], sp.numbered_symbols("_h"))
    assert loop_cost(temps, out, [i]) < loop_cost([], values, [i])
    assert len(temps) == 2                   # s*exp(z)/16 and 3*s*exp(z); x*y stays as it is
    env = {}
    for name, value in temps:
        assert not value.has(i)              # code generation can hoist it
        env[name] = value
    assert [sp.expand(v.xreplace(env) - w) for v, w in zip(out, values)] == [0, 0, 0]


def test_cheapest_form_never_dearer_and_equal_in_value():
    rng = np.random.default_rng(1)
    points = rng.uniform(0.5, 2.0, (4, 50))
    exprs = [x * y * z * sp.tan(w) + x * y * sp.tan(w) / (z - sp.tan(w)),
             sp.expand((x + y) ** 3 * z), 2 * x - 20, (x - 10) ** 2 + y]
    out, cost = cheapest_form(exprs, exprs)
    assert cost == emitted_cost(out) <= emitted_cost(exprs)
    assert cost < emitted_cost(exprs)                    # the factored forms win here
    assert np.allclose(_values(out, points), _values(exprs, points), rtol=1e-12, atol=0)


def test_codegen_simplification_uses_the_candidates_only_without_fp_strict():
    exprs = [x * y * z + x * y * w + z]
    relaxed = simplify_exprs(exprs, time_limit=1.0)
    strict = simplify_exprs(exprs, fp_strict=True, time_limit=1.0)
    assert emitted_cost(relaxed) < emitted_cost(exprs)
    assert emitted_cost(strict) == emitted_cost(exprs)   # no reassociation or factoring
    assert sp.expand(relaxed[0] - exprs[0]) == 0


def test_large_inputs_are_left_to_the_egraph(monkeypatch):
    exprs = [sp.expand((x + y) ** 3 * z)]
    monkeypatch.setattr(alternatives, "MAX_OPS", 3)
    alternatives._cheapest_form.cache_clear()
    out, cost = cheapest_form(exprs, exprs)
    assert out == exprs and cost == emitted_cost(exprs)


def test_docstring_examples_of_the_simplifier():
    for name in ("symbolic.simplify", "symbolic.simplify.alternatives",
                 "symbolic.simplify.factoring", "symbolic.simplify.statements",
                 "symbolic.simplify.reciprocals", "symbolic.simplify.cost",
                 "symbolic.simplify.canonical", "symbolic.simplify.memo"):
        result = doctest.testmod(importlib.import_module(name),
                                 optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0, name
