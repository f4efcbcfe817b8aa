"""The cost-driven simplifier against `sympy.cse` and `sympy.simplify` + cse (issue 3's suite).

For each case (a list of expressions over scalar symbols) the table reports

- cost (estimated CPU cycles, `symbolic.simplify.cost`) of the expressions as trees (no
  sharing), and of the statements sympile's lowering (`codegen.lower.Lowerer`) emits for them
  with ``simplify="cse"`` (`sympy.cse` alone), with ``"cse"`` after `sympy.simplify` of each
  expression (and the time simplify took, each expression under a 20 s limit: on timeout the
  expression is kept), and with ``simplify="egraph"`` (what ``compile()`` does: canonical
  rules, e-graph, factored and Horner candidates priced after CSE, cse, shared reciprocals),
  with the time it took;
- the run time of the Numba kernels emitted from those statements (`codegen.emit_loops`), one
  loop over 10^5 random points (median of repeats, the three kernels taking turns).

Suite: a reaction network with Michaelis-Menten and Hill rate laws and its Jacobian, Griewank's
lighthouse and baby examples and their Jacobians, a double pendulum's and a 3D rigid body's
equations of motion, and Hock-Schittkowski objectives with gradient and Hessian-vector product.

Run:  python benchmarks/simplify.py            (about 3 minutes)
      python benchmarks/simplify.py --quick    (no kernels: costs and simplification times)
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codegen.build import DECORATORS, load_module, module_source  # noqa: E402
from codegen.emit_loops import emit_loops                # noqa: E402
from codegen.ir import Kernel, Loop                      # noqa: E402
from codegen.lower import Lowerer, Output                # noqa: E402
from symbolic.simplify import simplify_exprs, worker    # noqa: E402
from symbolic.simplify.cost import _local_cost, dag_cost, is_constant  # noqa: E402

POINTS = 10**5
REPEATS = 21
SIMPLIFY_LIMIT = 20.0


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
    constant: dict = {}

    def cost(e):
        if e not in memo:
            if is_constant(e, constant):
                memo[e] = 0
            else:
                own, kids = _local_cost(e)
                memo[e] = own + sum(cost(k) for k in kids)
        return memo[e]

    return sum(cost(sp.sympify(e)) for e in exprs)


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
    """``exprs`` lowered by sympile over a loop of points (argument k read from ``_a{k}[i]``)."""

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
        self.cost = dag_cost(_values(low.root.stmts))
        kernel = Kernel("kernel", [(f"_a{k}", "array") for k in range(len(args))], [],
                        [("_out", len(exprs) * POINTS)], low.root.stmts,
                        filled_outputs=frozenset({"_out"}))
        source = module_source([emit_loops(kernel, DECORATORS["numba"])], "numba")
        self.run = load_module(source, "numba").kernel


def _values(stmts) -> list:
    out = []
    for st in stmts:
        if isinstance(st, Loop):
            out += _values(st.body)
        else:
            out.append(st.value)
    return out


def kernel_times(kernels, inputs) -> list[float]:
    """Median run time of each kernel on ``inputs``; the kernels take turns, so a slow spell
    of the shared machine hits all of them."""
    for k in kernels:
        k.run(*inputs)                           # compile
    times: list[list[float]] = [[] for _ in kernels]
    for _ in range(REPEATS):
        for k, t in zip(kernels, times):
            t0 = time.perf_counter()
            k.run(*inputs)
            t.append(time.perf_counter() - t0)
    return [statistics.median(t) for t in times]


def check_equal(a, b, inputs) -> float:
    """Largest relative difference of two kernels' outputs."""
    va, vb = a.run(*inputs), b.run(*inputs)
    scale = np.maximum(1.0, np.abs(va))
    with np.errstate(all="ignore"):
        return float(np.nanmax(np.abs(va - vb) / scale))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="costs only, no kernel timing")
    opts = parser.parse_args()
    os.environ.setdefault("SYMPILE_CACHE_DIR", tempfile.mkdtemp(prefix="sympile-bench-"))
    simplify_exprs([sp.Symbol("a") * sp.Symbol("b") + sp.Symbol("a")])   # start the worker
    rng = np.random.default_rng(0)
    rows = []
    for name, build in CASES.items():
        exprs, args = build()
        inputs = [rng.uniform(0.5, 2.0, POINTS) for _ in args]
        simp, t_simp, timeouts = sympy_simplified(exprs)
        cse, simplified, ours = (PointKernel(exprs, args, "cse"), PointKernel(simp, args, "cse"),
                                 PointKernel(exprs, args, "egraph"))
        row = dict(case=name, n=len(exprs), before=tree_cost(exprs), cse=cse.cost,
                   simp=simplified.cost, t_simp=t_simp, timeouts=timeouts, ours=ours.cost,
                   t_ours=ours.seconds, err=check_equal(cse, ours, inputs))
        if not opts.quick:
            row["k_cse"], row["k_simp"], row["k_ours"] = kernel_times([cse, simplified, ours],
                                                                      inputs)
        rows.append(row)
        print(f"{name}: {row}", file=sys.stderr, flush=True)
    print_table(rows, opts.quick)


def print_table(rows, quick: bool) -> None:
    head = ("| case | exprs | tree cost | cse | simplify+cse (time) | sympile (time) | "
            "cse/sympile |")
    if not quick:
        head += " kernel cse | kernel simplify | kernel sympile | speed-up vs cse |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for r in rows:
        to = f", {r['timeouts']} timeouts" if r["timeouts"] else ""
        line = (f"| {r['case']} | {r['n']} | {r['before']} | {r['cse']} | {r['simp']} "
                f"({r['t_simp']:.1f} s{to}) | {r['ours']} ({r['t_ours']:.2f} s) | "
                f"{r['cse'] / r['ours']:.2f}x |")
        if not quick:
            line += (f" {r['k_cse'] * 1e3:.2f} ms | {r['k_simp'] * 1e3:.2f} ms | "
                     f"{r['k_ours'] * 1e3:.2f} ms | {r['k_cse'] / r['k_ours']:.2f}x |")
        print(line)
    gm = (lambda xs: math.exp(sum(math.log(v) for v in xs) / len(xs)))
    print(f"\ngeometric mean cost ratio cse/sympile: {gm([r['cse'] / r['ours'] for r in rows]):.2f}x;"
          f" cse/(simplify+cse): {gm([r['cse'] / r['simp'] for r in rows]):.2f}x;"
          f" slowest sympile simplification: {max(r['t_ours'] for r in rows):.2f} s;"
          f" largest relative difference to the input: {max(r['err'] for r in rows):.1e}")
    if not quick:
        speed = [r["k_cse"] / r["k_ours"] for r in rows]
        print(f"kernels: geometric-mean speed-up vs cse {gm(speed):.2f}x (simplify+cse: "
              f"{gm([r['k_cse'] / r['k_simp'] for r in rows]):.2f}x); worst case "
              f"{min(speed):.2f}x")


if __name__ == "__main__":
    main()
