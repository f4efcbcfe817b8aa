"""The examples in public docstrings run and print what they claim."""
import doctest
import importlib

import pytest

MODULES = ["symbolic.arrays", "symbolic.problem", "symbolic.derive", "symbolic.sparsity", "codegen.function",
           "codegen.printers", "codegen.solver"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
