"""An on-disk memo of e-graph results, so that compiling the same kernel again skips the e-graph.

The key is a content hash of what the worker receives (the `TermGraph`, the costs of opaque
heads, the options and budgets) and of the rewriting code itself (the files of this package
that define the rules, the encoding and the extraction), so a changed rule set never serves a
stale answer. A `TermGraph` names symbols only by position, so two kernels that differ only in
their symbols' names share an entry. Entries are pickles of plain tuples, written to a
temporary name and renamed atomically, so concurrent compiles never read half a file.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from .terms import TermGraph

#: Files whose contents decide what the e-graph stage returns.
_RULE_FILES = ("egraph.py", "extract.py", "terms.py", "cost.py")
#: What `load` returns when there is no (readable) entry.
MISSING = object()


@lru_cache(maxsize=1)
def _rules_digest() -> str:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in _RULE_FILES:
        h.update((here / name).read_bytes())
    return h.hexdigest()


def key(graph: TermGraph, call_costs: dict[str, int], options: dict[str, Any]) -> str:
    """The content hash naming the e-graph result for this input.

    >>> g = TermGraph([("Leaf", "L0"), ("Leaf", "L1"), ("Mul", 0, 1)], [2])
    >>> key(g, {}, {"fp_strict": False}) == key(g, {}, {"fp_strict": False})
    True
    >>> key(g, {}, {"fp_strict": False}) == key(g, {}, {"fp_strict": True})
    False
    """
    text = repr((graph.nodes, graph.roots, sorted(call_costs.items()), sorted(options.items())))
    return hashlib.sha256((_rules_digest() + text).encode()).hexdigest()[:32]


def load(directory: Path, name: str) -> Any:
    """The stored answer for ``name``, or `MISSING` (also for an unreadable entry)."""
    try:
        with open(directory / f"{name}.pkl", "rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return MISSING


def store(directory: Path, name: str, answer: Any) -> None:
    """Write ``answer`` under ``name`` (best effort: a read-only cache is not an error)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(answer, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, directory / f"{name}.pkl")
    except OSError:
        pass

