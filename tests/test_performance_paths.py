"""The hot paths of metering and rating give exactly what the general paths give."""

from __future__ import annotations

import decimal
from decimal import Decimal
from random import Random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk
from ratekit import _normalize
from ratekit._decimals import CONTEXT, exact_sum
from ratekit._instants import from_us
from ratekit._time_exact import finely_cut

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
LEVEL = rk.Meter("level", "unit*hour", rk.Continuous("n"))


def test_equal_descriptions_of_other_types_are_not_shared() -> None:
    # 1 == True == Decimal("1.0"), but each resource keeps the description it was given:
    # metering shares equal descriptions between resources only when they print alike.
    values: list[object] = [1, True, Decimal("1.0"), Decimal(1), 1, "1"]
    records = [
        rk.Event("acme", f"r{i}", "2026-03-01T00:00:00Z", {"n": value, "k": "x"}, kind="start")
        for i, value in enumerate(values)
    ]
    records.append(rk.Event("acme", "r9", "2026-03-01T00:00:00Z", {"k": "x", "n": 1}, kind="start"))
    usage = rk.meter(records, [RUNTIME], span=MARCH, cycle=None, as_of=MARCH.end)
    shown = {row.resource: repr(row.description) for row in usage.rows}
    assert shown == {
        "r0": "{'n': 1, 'k': 'x'}",
        "r1": "{'n': True, 'k': 'x'}",
        "r2": "{'n': Decimal('1.0'), 'k': 'x'}",
        "r3": "{'n': Decimal('1'), 'k': 'x'}",
        "r4": "{'n': 1, 'k': 'x'}",
        "r5": "{'n': '1', 'k': 'x'}",
        "r9": "{'k': 'x', 'n': 1}",
    }
    types = {row.resource: type(row.description["n"]) for row in usage.rows}
    assert (types["r0"], types["r1"], types["r2"], types["r4"]) == (int, bool, Decimal, int)


def test_a_level_is_computed_per_description_not_per_resource() -> None:
    # The same description on two resources, and a resize back and forth: each piece's
    # quantity is its own level times its own time.
    records = [
        rk.Event("acme", "a", "2026-03-01T00:00:00Z", {"n": 2}, kind="start", id="a1"),
        rk.Event("acme", "a", "2026-03-01T01:00:00Z", {"n": 3}, kind="start", id="a2"),
        rk.Event("acme", "a", "2026-03-01T03:00:00Z", {"n": 2}, kind="start", id="a3"),
        rk.Event("acme", "a", "2026-03-01T04:00:00Z", kind="stop", id="a4"),
        rk.Event("acme", "b", "2026-03-01T00:00:00Z", {"n": 2}, kind="start", id="b1"),
        rk.Event("acme", "b", "2026-03-01T05:00:00Z", kind="delete", id="b2"),
    ]
    usage = rk.meter(records, [LEVEL], span=MARCH, cycle=None, as_of=MARCH.end)
    assert [(row.resource, row.quantity, dict(row.description)) for row in usage.rows] == [
        ("a", Decimal(2), {"n": 2}),
        ("a", Decimal(6), {"n": 3}),
        ("a", Decimal(2), {"n": 2}),
        ("b", Decimal(10), {"n": 2}),
    ]


HOUR = 3_600_000_000
BYTES = rk.Meter("bytes", "B", rk.Discrete())
MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb"))
T0 = MARCH.start_us
ACCEPTED = {"runtime": frozenset(), "memory": frozenset(), "bytes": frozenset({"delta"})}


@st.composite
def timed_fleets(draw: st.DrawFn) -> list[rk.Event | rk.Sample]:
    """Events and samples of a few resources, in time order (some at the same instant)."""
    if draw(st.booleans()):
        instants = sorted(draw(st.sets(st.integers(0, 40 * 24 * HOUR), min_size=1, max_size=40)))
    else:  # quarter hours: many records share an instant
        quarters = draw(st.lists(st.integers(0, 40), min_size=1, max_size=40))
        instants = [quarter * HOUR // 4 for quarter in sorted(quarters)]
    records: list[rk.Event | rk.Sample] = []
    for number, offset in enumerate(instants):
        at = from_us(T0 - 3 * 24 * HOUR + offset)
        resource = draw(st.sampled_from(["r1", "r2", "r3"]))
        account = "acme" if resource != "r3" else "other"
        record_id = draw(st.sampled_from([f"x{number}", None]))
        if draw(st.booleans()):
            value = draw(st.integers(-5, 10**6))
            records.append(rk.Sample(account, resource, "bytes", at, value, id=record_id))
        else:
            kind = draw(st.sampled_from(["start", "update", "stop", "delete"]))
            memory = draw(st.sampled_from([None, 512, 1024]))
            attributes = None if memory is None else {"memory_mb": memory}
            records.append(rk.Event(account, resource, at, attributes, kind=kind, id=record_id))
    return records


def _meter(records: list[rk.Event | rk.Sample]) -> rk.Usage:
    return rk.meter(
        records,
        [RUNTIME, MEMORY, BYTES],
        span=MARCH,
        cycle=rk.cycles.weekly(tz="UTC"),
        as_of="2026-03-30T00:00:00Z",
    )


@given(timed_fleets(), st.randoms(use_true_random=False))
def test_records_in_time_order_skip_the_sorts_and_give_the_same_usage(
    records: list[rk.Event | rk.Sample], random: Random
) -> None:
    # In time order, no resource's records are sorted again but those with a record at
    # the same instant as the one before it (the fast path); shuffled, they all are (the
    # general path). Both give the same rows, anomalies and state.
    grouped = _normalize.group(records, ACCEPTED, MARCH.end_us, _normalize.Anomalies())
    assert grouped.samples_in_order
    assert grouped.events_in_order
    shuffled = list(records)
    random.shuffle(shuffled)
    fast, general = _meter(records), _meter(shuffled)
    assert fast.rows == general.rows
    assert [repr(row) for row in fast.rows] == [repr(row) for row in general.rows]
    assert fast.anomalies == general.anomalies
    assert fast.state == general.state


def test_only_two_records_of_one_group_at_one_instant_tie_it() -> None:
    # In time order: r1's and r2's samples at 10:00 and their starts at 11:00 share
    # instants, but each group's own records are at distinct instants: no tie. r3's two
    # samples at 12:00 tie its group, and its two events at 12:00 tie r3, though a record
    # of r1 at that instant lies between them.
    at = [f"2026-03-02T{hour}:00:00Z" for hour in (10, 11, 12, 13)]
    records: list[rk.Event | rk.Sample] = [
        rk.Sample("acme", "r1", "bytes", at[0], 1),
        rk.Sample("acme", "r2", "bytes", at[0], 2),
        rk.Sample("acme", "r1", "bytes", at[1], 3),
        rk.Event("acme", "r1", at[1], kind="start"),
        rk.Event("acme", "r2", at[1], kind="start"),
        rk.Sample("acme", "r3", "bytes", at[2], 4),
        rk.Sample("acme", "r1", "bytes", at[2], 5),
        rk.Sample("acme", "r3", "bytes", at[2], 6),
        rk.Event("acme", "r3", at[2], kind="start"),
        rk.Event("acme", "r1", at[2], kind="stop"),
        rk.Event("acme", "r3", at[2], kind="stop"),
        rk.Sample("acme", "r2", "bytes", at[3], 7),
    ]
    grouped = _normalize.group(records, ACCEPTED, MARCH.end_us, _normalize.Anomalies())
    assert grouped.samples_in_order
    assert grouped.events_in_order
    assert grouped.tied == {("acme", "r3", "bytes"), ("acme", "r3")}


@given(
    st.lists(
        st.tuples(
            st.integers(0, 100),
            # below 1E+27, so that times 1E+3 a value stays below 1E+30 (ratekit's range)
            st.integers(-(10**27) + 1, 10**27 - 1),
            st.booleans(),
            st.integers(-3, 3),
        ),
        max_size=30,
    ),
    st.sets(st.integers(1, 99), max_size=6),
)
def test_summing_columns_is_summing_deltas_one_by_one(
    drawn: list[tuple[int, int, bool, int]], cuts: set[int]
) -> None:
    # The C-speed sums of instant deltas against the general loop: same sums (the same
    # fold, in the same order, with values too long for 28 digits) and same ids.
    from ratekit import _metering_samples as metering

    readings = sorted(
        (
            rk.Sample(
                "acme",
                "r",
                "bytes",
                from_us(T0 + at * HOUR),
                Decimal(value).scaleb(exponent),
                id=f"s{number}" if with_id else None,
            )
            for number, (at, value, with_id, exponent) in enumerate(drawn)
        ),
        key=lambda sample: sample.at_us,
    )
    pieces = [T0 + 10 * HOUR, *sorted(T0 + 10 * HOUR + cut * HOUR // 2 for cut in cuts)]
    end_us = T0 + 70 * HOUR
    fast_sums: list[Decimal | None] = [None] * len(pieces)
    fast_ids: list[list[str] | None] = [None] * len(pieces)
    sums: list[Decimal | None] = [None] * len(pieces)
    ids: list[list[str] | None] = [None] * len(pieces)
    # Both run in metering's context (`in_context`, as `meter()` and the rater call
    # them): the built-in sum takes its digits from it, where a caller's default of 28
    # would round 0 + 1.0000000000000000000000000E+28 to 28 digits.
    with decimal.localcontext(CONTEXT):
        assert metering._sum_columns(readings, pieces, end_us, fast_sums, fast_ids)
        assert metering._sum_instant_deltas(readings, pieces, end_us, sums, ids) == []
    assert [None if s is None else (str(s), s.as_tuple()) for s in fast_sums] == [
        None if s is None else (str(s), s.as_tuple()) for s in sums
    ]
    assert fast_ids == ids


def test_a_delta_over_a_span_takes_the_general_path() -> None:
    from ratekit import _metering_samples as metering

    spanned = rk.Sample(
        "acme", "r", "bytes", "2026-03-02T00:00:00Z", 10, since="2026-03-01T00:00:00Z"
    )
    sums: list[Decimal | None] = [None]
    ids: list[list[str] | None] = [None]
    assert not metering._sum_columns([spanned], [T0], T0 + 48 * HOUR, sums, ids)
    assert sums == [None]


def test_the_same_update_of_the_same_description_is_merged_alike() -> None:
    # Updates looked up rather than merged again: 1 and True stay apart, None removes.
    records = [
        rk.Event("acme", "a", "2026-03-01T00:00:00Z", {"k": "x"}, kind="start", id="a1"),
        rk.Event("acme", "a", "2026-03-01T01:00:00Z", {"n": 1}, kind="update", id="a2"),
        rk.Event("acme", "a", "2026-03-01T02:00:00Z", {"n": None}, kind="update", id="a3"),
        rk.Event("acme", "a", "2026-03-01T03:00:00Z", {"n": True}, kind="update", id="a4"),
        rk.Event("acme", "a", "2026-03-01T04:00:00Z", {"n": None}, kind="update", id="a5"),
        rk.Event("acme", "a", "2026-03-01T05:00:00Z", {"n": 1}, kind="update", id="a6"),
        rk.Event("acme", "b", "2026-03-01T00:00:00Z", {"k": "x"}, kind="start", id="b1"),
        rk.Event("acme", "b", "2026-03-01T01:00:00Z", {"n": Decimal("1.0")}, id="b2"),
        rk.Event("acme", "b", "2026-03-01T02:00:00Z", kind="stop", id="b3"),
    ]
    usage = rk.meter(records, [RUNTIME], span=MARCH, cycle=None, as_of="2026-03-01T06:00:00Z")
    assert [(row.resource, repr(row.description)) for row in usage.rows] == [
        ("a", "{'k': 'x'}"),
        ("a", "{'k': 'x', 'n': 1}"),
        ("a", "{'k': 'x'}"),
        ("a", "{'k': 'x', 'n': True}"),
        ("a", "{'k': 'x'}"),
        ("a", "{'k': 'x', 'n': 1}"),
        ("b", "{'k': 'x'}"),
        ("b", "{'k': 'x', 'n': Decimal('1.0')}"),
    ]


class _Kept:
    """What `kept()` and `last_kept()` read of a state: its readings."""

    def __init__(self, readings: tuple[tuple[object, ...], ...]) -> None:
        self.readings = readings


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["bytes", "calls"]),
            st.integers(0, 3),
            st.integers(0, 3),
            st.sampled_from([None, "a", "b"]),
            st.sampled_from([None, 1, 2]),
        ),
        max_size=12,
    )
)
def test_the_last_reading_kept_is_the_last_of_the_readings_kept_in_order(
    drawn: list[tuple[str, int, int, str | None, int | None]],
) -> None:
    # Found by comparison, it is the very reading the sort of all of them puts last
    # (ties of instant, seq, value and id included: then the last one kept).
    from ratekit import _metering_counters as counters

    readings = tuple(
        (meter, at, Decimal(value), "delta", record_id, seq)
        for meter, at, value, record_id, seq in drawn
    )
    state: Any = _Kept(readings)
    for name in ("bytes", "calls", "other"):
        every = counters.kept(state, "acme", "r1", name)
        last = counters.last_kept(state, "acme", "r1", name)
        assert (last is None) == (not every)
        if every:
            assert last == every[-1]


def test_sorting_a_resources_events_says_whether_they_are_untied_by_time() -> None:
    # The timeline applies events the sort left strictly increasing in time, with no
    # seq, without comparing each with the next for a tie: the sort's keys tell.
    from ratekit._event_order import _event_order

    at = [f"2026-03-02T{hour}:00:00Z" for hour in (10, 11, 12)]
    untied = [
        rk.Event("acme", "r", at[2], kind="stop"),
        rk.Event("acme", "r", at[0], {"n": 1}, kind="start"),
        rk.Event("acme", "r", at[1], {"n": 2}, kind="update"),
    ]
    assert _event_order(untied)
    assert [event.at_us for event in untied] == sorted(event.at_us for event in untied)
    tied = [*untied, rk.Event("acme", "r", at[1], kind="stop")]
    assert not _event_order(tied)
    sequenced = [
        rk.Event("acme", "r", at[1], kind="stop", seq=2),
        rk.Event("acme", "r", at[0], {"n": 1}, kind="start", seq=1),
    ]
    assert not _event_order(sequenced)  # by seq: the instants may go back
    assert _event_order([untied[0]])
    assert not _event_order([sequenced[0]])


def test_a_delta_over_a_span_among_deltas_at_an_instant_is_read_per_group() -> None:
    # One call, no cycle: r1's deltas are at instants, r2's one is over 10:00..12:00.
    # The call is spanned, so each group's sinces are read: r1 takes the sums by
    # columns (3 + 4 = 7 B over the whole span), r2 the general loop, and the account's
    # first record is r2's since (10:00, before r1's first delta at 11:00). r2 is cut at
    # 11:00, where its start describes it: its 10 B spread as 10 * 1/2 = 5 B over
    # 10:00..11:00 and 5 B over 11:00..12:00.
    at = [f"2026-03-02T{hour}:00:00Z" for hour in (10, 11, 12)]
    records: list[rk.Event | rk.Sample] = [
        rk.Sample("acme", "r1", "bytes", at[1], 3, id="a"),
        rk.Sample("acme", "r1", "bytes", at[2], 4, id="b"),
        rk.Sample("acme", "r2", "bytes", at[2], 10, since=at[0], id="c"),
        rk.Event("acme", "r2", at[1], {"memory_mb": 1}, kind="start", id="e"),
    ]
    grouped = _normalize.group(records, ACCEPTED, MARCH.end_us, _normalize.Anomalies())
    assert grouped.spanned
    assert not _normalize.group(records[:2], ACCEPTED, MARCH.end_us, _normalize.Anomalies()).spanned
    usage = rk.meter(records, [BYTES], span=MARCH, cycle=None, as_of=MARCH.end)
    assert [
        (row.resource, row.span.start_us, row.quantity, row.record_ids) for row in usage.rows
    ] == [
        ("r1", T0, Decimal(7), ("a", "b")),
        ("r2", T0, Decimal(5), ("c",)),
        ("r2", T0 + 35 * HOUR, Decimal(5), ("c",)),
    ]
    assert dict(usage.first_us) == {"acme": T0 + 34 * HOUR}


def _finer_than_a_share(value: Decimal) -> bool:
    """The oracle of `finely_cut`: a last digit at 1E-51 or finer, read off its tuple."""
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent <= -51


def test_a_finely_cut_quantity_is_told_by_its_last_digit_not_its_value() -> None:
    # The exponent of the last digit counts, trailing zeros too: 1E-51 and 5.000...0
    # (60 zeros, exponent -60) are cut as finely as a share; 1E-50, 1E+59 are not; a
    # negative zero of exponent -52 is; infinities and NaNs have no last digit.
    assert finely_cut(Decimal("1E-51"))
    assert finely_cut(Decimal("5." + "0" * 60))
    assert finely_cut(Decimal("-0E-52"))
    assert finely_cut(Decimal("1E-89"))
    assert not finely_cut(Decimal("1E-50"))
    assert not finely_cut(Decimal("0.3333"))
    assert not finely_cut(Decimal("1E+59"))
    assert not finely_cut(Decimal("Infinity"))
    assert not finely_cut(Decimal("-Infinity"))
    assert not finely_cut(Decimal("NaN"))
    assert not finely_cut(Decimal("sNaN"))
    # a sum is as finely cut as its finest term: 1E-60 and -1E-60 add up to 0E-60
    assert finely_cut(exact_sum([Decimal("1E-60"), Decimal("-1E-60")]))
    assert finely_cut(exact_sum([Decimal("1E+29"), Decimal("1E-51"), Decimal(7)]))
    assert not finely_cut(exact_sum([Decimal("1E+29"), Decimal("1E-50")]))


_SPECIAL = st.sampled_from([Decimal("Infinity"), Decimal("-Infinity"), Decimal("NaN")])
_FINITE = st.builds(
    lambda sign, coefficient, exponent: Decimal(
        (sign, tuple(map(int, str(coefficient))), exponent)
    ),
    st.integers(0, 1),
    st.integers(0, 10**60 - 1),
    st.integers(-95, 60),
)


@settings(max_examples=max(LAWS // 4, FLOOR))
@given(st.one_of(_FINITE, _SPECIAL), st.lists(_FINITE, max_size=6))
def test_finely_cut_is_the_last_digits_place_and_a_sums_is_its_finest_terms(
    value: Decimal, terms: list[Decimal]
) -> None:
    # The test without a tuple of digits says what the tuple says, for any sign,
    # coefficient (up to 60 digits), exponent and special value; and a line's exact sum
    # of quantities is finely cut exactly when one of them is (billing tests the sum).
    assert finely_cut(value) == _finer_than_a_share(value)
    assert finely_cut(exact_sum(terms)) == any(map(_finer_than_a_share, terms))
