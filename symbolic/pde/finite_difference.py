"""Finite differences of any even order on uniform grids, boundary conditions built in.

Stencil weights come from Fornberg's algorithm (``sympy.finite_diff_weights``, exact rationals).
Rows whose centered stencil fits inside the unknowns form one template over an index range; the
few rows near an edge are written one by one with wrapped (periodic) or one-sided (bounded)
stencils, so the number of pieces depends on the stencil width, never on the grid size.
Boundary nodes held by a Dirichlet/Neumann/Robin condition are eliminated: their values are
expressions of the interior unknowns, from the condition with a one-sided derivative stencil.
"""
from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Any

import sympy
from sympy import Derivative, Expr, Indexed, Integer, Symbol

from ..arrays import ArrayVariable
from ..errors import DeclarationError
from .field import TIME, FieldFunction
from .pde import PDE, DomainIntegral, spatial_order
from .semidiscrete import RowPiece, SemiDiscrete, StateBlock


@lru_cache(maxsize=None)
def stencil_weights(m: int, offsets: tuple[int, ...]) -> tuple[sympy.Rational, ...]:
    """Weights of the m-th derivative at offset 0 from values at integer ``offsets`` (h = 1)."""
    return tuple(sympy.finite_diff_weights(m, list(offsets), 0)[m][-1])


def half_width(m: int, order: int) -> int:
    """Half width of the centered stencil of derivative m with accuracy ``order``."""
    return (m + order - 1) // 2


class FiniteDifference:
    """Discretizes a `PDE` with finite differences of accuracy ``order`` (even)."""

    def __init__(self, pde: PDE, order: int = 2):
        if order < 2 or order % 2:
            raise DeclarationError(f"finite-difference order must be even and >= 2, got {order}")
        self.pde, self.order = pde, order
        self.domain = pde.domain
        self.bc: dict[tuple, list] = {}
        for b in pde.bcs:
            self.bc.setdefault((b.field, b.axis, b.side), []).append(b)
        self._eliminated: dict[tuple, dict] = {}
        self._highest = {(ev.field, a): max(spatial_order(e.rhs, ev.field, sym)
                                            for e in pde.evolutions)
                         for ev in pde.evolutions for a, sym in enumerate(self.domain.symbols)}
        self.blocks: dict[tuple, StateBlock] = {}
        for level in (0, 1):   # all values first, then all velocities (Verlet's [u, v] layout)
            for ev in pde.evolutions:
                if level >= ev.order:
                    continue
                nodes = tuple(self._unknown_nodes(ev.field, a) for a in range(self.domain.ndim))
                shape = tuple(hi - lo + 1 for lo, hi in nodes)
                name = str(ev.field.func)
                arr = ArrayVariable(name if level == 0 else f"{name}_t", shape)
                self.blocks[(ev.field, level)] = StateBlock(ev.field, level, arr, nodes)

    # -- grid and unknowns ---------------------------------------------------------------------
    def _unknown_nodes(self, fld: FieldFunction, a: int) -> tuple[int, int]:
        axis = self.domain.axes[a]
        if axis.periodic:
            return 0, axis.points - 1
        lo = len(self.bc.get((fld, axis.name, "lower"), ()))
        hi = axis.points - 1 - len(self.bc.get((fld, axis.name, "upper"), ()))
        return lo, hi

    # -- values of fields at grid nodes -------------------------------------------------------
    def value(self, fld: FieldFunction, level: int, node: tuple) -> Expr:
        """The field (level 0) or its time derivative (level 1) at a grid node."""
        block = self.blocks.get((fld, level))
        if block is None:
            raise DeclarationError(f"'{fld.func}' has no time derivative in the state")
        for a, (j, (lo, hi)) in enumerate(zip(node, block.nodes)):
            axis = self.domain.axes[a]
            if axis.periodic and isinstance(j, (int, Integer)):
                node = node[:a] + (int(j) % axis.points,) + node[a + 1:]
            elif isinstance(j, (int, Integer)) and not lo <= int(j) <= hi:
                side = "lower" if int(j) < lo else "upper"
                return self.boundary_value(fld, a, side, node, level)
        return Indexed(block.array, *[j - lo for j, (lo, _) in zip(node, block.nodes)])

    def boundary_value(self, fld: FieldFunction, a: int, side: str, node: tuple,
                       level: int = 0) -> Expr:
        """An eliminated boundary node, from the p conditions at that end of axis ``a``.

        Each condition is linear in u, u_x, u_xx, ... at the boundary; every derivative becomes
        a one-sided stencil over the p boundary nodes and the interior unknowns, and the p x p
        linear system gives the p boundary nodes. The eliminated nodes enter the equation's
        highest derivative (order M) divided by h^M, so they must be accurate to
        O(h^(order + M)): a condition's m-th derivative takes order + M points. At level 1 (the
        velocity of a second-order field) the time derivative of each condition is used.
        """
        axis = self.domain.axes[a]
        j0 = 0 if side == "lower" else axis.points - 1
        sign = 1 if side == "lower" else -1
        key = (fld, a, side, level, node[:a] + node[a + 1:])
        if key not in self._eliminated:
            self._eliminated[key] = self._solve_boundary(fld, a, side, node, level, j0, sign)
        return self._eliminated[key][(node[a] - j0) * sign]

    def _solve_boundary(self, fld, a, side, node, level, j0, sign) -> dict:
        axis = self.domain.axes[a]
        conditions = self.bc[(fld, axis.name, side)]
        p = len(conditions)
        unknown = [Symbol(f"_bnode{k}") for k in range(p)]
        h = self._spacing(a)
        coords = self._coords(node, skip=a)
        coords[axis.symbol] = axis.lower if side == "lower" else axis.upper

        def at(k: int) -> Expr:
            return unknown[k] if k < p else self.value(fld, level, node[:a] + (j0 + sign * k,)
                                                       + node[a + 1:])

        equations = []
        for bc in conditions:
            derivs = {d: Symbol(f"_bc_d{d.derivative_count}") for d in bc.lhs.atoms(Derivative)}
            if any(d.expr != fld or d.variables != (axis.symbol,) * d.derivative_count
                   for d in derivs):
                raise NotImplementedError(f"boundary condition {bc.lhs} = {bc.value}: only "
                                          f"derivatives of '{fld.func}' normal to the boundary "
                                          f"(along '{axis.name}') are supported")
            su = Symbol("_bc_d0")
            lin = bc.lhs.xreplace({**derivs, fld: su})
            orders = {0: su, **{d.derivative_count: s for d, s in derivs.items()}}
            coeffs = {m: sympy.diff(lin, s) for m, s in orders.items()}
            if (sympy.expand(lin - sum(c * orders[m] for m, c in coeffs.items())) != 0
                    or any(c.has(*orders.values()) for c in coeffs.values())):
                raise NotImplementedError(f"boundary condition {bc.lhs} = {bc.value} is not "
                                          f"linear in '{fld.func}' and its derivatives")
            if level and any(c.has(TIME) for c in coeffs.values()):
                raise NotImplementedError(f"boundary condition {bc.lhs} = {bc.value} of the "
                                          f"second-order field '{fld.func}' has time-dependent "
                                          f"coefficients; only its right side may depend on t")
            lhs = sympy.S.Zero
            for m, c in coeffs.items():
                if c == 0:
                    continue
                width = max(m + 1, self.order + self._highest[(fld, a)])
                offsets = tuple(sign * k for k in range(width)) if m else (0,)
                w = stencil_weights(m, offsets)
                lhs += sympy.sympify(c).xreplace(coords) * sympy.Add(
                    *[w[k] / h ** m * at(k) for k in range(len(offsets))])
            value = sympy.diff(bc.value, TIME) if level else bc.value
            equations.append(sympy.Eq(lhs, sympy.sympify(value).xreplace(coords)))
        solution = sympy.solve(equations, unknown, dict=True)
        if len(solution) != 1 or set(solution[0]) != set(unknown):
            raise DeclarationError(f"the boundary conditions of '{fld.func}' at the {side} end of "
                                   f"'{axis.name}' do not determine the boundary values (they "
                                   f"are dependent); give independent conditions")
        return {k: solution[0][unknown[k]] for k in range(p)}

    def _spacing(self, a: int) -> Expr:
        axis = self.domain.axes[a]
        return (axis.upper - axis.lower) / (axis.points if axis.periodic else axis.points - 1)

    def _coords(self, node: tuple, skip: int | None = None) -> dict:
        out = {}
        for a, j in enumerate(node):
            if a != skip:
                axis = self.domain.axes[a]
                out[axis.symbol] = axis.lower + self._spacing(a) * j
        return out

    def derivative(self, d: Derivative, node: tuple, template_axes: set) -> Expr:
        """A (pure or mixed) spatial derivative of a field at ``node`` as a stencil sum."""
        fld = d.expr
        level = 0
        per_axis = []
        for v, count in d.variable_count:
            count = int(count)
            if v == TIME:
                level += count
                continue
            a = self.domain.symbols.index(v)
            per_axis.append((a, count))
        if level > 1:
            raise DeclarationError(f"{d}: at most one time derivative may appear on the right")
        terms = []
        choices = []
        for a, m in per_axis:
            offs = self._offsets(a, m, node[a], a in template_axes)
            choices.append([(a, s, w / self._spacing(a) ** m)
                            for s, w in zip(offs, stencil_weights(m, offs))])
        for combo in itertools.product(*choices):
            shifted, weight = list(node), Integer(1)
            for a, s, w in combo:
                shifted[a] = shifted[a] + s
                weight *= w
            if weight != 0:
                terms.append(weight * self.value(fld, level, tuple(shifted)))
        return sympy.Add(*terms)

    def _offsets(self, a: int, m: int, j: Any, template: bool) -> tuple[int, ...]:
        r = half_width(m, self.order)
        axis = self.domain.axes[a]
        if template or axis.periodic or r <= int(j) <= axis.points - 1 - r:
            return tuple(range(-r, r + 1))
        width = min(m + self.order, axis.points)
        start = min(max(int(j) - width // 2, 0), axis.points - width)
        return tuple(range(start - int(j), start - int(j) + width))

    # -- pieces ------------------------------------------------------------------------------
    def reach(self, expr: Expr, a: int) -> int:
        """Largest centered half width any derivative along axis ``a`` in ``expr`` needs."""
        sym = self.domain.symbols[a]
        ms = [int(c) for d in expr.atoms(Derivative) for v, c in d.variable_count if v == sym]
        return max((half_width(m, self.order) for m in ms), default=0)

    def pieces(self, expr: Expr, ranges: tuple[tuple[int, int], ...], inner: tuple) -> list:
        """Split node ranges into edge rows and interior templates; yield (node, loops)."""
        per_axis = []
        for a, (lo, hi) in enumerate(ranges):
            r = max(self.reach(expr, a), 0)
            axis = self.domain.axes[a]
            if axis.periodic:
                t_lo, t_hi = lo + r, hi - r
            else:
                t_lo, t_hi = max(lo, inner[a][0] + r), min(hi, inner[a][1] - r)
            opts = []
            if t_lo > t_hi:
                opts += [("row", j) for j in range(lo, hi + 1)]
            else:
                opts += [("row", j) for j in range(lo, t_lo)]
                opts.append(("range", t_lo, t_hi))
                opts += [("row", j) for j in range(t_hi + 1, hi + 1)]
            per_axis.append(opts)
        out = []
        for combo in itertools.product(*per_axis):
            node, loops = [], []
            for a, c in enumerate(combo):
                if c[0] == "row":
                    node.append(Integer(c[1]))
                else:
                    i = Symbol(f"_g{a}", integer=True)
                    node.append(i)
                    loops.append((i, Integer(c[1]), Integer(c[2])))
            out.append((tuple(node), tuple(loops)))
        return out

    def at_node(self, expr: Expr, node: tuple, loops: tuple) -> Expr:
        """``expr`` (fields, derivatives, coordinates) evaluated at a grid node."""
        template_axes = {a for a, j in enumerate(node) if not isinstance(j, Integer)}
        rule = {}
        for d in expr.atoms(Derivative):
            if isinstance(d.expr, FieldFunction):
                rule[d] = self.derivative(d, node, template_axes)
        for f in expr.atoms(FieldFunction):
            rule[f] = self.value(f, 0, node)
        rule.update(self._coords(node))
        return expr.xreplace(rule)

    # -- the system ---------------------------------------------------------------------------
    def semidiscrete(self) -> SemiDiscrete:
        rows, force = [], []
        blocks = list(self.blocks.values())
        layout_blocks = SemiDiscrete(blocks, [], {}, False, TIME, self.pde.parameters)
        for ev in self.pde.evolutions:
            top = self.blocks[(ev.field, ev.order - 1)]
            nodes = top.nodes
            inner = self.blocks[(ev.field, 0)].nodes
            for node, loops in self.pieces(ev.rhs, nodes, inner):
                value = self.at_node(ev.rhs, node, loops)
                index = self._state_index(layout_blocks, top, node)
                piece = RowPiece(index, loops, value)
                rows.append(piece)
                if ev.order == 2:
                    force.append(piece)
            if ev.order == 2:
                vel = self.blocks[(ev.field, 1)]
                idx = tuple(Symbol(f"_g{a}", integer=True) for a in range(self.domain.ndim))
                loops = tuple((i, Integer(lo), Integer(hi)) for i, (lo, hi) in zip(idx, nodes))
                rows.append(RowPiece(self._state_index(layout_blocks, self.blocks[(ev.field, 0)],
                                                       idx),
                                     loops, self.value(ev.field, 1, idx)))
        complex_state = any(ev.field.dtype is complex or ev.rhs.has(sympy.I)
                            for ev in self.pde.evolutions)
        monitors = {name: self.monitor(m) for name, m in self.pde.monitors.items()}
        return SemiDiscrete(blocks, rows, monitors, complex_state, TIME, self.pde.parameters,
                            force)

    def _state_index(self, sd: SemiDiscrete, block: StateBlock, node: tuple) -> Expr:
        off = sd.layout.offsets[block.array]
        shape = block.array.shape
        strides = [1] * len(shape)
        for a in range(len(shape) - 2, -1, -1):
            strides[a] = strides[a + 1] * shape[a + 1]
        return off + sympy.Add(*[s * (j - lo) for s, j, (lo, _) in zip(strides, node,
                                                                         block.nodes)])

    def full_grid(self, fld: FieldFunction, level: int) -> list[tuple]:
        """Pieces giving the field on every grid node (eliminated boundary nodes included)."""
        everything = tuple((0, a.points - 1) for a in self.domain.axes)
        inner = self.blocks[(fld, 0)].nodes
        return [(node, loops, self.value(fld, level, node))
                for node, loops in self.pieces(sympy.S.Zero, everything, inner)]

    def monitor(self, expr: Expr) -> Expr:
        """Monitors: integrals over the domain (trapezoid rule on bounded axes)."""
        ints = expr.atoms(DomainIntegral)
        rule = {}
        for integ in ints:
            body = integ.args[0]
            everything = tuple((0, a.points - 1) for a in self.domain.axes)
            inner = tuple((max(b.nodes[a][0] for b in self.blocks.values()),
                           min(b.nodes[a][1] for b in self.blocks.values()))
                          for a in range(self.domain.ndim))
            total = []
            for node, loops in self.pieces(body, everything, inner):
                w = Integer(1)
                for a, j in enumerate(node):
                    axis = self.domain.axes[a]
                    w *= self._spacing(a)
                    if not axis.periodic and isinstance(j, Integer) and int(j) in (0, axis.points - 1):
                        w /= 2
                val = w * self.at_node(body, node, loops)
                total.append(sympy.Sum(val, *loops) if loops else val)
            rule[integ] = sympy.Add(*total)
        out = expr.xreplace(rule)
        if any(isinstance(a, FieldFunction) for a in out.atoms(sympy.Function)):
            raise DeclarationError(f"monitor {expr} must be an integral over the domain "
                                   f"(sy.integral(...)) of field expressions")
        return out
