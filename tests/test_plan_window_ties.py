"""A plan refuses two windowed entries of one priority whose windows meet, however many.

docs/pricing.md: entries of equal priority that can both apply are refused when the plan is
built, naming both and an instant where both apply; windows are looked at over four years
from the entries' start (from 2000 without one). A plan of many time-of-use slots (48
half-hourly ones, 200 of seven minutes) is checked in one sweep over their windows, not
pair by pair (200 slots took 33 s), and says what a check of every pair says. Oracle:
daily windows on whole hours in UTC, as sets of the day's hour ticks; the first pair, in
the order of the entries, whose sets meet is named, at the first hour they share on
1 January 2000.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")


def _slot(name: str, start: int, end: int, priority: int = 0) -> rk.PriceEntry:
    window = rk.windows.daily(f"{start:02d}:00", f"{end % 24:02d}:00", tz="UTC")
    return rk.PriceEntry(name, "kwh", rk.PerUnit("0.1"), window=window, priority=priority)


def _hours(start: int, end: int) -> set[int]:
    """The day's hours a daily window from ``start`` to ``end`` (through midnight) holds."""
    return {hour % 24 for hour in range(start, end if end > start else end + 24)}


@pytest.mark.heavy
def test_forty_eight_half_hourly_slots_build_and_one_overlap_among_them_is_named() -> None:
    def minutes(m: int) -> str:
        return f"{m // 60 % 24:02d}:{m % 60:02d}"

    slots = [
        rk.PriceEntry(f"s{i:02d}", "kwh", rk.PerUnit("0.1"),
                      window=rk.windows.daily(minutes(30 * i), minutes(30 * i + 30), tz="Europe/London"))
        for i in range(48)
    ]  # fmt: skip
    plan = rk.Plan("tou", "GBP", MONTHS, slots)
    assert plan.resolve("kwh", {}, "2026-07-01T12:10:00Z").id == "s26"  # 13:10 BST
    # s47 made to end at 00:15 overlaps s00 (00:00 to 00:30) from 00:00 London time,
    # which on 1 January 2000 (GMT) is 00:00Z.
    late = rk.PriceEntry("s47", "kwh", rk.PerUnit("0.1"),
                         window=rk.windows.daily("23:30", "00:15", tz="Europe/London"))  # fmt: skip
    with pytest.raises(rk.BadPriceError) as raised:
        rk.Plan("tou", "GBP", MONTHS, [*slots[:47], late])
    assert str(raised.value) == (
        "price entries 's00' and 's47' of meter 'kwh' have the same priority 0 and can "
        "both apply (e.g. at 2000-01-01T00:00:00Z); give one a higher priority, or make "
        "their spans, windows or selectors exclusive."
    )


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    windows=st.lists(
        st.tuples(st.integers(0, 23), st.integers(1, 23), st.integers(0, 1)),
        min_size=3,
        max_size=8,
    )
)
def test_a_plan_names_the_first_pair_whose_windows_meet(
    windows: list[tuple[int, int, int]],
) -> None:
    entries = [
        _slot(f"e{i}", start, (start + length) % 24, priority)
        for i, (start, length, priority) in enumerate(windows)
    ]
    expected = None
    for (i, (a, la, pa)), (j, (b, lb, pb)) in itertools.combinations(enumerate(windows), 2):
        shared = _hours(a, (a + la) % 24) & _hours(b, (b + lb) % 24)
        if pa == pb and shared:
            # the first hour both hold on 1 January 2000: the day's hours from 00:00
            expected = (f"e{i}", f"e{j}", pa, min(shared))
            break
    if expected is None:
        rk.Plan("p", "EUR", MONTHS, entries)
        return
    first, second, priority, hour = expected
    with pytest.raises(rk.BadPriceError) as raised:
        rk.Plan("p", "EUR", MONTHS, entries)
    assert str(raised.value) == (
        f"price entries {first!r} and {second!r} of meter 'kwh' have the same priority "
        f"{priority} and can both apply (e.g. at 2000-01-01T{hour:02d}:00:00Z); give one a "
        "higher priority, or make their spans, windows or selectors exclusive."
    )
