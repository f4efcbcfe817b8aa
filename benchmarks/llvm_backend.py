"""The llvm backend against the numba backend: element-wise throughput on the expression suite,
compile time of a 20-expression kernel, and NLP kernel time on chained Rosenbrock.

Run from the repository root: python benchmarks/llvm_backend.py [--n 1e6] [--repeats 21]
Uses a private temporary SYMPILE_CACHE_DIR (numba compiles cold, as llvm always does).
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["SYMPILE_CACHE_DIR"] = tempfile.mkdtemp(prefix="sympile-bench-llvm-")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import codegen  # noqa: E402
import symbolic as sy  # noqa: E402
from tests.function_suite import SUITE, x, y  # noqa: E402


def median_time(f, repeats: int) -> float:
    f()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def suite_throughput(n: int, repeats: int) -> None:
    rng = np.random.default_rng(0)
    xs, ys = rng.uniform(0.2, 0.9, n), rng.uniform(1.1, 2.0, n)
    print(f"\nElement-wise throughput, n = {n:.0e} (Melem/s; ratio = llvm time / numba time)")
    print(f"{'case':<20}{'llvm':>10}{'numba':>10}{'ratio':>8}{'max rel diff':>14}")
    ratios = []
    for name, expr, _ in SUITE:
        kl = codegen.build_function([expr], [x, y], backend="llvm")
        kn = codegen.build_function([expr], [x, y], backend="numba")
        out_l, out_n = np.empty((1, n)), np.empty((1, n))
        tl = median_time(lambda: kl(xs, ys, out=out_l), repeats)
        tn = median_time(lambda: kn(xs, ys, out=out_n), repeats)
        diff = np.max(np.abs(out_l - out_n) / (1 + np.abs(out_n)))
        ratios.append(tl / tn)
        print(f"{name:<20}{n / tl / 1e6:>10.1f}{n / tn / 1e6:>10.1f}{tl / tn:>8.2f}{diff:>14.1e}")
    print(f"{'geometric mean':<40}{np.exp(np.mean(np.log(ratios))):>8.2f}")


def twenty_expressions(seed: int) -> list:
    """20 distinct expressions drawn from the suite, shifted by a seed (no caching helps)."""
    exprs = [e for _, e, _ in SUITE]
    return [exprs[k % len(exprs)] * (k + seed) + x ** (k % 5 + 1) * y for k in range(20)]


def compile_times(repeats: int) -> None:
    print("\nCompile time of a 20-expression kernel (build_function to callable)")
    t = time.perf_counter()
    codegen.build_function(twenty_expressions(1), [x, y], backend="llvm")
    first = time.perf_counter() - t
    warm = []
    for seed in range(2, 2 + repeats):
        t = time.perf_counter()
        codegen.build_function(twenty_expressions(seed), [x, y], backend="llvm")
        warm.append(time.perf_counter() - t)
    cached = []
    for seed in range(2, 2 + repeats):
        t = time.perf_counter()
        codegen.build_function(twenty_expressions(seed), [x, y], backend="llvm")
        cached.append(time.perf_counter() - t)
    t = time.perf_counter()
    codegen.build_function(twenty_expressions(100), [x, y], backend="numba")
    numba_cold = time.perf_counter() - t
    print(f"llvm, first in process (LLVM set-up): {first:.3f} s")
    print(f"llvm, median of {repeats} more:          {np.median(warm):.3f} s")
    print(f"llvm, the same {repeats} from the cache:   {np.median(cached):.3f} s")
    print(f"numba, cold (empty cache):           {numba_cold:.3f} s")


def nlp_kernels(n: int, repeats: int) -> None:
    v = sy.Variable("x", shape=n)
    prob = sy.Problem(minimize=sy.sum((1 - v[:-1]) ** 2 + 100 * (v[1:] - v[:-1] ** 2) ** 2))
    print(f"\nChained Rosenbrock kernels, n = {n:.0e} (ms; ratio = llvm / numba)")
    solvers = {}
    for backend in ("llvm", "numba"):      # derivation and simplification are shared work
        solver = prob.compile(backend=backend)
        solvers[backend] = solver.kernels()
        print(f"{backend}: derive and emit {solver.timings['derive_and_emit']:.2f} s, compile "
              f"and load {solver.timings['load']:.2f} s")
    z = np.random.default_rng(1).uniform(0.5, 1.5, n)
    d = np.random.default_rng(2).standard_normal(n)
    lam = np.zeros(0)
    calls = {"objective": lambda k: k.objective(z), "gradient": lambda k: k.gradient(z),
             "hvp": lambda k: k.hvp(z, 1.0, lam, d)}
    print(f"{'kernel':<12}{'llvm':>10}{'numba':>10}{'ratio':>8}{'max rel diff':>14}")
    for name, call in calls.items():
        tl = median_time(lambda: call(solvers["llvm"]), repeats)
        tn = median_time(lambda: call(solvers["numba"]), repeats)
        a, b = np.asarray(call(solvers["llvm"])), np.asarray(call(solvers["numba"]))
        diff = np.max(np.abs(a - b) / (1 + np.abs(b)))
        print(f"{name:<12}{tl * 1e3:>10.2f}{tn * 1e3:>10.2f}{tl / tn:>8.2f}{diff:>14.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=float, default=1e6)
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()
    n = int(args.n)
    compile_times(args.repeats)
    suite_throughput(n, args.repeats)
    nlp_kernels(n, args.repeats)


if __name__ == "__main__":
    main()
