"""SymPy printers for generated code: safe identifiers, cheap integer powers, backend math modules."""
from __future__ import annotations

import builtins
import hashlib
import keyword
import re

import sympy
from sympy.printing.numpy import JaxPrinter, NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

#: module names generated code uses, and Python builtins it may call (``min``, ``abs``, ``range``)
RESERVED = {"np", "numpy", "math", "cmath", "jax", "numba", "cuda", "scipy", "functools",
            *dir(builtins)}


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
            return f"({self._print(sympy.Float(1.0))}/" \
                f"{self.parenthesize(b, sympy.printing.precedence.PRECEDENCE['Pow'])})"
        return super()._print_Pow(expr, rational=rational)

    def _print_Sum(self, expr):
        raise TypeError("sums must be lowered to loops before printing")


class ScalarPrinter(_SafeNames, PythonCodePrinter):
    """Scalar code with the `math` module (numba compiles it to native calls)."""


#: functions `cmath` evaluates for complex arguments (the rest of `math` is real-only)
CMATH = ("exp", "log", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
         "tanh", "asinh", "acosh", "atanh", "log10")


class TypedScalarPrinter(ScalarPrinter):
    """Scalar code that stays in one dtype: float32 literals for float32, `cmath` for complex.

    Numba promotes ``float32 * 2.0`` to float64, so float32 kernels print every constant as
    ``numpy.float32(...)``; complex kernels call `cmath`, which accepts complex arguments.

    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> TypedScalarPrinter("float32").doprint(2 * sympy.sin(x) + sympy.pi)
    'numpy.float32(2)*math.sin(x) + numpy.float32(3.141592653589793)'
    >>> TypedScalarPrinter("complex128").doprint(sympy.exp(sympy.I * x))
    'cmath.exp(1j*x)'
    """

    def __init__(self, dtype: str = "float64"):
        super().__init__({"strict": True})
        self.dtype = str(dtype)
        if self.dtype.startswith("complex"):
            self.known_functions.update({name: f"cmath.{name}" for name in CMATH})
            self.known_functions["Sqrt"] = "cmath.sqrt"

    def _literal(self, text: str) -> str:
        return f"numpy.float32({text})" if self.dtype == "float32" else text

    def _print_Float(self, expr):
        return self._literal(super()._print_Float(expr))

    def _print_Integer(self, expr):
        return self._literal(super()._print_Integer(expr))

    def _print_Rational(self, expr):
        return self._literal(repr(float(expr))) if self.dtype == "float32" else \
            super()._print_Rational(expr)

    _print_Half = _print_Rational

    def _print_NumberSymbol(self, expr):
        return self._literal(repr(float(expr))) if self.dtype == "float32" else \
            super()._print_NumberSymbol(expr)

    _print_Pi = _print_Exp1 = _print_NumberSymbol

    def _print_sqrt_expr(self, arg):
        return f"{'cmath' if self.dtype.startswith('complex') else 'math'}.sqrt({arg})"

    def _print_Pow(self, expr, rational=False):
        if expr.exp == sympy.S.Half:
            return self._print_sqrt_expr(self._print(expr.base))
        if expr.exp == -sympy.S.Half:
            return f"({self._print(sympy.Float(1.0))}/{self._print_sqrt_expr(self._print(expr.base))})"
        return super()._print_Pow(expr, rational=rational)

    def _print_sign(self, expr):
        x = self._print(expr.args[0])
        zero, one = self._print(sympy.Float(0.0)), self._print(sympy.Float(1.0))
        return f"({zero} if {x} == 0 else math.copysign({one}, {x}))"

    def _print_template(self, expr):
        return SCALAR_TEMPLATES[type(expr).__name__].format(self._print(expr.args[0]))


#: one-argument functions printed from a template in `TypedScalarPrinter`
SCALAR_TEMPLATES = {"floor": "numpy.floor({})", "ceiling": "numpy.ceil({})", "re": "({}).real",
                    "im": "({}).imag", "conjugate": "({}).conjugate()", "arg": "cmath.phase({})"}
for _name in SCALAR_TEMPLATES:
    setattr(TypedScalarPrinter, f"_print_{_name}", TypedScalarPrinter._print_template)


class NestedMinMax:
    """Printer mixin: Min/Max as nested two-argument calls of ``_min``/``_max``."""

    _min, _max = "min", "max"

    def _nested(self, func: str, args) -> str:
        out = self._print(args[-1])
        for a in reversed(args[:-1]):
            out = f"{func}({self._print(a)}, {out})"
        return out

    def _print_Min(self, expr):
        return self._nested(self._min, expr.args)

    def _print_Max(self, expr):
        return self._nested(self._max, expr.args)


class _VectorFunctions(NestedMinMax):
    """Array versions of functions SymPy's NumPy/JAX printers would print with `math`."""

    _special = "scipy.special"
    _xp = "numpy"
    _min, _max = "numpy.minimum", "numpy.maximum"

    def _print_conjugate(self, expr):
        return f"{self._xp}.conjugate({self._print(expr.args[0])})"

    def _print_special(self, expr):
        return f"{self._special}.{SPECIAL[type(expr).__name__]}({self._print(expr.args[0])})"


#: special functions the vector printers take from scipy.special / jax.scipy.special
SPECIAL = {"erf": "erf", "erfc": "erfc", "gamma": "gamma", "loggamma": "gammaln"}
for _name in SPECIAL:
    setattr(_VectorFunctions, f"_print_{_name}", _VectorFunctions._print_special)


class NumPyVectorPrinter(_VectorFunctions, _SafeNames, NumPyPrinter):
    """Element-wise array code with NumPy (special functions from `scipy.special`)."""

    def __init__(self, settings=None):
        super().__init__(settings)
        self._module = "numpy"


class JaxVectorPrinter(_VectorFunctions, _SafeNames, JaxPrinter):
    """Element-wise array code with jax.numpy (special functions from `jax.scipy.special`)."""

    _special = "jax.scipy.special"
    _xp = "jax.numpy"
    _min, _max = "jax.numpy.minimum", "jax.numpy.maximum"
