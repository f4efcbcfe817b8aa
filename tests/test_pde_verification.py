"""Verification: manufactured solutions converge at the designed order; docstring examples run."""
import doctest
import importlib

import numpy as np
import pytest

import symbolic as sy

t, x = sy.symbols("t x", real=True)


def fd_error(n: int, order: int) -> float:
    """Max error at t = 0.5 of a manufactured reaction-diffusion solution (Dirichlet + Robin)."""
    exact = sy.exp(-t) * sy.sin(2 * x + 1) + x ** 2 / 3
    dom = sy.Domain(x=(0, 1), points=n + 1, periodic=False)
    u = sy.Field("u", dom)
    pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2) / 4 - u ** 2), initial={u: 0},
                 bcs=[sy.Eq(u.at(x=0), 0), sy.Eq(u.diff(x).at(x=1) + u.at(x=1), 0)])
    sim = pde.manufactured({u: exact}).compile(backend="numpy", order=order,
                                               integrator="dop853")
    sol = sim.run(t_end=0.5, rtol=1e-12, atol=1e-13)
    assert sol.success
    return np.abs(sol["u"][-1] - sy.lambdify(x, exact.subs(t, 0.5))(dom.grid()[0])).max()


@pytest.mark.parametrize("order", [2, 4])
def test_manufactured_solution_converges_at_the_finite_difference_order(order):
    result = sy.convergence_order(lambda n: fd_error(n, order), points=[8, 16, 32])
    assert result.orders.min() > order - 0.3, str(result)
    assert result.errors[-1] < (1e-4 if order == 2 else 5e-8)


def test_spectral_discretization_converges_faster_than_any_power():
    """Burgers-type u_t = u_xx/2 - u u_x + f with exact exp(sin(x - t)): error ~ exp(-rate N)."""
    exact = sy.exp(sy.sin(x - t))

    def error(n):
        dom = sy.Domain(x=(0, 2 * sy.pi), points=n, periodic=True)
        u = sy.Field("u", dom)
        pde = sy.PDE(sy.Eq(u.diff(t), u.diff(x, 2) / 2 - u * u.diff(x)), initial={u: 1})
        sol = pde.manufactured({u: exact}).compile(discretization="spectral").run(
            t_end=0.5, rtol=1e-13, atol=1e-14)
        return np.abs(sol["u"][-1] - sy.lambdify(x, exact.subs(t, 0.5))(dom.grid()[0])).max()

    result = sy.convergence_order(error, points=[8, 12, 16, 24], length=2 * np.pi)
    assert result.errors[-1] < 1e-9, str(result)
    assert np.all(np.diff(result.orders) > 0), str(result)      # orders keep growing
    assert result.exponential_rate > 0.8, result.exponential_rate


def test_convergence_order_rejects_what_has_no_order():
    with pytest.raises(sy.DeclarationError, match="exactly one of steps"):
        sy.convergence_order([1.0, 0.5])
    with pytest.raises(sy.DeclarationError, match="2 errors for 3 resolutions"):
        sy.convergence_order([1.0, 0.5], steps=[0.1, 0.05, 0.025])
    with pytest.raises(sy.DeclarationError, match="errors must be positive and finite"):
        sy.convergence_order([1e-3, 0.0], steps=[0.1, 0.05])


@pytest.mark.parametrize("name", ["symbolic.pde.convergence", "symbolic.pde.domain",
                                  "symbolic.pde.field", "symbolic.pde.pde"])
def test_docstring_examples(name):
    failures, tried = doctest.testmod(importlib.import_module(name),
                                      optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0
