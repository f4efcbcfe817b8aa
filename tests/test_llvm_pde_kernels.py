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
