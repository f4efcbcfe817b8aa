"""Greedy factoring of sums: each sum split by its most valuable common factor, recursively.

``a*b*c + a*b*d + a*e + f -> a*(b*(c + d) + e) + f``: a multivariate Horner scheme chosen
greedily (the factor that saves the most, pulled out of the terms holding it, then the same for
the quotient and for the rest). Unlike `sympy.factor_terms`, which pulls out only what *every*
term shares, it factors part of a sum, and it treats a reciprocal as a factor with its power
(``a/d**2 + b/d -> (a/d + b)/d``: one division fewer, the commonest saving in derivatives of
quotients); a factor comes out to the highest power the terms holding it share
(``x**3*a + x**5*b -> x**3*(a + x**2*b)``). A factor is worth a multiplication per term it
leaves (a reciprocal: a division); a rational content shared by the quotients
(``6*a*x + 6*b*x -> 6*x*(a + b)``) is pulled out too when it then leaves two or more of them. It reassociates and distributes: exact over the
reals only, one of the candidates of `alternatives` (priced after CSE, kept only if cheaper).
"""
from __future__ import annotations

import math
from collections import Counter

import sympy
from sympy import Add, Expr, Indexed, Integer, Mul, Pow, Rational

from .cost import DIV, MUL, tree_cost


def greedy_factor(e: Expr) -> Expr:
    """``e`` with every sum (inner ones first) factored greedily where that costs no more
    (`tree_cost`: a rewrite is local, and what CSE shares is judged by `alternatives`); the
    same value over the reals.

    >>> import sympy
    >>> a, b, c, d, e, f = sympy.symbols("a b c d e f", real=True)
    >>> greedy_factor(a*b*c + a*b*d + a*e + f)
    a*(b*(c + d) + e) + f
    >>> greedy_factor(a/d**2 + b/d + c)
    c + (a/d + b)/d
    """
    memo: dict[Expr, Expr] = {}
    costs: dict = {}

    def visit(node: Expr) -> Expr:
        if node.is_Atom or isinstance(node, Indexed):
            return node
        if node not in memo:
            args = tuple(visit(a) for a in node.args)
            out = node.func(*args) if args != node.args else node
            if isinstance(out, Add):
                split = _split(list(out.args))
                # SymPy distributes numbers over sums again (x*(2*(y - z) + 1)): never dearer
                out = split if tree_cost(split, costs) <= tree_cost(out, costs) else out
            memo[node] = out
        return memo[node]

    return visit(sympy.sympify(e))


def _factors(term: Expr) -> Counter:
    """The non-numeric factors of a product with their multiplicities: ``x**3*y/d**2 ->
    {x: 3, y: 1, 1/d: 2}`` (a power with another exponent is one factor)."""
    out: Counter = Counter()
    for f in Mul.make_args(term.as_coeff_Mul()[1]):
        if isinstance(f, Pow) and f.exp.is_Integer:
            n = int(f.exp)
            out[f.base if n > 0 else Pow(f.base, -1)] += abs(n)
        else:
            out[f] += 1
    return out


def _without(term: Expr, factor: Expr, times: int) -> Expr:
    """``term / factor**times`` by taking the factor out of the product's arguments (a
    division would rewrite ``exp(a)/exp(b)`` into ``exp(a)*exp(-b)``, which holds ``exp``
    factors again)."""
    coeff, rest = term.as_coeff_Mul()
    left = []
    for f in Mul.make_args(rest):
        if times and isinstance(f, Pow) and f.exp.is_Integer:
            n = int(f.exp)
            if (f.base if n > 0 else Pow(f.base, -1)) == factor:
                taken = min(times, abs(n))
                times -= taken
                f = Pow(f.base, n - taken if n > 0 else n + taken)
        elif times and f == factor:
            times -= 1
            continue
        left.append(f)
    return Mul(coeff, *left)


def _saving(factor: Expr, terms: int) -> int:
    """Cycles saved by pulling ``factor`` out of ``terms`` terms: one operation per term, less
    the one that multiplies (or divides) the group by it."""
    is_reciprocal = isinstance(factor, Pow) and factor.exp == -1
    return (terms - 1) * (DIV if is_reciprocal else MUL)


#: Sums with more terms than this are left as they are (their terms are still factored): each
#: step rescans the terms (quadratic), and the scheme nests as deep as the sum is long.
MAX_TERMS = 64


def _split(terms: list[Expr]) -> Expr:
    """The sum of ``terms``, greedily factored: the most valuable factor (to the highest power
    all the terms holding it share) out of those terms, then the same for the rest."""
    groups: list[Expr] = []
    while MAX_TERMS >= len(terms) >= 2:
        factors = [_factors(t) for t in terms]
        holding = Counter(f for fs in factors for f in fs)
        saving = {f: _saving(f, k) for f, k in holding.items() if k >= 2}
        if not saving:
            break
        top = max(saving.values())
        tied = [f for f, s in saving.items() if s == top]
        factor = tied[0] if len(tied) == 1 else min(tied, key=sympy.default_sort_key)
        times = min(fs[factor] for fs in factors if factor in fs)
        power = factor ** times
        holders = [t for t, fs in zip(terms, factors) if factor in fs]
        inside = [_without(t, factor, times) for t in holders]
        if any(q == t for q, t in zip(inside, holders)):
            break               # the factor is not an argument of the product: no progress
        terms = [t for t, fs in zip(terms, factors) if factor not in fs]
        content = _content(inside)
        inner = _split([q / content for q in inside])
        # one constructor call: SymPy distributes a number over a sum in a two-factor product
        groups.append(Mul(content, power, inner) if content != 1 else power * inner)
    return Add(*groups, *terms)


def _content(terms: list[Expr]) -> Expr:
    """The positive rational dividing every coefficient of ``terms``, when dividing by it leaves
    two or more of them at +-1 (otherwise 1: multiplying by it would cost more than it saves)."""
    coeffs = [t.as_coeff_Mul()[0] for t in terms]
    if not all(c.is_Rational for c in coeffs):
        return Integer(1)
    # the gcd of rationals: of the numerators over the lcm of the denominators
    g = Rational(math.gcd(*(int(c.p) for c in coeffs)), math.lcm(*(int(c.q) for c in coeffs)))
    if g == 1 or sum(1 for c in coeffs if abs(c) == g) < 2:
        return Integer(1)
    return g
