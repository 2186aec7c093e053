"""Metering at the door: bad arguments name themselves; work follows the records."""

from __future__ import annotations

import datetime as dt
import itertools
import time
import typing
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit._instants import format_us

RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
BYTES = rk.Meter("bytes", "B", rk.Discrete())
PEAK = rk.Meter("peak", "user", rk.Max())
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
DAILY = rk.cycles.daily(tz="UTC")
DAY = 86_400_000_000


def call(**changes: object) -> rk.Usage:
    arguments: dict[str, object] = {
        "records": [],
        "meters": [RUNTIME],
        "span": MARCH,
        "cycle": None,
        "as_of": MARCH.end,
    }
    arguments.update(changes)
    records = arguments.pop("records")
    meters = arguments.pop("meters")
    return rk.meter(records, meters, **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"records": None},
            "meter() records must be an iterable (a list or tuple), not NoneType: None.",
        ),
        (
            {"meters": None},
            "meter() meters must be an iterable (a list or tuple), not NoneType: None.",
        ),
        ({"cycle": 5}, "meter() cycle must be a billing cycle (rk.cycles.monthly(tz=...), "),
        ({"cuts": 5}, "meter() cuts must be a mapping of meter names to instants"),
        ({"cuts": {"runtime": 5}}, "cuts['runtime'] must be an iterable of instants"),
        ({"state": None}, "meter() state must be an iterable (a list or tuple), not NoneType"),
        ({"state": ["x"]}, "meter() state must hold ResourceState values"),
        ({"span": "x"}, "meter() span must be a Span, not str: 'x'."),
    ],
)
def test_bad_arguments_are_refused_by_name(changes: dict[str, object], message: str) -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        call(**changes)
    assert str(caught.value).startswith(message)


def _day_one() -> rk.Usage:
    """vm started 1 March 00:00, metered up to 2 March 00:00: 24 h, its state's clock there."""
    day = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    start = rk.Event("a", "vm", "2026-03-01T00:00:00Z", kind="start", id="e1")
    return call(records=[start], span=day, as_of=day.end)


def test_a_span_before_the_carried_clock_is_refused() -> None:
    # A host retrying 1 March with the state 1 March produced would bill its 24 h twice
    # (it did, silently); so would a span of the month with as_of moving on.
    first = _day_one()
    assert first.total() == 24
    for span in (rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"), MARCH):
        with pytest.raises(rk.BadSpanError) as caught:
            call(span=span, as_of="2026-03-03T00:00:00Z", state=first.state)
        assert str(caught.value) == (
            "meter() span starts at 2026-03-01T00:00:00Z, before the clock of the carried "
            "state of resource 'vm' of 'a' (2026-03-02T00:00:00Z): an earlier call metered "
            "it up to there, so the span before it would be billed twice. Start the span at "
            "the clock (a record stamped before it is late, and comes as a late row), or "
            "carry the state of a call that ended at or before the span's start."
        )
    # From the clock on: 24 h more on 2 March, 48 h in all, as one call over both days.
    second = call(span=rk.Span("2026-03-02T00:00:00Z", MARCH.end), as_of="2026-03-03T00:00:00Z",
                  state=first.state)  # fmt: skip
    assert second.total() == 24


def test_two_states_of_one_resource_are_refused() -> None:
    # One of them would win, silently: a stopped one made the running vm bill nothing.
    first = _day_one()
    stopped = rk.ResourceState("a", "vm", "stopped", {})
    for states in ([*first.state, stopped], [*first.state, *first.state]):
        with pytest.raises(rk.RatekitTypeError) as caught:
            call(span=rk.Span("2026-03-02T00:00:00Z", MARCH.end), state=states)
        assert str(caught.value) == (
            "meter() state holds two states of resource 'vm' of 'a': a call continues each "
            "resource from one state, the last call's (Usage.state has one per resource); "
            "give each resource's latest once."
        )


def test_an_object_is_not_a_cycle() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        call(cycle=object())
    assert "or None, not object: <object object at" in str(caught.value)


def test_a_usage_row_checks_its_fields() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.UsageRow("a", "m", "r", "x", MARCH, 1, "hour", {})  # type: ignore[arg-type]
    assert str(caught.value) == (
        "UsageRow span must be a Span (rk.Span(start, end)), not str: 'x'."
    )
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.UsageRow("a", "m", "r", MARCH, None, 1, "hour", {})  # type: ignore[arg-type]
    assert str(caught.value).startswith("UsageRow cycle must be a Span")
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.UsageRow("", "m", "r", MARCH, MARCH, 1, "hour", {})
    assert str(caught.value) == "UsageRow account must be a non-empty string, not ''."
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.UsageRow("a", "m", "r", MARCH, MARCH, 1, "hour", "flavor")  # type: ignore[arg-type]
    assert str(caught.value).startswith("UsageRow description attributes must be a mapping")


GOOD = {"account": "a", "resource": "r", "status": "running", "description": {"m": 1}}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"description": "m1.small"}, "ResourceState description must be a mapping"),
        ({"description": {"m": {"x": 1}}}, "ResourceState description 'm' must be a value, or"),
        ({"description": {"m": {"decimal": "abc"}}}, "ResourceState description 'm'"),
        ({"status": "paused"}, "ResourceState status must be 'unknown', 'running', 'stopped'"),
        ({"account": 7}, "ResourceState account must be a non-empty string, not int: 7."),
        ({"since_us": "2026"}, "ResourceState since_us must be an int"),
        ({"seq": 1.5}, "ResourceState seq must be an int"),
        ({"through_us": True}, "ResourceState through_us must be an int"),
        ({"readings": "x"}, "ResourceState readings must be a list, not str: 'x'."),
        ({"readings": [["m", 1, "5", "sum", None]]}, "ResourceState readings item kind must be"),
        ({"readings": [["m", 1]]}, "ResourceState readings item must be [meter, at_us, value"),
        ({"applied": [[1]]}, "ResourceState applied item must be a record id"),
        ({"history": [{"kind": "halt", "at_us": 1}]}, "ResourceState history item kind must be"),
        ({"history": [5]}, "ResourceState history item must be a mapping"),
        ({"base": "x"}, "ResourceState data must be a mapping (what to_json() returned)"),
    ],
)
def test_a_malformed_state_names_its_field(changes: dict[str, object], message: str) -> None:
    with pytest.raises(rk.RatekitError) as caught:
        rk.ResourceState.from_json({**GOOD, **changes})
    assert str(caught.value).startswith(message), str(caught.value)


def test_state_data_must_be_a_mapping_with_its_fields() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.ResourceState.from_json([])
    assert str(caught.value) == (
        "ResourceState data must be a mapping (what to_json() returned), not list: []."
    )
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.ResourceState.from_json({"account": "a"})
    assert str(caught.value).startswith("ResourceState data lacks 'resource'")


# -- work follows the records, not the span -------------------------------------------------

AGES = rk.Span("2002-01-01T00:00:00Z", "9000-01-01T00:00:00Z")


def test_nothing_over_thousands_of_years_costs_nothing() -> None:
    started = time.perf_counter()
    usage = rk.meter([], [RUNTIME, BYTES, PEAK], span=AGES, cycle=DAILY, as_of=AGES.end)
    assert usage.rows == ()
    # Generous: it takes well under a millisecond; building 2.5 million days took 50 s.
    assert time.perf_counter() - started < 1


def test_a_few_records_over_thousands_of_years_touch_their_cycles_only() -> None:
    records = [
        rk.Event("a", "vm", "3000-01-01T10:00:00Z", kind="start", id="e1"),
        rk.Event("a", "vm", "3000-01-03T10:00:00Z", kind="stop", id="e2"),
        rk.Sample("a", "vm", "bytes", "4000-05-05T05:00:00Z", 7, id="s1"),
    ]
    started = time.perf_counter()
    usage = rk.meter(records, [RUNTIME, BYTES], span=AGES, cycle=DAILY, as_of=AGES.end)
    assert time.perf_counter() - started < 1
    # 14 h on Jan 1, 24 h on Jan 2, 10 h on Jan 3; 7 B on 4000-05-05.
    assert [(r.meter, str(r.cycle.start.date()), r.quantity) for r in usage.rows] == [
        ("bytes", "4000-05-05", Decimal(7)),
        ("runtime", "3000-01-01", Decimal(14)),
        ("runtime", "3000-01-02", Decimal(24)),
        ("runtime", "3000-01-03", Decimal(10)),
    ]


def test_an_enormous_output_is_refused() -> None:
    # Running from year 3000 to 9000: one row per day, 2.2 million rows: refused.
    records = [rk.Event("a", "vm", "3000-01-01T00:00:00Z", kind="start", id="e1")]
    with pytest.raises(rk.BadSpanError) as caught:
        rk.meter(records, [RUNTIME], span=AGES, cycle=DAILY, as_of=AGES.end)
    assert str(caught.value).startswith(
        "metering 3000-01-01T00:00:00Z..9000-01-01T00:00:00Z would cut one resource's usage "
        "into about "
    )
    assert str(caught.value).endswith(
        "pieces, one per cycle, more than the 1,000,000 one call makes; meter a shorter span "
        "(as_of) or use a longer cycle."
    )


@given(
    st.lists(
        st.tuples(st.sampled_from(["start", "stop", "update"]), st.integers(0, 40 * 24)),
        max_size=5,
    ),
    st.lists(st.tuples(st.integers(0, 40 * 24), st.integers(0, 50)), max_size=4),
    st.sampled_from([RUNTIME, BYTES, PEAK]),
)
def test_lazy_cycles_give_the_rows_of_eager_ones(
    events: list[tuple[str, int]], samples: list[tuple[int, int]], meter: rk.Meter
) -> None:
    # The same records metered over 40 days (cycles computed up front) and over thousands
    # of years (cycles found where the records are): the same rows.
    base = rk.Span("3000-01-01T00:00:00Z", "3000-01-02T00:00:00Z").start_us
    hour = 3_600_000_000
    records: list[rk.Event | rk.Sample] = [
        rk.Event("a", "r", format_us(base + h * hour), {"n": h % 2}, kind=kind, id=f"e{i}")
        for i, (kind, h) in enumerate(events)
    ]
    if meter is not RUNTIME:
        kind = "delta" if meter is BYTES else "gauge"
        records += [
            rk.Sample("a", "r", meter.name, format_us(base + h * hour), v, kind=kind, id=f"s{i}")
            for i, (h, v) in enumerate(samples)
        ]
    records.append(rk.Event("a", "r", format_us(base + 41 * DAY), kind="delete", id="end"))
    short = rk.Span.from_us(base, base + 42 * DAY)
    eager = rk.meter(records, [meter], span=short, cycle=DAILY, as_of=short.end)
    # Twenty years of days: more than the window computes up front (4096).
    long = rk.Span.from_us(base, base + 20 * 365 * DAY)
    lazy = rk.meter(records, [meter], span=long, cycle=DAILY, as_of=long.end)
    assert lazy.rows == eager.rows


# -- cuts: as many as the pieces one call makes, each an instant ratekit represents --------


def test_cuts_past_the_pieces_one_call_makes_are_refused_not_metered() -> None:
    # A cut every microsecond of two seconds: 1,999,999 cuts, which used to make two
    # million rows for one resource (11 s) where the cycles' limit refuses as many.
    span = rk.Span("2026-03-02T00:00:00Z", "2026-03-02T00:00:02Z")
    start = rk.Event("a", "vm", "2026-03-02T00:00:00Z", kind="start", id="e1")
    endless = itertools.count(span.start_us + 1)  # never ends: read no further
    for cuts in (range(span.start_us + 1, span.end_us), endless):
        with pytest.raises(rk.BadSpanError) as caught:
            call(records=[start], span=span, as_of=span.end, cuts={"runtime": cuts})
        assert str(caught.value) == (
            "cuts['runtime'] holds more than 1,000,000 instants: metering would cut one "
            "resource's usage into more than the 1,000,000 pieces one call makes; give the "
            "cuts inside the span only, or meter a shorter span."
        )


def test_a_cut_outside_the_instants_represented_or_unreadable_is_refused() -> None:
    with pytest.raises(rk.BadTimeError) as caught:
        call(cuts={"runtime": [10**20]})
    assert str(caught.value).startswith(
        "cuts['runtime'] instant 100000000000000000000 µs lies outside the instants ratekit "
        "represents"
    )

    def broken() -> typing.Iterator[int]:
        yield 1
        raise RuntimeError("feed gone")

    with pytest.raises(rk.RatekitTypeError) as caught:
        call(cuts={"runtime": broken()})
    assert str(caught.value) == (
        "cuts['runtime'] could not be read: its generator raised RuntimeError: feed gone; give "
        "a list of instants in epoch microseconds."
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2026-03-01T00:00:00+24:00", "has the offset '+24:00', of 24 hours or more"),
        ("2026-03-01T00:00:00-2430", "has the offset '-2430', of 24 hours or more"),
        ("0000-12-31T23:00:00-01:00", "is written in year 0000, before the first date"),
    ],
)
def test_an_offset_of_a_day_or_a_year_0000_is_named(text: str, words: str) -> None:
    with pytest.raises(rk.BadTimeError) as caught:
        rk.Span(text, "2026-03-02T00:00:00Z")
    assert f"Span start {text!r} {words}" in str(caught.value)


def test_an_every_period_past_all_instants_is_named_as_given() -> None:
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.cycles.every(dt.timedelta(days=999_999_999), "2026-01-01T00:00:00Z")
    assert str(caught.value) == (
        "every period datetime.timedelta(days=999999999) is longer than the whole range of "
        "instants ratekit represents (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z); "
        "give a shorter period."
    )
