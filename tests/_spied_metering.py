"""A spy on the streaming rater's metering calls: what each is given.

Shared by the tests that show a statement meters what is new, not the cycle so far
(a counter's readings, an aggregation's).
"""

from __future__ import annotations

import pytest

import ratekit as rk


def spied(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Record what each metering call of a rater is given: (start, number of records)."""
    from ratekit import rater as module

    calls: list[tuple[int, int]] = []
    original = module._Engine.meter

    def meter(
        self: object, records: object, start_us: int, end_us: int, state: object, **options: bool
    ) -> rk.Usage:
        given = list(records)  # type: ignore[call-overload]
        calls.append((start_us, len(given)))
        return original(self, given, start_us, end_us, state, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(module._Engine, "meter", meter)
    return calls
