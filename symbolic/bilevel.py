"""`Bilevel`: an upper-level problem whose variables y must solve a lower-level problem given x.

    min_x F(x, y)  s.t.  G(x, y) <= 0,   y in argmin_y { f(x, y) : g(x, y) <= 0, h(x, y) = 0 }

The reformulations a solver needs are derived symbolically from the lower level's Lagrangian
(`Problem.lagrangian`), stay structured (templates, never expanded) and are `Problem`s a user
can print: `Bilevel.reformulate("kkt" | "value-penalty" | "lv-hba" | "implicit")`.
"""
from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from sympy import Expr, Indexed, Integer, Sum, Symbol

from .arrays import (ELEMENT_INDEX, ArrayExpr, Parameter, Variable, array_sum,
                     is_parameter, is_variable, sym_shape)
from .derive import forward, reverse
from .errors import DeclarationError
from .nlp import multiplier_symbols
from .problem import Constraint, Problem

METHODS = ("kkt", "value-penalty", "lv-hba", "implicit")
MAX_PIECES = 256   # a gradient split into more boxes than this is not structured any more


@dataclass(frozen=True)
class Piece:
    """One box of an element template: entries ``start + i`` of a variable, ``i`` over ``shape``.

    ``elem`` uses ``ELEMENT_INDEX[d]`` for axis d of the box; a scalar piece has shape ().
    """

    start: tuple[int, ...]
    shape: tuple[int, ...]
    elem: Expr


class ReformulatedProblem(Problem):
    """A single-level `Problem` derived from a `Bilevel`, with what the method adds to it.

    ``method`` names the reformulation; ``symbols`` maps roles ("t", "sigma", "z", "theta",
    ...) to the parameters the method drives; ``inner`` is the problem solved inside each
    outer step (None for "kkt"); ``equations`` holds derived equations by name (stationarity,
    adjoint system, hypergradient) as lists of `Piece`s.
    """

    method: str = ""
    symbols: dict
    inner: Problem | None
    equations: dict


def gradient_pieces(expr: Expr, var: Any) -> list[Piece]:
    """d expr / d var as element templates over boxes of var's index space (a gather of terms).

    Reverse mode gives scatter terms ``d[var[k + c]] += value(k)``; each box of the index space
    where the same terms contribute becomes one template, so the work does not grow with n.

    >>> import symbolic as sy
    >>> y = sy.Variable("y", shape=4)
    >>> for p in gradient_pieces(sy.sum((y[1:] - y[:-1])**2), y):
    ...     print(p.start, p.shape, p.elem)
    (0,) () 2*y[0] - 2*y[1]
    (1,) (2,) 4*y[_i0 + 1] - 2*y[_i0 + 2] - 2*y[_i0]
    (3,) () -2*y[2] + 2*y[3]
    """
    terms = reverse(sympy.sympify(expr), sympy.S.One, {var})
    shape = sym_shape(var)
    if not shape:
        total = sympy.Add(*[_reduce(t.value, t.loops, set()) for t in terms])
        return [Piece((), (), total)]
    placed = [_place(t, var, shape) for t in terms]
    cuts = [sorted({0, n} | {r[a][0] for _, r, _ in placed} | {r[a][1] + 1 for _, r, _ in placed})
            for a, n in enumerate(shape)]
    boxes = list(itertools.product(*[list(zip(c[:-1], c[1:])) for c in cuts]))
    if len(boxes) > MAX_PIECES:
        raise NotImplementedError(
            f"the derivative with respect to '{var.name}' splits into {len(boxes)} boxes of "
            f"different formulas (many single-element uses of '{var.name}'); write the "
            f"expression with slices or sums over '{var.name}'")
    pieces = []
    for box in boxes:
        parts = []
        for value, ranges, subs in placed:
            if all(lo <= b0 and b1 - 1 <= hi for (b0, b1), (lo, hi) in zip(box, ranges)):
                parts.append(value.xreplace({k: b0 + ELEMENT_INDEX[a] - c
                                             for a, ((b0, _), sub) in enumerate(zip(box, subs))
                                             if sub is not None for k, c in [sub]}))
        if not parts:
            continue
        size = tuple(b1 - b0 for b0, b1 in box)
        elem = sympy.Add(*parts)
        if all(s == 1 for s in size):
            elem, size = elem.xreplace({ELEMENT_INDEX[a]: Integer(0) for a in range(len(size))}), ()
        pieces.append(Piece(tuple(b0 for b0, _ in box), size, elem))
    return pieces


def _place(term, var, shape):
    """(value with reductions summed, per-axis target ranges, per-axis (loop, offset) or None)."""
    loops = {k: (int(lo), int(hi)) for k, lo, hi in term.loops}
    ranges, subs, used = [], [], set()
    for a, idx in enumerate(term.target.indices):
        idx = sympy.expand(idx)
        if idx.is_Integer:
            ranges.append((int(idx), int(idx)))
            subs.append(None)
            continue
        free = idx.free_symbols
        k = next(iter(free)) if len(free) == 1 else None
        if k is None or k not in loops or k in used or not (idx - k).is_Integer:
            raise NotImplementedError(
                f"'{var.name}' is used as {term.target}: only accesses var[k + c] (one loop index "
                f"per axis, unit stride) or constant indices can be gathered into templates")
        c = int(idx - k)
        used.add(k)
        ranges.append((loops[k][0] + c, loops[k][1] + c))
        subs.append((k, c))
    if any(lo < 0 or hi >= n for (lo, hi), n in zip(ranges, shape)):
        raise NotImplementedError(f"access {term.target} leaves the index space of '{var.name}'")
    return _reduce(term.value, term.loops, used), ranges, subs


def _reduce(value: Expr, loops, keep: set) -> Expr:
    """Sum ``value`` over the loops not in ``keep``, renaming bound indices that clash."""
    value = _unshadow_sums(value, {k for k, _, _ in loops})
    rest = [(k, lo, hi) for k, lo, hi in loops if k not in keep]
    return Sum(value, *rest) if rest else value


def _unshadow_sums(expr: Expr, avoid: set) -> Expr:
    """Rename bound indices of inner sums that coincide with ``avoid`` (outer loop indices)."""
    sums = [s for s in sympy.preorder_traversal(expr) if isinstance(s, Sum)]
    if not any(set(s.variables) & avoid for s in sums):
        return expr
    counter = itertools.count(1)

    def fix(e: Expr) -> Expr:
        if e.is_Atom or isinstance(e, Indexed):
            return e
        if isinstance(e, Sum):
            body, limits = fix(e.function), []
            for v, lo, hi in e.limits:
                if v in avoid:
                    new = Symbol(f"{v.name}_b{next(counter)}", integer=True)
                    body = body.xreplace({v: new})
                    v = new
                limits.append((v, lo, hi))
            return Sum(body, *limits)
        return e.func(*[fix(a) for a in e.args])

    return fix(expr)


def _relation(piece_or_expr: Any, shape: tuple[int, ...], lower: float, upper: float):
    """A relation for `Problem`: ``expr (=, <=, >=) 0`` elementwise over ``shape``."""
    body = ArrayExpr(piece_or_expr, shape) if shape else piece_or_expr
    if lower == upper:
        return sympy.Eq(body, 0, evaluate=False)
    return body <= 0 if upper == 0 else body >= 0


def constraint_relation(c: Constraint):
    """The relation a `Constraint` was made from (its expression against 0)."""
    return _relation(c.expr, c.shape, c.lower, c.upper)


def _with_over(problem: Problem, variables: list) -> Problem:
    """A copy of ``problem`` optimizing over ``variables`` (everything else a parameter)."""
    out = copy.copy(problem)
    out._derived = None
    out._classify(list(variables))
    out.over = tuple(out.variables)
    return out


def _signed_objective(p: Problem) -> Expr:
    return p.objective if p.sense == "minimize" else -p.objective


def _like(sym: Any, name: str, as_variable: bool = False, lower=None, upper=None):
    """A new parameter (or variable) with the shape of ``sym``."""
    shape = sym_shape(sym) or None
    if as_variable:
        return Variable(name, shape=shape, lower=lower, upper=upper)
    return Parameter(name, shape=shape)


def _sq_norm(a: Any, b: Any) -> Expr:
    """||a - b||^2 of two declared symbols of the same shape."""
    if sym_shape(a):
        return array_sum((a.full() - b.full()) ** 2)
    return (a - b) ** 2


def _split_variables(upper: Problem, lower: Problem) -> tuple[set, set]:
    """The variables of the upper level (x) and of the lower level (y), with clear errors.

    The upper level owns its ``over=`` (without it: every variable the lower level does not
    claim, including those only the lower level mentions); the lower level owns its ``over=``
    minus the upper level's (without it: its variables minus the upper level's).
    """
    lower_claims = set(lower.over) if lower.over is not None else None
    if upper.over is not None:
        owned = set(upper.over)
    else:
        owned = set(upper.variables) - (lower_claims if lower_claims is not None
                                        else set(lower.variables))
    own = (lower_claims if lower_claims is not None else set(lower.variables)) - owned
    both = sorted(v.name for v in (lower_claims or set()) & owned)
    if own and both:
        raise DeclarationError(
            f"variable(s) {', '.join(both)} are claimed by both levels (the upper level's "
            f"and the lower level's over=); each variable belongs to one level")
    if not own:
        names = ", ".join(v.name for v in lower.variables)
        raise DeclarationError(
            f"the lower level has no variables of its own: its variables ({names}) all "
            f"belong to the upper level; declare the lower level with over=<its variables> "
            f"and the upper level with over=<the others>")
    mentioned = set(upper.variables) | set(upper.parameters) | set(lower.variables) | \
        set(lower.parameters)
    stray = {s for s in mentioned if is_variable(s)} - owned - own
    if upper.over is None:
        return owned | stray, own
    if stray:
        raise DeclarationError(
            f"variable(s) {', '.join(sorted(s.name for s in stray))} appear in the problem "
            f"but neither level optimizes them; add them to the upper level's over= (or make "
            f"them sy.Parameter)")
    return owned, own


class Bilevel:
    """min over x of the upper problem, where y solves the lower problem for the given x.

    The upper level owns the variables of its ``over=`` (or, without it, every variable the
    lower level does not claim); the lower level must have variables of its own.

    >>> import symbolic as sy
    >>> x, y = sy.Variable("x"), sy.Variable("y")
    >>> bl = sy.Bilevel(upper=sy.Problem(minimize=(x - 1)**2 + (y - 2)**2, over=x),
    ...                 lower=sy.Problem(minimize=(y - x)**2, over=y))
    >>> print(bl.reformulate("kkt"))
    minimize (x - 1)**2 + (y - 2)**2
    subject to
      stationarity_y: -2*x + 2*y = 0
    over x[], y[]
    >>> res = bl.compile(backend="numpy").solve(x0=0, y0=0)
    >>> res.method, round(res.x, 6), round(res.y, 6), round(res.upper_objective, 6)
    ('kkt', 1.5, 1.5, 0.5)
    """

    def __init__(self, upper: Problem, lower: Problem, name: str | None = None):
        for which, p in (("upper", upper), ("lower", lower)):
            if not isinstance(p, Problem):
                raise TypeError(f"Bilevel({which}=...) must be a sy.Problem, got "
                                f"{type(p).__name__}")
        self.name = name or "bilevel"
        owned, own = _split_variables(upper, lower)
        self.y = sorted(own, key=lambda s: s.name)
        mentioned = set(upper.variables) | set(upper.parameters) | set(lower.variables) | \
            set(lower.parameters)
        self.x = sorted(owned, key=lambda s: s.name)
        if not self.x:
            raise DeclarationError(
                f"the upper level has no variables of its own: every variable "
                f"({', '.join(v.name for v in self.y)}) is the lower level's; declare the lower "
                f"level with over=<its variables> (and the upper level with over=<the others>)")
        self.parameters = sorted({s for s in mentioned if is_parameter(s)
                                  or not is_variable(s)}, key=lambda s: s.name)
        names = [s.name for s in self.x + self.y + self.parameters]
        clash = sorted({n for n in names if names.count(n) > 1})
        if clash:
            raise DeclarationError(f"two different symbols are named {', '.join(clash)}; every "
                                   f"variable and parameter needs its own name")
        self.upper = _with_over(upper, self.x)
        self.lower = _with_over(lower, self.y)
        self.F = _signed_objective(upper)
        self.f = _signed_objective(lower)
        ys = set(self.y)
        self.coupled_upper_constraints = [c.name for c in upper.constraints
                                          if _mentions(c.expr, ys)]
        self.x_only_upper_constraints = [c.name for c in upper.constraints
                                         if c.name not in self.coupled_upper_constraints]

    def __repr__(self) -> str:
        return (f"Bilevel({self.name!r}, upper over {', '.join(v.name for v in self.x)}, "
                f"lower over {', '.join(v.name for v in self.y)}, "
                f"{len(self.lower.constraints)} lower constraints)")

    # -- what the lower level is made of ---------------------------------------------------------
    def multipliers(self, include_bounds: bool = False) -> list:
        """(constraint, multiplier variable) pairs of the lower level, signs as in L = f + λ·c.

        A ``c <= 0`` constraint gets λ >= 0, ``c >= 0`` gets λ <= 0, an equality a free λ;
        with ``include_bounds`` finite bounds of y become constraints ``y - lower >= 0`` and
        ``y - upper <= 0`` with their own multipliers.
        """
        key = "_mult_bounds" if include_bounds else "_mult"
        if getattr(self, key, None) is None:
            cons = list(self.lower.constraints) + (self._bound_constraints() if include_bounds
                                                   else [])
            out = []
            for c in cons:
                lo, hi = (None, None) if c.is_equality else ((0, None) if c.upper == 0 else
                                                              (None, 0))
                lam = Variable(f"lambda_{c.name}", shape=c.shape or None, lower=lo, upper=hi)
                out.append((c, lam))
            setattr(self, key, out)
        return getattr(self, key)

    def _bound_constraints(self) -> list[Constraint]:
        cons = []
        for v in self.y:
            shape = sym_shape(v)
            elem = v.full().elem if shape else v
            for which, bound, lo, hi in (("lower", v.lower, 0.0, np.inf),
                                         ("upper", v.upper, -np.inf, 0.0)):
                finite = np.isfinite(bound)
                if not finite.any():
                    continue
                if not finite.all() or np.ptp(bound) > 0:
                    raise NotImplementedError(
                        f"the {which} bound of lower-level variable '{v.name}' differs between "
                        f"entries; give it one value (or write the bound as a constraint with a "
                        f"sy.Parameter)")
                value = float(np.ravel(bound)[0])
                cons.append(Constraint(f"{v.name}_{which}", elem - value, shape, lo, hi))
        return cons

    def lower_lagrangian(self, include_bounds: bool = False) -> Expr:
        """f + Σ λ_c·c(x, y), derived by `Problem.lagrangian` with the multipliers as variables."""
        cons = list(self.lower.constraints) + (self._bound_constraints() if include_bounds
                                               else [])
        p = copy.copy(self.lower)
        p.constraints = cons
        p.sense = "minimize"
        p.objective = self.f
        named = multiplier_symbols(p)
        mapping = {}
        for c, lam in self.multipliers(include_bounds):
            mapping[named[c.name]] = lam
        return _map_bases(p.lagrangian(), mapping)

    def lower_convexity(self):
        """Whether the lower level is convex in y, decided symbolically (a `ConvexityReport`)."""
        if getattr(self, "_convexity", None) is None:
            from .convexity import problem_convexity
            self._convexity = problem_convexity(self.lower, self.y, self.x)
        return self._convexity

    # -- reformulations ---------------------------------------------------------------------------
    def reformulate(self, method: str = "kkt") -> ReformulatedProblem:
        """The single-level problem of ``method`` ("kkt", "value-penalty", "lv-hba", "implicit")."""
        if method not in METHODS:
            raise ValueError(f"unknown reformulation {method!r}; choose one of "
                             f"{', '.join(METHODS)}")
        cache = self.__dict__.setdefault("_reformulations", {})
        if method not in cache:
            build = {"kkt": self._kkt, "value-penalty": self._value_penalty,
                     "lv-hba": self._lv_hba, "implicit": self._implicit}[method]
            cache[method] = build()
        return cache[method]

    def _problem(self, method: str, objective: Expr, relations: dict, over: list,
                 symbols: dict, inner: Problem | None, equations: dict) -> ReformulatedProblem:
        p = ReformulatedProblem(minimize=objective, subject_to=relations, over=over,
                                name=f"{self.name} ({method})")
        p.method, p.symbols, p.inner, p.equations = method, symbols, inner, equations
        return p

    def upper_relations(self) -> dict:
        """The upper level's constraints as named relations (for the single-level problems)."""
        return {f"upper_{c.name}": constraint_relation(c) for c in self.upper.constraints}

    def _kkt(self) -> ReformulatedProblem:
        """min F s.t. G, ∇_y L = 0, g feasible, λ sign-constrained, λ_i c_i >= -t (Scholtes)."""
        t = Parameter("t_relax")
        L = self.lower_lagrangian(include_bounds=True)
        relations = self.upper_relations()
        stationarity = {}
        for v in self.y:
            pieces = gradient_pieces(L, v)
            stationarity[v.name] = pieces
            for k, piece in enumerate(pieces):
                name = f"stationarity_{v.name}" + (f"_{k}" if len(pieces) > 1 else "")
                relations[name] = _relation(piece.elem, piece.shape, 0.0, 0.0)
        multipliers = self.multipliers(include_bounds=True)
        for c, lam in multipliers:
            if c.name in {b.name for b in self._bound_constraints()}:
                continue
            relations[f"lower_{c.name}"] = constraint_relation(c)
        has_compl = False
        for c, lam in multipliers:
            if c.is_equality:
                continue
            has_compl = True
            lam_elem = lam.full().elem if c.shape else lam
            relations[f"complementarity_{c.name}"] = _relation(lam_elem * c.expr + t, c.shape,
                                                               0.0, np.inf)
        over = self.x + self.y + [lam for _, lam in multipliers]
        return self._problem("kkt", self.F, relations, over,
                             {"t": t} if has_compl else {}, None,
                             {"stationarity": stationarity})

    def _value_penalty(self) -> ReformulatedProblem:
        """min F(x,y) + (f(x,y) - f(x,z))/σ with z = argmin_y f(x, ·) (Kwon et al., 2023)."""
        sigma = Parameter("sigma_penalty")
        z = {v: _like(v, f"{v.name}_star") for v in self.y}
        f_z = _map_bases(self.f, z)
        relations = self.upper_relations()
        relations.update({f"lower_{c.name}": constraint_relation(c)
                          for c in self.lower.constraints})
        return self._problem("value-penalty", self.F + (self.f - f_z) / sigma, relations,
                             self.x + self.y, {"sigma": sigma, "z": z}, self.lower, {})

    def _lv_hba(self) -> ReformulatedProblem:
        """min F/c + f(x,y) - v_γ(x,y,z), v_γ the proximal Lagrangian value function (Yao et al.).

        v_γ = min_θ max_λ f(x,θ) + λ·g(x,θ) + ||θ - y||²/(2γ₁) - ||λ - z||²/(2γ₂); the outer
        objective is written at the inner saddle point (θ, λ), which LV-HBA tracks.
        """
        c_k, g1, g2 = Parameter("c_penalty"), Parameter("gamma_1"), Parameter("gamma_2")
        theta = {v: _like(v, f"{v.name}_theta", as_variable=True, lower=v.lower, upper=v.upper)
                 for v in self.y}
        lams = [lam for _, lam in self.multipliers()]
        z = {lam: _like(lam, f"{lam.name}_z") for lam in lams}
        ell = _map_bases(self.lower_lagrangian(), theta) \
            + sympy.Add(*[_sq_norm(th, v) for v, th in theta.items()]) / (2 * g1) \
            - sympy.Add(*[_sq_norm(lam, z[lam]) for lam in lams]) / (2 * g2)
        inner = Problem(minimize=ell, over=list(theta.values()) + lams,
                        name="proximal Lagrangian (min over theta, max over lambda)")
        return self._problem("lv-hba", self.F / c_k + self.f - ell, self.upper_relations(),
                             self.x + self.y, {"c": c_k, "gamma_1": g1, "gamma_2": g2,
                                               "theta": theta, "z": z}, inner, {})

    def _implicit(self) -> ReformulatedProblem:
        """min_x F(x, y*(x)); ∇ = ∇ₓF - ∇²ₓᵧf q with ∇²ᵧᵧf q = ∇ᵧF (adjoint system, by CG)."""
        if self.lower.constraints:
            raise NotImplementedError(
                f"implicit differentiation needs an unconstrained lower level; this one has "
                f"constraints {', '.join(c.name for c in self.lower.constraints)}: use "
                f"reformulate('kkt') or 'lv-hba'")
        q = {v: _like(v, f"{v.name}_adjoint") for v in self.y}
        ys = set(self.y)
        directional = forward(self.f, lambda leaf: _element_of(leaf, q), ys)
        equations = {
            "stationarity": {v.name: gradient_pieces(self.f, v) for v in self.y},
            "hessian_times_adjoint": {v.name: gradient_pieces(directional, v) for v in self.y},
            "upper_gradient_y": {v.name: gradient_pieces(self.F, v) for v in self.y},
            "mixed_times_adjoint": {v.name: gradient_pieces(directional, v) for v in self.x},
            "upper_gradient_x": {v.name: gradient_pieces(self.F, v) for v in self.x},
        }
        relations = self.upper_relations()
        return self._problem("implicit", self.F, relations, self.x + self.y, {"q": q},
                             self.lower, equations)

    def compile(self, backend: str = "numpy", **options: Any):
        """Emit the kernels every method needs and return a `BilevelSolver`."""
        from codegen.bilevel import compile_bilevel
        return compile_bilevel(self, backend=backend, **options)


def _element_of(leaf: Expr, mapping: dict) -> Expr:
    """The entry of ``mapping[var]`` at the position of ``leaf`` (``var[i]`` or scalar ``var``)."""
    if isinstance(leaf, Indexed):
        return Indexed(mapping[leaf.base], *leaf.indices)
    return mapping[leaf]


def _map_bases(expr: Expr, mapping: dict) -> Expr:
    """Replace declared symbols by others of the same shape, array elements included."""
    return sympy.sympify(expr).xreplace(dict(mapping))


def _mentions(expr: Expr, symbols: set) -> bool:
    for node in sympy.preorder_traversal(expr):
        if node in symbols or (isinstance(node, Indexed) and node.base in symbols):
            return True
    return False
