"""compare_plans checks its own span and as_of before rating any candidate.

They were first read by rate() under the first candidate, so the error blamed it:
"under candidate 'today': rate span must be a Span, not str: '2026-03'.", as if that
candidate's plans were at fault; an analyst would look for the fault in the plans.
"""

from __future__ import annotations

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
TODAY = rk.Plan("today", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 1)])


def test_a_span_that_is_no_span_is_the_calls_fault() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.compare_plans([], {"today": TODAY}, span="2026-03")  # type: ignore[arg-type]
    assert str(caught.value) == "compare_plans span must be a Span, not str: '2026-03'."


def test_a_naive_as_of_is_the_calls_fault() -> None:
    with pytest.raises(rk.BadTimeError) as caught:
        rk.compare_plans([], {"today": TODAY}, span=MARCH, as_of="2026-03-10T00:00:00")
    assert str(caught.value).startswith(
        "compare_plans as_of '2026-03-10T00:00:00' has no UTC offset;"
    )


def test_good_arguments_still_compare() -> None:
    comparison = rk.compare_plans([], {"today": [rk.Assignment("acme", TODAY)]}, span=MARCH)
    assert comparison.totals() == {"today": 1}  # the base fee of 1, a whole month
