"""Solver options with IPOPT's defaults, set by keyword; unknown names are a clear error."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TypeVar

Options = TypeVar("Options", "IPMOptions", "NewtonOptions", "EALSketchOptions")


@dataclass(frozen=True)
class IPMOptions:
    """Options of the interior-point method (names and defaults follow IPOPT where it has them)."""

    tol: float = 1e-8                  # scaled KKT error for "optimal"
    max_iter: int = 3000
    acceptable_tol: float = 1e-6       # "optimal" after acceptable_iter iterations this good
    acceptable_iter: int = 15
    acceptable_constr_viol_tol: float = 1e-2
    constr_viol_tol: float = 1e-4      # unscaled constraint violation for "optimal"
    dual_inf_tol: float = 1.0          # unscaled dual infeasibility for "optimal"
    compl_inf_tol: float = 1e-4        # unscaled complementarity for "optimal"
    mu_init: float = 0.1
    kappa_eps: float = 10.0
    kappa_mu: float = 0.2
    theta_mu: float = 1.5
    tau_min: float = 0.99
    kappa_sigma: float = 1e10
    s_max: float = 100.0
    kappa_d: float = 1e-5
    bound_push: float = 1e-2
    bound_frac: float = 1e-2
    bound_relax_factor: float = 1e-8
    constr_mult_init_max: float = 1e3
    nlp_scaling_max_gradient: float = 100.0
    nlp_scaling_min_value: float = 1e-8
    # filter line search
    gamma_theta: float = 1e-5
    gamma_phi: float = 1e-8
    delta: float = 1.0
    s_theta: float = 1.1
    s_phi: float = 2.3
    eta_phi: float = 1e-8
    gamma_alpha: float = 0.05
    max_soc: int = 4
    kappa_soc: float = 0.99
    watchdog_shortened_iter_trigger: int = 10   # shortened steps in a row that start it (0: off)
    watchdog_trial_iter_max: int = 3
    # regularization of the KKT system
    linear_solver: str = "auto"        # "auto", "ldl" (dense), "qdldl" (sparse; both exact
    #                                    inertia), "splu" (sparse SuperLU, curvature test)
    dense_max_dim: int = 300           # "auto" uses "ldl" up to this KKT dimension
    delta_w_init: float = 1e-4
    delta_w_min: float = 1e-20
    delta_w_max: float = 1e40
    kappa_w_minus: float = 1.0 / 3.0
    kappa_w_plus: float = 8.0
    kappa_w_plus_bar: float = 100.0
    delta_c_bar: float = 1e-8
    kappa_c: float = 0.25
    curvature_tol: float = 1e-11       # kappa of the inertia-free curvature test
    # restoration and failure handling
    rho_resto: float = 1000.0
    kappa_resto: float = 0.9
    max_soft_resto_iters: int = 10
    soft_resto_factor: float = 0.9999
    bound_mult_reset_threshold: float = 1e3
    max_restoration_failures: int = 3
    unbounded_objective: float = 1e20
    diverging_iterates_tol: float = 1e20


@dataclass(frozen=True)
class NewtonOptions:
    """Options of the trust-region Newton-CG method."""

    tol: float = 1e-8                  # scaled gradient max-norm for "optimal"
    # and the relative gradient max_i |g_i| max(|x_i|, 1) / max(|f|, 1) (Dennis & Schnabel),
    # so a flat minimum (a quartic) is not declared optimal far from it by the scaled test alone
    relative_tol: float = 1e-8
    max_iter: int = 3000
    acceptable_tol: float = 1e-6       # accepted when the trust region collapses
    initial_radius: float = 1.0
    max_radius: float = 1e30
    eta: float = 1e-4                  # minimal actual/predicted reduction to accept a step
    # CG steps per Newton step; None: the dimension (CG's exact-arithmetic bound). A fixed cap
    # of 500 left ill-conditioned problems (dixon3dq, n = 3000) at 313 Newton steps, not 13
    max_cg_iter: int | None = None
    nlp_scaling_max_gradient: float = 100.0
    unbounded_objective: float = 1e20
    diverging_iterates_tol: float = 1e20


@dataclass(frozen=True)
class EALSketchOptions:
    """Options of the exact augmented Lagrangian method with randomized sketching ("eal-sketch").

    Defaults follow Hong, Na, Mahoney, Kolar (ICML 2023) and their code (AdaSketch-Newton)."""

    tol: float = 1e-8                  # max-norm of the scaled KKT residual for "optimal"
    max_iter: int = 1000
    eta1: float = 1.0                  # penalty on ||c||^2 in the merit
    eta2: float = 0.1                  # penalty on ||grad_x L||^2 in the merit
    delta: float = 0.1                 # accuracy of the sketching solve (relative residual)
    delta_min: float = 1e-6
    xi_b: float = 0.1                  # B = H + (xi_b + ||H||) I when Z^T H Z is not positive
    curvature_tol: float = 1e-6        # definite (its smallest eigenvalue below curvature_tol)
    beta: float = 0.1                  # Armijo constant
    nu: float = 1.5                    # penalty update factor
    eta1_max: float = 1e8              # penalties stop moving here (the authors' safeguard)
    eta2_min: float = 1e-8
    theta_power: float = 1.0           # theta_k = min(1, ||KKT||^p) sharpens the accuracy
    psi: float | None = None           # Psi of the accuracy test ||K|| Psi ||r|| <= theta delta ||b||
    sketch: str = "kaczmarz"           # "kaczmarz" or "gaussian"
    block_size: int = 8                # columns of a Gaussian sketch
    max_sketch_steps: int | None = None  # None: max(200 (n+m), 20000) dense Kaczmarz rows
    dense_max_dim: int = 4000          # form B and K densely up to this n + m; else HVPs only
    hessian_reuse: float = 0.5         # reuse B while steps cut the KKT norm by this and it pays
    max_backtracks: int = 60
    seed: int | None = 0               # random sketches (None: fresh entropy)
    nlp_scaling_max_gradient: float = 100.0
    nlp_scaling_min_value: float = 1e-8
    unbounded_objective: float = 1e20
    diverging_iterates_tol: float = 1e20


def make_options(cls: type[Options], method: str, values: dict) -> Options:
    """An options object of type `cls` from keyword values; unknown names raise ValueError."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(map(repr, unknown))} for method "
                         f"{method!r}; valid options are: {', '.join(sorted(known))}")
    return cls(**values)
