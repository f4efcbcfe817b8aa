"""The ``sympile`` command: solve a problem file, or emit its kernels as standalone source."""
from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path
from typing import Any

import numpy as np


def load_problem_file(path: str) -> dict[str, Any]:
    """Run a problem file (without its ``__main__`` block) and return its globals.

    The file declares ``problem`` (a `symbolic.Problem`), and optionally ``x0`` and ``params``.
    """
    if not Path(path).is_file():
        raise SystemExit(f"sympile: no such file: {path}")
    scope = runpy.run_path(path, run_name="sympile_problem_file")
    from symbolic import Problem
    if isinstance(scope.get("problem"), Problem):
        return scope
    found = [v for v in scope.values() if isinstance(v, Problem)]
    if len(found) != 1:
        raise SystemExit(f"sympile: {path} must define 'problem = sy.Problem(...)' "
                         f"(found {len(found)} Problem objects)")
    scope["problem"] = found[0]
    return scope


def _solve(args: argparse.Namespace) -> int:
    scope = load_problem_file(args.file)
    problem = scope["problem"]
    print(problem)
    solver = problem.compile(backend=args.backend)
    res = solver.solve(x0=scope.get("x0"), params=scope.get("params"), verbose=args.verbose)
    print(f"\nstatus      {res.status} ({res.message})")
    print(f"objective   {res.objective:.10g}")
    print(f"iterations  {res.iterations}")
    for name, value in res.values.items():
        arr = np.asarray(value)
        shown = np.array2string(arr, precision=6, threshold=10) if arr.ndim else f"{value:.8g}"
        print(f"{name:<11} {shown}")
    if "KNOWN_OPTIMUM" in scope:
        print(f"known optimum {scope['KNOWN_OPTIMUM']:.10g}, "
              f"difference {abs(res.objective - scope['KNOWN_OPTIMUM']):.2e}")
    return 0 if res.converged else 1


def _emit(args: argparse.Namespace) -> int:
    problem = load_problem_file(args.file)["problem"]
    solver = problem.compile(backend=args.backend)
    out = Path(args.output)
    kernels = "objective, gradient, constraints, jacobian, hessian, hvp"
    if args.backend == "llvm":   # a C library: OUTPUT is a directory
        written = solver.write(out, stem=Path(args.file).stem)
        print(f"wrote {', '.join(map(str, written))} (llvm, C ABI: {kernels}; usage note in "
              f"the header)")
        return 0
    solver.write(out)
    print(f"wrote {out} ({args.backend}: {kernels})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sympile", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    solve = sub.add_parser("solve", help="compile and solve the problem declared in FILE")
    solve.add_argument("file")
    solve.add_argument("--backend", default="numba",
                       choices=["numpy", "numba", "jax", "llvm", "cuda"])
    solve.add_argument("--verbose", action="store_true", help="print the iteration table")
    solve.set_defaults(run=_solve)
    emit = sub.add_parser("emit", help="write FILE's kernels as a standalone module")
    emit.add_argument("file")
    emit.add_argument("--backend", default="numba",
                      choices=["numpy", "numba", "jax", "llvm", "cuda"],
                      help="llvm writes OUTPUT/<file>.o, .so and .h (OUTPUT is a directory); "
                           "cuda writes numba.cuda phase kernels with a launch note")
    emit.add_argument("-o", "--output", required=True)
    emit.set_defaults(run=_emit)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
