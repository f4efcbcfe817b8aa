"""Element-wise kernel throughput and compile time: sympile backends against their peers.

For every expression of the suite in tests/function_suite.py (every supported function) plus a
memory-bound ``2x + y``, each tool evaluates the expression on n = 10^3 ... 10^7 float64
elements; the table shows elements per second (median of repeats) and the ratio of each sympile
backend to the fastest peer (``sympile-numba-scalar``: numba with libmvec turned off,
``SYMPILE_NUMBA_LIBMVEC=0``, where libmvec is on by default). Memory-bound cases also show the
bandwidth reached (bytes of the two inputs and one output per element). A 20-expression kernel
measures compile time: cold in a fresh process with an empty cache, and from the cache in a
second fresh process.

Peers (installed for the benchmark only): sympy.lambdify (numpy + scipy), SymEngine's Lambdify
with its LLVM backend, CasADi's generated C (gcc -O3 -march=native, driven by a C loop in the
same file), symjit (where it installs). A peer that cannot express a function shows "n/a".

    python benchmarks/kernels.py                 # 10^3 ... 10^7, 5 repeats
    python benchmarks/kernels.py --sizes 3,5 --repeats 3
"""
from __future__ import annotations

import argparse
import ctypes
import json
import math
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import sympy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import codegen  # noqa: E402
from codegen import numba_vecmath  # noqa: E402
from codegen.function import BACKENDS  # noqa: E402
from tests.function_suite import SUITE, x, y  # noqa: E402

CASES = SUITE + [("axpy", 2 * x + y, lambda x, y: 2 * x + y)]
MEMORY_BOUND = ("axpy", "polynomial")
OURS = [b for b in ("numba", "llvm", "jax") if b in BACKENDS]


# -- tools: build(expr) -> run(xs, ys) callable (or raise NotImplementedError) ------------------
def build_sympile(backend, scalar_math=False):
    """``scalar_math``: numba with libmvec turned off (SYMPILE_NUMBA_LIBMVEC=0), for comparison."""
    def build(expr):
        saved = os.environ.get(numba_vecmath.OPT_OUT)
        if scalar_math:
            os.environ[numba_vecmath.OPT_OUT] = "0"
        try:
            k = codegen.build_function([expr], [x, y], backend=backend)
        finally:
            if scalar_math:
                os.environ.pop(numba_vecmath.OPT_OUT)
                if saved is not None:
                    os.environ[numba_vecmath.OPT_OUT] = saved
        if backend == "jax":
            return lambda xs, ys, out: k(xs, ys).block_until_ready()
        return lambda xs, ys, out: k(xs, ys, out=out)
    return build


def build_lambdify(expr):
    f = sympy.lambdify([x, y], expr, modules=["scipy", "numpy"])
    return lambda xs, ys, out: f(xs, ys)


def build_symengine(expr):
    import symengine as se
    f = se.Lambdify([se.Symbol("x"), se.Symbol("y")], [se.sympify(expr)], backend="llvm",
                    cse=True, opt_level=3)
    cache = {}

    def run(xs, ys, out):
        if xs.size not in cache:                   # SymEngine wants (n, nargs) row-major input
            cache.clear()
            cache[xs.size] = (np.column_stack([xs, ys]), np.empty((xs.size, 1)))
        inp, res = cache[xs.size]
        return f(inp, out=res)
    return run


_CASADI_FUNCS = {"Abs": "fabs", "ceiling": "ceil", "Min": "fmin", "Max": "fmax"}


def _to_casadi(e, env):
    import casadi as ca
    if e in env:
        return env[e]
    if e.is_Number or e.is_NumberSymbol:
        return float(e)
    args = [_to_casadi(a, env) for a in e.args] if not isinstance(e, sympy.Piecewise) else None
    if isinstance(e, sympy.Add):
        return sum(args[1:], args[0])
    if isinstance(e, sympy.Mul):
        return math.prod(args[1:], start=args[0])
    if isinstance(e, sympy.Pow):
        return args[0] ** args[1]
    if isinstance(e, sympy.Piecewise):
        out = _to_casadi(e.args[-1][0], env)
        for value, cond in reversed(e.args[:-1]):
            out = ca.if_else(_to_casadi(cond, env), _to_casadi(value, env), out)
        return out
    if isinstance(e, sympy.core.relational.Relational):
        ops = {"<": args[0] < args[1], ">": args[0] > args[1]}
        return ops[e.rel_op]
    name = _CASADI_FUNCS.get(type(e).__name__, type(e).__name__)
    if not hasattr(ca, name):
        raise NotImplementedError(f"CasADi has no {type(e).__name__}")
    f = getattr(ca, name)
    out = args[0]
    if name in ("fmin", "fmax"):
        for a in args[1:]:
            out = f(out, a)
        return out
    return f(*args)


_DRIVER = """
#include <stdint.h>
void drive(int64_t n, const double* x, const double* y, double* out) {
    casadi_real xi, yi, w[%(w)d + 1];
    casadi_int iw[%(iw)d + 1];
    const casadi_real* arg[2] = {&xi, &yi};
    casadi_real* res[1];
    for (int64_t i = 0; i < n; ++i) {
        xi = x[i]; yi = y[i]; res[0] = out + i;
        f(arg, res, iw, w, 0);
    }
}
"""


def build_casadi(expr, workdir=Path(tempfile.mkdtemp(prefix="sympile-casadi-"))):
    import casadi as ca
    sx, sy_ = ca.SX.sym("x"), ca.SX.sym("y")
    f = ca.Function("f", [sx, sy_], [_to_casadi(expr, {x: sx, y: sy_})])
    stem = workdir / f"k{abs(hash(sympy.srepr(expr)))}"
    gen = ca.CodeGenerator(f"{stem.name}.c", {"with_header": False})
    gen.add(f)
    gen.generate(f"{workdir}/")
    with open(f"{stem}.c", "a") as fh:
        fh.write(_DRIVER % {"w": f.sz_w(), "iw": f.sz_iw()})
    subprocess.run(["gcc", "-O3", "-march=native", "-shared", "-fPIC", f"{stem}.c", "-o",
                    f"{stem}.so", "-lm"], check=True)
    drive = ctypes.CDLL(f"{stem}.so").drive
    drive.argtypes = [ctypes.c_int64] + [ctypes.c_void_p] * 3

    def run(xs, ys, out):
        drive(xs.size, xs.ctypes.data, ys.ctypes.data, out.ctypes.data)
    return run


def build_symjit(expr):
    import symjit
    f = symjit.compile_func([x, y], [expr])
    return lambda xs, ys, out: f(xs, ys)


def available_peers() -> dict:
    peers = {"lambdify": build_lambdify}
    for name, module, build in (("symengine-llvm", "symengine", build_symengine),
                                ("casadi-C", "casadi", build_casadi),
                                ("symjit", "symjit", build_symjit)):
        try:
            __import__(module)
            peers[name] = build
        except ImportError:
            print(f"# {name}: not installed here ({module} does not pip-install on this machine)")
    return peers


# -- measurement -------------------------------------------------------------------------------
def median_times(runs: dict, xs, ys, out, repeats: int) -> dict:
    """Median seconds per call of each tool; the tools take turns within every repeat, so a
    change in the load of this shared machine hits them alike (ratios stay meaningful), and
    each runs once untimed before its turn (the caches then hold its data, not the last tool's)."""
    calls = max(1, 10 ** 6 // xs.size)
    times = {tool: [] for tool in runs}
    for _ in range(repeats):
        for tool, run in runs.items():
            run(xs, ys, out)
            t = time.perf_counter()
            for _ in range(calls):
                run(xs, ys, out)
            times[tool].append((time.perf_counter() - t) / calls)
    return {tool: float(np.median(v)) for tool, v in times.items()}


def throughput(sizes, repeats):
    tools = {f"sympile-{b}": build_sympile(b) for b in OURS}
    if "numba" in OURS and numba_vecmath.enabled():
        tools["sympile-numba-scalar"] = build_sympile("numba", scalar_math=True)
    peers = available_peers()
    tools.update(peers)
    rng = np.random.default_rng(0)
    results = {}      # (case, tool, n) -> elements/s (None: n/a)
    for name, expr, ref in CASES:
        runs = {}
        xs, ys = rng.uniform(0.2, 0.9, 1000), rng.uniform(1.1, 2.0, 1000)
        for tool, build in tools.items():
            try:
                run = build(expr)
                out = np.empty((1, 1000))
                got = run(xs, ys, out)
                got = out if got is None else np.asarray(got)
                err = np.max(np.abs(np.ravel(got) - ref(xs, ys)) / (1 + np.abs(ref(xs, ys))))
                if err > 1e-10:
                    print(f"# {tool} disagrees on {name}: {err:.1e}; left out")
                    continue
                runs[tool] = run
            except (NotImplementedError, KeyError, TypeError, RuntimeError) as exc:
                print(f"# {tool}: {name} n/a ({type(exc).__name__}: {str(exc)[:60]})")
        for n in sizes:
            xs, ys = rng.uniform(0.2, 0.9, n), rng.uniform(1.1, 2.0, n)
            out = np.empty((1, n))
            seconds = median_times(runs, xs, ys, out, repeats)
            for tool in tools:
                results[name, tool, n] = n / seconds[tool] if tool in runs else None
        print(f"# measured {name}", flush=True)
    return results, list(tools), list(peers)


COMPILE_SCRIPT = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, sys.argv[2])
    import numpy as np, codegen
    from tests.function_suite import SUITE, x, y
    exprs = [e for _, e, _ in SUITE] + [e.subs({x: y / 2, y: x + 1}) for _, e, _ in SUITE[:7]]
    t = time.perf_counter()             # the backend's own one-time start-up, not per kernel
    if sys.argv[1] == "numba":
        import numba
        numba.njit("float64(float64)")(lambda a: a + 1.0)
    elif sys.argv[1] == "jax":
        import jax
        jax.jit(lambda a: a + 1.0)(1.0).block_until_ready()
    startup = time.perf_counter() - t
    t = time.perf_counter()
    k = codegen.build_function(exprs, [x, y], backend=sys.argv[1])
    k(np.array([0.5]), np.array([1.5]))
    print(json.dumps({"seconds": time.perf_counter() - t, "startup": startup,
                      "n_exprs": len(exprs)}))
""")


def compile_times():
    """20-expression kernel: sympile cold/cached (fresh processes), peers in this process."""
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "SYMPILE_CACHE_DIR": cache}
        for backend in OURS:
            runs = [json.loads(subprocess.run(
                [sys.executable, "-c", COMPILE_SCRIPT, backend, str(ROOT)], env=env, check=True,
                capture_output=True, text=True).stdout) for _ in range(2)]
            out[f"sympile-{backend}"] = (runs[0]["seconds"], runs[1]["seconds"],
                                         runs[1]["startup"])
    exprs = [e for _, e, _ in SUITE] + [e.subs({x: y / 2, y: x + 1}) for _, e, _ in SUITE[:7]]
    t = time.perf_counter()
    sympy.lambdify([x, y], exprs, modules=["scipy", "numpy"])
    out["lambdify"] = (time.perf_counter() - t, None, None)
    try:
        import symengine as se
        t = time.perf_counter()
        se.Lambdify([se.Symbol("x"), se.Symbol("y")], [se.sympify(e) for e in exprs],
                    backend="llvm", cse=True, opt_level=3)
        out["symengine-llvm"] = (time.perf_counter() - t, None, None)
    except ImportError:
        pass
    return out, len(exprs)


# -- report ------------------------------------------------------------------------------------
def fmt(v):
    return "n/a" if v is None else f"{v / 1e6:,.1f}"


def report(results, tools, peers, sizes):
    lines = []
    for n in sizes:
        lines += ["", f"### n = 10^{int(round(math.log10(n)))}: throughput (million elements/s), "
                      "ratio = sympile / fastest peer", "",
                  "| case | " + " | ".join(tools) + " | " +
                  " | ".join(f"{t} ratio" for t in tools if t.startswith("sympile")) + " |",
                  "|---" * (len(tools) + sum(t.startswith("sympile") for t in tools) + 1) + "|"]
        for name, _, _ in CASES:
            vals = [results[name, t, n] for t in tools]
            best = max((results[name, p, n] for p in peers if results[name, p, n]), default=None)
            ratios = [f"{results[name, t, n] / best:.2f}" if best and results[name, t, n]
                      else "n/a" for t in tools if t.startswith("sympile")]
            lines.append(f"| {name} | " + " | ".join(fmt(v) for v in vals) + " | " +
                         " | ".join(ratios) + " |")
        gm = []
        for t in tools:
            v = [results[c, t, n] for c, _, _ in CASES if all(results[c, u, n] for u in tools)]
            gm.append(float(np.exp(np.mean(np.log(v)))) if v else None)
        lines.append("| geo-mean (cases all tools run) | " + " | ".join(fmt(v) for v in gm) +
                     " |" + " |" * sum(t.startswith("sympile") for t in tools))
    lines += ["", "### memory bandwidth reached (GB/s; 24 bytes per element: two inputs, one "
                  "output)", "", "| case | n | " + " | ".join(tools) + " |",
              "|---" * (len(tools) + 2) + "|"]
    for name in MEMORY_BOUND:
        for n in sizes[-2:]:
            lines.append(f"| {name} | 10^{int(round(math.log10(n)))} | " + " | ".join(
                "n/a" if results[name, t, n] is None else f"{results[name, t, n] * 24 / 1e9:.1f}"
                for t in tools) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="3,4,5,6,7", help="exponents of 10")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--compile-only", action="store_true", help="only the compile-time table")
    args = ap.parse_args()
    sizes = [10 ** int(s) for s in args.sizes.split(",")]
    if not args.compile_only:
        results, tools, peers = throughput(sizes, args.repeats)
        print(report(results, tools, peers, sizes))
    times, n_exprs = compile_times()
    print(f"\n### compile time of a {n_exprs}-expression kernel (s)\n")
    print("sympile: fresh processes on one empty cache directory, after the backend's one-time "
          "start-up (shown apart); peers: in this process.\n")
    print("| tool | cold (empty cache) | from cache | backend start-up (once per process) |")
    print("|---|---|---|---|")
    for tool, (cold, warm, startup) in times.items():
        print(f"| {tool} | {cold:.2f} | {'—' if warm is None else f'{warm:.2f}'} | "
              f"{'—' if startup is None else f'{startup:.2f}'} |")


if __name__ == "__main__":
    main()
