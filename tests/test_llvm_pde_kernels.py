"""Kernel IR of a finite-difference PDE (right-hand side, Jacobian values, monitor, fields)
through `codegen.llvm.module.LLVMModule` agrees with the numpy backend's kernels."""
import numpy as np

import symbolic as sy
from codegen.llvm.module import LLVMModule

t, x = sy.symbols("t x", real=True)


def test_finite_difference_kernels_agree_with_numpy(rng):
    dom = sy.Domain(x=(-10, 10), points=21, periodic=False)
    u = sy.Field("u", dom)
    pde = sy.PDE(sy.Eq(u.diff(t, 2), u.diff(x, 2) - sy.sin(u) * sy.cos(t)),
                 initial={u: sy.sech(x), u.diff(t): 0 * x},
                 bcs=[sy.Eq(u.at(x=-10), 0), sy.Eq(u.at(x=10), 0)],
                 monitors={"energy": sy.integral(u.diff(t) ** 2 / 2 + 1 - sy.cos(u))})
    sim = pde.compile(backend="numpy", discretization="finite_difference", order=4)
    native = LLVMModule(sim.kernel_set.all())
    y = rng.standard_normal(sim.kernel_set.sd.layout.n)
    for k in sim.kernel_set.all():
        got = np.asarray(getattr(native, k.name)(y, 0.3))
        want = np.asarray(getattr(sim.module, k.name)(y, 0.3))
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13, err_msg=k.name)


def test_compile_with_llvm_runs_the_heat_equation_to_its_closed_form():
    """u_t = u_xx on [0, pi], u = 0 at both ends: sin(x) decays as exp(-t)."""
    dom = sy.Domain(x=(0, sy.pi), points=41, periodic=False)
    u = sy.Field("u", dom)
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)), initial={u: sy.sin(x)},
                 bcs=[sy.Eq(u.at(x=0), 0), sy.Eq(u.at(x=sy.pi), 0)])
    runs = {b: pde.compile(backend=b, discretization="finite_difference", order=4,
                           integrator="bdf").run(t_end=0.5, dt=1e-3, save_every=0.5)
            for b in ("llvm", "numpy")}
    grid = np.linspace(0, np.pi, 41)
    exact = np.exp(-0.5) * np.sin(grid)
    final = np.asarray(runs["llvm"]["u"])[-1]
    np.testing.assert_allclose(final, np.asarray(runs["numpy"]["u"])[-1], rtol=1e-10, atol=1e-12)
    assert np.abs(final - exact).max() < 1e-3


def test_spectral_with_llvm_is_a_clear_error():
    dom = sy.Domain(x=(0, 2 * sy.pi), points=16, periodic=True)
    u = sy.Field("u", dom)
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2)), initial={u: sy.sin(x)})
    import pytest
    with pytest.raises(NotImplementedError, match="llvm"):
        pde.compile(backend="llvm", discretization="spectral")
