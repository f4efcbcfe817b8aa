"""Turn emitted source into a loaded module, through an on-disk cache keyed by a content hash.

The file name is the hash of the source, backend and library versions, so a second process
that emits the same source imports the same file and Numba loads its compiled machine code
from the cache next to it (``cache=True``) instead of compiling again. Files are written to a
temporary name and renamed atomically, so concurrent builds never see a half-written file.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType

HEADERS = {
    "numpy": "import numpy\n",
    "numba": "import math\nimport numpy\nimport numpy as np\nimport numba\n",
    "jax": ("import numpy\nimport jax\nimport jax.numpy\n"
            "jax.config.update('jax_enable_x64', True)\n"),
}

DECORATORS = {"numba": "@numba.njit(cache=True, nogil=True)"}


def cache_dir() -> Path:
    """Where generated modules live: $SYMPILE_CACHE_DIR, else ~/.cache/sympile."""
    root = os.environ.get("SYMPILE_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "sympile")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _versions(backend: str) -> str:
    import numpy
    parts = [f"numpy={numpy.__version__}"]
    if backend == "numba":
        import numba
        parts.append(f"numba={numba.__version__}")
    if backend == "jax":
        import jax
        parts.append(f"jax={jax.__version__}")
    return ";".join(parts)


def module_source(functions: list[str], backend: str, footer: str = "", note: str = "") -> str:
    """A standalone module: a usage note, the backend's imports, the functions, a footer."""
    doc = f'"""{note.strip()}\n"""\n' if note else ""
    return (doc + HEADERS[backend] + "\n\n" + "\n\n".join(functions)
            + ("\n" + footer if footer else ""))


def load_module(source: str, backend: str) -> ModuleType:
    """Import generated source from the cache (writing it there first if it is new)."""
    key = hashlib.sha256(f"{backend}\n{_versions(backend)}\n{source}".encode()).hexdigest()[:24]
    name = f"sympile_{backend}_{key}"
    if name in sys.modules:
        return sys.modules[name]
    path = cache_dir() / f"{name}.py"
    if not path.exists() or path.read_text() != source:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            fh.write(source)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
