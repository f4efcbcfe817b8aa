"""Which method may run on a bilevel problem, and which one "auto" picks (and why)."""
from __future__ import annotations

import warnings

from .kernels import BilevelKernels

METHODS = ("auto", "kkt", "value-penalty", "lv-hba", "implicit")


def blocker(method: str, k: BilevelKernels) -> str | None:
    """Why ``method`` cannot handle this problem (naming the piece and a method that can)."""
    info = k.info
    coupled = info.get("coupled_upper", [])
    x_only = info.get("x_only_upper", [])
    if method == "kkt":
        return None
    if coupled:
        return (f"upper-level constraint(s) {', '.join(coupled)} mention the lower-level "
                f"variables ({', '.join(info.get('y_names', []))}); method={method!r} handles "
                f"bounds only there: use method='kkt', which keeps them in the single-level "
                f"problem")
    if x_only:
        return (f"upper-level constraint(s) {', '.join(x_only)} are not bounds; method="
                f"{method!r} projects onto bounds of x only: use method='kkt' (or write them as "
                f"bounds of the variables)")
    lower = info.get("lower_constraints", [])
    if method == "value-penalty" and lower:
        return (f"lower-level constraint(s) {', '.join(lower)} couple x and y; "
                f"method='value-penalty' handles bounds of y only: use method='lv-hba' or 'kkt'")
    nonaffine = info.get("nonaffine_lower", [])
    if method == "lv-hba" and nonaffine:
        return (f"method='lv-hba' projects (x, y) onto the lower-level constraints, which must "
                f"be affine for that; {', '.join(nonaffine)} are not: use method='kkt'")
    if method == "implicit":
        if lower:
            return (f"method='implicit' needs an unconstrained lower level, but it has "
                    f"constraint(s) {', '.join(lower)}: use method='kkt' or 'lv-hba'")
        if info.get("y_bounded", False):
            return ("method='implicit' needs an unconstrained lower level, but its variables have "
                    "bounds: use method='kkt', 'value-penalty' or 'lv-hba'")
    return None


def choose(method: str, k: BilevelKernels) -> tuple[str, str]:
    """The method to run and the reason; bad choices raise ValueError naming what blocks them."""
    if method not in METHODS:
        raise ValueError(f"method={method!r}; expected one of {', '.join(map(repr, METHODS))}")
    convex, why = k.info.get("lower_convex"), k.info.get("convexity_reason", "")
    if method != "auto":
        problem = blocker(method, k)
        if problem is not None:
            raise ValueError(problem)
        if method == "kkt" and convex is not True:
            warnings.warn(f"method='kkt' on a lower level that is not known to be convex ({why}): "
                          f"KKT points of the lower level may not be its minimizers, so the "
                          f"result may not solve the bilevel problem", RuntimeWarning, stacklevel=4)
        if method == "lv-hba" and convex is not True:
            warnings.warn(f"method='lv-hba' on a lower level that is not known to be convex "
                          f"({why}): its y follows one lower-level minimizer by local steps and "
                          f"may settle on a worse branch than the best one; method='auto' "
                          f"searches other lower-level minimizers", RuntimeWarning, stacklevel=4)
        return method, "chosen by the caller"
    if convex is True:
        return "kkt", (f"the lower level is convex in y ({why}), so its KKT conditions "
                       f"characterize its minimizers and the single-level KKT problem is exact")
    for candidate in ("value-penalty", "lv-hba"):
        if blocker(candidate, k) is None:
            return candidate, (f"the lower level is not known to be convex in y ({why}); a "
                               f"first-order method that uses lower-level values, not only its "
                               f"KKT points, is used")
    warnings.warn(f"no first-order method handles this problem ({blocker('lv-hba', k)}); using "
                  f"'kkt' although the lower level is not known to be convex ({why})",
                  RuntimeWarning, stacklevel=4)
    return "kkt", "only the KKT reformulation handles these constraints; lower level not " \
                  f"known to be convex ({why})"
