"""The bridge between SymPy and the e-graph: expressions as a hash-consed graph of plain terms.

A `TermGraph` is a list of nodes, children before parents, each a tuple of plain Python values
(so it pickles cheaply to the e-graph worker process, which never sees a SymPy object):

=========================  =========================================================
node                       meaning
=========================  =========================================================
``("Num", p, q)``          the rational p/q
``("Leaf", key)``          an atom kept opaque: a symbol, an array load ``x[i + 1]``, a
                           float, a constant such as ``sqrt(2)``, anything unsupported
``("Add", a, b)``          ``a + b``; likewise ``Sub``, ``Mul``, ``Div``, ``Pow`` (a**b)
``("Neg", a)``             ``-a``; likewise ``Sqrt`` and the functions in `FUNCTIONS`
``("IPow", a, n)``         ``a**n`` for an integer n >= 2
``("Call1", key, a)``      an opaque head applied to simplifiable arguments: an unknown
                           function ``f(a)``, ``besselj(0, a)``, a ``Sum`` over its summand
                           (``Call2``, ``Call3`` for two and three arguments)
=========================  =========================================================

`Encoder` turns SymPy expressions into a graph and remembers what each key stands for;
`Encoder.decode` turns a graph (the e-graph's extraction) back into SymPy, rebuilding opaque
atoms and heads from their keys. Values are taken to be real (see `canonical`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import sympy
from sympy import Add, Expr, Indexed, Integer, Mul, Pow, Rational, Sum
from sympy.codegen.cfunctions import expm1, hypot, log1p
from sympy.core.function import AppliedUndef

from . import cost

Node = tuple
#: SymPy function class -> node name, for every function the code printers emit natively.
FUNCTIONS: dict[type, str] = {
    sympy.exp: "Exp", sympy.log: "Log", log1p: "Log1p", expm1: "Expm1",
    sympy.sin: "Sin", sympy.cos: "Cos", sympy.tan: "Tan",
    sympy.asin: "Asin", sympy.acos: "Acos", sympy.atan: "Atan", sympy.atan2: "Atan2",
    sympy.sinh: "Sinh", sympy.cosh: "Cosh", sympy.tanh: "Tanh",
    sympy.asinh: "Asinh", sympy.acosh: "Acosh", sympy.atanh: "Atanh",
    sympy.Abs: "Abs", hypot: "Hypot",
}
_CLASSES = {name: cls for cls, name in FUNCTIONS.items()}
OP_COST: dict[str, int] = {
    "Num": 0, "Leaf": 0, "Add": cost.ADD, "Sub": cost.ADD, "Neg": cost.NEG, "Mul": cost.MUL,
    "Div": cost.DIV, "Pow": cost.POW, "Sqrt": cost.SQRT,
    **{name: cost.function_cost(cls.__name__) for cls, name in FUNCTIONS.items()},
}
CALLS = ("Call1", "Call2", "Call3")
_I64 = 2**62        # larger rationals stay opaque leaves (the e-graph's literals are 64-bit)


@dataclass
class TermGraph:
    """Nodes (children first) and the node index of each expression."""

    nodes: list[Node] = field(default_factory=list)
    roots: list[int] = field(default_factory=list)


def node_cost(op: str, payload: tuple, call_costs: dict[str, int]) -> int:
    """Cycles for one node's own operation (`cost` module's table); ``payload`` holds the
    node's non-term fields (the exponent of ``IPow``, the key of a ``Call``)."""
    if op == "IPow":
        return cost.int_pow_cost(payload[0])
    if op in CALLS:
        return call_costs[payload[0]]
    return OP_COST[op]


class Encoder:
    """Encodes SymPy expressions into one shared `TermGraph` and decodes graphs back."""

    def __init__(self) -> None:
        self.graph = TermGraph()
        self._ids: dict[Node, int] = {}
        self._memo: dict[sympy.Basic, int] = {}
        self._constant: dict = {}
        self._leaf_keys: dict[sympy.Basic, str] = {}
        self.leaves: dict[str, sympy.Basic] = {}
        self.heads: dict[str, Callable[..., Expr]] = {}
        #: own cost of each opaque head (``Call`` node), for extraction
        self.call_costs: dict[str, int] = {}

    # -- SymPy -> terms ----------------------------------------------------------------------
    def add_roots(self, exprs: Sequence[Expr]) -> list[int]:
        """Encode ``exprs`` as roots of the graph; returns their node indices."""
        ids = [self.encode(sympy.sympify(e)) for e in exprs]
        self.graph.roots.extend(ids)
        return ids

    def encode(self, e: sympy.Basic) -> int:
        if e not in self._memo:
            self._memo[e] = self._encode(e)
        return self._memo[e]

    def _node(self, *node) -> int:
        node = tuple(node)
        if node not in self._ids:
            self._ids[node] = len(self.graph.nodes)
            self.graph.nodes.append(node)
        return self._ids[node]

    def _leaf(self, e: sympy.Basic) -> int:
        if e not in self._leaf_keys:
            key = f"L{len(self.leaves)}"
            self._leaf_keys[e] = key
            self.leaves[key] = e
        return self._node("Leaf", self._leaf_keys[e])

    def _encode(self, e: sympy.Basic) -> int:
        if isinstance(e, Rational) and max(abs(e.p), e.q) < _I64:
            return self._node("Num", int(e.p), int(e.q))
        if e.is_Atom or isinstance(e, Indexed) or not isinstance(e, Expr) \
                or cost.is_constant(e, self._constant):
            return self._leaf(e)
        if isinstance(e, Add):
            return self._encode_add(e)
        if isinstance(e, Mul):
            return self._encode_mul(e)
        if isinstance(e, Pow):
            return self._encode_pow(e)
        if type(e) in FUNCTIONS:
            return self._node(FUNCTIONS[type(e)], *[self.encode(a) for a in e.args])
        return self._encode_opaque(e)

    def _fold(self, op: str, ids: list[int]) -> int:
        acc = ids[0]
        for i in ids[1:]:
            acc = self._node(op, acc, i)
        return acc

    def _encode_add(self, e: Add) -> int:
        pos, neg = [], []
        for t in e.args:
            if t.could_extract_minus_sign():
                neg.append(self.encode(-t))
            else:
                pos.append(self.encode(t))
        acc = self._fold("Add", pos) if pos else self._node("Neg", neg.pop(0))
        for n in neg:
            acc = self._node("Sub", acc, n)
        return acc

    def _encode_mul(self, e: Mul) -> int:
        coeff, factors = e.as_coeff_mul()
        if coeff.is_negative:
            return self._node("Neg", self.encode(-e))
        num = [self.encode(f) for f in factors if not _is_reciprocal(f)]
        den = [self.encode(Pow(f.base, -f.exp)) for f in factors if _is_reciprocal(f)]
        if coeff != 1:
            num.insert(0, self.encode(coeff))
        acc = self._fold("Mul", num) if num else self._node("Num", 1, 1)
        if den:
            acc = self._node("Div", acc, self._fold("Mul", den))
        return acc

    def _encode_pow(self, e: Pow) -> int:
        b, p = e.args
        if p.is_Integer or (p.is_Rational and p.q == 2):
            base = self.encode(b) if p.is_Integer else self._node("Sqrt", self.encode(b))
            n = abs(int(p.p))
            out = base if n == 1 else self._node("IPow", base, n)
            return self._node("Div", self._node("Num", 1, 1), out) if p < 0 else out
        return self._node("Pow", self.encode(b), self.encode(p))

    def _encode_opaque(self, e: Expr) -> int:
        """A head the e-graph does not know: keep it, simplify its arguments where it can."""
        if isinstance(e, Sum):
            args, head, own = [e.function], (lambda f, limits=e.limits: Sum(f, *limits)), cost.ADD
        elif isinstance(e, sympy.Function) and all(isinstance(a, Expr) for a in e.args):
            args, head = list(e.args), e.func
            own = cost.DEFAULT_FUNCTION if isinstance(e, AppliedUndef) else \
                cost.function_cost(type(e).__name__)
        else:
            return self._leaf(e)
        if not 1 <= len(args) <= len(CALLS):
            return self._leaf(e)
        key = f"H{len(self.heads)}"
        self.heads[key], self.call_costs[key] = head, own
        return self._node(CALLS[len(args) - 1], key, *[self.encode(a) for a in args])

    # -- terms -> SymPy ----------------------------------------------------------------------
    def decode(self, graph: TermGraph, *, evaluate: bool = True) -> list[Expr]:
        """SymPy expressions for the roots of ``graph`` (whose keys came from this encoder).

        SymPy's automatic evaluation can undo a choice of the extraction: ``h*(s**h)**2``
        becomes ``h*s**(2*h)``, a second general power. ``evaluate=False`` builds the terms
        exactly as extracted (binary sums and products), which the printers handle as well;
        its sums and products never repeat an argument (see `_distinct_args`).
        """
        built: list[Expr] = []
        with sympy.evaluate(evaluate):
            for node in graph.nodes:
                built.append(self._build(node, built))
        roots = [built[r] for r in graph.roots]
        if evaluate:
            return roots
        memo: dict = {}
        return [_distinct_args(e, memo) for e in roots]

    def _build(self, node: Node, built: list[Expr]) -> Expr:
        op = node[0]
        if op == "Num":
            return Rational(node[1], node[2])
        if op == "Leaf":
            return self.leaves[node[1]]
        if op in CALLS:
            return self.heads[node[1]](*[built[i] for i in node[2:]])
        if op == "IPow":
            return _power(built[node[1]], Integer(node[2]))
        args = [built[i] for i in node[1:]]
        if op == "Add":
            return args[0] + args[1]
        if op == "Sub":
            return args[0] - args[1]
        if op == "Neg":
            return -args[0]
        if op == "Mul":
            return _product(args[0], args[1])
        if op == "Div":
            return _product(args[0], _power(args[1], Integer(-1)))
        if op == "Pow":
            return _power(args[0], args[1])
        if op == "Sqrt":
            return _power(args[0], Rational(1, 2))
        return _CLASSES[op](*args)


def _distinct_args(e: sympy.Basic, memo: dict) -> sympy.Basic:
    """``e`` with no unevaluated product or sum repeating an argument or holding two numbers:
    ``x*x -> x**2``, ``-1*4*x -> -4*x``, ``a + a -> 2*a``. `sympy.cse` matches common
    arguments of products and sums as sets, and silently miscomputes when one repeats."""
    if e.is_Atom or isinstance(e, Indexed) or not e.args:
        return e
    if e not in memo:
        args = [_distinct_args(a, memo) for a in e.args]
        if isinstance(e, (Mul, Add)):
            numbers = [a for a in args if a.is_Number]
            counts: dict = {}
            for a in args:
                if not a.is_Number:
                    counts[a] = counts.get(a, 0) + 1
            if isinstance(e, Mul):
                coeff = Mul(*numbers)
                rest = [a if k == 1 else Pow(a, k, evaluate=False) for a, k in counts.items()]
            else:
                coeff = Add(*numbers)
                rest = [a if k == 1 else Mul(k, a, evaluate=False) for a, k in counts.items()]
            identity = 1 if isinstance(e, Mul) else 0
            parts = ([coeff] if coeff != identity or not rest else []) + rest
            memo[e] = parts[0] if len(parts) == 1 else e.func(*parts, evaluate=False)
        elif tuple(args) == e.args:
            memo[e] = e
        elif isinstance(e, (Pow, sympy.Function)):
            memo[e] = e.func(*args, evaluate=False)
        else:
            memo[e] = e.func(*args)
    return memo[e]


def _is_reciprocal(f: Expr) -> bool:
    return isinstance(f, Pow) and f.exp.is_Number and f.exp.is_negative


def _product(a: Expr, b: Expr) -> Expr:
    """``a*b`` as the e-graph chose it: SymPy would merge ``s**h * s`` into ``s**(h + 1)`` (a
    second general power where the extraction shares one) and distribute ``2*(x + y)``."""
    powers = [f.as_base_exp() for f in Mul.make_args(a) + Mul.make_args(b) if not f.is_Number]
    general = {base for base, p in powers if not p.is_Integer}
    merges = len({base for base, _ in powers}) < len(powers) and \
        any(sum(base == g for base, _ in powers) > 1 for g in general)
    if merges or (a.is_Number and isinstance(b, Add)) or (b.is_Number and isinstance(a, Add)):
        return Mul(a, b, evaluate=False)
    return a * b


def _power(b: Expr, p: Expr) -> Expr:
    """``b**p`` as the e-graph chose it: SymPy would turn ``(s**h)**2`` into ``s**(2*h)`` and
    ``(x*y)**2`` into ``x**2*y**2``; numbers and structure-keeping cases evaluate."""
    out = Pow(b, p)
    if out.is_Number or (isinstance(out, Pow) and out.args == (b, p)):
        return out
    if isinstance(b, (Pow, Mul, sympy.exp)):
        return Pow(b, p, evaluate=False)
    return out
