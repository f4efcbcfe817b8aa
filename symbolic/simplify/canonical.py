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


def _rewrite_pass(expr: Expr, rules: list[Callable[[Expr], Expr]]) -> Expr:
    memo: dict[sympy.Basic, sympy.Basic] = {}

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
    terms = list(e.args)
    for f, g, sign in _PAIRS:
        index = {}
        for k, t in enumerate(terms):
            for split in _split_squares(t, g):
                index.setdefault(split, k)
        for k, t in enumerate(terms):
            for u, rest in _split_squares(t, f):
                partner = index.get((u, sign * rest))
                if partner is not None and terms[partner] is not None and partner != k:
                    terms[k], terms[partner] = rest, None
                    index = {key: j for key, j in index.items() if j not in (k, partner)}
                    break
    kept = [t for t in terms if t is not None]
    return Add(*kept) if len(kept) != len(terms) else e


def _split_squares(term: Expr | None, f: type) -> list[tuple[Expr, Expr]]:
    """Each ``(u, rest)`` with ``term == rest * f(u)**2`` and ``f(u)**n`` (n >= 2) a factor."""
    if term is None:
        return []
    return [(factor.base.args[0], term / factor.base ** 2) for factor in Mul.make_args(term)
            if isinstance(factor, Pow) and isinstance(factor.base, f) and factor.exp.is_Integer
            and factor.exp >= 2]


#: Sums with more terms than this are not searched for squares (the search is quadratic).
MAX_SQUARE_TERMS = 12


def _perfect_square(e: Expr) -> Expr:
    """``g*a**2 + g*b**2 - 2*g*a*b -> g*(a - b)**2`` (and ``+ 2*g*a*b -> g*(a + b)**2``) for
    monomials ``a``, ``b``: cheaper, and free of the cancellation the expanded form suffers."""
    if not isinstance(e, Add) or len(e.args) > MAX_SQUARE_TERMS:
        return e
    terms = list(e.args)
    for i, j in [(i, j) for i in range(len(terms)) for j in range(i + 1, len(terms))]:
        if terms[i] is None or terms[j] is None:
            continue
        common = _common_factor(terms[i], terms[j])
        a, b = _monomial_root(terms[i] / common), _monomial_root(terms[j] / common)
        if a is None or b is None:
            continue
        for k, t in enumerate(terms):
            if k in (i, j) or t is None:
                continue
            for sign in (1, -1):
                if t == sign * 2 * common * a * b:
                    terms[i], terms[j], terms[k] = common * (a + sign * b) ** 2, None, None
                    break
            if terms[k] is None:
                break
    kept = [t for t in terms if t is not None]
    return Add(*kept) if len(kept) != len(terms) else e


def _common_factor(p: Expr, q: Expr) -> Expr:
    """The product of the factors ``p`` and ``q`` share (each to its lower power), with the
    sign and number of ``p``."""
    def powers(t: Expr) -> dict:
        out: dict = {}
        for f in Mul.make_args(t):
            if not f.is_Number:
                base, n = f.as_base_exp()
                out[base] = out.get(base, 0) + n
        return out
    pp, qq = powers(p), powers(q)
    shared = [b ** min(pp[b], qq[b]) for b in pp if b in qq and pp[b].is_Integer
              and qq[b].is_Integer and min(pp[b], qq[b]) > 0]
    return Mul(p.as_coeff_Mul()[0], *shared)


def _monomial_root(t: Expr) -> Expr | None:
    """``a`` with ``a**2 == t`` when ``t`` is a product of even powers (a number: a square)."""
    coeff, rest = t.as_coeff_Mul()
    root = sympy.sqrt(coeff)
    if not (coeff.is_Rational and coeff > 0 and root.is_Rational):
        return None
    factors = []
    for f in Mul.make_args(rest):
        base, n = f.as_base_exp()
        if not (n.is_Integer and n > 0 and n % 2 == 0):
            return None
        factors.append(base ** (n // 2))
    return Mul(root, *factors)


#: The rules that hold in floating point up to one operation's rounding (`fp_strict`).
STRICT_RULES: list[Callable[[Expr], Expr]] = [_exact_exponent, _merge_exp, _log_exp,
                                              _even_powers, _pythagorean]
RULES: list[Callable[[Expr], Expr]] = STRICT_RULES + [_perfect_square]
