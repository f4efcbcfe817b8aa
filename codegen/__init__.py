"""sympile's code generation: kernel IR, emitters (numpy, numba, jax), cache, `build_function`.

Attributes load lazily, so importing the kernel interface (`codegen.kernels`) from the runtime
does not pull in SymPy.
"""
from importlib import import_module

_LAZY = {"build_function": "codegen.function", "ElementwiseKernel": "codegen.function"}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'codegen' has no attribute {name!r}")
