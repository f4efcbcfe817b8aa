"""Per-iteration records of a solve: the history, IPOPT's iteration table, a progress bar.

Every solver reports each iteration as one dict to `Monitor.record`; the monitor keeps it in the
history, prints it as a table row when verbose, and advances a tqdm bar when asked for one.
"""
from __future__ import annotations

import math
import sys

from tqdm import tqdm

_HEADER = ("iter    objective    inf_pr   inf_du lg(mu)  ||d||  lg(rg) alpha_du alpha_pr  ls")


def _lg(value: float | None) -> str:
    if value is None or value <= 0.0:
        return "   -"
    return f"{math.log10(value):5.1f}"


class Monitor:
    """Collects iteration records; optionally prints them and drives a progress bar."""

    def __init__(self, verbose: bool = False, progress: bool = False, max_iter: int = 0,
                 desc: str = "solve"):
        self.verbose = verbose
        self.history: list[dict] = []
        self._bar = tqdm(total=max_iter, desc=desc, unit="it", leave=False) if progress else None
        self._printed = 0

    def record(self, row: dict) -> None:
        """Store one iteration's values (keys: iter, objective, inf_pr, inf_du, mu, step, reg,
        alpha_du, alpha_pr, ls, phase)."""
        self.history.append(row)
        if self.verbose:
            if self._printed % 10 == 0:
                print(_HEADER)
            self._printed += 1
            print(f"{row['iter']:4d}{row.get('phase', ''):1s} {row['objective']: .7e} "
                  f"{row['inf_pr']:.2e} {row['inf_du']:.2e} {_lg(row.get('mu'))} "
                  f"{row.get('step', 0.0):.2e} {_lg(row.get('reg'))} "
                  f"{row.get('alpha_du', 0.0):.2e} {row.get('alpha_pr', 0.0):.2e} "
                  f"{row.get('ls', 0):3d}", file=sys.stdout)
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(f=f"{row['objective']:.3e}", inf_pr=f"{row['inf_pr']:.1e}",
                                  inf_du=f"{row['inf_du']:.1e}", refresh=False)

    def finish(self, message: str) -> None:
        """Close the progress bar and, when verbose, print how the solve ended."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self.verbose:
            print(f"EXIT: {message}", file=sys.stdout)
