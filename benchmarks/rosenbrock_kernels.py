"""Gradient and Hessian-vector-product kernel time for the chained Rosenbrock function.

    f(x) = sum_{i=0}^{n-2} 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2

at n = 10^3 ... 10^7, for:

  sympile/numba, sympile/jax, sympile/numpy  kernels from `Problem(minimize=f).compile(...)`
  hand/numba      hand-written @numba.njit loops, gather form (the reference: ratios are
                  against it); hand/numba-scatter is the loop over terms (see `hand_kernels`)
  sympy-lambdify  what a SymPy user writes at scale (see `lambdify_kernels`)
  jax.grad        jax.jit(jax.grad(f)) and jax.jit of jax.jvp(jax.grad(f)) on a jnp objective
  casadi-MX       casadi.Function of gradient / jtimes of a vectorized MX expression (all n)
  casadi-SX       the same on SX (scalar graph, ~11 nodes per element; capped, see --sx-max-n)

Every kernel takes and returns float64 NumPy arrays (JAX outputs are converted with
np.asarray, which also waits for the result), so all rows time the same thing: NumPy in,
NumPy out. Times are the median of --repeats calls after two warm-up calls (compilation is
excluded here; see setup_time.py for it). Every gradient and HVP is checked against the
hand-written Numba one; the max abs difference is printed (entries are O(1e3..1e4)).

Run:  python benchmarks/rosenbrock_kernels.py            # n = 1e3 .. 1e7 (a few minutes)
      python benchmarks/rosenbrock_kernels.py --quick    # n = 1e3 .. 1e5, 5 repeats
      python benchmarks/rosenbrock_kernels.py --max-n 1000000 --repeats 11
"""
from __future__ import annotations

import argparse
import atexit
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


# ----------------------------------------------------------------------------- hand-written numba
def hand_kernels(form: str = "gather"):
    """Hand-written @numba.njit kernels.

    "gather" (the reference): one pass, each output entry computed from its neighbours
    x[i-1], x[i], x[i+1] and written once -- what an expert writes; LLVM vectorizes it.
    "scatter": the loop over the terms of the sum, each term adding into g[i] and g[i+1]
    (the read-modify-write chain blocks vectorization) -- what a straight transcription of
    the sum gives, and the loop shape sympile's numba backend emits today.
    """
    import numba

    @numba.njit(cache=False, nogil=True)
    def grad_gather(x):
        n = x.size
        g = np.empty(n)
        g[0] = -400.0 * x[0] * (x[1] - x[0] * x[0]) - 2.0 * (1.0 - x[0])
        for i in range(1, n - 1):
            a = x[i]
            p = x[i - 1]
            g[i] = -400.0 * a * (x[i + 1] - a * a) - 2.0 * (1.0 - a) + 200.0 * (a - p * p)
        g[n - 1] = 200.0 * (x[n - 1] - x[n - 2] * x[n - 2])
        return g

    @numba.njit(cache=False, nogil=True)
    def hvp_gather(x, v):
        # H is tridiagonal: H[i,i] = 1200 x_i^2 - 400 x_{i+1} + 2 (+200 if i > 0),
        # H[i,i+1] = H[i+1,i] = -400 x_i
        n = x.size
        out = np.empty(n)
        out[0] = (1200.0 * x[0] * x[0] - 400.0 * x[1] + 2.0) * v[0] - 400.0 * x[0] * v[1]
        for i in range(1, n - 1):
            a = x[i]
            out[i] = ((1200.0 * a * a - 400.0 * x[i + 1] + 202.0) * v[i]
                      - 400.0 * a * v[i + 1] - 400.0 * x[i - 1] * v[i - 1])
        out[n - 1] = 200.0 * v[n - 1] - 400.0 * x[n - 2] * v[n - 2]
        return out

    @numba.njit(cache=False, nogil=True)
    def grad_scatter(x):
        n = x.size
        g = np.zeros(n)
        for i in range(n - 1):
            a = x[i]
            t = x[i + 1] - a * a
            g[i] += -400.0 * a * t - 2.0 * (1.0 - a)
            g[i + 1] += 200.0 * t
        return g

    @numba.njit(cache=False, nogil=True)
    def hvp_scatter(x, v):
        n = x.size
        out = np.zeros(n)
        for i in range(n - 1):
            a = x[i]
            b = x[i + 1]
            haa = 1200.0 * a * a - 400.0 * b + 2.0
            hab = -400.0 * a
            out[i] += haa * v[i] + hab * v[i + 1]
            out[i + 1] += hab * v[i] + 200.0 * v[i + 1]
        return out

    return (grad_gather, hvp_gather) if form == "gather" else (grad_scatter, hvp_scatter)


# ----------------------------------------------------------------------------- sympile
def sympile_kernels(backend: str, n: int):
    import symbolic as sy
    x = sy.Variable("x", shape=n)
    f = sy.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    k = sy.Problem(minimize=f).compile(backend=backend).kernels()
    lam = np.zeros(0)
    return k.gradient, (lambda z, v: k.hvp(z, 1.0, lam, v))


# ----------------------------------------------------------------------------- sympy.lambdify
def lambdify_kernels():
    """What a SymPy user does at scale (nobody can lambdify 10^6 scalar symbols):

    write one term of the sum in two scalar symbols a = x[i], b = x[i+1],
        t(a, b) = 100 (b - a^2)^2 + (1 - a)^2,
    differentiate it with SymPy and `sympy.lambdify((a, b), expr, "numpy")` five element
    formulas: dt/da, dt/db and the Hessian entries d2t/da2, d2t/dadb, d2t/db2. These are
    applied as vectorized NumPy to the slices a = x[:-1], b = x[1:], and the user assembles
    the chain rule by hand:
        g[:-1] += dt/da(a, b);  g[1:] += dt/db(a, b)
        Hv[:-1] += taa*v[:-1] + tab*v[1:];  Hv[1:] += tab*v[:-1] + tbb*v[1:]
    (the "structure" -- which entries each term touches -- is the user's, not SymPy's).
    """
    import sympy
    a, b = sympy.symbols("a b", real=True)
    t = 100 * (b - a ** 2) ** 2 + (1 - a) ** 2
    lam = lambda e: sympy.lambdify((a, b), e, "numpy")  # noqa: E731
    ta, tb = lam(sympy.diff(t, a)), lam(sympy.diff(t, b))
    taa, tab, tbb = lam(sympy.diff(t, a, a)), lam(sympy.diff(t, a, b)), lam(sympy.diff(t, b, b))

    def grad(x):
        g = np.zeros_like(x)
        xa, xb = x[:-1], x[1:]
        g[:-1] += ta(xa, xb)
        g[1:] += tb(xa, xb)
        return g

    def hvp(x, v):
        out = np.zeros_like(x)
        xa, xb, va, vb = x[:-1], x[1:], v[:-1], v[1:]
        haa, hab, hbb = taa(xa, xb), tab(xa, xb), tbb(xa, xb)   # tbb is the constant 200
        out[:-1] += haa * va + hab * vb
        out[1:] += hab * va + hbb * vb
        return out

    return grad, hvp


# ----------------------------------------------------------------------------- jax
def jax_kernels():
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def f(x):
        return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    g = jax.jit(jax.grad(f))
    h = jax.jit(lambda x, v: jax.jvp(jax.grad(f), (x,), (v,))[1])
    return (lambda x: np.asarray(g(x))), (lambda x, v: np.asarray(h(x, v)))


# ----------------------------------------------------------------------------- casadi
def casadi_kernels(kind: str, n: int):
    import casadi as ca
    S = ca.SX if kind == "SX" else ca.MX
    x, v = S.sym("x", n), S.sym("v", n)
    f = ca.sum1(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    g = ca.gradient(f, x)
    G = ca.Function("g", [x], [g])
    H = ca.Function("h", [x, v], [ca.jtimes(g, x, v)])
    return ((lambda z: np.asarray(G(z)).ravel()),
            (lambda z, w: np.asarray(H(z, w)).ravel()))


def have(module: str) -> bool:
    try:
        __import__(module)
        return True
    except Exception:
        return False


def median_time(fn, args, repeats: int) -> float:
    fn(*args)
    fn(*args)
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(*args)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def fmt_t(t):
    if t is None:
        return "-"
    if t < 1e-3:
        return f"{t * 1e6:.1f} us"
    if t < 1:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = "  ".join(h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-n", type=float, default=1e7, help="largest n (default 1e7)")
    ap.add_argument("--repeats", type=int, default=7, help="timed calls per kernel (median)")
    ap.add_argument("--quick", action="store_true", help="n <= 1e5 and 5 repeats")
    ap.add_argument("--sx-max-n", type=float, default=1e5,
                    help="largest n for CasADi SX (graph building is ~2 s at 1e5, ~20 s at 1e6)")
    ap.add_argument("--only", default="", help="comma-separated implementation names to run")
    args = ap.parse_args(argv)
    max_n = int(min(args.max_n, 1e5) if args.quick else args.max_n)
    repeats = 5 if args.quick and args.repeats == 7 else args.repeats
    # A private, empty kernel cache so earlier runs do not change what is measured.
    if "SYMPILE_CACHE_DIR" not in os.environ:
        cache = tempfile.mkdtemp(prefix="sympile_bench_")
        os.environ["SYMPILE_CACHE_DIR"] = cache
        atexit.register(shutil.rmtree, cache, ignore_errors=True)

    sizes = [10 ** e for e in range(3, 8) if 10 ** e <= max_n]
    impls = [("hand/numba", lambda n: hand_kernels("gather")),
             ("hand/numba-scatter", lambda n: hand_kernels("scatter")),
             ("sympile/numba", lambda n: sympile_kernels("numba", n)),
             ("sympile/jax", lambda n: sympile_kernels("jax", n)),
             ("sympile/numpy", lambda n: sympile_kernels("numpy", n)),
             ("sympy-lambdify", lambda n: lambdify_kernels()),
             ("jax.grad", lambda n: jax_kernels())]
    notes = []
    if have("casadi"):
        impls += [("casadi-MX", lambda n: casadi_kernels("MX", n)),
                  ("casadi-SX", lambda n: casadi_kernels("SX", n))]
    else:
        notes.append("casadi not installed: CasADi rows skipped (pip install casadi)")
    if args.only:
        keep = set(args.only.split(",")) | {"hand/numba"}
        impls = [(name, mk) for name, mk in impls if name in keep]

    import numba
    import jax
    print(f"chained Rosenbrock kernels; numpy {np.__version__}, numba {numba.__version__}, "
          f"jax {jax.__version__}" + (f", casadi {__import__('casadi').__version__}"
                                       if have("casadi") else "")
          + f"; median of {repeats} calls after 2 warm-up calls")
    header = ["n", "implementation", "gradient", "x hand", "hvp", "x hand",
              "max|dg|", "max|dHv|", "build"]
    rows = []
    for n in sizes:
        rng = np.random.default_rng(0)
        z = rng.uniform(-2.0, 2.0, n)
        v = rng.standard_normal(n)
        ref_g = ref_h = None
        t_ref_g = t_ref_h = None
        for name, make in impls:
            if name == "casadi-SX" and n > args.sx_max_n:
                rows.append([f"{n:.0e}", name, "skipped", "", "", "", "", "", ""])
                continue
            t0 = time.perf_counter()
            try:
                grad, hvp = make(n)
                g = grad(z)          # the first calls compile (Numba, JAX)
                h = hvp(z, v)
            except Exception as exc:  # a failing implementation is a row, not a crash
                rows.append([f"{n:.0e}", name, f"error: {type(exc).__name__}: {exc}"[:60],
                             "", "", "", "", "", ""])
                continue
            build = time.perf_counter() - t0
            tg = median_time(grad, (z,), repeats)
            th = median_time(hvp, (z, v), repeats)
            if name == "hand/numba":
                ref_g, ref_h, t_ref_g, t_ref_h = g, h, tg, th
            dg = float(np.max(np.abs(np.asarray(g) - ref_g)))
            dh = float(np.max(np.abs(np.asarray(h) - ref_h)))
            rows.append([f"{n:.0e}", name, fmt_t(tg), f"{tg / t_ref_g:.2f}", fmt_t(th),
                         f"{th / t_ref_h:.2f}", f"{dg:.1e}", f"{dh:.1e}", fmt_t(build)])
            print(f"  done n={n:.0e} {name}: grad {fmt_t(tg)} hvp {fmt_t(th)}", file=sys.stderr)
            del grad, hvp, g, h
            gc.collect()
    print()
    print_table(header, rows)
    print()
    print("x hand: time / hand-written @numba.njit time (lower is better).  max|dg|, max|dHv|: "
          "max abs difference from the hand-written kernels at x ~ U(-2, 2), v ~ N(0, 1).\n"
          "build: wall time of construction + first gradient and HVP call (includes JIT "
          "compilation; for sympile also derivation and code emission).")
    if any(r[1] == "casadi-SX" and r[2] == "skipped" for r in rows):
        notes.append(f"casadi-SX skipped above n = {args.sx_max_n:.0e}: building the scalar "
                     f"graph is ~2 s at 1e5 and grows linearly (raise with --sx-max-n)")
    for note in notes:
        print("note:", note)


if __name__ == "__main__":
    main()
