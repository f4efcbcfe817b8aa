"""Kernel IR → LLVM IR functions: the LLVM twin of `codegen.emit_loops`.

Every kernel becomes one C-callable function: array arguments are pointers (``noalias``, so
the loop vectorizer may use SIMD), scalar arguments are floats, loop bounds are i64, outputs
are caller-provided pointers that the function zero-fills before accumulating into them (unless
every entry is stored: `Kernel.filled_outputs`), and a scalar result is the return value.

>>> import numpy as np, sympy
>>> from llvmlite import ir
>>> from codegen.ir import AddTo, Assign, Kernel, Loop
>>> from codegen.llvm.native import NativeLibrary
>>> j, acc, x = sympy.Symbol("j", integer=True), sympy.Symbol("acc"), sympy.IndexedBase("x")
>>> body = [Assign(acc, sympy.Integer(0)), Loop(j, 0, 3, [AddTo(acc, x[j] ** 2)])]
>>> module = ir.Module()
>>> sig = emit_kernel(module, Kernel("sumsq", [("x", "array")], [], [], body, result=acc))
>>> sig.prototype("double")
'double sumsq(const double *restrict x);'
>>> lib = NativeLibrary(str(module), [sig], "float64")
>>> lib.cfuncs["sumsq"](lib.ref(np.array([1.0, 2.0, 3.0])))
14.0
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy
from llvmlite import ir

from ..ir import AddTo, Assign, Kernel, Loop, ScatterAdd, Store
from .expr import I64, ExprEmitter
from .names import c_name
from .vecmath import vector_isas

FLOAT_TYPES = {"float64": (ir.DoubleType(), "double"), "float32": (ir.FloatType(), "float")}


@dataclass
class CParam:
    """One parameter of an emitted function as C sees it."""

    name: str        # the kernel-IR name
    kind: str        # "array" | "scalar" | "index" | "output"


@dataclass
class CFunction:
    """What an emitted function takes and returns, for ctypes and for the C header."""

    name: str
    params: list[CParam]
    returns_value: bool
    doc: str = ""
    output_sizes: tuple[int, ...] = ()

    def prototype(self, ctype: str) -> str:
        """The C declaration, e.g. ``double objective(const double *restrict _z);``."""
        parts = []
        for p in self.params:
            name = c_name(p.name)
            parts.append({"array": f"const {ctype} *restrict {name}",
                          "output": f"{ctype} *restrict {name}",
                          "scalar": f"{ctype} {name}",
                          "index": f"int64_t {name}"}[p.kind])
        ret = ctype if self.returns_value else "void"
        return f"{ret} {c_name(self.name)}({', '.join(parts) or 'void'});"


class FunctionEmitter:
    """Emits one kernel-IR function body into an LLVM module."""

    def __init__(self, module: ir.Module, fn: CFunction, dtype: str,
                 shapes: dict[str, tuple[int, ...]] | None = None, views=()):
        self.ftype = FLOAT_TYPES[dtype][0]
        ptr = self.ftype.as_pointer()
        kinds = {"array": ptr, "output": ptr, "scalar": self.ftype, "index": I64}
        fnty = ir.FunctionType(self.ftype if fn.returns_value else ir.VoidType(),
                               [kinds[p.kind] for p in fn.params])
        self.fn = ir.Function(module, fnty, c_name(fn.name))
        self.fn.attributes.add("nounwind")
        if max(vector_isas(), default=0) == 512:
            # LLVM keeps to 256-bit vectors on many AVX-512 CPUs; libmvec's 512-bit variants and
            # wide loads run 2-4x faster there (llvmlite knows no string attributes: set.add)
            set.add(self.fn.attributes, '"prefer-vector-width"="512"')
        self.values: dict[str, ir.Value] = {}
        self.arrays: dict[str, tuple[ir.Value, int, tuple[int, ...]]] = {}
        for p, arg in zip(fn.params, self.fn.args):
            arg.name = c_name(p.name)
            if p.kind in ("array", "output"):
                arg.add_attribute("noalias")
                arg.add_attribute("captures(none)")
                self.arrays[p.name] = (arg, 0, (shapes or {}).get(p.name, ()))
            else:
                self.values[p.name] = arg
        self.b = ir.IRBuilder(self.fn.append_basic_block("entry"))
        self.slots: dict[str, ir.Value] = {}
        self.expr = ExprEmitter(self.b, self.ftype, self._symbol, self._indexed)
        for v in views:
            base, start, _ = self.arrays[v.source]
            if v.shape == ():
                at = ir.Constant(I64, start + v.offset)
                self.values[v.name] = self.b.load(self.b.gep(base, [at], inbounds=True))
            else:
                self.arrays[v.name] = (base, start + v.offset, tuple(v.shape))

    # -- names -----------------------------------------------------------------------------------
    def _symbol(self, s: sympy.Symbol) -> ir.Value:
        if s.name in self.slots:
            return self.b.load(self.slots[s.name])
        if s.name not in self.values:
            raise NameError(f"the llvm backend found no value for symbol '{s.name}' "
                            f"(not an argument, view or earlier assignment)")
        return self.values[s.name]

    def _address(self, array: str, index: list[sympy.Basic]) -> ir.Value:
        if array not in self.arrays:
            raise NameError(f"the llvm backend found no array '{array}' among the arguments")
        base, offset, shape = self.arrays[array]
        if len(index) > 1 and len(shape) != len(index):
            raise ValueError(f"array '{array}' is indexed with {len(index)} indices but its "
                             f"shape is unknown to the llvm backend; pass its shape")
        flat = sympy.Integer(offset)
        stride = 1
        for i, size in reversed(list(zip(index, shape or (1,) * len(index)))):
            flat += stride * i
            stride *= size
        return self.b.gep(base, [self.expr.index(sympy.expand(flat))], inbounds=True)

    def _indexed(self, e: sympy.Indexed) -> ir.Value:
        return self.b.load(self._address(str(e.base.label), list(e.indices)))

    # -- statements ------------------------------------------------------------------------------
    def zero(self, name: str, size: int) -> None:
        """Zero-fill an output array of ``size`` elements (kernel outputs start at zero)."""
        if size:
            base = self.arrays[name][0]
            memset = self.b.module.declare_intrinsic("llvm.memset", [base.type, I64])
            nbytes = size * (8 if self.ftype == ir.DoubleType() else 4)
            self.b.call(memset, [base, ir.Constant(ir.IntType(8), 0), ir.Constant(I64, nbytes),
                                 ir.Constant(ir.IntType(1), 0)])

    def accumulators(self, stmts: list) -> None:
        """Stack slots for every ``AddTo`` target (mem2reg turns them into registers)."""
        for st in stmts:
            if isinstance(st, Loop):
                self.accumulators(st.body)
            elif isinstance(st, AddTo) and st.target.name not in self.slots:
                with self.b.goto_entry_block():
                    self.slots[st.target.name] = self.b.alloca(self.ftype,
                                                               name=st.target.name)

    def walk(self, stmts: list) -> None:
        for st in stmts:
            if isinstance(st, Loop):
                self.loop(st)
            elif isinstance(st, Assign):
                value = self.expr.value(st.value)
                if st.target.name in self.slots:
                    self.b.store(value, self.slots[st.target.name])
                else:
                    self.values[st.target.name] = value
            elif isinstance(st, AddTo):
                slot = self.slots[st.target.name]
                self.b.store(self.b.fadd(self.b.load(slot), self.expr.value(st.value)), slot)
            elif isinstance(st, (ScatterAdd, Store)):
                value = self.expr.value(st.value)
                address = self._address(st.array, [st.index])
                if isinstance(st, ScatterAdd):
                    value = self.b.fadd(self.b.load(address), value)
                self.b.store(value, address)
            else:
                raise TypeError(f"unknown IR statement {st!r}")

    def loop(self, st: Loop) -> None:
        """``for index in range(start, stop)`` as header/body blocks with a phi for the index."""
        start = self.expr.index(sympy.sympify(st.start))
        stop = self.expr.index(sympy.sympify(st.stop))
        before = self.b.block
        header = self.fn.append_basic_block(f"loop_{st.index.name}")
        body = self.fn.append_basic_block(f"body_{st.index.name}")
        done = self.fn.append_basic_block(f"done_{st.index.name}")
        self.b.branch(header)
        self.b.position_at_end(header)
        index = self.b.phi(I64, name=st.index.name)
        index.add_incoming(start, before)
        self.b.cbranch(self.b.icmp_signed("<", index, stop), body, done)
        self.b.position_at_end(body)
        outer = dict(self.values)
        self.values[st.index.name] = index
        self.walk(st.body)
        index.add_incoming(self.b.add(index, ir.Constant(I64, 1), flags=["nsw"]), self.b.block)
        self.b.branch(header)
        self.b.position_at_end(done)
        self.values = outer

    def finish(self, result: sympy.Basic | None) -> None:
        if result is None:
            self.b.ret_void()
        else:
            self.b.ret(self.expr.value(sympy.sympify(result)))


def _signature(kernel: Kernel) -> CFunction:
    """The C signature of a kernel-IR function: its arguments, then its outputs."""
    if kernel.complex_outputs:
        raise NotImplementedError(f"kernel '{kernel.name}' has complex outputs; the llvm backend "
                                  f"emits real arithmetic only (use backend='numba')")
    params = [CParam(n, kind) for n, kind in kernel.args]
    params += [CParam(n, "output") for n, _ in kernel.outputs]
    return CFunction(kernel.name, params, kernel.result is not None,
                     output_sizes=tuple(s for _, s in kernel.outputs))


def emit_kernel(module: ir.Module, kernel: Kernel, dtype: str = "float64",
                shapes: dict[str, tuple[int, ...]] | None = None) -> CFunction:
    """Add ``kernel`` to ``module`` as a function; ``shapes`` gives multi-index array arguments."""
    sig = _signature(kernel)
    em = FunctionEmitter(module, sig, dtype, shapes, kernel.views)
    em.expr.inline_gamma = not _calls(kernel.body, sympy.loggamma)
    for name, size in kernel.outputs:
        if name not in kernel.filled_outputs:
            em.zero(name, size)
    em.accumulators(kernel.body)
    em.walk(kernel.body)
    em.finish(kernel.result)
    return sig


def emit_elementwise(module: ir.Module, spec) -> CFunction:
    """``kernel(a0, ..., n, out)`` for a `codegen.function_spec.FunctionSpec`.

    Element-wise: ``out[k*n + i] = expr_k(a0[i], ...)`` for i < n; with ``spec.reduce == "sum"``:
    ``out[k] = sum_i expr_k(a0[i], ...)``. Arguments are already code names (no leading _).
    """
    if spec.is_complex:
        raise NotImplementedError("the llvm backend emits real arithmetic only; these "
                                  "expressions are complex (use backend='numba' or 'numpy')")
    n, i = sympy.Symbol("_n", integer=True), sympy.Symbol("_i", integer=True)
    sig = CFunction("kernel", [*[CParam(a, "array") for a in spec.names],
                               CParam("_n", "index"), CParam("_out", "output")], False)
    body = [Assign(sympy.Symbol(a), sympy.IndexedBase(a)[i]) for a in spec.names]
    body += [Assign(t, e) for t, e in spec.temps]
    sums = [sympy.Symbol(f"_r{k}") for k in range(spec.n_out)]
    if spec.reduce:
        body += [AddTo(r, e) for r, e in zip(sums, spec.reduced)]
    else:
        body += [Store("_out", k * n + i, e) for k, e in enumerate(spec.reduced)]
    stmts = [Assign(r, sympy.Integer(0)) for r in sums] if spec.reduce else []
    stmts.append(Loop(i, sympy.Integer(0), n, body))
    if spec.reduce:
        stmts += [Store("_out", k, r) for k, r in enumerate(sums)]
    em = FunctionEmitter(module, sig, spec.dtype.name)
    em.expr.inline_gamma = not _calls(stmts, sympy.loggamma)
    em.accumulators(stmts)
    em.walk(stmts)
    em.finish(None)
    return sig


def _calls(stmts: list, function) -> bool:
    """Whether any statement in ``stmts`` (loops included) evaluates ``function``."""
    for st in stmts:
        if isinstance(st, Loop):
            if _calls(st.body, function):
                return True
        elif isinstance(getattr(st, "value", None), sympy.Basic) and st.value.has(function):
            return True
    return False
