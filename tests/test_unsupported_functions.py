"""Functions a backend cannot emit: one clear error at compile, before derivation and lowering."""
import doctest
import importlib
import math

import numpy as np
import pytest
import sympy

import symbolic as sy
from symbolic.errors import NonDifferentiableError, UnsupportedFunctionError

BACKENDS = ["numpy", "numba", "jax", "llvm"]


def _vars():
    return sy.Variable("x", shape=3, lower=0.5, upper=3)


@pytest.mark.parametrize("backend", BACKENDS)
def test_special_function_in_objective_named_with_place_and_backend(backend):
    x = _vars()
    prob = sy.Problem(minimize=sympy.besselj(0, x[0]) + x[1] ** 2)
    with pytest.raises(UnsupportedFunctionError) as info:
        prob.compile(backend=backend)
    msg = str(info.value)
    assert "besselj" in msg and "the objective" in msg and repr(backend) in msg
    assert "rewrite" in msg
    assert getattr(prob, "_derived", None) is None          # found before derivation


@pytest.mark.parametrize("backend", BACKENDS)
def test_special_function_in_named_constraint(backend):
    x = _vars()
    prob = sy.Problem(minimize=x[1] ** 2, subject_to={"ring": sympy.zeta(x[0] + 2) >= 1})
    with pytest.raises(NotImplementedError, match=r"zeta, in constraint 'ring'"):
        prob.compile(backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_undefined_function_asks_for_its_expression(backend):
    x = _vars()
    f = sympy.Function("f")
    prob = sy.Problem(minimize=x[1] ** 2, subject_to=[f(x[0]) <= 1])
    with pytest.raises(UnsupportedFunctionError,
                       match=r"f is an undefined function \(in constraint 'c0'.*give its "
                             r"expression"):
        prob.compile(backend=backend)


def test_derivation_names_undefined_and_underivable_functions():
    x = _vars()
    with pytest.raises(NonDifferentiableError, match="f is an undefined function.*cannot "
                                                     "differentiate it: give its expression"):
        sy.Problem(minimize=sympy.Function("f")(x[0])).derivatives()
    with pytest.raises(NonDifferentiableError, match="no derivative of zeta"):
        sy.Problem(minimize=sympy.zeta(x[0] + 2)).derivatives()


def test_function_whose_derivative_is_unsupported():
    """loggamma prints, but its derivative polygamma does not: only where a variable is inside."""
    x, p = _vars(), sy.Parameter("p")
    with pytest.raises(UnsupportedFunctionError,
                       match=r"polygamma, which the derivatives of loggamma\(x\[0\]\) \(in the "
                             r"objective\) need"):
        sy.Problem(minimize=sympy.loggamma(x[0])).compile(backend="numba")
    res = sy.Problem(minimize=(x[0] - sympy.loggamma(p)) ** 2 + (x[1] - 1) ** 2
                     ).compile(backend="numba").solve(params={"p": 3.0})
    assert res.status == "optimal"
    assert abs(res.x[0] - math.log(2.0)) < 1e-6                 # loggamma(3) = log 2


@pytest.mark.parametrize("backend", ["numpy", "numba", "jax"])
def test_pde_equation_and_monitor(backend):
    t, xc = sympy.symbols("t x", real=True)
    u = sy.Field("u", sy.Domain(x=(0, 1), points=16))
    bad = sy.PDE(sy.Eq(u.diff(t), u.diff(xc, 2) + sympy.besselj(0, u)),
                 initial={u: sympy.sin(2 * sympy.pi * xc)})
    with pytest.raises(UnsupportedFunctionError,
                       match=rf"backend '{backend}' cannot emit the function besselj, in the "
                             rf"equation of u"):
        bad.compile(backend=backend)
    undefined = sy.PDE(sy.Eq(u.diff(t), u.diff(xc, 2) + sympy.Function("g")(xc)),
                       initial={u: sympy.sin(2 * sympy.pi * xc)})
    with pytest.raises(UnsupportedFunctionError, match="g is an undefined function"):
        undefined.compile(backend=backend)
    monitored = sy.PDE(sy.Eq(u.diff(t), u.diff(xc, 2)), initial={u: sympy.sin(2 * sympy.pi * xc)},
                       monitors={"z": sy.integral(sympy.zeta(u + 3))})
    with pytest.raises(UnsupportedFunctionError, match="zeta, in monitor 'z'"):
        monitored.compile(backend=backend)


def test_pde_forcing_of_coordinates_needs_no_derivative():
    """loggamma(x + 2) has no field inside (never differentiated): it compiles and runs."""
    t, xc = sympy.symbols("t x", real=True)
    u = sy.Field("u", sy.Domain(x=(0, 1), points=16))
    pde = sy.PDE(sy.Eq(u.diff(t), sympy.loggamma(xc + 2) - u),
                 initial={u: sympy.Integer(0) * xc})
    sol = pde.compile(backend="numpy").run(t_end=0.5, save_every=0.5, rtol=1e-10, atol=1e-12)
    grid = np.linspace(0, 1, 16, endpoint=False)
    expected = (1 - math.exp(-0.5)) * np.array([math.lgamma(g + 2) for g in grid])
    assert np.allclose(np.asarray(sol["u"])[-1], expected, rtol=1e-6, atol=1e-8)


def test_docstring_examples():
    failures, tried = doctest.testmod(importlib.import_module("codegen.supported"))
    assert tried > 0 and failures == 0
