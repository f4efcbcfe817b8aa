"""NLP kernels and a PDE right-hand side on the `cuda` backend (CUDA simulator) agree with NumPy."""
import numpy as np
import pytest

from tests.cuda_sim import enable_simulator

cuda = enable_simulator()

import symbolic as sy  # noqa: E402
from codegen.cuda_kernels import emit_cuda_kernel  # noqa: E402


@pytest.fixture(scope="module")
def rosenbrock_with_ball():
    x = sy.Variable("x", shape=40)
    return sy.Problem(minimize=sy.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2),
                      subject_to=[sy.sum(x ** 2) <= 10, sy.Eq(x[0] * x[1], 0.5)])


def test_nlp_kernels_agree_with_numpy(rosenbrock_with_ball, rng):
    on_gpu = rosenbrock_with_ball.compile(backend="cuda", simplify="cse").kernels()
    ref = rosenbrock_with_ball.compile(backend="numpy", simplify="cse").kernels()
    z, v, lam = rng.uniform(-1, 1, 40), rng.uniform(-1, 1, 40), np.array([0.7, -0.3])
    for name, args in [("objective", (z,)), ("gradient", (z,)), ("constraints", (z,)),
                       ("jacobian", (z,)), ("hessian", (z, 1.3, lam)),
                       ("hvp", (z, 1.3, lam, v))]:
        got, want = np.asarray(getattr(on_gpu, name)(*args)), np.asarray(getattr(ref, name)(*args))
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=name)


def test_sums_become_atomic_partials_and_a_final_phase(rosenbrock_with_ball):
    kset = rosenbrock_with_ball.compile(backend="cuda", simplify="cse").kernel_set
    funcs, plan = emit_cuda_kernel(kset.objective)
    text = "\n".join(funcs)
    assert plan.n_acc == 1 and plan.final == "objective_final"
    assert "cuda.atomic.add(_acc, 0, _p0)" in text and "cuda.gridsize(1)" in text


def test_hs071_solves_on_the_cuda_backend():
    """HS071: min x0 x3 (x0 + x1 + x2) + x2, known optimum 17.0140173."""
    x = sy.Variable("x", shape=4, lower=1, upper=5)
    problem = sy.Problem(minimize=x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2],
                         subject_to=[x[0] * x[1] * x[2] * x[3] >= 25,
                                     sy.Eq(sy.sum(x ** 2), 40)])
    res = problem.compile(backend="cuda", simplify="cse").solve(x0=np.array([1.0, 5, 5, 1]))
    assert res.status == "optimal" and abs(res.objective - 17.0140173) < 1e-6


def test_pde_right_hand_side_runs_on_the_cuda_backend():
    t, x = sy.symbols("t x", real=True)
    dom = sy.Domain(x=(0, 1), points=41, periodic=False)
    u = sy.Field("u", dom)
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2) + u ** 2 * sy.sin(x)),
                 initial={u: sy.sin(sy.pi * x)}, bcs=[sy.Eq(u.at(x=0), 0), sy.Eq(u.at(x=1), 0)],
                 monitors={"mass": sy.integral(u)})
    sims = {b: pde.compile(backend=b, discretization="finite_difference")
            for b in ("cuda", "numpy")}
    y = np.random.default_rng(3).uniform(-1, 1, sims["numpy"].initial_state().size)
    np.testing.assert_allclose(sims["cuda"].rhs(0.1, y), sims["numpy"].rhs(0.1, y), rtol=1e-13,
                               atol=1e-13)
    jc, jn = sims["cuda"].jacobian(0.1, y), sims["numpy"].jacobian(0.1, y)
    assert abs(jc - jn).max() < 1e-12 and jn.nnz > 0


def test_spectral_pde_on_cuda_is_refused_clearly():
    t, x = sy.symbols("t x", real=True)
    dom = sy.Domain(x=(0, 1), points=16, periodic=True)
    u = sy.Field("u", dom)
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)), initial={u: sy.sin(2 * sy.pi * x)})
    with pytest.raises(NotImplementedError, match="backend 'cuda' runs finite-difference"):
        pde.compile(backend="cuda", discretization="spectral")


@pytest.mark.slow
def test_emitted_cuda_module_runs_without_sympile(tmp_path):
    """`sympile emit --backend cuda` writes phase kernels that launch with numba.cuda alone."""
    import os
    import subprocess
    import sys
    import textwrap
    from codegen.cli import main
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = tmp_path / "hs071_cuda.py"
    assert main(["emit", os.path.join(root, "examples", "nlp", "hs071.py"), "--backend", "cuda",
                 "-o", str(out)]) == 0
    script = textwrap.dedent("""
        import importlib.util, sys
        for name in ("symbolic", "codegen", "runtime", "sympy"):
            sys.modules[name] = None
        import numpy as np
        from numba import cuda
        spec = importlib.util.spec_from_file_location("kernels", sys.argv[1])
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        z = cuda.to_device(np.array([1.0, 5.0, 5.0, 1.0]))
        acc, res = cuda.to_device(np.zeros(1)), cuda.to_device(np.zeros(1))
        mod.objective_final[1, 1](z, z[0:4], acc, res)
        print(res.copy_to_host()[0])
    """)
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}
    res = subprocess.run([sys.executable, "-c", script, str(out)], env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert float(res.stdout) == 16.0          # x0 x3 (x0 + x1 + x2) + x2 at (1, 5, 5, 1)
