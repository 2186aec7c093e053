"""Laws of span sets, timelines and windows against sets of ticks (brute-force oracles)."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import zoneinfo
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit import strategies as rks

pytestmark = pytest.mark.property

HOUR = 3_600_000_000
QUARTER = 900_000_000  # every zone below changes its offset on a quarter-hour grid
GRID = {"min_start": "2026-03-01T00:00:00Z", "max_end": "2026-03-03T00:00:00Z"}
HOURLY = dt.timedelta(hours=1)


def ticks(pairs: list[tuple[int, int]], step: int = HOUR) -> set[int]:
    return {t for a, b in pairs for t in range(a // step, b // step)}


@settings(max_examples=LAWS, deadline=None)
@given(
    rks.span_sets(**GRID, resolution=HOURLY, max_size=5),
    rks.span_sets(**GRID, resolution=HOURLY, max_size=5),
)
def test_span_set_operators_are_set_operators_on_ticks(a: rk.SpanSet, b: rk.SpanSet) -> None:
    ta, tb = ticks(a.pairs_us()), ticks(b.pairs_us())
    assert ticks((a | b).pairs_us()) == ta | tb
    assert ticks((a & b).pairs_us()) == ta & tb
    assert ticks((a - b).pairs_us()) == ta - tb
    # Normalised: sorted, disjoint, not touching, no empty span.
    for result in (a | b, a & b, a - b):
        pairs = result.pairs_us()
        assert all(s < e for s, e in pairs)
        assert all(e1 < s2 for (_, e1), (s2, _) in itertools.pairwise(pairs))
    for t in range(GRID_START // HOUR, GRID_END // HOUR):
        instant = dt.datetime.fromtimestamp(t * 3600, dt.UTC)
        assert (instant in a) == (t in ta)


GRID_START = rk.Span(GRID["min_start"], GRID["max_end"]).start_us
GRID_END = rk.Span(GRID["min_start"], GRID["max_end"]).end_us


@settings(max_examples=LAWS, deadline=None)
@given(
    rks.span_sets(**GRID, resolution=HOURLY, max_size=4),
    rks.spans(**GRID, resolution=HOURLY),
)
def test_a_span_at_its_edges_is_half_open(a: rk.SpanSet, span: rk.Span) -> None:
    inside = ticks(a.pairs_us())
    whole = set(range(span.start_us // HOUR, span.end_us // HOUR))
    assert (span in a) == (whole <= inside)
    if span:
        assert span.start in span
        assert span.end not in span


@settings(max_examples=LAWS * 3 // 4, deadline=None)
@given(
    st.lists(
        st.tuples(
            rks.spans(**GRID, resolution=HOURLY),
            st.one_of(st.none(), st.sampled_from(["small", "large"])),
        ),
        max_size=8,
    )
)
def test_a_timeline_is_a_dict_of_ticks(ops: list[tuple[rk.Span, str | None]]) -> None:
    timeline = rk.Timeline[str]()
    oracle: dict[int, str] = {}
    for span, value in ops:
        hours = range(span.start_us // HOUR, span.end_us // HOUR)
        if value is None:
            timeline.clear(span)
            for t in hours:
                oracle.pop(t, None)
        else:
            timeline.set(span, value)
            for t in hours:
                oracle[t] = value
    for t in range(GRID_START // HOUR, GRID_END // HOUR):
        assert timeline.at_us(t * HOUR) == oracle.get(t)
    pieces = list(timeline.items())
    assert ticks(timeline.domain().pairs_us()) == set(oracle)
    for (s1, v1), (s2, v2) in itertools.pairwise(pieces):
        assert s1.end <= s2.start
        assert not (s1.end == s2.start and v1 == v2), "adjacent equal pieces are merged"


# --- windows against each quarter-hour's wall clock -------------------------------------

# Each zone with a change of its offset (UTC), where windows break.
CHANGES = [
    ("Europe/Zurich", "2026-03-29T01:00:00Z"),
    ("Europe/Zurich", "2026-10-25T01:00:00Z"),
    ("America/New_York", "2026-03-08T07:00:00Z"),
    ("America/New_York", "2026-11-01T06:00:00Z"),
    ("Australia/Lord_Howe", "2026-04-04T15:00:00Z"),
    ("Australia/Lord_Howe", "2026-10-03T15:30:00Z"),
    ("Pacific/Apia", "2011-09-24T14:00:00Z"),
    ("Pacific/Apia", "2011-12-30T10:00:00Z"),
    ("Asia/Kathmandu", "2026-03-29T01:00:00Z"),
    ("Europe/Athens", "2026-03-29T01:00:00Z"),
    ("Europe/Athens", "2026-10-25T01:00:00Z"),
]
ZONES = sorted({zone for zone, _ in CHANGES})
# Local times near the changes (which happen at 00:00, 02:00, 03:00 or 04:00), and any.
NEAR = [dt.time(h, m) for h in (0, 1, 2, 3, 4, 23) for m in (0, 15, 30, 45)]
TIMES = st.one_of(
    st.sampled_from(NEAR), st.integers(0, 95).map(lambda q: dt.time(q // 4, q % 4 * 15))
)


def _wall(tick: int, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(tick * 900, zone).replace(tzinfo=None)


def _boundary(local: dt.datetime, zone: zoneinfo.ZoneInfo) -> int:
    """The first quarter-hour tick whose wall clock reads ``local`` or later.

    This is the documented rule in one line: a skipped time moves to the first instant
    after the gap, a repeated one is its first occurrence.
    """
    guess = int(local.replace(tzinfo=dt.UTC).timestamp()) // 900
    for tick in range(guess - 4 * 24 * 4, guess + 4 * 24 * 4):
        if _wall(tick, zone) >= local:
            return tick
    raise AssertionError(local)


def _daily_oracle(
    start: dt.time, end: dt.time, zone: zoneinfo.ZoneInfo, a: int, b: int
) -> set[int]:
    out: set[int] = set()
    first = _wall(a, zone).date() - dt.timedelta(days=2)
    for k in range((b - a) // 96 + 5):
        day = first + dt.timedelta(days=k)
        end_day = day + dt.timedelta(days=1) if end <= start else day
        opens = _boundary(dt.datetime.combine(day, start), zone)
        closes = _boundary(dt.datetime.combine(end_day, end), zone)
        out.update(range(max(opens, a), min(closes, b)))
    return out


def _around(change: str, hours_before: int, hours_after: int) -> tuple[int, int]:
    """Quarter-hour ticks from ``hours_before`` the change to ``hours_after`` it."""
    at = rk.Span(change, change).start_us // QUARTER
    return at - hours_before * 4, at + hours_after * 4


@settings(max_examples=LAWS * 3 // 4, deadline=None)
@given(st.sampled_from(CHANGES), TIMES, TIMES, st.integers(0, 30), st.integers(0, 30))
def test_a_daily_window_is_what_each_quarter_hours_wall_clock_says(
    where: tuple[str, str], start: dt.time, end: dt.time, before: int, after: int
) -> None:
    zone_name, change = where
    if start == end:
        return
    zone = zoneinfo.ZoneInfo(zone_name)
    window = rk.windows.daily(start, end, tz=zone_name)
    a, b = _around(change, before, after)
    got = ticks(window.within_us(a * QUARTER, b * QUARTER), QUARTER)
    assert got == _daily_oracle(start, end, zone, a, b)


def _cron_oracle(start: dt.time, end: dt.time, zone: zoneinfo.ZoneInfo, a: int, b: int) -> set[int]:
    """Fixed-time firings by the same rule; open at a start, close at the first end."""
    pad = 3 * 96
    first = _wall(a - pad, zone).date()
    days = [first + dt.timedelta(days=k) for k in range((b - a + 2 * pad) // 96 + 3)]
    starts = sorted({_boundary(dt.datetime.combine(d, start), zone) for d in days})
    ends = sorted({_boundary(dt.datetime.combine(d, end), zone) for d in days})
    out: set[int] = set()
    open_until = None
    for fired in starts:
        if fired > b or (open_until is not None and fired < open_until):
            continue
        closes = ends[bisect.bisect_left(ends, fired)]
        if closes == fired:
            continue  # a start firing with an end opens nothing
        out.update(range(max(fired, a), min(closes, b)))
        open_until = closes
    return out


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(CHANGES), TIMES, TIMES, st.integers(0, 30), st.integers(0, 30))
def test_a_cron_pair_fires_as_debian_cron_across_dst(
    where: tuple[str, str], start: dt.time, end: dt.time, before: int, after: int
) -> None:
    zone_name, change = where
    zone = zoneinfo.ZoneInfo(zone_name)
    window = rk.windows.cron(
        f"{start.minute} {start.hour} * * *", f"{end.minute} {end.hour} * * *", tz=zone_name
    )
    a, b = _around(change, before, after)
    got = ticks(window.within_us(a * QUARTER, b * QUARTER), QUARTER)
    assert got == _cron_oracle(start, end, zone, a, b)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CHANGES), st.sampled_from(ZONES), st.tuples(TIMES, TIMES, TIMES, TIMES))
def test_combined_windows_are_set_operations_on_ticks(
    where: tuple[str, str], z2: str, times: tuple[dt.time, dt.time, dt.time, dt.time]
) -> None:
    z1, change = where
    s1, e1, s2, e2 = times
    if s1 == e1 or s2 == e2:
        return
    w1 = rk.windows.daily(s1, e1, tz=z1)
    w2 = rk.windows.weekly(("Sun", s2), ("Mon", e2), tz=z2)
    a, b = _around(change, 36, 36)
    span = (a * QUARTER, b * QUARTER)
    t1 = ticks(w1.within_us(*span), QUARTER)
    t2 = ticks(w2.within_us(*span), QUARTER)
    everything = set(range(a, b))
    assert ticks((w1 | w2).within_us(*span), QUARTER) == t1 | t2
    assert ticks((w1 & w2).within_us(*span), QUARTER) == t1 & t2
    assert ticks((~w1).within_us(*span), QUARTER) == everything - t1
    assert ticks((w1 & ~w2).within_us(*span), QUARTER) == t1 - t2


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(CHANGES), st.integers(0, 40), st.integers(1, 40))
def test_a_run_is_billed_its_real_hours_split_as_the_wall_clock_says(
    where: tuple[str, str], before: int, after: int
) -> None:
    zone_name, change = where
    zone = zoneinfo.ZoneInfo(zone_name)
    nights = rk.windows.daily("22:00", "06:00", tz=zone_name)
    a, b = _around(change, before, after)
    plan = rk.Plan(
        "tou",
        "EUR",
        rk.cycles.every(dt.timedelta(days=400), anchor="2010-01-01T00:00:00Z"),
        [
            rk.PriceEntry("day", "vm.hours", rk.PerUnit("0.10")),
            rk.PriceEntry("night", "vm.hours", rk.PerUnit("0.04"), window=nights, priority=1),
        ],
    )
    start = rk.Span.from_us(a * QUARTER, b * QUARTER)
    records = [
        rk.Event("acme", "vm-1", start.start, kind="start", id="e1"),
        rk.Event("acme", "vm-1", start.end, kind="stop", id="e2"),
    ]
    span = plan.cycle.containing(start.start)
    rating = rk.rate(records, plan, span=span, meters=[rk.Meter("vm.hours", "hour", rk.OnOff())])
    night = _daily_oracle(dt.time(22), dt.time(6), zone, a, b)
    by_entry: dict[str, Decimal] = {"day": Decimal(0), "night": Decimal(0)}
    for charge in rating.charges:
        by_entry[charge.entry] += charge.quantity
    # Quarter hours: a quarter is 0.25 hour.
    assert by_entry["night"] == Decimal(len(night)) / 4
    assert by_entry["day"] == Decimal(b - a - len(night)) / 4
    assert rating.total() == by_entry["day"] * Decimal("0.10") + by_entry["night"] * Decimal("0.04")
