"""Readable text and LaTeX of problems: template indices shown as i, j, k instead of internals."""
from __future__ import annotations

import sympy
from sympy import Symbol

from .arrays import is_loop_index

_NAMES = "ijklmnpqrs"


def readable(expr: sympy.Expr) -> sympy.Expr:
    """Rename sympile's internal loop indices (_i0, _k1_0, ...) to short letters."""
    idx = sorted({s for s in expr.free_symbols | _bound(expr) if is_loop_index(s)},
                 key=lambda s: s.name)
    return expr.xreplace({s: Symbol(_NAMES[k % len(_NAMES)] + ("'" * (k // len(_NAMES))),
                                    integer=True) for k, s in enumerate(idx)})


def _bound(expr: sympy.Expr) -> set:
    return {v for s in expr.atoms(sympy.Sum) for v in s.variables}


def _constraint_text(c, fmt) -> str:
    body = fmt(readable(c.expr))
    rng = ""
    if c.shape:
        dims = ", ".join(f"0 ≤ {_NAMES[d]} < {n}" for d, n in enumerate(c.shape))
        rng = f"   for {dims}"
    if c.is_equality:
        return f"{body} = 0{rng}"
    if c.upper == 0:
        return f"{body} ≤ 0{rng}"
    return f"{body} ≥ 0{rng}"


def problem_str(p) -> str:
    lines = [f"{p.sense} {sympy.sstr(readable(p.objective))}"]
    if p.constraints:
        lines.append("subject to")
        lines += [f"  {c.name}: {_constraint_text(c, sympy.sstr)}" for c in p.constraints]
    names = ", ".join(f"{v.name}{list(getattr(v, 'shape', ()) or [])}" for v in p.variables)
    lines.append(f"over {names}")
    if p.parameters:
        lines.append("parameters " + ", ".join(s.name for s in p.parameters))
    return "\n".join(lines)


def problem_latex(p) -> str:
    op = r"\min" if p.sense == "minimize" else r"\max"
    rows = [rf"{op}_{{{', '.join(v.name for v in p.variables)}}} \quad & "
            rf"{sympy.latex(readable(p.objective))}"]
    for c in p.constraints:
        rel = "=" if c.is_equality else (r"\le" if c.upper == 0 else r"\ge")
        rng = ""
        if c.shape:
            rng = r",\quad " + ", ".join(rf"0 \le {_NAMES[d]} < {n}" for d, n in enumerate(c.shape))
        prefix = r"\text{s.t.} \quad" if c is p.constraints[0] else ""
        rows.append(rf"{prefix} & {sympy.latex(readable(c.expr))} {rel} 0{rng}")
    return r"$\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}$"
