"""Fourier pseudo-spectral form of a PDE: linear constant-coefficient part L, nonlinear rest N.

For each field, ``F = L u + N(u)`` where L is diagonal in Fourier space (a polynomial in i*k)
and N is evaluated pointwise in physical space on a grid padded against aliasing: a nonlinearity
of polynomial degree p needs M >= (p + 1) N / 2 points (3/2 rule for quadratic, 2 for cubic).
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Derivative, Expr, Symbol

from ..errors import DeclarationError
from .field import TIME, FieldFunction
from .pde import PDE

INFINITE = 10 ** 6


@dataclass(frozen=True)
class SpectralTerm:
    """A field or one of its spatial derivatives (orders per axis) needed in physical space."""

    field: FieldFunction
    orders: tuple[int, ...]
    level: int = 0   # 1: the time derivative of a second-order field
    part: str = "value"   # "value", or "real"/"imag" of a complex field (real arithmetic)


@dataclass
class SpectralSplit:
    """Per evolution: the Fourier multiplier of L, and N written over placeholder symbols."""

    linear: dict        # field -> multiplier expression in WAVENUMBERS (the diagonal of L)
    nonlinear: dict     # field -> expression in placeholder symbols (one per SpectralTerm)
    terms: dict         # placeholder symbol -> SpectralTerm
    degree: int         # polynomial degree of the nonlinearity (INFINITE if not polynomial)


def wavenumbers(ndim: int) -> tuple[Symbol, ...]:
    return tuple(Symbol(f"_k{a}", real=True) for a in range(ndim))


def _term_of(atom: Expr, pde: PDE) -> SpectralTerm | None:
    syms = pde.domain.symbols
    if isinstance(atom, FieldFunction):
        return SpectralTerm(atom, (0,) * len(syms))
    if isinstance(atom, Derivative) and isinstance(atom.expr, FieldFunction):
        orders, level = [0] * len(syms), 0
        for v, c in atom.variable_count:
            if v == TIME:
                level += int(c)
            else:
                orders[syms.index(v)] += int(c)
        return SpectralTerm(atom.expr, tuple(orders), level)
    return None


def _is_constant(c: Expr, pde: PDE) -> bool:
    """A coefficient of the linear part: no time, space, fields or run-time parameters (L is
    fixed when the kernels are emitted; a term scaled by a parameter stays in N)."""
    return not (c.has(TIME) or c.has(*pde.domain.symbols) or c.atoms(FieldFunction)
                or any(isinstance(a, Derivative) for a in c.atoms(Derivative))
                or (pde.parameters and c.has(*pde.parameters)))


def degree(expr: Expr, placeholders: set) -> int:
    """Polynomial degree in the placeholders; |z|, conj(z), re, im count as degree 1."""
    if expr in placeholders:
        return 1
    if not (expr.free_symbols & placeholders):
        return 0
    if isinstance(expr, sympy.Add):
        return max(degree(a, placeholders) for a in expr.args)
    if isinstance(expr, sympy.Mul):
        return min(INFINITE, sum(degree(a, placeholders) for a in expr.args))
    if isinstance(expr, sympy.Pow) and expr.exp.is_Integer and int(expr.exp) > 0:
        return min(INFINITE, int(expr.exp) * degree(expr.base, placeholders))
    if isinstance(expr, (sympy.Abs, sympy.conjugate, sympy.re, sympy.im)):
        return degree(expr.args[0], placeholders)
    return INFINITE


def spectral_split(pde: PDE) -> SpectralSplit:
    """Separate each right-hand side into its diagonal linear part and the nonlinear rest."""
    for axis in pde.domain.axes:
        if not axis.periodic:
            raise DeclarationError(f"the spectral discretization needs periodic axes; axis "
                                   f"'{axis.name}' is bounded: use "
                                   f"discretization='finite_difference'")
    ks = wavenumbers(pde.domain.ndim)
    linear, nonlinear, terms = {}, {}, {}
    for ev in pde.evolutions:
        mult, rest = sympy.S.Zero, []
        for term in sympy.Add.make_args(sympy.expand(ev.rhs)):
            coeff, atoms = sympy.S.One, []
            for factor in sympy.Mul.make_args(term):
                t = _term_of(factor, pde)
                if t is None:
                    coeff *= factor
                else:
                    atoms.append(t)
            if (len(atoms) == 1 and atoms[0].field == ev.field and atoms[0].level == 0
                    and _is_constant(coeff, pde)):
                mult += coeff * sympy.Mul(*[(sympy.I * k) ** o for k, o in
                                            zip(ks, atoms[0].orders)])
            else:
                rest.append(term)
        linear[ev.field] = mult
        nonlinear[ev.field] = with_placeholders(sympy.Add(*rest), pde, terms)
    deg = max([degree(n, set(terms)) for n in nonlinear.values()] + [0])
    return SpectralSplit(linear, nonlinear, terms, deg)


def with_placeholders(expr: Expr, pde: PDE, terms: dict) -> Expr:
    """``expr`` with each field/derivative replaced by a real symbol; ``terms`` maps them back.

    A complex field's term becomes ``re + I*im`` of two real placeholders, so |u|**2, conj(u),
    re(u) reduce (by SymPy's own evaluation) to real arithmetic: no square roots, and nothing
    that a real-valued rewrite rule or a backend could get wrong.
    """
    known = {t: s for s, t in terms.items()}

    def placeholder(t: SpectralTerm) -> Symbol:
        if t not in known:
            name = str(t.field.func) + ("_t" if t.level else "") + "".join(
                f"_{s.name}{o}" for s, o in zip(pde.domain.symbols, t.orders) if o)
            known[t] = Symbol(f"_p_{name}" + ("" if t.part == "value" else "_" + t.part[:2]),
                              real=True)
            terms[known[t]] = t
        return known[t]

    rule = {}
    for atom in expr.atoms(FieldFunction) | expr.atoms(Derivative):
        t = _term_of(atom, pde)
        if t is None:
            continue
        if t.field.dtype is complex:
            re_t, im_t = (SpectralTerm(t.field, t.orders, t.level, p) for p in ("real", "imag"))
            rule[atom] = placeholder(re_t) + sympy.I * placeholder(im_t)
        else:
            rule[atom] = placeholder(t)
    return expr.xreplace(rule)


def padded_points(n: int, degree: int, override: int | None = None) -> int:
    """Grid points for dealiased products: ceil((p + 1) n / 2), even (p >= 2); n otherwise."""
    if override is not None:
        return int(override)
    if degree < 2:
        return n
    p = min(degree, 3)
    m = -(-(p + 1) * n // 2)
    return m + (m % 2)
