"""Factored and Horner forms as alternatives to the e-graph's answer, judged after CSE.

The e-graph minimizes the DAG cost of its input's terms under a small budget; pulling common
factors out of whole sums (`sympy.factor_terms`: ``a*b*c + a*b*d -> a*b*(c + d)``, across
Jacobian rows it did not reach in time) and multivariate Horner forms of polynomials
(`sympy.horner`) are rewrites it seldom completes. Here they are candidates: each is priced as
code generation will emit it (`sympy.cse`, shared reciprocals, `dag_cost`) and kept only when
cheaper. They reassociate and distribute, so they are exact only over the reals (not used with
``fp_strict``).
"""
from __future__ import annotations

import itertools
from typing import Callable, Sequence

import sympy
from sympy import Expr, Indexed, Symbol

from .cost import dag_cost
from .reciprocals import share_reciprocals

#: Expressions with more operations than this (all together) get the whole-list candidates
#: only: trying each expression's alternatives separately costs one CSE of the list each.
MAX_OPS_PER_EXPRESSION_SEARCH = 400
#: Inputs with more operations (as trees) than this get no candidates: `sympy.factor_terms`
#: walks the tree, 0.5 s for the double pendulum's Jacobian (13,600 operations), too slow for
#: `compile()`; the e-graph's answer stands.
MAX_OPS = 5_000


def emitted_cost(exprs: Sequence[Expr]) -> int:
    """Cycles of ``exprs`` as code generation emits them: after CSE and shared reciprocals.

    >>> import sympy
    >>> x, y = sympy.symbols("x y", real=True)
    >>> emitted_cost([x / y, x**2 / y]) < dag_cost([x / y, x**2 / y])
    True
    """
    counter = itertools.count()
    names = (Symbol(f"_c{k}") for k in counter)
    temps, reduced = sympy.cse(list(exprs), symbols=names, order="none")
    temps, reduced = share_reciprocals(temps, reduced, lambda: Symbol(f"_c{next(counter)}"))
    return dag_cost([e for _, e in temps] + reduced)


def horner_form(e: Expr) -> Expr:
    """``e`` in multivariate Horner form (highest-degree variables outermost) if it is a
    polynomial in its symbols and array loads; otherwise ``e`` itself.

    >>> import sympy
    >>> x, y = sympy.symbols("x y", real=True)
    >>> horner_form(x**3 + 2*x**2*y + x*y + y)
    x*(x*(x + 2*y) + y) + y
    """
    loads = e.atoms(Indexed)
    inside = set().union(*(i.free_symbols for i in loads))
    variables = list(loads | (e.free_symbols - inside))
    try:
        if not variables or not e.is_polynomial(*variables):
            return e
        expanded = sympy.expand(e)
        gens = sorted(variables, key=lambda v: (-sympy.degree(expanded, v), str(v)))
        return sympy.horner(expanded, *gens)
    except sympy.PolynomialError:
        return e


def _factored_horner(e: Expr) -> Expr:
    h = horner_form(e)
    return sympy.factor_terms(h) if h != e else e     # factor_terms(e) is a candidate already


REWRITES: tuple[Callable[[Expr], Expr], ...] = (sympy.factor_terms, horner_form,
                                                _factored_horner)


def cheapest_form(exprs: Sequence[Expr], original: Sequence[Expr]) -> tuple[list[Expr], int]:
    """The cheapest of ``exprs`` (the e-graph's answer), ``original`` and their rewrites by
    `REWRITES` as whole lists, then, for small inputs, each expression's rewrites one at a time
    (kept when the whole list gets cheaper). Returns the list and its `emitted_cost`;
    inputs over `MAX_OPS` operations come back as they are.

    >>> import sympy
    >>> a, b, c, d = sympy.symbols("a b c d", real=True)
    >>> cheapest_form([a*b*c + a*b*d + c], [a*b*c + a*b*d + c])
    ([a*b*(c + d) + c], 8)
    """
    best, best_cost = list(exprs), emitted_cost(exprs)
    if sum(sympy.count_ops(e) for e in original) > MAX_OPS:
        return best, best_cost
    starts = [list(original)] + [[f(e) for e in start] for start in (exprs, original)
                                 for f in REWRITES]
    for candidate in starts:
        cost = emitted_cost(candidate)
        if cost < best_cost:
            best, best_cost = candidate, cost
    if sum(sympy.count_ops(e) for e in best) > MAX_OPS_PER_EXPRESSION_SEARCH:
        return best, best_cost
    for k, e in enumerate(list(best)):
        for alternative in dict.fromkeys(a for a in (f(e) for f in REWRITES) if a != e):
            trial = best[:k] + [alternative] + best[k + 1:]
            cost = emitted_cost(trial)
            if cost < best_cost:
                best, best_cost = trial, cost
    return best, best_cost
