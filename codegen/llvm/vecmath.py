"""SIMD math through glibc's libmvec: loops calling sin/exp/log/... vectorize to _ZGV* calls.

LLVM's loop vectorizer can call a vector variant of a scalar function when the function
carries a ``vector-function-abi-variant`` attribute (the VFABI mapping clang emits for
``#pragma omp declare simd``). Math calls go through a small internal wrapper per function
(``sympile.vm.sin``: noinline, so the mapping survives until the vectorizer runs; its body calls
libm), whose attribute names the libmvec variants this CPU can run (SSE, AVX2, AVX-512).
Without libmvec (not glibc, not x86-64) the wrappers are not used and calls stay scalar.
"""
from __future__ import annotations

import ctypes.util
import re
from functools import lru_cache

import llvmlite.binding as llvm

#: libm functions with libmvec variants (double; float appends ``f``), by argument count
VECTOR_FUNCTIONS = {
    **dict.fromkeys(["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
                     "asinh", "acosh", "atanh", "exp", "exp2", "expm1", "log", "log2", "log10",
                     "log1p", "cbrt", "erf", "erfc"], 1),
    **dict.fromkeys(["atan2", "pow", "hypot"], 2)}
WRAPPER_PREFIX = "sympile.vm."
LIBMVEC = ctypes.util.find_library("mvec")


@lru_cache(maxsize=None)
def vector_isas() -> dict[int, str]:
    """Register width in bits → libmvec ISA letter, for the widths this CPU runs ({} if none).

    >>> set(vector_isas()) <= {128, 256, 512}
    True
    """
    if not LIBMVEC or not llvm.get_process_triple().startswith("x86_64"):
        return {}
    features = llvm.get_host_cpu_features()
    isas = {128: "b"}
    if features.get("avx2"):
        isas[256] = "d"
    elif features.get("avx"):
        isas[256] = "c"
    if features.get("avx512f"):
        isas[512] = "e"
    return isas


def wrapper_name(function: str) -> str | None:
    """The wrapper to call for libm ``function`` (``sin``, ``sinf``), or None if not mapped.

    >>> wrapper_name("floor") is None, wrapper_name("sinf") in (None, "sympile.vm.sinf")
    (True, True)
    """
    base = function[:-1] if function.endswith("f") and function[:-1] in VECTOR_FUNCTIONS \
        else function
    if base not in VECTOR_FUNCTIONS or not vector_isas():
        return None
    return WRAPPER_PREFIX + function


def define_wrappers(ir_text: str) -> str:
    """Replace each wrapper declaration in ``ir_text`` by its definition and VFABI mapping.

    >>> text = define_wrappers('declare double @"sympile.vm.sin"(double %".1")')
    >>> "define internal double" in text, ("_ZGVbN2v_sin" in text) == bool(vector_isas())
    (True, True)
    """
    pattern = re.compile(r'^declare (double|float) @"' + re.escape(WRAPPER_PREFIX)
                         + r'(\w+)"\(([^)]*)\)[^\n]*$', re.M)
    found = pattern.findall(ir_text)
    if not found:
        return ir_text
    extra, used = [], []
    for group, (ty, function, _) in enumerate(found, start=100):
        n_args = VECTOR_FUNCTIONS[function[:-1] if ty == "float" else function]
        params = ", ".join(f"{ty} %a{k}" for k in range(n_args))
        variants = []
        for bits, isa in sorted(vector_isas().items()):
            lanes = bits // (64 if ty == "double" else 32)
            vec = f"<{lanes} x {ty}>"
            name = f"_ZGV{isa}N{lanes}{'v' * n_args}_{function}"
            variants.append(f"_ZGV_LLVM_N{lanes}{'v' * n_args}_{WRAPPER_PREFIX}{function}({name})")
            extra.append(f"declare {vec} @{name}({', '.join([vec] * n_args)})")
            used.append(f"ptr @{name}")
        if not re.search(rf'^declare [^\n]*@"?{function}"?\(', ir_text, re.M):
            extra.append(f"declare {ty} @{function}({', '.join([ty] * n_args)}) #99")
        args = ", ".join(f"{ty} %a{k}" for k in range(n_args))
        definition = (f'define internal {ty} @"{WRAPPER_PREFIX}{function}"({params}) #{group} '
                      f"{{\n  %r = call {ty} @{function}({args})\n  ret {ty} %r\n}}")
        ir_text = ir_text.replace(_line(pattern, ir_text, function), definition)
        extra.append(f'attributes #{group} = {{ noinline nounwind willreturn memory(none) '
                     f'"vector-function-abi-variant"="{",".join(variants)}" }}')
    extra.append("attributes #99 = { nounwind willreturn memory(none) }")
    extra.append(f"@llvm.compiler.used = appending global [{len(used)} x ptr] "
                 f"[{', '.join(used)}], section \"llvm.metadata\"")
    return ir_text + "\n" + "\n".join(extra) + "\n"


def _line(pattern: re.Pattern, text: str, function: str) -> str:
    for m in pattern.finditer(text):
        if m.group(2) == function:
            return m.group(0)
    raise KeyError(function)
