"""Kernel IR: loops over index ranges and assignments, after CSE; what every backend emits from.

Expressions inside the IR are SymPy expressions without sums (sums are lowered to loops that
accumulate into a scalar). Arrays are addressed by name: inputs, views of inputs, and outputs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sympy import Expr, Symbol


@dataclass
class Assign:
    """``target = value`` (a scalar temporary, or an element-wise array in vectorized backends)."""

    target: Symbol
    value: Expr


@dataclass
class AddTo:
    """``target += value``: a reduction into a scalar accumulator inside a loop."""

    target: Symbol
    value: Expr


@dataclass
class ScatterAdd:
    """``array[index] += value``; ``index`` is a flat integer expression of the loop indices."""

    array: str
    index: Expr
    value: Expr


@dataclass
class Store:
    """``array[index] = value`` (each index written once)."""

    array: str
    index: Expr
    value: Expr


@dataclass
class Loop:
    """``for index in range(start, stop): body``."""

    index: Symbol
    start: Expr
    stop: Expr
    body: list = field(default_factory=list)


@dataclass(frozen=True)
class View:
    """``name`` is ``source[offset : offset + size]`` reshaped to ``shape`` (scalar if shape == ())."""

    name: str
    source: str
    offset: int
    shape: tuple[int, ...]


@dataclass
class Kernel:
    """One function: scalar and array arguments, views into them, outputs, a body, a result."""

    name: str
    args: list[tuple[str, str]]           # (name, "array" | "scalar")
    views: list[View]
    outputs: list[tuple[str, int]]        # (name, flat length), zero-initialized
    body: list
    result: Expr | None = None            # scalar return value (else the outputs are returned)
    complex_outputs: bool = False         # outputs hold complex128 instead of float64
    filled_outputs: frozenset = frozenset()  # outputs whose every entry is stored: no zero-fill
