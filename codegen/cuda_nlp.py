"""`Problem.compile(backend="cuda")`: the six NLP kernels run on the GPU through `CudaModule`."""
from __future__ import annotations

import time

from .cuda_kernels import CudaModule
from .nlp import NLPKernelSet


def compile_problem_cuda(problem, simplify: str | None = "egraph", **options):
    """Derive and lower the kernels of ``problem``, emit phased CUDA kernels, bind a solver.

    The solver's kernels take and return NumPy arrays (copied to and from the device per call).
    """
    from .solver import NLPSolver
    t0 = time.perf_counter()
    derivation = problem.derivatives()
    kset = NLPKernelSet(derivation, simplify)
    t1 = time.perf_counter()
    module = CudaModule(kset.all())
    timings = {"derive_and_emit": t1 - t0, "load": time.perf_counter() - t1}
    return NLPSolver(problem, kset, module, module.source, "cuda", derivation.jacobian_pattern(),
                     derivation.hessian_pattern(), timings, **options)
