"""Bad input gets a clear exception that names the offending piece."""
import numpy as np
import pytest

import symbolic as sy


def test_shape_mismatch_names_both_shapes():
    x = sy.Variable("x", shape=10)
    with pytest.raises(sy.ShapeError, match=r"\(8,\).*\(9,\)"):
        x[2:] + x[:-1]


def test_shape_mismatch_inside_functions_is_caught_when_used():
    x = sy.Variable("x", shape=10)
    with pytest.raises(sy.ShapeError, match="shape mismatch"):
        sy.sum(sy.sin(x[2:]) * sy.exp(x[1:]))


def test_index_out_of_range():
    x = sy.Variable("x", shape=3)
    with pytest.raises(IndexError, match="out of bounds for axis 0 of x"):
        x[3]


def test_python_bool_as_constraint():
    x = sy.Variable("x", shape=3)
    with pytest.raises(sy.DeclarationError, match="sy.Eq"):
        sy.Problem(minimize=x[0] ** 2, subject_to=[x[0] == 1])


def test_array_objective_needs_sum():
    x = sy.Variable("x", shape=3)
    with pytest.raises(sy.DeclarationError, match=r"sy.sum"):
        sy.Problem(minimize=x ** 2)


def test_non_differentiable_function_is_named():
    x = sy.Variable("x", shape=3)
    prob = sy.Problem(minimize=sy.sum(sy.Abs(x - 1)))
    with pytest.raises(sy.NonDifferentiableError, match="Abs"):
        prob.compile(backend="numpy")
    prob = sy.Problem(minimize=x[0] ** 2, subject_to=[sy.sign(x[1]) <= 0])
    with pytest.raises(sy.NonDifferentiableError, match="sign"):
        prob.compile(backend="numpy")


def test_parameters_are_checked_at_solve_time():
    x = sy.Variable("x", shape=3)
    A = sy.Parameter("A", shape=(2, 3))
    solver = sy.Problem(minimize=sy.sum((A @ x) ** 2) + sy.sum(x ** 2)).compile(backend="numpy")
    with pytest.raises(KeyError, match="parameter 'A' is not bound"):
        solver.kernels()
    with pytest.raises(KeyError, match="unknown parameter.*B"):
        solver.kernels({"A": np.ones((2, 3)), "B": 1.0})
    with pytest.raises(ValueError, match=r"parameter 'A' has shape \(3, 2\), expected \(2, 3\)"):
        solver.kernels({"A": np.ones((3, 2))})


def test_x0_of_wrong_length():
    x = sy.Variable("x", shape=3)
    solver = sy.Problem(minimize=sy.sum(x ** 2)).compile(backend="numpy")
    with pytest.raises(ValueError, match="x0 has 2 entries but the problem has 3 unknowns"):
        solver.flatten([1.0, 2.0])


def test_bounds_of_wrong_shape_and_crossed_bounds():
    with pytest.raises(sy.ShapeError, match="lower bound of variable 'x'"):
        sy.Variable("x", shape=3, lower=[0, 1])
    with pytest.raises(ValueError, match="lower bound above its upper bound"):
        sy.Variable("y", lower=2, upper=1)


def test_undeclared_array_is_named():
    a = sy.IndexedBase("a")
    with pytest.raises(sy.DeclarationError, match="array 'a'"):
        sy.Problem(minimize=a[0] ** 2)


def test_unknown_backend():
    x = sy.Variable("x")
    with pytest.raises(ValueError, match="unknown backend 'fortran'"):
        sy.Problem(minimize=x ** 2).compile(backend="fortran")


def test_redeclared_name_keeps_its_own_bounds():
    """A second Variable("x") is a new symbol: SymPy's cache must not give it the first's bounds."""
    x = sy.Variable("x", shape=2)
    sy.Problem(minimize=(x[0] + 1) ** 2 + x[1] ** 2)
    y = sy.Variable("x", shape=2, lower=0)
    prob = sy.Problem(minimize=(y[0] + 1) ** 2 + y[1] ** 2)
    assert prob.bounds()[0].tolist() == [0.0, 0.0]
    res = prob.compile(backend="numpy").solve(x0=[1, 1])
    assert res.converged and abs(res.x[0]) < 1e-6 and abs(res.objective - 1) < 1e-7
    with pytest.raises(sy.DeclarationError, match="two different symbols are named x"):
        sy.Problem(minimize=x[0] ** 2 + y[0] ** 2)
