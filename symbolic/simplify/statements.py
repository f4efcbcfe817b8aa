"""A second CSE over the statements code generation emits: the products and sums they share.

`sympy.cse` runs on the simplified expressions; what comes after it leaves partial products
and sums that several statements share and that no pass has seen together: shared
reciprocals turn quotients into products (``a*r**2``, ``b*r**2``), and CSE's own temporaries
meet in the statements of a list (``12*t6*a7``, ``12*t6*a8`` share ``12*t6``). One more
`sympy.cse` over all statements (its common-argument matching of products and sums) finds
them; the result is kept only when its `dag_cost` is lower. Like the first CSE it may
reassociate a product or a sum (one rounding each).
"""
from __future__ import annotations

from typing import Iterator, Sequence

import sympy
from sympy import Expr, Symbol

from .cost import dag_cost

Statements = list[tuple[Symbol, Expr]]


def cse_statements(temps: Sequence[tuple[Symbol, Expr]], reduced: Sequence[Expr],
                   names: Iterator[Symbol]) -> tuple[Statements, list[Expr]]:
    """``(temps, reduced)`` (as `sympy.cse` returns them) after one more CSE over all of
    them, new temporaries named from ``names`` and defined right before their first use; the
    input itself when that is not cheaper.

    >>> import sympy
    >>> a, b, c, t, u = sympy.symbols("a b c t u")
    >>> cse_statements([(t, 1/a)], [12*b*t**2, 12*c*t**2], sympy.numbered_symbols("s"))
    ([(t, 1/a), (s0, 12*t**2)], [b*s0, c*s0])
    """
    values = [e for _, e in temps] + list(reduced)
    new_temps, new_values = sympy.cse(values, symbols=names, order="none")
    if not new_temps or dag_cost([e for _, e in new_temps] + new_values) >= dag_cost(values):
        return list(temps), list(reduced)
    definitions = dict(new_temps)
    position = {s: k for k, (s, _) in enumerate(new_temps)}
    out: Statements = []
    defined: set[Symbol] = set()

    def define_needed(e: Expr) -> None:
        for s in sorted(e.free_symbols & definitions.keys() - defined, key=position.get):
            if s not in defined:
                define_needed(definitions[s])
                out.append((s, definitions[s]))
                defined.add(s)

    for (s, _), value in zip(temps, new_values):
        define_needed(value)
        out.append((s, value))
    reduced_out = new_values[len(temps):]
    for value in reduced_out:
        define_needed(value)
    return out, list(reduced_out)
