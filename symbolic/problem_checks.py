"""Checks of a user's derivation against a `Problem` (DESIGN.md, principle 6).

`check_gradient`, `check_jacobian` and `check_hvp` compare a hand-derived quantity with the one
sympile derives, by evaluation at random points (variables inside their bounds, else in
[0.5, 2]; parameters in [0.5, 2] unless given). sympile's side is evaluated by the problem's
numpy kernels, so templates over arrays of any size are checked without expanding them. When
every entry agrees and the problem is small and scalar, each entry is also proved by `check`.
`check_kkt` evaluates the KKT conditions at a claimed solution.

How a hand-derived quantity is given:

- gradient / HVP: a list (or column Matrix) with one expression per flat unknown, or a dict
  ``{variable: value}`` where an array variable's value is an element template (`ArrayExpr`)
  of its shape, or a list of its elements;
- Jacobian: an m x n Matrix (or nested list), or a dict ``{constraint name: {variable:
  template}}`` whose templates have the shape ``constraint shape + variable shape``
  (missing blocks are zero);
- the HVP is that of the Lagrangian ``problem.lagrangian()`` (multipliers ``lambda_<name>``)
  in the direction given by ``direction={variable: symbol or array of the same shape}``.

>>> import symbolic as sy
>>> x = sy.Variable("x", shape=2, lower=1)
>>> p = sy.Problem(minimize=x[0]**2 * x[1] + sy.exp(x[1]), subject_to=[x[0] + x[1] <= 3])
>>> p.check_gradient([2*x[0]*x[1], x[0]**2 + sy.exp(x[1])]).status
'proved'
>>> rep = p.check_gradient([2*x[0]*x[1], x[0]**2])
>>> rep.status, rep.worst
('refuted', 'x[1]')
>>> p.check_jacobian([[1, 1]]).status
'proved'
>>> v = sy.Variable("v", shape=2)
>>> hv = [2*x[1]*v[0] + 2*x[0]*v[1], 2*x[0]*v[0] + sy.exp(x[1])*v[1]]
>>> p.check_hvp(hv, direction={x: v}).status
'agrees'
>>> res = p.compile().solve(x0=[1, 1])
>>> p.check_kkt(res.x, res.multipliers).passed, p.check_kkt([0.5, 0.5], {"c0": 0.0}).passed
(True, False)
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import sympy
from sympy import Expr, Indexed, KroneckerDelta, Piecewise

from .arrays import ELEMENT_INDEX, ArrayExpr, lift, sym_shape

RTOL = 1e-8
PROOF_MAX_ENTRIES = 24     # entries beyond which an agreeing scalar check is not also proved


@dataclass
class DerivationReport:
    """The outcome of a derivation check.

    ``status`` is "proved" (every entry proved by `check`), "agrees" (equal at ``points``
    random points, within a relative ``max_error``) or "refuted"; then ``worst`` names the
    entry that differs most and ``counterexample`` holds the point (variable name -> value)
    with ``expected`` (sympile's value) and ``got`` (the user's) of that entry.
    """

    quantity: str
    status: str
    points: int
    max_error: float
    worst: str | None = None
    counterexample: dict | None = None
    expected: float | None = None
    got: float | None = None

    def __bool__(self) -> bool:
        return self.status != "refuted"

    def __str__(self) -> str:
        text = (f"{self.quantity}: {self.status} ({self.points} random points, max relative "
                f"error {self.max_error:.3g})")
        if self.status == "refuted":
            text += (f"; {self.worst} is {self.got!r}, sympile derives {self.expected!r} at "
                     f"{self.counterexample}")
        return text


@dataclass
class KKTReport:
    """KKT residuals at a point (max-norms), each passing when at most ``tol``.

    - stationarity: ``|x - clip(x - r, lower, upper)|`` with r = grad f + J^T lam (the
      projected-gradient form, so active variable bounds need no multipliers), relative to
      ``max(1, |grad f|)``;
    - primal feasibility: violation of the constraints and the variable bounds;
    - dual feasibility: wrong-signed multipliers (lam >= 0 for ``c <= upper``, lam <= 0 for
      ``c >= lower``, in the convention of `Problem.compile().solve()`'s multipliers);
    - complementarity: ``|lam_i| * slack_i`` of the inequality a multiplier belongs to.
    """

    stationarity: float
    primal_feasibility: float
    dual_feasibility: float
    complementarity: float
    tol: float
    worst: dict = field(default_factory=dict)

    @property
    def residuals(self) -> dict[str, float]:
        return {"stationarity": self.stationarity, "primal_feasibility": self.primal_feasibility,
                "dual_feasibility": self.dual_feasibility,
                "complementarity": self.complementarity}

    @property
    def passed(self) -> bool:
        return all(v <= self.tol for v in self.residuals.values())

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        lines = [f"KKT conditions {'hold' if self.passed else 'FAIL'} (tolerance {self.tol:g})"]
        for name, value in self.residuals.items():
            where = f"  worst: {self.worst[name]}" if name in self.worst and value > 0 else ""
            lines.append(f"  {name:<19} {value:10.3e}  {'ok' if value <= self.tol else 'FAIL'}"
                         f"{where}")
        return "\n".join(lines)


# -- evaluation ---------------------------------------------------------------------------------
_SOLVERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # problem -> its check kernels


class _Evaluator:
    """The problem's numpy kernels (CSE only: independent of the simplifier) and its layout."""

    def __init__(self, problem: Any, params: Mapping | None, seed: int) -> None:
        if problem not in _SOLVERS:
            _SOLVERS[problem] = problem.compile(backend="numpy", simplify="cse")
        self.problem, self.solver = problem, _SOLVERS[problem]
        self.layout = self.solver.layout
        self.rng = np.random.default_rng(seed)
        self.fixed = {getattr(k, "name", k): v for k, v in (params or {}).items()}
        self.d = self.solver.kernel_set.derivation

    def entry_names(self) -> list[str]:
        names = []
        for v in self.layout.variables:
            shape = sym_shape(v)
            names += [f"{v.name}{list(ix)}".replace(" ", "") for ix in np.ndindex(shape)] \
                if shape else [v.name]
        return names

    def draw(self) -> tuple[np.ndarray, dict]:
        """A random point inside the bounds and parameter values."""
        lo, hi = self.problem.bounds()
        u = self.rng.uniform(0.5, 2.0, lo.size)
        with np.errstate(invalid="ignore"):
            x = np.where(np.isfinite(lo) & np.isfinite(hi), lo + (hi - lo) * (u - 0.5) / 1.5,
                         np.where(np.isfinite(lo), lo + u, np.where(np.isfinite(hi), hi - u, u)))
        params = {}
        for p in self.problem.parameters:
            shape = sym_shape(p)
            params[p.name] = np.asarray(self.fixed[p.name], dtype=float) if p.name in self.fixed \
                else self.rng.uniform(0.5, 2.0, shape) if shape else float(self.rng.uniform(0.5, 2))
        return x, params

    def values(self, x: np.ndarray, params: dict) -> dict:
        """Numeric values for the symbols of the problem (arrays shaped, scalars as floats)."""
        out: dict = {}
        for v in self.layout.variables:
            off, shape = self.layout.offsets[v], sym_shape(v)
            size = int(np.prod(shape)) if shape else 1
            out[v] = x[off:off + size].reshape(shape) if shape else float(x[off])
        for p in self.problem.parameters:
            out[p] = params[p.name]
        return out

    def kernels(self, params: dict):
        return self.solver.kernels(params)


def _numeric(e: Any, values: dict, shape: tuple = ()) -> np.ndarray:
    """The value of an expression or element template (of ``shape``) at ``values``."""
    e = sympy.sympify(e)
    if e.has(KroneckerDelta):
        e = e.replace(KroneckerDelta,
                      lambda a, b: Piecewise((1, sympy.Eq(a, b)), (0, True)))
    index = list(ELEMENT_INDEX[:len(shape)])
    loads = e.atoms(Indexed)
    scalars = e.xreplace({i: sympy.Dummy() for i in loads}).free_symbols
    unknown = sorted({str(s) for s in scalars if not isinstance(s, sympy.Dummy)
                      and s not in values and s not in index}
                     | {str(i.base) for i in loads if i.base not in values})
    if unknown:
        raise ValueError(f"the expression {e} uses {', '.join(unknown)}, which is neither a "
                         f"variable nor a parameter of the problem (nor a direction or "
                         f"multiplier where those are given)")
    args = list(values) + index
    fn = sympy.lambdify(args, e, modules=["numpy", "scipy"])
    grids = list(np.indices(shape)) if shape else []
    try:
        with np.errstate(all="ignore"):
            out = fn(*values.values(), *grids)
    except (NameError, TypeError) as exc:
        functions = sorted({type(f).__name__ for f in e.atoms(sympy.Function)})
        raise ValueError(f"cannot evaluate {e} numerically ({exc}); its functions are "
                         f"{', '.join(functions) or 'none'}: use functions NumPy or SciPy "
                         f"provide") from None
    return np.broadcast_to(np.asarray(out, dtype=float), shape)


def _per_variable(user: Any, ev: _Evaluator, values: dict, what: str) -> np.ndarray:
    """A flat vector (length n) of the user's gradient-shaped quantity at ``values``."""
    layout = ev.layout
    if isinstance(user, Mapping):
        named = {getattr(k, "name", k): val for k, val in user.items()}
        known = {v.name for v in layout.variables}
        extra = sorted(set(named) - known)
        if extra:
            raise ValueError(f"{what} is given for {', '.join(extra)}, which is not a variable "
                             f"of the problem (variables: {', '.join(sorted(known))})")
        parts = []
        for v in layout.variables:
            shape = sym_shape(v)
            val = named.get(v.name, 0)
            if isinstance(val, sympy.Basic):
                val = lift(val)                # 2*y + exp(y) over an array y: a template
            if isinstance(val, ArrayExpr):
                if val.shape != shape:
                    raise ValueError(f"{what} of '{v.name}' has shape {val.shape}; the variable "
                                     f"has shape {shape}")
                parts.append(_numeric(val.elem, values, shape).ravel())
            elif isinstance(val, (list, tuple, sympy.MatrixBase, np.ndarray)):
                flat = list(np.ravel(np.asarray(val, dtype=object)))
                if len(flat) != max(1, int(np.prod(shape))):
                    raise ValueError(f"{what} of '{v.name}' has {len(flat)} entries; the "
                                     f"variable has {max(1, int(np.prod(shape)))}")
                parts.append(np.array([float(_numeric(f, values)) for f in flat]))
            else:
                parts.append(np.broadcast_to(_numeric(val, values), shape).ravel()
                             if shape else np.atleast_1d(_numeric(val, values)))
        return np.concatenate(parts)
    flat = list(user) if isinstance(user, sympy.MatrixBase) else list(np.ravel(
        np.asarray(user, dtype=object)))
    if len(flat) != layout.n:
        raise ValueError(f"{what} has {len(flat)} entries; the problem has {layout.n} unknowns "
                         f"({', '.join(ev.entry_names()[:6])}{', ...' if layout.n > 6 else ''})"
                         f"; give one per unknown, or a dict {{variable: template}}")
    return np.array([float(_numeric(f, values)) for f in flat])


def _compare(quantity: str, names: list[str], cases: list, points: int) -> DerivationReport:
    """Relative max error of (expected, got, point) cases; refuted beyond `RTOL`."""
    worst_err, worst = 0.0, None
    for expected, got, point in cases:
        scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
        err = np.abs(got - expected) / scale
        err = np.where(np.isnan(err), np.inf, err)
        k = int(np.argmax(err)) if err.size else 0
        if err.size and err[k] > worst_err:
            worst_err, worst = float(err[k]), (k, expected, got, point)
    if worst is not None and worst_err > RTOL:
        k, expected, got, point = worst
        return DerivationReport(quantity, "refuted", points, worst_err, names[k], point,
                                float(expected[k]), float(got[k]))
    return DerivationReport(quantity, "agrees", points, worst_err)


def _point_dict(ev: _Evaluator, values: dict) -> dict:
    return {getattr(k, "name", str(k)): (v.tolist() if isinstance(v, np.ndarray) else v)
            for k, v in values.items() if k in ev.layout.variables}


def _prove_entries(report: DerivationReport, user: list, derived: list) -> DerivationReport:
    """Upgrade an agreeing scalar check to "proved" when `check` proves every entry."""
    from .check import check

    if report.status != "agrees" or len(user) > PROOF_MAX_ENTRIES:
        return report
    for u, d in zip(user, derived):
        if check(sympy.Eq(sympy.sympify(u), d), points=5, time_limit=1.0).status != "proved":
            return report
    report.status = "proved"
    return report


def check_gradient(problem: Any, gradient: Any, *, points: int = 5, seed: int = 0,
                   params: Mapping | None = None) -> DerivationReport:
    """Compare a hand-derived gradient of the objective with sympile's (see the module doc)."""
    ev = _Evaluator(problem, params, seed)
    cases = []
    for _ in range(points):
        x, par = ev.draw()
        values = ev.values(x, par)
        expected = ev.kernels(par).gradient(x) * ev.d.sign
        cases.append((expected, _per_variable(gradient, ev, values, "the gradient"),
                      _point_dict(ev, values)))
    report = _compare("gradient", ev.entry_names(), cases, points)
    derived = problem.gradient()
    if not isinstance(gradient, Mapping) and isinstance(derived, sympy.MatrixBase):
        user = list(gradient) if isinstance(gradient, sympy.MatrixBase) else list(
            np.ravel(np.asarray(gradient, dtype=object)))
        report = _prove_entries(report, user, list(derived))
    return report


def check_jacobian(problem: Any, jacobian: Any, *, points: int = 5, seed: int = 0,
                   params: Mapping | None = None) -> DerivationReport:
    """Compare a hand-derived constraint Jacobian with sympile's (see the module doc)."""
    ev = _Evaluator(problem, params, seed)
    m, n = ev.solver.m, ev.layout.n
    if not m:
        raise ValueError("the problem has no constraints, so no Jacobian to check")
    rows = [f"{c.name}{list(ix)}".replace(" ", "") if c.shape else c.name
            for c in problem.constraints for ix in (np.ndindex(c.shape) if c.shape else [()])]
    cols = ev.entry_names()
    names = [f"d {r} / d {c}" for r in rows for c in cols]
    cases = []
    for _ in range(points):
        x, par = ev.draw()
        values = ev.values(x, par)
        k = ev.kernels(par)
        expected = np.zeros((m, n))
        pattern = k.jacobian_pattern
        np.add.at(expected, (pattern.rows, pattern.cols), k.jacobian(x))
        got = _dense_jacobian(jacobian, problem, ev, values, (m, n))
        cases.append((expected.ravel(), got.ravel(), _point_dict(ev, values)))
    report = _compare("jacobian", names, cases, points)
    derived = problem.jacobian()
    if not isinstance(jacobian, Mapping) and isinstance(derived, sympy.MatrixBase):
        report = _prove_entries(report, list(sympy.Matrix(jacobian)), list(derived))
    return report


def _dense_jacobian(user: Any, problem: Any, ev: _Evaluator, values: dict,
                    shape: tuple[int, int]) -> np.ndarray:
    if not isinstance(user, Mapping):
        mat = sympy.Matrix(user)
        if mat.shape != shape:
            raise ValueError(f"the Jacobian is {mat.shape[0]} x {mat.shape[1]}; the problem's is "
                             f"{shape[0]} x {shape[1]} (constraint entries x unknowns)")
        return np.array([[float(_numeric(e, values)) for e in mat.row(i)]
                         for i in range(shape[0])])
    constraints = {c.name: c for c in problem.constraints}
    extra = sorted(set(user) - set(constraints))
    if extra:
        raise ValueError(f"the Jacobian names {', '.join(extra)}, which is not a constraint of "
                         f"the problem (constraints: {', '.join(constraints)})")
    out = np.zeros(shape)
    row = 0
    for c in problem.constraints:
        size = c.size
        blocks = {getattr(k, "name", k): v for k, v in user.get(c.name, {}).items()}
        for v in ev.layout.variables:
            if v.name not in blocks:
                continue
            vshape = sym_shape(v)
            block = blocks[v.name]
            want = tuple(c.shape) + tuple(vshape)
            if isinstance(block, ArrayExpr):
                if block.shape != want:
                    raise ValueError(f"the Jacobian block of '{c.name}' by '{v.name}' has shape "
                                     f"{block.shape}; expected {want}")
                vals = _numeric(block.elem, values, want)
            else:
                vals = np.broadcast_to(_numeric(block, values), want)
            off = ev.layout.offsets[v]
            width = max(1, int(np.prod(vshape)))
            out[row:row + size, off:off + width] = np.reshape(vals, (size, width))
        row += size
    return out


def check_hvp(problem: Any, hvp: Any, direction: Mapping, *, multipliers: Mapping | None = None,
              points: int = 5, seed: int = 0, params: Mapping | None = None) -> DerivationReport:
    """Compare a hand-derived Hessian-vector product of the Lagrangian with sympile's.

    ``multipliers`` maps constraint names to the symbols ``hvp`` uses for their multipliers
    (default: those of `Problem.lagrangian`, ``lambda_<name>``).
    """
    from .nlp import multiplier_symbols

    ev = _Evaluator(problem, params, seed)
    dirs = {getattr(k, "name", k): v for k, v in direction.items()}
    missing = sorted({v.name for v in ev.layout.variables} - set(dirs))
    if missing:
        raise ValueError(f"direction= has no entry for {', '.join(missing)}; give "
                         f"direction={{variable: symbol of the same shape}} for every variable")
    mults = {**multiplier_symbols(problem),
             **{getattr(k, "name", k): v for k, v in (multipliers or {}).items()}}
    cases = []
    for _ in range(points):
        x, par = ev.draw()
        values = ev.values(x, par)
        v = ev.rng.standard_normal(ev.layout.n)
        lam = ev.rng.standard_normal(ev.solver.m)
        extra, off = {}, 0
        for var in ev.layout.variables:
            shape, d = sym_shape(var), dirs[var.name]
            size = max(1, int(np.prod(shape)))
            extra[d] = v[off:off + size].reshape(shape) if shape else float(v[off])
            off += size
        off = 0
        for c in problem.constraints:
            sym = mults[c.name]
            extra[sym] = lam[off:off + c.size].reshape(c.shape) if c.shape else float(lam[off])
            off += c.size
        expected = ev.kernels(par).hvp(x, 1.0, lam, v)
        got = _per_variable(hvp, ev, {**values, **extra}, "the Hessian-vector product")
        cases.append((expected, got, {**_point_dict(ev, values),
                                      "direction": v.tolist(), "multipliers": lam.tolist()}))
    return _compare("hvp", ev.entry_names(), cases, points)


def check_kkt(problem: Any, x_star: Any, multipliers: Any = None, *, tol: float = 1e-6,
              params: Mapping | None = None) -> KKTReport:
    """KKT residuals of ``problem`` at ``x_star`` with constraint ``multipliers`` (a dict by
    constraint name, as `solve` returns them, or a flat array); see `KKTReport`."""
    ev = _Evaluator(problem, params, 0)
    missing_params = sorted(p.name for p in problem.parameters if p.name not in ev.fixed)
    if missing_params:
        raise ValueError(f"check_kkt needs the values of the parameters "
                         f"{', '.join(missing_params)}: pass params={{name: value}}")
    x = ev.solver.flatten(x_star)
    lam = _flat_multipliers(problem, multipliers, ev.solver.m) * ev.d.sign
    k = ev.kernels(ev.fixed)
    grad = k.gradient(x)
    jt_lam = np.zeros(x.size)
    if ev.solver.m:
        np.add.at(jt_lam, k.jacobian_pattern.cols, k.jacobian(x) * lam[k.jacobian_pattern.rows])
    r = grad + jt_lam
    lo, hi = problem.bounds()
    names = ev.entry_names()
    stat = np.abs(x - np.clip(x - r, lo, hi)) / max(1.0, float(np.max(np.abs(grad), initial=0)))
    bound_viol = np.maximum(np.maximum(lo - x, x - hi), 0.0)
    c = k.constraints(x) if ev.solver.m else np.zeros(0)
    cl, cu = k.c_lower, k.c_upper
    c_viol = np.maximum(np.maximum(cl - c, c - cu), 0.0)
    with np.errstate(invalid="ignore"):
        dual = np.where(np.isinf(cl) & (cl != cu), np.maximum(-lam, 0.0), 0.0) + \
            np.where(np.isinf(cu) & (cl != cu), np.maximum(lam, 0.0), 0.0)
        upper_slack = np.where(np.isfinite(cu), cu - c, 0.0)
        lower_slack = np.where(np.isfinite(cl), c - cl, 0.0)
        compl = np.where(cl == cu, 0.0, np.maximum(lam, 0) * np.abs(upper_slack)
                         + np.maximum(-lam, 0) * np.abs(lower_slack))
    rows = [f"{con.name}{list(ix)}".replace(" ", "") if con.shape else con.name
            for con in problem.constraints
            for ix in (np.ndindex(con.shape) if con.shape else [()])]
    worst = {}
    for key, arr, labels in [("stationarity", stat, names), ("dual_feasibility", dual, rows),
                             ("complementarity", compl, rows)]:
        if arr.size:
            worst[key] = labels[int(np.argmax(arr))]
    primal = np.concatenate([bound_viol, c_viol])
    if primal.size:
        worst["primal_feasibility"] = (names + rows)[int(np.argmax(primal))]
    top = (lambda a: float(np.max(a, initial=0.0)))
    return KKTReport(top(stat), top(primal), top(dual), top(compl), tol, worst)


def _flat_multipliers(problem: Any, multipliers: Any, m: int) -> np.ndarray:
    if multipliers is None:
        if m:
            raise ValueError(f"the problem has constraints ({', '.join(c.name for c in problem.constraints)}); "
                             f"pass their multipliers (a dict by name, or a flat array of {m})")
        return np.zeros(0)
    if isinstance(multipliers, Mapping):
        named = {getattr(k, "name", k): v for k, v in multipliers.items()}
        known = [c.name for c in problem.constraints]
        extra = sorted(set(named) - set(known))
        missing = [n for n in known if n not in named]
        if extra or missing:
            raise ValueError(f"multipliers must name each constraint once: "
                             + (f"unknown {', '.join(extra)}; " if extra else "")
                             + (f"missing {', '.join(missing)}; " if missing else "")
                             + f"the constraints are {', '.join(known)}")
        parts = []
        for con in problem.constraints:
            val = np.asarray(named[con.name], dtype=float)
            if val.size != con.size:
                raise ValueError(f"the multiplier of '{con.name}' has {val.size} entries; the "
                                 f"constraint has {con.size}")
            parts.append(val.ravel())
        return np.concatenate(parts)
    flat = np.ravel(np.asarray(multipliers, dtype=float))
    if flat.size != m:
        raise ValueError(f"multipliers has {flat.size} entries; the problem has {m} constraint "
                         f"entries")
    return flat
