"""Hock–Schittkowski test problems, transcribed for sympile.

Source: W. Hock and K. Schittkowski, "Test Examples for Nonlinear Programming Codes", Lecture
Notes in Economics and Mathematical Systems 187, Springer, 1981. Each entry gives the problem as
a `sy.Problem` over one array variable ``x`` (book index j is ``x[j - 1]``), the book's start
point, its optimal objective f* and, where the book publishes one, an optimal point x*.

Published x* are rounded (often to 7 significant digits), so the transcription check in
`tests/test_hock_schittkowski.py` evaluates f and the constraints at x* with the tolerances
recorded here (``f_rtol``, ``feas_tol``), which reflect the published precision.

Skipped on purpose: HS013 (LICQ fails at the optimum, so no KKT multipliers exist there) and
HS008 (constant objective: a feasibility problem with no f* to compare against). HS009 and HS015
have several local minima; x* is the one the book publishes (see each entry's note).

Every entry was checked against the book's data as reproduced in other collections (OPTI's
nlp_HS, OptimizationProblems.jl, CUTEst/S2MPJ) and by solving it independently with SciPy's SLSQP.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

import symbolic as sy

SQRT2 = np.sqrt(2.0)
SQRT3 = np.sqrt(3.0)


@dataclass(frozen=True)
class HSProblem:
    """One Hock–Schittkowski problem: how to build it and what the book says about it."""

    name: str                      # "hs006"
    build: Callable[[], "sy.Problem"]
    x0: tuple                      # the book's start point (may lie outside the bounds)
    f_star: float                  # the book's optimal objective
    x_star: Optional[tuple] = None  # the book's optimal point, where published
    kind: str = "mixed"            # "unconstrained", "bounds", "equality", "inequality", "mixed"
    f_rtol: float = 1e-7           # f(x*) vs f* in the transcription check (published precision)
    f_atol: float = 1e-8
    feas_tol: float = 1e-5         # constraint / bound violation allowed at the published x*
    note: str = ""

    @property
    def n(self) -> int:
        return len(self.x0)

    def __str__(self) -> str:     # pytest ids
        return self.name


def _rosenbrock(x):
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2


# ---------------------------------------------------------------- unconstrained and bounds

def hs001():
    x = sy.Variable("x", shape=2, lower=[-np.inf, -1.5])
    return sy.Problem(minimize=_rosenbrock(x), name="hs001")


def hs002():
    x = sy.Variable("x", shape=2, lower=[-np.inf, 1.5])
    return sy.Problem(minimize=_rosenbrock(x), name="hs002")


def hs003():
    x = sy.Variable("x", shape=2, lower=[-np.inf, 0])
    return sy.Problem(minimize=x[1] + 1e-5 * (x[1] - x[0]) ** 2, name="hs003")


def hs004():
    x = sy.Variable("x", shape=2, lower=[1, 0])
    return sy.Problem(minimize=(x[0] + 1) ** 3 / 3 + x[1], name="hs004")


def hs005():
    x = sy.Variable("x", shape=2, lower=[-1.5, -3], upper=[4, 3])
    return sy.Problem(minimize=sy.sin(x[0] + x[1]) + (x[0] - x[1]) ** 2 - 1.5 * x[0]
                      + 2.5 * x[1] + 1, name="hs005")


def hs038():
    x = sy.Variable("x", shape=4, lower=-10, upper=10)
    f = (100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2 + 90 * (x[3] - x[2] ** 2) ** 2
         + (1 - x[2]) ** 2 + 10.1 * ((x[1] - 1) ** 2 + (x[3] - 1) ** 2)
         + 19.8 * (x[1] - 1) * (x[3] - 1))
    return sy.Problem(minimize=f, name="hs038")


def hs045():
    x = sy.Variable("x", shape=5, lower=0, upper=[1, 2, 3, 4, 5])
    return sy.Problem(minimize=2 - x[0] * x[1] * x[2] * x[3] * x[4] / 120, name="hs045")


# ---------------------------------------------------------------- equality constrained

def hs006():
    x = sy.Variable("x", shape=2)
    return sy.Problem(minimize=(1 - x[0]) ** 2,
                      subject_to=[sy.Eq(10 * (x[1] - x[0] ** 2), 0)], name="hs006")


def hs007():
    x = sy.Variable("x", shape=2)
    return sy.Problem(minimize=sy.log(1 + x[0] ** 2) - x[1],
                      subject_to=[sy.Eq((1 + x[0] ** 2) ** 2 + x[1] ** 2 - 4, 0)], name="hs007")


def hs009():
    x = sy.Variable("x", shape=2)
    return sy.Problem(minimize=sy.sin(sy.pi * x[0] / 12) * sy.cos(sy.pi * x[1] / 16),
                      subject_to=[sy.Eq(4 * x[0] - 3 * x[1], 0)], name="hs009")


def hs026():
    x = sy.Variable("x", shape=3)
    return sy.Problem(minimize=(x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 4,
                      subject_to=[sy.Eq((1 + x[1] ** 2) * x[0] + x[2] ** 4 - 3, 0)],
                      name="hs026")


def hs027():
    x = sy.Variable("x", shape=3)
    return sy.Problem(minimize=0.01 * (x[0] - 1) ** 2 + (x[1] - x[0] ** 2) ** 2,
                      subject_to=[sy.Eq(x[0] + x[2] ** 2 + 1, 0)], name="hs027")


def hs028():
    x = sy.Variable("x", shape=3)
    return sy.Problem(minimize=(x[0] + x[1]) ** 2 + (x[1] + x[2]) ** 2,
                      subject_to=[sy.Eq(x[0] + 2 * x[1] + 3 * x[2] - 1, 0)], name="hs028")


def hs039():
    x = sy.Variable("x", shape=4)
    return sy.Problem(minimize=-x[0],
                      subject_to=[sy.Eq(x[1] - x[0] ** 3 - x[2] ** 2, 0),
                                  sy.Eq(x[0] ** 2 - x[1] - x[3] ** 2, 0)], name="hs039")


def hs040():
    x = sy.Variable("x", shape=4)
    return sy.Problem(minimize=-x[0] * x[1] * x[2] * x[3],
                      subject_to=[sy.Eq(x[0] ** 3 + x[1] ** 2 - 1, 0),
                                  sy.Eq(x[0] ** 2 * x[3] - x[2], 0),
                                  sy.Eq(x[3] ** 2 - x[1], 0)], name="hs040")


def hs042():
    x = sy.Variable("x", shape=4)
    return sy.Problem(minimize=(x[0] - 1) ** 2 + (x[1] - 2) ** 2 + (x[2] - 3) ** 2
                      + (x[3] - 4) ** 2,
                      subject_to=[sy.Eq(x[0] - 2, 0), sy.Eq(x[2] ** 2 + x[3] ** 2 - 2, 0)],
                      name="hs042")


def hs046():
    x = sy.Variable("x", shape=5)
    return sy.Problem(
        minimize=(x[0] - x[1]) ** 2 + (x[2] - 1) ** 2 + (x[3] - 1) ** 4 + (x[4] - 1) ** 6,
        subject_to=[sy.Eq(x[0] ** 2 * x[3] + sy.sin(x[3] - x[4]) - 1, 0),
                    sy.Eq(x[1] + x[2] ** 4 * x[3] ** 2 - 2, 0)], name="hs046")


def hs047():
    x = sy.Variable("x", shape=5)
    return sy.Problem(
        minimize=(x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 3 + (x[2] - x[3]) ** 4
        + (x[3] - x[4]) ** 4,
        subject_to=[sy.Eq(x[0] + x[1] ** 2 + x[2] ** 3 - 3, 0),
                    sy.Eq(x[1] - x[2] ** 2 + x[3] - 1, 0),
                    sy.Eq(x[0] * x[4] - 1, 0)], name="hs047")


def hs048():
    x = sy.Variable("x", shape=5)
    return sy.Problem(
        minimize=(x[0] - 1) ** 2 + (x[1] - x[2]) ** 2 + (x[3] - x[4]) ** 2,
        subject_to=[sy.Eq(x[0] + x[1] + x[2] + x[3] + x[4] - 5, 0),
                    sy.Eq(x[2] - 2 * (x[3] + x[4]) + 3, 0)], name="hs048")


def hs049():
    x = sy.Variable("x", shape=5)
    return sy.Problem(
        minimize=(x[0] - x[1]) ** 2 + (x[2] - 1) ** 2 + (x[3] - 1) ** 4 + (x[4] - 1) ** 6,
        subject_to=[sy.Eq(x[0] + x[1] + x[2] + 4 * x[3] - 7, 0),
                    sy.Eq(x[2] + 5 * x[4] - 6, 0)], name="hs049")


def hs050():
    x = sy.Variable("x", shape=5)
    return sy.Problem(
        minimize=(x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 2 + (x[2] - x[3]) ** 4
        + (x[3] - x[4]) ** 2,
        subject_to=[sy.Eq(x[0] + 2 * x[1] + 3 * x[2] - 6, 0),
                    sy.Eq(x[1] + 2 * x[2] + 3 * x[3] - 6, 0),
                    sy.Eq(x[2] + 2 * x[3] + 3 * x[4] - 6, 0)], name="hs050")


def hs051():
    x = sy.Variable("x", shape=5)
    return sy.Problem(
        minimize=(x[0] - x[1]) ** 2 + (x[1] + x[2] - 2) ** 2 + (x[3] - 1) ** 2 + (x[4] - 1) ** 2,
        subject_to=[sy.Eq(x[0] + 3 * x[1] - 4, 0),
                    sy.Eq(x[2] + x[3] - 2 * x[4], 0),
                    sy.Eq(x[1] - x[4], 0)], name="hs051")


def hs061():
    x = sy.Variable("x", shape=3)
    return sy.Problem(
        minimize=4 * x[0] ** 2 + 2 * x[1] ** 2 + 2 * x[2] ** 2 - 33 * x[0] + 16 * x[1]
        - 24 * x[2],
        subject_to=[sy.Eq(3 * x[0] - 2 * x[1] ** 2 - 7, 0),
                    sy.Eq(4 * x[0] - x[2] ** 2 - 11, 0)], name="hs061")


def hs077():
    x = sy.Variable("x", shape=5)
    return sy.Problem(
        minimize=(x[0] - 1) ** 2 + (x[0] - x[1]) ** 2 + (x[2] - 1) ** 2 + (x[3] - 1) ** 4
        + (x[4] - 1) ** 6,
        subject_to=[sy.Eq(x[0] ** 2 * x[3] + sy.sin(x[3] - x[4]) - 2 * sy.sqrt(2), 0),
                    sy.Eq(x[1] + x[2] ** 4 * x[3] ** 2 - 8 - sy.sqrt(2), 0)], name="hs077")


def hs078():
    x = sy.Variable("x", shape=5)
    return sy.Problem(
        minimize=x[0] * x[1] * x[2] * x[3] * x[4],
        subject_to=[sy.Eq(x[0] ** 2 + x[1] ** 2 + x[2] ** 2 + x[3] ** 2 + x[4] ** 2 - 10, 0),
                    sy.Eq(x[1] * x[2] - 5 * x[3] * x[4], 0),
                    sy.Eq(x[0] ** 3 + x[1] ** 3 + 1, 0)], name="hs078")


def hs079():
    x = sy.Variable("x", shape=5)
    return sy.Problem(
        minimize=(x[0] - 1) ** 2 + (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 2
        + (x[2] - x[3]) ** 4 + (x[3] - x[4]) ** 4,
        subject_to=[sy.Eq(x[0] + x[1] ** 2 + x[2] ** 3 - 2 - 3 * sy.sqrt(2), 0),
                    sy.Eq(x[1] - x[2] ** 2 + x[3] + 2 - 2 * sy.sqrt(2), 0),
                    sy.Eq(x[0] * x[4] - 2, 0)], name="hs079")


# ---------------------------------------------------------------- inequality constrained

def hs010():
    x = sy.Variable("x", shape=2)
    return sy.Problem(minimize=x[0] - x[1],
                      subject_to=[-3 * x[0] ** 2 + 2 * x[0] * x[1] - x[1] ** 2 + 1 >= 0],
                      name="hs010")


def hs011():
    x = sy.Variable("x", shape=2)
    return sy.Problem(minimize=(x[0] - 5) ** 2 + x[1] ** 2 - 25,
                      subject_to=[-x[0] ** 2 + x[1] >= 0], name="hs011")


def hs012():
    x = sy.Variable("x", shape=2)
    return sy.Problem(minimize=0.5 * x[0] ** 2 + x[1] ** 2 - x[0] * x[1] - 7 * x[0] - 7 * x[1],
                      subject_to=[25 - 4 * x[0] ** 2 - x[1] ** 2 >= 0], name="hs012")


def hs015():
    x = sy.Variable("x", shape=2, upper=[0.5, np.inf])
    return sy.Problem(minimize=_rosenbrock(x),
                      subject_to=[x[0] * x[1] - 1 >= 0, x[0] + x[1] ** 2 >= 0], name="hs015")


def hs018():
    x = sy.Variable("x", shape=2, lower=[2, 0], upper=[50, 50])
    return sy.Problem(minimize=0.01 * x[0] ** 2 + x[1] ** 2,
                      subject_to=[x[0] * x[1] - 25 >= 0, x[0] ** 2 + x[1] ** 2 - 25 >= 0],
                      name="hs018")


def hs019():
    x = sy.Variable("x", shape=2, lower=[13, 0], upper=[100, 100])
    return sy.Problem(minimize=(x[0] - 10) ** 3 + (x[1] - 20) ** 3,
                      subject_to=[(x[0] - 5) ** 2 + (x[1] - 5) ** 2 - 100 >= 0,
                                  -(x[1] - 5) ** 2 - (x[0] - 6) ** 2 + 82.81 >= 0],
                      name="hs019")


def hs021():
    x = sy.Variable("x", shape=2, lower=[2, -50], upper=[50, 50])
    return sy.Problem(minimize=0.01 * x[0] ** 2 + x[1] ** 2 - 100,
                      subject_to=[10 * x[0] - x[1] - 10 >= 0], name="hs021")


def hs022():
    x = sy.Variable("x", shape=2)
    return sy.Problem(minimize=(x[0] - 2) ** 2 + (x[1] - 1) ** 2,
                      subject_to=[-x[0] - x[1] + 2 >= 0, -x[0] ** 2 + x[1] >= 0], name="hs022")


def hs024():
    x = sy.Variable("x", shape=2, lower=0)
    r3 = sy.sqrt(3)
    return sy.Problem(minimize=((x[0] - 3) ** 2 - 9) * x[1] ** 3 / (27 * r3),
                      subject_to=[x[0] / r3 - x[1] >= 0,
                                  x[0] + r3 * x[1] >= 0,
                                  -x[0] - r3 * x[1] + 6 >= 0], name="hs024")


def hs035():
    x = sy.Variable("x", shape=3, lower=0)
    return sy.Problem(
        minimize=9 - 8 * x[0] - 6 * x[1] - 4 * x[2] + 2 * x[0] ** 2 + 2 * x[1] ** 2 + x[2] ** 2
        + 2 * x[0] * x[1] + 2 * x[0] * x[2],
        subject_to=[3 - x[0] - x[1] - 2 * x[2] >= 0], name="hs035")


def hs043():
    x = sy.Variable("x", shape=4)
    return sy.Problem(
        minimize=x[0] ** 2 + x[1] ** 2 + 2 * x[2] ** 2 + x[3] ** 2 - 5 * x[0] - 5 * x[1]
        - 21 * x[2] + 7 * x[3],
        subject_to=[8 - x[0] ** 2 - x[1] ** 2 - x[2] ** 2 - x[3] ** 2 - x[0] + x[1] - x[2]
                    + x[3] >= 0,
                    10 - x[0] ** 2 - 2 * x[1] ** 2 - x[2] ** 2 - 2 * x[3] ** 2 + x[0] + x[3] >= 0,
                    5 - 2 * x[0] ** 2 - x[1] ** 2 - x[2] ** 2 - 2 * x[0] + x[1] + x[3] >= 0],
        name="hs043")


def hs065():
    x = sy.Variable("x", shape=3, lower=[-4.5, -4.5, -5], upper=[4.5, 4.5, 5])
    return sy.Problem(
        minimize=(x[0] - x[1]) ** 2 + (x[0] + x[1] - 10) ** 2 / 9 + (x[2] - 5) ** 2,
        subject_to=[48 - x[0] ** 2 - x[1] ** 2 - x[2] ** 2 >= 0], name="hs065")


def hs076():
    x = sy.Variable("x", shape=4, lower=0)
    return sy.Problem(
        minimize=x[0] ** 2 + 0.5 * x[1] ** 2 + x[2] ** 2 + 0.5 * x[3] ** 2 - x[0] * x[2]
        + x[2] * x[3] - x[0] - 3 * x[1] + x[2] - x[3],
        subject_to=[5 - x[0] - 2 * x[1] - x[2] - x[3] >= 0,
                    4 - 3 * x[0] - x[1] - 2 * x[2] + x[3] >= 0,
                    x[1] + 4 * x[2] - 1.5 >= 0], name="hs076")


def hs100():
    x = sy.Variable("x", shape=7)
    return sy.Problem(
        minimize=(x[0] - 10) ** 2 + 5 * (x[1] - 12) ** 2 + x[2] ** 4 + 3 * (x[3] - 11) ** 2
        + 10 * x[4] ** 6 + 7 * x[5] ** 2 + x[6] ** 4 - 4 * x[5] * x[6] - 10 * x[5] - 8 * x[6],
        subject_to=[127 - 2 * x[0] ** 2 - 3 * x[1] ** 4 - x[2] - 4 * x[3] ** 2 - 5 * x[4] >= 0,
                    282 - 7 * x[0] - 3 * x[1] - 10 * x[2] ** 2 - x[3] + x[4] >= 0,
                    196 - 23 * x[0] - x[1] ** 2 - 6 * x[5] ** 2 + 8 * x[6] >= 0,
                    -4 * x[0] ** 2 - x[1] ** 2 + 3 * x[0] * x[1] - 2 * x[2] ** 2 - 5 * x[5]
                    + 11 * x[6] >= 0], name="hs100")


def hs113():
    x = sy.Variable("x", shape=10)
    f = (x[0] ** 2 + x[1] ** 2 + x[0] * x[1] - 14 * x[0] - 16 * x[1] + (x[2] - 10) ** 2
         + 4 * (x[3] - 5) ** 2 + (x[4] - 3) ** 2 + 2 * (x[5] - 1) ** 2 + 5 * x[6] ** 2
         + 7 * (x[7] - 11) ** 2 + 2 * (x[8] - 10) ** 2 + (x[9] - 7) ** 2 + 45)
    return sy.Problem(minimize=f, subject_to=[
        105 - 4 * x[0] - 5 * x[1] + 3 * x[6] - 9 * x[7] >= 0,
        -10 * x[0] + 8 * x[1] + 17 * x[6] - 2 * x[7] >= 0,
        8 * x[0] - 2 * x[1] - 5 * x[8] + 2 * x[9] + 12 >= 0,
        -3 * (x[0] - 2) ** 2 - 4 * (x[1] - 3) ** 2 - 2 * x[2] ** 2 + 7 * x[3] + 120 >= 0,
        -5 * x[0] ** 2 - 8 * x[1] - (x[2] - 6) ** 2 + 2 * x[3] + 40 >= 0,
        -0.5 * (x[0] - 8) ** 2 - 2 * (x[1] - 4) ** 2 - 3 * x[4] ** 2 + x[5] + 30 >= 0,
        -x[0] ** 2 - 2 * (x[1] - 2) ** 2 + 2 * x[0] * x[1] - 14 * x[4] + 6 * x[5] >= 0,
        3 * x[0] - 6 * x[1] - 12 * (x[8] - 8) ** 2 + 7 * x[9] >= 0], name="hs113")


# ---------------------------------------------------------------- mixed (equalities and inequalities)

def hs014():
    x = sy.Variable("x", shape=2)
    return sy.Problem(minimize=(x[0] - 2) ** 2 + (x[1] - 1) ** 2,
                      subject_to={"line": sy.Eq(x[0] - 2 * x[1] + 1, 0),
                                  "ellipse": -x[0] ** 2 / 4 - x[1] ** 2 + 1 >= 0}, name="hs014")


def hs071():
    x = sy.Variable("x", shape=4, lower=1, upper=5)
    return sy.Problem(minimize=x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2],
                      subject_to={"product": x[0] * x[1] * x[2] * x[3] - 25 >= 0,
                                  "sphere": sy.Eq(x[0] ** 2 + x[1] ** 2 + x[2] ** 2 + x[3] ** 2
                                                  - 40, 0)}, name="hs071")


# ---------------------------------------------------------------- closed-form optima

def _hs011_x1() -> float:
    # Active constraint x2 = x1^2 turns the problem into min (t-5)^2 + t^4: 2t^3 + t - 5 = 0.
    # Cardano on t^3 + t/2 - 5/2 = 0.
    q, p = -2.5, 0.5
    d = np.sqrt(q * q / 4 + p ** 3 / 27)
    return float(np.cbrt(-q / 2 + d) + np.cbrt(-q / 2 - d))


_T11 = _hs011_x1()


PROBLEMS: list[HSProblem] = [
    # unconstrained / bound constrained
    HSProblem("hs001", hs001, (-2, 1), 0.0, (1, 1), "bounds"),
    HSProblem("hs002", hs002, (-2, 1), 0.0504261879, (1.224370749, 1.5), "bounds",
              f_rtol=1e-8),
    HSProblem("hs003", hs003, (10, 1), 0.0, (0, 0), "bounds"),
    HSProblem("hs004", hs004, (1.125, 0.125), 8 / 3, (1, 0), "bounds"),
    HSProblem("hs005", hs005, (0, 0), -np.sqrt(3) / 2 - np.pi / 3,
              (0.5 - np.pi / 3, -0.5 - np.pi / 3), "bounds"),
    HSProblem("hs038", hs038, (-3, -1, -3, -1), 0.0, (1, 1, 1, 1), "bounds"),
    HSProblem("hs045", hs045, (2, 2, 2, 2, 2), 1.0, (1, 2, 3, 4, 5), "bounds",
              note="the book's start point violates x1 <= 1"),
    # equality constrained
    HSProblem("hs006", hs006, (-1.2, 1), 0.0, (1, 1), "equality"),
    HSProblem("hs007", hs007, (2, 2), -np.sqrt(3), (0, np.sqrt(3)), "equality"),
    HSProblem("hs009", hs009, (0, 0), -0.5, (-3, -4), "equality",
              note="optima (12k - 3, 16k - 4) for every integer k; from x0 the nearest is k = 0"),
    HSProblem("hs026", hs026, (-2.6, 2, 2), 0.0, (1, 1, 1), "equality",
              note="degenerate: the Hessian is singular at x*"),
    HSProblem("hs027", hs027, (2, 2, 2), 0.04, (-1, 1, 0), "equality"),
    HSProblem("hs028", hs028, (-4, 1, 1), 0.0, (0.5, -0.5, 0.5), "equality"),
    HSProblem("hs039", hs039, (2, 2, 2, 2), -1.0, (1, 1, 0, 0), "equality"),
    HSProblem("hs040", hs040, (0.8, 0.8, 0.8, 0.8), -0.25,
              (2 ** (-1 / 3), 2 ** (-1 / 2), 2 ** (-11 / 12), 2 ** (-1 / 4)), "equality"),
    HSProblem("hs042", hs042, (1, 1, 1, 1), 28 - 10 * np.sqrt(2),
              (2, 2, 0.6 * np.sqrt(2), 0.8 * np.sqrt(2)), "equality"),
    HSProblem("hs046", hs046, (np.sqrt(2) / 2, 1.75, 0.5, 2, 2), 0.0, (1, 1, 1, 1, 1),
              "equality", note="degenerate: (x4-1)^4 and (x5-1)^6 terms"),
    HSProblem("hs047", hs047, (2, np.sqrt(2), -1, 2 - np.sqrt(2), 0.5), 0.0, (1, 1, 1, 1, 1),
              "equality"),
    HSProblem("hs048", hs048, (3, 5, -3, 2, -2), 0.0, (1, 1, 1, 1, 1), "equality"),
    HSProblem("hs049", hs049, (10, 7, 2, -3, 0.8), 0.0, (1, 1, 1, 1, 1), "equality",
              note="degenerate: (x4-1)^4 and (x5-1)^6 terms"),
    HSProblem("hs050", hs050, (35, -31, 11, 5, -5), 0.0, (1, 1, 1, 1, 1), "equality"),
    HSProblem("hs051", hs051, (2.5, 0.5, 2, -1, 0.5), 0.0, (1, 1, 1, 1, 1), "equality"),
    HSProblem("hs061", hs061, (0, 0, 0), -143.6461422, (5.32677015, -2.11899863, 3.21046423),
              "equality"),
    HSProblem("hs077", hs077, (2, 2, 2, 2, 2), 0.24150513,
              (1.166172, 1.182111, 1.380257, 1.506036, 0.6109203), "equality",
              f_rtol=3e-6),
    HSProblem("hs078", hs078, (-2, 1.5, 2, -1, -1), -2.91970041,
              (-1.717142, 1.595708, 1.827248, -0.7636429, -0.7636435), "equality",
              f_rtol=1e-6),
    HSProblem("hs079", hs079, (2, 2, 2, 2, 2), 0.0787768209,
              (1.191127, 1.362603, 1.472818, 1.635017, 1.679081), "equality", f_rtol=1e-6),
    # inequality constrained
    HSProblem("hs010", hs010, (-10, 10), -1.0, (0, 1), "inequality"),
    HSProblem("hs011", hs011, (4.9, 0.1), -8.498464223, (_T11, _T11 ** 2), "inequality"),
    HSProblem("hs012", hs012, (0, 0), -30.0, (2, 3), "inequality"),
    HSProblem("hs015", hs015, (-2, 1), 306.5, (0.5, 2), "inequality",
              note="a second local minimum (-0.79212, -1.26243) with f = 360.4 exists"),
    HSProblem("hs018", hs018, (2, 2), 5.0, (np.sqrt(250), np.sqrt(2.5)), "inequality"),
    HSProblem("hs019", hs019, (20.1, 5.84), -6961.81381,
              (14.095, 5 - np.sqrt(100 - 9.095 ** 2)), "inequality", f_rtol=1e-7,
              note="x* = (14.095, 0.84296079) where both constraints are active"),
    HSProblem("hs021", hs021, (-1, -1), -99.96, (2, 0), "inequality",
              note="the book's start point violates x1 >= 2"),
    HSProblem("hs022", hs022, (2, 2), 1.0, (1, 1), "inequality"),
    HSProblem("hs024", hs024, (1, 0.5), -1.0, (3, np.sqrt(3)), "inequality"),
    HSProblem("hs035", hs035, (0.5, 0.5, 0.5), 1 / 9, (4 / 3, 7 / 9, 4 / 9), "inequality"),
    HSProblem("hs043", hs043, (0, 0, 0, 0), -44.0, (0, 1, 2, -1), "inequality"),
    HSProblem("hs065", hs065, (-5, 5, 0), 0.9535288567,
              (3.650461821, 3.65046168, 4.6204170507), "inequality", f_rtol=1e-6),
    HSProblem("hs076", hs076, (0.5, 0.5, 0.5, 0.5), -103 / 22, (3 / 11, 23 / 11, 0, 6 / 11),
              "inequality", note="book: f* = -4.681818181, x* = (0.2727273, 2.090909, 0, "
                                 "0.5454545) = (3/11, 23/11, 0, 6/11)"),
    HSProblem("hs100", hs100, (1, 2, 0, 4, 0, 1, 1), 680.6300573,
              (2.330499, 1.951372, -0.4775414, 4.365726, -0.6244870, 1.038131, 1.594227),
              "inequality", f_rtol=1e-6),
    HSProblem("hs113", hs113, (2, 3, 5, 5, 1, 2, 7, 3, 6, 10), 24.3062091,
              (2.171996, 2.363683, 8.773926, 5.095984, 0.9906548, 1.430574, 1.321644,
               9.828726, 8.280092, 8.375927), "inequality", f_rtol=1e-6, feas_tol=5e-5),
    # mixed
    HSProblem("hs014", hs014, (2, 2), 9 - 23 / 8 * np.sqrt(7),
              (0.5 * (np.sqrt(7) - 1), 0.25 * (np.sqrt(7) + 1)), "mixed"),
    HSProblem("hs071", hs071, (1, 5, 5, 1), 17.0140173,
              (1, 4.742999644, 3.821149979, 1.379408293), "mixed", f_rtol=1e-8),
]

BY_NAME = {p.name: p for p in PROBLEMS}


def check_at_published_optimum(hs: "HSProblem", problem, solver) -> None:
    """Assert the transcription: f(x*) is the published f*, x* satisfies constraints and bounds."""
    k = solver.kernels()
    xs = np.asarray(hs.x_star, dtype=float)
    f = k.objective(xs)
    assert abs(f - hs.f_star) <= max(hs.f_rtol * abs(hs.f_star), hs.f_atol), \
        f"{hs.name}: f(x*) = {f!r}, published f* = {hs.f_star!r}"
    c = k.constraints(xs)
    assert c.shape == (sum(con.size for con in problem.constraints),)
    off = 0
    for con in problem.constraints:
        vals = c[off:off + con.size]
        off += con.size
        below, above = np.max(con.lower - vals), np.max(vals - con.upper)
        assert below <= hs.feas_tol and above <= hs.feas_tol, \
            f"{hs.name}: constraint {con.name} = {vals} at x*, bounds [{con.lower}, {con.upper}]"
    lo, hi = problem.bounds()
    assert np.all(xs >= lo - hs.feas_tol) and np.all(xs <= hi + hs.feas_tol), \
        f"{hs.name}: x* = {xs} outside the bounds [{lo}, {hi}]"
