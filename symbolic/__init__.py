"""sympile's symbolic layer: declare problems on top of SymPy (whose namespace is re-exported).

``import symbolic as sy`` gives SymPy (``sy.sin``, ``sy.Eq``, ``sy.symbols``, ...) plus
`Variable`, `Parameter`, `Problem`, `sum`.
"""
from sympy import *  # noqa: F401,F403  (one import serves: SymPy's namespace is part of the API)

from .arrays import ArrayExpr, Parameter, Variable, array_sum as sum, lift  # noqa: A001
from .derive import Term
from .errors import (DeclarationError, NonDifferentiableError, ShapeError, SympileError,
                     UnsupportedFunctionError)
from .pde import PDE, Domain, Field, at, integral
from .pde import ConvergenceOrder, convergence_order
from .problem import Constraint, Problem
from .bilevel import Bilevel
from .simplify import SimplifyReport, simplify_cost
from .check import CheckReport, check
from sympy import simplify  # noqa: E402,F811  (the subpackage symbolic.simplify shadows it)

__all__ = ["ArrayExpr", "Constraint", "DeclarationError", "Domain", "Field", "NonDifferentiableError",
           "PDE", "Parameter", "Problem", "ShapeError", "SympileError", "Term",
           "UnsupportedFunctionError", "Variable", "at",
           "integral", "lift", "sum"]
__all__ += ["CheckReport", "SimplifyReport", "check", "simplify_cost"]
__all__ += ["ConvergenceOrder", "convergence_order"]
__all__ += ["Bilevel"]
