"""PDE solvers: sympile against a hand-written NumPy pseudo-spectral solver, SciPy and py-pde.

1. NLS soliton i u_t + u_xx/2 + |u|^2 u = 0, N = 512 on [-40, 40], T = 10, u(0) = sech(x) e^{ix}
   (exact: sech(x - t) e^{ix}). Each solver is run at settings that reach max error < 1e-8 at
   t = T, and the table gives the run's CPU time, right-hand-side evaluations, RHS evaluations
   per CPU second inside the run, and the RHS alone (median of repeated calls). All times are
   CPU times of this process (time.process_time), which a busy shared machine disturbs far less
   than wall-clock times:
   - sympile (numba, pseudo-spectral): DOP853 (rtol 1e-10) and ETDRK4 (fixed step), with the
     default dealiasing (cubic: padded to 2N) and with ``dealias=512`` (no padding, like the
     hand-written solver);
   - hand-written NumPy: the classic pseudo-spectral RHS (numpy.fft) in a NumPy IF-RK4 loop,
     unpadded and with the same 2N zero-padding as sympile's default (each sympile row is
     compared with the hand-written RHS on its own grid);
   - ``scipy.integrate.solve_ivp(method="DOP853")`` on the unpadded NumPy RHS.
2. Allen–Cahn u_t = γ Δu + u - u³, 512 x 512 periodic, second-order finite differences:
   CPU time of one RHS evaluation and of one explicit step of the same scheme in both codes:
   forward Euler (py-pde's default explicit scheme) and classical RK4 (py-pde's
   RungeKuttaSolver with a fixed step), sympile numba against py-pde's numba backend. py-pde is
   a benchmark peer, not a sympile dependency: ``pip install py-pde``.
3. sympile's own compile time (declaration → emitted source, Numba's compile excluded) for the
   NLS and Allen–Cahn problems at two grid sizes, each in fresh processes with an empty kernel
   cache (median of 5): it should not depend on the grid.

Every library runs on one thread (BLAS, OpenMP, Numba), so CPU times compare like with like.

Run:  python benchmarks/pde.py            (about two minutes on 2 cores)
      python benchmarks/pde.py --quick    (fewer repeats)
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")    # one thread everywhere: idle BLAS/Numba threads spin and
                                        # their CPU time would be charged to the code measured

import argparse
import importlib
import json
import subprocess
import tempfile
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import symbolic as sy

T_END, L_HALF, N = 10.0, 40.0, 512


def cpu() -> float:
    """CPU seconds of this process: on a machine shared with other work, wall-clock times
    measure the neighbours too; CPU time measures what the code itself costs."""
    return time.process_time()


def median_time(fn, repeats: int, inner: int) -> float:
    """Median over ``repeats`` of the mean CPU time of ``inner`` calls (seconds)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = cpu()
        for _ in range(inner):
            fn()
        times.append((cpu() - t0) / inner)
    return statistics.median(times)


def import_py_pde():
    """py-pde's package ``pde`` (this script's own name would shadow it on sys.path)."""
    here = Path(__file__).resolve().parent
    saved = sys.path[:]
    sys.path = [p for p in sys.path if Path(p or ".").resolve() != here]
    try:
        return importlib.import_module("pde")
    finally:
        sys.path = saved


# -- 1. NLS -----------------------------------------------------------------------------------
def nls_exact(x, t):
    return np.exp(1j * x) / np.cosh(x - t)


def sympile_nls(dealias: int | None):
    t, x = sy.symbols("t x", real=True)
    dom = sy.Domain(x=(-L_HALF, L_HALF), points=N, periodic=True)
    u = sy.Field("u", dom, dtype=complex)
    pde = sy.PDE(sy.Eq(sy.I * u.diff(t), -u.diff(x, 2) / 2 - sy.Abs(u) ** 2 * u),
                 initial={u: sy.sech(x) * sy.exp(sy.I * x)})
    return dom, pde.compile(backend="numba", discretization="spectral", dealias=dealias)


class HandNLS:
    """The pseudo-spectral NLS solver one writes by hand with NumPy.

    ``padded=False``: products on the N-point grid (no dealiasing, the classic code);
    ``padded=True``: the same 2N zero-padding (1/2 rule) as sympile's default discretization.
    """

    def __init__(self, padded: bool = False):
        self.x = -L_HALF + 2 * L_HALF / N * np.arange(N)
        k = 2 * np.pi * np.fft.fftfreq(N, 2 * L_HALF / N)
        self.lin = -0.5j * k ** 2
        self.padded = padded
        self.evaluations = 0

    def products(self, uh):
        """i |u|^2 u in Fourier space: on the N-point grid, or on 2N points (zero-padded)."""
        if not self.padded:
            u = np.fft.ifft(uh)
            return 1j * np.fft.fft(np.abs(u) ** 2 * u)
        h, m = N // 2, 2 * N
        full = np.zeros(m, dtype=complex)
        full[:h], full[m - h + 1:] = uh[:h], uh[h + 1:]          # Nyquist mode dropped
        u = np.fft.ifft(full) * (m / N)
        nl = np.fft.fft(np.abs(u) ** 2 * u) * (N / m)
        out = np.zeros(N, dtype=complex)
        out[:h], out[h + 1:] = nl[:h], nl[m - h + 1:]
        return 1j * out

    def rhs(self, t, uh):
        self.evaluations += 1
        return self.lin * uh + self.products(uh)

    def nonlinear(self, uh):
        self.evaluations += 1
        return self.products(uh)

    def ifrk4(self, dt: float) -> np.ndarray:
        """Integrating-factor RK4 (Trefethen, Spectral Methods in MATLAB, p27.m) to T_END."""
        uh = np.fft.fft(nls_exact(self.x, 0.0))
        steps = int(round(T_END / dt))
        e, e2 = np.exp(self.lin * dt), np.exp(self.lin * dt / 2)
        for _ in range(steps):
            a = dt * self.nonlinear(uh)
            b = dt * self.nonlinear(e2 * (uh + a / 2))
            c = dt * self.nonlinear(e2 * uh + b / 2)
            d = dt * self.nonlinear(e * uh + e2 * c)
            uh = e * uh + (e * a + 2 * e2 * (b + c) + d) / 6
        return np.fft.ifft(uh)


def nls_rows(repeats: int) -> list[tuple]:
    from scipy.integrate import solve_ivp
    rows = []
    for dealias, tag in ((None, "padded 2N"), (N, "no padding")):
        dom, sim = sympile_nls(dealias)
        xs = dom.grid()[0]
        y0 = sim.initial_state()
        rhs_time = median_time(lambda: sim.module.rhs(y0, 0.0), repeats, 200)
        for integrator, kw in (("dop853", dict(rtol=1e-10, atol=1e-12)),
                               ("etdrk4", dict(dt=0.01))):
            sim.run(t_end=0.1, integrator=integrator, **kw)          # Numba compiles here
            t0 = cpu()
            sol = sim.run(t_end=T_END, integrator=integrator, **kw)
            wall = cpu() - t0
            err = np.abs(sol["u"][-1] - nls_exact(xs, T_END)).max()
            ev = sol.stats["rhs_evaluations"]
            rows.append((f"sympile numba {integrator} ({tag})", err, wall, ev, ev / wall,
                         rhs_time))
    for padded, tag in ((True, "padded 2N"), (False, "no padding")):
        hand = HandNLS(padded)
        uh0 = np.fft.fft(nls_exact(hand.x, 0.0))
        rhs_time = median_time(lambda: hand.rhs(0.0, uh0), repeats, 200)
        hand.evaluations = 0
        t0 = cpu()
        u = hand.ifrk4(0.005)
        wall = cpu() - t0
        rows.append((f"hand-written NumPy IF-RK4 dt 0.005 ({tag})",
                     np.abs(u - nls_exact(hand.x, T_END)).max(), wall, hand.evaluations,
                     hand.evaluations / wall, rhs_time))
    hand = HandNLS(padded=False)
    uh0 = np.fft.fft(nls_exact(hand.x, 0.0))
    t0 = cpu()
    res = solve_ivp(hand.rhs, (0.0, T_END), uh0, method="DOP853", rtol=1e-10, atol=1e-12)
    wall = cpu() - t0
    err = np.abs(np.fft.ifft(res.y[:, -1]) - nls_exact(hand.x, T_END)).max()
    rows.append(("scipy solve_ivp DOP853, NumPy RHS (no padding)", err, wall, res.nfev,
                 res.nfev / wall, rows[-1][5]))
    return rows


# -- 2. Allen–Cahn 512 x 512 ----------------------------------------------------------------
GAMMA, M = 1e-3, 512


def allen_cahn_rows(repeats: int) -> list[tuple]:
    rng = np.random.default_rng(0)
    c0 = rng.uniform(-0.1, 0.1, (M, M))
    t, x, y = sy.symbols("t x y", real=True)
    dom = sy.Domain(x=(0, 1), y=(0, 1), points=(M, M), periodic=True)
    u = sy.Field("u", dom)
    ac = sy.PDE(sy.Eq(u.diff(t), GAMMA * (u.diff(x, 2) + u.diff(y, 2)) + u - u ** 3),
                initial={u: c0})
    sim = ac.compile(backend="numba", discretization="finite_difference", order=2)
    y0 = sim.initial_state()
    rhs = median_time(lambda: sim.module.rhs(y0, 0.0), repeats, 10)
    dt = 1e-5

    def per_step(run) -> float:
        """CPU time per step from runs of 20 and 120 steps (set-up costs cancel)."""
        return (median_time(lambda: run(120), repeats, 1)
                - median_time(lambda: run(20), repeats, 1)) / 100

    rows = []
    for scheme, integrator, stages in (("Euler", "euler", 1), ("RK4", "rk4", 4)):
        sim.run(t_end=dt * 2, dt=dt, integrator=integrator)      # Numba compiles here
        step = per_step(lambda n: sim.run(t_end=dt * n, dt=dt, integrator=integrator))
        rows.append((scheme, f"sympile numba FD, {integrator} ({stages} RHS per step)", rhs, step,
                     step / stages))
    try:
        pde = import_py_pde()
    except ImportError:
        print("py-pde is not installed (pip install py-pde): its rows are skipped")
        return rows
    grid = pde.CartesianGrid([[0, 1], [0, 1]], [M, M], periodic=True)
    state = pde.ScalarField(grid, c0)
    eq = pde.AllenCahnPDE(interface_width=GAMMA)
    prhs = eq.make_pde_rhs(state, backend="numba")
    data = state.data.copy()
    rhs_p = median_time(lambda: prhs(data, 0.0), repeats, 10)
    diff = np.abs(np.asarray(prhs(data, 0.0)).ravel() - sim.module.rhs(y0, 0.0)).max()
    # py-pde's RungeKuttaSolver with a fixed step is the classical RK4 (four RHS per step;
    # its 5(4) pair is only used with adaptive=True)
    for scheme, solver, label in (("Euler", pde.EulerSolver, "EulerSolver"),
                                  ("RK4", pde.RungeKuttaSolver, "RungeKuttaSolver fixed step")):
        stepper = solver(eq, backend="numba").make_stepper(state, dt)
        stepper(state, 0.0, dt * 2)
        step_p = per_step(lambda n: stepper(state, 0.0, dt * n))
        stages = 1 if scheme == "Euler" else 4
        rows.append((scheme, f"py-pde {pde.__version__} numba, {label} ({stages} RHS per step)",
                     rhs_p, step_p, step_p / stages))
    print(f"Allen–Cahn: max |RHS sympile - RHS py-pde| = {diff:.1e}")
    return rows


# -- 3. compile time ------------------------------------------------------------------------
def compile_child(problem: str, points: int) -> float:
    """sympile's derive-and-emit time for one problem and grid (run in a fresh process)."""
    if problem == "nls":
        t, x = sy.symbols("t x", real=True)
        dom = sy.Domain(x=(-L_HALF, L_HALF), points=points, periodic=True)
        u = sy.Field("u", dom, dtype=complex)
        pde = sy.PDE(sy.Eq(sy.I * u.diff(t), -u.diff(x, 2) / 2 - sy.Abs(u) ** 2 * u),
                     initial={u: sy.sech(x)})
        sim = pde.compile(backend="numba", discretization="spectral")
    else:
        t, x, y = sy.symbols("t x y", real=True)
        dom = sy.Domain(x=(0, 1), y=(0, 1), points=(points, points), periodic=False)
        u = sy.Field("u", dom)
        walls = [sy.Eq(u.diff(x).at(x=0), 0), sy.Eq(u.diff(x).at(x=1), 0),
                 sy.Eq(u.diff(y).at(y=0), 0), sy.Eq(u.diff(y).at(y=1), 0)]
        ac = sy.PDE(sy.Eq(u.diff(t), GAMMA * (u.diff(x, 2) + u.diff(y, 2)) + u - u ** 3),
                    initial={u: 0}, bcs=walls)
        sim = ac.compile(backend="numba", order=4)
    return sim.timings["derive_and_emit"]


def compile_rows(repeats: int) -> list[tuple]:
    """Each (problem, grid) in fresh processes with an empty kernel cache, nothing reused; the
    median of ``repeats`` processes (the spectral compile takes milliseconds: one process's
    timing is mostly noise)."""
    rows = []
    for problem, label, sizes in (("nls", "NLS spectral, N = {}", (128, 8192)),
                                  ("allen_cahn", "Allen–Cahn FD order 4, Neumann, {0}x{0}",
                                   (64, 1024))):
        for points in sizes:
            times = []
            for _ in range(repeats):
                with tempfile.TemporaryDirectory() as cache:
                    env = dict(os.environ, SYMPILE_CACHE_DIR=cache)
                    out = subprocess.run([sys.executable, __file__, "--compile-child", problem,
                                          str(points)], env=env, capture_output=True,
                                         text=True, check=True)
                times.append(json.loads(out.stdout.strip().splitlines()[-1]))
            rows.append((label.format(points), statistics.median(times)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--sections", default="1,2,3", help="which parts to run, e.g. 2,3")
    parser.add_argument("--compile-child", nargs=2, metavar=("PROBLEM", "POINTS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.compile_child:
        print(json.dumps(compile_child(args.compile_child[0], int(args.compile_child[1]))))
        return
    repeats = 3 if args.quick else 7

    sections = {int(k) for k in args.sections.split(",")}
    if 1 in sections:
        nls_table(repeats)
    if 2 in sections:
        allen_cahn_table(repeats)
    if 3 in sections:
        compile_table(3 if args.quick else 5)


def nls_table(repeats: int) -> None:
    print(f"\n1. NLS soliton, N = {N}, T = {T_END:g}: max error at T, run time, RHS evaluations; "
          f"'x hand': the hand-written NumPy RHS on the same grid (padded or not) over this RHS")
    rows = nls_rows(repeats)
    hand = {tag: next(r[5] for r in rows if r[0].startswith("hand") and tag in r[0])
            for tag in ("padded 2N", "no padding")}
    print(f"{'solver':<48}{'max error':>10}{'CPU':>8}{'RHS evals':>10}{'evals/s':>9}"
          f"{'RHS alone':>11}{'x hand':>8}")
    for name, err, wall, ev, rate, rhs in rows:
        same = hand["padded 2N" if "padded 2N" in name else "no padding"]
        print(f"{name:<48}{err:>10.1e}{wall:>7.2f}s{ev:>10d}{rate:>9.0f}{rhs * 1e6:>9.1f}us"
              f"{same / rhs:>7.2f}x")


def allen_cahn_table(repeats: int) -> None:
    print(f"\n2. Allen–Cahn {M} x {M}, second-order finite differences, periodic; 'py-pde / "
          f"this': py-pde's step of the same scheme over this step")
    rows = allen_cahn_rows(repeats)
    peer = {scheme: step for scheme, name, _, step, _ in rows if name.startswith("py-pde")}
    print(f"{'solver':<68}{'RHS':>9}{'step':>9}{'step/RHS':>10}{'py-pde / this':>15}")
    for scheme, name, rhs, step, per in rows:
        ratio = f"{peer[scheme] / step:>14.2f}x" if scheme in peer else f"{'-':>15}"
        print(f"{name:<68}{rhs * 1e3:>7.2f}ms{step * 1e3:>7.2f}ms{per * 1e3:>8.2f}ms{ratio}")


def compile_table(repeats: int) -> None:
    print("\n3. sympile's own compile time (declaration -> emitted source; Numba excluded; "
          f"fresh process and kernel cache each; wall clock, median of {repeats} processes)")
    rows = compile_rows(repeats)
    for name, secs in rows:
        print(f"{name:<44}{secs * 1e3:>8.0f} ms")
    for a, b in ((0, 1), (2, 3)):
        print(f"ratio {rows[b][0]} / {rows[a][0]}: {rows[b][1] / rows[a][1]:.2f}")


if __name__ == "__main__":
    main()
