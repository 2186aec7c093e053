"""A kept event that moves how a counter from zero spreads over the compacted cycles names it.

A `Counter(from_zero=True)` reading counts from the reading before it, or from zero at
the start of its running stretch (docs/usage.md, "Counters and gauges"): a STOP between
them holds it (its rise counts up to the stop), a START after a stop boots the counter
from zero. When the reading before lies in a compacted cycle, part of the increment lies
there too. A START or STOP stamped in the kept cycles, fed after that cycle was
compacted, moves that part, not only the first reading's (docs/lateness.md, "The running
stretch of a first reading from zero"): the kept cycles are corrected at the next
statement, and the move before them is named by the event's ``"too_late"`` anomaly, so
that the stream's lines plus the quantities named add up to one batch ``rate()``. So is
a part named too late before, by a reading, that the event brings back into the kept
cycles: named back, negative. Daily UTC cycles, no horizon, worked by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

DAYS = rk.cycles.daily(tz="UTC")
DATA = rk.Meter("data", "GB", rk.Counter(from_zero=True))
PLAIN = rk.Meter("data", "GB", rk.Counter())
PLAN = rk.Plan("d", "EUR", DAYS, [rk.PriceEntry("data", "data", rk.PerUnit(1))])
T0 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z").start_us
SLOT_US = 6 * 3_600_000_000  # the property's instants: every 6 hours
SLOTS = 16  # 1..4 March
DAY_US = 4 * SLOT_US
END_US = T0 + SLOTS * SLOT_US
Record = rk.Event | rk.Sample


def _at(slot: int) -> str:
    return rk.Span.from_us(T0 + slot * SLOT_US, END_US + 1).start.isoformat()


def _slot(record: Record) -> int:
    return (record.at_us - T0) // SLOT_US


def _event(kind: str, slot: int, record_id: str) -> rk.Event:
    return rk.Event("acme", "sim-1", _at(slot), kind=kind, id=record_id)  # type: ignore[arg-type]


def _reading(slot: int, value: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", "sim-1", "data", _at(slot), value, kind="counter", id=record_id)


def _stream(
    schedule: list[tuple[list[Record], int]], meter: rk.Meter, restore: bool = False
) -> tuple[list[rk.Feed | rk.Statement], list[rk.StatementLine], list[int]]:
    """Each batch fed, then a statement at its slot: what was said, the lines, the bases."""
    rater = rk.Rater(PLAN, [meter], start=_at(0), horizon=dt.timedelta(0))
    reports: list[rk.Feed | rk.Statement] = []
    lines: list[rk.StatementLine] = []
    bases: list[int] = []
    for records, slot in schedule:
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [meter])
        reports.append(rater.feed(records))
        bases.append(rater._base_us)
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [meter])
        statement = rater.statement(_at(slot))
        reports.append(statement)
        bases.append(rater._base_us)
        lines += statement.lines
    return reports, lines, bases


def _named(reports: list[rk.Feed | rk.Statement]) -> list[Decimal]:
    return [
        a.quantity
        for report in reports
        for a in report.anomalies
        if a.kind in {"late", "too_late"} and a.quantity is not None
    ]


def _per_day(lines: list[rk.StatementLine] | tuple[rk.Charge, ...]) -> dict[int, Fraction]:
    days: dict[int, Fraction] = {}
    for line in lines:
        day = line.cycle.start_us
        days[day] = days.get(day, Fraction(0)) + Fraction(line.quantity)
    return {day: quantity for day, quantity in days.items() if quantity}


def _batch(records: list[Record], meter: rk.Meter) -> dict[int, Fraction]:
    span = rk.Span.from_us(T0, END_US)
    return _per_day(rk.rate(records, PLAN, span=span, meters=[meter]).charges)


@pytest.mark.parametrize("restore", [False, True])
def test_a_late_stop_names_the_rise_it_moves_into_a_compacted_day(restore: bool) -> None:
    # Activated at 00:00 on 1 March, 4 GB at noon; 6 GB at noon on 2 March: its rise of
    # 2 GB over the 24 h from r1, 1 GB a day (1 March corrected late, 4 -> 5). 1 March
    # is compacted; then a STOP of 2 March 00:00 (kept): r2 is read while suspended, so
    # its rise counts up to the stop, all on 1 March. 2 March's 1 GB is reversed; the
    # 1 GB moved into 1 March is named: 5 + 1 - 1 + 1 = 6, batch's.
    schedule = [
        ([_event("start", 0, "s1"), _reading(2, 4, "r1")], 4),
        ([_reading(6, 6, "r2")], 8),
        ([_event("stop", 4, "p1")], 12),
    ]
    reports, lines, _ = _stream(schedule, DATA, restore)
    feed = reports[4]
    assert isinstance(feed, rk.Feed)
    assert (feed.late, feed.too_late) == (("p1",), ("p1",))
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.meter, anomaly.quantity) == ("too_late", "data", 1)
    assert anomaly.message == (
        "event 'p1' (stop of 'sim-1' at 2026-03-02T00:00:00Z) moves the running stretch "
        "that the first reading from zero of 'data' counts from: it adds 1 GB under "
        "description {} before 2026-03-02T00:00:00Z, to cycles already compacted: not "
        "applied (the rest is)."
    )
    assert [(line.role, line.cycle.start.day, line.quantity) for line in reports[5].lines] == [
        ("reversal", 2, -1)
    ]
    assert reports[5].anomalies == ()
    assert (
        sum(_per_day(lines).values()) + 1
        == 6
        == sum(_batch([r for b, _ in schedule for r in b], DATA).values())
    )


@pytest.mark.parametrize("restore", [False, True])
def test_a_too_late_start_after_a_compacted_stop_boots_the_counter(restore: bool) -> None:
    # Activated at 00:00 on 1 March reading 0 GB, suspended at 06:00; 1 and 2 March
    # compacted. A reactivation of 2 March 06:00 comes too late (placed in the compacted
    # state), then a reading of 4 GB at 06:00 on 3 March: from zero at the reactivation
    # (a boot after the stop), 1 GB each 6 h: 3 GB on 2 March, named by the reading's
    # feed, and 1 on 3 March, billed. (Not 4 GB from r1 over the 54 h, as if the SIM had
    # run since 1 March: 4/9 on 3 March.)
    schedule = [
        ([_event("start", 0, "s1"), _event("stop", 1, "p1"), _reading(0, 0, "r1")], 8),
        ([], 12),
        ([_event("start", 5, "s2")], 12),
        ([_reading(9, 4, "r2")], 12),
        ([], 16),
    ]
    reports, lines, _ = _stream(schedule, DATA, restore)
    assert _named(reports) == [3]
    assert _per_day(lines) == {T0 + 2 * DAY_US: 1}
    assert _batch([r for b, _ in schedule for r in b], DATA) == {T0 + DAY_US: 3, T0 + 2 * DAY_US: 1}


def test_a_late_stop_moves_nothing_of_a_plain_counter() -> None:
    # `Counter()` spreads each rise over the time between its readings, running or not:
    # the late STOP of the first example changes no line, and names nothing. r2's 2 GB
    # over the 24 h from r1: 1 GB on 1 March (corrected late, said so), 1 on 2 March.
    schedule = [
        ([_event("start", 0, "s1"), _reading(2, 4, "r1")], 4),
        ([_reading(6, 6, "r2")], 8),
        ([_event("stop", 4, "p1")], 12),
    ]
    reports, lines, _ = _stream(schedule, PLAIN)
    assert _named(reports) == []
    assert [a.kind for a in reports[4].anomalies] == []
    assert reports[5].lines == ()
    assert _per_day(lines) == {T0: 1, T0 + DAY_US: 1}
    assert _batch([r for b, _ in schedule for r in b], PLAIN) == _per_day(lines)


# Counter values are multiples of lcm(1..16): every share of an increment spread over
# whole 6-hour slots is exact, so the sums are compared exactly.
UNIT = 720_720
# The documented limits of too-late records (docs/lateness.md, "Records stamped in
# compacted cycles"): each says so in its anomaly, and the law holds on the others.
_LIMITS = ("cannot be placed",)


@st.composite
def _streams(draw: st.DrawFn) -> tuple[list[Record], list[tuple[list[Record], int]]]:
    """A SIM's STARTs, STOPs and readings, fed in a drawn order with statements between."""
    # Mostly activated at the start, then suspended and reactivated at drawn instants.
    first = draw(st.sampled_from([[("start", 0)], [("start", 0)], []]))
    kinds = st.sampled_from(["start", "stop"])
    events = first + draw(st.lists(st.tuples(kinds, st.integers(0, 15)), max_size=3))
    readings = draw(st.dictionaries(st.integers(1, 15), st.integers(0, 4), min_size=1, max_size=4))
    records: list[Record] = [_event(kind, slot, f"e{n}") for n, (kind, slot) in enumerate(events)]
    records += [
        _reading(slot, value * UNIT, f"r{slot}") for slot, value in sorted(readings.items())
    ]
    # Each arrives a drawn number of slots after its instant (up to 2.5 days), in that
    # order (of those arriving together, in a drawn one); a statement follows each batch
    # at about the batch's arrival.
    records = draw(st.permutations(records))
    delays = draw(st.lists(st.integers(0, 10), min_size=len(records), max_size=len(records)))
    arrivals = sorted(
        zip(
            (_slot(r) + delay for r, delay in zip(records, delays, strict=True)),
            range(len(records)),
            records,
            strict=True,
        )
    )
    schedule: list[tuple[list[Record], int]] = []
    watermark, position = 0, 0
    while position < len(arrivals):
        size = draw(st.integers(1, 3))
        batch = arrivals[position : position + size]
        arrived = batch[-1][0] - draw(st.integers(0, 2))
        watermark = min(SLOTS, max(watermark, arrived))
        schedule.append(([record for _, _, record in batch], watermark))
        position += size
    schedule.append(([], SLOTS))
    return records, schedule


@pytest.mark.property
@settings(max_examples=max(LAWS // 5, 20), deadline=None)
@given(_streams(), st.booleans(), st.booleans())
def test_the_stream_and_the_parts_it_names_add_up_to_batch_per_day(
    stream: tuple[list[Record], list[tuple[list[Record], int]]], plain: bool, restore: bool
) -> None:
    records, schedule = stream
    meter = PLAIN if plain else DATA
    reports, lines, bases = _stream(schedule, meter, restore)
    said = " ".join(a.message for report in reports for a in report.anomalies)
    if any(limit in said for limit in _LIMITS):
        return
    want = _batch(records, meter)
    got = _per_day(lines)
    assert sum(got.values()) + sum(map(Fraction, _named(reports))) == sum(want.values())
    # Every part named lies before the kept cycles of its report (a move among those
    # cycles that adds up to nothing is said, with no part): from the last such start
    # on, each day's lines are batch's, not only their sum.
    said_late = [
        base
        for report, base in zip(reports, bases, strict=True)
        if any(a.kind in {"late", "too_late"} for a in report.anomalies)
    ]
    since = max(said_late, default=T0)
    assert {d: q for d, q in got.items() if d >= since} == {
        d: q for d, q in want.items() if d >= since
    }
