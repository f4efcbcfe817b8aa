"""Problems of an external collection, declared with sympile's array templates.

Source (mathematics only: formulas, bounds, start points, sizes): JuliaSmoothOptimizers'
OptimizationProblems.jl, ``src/ADNLPProblems/<name>.jl`` and ``src/Meta/<name>.jl``, which
transcribe CUTEst (Gould, Orban, Toint), Moré–Garbow–Hillstrom (1981), Luksan–Vlcek and
COPS 3.0 (Dolan, Moré, Munson 2004). Every problem is written here from its formula, with
0-based indices; nothing is generated from the Julia code.

Each entry gives a builder ``build(n) -> (problem, x0)`` at a size parameter ``n`` (the
collection's ``n`` argument), the collection's start point, and the optimal value ``f_star(n)``
with where it comes from (``reference``):

- a closed form (sums of squares whose residuals all vanish, Thomson's N = 12 icosahedron,
  a quadratic program solved through its KKT system with NumPy);
- otherwise an independent solve: SciPy (SLSQP / L-BFGS-B, tolerance 1e-12) on a hand-written
  NumPy version of the same formula from the same start, run once when the entry was written.
  Those numbers are recorded with 9-10 significant digits.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

import symbolic as sy


@dataclass(frozen=True)
class ExternalProblem:
    """One problem of the collection: its declaration, start, size and optimal value."""

    name: str
    kind: str                                   # unconstrained | bounds | equality | mixed
    build: Callable[[int], tuple]               # n -> (sy.Problem, x0 (array or dict), params)
    f_star: Callable[[int], float]              # optimal value at size n
    reference: str                              # where f_star comes from
    n_small: int                                # size of the default-run test
    n_large: int | None = None                  # size of the slow test (None: none)
    f_rtol: float = 1e-6                        # agreement with f_star the reference supports

    def __str__(self) -> str:
        return self.name


def _const(value: float) -> Callable[[int], float]:
    return lambda n: value


def _index_weights(n: int) -> np.ndarray:
    """1, 2, ..., n: the collection's 1-based index as data."""
    return np.arange(1, n + 1, dtype=float)


# ------------------------------------------------------------------------ unconstrained


def genrose(n):
    """GENROSE: 1 + 100 sum (x[i+1] - x[i]^2)^2 + sum (x[i] - 1)^2, start i/(n+1)."""
    x = sy.Variable("x", shape=n)
    f = 1 + 100 * sy.sum((x[1:] - x[:-1] ** 2) ** 2) + sy.sum((x[:-1] - 1) ** 2)
    return sy.Problem(minimize=f, name="genrose"), np.arange(1, n + 1) / (n + 1), {}


def _wood_blocks(a, b, c, d):
    return (100 * (b - a ** 2) ** 2 + (1 - a) ** 2 + 90 * (d - c ** 2) ** 2 + (1 - c) ** 2
            + 10 * (b + d - 2) ** 2 + sy.Rational(1, 10) * (b - d) ** 2)


def chainwoo(n):
    """CHAINWOO: overlapping Wood blocks on (x[2k], .., x[2k+3]); n a multiple of 4."""
    x = sy.Variable("x", shape=n)
    f = 1 + sy.sum(_wood_blocks(x[0:n - 2:2], x[1:n - 2:2], x[2::2], x[3::2]))
    x0 = np.full(n, -2.0)
    x0[:4] = [-3, -1, -3, -1]
    return sy.Problem(minimize=f, name="chainwoo"), x0, {}


def woods(n):
    """WOODS: disjoint Wood blocks on (x[4k], .., x[4k+3]), start -2."""
    x = sy.Variable("x", shape=n)
    f = 1 + sy.sum(_wood_blocks(x[0::4], x[1::4], x[2::4], x[3::4]))
    return sy.Problem(minimize=f, name="woods"), np.full(n, -2.0), {}


def power(n):
    """POWER: (sum i x_i^2)^2 with the weights i as a parameter, start 1."""
    x, w = sy.Variable("x", shape=n), sy.Parameter("w", shape=n)
    f = sy.sum(w * x ** 2) ** 2
    return sy.Problem(minimize=f, name="power"), np.ones(n), {"w": _index_weights(n)}


def tridia(n):
    """TRIDIA: (x_1 - 1)^2 + sum_{i>=2} i (2 x_i - x_{i-1})^2, weights i a parameter."""
    x, w = sy.Variable("x", shape=n), sy.Parameter("w", shape=n)
    f = (x[0] - 1) ** 2 + sy.sum(w[1:] * (2 * x[1:] - x[:-1]) ** 2)
    return sy.Problem(minimize=f, name="tridia"), np.ones(n), {"w": _index_weights(n)}


def vardim(n):
    """VARDIM: sum (x_i - 1)^2 + s^2 + s^4, s = sum i (x_i - 1); start 1 - i/n."""
    x, w = sy.Variable("x", shape=n), sy.Parameter("w", shape=n)
    s = sy.sum(w * (x - 1))
    f = sy.sum((x - 1) ** 2) + s ** 2 + s ** 4
    x0 = 1 - _index_weights(n) / n
    return sy.Problem(minimize=f, name="vardim"), x0, {"w": _index_weights(n)}


def cosine(n):
    """COSINE: sum cos(x_i^2 - x_{i+1}/2), start 1; every term reaches -1 along a chain."""
    x = sy.Variable("x", shape=n)
    f = sy.sum(sy.cos(x[:-1] ** 2 - x[1:] / 2))
    return sy.Problem(minimize=f, name="cosine"), np.ones(n), {}


def srosenbr(n):
    """SROSENBR: separable Rosenbrock on pairs, start (-1.2, 1, -1.2, 1, ...)."""
    x = sy.Variable("x", shape=n)
    a, b = x[0::2], x[1::2]
    f = sy.sum(100 * (b - a ** 2) ** 2 + (a - 1) ** 2)
    x0 = np.ones(n)
    x0[0::2] = -1.2
    return sy.Problem(minimize=f, name="srosenbr"), x0, {}


def quartc(n):
    """QUARTC: sum (x_i - i)^4 with the targets i as a parameter, start 2."""
    x, c = sy.Variable("x", shape=n), sy.Parameter("c", shape=n)
    f = sy.sum((x - c) ** 4)
    return sy.Problem(minimize=f, name="quartc"), np.full(n, 2.0), {"c": _index_weights(n)}


def dixon3dq(n):
    """DIXON3DQ: (x_1 - 1)^2 + sum (x_i - x_{i+1})^2 over i = 2..n-1, + (x_n - 1)^2; start -1."""
    x = sy.Variable("x", shape=n)
    f = (x[0] - 1) ** 2 + sy.sum((x[1:-1] - x[2:]) ** 2) + (x[n - 1] - 1) ** 2
    return sy.Problem(minimize=f, name="dixon3dq"), -np.ones(n), {}


def tquartic(n):
    """TQUARTIC: (x_1 - 1)^2 + sum (x_1^2 - x_{i+1}^2)^2 (x_1 broadcast), start 0.1."""
    x = sy.Variable("x", shape=n)
    f = (x[0] - 1) ** 2 + sy.sum((x[0] ** 2 - x[1:] ** 2) ** 2)
    return sy.Problem(minimize=f, name="tquartic"), np.full(n, 0.1), {}


def arglina(n):
    """ARGLINA (MGH 32), m = 2n residuals: x_i - 2s/m - 1 (i <= n) and -2s/m - 1 (i > n)."""
    x = sy.Variable("x", shape=n)
    m = 2 * n
    s = sy.sum(x)
    f = sy.sum((x - 2 * s / m - 1) ** 2) + (m - n) * (-2 * s / m - 1) ** 2
    return sy.Problem(minimize=f, name="arglina"), np.ones(n), {}


def penalty1(n):
    """PENALTY1 (MGH 23): 1e-5 sum (x_i - 1)^2 + (sum x_i^2 - 1/4)^2, start x_i = i."""
    x = sy.Variable("x", shape=n)
    f = sy.Rational(1, 10 ** 5) * sy.sum((x - 1) ** 2) + (sy.sum(x ** 2) - sy.Rational(1, 4)) ** 2
    return sy.Problem(minimize=f, name="penalty1"), _index_weights(n), {}


def broydn7d(n):
    """BROYDN7D: sum |r_i|^(7/3) + sum |x_i + x_{i+n/2}|^(7/3), written as (r^2)^(7/6)."""
    x = sy.Variable("x", shape=n)
    p = sy.Rational(7, 6)
    h = n // 2
    first = 1 - 2 * x[1] + (3 - x[0] / 2) * x[0]
    inner = 1 - x[:-2] - 2 * x[2:] + (3 - x[1:-1] / 2) * x[1:-1]
    last = 1 - x[n - 2] + (3 - x[n - 1] / 2) * x[n - 1]
    f = ((first ** 2) ** p + sy.sum((inner ** 2) ** p) + (last ** 2) ** p
         + sy.sum(((x[:h] + x[h:]) ** 2) ** p))
    return sy.Problem(minimize=f, name="broydn7d"), -np.ones(n), {}


# ------------------------------------------------------------------------ constrained


def hovercraft1d(n):
    """HOVERCRAFT1D: min ½ sum u^2, x' = v, v' = u (forward Euler), x: 0 -> 100, v: 0 -> 0."""
    N = n // 3
    x, v, u = (sy.Variable("x", shape=N), sy.Variable("v", shape=N),
               sy.Variable("u", shape=N - 1))
    cons = {"x_start": sy.Eq(x[0], 0), "v_start": sy.Eq(v[0], 0),
            "x_end": sy.Eq(x[N - 1], 100), "v_end": sy.Eq(v[N - 1], 0),
            "position": sy.Eq(x[1:] - x[:-1] - v[:-1], 0),
            "velocity": sy.Eq(v[1:] - v[:-1] - u, 0)}
    prob = sy.Problem(minimize=sy.sum(u ** 2) / 2, subject_to=cons, name="hovercraft1d")
    return prob, {"x": np.zeros(N), "v": np.zeros(N), "u": np.zeros(N - 1)}, {}


def hovercraft1d_optimum(n: int) -> float:
    """The QP's optimum from its KKT system (NumPy): min ½|u|^2 s.t. A z = b, z = (x, v, u)."""
    N = n // 3
    nz = 3 * N - 1
    rows, b = [], []

    def row(entries, rhs):
        r = np.zeros(nz)
        for j, val in entries:
            r[j] += val
        rows.append(r)
        b.append(rhs)

    row([(0, 1)], 0)
    row([(N, 1)], 0)
    row([(N - 1, 1)], 100)
    row([(2 * N - 1, 1)], 0)
    for i in range(N - 1):
        row([(i + 1, 1), (i, -1), (N + i, -1)], 0)
    for i in range(N - 1):
        row([(N + i + 1, 1), (N + i, -1), (2 * N + i, -1)], 0)
    A, b = np.array(rows), np.array(b, dtype=float)
    H = np.zeros((nz, nz))
    H[2 * N:, 2 * N:] = np.eye(N - 1)
    K = np.block([[H, A.T], [A, np.zeros((len(b), len(b)))]])
    z = np.linalg.lstsq(K, np.r_[np.zeros(nz), b], rcond=None)[0][:nz]
    return 0.5 * float(z[2 * N:] @ z[2 * N:])


def clnlbeam(n):
    """CLNLBEAM: clamped nonlinear beam, trapezoidal rule, alpha = 350, start 0."""
    N = (n - 3) // 3
    h = sy.Rational(1, N)
    alpha = 350
    t = sy.Variable("t", shape=N + 1, lower=-1, upper=1)
    x = sy.Variable("x", shape=N + 1, lower=-0.05, upper=0.05)
    u = sy.Variable("u", shape=N + 1)
    f = sy.sum(h / 2 * (u[1:] ** 2 + u[:-1] ** 2)
               + alpha * h / 2 * (sy.cos(t[1:]) + sy.cos(t[:-1])))
    cons = {"deflection": sy.Eq(x[1:] - x[:-1] - h / 2 * (sy.sin(t[1:]) + sy.sin(t[:-1])), 0),
            "angle": sy.Eq(t[1:] - t[:-1] - h / 2 * (u[1:] + u[:-1]), 0)}
    zero = np.zeros(N + 1)
    prob = sy.Problem(minimize=f, subject_to=cons, name="clnlbeam")
    return prob, {"t": zero, "x": zero, "u": zero}, {}


def catenary(n):
    """CATENARY: N + 2 points (x, y, z) joined by links of length 1, ends fixed; min potential."""
    N = n // 3 - 2
    d = (N + 1) * 0.6
    mg = 9.81 * 500.0 / (N + 1)
    lx = np.full(N + 2, -np.inf)
    ux = np.full(N + 2, np.inf)
    lx[0] = ux[0] = 0.0
    lx[-1] = ux[-1] = d
    fixed0 = np.full(N + 2, -np.inf)
    fixed0u = np.full(N + 2, np.inf)
    fixed0[0] = fixed0u[0] = 0.0
    px = sy.Variable("px", shape=N + 2, lower=lx, upper=ux)
    py = sy.Variable("py", shape=N + 2, lower=fixed0, upper=fixed0u)
    pz = sy.Variable("pz", shape=N + 2, lower=fixed0, upper=fixed0u)
    f = mg * py[0] / 2 + mg * sy.sum(py[1:N + 1]) + mg * py[N + 1] / 2
    link = (px[1:] - px[:-1]) ** 2 + (py[1:] - py[:-1]) ** 2 + (pz[1:] - pz[:-1]) ** 2
    prob = sy.Problem(minimize=f, subject_to={"link": sy.Eq(link, 1)}, name="catenary")
    i = np.arange(N + 2)
    return prob, {"px": i * d / (N + 1), "py": -i * d / (N + 1), "pz": np.zeros(N + 2)}, {}


def chain(n):
    """CHAIN (COPS 4): hanging chain of length 4 from (0, 1) to (1, 3), trapezoidal rule."""
    nh = max(2, (n - 4) // 4)
    h = sy.Rational(1, nh)
    u, x1, x2, x3 = (sy.Variable(s, shape=nh + 1) for s in ("u", "x1", "x2", "x3"))
    # sy.sqrt(1 + u**2)[1:] is refused (a SymPy function of a template is not sliceable yet)
    w_lo, w_hi = sy.sqrt(1 + u[:-1] ** 2), sy.sqrt(1 + u[1:] ** 2)
    cons = {"energy": sy.Eq(x2[1:] - x2[:-1] - h / 2 * (x1[:-1] * w_lo + x1[1:] * w_hi), 0),
            "length": sy.Eq(x3[1:] - x3[:-1] - h / 2 * (w_lo + w_hi), 0),
            "slope": sy.Eq(x1[1:] - x1[:-1] - h / 2 * (u[:-1] + u[1:]), 0),
            "left": sy.Eq(x1[0], 1), "right": sy.Eq(x1[nh], 3),
            "energy_start": sy.Eq(x2[0], 0), "length_start": sy.Eq(x3[0], 0),
            "total_length": sy.Eq(x3[nh], 4)}
    prob = sy.Problem(minimize=x2[nh], subject_to=cons, name="chain")
    k = np.arange(1, nh + 2) / nh
    u0 = 8 * (k - 0.25)
    x10 = 8 * k * (k / 2 - 0.25) + 1
    return prob, {"u": u0, "x1": x10, "x2": x10 * u0, "x3": u0}, {}


def camshape(n):
    """CAMSHAPE (COPS 6): maximize the cam's area with curvature and slope limits."""
    r_min, r_max, alpha = 1.0, 2.0, 1.5
    theta = 2 * np.pi / (5 * (n + 1))
    c = float(np.cos(theta))
    y = sy.Variable("y", shape=n, lower=r_min, upper=r_max)
    lim = alpha * theta
    cons = {
        "slope_end": sy.Le(r_max - y[n - 1], lim), "slope_end_lo": sy.Ge(r_max - y[n - 1], -lim),
        "slope_start": sy.Le(y[0] - r_min, lim), "slope_start_lo": sy.Ge(y[0] - r_min, -lim),
        "slope": sy.Le(y[1:] - y[:-1], lim), "slope_lo": sy.Ge(y[1:] - y[:-1], -lim),
        "convex_first": -r_min * y[0] - y[0] * y[1] + 2 * r_min * y[1] * c <= 0,
        "convex_zero": -r_min ** 2 - r_min * y[0] + 2 * r_min * y[0] * c <= 0,
        "convex_last": -y[n - 2] * y[n - 1] - y[n - 1] * r_max + 2 * y[n - 2] * r_max * c <= 0,
        "convex_end": -2 * r_max * y[n - 1] + 2 * y[n - 1] ** 2 * c <= 0,
        "convex": -y[:-2] * y[1:-1] - y[1:-1] * y[2:] + 2 * y[:-2] * y[2:] * c <= 0,
    }
    f = -np.pi / n * sy.sum(y)
    return sy.Problem(minimize=f, subject_to=cons, name="camshape"), np.full(n, 1.5), {}


def controlinvestment(n):
    """CONTROLINVESTMENT: x' = gamma u x, x(0) = 1, 0 <= u <= 1; min ∫ (u - 1) x (trapezoid)."""
    N = n // 2
    h = sy.Rational(1, N)
    gamma = 3
    x = sy.Variable("x", shape=N)
    u = sy.Variable("u", shape=N, lower=0, upper=1)
    f = h / 2 * sy.sum((u[:-1] - 1) * x[:-1] + (u[1:] - 1) * x[1:])
    cons = {"start": sy.Eq(x[0], 1),
            "dynamics": sy.Eq(x[1:] - x[:-1]
                              - h / 2 * gamma * (u[:-1] * x[:-1] + u[1:] * x[1:]), 0)}
    prob = sy.Problem(minimize=f, subject_to=cons, name="controlinvestment")
    return prob, {"x": np.ones(N), "u": np.zeros(N)}, {}


def elec(n):
    """ELEC (COPS 2): N = n/3 electrons on the unit sphere, min Coulomb energy (Thomson)."""
    N = max(2, n // 3)
    x, y, z = (sy.Variable(s, shape=N) for s in ("x", "y", "z"))
    f = sum(sy.sum(1 / sy.sqrt((x[k:] - x[:-k]) ** 2 + (y[k:] - y[:-k]) ** 2
                               + (z[k:] - z[:-k]) ** 2)) for k in range(1, N))
    prob = sy.Problem(minimize=f, subject_to={"sphere": sy.Eq(x ** 2 + y ** 2 + z ** 2, 1)},
                      name="elec")
    r = np.arange(1, N + 1) / N
    th, ph = 2 * np.pi * r, np.pi * r
    return prob, {"x": np.sin(th) * np.cos(ph), "y": np.sin(th) * np.sin(ph), "z": np.cos(th)}, {}


def polygon(n):
    """POLYGON (COPS 1): largest area of an N-gon of diameter 1 in polar coordinates (r, θ)."""
    N = n // 2
    r = sy.Variable("r", shape=N, lower=0, upper=1)
    th = sy.Variable("th", shape=N, lower=0, upper=np.pi)
    f = -sy.Rational(1, 2) * sy.sum(r[:-1] * r[1:] * sy.sin(th[1:] - th[:-1]))
    cons = {"last_angle": sy.Eq(th[N - 1], sy.pi), "first_angle": sy.Eq(th[0], 0),
            "order": th[1:] - th[:-1] >= 0}
    for k in range(1, N):
        cons[f"diameter_{k}"] = (r[:-k] ** 2 + r[k:] ** 2
                                 - 2 * r[:-k] * r[k:] * sy.cos(th[:-k] - th[k:]) - 1 <= 0)
    x0 = {"r": np.ones(N), "th": np.arange(N) * np.pi / (N - 1)}
    return sy.Problem(minimize=f, subject_to=cons, name="polygon"), x0, {}


def bearing(n):
    """BEARING (COPS 16): journal bearing pressure, a bound-constrained convex QP on a grid."""
    nx = ny = max(1, int(round(np.sqrt(n))) - 2)
    b, e = 10.0, 0.1
    hx, hy = 2 * np.pi / (nx + 1), 2 * b / (ny + 1)
    upper = np.full((nx + 2, ny + 2), np.inf)
    upper[0, :] = upper[-1, :] = upper[:, 0] = upper[:, -1] = 0.0
    v = sy.Variable("v", shape=(nx + 2, ny + 2), lower=0, upper=upper)
    # (1 + e cos(i hx))^3 and e sin(i hx), i = 0..nx+1, repeated along the second axis
    wq = sy.Parameter("wq", shape=(nx + 2, ny + 2))
    sx = sy.Parameter("sx", shape=(nx + 2, ny + 2))
    c = hx * hy / 12
    fwd = (wq[:-1, :-1] + 2 * wq[1:, :-1]) * (((v[1:, :-1] - v[:-1, :-1]) / hx) ** 2
                                    + ((v[:-1, 1:] - v[:-1, :-1]) / hy) ** 2)
    bwd = (2 * wq[1:, 1:] + 2 * wq[:-1, 1:]) * (((v[:-1, 1:] - v[1:, 1:]) / hx) ** 2
                                        + ((v[1:, :-1] - v[1:, 1:]) / hy) ** 2)
    f = c * sy.sum(fwd) + c * sy.sum(bwd) - hx * hy * sy.sum(sx * v)
    i = np.arange(nx + 2)
    params = {"wq": np.repeat(((1 + e * np.cos(i * hx)) ** 3)[:, None], ny + 2, axis=1),
              "sx": np.repeat((e * np.sin(i * hx))[:, None], ny + 2, axis=1)}
    x0 = np.repeat(np.maximum(np.sin((i + 1) * hx), 0)[:, None], ny + 2, axis=1)
    return sy.Problem(minimize=f, name="bearing"), {"v": x0}, params


PROBLEMS: list[ExternalProblem] = [
    ExternalProblem("genrose", "unconstrained", genrose, _const(1.0),
                    "all residuals vanish at x = 1", 30, 10 ** 4),
    ExternalProblem("woods", "unconstrained", woods, _const(1.0),
                    "all residuals vanish at x = 1", 100, 10 ** 5),
    ExternalProblem("power", "unconstrained", power, _const(0.0), "x = 0", 100, 10 ** 5),
    ExternalProblem("tridia", "unconstrained", tridia, _const(0.0),
                    "x_i = 2^(1-i) zeroes every term", 100, 10 ** 3),
    ExternalProblem("vardim", "unconstrained", vardim, _const(0.0), "x = 1", 100, 10 ** 4),
    ExternalProblem("cosine", "unconstrained", cosine, lambda n: -(n - 1.0),
                    "every cosine at -1", 100, 10 ** 5),
    ExternalProblem("srosenbr", "unconstrained", srosenbr, _const(0.0), "x = 1", 100, 10 ** 5),
    ExternalProblem("quartc", "unconstrained", quartc, _const(0.0), "x_i = i", 100, 10 ** 5),
    ExternalProblem("dixon3dq", "unconstrained", dixon3dq, _const(0.0), "x = 1", 100, 10 ** 3),
    ExternalProblem("tquartic", "unconstrained", tquartic, _const(0.0), "x = 1", 100, 10 ** 5),
    ExternalProblem("arglina", "unconstrained", arglina, lambda n: float(n),
                    "MGH: f* = m - n", 100, 10 ** 4),
    ExternalProblem("penalty1", "unconstrained", penalty1, _const(7.087651467e-05),
                    "SciPy L-BFGS-B, n = 10", 10, None),
    ExternalProblem("hovercraft1d", "equality", hovercraft1d, hovercraft1d_optimum,
                    "KKT system of the QP (NumPy)", 300, 3000),
    ExternalProblem("clnlbeam", "mixed", clnlbeam, _const(350.0),
                    "collection's best_known_upper_bound (the start is a KKT point)", 303, 30003),
    ExternalProblem("catenary", "mixed", catenary, _const(-18874.712269072887),
                    "SciPy SLSQP, n = 30 (stopped at its line-search limit)", 30,
                    f_rtol=1e-5),
    ExternalProblem("chain", "equality", chain, _const(5.083402387625128),
                    "SciPy SLSQP, n = 84", 84),
    ExternalProblem("camshape", "mixed", camshape, _const(-4.309979256763754),
                    "SciPy SLSQP, n = 30 (stopped at its line-search limit)", 30,
                    f_rtol=1e-5),
    ExternalProblem("controlinvestment", "mixed", controlinvestment, _const(-2.120765273301138),
                    "SciPy SLSQP, n = 40", 40),
    ExternalProblem("elec", "equality", elec, _const(49.165253058),
                    "Thomson problem, N = 12: the icosahedron", 36, None),
    ExternalProblem("polygon", "mixed", polygon, _const(-0.674981),
                    "Graham's largest small hexagon, area 0.674981", 12, None),
    ExternalProblem("bearing", "bounds", bearing, _const(-0.1540548235539656),
                    "SciPy L-BFGS-B, n = 100", 100),
]

BY_NAME = {p.name: p for p in PROBLEMS}
