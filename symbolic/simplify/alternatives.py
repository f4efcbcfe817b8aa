"""Factored forms as alternatives to the e-graph's answer, judged after CSE.

The e-graph minimizes the DAG cost of its input's terms under a small budget; factoring sums
by common factors (greedily, part of a sum at a time: `factoring.greedy_factor`, a multivariate
Horner scheme that also pulls out shared reciprocals; and `sympy.factor_terms`, which pulls out
what all terms of a sum share, across Jacobian rows the e-graph did not reach in time) are
rewrites it seldom completes. Here they are candidates: each is priced as code generation will
emit it (`sympy.cse`, shared reciprocals, `dag_cost`) and kept only when cheaper. They
reassociate and distribute, so they are exact only over the reals (not used with ``fp_strict``).
"""
from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Iterable, Sequence

import sympy
from sympy import Expr, Symbol

from .cost import in_loop, loop_cost
from .factoring import greedy_factor
from .reciprocals import share_reciprocals
from .statements import hoist_invariant_factors

#: Inputs with more operations (as trees) than this get no candidates: factoring walks the
#: tree (`sympy.factor_terms` took 0.5 s on the double pendulum's Jacobian before the canonical
#: rules, 13,600 operations), too slow for `compile()`; the e-graph's answer stands.
MAX_OPS = 5_000
#: Over this many operations `factored` (`sympy.factor_terms`) is not tried: 0.4 s on the
#: double pendulum's Jacobian after the canonical rules (4,500 operations), where
#: `greedy_factor` takes 0.1 s and saves more.
MAX_OPS_BOTH = 2_000


def emitted_cost(exprs: Sequence[Expr]) -> int:
    """Cycles of ``exprs`` as code generation emits them: after CSE and shared reciprocals.

    >>> import sympy
    >>> from symbolic.simplify.cost import dag_cost
    >>> x, y = sympy.symbols("x y", real=True)
    >>> emitted_cost([x / y, x**2 / y]) < dag_cost([x / y, x**2 / y])
    True
    """
    return emitted_loop_cost(exprs)[1]


def emitted_loop_cost(exprs: Sequence[Expr], varying: Iterable[Symbol] = ()) -> tuple[int, int]:
    """`loop_cost` of ``exprs`` as code generation emits them in a loop whose index (and values
    computed in it) are ``varying``: after CSE, shared reciprocals (only denominators that
    both vary, or both not, share a division, as lowering batches them per loop) and the
    invariant factors of products gathered (`hoist_invariant_factors`).

    >>> import sympy
    >>> a, p, i = sympy.IndexedBase("a"), sympy.Symbol("p"), sympy.Symbol("i", integer=True)
    >>> emitted_loop_cost([a[i] / p + a[i]**2 / p**2], [i])     # 1/p once, outside the loop
    (10, 37)
    """
    varying = set(varying)
    counter = itertools.count()
    names = (Symbol(f"_c{k}") for k in counter)
    temps, reduced = sympy.cse(list(exprs), symbols=names, order="none")
    moving = in_loop(temps, varying)

    def varies(e: Expr) -> bool:
        return bool(e.free_symbols & moving)

    temps, reduced = share_reciprocals(temps, reduced, lambda: Symbol(f"_c{next(counter)}"),
                                       group=varies if varying else None)
    temps, reduced = hoist_invariant_factors(temps, reduced, varying,
                                             (Symbol(f"_c{k}") for k in counter))
    return loop_cost(temps, reduced, varying)


@lru_cache(maxsize=4096)
def factored(e: Expr) -> Expr:
    """`sympy.factor_terms` (common factors out of sums, recursively), remembered.

    >>> import sympy
    >>> a, b, c = sympy.symbols("a b c", real=True)
    >>> factored(a*b*c + a*b + a*c)
    a*(b*c + b + c)
    """
    return sympy.factor_terms(e)


def cheapest_form(exprs: Sequence[Expr], original: Sequence[Expr], varying: Iterable[Symbol] = ()
                  ) -> tuple[list[Expr], int]:
    """The cheapest of ``exprs`` (the e-graph's answer), ``original``, both factored greedily
    (`greedy_factor`), the answer with common factors pulled out (`factored`) and that form
    factored greedily. Over `MAX_OPS_BOTH` operations only the cheaper of ``exprs`` and
    ``original`` is factored, greedily; over `MAX_OPS` ``exprs`` come back as they are.
    Returns the list and its `emitted_cost`. Inside a loop whose index (and values computed in
    it) are ``varying`` the forms are compared by cycles per iteration first
    (`emitted_loop_cost`): a division by a parameter stays outside the loop. Answers are
    remembered: one process compiles the same kernels for several backends.

    >>> import sympy
    >>> a, b, c, d = sympy.symbols("a b c d", real=True)
    >>> cheapest_form([a*b*c + a*b*d + c], [a*b*c + a*b*d + c])
    ([a*b*(c + d) + c], 8)
    """
    best, cost = _cheapest_form(tuple(exprs), tuple(original), frozenset(varying))
    return list(best), cost[1]


@lru_cache(maxsize=256)
def _cheapest_form(exprs: tuple, original: tuple, varying: frozenset
                   ) -> tuple[tuple, tuple[int, int]]:
    """The answer of `cheapest_form` as tuples, with its `emitted_loop_cost` (remembered)."""
    priced: dict[tuple, tuple[int, int]] = {}

    def price(candidate) -> None:
        candidate = tuple(candidate)
        if candidate not in priced:
            priced[candidate] = _priced(candidate, varying)

    price(exprs)
    ops = _operations(original)
    if ops <= MAX_OPS:
        price(original)
        if ops <= MAX_OPS_BOTH:
            pulled = [factored(e) for e in exprs]
            for start in (exprs, original, pulled):
                price(_greedy(start))
            price(pulled)
        else:                   # the cheaper start only
            start = min((exprs, original), key=lambda c: priced[tuple(c)])
            price(_greedy(start))
    best = min(priced, key=priced.get)      # the first of the cheapest: the answer on ties
    return best, priced[best]


def prepare(original: Sequence[Expr], varying: Iterable[Symbol] = ()) -> None:
    """Price ahead what `cheapest_form` will ask about ``original`` (its emitted cost and its
    greedy factoring's): code generation calls this while the e-graph's worker runs, on
    another core, so that only the forms of the e-graph's answer are left for afterwards.

    >>> import sympy
    >>> a, b, c = sympy.symbols("a b c", real=True)
    >>> prepare([a*b + a*c])
    >>> _priced.cache_info().currsize > 0
    True
    """
    original = tuple(original)
    if _operations(original) <= MAX_OPS:
        varying = frozenset(varying)
        _priced(original, varying)
        _priced(_greedy(original), varying)


@lru_cache(maxsize=1024)
def _priced(candidate: tuple, varying: frozenset) -> tuple[int, int]:
    """`emitted_loop_cost`, remembered."""
    return emitted_loop_cost(candidate, varying)


@lru_cache(maxsize=1024)
def _operations(exprs: tuple) -> int:
    return sum(sympy.count_ops(e) for e in exprs)


def _greedy(exprs: Sequence[Expr]) -> tuple:
    return tuple(_greedy_one(e) for e in exprs)


@lru_cache(maxsize=4096)
def _greedy_one(e: Expr) -> Expr:
    return greedy_factor(e)
