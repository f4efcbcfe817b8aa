"""Turn emitted source into a loaded module, through an on-disk cache keyed by a content hash.

The file name is the hash of the source, backend, extra key parts (dtype) and library versions,
so a second process that emits the same source imports the same file and Numba loads its
compiled machine code from the cache next to it (``cache=True``) instead of compiling again.

Safety: files are written to a temporary name and renamed atomically, so concurrent builds never
see a half-written file. A cached module is never imported from disk: the file is compared with
the freshly emitted source (a corrupt or truncated file is rewritten) and the verified text in
memory is what runs, so no bytecode cache is trusted either. Numba's own cache files (which
Numba reads with pickle) are checked against SHA-256 sums that sympile records in a JSON
manifest after they were written; a file that is missing from the manifest or does not match is
deleted before the import, so Numba recompiles instead of loading it.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Sequence

HEADERS = {
    "numpy": "import numpy\n",
    "numba": "import math\nimport cmath\nimport numpy\nimport numpy as np\nimport numba\n",
    "cuda": "import math\nimport cmath\nimport numpy\nfrom numba import cuda\n",
    "jax": ("import numpy\nimport jax\nimport jax.numpy\n"
            "jax.config.update('jax_enable_x64', True)\n"),
}
#: imports added when the emitted functions use these modules (module: pattern of a use)
OPTIONAL_IMPORTS = {"scipy.special": r"(?<!jax\.)\bscipy\.special\.",
                    "jax.scipy.special": r"\bjax\.scipy\.special\."}

#: numba's default error model checks every division for zero (to raise ZeroDivisionError),
#: which keeps loops from vectorizing; kernels divide like NumPy (inf/nan) instead
DECORATORS = {"numba": "@numba.njit(cache=True, nogil=True, error_model='numpy')"}

_SEALED: set[str] = set()


def cache_dir() -> Path:
    """Where generated modules live: $SYMPILE_CACHE_DIR, else ~/.cache/sympile."""
    root = os.environ.get("SYMPILE_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "sympile")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _versions(backend: str) -> str:
    import numpy
    parts = [f"python={sys.version_info[:3]}", f"numpy={numpy.__version__}"]
    if backend in ("numba", "cuda"):
        import numba
        parts.append(f"numba={numba.__version__}")
    if backend == "cuda":
        try:
            from importlib.metadata import version
            parts.append(f"numba-cuda={version('numba-cuda')}")
        except Exception:                       # not installed: the import below will say so
            parts.append("numba-cuda=none")
    if backend == "jax":
        import jax
        parts.append(f"jax={jax.__version__}")
    return ";".join(parts)


def module_source(functions: list[str], backend: str, footer: str = "", note: str = "") -> str:
    """A standalone module: a usage note, the backend's imports, the functions, a footer."""
    note = note.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')  # names can't close it
    doc = f'"""{note}\n"""\n' if note else ""
    body = "\n\n".join(functions) + ("\n" + footer if footer else "")
    extra = "".join(f"import {m}\n" for m, pattern in OPTIONAL_IMPORTS.items()
                    if re.search(pattern, body))
    return doc + HEADERS[backend] + extra + "\n\n" + body


def cache_key(source: str, backend: str, key_parts: Sequence[str] = ()) -> str:
    """The content hash naming a cache entry: source, backend, key parts, library versions."""
    text = "\n".join([backend, _versions(backend), *key_parts, source])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _compiled_files(name: str) -> list[Path]:
    """Numba's cache files (index and data) for the functions of module ``name``."""
    pycache = cache_dir() / "__pycache__"
    if not pycache.is_dir():
        return []
    return sorted(p for p in pycache.glob(f"{name}.*") if p.suffix in (".nbi", ".nbc"))


def _manifest(name: str) -> Path:
    return cache_dir() / f"{name}.sums.json"


def verify_compiled(name: str) -> list[str]:
    """Delete Numba cache files of ``name`` whose SHA-256 is not the one recorded; return them."""
    files = _compiled_files(name)
    if not files:
        return []
    try:
        sums = json.loads(_manifest(name).read_text())
        if not isinstance(sums, dict):
            sums = {}
    except (OSError, ValueError):
        sums = {}
    removed = []
    for f in files:
        try:
            ok = sums.get(f.name) == _digest(f)
        except OSError:
            continue
        if not ok:
            f.unlink(missing_ok=True)
            removed.append(f.name)
    return removed


def seal_compiled(name: str) -> None:
    """Record SHA-256 sums of the Numba cache files of ``name`` (a JSON manifest, atomically)."""
    sums = {}
    for f in _compiled_files(name):
        try:
            sums[f.name] = _digest(f)
        except OSError:
            continue
    if sums:
        _atomic_write(_manifest(name), json.dumps(sums, indent=1, sort_keys=True).encode())


def _seal_all() -> None:
    for name in sorted(_SEALED):
        try:
            seal_compiled(name)
        except OSError:
            pass


atexit.register(_seal_all)


def _request_file(request: str) -> Path:
    return cache_dir() / f"request_{request}.json"


def load_by_request(request: str, backend: str,
                    key_parts: Sequence[str] = ()) -> tuple[ModuleType, str] | None:
    """The module recorded for a request key, with its source, if its file is intact.

    The file's name is the hash of its content, so reading it back and hashing it again
    verifies it; anything that does not match (or a missing record) returns None.
    """
    try:
        name = json.loads(_request_file(request).read_text())["module"]
        source = (cache_dir() / f"{name}.py").read_text()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if f"sympile_{backend}_{cache_key(source, backend, key_parts)}" != name:
        return None
    return load_module(source, backend, key_parts), source


def record_request(request: str, module: ModuleType) -> None:
    """Remember which module a request key produced (JSON, written atomically)."""
    _atomic_write(_request_file(request), json.dumps({"module": module.__name__}).encode())


def load_module(source: str, backend: str, key_parts: Sequence[str] = ()) -> ModuleType:
    """Import generated source through the cache (writing or repairing the file first).

    ``key_parts`` are extra strings the cache key depends on (say the dtype).
    """
    name = f"sympile_{backend}_{cache_key(source, backend, key_parts)}"
    if name in sys.modules:
        return sys.modules[name]
    path = cache_dir() / f"{name}.py"
    data = source.encode()
    try:
        current = path.read_bytes()
    except OSError:
        current = None
    if current != data:            # new, truncated or corrupt: (re)write, and drop stale machine code
        _atomic_write(path, data)
        for f in _compiled_files(name):
            f.unlink(missing_ok=True)
    verify_compiled(name)
    code = compile(source, str(path), "exec")
    module = ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)
    except BaseException:
        del sys.modules[name]
        raise
    if backend in ("numba", "cuda"):
        seal_compiled(name)
        _SEALED.add(name)
    return module
