"""Exceptions that name the offending piece of a declaration and say how to fix it."""


class SympileError(Exception):
    """Base class of sympile's errors."""


class ShapeError(SympileError, ValueError):
    """Array operands or bounds whose shapes do not fit together."""


class DeclarationError(SympileError, ValueError):
    """A problem declaration that cannot mean what was intended (e.g. a bool as a constraint)."""


class NonDifferentiableError(SympileError, ValueError):
    """A function without a derivative where derivatives are needed."""


class UnsupportedFunctionError(SympileError, NotImplementedError):
    """A function the chosen backend cannot emit (or an undefined one), found before lowering."""
