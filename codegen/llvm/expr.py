"""SymPy expression → LLVM IR values: arithmetic, integer powers as products, math through libm.

Functions LLVM has intrinsics for (sin, cos, exp, log, sqrt, fabs, floor, ceil, pow, ...) are
emitted as intrinsics, the rest as calls to the platform libm (tan, atan2, tanh, erf, ...),
declared without side effects so the optimizer can hoist and CSE them; where glibc's libmvec
has SIMD variants, calls go through `codegen.llvm.vecmath` wrappers so loops vectorize.
Anything else raises `NotImplementedError` naming the function and the backend.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import sympy
from llvmlite import ir
from sympy.codegen import cfunctions as cf

from .gamma import emit_gamma, emit_gamma_from_lgamma
from .vecmath import wrapper_name

I64 = ir.IntType(64)
I1 = ir.IntType(1)

#: one-argument functions LLVM has intrinsics for (``llvm.<name>.f64``)
INTRINSICS = {sympy.sin: "sin", sympy.cos: "cos", sympy.exp: "exp", sympy.log: "log",
              sympy.Abs: "fabs", sympy.floor: "floor", sympy.ceiling: "ceil",
              cf.exp2: "exp2", cf.log2: "log2", cf.log10: "log10", cf.Sqrt: "sqrt"}
#: one-argument functions called in libm (float32 appends ``f``: ``tanf``)
LIBM = {sympy.tan: "tan", sympy.asin: "asin", sympy.acos: "acos", sympy.atan: "atan",
        sympy.sinh: "sinh", sympy.cosh: "cosh", sympy.tanh: "tanh", sympy.asinh: "asinh",
        sympy.acosh: "acosh", sympy.atanh: "atanh", sympy.erf: "erf", sympy.erfc: "erfc",
        sympy.gamma: "tgamma", sympy.loggamma: "lgamma", cf.log1p: "log1p", cf.expm1: "expm1",
        cf.Cbrt: "cbrt"}
#: two-argument libm functions
LIBM2 = {sympy.atan2: "atan2", cf.hypot: "hypot"}
#: reciprocal functions: f(x) = 1 / g(x)
RECIPROCALS = {sympy.sec: sympy.cos, sympy.csc: sympy.sin, sympy.cot: sympy.tan,
               sympy.sech: sympy.cosh, sympy.csch: sympy.sinh, sympy.coth: sympy.tanh}
#: inverse reciprocal functions: f(x) = g(1 / x)
INVERSE_RECIPROCALS = {sympy.acot: sympy.atan, sympy.asec: sympy.acos, sympy.acsc: sympy.asin,
                       sympy.asech: sympy.acosh, sympy.acsch: sympy.asinh,
                       sympy.acoth: sympy.atanh}
OTHER = (sympy.Max, sympy.Min, sympy.sign, sympy.Heaviside, sympy.Piecewise, cf.fma)
MAX_POWER_PRODUCT = 64   # |n| above this goes through llvm.pow


def supported_functions() -> list[str]:
    """Names of the SymPy functions the llvm backend emits (besides + - * / and powers).

    >>> "erf" in supported_functions() and "atan2" in supported_functions()
    True
    """
    funcs = [*INTRINSICS, *LIBM, *LIBM2, *RECIPROCALS, *INVERSE_RECIPROCALS, *OTHER]
    return sorted(f.__name__ for f in funcs)


_FCMP = {sympy.StrictLessThan: "<", sympy.LessThan: "<=", sympy.StrictGreaterThan: ">",
         sympy.GreaterThan: ">=", sympy.Equality: "==", sympy.Unequality: "!="}


class ExprEmitter:
    """Emits SymPy expressions as floating-point LLVM values with one builder.

    ``symbol(sym)`` returns the IR value bound to a symbol (a float, or an i64 loop index);
    ``indexed(expr)`` loads an array element. Both are supplied by the loop emitter.
    """

    def __init__(self, builder: ir.IRBuilder, ftype: ir.Type,
                 symbol: Callable[[sympy.Symbol], ir.Value],
                 indexed: Callable[[sympy.Indexed], ir.Value]):
        self.b = builder
        self.ftype = ftype
        self.module = builder.module
        self.symbol = symbol
        self.indexed = indexed
        self.suffix = "f" if ftype == ir.FloatType() else ""
        #: Γ as vectorizable arithmetic (`codegen.llvm.gamma`); where the loop also calls the
        #: scalar-only lgamma (the mix ran slower than tgamma), Γ = ±exp(lgamma) instead
        self.inline_gamma = True

    # -- helpers -------------------------------------------------------------------------------
    def const(self, value: float) -> ir.Constant:
        return ir.Constant(self.ftype, float(value))

    def intrinsic(self, name: str, *args: ir.Value) -> ir.Value:
        if wrapper_name(name + self.suffix):        # SIMD through libmvec where it exists
            return self.libm(name, *args)
        fnty = ir.FunctionType(self.ftype, [self.ftype] * len(args))
        fn = self.module.declare_intrinsic(f"llvm.{name}", [self.ftype], fnty)
        return self.b.call(fn, list(args))

    def libm(self, name: str, *args: ir.Value) -> ir.Value:
        name = name + self.suffix
        name = wrapper_name(name) or name
        fn = self.module.globals.get(name)
        if fn is None:
            fn = ir.Function(self.module, ir.FunctionType(self.ftype, [self.ftype] * len(args)),
                             name)
            fn.attributes.add("nounwind")
            fn.attributes.add("readnone")
        return self.b.call(fn, list(args))

    def to_float(self, v: ir.Value) -> ir.Value:
        return self.b.sitofp(v, self.ftype) if v.type == I64 else v

    # -- expressions ---------------------------------------------------------------------------
    def value(self, e: sympy.Basic) -> ir.Value:
        """The floating-point value of ``e``."""
        if e.is_number and (e.is_extended_real is False or e is sympy.zoo):
            raise NotImplementedError(f"the llvm backend emits real arithmetic only; {e} is "
                                      f"complex (use backend='numba' or 'numpy')")
        if e.is_Number or isinstance(e, sympy.NumberSymbol):
            return self.const(float(e))
        if isinstance(e, (sympy.Symbol, sympy.Dummy)):
            return self.to_float(self.symbol(e))
        if isinstance(e, sympy.Indexed):
            return self.indexed(e)
        if e.is_Add:
            return self._fold(self.b.fadd, [self.value(a) for a in e.args])
        if e.is_Mul:
            return self._mul(e)
        if e.is_Pow:
            return self._pow(e.base, e.exp)
        return self._function(e)

    def _fold(self, op, values: list[ir.Value]) -> ir.Value:
        acc = values[0]
        for v in values[1:]:
            acc = op(acc, v)
        return acc

    def _mul(self, e: sympy.Mul) -> ir.Value:
        """Numerator times numerator divided by the product of denominators; -1 * x is -x."""
        coeff, factors = e.as_coeff_mul()
        num, den = [], []
        for f in factors:
            if f.is_Pow and f.exp.is_Number and f.exp.is_negative:
                den.append(self._pow(f.base, -f.exp))
            else:
                num.append(self.value(f))
        negate = coeff == -1
        if coeff != 1 and not negate:
            num.insert(0, self.const(coeff))
        top = self._fold(self.b.fmul, num) if num else self.const(1.0)
        result = self.b.fdiv(top, self._fold(self.b.fmul, den)) if den else top
        return self.b.fneg(result) if negate else result

    def _pow(self, base: sympy.Basic, exp: sympy.Basic) -> ir.Value:
        if exp.is_Integer and abs(int(exp)) <= MAX_POWER_PRODUCT:
            n = int(exp)
            if n == 0:
                return self.const(1.0)
            power = self._int_power(self.value(base), abs(n))
            return power if n > 0 else self.b.fdiv(self.const(1.0), power)
        if exp == sympy.Rational(1, 2):
            return self.intrinsic("sqrt", self.value(base))
        if exp == sympy.Rational(-1, 2):
            return self.b.fdiv(self.const(1.0), self.intrinsic("sqrt", self.value(base)))
        if base == sympy.E:
            return self.intrinsic("exp", self.value(exp))
        return self.intrinsic("pow", self.value(base), self.value(exp))

    def _int_power(self, x: ir.Value, n: int) -> ir.Value:
        """x**n by repeated squaring (n >= 1)."""
        result, square = None, x
        while n:
            if n & 1:
                result = square if result is None else self.b.fmul(result, square)
            n >>= 1
            if n:
                square = self.b.fmul(square, square)
        return result

    def _function(self, e: sympy.Basic) -> ir.Value:
        f = e.func
        if f in INTRINSICS:
            return self.intrinsic(INTRINSICS[f], self.value(e.args[0]))
        if f is sympy.gamma and self.ftype == ir.DoubleType():
            emit = emit_gamma if self.inline_gamma else \
                partial(emit_gamma_from_lgamma, libm=self.libm)
            return emit(self.b, self.value(e.args[0]), self.const, self.intrinsic)
        if f in LIBM:
            return self.libm(LIBM[f], self.value(e.args[0]))
        if f in LIBM2:
            return self.libm(LIBM2[f], *[self.value(a) for a in e.args])
        if f in RECIPROCALS:
            return self.b.fdiv(self.const(1.0), self.value(RECIPROCALS[f](e.args[0],
                                                                          evaluate=False)))
        if f in INVERSE_RECIPROCALS:
            inv = sympy.Pow(e.args[0], -1)
            return self.value(INVERSE_RECIPROCALS[f](inv, evaluate=False))
        if f is cf.fma:
            return self.intrinsic("fma", *[self.value(a) for a in e.args])
        if f in (sympy.Max, sympy.Min):
            name = "maximum" if f is sympy.Max else "minimum"
            return self._fold(lambda a, c: self.intrinsic(name, a, c),
                              [self.value(a) for a in e.args])
        if f is sympy.sign:
            x = self.value(e.args[0])
            zero = self.const(0.0)
            neg = self.b.select(self.b.fcmp_ordered("<", x, zero), self.const(-1.0), x)
            return self.b.select(self.b.fcmp_ordered(">", x, zero), self.const(1.0), neg)
        if f is sympy.Heaviside:
            x = self.value(e.args[0])
            half = self.value(e.args[1]) if len(e.args) > 1 else self.const(0.5)
            zero = self.const(0.0)
            mid = self.b.select(self.b.fcmp_ordered("==", x, zero), half, x)
            low = self.b.select(self.b.fcmp_ordered("<", x, zero), zero, mid)
            return self.b.select(self.b.fcmp_ordered(">", x, zero), self.const(1.0), low)
        if f is sympy.Piecewise:
            return self._piecewise(e)
        raise NotImplementedError(
            f"the llvm backend cannot express the function {f.__name__} (in {e}); it supports "
            f"{', '.join(supported_functions())}, arithmetic and powers. Rewrite the expression "
            f"with these, or use backend='numpy'")

    def _piecewise(self, e: sympy.Piecewise) -> ir.Value:
        """Nested selects from the last piece up (NaN where no condition holds, like NumPy)."""
        result = self.const(float("nan"))
        for expr, cond in reversed(e.args):
            val = self.value(expr)
            result = val if cond == sympy.true else self.b.select(self.condition(cond), val,
                                                                  result)
        return result

    def index(self, e: sympy.Basic) -> ir.Value:
        """An i64 value of an integer index expression (loop indices, integers, + and *)."""
        if e.is_Integer:
            return ir.Constant(I64, int(e))
        if isinstance(e, (sympy.Symbol, sympy.Dummy)):
            v = self.symbol(e)
            if v.type != I64:
                raise NotImplementedError(f"the llvm backend needs integer indices; {e} is not "
                                          f"one")
            return v
        if e.is_Add or e.is_Mul:
            return self._fold(self.b.add if e.is_Add else self.b.mul,
                              [self.index(a) for a in e.args])
        raise NotImplementedError(f"the llvm backend cannot use {e} as an array index")

    def condition(self, c: sympy.Basic) -> ir.Value:
        """An i1 value for a relational or boolean combination of them."""
        if c == sympy.true or c == sympy.false:
            return ir.Constant(I1, int(c == sympy.true))
        if type(c) in _FCMP:
            a, b = self.value(c.lhs), self.value(c.rhs)
            op = _FCMP[type(c)]
            return (self.b.fcmp_unordered(op, a, b) if op == "!=" else
                    self.b.fcmp_ordered(op, a, b))
        if isinstance(c, sympy.And):
            return self._fold(self.b.and_, [self.condition(a) for a in c.args])
        if isinstance(c, sympy.Or):
            return self._fold(self.b.or_, [self.condition(a) for a in c.args])
        if isinstance(c, sympy.Not):
            return self.b.not_(self.condition(c.args[0]))
        raise NotImplementedError(f"the llvm backend cannot express the condition {c}")
