"""Single-write analysis: stores only where no position is written twice; zero-fill kept for holes."""
import numpy as np
from sympy import Integer, Symbol

import symbolic as sy
from codegen.ir import Kernel, Loop, ScatterAdd, Store
from codegen.single_writes import single_writes

i, j = Symbol("i", integer=True), Symbol("j", integer=True)


def _kernel(body, size):
    return Kernel("k", [], [], [("_out", size)], body)


def _writes(stmts):
    for st in stmts:
        if isinstance(st, Loop):
            yield from _writes(st.body)
        else:
            yield st


def test_disjoint_cover_becomes_filled_stores():
    body = [Loop(i, Integer(1), Integer(9), [ScatterAdd("_out", i, i)]),
            Loop(j, Integer(0), Integer(1), [ScatterAdd("_out", j, j)]),
            Loop(j, Integer(9), Integer(10), [ScatterAdd("_out", j, j)])]
    k = single_writes(_kernel(body, 10))
    assert all(isinstance(st, Store) for st in _writes(k.body))
    assert k.filled_outputs == {"_out"}


def test_two_dimensional_mixed_radix_is_contiguous():
    body = [Loop(i, Integer(0), Integer(3), [Loop(j, Integer(0), Integer(4),
                                                  [ScatterAdd("_out", 4 * i + j, i + j)])])]
    assert single_writes(_kernel(body, 12)).filled_outputs == {"_out"}
    strided = [Loop(i, Integer(0), Integer(3), [Loop(j, Integer(0), Integer(4),
                                                     [ScatterAdd("_out", 5 * i + j, i)])])]
    k = single_writes(_kernel(strided, 15))
    assert all(isinstance(st, Store) for st in _writes(k.body)) and not k.filled_outputs


def test_overlaps_and_reductions_stay_accumulations():
    overlap = [Loop(i, Integer(0), Integer(5), [ScatterAdd("_out", i, i)]),
               Loop(j, Integer(4), Integer(8), [ScatterAdd("_out", j, j)])]
    reduction = [Loop(i, Integer(0), Integer(5), [ScatterAdd("_out", Integer(0), i)])]
    collide = [Loop(i, Integer(0), Integer(3), [Loop(j, Integer(0), Integer(4),
                                                     [ScatterAdd("_out", 2 * i + j, i)])])]
    for body, size in ((overlap, 8), (reduction, 1), (collide, 8)):
        k = single_writes(_kernel(body, size))
        assert all(isinstance(st, ScatterAdd) for st in _writes(k.body))
        assert not k.filled_outputs


def test_gradient_with_untouched_entries_keeps_zeros():
    """Entries no term writes must stay exactly 0 although the others are stored."""
    x = sy.Variable("x", shape=40)
    f = sy.sum((x[2:30] - x[1:29] ** 2) ** 2)
    solver = sy.Problem(minimize=f).compile(backend="numba")
    assert "np.empty" not in solver.source.split("def gradient")[1].split("def ")[0]
    z = np.random.default_rng(0).uniform(-1, 1, 40)
    g = solver.kernels().gradient(z)
    d = z[2:30] - z[1:29] ** 2
    expect = np.zeros(40)
    expect[2:30] += 2 * d
    expect[1:29] += -4 * z[1:29] * d
    np.testing.assert_allclose(g, expect, rtol=1e-13, atol=1e-13)


def test_full_cover_gradient_is_stored_and_matches_numpy():
    x = sy.Variable("x", shape=64)
    f = sy.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    prob = sy.Problem(minimize=f)
    nb, npy = prob.compile(backend="numba"), prob.compile(backend="numpy")
    assert "np.empty(64" in nb.source and "+=" not in nb.source.split("def gradient")[1].split("def ")[0]
    z = np.random.default_rng(1).uniform(-2, 2, 64)
    np.testing.assert_allclose(nb.kernels().gradient(z), npy.kernels().gradient(z), rtol=1e-13)
