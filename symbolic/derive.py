"""Symbolic reverse and forward mode on expression DAGs with structured sums (principle 2).

Derivatives of templates stay templates: the adjoint of ``Sum(T(k), k)`` is pushed into ``T(k)``
with the loop over ``k`` kept, so a leaf ``x[k + 1]`` yields the *term* "add value(k) to the
derivative entry x[k + 1], for each k", a scatter-add over the index space. Nothing grows with n.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy
from sympy import Add, Expr, Function, Indexed, Mul, Pow, Sum, Symbol
from sympy.core.function import AppliedUndef, ArgumentIndexError

from .errors import NonDifferentiableError

Loop = tuple[Symbol, Expr, Expr]   # (index, first, last) inclusive, as in SymPy's Sum

NON_DIFFERENTIABLE = (sympy.Abs, sympy.sign, sympy.floor, sympy.ceiling, sympy.Heaviside,
                      sympy.Max, sympy.Min, sympy.Mod, sympy.frac)


@dataclass(frozen=True)
class Term:
    """``d[target] += value`` for every point of ``loops`` (a scatter-add over an index space)."""

    target: Expr
    loops: tuple[Loop, ...]
    value: Expr


def _leaf_test(wrt: set) -> Callable[[Expr], bool]:
    def is_leaf(e: Expr) -> bool:
        if isinstance(e, Indexed):
            return e.base in wrt
        return isinstance(e, Symbol) and e in wrt
    return is_leaf


class _Dependence:
    """Memoized 'does this node contain a differentiated leaf' (looks inside sums)."""

    def __init__(self, is_leaf: Callable[[Expr], bool]):
        self.is_leaf = is_leaf
        self.memo: dict[Expr, bool] = {}

    def __call__(self, e: Expr) -> bool:
        hit = self.memo.get(e)
        if hit is None:
            if self.is_leaf(e):
                hit = True
            elif isinstance(e, Indexed) or e.is_Atom:
                hit = False
            elif isinstance(e, Sum):
                hit = self(e.function)
            else:
                hit = any(self(a) for a in e.args)
            self.memo[e] = hit
        return hit


def _check_differentiable(node: Expr) -> None:
    if isinstance(node, AppliedUndef) and not hasattr(node, "domain"):   # fields have one
        raise NonDifferentiableError(
            f"{node.func} is an undefined function (in {node}); sympile cannot differentiate "
            f"it: give its expression instead")
    if isinstance(node, NON_DIFFERENTIABLE) or isinstance(node, sympy.Derivative):
        raise NonDifferentiableError(
            f"'{type(node).__name__}' in {node} has no derivative everywhere, but derivatives of "
            f"it are needed; rewrite it smoothly (e.g. sqrt(u**2 + eps) for Abs(u), or split the "
            f"problem at the kink with extra variables and constraints)")
    if isinstance(node, sympy.logic.boolalg.Boolean):
        raise NonDifferentiableError(f"the condition {node} cannot be differentiated")


def differentiable_args(node: Expr) -> list[tuple[int, Expr]]:
    """(k, argument) pairs that derivatives flow through: a Piecewise's branch expressions
    (not its conditions), every argument of other nodes."""
    if isinstance(node, sympy.Piecewise):
        return [(k, pair.expr) for k, pair in enumerate(node.args)]
    return list(enumerate(node.args))


def partial(node: Expr, k: int) -> Expr:
    """Local derivative of ``node`` with respect to its k-th argument (for a Piecewise, its
    k-th branch: 1 where that branch is taken, else 0; the switching points get the derivative
    of the branch taken there, one-sided, as SymPy's own ``diff`` of a Piecewise)."""
    _check_differentiable(node)
    args = node.args
    if isinstance(node, sympy.Piecewise):
        return sympy.Piecewise(*[(int(j == k), pair.cond) for j, pair in enumerate(args)])
    if isinstance(node, Add):
        return sympy.S.One
    if isinstance(node, Mul):
        return Mul(*(args[:k] + args[k + 1:]))
    if isinstance(node, Pow):
        b, e = args
        return e * b ** (e - 1) if k == 0 else node * sympy.log(b)
    if isinstance(node, Function):
        try:
            return node.fdiff(k + 1)
        except ArgumentIndexError:
            raise NonDifferentiableError(
                f"SymPy has no derivative of {node.func.__name__} in its argument {k + 1} "
                f"({node}); keep variables out of that argument or rewrite the function") from None
    raise NonDifferentiableError(f"cannot differentiate '{type(node).__name__}' in {node}")


def _topological(root: Expr, depends: _Dependence) -> list[Expr]:
    """Nodes that depend on the leaves, children before parents (not descending into sums)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in seen or not depends(node):
            continue
        seen.add(node)
        stack.append((node, True))
        if not (depends.is_leaf(node) or isinstance(node, Sum)):
            stack.extend((a, False) for _, a in differentiable_args(node))
    return order


def reverse(expr: Expr, seed: Expr, wrt: set, loops: tuple[Loop, ...] = ()) -> list[Term]:
    """Adjoint terms of ``seed * d expr / d leaf`` for every leaf of ``wrt`` inside ``expr``.

    >>> import symbolic as sy
    >>> x = sy.Variable("x", shape=100)
    >>> for t in reverse(sy.sum(x[1:] * x[:-1]), 1, {x}):
    ...     print(t.target, "+=", t.value, "for", t.loops)
    x[_k1_0] += x[_k1_0 + 1] for ((_k1_0, 0, 98),)
    x[_k1_0 + 1] += x[_k1_0] for ((_k1_0, 0, 98),)
    """
    is_leaf = _leaf_test(wrt)
    return _reverse(sympy.sympify(expr), sympy.sympify(seed), loops, _Dependence(is_leaf))


def _reverse(expr: Expr, seed: Expr, loops: tuple[Loop, ...], depends: _Dependence) -> list[Term]:
    order = _topological(expr, depends)
    adjoints: dict[Expr, list[Expr]] = {expr: [seed]}
    terms: list[Term] = []
    for node in reversed(order):
        contributions = adjoints.pop(node, None)
        if not contributions:
            continue
        a = Add(*contributions)
        if depends.is_leaf(node):
            terms.append(Term(node, loops, a))
        elif isinstance(node, Sum):
            summand, limits = _unshadow(node, loops, _bound_indices(a))
            terms.extend(_reverse(summand, a, loops + limits, depends))
        else:
            for k, arg in differentiable_args(node):
                if depends(arg):
                    adjoints.setdefault(arg, []).append(a * partial(node, k))
    return _merge(terms)


def _bound_indices(e: Expr) -> set:
    """Indices bound by the sums inside ``e``."""
    return {v for s in e.atoms(Sum) for v in s.variables}


def _unshadow(node: Sum, loops: tuple[Loop, ...], avoid: set = frozenset()
              ) -> tuple[Expr, tuple[Loop, ...]]:
    """The summand and limits of a sum, its bound indices renamed apart from enclosing loops.

    Also apart from ``avoid``, the indices bound by sums inside the adjoint carried into the
    summand: ``d/dx[k] (Sum(x[k]**2, k) * Sum(x[k], k))`` must not loop over k with a value
    that contains its own ``Sum(.., k)``, or substituting the loop index would capture it.
    """
    taken = {lp[0] for lp in loops} | set(avoid)
    summand, limits = node.function, []
    for v, lo, hi in node.limits:
        new, k = v, 0
        while new in taken:
            k += 1
            new = Symbol(f"{v.name}_{k}", integer=True)
        taken.add(new)
        if new != v:
            summand = summand.xreplace({v: new})
        limits.append((new, lo, hi))
    return summand, tuple(limits)


def _merge(terms: list[Term]) -> list[Term]:
    """Add up terms with the same target and loops (one leaf used at several places)."""
    merged: dict[tuple, list[Expr]] = {}
    for t in terms:
        merged.setdefault((t.target, t.loops), []).append(t.value)
    return [Term(tg, lp, Add(*vals)) for (tg, lp), vals in merged.items()]


def forward(expr: Expr, tangent: Callable[[Expr], Expr], wrt: set) -> Expr:
    """Directional derivative of ``expr``; ``tangent(leaf)`` gives each leaf's direction.

    >>> import symbolic as sy
    >>> a, b, da, db = sy.symbols("a b da db")
    >>> forward(sy.sin(a) * b, {a: da, b: db}.get, {a, b})
    b*da*cos(a) + db*sin(a)
    """
    depends = _Dependence(_leaf_test(wrt))
    memo: dict[Expr, Expr] = {}

    def d(e: Expr) -> Expr:
        if e in memo:
            return memo[e]
        if not depends(e):
            out = sympy.S.Zero
        elif depends.is_leaf(e):
            out = tangent(e)
        elif isinstance(e, Sum):
            inner = d(e.function)
            out = sympy.S.Zero if inner == 0 else Sum(inner, *e.limits)
        elif isinstance(e, sympy.Piecewise):
            out = sympy.Piecewise(*[(d(pair.expr), pair.cond) for pair in e.args])
        else:
            out = Add(*[partial(e, k) * d(a) for k, a in differentiable_args(e) if depends(a)])
        memo[e] = out
        return out

    return d(sympy.sympify(expr))
