"""A plan's price entries are checked for ties by a sweep over their spans, not pairwise.

Only entries of one priority whose spans meet can tie; a list of hourly prices, none
meeting another, is checked in O(n log n) (8,760 entries, a year, took 126 s of CPU
pairwise). The sweep must find every pair the pairwise check found.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import itertools
import pstats

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._instants import MAX_US, MIN_US, from_us
from ratekit._price_entries import meeting
from ratekit._rater_priced_verdicts import _tied

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
MONTHS = rk.cycles.monthly(tz="UTC")


def _hourly(hours: int, *, unit: str | None = None) -> list[rk.PriceEntry]:
    return [
        rk.PriceEntry(
            f"h{hour}",
            "gpu",
            rk.PerUnit("0.0001"),
            start=T0 + dt.timedelta(hours=hour),
            end=T0 + dt.timedelta(hours=hour + 1),
            meter_unit=unit,
        )
        for hour in range(hours)
    ]


def _calls(entries: list[rk.PriceEntry]) -> int:
    profile = cProfile.Profile()
    profile.enable()
    rk.Plan("p", "EUR", MONTHS, entries)
    profile.disable()
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined,no-any-return]


def test_hourly_prices_are_checked_in_near_linear_work() -> None:
    # Twice the entries, about twice the calls (pairwise: four times).
    small, large = _calls(_hourly(500)), _calls(_hourly(1000))
    assert large < 2.5 * small


def test_two_hours_overlapping_among_a_thousand_are_named() -> None:
    entries = _hourly(1000)
    entries[700] = rk.PriceEntry(
        "late",
        "gpu",
        rk.PerUnit("0.0002"),
        start=T0 + dt.timedelta(hours=699, minutes=30),
        end=T0 + dt.timedelta(hours=701),
    )
    with pytest.raises(rk.BadPriceError) as refused:
        rk.Plan("p", "EUR", MONTHS, entries)
    # 'late' meets h699 first (the first pair in the entries' order: 699 before 700).
    assert str(refused.value) == (
        "price entries 'h699' and 'late' of meter 'gpu' have the same priority 0 and can "
        "both apply (e.g. at 2026-03-30T03:30:00Z); give one a higher priority, or make "
        "their spans, windows or selectors exclusive."
    )


def test_a_unit_said_otherwise_among_many_is_named_with_the_first() -> None:
    entries = _hourly(300, unit="hour")
    entries[250] = rk.PriceEntry(
        "odd",
        "gpu",
        rk.PerUnit(1),
        start=T0 + dt.timedelta(hours=250),
        end=T0 + dt.timedelta(hours=251),
        meter_unit="second",
    )
    with pytest.raises(rk.UnitError) as refused:
        rk.Plan("p", "EUR", MONTHS, entries)
    assert str(refused.value) == (
        "plan 'p' has price entries 'h0' and 'odd' of meter 'gpu' that say its unit is "
        "'hour' and 'second'; a meter has one unit: give both entries the meter's unit as "
        "meter_unit (or leave it out)."
    )


_BOUND = st.one_of(st.none(), st.integers(0, 40))
_HOUR = 3_600_000_000
_BASE = 1_767_225_600_000_000  # 2026-01-01


def _entries(given_spans: list[tuple[int, int | None, int | None]]) -> list[rk.PriceEntry]:
    """An entry per (priority, start hour, end hour) from 2026-01-01, None unbounded."""
    entries = []
    for index, (priority, a, b) in enumerate(given_spans):
        start = None if a is None else _BASE + a * _HOUR
        end = None if b is None else _BASE + b * _HOUR
        if start is not None and end is not None and end <= start:
            start, end = end, start + _HOUR  # a valid span: start before end
        entries.append(
            rk.PriceEntry(
                f"e{index}",
                "m",
                rk.PerUnit(1),
                priority=priority,
                start=None if start is None else from_us(start),
                end=None if end is None else from_us(end),
            )
        )
    return entries


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), _BOUND, _BOUND), max_size=25))
def test_the_sweep_finds_exactly_the_pairs_whose_spans_meet(
    given_spans: list[tuple[int, int | None, int | None]],
) -> None:
    """Law: `meeting` gives every pair of one priority whose spans intersect, in order."""
    entries = _entries(given_spans)

    base, hour = _BASE, _HOUR

    def span(entry: rk.PriceEntry) -> set[int]:  # the hours it covers, within the range
        lo = MIN_US if entry.start_us is None else entry.start_us
        hi = MAX_US if entry.end_us is None else entry.end_us
        return {h for h in range(-2, 84) if lo < base + (h + 1) * hour and base + h * hour < hi}

    expected = [
        (i, j)
        for (i, a), (j, b) in itertools.combinations(enumerate(entries), 2)
        if a.priority == b.priority and span(a) & span(b)
    ]
    assert meeting(entries) == expected


def _pairwise_tied(entries: list[rk.PriceEntry]) -> bool:
    """The oracle: some pair of one priority whose spans share an instant."""
    for a, b in itertools.combinations(entries, 2):
        if a.priority != b.priority:
            continue
        lo = max(MIN_US if e.start_us is None else e.start_us for e in (a, b))
        hi = min(MAX_US if e.end_us is None else e.end_us for e in (a, b))
        if lo < hi:
            return True
    return False


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), _BOUND, _BOUND), max_size=12))
def test_the_feeds_verdict_of_ties_is_the_pairwise_one(
    given_spans: list[tuple[int, int | None, int | None]],
) -> None:
    """Law: the rater's judge of ties among the entries selecting a description (a sweep
    per priority) says what comparing every pair says."""
    entries = _entries(given_spans)
    assert _tied(entries) == _pairwise_tied(entries)
