"""C identifiers for emitted symbols: `codegen.printers.safe_name`, plus C's own keywords.

A name that is a C keyword or a common libc/libm identifier (``double``, ``sin``) is mangled the
same way `safe_name` mangles Python keywords, so a header can never break or shadow a libm call.
"""
from __future__ import annotations

import hashlib
import re

from ..printers import safe_name

C_RESERVED = set("""
auto break case char const continue default do double else enum extern float for goto if inline
int long register restrict return short signed sizeof static struct switch typedef union unsigned
void volatile while _Bool _Complex _Imaginary bool true false NULL main errno
sin cos tan asin acos atan atan2 sinh cosh tanh asinh acosh atanh exp exp2 expm1 log log2 log10
log1p pow sqrt cbrt hypot fabs floor ceil erf erfc tgamma lgamma fma fmax fmin
""".split())


def c_name(name: str) -> str:
    """A valid C identifier for ``name`` that is no C keyword and no libm function.

    >>> c_name("x"), c_name("double"), c_name("x); import os; (")
    ('x', 'u_double_bdb36bb2', 'u_ximportos_99fac4f3')
    """
    name = safe_name(name)
    if name in C_RESERVED or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        stem = re.sub(r"[^A-Za-z0-9]", "", name)[:16]
        return f"u_{stem}_{hashlib.sha1(name.encode()).hexdigest()[:8]}"
    return name
