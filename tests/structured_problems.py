"""Scalable CUTEst-style problems written with templates, each with a scalarized twin.

Every problem is declared once with sympile's array API (shifted and strided slices, 2-D
shifts, parameters, ``A @ x``, array constraints, array bounds) and once more as its *twin*:
the same function written element by element. The twin is a plain Python function of
element accessors and a math module, so the one definition serves as

- per-element NumPy code (``module=np``, NumPy arrays): an independent objective for
  finite differences and for SciPy reference solves;
- SymPy scalar expressions (``module=sy``, the declared symbols indexed with integers): a
  `Problem` with no templates at all, whose derivatives go through the scalar path.

Sources: CUTEst's SIF files (Gould, Orban, Toint) and the test sets they transcribe (Moré,
Garbow, Hillstrom 1981; Dixon and Maany 1988; Luksan and Vlcek; Toint 1978; Buckley 1989),
with 0-based indices. ``f_star`` is the known optimal value where the literature gives it in
closed form; otherwise it is None and the tests compare with SciPy on the twin.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import symbolic as sy

Twin = Callable[[dict, dict, Any, int], tuple[Any, list]]


@dataclass(frozen=True)
class StructuredProblem:
    """One scalable problem: declaration, twin, data, CUTEst start and known optimum."""

    name: str
    kind: str                                   # unconstrained | bounds | equality | inequality
    variables: Callable[[int], dict]            # n -> {name: dict(shape=, lower=, upper=)}
    template: Callable[[dict, dict, int], tuple]  # (vars, params, n) -> (objective, constraints)
    twin: Twin                                  # (vars, params, module, n) -> (obj, [(kind, e)])
    x0: Callable[[int], dict]                   # n -> {name: start values}
    n_check: int                                # size for derivative checks against the twin
    n_solve: int                                # size for the solve
    f_star: Callable[[int], float] | None = None  # known optimal value at size n
    data: Callable[[int], dict] = field(default=lambda n: {})  # n -> {name: array}
    features: tuple[str, ...] = ()

    def declare(self, n: int) -> "Instance":
        """Symbols, template problem and parameter values at size ``n``."""
        specs = self.variables(n)
        vars_ = {name: sy.Variable(name, **spec) for name, spec in specs.items()}
        values = {k: np.asarray(v, dtype=float) for k, v in self.data(n).items()}
        params = {k: sy.Parameter(k, shape=v.shape if v.ndim else None)
                  for k, v in values.items()}
        objective, constraints = self.template(vars_, params, n)
        problem = sy.Problem(minimize=objective, subject_to=constraints, name=self.name)
        return Instance(self, n, vars_, params, values, problem)


@dataclass
class Instance:
    """A problem at one size: its symbols, the template `Problem` and its parameter values."""

    spec: StructuredProblem
    n: int
    vars: dict
    params: dict
    values: dict
    problem: Any

    def order(self) -> list[str]:
        return [v.name for v in self.problem.variables]

    def split(self, z: np.ndarray) -> dict:
        """Per-variable NumPy arrays from the flat unknown vector (the problem's layout)."""
        out, off = {}, 0
        for v in self.problem.variables:
            shape = tuple(v.shape) if getattr(v, "shape", ()) else ()
            size = int(np.prod(shape)) if shape else 1
            out[v.name] = z[off:off + size].reshape(shape) if shape else z[off]
            off += size
        return out

    def flat(self, per_var: dict) -> np.ndarray:
        parts = []
        for v in self.problem.variables:
            shape = tuple(v.shape) if getattr(v, "shape", ()) else ()
            parts.append(np.ravel(np.broadcast_to(np.asarray(per_var[v.name], float), shape)))
        return np.concatenate(parts)

    def x0(self) -> np.ndarray:
        return self.flat(self.spec.x0(self.n))

    def twin_values(self, z: np.ndarray) -> tuple[float, np.ndarray]:
        """Objective and constraint bodies of the per-element NumPy twin at ``z``."""
        f, cons = self.spec.twin(self.split(z), self.values, np, self.n)
        return float(f), np.array([float(e) for _, e in cons])

    def twin_kinds(self) -> list[str]:
        z = self.x0()
        return [k for k, _ in self.spec.twin(self.split(z), self.values, np, self.n)[1]]

    def scalar_twin(self) -> Any:
        """The twin as a `Problem` of scalar SymPy expressions (no templates), same symbols."""
        f, cons = self.spec.twin(self.vars, self.params, sy, self.n)
        rel = {"eq": lambda e: sy.Eq(e, 0), "ge": lambda e: e >= 0, "le": lambda e: e <= 0}
        return sy.Problem(minimize=f, subject_to=[rel[k](e) for k, e in cons],
                          name=self.spec.name + "_twin")


def _vec(n, lower=None, upper=None):
    return {"x": dict(shape=n, lower=lower, upper=upper)}


def _const(value):
    return lambda n: {"x": np.full(n, float(value))}


def _zero(n):
    return 0.0


def _none(template):
    """Template of an unconstrained problem in ``x`` alone."""
    return lambda v, p, n: (template(v["x"], p, n), [])


def _free(twin):
    return lambda v, p, m, n: (twin(v["x"], p, m, n), [])


# --- unconstrained, shifted stencils -----------------------------------------------------------

ARWHEAD = StructuredProblem(
    "ARWHEAD", "unconstrained", _vec,
    _none(lambda x, p, n: sy.sum(-4 * x[:-1] + 3 + (x[:-1] ** 2 + x[n - 1] ** 2) ** 2)),
    _free(lambda x, p, m, n: sum(-4 * x[i] + 3 + (x[i] ** 2 + x[n - 1] ** 2) ** 2
                                 for i in range(n - 1))),
    _const(1), 8, 1000, _zero, features=("element broadcast",))

BDQRTIC = StructuredProblem(
    "BDQRTIC", "unconstrained", _vec,
    _none(lambda x, p, n: sy.sum((-4 * x[:-4] + 3) ** 2 + (x[:-4] ** 2 + 2 * x[1:-3] ** 2
                                 + 3 * x[2:-2] ** 2 + 4 * x[3:-1] ** 2 + 5 * x[n - 1] ** 2) ** 2)),
    _free(lambda x, p, m, n: sum((-4 * x[i] + 3) ** 2 + (x[i] ** 2 + 2 * x[i + 1] ** 2
                                 + 3 * x[i + 2] ** 2 + 4 * x[i + 3] ** 2 + 5 * x[n - 1] ** 2) ** 2
                                 for i in range(n - 4))),
    _const(1), 9, 100, features=("width-5 stencil",))


def _broydn3d_template(x, p, n):
    inner = (3 - 2 * x[1:-1]) * x[1:-1] - x[:-2] - 2 * x[2:] + 1
    first = (3 - 2 * x[0]) * x[0] - 2 * x[1] + 1
    last = (3 - 2 * x[n - 1]) * x[n - 1] - x[n - 2] + 1
    return sy.sum(inner ** 2) + first ** 2 + last ** 2


def _broydn3d_twin(x, p, m, n):
    def at(i):
        return x[i] if 0 <= i < n else 0
    return sum(((3 - 2 * x[i]) * x[i] - at(i - 1) - 2 * at(i + 1) + 1) ** 2 for i in range(n))


BROYDN3D = StructuredProblem(
    "BROYDN3D", "unconstrained", _vec, _none(_broydn3d_template), _free(_broydn3d_twin),
    _const(-1), 8, 1000, _zero, features=("edges as scalars",))

_BAND = (-5, -4, -3, -2, -1, 1)


def _broydnbd_row(x, i, n):
    return (x[i] * (2 + 5 * x[i] ** 2) + 1
            - sum(x[i + s] * (1 + x[i + s]) for s in _BAND if 0 <= i + s < n))


def _broydnbd_template(x, p, n):
    mid = x[5:n - 1]
    inner = mid * (2 + 5 * mid ** 2) + 1 - sum(x[5 + s:n - 1 + s] * (1 + x[5 + s:n - 1 + s])
                                               for s in _BAND)
    edges = [_broydnbd_row(x, i, n) for i in (0, 1, 2, 3, 4, n - 1)]
    return sy.sum(inner ** 2) + sum(e ** 2 for e in edges)


BROYDNBD = StructuredProblem(
    "BROYDNBD", "unconstrained", _vec, _none(_broydnbd_template),
    _free(lambda x, p, m, n: sum(_broydnbd_row(x, i, n) ** 2 for i in range(n))),
    _const(-1), 10, 1000, _zero, features=("banded sum of 6 shifts",))


def _cragglvy_template(x, p, n):
    a, b, c, d = x[0:n - 2:2], x[1:n - 2:2], x[2::2], x[3::2]
    return sy.sum((sy.exp(a) - b) ** 4 + 100 * (b - c) ** 6 + (sy.tan(c - d) + c - d) ** 4
                  + a ** 8 + (d - 1) ** 2)


def _cragglvy_twin(x, p, m, n):
    return sum((m.exp(x[2 * i]) - x[2 * i + 1]) ** 4 + 100 * (x[2 * i + 1] - x[2 * i + 2]) ** 6
               + (m.tan(x[2 * i + 2] - x[2 * i + 3]) + x[2 * i + 2] - x[2 * i + 3]) ** 4
               + x[2 * i] ** 8 + (x[2 * i + 3] - 1) ** 2 for i in range((n - 2) // 2))


CRAGGLVY = StructuredProblem(
    "CRAGGLVY", "unconstrained", _vec, _none(_cragglvy_template), _free(_cragglvy_twin),
    lambda n: {"x": np.r_[1.0, np.full(n - 1, 2.0)]}, 8, 100,
    features=("strided shifts", "exp", "tan"))


def _dixmaan(name, alpha, beta, gamma, delta, k):
    """Dixon–Maany family: n = 3m, weights (i/n)^k as a parameter, f* = 1."""
    def template(v, p, n):
        x, w, m3 = v["x"], p["w"], n // 3
        return (1 + sy.sum(alpha * x ** 2 * w ** k[0])
                + sy.sum(beta * x[:-1] ** 2 * (x[1:] + x[1:] ** 2) ** 2 * w[:-1] ** k[1])
                + sy.sum(gamma * x[:2 * m3] ** 2 * x[m3:] ** 4 * w[:2 * m3] ** k[2])
                + sy.sum(delta * x[:m3] * x[2 * m3:] * w[:m3] ** k[3])), []

    def twin(v, p, mod, n):
        x, w, m3 = v["x"], p["w"], n // 3
        return (1 + sum(alpha * x[i] ** 2 * w[i] ** k[0] for i in range(n))
                + sum(beta * x[i] ** 2 * (x[i + 1] + x[i + 1] ** 2) ** 2 * w[i] ** k[1]
                      for i in range(n - 1))
                + sum(gamma * x[i] ** 2 * x[i + m3] ** 4 * w[i] ** k[2] for i in range(2 * m3))
                + sum(delta * x[i] * x[i + 2 * m3] * w[i] ** k[3] for i in range(m3))), []

    return StructuredProblem(
        name, "unconstrained", _vec, template, twin, _const(2), 9, 300, lambda n: 1.0,
        data=lambda n: {"w": np.arange(1, n + 1) / n}, features=("parameter weights",))


DIXMAANA = _dixmaan("DIXMAANA", 1.0, 0.0, 0.125, 0.125, (0, 0, 0, 0))
DIXMAANF = _dixmaan("DIXMAANF", 1.0, 0.0625, 0.0625, 0.0625, (1, 0, 0, 1))
DIXMAANL = _dixmaan("DIXMAANL", 1.0, 0.26, 0.26, 0.26, (2, 0, 0, 2))

DQDRTIC = StructuredProblem(
    "DQDRTIC", "unconstrained", _vec,
    _none(lambda x, p, n: sy.sum(x[:-2] ** 2 + 100 * x[1:-1] ** 2 + 100 * x[2:] ** 2)),
    _free(lambda x, p, m, n: sum(x[i] ** 2 + 100 * x[i + 1] ** 2 + 100 * x[i + 2] ** 2
                                 for i in range(n - 2))),
    _const(3), 8, 1000, _zero)

EDENSCH = StructuredProblem(
    "EDENSCH", "unconstrained", _vec,
    _none(lambda x, p, n: 16 + sy.sum((x[:-1] - 2) ** 4 + (x[:-1] * x[1:] - 2 * x[1:]) ** 2
                                      + (x[1:] + 1) ** 2)),
    _free(lambda x, p, m, n: 16 + sum((x[i] - 2) ** 4 + (x[i] * x[i + 1] - 2 * x[i + 1]) ** 2
                                      + (x[i + 1] + 1) ** 2 for i in range(n - 1))),
    _const(0), 8, 100, features=("products of shifts",))

ENGVAL1 = StructuredProblem(
    "ENGVAL1", "unconstrained", _vec,
    _none(lambda x, p, n: sy.sum((x[:-1] ** 2 + x[1:] ** 2) ** 2 - 4 * x[:-1] + 3)),
    _free(lambda x, p, m, n: sum((x[i] ** 2 + x[i + 1] ** 2) ** 2 - 4 * x[i] + 3
                                 for i in range(n - 1))),
    _const(2), 8, 100)

FLETCHCR = StructuredProblem(
    "FLETCHCR", "unconstrained", _vec,
    _none(lambda x, p, n: sy.sum(100 * (x[1:] - x[:-1] + 1 - x[:-1] ** 2) ** 2)),
    _free(lambda x, p, m, n: sum(100 * (x[i + 1] - x[i] + 1 - x[i] ** 2) ** 2
                                 for i in range(n - 1))),
    _const(0), 8, 1000, _zero)



def _fletcbv_template(x, p, n):
    h = 1.0 / (n + 1)
    return ((x[0] ** 2 + sy.sum((x[:-1] - x[1:]) ** 2) + x[n - 1] ** 2) / 2
            - h ** 2 * sy.sum(2 * x + sy.cos(x)))


def _fletcbv_twin(x, p, m, n):
    h = 1.0 / (n + 1)
    return ((x[0] ** 2 + sum((x[i] - x[i + 1]) ** 2 for i in range(n - 1)) + x[n - 1] ** 2) / 2
            - h ** 2 * sum(2 * x[i] + m.cos(x[i]) for i in range(n)))


FLETCBV = StructuredProblem(
    "FLETCBV", "unconstrained", _vec, _none(_fletcbv_template), _free(_fletcbv_twin),
    lambda n: {"x": np.arange(1, n + 1) / (n + 1)}, 8, 100, features=("cos",))

FREUROTH = StructuredProblem(
    "FREUROTH", "unconstrained", _vec,
    _none(lambda x, p, n: sy.sum((-13 + x[:-1] + ((5 - x[1:]) * x[1:] - 2) * x[1:]) ** 2
                                 + (-29 + x[:-1] + ((1 + x[1:]) * x[1:] - 14) * x[1:]) ** 2)),
    _free(lambda x, p, m, n: sum((-13 + x[i] + ((5 - x[i + 1]) * x[i + 1] - 2) * x[i + 1]) ** 2
                                 + (-29 + x[i] + ((1 + x[i + 1]) * x[i + 1] - 14) * x[i + 1]) ** 2
                                 for i in range(n - 1))),
    lambda n: {"x": np.r_[0.5, -2.0, np.zeros(n - 2)]}, 8, 100)

GENHUMPS = StructuredProblem(
    "GENHUMPS", "unconstrained", _vec,
    _none(lambda x, p, n: sy.sum(sy.sin(2 * x[:-1]) ** 2 * sy.sin(2 * x[1:]) ** 2
                                 + 0.05 * (x[:-1] ** 2 + x[1:] ** 2))),
    _free(lambda x, p, m, n: sum(m.sin(2 * x[i]) ** 2 * m.sin(2 * x[i + 1]) ** 2
                                 + 0.05 * (x[i] ** 2 + x[i + 1] ** 2) for i in range(n - 1))),
    lambda n: {"x": np.r_[-506.0, np.full(n - 1, 506.2)]}, 8, 100, _zero, features=("sin",))

LIARWHD = StructuredProblem(
    "LIARWHD", "unconstrained", _vec,
    _none(lambda x, p, n: sy.sum(4 * (x ** 2 - x[0]) ** 2 + (x - 1) ** 2)),
    _free(lambda x, p, m, n: sum(4 * (x[i] ** 2 - x[0]) ** 2 + (x[i] - 1) ** 2
                                 for i in range(n))),
    _const(4), 8, 1000, _zero, features=("element broadcast",))

NONDIA = StructuredProblem(
    "NONDIA", "unconstrained", _vec,
    _none(lambda x, p, n: (x[0] - 1) ** 2 + sy.sum(100 * (x[0] - x[:-1] ** 2) ** 2)),
    _free(lambda x, p, m, n: (x[0] - 1) ** 2 + sum(100 * (x[0] - x[i] ** 2) ** 2
                                                   for i in range(n - 1))),
    _const(-1), 8, 1000, _zero)

NONDQUAR = StructuredProblem(
    "NONDQUAR", "unconstrained", _vec,
    _none(lambda x, p, n: (x[0] - x[1]) ** 2 + sy.sum((x[:-2] + x[1:-1] + x[n - 1]) ** 4)
          + (x[n - 2] + x[n - 1]) ** 2),
    _free(lambda x, p, m, n: (x[0] - x[1]) ** 2 + sum((x[i] + x[i + 1] + x[n - 1]) ** 4
                                                      for i in range(n - 2))
          + (x[n - 2] + x[n - 1]) ** 2),
    lambda n: {"x": np.where(np.arange(n) % 2 == 0, 1.0, -1.0)}, 8, 100, _zero)



def _penalty2_data(n):
    i = np.arange(n)
    return {"y": np.exp((i + 1) / 10) + np.exp(i / 10), "wt": (n - i).astype(float)}


def _penalty2_template(x, p, n):
    a = 1e-5
    return (a * (x[0] - 0.2) ** 2
            + a * sy.sum((sy.exp(x[1:] / 10) + sy.exp(x[:-1] / 10) - p["y"][1:]) ** 2)
            + a * sy.sum((sy.exp(x[1:] / 10) - np.exp(-0.1)) ** 2)
            + (sy.sum(p["wt"] * x ** 2) - 1) ** 2)


def _penalty2_twin(x, p, m, n):
    a = 1e-5
    return (a * (x[0] - 0.2) ** 2
            + a * sum((m.exp(x[i] / 10) + m.exp(x[i - 1] / 10) - p["y"][i]) ** 2
                      for i in range(1, n))
            + a * sum((m.exp(x[i] / 10) - np.exp(-0.1)) ** 2 for i in range(1, n))
            + (sum(p["wt"][i] * x[i] ** 2 for i in range(n)) - 1) ** 2)


PENALTY2 = StructuredProblem(
    "PENALTY2", "unconstrained", _vec, _none(_penalty2_template), _free(_penalty2_twin),
    _const(0.5), 8, 100, data=_penalty2_data, features=("shifted stencil times a sum",))



def _penalty3_template(x, p, n):
    """PENALTY3-like: products of sums over shifted stencils, weighted by exp of an element."""
    r = sy.sum((x[:-2] + 2 * x[1:-1] + 10 * x[2:] - 1) ** 2)
    s = sy.sum((2 * x[:-1] + x[1:] - 3) ** 2)
    return (1e-3 * (1 + sy.sum((x[:n // 2] - 1) ** 2)) + r * s + sy.exp(x[n - 1]) * r
            + sy.exp(x[n - 2]) * s)


def _penalty3_twin(x, p, m, n):
    r = sum((x[i] + 2 * x[i + 1] + 10 * x[i + 2] - 1) ** 2 for i in range(n - 2))
    s = sum((2 * x[i] + x[i + 1] - 3) ** 2 for i in range(n - 1))
    return (1e-3 * (1 + sum((x[i] - 1) ** 2 for i in range(n // 2))) + r * s
            + m.exp(x[n - 1]) * r + m.exp(x[n - 2]) * s)


PENALTY3 = StructuredProblem(
    "PENALTY3", "unconstrained", _vec, _none(_penalty3_template), _free(_penalty3_twin),
    _const(0.1), 8, 100, features=("product of stencil sums",))

POWER = StructuredProblem(
    "POWER", "unconstrained", _vec,
    _none(lambda x, p, n: sy.sum(p["i"] * x ** 2) ** 2),
    _free(lambda x, p, m, n: sum(p["i"][k] * x[k] ** 2 for k in range(n)) ** 2),
    _const(1), 8, 100, _zero, data=lambda n: {"i": np.arange(1, n + 1)},
    features=("square of a sum",))

QUARTC = StructuredProblem(
    "QUARTC", "unconstrained", _vec,
    _none(lambda x, p, n: sy.sum((x - p["i"]) ** 4)),
    _free(lambda x, p, m, n: sum((x[k] - p["i"][k]) ** 4 for k in range(n))),
    _const(2), 8, 1000, _zero, data=lambda n: {"i": np.arange(1, n + 1)})

SCHMVETT = StructuredProblem(
    "SCHMVETT", "unconstrained", _vec,
    _none(lambda x, p, n: sy.sum(-1 / (1 + (x[:-2] - x[1:-1]) ** 2)
                                 - sy.sin((sy.pi * x[1:-1] + x[2:]) / 2)
                                 - sy.exp(-((x[:-2] + x[2:]) / x[1:-1] - 2) ** 2))),
    _free(lambda x, p, m, n: sum(-1 / (1 + (x[i] - x[i + 1]) ** 2)
                                 - m.sin((m.pi * x[i + 1] + x[i + 2]) / 2)
                                 - m.exp(-((x[i] + x[i + 2]) / x[i + 1] - 2) ** 2)
                                 for i in range(n - 2))),
    _const(3), 8, 1000, lambda n: -3.0 * (n - 2), features=("exp", "sin", "division"))

SINQUAD = StructuredProblem(
    "SINQUAD", "unconstrained", _vec,
    _none(lambda x, p, n: (x[0] - 1) ** 4
          + sy.sum((sy.sin(x[1:-1] - x[n - 1]) - x[0] ** 2 + x[1:-1] ** 2) ** 2)
          + (x[n - 1] ** 2 - x[0] ** 2) ** 2),
    _free(lambda x, p, m, n: (x[0] - 1) ** 4
          + sum((m.sin(x[i] - x[n - 1]) - x[0] ** 2 + x[i] ** 2) ** 2 for i in range(1, n - 1))
          + (x[n - 1] ** 2 - x[0] ** 2) ** 2),
    _const(0.1), 8, 100, _zero, features=("sin",))

SROSENBR = StructuredProblem(
    "SROSENBR", "unconstrained", _vec,
    _none(lambda x, p, n: sy.sum(100 * (x[1::2] - x[0::2] ** 2) ** 2 + (x[0::2] - 1) ** 2)),
    _free(lambda x, p, m, n: sum(100 * (x[2 * i + 1] - x[2 * i] ** 2) ** 2 + (x[2 * i] - 1) ** 2
                                 for i in range(n // 2))),
    lambda n: {"x": np.tile([-1.2, 1.0], n // 2)}, 8, 1000, _zero, features=("stride 2",))

TRIDIA = StructuredProblem(
    "TRIDIA", "unconstrained", _vec,
    _none(lambda x, p, n: (x[0] - 1) ** 2 + sy.sum(p["i"][1:] * (2 * x[1:] - x[:-1]) ** 2)),
    _free(lambda x, p, m, n: (x[0] - 1) ** 2 + sum(p["i"][k] * (2 * x[k] - x[k - 1]) ** 2
                                                   for k in range(1, n))),
    _const(1), 8, 1000, _zero, data=lambda n: {"i": np.arange(1, n + 1)})


def _vardim_template(x, p, n):
    s = sy.sum(p["i"] * (x - 1))
    return sy.sum((x - 1) ** 2) + s ** 2 + s ** 4


def _vardim_twin(x, p, m, n):
    s = sum(p["i"][k] * (x[k] - 1) for k in range(n))
    return sum((x[k] - 1) ** 2 for k in range(n)) + s ** 2 + s ** 4


VARDIM = StructuredProblem(
    "VARDIM", "unconstrained", _vec, _none(_vardim_template), _free(_vardim_twin),
    lambda n: {"x": 1 - np.arange(1, n + 1) / n}, 8, 100, _zero,
    data=lambda n: {"i": np.arange(1, n + 1)}, features=("powers of a sum",))


def _woods_template(x, p, n):
    a, b, c, d = x[0::4], x[1::4], x[2::4], x[3::4]
    return sy.sum(100 * (b - a ** 2) ** 2 + (1 - a) ** 2 + 90 * (d - c ** 2) ** 2 + (1 - c) ** 2
                  + 10 * (b + d - 2) ** 2 + 0.1 * (b - d) ** 2)


def _woods_twin(x, p, m, n):
    return sum(100 * (x[4 * i + 1] - x[4 * i] ** 2) ** 2 + (1 - x[4 * i]) ** 2
               + 90 * (x[4 * i + 3] - x[4 * i + 2] ** 2) ** 2 + (1 - x[4 * i + 2]) ** 2
               + 10 * (x[4 * i + 1] + x[4 * i + 3] - 2) ** 2
               + 0.1 * (x[4 * i + 1] - x[4 * i + 3]) ** 2 for i in range(n // 4))


WOODS = StructuredProblem(
    "WOODS", "unconstrained", _vec, _none(_woods_template), _free(_woods_twin),
    lambda n: {"x": np.tile([-3.0, -1.0, -3.0, -1.0], n // 4)}, 8, 1000, _zero,
    features=("stride 4",))


# --- 2-D variables ------------------------------------------------------------------------------

_SLOPE = (0.5, -0.25)


def _plane(n):
    s = np.linspace(0, 1, n + 1)
    return _SLOPE[0] * s[:, None] + _SLOPE[1] * s[None, :]


def _boundary_fixed(values):
    lo = np.full(values.shape, -np.inf)
    hi = np.full(values.shape, np.inf)
    for sl in (np.s_[0, :], np.s_[-1, :], np.s_[:, 0], np.s_[:, -1]):
        lo[sl] = hi[sl] = values[sl]
    return lo, hi


def _minsurf_vars(n):
    lo, hi = _boundary_fixed(_plane(n))
    return {"u": dict(shape=(n + 1, n + 1), lower=lo, upper=hi)}


def _minsurf_template(v, p, n):
    u, h = v["u"], 1.0 / n
    dx = (u[1:, :-1] - u[:-1, :-1]) / h
    dy = (u[:-1, 1:] - u[:-1, :-1]) / h
    return h ** 2 * sy.sum(sy.sqrt(1 + dx ** 2 + dy ** 2)), []


def _minsurf_twin(v, p, m, n):
    u, h = v["u"], 1.0 / n
    return h ** 2 * sum(m.sqrt(1 + ((u[i + 1, j] - u[i, j]) / h) ** 2
                               + ((u[i, j + 1] - u[i, j]) / h) ** 2)
                        for i in range(n) for j in range(n)), []


def _minsurf_x0(n):
    start = np.zeros((n + 1, n + 1))
    lo, _ = _boundary_fixed(_plane(n))
    fixed = np.isfinite(lo)
    start[fixed] = lo[fixed]
    return {"u": start}


MINSURF = StructuredProblem(
    "MINSURF", "bounds", _minsurf_vars, _minsurf_template, _minsurf_twin, _minsurf_x0, 4, 12,
    lambda n: float(np.sqrt(1 + _SLOPE[0] ** 2 + _SLOPE[1] ** 2)),
    features=("2-D shifts", "sqrt", "array bounds fixing a boundary"))


def _torsion_vars(n):
    """Elastic-plastic torsion (MINPACK-2 TORSION): |u| <= distance to the boundary."""
    s = np.linspace(0, 1, n + 1)
    dist = np.minimum(np.minimum(s[:, None], 1 - s[:, None]), np.minimum(s[None, :], 1 - s[None, :]))
    return {"u": dict(shape=(n + 1, n + 1), lower=-dist, upper=dist)}


def _torsion_template(v, p, n):
    u, h, c = v["u"], 1.0 / n, 5.0
    return (h ** 2 * sy.sum(((u[1:, :-1] - u[:-1, :-1]) / h) ** 2 / 2
                            + ((u[:-1, 1:] - u[:-1, :-1]) / h) ** 2 / 2)
            - c * h ** 2 * sy.sum(u[1:-1, 1:-1])), []


def _torsion_twin(v, p, m, n):
    u, h, c = v["u"], 1.0 / n, 5.0
    return (h ** 2 * sum(((u[i + 1, j] - u[i, j]) / h) ** 2 / 2
                         + ((u[i, j + 1] - u[i, j]) / h) ** 2 / 2
                         for i in range(n) for j in range(n))
            - c * h ** 2 * sum(u[i, j] for i in range(1, n) for j in range(1, n))), []


TORSION = StructuredProblem(
    "TORSION", "bounds", _torsion_vars, _torsion_template, _torsion_twin,
    lambda n: {"u": np.zeros((n + 1, n + 1))}, 4, 10,
    features=("2-D shifts", "array bounds (obstacle)"))


def _control_vars(n):
    """Double integrator: state s[t] = (position, velocity), control u[t], from (0,0) to (1,0)."""
    lo = np.full((n + 1, 2), -np.inf)
    hi = np.full((n + 1, 2), np.inf)
    lo[0] = hi[0] = (0.0, 0.0)
    lo[n] = hi[n] = (1.0, 0.0)
    return {"s": dict(shape=(n + 1, 2), lower=lo, upper=hi), "u": dict(shape=n)}


def _control_template(v, p, n):
    s, u, h = v["s"], v["u"], 1.0 / n
    return h * sy.sum(u ** 2), [sy.Eq(s[1:, 0] - s[:-1, 0], h * s[:-1, 1]),
                                sy.Eq(s[1:, 1] - s[:-1, 1], h * u)]


def _control_twin(v, p, m, n):
    s, u, h = v["s"], v["u"], 1.0 / n
    cons = [("eq", s[t + 1, 0] - s[t, 0] - h * s[t, 1]) for t in range(n)]
    cons += [("eq", s[t + 1, 1] - s[t, 1] - h * u[t]) for t in range(n)]
    return h * sum(u[t] ** 2 for t in range(n)), cons


def control_optimum(n: int) -> float:
    """Minimum of h*|u|^2 s.t. v_T = h*sum(u) = 0, x_T = h^2*sum((T-1-t) u_t) = 1 (least norm)."""
    h = 1.0 / n
    G = np.vstack([np.full(n, h), h ** 2 * (n - 1 - np.arange(n))])
    u = G.T @ np.linalg.solve(G @ G.T, np.array([0.0, 1.0]))
    return float(h * u @ u)


CONTROL = StructuredProblem(
    "CONTROL", "equality", _control_vars, _control_template, _control_twin,
    lambda n: {"s": np.zeros((n + 1, 2)), "u": np.zeros(n)}, 5, 200, control_optimum,
    features=("2-D state", "equality constraints over a range", "two variables"))


# --- constraints and data --------------------------------------------------------------------

def _isotonic_data(n):
    t = np.linspace(0, 1, n)
    return {"d": np.sin(3 * t) + 0.3 * np.cos(37 * t)}


ISOTONIC = StructuredProblem(
    "ISOTONIC", "inequality", _vec,
    lambda v, p, n: (sy.sum((v["x"] - p["d"]) ** 2) / 2, [v["x"][1:] >= v["x"][:-1]]),
    lambda v, p, m, n: (sum((v["x"][i] - p["d"][i]) ** 2 for i in range(n)) / 2,
                        [("ge", v["x"][i + 1] - v["x"][i]) for i in range(n - 1)]),
    _const(0), 8, 200, data=_isotonic_data, features=("x[1:] >= x[:-1]",))


def _nnls_data(n):
    rng = np.random.default_rng(7)
    A = rng.standard_normal((n + n // 2, n))
    return {"A": A, "b": A @ rng.standard_normal(n) + 0.1 * rng.standard_normal(n + n // 2)}


NNLS = StructuredProblem(
    "NNLS", "bounds", lambda n: _vec(n, lower=0),
    lambda v, p, n: (sy.sum((p["A"] @ v["x"] - p["b"]) ** 2), []),
    lambda v, p, m, n: (sum((sum(p["A"][r, k] * v["x"][k] for k in range(n)) - p["b"][r]) ** 2
                            for r in range(n + n // 2)), []),
    _const(1), 6, 100, data=_nnls_data, features=("A @ x", "array bounds"))


def _logreg_data(n):
    rng = np.random.default_rng(11)
    rows = 4 * n
    A = rng.standard_normal((rows, n))
    y = np.sign(A @ rng.standard_normal(n) + 0.5 * rng.standard_normal(rows))
    return {"A": A, "y": y}


def _logreg_template(v, p, n):
    x = v["x"]
    margin = p["y"] * (p["A"] @ x)
    return (sy.sum(sy.log(1 + sy.exp(-margin))) + sy.sum(x ** 2) / 2,
            [sy.Eq(sy.sum(x), 1), sy.tanh(x) <= 0.5])


def _logreg_twin(v, p, m, n):
    x, A, y = v["x"], p["A"], p["y"]
    f = sum(m.log(1 + m.exp(-y[r] * sum(A[r, k] * x[k] for k in range(n))))
            for r in range(4 * n)) + sum(x[k] ** 2 for k in range(n)) / 2
    return f, [("eq", sum(x[k] for k in range(n)) - 1)] + [("le", m.tanh(x[k]) - 0.5)
                                                          for k in range(n)]


LOGREG = StructuredProblem(
    "LOGREG", "inequality", _vec, _logreg_template, _logreg_twin, _const(0), 3, 20,
    data=_logreg_data, features=("A @ x", "log", "exp", "tanh", "scalar equality"))


def _chain_template(v, p, n):
    """Hanging chain (COPS): minimize potential energy at fixed segment lengths."""
    x, y, h = v["x"], v["y"], 1.0 / n
    energy = sy.sum((y[1:] + y[:-1]) / 2 * sy.sqrt((x[1:] - x[:-1]) ** 2 + (y[1:] - y[:-1]) ** 2))
    return energy, [sy.Eq((x[1:] - x[:-1]) ** 2 + (y[1:] - y[:-1]) ** 2, (_CHAIN_LENGTH * h) ** 2)]


def _chain_twin(v, p, m, n):
    x, y, h = v["x"], v["y"], 1.0 / n
    f = sum((y[i + 1] + y[i]) / 2 * m.sqrt((x[i + 1] - x[i]) ** 2 + (y[i + 1] - y[i]) ** 2)
            for i in range(n))
    return f, [("eq", (x[i + 1] - x[i]) ** 2 + (y[i + 1] - y[i]) ** 2 - (_CHAIN_LENGTH * h) ** 2)
               for i in range(n)]


_CHAIN_LENGTH = 1.5


def _chain_vars(n):
    lo_x, hi_x = np.full(n + 1, -np.inf), np.full(n + 1, np.inf)
    lo_x[0] = hi_x[0] = 0.0
    lo_x[n] = hi_x[n] = 1.0
    lo_y, hi_y = np.full(n + 1, -np.inf), np.full(n + 1, np.inf)
    lo_y[0] = hi_y[0] = lo_y[n] = hi_y[n] = 0.0
    return {"x": dict(shape=n + 1, lower=lo_x, upper=hi_x),
            "y": dict(shape=n + 1, lower=lo_y, upper=hi_y)}


def _chain_x0(n):
    t = np.linspace(0, 1, n + 1)
    return {"x": t, "y": 0.5 * (t ** 2 - t)}


def catenary_energy(n_fine: int = 200_000) -> float:
    """Potential energy of the continuous catenary of length 1.5 between (0,0) and (1,0)."""
    from scipy.optimize import brentq
    a = brentq(lambda a: 2 * a * np.sinh(0.5 / a) - _CHAIN_LENGTH, 0.05, 10)
    s = np.linspace(0, 1, n_fine + 1)
    y = a * (np.cosh((s - 0.5) / a) - np.cosh(0.5 / a))
    seg = np.hypot(np.diff(s), np.diff(y))
    return float(np.sum((y[1:] + y[:-1]) / 2 * seg))


CHAIN = StructuredProblem(
    "CHAIN", "equality", _chain_vars, _chain_template, _chain_twin, _chain_x0, 5, 100,
    features=("two variables", "equality constraints over a range", "sqrt"))


PROBLEMS: list[StructuredProblem] = [
    ARWHEAD, BDQRTIC, BROYDN3D, BROYDNBD, CRAGGLVY, DIXMAANA, DIXMAANF, DIXMAANL, DQDRTIC,
    EDENSCH, ENGVAL1, FLETCBV, FLETCHCR, FREUROTH, GENHUMPS, LIARWHD, NONDIA, NONDQUAR, PENALTY2, PENALTY3, POWER, QUARTC,
    SCHMVETT, SINQUAD, SROSENBR, TRIDIA, VARDIM, WOODS, MINSURF, TORSION, CONTROL, ISOTONIC,
    NNLS, LOGREG, CHAIN,
]
BY_NAME = {p.name: p for p in PROBLEMS}
