"""Hock–Schittkowski problems declared with sympile and solved to their published optima.

The problems live in `hs_problems.py` (one entry per problem: builder, the book's start point,
f* and x*). Two checks per problem, both on the numpy backend (it compiles fastest):

- the transcription: f at the published x* equals the published f* (to the precision the book
  prints x*), and x* satisfies the constraints and bounds — this catches typos in the problems;
- the solve: from the book's start point the solver reports convergence at f* (relative 1e-6,
  absolute 1e-6 where f* = 0).

A few problems are also solved with the numba and jax backends, which must reach the same optimum.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

import symbolic as sy
from hs_problems import BY_NAME, PROBLEMS, HSProblem, check_at_published_optimum

# Problems whose transcription is checked (against the book and an independent solver) but that
# our solver does not solve from the book's start point; strict, so a fix is noticed.
XFAIL = {
    "hs002": "from the book's start (-2, 1) the interior-point method converges (status optimal) "
             "to the other KKT point x = (-1.2210, 1.5), f = 4.9412, a genuine local minimum on "
             "the bound x2 >= 1.5 (SciPy's SLSQP lands there too); the published f* = "
             "0.0504261879 is at x1 = +1.2244. test_hs002_from_the_basin_of_the_published_optimum "
             "solves it from (2, 1).",
}


@functools.lru_cache(maxsize=None)
def compiled(name: str, backend: str = "numpy"):
    """The problem and its compiled solver (shared by the tests of one module run)."""
    problem = BY_NAME[name].build()
    return problem, problem.compile(backend=backend)


def _params(problems):
    return [pytest.param(p, id=p.name,
                         marks=[pytest.mark.xfail(reason=XFAIL[p.name], strict=True)]
                         if p.name in XFAIL else [])
            for p in problems]


def _objective_tolerance(f_star: float) -> float:
    return 1e-6 * abs(f_star) if f_star != 0 else 1e-6


def test_collection_covers_every_kind_of_problem():
    names = [p.name for p in PROBLEMS]
    assert len(names) == len(set(names)) >= 18
    kinds = {p.kind for p in PROBLEMS}
    assert {"bounds", "equality", "inequality", "mixed"} <= kinds
    for p in PROBLEMS:
        assert p.x_star is None or len(p.x_star) == p.n, p.name


@pytest.mark.parametrize("hs", PROBLEMS, ids=str)
def test_transcription_matches_published_optimum(hs: HSProblem):
    problem, solver = compiled(hs.name)
    assert solver.n == hs.n == problem.n
    if hs.x_star is None:
        pytest.skip("the book publishes no optimal point")
    check_at_published_optimum(hs, problem, solver)


@pytest.mark.parametrize("hs", _params(PROBLEMS))
def test_solved_to_published_optimum(hs: HSProblem):
    problem, solver = compiled(hs.name)
    res = solver.solve(x0=hs.x0)
    assert res.converged, f"{hs.name}: {res.status} after {res.iterations} iterations: " \
                          f"{res.message}"
    assert abs(res.objective - hs.f_star) <= _objective_tolerance(hs.f_star), \
        f"{hs.name}: f = {res.objective!r}, published f* = {hs.f_star!r}, x = {res.x}"
    assert res.constraint_violation <= 1e-6
    assert set(res.multipliers) == {c.name for c in problem.constraints}


def test_hs002_from_the_basin_of_the_published_optimum():
    hs = BY_NAME["hs002"]
    # At the default tol the active bound x2 >= 1.5 is met to 3e-7 (complementarity is judged
    # in the gradient-scaled problem, as IPOPT does; CasADi's IPOPT stops at the same point),
    # so f is within 1.2e-6; a tighter tol reaches the published optimum to its digits.
    res = compiled("hs002")[1].solve(x0=[2, 1])
    assert res.converged
    assert res.objective == pytest.approx(hs.f_star, rel=2e-6)
    np.testing.assert_allclose(res.x, hs.x_star, atol=1e-6)
    tight = compiled("hs002")[1].solve(x0=[2, 1], tol=1e-10)
    assert tight.converged and tight.objective == pytest.approx(hs.f_star, rel=1e-9)
    np.testing.assert_allclose(tight.x, hs.x_star, atol=1e-8)


def test_hs071_multipliers_match_the_known_ones():
    # L = f + lam . c with c = (x1 x2 x3 x4 - 25 >= 0, |x|^2 - 40 = 0): the multipliers Ipopt's
    # HS071 example reports, (-0.552294, 0.161469).
    res = compiled("hs071")[1].solve(x0=BY_NAME["hs071"].x0)
    assert res.multipliers["product"] == pytest.approx(-0.552294, abs=1e-5)
    assert res.multipliers["sphere"] == pytest.approx(0.161469, abs=1e-5)
    np.testing.assert_allclose(res.x, BY_NAME["hs071"].x_star, atol=1e-6)


def test_array_form_declarations_reach_the_same_optimum():
    """HS048 and HS071 written with whole-array reductions (sy.sum) instead of indexed terms."""
    x = sy.Variable("x", shape=5)
    hs048 = sy.Problem(minimize=(x[0] - 1) ** 2 + (x[1] - x[2]) ** 2 + (x[3] - x[4]) ** 2,
                       subject_to=[sy.Eq(sy.sum(x), 5), sy.Eq(x[2] - 2 * (x[3] + x[4]), -3)])
    y = sy.Variable("y", shape=4, lower=1, upper=5)
    hs071 = sy.Problem(minimize=y[0] * y[3] * (y[0] + y[1] + y[2]) + y[2],
                       subject_to=[y[0] * y[1] * y[2] * y[3] >= 25, sy.Eq(sy.sum(y ** 2), 40)])
    for problem, hs in ((hs048, BY_NAME["hs048"]), (hs071, BY_NAME["hs071"])):
        res = problem.compile(backend="numpy").solve(x0=hs.x0)
        assert res.converged, res.message
        assert abs(res.objective - hs.f_star) <= _objective_tolerance(hs.f_star)


@pytest.mark.parametrize("backend", ["numba", "jax"])
@pytest.mark.parametrize("name", ["hs040", "hs071", "hs100"])
def test_other_backends_reach_the_same_optimum(backend, name):
    hs = BY_NAME[name]
    _, solver = compiled(name, backend)
    res = solver.solve(x0=hs.x0)
    assert res.converged, f"{backend} {name}: {res.status}: {res.message}"
    assert abs(res.objective - hs.f_star) <= _objective_tolerance(hs.f_star)
    reference = compiled(name)[1].solve(x0=hs.x0)
    np.testing.assert_allclose(res.x, reference.x, rtol=1e-6, atol=1e-8)
