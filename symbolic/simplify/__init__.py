"""Simplification against a cost (DESIGN.md, principle 3): canonical rules, then an e-graph.

``simplify_cost(expr)`` rewrites in stages: cheap directed rules to a fixpoint (`canonical`),
then equality saturation with egglog under node, iteration and time budgets and extraction of
the cheapest DAG (`egraph`, run in a worker process that is killed when the time is up).
Common-subexpression elimination is left to code generation; the cost it is measured by
(`cost.dag_cost`) already pays each shared subexpression once. The result is never dearer
than the input: each stage's output is kept only if it is cheaper than the best so far.

Expressions are treated as real-valued, as sympile's kernels compute them; one that holds ``I``
or a symbol declared complex is returned unchanged (the rules are exact only for real values).
Array loads (``x[i + 1]``), sums and functions the e-graph does not know pass through (their
arguments and summands are simplified).

>>> import symbolic as sy
>>> x, y = sy.symbols("x y", real=True)
>>> expr, report = sy.simplify_cost(sy.sin(x)**2 + sy.cos(x)**2 + x*y + x*(1 - y))
>>> expr
x + 1
>>> report.cost_before, report.cost_after
(276, 1)
"""
from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence

import sympy
from sympy import Expr, Symbol

from . import memo, worker
from .alternatives import cheapest_form, prepare
from .canonical import canonicalize
from .cost import MUL, dag_cost, loop_cost
from .reciprocals import share_reciprocals
from .statements import cse_statements, hoist_invariant_factors
from .terms import Encoder

_SIMPLIFY_GRAPH = f"{__name__}.egraph:simplify_graph"   # runs in the worker (egglog stays there)

__all__ = ["Budget", "SimplifyReport", "SimplifyResult", "cse_statements", "dag_cost",
           "hoist_invariant_factors", "loop_cost", "share_reciprocals", "simplify_cost",
           "simplify_exprs"]


@dataclass(frozen=True)
class Budget:
    """Limits of the e-graph stage. The defaults keep one call (one kernel) under ~2 s.

    ``time_limit`` is hard: past it the worker is killed and the canonical stage's result is
    returned (the worker's one-time start-up, about a second, is not counted). Rewriting itself stops at half of it, at ``node_limit`` e-nodes or after
    ``iter_limit`` rewrite steps, leaving the rest to extraction. ``match_limit`` is the
    back-off scheduler's per-rule match budget for commutativity and the real-only rules.
    """

    node_limit: int = 10_000
    iter_limit: int = 8
    time_limit: float = 1.5
    match_limit: int = 1_000

    def __post_init__(self) -> None:
        for name in ("node_limit", "iter_limit", "match_limit"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise ValueError(f"Budget.{name} must be a non-negative integer, "
                                 f"got {getattr(self, name)!r}")
        if not self.time_limit > 0:
            raise ValueError(f"Budget.time_limit must be positive seconds, got {self.time_limit!r}")


@dataclass
class SimplifyReport:
    """What a simplification did. Costs are estimated CPU cycles (`cost` module).

    ``stopped_by`` says why the e-graph stopped: "saturated", "iterations", "nodes" (budgets
    checked between steps), "time" (the hard limit: the e-graph's work was discarded), "error"
    (see ``error``) or "skipped" (nothing to rewrite).
    """

    cost_before: int
    cost_after: int
    time: float
    iterations: int = 0
    rules_fired: int = 0
    nodes: int = 0
    stopped_by: str = "skipped"
    fp_strict: bool = False
    error: str | None = None
    stage_costs: dict[str, int] = field(default_factory=dict)

    @property
    def budget_exhausted(self) -> bool:
        """Whether a budget (time, nodes, iterations) ended rewriting before saturation."""
        return self.stopped_by in ("time", "nodes", "iterations")

    def __str__(self) -> str:
        ratio = self.cost_before / self.cost_after if self.cost_after else float("inf")
        return (f"cost {self.cost_before} -> {self.cost_after} cycles ({ratio:.2f}x) in "
                f"{self.time:.3f} s; e-graph: {self.iterations} iterations, {self.rules_fired} "
                f"rules fired, {self.nodes} nodes, stopped by {self.stopped_by}")


class SimplifyResult(NamedTuple):
    """``(expr, report)``: ``expr`` is one expression, or a list when a list was given."""

    expr: Any
    report: SimplifyReport


def simplify_cost(expr_or_list: Expr | Sequence[Expr], *, fp_strict: bool = False,
                  budget: Budget | None = None) -> SimplifyResult:
    """Rewrite expressions to ones that cost fewer CPU cycles; never to dearer ones.

    Several expressions are simplified together, so subexpressions they share count once.
    ``fp_strict=True`` leaves out the rewrites that are exact only over the reals
    (reassociation, distribution and factoring, merging fractions); identities between
    functions (``sin(x)**2 + cos(x)**2 -> 1``, ``log(exp(x)) -> x``) still apply.
    """
    single = not isinstance(expr_or_list, (list, tuple))
    items = [expr_or_list] if single else list(expr_or_list)
    exprs, rewrap = _unwrap(items)
    out, report = _simplify(exprs, fp_strict, budget or Budget())
    out = [wrap(e) for wrap, e in zip(rewrap, out)]
    return SimplifyResult(out[0] if single else out, report)


#: The budget of `simplify_exprs` (code generation): fewer steps and e-nodes than `Budget`'s
#: defaults. Each rewrite step costs ~10 ms even on a tiny e-graph, and on the Hock-Schittkowski
#: kernels steps 6 to 8 lowered the total cost by 0.1 %.
CODEGEN_BUDGET = Budget(node_limit=3_000, iter_limit=5)
#: Expressions with fewer operations than this (all together) skip the e-graph: the canonical
#: rules already do what rewriting could, and a worker round trip would cost more than it saves.
MIN_EGRAPH_OPS = 4


def simplify_exprs(exprs: Sequence[Expr], *, fp_strict: bool = False,
                   cache_dir: str | Path | None = None, varying: Sequence[Symbol] = (),
                   **budget: Any) -> list[Expr]:
    """`simplify_cost` for code generation: the simplified list only (``budget``: `Budget`'s
    fields as keywords, e.g. ``time_limit=0.5``; the others default to `CODEGEN_BUDGET`).

    With ``cache_dir``, e-graph results are kept on disk there (`memo`): compiling the same
    kernel again does not run the e-graph again. Inputs with fewer than `MIN_EGRAPH_OPS`
    operations get the canonical rules only. Without ``fp_strict``, the input (after the
    canonical rules) and factored forms of the answer and of the input compete with the
    answer, priced after CSE (`alternatives`); for a loop body, ``varying`` names the loop's
    index and the values computed in it, and forms are compared by cycles per iteration first
    (what can be hoisted out of the loop counts less).

    >>> import sympy
    >>> x, y = sympy.symbols("x y", real=True)
    >>> simplify_exprs([sympy.exp(x) * sympy.exp(y) * x + x * y], time_limit=1.0)
    [x*(y + exp(x + y))]
    """
    cache = Path(cache_dir) if cache_dir is not None else None
    exprs = [sympy.sympify(e) for e in exprs]
    limits = Budget(**{**asdict(CODEGEN_BUDGET), **budget})
    relaxed = not fp_strict and not _complex_valued_any(exprs)
    out, _ = _simplify(exprs, fp_strict, limits, cache=cache, min_ops=MIN_EGRAPH_OPS,
                       meanwhile=(lambda canon: prepare(canon, varying)) if relaxed else None)
    if not relaxed:
        return out
    return cheapest_form(out, [canonicalize(e) for e in exprs], varying)[0]


def _unwrap(items: list) -> tuple[list[Expr], list]:
    """Plain SymPy expressions, and how to put each back (element templates keep their shape)."""
    from ..arrays import ArrayExpr

    exprs, rewrap = [], []
    for item in items:
        if isinstance(item, ArrayExpr):
            exprs.append(item.elem)
            rewrap.append(lambda e, shape=item.shape: ArrayExpr(e, shape))
        else:
            try:
                expr = sympy.sympify(item, strict=True)
            except sympy.SympifyError:
                expr = None
            if not isinstance(expr, Expr):
                raise TypeError(f"simplify_cost needs SymPy expressions; got "
                                f"{type(item).__name__} {item!r}")
            exprs.append(expr)
            rewrap.append(lambda e: e)
    return exprs, rewrap


def _simplify(exprs: list[Expr], fp_strict: bool, budget: Budget, *, cache: Path | None = None,
              min_ops: int = 0, meanwhile: Callable[[list[Expr]], Any] | None = None
              ) -> tuple[list[Expr], SimplifyReport]:
    """Canonical rules, then the e-graph; ``meanwhile(canonical)`` runs in this process while
    the e-graph's worker runs (work that does not need its answer)."""
    start = time.perf_counter()
    best, best_cost = exprs, dag_cost(exprs)
    report = SimplifyReport(cost_before=best_cost, cost_after=best_cost, time=0.0,
                            fp_strict=fp_strict, stage_costs={"input": best_cost})
    if _complex_valued_any(exprs):
        report.time = time.perf_counter() - start
        return exprs, report
    canon = [canonicalize(e, fp_strict) for e in exprs]
    report.stage_costs["canonical"] = dag_cost(canon)
    if report.stage_costs["canonical"] <= best_cost:
        best, best_cost = canon, report.stage_costs["canonical"]
    if best_cost > 0:
        candidate = _egraph_stage(best, fp_strict, budget, report, cache, min_ops,
                                  lambda: meanwhile(canon) if meanwhile is not None else None)
        if candidate is not None:
            report.stage_costs["egraph"] = dag_cost(candidate)
            if report.stage_costs["egraph"] < best_cost:
                best, best_cost = candidate, report.stage_costs["egraph"]
    report.cost_after = best_cost
    report.time = time.perf_counter() - start
    return best, report


def _complex_valued_any(exprs: Sequence[Expr]) -> bool:
    """Whether any of ``exprs`` may take complex values: it holds ``I`` or a symbol declared
    non-real. The rules assume real values (``abs(z)**2 -> z**2``), so such input is left as
    it is. One walk over the expressions' DAG: SymPy's ``has`` and ``free_symbols`` walk
    the tree, each use of a shared subexpression again (seconds on large Jacobians)."""
    todo, seen = list(exprs), set()
    while todo:
        e = todo.pop()
        if e in seen:
            continue
        seen.add(e)
        if e is sympy.I or (e.is_Symbol and (e.is_real is False or
                                             (e.is_complex and not e.is_real))):
            return True
        todo.extend(e.args)
    return False


def _egraph_stage(exprs: list[Expr], fp_strict: bool, budget: Budget, report: SimplifyReport,
                  cache: Path | None = None, min_ops: int = 0,
                  meanwhile: Callable[[], Any] | None = None) -> list[Expr] | None:
    """The e-graph's extraction for ``exprs``, or None (skipped, time ran out, or the worker
    failed). With ``cache``, answers (timeouts too) are looked up and stored there.
    ``meanwhile()`` runs while the worker rewrites (or right away when it is not needed)."""
    meanwhile = meanwhile or (lambda: None)
    encoder = Encoder()
    encoder.add_roots(exprs)
    if sum(node[0] not in ("Num", "Leaf") for node in encoder.graph.nodes) < min_ops:
        meanwhile()
        return None
    options = {"fp_strict": fp_strict, **asdict(budget)}
    name = memo.key(encoder.graph, encoder.call_costs, options) if cache is not None else ""
    answer = memo.load(cache, name) if cache is not None else memo.MISSING
    try:
        if answer is memo.MISSING:
            pending = worker.submit(_SIMPLIFY_GRAPH, encoder.graph, encoder.call_costs,
                                    timeout=budget.time_limit, **options)
            try:
                meanwhile()
            finally:
                answer = pending.result()
            if cache is not None:
                memo.store(cache, name, None if answer is worker.TIMED_OUT else answer)
        else:
            meanwhile()
    except worker.WorkerError as exc:
        report.stopped_by, report.error = "error", str(exc)
        warnings.warn(f"e-graph simplification failed, using the canonical form: {exc}",
                      RuntimeWarning, stacklevel=4)
        return None
    if answer is worker.TIMED_OUT or answer is None:
        report.stopped_by = "time"
        return None
    graph, stats = answer
    report.iterations, report.rules_fired = stats["iterations"], stats["rules_fired"]
    report.nodes, report.stopped_by = stats["nodes"], stats["stopped_by"]
    evaluated, as_extracted = encoder.decode(graph), encoder.decode(graph, evaluate=False)
    # SymPy's evaluated form is what users and printers expect; keep the extracted structure
    # (binary sums and products, which evaluation could merge back) only when that saves more
    # than a multiplication.
    try:
        keep_structure = dag_cost(as_extracted) < dag_cost(evaluated) - MUL
    except RecursionError:      # long chains of binary sums exceed SymPy's recursive helpers
        keep_structure = False
    return as_extracted if keep_structure else evaluated
