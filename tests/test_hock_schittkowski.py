"""Hock–Schittkowski problems declared with sympile and solved to their published optima."""
import numpy as np
import pytest

import symbolic as sy


def hs001():
    x = sy.Variable("x", shape=2, lower=[-np.inf, -1.5])
    return sy.Problem(minimize=100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2), [-2, 1], 0.0


def hs006():
    x = sy.Variable("x", shape=2)
    return sy.Problem(minimize=(1 - x[0]) ** 2, subject_to=[sy.Eq(10 * (x[1] - x[0] ** 2), 0)]), \
        [-1.2, 1], 0.0


def hs007():
    x = sy.Variable("x", shape=2)
    return sy.Problem(minimize=sy.log(1 + x[0] ** 2) - x[1],
                      subject_to=[sy.Eq((1 + x[0] ** 2) ** 2 + x[1] ** 2, 4)]), [2, 2], -np.sqrt(3)


def hs028():
    x = sy.Variable("x", shape=3)
    return sy.Problem(minimize=(x[0] + x[1]) ** 2 + (x[1] + x[2]) ** 2,
                      subject_to=[sy.Eq(x[0] + 2 * x[1] + 3 * x[2], 1)]), [-4, 1, 1], 0.0


def hs035():
    x = sy.Variable("x", shape=3, lower=0)
    f = (9 - 8 * x[0] - 6 * x[1] - 4 * x[2] + 2 * x[0] ** 2 + 2 * x[1] ** 2 + x[2] ** 2
         + 2 * x[0] * x[1] + 2 * x[0] * x[2])
    return sy.Problem(minimize=f, subject_to=[x[0] + x[1] + 2 * x[2] <= 3]), [0.5] * 3, 1 / 9


def hs038():
    x = sy.Variable("x", shape=4, lower=-10, upper=10)
    f = (100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2 + 90 * (x[3] - x[2] ** 2) ** 2
         + (1 - x[2]) ** 2 + 10.1 * ((x[1] - 1) ** 2 + (x[3] - 1) ** 2)
         + 19.8 * (x[1] - 1) * (x[3] - 1))
    return sy.Problem(minimize=f), [-3, -1, -3, -1], 0.0


def hs039():
    x = sy.Variable("x", shape=4)
    return sy.Problem(minimize=-x[0], subject_to=[sy.Eq(x[1] - x[0] ** 3 - x[2] ** 2, 0),
                                                  sy.Eq(x[0] ** 2 - x[1] - x[3] ** 2, 0)]), \
        [2] * 4, -1.0


def hs040():
    x = sy.Variable("x", shape=4)
    return sy.Problem(minimize=-x[0] * x[1] * x[2] * x[3],
                      subject_to=[sy.Eq(x[0] ** 3 + x[1] ** 2, 1),
                                  sy.Eq(x[0] ** 2 * x[3] - x[2], 0),
                                  sy.Eq(x[3] ** 2 - x[1], 0)]), [0.8] * 4, -0.25


def hs043():
    x = sy.Variable("x", shape=4)
    f = x[0] ** 2 + x[1] ** 2 + 2 * x[2] ** 2 + x[3] ** 2 - 5 * x[0] - 5 * x[1] - 21 * x[2] \
        + 7 * x[3]
    cons = [8 - x[0] ** 2 - x[1] ** 2 - x[2] ** 2 - x[3] ** 2 - x[0] + x[1] - x[2] + x[3] >= 0,
            10 - x[0] ** 2 - 2 * x[1] ** 2 - x[2] ** 2 - 2 * x[3] ** 2 + x[0] + x[3] >= 0,
            5 - 2 * x[0] ** 2 - x[1] ** 2 - x[2] ** 2 - 2 * x[0] + x[1] + x[3] >= 0]
    return sy.Problem(minimize=f, subject_to=cons), [0] * 4, -44.0


def hs048():
    x = sy.Variable("x", shape=5)
    return sy.Problem(minimize=(x[0] - 1) ** 2 + (x[1] - x[2]) ** 2 + (x[3] - x[4]) ** 2,
                      subject_to=[sy.Eq(sy.sum(x), 5),
                                  sy.Eq(x[2] - 2 * (x[3] + x[4]), -3)]), [3, 5, -3, 2, -2], 0.0


def hs071():
    x = sy.Variable("x", shape=4, lower=1, upper=5)
    return sy.Problem(minimize=x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2],
                      subject_to=[x[0] * x[1] * x[2] * x[3] >= 25,
                                  sy.Eq(sy.sum(x ** 2), 40)]), [1, 5, 5, 1], 17.0140173


def hs076():
    x = sy.Variable("x", shape=4, lower=0)
    f = (x[0] ** 2 + 0.5 * x[1] ** 2 + x[2] ** 2 + 0.5 * x[3] ** 2 - x[0] * x[2] + x[2] * x[3]
         - x[0] - 3 * x[1] + x[2] - x[3])
    cons = [x[0] + 2 * x[1] + x[2] + x[3] <= 5, 3 * x[0] + x[1] + 2 * x[2] - x[3] <= 4,
            x[1] + 4 * x[2] >= 1.5]
    return sy.Problem(minimize=f, subject_to=cons), [0.5] * 4, -4.681818181


def hs100():
    x = sy.Variable("x", shape=7)
    f = ((x[0] - 10) ** 2 + 5 * (x[1] - 12) ** 2 + x[2] ** 4 + 3 * (x[3] - 11) ** 2
         + 10 * x[4] ** 6 + 7 * x[5] ** 2 + x[6] ** 4 - 4 * x[5] * x[6] - 10 * x[5] - 8 * x[6])
    cons = [127 - 2 * x[0] ** 2 - 3 * x[1] ** 4 - x[2] - 4 * x[3] ** 2 - 5 * x[4] >= 0,
            282 - 7 * x[0] - 3 * x[1] - 10 * x[2] ** 2 - x[3] + x[4] >= 0,
            196 - 23 * x[0] - x[1] ** 2 - 6 * x[5] ** 2 + 8 * x[6] >= 0,
            -4 * x[0] ** 2 - x[1] ** 2 + 3 * x[0] * x[1] - 2 * x[2] ** 2 - 5 * x[5] + 11 * x[6] >= 0]
    return sy.Problem(minimize=f, subject_to=cons), [1, 2, 0, 4, 0, 1, 1], 680.6300573


PROBLEMS = [hs001, hs006, hs007, hs028, hs035, hs038, hs039, hs040, hs043, hs048, hs071, hs076,
            hs100]


@pytest.mark.parametrize("build", PROBLEMS, ids=[p.__name__ for p in PROBLEMS])
def test_solved_to_published_optimum(build):
    prob, x0, fstar = build()
    res = prob.compile(backend="numpy").solve(x0=x0)
    assert res.converged, (res.status, res.message)
    assert abs(res.objective - fstar) <= 1e-6 * max(1.0, abs(fstar)), res.objective


@pytest.mark.parametrize("backend", ["numba", "jax"])
def test_other_backends_reach_the_same_optimum(backend):
    for build in (hs040, hs071, hs100):
        prob, x0, fstar = build()
        res = prob.compile(backend=backend).solve(x0=x0)
        assert res.converged and abs(res.objective - fstar) <= 1e-6 * max(1.0, abs(fstar))
