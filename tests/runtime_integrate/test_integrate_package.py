"""The integrate subpackage imports no SymPy/symbolic/codegen, and its docstring examples run."""
import ast
import doctest
import importlib
import pathlib

import pytest

import runtime.integrate

PACKAGE = pathlib.Path(runtime.integrate.__file__).parent
FORBIDDEN = ("sympy", "symbolic", "codegen")


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_symbolic_imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


@pytest.mark.parametrize("name", ["runtime.integrate.cfl", "runtime.integrate.api",
                                  "runtime.integrate.fused"])
def test_docstring_examples(name):
    failures, tried = doctest.testmod(importlib.import_module(name),
                                      optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0


def test_public_api():
    assert set(runtime.integrate.METHODS) == {"euler", "rk4", "rk45", "dop853", "verlet",
                                              "ifrk4", "etdrk4", "bdf"}
    for name in runtime.integrate.__all__:
        assert getattr(runtime.integrate, name).__doc__ or name == "METHODS"
