"""`Field`: an unknown function u(t, x, ...) on a `Domain`, usable in SymPy expressions."""
from __future__ import annotations

from typing import Any

import sympy
from sympy import Derivative, Subs, Symbol
from sympy.core.function import AppliedUndef, UndefinedFunction

from ..errors import DeclarationError
from .domain import Domain

TIME = Symbol("t", real=True)


def at(expr: sympy.Expr, **where: Any) -> sympy.Expr:
    """``expr`` evaluated at a boundary, e.g. ``at(u.diff(x), x=0)`` (a SymPy `Subs`)."""
    syms = tuple(Symbol(k, real=True) for k in where)
    return Subs(expr, syms, tuple(sympy.sympify(v) for v in where.values()))


class FieldDerivative(Derivative):
    """A derivative of a field that can be evaluated at a boundary with ``.at(x=0)``."""

    def at(self, **where: Any) -> sympy.Expr:
        return at(self, **where)


class FieldFunction(AppliedUndef):
    """The applied function ``u(t, x, ...)`` behind a `Field` (carries its domain and dtype)."""

    def at(self, **where: Any) -> sympy.Expr:
        """The field on a boundary: ``u.at(x=0)``."""
        return at(self, **where)

    def diff(self, *symbols: Any, **kwargs: Any) -> sympy.Expr:
        kwargs.setdefault("evaluate", True)   # as Basic.diff: d v(t, x) / d s = 0 for s not in args
        d = Derivative(self, *symbols, **kwargs)
        return FieldDerivative(*d.args) if isinstance(d, Derivative) else d

    @property
    def is_complex_field(self) -> bool:
        return self.dtype is complex


def Field(name: str, domain: Domain, dtype: Any = float) -> FieldFunction:
    """An unknown field ``u(t, x[, y])`` on ``domain``; ``dtype`` is float or complex.

    >>> import symbolic as sy
    >>> t, x = sy.symbols("t x", real=True)
    >>> u = sy.Field("u", sy.Domain(x=(0, 1), points=16))
    >>> u.diff(x, 2)
    Derivative(u(t, x), (x, 2))
    """
    if not isinstance(domain, Domain):
        raise DeclarationError(f"Field '{name}' needs a sy.Domain, got {type(domain).__name__}")
    if dtype not in (float, complex):
        raise DeclarationError(f"Field '{name}': dtype must be float or complex, got {dtype!r}")
    if any(a.name == "t" for a in domain.axes):
        raise DeclarationError("'t' is reserved for time; name the spatial axes otherwise")
    # domain and dtype go into the function's identity (its hash and equality), so fields of the
    # same name on different domains never share SymPy's cache
    cls = UndefinedFunction(name, bases=(FieldFunction,), domain=domain, dtype=dtype,
                            real=dtype is float)
    return cls(TIME, *domain.symbols)
