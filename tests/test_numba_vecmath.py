"""Numba kernels call glibc's libmvec SIMD math (codegen/numba_vecmath.py): the vector variants
are in the machine code, values agree with NumPy, the on-disk cache and standalone files work,
and SYMPILE_NUMBA_LIBMVEC=0 or a machine without libmvec gives scalar math."""
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import codegen
import symbolic as sy
from codegen import numba_vecmath
from codegen.llvm.vecmath import vector_isas

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
needs_libmvec = pytest.mark.skipif(not numba_vecmath.enabled(),
                                   reason="no libmvec on this machine (or opted out)")
x, y = sy.symbols("x y", real=True)
#: every function the printer maps, with its NumPy reference
EXPRS = [sy.sin(x) + sy.cos(y) * sy.tan(x), sy.asin(x) + sy.acos(x) * sy.atan(y),
         sy.atan2(y, x - 0.5), sy.sinh(x) * sy.cosh(y) - sy.tanh(x * y),
         sy.asinh(x) + sy.acosh(y) + sy.atanh(x / 2), sy.exp(-x) * sy.log(y) + sy.log(1 + x, 2),
         sy.log(y, 10) + x ** y + y ** 2.5 + x ** sy.Rational(1, 3), sy.erf(x) + sy.erfc(y),
         sy.sin(2) * x + sy.exp(3) * y]


def reference(xs, ys):
    from scipy.special import erf, erfc
    return np.array([np.sin(xs) + np.cos(ys) * np.tan(xs),
                     np.arcsin(xs) + np.arccos(xs) * np.arctan(ys),
                     np.arctan2(ys, xs - 0.5),
                     np.sinh(xs) * np.cosh(ys) - np.tanh(xs * ys),
                     np.arcsinh(xs) + np.arccosh(ys) + np.arctanh(xs / 2),
                     np.exp(-xs) * np.log(ys) + np.log2(1 + xs),
                     np.log10(ys) + xs ** ys + ys ** 2.5 + np.cbrt(xs), erf(xs) + erfc(ys),
                     np.sin(2) * xs + np.exp(3) * ys])


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty cache: numba compiles (and can show machine code) instead of loading."""
    monkeypatch.setenv("SYMPILE_CACHE_DIR", str(tmp_path))
    return tmp_path


def vector_calls(dispatcher) -> set[str]:
    return {name for sig in dispatcher.signatures
            for name in re.findall(r"_ZGV\w+", dispatcher.inspect_asm(sig))}


@needs_libmvec
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_kernels_call_libmvec_and_agree_with_numpy(fresh_cache, rng, dtype, tol):
    """Three kernels of three expressions (with more outputs numba's loop needs more runtime
    alias checks than LLVM allows and stays scalar, libmvec or not)."""
    xs, ys = rng.uniform(0.2, 0.9, 1001), rng.uniform(1.1, 2.0, 1001)   # odd: remainder loop
    want = reference(xs, ys)
    calls = set()
    for rows in (slice(0, 3), slice(3, 6), slice(6, 9)):
        k = codegen.build_function(EXPRS[rows], [x, y], backend="numba", dtype=dtype)
        assert "math." not in k.source.split("def kernel")[1]
        calls |= vector_calls(k.module.kernel)
        got = k(xs.astype(dtype), ys.astype(dtype))
        assert got.dtype == dtype
        assert np.max(np.abs(got - want[rows]) / (1 + np.abs(want[rows]))) < tol
    suffix = "f" if dtype == np.float32 else ""
    widest = vector_isas()[max(vector_isas())]     # the main loop: AVX-512 where the CPU has it
    for f in ("sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
              "asinh", "acosh", "atanh", "exp", "log", "pow", "erf", "erfc"):
        assert any(c.startswith(f"_ZGV{widest}") and c.endswith(f"_{f}{suffix}")
                   for c in calls), f"{f}{suffix} not vectorized at full width: {sorted(calls)}"


def test_divisions_vectorize_and_divide_by_zero_like_numpy(fresh_cache):
    """Kernels use numba's numpy error model: no zero-divisor check to keep the loop scalar,
    and 1/0 is inf (as in NumPy and the llvm backend), not ZeroDivisionError."""
    k = codegen.build_function([x / y, x ** -3], [x, y], backend="numba")
    asm = k.module.kernel.inspect_asm(k.module.kernel.signatures[0])
    assert re.search(r"vdivpd\s+[^\n]*%[yz]mm", asm)
    got = k(np.array([1.0, 0.0, 2.0]), np.array([0.0, 2.0, 4.0]))
    assert got.tolist() == [[np.inf, 0.0, 0.5], [1.0, np.inf, 0.125]]


def test_opt_out_and_complex_kernels_use_scalar_math(fresh_cache, monkeypatch, rng):
    """SYMPILE_NUMBA_LIBMVEC=0 emits math calls (a new cache entry, not the SIMD one); complex
    kernels never get the helper."""
    first = codegen.build_function(EXPRS[:2], [x, y], backend="numba")
    monkeypatch.setenv(numba_vecmath.OPT_OUT, "0")
    k = codegen.build_function(EXPRS[:2], [x, y], backend="numba")
    assert "_vm_" not in k.source and "math.sin(" in k.source
    assert k.module is not first.module and not vector_calls(k.module.kernel)
    xs, ys = rng.uniform(0.2, 0.9, 50), rng.uniform(1.1, 2.0, 50)
    assert np.allclose(k(xs, ys), first(xs, ys), rtol=1e-12, atol=0)
    monkeypatch.delenv(numba_vecmath.OPT_OUT)
    c = codegen.build_function([sy.exp(sy.I * x) * sy.sin(y)], [x, y], backend="numba")
    assert "_vm_" not in c.source
    assert np.allclose(c(xs, ys)[0], np.exp(1j * xs) * np.sin(ys), rtol=1e-12)


def test_bad_argument_types_are_refused_by_numba():
    """The intrinsics take real numbers only: a complex argument is a typing error."""
    helper = numba_vecmath.helper_source("y = _vm_sin(x)")
    namespace = {}
    exec(compile("import math\nimport numba\n" + helper + textwrap.dedent("""
        @numba.njit
        def f(z):
            return _vm_sin(z)
        """), "<test>", "exec"), namespace)
    assert namespace["f"](0.5) == pytest.approx(np.sin(0.5), rel=1e-15)
    assert namespace["f"](2) == pytest.approx(np.sin(2.0), rel=1e-15)
    if namespace["_VM_ON"]:
        import numba
        with pytest.raises(numba.core.errors.TypingError):
            namespace["f"](1j)


@needs_libmvec
def test_nlp_gradient_kernel_vectorizes(fresh_cache):
    """The gradient of sum(exp(sin(v))) is exp(sin(v)) cos(v), an element-wise SIMD loop."""
    v = sy.Variable("v", shape=1000)
    solver = sy.Problem(minimize=sy.sum(sy.exp(sy.sin(v)))).compile(backend="numba")
    assert "_vm_sin(" in solver.source and "_vm_exp(" in solver.source
    z = np.linspace(-3, 3, 1000)
    kernels = solver.kernels()
    assert np.allclose(kernels.gradient(z), np.exp(np.sin(z)) * np.cos(z), rtol=1e-12)
    assert kernels.objective(z) == pytest.approx(np.exp(np.sin(z)).sum(), rel=1e-12)
    calls = vector_calls(solver.module.gradient)
    assert any(c.endswith("_sin") for c in calls) and any(c.endswith("_exp") for c in calls)


@needs_libmvec
def test_pde_rhs_kernel_vectorizes(fresh_cache):
    """u_t = u_xx - sin(u) by finite differences: the right-hand side calls _vm_sin, runs SIMD
    and equals the discrete formula."""
    t, s = sy.symbols("t s", real=True)
    dom = sy.Domain(s=(0, 1), points=64, periodic=True)
    u = sy.Field("u", dom)
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(s, 2) - sy.sin(u)), initial={u: sy.cos(2 * sy.pi * s)})
    sim = pde.compile(backend="numba", discretization="finite_difference", order=2)
    assert "_vm_sin(" in sim.source
    y = np.cos(2 * np.pi * dom.grid()[0]) + 0.3
    h = 1 / 64
    want = (np.roll(y, 1) - 2 * y + np.roll(y, -1)) / h ** 2 - np.sin(y)
    assert np.allclose(sim.rhs(0.0, y), want, rtol=1e-12, atol=1e-9)
    assert any(c.endswith("_sin") for c in vector_calls(sim.module.rhs))


RUN_STANDALONE = textwrap.dedent("""
    import importlib.util, sys
    import llvmlite.binding
    for name in ("symbolic", "codegen", "runtime", "sympy"):
        sys.modules[name] = None          # importing any of them now fails
    if sys.argv[2] == "no-libmvec":       # a machine without libmvec: loading it fails
        def load(name):
            raise RuntimeError(name + ": cannot open shared object file")
        llvmlite.binding.load_library_permanently = load
    spec = importlib.util.spec_from_file_location("kernels", sys.argv[1])
    mod = importlib.util.module_from_spec(spec)
    sys.modules["kernels"] = mod
    spec.loader.exec_module(mod)
    import numpy as np
    xs, ys = np.linspace(0.2, 0.9, 101), np.linspace(1.1, 2.0, 101)
    out = np.empty((2, 101))
    mod.kernel(xs, ys, 101, out)
    err = np.abs(out - [np.sin(xs) * np.exp(ys), xs ** ys]).max()
    print(mod._VM_ON, err, sum(mod.kernel.stats.cache_hits.values()))
""")


@needs_libmvec
def test_standalone_file_runs_without_sympile_with_and_without_libmvec(fresh_cache, tmp_path):
    """k.write() output imports no sympile module; SIMD where libmvec is, scalar where not;
    a second process loads numba's cached machine code for the file."""
    k = codegen.build_function([sy.sin(x) * sy.exp(y), x ** y], [x, y], backend="numba")
    path = k.write(tmp_path / "kernels.py")
    assert "sympile.vm.sin" in path.read_text() and "libmvec" in path.read_text()
    runs = [subprocess.run([sys.executable, "-c", RUN_STANDALONE, str(path), mode],
                           capture_output=True, text=True, timeout=300, cwd=tmp_path)
            for mode in ("libmvec", "libmvec", "no-libmvec")]
    for r in runs:
        assert r.returncode == 0, r.stderr
    (on1, err1, hits1), (on2, err2, hits2), (on3, err3, _) = (r.stdout.split() for r in runs)
    assert (on1, on2, on3) == ("True", "True", "False")
    assert max(float(err1), float(err2), float(err3)) < 1e-13
    assert (hits1, hits2) == ("0", "1")


EMITTED_PROBLEM = textwrap.dedent("""
    import symbolic as sy
    v = sy.Variable("v", shape=64)
    problem = sy.Problem(minimize=sy.sum(sy.exp(sy.sin(v))))
""")
RUN_EMITTED = textwrap.dedent("""
    import importlib.util, sys
    for name in ("symbolic", "codegen", "runtime", "sympy"):
        sys.modules[name] = None
    spec = importlib.util.spec_from_file_location("kernels", sys.argv[1])
    mod = importlib.util.module_from_spec(spec)
    sys.modules["kernels"] = mod
    spec.loader.exec_module(mod)
    import numpy as np
    z = np.linspace(-3, 3, 64)
    g = np.asarray(mod.gradient(z))
    print(mod._VM_ON, np.abs(g - np.exp(np.sin(z)) * np.cos(z)).max())
""")


@needs_libmvec
def test_sympile_emit_numba_module_runs_without_sympile(tmp_path):
    """`sympile emit --backend numba`: the NLP kernels' module carries the helper, imports no
    sympile module and computes the gradient exp(sin v) cos v."""
    from codegen.cli import main
    problem, out = tmp_path / "problem.py", tmp_path / "kernels.py"
    problem.write_text(EMITTED_PROBLEM)
    assert main(["emit", str(problem), "--backend", "numba", "-o", str(out)]) == 0
    assert "_vm_sin(" in out.read_text()
    res = subprocess.run([sys.executable, "-c", RUN_EMITTED, str(out)], capture_output=True,
                         text=True, timeout=300, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    on, err = res.stdout.split()
    assert on == "True" and float(err) < 1e-13


CACHED_KERNEL = textwrap.dedent("""
    import numpy as np, symbolic as sy, codegen
    x, y = sy.symbols("x y")
    k = codegen.build_function([sy.sin(x) * sy.exp(y), sy.atan2(x, y)], [x, y], backend="numba")
    xs, ys = np.linspace(0.2, 0.9, 99), np.linspace(1.1, 2.0, 99)
    err = np.abs(k(xs, ys) - [np.sin(xs) * np.exp(ys), np.arctan2(xs, ys)]).max()
    print("_vm_sin(" in k.source, sum(k.module.kernel.stats.cache_hits.values()), err)
""")


def test_second_process_gets_cache_hit_and_right_values(fresh_cache):
    env = {**os.environ, "SYMPILE_CACHE_DIR": str(fresh_cache)}
    first, second = (subprocess.run([sys.executable, "-c", CACHED_KERNEL], env=env, cwd=ROOT,
                                    capture_output=True, text=True, timeout=300)
                     for _ in range(2))
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    (vm1, hits1, err1), (vm2, hits2, err2) = first.stdout.split(), second.stdout.split()
    assert vm1 == vm2 == str(numba_vecmath.enabled())
    assert (hits1, hits2) == ("0", "1")
    assert float(err1) < 1e-14 and float(err2) < 1e-14


@needs_libmvec
def test_gamma_and_loggamma_call_scipy_and_fall_back_to_math(monkeypatch):
    """gamma and loggamma run SciPy's compiled functions (by address); where SciPy cannot be
    imported the same helper falls back to math.gamma / math.lgamma, with the same values."""
    import scipy.special as sc
    x = sy.Symbol("x")
    k = codegen.build_function([sy.gamma(x), sy.loggamma(x)], [x], backend="numba")
    assert "_sp_gamma(" in k.source and "_sp_lgamma(" in k.source
    z = np.concatenate([np.random.default_rng(5).uniform(0.05, 30, 200), [-2.5, -0.5, 3.5]])
    out = k(z)
    assert np.allclose(out[0], sc.gamma(z), rtol=1e-14, atol=0)
    assert np.allclose(out[1], sc.gammaln(z), rtol=1e-14, atol=1e-15)
    body = "y = _sp_gamma(x) + _sp_lgamma(x)"
    for blocked in (False, True):
        if blocked:
            for name in ("scipy", "scipy.special", "scipy.special.cython_special"):
                monkeypatch.setitem(sys.modules, name, None)
        namespace = {}
        exec(compile("import math\nimport numba\n" + numba_vecmath.helper_source(body)
                     + textwrap.dedent("""
            @numba.njit
            def f(z):
                return _sp_gamma(z) + _sp_lgamma(z)
            """), "<test>", "exec"), namespace)
        assert namespace["_SP_ON"] is not blocked
        assert namespace["f"](4.5) == pytest.approx(sc.gamma(4.5) + sc.gammaln(4.5), rel=1e-14)
