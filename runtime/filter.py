"""The filter of the line search: pairs (constraint violation, barrier value) to stay away from.

A trial point is acceptable when, against every stored pair, it has a smaller constraint
violation or a smaller barrier value (Wächter & Biegler 2006, section 2.3); stored pairs are
already shifted by the margins gamma_theta, gamma_phi.
"""
from __future__ import annotations


class Filter:
    """A list of (theta, phi) corners; a point is rejected if some corner dominates it."""

    def __init__(self, theta_max: float):
        self.theta_max = theta_max
        self.entries: list[tuple[float, float]] = []

    def acceptable(self, theta: float, phi: float) -> bool:
        """True when (theta, phi) is not dominated by any entry and theta <= theta_max."""
        if theta > self.theta_max:
            return False
        return all(theta < t or phi < p for t, p in self.entries)

    def add(self, theta: float, phi: float) -> None:
        """Store a corner, dropping the corners it dominates."""
        self.entries = [(t, p) for t, p in self.entries if t < theta or p < phi]
        self.entries.append((theta, phi))

    def reset(self) -> None:
        """Forget all corners (after a barrier parameter update)."""
        self.entries.clear()
