"""The kernel cache: content-hash keys, concurrent builds, corrupt entries rebuilt and never run."""
import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import codegen
import symbolic as sy
from codegen import build

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.environ.get("SYMPILE_TEST_WARM_NUMBA") == "1":    # the forkserver of the concurrency test:
    import numba                                         # set numba up once, not in each child
    numba.njit("float64(float64)")(lambda a: a + 1.0)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMPILE_CACHE_DIR", str(tmp_path))
    return tmp_path


def _fresh_build(expr, args, backend="numba"):
    """Build, forgetting any module this process already imported (forces the disk path)."""
    k = codegen.build_function([expr], args, backend=backend)
    sys.modules.pop(k.module.__name__, None)
    return k


def test_key_depends_on_source_backend_dtype_and_versions(monkeypatch):
    key = build.cache_key("def kernel(): pass\n", "numba", ["float64"])
    assert key != build.cache_key("def kernel(): pass\n", "numba", ["float32"])
    assert key != build.cache_key("def kernel(): pass\n", "numpy", ["float64"])
    assert key != build.cache_key("def kernel():  pass\n", "numba", ["float64"])
    monkeypatch.setattr(build, "_versions", lambda backend: "numba=999")
    assert key != build.cache_key("def kernel(): pass\n", "numba", ["float64"])


def test_corrupt_source_is_rewritten_and_never_executed(cache):
    x = sy.Symbol("x_corrupt_src")
    k = _fresh_build(3 * x + 1, [x], backend="numpy")
    path = cache / f"{k.module.__name__}.py"
    marker = cache / "executed"
    path.write_text(f"open({str(marker)!r}, 'w').close()\n")        # tampered entry
    again = codegen.build_function([3 * x + 1], [x], backend="numpy")
    assert not marker.exists()
    assert path.read_text() == again.source
    np.testing.assert_allclose(again(np.array([1.0, 2.0])), [[4.0, 7.0]])
    sys.modules.pop(again.module.__name__, None)
    path.write_bytes(path.read_bytes()[: len(again.source) // 2])  # truncated entry
    third = codegen.build_function([3 * x + 1], [x], backend="numpy")
    assert path.read_text() == third.source
    np.testing.assert_allclose(third(np.array([0.0])), [[1.0]])


def test_corrupt_numba_machine_code_is_not_loaded(cache):
    """Numba unpickles its cache files and crashes on bad ones: sympile deletes them first."""
    x = sy.Symbol("x_corrupt_nbc")
    k = _fresh_build(x ** 3 - x, [x])
    name = k.module.__name__
    files = sorted((cache / "__pycache__").glob(f"{name}.*"))
    assert {f.suffix for f in files} == {".nbi", ".nbc"}
    sums = json.loads((cache / f"{name}.sums.json").read_text())
    assert sorted(sums) == [f.name for f in files]
    for f in files:
        f.write_bytes(f.read_bytes()[:20])                          # truncate both
    again = _fresh_build(x ** 3 - x, [x])
    np.testing.assert_allclose(again(np.array([2.0, 3.0])), [[6.0, 24.0]])
    resealed = json.loads((cache / f"{name}.sums.json").read_text())
    for f in sorted((cache / "__pycache__").glob(f"{name}.*")):
        assert resealed[f.name] == build._digest(f)                 # fresh files, fresh sums


def test_unrecorded_machine_code_is_deleted(cache):
    x = sy.Symbol("x_unrecorded")
    k = _fresh_build(x + 2, [x])
    (cache / f"{k.module.__name__}.sums.json").unlink()
    removed = build.verify_compiled(k.module.__name__)
    assert sorted(p.rsplit(".", 1)[-1] for p in removed) == ["nbc", "nbi"]


CONCURRENT = textwrap.dedent("""
    import sys, time
    import numpy as np, symbolic as sy, codegen
    start = float(sys.argv[1])
    x, y = sy.symbols("x_concurrent y_concurrent")
    while time.time() < start:
        time.sleep(0.001)
    k = codegen.build_function([sy.sin(x) * y + x ** 2], [x, y], backend="numba")
    got = k(np.array([0.5, 1.5]), np.array([2.0, 3.0]))[0]
    print(float(abs(got - (np.sin([0.5, 1.5]) * [2.0, 3.0] + np.array([0.5, 1.5]) ** 2)).max()))
""")


@pytest.mark.slow
def test_concurrent_builds_in_fresh_interpreters(cache):
    env = {**os.environ, "SYMPILE_CACHE_DIR": str(cache)}
    start = time.time() + 6.0                       # after the imports: compile at the same time
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(start)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert float(out) < 1e-14
    sources = list(cache.glob("sympile_numba_*.py"))
    assert len(sources) == 1 and not list(cache.rglob("*.tmp"))
    sums = json.loads(next(cache.glob("*.sums.json")).read_text())
    assert sums and all(build._digest(cache / "__pycache__" / f) == s for f, s in sums.items())


def _build_at_barrier(barrier, queue):
    x, y = sy.symbols("x_forked y_forked")
    barrier.wait()
    k = codegen.build_function([sy.cos(x) / y - x ** 3], [x, y], backend="numba")
    xs, ys = np.array([0.5, 1.5]), np.array([2.0, 3.0])
    queue.put(float(np.abs(k(xs, ys)[0] - (np.cos(xs) / ys - xs ** 3)).max()))


def test_concurrent_builds_of_one_kernel(cache, monkeypatch):
    """Three processes write, compile and seal the same cache entry at the same moment.

    They fork from a server that imported sympile but not JAX (forking a JAX process is unsafe).
    """
    monkeypatch.setenv("SYMPILE_TEST_WARM_NUMBA", "1")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["numpy", "numba", "symbolic", "codegen.function",
                              "tests.test_cache"])
    barrier, queue = ctx.Barrier(3), ctx.Queue()
    procs = [ctx.Process(target=_build_at_barrier, args=(barrier, queue)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    assert all(queue.get(timeout=5) < 1e-14 for _ in procs)
    sources = list(cache.glob("sympile_numba_*.py"))
    assert len(sources) == 1 and not list(cache.rglob("*.tmp"))
    sums = json.loads(next(cache.glob("*.sums.json")).read_text())
    assert sums and all(build._digest(cache / "__pycache__" / f) == s for f, s in sums.items())


def test_cached_kernel_skips_cse_and_emission(cache):
    """A request seen before loads its verified module directly (the < 0.3 s path)."""
    x, y = sy.symbols("x_request y_request")
    first = _fresh_build(sy.sin(x) * sy.exp(y) + sy.sin(x) ** 2, [x, y])
    assert "_cse" in first.spec.__dict__                    # emitted: CSE ran
    again = codegen.build_function([sy.sin(x) * sy.exp(y) + sy.sin(x) ** 2], [x, y],
                                   backend="numba")
    assert "_cse" not in again.spec.__dict__ and again.source == first.source
    np.testing.assert_allclose(again(np.array([0.5]), np.array([1.0])),
                               [[np.sin(0.5) * np.e + np.sin(0.5) ** 2]], rtol=1e-14)
