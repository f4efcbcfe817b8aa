"""`build_function` on every backend agrees with NumPy evaluated directly."""
import os
import re

import numpy as np
import pytest
import sympy

import codegen
import symbolic as sy
from tests.function_suite import SUITE, x as sx, y as sy_

x, y = sy.symbols("x y", real=True)
EXPRS = [sy.sin(x) * sy.exp(-y ** 2), x ** 2 * y, sy.log(1 + sy.exp(x)) / (1 + y ** 2),
         sy.sqrt(x ** 2 + y ** 2) + sy.atan2(y, x) + sy.tanh(x * y) + sy.cos(x) ** 3]
BACKENDS = ["numpy", "numba", "jax"]


def reference(xs, ys):
    return np.array([np.sin(xs) * np.exp(-ys ** 2), xs ** 2 * ys,
                     np.log(1 + np.exp(xs)) / (1 + ys ** 2),
                     np.hypot(xs, ys) + np.arctan2(ys, xs) + np.tanh(xs * ys) + np.cos(xs) ** 3])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_function_suite_agrees_with_numpy(backend, dtype, tol, rng):
    """One kernel holding every supported function, in both precisions."""
    k = codegen.build_function([e for _, e, _ in SUITE], [sx, sy_], backend=backend, dtype=dtype)
    xs, ys = rng.uniform(0.2, 0.9, 200), rng.uniform(1.1, 2.0, 200)
    got = np.asarray(k(xs.astype(dtype), ys.astype(dtype)))
    assert got.dtype == dtype and "def kernel" in k.source
    for row, (name, _, ref) in zip(got, SUITE):
        want = ref(xs, ys)
        err = np.max(np.abs(row - want) / (1 + np.abs(want)))
        assert err < tol, f"{backend} {np.dtype(dtype).name} {name}: error {err:.2e}"


def test_float32_kernel_computes_in_float32(tmp_path, monkeypatch):
    """Numba would promote float32 * 2.0 to float64; the kernel's machine code has no double."""
    monkeypatch.setenv("SYMPILE_CACHE_DIR", str(tmp_path))     # fresh: numba inspects new code
    z = sy.Symbol("z_float32_check")
    k = codegen.build_function([2.5 * sy.sin(z) + sy.pi * z ** 3 + 1 / z], [z], backend="numba",
                               dtype=np.float32)
    llvm = "\n".join(k.module.kernel.inspect_llvm().values())
    assert " float " in llvm and not re.search(r"\bdouble\b", llvm)


@pytest.mark.parametrize("backend", BACKENDS)
def test_reduction_sums_over_elements(backend, rng):
    k = codegen.build_function(EXPRS, [x, y], backend=backend, reduce="sum")
    xs, ys = rng.uniform(-2, 2, (7, 1)), rng.uniform(-2, 2, (1, 9))
    want = reference(xs + 0 * ys, ys + 0 * xs).sum(axis=(1, 2))
    np.testing.assert_allclose(np.asarray(k(xs, ys)), want, rtol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_out_in_place_and_broadcasting(backend, rng):
    k = codegen.build_function(EXPRS, [x, y], backend=backend, dtype=np.float32)
    xs = rng.uniform(-2, 2, (3, 1)).astype(np.float32)
    ys = rng.uniform(-2, 2, (1, 4)).astype(np.float32)
    out = np.empty((4, 3, 4), dtype=np.float32)
    assert k(xs, ys, out=out) is out
    np.testing.assert_allclose(out, reference(xs + 0 * ys, ys + 0 * xs), rtol=1e-5, atol=1e-6)
    strided = np.empty((4, 3, 8), dtype=np.float32)[:, :, ::2]       # not contiguous: still filled
    assert k(xs, ys, out=strided) is strided
    np.testing.assert_array_equal(strided, out)


@pytest.mark.parametrize("backend", BACKENDS)
def test_matrix_and_sparse_outputs(backend, rng):
    dense = sympy.Matrix([[x * y, sy.sin(x)], [0, y ** 2]])
    k = codegen.build_function(dense, [x, y], backend=backend)
    xs, ys = rng.uniform(-1, 1, 5), rng.uniform(-1, 1, 5)
    got = np.asarray(k(xs, ys))
    assert got.shape == (2, 2, 5)
    np.testing.assert_allclose(got[0, 1], np.sin(xs), rtol=1e-14)
    np.testing.assert_array_equal(got[1, 0], 0.0)
    sparse = sympy.SparseMatrix(3, 3, {(2, 0): x * y, (0, 1): sy.exp(y), (1, 1): x - y})
    s = codegen.build_function(sparse, [x, y], backend=backend)
    assert s.pattern.rows.tolist() == [0, 1, 2] and s.pattern.cols.tolist() == [1, 1, 0]
    assert s.pattern.shape == (3, 3)
    values = np.asarray(s(xs, ys))
    np.testing.assert_allclose(values, [np.exp(ys), xs - ys, xs * ys], rtol=1e-14)
    full = np.zeros((3, 3, 5))
    full[s.pattern.rows, s.pattern.cols] = values
    np.testing.assert_allclose(full[2, 0], xs * ys)


@pytest.mark.parametrize("backend", BACKENDS)
def test_complex_when_the_expression_needs_it(backend, rng):
    k = codegen.build_function([sy.exp(sy.I * x) * y, sy.sqrt(x - 2), sy.Abs(x + sy.I * y)],
                               [x, y], backend=backend)
    assert k.dtype == np.complex128
    xs, ys = rng.uniform(0, 1, 6), rng.uniform(0, 1, 6)
    want = [np.exp(1j * xs) * ys, np.sqrt(xs - 2 + 0j), np.abs(xs + 1j * ys)]
    np.testing.assert_allclose(np.asarray(k(xs, ys)), want, rtol=1e-13)
    c = codegen.build_function([x * y], [x, y], backend=backend, dtype=np.complex128)
    np.testing.assert_allclose(np.asarray(c(xs + 1j, ys)), [(xs + 1j) * ys], rtol=1e-14)


def test_jax_kernel_is_differentiable_and_vmappable():
    import jax
    import jax.numpy as jnp
    k = codegen.build_function([sy.sin(x) * y], [x, y], backend="jax")
    grad = jax.grad(lambda a: k(a, 2.0)[0])(0.3)
    assert abs(float(grad) - 2.0 * np.cos(0.3)) < 1e-14
    batched = jax.vmap(lambda a: k(a, jnp.array([1.0, 2.0])))(jnp.array([0.1, 0.2, 0.3]))
    assert batched.shape == (3, 1, 2)
    np.testing.assert_allclose(batched[2, 0, 1], 2 * np.sin(0.3), rtol=1e-14)


def test_symbols_missing_from_args_are_named():
    with pytest.raises(ValueError, match="not in args: y"):
        codegen.build_function([x * y], args=[x])


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_calls_get_clear_errors(backend):
    k = codegen.build_function([x * y], [x, y], backend=backend)
    with pytest.raises(TypeError, match=r"takes 2 argument\(s\) \(x, y\), got 1"):
        k(np.ones(3))
    with pytest.raises(ValueError, match=r"do not broadcast: x \(3,\), y \(4,\)"):
        k(np.ones(3), np.ones(4))
    with pytest.raises(TypeError, match="argument x has dtype complex128 but the kernel was "
                                        "built for float64"):
        k(np.ones(3) + 1j, np.ones(3))
    k32 = codegen.build_function([x * y], [x, y], backend=backend, dtype=np.float32)
    with pytest.raises(TypeError, match="argument y has dtype float64 but the kernel was built "
                                        "for float32"):
        k32(np.ones(3, np.float32), np.ones(3))
    if backend != "jax":
        with pytest.raises(ValueError, match=r"out has shape \(2, 3\).*needs shape \(1, 3\)"):
            k(np.ones(3), np.ones(3), out=np.empty((2, 3)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_function_a_backend_cannot_express_is_named(backend):
    with pytest.raises(NotImplementedError, match=f"backend '{backend}' cannot express the "
                                                  "function besselj"):
        codegen.build_function([x + sy.besselj(0, x)], [x], backend=backend)
    with pytest.raises(NotImplementedError, match=f"backend '{backend}' cannot express the "
                                                  "function f"):
        codegen.build_function([sy.Function("f")(x)], [x], backend=backend)


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="unknown backend 'fortran'"):
        codegen.build_function([x], [x], backend="fortran")
    with pytest.raises(ValueError, match="dtype int64 is not supported"):
        codegen.build_function([x], [x], dtype=np.int64)
    with pytest.raises(ValueError, match="reduce='max' is not supported"):
        codegen.build_function([x], [x], reduce="max")
    with pytest.raises(TypeError, match="args must be SymPy symbols"):
        codegen.build_function([x], ["x"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_hostile_symbol_names_are_mangled(backend, tmp_path):
    """Names that are keywords, builtins, generated names or code cannot break or inject."""
    marker = tmp_path / "injected"
    evil = sy.Symbol(f"x); open({str(marker)!r}, 'w'); (")
    names = [evil, sy.Symbol("lambda"), sy.Symbol("min"), sy.Symbol("_out"), sy.Symbol("_i"),
             sy.Symbol("np"), sy.Symbol(f'x y"""; open({str(marker)!r}, "w"); """')]
    expr = sum((k + 1) * s for k, s in enumerate(names)) + sy.Min(names[2], names[1])
    k = codegen.build_function([expr], names, backend=backend)
    vals = [np.full(3, float(v)) for v in range(1, 8)]
    np.testing.assert_allclose(np.asarray(k(*vals))[0], sum((i + 1) * (i + 1) for i in range(7))
                               + 2.0)
    assert not marker.exists() and "open(" not in k.source.split('"""')[-1]


def test_write_gives_the_source(tmp_path):
    k = codegen.build_function([x * y], [x, y], backend="numba")
    path = k.write(tmp_path / "kern.py")
    assert path.read_text() == k.source and os.path.getsize(path) > 0


@pytest.mark.parametrize("name", ["codegen.function", "codegen.function_spec",
                                  "codegen.printers", "codegen.cuda_function"])
def test_docstring_examples(name):
    import doctest
    import importlib
    failures, tried = doctest.testmod(importlib.import_module(name))
    assert tried > 0 and failures == 0


STANDALONE = """
import importlib.util, json, sys
import numpy as np
for name in ("symbolic", "codegen", "runtime", "sympy"):
    sys.modules[name] = None                      # importing any of them now fails
xs, ys = np.array([0.25, 0.5, 1.0]), np.array([2.0, 1.0, 3.0])
for path in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location("kernel_module", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if path.endswith("numba.py"):
        out = np.empty((2, 3))
        mod.kernel(xs, ys, 3, out)
    else:
        out = np.asarray(mod.kernel(xs, ys))
    print(json.dumps(out.tolist()))
"""


def test_written_modules_run_without_sympile(tmp_path):
    import json
    import subprocess
    import sys
    paths = []
    for backend in ("numpy", "numba"):      # jax modules: tests/test_cli_and_standalone.py
        k = codegen.build_function([sy.erf(x) * y, sy.Max(x, y) ** 2], [x, y], backend=backend)
        paths.append(str(k.write(tmp_path / f"kern_{backend}.py")))
    res = subprocess.run([sys.executable, "-c", STANDALONE, *paths], capture_output=True,
                         text=True, timeout=300, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    from scipy.special import erf
    xs, ys = np.array([0.25, 0.5, 1.0]), np.array([2.0, 1.0, 3.0])
    want = [erf(xs) * ys, np.maximum(xs, ys) ** 2]
    lines = res.stdout.split("\n")[:2]
    for line in lines:
        np.testing.assert_allclose(json.loads(line), want, rtol=1e-14)
