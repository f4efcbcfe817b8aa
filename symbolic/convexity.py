"""Is a problem convex in some variables? Decided symbolically, never by sampling.

Two proofs are tried: a quadratic in scalar variables whose Hessian is a constant positive
semidefinite matrix, then composition rules in the style of disciplined convex programming
(Grant, Boyd, Ye 2006): sums and nonnegative multiples of convex terms, convex increasing
functions of convex arguments, affine arguments of any convex function, with the signs of the
other symbols taken from their declared bounds. A constant Hessian with a negative eigenvalue
proves non-convexity; otherwise a failed proof says which term it could not place.

>>> import symbolic as sy
>>> x, y = sy.Variable("x", lower=0), sy.Variable("y")
>>> curvature(x * sy.exp(y) + sy.log(1 + sy.exp(-y)), {y})
'convex'
>>> curvature(sy.Variable("s") * y**2, {y})
'unknown'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import sympy
from sympy import Add, Expr, Indexed, Mul, Pow, Sum, Symbol

from .arrays import is_variable

CONSTANT, AFFINE, CONVEX, CONCAVE, UNKNOWN = "constant", "affine", "convex", "concave", "unknown"
NONNEG, NONPOS, ANY = "nonneg", "nonpos", "any"


@dataclass(frozen=True)
class ConvexityReport:
    """``convex`` is True (proved), False (proved not convex) or None (not proved); ``reason``
    says how, naming the term that could not be placed."""

    convex: bool | None
    reason: str

    def __bool__(self) -> bool:
        return self.convex is True


def _depends(e: Expr, wrt: set) -> bool:
    for node in sympy.preorder_traversal(e):
        if node in wrt or (isinstance(node, Indexed) and node.base in wrt):
            return True
    return False


def sign(e: Expr) -> str:
    """Sign of an expression from numbers, declared bounds and assumptions: nonneg, nonpos, any."""
    e = sympy.sympify(e)
    if e.is_Number:
        return NONNEG if e >= 0 else NONPOS
    if isinstance(e, Indexed) or (isinstance(e, Symbol) and is_variable(e)):
        sym = e.base if isinstance(e, Indexed) else e
        lo, hi = getattr(sym, "lower", None), getattr(sym, "upper", None)
        if lo is not None and np.all(np.asarray(lo) >= 0):
            return NONNEG
        if hi is not None and np.all(np.asarray(hi) <= 0):
            return NONPOS
        return ANY
    if e.is_nonnegative:
        return NONNEG
    if e.is_nonpositive:
        return NONPOS
    if isinstance(e, Add):
        signs = {sign(a) for a in e.args}
        return signs.pop() if len(signs) == 1 else ANY
    if isinstance(e, Mul):
        neg = 0
        for a in e.args:
            s = sign(a)
            if s == ANY:
                return ANY
            neg += s == NONPOS
        return NONPOS if neg % 2 else NONNEG
    if isinstance(e, Pow):
        b, p = e.args
        if p.is_Integer and int(p) % 2 == 0:
            return NONNEG
        if sign(b) == NONNEG:
            return NONNEG
        if sign(b) == NONPOS and p.is_Integer:
            return NONPOS
        return ANY
    if isinstance(e, (sympy.exp, sympy.Abs, sympy.cosh)):
        return NONNEG
    if isinstance(e, Sum):
        return sign(e.function)
    return ANY


def _flip(c: str) -> str:
    return {CONVEX: CONCAVE, CONCAVE: CONVEX}.get(c, c)


def _add(curvs: Iterable[str]) -> str:
    s = set(curvs) - {CONSTANT}
    if not s:
        return CONSTANT
    if UNKNOWN in s or {CONVEX, CONCAVE} <= s:
        return UNKNOWN
    s -= {AFFINE}
    return s.pop() if s else AFFINE


class _Analysis:
    """Curvature of expressions in ``wrt``, remembering the first term it could not place."""

    def __init__(self, wrt: set):
        self.wrt = set(wrt)
        self.culprit: Expr | None = None
        self.memo: dict = {}

    def __call__(self, e: Expr) -> str:
        if e not in self.memo:
            c = self._curvature(e)
            if c == UNKNOWN and self.culprit is None:
                self.culprit = e
            self.memo[e] = c
        return self.memo[e]

    def _curvature(self, e: Expr) -> str:
        if not _depends(e, self.wrt):
            return CONSTANT
        if e in self.wrt or (isinstance(e, Indexed) and e.base in self.wrt):
            return AFFINE
        if isinstance(e, Add):
            return _add(self(a) for a in e.args)
        if isinstance(e, Sum):
            return self(e.function)
        if isinstance(e, Mul):
            return self._mul(e)
        if isinstance(e, Pow):
            return self._pow(*e.args)
        if isinstance(e, sympy.exp):
            return CONVEX if self(e.args[0]) in (AFFINE, CONVEX) else UNKNOWN
        if isinstance(e, sympy.log):
            return self._log(e.args[0])
        if isinstance(e, (sympy.Abs, sympy.cosh)):
            a = self(e.args[0])
            s = sign(e.args[0])
            ok = a == AFFINE or (a == CONVEX and s == NONNEG) or (a == CONCAVE and s == NONPOS)
            return CONVEX if ok else UNKNOWN
        if isinstance(e, sympy.Max):
            return CONVEX if all(self(a) in (CONSTANT, AFFINE, CONVEX) for a in e.args) \
                else UNKNOWN
        if isinstance(e, sympy.Min):
            return CONCAVE if all(self(a) in (CONSTANT, AFFINE, CONCAVE) for a in e.args) \
                else UNKNOWN
        return UNKNOWN

    def _mul(self, e: Mul) -> str:
        varying = [a for a in e.args if _depends(a, self.wrt)]
        if len(varying) != 1:
            return UNKNOWN
        c = self(varying[0])
        scale = sign(Mul(*[a for a in e.args if a is not varying[0]]))
        if c in (AFFINE, UNKNOWN):
            return c
        if scale == NONNEG:
            return c
        if scale == NONPOS:
            return _flip(c)
        return UNKNOWN

    def _pow(self, b: Expr, p: Expr) -> str:
        if _depends(p, self.wrt):          # a**u = exp(u log a) with a > 0
            return CONVEX if b.is_Number and b > 0 and self(p) in (AFFINE, CONVEX) else UNKNOWN
        if not p.is_Number:
            return UNKNOWN
        c, s = self(b), sign(b)
        if p == 1:
            return c
        if p.is_Integer and int(p) % 2 == 0 and p > 0:
            ok = c == AFFINE or (c == CONVEX and s == NONNEG) or (c == CONCAVE and s == NONPOS)
            return CONVEX if ok else UNKNOWN
        if p > 1:
            return CONVEX if c in (AFFINE, CONVEX) and s == NONNEG else UNKNOWN
        if 0 < p < 1:
            return CONCAVE if c in (AFFINE, CONCAVE) and s == NONNEG else UNKNOWN
        if p < 0:
            return CONVEX if c in (AFFINE, CONCAVE) and s == NONNEG else UNKNOWN
        return UNKNOWN

    def _log(self, a: Expr) -> str:
        """log is concave increasing; log(c + Σ exp(u_i)) is log-sum-exp, convex increasing."""
        terms = Add.make_args(a)
        if any(isinstance(t, sympy.exp) for t in terms) and all(
                isinstance(t, sympy.exp) or (not _depends(t, self.wrt) and t.is_Number and t > 0)
                for t in terms):
            return CONVEX if all(self(t.args[0]) in (CONSTANT, AFFINE, CONVEX)
                                 for t in terms if isinstance(t, sympy.exp)) else UNKNOWN
        return CONCAVE if self(a) in (AFFINE, CONCAVE) else UNKNOWN


def curvature(expr: Any, wrt: set) -> str:
    """Curvature in the symbols ``wrt``: constant, affine, convex, concave or unknown."""
    return _Analysis(wrt)(sympy.sympify(expr))


def _quadratic_hessian(expr: Expr, ys: list) -> sympy.Matrix | None:
    """The Hessian of ``expr`` in scalar symbols ``ys`` when it is a constant matrix, else None."""
    if any(getattr(y, "shape", ()) for y in ys) or expr.has(Sum, Indexed):
        return None
    if not expr.is_polynomial(*ys) or sympy.Poly(expr, *ys).total_degree() > 2:
        return None
    H = sympy.hessian(expr, ys)
    return H if all(h.is_Number for h in H) else None


def problem_convexity(problem, ys: list, xs: list = ()) -> ConvexityReport:
    """Whether ``problem`` (objective and feasible set) is convex in the variables ``ys``."""
    wrt = set(ys)
    f = problem.objective if problem.sense == "minimize" else -problem.objective
    names = ", ".join(v.name for v in ys)
    H = _quadratic_hessian(f, list(ys))
    obj_reason = None
    if H is not None:
        eig = np.linalg.eigvalsh(np.array(H.tolist(), dtype=float))
        if eig.min() < -1e-12 * max(1.0, abs(eig).max()):
            return ConvexityReport(False, f"the objective is quadratic in {names} with a Hessian "
                                          f"that has the negative eigenvalue {eig.min():.3g}")
        obj_reason = f"the objective is quadratic in {names} with a constant positive " \
                     f"semidefinite Hessian"
    else:
        analysis = _Analysis(wrt)
        c = analysis(f)
        if c not in (CONSTANT, AFFINE, CONVEX):
            return ConvexityReport(None, f"not proved convex in {names}: the term "
                                         f"{analysis.culprit} of the objective has unknown "
                                         f"curvature by the composition rules")
        obj_reason = f"the objective is {c} in {names} by composition rules"
    for con in problem.constraints:
        analysis = _Analysis(wrt)
        c = analysis(con.expr)
        need = (AFFINE,) if con.is_equality else ((CONVEX,) if con.upper == 0 else (CONCAVE,))
        if c not in (CONSTANT, AFFINE) + need:
            what = "affine" if con.is_equality else ("convex (<= 0)" if con.upper == 0
                                                     else "concave (>= 0)")
            return ConvexityReport(None, f"not proved convex in {names}: constraint "
                                         f"'{con.name}' must be {what} but is {c}"
                                         + (f" (term {analysis.culprit})"
                                            if analysis.culprit is not None else ""))
    cons = f" and constraints {', '.join(c.name for c in problem.constraints)} define a " \
           f"convex set" if problem.constraints else ""
    return ConvexityReport(True, obj_reason + cons)
