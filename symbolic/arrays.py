"""Array symbols and element templates: structure that is never expanded (DESIGN.md, principle 1).

An array `Variable` or `Parameter` is one SymPy `IndexedBase`. Slicing it gives an `ArrayExpr`:
an element template such as ``x[i + 1]`` over an index space of a given shape. Arithmetic and
SymPy functions on templates build new templates; `sum` turns a template into a SymPy `Sum`.
"""
from __future__ import annotations

import itertools
import numbers
from typing import Any, Sequence

import numpy as np
import sympy
from sympy import Expr, IndexedBase, Indexed, Integer, Sum, Symbol, Tuple

from .errors import ShapeError

MAX_RANK = 8
_DECLARATIONS = itertools.count()


class _Declared:
    """Each declaration is its own symbol: two `Variable("x")` calls never compare equal.

    Otherwise SymPy's cache could hand expressions of a new declaration the bounds of an older
    one with the same name.
    """

    def _declare(self) -> None:
        self._serial = next(_DECLARATIONS)

    def _hashable_content(self):
        return super()._hashable_content() + (self._serial,)
#: Free element indices of templates: position d of a template's shape uses ``ELEMENT_INDEX[d]``.
ELEMENT_INDEX = tuple(Symbol(f"_i{d}", integer=True) for d in range(MAX_RANK))


def bound_index(depth: int, dim: int) -> Symbol:
    """Deterministic bound index of a `Sum` nested `depth` deep (so equal sums are equal terms)."""
    return Symbol(f"_k{depth}_{dim}", integer=True)


def is_loop_index(s: Any) -> bool:
    """Whether a symbol is an element or bound index created by sympile."""
    return isinstance(s, Symbol) and s.name.startswith(("_i", "_k", "_r")) and s.is_integer is True


def _bounds_array(value: Any, shape: tuple[int, ...], name: str, which: str) -> np.ndarray:
    arr = np.asarray(np.inf if value is None and which == "upper" else
                     -np.inf if value is None else value, dtype=float)
    try:
        return np.broadcast_to(arr, shape).astype(float)
    except ValueError:
        raise ShapeError(f"{which} bound of variable '{name}' has shape {arr.shape}, "
                         f"which does not broadcast to the variable's shape {shape}") from None


def _normalize_shape(shape: Any, name: str) -> tuple[int, ...]:
    if shape is None:
        return ()
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    shape = tuple(shape)
    if not all(isinstance(s, numbers.Integral) and s >= 1 for s in shape):
        raise ShapeError(f"shape of '{name}' must be positive integers, got {shape}")
    if len(shape) > MAX_RANK:
        raise ShapeError(f"'{name}' has rank {len(shape)}; at most {MAX_RANK} is supported")
    return tuple(int(s) for s in shape)


class ArraySymbol(_Declared, IndexedBase):
    """An array-valued unknown or datum: one symbol with an index space, never n scalars."""

    role = "array"
    _op_priority = 20.0

    def __new__(cls, name: str, shape: Any) -> "ArraySymbol":
        shape = _normalize_shape(shape, name)
        obj = IndexedBase.__new__(cls, name, shape=shape)
        obj._declare()
        return obj

    @property
    def shape(self) -> tuple[int, ...]:  # type: ignore[override]
        return tuple(int(s) for s in IndexedBase.shape.fget(self))

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __len__(self) -> int:
        return self.shape[0]

    def full(self) -> "ArrayExpr":
        """The whole array as a template ``x[i0, i1, ...]``."""
        return ArrayExpr(Indexed(self, *ELEMENT_INDEX[: self.ndim]), self.shape)

    def __getitem__(self, key: Any) -> Expr:
        return index_template(Indexed(self, *ELEMENT_INDEX[: self.ndim]), self.shape, key,
                              what=self.name)

    def __matmul__(self, other: Any) -> Expr:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Expr:
        return matmul(other, self)

    def _as_template(self) -> "ArrayExpr":
        return self.full()

    __iter__ = None  # not expanded into elements (and SymPy must not treat it as a sequence)


class Variable:
    """A decision variable: ``Variable("x")`` is a scalar symbol, ``Variable("x", shape=n)`` an array.

    >>> import symbolic as sy
    >>> x = sy.Variable("x", shape=3, lower=0)
    >>> x[1:] - x[:-1]
    ArrayExpr(x[_i0 + 1] - x[_i0], (2,))
    """

    def __new__(cls, name: str, shape: Any = None, lower: Any = None, upper: Any = None):
        _check_name(name)
        if shape is None or shape == ():
            sym = ScalarVariable(name)
        else:
            sym = ArrayVariable(name, shape)
        sym.lower = _bounds_array(lower, sym_shape(sym), name, "lower")
        sym.upper = _bounds_array(upper, sym_shape(sym), name, "upper")
        if np.any(sym.lower > sym.upper):
            raise ValueError(f"variable '{name}' has a lower bound above its upper bound")
        return sym


class Parameter:
    """Data bound at solve time, so new values never recompile: ``Parameter("A", shape=(m, n))``."""

    def __new__(cls, name: str, shape: Any = None):
        _check_name(name)
        if shape is None or shape == ():
            return ScalarParameter(name)
        return ArrayParameter(name, shape)


class ArrayVariable(ArraySymbol):
    role = "variable"


class ArrayParameter(ArraySymbol):
    role = "parameter"


class ScalarVariable(_Declared, Symbol):
    """A scalar decision variable; a plain SymPy symbol in every other respect."""

    role = "variable"
    shape: tuple[int, ...] = ()

    def __new__(cls, name: str) -> "ScalarVariable":
        obj = Symbol.__xnew__(cls, name, real=True)
        obj._declare()
        return obj


class ScalarParameter(_Declared, Symbol):
    """A scalar datum bound at solve time."""

    role = "parameter"
    shape: tuple[int, ...] = ()

    def __new__(cls, name: str) -> "ScalarParameter":
        obj = Symbol.__xnew__(cls, name, real=True)
        obj._declare()
        return obj


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name:
        raise TypeError(f"a variable or parameter name must be a non-empty string, got {name!r}")


def sym_shape(sym: Any) -> tuple[int, ...]:
    """Shape of a declared symbol (scalar symbols have shape ())."""
    return tuple(getattr(sym, "shape", ()) or ())


def is_variable(s: Any) -> bool:
    return getattr(s, "role", None) == "variable"


def is_parameter(s: Any) -> bool:
    return getattr(s, "role", None) == "parameter"


class ArrayExpr(Expr):
    """An element template over an index space: ``elem`` uses ``ELEMENT_INDEX[d]`` for axis d.

    It behaves like an array expression: arithmetic broadcasts scalars and checks shapes,
    SymPy functions apply elementwise, comparisons make array constraints.
    """

    _op_priority = 20.0
    is_commutative = True

    def __new__(cls, elem: Any, shape: Sequence[int]) -> "ArrayExpr":
        return Expr.__new__(cls, sympy.sympify(elem), Tuple(*[Integer(s) for s in shape]))

    @property
    def elem(self) -> Expr:
        return self.args[0]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.args[1])

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def __len__(self) -> int:
        return self.shape[0]

    def _as_template(self) -> "ArrayExpr":
        return self

    def __getitem__(self, key: Any) -> Expr:
        return index_template(self.elem, self.shape, key, what="array expression")

    def __matmul__(self, other: Any) -> Expr:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Expr:
        return matmul(other, self)

    def sum(self) -> Expr:
        return array_sum(self)

    def _binary(self, op, other, reverse=False):
        a, b = (other, self) if reverse else (self, other)
        return lift(op(_unevaluated(a), _unevaluated(b)))

    def __add__(self, o): return self._binary(sympy.Add, o)
    def __radd__(self, o): return self._binary(sympy.Add, o, True)
    def __sub__(self, o): return self._binary(_sub, o)
    def __rsub__(self, o): return self._binary(_sub, o, True)
    def __mul__(self, o): return self._binary(sympy.Mul, o)
    def __rmul__(self, o): return self._binary(sympy.Mul, o, True)
    def __truediv__(self, o): return self._binary(_div, o)
    def __rtruediv__(self, o): return self._binary(_div, o, True)
    def __pow__(self, o): return self._binary(sympy.Pow, o)
    def __rpow__(self, o): return self._binary(sympy.Pow, o, True)
    def __neg__(self): return ArrayExpr(-self.elem, self.shape)
    def __pos__(self): return self

    __iter__ = None  # a template is not expanded into elements

    def _sympystr(self, printer) -> str:
        return f"ArrayExpr({printer.doprint(self.elem)}, {self.shape})"

    def _latex(self, printer) -> str:
        return printer.doprint(self.elem)


def _sub(a: Expr, b: Expr) -> Expr:
    return sympy.Add(a, sympy.Mul(-1, b))


def _div(a: Expr, b: Expr) -> Expr:
    return sympy.Mul(a, sympy.Pow(b, -1))


def _unevaluated(a: Any) -> Expr:
    if isinstance(a, (ArraySymbol, ArrayExpr)):
        return a
    if isinstance(a, np.ndarray):
        raise TypeError("NumPy arrays cannot enter expressions directly; declare them as "
                        "sy.Parameter and bind the values at solve time")
    return sympy.sympify(a)


def lift(expr: Any) -> Expr:
    """Move templates embedded in an expression to the top: ``sin(T) + 1 -> T'`` (shape-checked).

    Returns a plain SymPy expression when no template is inside, else an `ArrayExpr`.
    """
    elem, shape = _lift(sympy.sympify(expr), {})
    return elem if shape is None else ArrayExpr(elem, shape)


def _lift(e: Expr, memo: dict) -> tuple[Expr, tuple[int, ...] | None]:
    if e in memo:
        return memo[e]
    if isinstance(e, ArrayExpr):
        res = (e.elem, e.shape)
    elif isinstance(e, ArraySymbol):
        res = (Indexed(e, *ELEMENT_INDEX[: e.ndim]), e.shape)
    elif e.is_Atom or isinstance(e, (Indexed, Sum)):
        res = (e, None)
    else:
        parts = [_lift(a, memo) for a in e.args]
        shapes = {s for _, s in parts if s is not None}
        if len(shapes) > 1:
            desc = ", ".join(str(s) for s in sorted(shapes))
            raise ShapeError(f"shape mismatch: operands of shapes {desc} are combined in "
                             f"'{type(e).__name__}'; slice them to a common shape "
                             f"(e.g. x[1:] with x[:-1])")
        if not shapes:
            res = (e, None)
        else:
            res = (e.func(*[p for p, _ in parts]), shapes.pop())
    memo[e] = res
    return res


def _sum_depth(e: Expr) -> int:
    sums = [s for s in sympy.preorder_traversal(e) if isinstance(s, Sum)]
    return max((int(s.name.split("_")[1][1:]) for x in sums for s in x.variables
                if s.name.startswith("_k")), default=0)


def array_sum(expr: Any, axis: int | None = None) -> Expr:
    """Sum of an array expression: a SymPy `Sum` over its index space (never expanded).

    >>> import symbolic as sy
    >>> x = sy.Variable("x", shape=5)
    >>> sy.sum(x**2)
    Sum(x[_k1_0]**2, (_k1_0, 0, 4))
    """
    t = lift(expr)
    if not isinstance(t, ArrayExpr):
        if isinstance(expr, (list, tuple)):
            return sympy.Add(*[array_sum(a) for a in expr])
        return t
    axes = range(t.ndim) if axis is None else [axis % t.ndim]
    depth = _sum_depth(t.elem) + 1
    limits = []
    ren = {}
    for d in axes:
        k = bound_index(depth, d)
        ren[ELEMENT_INDEX[d]] = k
        limits.append((k, 0, t.shape[d] - 1))
    s = Sum(t.elem.xreplace(ren), *limits)
    keep = [d for d in range(t.ndim) if d not in axes]
    if not keep:
        return s
    renumber = {ELEMENT_INDEX[d]: ELEMENT_INDEX[j] for j, d in enumerate(keep)}
    return ArrayExpr(s.xreplace(renumber), [t.shape[d] for d in keep])


def matmul(a: Any, b: Any) -> Expr:
    """Matrix/vector products of templates: ``A @ x`` is the template ``Sum(A[i, k] x[k], k)``."""
    ta, tb = lift(a), lift(b)
    if not isinstance(ta, ArrayExpr) or not isinstance(tb, ArrayExpr):
        raise ShapeError("'@' needs two array operands; use '*' to scale by a scalar")
    if ta.ndim > 2 or tb.ndim > 2:
        raise ShapeError(f"'@' supports vectors and matrices, got shapes {ta.shape} and {tb.shape}")
    if ta.shape[-1] != tb.shape[0]:
        raise ShapeError(f"'@' of shapes {ta.shape} and {tb.shape}: inner dimensions "
                         f"{ta.shape[-1]} and {tb.shape[0]} differ")
    depth = max(_sum_depth(ta.elem), _sum_depth(tb.elem)) + 1
    k = bound_index(depth, 0)
    i0, i1 = ELEMENT_INDEX[0], ELEMENT_INDEX[1]
    a_last = ELEMENT_INDEX[ta.ndim - 1]
    ea = ta.elem.xreplace({a_last: k})
    if tb.ndim == 2:
        eb = tb.elem.xreplace({i1: Symbol("_tmp_col", integer=True)}).xreplace({i0: k})
        eb = eb.xreplace({Symbol("_tmp_col", integer=True): ELEMENT_INDEX[ta.ndim - 1]})
    else:
        eb = tb.elem.xreplace({i0: k})
    s = Sum(ea * eb, (k, 0, ta.shape[-1] - 1))
    shape = ta.shape[:-1] + tb.shape[1:]
    return ArrayExpr(s, shape) if shape else s


def index_template(elem: Expr, shape: tuple[int, ...], key: Any, what: str) -> Expr:
    """Index or slice a template: integers pick an element, slices with constant bounds shift it."""
    if not isinstance(key, tuple):
        key = (key,)
    if any(k is Ellipsis for k in key):
        pos = key.index(Ellipsis)
        key = key[:pos] + (slice(None),) * (len(shape) - len(key) + 1) + key[pos + 1:]
    if len(key) > len(shape):
        raise IndexError(f"too many indices for {what} of shape {shape}: {len(key)}")
    key = key + (slice(None),) * (len(shape) - len(key))
    subs, new_shape = {}, []
    for d, (k, n) in enumerate(zip(key, shape)):
        if isinstance(k, slice):
            start, stop, step = k.indices(n)
            length = len(range(start, stop, step))
            if length == 0:
                raise IndexError(f"slice {k} of axis {d} of {what} (length {n}) is empty")
            subs[ELEMENT_INDEX[d]] = ("slice", start, step, len(new_shape))
            new_shape.append(length)
        elif isinstance(k, (numbers.Integral, np.integer)):
            k = int(k)
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for axis {d} of {what} "
                                 f"with size {n}")
            subs[ELEMENT_INDEX[d]] = ("int", k % n)
        else:
            raise TypeError(f"index {k!r} of {what}: only integers and slices with constant "
                            f"bounds are supported")
    mapping = {}
    for d, spec in subs.items():
        if spec[0] == "int":
            mapping[d] = Integer(spec[1])
        else:
            _, start, step, newpos = spec
            mapping[d] = start + step * Symbol(f"_tmp{newpos}", integer=True)
    out = elem.xreplace(mapping)
    out = out.xreplace({Symbol(f"_tmp{j}", integer=True): ELEMENT_INDEX[j]
                        for j in range(len(new_shape))})
    return ArrayExpr(out, new_shape) if new_shape else out
