"""Switch this test process's numba.cuda to the CUDA simulator (before numba.cuda is imported).

NUMBA_ENABLE_CUDASIM is read when numba.cuda is first imported; pytest imports every test
module (collection) before running any test, and nothing imports numba.cuda at import time, so
the modules that import this one run on the simulator. Returns `numba.cuda`, or skips the
module when numba-cuda is missing or numba.cuda was already imported without the simulator.
"""
import os
import sys

import pytest


def enable_simulator():
    if "numba.cuda" in sys.modules and os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        pytest.skip("numba.cuda was imported before the simulator could be enabled; run this "
                    "module on its own", allow_module_level=True)
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1"
    from numba.core import config
    config.reload_config()
    return pytest.importorskip("numba.cuda", reason="numba-cuda is not installed")
