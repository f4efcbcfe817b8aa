"""`compile(simplify=...)`: simplified kernels equal unsimplified ones; results are memoized."""
import re

import numpy as np
import pytest

import symbolic as sy
from codegen.build import cache_dir
from codegen.lower import Lowerer
from symbolic.simplify import worker
from hs_problems import BY_NAME

MODES = ("egraph", "cse", None)
RTOL = 1e-12


def template_problem(n=9):
    """Array variables, shifted loads, sums, a parameter array and transcendental functions."""
    y = sy.Variable("y", shape=n)
    t = sy.Variable("t")
    w = sy.Parameter("w", shape=n)
    f = (sy.sum(100 * (y[1:] - y[:-1] ** 2) ** 2 + (1 - y[:-1]) ** 2)
         + sy.sum(w * sy.exp(y) * sy.exp(-t * y)) + sy.sum(sy.sin(y) ** 2 + sy.cos(y) ** 2 + y)
         + t ** 2 * sy.sum(y * w + y * (1 - w)))
    cons = [sy.log(1 + y[1:] ** 2) + t * y[:-1] <= 4, sy.Eq(y[0] * y[1] + y[0] * t, 1),
            sy.sqrt(y[::2] ** 2 + t ** 2) <= 3]
    params = {"w": np.linspace(0.5, 1.5, n)}
    return sy.Problem(minimize=f, subject_to=cons), params


CASES = {name: (lambda name=name: (BY_NAME[name].build(), {}))
         for name in ("hs071", "hs100")}
CASES["template"] = template_problem


def evaluations(kernels, n, m, rng):
    """Every kernel's output at two random points (values in [0.5, 2]: inside every domain)."""
    out = []
    for _ in range(2):
        x, v = rng.uniform(0.5, 2.0, n), rng.standard_normal(n)
        lam, sigma = rng.standard_normal(m), rng.uniform(0.5, 2.0)
        out += [np.atleast_1d(kernels.objective(x)), kernels.gradient(x), kernels.constraints(x),
                kernels.jacobian(x), kernels.hessian(x, sigma, lam), kernels.hvp(x, sigma, lam, v)]
    return out


@pytest.fixture(scope="module", params=sorted(CASES))
def compiled(request):
    problem, params = CASES[request.param]()
    solvers = {mode: problem.compile(backend="numpy", simplify=mode) for mode in MODES}
    return request.param, solvers, params


def test_simplified_kernels_equal_unsimplified_ones(compiled):
    name, solvers, params = compiled
    results = {}
    for mode, solver in solvers.items():
        results[mode] = evaluations(solver.kernels(params), solver.n, solver.m,
                                    np.random.default_rng(7))
    for mode in ("egraph", "cse"):
        for got, want in zip(results[mode], results[None]):
            scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=RTOL * scale,
                                       err_msg=f"{name}, simplify={mode!r}")


def test_the_egraph_changes_the_emitted_code(compiled):
    name, solvers, _ = compiled
    assert solvers["egraph"].source != solvers["cse"].source, name
    assert not re.search(r"\b_t\d+\b", solvers[None].source)    # no CSE temporaries at all
    assert re.search(r"\b_t\d+\b", solvers["cse"].source)


def test_template_kernels_keep_their_loops(compiled):
    name, solvers, _ = compiled
    if name != "template":
        pytest.skip("a template problem's property")
    small = solvers["egraph"].source
    big = template_problem(n=4001)[0].compile(backend="numpy", simplify="egraph").source
    assert big.count("\n") < 1.5 * small.count("\n")   # loops, not 4001 expanded entries
    assert "sin" not in small                     # sin(y)**2 + cos(y)**2 -> 1, in a loop
    assert "sin" in solvers["cse"].source


def test_results_are_memoized_on_disk(monkeypatch):
    problem = BY_NAME["hs113"].build()
    directory = cache_dir() / "simplify"
    first = problem.compile(backend="numpy")
    entries = set(directory.glob("*.pkl"))
    assert entries

    def no_worker(*args, **kwargs):
        raise AssertionError("the e-graph ran although its result is on disk")

    monkeypatch.setattr(worker, "call", no_worker)
    again = BY_NAME["hs113"].build().compile(backend="numpy")
    assert set(directory.glob("*.pkl")) == entries
    x = np.random.default_rng(3).uniform(0.5, 2.0, again.n)
    np.testing.assert_allclose(again.kernels().gradient(x), first.kernels().gradient(x),
                               rtol=1e-14)


def test_unknown_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="simplify='fast'.*'egraph', 'cse' or None"):
        BY_NAME["hs071"].build().compile(backend="numpy", simplify="fast")
    with pytest.raises(ValueError, match="simplify=True"):
        Lowerer(simplify=True)


def lowered(exprs, mode):
    """What `Lowerer.values` computes for ``exprs``, with its temporaries substituted back."""
    low = Lowerer(mode)
    values = low.values(exprs, low.root)
    env = {}
    for statement in low.root.stmts:
        env[statement.target] = statement.value.xreplace(env)
    return [v.xreplace(env) for v in values]


def test_lowered_polynomial_derivatives_equal_the_input():
    """Objective, gradient and HVP of HS100: rewritten powers (x**6 -> (x**2)**3 ...) must
    survive CSE, which miscomputes products that repeat an argument."""
    xs, vs = sy.symbols("x0:7", real=True), sy.symbols("v0:7", real=True)
    x0, x1, x2, x3, x4, x5, x6 = xs
    f = ((x0 - 10) ** 2 + 5 * (x1 - 12) ** 2 + x2 ** 4 + 3 * (x3 - 11) ** 2 + 10 * x4 ** 6
         + 7 * x5 ** 2 + x6 ** 4 - 4 * x5 * x6 - 10 * x5 - 8 * x6)
    grad = [sy.diff(f, a) for a in xs]
    exprs = [f] + grad + [sum(sy.diff(g, a) * v for a, v in zip(xs, vs)) for g in grad]
    point = {s: sy.Rational(k + 3, 7) for k, s in enumerate(xs + vs)}
    for got, want in zip(lowered(exprs, "egraph"), exprs):
        assert got.xreplace(point) == want.xreplace(point)


def _rational_trees():
    from hypothesis import strategies as st
    a, b = sy.symbols("a b", real=True)
    leaves = st.sampled_from([a, b, sy.Integer(2), sy.Rational(1, 3), a + 1])
    unary = st.sampled_from([lambda e: e ** 2, lambda e: e ** 3, lambda e: e ** 5,
                             lambda e: 1 / (1 + e ** 2), lambda e: -e])
    binary = st.sampled_from([sy.Add, sy.Mul, lambda p, q: p - q, lambda p, q: p / (2 + q ** 2)])
    tree = st.recursive(leaves, lambda kids: st.one_of(
        st.builds(lambda f, e: f(e), unary, kids),
        st.builds(lambda f, p, q: f(p, q), binary, kids, kids)), max_leaves=7)
    return st.lists(tree, min_size=2, max_size=4), (a, b)


def test_lowered_random_rational_expressions_are_exact():
    """Rewriting + CSE + shared reciprocals change nothing over the rationals (exact check)."""
    from hypothesis import HealthCheck, given, settings

    lists, (a, b) = _rational_trees()

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(lists)
    def prop(exprs):
        point = {a: sy.Rational(3, 7), b: sy.Rational(-5, 4)}
        for got, want in zip(lowered(exprs, "egraph"), exprs):
            assert sy.simplify(got.xreplace(point) - sy.sympify(want).xreplace(point)) == 0

    prop()
