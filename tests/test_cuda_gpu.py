"""The `cuda` backend on a real NVIDIA GPU; skipped where there is none.

The checks run in a subprocess without NUMBA_ENABLE_CUDASIM, because tests/test_cuda_simulator.py
switches this process's numba.cuda to the simulator.
"""
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _gpu_present() -> bool:
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return False
    try:
        res = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return res.returncode == 0 and "GPU" in res.stdout


pytestmark = pytest.mark.skipif(not _gpu_present(), reason="no NVIDIA GPU on this machine")

GPU_CHECKS = textwrap.dedent("""
    import numpy as np, codegen
    from numba import cuda
    from codegen.cuda_launch import simulator_enabled
    from tests.function_suite import SUITE, x, y
    assert cuda.is_available() and not simulator_enabled()
    rng = np.random.default_rng(0)
    n = 1_000_003
    xs, ys = rng.uniform(0.2, 0.9, n), rng.uniform(1.1, 2.0, n)
    for dtype, tol in [(np.float64, 1e-12), (np.float32, 1e-5)]:
        k = codegen.build_function([e for _, e, _ in SUITE], [x, y], backend="cuda", dtype=dtype)
        got = k(xs.astype(dtype), ys.astype(dtype))
        for row, (name, _, ref) in zip(got, SUITE):
            want = ref(xs, ys)
            err = np.max(np.abs(row - want) / (1 + np.abs(want)))
            assert err < tol, (name, dtype, err)
    k = codegen.build_function([x * y, x + y], [x, y], backend="cuda", reduce="sum")
    dx = cuda.to_device(xs)
    d = k(dx, cuda.to_device(ys))
    assert cuda.devicearray.is_cuda_ndarray(d)
    np.testing.assert_allclose(d.copy_to_host(), [np.sum(xs * ys), np.sum(xs + ys)], rtol=1e-10)
    kernel, blocks, threads = k._launch.config((dx, 1, dx, 1, np.int64(n), cuda.device_array(2)), n)
    dev = cuda.get_current_device()
    assert threads % 32 == 0 and 1 <= blocks <= dev.MULTIPROCESSOR_COUNT * 64
    import symbolic as sy
    xv = sy.Variable("x", shape=10_000)
    problem = sy.Problem(minimize=sy.sum(100 * (xv[1:] - xv[:-1] ** 2) ** 2 + (1 - xv[:-1]) ** 2),
                         subject_to=[sy.sum(xv ** 2) <= 10])
    on_gpu = problem.compile(backend="cuda", simplify="cse").kernels()
    ref = problem.compile(backend="numpy", simplify="cse").kernels()
    z, lam = rng.uniform(-1, 1, 10_000), np.array([0.7])
    for name, args in [("objective", (z,)), ("gradient", (z,)), ("hvp", (z, 1.0, lam, z))]:
        np.testing.assert_allclose(getattr(on_gpu, name)(*args), getattr(ref, name)(*args),
                                   rtol=1e-11, err_msg=name)
    print("GPU-OK", blocks, threads)
""")


def test_cuda_backend_on_the_gpu(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    env["SYMPILE_CACHE_DIR"] = str(tmp_path)
    res = subprocess.run([sys.executable, "-c", GPU_CHECKS], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0 and "GPU-OK" in res.stdout, res.stdout + res.stderr
