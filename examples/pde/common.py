"""Shared by the PDE examples: printed checks against closed forms, and where plots are saved."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PLOT_DIR = Path(os.environ.get("SYMPILE_PLOT_DIR", Path(__file__).resolve().parent / "plots"))


@dataclass(frozen=True)
class Check:
    """One printed comparison: a measured value against a reference, within a tolerance."""

    label: str
    value: float
    reference: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return abs(self.value - self.reference) <= self.tolerance

    def __str__(self) -> str:
        return (f"{self.label:<46} {self.value:>13.6g}   reference {self.reference:<11.6g} "
                f"|diff| {abs(self.value - self.reference):.2e} <= {self.tolerance:.0e}  "
                f"{'ok' if self.passed else 'FAILED'}")


def report(title: str, checks: list[Check]) -> list[Check]:
    """Print the checks under a title; return them (the example tests assert ``passed``)."""
    print(title)
    for c in checks:
        print("  " + str(c))
    return checks


def save_plot(fig, name: str) -> Path:
    """Save a matplotlib figure as PLOT_DIR/name.png and say where."""
    import matplotlib.pyplot as plt
    PLOT_DIR.mkdir(parents=True, exist_ok=True)
    path = PLOT_DIR / f"{name}.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"  plot: {path}")
    return path
