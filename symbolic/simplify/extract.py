"""Choosing one term per e-class so that the chosen DAG is cheap (the extraction step).

The objective is DAG cost: a class used in several places is paid once, as CSE will emit it
once. Exact DAG extraction is NP-hard; this is a cheap heuristic in pure Python, linear-
logarithmic in the e-graph's size per round:

1. tree-cost extraction (Knuth's generalisation of Dijkstra: a class is final once its cheapest
   node's children are final), where each child's cost is scaled by a discount;
2. rounds alternating two discounts: classes of the best choice so far cost nothing (they are
   paid for already, so reusing them is free), and each class used n times by the last choice
   costs 1/n (its cost is shared); the choice with the lowest exact DAG cost wins.

(egglog 13.2's own ``greedy_dag_cost_model`` panics on small e-graphs, egglog-python issue
#387, so it is not used.)
"""
from __future__ import annotations

import heapq
from typing import Callable, Hashable, Sequence

ENode = tuple  # (op, payload, children): payload is a tuple of primitives, children class ids
ROUNDS = 4


def extract(classes: dict[Hashable, list[ENode]], roots: Sequence[Hashable],
            cost: Callable[[ENode], float]) -> tuple[dict[Hashable, ENode], float]:
    """The chosen node of each class reachable from ``roots`` (children before parents), and
    the DAG cost of the choice."""
    graph = _Flat(classes, cost)
    discount: dict[Hashable, float] = {}
    best: tuple[dict, float] | None = None
    for round_ in range(ROUNDS):
        choice = graph.tree_choice(discount)
        missing = [r for r in roots if r not in choice]
        if missing:
            raise ValueError(f"no finite term for e-class {missing[0]!r}")
        reachable, uses = _reachable(choice, roots)
        total = sum(cost(choice[c]) for c in reachable)
        if best is None or total < best[1]:
            best = ({c: choice[c] for c in reachable}, total)
        if round_ % 2 == 0:
            discount = {c: 0.0 for c in best[0]}
        else:
            discount = {c: 1.0 / n for c, n in uses.items()}
    assert best is not None
    return best


class _Flat:
    """The e-nodes in flat arrays, with each class's parent nodes, built once for all rounds."""

    def __init__(self, classes: dict[Hashable, list[ENode]], cost: Callable[[ENode], float]):
        self.nodes = [(cls, node) for cls, members in classes.items() for node in members]
        self.own = [cost(node) for _, node in self.nodes]
        self.kids = [set(node[2]) for _, node in self.nodes]
        self.parents: dict[Hashable, list[int]] = {}
        for i, ks in enumerate(self.kids):
            for k in ks:
                self.parents.setdefault(k, []).append(i)
        self.leaves = [(self.own[i], i) for i, ks in enumerate(self.kids) if not ks]

    def tree_choice(self, discount: dict[Hashable, float]) -> dict[Hashable, ENode]:
        """Cheapest node per class by tree cost, children's costs scaled by ``discount``."""
        pending = [len(k) for k in self.kids]
        heap = list(self.leaves)
        heapq.heapify(heap)
        best: dict[Hashable, tuple[float, int]] = {}
        while heap:
            c, i = heapq.heappop(heap)
            cls = self.nodes[i][0]
            if cls in best:
                continue
            best[cls] = (c, i)
            for j in self.parents.get(cls, ()):
                pending[j] -= 1
                if pending[j] == 0:
                    total = self.own[j] + sum(best[k][0] * discount.get(k, 1.0)
                                              for k in self.kids[j])
                    heapq.heappush(heap, (total, j))
        return {cls: self.nodes[i][1] for cls, (_, i) in best.items()}


def _reachable(choice: dict[Hashable, ENode], roots: Sequence[Hashable]
               ) -> tuple[list[Hashable], dict[Hashable, int]]:
    """Classes the choice needs for ``roots`` (children first), and how often each is used."""
    uses: dict[Hashable, int] = {}
    order: list[Hashable] = []
    seen: set = set()
    stack: list[tuple[Hashable, bool]] = [(r, False) for r in roots]
    for r in roots:
        uses[r] = uses.get(r, 0) + 1
    while stack:
        cls, done = stack.pop()
        if done:
            order.append(cls)
            continue
        if cls in seen:
            continue
        seen.add(cls)
        stack.append((cls, True))
        for k in set(choice[cls][2]):
            uses[k] = uses.get(k, 0) + 1
            stack.append((k, False))
    return order, uses
