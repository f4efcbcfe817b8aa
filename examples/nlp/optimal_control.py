"""Minimum-energy transfer of a double integrator, discretized with N steps (3N + 2 unknowns).

min  h sum u_k^2   s.t.  p_{k+1} = p_k + h v_k + h^2 u_k / 2,  v_{k+1} = v_k + h u_k,
     p_0 = v_0 = 0,  p_N = 1,  v_N = 0,  on t in [0, 1].
The continuous optimum is u(t) = 6 - 12 t with cost 12; the discrete optimum approaches it as
N grows. Run: python examples/nlp/optimal_control.py [N]
"""
import sys

import numpy as np

import symbolic as sy

N = int(sys.argv[1]) if len(sys.argv) > 1 and __name__ == "__main__" else 1000
h = 1.0 / N
p = sy.Variable("p", shape=N + 1)
v = sy.Variable("v", shape=N + 1)
u = sy.Variable("u", shape=N, lower=-20, upper=20)
problem = sy.Problem(
    minimize=h * sy.sum(u ** 2),
    subject_to={
        "position": sy.Eq(p[1:], p[:-1] + h * v[:-1] + h ** 2 * u / 2),
        "velocity": sy.Eq(v[1:], v[:-1] + h * u),
        "start_position": sy.Eq(p[0], 0),
        "start_velocity": sy.Eq(v[0], 0),
        "end_position": sy.Eq(p[N], 1),
        "end_velocity": sy.Eq(v[N], 0),
    },
)
x0 = {"p": np.linspace(0, 1, N + 1), "v": np.ones(N + 1), "u": np.zeros(N)}
KNOWN_OPTIMUM = 12.0

if __name__ == "__main__":
    res = problem.compile(backend="numba").solve(x0=x0)
    t = (np.arange(N) + 0.5) * h
    print(f"N = {N}: status {res.status}, cost {res.objective:.6f} (continuous optimum 12), "
          f"max |u - (6 - 12 t)| = {np.abs(res['u'] - (6 - 12 * t)).max():.2e}")
