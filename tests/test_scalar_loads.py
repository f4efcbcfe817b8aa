"""Scalar replacement of read-only loads in emitted loops: same values, loads once per iteration,
written arrays never cached."""
import numpy as np
from sympy import IndexedBase, Integer, Symbol

from codegen.emit_loops import emit_loops
from codegen.ir import Assign, Kernel, Loop, Store, View

i = Symbol("i", integer=True)
x, y, out, t = IndexedBase("x"), IndexedBase("y"), IndexedBase("out"), Symbol("t")


def _run(kernel: Kernel, *args):
    namespace = {"np": np, "math": __import__("math")}
    source = emit_loops(kernel)
    exec(source, namespace)
    return source, namespace[kernel.name](*args)


def test_read_only_elements_are_loaded_once_before_the_stores():
    body = [Loop(i, Integer(0), Integer(9), [
        Assign(t, x[i] * y[i]),
        Store("out", i, t + x[i + 1]),
        Store("out", i + 9, x[i] * x[i + 1] - y[i])])]
    kernel = Kernel("k", [("x", "array"), ("y", "array")], [], [("out", 18)], body,
                    filled_outputs=frozenset({"out"}))
    xs, ys = np.linspace(0.5, 2.0, 10), np.linspace(-1.0, 3.0, 9)
    source, got = _run(kernel, xs, ys)
    expected = np.concatenate([xs[:9] * ys + xs[1:], xs[:9] * xs[1:] - ys])
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    assert source.count("x[") == 2 and source.count("y[") == 1     # one load per element


def test_an_array_the_kernel_writes_is_read_where_written():
    """``x`` is written in place through a view: its loads stay after the earlier stores."""
    body = [Loop(i, Integer(0), Integer(4), [
        Store("x", i + 1, 2 * x[i]),
        Store("out", i, x[i + 1] + y[i])])]
    kernel = Kernel("k", [("x", "array"), ("y", "array")], [View("w", "x", 0, (5,))],
                    [("out", 4)], body, filled_outputs=frozenset({"out"}))
    xs, ys = np.ones(5), np.arange(4.0)
    source, got = _run(kernel, xs.copy(), ys)
    expected, xw = [], xs.copy()
    for k in range(4):
        xw[k + 1] = 2 * xw[k]
        expected.append(xw[k + 1] + ys[k])
    np.testing.assert_allclose(got, expected, rtol=0)
    assert "x[i + 1]" in source.split("out[i] =")[1]


def test_a_load_guarded_by_a_piecewise_stays_where_it_is():
    """x[i + 1] only where i < 4: hoisting it would read past the end of x at i = 4."""
    from sympy import Piecewise
    body = [Loop(i, Integer(0), Integer(5), [
        Store("out", i, Piecewise((x[i + 1] - x[i], i < 4), (0, True)) + 2 * x[i])])]
    kernel = Kernel("k", [("x", "array")], [], [("out", 5)], body,
                    filled_outputs=frozenset({"out"}))
    xs = np.array([1.0, 4.0, 9.0, 16.0, 25.0])
    source, got = _run(kernel, xs)
    np.testing.assert_allclose(got, np.append(np.diff(xs), 0.0) + 2 * xs, rtol=0)
    assert "_ld0 = x[i]" in source and "= x[i + 1]" not in source
