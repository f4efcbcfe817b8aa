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

from typing import Iterable, Iterator, Sequence

import sympy
from sympy import Expr, Indexed, Mul, Symbol

from .cost import dag_cost, in_loop

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


def hoist_invariant_factors(temps: Sequence[tuple[Symbol, Expr]], reduced: Sequence[Expr],
                            varying: Iterable[Symbol], names: Iterator[Symbol]
                            ) -> tuple[Statements, list[Expr]]:
    """Statements in a loop whose index (and values computed in it) are ``varying``, with the
    loop-invariant factors of each product that also has varying ones gathered into one
    temporary (defined right before its first use; code generation hoists it out of the
    loop): ``sigma*c*exp(u)*(a[i+1] - a[i])/16`` costs one multiplication per iteration, not
    four. SymPy flattens nested products, so CSE alone never separates them. Other invariant
    computations inside varying expressions (``a[i] + exp(u)``, a quotient ``a[i]/(1 + exp(u))``)
    become temporaries too: loop-invariant code motion of subexpressions.

    >>> import sympy
    >>> i, s, u, a = sympy.symbols("i s u a")
    >>> hoist_invariant_factors([], [s * sympy.exp(u) * (a + i) / 16], [i],
    ...                         sympy.numbered_symbols("h"))
    ([(h0, s*exp(u)/16)], [h0*(a + i)])
    >>> hoist_invariant_factors([], [a*i/(1 + sympy.exp(u)) + sympy.cos(u)*i], [i],
    ...                         sympy.numbered_symbols("h"))
    ([(h0, cos(u)), (h1, a/(exp(u) + 1))], [h0*i + h1*i])
    """
    moving = in_loop(temps, varying)
    if not varying:
        return list(temps), list(reduced)
    found: dict[Expr, Symbol] = {}
    memo: dict[Expr, Expr] = {}

    def hoisted(e: Expr) -> Expr:
        """An invariant computation as a temporary, anything else rewritten."""
        if _computed(e) and not e.free_symbols & moving:
            return found.setdefault(e, next(names))
        return rewrite(e)

    def rewrite(e: Expr) -> Expr:
        if e.is_Atom or not e.free_symbols & moving:
            return e
        if e not in memo:
            if isinstance(e, Mul):
                coeff, factors = e.as_coeff_mul()
                fixed = [f for f in factors if not f.free_symbols & moving]
                rest = [rewrite(f) for f in factors if f.free_symbols & moving]
                group = fixed + ([abs(coeff)] if coeff not in (1, -1) else [])
                if len(group) >= 2 or (len(group) == 1 and _computed(group[0])):
                    name = found.setdefault(Mul(*group), next(names))
                    out = Mul(-1 if coeff < 0 else 1, name, *rest)
                else:
                    out = Mul(coeff, *fixed, *rest)
            elif isinstance(e, Indexed):
                out = e
            else:
                args = tuple(hoisted(a) for a in e.args)
                out = e.func(*args) if args != e.args else e
            memo[e] = out
        return memo[e]

    out: Statements = []
    emitted: set[Symbol] = set()

    def define_new(e: Expr) -> None:
        for product, name in found.items():
            if name not in emitted and name in e.free_symbols:
                out.append((name, product))
                emitted.add(name)

    for s, e in temps:
        value = rewrite(e) if s in moving else e
        define_new(value)
        out.append((s, value))
    values = [rewrite(e) for e in reduced]
    for value in values:
        define_new(value)
    return out, values


def _computed(e: Expr) -> bool:
    """Whether evaluating ``e`` costs an operation that a temporary can hold: a numeric
    expression, not a number, symbol or array load (nor a condition or a Piecewise branch)."""
    return isinstance(e, Expr) and not (e.is_Atom or isinstance(e, Indexed))
