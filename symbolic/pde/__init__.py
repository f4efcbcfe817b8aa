"""PDE declarations: domains, fields, evolution equations, boundary conditions, monitors."""
from .convergence import ConvergenceOrder, convergence_order
from .domain import Axis, Domain
from .field import TIME, Field, FieldFunction, at
from .pde import PDE, BoundaryCondition, Evolution, integral

__all__ = ["Axis", "BoundaryCondition", "ConvergenceOrder", "Domain", "Evolution", "Field",
           "FieldFunction", "PDE", "TIME", "at", "convergence_order", "integral"]
