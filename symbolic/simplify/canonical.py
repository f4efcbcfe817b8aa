"""Cheap directed rewrites to a fixpoint: the simplifier's first stage (DESIGN.md, principle 3).

SymPy's constructors already fold rational constants and remove ``x*1``, ``x + 0``, ``x - x``
and ``x/x``; integer powers stay ``x**n`` and the cost model prices them as the products the
printer emits, and ``x**-1`` inside a product is priced as one division of numerator by
denominator. What the constructors leave, and these rules do (each is cheaper, or no dearer, than
what it replaces):

- exponents that are exact floats become rationals: ``x**2.0 -> x**2``, ``x**0.5 -> sqrt(x)``;
- coefficients that are floats with a short binary fraction (integers, halves, quarters ...)
  become the rational they equal: ``1.0*x -> x``, ``0.5*x**2 -> x**2/2`` (the same double);
- ``exp(a)*exp(b) -> exp(a + b)``;
- ``log(exp(a)) -> a``, ``exp(log(a)) -> a`` and ``log(1 + a) -> log1p(a)``;
- ``abs(a)**(2k) -> a**(2k)`` and ``sqrt(a**(2k)) -> abs(a)**k``;
- ``c*r*sin(u)**2 + c*r*cos(u)**2 -> c*r`` and ``c*r*cosh(u)**2 - c*r*sinh(u)**2 -> c*r``
  (``r`` may hold further powers: ``c*sin(u)**2*cos(u) + c*cos(u)**3 -> c*cos(u)``);
- perfect squares of monomials: ``g*a**2 + g*b**2 - 2*g*a*b -> g*(a - b)**2`` (a
  factoring: exact over the reals only, left out with ``fp_strict``).

Values are taken to be real, as sympile's kernels compute them: the rules are exact for real
arguments wherever the original expression is defined (``exp(log(a)) -> a`` extends the domain
to a <= 0, as ``x/x -> 1`` extends it to 0; no rule changes a value where the input is defined).
Array loads (`Indexed`) are atoms: their index arithmetic is left alone.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable

import sympy
from sympy import Abs, Add, Expr, Float, Indexed, Integer, Mul, Pow, Rational, exp, log
from sympy.codegen.cfunctions import log1p

MAX_PASSES = 10


def canonicalize(expr: Expr, fp_strict: bool = False) -> Expr:
    """Apply the canonical rules bottom-up until nothing changes (at most `MAX_PASSES` passes).
    ``fp_strict`` leaves out the rule that is exact only over the reals (perfect squares).

    >>> import sympy
    >>> x, y = sympy.symbols("x y", real=True)
    >>> canonicalize(sympy.exp(x) * sympy.exp(y) * x**2.0)
    x**2*exp(x + y)
    >>> canonicalize(3 * sympy.sin(x)**2 * y + 3 * y * sympy.cos(x)**2 + sympy.log(1 + x))
    3*y + log1p(x)
    """
    return _canonical(expr, fp_strict)


@lru_cache(maxsize=4096)
def _canonical(expr: Expr, fp_strict: bool) -> Expr:
    """`canonicalize`, remembered: code generation asks again for the same expressions."""
    expr = _exact_floats(expr)
    for _ in range(MAX_PASSES):
        new = _rewrite_pass(expr, STRICT_RULES if fp_strict else RULES)
        if new == expr:
            return new
        expr = new
    return expr


#: Each node's rewrite in one pass, per rule list: a pure function of the node, so it is shared
#: by all passes and expressions (Jacobian entries share most of their subexpressions, and a
#: pass over an unchanged subexpression is then a lookup: 0.76 -> 0.14 s on the double
#: pendulum's Jacobian). Cleared when it holds more than `MAX_REMEMBERED` nodes.
_REWRITTEN: dict[int, dict[sympy.Basic, sympy.Basic]] = {}
MAX_REMEMBERED = 200_000


def _rewrite_pass(expr: Expr, rules: list[Callable[[Expr], Expr]]) -> Expr:
    memo = _REWRITTEN.setdefault(id(rules), {})
    if len(memo) > MAX_REMEMBERED:
        memo.clear()

    def visit(e: sympy.Basic) -> sympy.Basic:
        if e.is_Atom or isinstance(e, Indexed):
            return e
        if e not in memo:
            args = tuple(visit(a) for a in e.args)
            out = e.func(*args) if args != e.args else e
            for rule in rules:
                out = rule(out)
            memo[e] = out
        return memo[e]

    return visit(expr)


#: Floats that are p/2**k with |p| < 2**53 and k <= this become `Rational`: the double they
#: print as is the same, and SymPy's constructors then fold ``1.0*x -> x`` and merge terms.
MAX_FLOAT_SHIFT = 16


def _exact_floats(expr: Expr) -> Expr:
    """``expr`` with each float that equals a short binary fraction replaced by that rational
    (``1.0 -> 1``, ``-0.25 -> -1/4``); other floats (``0.1``) stay floats."""
    floats = {f: _short_fraction(f) for f in expr.atoms(Float)}
    exact = {f: r for f, r in floats.items() if r is not None}
    return expr.xreplace(exact) if exact else expr


def _short_fraction(f: Float) -> Rational | None:
    if not f.is_finite:
        return None
    r = Rational(f)
    if abs(r.p) >= 2**53 or r.q & (r.q - 1) or r.q > 2**MAX_FLOAT_SHIFT:
        return None
    return r


def _exact_exponent(e: Expr) -> Expr:
    """``x**2.0 -> x**2``, ``x**0.5 -> sqrt(x)``: exact, and priced as products and a sqrt."""
    if isinstance(e, Pow) and isinstance(e.exp, Float):
        twice = 2 * float(e.exp)
        if twice.is_integer() and abs(twice) < 2**31:
            return Pow(e.base, Rational(int(twice), 2))
    return e


def _merge_exp(e: Expr) -> Expr:
    """``exp(a)*exp(b)*c -> exp(a + b)*c``."""
    if not isinstance(e, Mul):
        return e
    exps = [f for f in e.args if isinstance(f, exp)]
    if len(exps) < 2:
        return e
    rest = [f for f in e.args if not isinstance(f, exp)]
    return Mul(exp(Add(*[f.args[0] for f in exps])), *rest)


def _log_exp(e: Expr) -> Expr:
    """``log(exp(a)) -> a``, ``exp(log(a)) -> a``, ``log(1 + a) -> log1p(a)``."""
    if isinstance(e, log) and len(e.args) == 1:
        (a,) = e.args
        if isinstance(a, exp):
            return a.args[0]
        if isinstance(a, Add) and Integer(1) in a.args:
            return log1p(a - 1)
    if isinstance(e, exp) and isinstance(e.args[0], log) and len(e.args[0].args) == 1:
        return e.args[0].args[0]
    return e


def _even_powers(e: Expr) -> Expr:
    """``abs(a)**(2k) -> a**(2k)``, ``sqrt(a**(2k)) -> abs(a)**k`` (real a)."""
    if not isinstance(e, Pow):
        return e
    b, p = e.args
    if isinstance(b, Abs) and p.is_Integer and p.is_even:
        return Pow(b.args[0], p)
    if p == Rational(1, 2) and isinstance(b, Pow) and b.exp.is_Integer and b.exp.is_even \
            and b.exp.is_positive:
        return Pow(Abs(b.base), b.exp / 2)
    return e


_PAIRS: list[tuple[type, type, int]] = [
    (sympy.sin, sympy.cos, 1),     # c*sin(u)**2 + c*cos(u)**2 = c
    (sympy.cosh, sympy.sinh, -1),  # c*cosh(u)**2 - c*sinh(u)**2 = c
]


def _pythagorean(e: Expr) -> Expr:
    """Replace each pair of terms ``c*f(u)**2`` and ``s*c*g(u)**2`` of a sum by ``c`` (``c`` may
    hold further powers of ``f(u)`` or ``g(u)``: ``c*sin(u)**2*cos(u) + c*cos(u)**3 -> c*cos(u)``)."""
    if not isinstance(e, Add):
        return e
    terms: list = list(e.args)
    powers = [_power_map(t) for t in terms]
    for f, g, sign in _PAIRS:
        index = {}
        for k, pm in enumerate(powers):
            for u, coeff, rest in _split_keys(pm, g):
                index.setdefault((u, coeff, rest), k)
        if not index:
            continue
        for k, pm in enumerate(powers):
            if terms[k] is None:
                continue
            for u, coeff, rest in _split_keys(pm, f):
                partner = index.get((u, sign * coeff, rest))
                if partner is not None and terms[partner] is not None and partner != k:
                    terms[k] = Mul(coeff, *[b ** n for b, n in rest])
                    terms[partner], powers[k] = None, _power_map(terms[k])
                    index = {key: j for key, j in index.items() if j not in (k, partner)}
                    break
    kept = [t for t in terms if t is not None]
    return Add(*kept) if len(kept) != len(terms) else e


def _power_map(term: Expr) -> tuple[Expr, dict]:
    """``term`` as its numeric coefficient and ``{base: exponent}`` of its other factors."""
    coeff, rest = term.as_coeff_Mul()
    powers: dict = {}
    for factor in Mul.make_args(rest):
        b, n = factor.as_base_exp()
        powers[b] = powers.get(b, 0) + n
    return coeff, powers


def _split_keys(power_map: tuple[Expr, dict], f: type) -> list[tuple]:
    """``(u, coeff, rest)`` for each factor ``f(u)**n`` (n >= 2) of a term: the term is
    ``coeff * f(u)**2 * (product of rest)``, ``rest`` a frozenset of (base, exponent)."""
    coeff, powers = power_map
    out = []
    for b, n in powers.items():
        if isinstance(b, f) and n.is_Integer and n >= 2:
            rest = {**powers, b: n - 2}
            if n == 2:
                del rest[b]
            out.append((b.args[0], coeff, frozenset(rest.items())))
    return out


#: Sums with more terms than this are not searched for squares (the search is quadratic).
MAX_SQUARE_TERMS = 12


def _perfect_square(e: Expr) -> Expr:
    """``g*a**2 + g*b**2 - 2*g*a*b -> g*(a - b)**2`` (and ``+ 2*g*a*b -> g*(a + b)**2``) for
    monomials ``a``, ``b``: cheaper, and free of the cancellation the expanded form suffers.
    Terms are compared as maps of their factors' powers; SymPy builds only the result."""
    if not isinstance(e, Add) or len(e.args) > MAX_SQUARE_TERMS:
        return e
    terms: list = list(e.args)
    maps = [_power_map(t) for t in terms]
    for i, j in [(i, j) for i in range(len(terms)) for j in range(i + 1, len(terms))]:
        if terms[i] is None or terms[j] is None:
            continue
        found = _square_pair(maps[i], maps[j])
        if found is None:
            continue
        g, a, b, cross = found
        for k, (ck, pk) in enumerate(maps):
            if k in (i, j) or terms[k] is None or pk != cross[1]:
                continue
            if ck in (cross[0], -cross[0]):
                sign = 1 if ck == cross[0] else -1
                terms[i], terms[j], terms[k] = g * (a + sign * b) ** 2, None, None
                break
    kept = [t for t in terms if t is not None]
    return Add(*kept) if len(kept) != len(terms) else e


def _square_pair(p: tuple[Expr, dict], q: tuple[Expr, dict]) -> tuple | None:
    """For terms ``g*a**2`` and ``g*b**2`` (as `_power_map`s): ``(g, a, b, cross)`` with
    ``cross`` the power map of ``2*g*a*b``; None when they are not of that form."""
    (cp, pp), (cq, pq) = p, q
    ratio = cq / cp
    root = sympy.sqrt(ratio) if ratio.is_Rational and ratio > 0 else None
    if root is None or not root.is_Rational:
        return None
    common = {b: min(pp[b], pq[b]) for b in pp if b in pq and pp[b].is_Integer
              and pq[b].is_Integer and min(pp[b], pq[b]) > 0}
    halves = []
    for powers in (pp, pq):
        half = {}
        for b, n in powers.items():
            m = n - common.get(b, 0)
            if m == 0:
                continue
            if not (m.is_Integer and m > 0 and m % 2 == 0):
                return None
            half[b] = m // 2
        halves.append(half)
    if not halves[0] or not halves[1]:
        return None
    cross = dict(common)
    for half in halves:
        for b, n in half.items():
            cross[b] = cross.get(b, 0) + n
    g = Mul(cp, *[b ** n for b, n in common.items()])
    a, b = (Mul(*[x ** n for x, n in half.items()]) for half in halves)
    return g, a, root * b, (2 * cp * root, cross)


#: The rules that hold in floating point up to one operation's rounding (`fp_strict`).
STRICT_RULES: list[Callable[[Expr], Expr]] = [_exact_exponent, _merge_exp, _log_exp,
                                              _even_powers, _pythagorean]
RULES: list[Callable[[Expr], Expr]] = STRICT_RULES + [_perfect_square]
