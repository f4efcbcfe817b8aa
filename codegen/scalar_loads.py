"""Load each read-only array element once, at the top of its loop body, into a scalar.

A compiler cannot keep ``x[i]`` in a register across a store to ``out[...]``: the two arrays
might alias, so every use after a store reloads it, and a reload right after a store can stall
on a false store-to-load dependence (4 KiB aliasing). Arrays the kernel never writes are known
not to change, so their elements become scalars read before the first store (scalar
replacement). Only flat loop bodies (assignments, accumulations, stores) are rewritten.
"""
from __future__ import annotations

from sympy import Indexed, Piecewise, Symbol

from .contractions import GramLoop
from .ir import AddTo, Assign, Kernel, Loop, ScatterAdd, Store

_FLAT = (Assign, AddTo, ScatterAdd, Store)


def hoist_loads(kernel: Kernel, body: list) -> list:
    """``body`` (statements of ``kernel``) with the read-only loads of each flat loop body
    loaded once into ``_ld<k>`` scalars at the top of that body."""
    roots = {v.name: v.source for v in kernel.views}
    written = {roots.get(name, name) for name in _written(body)}
    read_only = {a for a, kind in kernel.args if kind == "array" and a not in written}
    read_only |= {v.name for v in kernel.views if v.source in read_only}
    counter = iter(range(1 << 62))
    return _rewrite(body, read_only, frozenset(), counter)


def _written(stmts: list) -> set[str]:
    names: set[str] = set()
    for st in stmts:
        if isinstance(st, Loop):
            names |= _written(st.body)
        elif isinstance(st, (Store, ScatterAdd)):
            names.add(st.array)
        elif isinstance(st, GramLoop):
            names |= {st.weights, st.array} | _written([st.loop])
    return names


def _rewrite(stmts: list, read_only: set[str], indices: frozenset, counter) -> list:
    out = []
    for st in stmts:
        if isinstance(st, Loop):
            inner = indices | {st.index}
            if st.body and all(isinstance(s, _FLAT) for s in st.body):
                body = _scalarize(st.body, read_only, inner, counter)
            else:
                body = _rewrite(st.body, read_only, inner, counter)
            out.append(Loop(st.index, st.start, st.stop, body))
        else:
            out.append(st)
    return out


def _scalarize(body: list, read_only: set[str], indices: frozenset, counter) -> list:
    """Loads of read-only arrays whose indices use only loop indices (or loads hoisted before
    them: gathers) become scalars assigned first; a body without stores is left alone."""
    if not any(isinstance(st, (Store, ScatterAdd)) for st in body):
        return body
    known = set(indices)
    loads: list[Assign] = []
    renames: dict = {}
    candidates = {e for st in body for value in _values(st) for e in _unguarded_loads(value)
                  if str(e.base) in read_only}
    while True:
        found: dict[str, list] = {}
        for e in candidates:
            if e not in renames and _ready(e.xreplace(renames), known):
                found.setdefault(str(e.xreplace(renames)), []).append(e)
        if not found:
            break
        for printed in sorted(found):        # the emitted source is a cache key: a fixed order
            same = found[printed]            # equal elements (symbols' assumptions may differ)
            target = Symbol(f"_ld{next(counter)}")
            loads.append(Assign(target, same[0].xreplace(renames)))
            renames.update(dict.fromkeys(same, target))
            known.add(target)
    if not loads:
        return body
    return loads + [_replaced(st, renames) for st in body]


def _values(st) -> list:
    return [st.value, st.index] if isinstance(st, (Store, ScatterAdd)) else [st.value]


def _unguarded_loads(value) -> set:
    """The loads ``value`` always performs: none under a Piecewise, whose branch may guard an
    index that is out of range otherwise (``x[i + 1] if i < n - 1 else 0``)."""
    found, seen, todo = set(), set(), [value]
    while todo:
        e = todo.pop()
        if e in seen:
            continue
        seen.add(e)
        if isinstance(e, Indexed):
            found.add(e)
        elif not isinstance(e, Piecewise):
            todo.extend(e.args)
    return found


def _ready(load: Indexed, known: set) -> bool:
    """Whether ``load``'s indices use only loop indices and loaded scalars (a gather waits for
    the load of its index)."""
    return all(not ix.atoms(Indexed) and ix.free_symbols <= known for ix in load.indices)


def _replaced(st, renames: dict):
    if isinstance(st, (Store, ScatterAdd)):
        return type(st)(st.array, st.index.xreplace(renames), st.value.xreplace(renames))
    return type(st)(st.target, st.value.xreplace(renames))
