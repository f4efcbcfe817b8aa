"""What an expression costs to evaluate, in estimated CPU cycles, counted as CSE will emit it.

The table below is the simplifier's objective. Figures are rough throughput costs of one
double-precision operation on a current x86-64 core with glibc's libm (the same order as the
table Symbolics.jl's e-graph optimizer used); they only need to rank alternatives correctly.

=====================  ======  =================================================================
operation              cycles  note
=====================  ======  =================================================================
``a + b``, ``a - b``        1
``-a``                      1  a sign flip (usually folded into the next add)
``abs(a)``                  1  a mask
``a * b``                   3
``a / b``, ``1/a``         24  ``x**-1`` is a division
``a**n`` (integer n)    3 * m  m multiplications by repeated squaring: x**2 = 1, x**3 = 2,
                               x**4 = 2, x**5 = 3, ...; a negative n adds one division
``sqrt(a)``                20  ``a**(k/2)`` is one sqrt and integer-power multiplications
``a**b`` (general)        100
``exp``                    20
``log``                    25
``log1p``, ``expm1``   25, 20  priced like ``log``/``exp``, one add cheaper than the
                               ``log(1 + a)``/``exp(a) - 1`` they replace: same speed class,
                               more accurate near 0, so extraction prefers them
``hypot(a, b)``            26  one cycle under ``sqrt(a*a + b*b)`` (27), for the same reason:
                               it does not overflow or underflow in the squares
``sin``, ``cos``          130
``tan``                   150
``asin``, ``acos``        140
``atan``                  135
``atan2``                 150
``sinh``, ``cosh``         50  about two exps
``tanh``                   40
``asinh``..``atanh``       80  a log and a sqrt
``erf``, ``erfc``          40
``min``/``max``/``sign``    2
other functions           100  unknown and user-defined functions (``f(x)``, ``besselj``)
=====================  ======  =================================================================

Symbols, numbers, array loads (``x[i + 1]``: index arithmetic is address computation) and
constant subexpressions (``sqrt(2)``, ``pi``: the compiler folds them) cost nothing. A `Sum`
costs one evaluation of its summand plus the add that accumulates it.

`dag_cost` pays each distinct subexpression once, as common-subexpression elimination emits
it once: ``sin(x)*y + sin(x)`` costs one sin, one multiplication and one addition.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Sequence

import sympy
from sympy import Add, Expr, Indexed, Mul, Pow, Sum
from sympy.core.function import AppliedUndef

ADD = 1
NEG = 1
MUL = 3
DIV = 24
SQRT = 20
POW = 100
DEFAULT_FUNCTION = 100

#: Cost of one call of each known function, keyed by the lower-cased SymPy class name.
FUNCTION_COST: dict[str, int] = {
    "exp": 20, "log": 25, "log1p": 25, "expm1": 20, "hypot": 26,
    "sin": 130, "cos": 130, "tan": 150, "asin": 140, "acos": 140, "atan": 135, "atan2": 150,
    "sinh": 50, "cosh": 50, "tanh": 40, "asinh": 80, "acosh": 80, "atanh": 80,
    "abs": 1, "sqrt": SQRT, "erf": 40, "erfc": 40, "min": 2, "max": 2, "sign": 2,
    "floor": 2, "ceiling": 2, "heaviside": 2,
}


def int_pow_muls(n: int) -> int:
    """Multiplications that ``a**n`` takes by repeated squaring (n >= 1): x**2 = 1, x**5 = 3."""
    return n.bit_length() + bin(n).count("1") - 2


def int_pow_cost(n: int) -> int:
    """Cycles for ``a**n`` with integer n != 0 (negative: the power, then one division)."""
    return MUL * int_pow_muls(abs(n)) + (DIV if n < 0 else 0)


def function_cost(name: str) -> int:
    """Cycles for one call of the function called ``name`` (case-insensitive)."""
    return FUNCTION_COST.get(name.lower(), DEFAULT_FUNCTION)


def dag_cost(exprs: Expr | Iterable[Expr]) -> int:
    """Cycles to evaluate ``exprs`` (one expression or several) with each distinct
    subexpression computed once.

    >>> import sympy
    >>> x, y = sympy.symbols("x y", real=True)
    >>> dag_cost(sympy.sin(x) * y + sympy.sin(x))       # sin, mul, add
    134
    >>> dag_cost([x**3, 1 / x])                          # two muls; one division
    30
    """
    return sum(own for _, own in priced_nodes(exprs))


def loop_cost(temps: Sequence[tuple[sympy.Symbol, Expr]], values: Sequence[Expr],
              varying: Iterable[sympy.Basic]) -> tuple[int, int]:
    """``(cycles per iteration, all cycles)`` of statements in a loop (``temps``, then
    ``values``, as `sympy.cse` returns them): the first counts the subexpressions that depend
    on a symbol of ``varying`` (the loop index, values computed in the loop) or on a temporary
    that does, which code generation cannot hoist out of the loop. Compared as a tuple, it
    prefers fewer cycles per iteration, then fewer in all.

    >>> import sympy
    >>> a, p, i = sympy.IndexedBase("a"), sympy.Symbol("p"), sympy.Symbol("i", integer=True)
    >>> loop_cost([], [a[i] / p, a[i]**2 / p**2], [i])   # two divisions per point; p**2 hoisted
    (51, 54)
    >>> r = sympy.Symbol("r")                               # r = 1/p, hoisted
    >>> loop_cost([(r, 1 / p)], [a[i] * r, a[i]**2 * r**2], [i])
    (9, 36)
    """
    moving = in_loop(temps, varying)
    memo: dict = {}

    def varies(e: sympy.Basic) -> bool:
        if e not in memo:
            memo[e] = e in moving or any(varies(a) for a in e.args)
        return memo[e]

    inner = total = 0
    for e, own in priced_nodes([e for _, e in temps] + list(values)):
        total += own
        if varies(e):
            inner += own
    return inner, total


def in_loop(temps: Sequence[tuple[sympy.Symbol, Expr]], varying: Iterable[sympy.Basic]) -> set:
    """``varying`` and the temporaries of ``temps`` computed from them (in order).

    >>> import sympy
    >>> i, p, t, u = sympy.symbols("i p t u")
    >>> sorted(in_loop([(t, 2 * p), (u, t * i)], [i]), key=str)
    [i, u]
    """
    moving = set(varying)
    for s, e in temps:
        if e.free_symbols & moving:
            moving.add(s)
    return moving


def priced_nodes(exprs: Expr | Iterable[Expr]) -> Iterator[tuple[Expr, int]]:
    """Each distinct non-constant subexpression that `dag_cost` pays for, with the cycles of
    its own operation (what a breakdown by operation kind sums up).

    >>> import sympy
    >>> x = sympy.Symbol("x", real=True)
    >>> sorted(own for _, own in priced_nodes(sympy.exp(x) / x))
    [0, 20, 24]
    """
    todo = [sympy.sympify(exprs)] if isinstance(exprs, (Expr, int, float)) else \
        [sympy.sympify(e) for e in exprs]
    seen: set = set()
    constant: dict = {}
    while todo:
        e = todo.pop()
        if e in seen:
            continue
        seen.add(e)
        if is_constant(e, constant):
            continue
        own, children = _local_cost(e)
        yield e, own
        todo.extend(children)


def tree_cost(e: Expr, memo: dict | None = None) -> int:
    """Cycles of ``e`` with no sharing: each use of a subexpression is paid again. Linear in
    the DAG's size (``memo`` maps subexpressions to their cost; pass one dict to share it
    across calls); an upper bound of `dag_cost`, and a cheap local one for comparing rewrites.

    >>> import sympy
    >>> x, y = sympy.symbols("x y", real=True)
    >>> tree_cost(sympy.sin(x) * y + sympy.sin(x)), dag_cost(sympy.sin(x) * y + sympy.sin(x))
    (264, 134)
    """
    memo = {} if memo is None else memo
    constant: dict = {}

    def cost(node: sympy.Basic) -> int:
        if node not in memo:
            if is_constant(node, constant):
                memo[node] = 0
            else:
                own, children = _local_cost(node)
                memo[node] = own + sum(cost(c) for c in children)
        return memo[node]

    return cost(sympy.sympify(e))


def is_constant(e: sympy.Basic, memo: dict) -> bool:
    """Whether ``e`` involves no symbol and no array load (a compile-time constant)."""
    if e.is_Symbol or isinstance(e, Indexed):
        return False
    if e.is_Atom:
        return True
    if e not in memo:
        memo[e] = all(is_constant(a, memo) for a in e.args)
    return memo[e]


def _local_cost(e: sympy.Basic) -> tuple[int, list]:
    """The cost of ``e``'s own operation, and the subexpressions it needs."""
    if e.is_Atom or isinstance(e, Indexed):
        return 0, []
    if isinstance(e, Add):
        return _add_cost(e)
    if isinstance(e, Mul):
        return _mul_cost(e)
    if isinstance(e, Pow):
        return _pow_cost(e)
    if isinstance(e, Sum):
        return ADD, [e.function]
    if isinstance(e, AppliedUndef):
        return DEFAULT_FUNCTION, list(e.args)
    if isinstance(e, sympy.Function):
        return function_cost(type(e).__name__), list(e.args)
    # Piecewise, relations, Boolean logic, tuples: one cheap operation per node.
    return 1, list(e.args)


def _add_cost(e: Add) -> tuple[int, list]:
    children, negated = [], 0
    for t in e.args:
        if t.could_extract_minus_sign():    # a - t: the sign folds into the subtraction
            negated += 1
            t = -t
        if not t.is_Number:
            children.append(t)
    own = ADD * (len(e.args) - 1) + (NEG if negated == len(e.args) else 0)
    return own, children


def _mul_cost(e: Mul) -> tuple[int, list]:
    coeff, factors = e.as_coeff_mul()
    if coeff.is_negative:                   # -(...): CSE shares the product with its negation
        return NEG, [-e]
    num = [f for f in factors if not _is_reciprocal(f)]
    den = [Pow(f.base, -f.exp) for f in factors if _is_reciprocal(f)]
    own = MUL * max(len(num) + (coeff != 1) - 1, 0)
    if den:
        own += DIV + MUL * (len(den) - 1)
    return own, num + den


def _is_reciprocal(f: Expr) -> bool:
    return isinstance(f, Pow) and f.exp.is_Number and f.exp.is_negative


def _pow_cost(e: Pow) -> tuple[int, list]:
    b, p = e.args
    if p.is_Integer:
        return int_pow_cost(int(p)), [b]
    if p.is_Rational and p.q == 2:            # sqrt(b)**p.p
        root_power = int_pow_cost(int(p.p)) if abs(p.p) > 1 else (DIV if p < 0 else 0)
        return SQRT + root_power, [b]
    return POW, [b, p]
