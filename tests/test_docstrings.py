"""The examples in public docstrings run and print what they claim: every module of symbolic/,
codegen/ and runtime/ (found by walking the packages, so a new module is covered at once)."""
import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("symbolic", "codegen", "runtime")
MODULES = sorted(m.name for p in PACKAGES
                 for m in pkgutil.walk_packages(importlib.import_module(p).__path__, p + "."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
