"""Derived quantities of an NLP: gradient, constraint Jacobian, Lagrangian Hessian and HVP terms.

Everything is expressed over the flattened unknown vector z (variables in `Problem.variables`
order, each row-major) and stays structured: terms carry loops instead of expanded entries.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy
from sympy import Expr, Indexed, IndexedBase, Integer, Symbol

from .arrays import ELEMENT_INDEX, ArraySymbol, sym_shape
from .derive import Loop, Term, forward, reverse
from .sparsity import SparseBlock, StructuredPattern

SIGMA = Symbol("_sigma", real=True)
LAMBDA = IndexedBase("_lam")


@dataclass
class Layout:
    """Where each variable lives in the flat unknown vector."""

    variables: list
    offsets: dict = field(default_factory=dict)
    n: int = 0

    def __post_init__(self):
        off = 0
        for v in self.variables:
            self.offsets[v] = off
            off += int(np.prod(sym_shape(v))) if sym_shape(v) else 1
        self.n = off

    def flat(self, target: Expr) -> Expr:
        """Flat position of a variable access ``x[i, j]`` or a scalar variable."""
        if isinstance(target, Indexed):
            base = target.base
            strides = np.cumprod((1,) + sym_shape(base)[::-1])[::-1][1:]
            return self.offsets[base] + sympy.Add(*[int(s) * i for s, i in
                                                    zip(strides, target.indices)])
        return Integer(self.offsets[target])


def linear_index(indices, shape) -> Expr:
    strides = np.cumprod((1,) + tuple(shape)[::-1])[::-1][1:]
    return sympy.Add(*[int(s) * i for s, i in zip(strides, indices)])


def row_loops(shape: tuple[int, ...], prefix: str) -> tuple[tuple[Symbol, ...], tuple[Loop, ...]]:
    idx = tuple(Symbol(f"_{prefix}{d}", integer=True) for d in range(len(shape)))
    return idx, tuple((i, Integer(0), Integer(n - 1)) for i, n in zip(idx, shape))


@dataclass
class NLPDerivation:
    """Every quantity the NLP kernels compute, as structured SymPy terms."""

    layout: Layout
    parameters: list
    sign: int
    objective: Expr
    gradient: list[Term]
    constraint_rows: list   # (offset, shape, element expr over row indices, row indices)
    row_bounds: list        # (rows, lower, upper) per constraint: its bounds hold for all its rows
    m: int
    jacobian: list[SparseBlock]
    hessian: list[SparseBlock]
    hvp: list[Term]
    directions: dict

    @property
    def c_lower(self) -> np.ndarray:
        """Lower bounds of the m constraint rows (built on use: O(m) numbers, no symbolic work)."""
        return self._row_values(1)

    @property
    def c_upper(self) -> np.ndarray:
        return self._row_values(2)

    def _row_values(self, which: int) -> np.ndarray:
        sizes = [b[0] for b in self.row_bounds]
        return np.repeat(np.array([b[which] for b in self.row_bounds], dtype=float), sizes)

    def jacobian_pattern(self) -> StructuredPattern:
        return StructuredPattern(tuple(self.jacobian), (self.m, self.layout.n))

    def hessian_pattern(self) -> StructuredPattern:
        return StructuredPattern(tuple(self.hessian), (self.layout.n, self.layout.n))


def direction_symbol(var) -> Expr:
    """The direction v of a Hessian-vector product, one per variable, shaped like it."""
    if isinstance(var, ArraySymbol):
        return IndexedBase(f"_v_{var.name}", shape=var.shape)
    return Symbol(f"_v_{var.name}", real=True)


def derive_nlp(problem) -> NLPDerivation:
    """Derive gradient, Jacobian, Hessian and HVP terms of a `Problem` (all structured)."""
    layout = Layout(list(problem.variables))
    wrt = set(layout.variables)
    sign = 1 if problem.sense == "minimize" else -1
    f = sign * problem.objective
    gradient = reverse(f, sympy.S.One, wrt)

    rows, jac, lagr_terms = [], [], [SIGMA * f]
    row_bounds, off = [], 0
    for c in problem.constraints:
        idx, loops = row_loops(c.shape, "r")
        expr = c.expr.xreplace(dict(zip(ELEMENT_INDEX, idx)))
        rows.append((off, c.shape, expr, idx))
        row = off + linear_index(idx, c.shape)
        for t in reverse(expr, sympy.S.One, wrt, loops):
            jac.append(SparseBlock(row, layout.flat(t.target), t.loops, t.value))
        lam = LAMBDA[row]
        lagr_terms.append(sympy.Sum(lam * expr, *loops) if loops else lam * expr)
        row_bounds.append((c.size, c.lower, c.upper))
        off += c.size

    lagrangian_grad = reverse(sympy.Add(*lagr_terms), sympy.S.One, wrt)
    hessian = []
    for g in lagrangian_grad:
        for t in reverse(g.value, sympy.S.One, wrt, g.loops):
            hessian.append(SparseBlock(layout.flat(g.target), layout.flat(t.target),
                                       t.loops, t.value))
    directions = {v: direction_symbol(v) for v in layout.variables}

    def tangent(leaf: Expr) -> Expr:
        if isinstance(leaf, Indexed):
            return directions[leaf.base][leaf.indices]
        return directions[leaf]

    hvp = [Term(g.target, g.loops, forward(g.value, tangent, wrt)) for g in lagrangian_grad]
    hvp = [t for t in hvp if t.value != 0]
    return NLPDerivation(layout, list(problem.parameters), sign, f, gradient, rows, row_bounds,
                         off, jac, hessian, hvp, directions)


def multiplier_symbols(problem) -> dict:
    """One multiplier per constraint: a symbol ``lambda_c`` or an array ``lambda_c[i]``."""
    out = {}
    for c in problem.constraints:
        out[c.name] = (IndexedBase(f"lambda_{c.name}", shape=c.shape) if c.shape
                       else Symbol(f"lambda_{c.name}", real=True))
    return out


def named_lagrangian(problem) -> Expr:
    """The Lagrangian f + sum_c lambda_c * c, readable (sums over array constraints kept)."""
    from .arrays import array_sum, ArrayExpr
    sign = 1 if problem.sense == "minimize" else -1
    total = sign * problem.objective
    for c, lam in zip(problem.constraints, multiplier_symbols(problem).values()):
        if c.shape:
            elem = lam[ELEMENT_INDEX[: len(c.shape)]] * c.expr
            total += array_sum(ArrayExpr(elem, c.shape))
        else:
            total += lam * c.expr
    return total


def _all_scalar(d: NLPDerivation) -> bool:
    return all(not sym_shape(v) or all(not b.loops for b in d.jacobian + d.hessian)
               for v in d.layout.variables) and not any(t.loops for t in d.gradient)


def _dense(blocks: list[SparseBlock], shape: tuple[int, int], scale=1) -> sympy.Matrix:
    out = sympy.zeros(*shape)
    for b in blocks:
        out[int(b.row), int(b.col)] += scale * b.value
    return out


def user_gradient(problem, var=None):
    """Gradient of the user's objective: a column Matrix when nothing loops, else terms."""
    d = problem.derivatives()
    if _all_scalar(d) and var is None:
        g = sympy.zeros(d.layout.n, 1)
        for t in d.gradient:
            g[int(d.layout.flat(t.target)), 0] += d.sign * t.value
        return g
    terms = d.gradient if var is None else [t for t in d.gradient if
                                            getattr(t.target, "base", t.target) == var]
    return [Term(t.target, t.loops, d.sign * t.value) for t in terms]


def user_jacobian(problem):
    """Constraint Jacobian: a Matrix when nothing loops, else the structured blocks."""
    d = problem.derivatives()
    if _all_scalar(d):
        return _dense(d.jacobian, (d.m, d.layout.n))
    return list(d.jacobian)


def user_hessian(problem):
    """Hessian of the Lagrangian sigma*f + lam.c (sigma, lam: SIGMA, LAMBDA); formed on request."""
    d = problem.derivatives()
    if _all_scalar(d):
        return _dense(d.hessian, (d.layout.n, d.layout.n))
    return list(d.hessian)
