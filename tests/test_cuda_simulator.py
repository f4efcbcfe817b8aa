"""The `cuda` backend of `build_function`, run in numba-cuda's CUDA simulator (no GPU needed).

tests/cuda_sim.py switches numba.cuda to the simulator when pytest imports this module; a GPU
run of the same checks is tests/test_cuda_gpu.py.
"""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tests.cuda_sim import enable_simulator

cuda = enable_simulator()

import codegen  # noqa: E402
import symbolic as sy  # noqa: E402
from codegen.cuda_launch import simulator_enabled  # noqa: E402
from tests.function_suite import SUITE, x, y  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_simulator_is_on():
    assert simulator_enabled()
    assert type(cuda.to_device(np.zeros(1))).__name__ == "FakeCUDAArray"


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_function_suite_agrees_with_numpy(dtype, tol, rng):
    k = codegen.build_function([e for _, e, _ in SUITE], [x, y], backend="cuda", dtype=dtype)
    xs, ys = rng.uniform(0.2, 0.9, 50), rng.uniform(1.1, 2.0, 50)
    kernel, blocks, threads = k._launch.config((), xs.size)
    assert blocks * threads < xs.size            # the grid-stride loop covers the rest
    got = k(xs.astype(dtype), ys.astype(dtype))
    assert isinstance(got, np.ndarray) and got.dtype == dtype
    for row, (name, _, ref) in zip(got, SUITE):
        want = ref(xs, ys)
        err = np.max(np.abs(row - want) / (1 + np.abs(want)))
        assert err < tol, f"cuda {np.dtype(dtype).name} {name}: error {err:.2e}"


def test_float32_constants_are_float32():
    k = codegen.build_function([2.5 * x + sy.pi], [x], backend="cuda", dtype=np.float32)
    code = k.source.split('"""')[-1]
    assert "_c0 = numpy.float32(2.5)" in code and "2.5*x" not in code


def test_reduction_with_atomics_and_broadcast_scalar(rng):
    k = codegen.build_function([x * y, sy.exp(x) + y], [x, y], backend="cuda", reduce="sum")
    xs = rng.uniform(-1, 1, 70)
    got = k(xs, 3.0)
    np.testing.assert_allclose(got, [np.sum(3 * xs), np.sum(np.exp(xs) + 3)], rtol=1e-12)


def test_device_arrays_in_give_device_arrays_out(rng):
    k = codegen.build_function([sy.sin(x) * y, x - y], [x, y], backend="cuda")
    xs, ys = rng.uniform(-1, 1, 40), rng.uniform(-1, 1, 40)
    d = k(cuda.to_device(xs), ys)
    assert cuda.devicearray.is_cuda_ndarray(d) and d.shape == (2, 40)
    np.testing.assert_allclose(d.copy_to_host(), [np.sin(xs) * ys, xs - ys], rtol=1e-14)
    out = cuda.device_array((2, 40))
    assert k(cuda.to_device(xs), cuda.to_device(ys), out=out) is out
    np.testing.assert_allclose(out.copy_to_host()[1], xs - ys, rtol=1e-14)
    host_out = np.empty((2, 40))
    assert k(xs, ys, out=host_out) is host_out
    np.testing.assert_allclose(host_out[0], np.sin(xs) * ys, rtol=1e-14)


def test_bad_device_arguments_are_named(rng):
    k = codegen.build_function([x * y], [x, y], backend="cuda")
    with pytest.raises(ValueError, match=r"device argument y has shape \(3,\)"):
        k(np.ones((2, 3)), cuda.to_device(np.ones(3)))
    with pytest.raises(TypeError, match="device argument x has dtype float32 but the kernel "
                                        "was built for float64"):
        k(cuda.to_device(np.ones(3, np.float32)), np.ones(3))
    with pytest.raises(TypeError, match=r"takes 2 argument\(s\)"):
        k(np.ones(3))


def test_unsupported_expressions_name_the_backend():
    with pytest.raises(NotImplementedError, match="backend 'cuda' does not build complex"):
        codegen.build_function([sy.exp(sy.I * x)], [x], backend="cuda")
    with pytest.raises(NotImplementedError, match="backend 'cuda' cannot express the function "
                                                  "besselj"):
        codegen.build_function([sy.besselj(0, x)], [x], backend="cuda")


def test_hostile_symbol_names_are_mangled(tmp_path):
    marker = tmp_path / "injected"
    names = [sy.Symbol(f"x); open({str(marker)!r}, 'w'); ("), sy.Symbol("cuda"),
             sy.Symbol("_out"), sy.Symbol(f'max"""; open({str(marker)!r}, "w"); """')]
    k = codegen.build_function([sum((i + 1) * s for i, s in enumerate(names))], names,
                               backend="cuda")
    got = k(*[np.full(20, float(v)) for v in range(1, 5)])
    np.testing.assert_allclose(got[0], 1 + 4 + 9 + 16)
    assert not marker.exists()


def test_without_gpu_or_simulator_the_call_says_why(tmp_path):
    """A CUDA call on a machine with no GPU and the simulator off: a clear error, no crash."""
    script = textwrap.dedent("""
        import numpy as np, symbolic as sy, codegen
        from codegen.cuda_launch import cuda_module
        if cuda_module().is_available():
            print("GPU-PRESENT"); raise SystemExit(0)
        x = sy.Symbol("x")
        k = codegen.build_function([x * 2], [x], backend="cuda")   # building needs no GPU
        try:
            k(np.ones(3))
        except RuntimeError as exc:
            print("ERROR:", exc)
    """)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    env["SYMPILE_CACHE_DIR"] = str(tmp_path)
    res = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    if "GPU-PRESENT" in res.stdout:
        pytest.skip("a GPU is present: the no-GPU error cannot be observed here")
    assert "no usable NVIDIA GPU" in res.stdout and "NUMBA_ENABLE_CUDASIM=1" in res.stdout


def test_sparse_values_and_float32_sums(rng):
    sparse = sy.SparseMatrix(2, 3, {(1, 2): x * y, (0, 0): sy.exp(x)})
    k = codegen.build_function(sparse, [x, y], backend="cuda")
    xs, ys = rng.uniform(-1, 1, 33), rng.uniform(-1, 1, 33)
    assert k.pattern.rows.tolist() == [0, 1] and k.pattern.cols.tolist() == [0, 2]
    np.testing.assert_allclose(k(xs, ys), [np.exp(xs), xs * ys], rtol=1e-14)
    s = codegen.build_function([x * y], [x, y], backend="cuda", dtype=np.float32, reduce="sum")
    got = s(xs.astype(np.float32), ys.astype(np.float32))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, [np.sum(xs * ys)], rtol=1e-5, atol=1e-5)
