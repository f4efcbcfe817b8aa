"""The PDE examples' printed checks (closed forms, invariants, linear theory) hold."""
import importlib.util
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "pde"
FAST = {"akhmediev_breather"}
NAMES = ["nls_soliton", "nls_two_solitons", "akhmediev_breather", "modulation_instability",
         "klein_gordon_waves", "phi4_kink", "sine_gordon_breather", "phi4_kink_antikink",
         "heat_allen_cahn_2d", "burgers", "gray_scott", "sharded_heat_jax"]


def test_every_example_is_listed():
    found = {p.stem for p in EXAMPLES.glob("*.py")} - {"common"}
    assert found == set(NAMES)


@pytest.mark.parametrize("name", [n if n in FAST else pytest.param(n, marks=pytest.mark.slow)
                                  for n in NAMES])
def test_example_checks_pass(name, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"pde_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    checks = module.main(plot=False)
    printed = capsys.readouterr().out
    assert checks and all(c.passed for c in checks), printed
    assert all(c.label in printed for c in checks)
    sys.modules.pop("common", None)
