"""A cycle's repr is the call that builds it, with the arguments the user gave.

``every(period, anchor=...)`` kept its anchor reduced by the period and showed that: the
fortnights anchored on 5 January 2026 read ``anchor='1970-01-05T00:00:00Z'``, an anchor
nobody gave; ``quarterly(month=5)`` read ``month=2``. Both built an equal cycle back, but
not what the user wrote. The repr now shows the anchor (and the month) as given, still
builds an equal cycle, and shows the same again; equality is unchanged (two cycles whose
anchors differ by whole periods are equal), and so is what ``anchor_us`` and ``month``
hold, which plan data writes.
"""

from __future__ import annotations

import copy
import datetime
import pickle
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit import cycles
from ratekit._instants import MAX_US, MIN_US, format_us

#: What ``eval`` of a repr needs: the names a repr uses (cycles.every, datetime.timedelta).
SCOPE = {"cycles": cycles, "datetime": datetime}
DAY = datetime.timedelta(days=1)

#: cycle, as the user builds it -> its repr, with what the user gave
GIVEN = [
    (
        lambda: cycles.every(datetime.timedelta(days=14), anchor="2026-01-05T00:00:00Z"),
        "cycles.every(datetime.timedelta(days=14), anchor='2026-01-05T00:00:00Z')",
    ),
    (  # the anchor is an instant: its offset is shown as UTC, as every instant is
        lambda: cycles.every(datetime.timedelta(hours=1), anchor="2026-01-01T00:00:00+05:30"),
        "cycles.every(datetime.timedelta(seconds=3600), anchor='2025-12-31T18:30:00Z')",
    ),
    (
        lambda: cycles.every(
            DAY, anchor=datetime.datetime(1969, 7, 20, 20, 17, tzinfo=datetime.UTC)
        ),
        "cycles.every(datetime.timedelta(days=1), anchor='1969-07-20T20:17:00Z')",
    ),
    (
        lambda: cycles.every(
            datetime.timedelta(microseconds=10), anchor="9999-12-31T23:59:59.999999Z"
        ),
        "cycles.every(datetime.timedelta(microseconds=10), anchor='9999-12-31T23:59:59.999999Z')",
    ),
    (
        lambda: cycles.Every(86_400_000_000, 86_400_000_001),
        "cycles.every(datetime.timedelta(days=1), anchor='1970-01-02T00:00:00.000001Z')",
    ),
    (
        lambda: cycles.quarterly(tz="UTC", month=5, day=15),
        "cycles.quarterly(tz='UTC', month=5, day=15)",
    ),
    (
        lambda: cycles.quarterly(tz="Europe/Zurich", month=12, day=31),
        "cycles.quarterly(tz='Europe/Zurich', month=12, day=31)",
    ),
    (
        lambda: cycles.Monthly("UTC", 1, 3, 4),
        "cycles.quarterly(tz='UTC', month=4, day=1)",
    ),
    (lambda: cycles.quarterly(tz="UTC"), "cycles.quarterly(tz='UTC', month=1, day=1)"),
    (lambda: cycles.yearly(tz="UTC", month=5, day=15), "cycles.yearly(tz='UTC', month=5, day=15)"),
    (
        lambda: cycles.monthly(tz="Europe/Zurich", day=31),
        "cycles.monthly(tz='Europe/Zurich', day=31)",
    ),
    (lambda: cycles.weekly(tz="UTC", weekday="Sun"), "cycles.weekly(tz='UTC', weekday='Sun')"),
    (
        lambda: cycles.weekly(tz=zoneinfo.ZoneInfo("Asia/Kolkata"), weekday=2),
        "cycles.weekly(tz='Asia/Kolkata', weekday='Wed')",
    ),
    (
        lambda: cycles.daily(tz=datetime.timezone(datetime.timedelta(hours=5, minutes=45))),
        "cycles.daily(tz='UTC+05:45')",
    ),
    (cycles.hourly, "cycles.hourly()"),
]


@pytest.mark.parametrize(("build", "shown"), GIVEN, ids=[shown for _, shown in GIVEN])
def test_a_cycle_repr_shows_what_was_given_and_builds_it_again(build, shown) -> None:  # type: ignore[no-untyped-def]
    cycle = build()
    assert repr(cycle) == shown
    again = eval(shown, SCOPE)  # the repr is the call that builds the cycle
    assert again == cycle
    assert hash(again) == hash(cycle)
    assert repr(again) == shown
    # a copy, or a pickle (a scale-out sends plans to other processes), says the same
    for kept in (copy.copy(cycle), copy.deepcopy(cycle), pickle.loads(pickle.dumps(cycle))):
        assert kept == cycle
        assert repr(kept) == shown


def test_anchors_whole_periods_apart_still_make_equal_cycles_with_their_own_reprs() -> None:
    # 2026-01-05 is 1,461 fortnights after 1970-01-05 (20,454 days = 1,461 x 14)
    given = cycles.every(datetime.timedelta(days=14), anchor="2026-01-05T00:00:00Z")
    first = cycles.every(datetime.timedelta(days=14), anchor="1970-01-05T00:00:00Z")
    assert given == first
    assert hash(given) == hash(first)
    assert given.anchor_us == first.anchor_us == 4 * 86_400_000_000  # 1970-01-05: as before
    assert repr(first) == "cycles.every(datetime.timedelta(days=14), anchor='1970-01-05T00:00:00Z')"
    assert repr(given) != repr(first)
    # what a cycle does is unchanged: the fortnight containing 1 March 2026
    assert given.containing("2026-03-01T00:00:00Z") == rk.Span(
        "2026-02-16T00:00:00Z", "2026-03-02T00:00:00Z"
    )
    # quarters from May are quarters from February: month keeps the first, as plan data writes it
    may = cycles.quarterly(tz="UTC", month=5)
    assert may == cycles.quarterly(tz="UTC", month=2)
    assert may.month == 2


def test_errors_naming_a_cycle_name_it_as_given() -> None:
    weeks = cycles.every(datetime.timedelta(days=7), anchor="2026-01-05T00:00:00Z")
    with pytest.raises(rk.BadTimeError) as caught:
        weeks.containing("9999-12-31T00:00:00Z")
    assert "cycles.every(datetime.timedelta(days=7), anchor='2026-01-05T00:00:00Z')" in str(
        caught.value
    )


PERIODS = st.integers(1, 400 * 86_400_000_000).map(lambda us: datetime.timedelta(microseconds=us))
ANCHORS = st.integers(MIN_US, MAX_US)


@settings(max_examples=LAWS, deadline=None)
@given(PERIODS, ANCHORS)
def test_every_repr_shows_its_anchor_and_builds_an_equal_cycle(
    period: datetime.timedelta, anchor_us: int
) -> None:
    cycle = cycles.every(period, anchor=format_us(anchor_us))
    shown = repr(cycle)
    assert shown == f"cycles.every({period!r}, anchor={format_us(anchor_us)!r})"
    again = eval(shown, SCOPE)  # the repr is the call that builds the cycle
    assert again == cycle
    assert repr(again) == shown
    # oracle: the boundary at or after the epoch, anchor + k * period for the least such k
    period_us = period // datetime.timedelta(microseconds=1)
    assert cycle.anchor_us == anchor_us - (anchor_us // period_us) * period_us


@settings(max_examples=LAWS, deadline=None)
@given(
    st.sampled_from([("quarterly", 3), ("yearly", 12)]),
    st.integers(1, 12),
    st.integers(1, 28),
    st.sampled_from(["UTC", "Europe/Zurich", "America/Santiago", "Asia/Kolkata"]),
)
def test_quarterly_and_yearly_reprs_show_their_month_and_build_an_equal_cycle(
    kind: tuple[str, int], month: int, day: int, tz: str
) -> None:
    name, months = kind
    cycle = getattr(cycles, name)(tz=tz, month=month, day=day)
    shown = repr(cycle)
    assert shown == f"cycles.{name}(tz={tz!r}, month={month}, day={day})"
    again = eval(shown, SCOPE)  # the repr is the call that builds the cycle
    assert again == cycle
    assert repr(again) == shown
    assert cycle.month == (month - 1) % months + 1  # the first of its months in a year
