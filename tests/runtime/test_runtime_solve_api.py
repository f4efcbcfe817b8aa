"""`solve_nlp`: input validation, method choice, options, verbose table and progress bar."""
import numpy as np
import pytest

from nlp_test_kernels import build_kernels
from runtime import SolveResult, SparsePattern, solve_nlp
from runtime.result import STATUSES


@pytest.fixture
def quadratic():
    """min (x0 - 1)^2 + (x1 + 2)^2, optionally with x >= 0 or the constraint x0 + x1 = 0."""
    def build(bounds=False, constraint=False):
        kw = dict(hess=lambda x, s, l: 2 * s * np.eye(2))
        if bounds:
            kw.update(x_lower=[0, 0])
        if constraint:
            kw.update(m=1, c=lambda x: np.array([x[0] + x[1]]), jac=lambda x: np.ones((1, 2)))
        return build_kernels(lambda x: (x[0] - 1) ** 2 + (x[1] + 2) ** 2,
                             lambda x: 2 * (x - np.array([1.0, -2.0])), 2, **kw)
    return build


def test_auto_picks_newton_without_constraints_or_bounds(quadratic):
    r = solve_nlp(quadratic(), [0.0, 0.0])
    assert r.method == "newton-cg" and r.converged
    np.testing.assert_allclose(r.x, [1.0, -2.0], atol=1e-8)
    assert r.multipliers.shape == (0,) and r.constraint_violation == 0.0


def test_auto_picks_ipm_with_bounds_or_constraints(quadratic):
    r = solve_nlp(quadratic(bounds=True), [0.5, 0.5])
    assert r.method == "ipm" and r.converged
    np.testing.assert_allclose(r.x, [1.0, 0.0], atol=1e-7)
    assert r.bound_multipliers_lower[1] == pytest.approx(4.0, rel=1e-6)
    r = solve_nlp(quadratic(constraint=True), [0.5, 0.5])
    assert r.method == "ipm" and r.converged
    np.testing.assert_allclose(r.x, [1.5, -1.5], atol=1e-7)
    assert r.multipliers[0] == pytest.approx(-1.0, rel=1e-7)   # grad f + lam * grad c = 0


def test_ipm_on_an_unconstrained_problem(quadratic):
    r = solve_nlp(quadratic(), [0.0, 0.0], method="ipm")
    assert r.method == "ipm" and r.converged
    np.testing.assert_allclose(r.x, [1.0, -2.0], atol=1e-8)


def test_x0_of_wrong_length_names_x0(quadratic):
    with pytest.raises(ValueError, match=r"x0 has length 3; expected length 2"):
        solve_nlp(quadratic(), [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"x0 must be finite; x0\[1\]"):
        solve_nlp(quadratic(), [0.0, np.nan])


def test_bad_method_and_options(quadratic):
    with pytest.raises(ValueError, match="method='newton'"):
        solve_nlp(quadratic(), [0.0, 0.0], method="newton")
    with pytest.raises(ValueError, match="newton-cg.*m=1 constraints"):
        solve_nlp(quadratic(constraint=True), [0.0, 0.0], method="newton-cg")
    with pytest.raises(ValueError, match="unknown option.*'mu_start'.*mu_init"):
        solve_nlp(quadratic(bounds=True), [0.0, 0.0], mu_start=0.1)
    with pytest.raises(ValueError, match="linear_solver='mumps'"):
        solve_nlp(quadratic(bounds=True), [0.0, 0.0], linear_solver="mumps")


def test_bad_metadata_is_a_clear_error(quadratic):
    k = quadratic()
    k.x_lower = np.zeros(3)
    with pytest.raises(ValueError, match=r"x_lower has shape \(3,\); expected \(2,\)"):
        solve_nlp(k, [0.0, 0.0])
    k = quadratic(constraint=True)
    k.jacobian_pattern = SparsePattern(np.array([0, 1]), np.array([0, 1]), (1, 2))
    with pytest.raises(ValueError, match="jacobian_pattern has row index 1 outside 0..0"):
        solve_nlp(k, [0.0, 0.0])


def test_kernel_output_of_wrong_shape_names_the_kernel(quadratic):
    k = quadratic(bounds=True)
    k.gradient = lambda x: np.zeros(3)
    with pytest.raises(ValueError, match=r"gradient kernel returned shape \(3,\); expected \(2,\)"):
        solve_nlp(k, [0.5, 0.5])


def test_options_are_used(quadratic):
    loose = solve_nlp(quadratic(bounds=True), [0.5, 0.5], tol=1e-3)
    tight = solve_nlp(quadratic(bounds=True), [0.5, 0.5], tol=1e-10)
    assert loose.converged and tight.converged and loose.iterations < tight.iterations
    r = solve_nlp(quadratic(bounds=True), [0.5, 0.5], mu_init=1e-3)
    assert r.history[0]["mu"] == pytest.approx(1e-3)


def test_verbose_prints_an_iteration_table(quadratic, capsys):
    r = solve_nlp(quadratic(bounds=True), [0.5, 0.5], verbose=True)
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    for column in ("iter", "objective", "inf_pr", "inf_du", "lg(mu)", "||d||", "lg(rg)", "alpha"):
        assert column in header
    assert len([ln for ln in out.splitlines() if ln[:4].strip().isdigit()]) == r.iterations + 1
    assert "EXIT: optimal solution found" in out
    solve_nlp(quadratic(bounds=True), [0.5, 0.5])
    assert capsys.readouterr().out == ""


def test_progress_bar(quadratic, capsys):
    r = solve_nlp(quadratic(bounds=True), [0.5, 0.5], progress=True)
    assert r.converged
    assert "ipm" in capsys.readouterr().err


def test_result_is_a_dataclass_with_known_statuses():
    with pytest.raises(ValueError, match="unknown status"):
        SolveResult(np.zeros(1), 0.0, "solved", "", 0, np.zeros(0), np.zeros(1), np.zeros(1),
                    0.0, 0.0)
    assert STATUSES == ("optimal", "infeasible", "unbounded", "max_iter", "numerical_error")


def test_runtime_never_imports_sympy():
    import subprocess
    import sys
    code = ("import sys, runtime; "
            "bad = [m for m in sys.modules "
            "if m.split('.')[0] in ('sympy', 'symbolic') "
            "or (m.startswith('codegen.') and m != 'codegen.kernels')]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(__import__('pathlib').Path(__file__).resolve().parents[2]))
    assert out.stdout.strip() == "[]"
