"""Bilevel solvers written once against `BilevelKernels`: KKT with Scholtes relaxation (through
the interior-point runtime), value-function penalty, LV-HBA and implicit differentiation.

Like the rest of the runtime it never imports SymPy.
"""
from .kernels import BilevelKernels, KKTKernels
from .result import STATUSES, BilevelSolveResult
from .solve import solve_bilevel

__all__ = ["BilevelKernels", "BilevelSolveResult", "KKTKernels", "STATUSES", "solve_bilevel"]
