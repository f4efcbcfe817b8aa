"""Factored and Horner candidates after the e-graph: cheaper after CSE, same values."""
import doctest
import importlib

import numpy as np
import sympy as sp

from symbolic.simplify import simplify_exprs
from symbolic.simplify import alternatives
from symbolic.simplify.alternatives import cheapest_form, emitted_cost, horner_form

x, y, z, w = sp.symbols("x y z w", real=True)


def _values(exprs, points):
    f = sp.lambdify((x, y, z, w), exprs, "numpy")
    return np.array(f(*points), dtype=float)


def test_horner_form_is_the_same_polynomial_and_cheaper():
    p = 3 * x**4 + 2 * x**3 * y + x**2 * y**2 - 5 * x * y + y**3 + 7
    h = horner_form(p)
    assert sp.expand(h - p) == 0
    assert emitted_cost([h]) < emitted_cost([p])
    a = sp.IndexedBase("a")
    i = sp.Symbol("i", integer=True)
    q = a[i] ** 3 + 2 * a[i] ** 2 * a[i + 1] + a[i] * a[i + 1]
    hq = horner_form(q)
    assert sp.expand(hq - q) == 0 and emitted_cost([hq]) < emitted_cost([q])
    assert horner_form(sp.sin(x) + x**2) == sp.sin(x) + x**2        # not a polynomial


def test_cheapest_form_never_dearer_and_equal_in_value():
    rng = np.random.default_rng(1)
    points = rng.uniform(0.5, 2.0, (4, 50))
    exprs = [x * y * z * sp.tan(w) + x * y * sp.tan(w) / (z - sp.tan(w)),
             sp.expand((x + y) ** 3 * z), 2 * x - 20, (x - 10) ** 2 + y]
    out, cost = cheapest_form(exprs, exprs)
    assert cost == emitted_cost(out) <= emitted_cost(exprs)
    assert cost < emitted_cost(exprs)                    # the Horner and factored forms win here
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
                 "symbolic.simplify.reciprocals", "symbolic.simplify.cost",
                 "symbolic.simplify.canonical", "symbolic.simplify.memo"):
        result = doctest.testmod(importlib.import_module(name),
                                 optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0, name
