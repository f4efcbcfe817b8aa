"""The cost-driven simplifier against `sympy.cse` and `sympy.simplify` + cse (issue 3's suite).

For each case (a list of expressions over scalar symbols) the table reports

- cost (estimated CPU cycles, `symbolic.simplify.cost`) of the expressions as trees (no
  sharing), and of the statements sympile's lowering (`codegen.lower.Lowerer`) emits for them
  with ``simplify="cse"`` (`sympy.cse` alone), with ``"cse"`` after `sympy.simplify` of each
  expression (and the time simplify took, each expression under a 20 s limit: on timeout the
  expression is kept), and with ``simplify="egraph"`` (what ``compile()`` does: canonical
  rules, e-graph, factored and Horner candidates priced after CSE, cse, shared reciprocals),
  with the time it took;
- where sympile's remaining cycles go, per operation kind (division, general power, sqrt,
  exp/log, trigonometric and other functions, multiplication, addition);
- the run time of the Numba kernels emitted from those statements (`codegen.emit_loops`), per
  point, measured two ways (medians of repeats, the three kernels taking turns):
  in cache: 128 points per call (inputs and the preallocated output, at most ~45 KB, stay
  in the 48 KB L1 cache), many calls, each repeat at new random array offsets (one fixed
  placement measured its 4 KiB store-to-load aliasing, up to 2x either way): what the
  arithmetic costs (the target measure);
  DRAM: one call over 10^5 points with its 16-34 MB output allocated by the kernel, as
  ``compile()``'s kernels run on large inputs: there the memory traffic dominates.
  Both use the same kernel source and the same inputs for all three.

Suite: a reaction network with Michaelis-Menten and Hill rate laws and its Jacobian, Griewank's
lighthouse and baby examples and their Jacobians, a double pendulum's and a 3D rigid body's
equations of motion, and Hock-Schittkowski objectives with gradient and Hessian-vector product.

Run:  python benchmarks/simplify.py            (about 5 minutes)
      python benchmarks/simplify.py --quick    (no kernels: costs and simplification times)
      python benchmarks/simplify.py --case HS113 --case lighthouse    (some cases only)
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.functions.elementary.hyperbolic import HyperbolicFunction
from sympy.functions.elementary.trigonometric import (InverseTrigonometricFunction,
                                                      TrigonometricFunction)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codegen.build import DECORATORS, load_module, module_source  # noqa: E402
from codegen.emit_loops import emit_loops                # noqa: E402
from codegen.ir import Kernel, Loop, Store               # noqa: E402
from codegen.lower import Lowerer, Output                # noqa: E402
from symbolic.simplify import simplify_exprs, worker    # noqa: E402
from symbolic.simplify.cost import DIV, dag_cost, priced_nodes  # noqa: E402
from symbolic.simplify.cost import tree_cost as cost_of_tree  # noqa: E402

POINTS = 10**5
CACHE_POINTS = 128
CACHE_CALLS = 400000 // CACHE_POINTS     # calls per in-cache timing (one repeat)
REPEATS = 21
SIMPLIFY_LIMIT = 20.0
#: Operation kinds of the breakdown of sympile's remaining cost.
KINDS = ("div", "pow", "sqrt", "exp/log", "trig", "other f", "mul", "add")


# -- the suite ------------------------------------------------------------------------------------
def reaction_network():
    """Four species, Michaelis-Menten and Hill rate laws: rates and their Jacobian."""
    s = sp.symbols("s0:4", positive=True)
    v, k, n, ki = sp.symbols("v0:5", positive=True), sp.symbols("K0:5", positive=True), 3, \
        sp.Symbol("Ki", positive=True)
    r0 = v[0] * s[0] / (k[0] + s[0])                                   # Michaelis-Menten
    r1 = v[1] * s[1] ** n / (k[1] ** n + s[1] ** n)                   # Hill
    r2 = v[2] * s[2] / (k[2] + s[2]) / (1 + s[3] / ki)                 # MM, inhibited
    r3 = v[3] * s[3] ** 2 / (k[3] ** 2 + s[3] ** 2)                    # Hill n = 2
    r4 = v[4] * s[0] * s[2] / ((k[4] + s[0]) * (k[4] + s[2]))         # two-substrate MM
    rhs = [-r0 - r4, r0 - r1, r1 - r2 - r4, r2 - r3 + r4]
    jac = [sp.diff(f, x) for f in rhs for x in s]
    return rhs + jac, list(s) + list(v) + list(k) + [ki]


def lighthouse():
    """Griewank & Walther's lighthouse: the spot's position and its Jacobian."""
    nu, gamma, omega, t = sp.symbols("nu gamma omega t", positive=True)
    y1 = nu * sp.tan(omega * t) / (gamma - sp.tan(omega * t))
    y2 = gamma * nu * sp.tan(omega * t) / (gamma - sp.tan(omega * t))
    args = [nu, gamma, omega, t]
    return [y1, y2] + [sp.diff(y, a) for y in (y1, y2) for a in args], args


def baby():
    """Griewank & Walther's 'baby' example f = (sin(x1/x2) + x1/x2 - exp(x2))(x1/x2 - exp(x2)),
    with its gradient and Hessian."""
    x1, x2 = sp.symbols("x1 x2", positive=True)
    f = (sp.sin(x1 / x2) + x1 / x2 - sp.exp(x2)) * (x1 / x2 - sp.exp(x2))
    grad = [sp.diff(f, a) for a in (x1, x2)]
    hess = [sp.diff(g, a) for g in grad for a in (x1, x2)]
    return [f] + grad + hess, [x1, x2]


def double_pendulum():
    """Angular accelerations of a double pendulum from its Lagrangian (a 2x2 solve)."""
    t = sp.Symbol("t")
    m1, m2, l1, l2, g = sp.symbols("m1 m2 l1 l2 g", positive=True)
    q1, q2 = sp.Function("q1")(t), sp.Function("q2")(t)
    x1, y1 = l1 * sp.sin(q1), -l1 * sp.cos(q1)
    x2, y2 = x1 + l2 * sp.sin(q2), y1 - l2 * sp.cos(q2)
    kinetic = (m1 * (x1.diff(t) ** 2 + y1.diff(t) ** 2) + m2 * (x2.diff(t) ** 2 + y2.diff(t) ** 2)) / 2
    lag = kinetic - g * (m1 * y1 + m2 * y2)
    eqs = [sp.diff(lag.diff(q.diff(t)), t) - lag.diff(q) for q in (q1, q2)]
    a1, a2, w1, w2, th1, th2 = sp.symbols("a1 a2 w1 w2 th1 th2", real=True)
    subs = {q1.diff(t, 2): a1, q2.diff(t, 2): a2}
    eqs = [e.subs(subs).subs({q1.diff(t): w1, q2.diff(t): w2}).subs({q1: th1, q2: th2})
           for e in eqs]
    sol = sp.solve(eqs, [a1, a2], dict=True)[0]
    acc = [sol[a1], sol[a2]]
    args = [th1, th2, w1, w2, m1, m2, l1, l2, g]
    return acc + [sp.diff(a, v) for a in acc for v in (th1, th2, w1, w2)], args


def rigid_body():
    """3D rigid body in ZYX Euler angles: Euler-angle rates from body rates, and Euler's
    equations with gravity's torque about a fixed point (a heavy top)."""
    phi, theta, psi = sp.symbols("phi theta psi", real=True)
    p, q, r = sp.symbols("p q r", real=True)
    ix, iy, iz, m, g, h = sp.symbols("Ix Iy Iz m g h", positive=True)
    rot = sp.rot_axis3(-psi) * sp.rot_axis2(-theta) * sp.rot_axis1(-phi)   # body -> world
    gravity_body = rot.T * sp.Matrix([0, 0, -m * g])
    torque = sp.Matrix([0, 0, h]).cross(gravity_body)
    rates = [p + (q * sp.sin(phi) + r * sp.cos(phi)) * sp.tan(theta),
             q * sp.cos(phi) - r * sp.sin(phi),
             (q * sp.sin(phi) + r * sp.cos(phi)) / sp.cos(theta)]
    euler = [(torque[0] - (iz - iy) * q * r) / ix, (torque[1] - (ix - iz) * r * p) / iy,
             (torque[2] - (iy - ix) * p * q) / iz]
    state = [phi, theta, psi, p, q, r]
    rhs = rates + euler
    jac = [sp.diff(f, x) for f in rhs for x in state]
    return rhs + jac, state + [ix, iy, iz, m, g, h]


def hock_schittkowski(name: str):
    """An HS objective (scalar form), its gradient and its Hessian-vector product."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from hs_problems import BY_NAME

    problem = BY_NAME[name].build()
    (x,) = problem.variables
    n = x.shape[0]
    xs = sp.symbols(f"x0:{n}", real=True)
    vs = sp.symbols(f"v0:{n}", real=True)
    f = problem.objective.xreplace({x[i]: xs[i] for i in range(n)})
    f = f.replace(lambda e: isinstance(e, sp.Indexed), lambda e: xs[int(e.indices[0])])
    grad = [sp.diff(f, a) for a in xs]
    hvp = [sum(sp.diff(g, a) * v for a, v in zip(xs, vs)) for g in grad]
    return [f] + grad + hvp, list(xs) + list(vs)


CASES = {
    "reaction network + J": reaction_network,
    "lighthouse + J": lighthouse,
    "baby + grad + Hessian": baby,
    "double pendulum + J": double_pendulum,
    "rigid body 3D + J": rigid_body,
    **{f"{n.upper()} f, grad, HVP": (lambda n=n: hock_schittkowski(n))
       for n in ("hs071", "hs078", "hs100", "hs113", "hs047", "hs012")},
}


# -- measurements ---------------------------------------------------------------------------------
def tree_cost(exprs) -> int:
    """Cycles with no sharing at all: every use of a subexpression is paid again."""
    memo: dict = {}
    return sum(cost_of_tree(sp.sympify(e), memo) for e in exprs)


def sympy_simplified(exprs) -> tuple[list, float, int]:
    """sympy.simplify of each expression (in the worker, killed past `SIMPLIFY_LIMIT`)."""
    out, start, timeouts = [], time.perf_counter(), 0
    for e in exprs:
        got = worker.call("sympy:simplify", e, timeout=SIMPLIFY_LIMIT)
        if got is worker.TIMED_OUT:
            timeouts += 1
            got = e
        out.append(got)
    return out, time.perf_counter() - start, timeouts


class PointKernel:
    """``exprs`` lowered by sympile over a loop of points (argument k read from ``_a{k}[i]``):
    ``run`` allocates its output (``POINTS`` points), ``run_cached(*inputs, out)`` writes
    ``CACHE_POINTS`` points into a preallocated ``out``, and ``drive(calls, *inputs, out)``
    calls it ``calls`` times from compiled code (no dispatch overhead); all from the same
    statements."""

    def __init__(self, exprs, args, mode: str | None) -> None:
        index = sp.Symbol("_p", integer=True)
        loads = {a: sp.IndexedBase(f"_a{k}")[index] for k, a in enumerate(args)}
        outs = [Output("_out", k * POINTS + index, sp.sympify(e).xreplace(loads),
                       ((index, sp.Integer(0), sp.Integer(POINTS - 1)),), accumulate=False)
                for k, e in enumerate(exprs)]
        start = time.perf_counter()
        low = Lowerer(mode)
        low.outputs(outs)
        self.seconds = time.perf_counter() - start
        self.values = _values(low.root.stmts)
        self.cost = dag_cost(self.values)
        inputs = [(f"_a{k}", "array") for k in range(len(args))]
        kernel = Kernel("kernel", inputs, [], [("_out", len(exprs) * POINTS)], low.root.stmts,
                        filled_outputs=frozenset({"_out"}))
        cached = Kernel("kernel", inputs + [("_out", "array")], [], [],
                        _resized(low.root.stmts, POINTS, CACHE_POINTS))
        self.run = load_module(module_source([emit_loops(kernel, DECORATORS["numba"])],
                                             "numba"), "numba").kernel
        names = ", ".join(name for name, _ in cached.args)
        driver = (f"{DECORATORS['numba']}\ndef drive(calls, {names}):\n"
                  f"    for _ in range(calls):\n        kernel({names})\n")
        module = load_module(module_source([emit_loops(cached, DECORATORS["numba"]), driver],
                                           "numba"), "numba")
        self.run_cached, self.drive = module.kernel, module.drive


def _resized(stmts, old: int, new: int) -> list:
    """The statements of a point loop over ``old`` points, over ``new`` points instead (output
    ``k`` at ``k*new + i``)."""
    out = []
    for st in stmts:
        if isinstance(st, Loop):
            out.append(Loop(st.index, st.start, sp.Integer(new), _resized(st.body, old, new)))
        elif isinstance(st, Store):
            offset = st.index.as_independent(*st.index.free_symbols, as_Add=True)[0]
            out.append(Store(st.array, st.index - offset + offset // old * new, st.value))
        else:
            out.append(st)
    return out


def breakdown(values) -> dict[str, int]:
    """Cycles of ``values`` (each distinct subexpression once, as `dag_cost`) per operation
    kind."""
    kinds = dict.fromkeys(KINDS, 0)
    for e, own in priced_nodes(values):
        if isinstance(e, sp.Mul) and any(_is_reciprocal(f) for f in e.args):
            kinds["div"] += DIV                         # a quotient: the division, then muls
            kinds["mul"] += own - DIV
        elif own:
            kinds[_kind(e)] += own
    return kinds


def _is_reciprocal(f) -> bool:
    return isinstance(f, sp.Pow) and f.exp.is_Number and f.exp.is_negative


def _kind(e) -> str:
    if isinstance(e, sp.Add):
        return "add"
    if isinstance(e, sp.Mul):
        return "mul"
    if isinstance(e, sp.Pow):
        if e.exp.is_Integer:
            return "div" if e.exp < 0 else "mul"        # integer powers are multiplications
        return "sqrt" if e.exp.is_Rational and e.exp.q == 2 else "pow"
    if isinstance(e, (sp.exp, sp.log, log1p, expm1)):
        return "exp/log"
    if isinstance(e, (TrigonometricFunction, InverseTrigonometricFunction, HyperbolicFunction)):
        return "trig"
    return "other f"


def _values(stmts) -> list:
    out = []
    for st in stmts:
        if isinstance(st, Loop):
            out += _values(st.body)
        else:
            out.append(st.value)
    return out


def kernel_times(kernels, inputs) -> list[float]:
    """Median run time per point of each kernel on ``inputs`` (one call over ``POINTS``); the
    kernels take turns, so a slow spell of the shared machine hits all of them."""
    for k in kernels:
        k.run(*inputs)                           # compile
    times: list[list[float]] = [[] for _ in kernels]
    for _ in range(REPEATS):
        for k, t in zip(kernels, times):
            t0 = time.perf_counter()
            k.run(*inputs)
            t.append(time.perf_counter() - t0)
    return [statistics.median(t) / POINTS for t in times]


def cached_kernel_times(kernels, inputs, n_out: int) -> list[float]:
    """Median run time per point of each kernel writing ``CACHE_POINTS`` points into a
    preallocated output, ``CACHE_CALLS`` calls per repeat (the working set stays in cache).
    Each repeat places the arrays at new random offsets (the same for all kernels): with one
    fixed placement the time measures its 4 KiB store-to-load aliasing, up to 2x either way."""
    rng = np.random.default_rng(1)
    small = [a[:CACHE_POINTS].copy() for a in inputs]
    out = np.zeros(n_out * CACHE_POINTS)
    for k in kernels:
        k.drive(1, *small, out)                  # compile, warm the caches
    times: list[list[float]] = [[] for _ in kernels]
    for _ in range(REPEATS):
        small = [_placed(a, rng) for a in small]
        out = _placed(out, rng)
        for k in kernels:
            k.drive(1, *small, out)
        for k, t in zip(kernels, times):
            t0 = time.perf_counter()
            k.drive(CACHE_CALLS, *small, out)
            t.append(time.perf_counter() - t0)
    return [statistics.median(t) / (CACHE_CALLS * CACHE_POINTS) for t in times]


def _placed(a: np.ndarray, rng) -> np.ndarray:
    """A copy of ``a`` starting at a random 8-byte offset within a 4 KiB page."""
    shift = int(rng.integers(0, 512))
    buffer = np.empty(a.size + 512)
    view = buffer[shift:shift + a.size]
    view[:] = a
    return view


def check_equal(a, b, inputs, n_out: int) -> float:
    """Largest relative difference of two kernels' outputs (both ways of running them)."""
    small = [x[:CACHE_POINTS].copy() for x in inputs]
    outs = []
    for k in (a, b):
        out = np.zeros(n_out * CACHE_POINTS)     # outputs that are identically 0 are not stored
        k.run_cached(*small, out)
        outs.append((k.run(*inputs), out))
    worst = 0.0
    for va, vb in zip(*outs):
        scale = np.maximum(1.0, np.abs(va))
        with np.errstate(all="ignore"):
            worst = max(worst, float(np.nanmax(np.abs(va - vb) / scale)))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="costs only, no kernel timing")
    parser.add_argument("--case", action="append", default=[],
                        help="only the cases whose name contains this (repeatable)")
    opts = parser.parse_args()
    os.environ.setdefault("SYMPILE_CACHE_DIR", tempfile.mkdtemp(prefix="sympile-bench-"))
    a, b, c = sp.symbols("a b c")
    simplify_exprs([a * b + a * c + b * c])      # start the worker (big enough for the e-graph)
    rng = np.random.default_rng(0)
    rows = []
    for name, build in CASES.items():
        if opts.case and not any(c.lower() in name.lower() for c in opts.case):
            continue
        exprs, args = build()
        inputs = [rng.uniform(0.5, 2.0, POINTS) for _ in args]
        simp, t_simp, timeouts = sympy_simplified(exprs)
        cse, simplified, ours = (PointKernel(exprs, args, "cse"), PointKernel(simp, args, "cse"),
                                 PointKernel(exprs, args, "egraph"))
        row = dict(case=name, n=len(exprs), before=tree_cost(exprs), cse=cse.cost,
                   simp=simplified.cost, t_simp=t_simp, timeouts=timeouts, ours=ours.cost,
                   t_ours=ours.seconds, err=check_equal(cse, ours, inputs, len(exprs)))
        row["kinds"] = breakdown(ours.values)
        if not opts.quick:
            trio = [cse, simplified, ours]
            row["c_cse"], row["c_simp"], row["c_ours"] = cached_kernel_times(trio, inputs,
                                                                             len(exprs))
            row["k_cse"], row["k_simp"], row["k_ours"] = kernel_times(trio, inputs)
        rows.append(row)
        print(f"{name}: {row}", file=sys.stderr, flush=True)
    print_table(rows, opts.quick)


def print_table(rows, quick: bool) -> None:
    head = ("| case | exprs | tree cost | cse | simplify+cse (time) | sympile (time) | "
            "cse/sympile |")
    if not quick:
        head += (" in cache: cse | simplify | sympile | speed-up vs cse |"
                 " DRAM: cse | simplify | sympile | speed-up vs cse |")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for r in rows:
        to = f", {r['timeouts']} timeouts" if r["timeouts"] else ""
        line = (f"| {r['case']} | {r['n']} | {r['before']} | {r['cse']} | {r['simp']} "
                f"({r['t_simp']:.1f} s{to}) | {r['ours']} ({r['t_ours']:.2f} s) | "
                f"{r['cse'] / r['ours']:.2f}x |")
        if not quick:
            for p in ("c", "k"):
                line += (f" {r[p + '_cse'] * 1e9:.1f} ns | {r[p + '_simp'] * 1e9:.1f} ns | "
                         f"{r[p + '_ours'] * 1e9:.1f} ns | {r[p + '_cse'] / r[p + '_ours']:.2f}x |")
        print(line)
    print("\nwhere sympile's cycles go (per operation kind):\n")
    print("| case | " + " | ".join(KINDS) + " | total |")
    print("|" + "---|" * (len(KINDS) + 2))
    for r in rows:
        print(f"| {r['case']} | " + " | ".join(str(r["kinds"][k]) for k in KINDS)
              + f" | {r['ours']} |")
    gm = (lambda xs: math.exp(sum(math.log(v) for v in xs) / len(xs)))
    print(f"\ngeometric mean cost ratio cse/sympile: {gm([r['cse'] / r['ours'] for r in rows]):.2f}x;"
          f" cse/(simplify+cse): {gm([r['cse'] / r['simp'] for r in rows]):.2f}x;"
          f" slowest sympile simplification: {max(r['t_ours'] for r in rows):.2f} s;"
          f" largest relative difference to the input: {max(r['err'] for r in rows):.1e}")
    if not quick:
        for p, what in (("c", "in cache"), ("k", "DRAM")):
            speed = [r[p + "_cse"] / r[p + "_ours"] for r in rows]
            print(f"kernels {what}: geometric-mean speed-up vs cse {gm(speed):.2f}x "
                  f"(simplify+cse: {gm([r[p + '_cse'] / r[p + '_simp'] for r in rows]):.2f}x);"
                  f" worst case {min(speed):.2f}x")


if __name__ == "__main__":
    main()
