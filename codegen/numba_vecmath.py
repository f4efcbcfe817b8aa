"""SIMD math for numba kernels: loops calling sin, exp, pow, ... vectorize to glibc's libmvec.

Numba's loop vectorizer turns ``math.sin`` into ``llvm.sin.v4f64``, which LLVM then splits into
scalar libm calls (the llvmlite wheels have no SVML). Generated numba code therefore calls
``_vm_sin`` instead: a numba intrinsic that calls ``sympile.vm.sin``, the wrapper of
`codegen.llvm.vecmath` (noinline, with a VFABI mapping to libmvec's ``_ZGV*`` variants). Each
call adds the wrapper's definition (LLVM IR) to the kernel's code library, so it is there when
numba's final, vectorizing optimization runs and the vectorizer calls ``_ZGVeN8v_sin`` and the
like (the kernel asks for the widest vectors: LLVM otherwise stays at 256 bits on many AVX-512
CPUs). Kernels use numba's numpy error model (`codegen.build.DECORATORS`): its zero-divisor
checks would keep any loop with a division scalar.

The helper is emitted into the generated module itself (`helper_source`), so standalone files
still need only numba (and the llvmlite it ships with). It switches itself to ``math``'s scalar
functions where libmvec or the CPU features its IR was built for are missing. Set
``SYMPILE_NUMBA_LIBMVEC=0`` to emit plain ``math`` calls.
"""
from __future__ import annotations

import os
import re

import sympy

from .llvm.vecmath import LIBMVEC, VECTOR_FUNCTIONS, define_wrappers, vector_isas
from .printers import ScalarPrinter, TypedScalarPrinter

#: environment variable that turns libmvec calls off ("0") for numba kernels
OPT_OUT = "SYMPILE_NUMBA_LIBMVEC"
#: CPU feature each libmvec ISA letter needs (``b``, SSE2, is part of x86-64)
ISA_FEATURES = {"c": "avx", "d": "avx2", "e": "avx512f"}
#: ``math`` functions SymPy's printer emits that libmvec has, by SymPy's function name
PRINTED = {"sin": "sin", "cos": "cos", "tan": "tan", "asin": "asin", "acos": "acos",
           "atan": "atan", "atan2": "atan2", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
           "asinh": "asinh", "acosh": "acosh", "atanh": "atanh", "exp": "exp", "expm1": "expm1",
           "log": "log", "ln": "log", "log2": "log2", "log10": "log10", "log1p": "log1p",
           "erf": "erf", "erfc": "erfc", "hypot": "hypot"}
#: SymPy functions libmvec lacks whose SciPy (cephes) versions beat glibc's: `math` name → SciPy's
#: exported C function (scipy.special.cython_special); 2x glibc's tgamma + lgamma here
SCIPY_FUNCTIONS = {"gamma": "__pyx_fuse_1gamma", "lgamma": "gammaln"}
_CALL = re.compile(r"(?<![\w.])_vm_(\w+)\(")
_SP_CALL = re.compile(r"(?<![\w.])_sp_(\w+)\(")


def enabled() -> bool:
    """Whether numba kernels get libmvec calls: x86-64 glibc with libmvec, not opted out.

    >>> import os
    >>> enabled() == (bool(vector_isas()) and os.environ.get(OPT_OUT, "1") != "0")
    True
    """
    return os.environ.get(OPT_OUT, "1") != "0" and bool(vector_isas())


class VectorMathCalls:
    """Printer mixin: functions libmvec has print as ``_vm_<name>(...)``, and so do powers with
    a non-integer exponent (``_vm_pow``); ``b**-k`` prints as ``1.0/b**k`` (numba's negative
    integer power keeps a loop from vectorizing); everything else prints as before."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for function, name in PRINTED.items():
            if self.known_functions.get(function) == f"math.{name}":
                self.known_functions[function] = f"_vm_{name}"
        for function, known in list(self.known_functions.items()):
            if known.startswith("math.") and known[5:] in SCIPY_FUNCTIONS:
                self.known_functions[function] = f"_sp_{known[5:]}"

    def _print_Pow(self, expr, rational=False):
        b, e = expr.args
        if e.is_Integer and e < -1:
            return f"({self._print(sympy.Float(1.0))}/" \
                f"{self._print(sympy.Pow(b, -e, evaluate=False))})"
        if e.is_Integer or e in (sympy.S.Half, -sympy.S.Half):
            return super()._print_Pow(expr, rational=rational)
        return f"_vm_pow({self._print(b)}, {self._print(e)})"


class VectorScalarPrinter(VectorMathCalls, ScalarPrinter):
    """`ScalarPrinter` (float64 loops of kernel IR) with libmvec calls.

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> VectorScalarPrinter().doprint(sympy.sin(x) + x**y + x**3 + sympy.sqrt(y) + (x + y)**-5)
    '(x*x*x) + _vm_pow(x, y) + math.sqrt(y) + _vm_sin(x) + (1.0/(x + y)**5)'
    >>> VectorScalarPrinter().doprint(sympy.gamma(x) + sympy.loggamma(y))
    '_sp_gamma(x) + _sp_lgamma(y)'
    """


class VectorTypedPrinter(VectorMathCalls, TypedScalarPrinter):
    """`TypedScalarPrinter` (real dtypes) with libmvec calls.

    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> VectorTypedPrinter("float32").doprint(sympy.exp(x) * x**2.5)
    '_vm_pow(x, numpy.float32(2.5))*_vm_exp(x)'
    """


def scalar_printer(dtype: str = "float64") -> TypedScalarPrinter:
    """The printer for numba kernels of ``dtype``: with libmvec calls where `enabled` and real.

    >>> type(scalar_printer("complex128")).__name__
    'TypedScalarPrinter'
    """
    real = not str(dtype).startswith("complex")
    return VectorTypedPrinter(dtype) if real and enabled() else TypedScalarPrinter(dtype)


def loop_printer(complex_values: bool = False) -> ScalarPrinter:
    """The printer for numba loops of kernel IR (float64, or complex with ``complex_values``).

    >>> type(loop_printer(complex_values=True)).__name__
    'ScalarPrinter'
    """
    return VectorScalarPrinter() if enabled() and not complex_values else ScalarPrinter()


def used_functions(body: str) -> list[str]:
    """The libm functions that ``body`` calls through ``_vm_`` names, sorted.

    >>> used_functions("y = _vm_sin(x) + _vm_pow(x, 2.5) * _vm_sin(y)")
    ['pow', 'sin']
    """
    return sorted(set(_CALL.findall(body)))


def wrapper_ir(function: str, ty: str = "double") -> str:
    """A module of LLVM IR defining the wrapper of libm ``function`` for ``ty`` (double or
    float), for a kernel to link where it calls it (weak_odr: linked even before the call's
    module is, and defined once however many kernels hold it).

    >>> ir = wrapper_ir("sin", "float")
    >>> 'define weak_odr float @"sympile.vm.sinf"' in ir, "_ZGVbN4v_sinf" in ir
    (True, True)
    """
    name = function + ("f" if ty == "float" else "")
    params = ", ".join([ty] * VECTOR_FUNCTIONS[function])
    text = define_wrappers(f'declare {ty} @"sympile.vm.{name}"({params})')
    return text.replace("define internal ", "define weak_odr ")


def helper_source(body: str, dtype: str = "float64") -> str:
    """Module-level source defining every ``_vm_<f>`` and ``_sp_<f>`` that ``body`` calls
    ("" if none).

    A float32 kernel gets float64 wrappers too (integer arguments promote to float64).

    >>> '_vm_sin = _vm_function("sin", 1)' in helper_source("y = _vm_sin(x)")
    True
    """
    functions = used_functions(body)
    special = sorted(set(_SP_CALL.findall(body)))
    if not functions and not special:
        return ""
    unknown = [f for f in functions if f not in VECTOR_FUNCTIONS]
    if unknown:
        raise ValueError(f"no libmvec variant for {', '.join(unknown)}; print math.<f> instead")
    features = tuple(sorted(ISA_FEATURES[isa] for isa in vector_isas().values()
                            if isa in ISA_FEATURES))
    types = ["double", "float"] if str(dtype) == "float32" else ["double"]
    ir = "".join(f'    "{f}{"f" if ty == "float" else ""}": """\n{wrapper_ir(f, ty)}""",\n'
                 for f in functions for ty in types)
    names = "\n".join(f'_vm_{f} = _vm_function("{f}", {VECTOR_FUNCTIONS[f]})' for f in functions)
    text = HELPER.format(features=features, libmvec=LIBMVEC, width=max(vector_isas()), ir=ir,
                         names=names)
    if special:
        text += SCIPY_HELPER.format(functions={f: SCIPY_FUNCTIONS[f] for f in special},
                                    names="\n".join(f'_sp_{f} = _sp_function("{f}")'
                                                     for f in special))
    return text


def with_helper(functions: list[str], dtype: str = "float64") -> list[str]:
    """Numba ``functions`` (sources starting with their decorator) after the helper defining
    the ``_vm_`` and ``_sp_`` functions they call. Their decorators then cache machine code only
    where the helper is on (``cache=_VM_CACHE``): code calling libmvec or SciPy's functions must
    never be loaded where they are missing.

    >>> with_helper(["@numba.njit(cache=True)\\ndef f(x):\\n    return x"])[0][:23]
    '@numba.njit(cache=True)'
    >>> with_helper(["@numba.njit(cache=True)\\ndef f(x):\\n    return _vm_exp(x)"])[-1][:27]
    '@numba.njit(cache=_VM_CACHE'
    """
    helper = helper_source("\n".join(functions), dtype)
    if not helper:
        return functions
    adjusted = []
    for f in functions:
        decorator, _, rest = f.partition("\n")
        adjusted.append(decorator.replace("cache=True", "cache=_VM_CACHE") + "\n" + rest)
    return [helper, *adjusted]


#: the usage note's paragraph on the helper
HELPER_NOTE = ("\n\nMath functions libmvec has (sin, exp, pow, ...) run as SIMD calls to glibc's "
               "libmvec where this CPU and libmvec allow (see _vm_function), else as math's "
               "scalar functions; the helper needs llvmlite, which numba ships with.")

#: the helper emitted into generated modules (standalone: numba, llvmlite and math only)
HELPER = '''import llvmlite.binding
import llvmlite.ir
import numba.core.cgutils
import numba.extending

# SIMD math: _vm_<f> calls the wrapper sympile.vm.<f> (LLVM IR below), which numba's loop
# vectorizer replaces by glibc's libmvec variants (_ZGV*); where libmvec or these CPU features
# are missing, _vm_<f> is math.<f> (scalar). Written by sympile's codegen/numba_vecmath.py.
_VM_ON = llvmlite.binding.get_process_triple().startswith("x86_64") and all(
    llvmlite.binding.get_host_cpu_features().get(f, False) for f in {features!r})
try:
    if _VM_ON:
        llvmlite.binding.load_library_permanently({libmvec!r})
except RuntimeError:                # no libmvec here
    _VM_ON = False
_VM_CACHE = _VM_ON       # cache machine code only where everything it calls is here
_VM_WIDTH = {width}      # widest vectors (bits) of the variants below
_VM_IR = {{      # wrapper name: its definition, for each kernel to link where it calls it
{ir}}}


def _vm_function(name, arity):
    """libm's name as a numba function: float32 if every argument is, else float64."""

    def typed(*args):
        if not all(isinstance(a, (numba.types.Integer, numba.types.Float, numba.types.Boolean))
                   for a in args):
            return None
        ty = numba.types.float32 if all(a == numba.types.float32 for a in args) \\
            else numba.types.float64

        def codegen(context, builder, sig, values):
            wrapper = name + ("f" if ty == numba.types.float32 else "")
            context.active_code_library.add_llvm_module(
                llvmlite.binding.parse_assembly(_VM_IR[wrapper]))
            lty = context.get_value_type(ty)
            fn = numba.core.cgutils.get_or_insert_function(
                builder.module, llvmlite.ir.FunctionType(lty, [lty] * arity),
                "sympile.vm." + wrapper)
            # LLVM keeps to 256-bit vectors on many AVX-512 CPUs, where libmvec's 512-bit
            # variants run 2-4x faster; llvmlite knows no string attributes, hence set.add
            set.add(builder.function.attributes, f'"prefer-vector-width"="{{_VM_WIDTH}}"')
            return builder.call(fn, [context.cast(builder, v, t, ty)
                                     for v, t in zip(values, sig.args)])
        return ty(*args), codegen

    if not _VM_ON:
        return getattr(math, name)
    if arity == 1:
        return numba.extending.intrinsic(lambda typingctx, x: typed(x))
    return numba.extending.intrinsic(lambda typingctx, x, y: typed(x, y))


{names}
'''

#: appended to the helper where kernels call gamma / lgamma: SciPy's compiled versions by address
SCIPY_HELPER = '''
# gamma, lgamma: _sp_<f> calls SciPy's compiled scipy.special function (registered with LLVM
# under sympile.sp.<f>), 2x faster than libm's; without SciPy, _sp_<f> is math.<f>.
_SP_FUNCTIONS = {functions!r}
try:
    for _name, _exported in _SP_FUNCTIONS.items():
        llvmlite.binding.add_symbol("sympile.sp." + _name, numba.extending.get_cython_function_address(
            "scipy.special.cython_special", _exported))
    _SP_ON = True
except (ImportError, ValueError):   # no SciPy, or a SciPy without these exports
    _SP_ON = False
_VM_CACHE = _VM_CACHE and _SP_ON


def _sp_function(name):
    """SciPy's float64 ``name`` as a numba function (math.<name> without SciPy)."""

    def codegen(context, builder, sig, values):
        lty = context.get_value_type(numba.types.float64)
        fn = numba.core.cgutils.get_or_insert_function(
            builder.module, llvmlite.ir.FunctionType(lty, [lty]), "sympile.sp." + name)
        return builder.call(fn, [context.cast(builder, values[0], sig.args[0],
                                              numba.types.float64)])

    def typed(typingctx, x):
        if isinstance(x, (numba.types.Integer, numba.types.Float, numba.types.Boolean)):
            return numba.types.float64(x), codegen
        return None

    return numba.extending.intrinsic(typed) if _SP_ON else getattr(math, name)


{names}
'''
