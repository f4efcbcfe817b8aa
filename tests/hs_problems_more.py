"""More Hock–Schittkowski problems (HS016–HS084), in the format of `hs_problems.py`.

Source: W. Hock and K. Schittkowski, "Test Examples for Nonlinear Programming Codes", Lecture
Notes in Economics and Mathematical Systems 187, Springer, 1981. Transcribed from Schittkowski's
Fortran test-problem library (subroutines TP16–TP84: functions, bounds, start points X, exact
solutions XEX and FEX), cross-checked against OptimizationProblems.jl (JuliaSmoothOptimizers)
for the functions, bounds and start points. `tests/test_hock_schittkowski_more.py` checks every
entry: f at the published x* equals the published f* to the published digits, and x* satisfies
the constraints and bounds.

Book index j is ``x[j - 1]``. Inequalities are the book's ``g(x) >= 0``. Where the Fortran
library changed a start point (TP20 starts at (0.1, 1)), the book's start is used.

Left out: HS025, HS068–HS070 and HS085 (piecewise definitions, the normal distribution
function, or iterative sub-models the book defines by algorithm rather than by formula).
"""
from __future__ import annotations

import numpy as np

import symbolic as sy
from hs_problems import HSProblem, _rosenbrock

SQRT2 = np.sqrt(2.0)
SQRT3 = np.sqrt(3.0)


# ---------------------------------------------------------------- Rosenbrock with constraints

def hs016():
    x = sy.Variable("x", shape=2, lower=[-0.5, -np.inf], upper=[0.5, 1])
    return sy.Problem(minimize=_rosenbrock(x),
                      subject_to=[x[0] + x[1] ** 2 >= 0, x[0] ** 2 + x[1] >= 0], name="hs016")


def hs017():
    x = sy.Variable("x", shape=2, lower=[-2, -np.inf], upper=[0.5, 1])
    return sy.Problem(minimize=_rosenbrock(x),
                      subject_to=[x[1] ** 2 - x[0] >= 0, x[0] ** 2 - x[1] >= 0], name="hs017")


def hs020():
    x = sy.Variable("x", shape=2, lower=[-0.5, -np.inf], upper=[0.5, np.inf])
    return sy.Problem(minimize=_rosenbrock(x),
                      subject_to=[x[0] + x[1] ** 2 >= 0, x[0] ** 2 + x[1] >= 0,
                                  x[0] ** 2 + x[1] ** 2 - 1 >= 0], name="hs020")


# ---------------------------------------------------------------- small inequality problems

def hs023():
    x = sy.Variable("x", shape=2, lower=-50, upper=50)
    return sy.Problem(minimize=x[0] ** 2 + x[1] ** 2,
                      subject_to=[x[0] + x[1] - 1 >= 0, x[0] ** 2 + x[1] ** 2 - 1 >= 0,
                                  9 * x[0] ** 2 + x[1] ** 2 - 9 >= 0, x[0] ** 2 - x[1] >= 0,
                                  x[1] ** 2 - x[0] >= 0], name="hs023")


def hs029():
    x = sy.Variable("x", shape=3)
    return sy.Problem(minimize=-x[0] * x[1] * x[2],
                      subject_to=[48 - x[0] ** 2 - 2 * x[1] ** 2 - 4 * x[2] ** 2 >= 0],
                      name="hs029")


def hs030():
    x = sy.Variable("x", shape=3, lower=[1, -10, -10], upper=10)
    return sy.Problem(minimize=x[0] ** 2 + x[1] ** 2 + x[2] ** 2,
                      subject_to=[x[0] ** 2 + x[1] ** 2 - 1 >= 0], name="hs030")


def hs031():
    x = sy.Variable("x", shape=3, lower=[-10, 1, -10], upper=[10, 10, 1])
    return sy.Problem(minimize=9 * x[0] ** 2 + x[1] ** 2 + 9 * x[2] ** 2,
                      subject_to=[x[0] * x[1] - 1 >= 0], name="hs031")


def hs033():
    x = sy.Variable("x", shape=3, lower=0, upper=[np.inf, np.inf, 5])
    return sy.Problem(minimize=(x[0] - 1) * (x[0] - 2) * (x[0] - 3) + x[2],
                      subject_to=[x[2] ** 2 - x[0] ** 2 - x[1] ** 2 >= 0,
                                  x[0] ** 2 + x[1] ** 2 + x[2] ** 2 - 4 >= 0], name="hs033")


def hs034():
    x = sy.Variable("x", shape=3, lower=0, upper=[100, 100, 10])
    return sy.Problem(minimize=-x[0],
                      subject_to=[x[1] - sy.exp(x[0]) >= 0, x[2] - sy.exp(x[1]) >= 0],
                      name="hs034")


def hs036():
    x = sy.Variable("x", shape=3, lower=0, upper=[20, 11, 42])
    return sy.Problem(minimize=-x[0] * x[1] * x[2],
                      subject_to=[72 - x[0] - 2 * x[1] - 2 * x[2] >= 0], name="hs036")


def hs037():
    x = sy.Variable("x", shape=3, lower=0, upper=42)
    return sy.Problem(minimize=-x[0] * x[1] * x[2],
                      subject_to=[72 - x[0] - 2 * x[1] - 2 * x[2] >= 0,
                                  x[0] + 2 * x[1] + 2 * x[2] >= 0], name="hs037")


def hs044():
    x = sy.Variable("x", shape=4, lower=0)
    return sy.Problem(
        minimize=x[0] - x[1] - x[2] - x[0] * x[2] + x[0] * x[3] + x[1] * x[2] - x[1] * x[3],
        subject_to=[8 - x[0] - 2 * x[1] >= 0, 12 - 4 * x[0] - x[1] >= 0,
                    12 - 3 * x[0] - 4 * x[1] >= 0, 8 - 2 * x[2] - x[3] >= 0,
                    8 - x[2] - 2 * x[3] >= 0, 5 - x[2] - x[3] >= 0], name="hs044")


def hs057():
    a = [8, 8, 10, 10, 10, 10, 12, 12, 12, 12, 14, 14, 14, 16, 16, 16, 18, 18, 20, 20, 20, 22,
         22, 22, 24, 24, 24, 26, 26, 26, 28, 28, 30, 30, 30, 32, 32, 34, 36, 36, 38, 38, 40, 42]
    b = [.49, .49, .48, .47, .48, .47, .46, .46, .45, .43, .45, .43, .43, .44, .43, .43, .46,
         .45, .42, .42, .43, .41, .41, .40, .42, .40, .40, .41, .40, .41, .41, .40, .40, .40,
         .38, .41, .40, .40, .41, .38, .40, .40, .39, .39]
    x = sy.Variable("x", shape=2, lower=[0.4, -4])
    f = sum((bi - x[0] - (0.49 - x[0]) * sy.exp(-x[1] * (ai - 8))) ** 2 for ai, bi in zip(a, b))
    return sy.Problem(minimize=f, subject_to=[0.49 * x[1] - x[0] * x[1] - 0.09 >= 0],
                      name="hs057")


def hs059():
    x = sy.Variable("x", shape=2, lower=0, upper=[75, 65])
    u, v = x[0], x[1]
    f = (-75.196 + 3.8112 * u - 0.12694 * u ** 2 + 2.0567e-3 * u ** 3 - 1.0345e-5 * u ** 4
         + 6.8306 * v - 3.0234e-2 * u * v + 1.28134e-3 * u ** 2 * v - 3.5256e-5 * u ** 3 * v
         + 2.266e-7 * u ** 4 * v - 0.25645 * v ** 2 + 3.4604e-3 * v ** 3 - 1.3514e-5 * v ** 4
         + 28.106 / (v + 1) + 5.2375e-6 * u ** 2 * v ** 2 + 6.3e-8 * u ** 3 * v ** 2
         - 7e-10 * u ** 3 * v ** 3 - 3.4054e-4 * u * v ** 2 + 1.6638e-6 * u * v ** 3
         + 2.8673 * sy.exp(5e-4 * u * v))
    return sy.Problem(minimize=f, subject_to=[u * v - 700 >= 0, v - u ** 2 / 125 >= 0,
                                              (v - 50) ** 2 - 5 * (u - 55) >= 0], name="hs059")


def hs064():
    x = sy.Variable("x", shape=3, lower=1e-5)
    return sy.Problem(
        minimize=5 * x[0] + 50000 / x[0] + 20 * x[1] + 72000 / x[1] + 10 * x[2] + 144000 / x[2],
        subject_to=[1 - 4 / x[0] - 32 / x[1] - 120 / x[2] >= 0], name="hs064")


def hs066():
    x = sy.Variable("x", shape=3, lower=0, upper=[100, 100, 10])
    return sy.Problem(minimize=0.2 * x[2] - 0.8 * x[0],
                      subject_to=[x[1] - sy.exp(x[0]) >= 0, x[2] - sy.exp(x[1]) >= 0],
                      name="hs066")


def hs072():
    x = sy.Variable("x", shape=4, lower=1e-3, upper=[4e5, 3e5, 2e5, 1e5])
    return sy.Problem(
        minimize=1 + x[0] + x[1] + x[2] + x[3],
        subject_to=[0.0401 - 4 / x[0] - 2.25 / x[1] - 1 / x[2] - 0.25 / x[3] >= 0,
                    0.010085 - 0.16 / x[0] - 0.36 / x[1] - 0.64 / x[2] - 0.64 / x[3] >= 0],
        name="hs072")


def hs083():
    x = sy.Variable("x", shape=5, lower=[78, 33, 27, 27, 27], upper=[102, 45, 45, 45, 45])
    v1 = 85.334407 + 5.6858e-3 * x[1] * x[4] + 6.262e-4 * x[0] * x[3] - 2.2053e-3 * x[2] * x[4]
    v2 = 80.51249 + 7.1317e-3 * x[1] * x[4] + 2.9955e-3 * x[0] * x[1] + 2.1813e-3 * x[2] ** 2
    v3 = 9.300961 + 4.7026e-3 * x[2] * x[4] + 1.2547e-3 * x[0] * x[2] + 1.9085e-3 * x[2] * x[3]
    return sy.Problem(
        minimize=5.3578547 * x[2] ** 2 + 0.8356891 * x[0] * x[4] + 37.293239 * x[0] - 40792.141,
        subject_to=[v1 >= 0, 92 - v1 >= 0, v2 - 90 >= 0, 110 - v2 >= 0, v3 - 20 >= 0,
                    25 - v3 >= 0], name="hs083")


def hs084():
    a = [None, -24345, -8720288.849, 150512.5253, -156.6950325, 476470.3222, 729482.8271,
         -145421.402, 2931.1506, -40.427932, 5106.192, 15711.36, -155011.1084, 4360.53352,
         12.9492344, 10236.884, 13176.786, -326669.5104, 7390.68412, -27.8986976, 16643.076,
         30988.146]
    x = sy.Variable("x", shape=5, lower=[0, 1.2, 20, 9, 6.5], upper=[1000, 2.4, 60, 9.3, 7])

    def row(k):   # x1 * (a_k + a_{k+1} x2 + a_{k+2} x3 + a_{k+3} x4 + a_{k+4} x5)
        return x[0] * (a[k] + a[k + 1] * x[1] + a[k + 2] * x[2] + a[k + 3] * x[3]
                       + a[k + 4] * x[4])
    rows = [row(7), row(12), row(17)]
    caps = [294000, 294000, 277200]
    return sy.Problem(minimize=-a[1] - row(2),
                      subject_to=[r >= 0 for r in rows] + [c - r >= 0 for r, c in zip(rows, caps)],
                      name="hs084")


# ---------------------------------------------------------------- equality constrained

def hs052():
    x = sy.Variable("x", shape=5)
    return sy.Problem(
        minimize=(4 * x[0] - x[1]) ** 2 + (x[1] + x[2] - 2) ** 2 + (x[3] - 1) ** 2
        + (x[4] - 1) ** 2,
        subject_to=[sy.Eq(x[0] + 3 * x[1], 0), sy.Eq(x[2] + x[3] - 2 * x[4], 0),
                    sy.Eq(x[1] - x[4], 0)], name="hs052")


def hs053():
    x = sy.Variable("x", shape=5, lower=-10, upper=10)
    return sy.Problem(
        minimize=(x[0] - x[1]) ** 2 + (x[1] + x[2] - 2) ** 2 + (x[3] - 1) ** 2 + (x[4] - 1) ** 2,
        subject_to=[sy.Eq(x[0] + 3 * x[1], 0), sy.Eq(x[2] + x[3] - 2 * x[4], 0),
                    sy.Eq(x[1] - x[4], 0)], name="hs053")


def hs054():
    x = sy.Variable("x", shape=6, lower=[0, -10, 0, 0, 0, 0], upper=[2e4, 10, 1e7, 20, 1, 2e8])
    v1, v2, v3 = x[0] - 1e4, x[1] - 1, x[2] - 2e6
    v4, v5, v6 = x[3] - 10, x[4] - 1e-3, x[5] - 1e8
    q = ((1.5625e-8 * v1 ** 2 + 5e-5 * v1 * v2 + v2 ** 2) / 0.96 + v3 ** 2 / 4.9e13
         + 4e-4 * v4 ** 2 + 4e2 * v5 ** 2 + 4e-18 * v6 ** 2)
    return sy.Problem(minimize=-sy.exp(-q / 2),
                      subject_to=[sy.Eq(x[0] + 4e3 * x[1] - 1.76e4, 0)], name="hs054")


def hs055():
    x = sy.Variable("x", shape=6, lower=0, upper=[1, np.inf, np.inf, 1, np.inf, np.inf])
    return sy.Problem(
        minimize=x[0] + 2 * x[1] + 4 * x[4] + sy.exp(x[0] * x[3]),
        subject_to=[sy.Eq(x[0] + 2 * x[1] + 5 * x[4] - 6, 0),
                    sy.Eq(x[0] + x[1] + x[2] - 3, 0), sy.Eq(x[3] + x[4] + x[5] - 2, 0),
                    sy.Eq(x[0] + x[3] - 1, 0), sy.Eq(x[1] + x[4] - 2, 0),
                    sy.Eq(x[2] + x[5] - 2, 0)], name="hs055")


def hs056():
    x = sy.Variable("x", shape=7)
    s = [sy.sin(x[k]) ** 2 for k in range(3, 7)]
    return sy.Problem(
        minimize=-x[0] * x[1] * x[2],
        subject_to=[sy.Eq(x[0] - 4.2 * s[0], 0), sy.Eq(x[1] - 4.2 * s[1], 0),
                    sy.Eq(x[2] - 4.2 * s[2], 0),
                    sy.Eq(x[0] + 2 * x[1] + 2 * x[2] - 7.2 * s[3], 0)], name="hs056")


def hs060():
    x = sy.Variable("x", shape=3, lower=-10, upper=10)
    return sy.Problem(
        minimize=(x[0] - 1) ** 2 + (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 4,
        subject_to=[sy.Eq(x[0] * (1 + x[1] ** 2) + x[2] ** 4 - 4 - 3 * sy.sqrt(2), 0)],
        name="hs060")


def hs062():
    x = sy.Variable("x", shape=3, lower=0, upper=1)
    b3, c3 = x[2] + 0.03, 0.13 * x[2] + 0.03
    b2, c2 = b3 + x[1], b3 + 0.07 * x[1]
    b1, c1 = b2 + x[0], b2 + 0.09 * x[0]
    return sy.Problem(
        minimize=-32.174 * (255 * sy.log(b1 / c1) + 280 * sy.log(b2 / c2)
                            + 290 * sy.log(b3 / c3)),
        subject_to=[sy.Eq(x[0] + x[1] + x[2] - 1, 0)], name="hs062")


def hs063():
    x = sy.Variable("x", shape=3, lower=0)
    return sy.Problem(
        minimize=1000 - x[0] ** 2 - 2 * x[1] ** 2 - x[2] ** 2 - x[0] * x[1] - x[0] * x[2],
        subject_to=[sy.Eq(8 * x[0] + 14 * x[1] + 7 * x[2] - 56, 0),
                    sy.Eq(x[0] ** 2 + x[1] ** 2 + x[2] ** 2 - 25, 0)], name="hs063")


def hs080():
    x = sy.Variable("x", shape=5, lower=[-2.3, -2.3, -3.2, -3.2, -3.2],
                    upper=[2.3, 2.3, 3.2, 3.2, 3.2])
    return sy.Problem(minimize=sy.exp(x[0] * x[1] * x[2] * x[3] * x[4]),
                      subject_to=_hs080_constraints(x), name="hs080")


def hs081():
    x = sy.Variable("x", shape=5, lower=[-2.3, -2.3, -3.2, -3.2, -3.2],
                    upper=[2.3, 2.3, 3.2, 3.2, 3.2])
    return sy.Problem(minimize=sy.exp(x[0] * x[1] * x[2] * x[3] * x[4])
                      - 0.5 * (x[0] ** 3 + x[1] ** 3 + 1) ** 2,
                      subject_to=_hs080_constraints(x), name="hs081")


def _hs080_constraints(x):
    return [sy.Eq(x[0] ** 2 + x[1] ** 2 + x[2] ** 2 + x[3] ** 2 + x[4] ** 2 - 10, 0),
            sy.Eq(x[1] * x[2] - 5 * x[3] * x[4], 0), sy.Eq(x[0] ** 3 + x[1] ** 3 + 1, 0)]


# ---------------------------------------------------------------- mixed

def hs032():
    x = sy.Variable("x", shape=3, lower=0)
    return sy.Problem(minimize=(x[0] + 3 * x[1] + x[2]) ** 2 + 4 * (x[0] - x[1]) ** 2,
                      subject_to=[6 * x[1] + 4 * x[2] - x[0] ** 3 - 3 >= 0,
                                  sy.Eq(1 - x[0] - x[1] - x[2], 0)], name="hs032")


def hs041():
    x = sy.Variable("x", shape=4, lower=0, upper=[1, 1, 1, 2])
    return sy.Problem(minimize=2 - x[0] * x[1] * x[2],
                      subject_to=[sy.Eq(x[0] + 2 * x[1] + 2 * x[2] - x[3], 0)], name="hs041")


def hs073():
    x = sy.Variable("x", shape=4, lower=0)
    return sy.Problem(
        minimize=24.55 * x[0] + 26.75 * x[1] + 39 * x[2] + 40.5 * x[3],
        subject_to=[2.3 * x[0] + 5.6 * x[1] + 11.1 * x[2] + 1.3 * x[3] - 5 >= 0,
                    12 * x[0] + 11.9 * x[1] + 41.8 * x[2] + 52.1 * x[3] - 21
                    - 1.645 * sy.sqrt(0.28 * x[0] ** 2 + 0.19 * x[1] ** 2 + 20.5 * x[2] ** 2
                                      + 0.62 * x[3] ** 2) >= 0,
                    sy.Eq(x[0] + x[1] + x[2] + x[3] - 1, 0)], name="hs073")


def _hs074(a: float, name: str):
    x = sy.Variable("x", shape=4, lower=[0, 0, -a, -a], upper=[1200, 1200, a, a])
    return sy.Problem(
        minimize=3 * x[0] + 1e-6 * x[0] ** 3 + 2 * x[1] + 2e-6 / 3 * x[1] ** 3,
        subject_to=[x[3] - x[2] + a >= 0, x[2] - x[3] + a >= 0,
                    sy.Eq(1000 * (sy.sin(-x[2] - 0.25) + sy.sin(-x[3] - 0.25)) + 894.8 - x[0], 0),
                    sy.Eq(1000 * (sy.sin(x[2] - 0.25) + sy.sin(x[2] - x[3] - 0.25)) + 894.8
                          - x[1], 0),
                    sy.Eq(1000 * (sy.sin(x[3] - 0.25) + sy.sin(x[3] - x[2] - 0.25)) + 1294.8, 0)],
        name=name)


def hs074():
    return _hs074(0.55, "hs074")


def hs075():
    return _hs074(0.48, "hs075")


# ---------------------------------------------------------------- larger problems (HS086–HS108)

# Colville's data shared by HS086 (the primal) and HS117 (its dual): e, C, d, A, b
_COLVILLE = ([-15, -27, -36, -18, -12],
             [[30, -20, -10, 32, -10], [-20, 39, -6, -31, 32], [-10, -6, 10, -6, -10],
              [32, -31, -6, 39, -20], [-10, 32, -10, -20, 30]],
             [4, 8, 10, 6, 2],
             [[-16, 2, 0, 1, 0], [0, -2, 0, 0.4, 2], [-3.5, 0, 2, 0, 0], [0, -2, 0, -4, -1],
              [0, -9, -2, 1, -2.8], [2, 0, -4, 0, 0], [-1, -1, -1, -1, -1],
              [-1, -2, -3, -2, -1], [1, 2, 3, 4, 5], [1, 1, 1, 1, 1]],
             [-40, -2, -0.25, -4, -4, -1, -40, -60, 5, 1])


def hs086():
    e, c, d, a, b = _COLVILLE
    x = sy.Variable("x", shape=5, lower=0)
    f = (sum(e[j] * x[j] + d[j] * x[j] ** 3 for j in range(5))
         + sum(c[i][j] * x[i] * x[j] for i in range(5) for j in range(5)))
    return sy.Problem(minimize=f, subject_to=[sum(r[j] * x[j] for j in range(5)) - bi >= 0
                                              for r, bi in zip(a, b)], name="hs086")


def hs093():
    x = sy.Variable("x", shape=6, lower=0)
    u = x[0] * x[3] * (x[0] + x[1] + x[2])
    v = x[1] * x[2] * (x[0] + 1.57 * x[1] + x[3])
    return sy.Problem(
        minimize=0.0204 * u + 0.0187 * v + 0.0607 * u * x[4] ** 2 + 0.0437 * v * x[5] ** 2,
        subject_to=[1e-3 * x[0] * x[1] * x[2] * x[3] * x[4] * x[5] - 2.07 >= 0,
                    1 - 6.2e-4 * u * x[4] ** 2 - 5.8e-4 * v * x[5] ** 2 >= 0], name="hs093")


def _hs095(b, name: str):
    x = sy.Variable("x", shape=6, lower=0, upper=[0.31, 0.046, 0.068, 0.042, 0.028, 0.0134])
    return sy.Problem(
        minimize=4.3 * x[0] + 31.8 * x[1] + 63.3 * x[2] + 15.8 * x[3] + 68.5 * x[4] + 4.7 * x[5],
        subject_to=[
            17.1 * x[0] + 38.2 * x[1] + 204.2 * x[2] + 212.3 * x[3] + 623.4 * x[4]
            + 1495.5 * x[5] - 169 * x[0] * x[2] - 3580 * x[2] * x[4] - 3810 * x[3] * x[4]
            - 18500 * x[3] * x[5] - 24300 * x[4] * x[5] - b[0] >= 0,
            17.9 * x[0] + 36.8 * x[1] + 113.9 * x[2] + 169.7 * x[3] + 337.8 * x[4]
            + 1385.2 * x[5] - 139 * x[0] * x[2] - 2450 * x[3] * x[4] - 16600 * x[3] * x[5]
            - 17200 * x[4] * x[5] - b[1] >= 0,
            -273 * x[1] - 70 * x[3] - 819 * x[4] + 26000 * x[3] * x[4] - b[2] >= 0,
            159.9 * x[0] - 311 * x[1] + 587 * x[3] + 391 * x[4] + 2198 * x[5]
            - 14000 * x[0] * x[5] - b[3] >= 0], name=name)


def hs095():
    return _hs095((4.97, -1.88, -29.08, -78.02), "hs095")


def hs096():
    return _hs095((4.97, -1.88, -69.08, -118.02), "hs096")


def hs097():
    return _hs095((32.97, 25.12, -29.08, -78.02), "hs097")


def hs098():
    return _hs095((32.97, 25.12, -124.08, -173.02), "hs098")


def hs099():
    a = [0, 50, 50, 75, 75, 75, 100, 100]
    t = [0, 25, 50, 100, 150, 200, 290, 380]
    x = sy.Variable("x", shape=7, lower=0, upper=1.58)
    q = r = s = 0
    for i in range(1, 8):   # the book's recursion for p, q, r, s (p does not enter)
        v1, v2, dt = a[i] * sy.sin(x[i - 1]) - 32, a[i] * sy.cos(x[i - 1]), t[i] - t[i - 1]
        q = v1 * dt ** 2 / 2 + dt * s + q
        r = v2 * dt + r
        s = v1 * dt + s
    return sy.Problem(minimize=-r ** 2, subject_to=[sy.Eq(q, 1e5), sy.Eq(s, 1e3)],
                      name="hs099")


def _hs101(a, name: str):
    x = sy.Variable("x", shape=7, lower=[0.1] * 6 + [0.01], upper=10)
    x1, x2, x3, x4, x5, x6, x7 = (x[i] for i in range(7))
    r = sy.Rational
    f = (10 * x1 * x4 ** 2 * x7 ** a / (x2 * x6 ** 3)
         + 15 * x3 * x4 / (x1 * x2 ** 2 * x5 * sy.sqrt(x7))
         + 20 * x2 * x6 / (x1 ** 2 * x4 * x5 ** 2)
         + 25 * x1 ** 2 * x2 ** 2 * sy.sqrt(x5) * x7 / (x3 * x6 ** 2))
    g = [1 - 0.5 * sy.sqrt(x1) * x7 / (x3 * x6 ** 2)
         - 0.7 * x1 ** 3 * x2 * x6 * sy.sqrt(x7) / x3 ** 2
         - 0.2 * x3 * x6 ** r(2, 3) * x7 ** r(1, 4) / (x2 * sy.sqrt(x4)),
         1 - 1.3 * x2 * x6 / (sy.sqrt(x1) * x3 * x5) - 0.8 * x3 * x6 ** 2 / (x4 * x5)
         - 3.1 * sy.sqrt(x2) * x6 ** r(1, 3) / (x1 * x4 ** 2 * x5),
         1 - 2 * x1 * x5 * x7 ** r(1, 3) / (x3 ** r(3, 2) * x6)
         - 0.1 * x2 * x5 / (sy.sqrt(x3 * x7) * x6) - x2 * sy.sqrt(x3) * x5 / x1
         - 0.65 * x3 * x5 * x7 / (x2 ** 2 * x6),
         1 - 0.2 * x2 * sy.sqrt(x5) * x7 ** r(1, 3) / (x1 ** 2 * x4)
         - 0.3 * sy.sqrt(x1) * x2 ** 2 * x3 * x4 ** r(1, 3) * x7 ** r(1, 4) / x5 ** r(2, 3)
         - 0.4 * x3 * x5 * x7 ** r(3, 4) / (x1 ** 3 * x2 ** 2) - 0.5 * x4 * sy.sqrt(x7) / x3 ** 2,
         f - 100, 3000 - f]
    return sy.Problem(minimize=f, subject_to=[gi >= 0 for gi in g], name=name)


def hs101():
    return _hs101(sy.Rational(-1, 4), "hs101")


def hs102():
    return _hs101(sy.Rational(1, 8), "hs102")


def hs103():
    return _hs101(sy.Rational(1, 2), "hs103")


def hs104():
    x = sy.Variable("x", shape=8, lower=0.1, upper=10)
    p = 0.67
    f = 0.4 * (x[0] ** p * x[6] ** -p + x[1] ** p * x[7] ** -p) + 10 - x[0] - x[1]
    a = 0.0588
    return sy.Problem(minimize=f, subject_to=[
        1 - a * x[4] * x[6] - 0.1 * x[0] >= 0,
        1 - a * x[5] * x[7] - 0.1 * x[0] - 0.1 * x[1] >= 0,
        1 - (4 * x[2] + 2 * x[2] ** -0.71) / x[4] - a * x[2] ** -1.3 * x[6] >= 0,
        1 - (4 * x[3] + 2 * x[3] ** -0.71) / x[5] - a * x[3] ** -1.3 * x[7] >= 0,
        f - 1 >= 0, 4.2 - f >= 0], name="hs104")


def hs106():
    x = sy.Variable("x", shape=8, lower=[100, 1000, 1000, 10, 10, 10, 10, 10],
                    upper=[1e4, 1e4, 1e4, 1e3, 1e3, 1e3, 1e3, 1e3])
    return sy.Problem(minimize=x[0] + x[1] + x[2], subject_to=[
        1 - 0.0025 * (x[3] + x[5]) >= 0, 1 - 0.0025 * (x[4] + x[6] - x[3]) >= 0,
        1 - 0.01 * (x[7] - x[4]) >= 0,
        x[0] * x[5] - 833.33252 * x[3] - 100 * x[0] + 83333.333 >= 0,
        x[1] * x[6] - 1250 * x[4] - x[1] * x[3] + 1250 * x[3] >= 0,
        x[2] * x[7] - 1250000 - x[2] * x[4] + 2500 * x[4] >= 0], name="hs106")


def hs107():
    x = sy.Variable("x", shape=9, lower=[0, 0, -np.inf, -np.inf] + [0.90909] * 3 + [-np.inf] * 2,
                    upper=[np.inf] * 4 + [1.0909] * 3 + [np.inf] * 2)
    v = 48.4 / 50.176
    c, d = v * np.sin(0.25), v * np.cos(0.25)
    y1, y2, y3, y4 = sy.sin(x[7]), sy.cos(x[7]), sy.sin(x[8]), sy.cos(x[8])
    y5, y6 = sy.sin(x[7] - x[8]), sy.cos(x[7] - x[8])
    x5, x6, x7 = x[4], x[5], x[6]
    return sy.Problem(
        minimize=3000 * x[0] + 1000 * x[0] ** 3 + 2000 * x[1] + 666.667 * x[1] ** 3,
        subject_to=[
            sy.Eq(0.4 - x[0] + 2 * c * x5 ** 2 + x5 * x6 * (-d * y1 - c * y2)
                  + x5 * x7 * (-d * y3 - c * y4), 0),
            sy.Eq(0.4 - x[1] + 2 * c * x6 ** 2 + x5 * x6 * (d * y1 - c * y2)
                  + x6 * x7 * (d * y5 - c * y6), 0),
            sy.Eq(0.8 + 2 * c * x7 ** 2 + x5 * x7 * (d * y3 - c * y4)
                  + x6 * x7 * (-d * y5 - c * y6), 0),
            sy.Eq(0.2 - x[2] + 2 * d * x5 ** 2 - x5 * x6 * (-c * y1 + d * y2)
                  - x5 * x7 * (-c * y3 + d * y4), 0),
            sy.Eq(0.2 - x[3] + 2 * d * x6 ** 2 - x5 * x6 * (c * y1 + d * y2)
                  - x6 * x7 * (c * y5 + d * y6), 0),
            sy.Eq(-0.337 + 2 * d * x7 ** 2 - x5 * x7 * (c * y3 + d * y4)
                  - x6 * x7 * (-c * y5 + d * y6), 0)], name="hs107")


def hs108():
    x = sy.Variable("x", shape=9, lower=[-np.inf] * 8 + [0])
    x1, x2, x3, x4, x5, x6, x7, x8, x9 = (x[i] for i in range(9))
    return sy.Problem(
        minimize=-0.5 * (x1 * x4 - x2 * x3 + x3 * x9 - x5 * x9 + x5 * x8 - x6 * x7),
        subject_to=[1 - x3 ** 2 - x4 ** 2 >= 0, 1 - x9 ** 2 >= 0, 1 - x5 ** 2 - x6 ** 2 >= 0,
                    1 - x1 ** 2 - (x2 - x9) ** 2 >= 0, 1 - (x1 - x5) ** 2 - (x2 - x6) ** 2 >= 0,
                    1 - (x1 - x7) ** 2 - (x2 - x8) ** 2 >= 0,
                    1 - (x3 - x5) ** 2 - (x4 - x6) ** 2 >= 0,
                    1 - (x3 - x7) ** 2 - (x4 - x8) ** 2 >= 0, 1 - x7 ** 2 - (x8 - x9) ** 2 >= 0,
                    x1 * x4 - x2 * x3 >= 0, x3 * x9 >= 0, -x5 * x9 >= 0,
                    x5 * x8 - x6 * x7 >= 0], name="hs108")


def hs109():
    x = sy.Variable("x", shape=9, lower=[0, 0, -0.55, -0.55, 196, 196, 196, -400, -400],
                    upper=[np.inf, np.inf, 0.55, 0.55, 252, 252, 252, 800, 800])
    x1, x2, x3, x4, x5, x6, x7, x8, x9 = (x[i] for i in range(9))
    ra, b, c = 1 / 50.176, np.sin(0.25), np.cos(0.25)
    s, co = sy.sin, sy.cos
    return sy.Problem(
        minimize=3 * x1 + 1e-6 * x1 ** 3 + 0.522074e-6 * x2 ** 3 + 2 * x2,
        subject_to=[
            x4 - x3 + 0.55 >= 0, x3 - x4 + 0.55 >= 0,
            2.25e6 - x1 ** 2 - x8 ** 2 >= 0, 2.25e6 - x2 ** 2 - x9 ** 2 >= 0,
            sy.Eq((x5 * x6 * s(-x3 - 0.25) + x5 * x7 * s(-x4 - 0.25) + 2 * x5 ** 2 * b) * ra
                  + 400 - x1, 0),
            sy.Eq((x5 * x6 * s(x3 - 0.25) + x6 * x7 * s(x3 - x4 - 0.25) + 2 * x6 ** 2 * b) * ra
                  + 400 - x2, 0),
            sy.Eq((x5 * x7 * s(x4 - 0.25) + x6 * x7 * s(x4 - x3 - 0.25) + 2 * x7 ** 2 * b) * ra
                  + 881.779, 0),
            sy.Eq(x8 + (x5 * x6 * co(-x3 - 0.25) + x5 * x7 * co(-x4 - 0.25)
                        - 2 * x5 ** 2 * c) * ra + 0.7533e-3 * x5 ** 2 - 200, 0),
            sy.Eq(x9 + (x5 * x6 * co(x3 - 0.25) + x7 * x6 * co(x3 - x4 - 0.25)
                        - 2 * x6 ** 2 * c) * ra + 0.7533e-3 * x6 ** 2 - 200, 0),
            sy.Eq((x5 * x7 * co(x4 - 0.25) + x6 * x7 * co(x4 - x3 - 0.25) - 2 * x7 ** 2 * c) * ra
                  + 0.7533e-3 * x7 ** 2 - 22.938, 0)], name="hs109")


def hs110():
    x = sy.Variable("x", shape=10, lower=2.001, upper=9.999)
    prod = 1
    for i in range(10):
        prod = prod * x[i]
    return sy.Problem(minimize=sum(sy.log(x[i] - 2) ** 2 + sy.log(10 - x[i]) ** 2
                                   for i in range(10)) - prod ** sy.Rational(1, 5),
                      name="hs110")


_HS111_C = [-6.089, -17.164, -34.054, -5.914, -24.721, -14.986, -24.1, -10.708, -26.662,
            -22.179]


def _hs111_rows(y):
    return [sy.Eq(y[0] + 2 * y[1] + 2 * y[2] + y[5] + y[9], 2),
            sy.Eq(y[3] + 2 * y[4] + y[5] + y[6], 1),
            sy.Eq(y[2] + y[6] + y[7] + 2 * y[8] + y[9], 1)]


def hs111():
    x = sy.Variable("x", shape=10, lower=-100, upper=100)
    e = [sy.exp(x[i]) for i in range(10)]
    total = sum(e)
    return sy.Problem(minimize=sum(e[i] * (_HS111_C[i] + x[i] - sy.log(total))
                                   for i in range(10)),
                      subject_to=_hs111_rows(e), name="hs111")


def hs112():
    x = sy.Variable("x", shape=10, lower=1e-6)
    total = sum(x[i] for i in range(10))
    return sy.Problem(minimize=sum(x[i] * (_HS111_C[i] + sy.log(x[i] / total))
                                   for i in range(10)),
                      subject_to=_hs111_rows(x), name="hs112")


def hs114():
    x = sy.Variable("x", shape=10, lower=[1e-5] * 5 + [85, 90, 3, 1.2, 145],
                    upper=[2000, 16000, 120, 5000, 2000, 93, 95, 12, 4, 162])
    x1, x2, x3, x4, x5, x6, x7, x8, x9, x10 = (x[i] for i in range(10))
    return sy.Problem(
        minimize=5.04 * x1 + 0.035 * x2 + 10 * x3 + 3.36 * x5 - 0.063 * x4 * x7,
        subject_to=[
            35.82 - 0.222 * x10 - 0.9 * x9 >= 0, -133 + 3 * x7 - 0.99 * x10 >= 0,
            -35.82 + 0.222 * x10 + 10 / 9 * x9 >= 0, 133 - 3 * x7 + x10 / 0.99 >= 0,
            1.12 * x1 + 0.13167 * x1 * x8 - 6.67e-3 * x1 * x8 ** 2 - 0.99 * x4 >= 0,
            57.425 + 1.098 * x8 - 0.038 * x8 ** 2 + 0.325 * x6 - 0.99 * x7 >= 0,
            -1.12 * x1 - 0.13167 * x1 * x8 + 6.67e-3 * x1 * x8 ** 2 + x4 / 0.99 >= 0,
            -57.425 - 1.098 * x8 + 0.038 * x8 ** 2 - 0.325 * x6 + x7 / 0.99 >= 0,
            sy.Eq(1.22 * x4 - x1 - x5, 0),
            sy.Eq(9.8e4 * x3 / (x4 * x9 + 1000 * x3) - x6, 0),
            sy.Eq((x2 + x5) / x1 - x8, 0)], name="hs114")


def hs116():
    x = sy.Variable("x", shape=13,
                    lower=[0.1, 0.1, 0.1, 1e-4, 0.1, 0.1, 0.1, 0.1, 500, 0.1, 1, 1e-4, 1e-4],
                    upper=[1, 1, 1, 0.1, 0.9, 0.9, 1000, 1000, 1000, 500, 150, 150, 150])
    x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13 = (x[i] for i in range(13))
    a, b = 1.262626, 1.231059
    return sy.Problem(minimize=x11 + x12 + x13, subject_to=[
        x3 - x2 >= 0, x2 - x1 >= 0, 1 - 2e-3 * (x7 - x8) >= 0, x11 + x12 + x13 - 50 >= 0,
        250 - x11 - x12 - x13 >= 0, x13 - a * x10 + b * x3 * x10 >= 0,
        x5 - 0.03475 * x2 - 0.975 * x2 * x5 + 9.75e-3 * x2 ** 2 >= 0,
        x6 - 0.03475 * x3 - 0.975 * x3 * x6 + 9.75e-3 * x3 ** 2 >= 0,
        x5 * x7 - x1 * x8 - x4 * x7 + x4 * x8 >= 0,
        -2e-3 * (x2 * x9 + x5 * x8 - x1 * x8 - x6 * x9) - x6 - x5 + 1 >= 0,
        x2 * x9 - x3 * x10 - x6 * x9 - 500 * (x2 - x6) + x2 * x10 >= 0,
        x2 - 0.9 - 2e-3 * (x2 * x10 - x3 * x10) >= 0,
        x4 - 0.03475 * x1 - 0.975 * x1 * x4 + 9.75e-3 * x1 ** 2 >= 0,
        x11 - a * x8 + b * x1 * x8 >= 0, x12 - a * x9 + b * x2 * x9 >= 0], name="hs116")


def hs117():
    e, c, d, a, b = _COLVILLE
    x = sy.Variable("x", shape=15, lower=0)
    y = [x[10 + j] for j in range(5)]
    f = -(sum(b[i] * x[i] for i in range(10))
          - sum(c[i][j] * y[i] * y[j] for i in range(5) for j in range(5))
          - 2 * sum(d[j] * y[j] ** 3 for j in range(5)))
    return sy.Problem(minimize=f, subject_to=[
        2 * sum(c[i][j] * y[i] for i in range(5)) + 3 * d[j] * y[j] ** 2 + e[j]
        - sum(a[i][j] * x[i] for i in range(10)) >= 0 for j in range(5)], name="hs117")


def hs118():
    lo = [8, 43, 3] + [0] * 12
    hi = [21, 57, 16] + [90, 120, 60] * 4
    x = sy.Variable("x", shape=15, lower=lo, upper=hi)
    f = sum(2.3 * x[3 * m] + 1e-4 * x[3 * m] ** 2 + 1.7 * x[3 * m + 1]
            + 1e-4 * x[3 * m + 1] ** 2 + 2.2 * x[3 * m + 2] + 1.5e-4 * x[3 * m + 2] ** 2
            for m in range(5))
    cons = []
    for i in range(1, 5):   # book indices 3i-2, 3i-1, 3i against 3i+1, 3i+2, 3i+3
        p, q = 3 * i - 3, 3 * i
        cons += [x[q] - x[p] + 7 >= 0, x[q + 1] - x[p + 1] + 7 >= 0,
                 x[q + 2] - x[p + 2] + 7 >= 0, x[p] - x[q] + 6 >= 0,
                 x[p + 1] - x[q + 1] + 7 >= 0, x[p + 2] - x[q + 2] + 6 >= 0]
    cons += [x[3 * k] + x[3 * k + 1] + x[3 * k + 2] - r >= 0
             for k, r in enumerate((60, 50, 70, 85, 100))]
    return sy.Problem(minimize=f, subject_to=cons, name="hs118")


def hs119():
    ones = [(1, 4), (1, 7), (1, 8), (1, 16), (2, 3), (2, 7), (2, 10), (3, 7), (3, 9), (3, 10),
            (3, 14), (4, 7), (4, 11), (4, 15), (5, 6), (5, 10), (5, 12), (5, 16), (6, 8),
            (6, 15), (7, 11), (7, 13), (8, 10), (8, 15), (9, 12), (9, 16), (10, 14), (11, 13),
            (12, 14), (13, 14)]
    b = {1: {1: .22, 2: .2, 3: .19, 4: .25, 5: .15, 6: .11, 7: .12, 8: .13},
         2: {1: -1.46, 3: -1.3, 4: 1.82, 5: -1.15, 7: .8},
         3: {1: 1.29, 2: -.89, 5: -1.16, 6: -.96, 8: -.49},
         4: {1: -1.1, 2: -1.06, 3: .95, 4: -.54, 6: -1.78, 7: -.41},
         5: {4: -1.43, 5: 1.51, 6: .59, 7: -.33, 8: -.43},
         6: {2: -1.72, 3: -.33, 5: 1.62, 6: 1.24, 7: .21, 8: -.26},
         7: {1: 1.12, 4: .31, 7: 1.12, 9: -.36},
         8: {2: .45, 3: .26, 4: -1.1, 5: .58, 7: -1.03, 8: .1}}
    c = [2.5, 1.1, -3.1, -3.5, 1.3, 2.1, 2.3, -1.5]
    x = sy.Variable("x", shape=16, lower=0, upper=5)
    q = [x[i] ** 2 + x[i] + 1 for i in range(16)]
    f = sum(qi ** 2 for qi in q) + sum(q[i - 1] * q[j - 1] for i, j in ones)
    rows = [sy.Eq(sum(v * x[j - 1] for j, v in b[i].items()) + x[7 + i], c[i - 1])
            for i in range(1, 9)]
    return sy.Problem(minimize=f, subject_to=rows, name="hs119")


PROBLEMS: list[HSProblem] = [
    # Rosenbrock's function under constraints
    HSProblem("hs016", hs016, (-2, 1), 0.25, (0.5, 0.25), "inequality",
              note="the book's start violates x1 >= -0.5"),
    HSProblem("hs017", hs017, (-2, 1), 1.0, (0, 0), "inequality"),
    HSProblem("hs020", hs020, (-2, 1), 81.5 - 25 * SQRT3, (0.5, SQRT3 / 2), "inequality",
              note="the book's start violates x1 >= -0.5"),
    # inequality constrained
    HSProblem("hs023", hs023, (3, 1), 2.0, (1, 1), "inequality"),
    HSProblem("hs029", hs029, (1, 1, 1), -16 * SQRT2, (4, 2 * SQRT2, 2), "inequality",
              note="four optima (+-4, +-2 sqrt 2, +-2) with an even number of minus signs"),
    HSProblem("hs030", hs030, (1, 1, 1), 1.0, (1, 0, 0), "inequality"),
    HSProblem("hs031", hs031, (1, 1, 1), 6.0, (1 / SQRT3, SQRT3, 0), "inequality"),
    HSProblem("hs033", hs033, (0, 0, 3), SQRT2 - 6, (0, SQRT2, SQRT2), "inequality"),
    HSProblem("hs034", hs034, (0, 1.05, 2.9), -np.log(np.log(10)),
              (np.log(np.log(10)), np.log(10), 10), "inequality"),
    HSProblem("hs036", hs036, (10, 10, 10), -3300.0, (20, 11, 15), "inequality"),
    HSProblem("hs037", hs037, (10, 10, 10), -3456.0, (24, 12, 12), "inequality"),
    HSProblem("hs044", hs044, (0, 0, 0, 0), -15.0, (0, 3, 0, 4), "inequality"),
    HSProblem("hs057", hs057, (0.42, 5), 0.0284596697213, (0.419952674511, 1.28484562930),
              "inequality", f_rtol=1e-9),
    HSProblem("hs059", hs059, (90, 10), -7.80422632408, (13.5501042366, 51.6601812877),
              "inequality", f_rtol=1e-8,
              note="the book's start violates x1 <= 75; a second local minimum has "
                   "f = -6.7546 at (46.40, 52.22)"),
    HSProblem("hs064", hs064, (1, 1, 1), 6299.84242821,
              (108.734717597, 85.1261394257, 204.324707858), "inequality", f_rtol=1e-9),
    HSProblem("hs066", hs066, (0, 1.05, 2.9), 0.518163274159,
              (0.184126487951, 1.20216787321, 3.32732232258), "inequality", f_rtol=1e-9),
    HSProblem("hs072", hs072, (1, 1, 1, 1), 727.67936,
              (193.407050141, 179.547504555, 185.018587841, 168.706233485), "inequality",
              f_rtol=1e-7, note="the book's f* = 727.67937602 at its x*; published as 727.67936"),
    HSProblem("hs083", hs083, (78, 33, 27, 27, 27), -30665.5386717,
              (78, 33, 29.9952560253, 45, 36.7758129081), "inequality", f_rtol=1e-9),
    HSProblem("hs084", hs084, (2.52, 2, 37.5, 9.25, 6.8), -5280335.13306,
              (4.53743097466, 2.4, 60, 9.3, 7), "inequality", f_rtol=1e-9, feas_tol=1e-3,
              note="constraint values are ~1e5: x* rounded to 12 digits leaves ~1e-4 there"),
    # equality constrained
    HSProblem("hs052", hs052, (2, 2, 2, 2, 2), 1859 / 349,
              tuple(v / 349 for v in (-33, 11, 180, -158, 11)), "equality"),
    HSProblem("hs053", hs053, (2, 2, 2, 2, 2), 176 / 43,
              tuple(v / 43 for v in (-33, 11, 27, -5, 11)), "equality"),
    HSProblem("hs054", hs054, (6e3, 1.5, 4e6, 2, 3e-3, 5e7), -np.exp(-27 / 280),
              (9.16e4 / 7, 79 / 70, 2e6, 10, 1e-3, 1e8), "equality",
              note="variables of magnitude 1e-3 to 1e8"),
    HSProblem("hs055", hs055, (1, 2, 0, 0, 0, 2), 19 / 3, (0, 4 / 3, 5 / 3, 1, 2 / 3, 1 / 3),
              "equality", note="the book's start is infeasible; six linear equalities in six "
                               "variables, of which only five are independent"),
    HSProblem("hs056", hs056,
              (1, 1, 1, np.arcsin(np.sqrt(1 / 4.2)), np.arcsin(np.sqrt(1 / 4.2)),
               np.arcsin(np.sqrt(1 / 4.2)), np.arcsin(np.sqrt(5 / 7.2))), -3.456,
              (2.4, 1.2, 1.2, np.arcsin(np.sqrt(4 / 7)), np.arcsin(np.sqrt(2 / 7)),
               np.arcsin(np.sqrt(2 / 7)), np.pi / 2), "equality"),
    HSProblem("hs060", hs060, (2, 2, 2), 0.0325682002513,
              (1.10485902423, 1.19667419413, 1.53526225739), "equality", f_rtol=1e-9),
    HSProblem("hs062", hs062, (0.7, 0.2, 0.1), -26272.5144873,
              (0.617813298210, 0.328202155786, 0.0539845460119), "equality", f_rtol=1e-9),
    HSProblem("hs063", hs063, (2, 2, 2), 961.715172127,
              (3.51211841492, 0.216988174172, 3.55217403459), "equality", f_rtol=1e-9),
    HSProblem("hs080", hs080, (-2, 2, 2, -1, -1), 0.0539498477624,
              (-1.71714294417, 1.59570896503, 1.82724691654, -0.763641279311, -0.763645016315),
              "equality", f_rtol=1e-8),
    HSProblem("hs081", hs081, (-2, 2, 2, -1, -1), 0.0539498477749,
              (-1.71714240091, 1.59570833592, 1.82724792592, -0.763647440817, -0.763638975604),
              "equality", f_rtol=1e-8),
    # mixed
    HSProblem("hs032", hs032, (0.1, 0.7, 0.2), 1.0, (0, 0, 1), "mixed"),
    HSProblem("hs041", hs041, (1, 1, 1, 1), 52 / 27, (2 / 3, 1 / 3, 1 / 3, 2), "mixed"),
    HSProblem("hs073", hs073, (1, 1, 1, 1), 29.8943781573,
              (0.635521568605, 0, 0.312701880754, 0.0517765506011), "mixed", f_rtol=1e-9),
    HSProblem("hs074", hs074, (0, 0, 0, 0), 5126.49810934,
              (679.945319802, 1026.06713256, 0.118876364490, -0.396233553180), "mixed",
              f_rtol=1e-9, feas_tol=1e-6),
    HSProblem("hs075", hs075, (0, 0, 0, 0), 5174.41288686,
              (776.159220293, 925.194939196, 0.0511087936804, -0.428891137432), "mixed",
              f_rtol=1e-9, feas_tol=1e-6),
    # larger problems
    HSProblem("hs086", hs086, (0, 0, 0, 0, 1), -32.3486789716,
              (0.3, 0.333467606492, 0.4, 0.428310104740, 0.223964873676), "inequality",
              f_rtol=1e-9),
    HSProblem("hs093", hs093, (5.54, 4.4, 12.02, 11.82, 0.702, 0.852), 135.075961229,
              (5.33266639884, 4.65674439073, 10.4329901123, 12.0823085893, 0.752607369745,
               0.878650836850), "inequality", f_rtol=1e-9),
    HSProblem("hs095", hs095, (0,) * 6, 0.0156195144282, (-0.476149332788e-11, -0.355239427962e-10, -0.702611041315e-10,
               -0.171856469485e-10, -0.748993551642e-10, 0.00332330328254), "inequality",
              f_rtol=1e-9),
    HSProblem("hs096", hs096, (0,) * 6, 0.0156195134384, (-0.519722825686e-11, -0.387748184662e-10, -0.766908552858e-10,
               -0.187583442974e-10, -0.817535626869e-10, 0.00332330328612), "inequality",
              f_rtol=1e-9),
    HSProblem("hs097", hs097, (0,) * 6, 3.1358089, (0.268564912352, 0, 0, 0, 0.028, 0.0134),
              "inequality", f_rtol=1e-7, note="the book prints f* = 3.1358091"),
    HSProblem("hs098", hs098, (0,) * 6, 3.1358089, (0.268564912323, 0, 0, 0, 0.028, 0.0134),
              "inequality", f_rtol=1e-7),
    HSProblem("hs099", hs099, (0.5,) * 7, -831079891.516,
              (0.542460319142, 0.529015870015, 0.508450583169, 0.480269265187, 0.451235157238,
               0.409187805755, 0.352784693565), "equality", f_rtol=1e-9, feas_tol=1e-3,
              note="constraint values ~1e5: x* rounded to 12 digits leaves ~1e-5 there"),
    HSProblem("hs101", hs101, (6,) * 7, 1809.76476556,
              (2.85615855584, 0.610823030755, 2.15081256203, 4.71287370945, 0.999487540961,
               1.34750750498, 0.0316527664991), "inequality", f_rtol=1e-8),
    HSProblem("hs102", hs102, (6,) * 7, 911.880571336,
              (3.89625319099, 0.809358760118, 2.66438599373, 4.30091287458, 0.853554935267,
               1.09528744459, 0.0273104596581), "inequality", f_rtol=1e-8),
    HSProblem("hs103", hs103, (6,) * 7, 543.667958424,
              (4.39410451026, 0.854468738817, 2.84323031380, 3.39997866779, 0.722926133025,
               0.870406381840, 0.0246388263302), "inequality", f_rtol=1e-8),
    HSProblem("hs104", hs104, (6, 3, 0.4, 0.2, 6, 6, 1, 0.5), 3.95116343955,
              (6.46511402796, 2.23270864907, 0.667397491303, 0.595756422907, 5.93267567811,
               5.52723456506, 1.01332200907, 0.400668229166), "inequality", f_rtol=1e-8),
    HSProblem("hs106", hs106, (5000, 5000, 5000, 200, 350, 150, 225, 425), 7049.2480,
              (579.30668, 1359.9707, 5109.9707, 182.01770, 295.60117, 217.98230, 286.41653,
               395.60117), "inequality", f_rtol=1e-7, feas_tol=0.05,
              note="x* is published to 8 digits; the constraints, of size 1e6, then hold "
                   "to ~1e-2. The book's f* = 7049.330923 is above the true optimum"),
    HSProblem("hs107", hs107, (0.8, 0.8, 0.2, 0.2, 1.0454, 1.0454, 1.0454, 0, 0),
              5055.01180339,
              (0.667009506909, 1.02238816675, 0.228287932605, 0.184821729352, 1.0909, 1.0909,
               1.06903593236, 0.106612642267, -0.338786658776), "mixed", f_rtol=1e-9),
    HSProblem("hs108", hs108, (1,) * 9, -np.sqrt(3) / 2,
              (0.884129216724, 0.467242472598, 0.0374207573677, 0.999299598210,
               0.884129216724, 0.467242472594, 0.0374207573618, 0.999299598210, 0),
              "inequality", f_rtol=1e-9),
    HSProblem("hs109", hs109, (0, 0, 0, 0, 250, 250, 200, 0, 0), 5362.06927538,
              (674.888100445, 1134.17039470, 0.133569060261, -0.371152592466, 252, 252,
               201.464535316, 426.660777226, 368.494083867), "mixed", f_rtol=1e-9,
              feas_tol=1e-6),
    HSProblem("hs110", hs110, (9,) * 10, -45.7784697153, (9.35025654733,) * 10, "bounds",
              f_rtol=1e-9),
    HSProblem("hs111", hs111, (-2.3,) * 10, -47.7610902637,
              (-3.20121253241, -1.91205959435, -0.244441308369, -6.53748856532,
               -0.723152425984, -7.26773826993, -3.59671064233, -4.01776873216,
               -3.28746169619, -2.33558183059), "equality", f_rtol=1e-9),
    HSProblem("hs112", hs112, (0.1,) * 10, -47.761086, None, "equality",
              note="the book's x* (0.01773548, 0.08200180, 0.8825646, 0.0007233256, 0.4907851, "
                   "0.0004335469, 0.01727298, 0.007765639, 0.01984929, 0.05269826) has the "
                   "book's f = -47.707579 but is not optimal; Schittkowski's library corrects "
                   "f* to -47.761086 (checked in test_hock_schittkowski_more.py)"),
    HSProblem("hs114", hs114, (1745, 12000, 110, 3048, 1974, 89.2, 92.8, 8, 3.6, 145),
              -1768.80696344,
              (1698.09564792, 15818.7256985, 54.1022827849, 3031.22594099, 2000,
               90.1153669236, 95, 10.4933580864, 1.56163636380, 153.535353535), "mixed",
              f_rtol=1e-9, feas_tol=1e-6),
    HSProblem("hs116", hs116, (0.5, 0.8, 0.9, 0.1, 0.14, 0.5, 489, 80, 650, 450, 150, 150, 150),
              97.5884089805,
              (0.803770278595, 0.899986033670, 0.970972419495, 0.0999995162129,
               0.190815447786, 0.460571745738, 574.080310673, 74.0804261398, 500.016155317,
               0.0999999999985, 20.2341325935, 77.3475459898, 0.00673039736648),
              "inequality", f_rtol=1e-9, feas_tol=1e-6,
              note="multipliers of order 1e5: a constraint violation of 1e-8 moves f by 1e-3"),
    HSProblem("hs117", hs117, (0.001,) * 6 + (60,) + (0.001,) * 8, 32.3486789791,
              (0, 0, 5.17413630680, 0, 3.06109271525, 11.8396760290, 0, 0, 0.103907059194, 0,
               0.299992902601, 0.333470928832, 0.399990975915, 0.428314541579,
               0.223960749729), "inequality", f_rtol=1e-9, feas_tol=1e-6),
    HSProblem("hs118", hs118, (20, 55, 15, 20, 60, 20, 20, 60, 20, 20, 60, 20, 20, 60, 20),
              664.820449993,
              (8, 49, 3, 1, 56, 0, 1, 63, 6, 3, 70, 12, 5, 77, 18), "inequality",
              f_rtol=1e-9),
    HSProblem("hs119", hs119, (10,) * 16, 244.899697515,
              (0.0398473514099, 0.791983155694, 0.202870330224, 0.844357916347, 1.26990645286,
               0.934738707827, 1.68196196924, 0.155300877490, 1.56787033356, 0, 0, 0,
               0.660204066, 0, 0.674255926901, 0), "equality", f_rtol=1e-9, feas_tol=1e-6,
              note="the book's start x = 10 lies outside the bounds 0 <= x <= 5"),
]

BY_NAME = {p.name: p for p in PROBLEMS}
