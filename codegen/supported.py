"""Early check that a backend can emit every function of a problem or PDE, and its derivatives.

The backends' own printers decide (SymPy's code printers as configured in `codegen.printers`,
`codegen.llvm.expr.supported_functions` for llvm), so this check and the emitted code agree.
It runs before derivation and lowering, and names the function, where it occurs and the backend.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, Iterable

import sympy
from sympy.core.function import AppliedUndef, ArgumentIndexError
from sympy.printing.codeprinter import PrintMethodNotImplementedError

from symbolic.errors import UnsupportedFunctionError
from symbolic.pde.field import FieldFunction
from symbolic.pde.pde import DomainIntegral

#: backends checked here (cuda prints with numba's math functions; see `codegen.cuda_kernels`)
CHECKED_BACKENDS = ("numpy", "numba", "jax", "llvm", "cuda")
#: sympile's own function nodes, which the discretization replaces before code generation
STRUCTURE = (FieldFunction, DomainIntegral)


@lru_cache(maxsize=None)
def _printer(backend: str):
    from .printers import JaxVectorPrinter, NumPyVectorPrinter, ScalarPrinter
    if backend == "cuda":
        from .cuda_kernels import CudaIRPrinter
        return CudaIRPrinter()
    return {"numpy": NumPyVectorPrinter, "jax": JaxVectorPrinter,
            "numba": ScalarPrinter}[backend]()


def _emits(backend: str) -> Callable[[sympy.Basic], bool]:
    """Whether ``backend`` has code for the outermost function of a node."""
    if backend == "llvm":
        from .llvm.expr import supported_functions
        names = set(supported_functions())
        return lambda node: type(node).__name__ in names
    printer = _printer(backend)

    def emits(node: sympy.Basic) -> bool:
        try:
            printer.doprint(_skeleton(node))
        except PrintMethodNotImplementedError:
            return False
        return True
    return emits


def _skeleton(node: sympy.Basic) -> sympy.Basic:
    """The node's function applied to fresh symbols (numbers kept: a Bessel order, say), so
    printing it tests the function alone, not its arguments (which may hold sums)."""
    d = sympy.Dummy(real=True)
    if isinstance(node, sympy.Piecewise):
        return sympy.Piecewise((d, d > 0), (-d, True))
    return node.func(*[a if a.is_number else sympy.Dummy(real=True) for a in node.args])


def _functions(expr: sympy.Basic) -> list[sympy.Basic]:
    """Applied functions in ``expr`` (not fields), each kind once, in order of appearance."""
    seen, out = set(), []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Function) and not isinstance(node, STRUCTURE) \
                and node.func not in seen:
            seen.add(node.func)
            out.append(node)
    return out


def _derivatives(node: sympy.Basic, depth: int, unknowns: tuple) -> list[sympy.Basic]:
    """Partial derivatives of ``node`` in its arguments that hold ``unknowns``, ``depth`` orders."""
    out, level = [], [node]
    for _ in range(depth):
        nxt = []
        for f in level:
            for k, a in enumerate(f.args):
                if not isinstance(f, sympy.Function) or isinstance(f, sympy.Piecewise) \
                        or not a.has(*unknowns):
                    continue      # a Piecewise's derivatives are its branches' (checked there)
                try:
                    nxt.append(f.fdiff(k + 1))
                except (ArgumentIndexError, NotImplementedError):
                    continue      # `symbolic.derive` reports what has no derivative
        out += nxt
        level = [g for d in nxt for g in _functions(d)]
    return out


def _backends_for(node: sympy.Basic) -> list[str]:
    return [b for b in ("numpy", "numba", "jax", "llvm") if _emits(b)(node)]


def check_functions(pieces: Iterable[tuple[str, sympy.Basic]], backend: str,
                    unknowns: Iterable = (), derivative_order: int = 2) -> None:
    """Raise `UnsupportedFunctionError` for a function ``backend`` cannot emit.

    ``pieces``: (where, expression), e.g. ("the objective", f); the functions of the derivatives
    in ``unknowns`` (symbols, arrays or classes such as fields) up to ``derivative_order`` that
    the kernels need are checked too.

    >>> import sympy
    >>> x = sympy.Symbol("x", real=True)
    >>> check_functions([("the objective", sympy.loggamma(x))], "numba")
    >>> try:
    ...     check_functions([("the objective", sympy.loggamma(x))], "numba", unknowns=[x])
    ... except NotImplementedError as exc:
    ...     print(str(exc)[:57])
    backend 'numba' cannot emit the function polygamma, which
    >>> try:
    ...     check_functions([("constraint 'c0'", sympy.zeta(x))], "numba")
    ... except NotImplementedError as exc:
    ...     print(str(exc)[:72])
    backend 'numba' cannot emit the function zeta, in constraint 'c0' (zeta(
    """
    if backend not in CHECKED_BACKENDS:
        return
    emits, unknowns = _emits(backend), tuple(unknowns)
    for where, expr in pieces:
        if not isinstance(expr, sympy.Basic):
            continue
        for node in _functions(expr):
            if isinstance(node, AppliedUndef):
                raise UnsupportedFunctionError(
                    f"{node.func} is an undefined function (in {where}: {node}); sympile cannot "
                    f"differentiate or emit it: give its expression instead (e.g. replace "
                    f"{node} by the formula it stands for)")
            if not emits(node):
                others = [b for b in _backends_for(node) if b != backend]
                fix = (f"use backend {' or '.join(repr(b) for b in others)}, or rewrite it"
                       if others else "rewrite it")
                raise UnsupportedFunctionError(
                    f"backend {backend!r} cannot emit the function {node.func.__name__}, in "
                    f"{where} ({node}); {fix} with functions it supports (arithmetic, powers, "
                    f"elementary functions, erf, erfc, gamma, loggamma, Min, Max, Piecewise)")
            for d in _derivatives(node, derivative_order, unknowns):
                for g in _functions(d):
                    if not isinstance(g, AppliedUndef) and not emits(g):
                        raise UnsupportedFunctionError(
                            f"backend {backend!r} cannot emit the function {g.func.__name__}, "
                            f"which the derivatives of {node} (in {where}) need; rewrite "
                            f"{node.func.__name__} with functions whose derivatives it "
                            f"supports, or use a derivative-free formulation")
