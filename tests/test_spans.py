"""Span and SpanSet: hand-worked edges, then the algebra against sets of ticks."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import pickle
import random
import zoneinfo
from decimal import Decimal

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit import strategies as rks
from ratekit._instants import MAX_US, MIN_US, from_us

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
HOUR = dt.timedelta(hours=1)
US_PER_HOUR = 3_600_000_000

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def span_us(start: int, end: int) -> rk.Span:
    return rk.Span.from_us(start, end)


# -- construction ----------------------------------------------------------------------


def test_start_and_end_come_back_as_aware_utc_datetimes() -> None:
    span = rk.Span("2026-03-01T01:00:00+01:00", "2026-03-01T03:00:00+01:00")
    assert span.start == dt.datetime(2026, 3, 1, 0, tzinfo=dt.UTC)
    assert span.end == dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC)
    assert span.duration == 2 * HOUR
    # 2026-03-01T00:00Z is 1_772_323_200 s after the epoch (see test_instants.py).
    assert span.start_us == 1_772_323_200_000_000
    assert span.end_us == span.start_us + 2 * US_PER_HOUR


def test_a_zurich_march_lasts_743_hours_and_october_745() -> None:
    # Local midnight to local midnight: 31 days * 24 h, minus the hour skipped on
    # 2026-03-29 (743 h), plus the hour repeated on 2026-10-25 (31 * 24 + 1 = 745 h).
    march = rk.Span(dt.datetime(2026, 3, 1, tzinfo=ZURICH), dt.datetime(2026, 4, 1, tzinfo=ZURICH))
    october = rk.Span(
        dt.datetime(2026, 10, 1, tzinfo=ZURICH), dt.datetime(2026, 11, 1, tzinfo=ZURICH)
    )
    assert march.duration == 743 * HOUR
    assert october.duration == 745 * HOUR


def test_the_spring_forward_day_has_23_hours_though_stdlib_subtraction_says_24() -> None:
    start = dt.datetime(2026, 3, 29, tzinfo=ZURICH)
    end = dt.datetime(2026, 3, 30, tzinfo=ZURICH)
    # The stdlib pitfall: two datetimes sharing a tzinfo subtract as wall-clock times.
    assert end - start == 24 * HOUR
    # A span measures elapsed time between the instants: 00:00+01:00 to 00:00+02:00.
    assert rk.Span(start, end).duration == 23 * HOUR


def test_pendulum_datetimes_are_accepted() -> None:
    span = rk.Span(
        pendulum.datetime(2026, 3, 1, tz="Europe/Zurich"),
        pendulum.datetime(2026, 4, 1, tz="Europe/Zurich"),
    )
    assert span.duration == 743 * HOUR
    assert span == rk.Span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")


def test_spans_across_years() -> None:
    # 22:00 on New Year's Eve to 02:00 on New Year's Day: 2 + 2 = 4 hours.
    night = rk.Span("2025-12-31T22:00:00Z", "2026-01-01T02:00:00Z")
    assert night.duration == 4 * HOUR
    before, after = night.split("2026-01-01T00:00:00Z")
    assert (before.duration, after.duration) == (2 * HOUR, 2 * HOUR)
    # 2024 is a leap year: 366 days; 2025 is not: 365 days.
    assert rk.Span("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z").duration == dt.timedelta(366)
    assert rk.Span("2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z").duration == dt.timedelta(365)
    # A local year in Zurich: the hour lost in March comes back in October.
    local_2026 = rk.Span(
        dt.datetime(2026, 1, 1, tzinfo=ZURICH), dt.datetime(2027, 1, 1, tzinfo=ZURICH)
    )
    assert local_2026.duration == dt.timedelta(365)


def test_naive_datetimes_and_offsetless_strings_are_rejected() -> None:
    with pytest.raises(rk.BadTimeError) as caught:
        rk.Span(dt.datetime(2026, 3, 1), "2026-04-01T00:00:00Z")  # noqa: DTZ001
    assert str(caught.value) == (
        "Span start '2026-03-01T00:00:00' is a naive datetime; ratekit compares instants, "
        "so give it a timezone, e.g. datetime(..., tzinfo=datetime.UTC) or "
        "pendulum.datetime(..., tz='Europe/Zurich')."
    )
    with pytest.raises(rk.BadTimeError) as caught:
        rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00")
    assert str(caught.value) == (
        "Span end '2026-04-01T00:00:00' has no UTC offset; ratekit compares instants, so "
        "write it with an offset or 'Z', e.g. '2026-04-01T00:00:00Z'."
    )


def test_wrong_types_are_type_errors() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Span(0, "2026-04-01T00:00:00Z")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "Span start must be an aware datetime or an ISO-8601 string with an offset, not int: "
        "0; for epoch microseconds use Span.from_us()."
    )
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Span("2026-03-01T00:00:00Z", None)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "Span end must be an aware datetime or an ISO-8601 string with an offset, "
        "not NoneType: None."
    )
    with pytest.raises(rk.RatekitTypeError, match="not bool: True"):
        rk.Span(True, "2026-04-01T00:00:00Z")  # type: ignore[arg-type]


def test_end_before_start_is_a_bad_span() -> None:
    message = (
        "Span end 2026-03-01T00:00:00Z comes before its start 2026-03-01T00:00:00.000001Z; "
        "a span is [start, end) with start <= end."
    )
    with pytest.raises(rk.BadSpanError) as caught:
        rk.Span("2026-03-01T00:00:00.000001Z", "2026-03-01T00:00:00Z")
    assert str(caught.value) == message
    with pytest.raises(rk.BadSpanError) as caught:
        rk.Span.from_us(MARCH.start_us + 1, MARCH.start_us)
    assert str(caught.value) == message


# -- empty spans and half-openness -----------------------------------------------------


def test_empty_spans() -> None:
    empty = rk.Span("2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z")
    assert not empty
    assert empty.duration == dt.timedelta(0)
    assert "2026-03-01T00:00:00Z" not in empty  # [t, t) holds no instant
    # Empty spans at different instants are different values, though both are falsy.
    other = rk.Span("2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z")
    assert empty != other
    assert not other
    # The empty span is a sub-span of every span, and overlaps none.
    assert other in MARCH
    assert other in rk.Span("2027-01-01T00:00:00Z", "2027-01-02T00:00:00Z")
    assert not empty.overlaps(MARCH)
    assert not MARCH.overlaps(empty)
    assert not (empty & MARCH)
    assert empty | empty == rk.SpanSet()
    assert MARCH - empty == rk.SpanSet([MARCH])


def test_half_open_the_start_is_in_the_end_is_not() -> None:
    assert "2026-03-01T00:00:00Z" in MARCH
    assert "2026-03-31T23:59:59.999999Z" in MARCH  # the last microsecond
    assert "2026-04-01T00:00:00Z" not in MARCH
    assert "2026-02-28T23:59:59.999999Z" not in MARCH
    # Instants in other zones are the same instants: 02:00+02:00 on April 1 is the end.
    assert dt.datetime(2026, 4, 1, 2, tzinfo=ZURICH) not in MARCH
    assert dt.datetime(2026, 4, 1, 1, 59, 59, tzinfo=ZURICH) in MARCH


def test_meeting_spans_share_no_instant() -> None:
    april = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
    assert not MARCH.overlaps(april)
    assert not (MARCH & april)
    assert MARCH & april == rk.Span("2026-04-01T00:00:00Z", "2026-04-01T00:00:00Z")
    # Their union is one span: touching spans merge.
    assert MARCH | april == rk.SpanSet([rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")])


def test_membership_needs_an_instant_or_a_span() -> None:
    with pytest.raises(rk.BadTimeError, match="has no UTC offset"):
        _ = "2026-03-05T00:00:00" in MARCH
    with pytest.raises(rk.RatekitTypeError, match="not int: 5"):
        _ = 5 in MARCH


# -- intersection, clip, split ---------------------------------------------------------


def test_intersection_and_clip() -> None:
    run = rk.Span("2026-02-20T00:00:00Z", "2026-03-05T00:00:00Z")
    assert run & MARCH == rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z")
    assert MARCH & run == run & MARCH
    assert run.clip(MARCH) == run & MARCH
    # Disjoint: the empty span at the later start (max of the starts).
    later = rk.Span("2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z")
    assert MARCH & later == rk.Span("2026-06-01T00:00:00Z", "2026-06-01T00:00:00Z")
    assert later & MARCH == MARCH & later
    # A span inside another is its own intersection.
    day = rk.Span("2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z")
    assert day & MARCH == day
    assert day.clip(MARCH) == day


def test_split_cuts_into_two_touching_parts() -> None:
    first, second = MARCH.split("2026-03-15T00:00:00Z")
    assert first == rk.Span("2026-03-01T00:00:00Z", "2026-03-15T00:00:00Z")
    assert second == rk.Span("2026-03-15T00:00:00Z", "2026-04-01T00:00:00Z")
    assert first.duration + second.duration == MARCH.duration
    # Cutting at either end gives one empty part.
    assert MARCH.split(MARCH.start) == (span_us(MARCH.start_us, MARCH.start_us), MARCH)
    assert MARCH.split(MARCH.end) == (MARCH, span_us(MARCH.end_us, MARCH.end_us))


def test_split_outside_the_span_is_an_error() -> None:
    with pytest.raises(rk.BadSpanError) as caught:
        MARCH.split("2026-04-01T00:00:00.000001Z")
    assert str(caught.value) == (
        "cannot split Span('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z') at "
        "2026-04-01T00:00:00.000001Z: the instant is outside the span."
    )
    with pytest.raises(rk.BadTimeError, match=r"Span\.split at '2026-03-15' has no UTC offset"):
        MARCH.split("2026-03-15")


def test_overlaps_checks_its_argument() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        MARCH.overlaps("2026-03-05T00:00:00Z")  # type: ignore[arg-type]
    assert str(caught.value) == "Span.overlaps takes a Span, not str: '2026-03-05T00:00:00Z'."


def test_operators_with_other_types_are_type_errors() -> None:
    with pytest.raises(TypeError):
        _ = MARCH & 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = MARCH | 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = MARCH - 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = MARCH < 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = MARCH <= 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = MARCH > 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = MARCH >= 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = rk.SpanSet() | 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = rk.SpanSet() & 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = rk.SpanSet() - 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = 1 - rk.SpanSet()  # type: ignore[operator]


# -- values: ordering, hashing, pickling, immutability, reprs --------------------------


def test_spans_are_ordered_by_start_then_end() -> None:
    a = span_us(0, 10)
    b = span_us(0, 20)
    c = span_us(5, 6)
    assert sorted([c, b, a]) == [a, b, c]
    assert a < b < c
    assert a <= span_us(0, 10)
    assert c > b
    assert c >= span_us(5, 6)
    assert not a < span_us(0, 10)


def test_equal_spans_hash_alike_whatever_offset_they_were_written_in() -> None:
    utc = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    local = rk.Span("2026-03-01T01:00:00+01:00", "2026-04-01T02:00:00+02:00")
    assert utc == local
    assert hash(utc) == hash(local)
    assert len({utc, local, span_us(0, 1)}) == 2
    assert utc != (utc.start, utc.end)
    assert rk.SpanSet([utc]) != utc


def test_pickling_and_copying_keep_the_value() -> None:
    for value in (MARCH, span_us(5, 5), rk.SpanSet([MARCH, span_us(0, 1)]), rk.SpanSet()):
        assert pickle.loads(pickle.dumps(value)) == value
        assert copy.copy(value) == value
        assert copy.deepcopy(value) == value
    assert type(pickle.loads(pickle.dumps(MARCH))) is rk.Span


def test_spans_and_span_sets_are_immutable() -> None:
    with pytest.raises(AttributeError, match="Span is immutable; cannot set 'start_us'"):
        MARCH.start_us = 0
    with pytest.raises(AttributeError, match="Span is immutable; cannot delete 'end_us'"):
        del MARCH.end_us
    spans = rk.SpanSet([MARCH])
    with pytest.raises(AttributeError, match="SpanSet is immutable; cannot set '_bounds'"):
        spans._bounds = ()
    with pytest.raises(AttributeError, match="SpanSet is immutable; cannot delete '_bounds'"):
        del spans._bounds
    assert list(spans) == [MARCH]


def test_reprs_are_readable_and_evaluate_back() -> None:
    assert repr(MARCH) == "Span('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')"
    assert repr(span_us(0, 1)) == "Span('1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000001Z')"
    spans = rk.SpanSet([MARCH, span_us(0, 1)])
    assert repr(spans) == (
        "SpanSet([Span('1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000001Z'), "
        "Span('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')])"
    )
    assert repr(rk.SpanSet()) == "SpanSet([])"
    namespace = {"Span": rk.Span, "SpanSet": rk.SpanSet}
    assert eval(repr(spans), namespace) == spans


# -- SpanSet examples ------------------------------------------------------------------


def test_span_sets_normalise_what_they_are_given() -> None:
    # Unsorted, overlapping ([0,5) and [3,8)), touching ([8,10)), empty ([20,20)) and
    # duplicate spans: [0,10) and [12,15) remain.
    given = [span_us(12, 15), span_us(3, 8), span_us(0, 5), span_us(20, 20), span_us(8, 10)]
    spans = rk.SpanSet([*given, span_us(12, 15)])
    assert spans.pairs_us() == [(0, 10), (12, 15)]
    assert list(spans) == [span_us(0, 10), span_us(12, 15)]
    assert len(spans) == 2
    assert spans
    assert spans.duration == dt.timedelta(microseconds=10 + 3)
    assert spans.span == span_us(0, 15)
    assert not rk.SpanSet([span_us(4, 4)])
    assert rk.SpanSet().span is None
    assert rk.SpanSet().duration == dt.timedelta(0)
    assert len(rk.SpanSet()) == 0


def test_span_set_from_us() -> None:
    assert rk.SpanSet.from_us([(10, 20), (0, 10), (30, 30)]).pairs_us() == [(0, 20)]
    with pytest.raises(rk.BadSpanError) as caught:
        rk.SpanSet.from_us([(0, 10), (5, 4)])
    assert str(caught.value) == (
        "span end 1970-01-01T00:00:00.000004Z comes before its start 1970-01-01T00:00:00.000005Z; "
        "a span is [start, end) with start <= end."
    )


def test_span_set_takes_only_spans() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.SpanSet([MARCH, ("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")])  # type: ignore[list-item]
    assert str(caught.value) == (
        "SpanSet takes Span values, not tuple: ('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')."
    )
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.SpanSet(MARCH)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "SpanSet takes an iterable of Span values, not a single Span: "
        "Span('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z'); write SpanSet([span])."
    )


def test_span_set_membership() -> None:
    spans = rk.SpanSet([span_us(0, 10), span_us(20, 30)])
    assert from_us(0) in spans
    assert from_us(9) in spans
    assert from_us(10) not in spans  # half-open
    assert from_us(15) not in spans
    assert from_us(20) in spans
    assert from_us(-1) not in spans
    assert from_us(30) not in spans
    assert span_us(2, 8) in spans
    assert span_us(0, 10) in spans
    assert span_us(5, 25) not in spans  # it crosses the gap
    assert span_us(15, 15) in spans  # the empty span is in every set
    assert span_us(15, 18) not in spans
    assert span_us(30, 31) not in spans


def test_span_set_algebra_examples() -> None:
    # a = [0,10) u [20,30); b = [5,25).
    a = rk.SpanSet([span_us(0, 10), span_us(20, 30)])
    b = span_us(5, 25)
    assert (a | b).pairs_us() == [(0, 30)]
    assert (a & b).pairs_us() == [(5, 10), (20, 25)]
    assert (a - b).pairs_us() == [(0, 5), (25, 30)]
    assert (b - a).pairs_us() == [(10, 20)]
    assert (b | a) == (a | b)
    assert (b & a) == (a & b)
    # Span | Span and Span - Span give span sets.
    assert span_us(0, 5) | span_us(10, 15) == rk.SpanSet.from_us([(0, 5), (10, 15)])
    assert span_us(0, 15) - span_us(5, 10) == rk.SpanSet.from_us([(0, 5), (10, 15)])
    assert span_us(0, 15) - span_us(0, 15) == rk.SpanSet()
    assert hash(a & b) == hash(rk.SpanSet.from_us([(20, 25), (5, 10)]))


def test_subtracting_many_holes() -> None:
    # [0,100) minus holes at [10,20), [30,40), [95,200) and one before it, [-5,0).
    holes = rk.SpanSet.from_us([(-5, 0), (10, 20), (30, 40), (95, 200)])
    assert (span_us(0, 100) - holes).pairs_us() == [(0, 10), (20, 30), (40, 95)]
    # Two members minus one hole spanning across both of their ends.
    two = rk.SpanSet.from_us([(0, 10), (20, 30)])
    assert (two - span_us(5, 25)).pairs_us() == [(0, 5), (25, 30)]
    assert (two - rk.SpanSet()).pairs_us() == [(0, 10), (20, 30)]
    assert (rk.SpanSet() - two).pairs_us() == []


# -- properties against a model: sets of integer ticks on a small grid -----------------

GRID_END = 20
ORIGIN = "1970-01-01T00:00:00Z"
GRID_TOP = "1970-01-01T00:00:00.000020Z"
grid_spans = rks.spans(min_start=ORIGIN, max_end=GRID_TOP)
grid_sets = rks.span_sets(min_start=ORIGIN, max_end=GRID_TOP)
UNIVERSE = span_us(-1, GRID_END + 1)


def ticks(value: rk.Span | rk.SpanSet) -> set[int]:
    """The model: the set of integer microseconds the value covers."""
    if isinstance(value, rk.Span):
        return set(range(value.start_us, value.end_us))
    return {t for span in value for t in range(span.start_us, span.end_us)}


@given(grid_sets, grid_sets)
def test_union_intersection_difference_match_the_model(a: rk.SpanSet, b: rk.SpanSet) -> None:
    for result, expected in (
        (a | b, ticks(a) | ticks(b)),
        (a & b, ticks(a) & ticks(b)),
        (a - b, ticks(a) - ticks(b)),
        (b - a, ticks(b) - ticks(a)),
    ):
        result._check()
        assert ticks(result) == expected


@given(grid_sets, grid_spans)
def test_operations_with_a_span_match_the_model(a: rk.SpanSet, b: rk.Span) -> None:
    for result, expected in (
        (a | b, ticks(a) | ticks(b)),
        (b | a, ticks(a) | ticks(b)),
        (a & b, ticks(a) & ticks(b)),
        (b & a, ticks(a) & ticks(b)),
        (a - b, ticks(a) - ticks(b)),
        (b - a, ticks(b) - ticks(a)),
    ):
        result._check()
        assert ticks(result) == expected


@given(grid_spans, grid_spans)
def test_span_and_span_match_the_model(a: rk.Span, b: rk.Span) -> None:
    both = a & b
    assert ticks(both) == ticks(a) & ticks(b)
    assert both in a
    assert both in b
    assert a.overlaps(b) == bool(ticks(a) & ticks(b))
    assert a.overlaps(b) == bool(both)
    for result in (a | b, a - b):
        result._check()
    assert ticks(a | b) == ticks(a) | ticks(b)
    assert ticks(a - b) == ticks(a) - ticks(b)
    assert (b in a) == (ticks(b) <= ticks(a))
    assert (a < b) == ((a.start_us, a.end_us) < (b.start_us, b.end_us))


@given(grid_sets, grid_sets)
def test_de_morgan(a: rk.SpanSet, b: rk.SpanSet) -> None:
    assert UNIVERSE - (a | b) == (UNIVERSE - a) & (UNIVERSE - b)
    assert UNIVERSE - (a & b) == (UNIVERSE - a) | (UNIVERSE - b)


@given(grid_sets, grid_sets, grid_sets)
def test_commutative_associative_distributive(a: rk.SpanSet, b: rk.SpanSet, c: rk.SpanSet) -> None:
    assert a | b == b | a
    assert a & b == b & a
    assert (a | b) | c == a | (b | c)
    assert (a & b) & c == a & (b & c)
    assert a & (b | c) == (a & b) | (a & c)
    assert a - (b | c) == (a - b) - c
    assert a | a == a
    assert a & a == a
    assert a - a == rk.SpanSet()


@given(st.lists(grid_spans, max_size=6), st.randoms(use_true_random=False))
def test_building_normalises_in_any_order(spans: list[rk.Span], random: object) -> None:
    built = rk.SpanSet(spans)
    built._check()
    shuffled = list(spans)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert rk.SpanSet(shuffled) == built
    assert rk.SpanSet(built) == built  # iterating gives spans that rebuild the same set
    assert ticks(built) == set().union(*(ticks(span) for span in spans))
    assert built.duration == dt.timedelta(microseconds=len(ticks(built)))
    members = list(built)
    assert members == sorted(members)
    # Sorted, disjoint and non-touching: a gap between consecutive members.
    assert all(x.end_us < y.start_us for x, y in itertools.pairwise(members))


@given(grid_sets, grid_spans)
def test_membership_matches_the_model(a: rk.SpanSet, span: rk.Span) -> None:
    model = ticks(a)
    for t in range(-1, GRID_END + 2):
        assert (from_us(t) in a) == (t in model)
        assert (from_us(t) in span) == (t in ticks(span))
    assert (span in a) == (ticks(span) <= model)


@given(rks.spans(resolution=HOUR), rks.instants(resolution=HOUR))
def test_split_partitions_the_span(span: rk.Span, at: dt.datetime) -> None:
    # Compared in UTC: Python holds an aware datetime at an ambiguous local time (01:00 on
    # a night clocks go back) unequal to every datetime of another zone (PEP 495), even
    # at the same instant.
    at = at.astimezone(dt.UTC)
    if at not in span and at != span.end:
        with pytest.raises(rk.BadSpanError):
            span.split(at)
        return
    first, second = span.split(at)
    assert first.end == second.start == at
    assert first.start == span.start
    assert second.end == span.end
    assert first | second == (rk.SpanSet([span]))
    assert first.duration + second.duration == span.duration


def test_stress_large_span_sets_against_the_model() -> None:
    # Seeded, so reproducible: sets of a few hundred spans on a grid of 5000 ticks, where
    # members touch, nest and coincide far more often than in small examples.
    generator = random.Random(20260329)

    def random_set() -> rk.SpanSet:
        spans = []
        for _ in range(generator.randrange(1, 300)):
            start = generator.randrange(5_000)
            spans.append(span_us(start, start + generator.randrange(0, 40)))
        return rk.SpanSet(spans)

    for _ in range(20):
        a, b = random_set(), random_set()
        for result, expected in (
            (a | b, ticks(a) | ticks(b)),
            (a & b, ticks(a) & ticks(b)),
            (a - b, ticks(a) - ticks(b)),
            (b - a, ticks(b) - ticks(a)),
        ):
            result._check()
            assert ticks(result) == expected


# -- the microsecond fast path checks its arguments ------------------------------------------

_US_TEXT = "must be an int of microseconds since the epoch"


@pytest.mark.parametrize(
    ("start", "end", "error", "message"),
    [
        (1.5, 2.5, rk.RatekitTypeError, f"Span.from_us start_us {_US_TEXT}, not float: 1.5."),
        (0, 2.5, rk.RatekitTypeError, f"Span.from_us end_us {_US_TEXT}, not float: 2.5."),
        (False, True, rk.RatekitTypeError, f"Span.from_us start_us {_US_TEXT}, not bool: False."),
        (
            Decimal(1),
            2,
            rk.RatekitTypeError,
            f"Span.from_us start_us {_US_TEXT}, not Decimal: Decimal('1').",
        ),
        (0, 10**20, rk.BadTimeError, "Span.from_us end_us 100000000000000000000 µs lies outside"),
        (-(10**20), 0, rk.BadTimeError, "Span.from_us start_us -100000000000000000000 µs lies"),
    ],
)
def test_from_us_refuses_floats_bools_decimals_and_out_of_range_ints(
    start: object, end: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        rk.Span.from_us(start, end)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)


def test_from_us_accepts_the_whole_range_and_every_such_span_has_a_repr() -> None:
    # Before, Span.from_us(0, 10**18) was accepted and its repr raised.
    first, last = MIN_US, MAX_US
    whole = rk.Span.from_us(first, last)
    assert repr(whole) == "Span('0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z')"
    assert str(whole) == repr(whole)
    assert whole.end == dt.datetime.max.replace(tzinfo=dt.UTC)
    assert repr(rk.SpanSet([whole])) == f"SpanSet([{whole!r}])"


@pytest.mark.parametrize(
    ("pairs", "error"),
    [
        ([(0.5, 1)], rk.RatekitTypeError),
        ([(0, 10**19)], rk.BadTimeError),
        ([[0, 1]], rk.RatekitTypeError),
        ([(0, 1, 2)], rk.RatekitTypeError),
    ],
)
def test_span_set_from_us_checks_its_pairs(pairs: list[object], error: type[Exception]) -> None:
    with pytest.raises(error):
        rk.SpanSet.from_us(pairs)  # type: ignore[arg-type]


def test_clip_takes_a_span() -> None:
    # Found by the fuzzer: span.clip(None) raised TypeError from the & operator.
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    with pytest.raises(rk.RatekitTypeError) as caught:
        march.clip(None)  # type: ignore[arg-type]
    assert str(caught.value) == "Span.clip takes a Span, not NoneType: None."
