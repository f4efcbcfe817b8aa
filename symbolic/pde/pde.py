"""`PDE`: evolution equations for fields, with initial data, boundary conditions and monitors.

Each equation is solved symbolically for the highest time derivative of one field, giving
``d^k u / dt^k = F(u, derivatives of u, x, t, parameters)`` with k = 1 or 2.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import sympy
from sympy import Derivative, Expr, Subs, Symbol

from ..arrays import is_parameter
from ..errors import DeclarationError
from .field import TIME, FieldDerivative, FieldFunction


class DomainIntegral(sympy.Function):
    """``integral(expr)``: the integral of ``expr`` over the whole domain (for monitors)."""

    nargs = 1


def integral(expr: Any) -> Expr:
    """The integral of ``expr`` over the domain, e.g. ``sy.integral(sy.Abs(u)**2)``."""
    return DomainIntegral(sympy.sympify(expr))


@dataclass(frozen=True)
class Evolution:
    """``d^order field / dt^order = rhs``."""

    field: FieldFunction
    order: int
    rhs: Expr


@dataclass(frozen=True)
class BoundaryCondition:
    """``a * u + b * du/dn ... = value`` on one side of a bounded axis, as ``lhs = value``."""

    field: FieldFunction
    axis: str
    side: str          # "lower" | "upper"
    lhs: Expr          # in terms of the field and its derivatives at the boundary point
    value: Expr


def plain(expr: Any) -> Any:
    """Replace `FieldDerivative` (which only adds ``.at``) by SymPy's own `Derivative`."""
    if not isinstance(expr, sympy.Basic):
        return expr
    return expr.replace(lambda e: isinstance(e, FieldDerivative), lambda e: Derivative(*e.args))


def fields_in(expr: Expr) -> set:
    return {a for a in expr.atoms(FieldFunction)}


def _time_derivatives(expr: Expr) -> list[Derivative]:
    return [d for d in expr.atoms(Derivative)
            if isinstance(d.expr, FieldFunction) and d.variable_count
            and any(v == TIME for v, _ in d.variable_count)]


def _time_order(d: Derivative) -> int:
    return sum(int(c) for v, c in d.variable_count if v == TIME)


def _solve_for(eq: Any, k: int) -> Evolution:
    if not isinstance(eq, sympy.Equality):
        raise DeclarationError(f"equation {k} must be sy.Eq(lhs, rhs), got {eq!r}")
    expr = eq.lhs - eq.rhs
    tds = _time_derivatives(expr)
    if not tds:
        raise DeclarationError(f"equation {k} ({eq}) has no time derivative of a field; write "
                               f"it as sy.Eq(u.diff(t), ...)")
    top = max(tds, key=_time_order)
    order = _time_order(top)
    if order > 2:
        raise DeclarationError(f"equation {k} is of order {order} in time; first or second "
                               f"order equations are supported")
    for d in tds:
        if d != top and (d.expr != top.expr or _time_order(d) >= order
                         or any(v != TIME for v, _ in d.variable_count)):
            raise DeclarationError(f"equation {k} ({eq}) mixes time derivatives ({d} and {top}); "
                                   f"give one equation per field, solved for its own highest "
                                   f"time derivative")
    if any(v != TIME for v, _ in top.variable_count):
        raise DeclarationError(f"equation {k}: mixed space-time derivative {top} is not supported")
    s = Symbol("_dt_top")
    lin = expr.xreplace({top: s})
    if sympy.diff(lin, s, 2) != 0:
        raise DeclarationError(f"equation {k} is not linear in {top}")
    coeff = sympy.diff(lin, s)
    if coeff.has(s) or coeff == 0:
        raise DeclarationError(f"equation {k}: cannot solve for {top}")
    rhs = sympy.expand(-lin.subs(s, 0) / coeff) if coeff != 1 else -lin.subs(s, 0)
    return Evolution(top.expr, order, rhs)


def _parse_bc(bc: Any, k: int) -> BoundaryCondition:
    if not isinstance(bc, sympy.Equality):
        raise DeclarationError(f"boundary condition {k} must be sy.Eq(lhs, value), got {bc!r}")
    subs = bc.lhs.atoms(Subs) | bc.rhs.atoms(Subs)
    if not subs:
        raise DeclarationError(f"boundary condition {k} ({bc}) evaluates no field at a boundary; "
                               f"use u.at(x=0) or u.diff(x).at(x=0)")
    points = {(s.variables, s.point) for s in subs}
    if len(points) != 1:
        raise DeclarationError(f"boundary condition {k} mixes boundary points {points}")
    (variables, point), = points
    if len(variables) != 1:
        raise DeclarationError(f"boundary condition {k}: give one coordinate, e.g. u.at(x=0)")
    flds = set().union(*[fields_in(s.expr) for s in subs])
    if len(flds) != 1:
        raise DeclarationError(f"boundary condition {k} must involve exactly one field")
    field = flds.pop()
    axis = field.domain.axis(variables[0])
    if axis.periodic:
        raise DeclarationError(f"boundary condition {k} ({bc}) is on the periodic axis "
                               f"'{axis.name}'; periodic axes take no boundary conditions (domains are "
                               f"periodic unless declared with Domain(..., periodic=False))")
    where = point[0]
    if sympy.simplify(where - axis.lower) == 0:
        side = "lower"
    elif sympy.simplify(where - axis.upper) == 0:
        side = "upper"
    else:
        raise DeclarationError(f"boundary condition {k} is at {axis.name} = {where}, which is "
                               f"not an end of [{axis.lower}, {axis.upper}]")
    lhs = (bc.lhs - bc.rhs).xreplace({s: s.expr for s in subs})
    value_part = lhs.subs({d: 0 for d in lhs.atoms(Derivative)}).subs(field, 0)
    return BoundaryCondition(field, axis.name, side, lhs - value_part, -value_part)


class PDE:
    """Evolution equations, initial data, boundary conditions and monitors of some fields.

    >>> import symbolic as sy
    >>> t, x = sy.symbols("t x", real=True)
    >>> u = sy.Field("u", sy.Domain(x=(0, 2 * sy.pi), points=32))
    >>> heat = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)), initial={u: sy.sin(x)})
    >>> heat.evolutions[0].rhs
    Derivative(u(t, x), (x, 2))
    """

    def __init__(self, *equations: Any, initial: Mapping | None = None,
                 bcs: Iterable[Any] = (), monitors: Mapping[str, Any] | None = None):
        eqs = [plain(e) for group in equations for e in (group if isinstance(group, (list, tuple))
                                                          else [group])]
        if not eqs:
            raise DeclarationError("a PDE needs at least one equation")
        self.evolutions = [_solve_for(e, k) for k, e in enumerate(eqs)]
        fields = [ev.field for ev in self.evolutions]
        if len(set(fields)) != len(fields):
            raise DeclarationError("two equations are solved for the same field; give one "
                                   "equation per field")
        self.fields = fields
        used = set().union(*[fields_in(ev.rhs) for ev in self.evolutions])
        missing = used - set(fields)
        if missing:
            raise DeclarationError(f"field(s) {', '.join(str(f.func) for f in missing)} appear "
                                   f"in the equations but have no equation of their own")
        domains = {f.domain for f in fields}
        if len(domains) != 1:
            raise DeclarationError("all fields of a PDE must live on the same Domain")
        self.domain = domains.pop()
        self.initial = self._initial(initial or {})
        self.bcs = [_parse_bc(plain(b), k) for k, b in enumerate(bcs)]
        self._check_bcs()
        self.monitors = {name: plain(sympy.sympify(m)) for name, m in (monitors or {}).items()}
        self.parameters = sorted({s for ev in self.evolutions for s in ev.rhs.free_symbols
                                  if is_parameter(s)}, key=lambda s: s.name)
        coords = {TIME, *self.domain.symbols}
        stray = {s for ev in self.evolutions for s in ev.rhs.free_symbols
                 if isinstance(s, Symbol) and s not in coords and not is_parameter(s)}
        if stray:
            raise DeclarationError(f"symbol(s) {', '.join(sorted(map(str, stray)))} are neither "
                                   f"coordinates of the domain nor sy.Parameter; declare them "
                                   f"as parameters or substitute values")

    def _initial(self, initial: Mapping) -> dict:
        data = {}
        for key, value in initial.items():
            key, value = plain(key), plain(value)
            if isinstance(key, FieldFunction):
                data[(key, 0)] = value
            elif isinstance(key, Derivative) and isinstance(key.expr, FieldFunction) \
                    and _time_order(key) == 1 and len(key.variable_count) == 1:
                data[(key.expr, 1)] = value
            else:
                raise DeclarationError(f"initial data is keyed by a field or its first time "
                                       f"derivative (u or u.diff(t)), got {key}")
        for ev in self.evolutions:
            for k in range(ev.order):
                if (ev.field, k) not in data:
                    what = ev.field.func if k == 0 else f"{ev.field.func}.diff(t)"
                    raise DeclarationError(f"field '{ev.field.func}' has no initial data for "
                                           f"{what}; pass initial={{{what}: ...}}")
            for k in range(ev.order):
                arr = data[(ev.field, k)]
                if isinstance(arr, np.ndarray) and arr.shape != self_shape(ev.field):
                    raise DeclarationError(f"initial data of '{ev.field.func}' has shape "
                                           f"{arr.shape}, the grid is {self_shape(ev.field)}")
        return data

    def _check_bcs(self) -> None:
        for ev in self.evolutions:
            for axis in ev.field.domain.axes:
                if axis.periodic:
                    continue
                order = spatial_order(ev.rhs, ev.field, axis.symbol)
                need = (order + 1) // 2
                for side in ("lower", "upper"):
                    have = sum(1 for b in self.bcs if b.field == ev.field and b.axis == axis.name
                               and b.side == side)
                    if have < need:
                        raise DeclarationError(
                            f"field '{ev.field.func}' has derivatives of order {order} in "
                            f"'{axis.name}' on a bounded axis and needs {need} boundary "
                            f"condition(s) at {axis.name} = "
                            f"{axis.lower if side == 'lower' else axis.upper}; it has {have}")
                    if have > need:
                        raise DeclarationError(
                            f"field '{ev.field.func}' has {have} boundary conditions at the "
                            f"{side} end of '{axis.name}' but its equation needs {need}")

    def manufactured(self, exact: Mapping) -> "PDE":
        """The PDE with a forcing term that makes ``exact`` (field -> expression) a solution.

        Initial data and boundary values are taken from the exact solution.
        """
        forcing_eqs, initial = [], {}
        subs = {f: sympy.sympify(e) for f, e in exact.items()}
        for ev in self.evolutions:
            if ev.field not in subs:
                raise DeclarationError(f"no exact solution given for field '{ev.field.func}'")
            ex = subs[ev.field]
            lhs = sympy.diff(ex, TIME, ev.order)
            # expand, not simplify: the forcing only has to be right, and simplify can take
            # seconds on the trigonometric and hyperbolic forms exact solutions come in
            residual = sympy.expand(lhs - _substitute_fields(ev.rhs, subs))
            forcing_eqs.append(sympy.Eq(ev.field.diff(TIME, ev.order), ev.rhs + residual))
            initial[ev.field] = ex.subs(TIME, 0)
            if ev.order == 2:
                initial[ev.field.diff(TIME)] = sympy.diff(ex, TIME).subs(TIME, 0)
        bcs = []
        for b in self.bcs:
            axis = b.field.domain.axis(b.axis)
            point = axis.lower if b.side == "lower" else axis.upper
            value = _substitute_fields(b.lhs, subs).subs(axis.symbol, point)
            bcs.append(sympy.Eq(_at_boundary(b.lhs, b.field, axis.symbol, point), value))
        return PDE(*forcing_eqs, initial=initial, bcs=bcs, monitors=self.monitors)

    def compile(self, backend: str = "numpy", discretization: str = "finite_difference",
                **options: Any):
        """Discretize in space, emit the right-hand-side kernels and return a simulator.

        ``backend``: "numpy", "numba", "jax" (or "cuda", finite differences only);
        ``discretization``: "finite_difference" (``order=2, 4, ...``) or "spectral"
        (``dealias=`` grid points for products, default from the nonlinearity's degree);
        ``integrator``: the default of `Simulator.run`; ``simplify``: "egraph", "cse" or None.
        """
        from codegen.pde import compile_pde
        return compile_pde(self, backend=backend, discretization=discretization, **options)

    def __repr__(self) -> str:
        eqs = "; ".join(f"d{'²' if ev.order == 2 else ''}{ev.field.func}/dt"
                        f"{'²' if ev.order == 2 else ''} = {ev.rhs}" for ev in self.evolutions)
        return f"PDE({eqs} on {self.domain})"


def self_shape(field: FieldFunction) -> tuple[int, ...]:
    return field.domain.shape


def spatial_order(expr: Expr, field: FieldFunction, axis: Symbol) -> int:
    """Highest derivative order of ``field`` along ``axis`` in ``expr``."""
    orders = [int(c) for d in expr.atoms(Derivative) if d.expr == field
              for v, c in d.variable_count if v == axis]
    return max(orders, default=0)


def _substitute_fields(expr: Expr, subs: Mapping) -> Expr:
    out = expr
    for d in sorted(expr.atoms(Derivative), key=lambda d: -len(str(d))):
        if d.expr in subs:
            out = out.xreplace({d: sympy.diff(subs[d.expr], *d.variable_count)})
    return out.xreplace(dict(subs))


def _at_boundary(lhs: Expr, field: FieldFunction, axis: Symbol, point: Expr) -> Expr:
    """Rebuild a boundary-condition left side as ``Subs`` at ``axis = point``."""
    rule = {d: Subs(d, axis, point) for d in lhs.atoms(Derivative) if d.expr == field}
    rule[field] = Subs(field, axis, point)
    return lhs.xreplace(rule)
