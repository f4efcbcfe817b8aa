"""Γ(x) emitted as vectorizable arithmetic in the llvm backend (codegen/llvm/gamma.py)."""
import numpy as np
import pytest
import scipy.special as sc
import sympy

import codegen
from codegen.llvm.vecmath import vector_isas

x = sympy.Symbol("x")


@pytest.fixture(scope="module")
def gamma64():
    return codegen.build_function([sympy.gamma(x)], [x], backend="llvm")


def test_gamma_matches_scipy_over_its_range(gamma64):
    rng = np.random.default_rng(11)
    z = np.concatenate([rng.uniform(1e-3, 171, 20000), rng.uniform(-170, 0.5, 20000)])
    z = z[np.abs(z - np.round(z)) > 1e-3]
    rel = np.abs(gamma64(z)[0] / sc.gamma(z) - 1)
    assert rel[(z > 0) & (z < 20)].max() < 1e-14
    assert rel.max() < 1e-12


def test_gamma_special_values_are_those_of_tgamma(gamma64):
    z = np.array([0.0, -0.0, -1.0, -7.0, 1.0, 2.0, 5.0, 172.0, np.inf, np.nan, 0.5])
    expected = np.array([np.inf, -np.inf, np.nan, np.nan, 1, 1, 24, np.inf, np.inf, np.nan,
                         np.sqrt(np.pi)])
    out = gamma64(z)[0]
    np.testing.assert_allclose(out, expected, rtol=1e-14)
    assert np.array_equal(np.signbit(out[:2]), [False, True])


@pytest.mark.skipif(not vector_isas(), reason="no libmvec: the loop stays scalar")
def test_gamma_loop_vectorizes_without_tgamma(gamma64):
    optimized = gamma64.library.optimized
    assert "tgamma" not in optimized and "@_ZGV" in optimized


def test_float32_keeps_libm():
    k = codegen.build_function([sympy.gamma(x)], [x], backend="llvm", dtype="float32")
    z = np.random.default_rng(2).uniform(0.05, 30, 500).astype(np.float32)
    assert "tgammaf" in k.library.optimized
    assert np.max(np.abs(k(z)[0] / sc.gamma(z.astype(float)) - 1)) < 1e-5


def test_gamma_next_to_loggamma_is_signed_exp_of_lgamma():
    """A loop that also calls lgamma (scalar only) computes gamma as +-exp(lgamma): no tgamma,
    tgamma's values and specials (signs on negative intervals, NaN at poles, +-inf at +-0)."""
    y = sympy.Symbol("y")
    k = codegen.build_function([sympy.gamma(x), sympy.loggamma(y)], [x, y], backend="llvm")
    assert "tgamma" not in k.library.optimized
    rng = np.random.default_rng(3)
    z = np.concatenate([rng.uniform(1e-3, 170, 2000), rng.uniform(-60, 0, 2000)])
    z = z[np.abs(z - np.round(z)) > 1e-3]
    out = k(z, z + 1)
    np.testing.assert_allclose(out[0], sc.gamma(z), rtol=1e-12)
    np.testing.assert_allclose(out[1], sc.gammaln(z + 1), rtol=1e-13, atol=1e-15)
    special = np.array([0.0, -0.0, -1.0, -4.0, 1.0, 3.0, 172.0, np.nan])
    np.testing.assert_allclose(k(special, special + 2)[0], sc.gamma(special), rtol=1e-14)
    assert np.array_equal(np.signbit(k(special[:2], special[:2] + 2)[0]), [False, True])
