"""On-disk cache of compiled llvm kernels: object code, and what it takes to call and write it.

An entry is keyed by the request (`FunctionSpec.request_key`: expressions, names, shapes,
dtype, reduction, library versions), the llvm code generator's own source, the LLVM version and
the host CPU with its features (the object code uses them). It is a JSON record (LLVM IR,
signatures, usage note, SHA-256 of the object code) plus the object file, both written
atomically under `codegen.build.cache_dir`. The object code is checked against its recorded
hash before it is loaded; anything missing, unreadable or mismatched is rebuilt. No pickle.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import lru_cache
from pathlib import Path

import llvmlite.binding as llvm

from ..build import cache_dir
from .emit import CFunction, CParam
from .native import NativeLibrary, _write_atomic


@lru_cache(maxsize=None)
def _environment() -> str:
    """The llvm generator's source, LLVM's version and the CPU the object code is built for."""
    here = Path(__file__).parent
    code = b"".join(p.read_bytes() for p in sorted(here.glob("*.py")))
    features = llvm.get_host_cpu_features().flatten()
    return (f"{hashlib.sha256(code).hexdigest()};{llvm.llvm_version_info};"
            f"{llvm.get_process_triple()};{llvm.get_host_cpu_name()};{features}")


def entry_key(request: str) -> str:
    """The cache key of a request on this machine with this code generator.

    >>> entry_key("abc") == entry_key("abc") != entry_key("abd")
    True
    """
    return hashlib.sha256(f"{request}\n{_environment()}".encode()).hexdigest()[:24]


def _paths(key: str) -> tuple[Path, Path]:
    root = cache_dir()
    return root / f"llvm_{key}.json", root / f"llvm_{key}.o"


def load(key: str) -> NativeLibrary | None:
    """The cached library for ``key``, or None if there is no intact entry."""
    record_path, object_path = _paths(key)
    try:
        record = json.loads(record_path.read_text())
        code = object_path.read_bytes()
        if hashlib.sha256(code).hexdigest() != record["object_sha256"]:
            return None
        functions = [CFunction(f["name"], [CParam(**p) for p in f["params"]],
                               f["returns_value"], f["doc"], tuple(f["output_sizes"]))
                     for f in record["functions"]]
        return NativeLibrary.from_object(record["source"], record["optimized"], functions,
                                         record["dtype"], record["note"], code)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError):
        return None


def store(key: str, library: NativeLibrary) -> None:
    """Record ``library`` under ``key`` (object file first, so a record never lacks it)."""
    record_path, object_path = _paths(key)
    code = library.object_code()
    _write_atomic(object_path, code)
    record = {"source": library.source, "optimized": library.optimized,
              "functions": [dataclasses.asdict(f) for f in library.functions.values()],
              "dtype": library.dtype.name, "note": library.note,
              "object_sha256": hashlib.sha256(code).hexdigest()}
    _write_atomic(record_path, json.dumps(record).encode())
