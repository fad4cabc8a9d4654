"""Counts the robustness suites report at the end of a run (issue 16: "the test output
prints the number of hostile inputs, fuzz iterations and kill points tried").

A test adds what it really tried (``tally.add("kill points", 1)`` after each kill);
tests/conftest.py prints the totals in pytest's terminal summary, so a run that
skipped a suite shows a smaller number rather than a claim.
"""

from __future__ import annotations

from collections import Counter

KINDS = ("hostile inputs", "fuzz iterations", "kill points")
TALLY: Counter[str] = Counter()


def add(kind: str, count: int = 1) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown tally {kind!r}; one of {', '.join(KINDS)}")
    TALLY[kind] += count


def line() -> str | None:
    """``hostile inputs: N, fuzz iterations: N, kill points: N``, or None when none ran."""
    if not any(TALLY.values()):
        return None
    return ", ".join(f"{kind}: {TALLY[kind]}" for kind in KINDS)
