"""Calendar cycles, recurring windows and proration by days against a brute-force oracle.

The oracle knows nothing of ratekit: it reads the wall clock of an instant with
``datetime.astimezone`` and places a local time at the first instant whose wall clock
reaches it, found by scanning minute by minute (then second by second) from 30 hours
before. That is the rule docs/calendars.md states for cycles and windows alike: a time
that DST skips moves to the first instant after the gap (the wall clock jumps past it),
one that happens twice is its first occurrence (the wall clock reaches it there first).
A local day that a zone skipped whole (Pacific/Apia, 30 December 2011) gives the same
instant as the next, which starts no cycle of its own.
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
import itertools
import zoneinfo
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import ratekit as rk

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
US = 1_000_000

#: Zones whose rules are hard: 30-minute DST, a skipped day, +05:45, DST suspended in
#: Ramadan, midnight skipped, and the ordinary ones.
HARD_ZONES = (
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "Asia/Kathmandu",
    "Africa/Casablanca",
    "America/Santiago",
    "Europe/Zurich",
    "America/New_York",
)
ZONES = sorted(
    name
    for name in zoneinfo.available_timezones()
    if name not in {"Factory", "localtime", "posixrules"}
    and not name.startswith(("posix/", "right/"))
)
zones = st.one_of(st.sampled_from(HARD_ZONES), st.sampled_from(ZONES))
#: Mostly 1970 to 2100, sometimes the far years calendars support.
years = st.one_of(
    st.integers(1970, 2100), st.integers(1900, 2040), st.sampled_from([3, 4, 9995, 9996])
)


def wall(tz: dt.tzinfo, t: int) -> dt.datetime:
    """The naive wall-clock time of the instant ``t`` (seconds since the epoch) in ``tz``."""
    return (EPOCH + dt.timedelta(seconds=t)).astimezone(tz).replace(tzinfo=None)


def placed(tz: dt.tzinfo, when: dt.datetime) -> int:
    """The first instant (epoch µs) whose wall clock in ``tz`` reaches ``when``: brute force.

    The scan starts two hours before ``when`` less the largest offset the zone takes on
    within 30 hours of it (read hour by hour), where the wall clock is surely earlier.
    """
    base = int((when.replace(tzinfo=UTC) - EPOCH).total_seconds())
    largest = max(
        offset // dt.timedelta(seconds=1)
        for k in range(-30, 31)
        if (offset := (EPOCH + dt.timedelta(seconds=base + k * 3_600)).astimezone(tz).utcoffset())
        is not None
    )
    t = base - largest - 7_200
    assert wall(tz, t) < when
    while wall(tz, t) < when:
        t += 60
    second = t - 60
    while wall(tz, second) < when:
        second += 1
    return second * US


def oracle_month_starts(tz: dt.tzinfo, day: int, step: int, month: int, year: int) -> list[int]:
    """Cycle starts from ``year - 1`` to ``year + 2``, each placed from its local date."""
    starts: list[int] = []
    for y in range(year - 1, year + 3):
        for m in range(1, 13):
            if (m - month) % step:
                continue
            local = dt.datetime(y, m, min(day, calendar.monthrange(y, m)[1]))  # noqa: DTZ001 - a wall-clock time
            instant = placed(tz, local)
            if not starts or starts[-1] != instant:
                starts.append(instant)
    return starts


def oracle_day_starts(tz: dt.tzinfo, first: dt.date, count: int, every: int = 1) -> list[int]:
    starts: list[int] = []
    for k in range(count):
        instant = placed(tz, dt.datetime.combine(first + dt.timedelta(days=k * every), dt.time()))
        if not starts or starts[-1] != instant:
            starts.append(instant)
    return starts


def check_cycle(cycle: rk.cycles.Cycle, starts: list[int]) -> None:
    """``cycle`` has exactly the boundaries ``starts`` between its second and last-but-one."""
    lo, hi = starts[1], starts[-2]
    assert cycle.boundaries_us(lo - 1, hi + 1) == starts[1:-1]
    for left, right in itertools.pairwise(starts[1:-1]):
        # An instant exactly at a boundary starts the next cycle; one before it ends one.
        assert cycle.containing_us(left) == (left, right)
        assert cycle.containing_us(right - 1) == (left, right)


@pytest.mark.property
@given(
    name=zones,
    year=years,
    kind=st.sampled_from(["monthly", "quarterly", "yearly"]),
    day=st.sampled_from([1, 15, 28, 29, 30, 31]),
    month=st.integers(1, 12),
)
@example(name="America/New_York", year=2027, kind="monthly", day=31, month=1)
@example(name="Europe/Zurich", year=2028, kind="yearly", day=29, month=2)
@example(name="Pacific/Apia", year=2011, kind="monthly", day=30, month=1)
@example(name="America/Santiago", year=2026, kind="monthly", day=6, month=1)
def test_month_cycles_start_where_the_oracle_places_their_local_dates(
    name: str, year: int, kind: str, day: int, month: int
) -> None:
    tz = zoneinfo.ZoneInfo(name)
    if kind == "yearly":
        day = min(day, calendar.monthrange(2000, month)[1])
        cycle = rk.cycles.yearly(tz=name, month=month, day=day)
        starts = oracle_month_starts(tz, day, 12, month, year)
    elif kind == "quarterly":
        cycle = rk.cycles.quarterly(tz=name, month=month, day=day)
        starts = oracle_month_starts(tz, day, 3, month, year)
    else:
        cycle = rk.cycles.monthly(tz=name, day=day)
        starts = oracle_month_starts(tz, day, 1, 1, year)
    check_cycle(cycle, starts)


@pytest.mark.property
@given(
    name=zones,
    year=years,
    month=st.integers(1, 12),
    mday=st.integers(1, 28),
    weekday=st.one_of(st.none(), st.integers(0, 6)),
)
@example(name="Pacific/Apia", year=2011, month=12, mday=27, weekday=None)
@example(name="Pacific/Apia", year=2011, month=12, mday=20, weekday=4)
@example(name="America/Santiago", year=2026, month=9, mday=3, weekday=None)
def test_days_and_weeks_start_where_the_oracle_places_local_midnight(
    name: str, year: int, month: int, mday: int, weekday: int | None
) -> None:
    tz = zoneinfo.ZoneInfo(name)
    first = dt.date(year, month, mday)
    if weekday is None:
        check_cycle(rk.cycles.daily(tz=name), oracle_day_starts(tz, first, 8))
    else:
        first += dt.timedelta(days=(weekday - first.weekday()) % 7)
        starts = oracle_day_starts(tz, first, 5, every=7)
        check_cycle(rk.cycles.weekly(tz=name, weekday=weekday), starts)


def normal(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint, non-touching, non-empty pairs: a union by brute force."""
    out: list[list[int]] = []
    for start, end in sorted(pair for pair in pairs if pair[0] < pair[1]):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(start, end) for start, end in out]


times_of_day = st.builds(
    lambda hour, minute: hour * 3_600 + minute * 60,
    st.one_of(st.integers(0, 3), st.integers(0, 23)),
    st.one_of(st.sampled_from([0, 30, 45]), st.integers(0, 59)),
)
LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def hhmm(seconds: int) -> str:
    return f"{seconds // 3_600:02d}:{seconds % 3_600 // 60:02d}"


@pytest.mark.property
@given(
    name=zones,
    year=st.integers(1900, 2100),
    day_of_year=st.integers(0, 364),
    start=times_of_day,
    end=times_of_day,
    days=st.one_of(st.none(), st.tuples(st.integers(0, 6), st.integers(0, 6))),
    offset_s=st.integers(0, 86_400),
    length_s=st.integers(0, 5 * 86_400),
)
@example(
    name="Europe/Zurich",
    year=2026,
    day_of_year=86,
    start=22 * 3_600,
    end=6 * 3_600,
    days=None,
    offset_s=0,
    length_s=4 * 86_400,
)
@example(
    name="Australia/Lord_Howe",
    year=2026,
    day_of_year=274,
    start=2 * 3_600,
    end=2 * 3_600 + 15 * 60,
    days=None,
    offset_s=0,
    length_s=3 * 86_400,
)
def test_daily_and_weekly_windows_hold_the_oracles_spans(
    *,
    name: str,
    year: int,
    day_of_year: int,
    start: int,
    end: int,
    days: tuple[int, int] | None,
    offset_s: int,
    length_s: int,
) -> None:
    if start == end and (days is None or days[0] == days[1]):
        return  # refused: a window has a length
    tz = zoneinfo.ZoneInfo(name)
    first = dt.date(year, 1, 1) + dt.timedelta(days=day_of_year)
    pairs: list[tuple[int, int]] = []
    for k in range(-8, 8):
        day = first + dt.timedelta(days=k)
        if days is None:
            closing = day if end > start else day + dt.timedelta(days=1)
        elif day.weekday() != days[0]:
            continue
        else:
            gap = (days[1] - days[0]) % 7
            closing = day + dt.timedelta(days=gap or (7 if end <= start else 0))
        opening = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=start)
        shutting = dt.datetime.combine(closing, dt.time()) + dt.timedelta(seconds=end)
        pairs.append((placed(tz, opening), placed(tz, shutting)))
    window = (
        rk.windows.daily(hhmm(start), hhmm(end), tz=name)
        if days is None
        else rk.windows.weekly(
            (LABELS[days[0]], hhmm(start)), (LABELS[days[1]], hhmm(end)), tz=name
        )
    )
    lo = int((dt.datetime.combine(first, dt.time(), UTC) - EPOCH).total_seconds() + offset_s) * US
    hi = lo + length_s * US
    due = normal([(max(a, lo), min(b, hi)) for a, b in pairs])
    assert window.within_us(lo, hi) == due
    # A window and its complement partition the span.
    rest = (~window).within_us(lo, hi)
    assert normal(due + rest) == ([(lo, hi)] if hi > lo else [])
    assert sum(b - a for a, b in due) + sum(b - a for a, b in rest) == hi - lo


@pytest.mark.property
@given(
    name=zones,
    year=st.integers(1970, 2100),
    month=st.integers(1, 12),
    day=st.sampled_from([1, 29, 30, 31]),
    cuts=st.lists(st.floats(0, 1, allow_nan=False), max_size=3),
)
@example(name="Pacific/Apia", year=2011, month=12, day=1, cuts=[0.95])
@example(name="Australia/Lord_Howe", year=2026, month=4, day=1, cuts=[0.1, 0.5])
def test_prorate_by_days_counts_the_oracles_local_midnights(
    name: str, year: int, month: int, day: int, cuts: list[float]
) -> None:
    tz = zoneinfo.ZoneInfo(name)
    cycle = rk.cycles.monthly(tz=name, day=day).containing(
        dt.datetime(year, month, 15, 12, tzinfo=UTC)
    )
    lo, hi = cycle.start_us, cycle.end_us
    points = sorted({lo, hi, *(lo + int((hi - lo) * cut) for cut in cuts)})
    parts = [rk.Span.from_us(a, b) for a, b in itertools.pairwise(points)]
    start_date = (EPOCH + dt.timedelta(microseconds=lo)).date() - dt.timedelta(days=2)
    midnights = set(oracle_day_starts(tz, start_date, (hi - lo) // (86_400 * US) + 5))

    def days_in(a: int, b: int) -> int:  # a local day counts for the part holding its last instant
        return sum(1 for m in midnights if a < m <= b)

    total = days_in(lo, hi)
    fractions = [rk.cycles.prorate(part, cycle, basis="days", tz=name) for part in parts]
    for part, fraction in zip(parts, fractions, strict=True):
        assert fraction * total == Decimal(days_in(part.start_us, part.end_us)) or abs(
            fraction - Decimal(days_in(part.start_us, part.end_us)) / Decimal(total)
        ) < Decimal("1E-58")
    with decimal.localcontext(prec=100):  # the sum exact, whatever the caller's context
        total_fraction = sum(fractions, Decimal(0))
    assert abs(total_fraction - 1) <= Decimal("1E-60") * len(parts)
