"""Checking a derivation (DESIGN.md, principle 6): prove ``lhs == rhs``, or find where it fails.

`check` tries, in order:

1. rewriting (method "egraph"): ``lhs - rhs`` canonicalizes to 0, or the e-graph puts both
   sides in one e-class. The rules are exact over the reals, so this stage runs only when
   every symbol is real (declared ``real``/``positive``/..., or an array element: sympile's
   arrays are real); "proved" then means equal for all real values where both sides are
   defined;
2. SymPy (method "sympy"): ``simplify(lhs - rhs) == 0``, under a hard time limit;
3. evaluation at random points (method "numeric"), drawn to respect each symbol's declared
   domain (positive, integer, real; complex symbols also get complex points). Points where
   either side is not finite (log of a negative, division by zero, ...) are skipped. A point
   where the sides differ by more than a relative 1e-8 is confirmed at 50 digits before it is
   reported as a counterexample ("refuted"); otherwise the report says "agrees", with the
   number of points and the largest difference.

>>> import symbolic as sy
>>> x = sy.Symbol("x", real=True)
>>> sy.check(sy.Eq(sy.sin(x)**2 + sy.cos(x)**2, 1)).status
'proved'
>>> rep = sy.check(sy.Eq(sy.sin(2*x), 2*sy.sin(x)))
>>> rep.status, sorted(rep.counterexample) == [x]
('refuted', True)
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from sympy import Expr, Indexed, IndexedBase, Symbol
from sympy.core.function import AppliedUndef
from sympy.core.relational import Equality, Relational
from sympy.logic.boolalg import BooleanFalse, BooleanTrue

from .simplify import Budget, worker
from .simplify.canonical import canonicalize
from .simplify.terms import Encoder

RTOL = 1e-8
HIGH_PRECISION = 50          # decimal digits used to confirm a counterexample
MAX_ATTEMPTS_PER_POINT = 20  # draws per wanted point before giving up on a domain
_PROVE_EQUAL = "symbolic.simplify.egraph:prove_equal"
_SYMPY_PROVES = f"{__name__}:sympy_proves"


@dataclass
class CheckReport:
    """The outcome of `check`.

    ``status`` is "proved", "refuted" or "agrees" (not proved, but equal at ``points`` random
    points); ``method`` is "egraph", "sympy" or "numeric"; ``counterexample`` maps each symbol
    (or array element) to a value where the sides differ; ``max_difference`` is the largest
    relative difference ``|lhs - rhs| / max(1, |lhs|, |rhs|)`` seen at the points.
    """

    status: str
    method: str
    lhs: Expr
    rhs: Expr
    counterexample: dict | None = None
    max_difference: float = 0.0
    points: int = 0

    def __bool__(self) -> bool:
        return self.status != "refuted"

    def __str__(self) -> str:
        text = f"{self.lhs} = {self.rhs}: {self.status} ({self.method})"
        if self.status == "refuted":
            text += f" at {self.counterexample}"
        if self.method == "numeric":
            text += f"; {self.points} points, max relative difference {self.max_difference:.3g}"
        return text


def check(relation: Any, *, points: int = 50, seed: int = 0, time_limit: float = 2.0
          ) -> CheckReport:
    """Prove or refute the equation ``relation`` (a ``sy.Eq(lhs, rhs)``); see the module doc.

    ``time_limit`` bounds each proving stage (e-graph, SymPy) in seconds.
    """
    if not (isinstance(points, int) and points >= 1):
        raise ValueError(f"check(points=...) must be a positive integer, got {points!r}")
    if not time_limit > 0:
        raise ValueError(f"check(time_limit=...) must be positive seconds, got {time_limit!r}")
    lhs, rhs = _sides(relation)
    if isinstance(lhs, BooleanTrue):
        return CheckReport("proved", "sympy", sympy.S.true, sympy.S.true)
    if isinstance(lhs, BooleanFalse):
        return CheckReport("refuted", "sympy", sympy.S.false, sympy.S.false, counterexample={})
    plain, original = _plain_symbols(lhs, rhs)
    lhs_p, rhs_p = (e.xreplace(plain) for e in (lhs, rhs))
    if _real_domain(lhs_p, rhs_p) and _rewrites_equal(lhs_p, rhs_p, time_limit):
        return CheckReport("proved", "egraph", lhs, rhs)
    try:
        proved = worker.call(_SYMPY_PROVES, lhs_p, rhs_p, timeout=time_limit)
    except worker.WorkerError as exc:
        warnings.warn(f"SymPy proof failed ({exc}); evaluating at points", RuntimeWarning,
                      stacklevel=2)
        proved = False
    if proved is True:
        return CheckReport("proved", "sympy", lhs, rhs)
    report = _numeric(lhs_p, rhs_p, points, seed)
    report.lhs, report.rhs = lhs, rhs
    if report.counterexample is not None:
        report.counterexample = {original.get(k, k): v for k, v in report.counterexample.items()}
    return report


def _sides(relation: Any) -> tuple:
    if isinstance(relation, (BooleanTrue, BooleanFalse)):
        return relation, relation
    if isinstance(relation, Equality):
        return relation.lhs, relation.rhs
    if isinstance(relation, bool):
        raise TypeError(f"check() needs an equation such as sy.Eq(lhs, rhs), got the Python bool "
                        f"{relation}: `a == b` compares SymPy expressions structurally and gives "
                        f"a bool; write sy.Eq(a, b)")
    if isinstance(relation, Relational):
        raise TypeError(f"check() proves equations; got the {type(relation).__name__} "
                        f"{relation}. Use sy.Eq(lhs, rhs)")
    raise TypeError(f"check() needs an equation such as sy.Eq(lhs, rhs), got "
                    f"{type(relation).__name__} {relation!r}; use sy.Eq(a, b)")


def _plain_symbols(*exprs: Expr) -> tuple[dict, dict]:
    """Substitutions to plain SymPy symbols (dummies with the same assumptions) and arrays:
    sympile's subclasses carry bounds and do not pickle to the worker. And the way back."""
    plain: dict = {}
    for e in exprs:
        for s in e.atoms(Symbol):
            if type(s) not in (Symbol, sympy.Dummy):
                plain[s] = sympy.Dummy(s.name, **s.assumptions0)
        for b in e.atoms(IndexedBase):
            if type(b) is not IndexedBase:
                plain[b] = IndexedBase(b.name)
    return plain, {v: k for k, v in plain.items()}


def _variables(*exprs: Expr) -> list[Expr]:
    """What a point assigns: array elements, and symbols outside array indices."""
    loads = set().union(*(e.atoms(Indexed) for e in exprs))
    inside = set().union(*(i.free_symbols for i in loads)) if loads else set()
    syms = set().union(*(e.free_symbols for e in exprs)) - inside - loads
    return sorted(loads, key=str) + sorted((s for s in syms if isinstance(s, Symbol)), key=str)


def _real_domain(*exprs: Expr) -> bool:
    return all(isinstance(v, Indexed) or v.is_real for v in _variables(*exprs))


def _rewrites_equal(lhs: Expr, rhs: Expr, time_limit: float) -> bool:
    """Whether the canonical rules or the e-graph show ``lhs == rhs`` (real values)."""
    a, b = canonicalize(lhs), canonicalize(rhs)
    if a == b or canonicalize(a - b) == 0:
        return True
    encoder = Encoder()
    encoder.add_roots([a, b])
    if encoder.graph.roots[0] == encoder.graph.roots[1]:
        return True
    budget = Budget(time_limit=time_limit)
    try:
        proved = worker.call(_PROVE_EQUAL, encoder.graph, timeout=time_limit,
                             node_limit=budget.node_limit, iter_limit=budget.iter_limit,
                             time_limit=time_limit / 2, match_limit=budget.match_limit)
    except worker.WorkerError as exc:
        warnings.warn(f"e-graph proof failed ({exc}); trying SymPy", RuntimeWarning, stacklevel=3)
        return False
    return proved is True


def sympy_proves(lhs: Expr, rhs: Expr) -> bool:
    """``simplify(lhs - rhs) == 0`` (run in the worker, which is killed past the time limit)."""
    return sympy.simplify(lhs - rhs) == 0


# -- evaluation at random points -----------------------------------------------------------------
def _numeric(lhs: Expr, rhs: Expr, points: int, seed: int) -> CheckReport:
    lhs, rhs = (e.doit() if e.has(sympy.Sum) else e for e in (lhs, rhs))
    undefined = sorted({str(f.func) for e in (lhs, rhs) for f in e.atoms(AppliedUndef)})
    if undefined:
        raise ValueError(f"check could not prove {lhs} = {rhs}, and cannot evaluate the undefined "
                         f"function(s) {', '.join(undefined)} at points")
    variables = _variables(lhs, rhs)
    fast = sympy.lambdify(variables, [lhs, rhs], modules=["scipy", "numpy"])
    exact = sympy.lambdify(variables, [lhs, rhs], modules="mpmath")
    rng = np.random.default_rng(seed)
    done, worst = 0, 0.0
    for _ in range(points * MAX_ATTEMPTS_PER_POINT):
        if done == points:
            break
        values = [_draw(v, rng, complex_ok=done % 2 == 1) for v in variables]
        diff = _difference(fast, values)
        if diff is None:
            continue
        done += 1
        if diff > RTOL:
            confirmed = _confirm(exact, values)
            diff = diff if confirmed is None else confirmed
            if diff > RTOL:
                return CheckReport("refuted", "numeric", lhs, rhs, points=done,
                                   counterexample=dict(zip(variables, values)),
                                   max_difference=max(worst, diff))
        worst = max(worst, diff)
    if done == 0:
        raise ValueError(f"check could not prove {lhs} = {rhs}, and found no point (of "
                         f"{points * MAX_ATTEMPTS_PER_POINT} drawn) where both sides are defined")
    return CheckReport("agrees", "numeric", lhs, rhs, points=done, max_difference=worst)


def _draw(v: Expr, rng: np.random.Generator, complex_ok: bool) -> float | int | complex:
    """A random value in ``v``'s declared domain (array elements are real)."""
    if v.is_integer:
        lo = 1 if v.is_positive else 0 if v.is_nonnegative else -6
        hi = -1 if v.is_negative else 0 if v.is_nonpositive else 6
        return int(rng.integers(lo, hi + 1))
    magnitude = float(np.exp(rng.uniform(math.log(0.05), math.log(10.0))))
    if v.is_positive or v.is_nonnegative:
        return magnitude
    if v.is_negative or v.is_nonpositive:
        return -magnitude
    value = magnitude * float(rng.choice([-1.0, 1.0]))
    if isinstance(v, Indexed) or v.is_real or not complex_ok:
        return value
    return complex(value, float(rng.uniform(-6.0, 6.0)))


def _difference(fn: Any, values: list) -> float | None:
    """Relative difference of the sides at ``values``, or None outside their domain."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a, b = (complex(np.asarray(v).item()) for v in fn(*values))
    except (ArithmeticError, ValueError, TypeError):
        return None
    if not (np.isfinite(a) and np.isfinite(b)):
        return None
    if all(isinstance(v, (int, float)) for v in values) and (abs(a.imag) > 0 or abs(b.imag) > 0):
        return None                          # real inputs, complex value: outside the domain
    return abs(a - b) / max(1.0, abs(a), abs(b))


def _confirm(fn: Any, values: list) -> float | None:
    """The relative difference recomputed with `HIGH_PRECISION` digits (None if mpmath can't)."""
    import mpmath

    with mpmath.workdps(HIGH_PRECISION):
        try:
            a, b = (mpmath.mpmathify(v) for v in fn(*[mpmath.mpmathify(x) for x in values]))
        except Exception:  # noqa: BLE001  (functions mpmath lacks, domain errors)
            return None
        if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
            return None
        return float(abs(a - b) / max(1, abs(a), abs(b)))
