"""Weighted Gram updates as one matrix product: ``H[j, k] += Σ_i w_i X[i, j] Y[i, k]`` via BLAS.

Hessians of sums over data rows (``sum(f(A @ x))``: logistic and Poisson regression, Gauss–Newton
of least squares) lower to a loop over rows ``i`` holding a rank-one update of a block of the
output, ``n·m`` multiply-adds per row at memory speed. `gram_updates` splits such a loop into
the row loop, which now stores the weights ``w_i`` into a temporary array, and one product
``(X * w[:, None]).T @ Y``, which BLAS runs at matrix-multiply speed (10x faster at n = 1000).

Where ``X`` is ``Y`` (`GramLoop.symmetric`: a Hessian block on the diagonal) the product is
symmetric and the emitted code calls ``_sy_gram`` of `GRAM_HELPER` instead: BLAS ``dsyrk`` (half
the flops of the general product) on the rows scaled by ``sqrt(|w_i|)``, those with ``w_i < 0``
subtracted, then the upper triangle mirrored. ``dsyrk`` is SciPy's (``scipy.linalg.cython_blas``,
called by address as `codegen.numba_vecmath` calls SciPy's special functions); without SciPy the
helper is a loop over the lower triangle, so standalone files still need only numba.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sympy
from sympy import Expr, Indexed, Symbol

from .ir import Assign, Loop, ScatterAdd, Store

#: the smallest block (entries) and row count worth a BLAS call
MIN_BLOCK, MIN_ROWS = 64, 16


@dataclass
class Slice:
    """``coeff * array[row + row_shift, col + col_shift]`` for the rows and one column index."""

    coeff: Expr
    array: str
    row_shift: int
    col_shift: int


@dataclass
class Factor:
    """A sum of `Slice` terms (``A[i + 1, j] - A[i, j]``: differences of data rows)."""

    terms: list[Slice]


@dataclass
class GramLoop:
    """``loop`` (which stores ``weights[i - start]``), then ``array[offset + row_stride*j +
    col_stride*k] += Σ_i weights[i] left[i, j] right[i, k]`` for ``j < rows``, ``k < cols``."""

    loop: Loop
    weights: str
    array: str
    offset: Expr
    row_stride: int
    col_stride: int
    left: Factor
    right: Factor
    rows: int
    cols: int

    @property
    def symmetric(self) -> bool:
        """Whether the update is ``X^T diag(w) X`` (the same factor on both sides)."""
        return self.rows == self.cols and self.left == self.right


def gram_updates(body: list, arrays_2d: set[str]) -> list:
    """``body`` with each top-level row loop that ends a weighted Gram update split as above.

    ``arrays_2d`` names the two-dimensional arrays a factor may come from.

    >>> i, j, k = sympy.symbols("i j k", integer=True)
    >>> A = sympy.IndexedBase("A")
    >>> update = ScatterAdd("H", 100*j + k, Symbol("w") * A[i, j] * A[i, k])
    >>> rows = Loop(i, 0, 1000, [Loop(j, 0, 100, [Loop(k, 0, 100, [update])])])
    >>> [type(s).__name__ for s in gram_updates([rows], {"A"})]
    ['GramLoop']
    """
    out = []
    for n, st in enumerate(body):
        gram = _split(st, f"_gw{n}", arrays_2d) if isinstance(st, Loop) else None
        out.append(gram or st)
    return out


def _split(loop: Loop, weights: str, arrays_2d: set[str]) -> GramLoop | None:
    count = _int(loop.stop - loop.start)
    if count is None or count < MIN_ROWS:
        return None
    for pos, st in enumerate(loop.body):
        match = _match(st, loop.index, arrays_2d)
        if match is None:
            continue
        w, gram = match
        if gram["rows"] * gram["cols"] < MIN_BLOCK:
            return None
        store = Store(weights, loop.index - loop.start, w)
        body = [*loop.body[:pos], store, *loop.body[pos + 1:]]
        return GramLoop(Loop(loop.index, loop.start, loop.stop, body), weights, **gram)
    return None


def _match(st, i: Symbol, arrays_2d: set[str]):
    """(w, fields of GramLoop) if ``st`` is ``for j: for k: array[...] += w X[i, j] Y[i, k]``
    (scalar temporaries assigned in the j loop before the k loop, as CSE leaves them, are
    substituted into the update)."""
    if not (isinstance(st, Loop) and st.body and isinstance(st.body[-1], Loop)
            and all(isinstance(a, Assign) for a in st.body[:-1])):
        return None
    inner = st.body[-1]
    if len(inner.body) != 1 or not isinstance(inner.body[0], ScatterAdd):
        return None
    update, j, k = inner.body[0], st.index, inner.index
    for a in reversed(st.body[:-1]):
        update = ScatterAdd(update.array, update.index, update.value.xreplace({a.target: a.value}))
    rows, cols = _int(st.stop - st.start), _int(inner.stop - inner.start)
    if rows is None or cols is None or st.start != 0 or inner.start != 0:
        return None
    strides = _strides(update.index, j, k)
    if strides is None:
        return None
    left = right = None
    weight = []
    for f in sympy.Mul.make_args(update.value):
        has_j, has_k = f.has(j), f.has(k)
        if has_j and has_k:
            return None
        if has_j or has_k:
            scaled = _scaled_factor(f, i, j if has_j else k, arrays_2d)
            if scaled is None or (left if has_j else right) is not None:
                return None
            weight.append(scaled[0])
            if has_j:
                left = scaled[1]
            else:
                right = scaled[1]
        else:
            weight.append(f)
    if left is None or right is None:
        return None
    offset, row_stride, col_stride = strides
    return sympy.Mul(*weight), dict(array=update.array, offset=offset, row_stride=row_stride,
                                    col_stride=col_stride, left=left, right=right, rows=rows,
                                    cols=cols)


def _scaled_factor(f: Expr, i: Symbol, col: Symbol,
                   arrays_2d: set[str]) -> tuple[Expr, Factor] | None:
    """``f`` as ``scale * factor``: ``scale`` free of ``col``, ``factor`` a `Factor`; also where
    ``f`` is linear in its array entries with a common coefficient not written as a product
    (``(c1 - c2) A[i, j]`` spelled ``c1 A[i, j] - c2 A[i, j]``, as a simplifier may leave it).

    >>> i, j = sympy.symbols("i j", integer=True)
    >>> A, w = sympy.IndexedBase("A"), sympy.Symbol("w")
    >>> scale, factor = _scaled_factor(w**2 * A[i, j] - w * A[i, j], i, j, {"A"})
    >>> sympy.factor(scale), [(t.coeff, t.array) for t in factor.terms]
    (w*(w - 1), [(1, 'A')])
    """
    direct = _factor(f, i, col, arrays_2d)
    if direct is not None:
        return sympy.S.One, direct
    entries = sorted((a for a in f.atoms(Indexed) if a.has(col)), key=str)
    if not entries:
        return None
    slots = sympy.symbols(f"_slot0:{len(entries)}")
    g = f.xreplace(dict(zip(entries, slots)))
    coeffs = [g.diff(s) for s in slots]
    if g.has(col) or any(c.has(*slots) for c in coeffs) \
            or g.xreplace({s: 0 for s in slots}) != 0:
        return None                         # not linear and homogeneous in the entries
    grouped: dict[tuple, Expr] = {}        # equal entries may be distinct objects
    for c, entry in zip(coeffs, entries):
        single = _factor(entry, i, col, arrays_2d)
        if single is None:
            return None
        t = single.terms[0]
        key = (t.array, t.row_shift, t.col_shift)
        grouped[key] = grouped.get(key, sympy.S.Zero) + c
    scale = next(iter(grouped.values()))
    terms = []
    for (array, row_shift, col_shift), c in grouped.items():
        ratio = sympy.cancel(c / scale)
        if not ratio.is_Number:
            return None
        terms.append(Slice(ratio, array, row_shift, col_shift))
    return scale, Factor(terms)


def _factor(f: Expr, i: Symbol, col: Symbol, arrays_2d: set[str]) -> Factor | None:
    """``f`` as a sum of numbers times ``array[i + a, col + b]`` (integer shifts), else None."""
    terms = []
    for term in sympy.Add.make_args(f):
        coeff, rest = term.as_coeff_Mul()
        if not isinstance(rest, Indexed) or len(rest.indices) != 2 \
                or str(rest.base) not in arrays_2d:
            return None
        row_shift, col_shift = _int(rest.indices[0] - i), _int(rest.indices[1] - col)
        if row_shift is None or col_shift is None:
            return None
        terms.append(Slice(coeff, str(rest.base), row_shift, col_shift))
    return Factor(terms)


def _strides(index: Expr, j: Symbol, k: Symbol):
    """(offset, stride of j, stride of k) of an index affine in j and k with integer strides."""
    poly = sympy.Poly(index, j, k) if index.is_polynomial(j, k) else None
    if poly is None or poly.total_degree() > 1:
        return None
    rs, cs = _int(poly.coeff_monomial(j)), _int(poly.coeff_monomial(k))
    offset = poly.coeff_monomial(1)
    if rs is None or cs is None or offset.has(j, k):
        return None
    return offset, rs, cs


def _int(e) -> int | None:
    e = sympy.sympify(e)
    return int(e) if e.is_Integer else None


#: module-level source that generated numba modules get where a kernel calls ``_sy_gram``
GRAM_HELPER = '''import llvmlite.binding
import llvmlite.ir
import numba.core.cgutils
import numba.extending

# Symmetric weighted Gram products X^T diag(w) X: _sy_gram calls BLAS dsyrk, SciPy's
# (scipy.linalg.cython_blas, registered with LLVM under sympile.blas.dsyrk); without SciPy it
# is a loop. Written by sympile's codegen/contractions.py.
try:
    llvmlite.binding.add_symbol("sympile.blas.dsyrk", numba.extending.get_cython_function_address(
        "scipy.linalg.cython_blas", "dsyrk"))
    _SY_BLAS = True
except (ImportError, ValueError):   # no SciPy, or a SciPy without this export
    _SY_BLAS = False


@numba.extending.intrinsic
def _sy_syrk(typingctx, X, rows, out, alpha, beta):
    """out[j, k] = alpha (X^T X)[j, k] + beta out[j, k] for j >= k over the first ``rows`` rows
    of X (_, n); X and out (n, n) C-contiguous float64 (Fortran's upper triangle of
    X_F X_F^T, X_F = X^T)."""

    def codegen(context, builder, sig, values):
        i8, i32, f64 = llvmlite.ir.IntType(8), llvmlite.ir.IntType(32), llvmlite.ir.DoubleType()
        fn = numba.core.cgutils.get_or_insert_function(builder.module, llvmlite.ir.FunctionType(
            llvmlite.ir.VoidType(), [i8.as_pointer()] * 2 + [i32.as_pointer()] * 2
            + [f64.as_pointer()] * 2 + [i32.as_pointer()] + [f64.as_pointer()] * 2
            + [i32.as_pointer()]), "sympile.blas.dsyrk")
        x = context.make_array(sig.args[0])(context, builder, values[0])
        o = context.make_array(sig.args[2])(context, builder, values[2])
        n = numba.core.cgutils.unpack_tuple(builder, x.shape, 2)[1]
        rows = context.cast(builder, values[1], sig.args[1], numba.types.int64)

        def cell(value):
            return numba.core.cgutils.alloca_once_value(builder, value)

        n32 = cell(builder.trunc(n, i32))
        builder.call(fn, [cell(llvmlite.ir.Constant(i8, ord("U"))),
                          cell(llvmlite.ir.Constant(i8, ord("N"))), n32,
                          cell(builder.trunc(rows, i32)),
                          cell(context.cast(builder, values[3], sig.args[3], numba.types.float64)),
                          x.data, n32,
                          cell(context.cast(builder, values[4], sig.args[4], numba.types.float64)),
                          o.data, n32])
        return context.get_dummy_value()

    if not (isinstance(X, numba.types.Array) and X.layout == "C" and X.ndim == 2
            and isinstance(rows, numba.types.Integer)
            and isinstance(out, numba.types.Array) and out.layout == "C" and out.ndim == 2):
        return None
    return numba.types.void(X, rows, out, alpha, beta), codegen


@numba.njit(cache=True, nogil=True)
def _sy_mirror(out):
    """Copy the lower triangle of a square C-contiguous out onto its upper one, in 64 x 64
    tiles (a plain loop reads a column per row: at n = 2000 a quarter of dsyrk's time)."""
    n = out.shape[0]
    for jb in range(0, n, 64):
        for kb in range(jb, n, 64):
            for j in range(jb, min(jb + 64, n)):
                for k in range(max(kb, j + 1), min(kb + 64, n)):
                    out[j, k] = out[k, j]


if _SY_BLAS:
    @numba.njit(cache=_SY_BLAS, nogil=True)
    def _sy_gram(X, w):
        """X^T diag(w) X by dsyrk, rows with w_i > 0 added and rows with w_i < 0 subtracted,
        each times sqrt|w_i|, gathered in blocks of about 2M entries (a scaled copy of all of X
        costs as much as the product on a machine where fresh pages are dear)."""
        n = X.shape[1]
        out = np.zeros((n, n), dtype=np.float64)
        block = np.empty((max(1, min(X.shape[0], max(64, 2_000_000 // max(n, 1)))), n))
        for sign in (1.0, -1.0):
            count = 0
            for i in range(X.shape[0]):
                if sign * w[i] > 0.0:
                    s = np.sqrt(abs(w[i]))
                    for j in range(n):
                        block[count, j] = s * X[i, j]
                    count += 1
                    if count == block.shape[0]:
                        _sy_syrk(block, count, out, sign, 1.0)
                        count = 0
            if count:
                _sy_syrk(block, count, out, sign, 1.0)
        _sy_mirror(out)
        return out
else:
    @numba.njit(cache=True, nogil=True)
    def _sy_gram(X, w):
        """X^T diag(w) X by a loop over the lower triangle, then mirrored."""
        n = X.shape[1]
        out = np.zeros((n, n), dtype=np.float64)
        for i in range(X.shape[0]):
            for j in range(n):
                t = w[i] * X[i, j]
                for k in range(j + 1):
                    out[j, k] += t * X[i, k]
        _sy_mirror(out)
        return out
'''


def with_gram_helper(functions: list[str]) -> list[str]:
    """Numba module pieces (helpers, then functions starting with their decorator) with
    `GRAM_HELPER` first where a function calls ``_sy_gram``; those functions cache machine code
    only where SciPy's dsyrk is there (code calling it must never load where it is missing).

    >>> f = "@numba.njit(cache=True)\\ndef f(X, w):\\n    return _sy_gram(X, w)"
    >>> out = with_gram_helper([f])
    >>> len(out), out[1].splitlines()[0]
    (2, '@numba.njit(cache=True and _SY_BLAS)')
    >>> with_gram_helper(["@numba.njit(cache=True)\\ndef f(x):\\n    return x"])[0][:23]
    '@numba.njit(cache=True)'
    """
    if not any("_sy_gram(" in f for f in functions):
        return functions
    adjusted = []
    for f in functions:
        decorator, _, rest = f.partition("\n")
        if "_sy_gram(" in rest and decorator.startswith("@"):
            decorator = re.sub(r"cache=([\w.]+)", r"cache=\1 and _SY_BLAS", decorator)
        adjusted.append(decorator + "\n" + rest)
    return [GRAM_HELPER, *adjusted]
