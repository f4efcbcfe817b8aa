"""The llvm backend: agreement with NumPy on every supported function, float32 in float32,
reductions and matrix outputs, clear errors, mangled names, and C programs against its library."""
import doctest
import importlib
import re
import shutil
import subprocess

import numpy as np
import pytest
import scipy.special as sc
import sympy as sp
from sympy.codegen import cfunctions as cf

import codegen
from codegen.llvm.expr import supported_functions
from codegen.llvm.vecmath import vector_isas
from tests.function_suite import SUITE, x, y

#: functions the llvm backend emits beyond the shared suite, with NumPy references
EXTRA = [
    ("reciprocal_trig", sp.sec(x) + sp.csc(x) + sp.cot(y),
     lambda x, y: 1 / np.cos(x) + 1 / np.sin(x) + 1 / np.tan(y)),
    ("reciprocal_hyperbolic", sp.sech(x) + sp.csch(y) + sp.coth(x),
     lambda x, y: 1 / np.cosh(x) + 1 / np.sinh(y) + 1 / np.tanh(x)),
    ("inverse_reciprocal", sp.acot(x) + sp.asec(y) + sp.acsc(y),
     lambda x, y: np.arctan(1 / x) + np.arccos(1 / y) + np.arcsin(1 / y)),
    ("inverse_reciprocal_hyperbolic", sp.asech(x) + sp.acsch(y) + sp.acoth(y),
     lambda x, y: np.arccosh(1 / x) + np.arcsinh(1 / y) + np.arctanh(1 / y)),
    ("heaviside", sp.Heaviside(x - 0.5) + sp.Heaviside(y - 1.5, 0.25),
     lambda x, y: np.heaviside(x - 0.5, 0.5) + np.heaviside(y - 1.5, 0.25)),
    ("c_functions", cf.log1p(x) + cf.expm1(y) + cf.exp2(x) + cf.log2(y) + cf.log10(x)
     + cf.Cbrt(y) + cf.hypot(x, y) + cf.fma(x, y, 1) + cf.Sqrt(x),
     lambda x, y: np.log1p(x) + np.expm1(y) + np.exp2(x) + np.log2(y) + np.log10(x)
     + np.cbrt(y) + np.hypot(x, y) + (x * y + 1) + np.sqrt(x)),
    ("powers", x ** 70 * 1e3 + y ** -5 + x ** sp.Rational(1, 3) + y ** 0.5 + sp.exp(x) ** 2,
     lambda x, y: x ** 70.0 * 1e3 + y ** -5.0 + np.cbrt(x) + np.sqrt(y) + np.exp(2 * x)),
    ("logic", sp.Piecewise((x, sp.And(x > 0.4, y < 1.6)), (y, sp.Or(x < 0.3, sp.Not(y > 1.2))),
                           (x - y, sp.Ne(x, 0.5))),
     lambda x, y: np.where((x > 0.4) & (y < 1.6), x, np.where((x < 0.3) | ~(y > 1.2), y, x - y))),
]
CASES = SUITE + EXTRA


def test_every_supported_function_is_tested():
    """The agreement suite names every function the backend claims (no untested entry)."""
    used = set()
    for _, e, _ in CASES:
        used |= {type(f).__name__ for f in e.atoms(sp.Function)}
        used |= {f.func.__name__ for f in sp.preorder_traversal(e)
                 if isinstance(f, (sp.Piecewise, sp.Max, sp.Min))}
    missing = set(supported_functions()) - used
    assert not missing, f"untested llvm functions: {sorted(missing)}"


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_suite_agrees_with_numpy(dtype, tol, rng):
    k = codegen.build_function([e for _, e, _ in CASES], [x, y], backend="llvm", dtype=dtype)
    xs, ys = rng.uniform(0.2, 0.9, 300), rng.uniform(1.1, 2.0, 300)
    got = k(xs.astype(dtype), ys.astype(dtype))
    assert got.dtype == dtype and got.shape == (len(CASES), 300)
    for row, (name, _, ref) in zip(got, CASES):
        want = ref(xs, ys)
        err = np.max(np.abs(row - want) / (1 + np.abs(want)))
        assert err < tol, f"llvm {np.dtype(dtype).name} {name}: error {err:.2e}"


def test_float32_kernel_has_no_double_arithmetic():
    z = sp.Symbol("z")
    k = codegen.build_function([2.5 * sp.sin(z) + sp.pi * z ** 3 + 1 / z + sp.erf(z)], [z],
                               backend="llvm", dtype=np.float32)
    assert " float " in k.library.optimized and not re.search(r"\bdouble\b", k.library.optimized)
    assert "erff" in k.library.optimized       # libm's float32 variant
    np.testing.assert_allclose(k(np.float32(0.7))[0], 2.5 * np.sin(0.7) + np.pi * 0.343
                               + 1 / 0.7 + sc.erf(0.7), rtol=1e-6)


def test_integer_powers_are_products_and_loops_vectorize():
    k = codegen.build_function([x ** 7 + y ** 2, 3 * x * y], [x, y], backend="llvm")
    assert "llvm.pow" not in k.library.optimized
    assert re.search(r"<\d+ x double>", k.library.optimized), "the element loop is not SIMD"


@pytest.mark.skipif(not vector_isas(), reason="no libmvec (glibc x86-64) on this machine")
def test_math_loops_vectorize_through_libmvec(rng):
    k = codegen.build_function([sp.sin(x) * sp.exp(-y) + sp.atan2(y, x) ** 2], [x, y],
                               backend="llvm")
    for name in ("sin", "exp", "atan2"):
        assert re.search(rf"call <\d+ x double> @_ZGV\w+_{name}\(", k.library.optimized), name
    xs, ys = rng.uniform(-3, 3, 1001), rng.uniform(-3, 3, 1001)   # odd: scalar tail too
    np.testing.assert_allclose(k(xs, ys)[0], np.sin(xs) * np.exp(-ys) + np.arctan2(ys, xs) ** 2,
                               rtol=1e-12, atol=1e-13)


def test_reduction_matrix_sparse_and_out(rng):
    xs, ys = rng.uniform(0.2, 0.9, (5, 1)), rng.uniform(1.1, 2.0, (1, 4))
    total = codegen.build_function([x * y, sp.sin(x) + y], [x, y], backend="llvm", reduce="sum")
    np.testing.assert_allclose(total(xs, ys), [np.sum(xs * ys), np.sum(np.sin(xs) + ys)],
                               rtol=1e-13)
    m = codegen.build_function(sp.Matrix([[x, y], [x * y, x - y]]), [x, y], backend="llvm")
    out = np.empty((2, 2, 5, 4), order="F")                 # not C-contiguous: copied back
    assert m(xs, ys, out=out) is out
    np.testing.assert_allclose(out[1, 0], xs * ys, rtol=1e-15)
    s = codegen.build_function(sp.SparseMatrix([[x, 0], [0, x * y]]), [x, y], backend="llvm")
    assert s.pattern.rows.tolist() == [0, 1]
    np.testing.assert_allclose(s(2.0, 3.0), [2.0, 6.0])


def test_read_only_and_empty_inputs():
    k = codegen.build_function([x * y + 1], [x, y], backend="llvm")
    xs = np.arange(6.0)
    xs.flags.writeable = False
    np.testing.assert_array_equal(k(xs, np.broadcast_to(2.0, (6,)))[0], 2 * np.arange(6.0) + 1)
    assert k(np.zeros(0), np.zeros(0)).shape == (1, 0)


def test_unsupported_function_names_function_and_backend():
    with pytest.raises(NotImplementedError, match=r"llvm.*besselj"):
        codegen.build_function([sp.besselj(0, x) + y], [x, y], backend="llvm")
    with pytest.raises(NotImplementedError, match="llvm.*complex"):
        codegen.build_function([sp.I * x], [x], backend="llvm")


def test_call_time_errors():
    k = codegen.build_function([x + y], [x, y], backend="llvm")
    with pytest.raises(TypeError, match=r"2 argument"):
        k(np.ones(3))
    with pytest.raises(ValueError, match="broadcast"):
        k(np.ones(3), np.ones(4))
    k32 = codegen.build_function([x + y], [x, y], backend="llvm", dtype=np.float32)
    with pytest.raises(TypeError, match="float64.*float32"):
        k32(np.ones(3), np.ones(3))


def _cc():
    return shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")


UNSAFE = ["x); import os; (", "double", "int", "lambda", "_out", "sin"]


@pytest.mark.skipif(_cc() is None, reason="no C compiler")
def test_c_program_against_header_and_library(tmp_path, rng):
    """Unsafe names are mangled; a C program links the .so (and the .o) and matches NumPy."""
    syms = [sp.Symbol(n) for n in UNSAFE]
    a, b, c, d, e, f = syms
    exprs = [sp.sin(a) * sp.exp(-b ** 2) + c, sp.atan2(d, e) * f ** 3, sp.erf(a * f)]
    k = codegen.build_function(exprs, syms, backend="llvm")
    paths = k.write(tmp_path / "kernels")
    assert sorted(p.name for p in paths) == ["kernels.h", "kernels.o", "kernels.so"]
    header = (tmp_path / "kernels.h").read_text()
    proto = re.search(r"void kernel\((.*)\);", header).group(1)
    names = [p.split()[-1] for p in proto.split(",")]
    assert all(re.fullmatch(r"[A-Za-z_]\w*", n) for n in names)
    assert not {"double", "int", "sin", "lambda"} & set(names)
    n = 5
    vals = rng.uniform(0.1, 1.0, (6, n))
    rows = "\n".join(f"  double a{j}[{n}] = {{{', '.join(repr(float(v)) for v in vals[j])}}};"
                     for j in range(6))
    (tmp_path / "main.c").write_text(
        f'#include <stdio.h>\n#include "kernels.h"\nint main(void) {{\n{rows}\n'
        f"  double out[3 * {n}];\n  kernel(a0, a1, a2, a3, a4, a5, {n}, out);\n"
        f'  for (int i = 0; i < 3 * {n}; i++) printf("%.17g\\n", out[i]);\n  return 0;\n}}\n')
    want = k(*vals).ravel()
    np.testing.assert_allclose(want, np.array([np.sin(vals[0]) * np.exp(-vals[1] ** 2) + vals[2],
                                      np.arctan2(vals[3], vals[4]) * vals[5] ** 3,
                                      sc.erf(vals[0] * vals[5])]).ravel(), rtol=1e-14)
    for link in (["kernels.so", f"-Wl,-rpath,{tmp_path}"], ["kernels.o"]):
        subprocess.run([_cc(), "-std=c99", "-Wall", "-Werror", "-o", "main", "main.c", *link,
                        *k.library.libraries], cwd=tmp_path, check=True, capture_output=True)
        run = subprocess.run([str(tmp_path / "main")], capture_output=True, text=True, check=True)
        got = np.array([float(v) for v in run.stdout.split()])
        np.testing.assert_allclose(got, want, rtol=1e-15)


@pytest.mark.parametrize("name", ["codegen.llvm.function", "codegen.llvm.names",
                                  "codegen.llvm.expr", "codegen.llvm.emit", "codegen.llvm.native",
                                  "codegen.llvm.vecmath", "codegen.llvm.nlp",
                                  "codegen.llvm.module", "codegen.llvm.cache"])
def test_docstring_examples(name):
    failures, tried = doctest.testmod(importlib.import_module(name),
                                      optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0


def test_cache_reuses_verified_object_code_and_rebuilds_corrupt_entries(tmp_path, monkeypatch,
                                                                         rng):
    import codegen.llvm.function as llvm_function
    monkeypatch.setenv("SYMPILE_CACHE_DIR", str(tmp_path))
    exprs = [sp.sin(x) * sp.exp(-y) + sp.atan2(y, x), x ** 3 * y]
    xs, ys = rng.uniform(0.2, 0.9, 33), rng.uniform(1.1, 2.0, 33)
    want = codegen.build_function(exprs, [x, y], backend="llvm")(xs, ys)
    obj, = tmp_path.glob("llvm_*.o")
    record, = tmp_path.glob("llvm_*.json")

    def no_compile(spec):
        raise AssertionError("compiled although the cache holds this kernel")
    with monkeypatch.context() as m:
        m.setattr(llvm_function, "_compile", no_compile)
        cached = codegen.build_function(exprs, [x, y], backend="llvm")
    np.testing.assert_array_equal(cached(xs, ys), want)
    assert "kernel" in cached.source and cached.library.optimized

    for damage in (lambda: obj.write_bytes(obj.read_bytes()[:100]),       # truncated
                   lambda: obj.write_bytes(b"\0" * obj.stat().st_size),    # overwritten
                   lambda: record.write_text("{not json")):
        damage()
        rebuilt = codegen.build_function(exprs, [x, y], backend="llvm")
        np.testing.assert_array_equal(rebuilt(xs, ys), want)
    with monkeypatch.context() as m:     # the rebuild repaired the entry
        m.setattr(llvm_function, "_compile", no_compile)
        codegen.build_function(exprs, [x, y], backend="llvm")
