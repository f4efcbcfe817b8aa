"""The CUDA device side of the `cuda` backend: availability, device arrays, launch configuration.

`numba.cuda` comes from the maintained ``numba-cuda`` package (``pip install sympile[cuda]``).
Without a GPU, ``NUMBA_ENABLE_CUDASIM=1`` (set before `numba.cuda` is first imported) runs the
kernels in NVIDIA's Python simulator, which is what the tests use.
"""
from __future__ import annotations

import math
from typing import Any

#: threads per block and blocks used in the simulator (one Python thread per CUDA thread)
SIMULATOR_THREADS = 16
SIMULATOR_BLOCKS = 2
#: preferred threads per block on a GPU (a multiple of the warp size, 32)
GPU_THREADS = 256


def cuda_module():
    """`numba.cuda`, or an ImportError that says which package to install."""
    try:
        from numba import cuda
    except ImportError as exc:                      # pragma: no cover - numba without CUDA
        raise ImportError("backend 'cuda' needs the numba-cuda package: "
                          "pip install 'sympile[cuda]'") from exc
    return cuda


def simulator_enabled() -> bool:
    """Whether `numba.cuda` runs kernels in the CUDA simulator."""
    from numba.core import config
    return bool(config.ENABLE_CUDASIM)


def require_device():
    """`numba.cuda` when a GPU (or the simulator) can run kernels; a clear error otherwise."""
    cuda = cuda_module()
    if not cuda.is_available():
        raise RuntimeError("backend 'cuda': no usable NVIDIA GPU (no CUDA driver or device was "
                           "found) and the CUDA simulator is off. Run on a machine with an NVIDIA "
                           "GPU, or set NUMBA_ENABLE_CUDASIM=1 before numba.cuda is first "
                           "imported to run the kernels in the simulator.")
    return cuda


def is_device_array(a: Any) -> bool:
    """Whether ``a`` lives on the device (a numba device array or any CUDA-array-interface one)."""
    cuda = cuda_module()
    return cuda.devicearray.is_cuda_ndarray(a) or hasattr(a, "__cuda_array_interface__")


class Launcher:
    """Launches a grid-stride kernel with a configuration chosen from the device.

    Threads per block: 256, capped by what the compiled kernel allows (registers). Blocks: enough
    to cover the elements, capped by how many blocks are resident at once on the whole device
    (occupancy per multiprocessor times the number of multiprocessors); the grid-stride loop
    covers the rest. Specializations are kept per argument types.
    """

    def __init__(self, dispatcher):
        self.dispatcher = dispatcher
        self._configured: dict = {}

    def config(self, args: tuple, n: int) -> tuple[Any, int, int]:
        """(specialized dispatcher, blocks, threads) for a launch over ``n`` elements."""
        if simulator_enabled():
            threads = SIMULATOR_THREADS
            return self.dispatcher, max(1, min(math.ceil(n / threads), SIMULATOR_BLOCKS)), threads
        from numba import typeof
        key = tuple(typeof(a) for a in args)
        if key not in self._configured:
            spec = self.dispatcher.specialize(*args)
            kernel = next(iter(spec.overloads.values()))
            threads = max(32, min(GPU_THREADS, kernel.max_threads_per_block) // 32 * 32)
            self._configured[key] = (spec, threads, kernel.max_cooperative_grid_blocks(threads))
        spec, threads, resident = self._configured[key]
        return spec, max(1, min(math.ceil(n / threads), resident)), threads

    def __call__(self, args: tuple, n: int) -> None:
        kernel, blocks, threads = self.config(args, n)
        kernel[blocks, threads](*args)
