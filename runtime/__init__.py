"""sympile's solver runtime: NLP solvers written once against the `NLPKernels` interface.

It never imports SymPy or `symbolic`, and of `codegen` only the kernel interface
(`codegen.kernels`, DESIGN.md): kernels are plain callables on NumPy arrays, whichever backend
produced them.
"""
from codegen.kernels import NLPKernels, SparsePattern
from .result import SolveResult
from .solve import solve_nlp

__all__ = ["NLPKernels", "SparsePattern", "SolveResult", "solve_nlp"]
