"""`Problem`: a constrained optimization problem declared with SymPy expressions and templates."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import sympy
from sympy import Expr, Indexed, IndexedBase, Symbol
from sympy.core.relational import Relational

from .arrays import (ArrayExpr, ArraySymbol, ScalarVariable, is_loop_index, is_parameter,
                     is_variable, lift, sym_shape)
from .errors import DeclarationError


@dataclass(frozen=True)
class Constraint:
    """``lower <= expr <= upper`` elementwise over ``shape`` (``expr`` is an element template)."""

    name: str
    expr: Expr
    shape: tuple[int, ...]
    lower: float
    upper: float

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    @property
    def is_equality(self) -> bool:
        return self.lower == self.upper


def _relation_to_constraint(name: str, rel: Any) -> Constraint:
    if isinstance(rel, (bool, np.bool_)) or rel in (sympy.true, sympy.false):
        raise DeclarationError(
            f"constraint '{name}' is the constant {bool(rel)}: Python evaluated a comparison such "
            f"as 'a == b' to a bool (or SymPy decided it); write equalities as sy.Eq(a, b)")
    if not isinstance(rel, Relational):
        raise DeclarationError(f"constraint '{name}' must be a relation (sy.Eq(a, b), a <= b or "
                               f"a >= b), got {type(rel).__name__}: {rel}")
    if isinstance(rel, sympy.Ne):
        raise DeclarationError(f"constraint '{name}' is an inequation (!=), which an optimizer "
                               f"cannot enforce; use Eq, <= or >=")
    lhs, rhs = rel.args
    body = lift(sympy.Add(lhs, -rhs) if not isinstance(lhs, ArrayExpr) else lhs - rhs)
    if isinstance(body, ArrayExpr):
        expr, shape = body.elem, body.shape
    else:
        expr, shape = body, ()
    if isinstance(rel, sympy.Eq):
        lo, hi = 0.0, 0.0
    elif isinstance(rel, (sympy.Ge, sympy.Gt)):
        lo, hi = 0.0, np.inf
    else:
        lo, hi = -np.inf, 0.0
    return Constraint(name, expr, shape, lo, hi)


def _atoms(exprs: Iterable[Expr]) -> tuple[set, set]:
    """Declared array symbols and free scalar symbols of some expressions."""
    arrays, scalars = set(), set()
    for e in exprs:
        for node in sympy.preorder_traversal(e):
            if isinstance(node, Indexed):
                base = node.base
                if not isinstance(base, ArraySymbol):
                    raise DeclarationError(
                        f"array '{base}' in {node} has no declared shape; declare it with "
                        f"sy.Variable('{base}', shape=...) or sy.Parameter('{base}', shape=...)")
                arrays.add(base)
            elif isinstance(node, ArraySymbol):
                arrays.add(node)
            elif isinstance(node, IndexedBase):
                raise DeclarationError(f"array '{node}' has no declared shape; declare it with "
                                       f"sy.Variable or sy.Parameter")
        scalars |= {s for s in e.free_symbols
                    if isinstance(s, Symbol) and not is_loop_index(s)}
    labels = {a.label for a in arrays}
    return arrays, {s for s in scalars if s not in labels}


class Problem:
    """min (or max) an objective subject to equalities, inequalities and variable bounds.

    >>> import symbolic as sy
    >>> x = sy.Variable("x", shape=2)
    >>> p = sy.Problem(minimize=(x[0] - 1)**2 + (x[1] - 2)**2, subject_to=[x[0] + x[1] <= 2])
    >>> p.compile(backend="numpy").solve(x0=[0, 0]).x.round(6).tolist()
    [0.5, 1.5]
    """

    def __init__(self, minimize: Any = None, maximize: Any = None,
                 subject_to: Iterable[Any] | Mapping[str, Any] = (),
                 over: Any = None, name: str | None = None):
        if (minimize is None) == (maximize is None):
            raise DeclarationError("give exactly one of minimize= or maximize=")
        self.sense = "minimize" if maximize is None else "maximize"
        self.name = name or "problem"
        raw = minimize if maximize is None else maximize
        if isinstance(raw, (bool, np.bool_)):
            raise DeclarationError("the objective is a Python bool; did a comparison slip in?")
        objective = lift(sympy.sympify(raw))
        if isinstance(objective, ArrayExpr):
            raise DeclarationError(f"the objective is an array of shape {objective.shape}; "
                                   f"an objective must be scalar: wrap it in sy.sum(...)")
        self.objective = objective
        items = (list(subject_to.items()) if isinstance(subject_to, Mapping)
                 else [(f"c{k}", r) for k, r in enumerate(_as_list(subject_to))])
        self.constraints = [_relation_to_constraint(n, r) for n, r in items]
        self._classify(over)

    def _classify(self, over: Any) -> None:
        exprs = [self.objective] + [c.expr for c in self.constraints]
        arrays, scalars = _atoms(exprs)
        found = arrays | scalars
        if over is None:
            chosen = {s for s in found if is_variable(s)
                      or not (is_parameter(s) or isinstance(s, ArraySymbol))}
        else:
            chosen = set(_as_list(over))
            for s in chosen:
                if not (isinstance(s, (ArraySymbol, Symbol))) or is_parameter(s):
                    raise DeclarationError(f"over= must list variables, got {s!r}")
        self.variables = sorted(chosen, key=lambda s: s.name)
        self.parameters = sorted(found - chosen, key=lambda s: s.name)
        self.over = None if over is None else tuple(self.variables)   # what the user claimed
        names = [s.name for s in self.variables + self.parameters]
        clash = sorted({n for n in names if names.count(n) > 1})
        if clash:
            raise DeclarationError(f"two different symbols are named {', '.join(clash)}; every "
                                   f"variable and parameter of a problem needs its own name")
        if not self.variables:
            raise DeclarationError("the problem has no variables: the objective and constraints "
                                   "involve only parameters or constants")

    def __repr__(self) -> str:
        return f"Problem({self.name!r}, {len(self.variables)} variables, " \
               f"{len(self.constraints)} constraints)"

    def __str__(self) -> str:
        from .printing import problem_str
        return problem_str(self)

    def _repr_latex_(self) -> str:
        from .printing import problem_latex
        return problem_latex(self)

    @property
    def n(self) -> int:
        """Number of scalar unknowns once flattened."""
        return sum(int(np.prod(sym_shape(v))) for v in self.variables)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Flattened lower and upper variable bounds."""
        lo = [np.ravel(getattr(v, "lower", np.array(-np.inf))) for v in self.variables]
        hi = [np.ravel(getattr(v, "upper", np.array(np.inf))) for v in self.variables]
        return np.concatenate(lo).astype(float), np.concatenate(hi).astype(float)

    def derivatives(self):
        """Every derived quantity a solver needs, as structured SymPy terms (cached)."""
        if getattr(self, "_derived", None) is None:
            from .nlp import derive_nlp
            self._derived = derive_nlp(self)
        return self._derived

    def lagrangian(self) -> Expr:
        """f + sum of multiplier * constraint, with one multiplier symbol (or array) per constraint."""
        from .nlp import named_lagrangian
        return named_lagrangian(self)

    def gradient(self, var: Any = None):
        """Gradient of the objective: a SymPy Matrix for scalar problems, else structured terms."""
        from .nlp import user_gradient
        return user_gradient(self, var)

    def jacobian(self):
        """Constraint Jacobian: a SymPy Matrix for scalar problems, else structured blocks."""
        from .nlp import user_jacobian
        return user_jacobian(self)

    def hessian(self):
        """Hessian of the Lagrangian (only formed when asked): Matrix or structured blocks."""
        from .nlp import user_hessian
        return user_hessian(self)

    def hvp(self):
        """Hessian-vector product terms of the Lagrangian (forward over reverse), direction v."""
        return list(self.derivatives().hvp)

    def jacobian_sparsity(self):
        """Structured sparsity of the constraint Jacobian (blocks of affine index templates)."""
        return self.derivatives().jacobian_pattern()

    def hessian_sparsity(self):
        """Structured sparsity of the Lagrangian Hessian (both triangles; duplicates summed)."""
        return self.derivatives().hessian_pattern()

    def check_gradient(self, gradient: Any, **options: Any):
        """Compare a hand-derived objective gradient with sympile's (`problem_checks`)."""
        from .problem_checks import check_gradient
        return check_gradient(self, gradient, **options)

    def check_jacobian(self, jacobian: Any, **options: Any):
        """Compare a hand-derived constraint Jacobian with sympile's (`problem_checks`)."""
        from .problem_checks import check_jacobian
        return check_jacobian(self, jacobian, **options)

    def check_hvp(self, hvp: Any, direction: Any, **options: Any):
        """Compare a hand-derived Lagrangian Hessian-vector product with sympile's."""
        from .problem_checks import check_hvp
        return check_hvp(self, hvp, direction, **options)

    def check_kkt(self, x_star: Any, multipliers: Any = None, **options: Any):
        """KKT residuals at a claimed solution, with pass/fail (`problem_checks.KKTReport`)."""
        from .problem_checks import check_kkt
        return check_kkt(self, x_star, multipliers, **options)

    def compile(self, backend: str = "numpy", **options: Any):
        """Emit kernels for the derived quantities and return a solver bound to them."""
        from codegen.nlp import compile_problem
        return compile_problem(self, backend=backend, **options)


def _as_list(x: Any) -> list:
    if x is None:
        return []
    if isinstance(x, (list, tuple, set)):
        return list(x)
    return [x]
