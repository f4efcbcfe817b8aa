"""The e-graph stage with egglog: the only module of sympile that imports egglog.

It runs inside the worker process (`worker`) on `TermGraph` objects and never sees SymPy. The sort
``T`` has one constructor per node kind of `terms` (plus ``Ref i``, which names the loaded
nodes). Terms are loaded through egglog's low-level bindings in chunked rules (one rule action
per DAG node: the high-level API and the text parser are quadratic on large terms), rewritten
in bounded steps, and extracted by `extract` from a frozen copy of the e-graph.

Rulesets (all exact over the reals wherever the input is defined; a few extend the domain, as
``exp(log(a)) -> a`` does for a <= 0):

- ``exact``: constant folding, identities (``a*1``, ``a - a``, ``a/a``), signs, integer powers;
  floating-point exact up to the rounding of one operation.
- ``functions``: exp/log and power laws, log1p/expm1, trigonometric and hyperbolic identities
  (Pythagoras, double angles, tan = sin/cos both ways: a tan whose sin and cos are computed
  anyway costs one division), sqrt and hypot forms, inverse functions: each
  replaces function evaluations by others (or none).
- ``commute``: commutativity of + and * (exact in floating point), under the back-off scheduler.
- ``reals``: reassociation, factoring ``a*b + a*c -> a*(b + c)``, cancellation, merging of
  fractions, and splitting powers (``x**5 -> x**4*x``, ``x**4 -> (x**2)**2``: the powers of
  one base share their squares): exact only over the reals (they change rounding, possibly by
  cancellation). Under the back-off scheduler; left out with ``fp_strict``. Distribution (the reverse of
  factoring) is not a rule: it grows the e-graph fastest and rarely lowers the cost.

Budgets: a step is one pass of every ruleset; between steps the e-node count and the clock are
checked. The hard wall-clock limit is the worker's (the process is killed).
"""
from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

from egglog import bindings

from .extract import extract
from .terms import CALLS, FUNCTIONS, Node, TermGraph, node_cost

_SPAN = bindings.RustSpan("sympile", 0, 0)
_CHUNK = 100          # rule actions per loading rule
_UNARY = sorted(n for n in FUNCTIONS.values() if n not in ("Atan2", "Hypot"))


def _rat(p: int, q: int = 1) -> str:
    return f"(bigrat (bigint {p}) (bigint {q}))"


ZERO, ONE, TWO, NEG1 = _rat(0), _rat(1), _rat(2), _rat(-1)
#: Rules build integer powers up to this exponent only: on a class where a*a = a (0 and 1)
#: they would otherwise make a new power every step.
MAX_POWER = 16

DECLARATIONS = f"""
(datatype T
  (Num BigRat) (Leaf String) (Ref i64)
  (Add T T) (Sub T T) (Mul T T) (Div T T) (Neg T) (IPow T i64) (Pow T T) (Sqrt T)
  {' '.join(f'({n} T)' for n in _UNARY)} (Atan2 T T) (Hypot T T)
  (Call1 String T) (Call2 String T T) (Call3 String T T T))
(ruleset exact) (ruleset functions) (ruleset commute) (ruleset reals)
"""

EXACT = f"""
(rewrite (Add (Num p) (Num q)) (Num (+ p q)))
(rewrite (Sub (Num p) (Num q)) (Num (- p q)))
(rewrite (Mul (Num p) (Num q)) (Num (* p q)))
(rule ((= e (Div (Num p) (Num q))) (!= q {ZERO})) ((union e (Num (/ p q)))))
(rewrite (Neg (Num p)) (Num (neg p)))
(rewrite (Add a (Num {ZERO})) a)
(rewrite (Add (Num {ZERO}) a) a)
(rewrite (Sub a (Num {ZERO})) a)
(rewrite (Sub (Num {ZERO}) a) (Neg a))
(rewrite (Mul a (Num {ONE})) a)
(rewrite (Mul (Num {ONE}) a) a)
(rewrite (Mul a (Num {ZERO})) (Num {ZERO}))
(rewrite (Mul (Num {ZERO}) a) (Num {ZERO}))
(rewrite (Mul (Num {NEG1}) a) (Neg a))
(rewrite (Mul a (Num {NEG1})) (Neg a))
(rewrite (Div a (Num {ONE})) a)
(rewrite (Div (Num {ZERO}) a) (Num {ZERO}))
(rewrite (Neg (Neg a)) a)
(rewrite (Add a (Neg b)) (Sub a b))
(rewrite (Add (Neg a) b) (Sub b a))
(rewrite (Sub a (Neg b)) (Add a b))
(birewrite (Neg (Sub a b)) (Sub b a))
(rewrite (Sub a a) (Num {ZERO}))
(rewrite (Div a a) (Num {ONE}))
(rewrite (Add a a) (Mul (Num {TWO}) a))
(rewrite (Mul (Neg a) b) (Neg (Mul a b)))
(rewrite (Mul a (Neg b)) (Neg (Mul a b)))
(rewrite (Div (Neg a) b) (Neg (Div a b)))
(rewrite (Div a (Neg b)) (Neg (Div a b)))
(rewrite (Mul a a) (IPow a 2))
(rewrite (Mul (IPow a m) a) (IPow a (+ m 1)) :when ((< m {MAX_POWER})))
(rewrite (Mul a (IPow a m)) (IPow a (+ m 1)) :when ((< m {MAX_POWER})))
(rewrite (Mul (IPow a m) (IPow a n)) (IPow a (+ m n)) :when ((<= (+ m n) {MAX_POWER})))
(rewrite (IPow (IPow a m) n) (IPow a (* m n)) :when ((<= (* m n) {MAX_POWER})))
(rewrite (Div (IPow a m) a) (IPow a (- m 1)) :when ((> m 2)))
(rewrite (Div (IPow a 2) a) a)
(rewrite (IPow (Neg a) n) (IPow a n) :when ((= 0 (% n 2))))
(rewrite (IPow (Neg a) n) (Neg (IPow a n)) :when ((= 1 (% n 2))))
(rewrite (Div (Num {ONE}) (Div a b)) (Div b a))
(rewrite (Mul a (Div (Num {ONE}) b)) (Div a b))
(rewrite (Mul (Div (Num {ONE}) b) a) (Div a b))
"""

FUNCTION_RULES = f"""
(rewrite (Log (Exp a)) a)
(rewrite (Exp (Log a)) a)
(rewrite (Mul (Exp a) (Exp b)) (Exp (Add a b)))
(rewrite (Div (Exp a) (Exp b)) (Exp (Sub a b)))
(birewrite (Div (Num {ONE}) (Exp a)) (Exp (Neg a)))
(rewrite (Div a (Exp b)) (Mul a (Exp (Neg b))))
(rewrite (IPow (Exp a) n) (Exp (Mul (Num (bigrat (bigint n) (bigint 1))) a)))
(rewrite (Log (Add (Num {ONE}) a)) (Log1p a))
(rewrite (Log (Add a (Num {ONE}))) (Log1p a))
(rewrite (Sub (Exp a) (Num {ONE})) (Expm1 a))
(rewrite (Add (Num {NEG1}) (Exp a)) (Expm1 a))
(rewrite (Add (Exp a) (Num {NEG1})) (Expm1 a))
(rewrite (Exp (Log1p a)) (Add (Num {ONE}) a))
(rewrite (Log1p (Expm1 a)) a)
(rewrite (Add (Log a) (Log b)) (Log (Mul a b)))
(rewrite (Sub (Log a) (Log b)) (Log (Div a b)))
(rewrite (Add (IPow (Sin a) 2) (IPow (Cos a) 2)) (Num {ONE}))
(rewrite (Add (Mul c (IPow (Sin a) 2)) (Mul c (IPow (Cos a) 2))) c)
(rewrite (Sub (Num {ONE}) (IPow (Sin a) 2)) (IPow (Cos a) 2))
(rewrite (Sub (Num {ONE}) (IPow (Cos a) 2)) (IPow (Sin a) 2))
(rewrite (Add (IPow (Tan a) 2) (Num {ONE})) (Div (Num {ONE}) (IPow (Cos a) 2)))
(rewrite (Add (Num {ONE}) (IPow (Tan a) 2)) (Div (Num {ONE}) (IPow (Cos a) 2)))
(rewrite (Sub (IPow (Cosh a) 2) (IPow (Sinh a) 2)) (Num {ONE}))
(rewrite (Add (Num {ONE}) (IPow (Sinh a) 2)) (IPow (Cosh a) 2))
(rewrite (Div (Sin a) (Cos a)) (Tan a))
(rewrite (Div (Sinh a) (Cosh a)) (Tanh a))
(rewrite (Tan a) (Div (Sin a) (Cos a)))
(rewrite (Mul (Tan a) (Cos a)) (Sin a))
(rewrite (Mul (Mul (Num {TWO}) (Sin a)) (Cos a)) (Sin (Mul (Num {TWO}) a)))
(rewrite (Mul (Num {TWO}) (Mul (Sin a) (Cos a))) (Sin (Mul (Num {TWO}) a)))
(rewrite (Sin (Neg a)) (Neg (Sin a)))
(rewrite (Cos (Neg a)) (Cos a))
(rewrite (Tan (Neg a)) (Neg (Tan a)))
(rewrite (Sinh (Neg a)) (Neg (Sinh a)))
(rewrite (Cosh (Neg a)) (Cosh a))
(rewrite (Tanh (Neg a)) (Neg (Tanh a)))
(rewrite (Asin (Neg a)) (Neg (Asin a)))
(rewrite (Atan (Neg a)) (Neg (Atan a)))
(rewrite (Abs (Neg a)) (Abs a))
(rewrite (Abs (Abs a)) (Abs a))
(rewrite (Abs (IPow a n)) (IPow a n) :when ((= 0 (% n 2))))
(rewrite (IPow (Abs a) n) (IPow a n) :when ((= 0 (% n 2))))
(rewrite (Sqrt (IPow a 2)) (Abs a))
(rewrite (IPow (Sqrt a) 2) a)
(rewrite (Mul (Sqrt a) (Sqrt b)) (Sqrt (Mul a b)))
(rewrite (Div (Sqrt a) (Sqrt b)) (Sqrt (Div a b)))
(rewrite (Div a (Sqrt a)) (Sqrt a))
(rewrite (Sqrt (Add (IPow a 2) (IPow b 2))) (Hypot a b))
(rewrite (Tan (Atan a)) a)
(rewrite (Sin (Asin a)) a)
(rewrite (Cos (Acos a)) a)
(rewrite (Sinh (Asinh a)) a)
(rewrite (Cosh (Acosh a)) a)
(rewrite (Tanh (Atanh a)) a)
(rewrite (Sin (Mul (Num {TWO}) a)) (Mul (Num {TWO}) (Mul (Sin a) (Cos a))))
(rewrite (Cos (Mul (Num {TWO}) a)) (Sub (Num {ONE}) (Mul (Num {TWO}) (IPow (Sin a) 2))))
(rewrite (Cos (Mul (Num {TWO}) a)) (Sub (Mul (Num {TWO}) (IPow (Cos a) 2)) (Num {ONE})))
(rewrite (Pow a (Mul (Num {TWO}) b)) (IPow (Pow a b) 2))
(rewrite (Pow a (Mul (Num {_rat(3)}) b)) (IPow (Pow a b) 3))
(rewrite (Pow a (Add b (Num {ONE}))) (Mul (Pow a b) a))
(rewrite (Pow a (Sub b (Num {ONE}))) (Div (Pow a b) a))
(rewrite (Mul (Pow a b) (Pow a c)) (Pow a (Add b c)))
(rewrite (Div (Pow a b) (Pow a c)) (Pow a (Sub b c)))
(rewrite (Cos (Atan a)) (Div (Num {ONE}) (Sqrt (Add (Num {ONE}) (IPow a 2)))))
(rewrite (Sin (Atan a)) (Div a (Sqrt (Add (Num {ONE}) (IPow a 2)))))
"""

COMMUTE = """
(rewrite (Add a b) (Add b a))
(rewrite (Mul a b) (Mul b a))
(rewrite (Hypot a b) (Hypot b a))
"""

REALS = f"""
(rewrite (Add (Add a b) c) (Add a (Add b c)))
(rewrite (Add a (Add b c)) (Add (Add a b) c))
(rewrite (Mul (Mul a b) c) (Mul a (Mul b c)))
(rewrite (Mul a (Mul b c)) (Mul (Mul a b) c))
(rewrite (Sub (Add a b) c) (Add a (Sub b c)))
(rewrite (Add a (Sub b c)) (Sub (Add a b) c))
(rewrite (Sub a (Add b c)) (Sub (Sub a b) c))
(rewrite (Sub (Sub a b) c) (Sub a (Add b c)))
(rewrite (Sub a (Sub b c)) (Add (Sub a b) c))
(rewrite (Sub (Add a b) b) a)
(rewrite (Sub (Add a b) a) b)
(rewrite (Add a (Sub b a)) b)
(rewrite (Add (Sub b a) a) b)
(rewrite (Sub a (Add a b)) (Neg b))
(rewrite (Sub a (Sub a b)) b)
(rewrite (Sub (Sub a b) a) (Neg b))
(rewrite (Add (Sub a b) b) a)
(rewrite (Add (Mul a b) (Mul a c)) (Mul a (Add b c)))
(rewrite (Sub (Mul a b) (Mul a c)) (Mul a (Sub b c)))
(rewrite (Add a (Mul a b)) (Mul a (Add (Num {ONE}) b)))
(rewrite (Sub a (Mul a b)) (Mul a (Sub (Num {ONE}) b)))
(rewrite (Sub (Mul a b) a) (Mul a (Sub b (Num {ONE}))))
(rewrite (Add (Div a c) (Div b c)) (Div (Add a b) c))
(rewrite (Sub (Div a c) (Div b c)) (Div (Sub a b) c))
(rewrite (Add (Div a b) (Div c d)) (Div (Add (Mul a d) (Mul c b)) (Mul b d)))
(rewrite (Sub (Div a b) (Div c d)) (Div (Sub (Mul a d) (Mul c b)) (Mul b d)))
(rewrite (Add a (Div b c)) (Div (Add (Mul a c) b) c))
(rewrite (Add (Div a b) (Div c (IPow b 2))) (Div (Add (Mul a b) c) (IPow b 2)))
(rewrite (Sub (Div a b) (Div c (IPow b 2))) (Div (Sub (Mul a b) c) (IPow b 2)))
(rewrite (Sub (Div c (IPow b 2)) (Div a b)) (Div (Sub c (Mul a b)) (IPow b 2)))
(rewrite (Add (Div a b) (Div c (Mul b d))) (Div (Add (Mul a d) c) (Mul b d)))
(rewrite (Sub (Div a b) (Div c (Mul b d))) (Div (Sub (Mul a d) c) (Mul b d)))
(rewrite (Sub (Div c (Mul b d)) (Div a b)) (Div (Sub c (Mul a d)) (Mul b d)))
(rewrite (Div (Div a b) c) (Div a (Mul b c)))
(rewrite (Div a (Div b c)) (Div (Mul a c) b))
(rewrite (Mul (Div a b) c) (Div (Mul a c) b))
(rewrite (Mul a (Div b c)) (Div (Mul a b) c))
(rewrite (Div (Mul a b) a) b)
(rewrite (Div (Mul a b) b) a)
(rewrite (Neg (Add a b)) (Sub (Neg a) b))
(rewrite (IPow a n) (Mul (IPow a (- n 1)) a) :when ((> n 2)))
(rewrite (IPow a n) (IPow (IPow a (/ n 2)) 2) :when ((> n 3) (= 0 (% n 2))))
(rewrite (IPow a n) (Mul (IPow a (- n 2)) (IPow a 2)) :when ((> n 4)))
"""


def _tag(line: str, name: str) -> str:
    """Append ``:ruleset name`` to one top-level rule form."""
    return line[:-1] + f" :ruleset {name})"


PROGRAM = DECLARATIONS + "\n".join(
    "\n".join(_tag(line, name) for line in rules.strip().splitlines())
    for rules, name in [(EXACT, "exact"), (FUNCTION_RULES, "functions"),
                        (COMMUTE, "commute"), (REALS, "reals")])


def simplify_graph(graph: TermGraph, call_costs: dict[str, int], *, fp_strict: bool,
                   node_limit: int, iter_limit: int, time_limit: float, match_limit: int
                   ) -> tuple[TermGraph, dict[str, Any]]:
    """Rewrite ``graph`` within the budgets; return the cheapest extraction and statistics.

    Rewriting stops at saturation, after ``iter_limit`` steps, once the e-graph holds
    ``node_limit`` e-nodes (or three times its initial size, if larger: a large kernel gets
    room to rewrite), or after half of ``time_limit`` (the rest is left to extraction).
    """
    start = time.perf_counter()
    with _Session(graph) as session:
        node_limit = max(node_limit, 3 * session.size())
        stats = session.run(fp_strict=fp_strict, node_limit=node_limit, iter_limit=iter_limit,
                            deadline=start + time_limit / 2, match_limit=match_limit)
        result = session.extract(graph.roots, call_costs)
    stats["seconds"] = time.perf_counter() - start
    return result, stats


def prove_equal(graph: TermGraph, *, node_limit: int, iter_limit: int, time_limit: float,
                match_limit: int) -> bool:
    """Whether rewriting puts the two roots of ``graph`` in one e-class within the budgets."""
    a, b = graph.roots
    deadline = time.perf_counter() + time_limit
    with _Session(graph) as session:
        for _ in range(iter_limit):
            if session.same_class(a, b):
                return True
            if time.perf_counter() > deadline or session.size() > node_limit:
                return False
            if not session.step(fp_strict=False, match_limit=match_limit)[0]:
                break
        return session.same_class(a, b)


_BASE: list = []     # the e-graph holding PROGRAM, shared by the sessions of this process


def _base_egraph() -> bindings.EGraph:
    """An e-graph with the declarations and rules loaded (about 30 ms, so done once)."""
    if not _BASE:
        egraph = bindings.EGraph()
        egraph.run_program(*egraph.parse_program(PROGRAM))
        _BASE.append(egraph)
    return _BASE[0]


class _Session:
    """A loaded `TermGraph` (node i is the e-class of ``(Ref i)``) in the shared base e-graph,
    between egglog's ``push`` and ``pop``: leaving the session restores the base."""

    def __init__(self, graph: TermGraph) -> None:
        self.egraph = _base_egraph()
        self._run("(push)")
        try:
            self._load(graph)
        except BaseException:
            self._discard()
            raise

    def __enter__(self) -> "_Session":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self._run("(pop)")
        else:
            self._discard()

    def _discard(self) -> None:
        """Forget the base after an error inside a session: its state is unknown."""
        _BASE.clear()

    def _run(self, text: str) -> list:
        return self.egraph.run_program(*self.egraph.parse_program(text))

    # -- loading -----------------------------------------------------------------------------
    def _load(self, graph: TermGraph) -> None:
        def term(i: int) -> bindings.Call:
            node = graph.nodes[i]
            if node[0] in ("Num", "Leaf"):
                return _literal_term(node)
            return _call("Ref", _int(i))

        def body(node: Node) -> bindings.Call:
            op = node[0]
            if op in ("Num", "Leaf"):
                return _literal_term(node)
            if op == "IPow":
                return _call(op, term(node[1]), _int(node[2]))
            if op in CALLS:
                return _call(op, _str(node[1]), *[term(i) for i in node[2:]])
            return _call(op, *[term(i) for i in node[1:]])

        roots = set(graph.roots)
        actions = [bindings.Union(_SPAN, _call("Ref", _int(i)), body(node))
                   for i, node in enumerate(graph.nodes)
                   if node[0] not in ("Num", "Leaf") or i in roots]
        commands = [bindings.AddRuleset(_SPAN, "load")]
        for k in range(0, len(actions), _CHUNK):
            commands.append(bindings.RuleCommand(bindings.Rule(
                _SPAN, actions[k:k + _CHUNK], [], f"load{k}", "load")))
        commands.append(bindings.RunSchedule(bindings.Run(_SPAN, bindings.RunConfig("load", None))))
        self.egraph.run_program(*commands)

    # -- rewriting ---------------------------------------------------------------------------
    def run(self, *, fp_strict: bool, node_limit: int, iter_limit: int, deadline: float,
            match_limit: int) -> dict[str, Any]:
        fired: set[str] = set()
        stopped_by, iterations = "iterations", 0
        while iterations < iter_limit:
            if time.perf_counter() > deadline:
                stopped_by = "time"
                break
            if self.size() > node_limit:
                stopped_by = "nodes"
                break
            updated, rules = self.step(fp_strict=fp_strict, match_limit=match_limit)
            iterations += 1
            fired |= rules
            if not updated:
                stopped_by = "saturated"
                break
        return {"iterations": iterations, "rules_fired": len(fired), "nodes": self.size(),
                "stopped_by": stopped_by}

    def step(self, *, fp_strict: bool, match_limit: int) -> tuple[bool, set[str]]:
        """One pass of every ruleset: whether anything changed, and which rules matched."""
        reals = "" if fp_strict else "(run-with bo reals)"
        out = self._run(f"(run-schedule (let-scheduler bo (back-off :match-limit {match_limit}))"
                        f" (seq (run exact) (run functions) (run exact)"
                        f" (run-with bo commute) {reals}))")
        report = out[0].report
        fired = {rule for rule, n in report.num_matches_per_rule.items() if n}
        return report.updated, fired

    def size(self) -> int:
        """E-nodes in the e-graph, not counting the ``Ref`` names of loaded nodes."""
        (out,) = self.egraph.run_program(bindings.PrintSize(_SPAN, None))
        return sum(n for name, n in out.sizes if name != "Ref")

    def same_class(self, a: int, b: int) -> bool:
        try:
            self._run(f"(check (= (Ref {a}) (Ref {b})))")
        except bindings.EggSmolError:
            return False
        return True

    # -- extraction --------------------------------------------------------------------------
    def extract(self, roots: list[int], call_costs: dict[str, int]) -> TermGraph:
        classes, refs = self._classes()
        root_classes = [refs[r] for r in roots]
        choice, _ = extract(classes, root_classes,
                            lambda en: node_cost(en[0], en[1], call_costs))
        index = {cls: k for k, cls in enumerate(choice)}
        nodes = [_term_node(op, payload, [index[c] for c in kids])
                 for op, payload, kids in choice.values()]
        return TermGraph(nodes, [index[c] for c in root_classes])

    def _classes(self) -> tuple[dict[int, list[tuple]], dict[int, int]]:
        """E-classes as ``{class: [(op, payload, children)]}``, and the class of each ``Ref``."""
        frozen = self.egraph.freeze()
        ids: dict[Any, int] = {}
        classes: dict[int, list[tuple]] = {}
        refs: dict[int, int] = {}
        eg = self.egraph
        for name, fn in frozen.functions.items():
            if fn.is_let_binding:
                continue
            for row in fn.rows:
                if row.subsumed:
                    continue
                out = ids.setdefault(row.output, len(ids))
                ins = row.inputs
                if name == "Ref":
                    refs[eg.value_to_i64(ins[0])] = out
                    continue
                if name == "Num":
                    r: Fraction = eg.value_to_bigrat(ins[0])
                    enode = (name, (r.numerator, r.denominator), ())
                elif name == "Leaf":
                    enode = (name, (eg.value_to_string(ins[0]),), ())
                elif name == "IPow":
                    enode = (name, (eg.value_to_i64(ins[1]),), (ids.setdefault(ins[0], len(ids)),))
                elif name in CALLS:
                    enode = (name, (eg.value_to_string(ins[0]),),
                             tuple(ids.setdefault(v, len(ids)) for v in ins[1:]))
                else:
                    enode = (name, (), tuple(ids.setdefault(v, len(ids)) for v in ins))
                classes.setdefault(out, []).append(enode)
        return classes, refs


def _term_node(op: str, payload: tuple, kids: list[int]) -> Node:
    if op == "IPow":
        return (op, kids[0], payload[0])
    return (op, *payload, *kids)


def _call(name: str, *args: Any) -> bindings.Call:
    return bindings.Call(_SPAN, name, list(args))


def _int(i: int) -> bindings.Lit:
    return bindings.Lit(_SPAN, bindings.Int(i))


def _str(s: str) -> bindings.Lit:
    return bindings.Lit(_SPAN, bindings.String(s))


def _literal_term(node: Node) -> bindings.Call:
    if node[0] == "Num":
        return _call("Num", _call("bigrat", _call("bigint", _int(node[1])),
                                  _call("bigint", _int(node[2]))))
    return _call("Leaf", _str(node[1]))
