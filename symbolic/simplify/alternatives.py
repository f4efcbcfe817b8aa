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
from functools import lru_cache
from typing import Sequence

import sympy
from sympy import Expr, Indexed, Symbol

from .cost import dag_cost
from .reciprocals import share_reciprocals

#: Polynomials with more terms than this keep their form: `sympy.horner` takes ~50 ms on
#: the Hock-Schittkowski HVP entries, doubling their compile time, for little gain there.
MAX_HORNER_TERMS = 8
#: Inputs with more operations (as trees) than this get no candidates: `sympy.factor_terms`
#: walks the tree, 0.5 s for the double pendulum's Jacobian (13,600 operations), too slow for
#: `compile()`; the e-graph's answer stands.
MAX_OPS = 5_000
#: Over this many operations only the answer is factored, not the input as well (0.4 s each
#: on the double pendulum's Jacobian after the canonical rules, 4,500 operations).
MAX_OPS_BOTH = 2_000


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


@lru_cache(maxsize=4096)
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
        poly = sympy.Poly(e, *variables)
        if len(poly.monoms()) > MAX_HORNER_TERMS:
            return e
        degrees = dict(zip(variables, poly.degree_list()))
        terms = {v: sum(1 for m in poly.monoms() if m[k]) for k, v in enumerate(variables)}
        # a variable in one term only cannot be factored out: it stays in the coefficients
        gens = sorted((v for v in variables if terms[v] > 1),
                      key=lambda v: (-degrees[v], -terms[v], str(v)))
        return sympy.horner(sympy.expand(e), *gens) if gens else e
    except sympy.PolynomialError:
        return e


@lru_cache(maxsize=4096)
def factored(e: Expr) -> Expr:
    """`sympy.factor_terms` (common factors out of sums, recursively), remembered.

    >>> import sympy
    >>> a, b, c = sympy.symbols("a b c", real=True)
    >>> factored(a*b*c + a*b + a*c)
    a*(b*c + b + c)
    """
    return sympy.factor_terms(e)


def cheapest_form(exprs: Sequence[Expr], original: Sequence[Expr]) -> tuple[list[Expr], int]:
    """The cheapest of ``exprs`` (the e-graph's answer), ``original``, both with common factors
    pulled out (`factored`; ``original`` only up to `MAX_OPS_BOTH` operations), and
    ``original`` in Horner form. Returns the list and its `emitted_cost`; inputs over
    `MAX_OPS` operations come back as they are. Answers are remembered: one process compiles
    the same kernels for several backends.

    >>> import sympy
    >>> a, b, c, d = sympy.symbols("a b c d", real=True)
    >>> cheapest_form([a*b*c + a*b*d + c], [a*b*c + a*b*d + c])
    ([a*b*(c + d) + c], 8)
    """
    best, cost = _cheapest_form(tuple(exprs), tuple(original))
    return list(best), cost


@lru_cache(maxsize=256)
def _cheapest_form(exprs: tuple, original: tuple) -> tuple[tuple, int]:
    """The answer of `cheapest_form` as tuples (remembered)."""
    best, best_cost = list(exprs), emitted_cost(exprs)
    ops = sum(sympy.count_ops(e) for e in original)
    if ops > MAX_OPS:
        return tuple(best), best_cost
    starts = [list(original), [factored(e) for e in exprs],
              [factored(e) for e in original] if ops <= MAX_OPS_BOTH else list(original),
              [horner_form(e) for e in original]]
    for candidate in dict.fromkeys(tuple(c) for c in starts):
        cost = emitted_cost(candidate)
        if cost < best_cost:
            best, best_cost = list(candidate), cost
    return tuple(best), best_cost
