"""SymPy printers for generated code: safe identifiers, cheap integer powers, backend math modules."""
from __future__ import annotations

import hashlib
import keyword
import re

import sympy
from sympy.printing.numpy import JaxPrinter, NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

RESERVED = {"np", "numpy", "math", "jax", "numba"}


def safe_name(name: str) -> str:
    """A valid, non-keyword identifier for a user's name; internal names (leading _) pass through.

    Anything that is not a plain identifier (or could shadow generated names) is mangled to
    ``u_<letters>_<hash>``, so no symbol name can inject code or collide.

    >>> safe_name("x"), safe_name("lambda"), safe_name("x); import os; (")
    ('x', 'u_lambda_482fbdf6', 'u_ximportos_99fac4f3')
    """
    if name.startswith("_") and re.fullmatch(r"_[A-Za-z0-9_]+", name):
        return name
    if name.isidentifier() and name.isascii() and not keyword.iskeyword(name) \
            and name not in RESERVED:
        return name
    stem = re.sub(r"[^A-Za-z0-9]", "", name)[:16]
    return f"u_{stem}_{hashlib.sha1(name.encode()).hexdigest()[:8]}"


class _SafeNames:
    """Mixin: print symbols and array names through `safe_name`; small powers as products."""

    def _print_Symbol(self, expr):
        return safe_name(expr.name)

    _print_Dummy = _print_Symbol

    def _print_Indexed(self, expr):
        idx = ", ".join(self._print(i) for i in expr.indices)
        return f"{safe_name(str(expr.base.label))}[{idx}]"

    def _print_Pow(self, expr, rational=False):
        b, e = expr.args
        if e.is_Integer and 2 <= int(e) <= 4 and isinstance(b, (sympy.Symbol, sympy.Indexed)):
            base = self.parenthesize(b, sympy.printing.precedence.PRECEDENCE["Mul"])
            return "(" + "*".join([base] * int(e)) + ")"
        if e == -1:
            return f"(1.0/{self.parenthesize(b, sympy.printing.precedence.PRECEDENCE['Pow'])})"
        return super()._print_Pow(expr, rational=rational)

    def _print_Sum(self, expr):
        raise TypeError("sums must be lowered to loops before printing")


class ScalarPrinter(_SafeNames, PythonCodePrinter):
    """Scalar code with the `math` module (numba compiles it to native calls)."""


class NumPyVectorPrinter(_SafeNames, NumPyPrinter):
    """Element-wise array code with NumPy."""

    def __init__(self, settings=None):
        super().__init__(settings)
        self._module = "numpy"


class JaxVectorPrinter(_SafeNames, JaxPrinter):
    """Element-wise array code with jax.numpy."""
