"""Kernel calls that check what comes back: shape, finiteness, and which kernel misbehaved.

The solvers never call a user's kernel directly; they call the guarded version, so a NaN, an
infinity or an arithmetic exception is reported as a `KernelEvaluationError` that names the
kernel (objective, gradient, constraints, jacobian, hessian, hvp), and a wrong output shape is a
`ValueError` naming the kernel, the expected and the returned shape.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np

from codegen.kernels import NLPKernels


class KernelEvaluationError(ArithmeticError):
    """A kernel returned NaN or infinity, or raised an arithmetic error, at the given point."""

    def __init__(self, kernel: str, detail: str = "returned a non-finite value"):
        super().__init__(f"the {kernel} kernel {detail}")
        self.kernel = kernel


def _call(name: str, fn: Callable, args: tuple) -> np.ndarray:
    """Run one kernel with floating-point warnings silenced; arithmetic failures become errors."""
    try:
        with np.errstate(all="ignore"):
            return np.asarray(fn(*args), dtype=float)
    except (ArithmeticError, ValueError) as exc:
        if isinstance(exc, KernelEvaluationError):
            raise
        raise KernelEvaluationError(name, f"raised {type(exc).__name__}: {exc}") from exc


def _checked(name: str, fn: Callable, size: int | None) -> Callable:
    """`fn` with its output checked: a scalar when size is None, else a vector of that length."""

    def wrapped(*args):
        out = _call(name, fn, args)
        if size is None:
            if out.size != 1:
                raise ValueError(f"the {name} kernel returned an array of shape {out.shape}; "
                                 f"expected a scalar")
            value = float(out.reshape(()))
            if not np.isfinite(value):
                raise KernelEvaluationError(name)
            return value
        if out.shape != (size,):
            raise ValueError(f"the {name} kernel returned shape {out.shape}; expected ({size},)")
        if not np.all(np.isfinite(out)):
            raise KernelEvaluationError(name)
        return out

    return wrapped


def guarded(k: NLPKernels) -> NLPKernels:
    """The same kernels, each call checked for shape and finiteness."""
    return replace(
        k,
        objective=_checked("objective", k.objective, None),
        gradient=_checked("gradient", k.gradient, k.n),
        constraints=_checked("constraints", k.constraints, k.m),
        jacobian=_checked("jacobian", k.jacobian, k.jacobian_pattern.nnz),
        hessian=_checked("hessian", k.hessian, k.hessian_pattern.nnz),
        hvp=_checked("hvp", k.hvp, k.n))
