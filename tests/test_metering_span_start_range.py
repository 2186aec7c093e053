"""A span whose first cycle lies outside what cycles reach is refused naming the span."""

from __future__ import annotations

import datetime as dt

import pytest

import ratekit as rk

RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
EARLY = rk.Span("0001-01-01T00:00:00Z", "2026-03-02T00:00:00Z")


@pytest.mark.parametrize(
    ("cycle", "shown"),
    [
        (rk.cycles.daily(tz="UTC"), "cycles.daily(tz='UTC')"),
        (rk.cycles.monthly(tz="Europe/Zurich"), "cycles.monthly(tz='Europe/Zurich', day=1)"),
    ],
)
def test_a_span_from_year_1_names_the_span_and_the_cycle(
    cycle: rk.cycles.Cycle, shown: str
) -> None:
    # Calendars reach the years 2 to 9998. The refusal used to name an instant only,
    # "instant 0001-01-01T00:00:00Z is outside the range ratekit's calendars support",
    # not what was given; the end of a span was already refused naming the span.
    with pytest.raises(rk.BadTimeError) as caught:
        rk.meter([], [RUNTIME], span=EARLY, cycle=cycle, as_of=EARLY.end)
    assert str(caught.value).startswith(
        f"Span('0001-01-01T00:00:00Z', '2026-03-02T00:00:00Z') starts in a cycle of {shown} "
        "that reaches outside the instants ratekit can cut into cycles (for calendar cycles, "
        "years 2 to 9998"
    )
    assert str(caught.value).endswith("give a span that starts later.")


def test_a_cycle_that_reaches_year_1_stays_metered() -> None:
    # Hours reach the first instant: 24 rows of an hour, as before.
    day = rk.Span("0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z")
    start = rk.Event("a", "r", "0001-01-01T00:00:00Z", kind="start", id="e1")
    usage = rk.meter([start], [RUNTIME], span=day, cycle=rk.cycles.hourly(), as_of=day.end)
    assert len(usage.rows) == 24
    assert usage.total() == 24


def test_a_cycle_of_its_own_beginning_before_year_1_names_the_span() -> None:
    every = rk.cycles.every(dt.timedelta(minutes=37), "2026-01-01T00:00:00Z")
    day = rk.Span("0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z")
    with pytest.raises(rk.BadTimeError) as caught:
        rk.meter([], [RUNTIME], span=day, cycle=every, as_of=day.end)
    assert str(caught.value).startswith(
        "Span('0001-01-01T00:00:00Z', '0001-01-02T00:00:00Z') starts in a cycle of cycles.every("
    )
