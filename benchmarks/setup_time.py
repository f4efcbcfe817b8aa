"""Time from declaration to ready kernels for chained Rosenbrock, n = 10^3 ... 10^7.

For every n, a fresh Python process with a fresh, empty $SYMPILE_CACHE_DIR (nothing cached)
runs

    x = sy.Variable("x", shape=n)                                    } declare
    prob = sy.Problem(minimize=sy.sum(100*(x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2))
    solver = prob.compile(backend="numba")        derive + emit source (timings['derive_and_emit']),
                                                  import the module (timings['load']), the rest of
                                                  compile() (sparsity patterns, binding)
    k = solver.kernels(); k.objective(z); k.gradient(z); k.hvp(z, 1, [], v)
                                                  first calls: Numba compiles each kernel lazily

and then a second process on the *same* cache directory does the same: its first calls
should load Numba's cached machine code (cache hit, ~kernel time) instead of compiling.
`import symbolic` (which imports SymPy) is timed separately and not counted in "ready".

Run:  python benchmarks/setup_time.py             # n = 1e3 .. 1e7 (about a minute)
      python benchmarks/setup_time.py --quick     # n = 1e3 .. 1e5
      python benchmarks/setup_time.py --backend jax
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(n: int, backend: str) -> dict:
    t0 = time.perf_counter()
    import numpy as np
    import symbolic as sy
    t_import = time.perf_counter() - t0

    t0 = time.perf_counter()
    x = sy.Variable("x", shape=n)
    prob = sy.Problem(minimize=sy.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))
    t_declare = time.perf_counter() - t0

    t0 = time.perf_counter()
    solver = prob.compile(backend=backend)
    t_compile = time.perf_counter() - t0
    k = solver.kernels()

    z = np.full(n, -1.2)
    v = np.ones(n)
    lam = np.zeros(0)
    calls = {"objective": lambda: k.objective(z), "gradient": lambda: k.gradient(z),
             "hvp": lambda: k.hvp(z, 1.0, lam, v)}
    first, steady = {}, {}
    for name, call in calls.items():
        t0 = time.perf_counter()
        call()
        first[name] = time.perf_counter() - t0
    for name, call in calls.items():
        ts = []
        for _ in range(3):
            t0 = time.perf_counter()
            call()
            ts.append(time.perf_counter() - t0)
        steady[name] = sorted(ts)[1]
    hits = misses = None
    if backend == "numba":
        hits = misses = 0
        for name in calls:
            st = getattr(solver.module, name).stats
            hits += sum(st.cache_hits.values())
            misses += sum(st.cache_misses.values())
    return {"n": n, "import": t_import, "declare": t_declare, "compile": t_compile,
            "derive_and_emit": solver.timings["derive_and_emit"],
            "load": solver.timings["load"], "first": first, "steady": steady,
            "cache_hits": hits, "cache_misses": misses}


def run_child(n: int, backend: str, cache: str) -> dict:
    env = dict(os.environ, SYMPILE_CACHE_DIR=cache)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--child", str(n), "--backend", backend],
                         env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"child n={n} failed:\n{out.stderr[-3000:]}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["process_wall"] = wall
    return res


def fmt(t: float) -> str:
    if t < 1e-3:
        return f"{t * 1e6:.0f} us"
    if t < 1:
        return f"{t * 1e3:.1f} ms"
    return f"{t:.2f} s"


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = "  ".join(str(h).rjust(w) for h, w in zip(header, widths))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-n", type=float, default=1e7)
    ap.add_argument("--quick", action="store_true", help="n <= 1e5")
    ap.add_argument("--backend", default="numba", choices=["numba", "jax", "numpy"])
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child, args.backend)))
        return
    max_n = int(min(args.max_n, 1e5) if args.quick else args.max_n)
    sizes = [10 ** e for e in range(3, 8) if 10 ** e <= max_n]
    first_rows, second_rows = [], []
    for n in sizes:
        cache = tempfile.mkdtemp(prefix="sympile_setup_")
        try:
            a = run_child(n, args.backend, cache)     # empty cache
            b = run_child(n, args.backend, cache)     # same cache, new process
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        for r, rows in ((a, first_rows), (b, second_rows)):
            other = r["compile"] - r["derive_and_emit"] - r["load"]
            jit = sum(r["first"].values())
            ready = r["declare"] + r["compile"] + jit
            rows.append([f"{n:.0e}", fmt(r["import"]), fmt(r["declare"]),
                         fmt(r["derive_and_emit"]), fmt(r["load"]), fmt(other),
                         fmt(r["first"]["gradient"]), fmt(r["first"]["hvp"]),
                         fmt(r["first"]["objective"]), fmt(ready),
                         fmt(r["steady"]["gradient"]), fmt(r["steady"]["hvp"]),
                         "-" if r["cache_hits"] is None
                         else f"{r['cache_hits']}/{r['cache_misses']}"])
        print(f"  done n={n:.0e}", file=sys.stderr)
    header = ["n", "import", "declare", "derive+emit", "load", "compile rest",
              "1st grad", "1st hvp", "1st obj", "READY", "grad", "hvp", "hit/miss"]
    print(f"sympile setup time, backend={args.backend}, chained Rosenbrock "
          f"(python {sys.version.split()[0]})\n")
    print("1) fresh process, fresh empty SYMPILE_CACHE_DIR (nothing cached)")
    table(header, first_rows)
    print("\n2) second process, same SYMPILE_CACHE_DIR (generated module and Numba code cached)")
    table(header, second_rows)
    print("""
import: `import symbolic` (SymPy), not counted in READY.  declare: Variable + sum + Problem.
derive+emit: solver.timings['derive_and_emit'] (symbolic derivation, lowering, source).
load: solver.timings['load'] (write + import the generated module).  compile rest: the rest of
compile() (sparsity patterns, solver object).  1st grad/hvp/obj: first call of each kernel
(Numba JIT-compiles it here, or loads it from its cache); 1st obj is the process's first Numba
call and also carries Numba's one-time initialization (~0.3 s, present in the 2nd process too,
where every kernel is a cache hit).  READY = declare + compile() + the
three first calls.  grad, hvp: steady-state call time (median of 3) for comparison.
hit/miss: Numba dispatcher cache hits/misses summed over the three kernels (numba only).""")


if __name__ == "__main__":
    main()
