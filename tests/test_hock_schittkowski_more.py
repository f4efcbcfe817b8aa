"""More Hock–Schittkowski problems (`hs_problems_more.py`), solved to their published optima.

Two checks per problem, on the numpy backend, as in `test_hock_schittkowski.py`:

- the transcription: f at the published x* equals the published f* (to the published digits),
  and x* satisfies the constraints and bounds;
- the solve: from the book's start point the interior-point method reports convergence at f*,
  |f - f*| <= 1e-6 max(1, |f*|) (or the published precision, `SOLVE_RTOL`), with the constraints
  satisfied to 1e-4 (IPOPT's constr_viol_tol: bounds are relaxed by 1e-8 |bound| during the
  solve and x is projected back onto them, which moves constraints with large coefficients).

The default run checks the problems in `DEFAULT` (a cheap, varied selection); the rest run
under ``-m slow``.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

from hs_problems import PROBLEMS as FIRST_PROBLEMS, check_at_published_optimum
from hs_problems_more import BY_NAME, PROBLEMS, HSProblem

# Problems on which the method converges, from the book's start, to another KKT point than the
# published one; IPOPT 3.14 (CasADi's build, exact Hessians) reaches the same point in the same
# number of iterations. Strict, so a change that reaches the published optimum is noticed.
XFAIL = {
    "hs020": "converges to the local minimum (-0.5, 0.8660), f = 40.1987, on the bound x1 >= -0.5 "
             "(the book's start (-2, 1) is pushed to that bound); the published one is at "
             "x1 = +0.5, f* = 38.1987",
    "hs044": "converges to the vertex (3, 0, 4, 0), f = -13, a local minimum of this indefinite "
             "quadratic over a polytope; f* = -15 at (0, 3, 0, 4)",
    "hs055": "converges to the vertex (1, 5/3, 1/3, 0, 1/3, 5/3), f = 20/3, a local minimum "
             "(exp(x1 x4) with x1 + x4 = 1 is not convex); f* = 19/3 at x1 = 0, x4 = 1",
    "hs057": "x2 grows to ~2e5, where exp(-x2 (a_i - 8)) vanishes for every a_i > 8 and the fit "
             "is flat (f = 0.030648): a stationary point at infinity; f* = 0.028460 at "
             "x2 = 1.2848",
    "hs098": "converges to (0, 0, 0.0633, 0, 0, 0.0134), f = 4.0712, a local minimum of this "
             "bilinearly constrained problem; f* = 3.1358 at (0.2686, 0, 0, 0, 0.028, 0.0134)",
    "hs108": "converges to a local maximizer-of-area configuration with f = -0.67498; f* = "
             "-sqrt(3)/2 (the regular hexagon)",
}

# The published f* is given to more digits than it is optimal: the solver finds feasible points
# (as does IPOPT) with an objective lower by more than 1e-6 relative.
SOLVE_RTOL = {
    "hs059": (2e-6, "f = -7.8042360 at a feasible point near the published x*, whose f* = "
                    "-7.8042263 is 1.2e-6 higher"),
    "hs116": (2e-5, "multipliers of order 1e5: within the constraint tolerance 1e-8 f drops to "
                    "97.587473 (IPOPT: the same), 1e-5 below the published 97.588409"),
}

DEFAULT = {"hs016", "hs017", "hs023", "hs029", "hs030", "hs031", "hs032", "hs034", "hs036",
           "hs037", "hs041", "hs044", "hs052", "hs053", "hs054", "hs055", "hs060", "hs066",
           "hs072", "hs073", "hs075", "hs095", "hs118"}


@functools.lru_cache(maxsize=None)
def compiled(name: str):
    """The problem and its numpy-backend solver (shared by the tests of one module run)."""
    problem = BY_NAME[name].build()
    return problem, problem.compile(backend="numpy")


def _params(problems, xfail: dict | None = None):
    out = []
    for p in problems:
        marks = [] if p.name in DEFAULT else [pytest.mark.slow]
        if xfail and p.name in xfail:
            marks.append(pytest.mark.xfail(reason=xfail[p.name], strict=True))
        out.append(pytest.param(p, id=p.name, marks=marks))
    return out


def test_collection_extends_the_first_one():
    names = [p.name for p in PROBLEMS]
    assert len(names) == len(set(names)) >= 50
    assert not set(names) & {p.name for p in FIRST_PROBLEMS}
    assert {p.kind for p in PROBLEMS} == {"bounds", "equality", "inequality", "mixed"}
    for p in PROBLEMS:
        assert p.x_star is None or len(p.x_star) == p.n, p.name
    assert set(XFAIL) | set(SOLVE_RTOL) | DEFAULT <= set(names)


@pytest.mark.parametrize("hs", _params(PROBLEMS))
def test_transcription_matches_published_optimum(hs: HSProblem):
    problem, solver = compiled(hs.name)
    assert solver.n == hs.n == problem.n
    if hs.x_star is None:
        pytest.skip("no optimal point published (see the entry's note)")
    check_at_published_optimum(hs, problem, solver)


def test_hs112_book_point_has_the_book_objective_and_is_beaten():
    """HS112's published x* gives the book's f = -47.707579; the optimum is -47.761086."""
    book_x = np.array([0.01773548, 0.08200180, 0.8825646, 0.0007233256, 0.4907851,
                       0.0004335469, 0.01727298, 0.007765639, 0.01984929, 0.05269826])
    problem, solver = compiled("hs112")
    k = solver.kernels()
    assert k.objective(book_x) == pytest.approx(-47.707579, rel=1e-7)
    assert np.max(np.abs(k.constraints(book_x))) < 1e-6
    res = solver.solve(x0=BY_NAME["hs112"].x0)
    assert res.converged and res.objective < -47.7610


@pytest.mark.parametrize("hs", _params(PROBLEMS, XFAIL))
def test_solved_to_published_optimum(hs: HSProblem):
    problem, solver = compiled(hs.name)
    res = solver.solve(x0=hs.x0)
    assert res.converged, f"{hs.name}: {res.status} after {res.iterations} iterations: " \
                          f"{res.message}"
    rtol = SOLVE_RTOL.get(hs.name, (1e-6, ""))[0]
    assert abs(res.objective - hs.f_star) <= rtol * max(1.0, abs(hs.f_star)), \
        f"{hs.name}: f = {res.objective!r}, published f* = {hs.f_star!r}, x = {res.x}"
    assert res.constraint_violation <= 1e-4
    assert set(res.multipliers) == {c.name for c in problem.constraints}


@pytest.mark.slow
def test_watchdog_rescues_hs109():
    """HS109 from the book's start takes shortened steps for many iterations in a row; IPOPT's
    watchdog (full steps for a while, judged against where it started) gets out of that. Without
    it the method crawls: still far from f* after 500 iterations."""
    hs = BY_NAME["hs109"]
    _, solver = compiled("hs109")
    res = solver.solve(x0=hs.x0)
    assert res.converged and res.iterations <= 100
    assert res.objective == pytest.approx(hs.f_star, rel=1e-6)
    crawl = solver.solve(x0=hs.x0, watchdog_shortened_iter_trigger=0, max_iter=500)
    assert crawl.status == "max_iter" and crawl.objective < 0.5 * hs.f_star
