"""Accounting you can check: every record id is in a row, an anomaly or the no-effect list."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._instants import format_us

DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "B", rk.Counter())
BYTES = rk.Meter("bytes", "B", rk.Discrete())
PEAK = rk.Meter("peak", "user", rk.Max())


def meter(
    records: list[rk.Event | rk.Sample | rk.Inventory],
    *meters: rk.Meter,
    span: rk.Span = DAY,
    as_of: str = DAY.end.isoformat(),
) -> rk.Usage:
    return rk.meter(records, meters or (RUNTIME,), span=span, cycle=None, as_of=as_of)


def event(at: str, kind: str, id: str, **attributes: object) -> rk.Event:  # noqa: A002
    return rk.Event("a", "vm", f"2026-03-01T{at}:00Z", attributes, kind=kind, id=id)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("records", "meters", "expected"),
    [
        # A lone counter reading is the baseline: it adds nothing yet.
        (
            [rk.Sample("a", "ip", "egress", "2026-03-01T10:00:00Z", 9, kind="counter", id="c1")],
            (EGRESS,),
            (("c1", "baseline"),),
        ),
        # An update of a stopped resource changes its description only.
        (
            [
                event("01:00", "start", "e1"),
                event("02:00", "stop", "e2"),
                event("03:00", "update", "e3", flavor="big"),
            ],
            (RUNTIME,),
            (("e3", "no_change"),),
        ),
        # An update replaced by a stop at the same instant (with seq): no piece of its own.
        (
            [
                rk.Event("a", "vm", "2026-03-01T01:00:00Z", kind="start", id="e1", seq=1),
                rk.Event("a", "vm", "2026-03-01T02:00:00Z", {"f": 1}, id="e2", seq=2),
                rk.Event("a", "vm", "2026-03-01T02:00:00Z", kind="stop", id="e3", seq=3),
            ],
            (RUNTIME,),
            (("e2", "replaced"),),
        ),
        # Records stamped at or after as_of are not known yet; before the span, outside it.
        (
            [event("01:00", "start", "e1"), event("23:30", "stop", "e2")],
            (RUNTIME,),
            (("e2", "not_yet"),),
        ),
        # Events when no meter is time-based.
        (
            [
                event("01:00", "start", "e1"),
                rk.Sample("a", "vm", "bytes", "2026-03-01T02:00:00Z", 5, id="d1"),
            ],
            (BYTES,),
            (("e1", "no_time_meter"),),
        ),
    ],
)
def test_each_documented_no_effect(
    records: list[rk.Event | rk.Sample | rk.Inventory],
    meters: tuple[rk.Meter, ...],
    expected: tuple[tuple[str, str], ...],
) -> None:
    usage = meter(records, *meters, as_of="2026-03-01T23:00:00Z")
    assert usage.no_effect == expected
    assert {r.id for r in records} <= usage.accounted()


def test_before_the_span_and_a_confirming_snapshot() -> None:
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Sample("a", "vm", "bytes", "2026-02-28T12:00:00Z", 5, id="d0"),
        event("01:00", "start", "e1"),
        rk.Inventory("2026-03-01T05:00:00Z", {("a", "vm"): {}}, id="inv"),
    ]
    usage = meter(records, RUNTIME, BYTES)
    assert usage.no_effect == (("d0", "before_span"), ("inv", "confirmed"))


@pytest.mark.parametrize("later_first", [True, False])
def test_an_id_known_by_as_of_speaks_for_it_whatever_came_first(later_first: bool) -> None:
    # An inventory "i1" (05:00) confirms vm; an event "i1" stamped after as_of (23:00
    # the next day) is not compared with it (ids are checked among the records known by
    # as_of). The id's reason is the known record's, "confirmed", in either order.
    known = rk.Inventory("2026-03-01T05:00:00Z", {("a", "vm"): {}}, id="i1")
    later = rk.Event("a", "vm", "2026-03-02T23:00:00Z", kind="stop", id="i1")
    listed = [later, known] if later_first else [known, later]
    usage = meter([event("01:00", "start", "e1"), *listed], RUNTIME, BYTES)
    assert usage.no_effect == (("i1", "confirmed"),)


@st.composite
def streams(draw: st.DrawFn) -> list[rk.Event | rk.Sample | rk.Inventory]:
    records: list[rk.Event | rk.Sample | rk.Inventory] = []
    hours = st.integers(-3, 26)
    for n in range(draw(st.integers(0, 6))):
        records.append(  # noqa: PERF401 - each draw is its own call
            rk.Event(
                "a",
                draw(st.sampled_from(["r1", "r2"])),
                format_us(DAY.start_us + draw(hours) * 3_600_000_000),
                draw(st.sampled_from([{}, {"f": 1}, {"f": 2}])),
                kind=draw(st.sampled_from(["start", "update", "stop", "delete"])),
                id=f"e{n}",
                seq=draw(st.none() | st.integers(0, 5)),
            )
        )
    for n in range(draw(st.integers(0, 5))):
        meter_name = draw(st.sampled_from(["egress", "bytes", "peak"]))
        records.append(
            rk.Sample(
                "a",
                draw(st.sampled_from(["r1", "r2"])),
                meter_name,
                format_us(DAY.start_us + draw(hours) * 3_600_000_000),
                draw(st.integers(0, 9)),
                kind={"egress": "counter", "bytes": "delta", "peak": "gauge"}[meter_name],  # type: ignore[arg-type]
                id=f"s{n}",
            )
        )
    if draw(st.booleans()):
        listed = draw(st.sets(st.sampled_from(["r1", "r2"])))
        records.append(
            rk.Inventory(
                format_us(DAY.start_us + draw(hours) * 3_600_000_000),
                {("a", r): {} for r in sorted(listed)},
                id="inv",
            )
        )
    return records + draw(st.lists(st.sampled_from(records), max_size=2)) if records else []


@settings(max_examples=LAWS // 2)
@given(streams(), st.integers(0, 30))
def test_every_id_is_accounted_for_exactly_once_as_no_effect(
    records: list[rk.Event | rk.Sample | rk.Inventory], as_of_hour: int
) -> None:
    usage = rk.meter(
        records,
        [RUNTIME, EGRESS, BYTES, PEAK],
        span=DAY,
        cycle=None,
        as_of=format_us(DAY.start_us + as_of_hour * 3_600_000_000),
    )
    given_ids = {r.id for r in records if r.id is not None}
    assert given_ids <= usage.accounted()
    elsewhere = {i for row in usage.rows for i in row.record_ids}
    elsewhere.update(i for a in usage.anomalies for i in a.record_ids)
    no_effect = [i for i, _ in usage.no_effect]
    assert len(no_effect) == len(set(no_effect))
    assert not elsewhere & set(no_effect)
    assert {reason for _, reason in usage.no_effect} <= {
        "not_yet",
        "replaced",
        "confirmed",
        "before_span",
        "after_span",
        "no_change",
        "no_time_meter",
        "baseline",
    }
