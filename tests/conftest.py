"""Shared fixtures: a private kernel cache per test session, and finite-difference helpers."""
import os
import tempfile

import numpy as np
import pytest

os.environ.setdefault("SYMPILE_CACHE_DIR", tempfile.mkdtemp(prefix="sympile-test-cache-"))


def fd_gradient(f, x, h=1e-6):
    """Central finite differences of a scalar function."""
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def fd_jacobian(c, x, h=1e-6):
    """Central finite differences of a vector function (columns are partials)."""
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((np.asarray(c(x + e)) - np.asarray(c(x - e))) / (2 * h))
    return np.array(cols).T


def dense(values, pattern):
    """Dense matrix from COO values (duplicates summed)."""
    out = np.zeros(pattern.shape)
    np.add.at(out, (pattern.rows, pattern.cols), values)
    return out


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
