"""JAX kernels on arrays sharded over 4 CPU devices (a subprocess: the device count is fixed at
JAX's start-up): NLP and PDE kernels accept sharded arrays and keep the sharding, and a PDE
runs with its grid sharded, equal to the unsharded run."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import json
import jax, numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec
import symbolic as sy

mesh = Mesh(np.array(jax.devices()), ("d",))
shard = NamedSharding(mesh, PartitionSpec("d"))
out = {"devices": len(jax.devices())}

n = 64
x = sy.Variable("x", shape=n)
prob = sy.Problem(minimize=sy.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))
jk = prob.compile(backend="jax").module
ref = prob.compile(backend="numpy").kernels()
z = np.random.default_rng(0).uniform(-1, 1, n)
zs = jax.device_put(z, shard)
g = jk.gradient(zs)
out["nlp_shards"] = len(g.sharding.device_set)
out["nlp_grad_err"] = float(np.abs(np.asarray(g) - ref.gradient(z)).max())

t, X = sy.symbols("t x", real=True)
dom = sy.Domain(x=(0, sy.pi), points=66, periodic=False)
u = sy.Field("u", dom)
pde = sy.PDE(sy.Eq(u.diff(t), u.diff(X, 2) - u ** 3), initial={u: sy.sin(X)},
             bcs=[sy.Eq(u.at(x=0), 0), sy.Eq(u.at(x=sy.pi), 0)])
sim = pde.compile(backend="jax", discretization="finite_difference", integrator="rk4")
y = sim.initial_state()
r = sim.module.rhs(jax.device_put(y, shard), 0.0)
out["pde_shards"] = len(r.sharding.device_set)
out["pde_rhs_err"] = float(np.abs(np.asarray(r) - np.asarray(sim.module.rhs(y, 0.0))).max())
a = sim.run(t_end=0.1, dt=1e-4, save_every=0.05, sharding=shard)
b = sim.run(t_end=0.1, dt=1e-4, save_every=0.05)
out["run_status"] = a.status
out["run_snapshots"] = len(a.t)
out["run_diff"] = float(np.abs(np.asarray(a["u"]) - np.asarray(b["u"])).max())
try:
    sim.run(t_end=0.1, save_every=0.05, sharding=shard)
except ValueError as exc:
    out["no_dt_error"] = str(exc)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def sharded():
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4",
           "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_kernels_accept_sharded_arrays_and_keep_the_sharding(sharded):
    assert sharded["devices"] == 4
    assert sharded["nlp_shards"] == 4 and sharded["nlp_grad_err"] < 1e-12
    assert sharded["pde_shards"] == 4 and sharded["pde_rhs_err"] < 1e-12


def test_pde_runs_with_its_grid_sharded(sharded):
    assert sharded["run_status"] == "success" and sharded["run_snapshots"] == 3
    assert sharded["run_diff"] < 1e-12


def test_sharded_run_needs_a_fixed_step(sharded):
    assert "fixed dt" in sharded["no_dt_error"]
