"""Expressions covering every function `build_function` supports, with NumPy/SciPy references.

Inputs: x in [0.2, 0.9] and y in [1.1, 2.0], where every function below is defined and smooth
(asin/acos/atanh need |x| < 1, acosh needs y > 1). Used by the backend-agreement tests and by
benchmarks/kernels.py.
"""
import numpy as np
import scipy.special as sc
import sympy as sp

x, y = sp.symbols("x y", real=True)

#: (name, SymPy expression, NumPy reference of (x, y))
SUITE = [
    ("trig", sp.sin(x) + sp.cos(y) * sp.tan(x), lambda x, y: np.sin(x) + np.cos(y) * np.tan(x)),
    ("inverse_trig", sp.asin(x) + sp.acos(x) * sp.atan(y) + sp.atan2(y, x - 0.5),
     lambda x, y: np.arcsin(x) + np.arccos(x) * np.arctan(y) + np.arctan2(y, x - 0.5)),
    ("hyperbolic", sp.sinh(x) * sp.cosh(y) - sp.tanh(x * y),
     lambda x, y: np.sinh(x) * np.cosh(y) - np.tanh(x * y)),
    ("inverse_hyperbolic", sp.asinh(x) + sp.acosh(y) + sp.atanh(x / 2),
     lambda x, y: np.arcsinh(x) + np.arccosh(y) + np.arctanh(x / 2)),
    ("exp_log", sp.exp(-x ** 2) * sp.log(y) + sp.log(1 + sp.exp(x)),
     lambda x, y: np.exp(-x ** 2) * np.log(y) + np.log(1 + np.exp(x))),
    ("sqrt_pow", sp.sqrt(x ** 2 + y ** 2) + x ** y + y ** 2.5 + x ** -3 + 1 / sp.sqrt(y),
     lambda x, y: np.hypot(x, y) + x ** y + y ** 2.5 + x ** -3.0 + 1 / np.sqrt(y)),
    ("polynomial", 3 * x ** 4 - 2 * x ** 3 * y + x * y ** 2 - 7,
     lambda x, y: 3 * x ** 4 - 2 * x ** 3 * y + x * y ** 2 - 7),
    ("abs_sign", sp.Abs(x - 0.5) * sp.sign(y - 1.5) + sp.Abs(y),
     lambda x, y: np.abs(x - 0.5) * np.sign(y - 1.5) + np.abs(y)),
    ("min_max", sp.Min(x, y - 1) + sp.Max(x, 0.5, y - 1),
     lambda x, y: np.minimum(x, y - 1) + np.maximum(np.maximum(x, 0.5), y - 1)),
    ("piecewise", sp.Piecewise((x ** 2, x < 0.5), (y - x, y > 1.5), (x * y, True)),
     lambda x, y: np.where(x < 0.5, x ** 2, np.where(y > 1.5, y - x, x * y))),
    ("floor_ceiling", sp.floor(4 * x) + sp.ceiling(3 * y) * x,
     lambda x, y: np.floor(4 * x) + np.ceil(3 * y) * x),
    ("erf_gamma", sp.erf(x) + sp.erfc(y) + sp.gamma(y) + sp.loggamma(x + y),
     lambda x, y: sc.erf(x) + sc.erfc(y) + sc.gamma(y) + sc.gammaln(x + y)),
    ("rational_pi", sp.pi * x / 3 + sp.Rational(2, 7) * y + sp.E,
     lambda x, y: np.pi * x / 3 + 2 / 7 * y + np.e),
]
