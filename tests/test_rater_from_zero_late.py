"""A too-late event that moves a first reading from zero names the share it moves.

A `Counter(from_zero=True)` first reading counts from the start of its running stretch
(the last START). An event placed in the compacted state (docs/streaming.md, Late and
too late) may move that start (a START that begins the stretch sooner, a STOP that ends
it): the reading is a kept record, but part of it lies before the kept cycles, which
were rated with the stretch as it stood. The kept cycles are corrected at the next
statement; the share moved before them is named by the event's ``"too_late"`` anomaly,
with the meter and quantity, so the stream's lines plus the quantities named add up to
one batch ``rate()``. Worked by hand in the comments (daily UTC cycles, no horizon).
"""

from __future__ import annotations

import json
import typing
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import event as told
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._drawn_streams import drawn_stream

import ratekit as rk

CPU = rk.Meter("cpu", "s", rk.Counter(from_zero=True))
HOURS = rk.Meter("hours", "hour", rk.OnOff())
METERS = [CPU, HOURS]
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry("cpu", "cpu", rk.PerUnit(1)), rk.PriceEntry("h", "hours", rk.PerUnit(1))],
)
T0 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z").start_us
SLOT_US = 6 * 3_600_000_000  # the property's instants: every 6 hours
SLOTS = 20  # 1..5 March
END_US = T0 + SLOTS * SLOT_US


def _parts(reports: list[rk.Feed | rk.Statement], meter: str) -> list[Decimal]:
    return [
        a.quantity
        for report in reports
        for a in report.anomalies
        if a.kind in {"late", "too_late"} and a.meter == meter and a.quantity is not None
    ]


def _late(report: rk.Feed | rk.Statement) -> bool:
    return any(a.kind in {"late", "too_late"} for a in report.anomalies)


def _per_day(
    lines: typing.Iterable[rk.StatementLine | rk.Charge], meter: str, since_us: int
) -> dict[int, Decimal]:
    """``meter``'s quantities per cycle from ``since_us`` on, the zero ones left out."""
    days: dict[int, Decimal] = {}
    for line in lines:
        if line.meter == meter and line.cycle.start_us >= since_us:
            days[line.cycle.start_us] = days.get(line.cycle.start_us, Decimal(0)) + line.quantity
    return {day: quantity for day, quantity in days.items() if quantity}


def _restored(rater: rk.Rater, restore: bool) -> rk.Rater:
    if not restore:
        return rater
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)


@pytest.mark.parametrize("seq", [None, 1])
@pytest.mark.parametrize("restore", [False, True])
def test_a_too_late_start_names_the_share_it_moves_before_the_kept_cycles(
    restore: bool, seq: int | None
) -> None:
    # A first reading of 21 s at 4 March 11:30, fed alone: no START known, it counts at
    # its instant (21 on 4 March). 1-3 March compacted (statement of 5 March 06:00: 4
    # March is kept). Then a START of 2 March 01:00, too late: the 21 s spread from it
    # over 58.5 h, 4 March's share 11.5 h: 21 x 11.5 / 58.5 = 4.128205..., corrected at
    # the next statement; the rest, 21 x 47 / 58.5 = 16.871794..., lies in 2-3 March:
    # named by the START's anomaly. 4.128205... + 16.871794... = 21, batch's. With a
    # seq as without: a later event ordered before it would name its own move.
    start = rk.Event("a", "r1", "2026-03-02T01:00:00Z", kind="start", id="s1", seq=seq)
    reading = rk.Sample("a", "r1", "cpu", "2026-03-04T11:30:00Z", 21, kind="counter", id="c3")
    rater = rk.Rater(PLAN, [CPU], start="2026-03-01T00:00:00Z")
    rater.feed([reading])
    first = rater.statement("2026-03-05T06:00:00Z")
    assert [(line.cycle.start.day, line.quantity) for line in first.lines] == [(4, 21)]
    feed = rater.feed([start])
    if restore:
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [CPU])
    last = rater.statement("2026-03-06T00:00:00Z")
    (named,) = _parts([feed], "cpu")
    assert named == Decimal("16.871794871794871794871795")
    assert (
        "what it changes of 'cpu' before 2026-03-04T00:00:00Z, 16.87" in feed.anomalies[0].message
    )
    assert [(line.kind, line.quantity) for line in last.lines] == [
        ("usage", -21),
        ("usage", Decimal("4.128205128205128205128205")),
    ]
    assert _parts([last], "cpu") == []  # not named again
    assert named + Decimal("4.128205128205128205128205") == 21


@pytest.mark.parametrize("restore", [False, True])
def test_a_too_late_stop_and_start_move_the_share_twice(restore: bool) -> None:
    # START 1 March 12:00 and a first reading of 720 s at 4 March 12:00, on time: 10 s an
    # hour over 72 h, 120 / 240 / 240 / 120 on 1-4 March; 1-3 March compacted. Then, too
    # late, a STOP of 2 March 00:00: the reading comes while stopped, its 600 s before 4
    # March taken back (-600 named; batch counts it at its instant). Then a START of 3
    # March 00:00: 720 over 36 h, 20 s an hour: 480 on 3 March (+480 named), 240 on 4
    # March (corrected from 120). Batch: 480 + 240 = 720 = 120 + 240 + 240 + 120 (billed)
    # - 600 + 480 (named) + 120 (the 4 March correction). Hours: the STOP takes back 48,
    # the START gives 24.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("a", "r1", "2026-03-01T12:00:00Z", kind="start", id="s1"),
            rk.Sample("a", "r1", "cpu", "2026-03-04T12:00:00Z", 720, kind="counter", id="c"),
        ]
    )
    first = rater.statement("2026-03-05T00:00:00Z")
    assert [line.quantity for line in first.lines if line.meter == "cpu"] == [120, 240, 240, 120]
    stop = rater.feed([rk.Event("a", "r1", "2026-03-02T00:00:00Z", kind="stop", id="t")])
    start = rater.feed([rk.Event("a", "r1", "2026-03-03T00:00:00Z", kind="start", id="s2")])
    last = _restored(rater, restore).statement("2026-03-06T00:00:00Z")
    assert _parts([stop], "cpu") == [-600]
    assert _parts([start], "cpu") == [480]
    assert (_parts([stop], "hours"), _parts([start], "hours")) == ([-48], [24])
    assert [
        (line.cycle.start.day, line.quantity) for line in last.lines if line.meter == "cpu"
    ] == [
        (4, -120),
        (4, 240),
    ]


def test_a_kept_stop_before_the_reading_takes_its_share_back_from_the_compacted_cycles() -> None:
    # START 1 March 00:00 and a first reading of 36 s at 2 March 12:00, on time: 1 s an
    # hour over 36 h, 24 on 1 March, 12 on 2 March; 1 March compacted. Then a STOP of 2
    # March 06:00 (kept: 2 March is closed, not compacted): the reading comes while
    # stopped and counts at its instant, 36 on 2 March (corrected from 12); the 24 of 1
    # March are taken back, named. Batch: 36 = 24 + 12 (billed) - 24 (named) + 24.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("a", "r1", "2026-03-01T00:00:00Z", kind="start", id="s"),
            rk.Sample("a", "r1", "cpu", "2026-03-02T12:00:00Z", 36, kind="counter", id="c"),
        ]
    )
    rater.statement("2026-03-03T00:00:00Z")
    feed = rater.feed([rk.Event("a", "r1", "2026-03-02T06:00:00Z", kind="stop", id="t")])
    assert (feed.accepted, feed.late, feed.too_late) == ((), ("t",), ("t",))
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.meter, anomaly.quantity) == ("too_late", "cpu", -24)
    assert anomaly.message == (
        "event 't' (stop of 'r1' at 2026-03-02T06:00:00Z) moves the running stretch that "
        "the first reading from zero of 'cpu' counts from: it takes back 24 s under "
        "description {} before 2026-03-02T00:00:00Z, which cycles already compacted were "
        "charged: not applied (the rest is)."
    )
    last = rater.statement("2026-03-04T00:00:00Z")
    assert [(line.meter, line.quantity) for line in last.lines] == [
        ("cpu", -12),
        ("cpu", 36),
        ("hours", -24),
        ("hours", 6),
    ]
    assert last.anomalies == ()


@pytest.mark.parametrize("together", [False, True])
def test_a_too_late_inventory_that_closes_the_stretch_takes_back_the_share_named(
    together: bool,
) -> None:
    # A first reading of 10800 s at 3 March 09:00, fed alone: it counts at its instant
    # (10800 on 3 March); 1-2 March compacted. A too-late START of 1 March 03:00 spreads it
    # over 54 h, 200 s an hour: 9000 before 3 March, named. Then a too-late inventory of 1
    # March 21:00 that does not list the resource closes it there: the reading comes
    # while closed and counts at its instant again: the 9000 are taken back, named by
    # the inventory (hours: the START names 45, the inventory -27). Batch: 10800.
    cpu_reading = rk.Sample("a", "r", "cpu", "2026-03-03T09:00:00Z", 10800, kind="counter", id="z")
    start = rk.Event("a", "r", "2026-03-01T03:00:00Z", kind="start", id="s")
    inventory = rk.Inventory("2026-03-01T21:00:00Z", [], accounts=["a"], id="inv")
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([cpu_reading])
    rater.statement("2026-03-04T00:00:00Z")
    feeds = [rater.feed([start, inventory])] if together else [
        rater.feed([start]), rater.feed([inventory])]  # fmt: skip
    last = rater.statement("2026-03-05T00:00:00Z")
    assert sorted(_parts(feeds, "cpu")) == [-9000, 9000]
    assert sorted(_parts(feeds, "hours")) == [-27, 45]
    assert [line.meter for line in last.lines if line.meter == "cpu"] == []  # 3 March stands


def test_a_reading_fed_ahead_keeps_the_cycles_its_stretch_opened_by_an_inventory_reaches() -> None:
    # A first reading of 3600 s at 5 March 07:00 is fed ahead of the watermark. An
    # inventory of 1 March 20:00 lists the resource (it opens it: its running stretch
    # starts there, 83 h before the reading). 1 March stays kept until the reading is
    # metered, as for a reading counting from a START: 3600 x 4 / 83 = 173.49... on 1
    # March, billed there, then 24 / 83 of it on each of 2-4 March and 7 / 83 on 5 March.
    rater = rk.Rater(PLAN, [CPU], start="2026-03-01T00:00:00Z")
    reading = rk.Sample("a", "r", "cpu", "2026-03-05T07:00:00Z", 3600, kind="counter", id="z")
    inventory = rk.Inventory("2026-03-01T20:00:00Z", [("a", "r")], accounts=["a"], id="i")
    reports: list[rk.Feed | rk.Statement] = [rater.feed([reading])]
    rater.statement("2026-03-02T02:00:00Z")
    reports.append(rater.feed([inventory]))
    lines: list[rk.StatementLine] = []
    for watermark in ("2026-03-03T19:00:00Z", "2026-03-04T09:00:00Z", "2026-03-07T00:00:00Z"):
        statement = rater.statement(watermark)
        reports.append(statement)
        lines += statement.lines
    assert _parts(reports, "cpu") == []
    by_day = {line.cycle.start.day: line.quantity for line in lines}
    assert by_day[1] == Decimal("173.493975903614457831325301")  # 3600 x 4 / 83
    assert sum(by_day.values()) == 3600


def test_a_too_late_event_that_moves_nothing_names_nothing_of_the_reading() -> None:
    # START 1 March 00:00 and a first reading of 78 s at 4 March 06:00, on time: 1 s an
    # hour over 78 h, 24 / 24 / 24 / 6 on 1-4 March; 1-3 March compacted. A too-late
    # UPDATE of 2 March 06:00 with the same (empty) description moves no stretch: no cpu
    # part named, and 4 March's 6 s stand.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("a", "r1", "2026-03-01T00:00:00Z", kind="start", id="s1"),
            rk.Sample("a", "r1", "cpu", "2026-03-04T06:00:00Z", 78, kind="counter", id="c"),
        ]
    )
    rater.statement("2026-03-05T00:00:00Z")
    feed = rater.feed([rk.Event("a", "r1", "2026-03-02T06:00:00Z", kind="update", id="u")])
    assert feed.too_late == ("u",)
    assert _parts([feed], "cpu") == []
    last = rater.statement("2026-03-06T00:00:00Z")
    assert [line.meter for line in last.lines] == ["hours"]  # 5 March's 24 h, no cpu


# An inventory listing the resource (with a size: it re-describes it, or opens it; or
# as it is: it settles its history) or not (it closes it), at its slot; an update
# re-describes it.
_KINDS = ["start", "stop", "update", "listed", "present", "unlisted"]
_EVENT = st.tuples(st.sampled_from(_KINDS), st.integers(0, SLOTS - 1))


def _record(kind: str, at_us: int, number: int) -> rk.Event | rk.Inventory:
    at = rk.Span.from_us(at_us, END_US).start
    if kind == "listed":
        return rk.Inventory(at, {("a", "r"): {"size": number}}, id=f"i{number}")
    if kind == "present":
        return rk.Inventory(at, [("a", "r")], id=f"i{number}")
    if kind == "unlisted":
        return rk.Inventory(at, [], accounts=["a"], id=f"i{number}")
    size = {"size": number} if kind == "update" else {}
    return rk.Event("a", "r", at, size, kind=kind, id=f"e{number}")


# The documented limits of too-late records (docs/streaming.md, Late and too late): each
# such record's anomaly says so, and the law is checked on the other streams.
_LIMITS = {
    "cannot be placed": "an event stamped before the last one the state applied: not placed",
    "cannot be reconciled": "an inventory before the last sign of life kept: not applied",
    "may have covered": "a resource an inventory compacted since may have closed",
    "is not known here": "an event on a resource an inventory compacted since covered",
}


@settings(max_examples=max(LAWS // 5, FLOOR), deadline=None)
@given(
    events=st.lists(_EVENT, max_size=5),
    readings=st.lists(st.tuples(st.integers(1, SLOTS - 1), st.integers(1, 4)), max_size=3),
    data=st.data(),
)
def test_a_first_reading_from_zero_and_late_events_add_up_to_batch(
    events: list[tuple[str, int]],
    readings: list[tuple[int, int]],
    data: st.DataObject,
) -> None:
    # Instants every 6 h; counter values multiples of lcm(1..20): every share of an
    # increment spread over whole slots is exact, so the sums are compared exactly.
    unit = 232_792_560
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        _record(kind, T0 + at * SLOT_US, number) for number, (kind, at) in enumerate(events)
    ]
    value = 0
    for number, (at, step) in enumerate(sorted(dict(readings).items())):
        value += step * unit
        records.append(
            rk.Sample(
                "a",
                "r",
                "cpu",
                rk.Span.from_us(T0 + at * SLOT_US, END_US).start,
                value,
                kind="counter",
                id=f"c{number}",
            )
        )
    records = data.draw(st.permutations(records))
    bases: list[int] = []
    reports, lines = drawn_stream(data, records, PLAN, METERS, T0, END_US, SLOT_US, 8, bases)
    said = " ".join(a.message for report in reports for a in report.anomalies)
    for limit, why in _LIMITS.items():
        if limit in said:
            told(why)
            return
    batch = rk.rate(records, PLAN, span=rk.Span.from_us(T0, END_US), meters=METERS)
    for meter in ("cpu", "hours"):
        want = sum((Fraction(c.quantity) for c in batch.charges if c.meter == meter), Fraction(0))
        stream = sum((Fraction(x.quantity) for x in lines if x.meter == meter), Fraction(0))
        assert stream + sum(map(Fraction, _parts(reports, meter))) == want, meter
    # Every part named lies before the kept cycles of its report: from the last such
    # start on, each cycle's lines are batch's, not only their sum.
    named = [base for report, base in zip(reports, bases, strict=True) if _late(report)]
    since = max(named, default=T0)
    for meter in ("cpu", "hours"):
        assert _per_day(lines, meter, since) == _per_day(batch.charges, meter, since), meter
