"""Lowering of structured SymPy terms to kernel IR: sums become loops, CSE, loop-invariant hoisting.

Each group of outputs sharing a loop nest becomes one loop nest. Common subexpressions are
computed once, at the outermost loop where all their indices are defined; a `Sum` inside a loop
body is computed in the outermost loop its summand depends on, so a sum that does not depend on
the loop around it is computed once, not once per iteration (O(n), never O(n^2)).

Before CSE, each group of values is simplified against the cycle cost model (``simplify=``:
"egraph" runs the canonical rules and the e-graph of `symbolic.simplify`, its results memoized
on disk next to the kernel cache, then CSE and shared reciprocals; "cse" only shares
subexpressions; None emits the terms as derived, without CSE).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import sympy
from sympy import Expr, Integer, Sum, Symbol

from .build import cache_dir
from .ir import AddTo, Assign, Loop, ScatterAdd, Store

SIMPLIFY_MODES = ("egraph", "cse", None)

LoopSpec = tuple[Symbol, Expr, Expr]   # (index, first, last) inclusive


@dataclass(eq=False)
class Scope:
    """A place statements go: the kernel body (depth 0) or the body of a loop."""

    stmts: list
    parent: "Scope | None" = None
    loop: Loop | None = None
    depth: int = 0
    defines: set = field(default_factory=set)   # loop index and symbols assigned here

    def chain(self) -> list["Scope"]:
        out, s = [], self
        while s is not None:
            out.append(s)
            s = s.parent
        return out[::-1]

    def open_loop(self, index: Symbol, first: Expr, last: Expr) -> "Scope":
        loop = Loop(index, first, last + 1, [])
        self.stmts.append(loop)
        return Scope(loop.body, self, loop, self.depth + 1, {index})


@dataclass
class Output:
    """One thing a kernel writes: ``array[index] (+)= value`` over ``loops``."""

    array: str
    index: Expr
    value: Expr
    loops: tuple[LoopSpec, ...] = ()
    accumulate: bool = True


class Lowerer:
    """Builds one kernel body; holds the counters that keep generated names unique."""

    def __init__(self, simplify: str | None = "egraph"):
        if simplify not in SIMPLIFY_MODES:
            raise ValueError(f"simplify={simplify!r} is not a simplification mode; choose "
                             f"'egraph', 'cse' or None")
        self.simplify = simplify
        self.root = Scope([])
        self.counter = 0
        self.sum_cache: dict[tuple[Expr, Scope], Symbol] = {}

    def fresh(self, prefix: str) -> Symbol:
        self.counter += 1
        return Symbol(f"{prefix}{self.counter}", real=True)

    def fresh_index(self) -> Symbol:
        self.counter += 1
        return Symbol(f"_j{self.counter}", integer=True)

    # -- placement -------------------------------------------------------------------------
    @staticmethod
    def home(expr: Expr, scope: Scope) -> Scope:
        """The outermost scope of ``scope``'s chain where every symbol of ``expr`` is defined."""
        free = expr.free_symbols
        best = scope.chain()[0]
        for s in scope.chain():
            if s.defines & free:
                best = s
        return best

    @staticmethod
    def insert(stmt, at: Scope, current: Scope) -> None:
        """Put ``stmt`` into ``at`` before the loop that leads down to ``current``."""
        if at is current:
            at.stmts.append(stmt)
            return
        child = current
        while child.parent is not at:
            child = child.parent
        at.stmts.insert(at.stmts.index(child.loop), stmt)

    # -- expressions ---------------------------------------------------------------------------
    def values(self, exprs: Sequence[Expr], scope: Scope) -> list[Expr]:
        """Sum-free expressions usable in ``scope``; temporaries and sums placed where they belong."""
        holders: dict[Symbol, Sum] = {}

        held: dict[Sum, Symbol] = {}

        def hide(e: Expr) -> Expr:
            # Top down: a sum that also occurs inside another sum (sum(x) in
            # sum((x - sum(x))**2) + sum(x)**2) is still hidden where it stands alone.
            if isinstance(e, Sum):
                if e not in held:
                    held[e] = Symbol(f"_sumholder{len(holders)}")
                    holders[held[e]] = e
                return held[e]
            if not e.args or not e.has(Sum):
                return e
            return e.func(*[hide(a) for a in e.args])

        hidden = [hide(sympy.sympify(e)) for e in exprs]
        temps, reduced = self._share(hidden, scope, holders)
        resolved: dict[Symbol, Expr] = {}

        def resolve(e: Expr) -> Expr:
            for h in sorted(e.free_symbols & holders.keys(), key=lambda s: s.name):
                if h not in resolved:
                    resolved[h] = self.sum_value(holders[h], scope)
            return e.xreplace(resolved)

        for t, e in temps:
            e = resolve(e)
            at = self.home(e, scope)
            self.insert(Assign(t, e), at, scope)
            at.defines.add(t)
        return [resolve(e) for e in reduced]

    def _share(self, exprs: list[Expr], scope: Scope, holders: dict[Symbol, Sum]
               ) -> tuple[list[tuple[Symbol, Expr]], list[Expr]]:
        """Temporaries and the values using them, per the simplification mode."""
        if self.simplify is None:
            return [], exprs
        if self.simplify == "cse":
            return sympy.cse(exprs, symbols=self._cse_names(), order="none")
        from symbolic.simplify import (cse_statements, hoist_invariant_factors, loop_cost,
                                       share_reciprocals, simplify_exprs)
        best, best_cost = None, None
        # what varies in this loop: priced per iteration first (hoisted work counts less)
        varying = set(scope.defines) if scope.depth else set()
        varying |= {h for h, s in holders.items() if s.free_symbols & varying}
        # The e-graph minimizes cost before CSE; what CSE then makes of it can differ, so
        # the rewritten and the original expressions both go through CSE: the cheaper wins.
        for candidate in (simplify_exprs(exprs, cache_dir=cache_dir() / "simplify",
                                         varying=sorted(varying, key=str)), exprs):
            temps, reduced = sympy.cse(candidate, symbols=self._cse_names(), order="none")
            temps, reduced = share_reciprocals(temps, reduced, lambda: self.fresh("_r"),
                                               group=self._home_key(temps, scope, holders))
            temps, reduced = cse_statements(temps, reduced, self._cse_names())
            temps, reduced = hoist_invariant_factors(temps, reduced, varying, self._cse_names())
            cost = loop_cost(temps, reduced, varying)
            if best_cost is None or cost < best_cost:
                best, best_cost = (temps, reduced), cost
        return best

    def _home_key(self, temps: list[tuple[Symbol, Expr]], scope: Scope,
                  holders: dict[Symbol, Sum]):
        """A function naming the scope a value over ``temps`` will be computed in: only
        denominators computed in one loop share a division (`share_reciprocals`)."""
        leaves: dict[Symbol, set] = {h: s.free_symbols for h, s in holders.items()}
        for t, e in temps:
            leaves[t] = set().union(*(leaves.get(s, {s}) for s in e.free_symbols))

        def key(e: Expr) -> int:
            free = set().union(*(leaves.get(s, {s}) for s in e.free_symbols))
            return id(self.home(sympy.Tuple(*free), scope))
        return key

    def _cse_names(self) -> Iterable[Symbol]:
        while True:
            yield self.fresh("_t")

    def sum_value(self, s: Sum, scope: Scope) -> Symbol:
        """An accumulator holding ``s``, computed in the outermost loop its summand needs."""
        at = self.home(s, scope)
        key = (s, at)
        if key in self.sum_cache:
            return self.sum_cache[key]
        acc = self.fresh("_acc")
        self.insert(Assign(acc, Integer(0)), at, scope)
        summand, inner = s.function, None
        for v, lo, hi in s.limits:
            idx = self.fresh_index()
            summand = summand.xreplace({v: idx})
            loop = Loop(idx, lo, hi + 1, [])
            if inner is None:
                self.insert(loop, at, scope)
                inner = Scope(loop.body, at, loop, at.depth + 1, {idx})
            else:
                inner = inner.open_loop(idx, lo, hi)
        value, = self.values([summand], inner)
        inner.stmts.append(AddTo(acc, value))
        at.defines.add(acc)
        self.sum_cache[key] = acc
        return acc

    # -- outputs -------------------------------------------------------------------------------
    def outputs(self, outs: Sequence[Output]) -> None:
        """Lower outputs, one loop nest per distinct loop signature, CSE shared within a nest."""
        groups: dict[tuple, list[Output]] = {}
        for o in outs:
            groups.setdefault(o.loops, []).append(o)
        for loops, members in groups.items():
            scope = self.root
            rename = {}
            for v, lo, hi in loops:
                idx = self.fresh_index()
                rename[v] = idx
                scope = scope.open_loop(idx, lo, hi)
            # xreplace walks the whole tree even with nothing to rename (0.5 s on 5e5 operations)
            values = [m.value.xreplace(rename) if rename else m.value for m in members]
            vals = self.values(values, scope)
            for m, val in zip(members, vals):
                if val == 0:
                    continue
                stmt = ScatterAdd if m.accumulate else Store
                scope.stmts.append(stmt(m.array, m.index.xreplace(rename), val))
        _prune_empty(self.root.stmts)

    def result(self, expr: Expr) -> Expr:
        """A scalar value computed at the top of the kernel (e.g. an objective)."""
        value, = self.values([expr], self.root)
        return value


def _prune_empty(stmts: list) -> None:
    for st in list(stmts):
        if isinstance(st, Loop):
            _prune_empty(st.body)
            if not st.body:
                stmts.remove(st)
