"""A restored rater says what one never restored says of last_seen closings moved late.

A ``last_seen`` inventory closes a resource it does not list at its last sign of life;
a record fed later may move that closing (a STOP, an UPDATE, a reading of the resource),
out of the compacted cycles or within the kept ones, and another may come too late to be
placed in the compacted state (stamped at or before the last event it keeps). A rater
restored from its snapshot meters every resource again from the compacted state at its
next statement; the one never restored continues from the state at its last watermark.
Both must say the same, word for word: the lines, and the anomalies.

Known before (docs/streaming.md, Known faults), now fixed: a rater restored after a
``last_seen`` closing of a resource that a kept record moved out of the compacted
cycles named a ``"late"`` change of no quantity that the rater never restored did not.
Metered again from the compacted state (the resource stopped, or deleted by the moved
closing, the inventory kept), the inventory's closing back before the state's clock
reads as a late change of no quantity; the rater said it once, with the inventory (and
the record that moved the closing). Metering named with the inventory every event of
the resource it was given, one stamped after the inventory too (an UPDATE or a START
ignored after the delete), which changes nothing of that closing: named by a record
not named before, the change read as new. Metering now names such an event only when
it is stamped at or before the inventory that closes the resource (a sign of life that
may move the closing). The property draws such closings, with records that come too
late to be placed in the compacted state (as the known fault's stream had), and other
meters' readings as signs of life.

Worked by hand in the comments (daily UTC cycles, 0.10 EUR an hour, 0.0001 EUR an
MB*hour, 0.01 EUR a user of the time-weighted mean, 0.001 EUR a byte).
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import random
import typing
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._lines_named import lines_and_named

import ratekit as rk
from ratekit._instants import format_us, to_us

HOURS = rk.Meter("runtime", "hour", rk.OnOff())
MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb"))
USERS = rk.Meter("users", "user", rk.TimeWeightedMean())
RX = rk.Meter("rx", "B", rk.Counter(from_zero=True))
METERS = [HOURS, MEMORY, USERS, RX]
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("vm", "runtime", rk.PerUnit("0.10")),
        rk.PriceEntry("mem", "memory", rk.PerUnit("0.0001")),
        rk.PriceEntry("users", "users", rk.PerUnit("0.01")),
        rk.PriceEntry("rx", "rx", rk.PerUnit("0.001")),
    ],
)
Record = rk.Event | rk.Sample | rk.Inventory
Report = rk.Feed | rk.Statement
Op = tuple[
    str, typing.Any
]  # ("feed", [record, ...]) | ("statement", watermark) | ("restore", None)

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
T0 = to_us("2026-03-01T00:00:00Z")


def _run(ops: list[Op], horizon_us: int, *, restore: bool) -> list[Report]:
    """What each feed and statement gives; with ``restore``, restored after every call.

    Through JSON after the odd calls, through a pickle after the even ones; a
    ``("restore", None)`` restores there (through JSON) when ``restore`` is true.
    """
    rater = rk.Rater(
        PLAN, METERS, start=format_us(T0), horizon=dt.timedelta(microseconds=horizon_us)
    )
    out: list[Report] = []
    for step, (kind, value) in enumerate(ops):
        if kind == "feed":
            out.append(rater.feed(value))
        elif kind == "statement":
            out.append(rater.statement(format_us(value)))
        if not restore:
            continue
        if kind == "restore" or step % 2:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
        else:
            rater = pickle.loads(pickle.dumps(rater))
        rater._check()
    return out


def _said(reports: list[Report]) -> list[tuple[str, str | None, str | None, Decimal | None]]:
    return [(a.kind, a.resource, a.meter, a.quantity) for r in reports for a in r.anomalies]


def _one_by_one(
    first: list[Record], then: list[tuple[Record, str]], horizon_hours: int, *, restored: bool
) -> list[Report]:
    """``first`` fed, then each record of ``then`` alone and stated at its watermark.

    With ``restored``, the rater is restored (through JSON) before the last statement,
    which is at 6 March.
    """
    ops: list[Op] = [("feed", first)]
    for record, watermark in then:
        ops += [("feed", [record]), ("statement", to_us(watermark))]
    ops += [("restore", None), ("statement", to_us("2026-03-06T00:00:00Z"))]
    horizon = horizon_hours * HOUR_US
    plain = _run([op for op in ops if op[0] != "restore"], horizon, restore=False)
    if not restored:
        return plain
    out: list[Report] = []
    rater = rk.Rater(PLAN, METERS, start=format_us(T0), horizon=dt.timedelta(microseconds=horizon))
    for kind, value in ops:
        if kind == "feed":
            out.append(rater.feed(value))
        elif kind == "statement":
            out.append(rater.statement(format_us(value)))
        else:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    return out


def test_a_stopped_vm_closed_back_says_nothing_more_once_restored_with_a_gauge() -> None:
    # inv, a last_seen inventory of 4 March 09:00 that lists nothing, is fed first
    # (horizon 3 h). s starts vm (512 MB) on 2 March 09:30 with a gauge reading of 4
    # users (g, 2 March 10:00); stated at 4 March 20:00: 1 and 2 March are compacted,
    # and inv closes vm at g, its last sign of life (0.5 h, 2 March). x stops vm on 3
    # March 06:00, stated at 4 March 22:00: x moves inv's closing from g to x, the part
    # from 10:00 to midnight of 2 March (14 h, 7,168 MB*h) "too_late", 6 h of 3 March
    # billed (0.60 EUR). u updates vm (2048 MB) on 4 March 10:00, after inv: on a VM
    # closed at x it changes nothing. Stated at 5 March 23:00 (3 March compacted). vm ran
    # 09:30 2 March to 06:00 3 March: 14.5 + 6 = 20.5 h, as batch; 0.5 + 6 billed and 14
    # named. Restored, the rater meters vm again from the compacted state of 4 March (vm
    # stopped since x, inv kept): inv closes it back at x, a late change of no quantity.
    # It named it ("late records of 'vm' ... change no quantity", u and inv); the rater
    # never restored names nothing, and now neither does the one restored.
    closing = rk.Inventory("2026-03-04T09:00:00Z", [], close="last_seen", id="inv")
    start = rk.Event("b", "vm", "2026-03-02T09:30:00Z", {"memory_mb": 512}, kind="start", id="s")
    gauge = rk.Sample("b", "vm", "users", "2026-03-02T10:00:00Z", 4, kind="gauge", id="g")
    stop = rk.Event("b", "vm", "2026-03-03T06:00:00Z", kind="stop", id="x")
    update = rk.Event("b", "vm", "2026-03-04T10:00:00Z", {"memory_mb": 2048}, kind="update", id="u")
    then = [
        (start, "2026-03-04T20:00:00Z"),
        (gauge, "2026-03-04T20:00:00Z"),
        (stop, "2026-03-04T22:00:00Z"),
        (update, "2026-03-05T23:00:00Z"),
    ]
    never = _one_by_one([closing], then, 3, restored=False)
    again = _one_by_one([closing], then, 3, restored=True)
    assert again[-1].anomalies == never[-1].anomalies == ()
    assert again == never
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z")
    records = [closing, start, gauge, stop, update]
    batch = rk.rate(records, PLAN, span=span, meters=METERS)
    hours = sum((c.quantity for c in batch.charges if c.meter == "runtime"), Decimal(0))
    assert hours == Decimal("20.5") == lines_and_named(never, "runtime")
    # 512 MB from 09:30 2 March to 06:00 3 March: 20.5 x 512 = 10,496 MB*h.
    assert lines_and_named(never, "memory") == 10496


def test_a_vm_with_a_first_reading_from_zero_stopped_and_closed_back_once_restored() -> None:
    # The same kind with a Counter(from_zero=True), no horizon: inv (last_seen, 4 March
    # 12:00, of account c, listing nothing) fed first. s starts vm on 2 March 14:00,
    # stated at 4 March 13:00 (1 and 2 March compacted): inv closes vm at s (0 h). r, a
    # first reading of 300 B on 2 March 20:00, too late, is a sign of life: the closing
    # moves to 20:00, its 6 h "too_late", and so are its 300 B, counted from zero from
    # 14:00, all of them in 2 March. x stops vm on 3 March 05:00, stated at 4 March
    # 14:00: the closing moves from 20:00 into the kept cycles, 4 h of 2 March "too_late"
    # and 5 h of 3 March billed. u updates vm on 4 March 13:30, after inv: nothing. Stated
    # at 5 March 13:00 (3 March compacted), restored, and stated at 6 March: the
    # compacted state has vm stopped at x, and inv, kept, closes it back there, a late
    # change of no quantity that only the rater restored named. Batch: 14:00 to 05:00,
    # 15 h = 6 + 4 + 5; 300 B.
    closing = rk.Inventory("2026-03-04T12:00:00Z", [], close="last_seen", accounts=["c"], id="inv")
    start = rk.Event("c", "vm", "2026-03-02T14:00:00Z", kind="start", id="s")
    reading = rk.Sample("c", "vm", "rx", "2026-03-02T20:00:00Z", 300, kind="counter", id="r")
    stop = rk.Event("c", "vm", "2026-03-03T05:00:00Z", kind="stop", id="x")
    update = rk.Event("c", "vm", "2026-03-04T13:30:00Z", {"memory_mb": 64}, kind="update", id="u")
    then = [
        (start, "2026-03-04T13:00:00Z"),
        (reading, "2026-03-04T13:00:00Z"),
        (stop, "2026-03-04T14:00:00Z"),
        (update, "2026-03-05T13:00:00Z"),
    ]
    never = _one_by_one([closing], then, 0, restored=False)
    again = _one_by_one([closing], then, 0, restored=True)
    assert again[-1].anomalies == never[-1].anomalies == ()
    assert again == never
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z")
    batch = rk.rate([closing, start, reading, stop, update], PLAN, span=span, meters=METERS)
    for meter, total in (("runtime", Decimal(15)), ("rx", Decimal(300))):
        assert sum((c.quantity for c in batch.charges if c.meter == meter), Decimal(0)) == total
        assert lines_and_named(never, meter) == total, meter


def test_a_closing_moved_by_a_kept_record_with_another_not_placed_says_the_same() -> None:
    # inv, a last_seen inventory of 5 March 11:30 that lists nothing, is fed first (no
    # horizon). s starts vm (1024 MB) on 3 March 07:30, stated at 5 March 16:30: 3 March
    # is compacted, and inv closes vm at s (0 h). m, an UPDATE without an id (512 MB) on
    # 4 March 02:00, kept, moves the closing out of the compacted cycles: 07:30 to
    # midnight, 16.5 h (16,896 MB*h at 1024 MB) "too_late", and 2 h of 4 March billed
    # (2,048 MB*h), stated at 18:30. x, a STOP without an id of 2 March 21:30, comes too
    # late to be placed (before s, the last event the compacted state applied): its
    # anomaly says so. r, a START of 5 March 19:30, after inv, is ignored (vm deleted at
    # m). Stated at 6 March 04:00 (4 March compacted), then at 7 March. Batch: 07:30 to
    # 02:00, 18.5 h = 16.5 + 2, and 18,944 MB*h. A rater restored at any call before the
    # statement of 6 March 04:00 met inv's closing back at m, before its clock, as a
    # late change of no quantity, and named r with inv for it: said before with inv
    # alone, it read as new, where the rater never restored named nothing (r, stamped
    # after inv, changes nothing of its closing).
    closing = rk.Inventory("2026-03-05T11:30:00Z", [], close="last_seen", id="inv")
    start = rk.Event("a", "vm", "2026-03-03T07:30:00Z", {"memory_mb": 1024}, kind="start", id="s")
    update = rk.Event("a", "vm", "2026-03-04T02:00:00Z", {"memory_mb": 512}, kind="update")
    stop = rk.Event("a", "vm", "2026-03-02T21:30:00Z", kind="stop")
    again = rk.Event("a", "vm", "2026-03-05T19:30:00Z", {"memory_mb": 1024}, kind="start", id="r")
    ops: list[Op] = [
        ("feed", [closing]),
        ("feed", [start]),
        ("statement", to_us("2026-03-05T16:30:00Z")),
        ("feed", [update]),
        ("statement", to_us("2026-03-05T18:30:00Z")),
        ("feed", [stop]),
        ("feed", [again]),
        ("statement", to_us("2026-03-06T04:00:00Z")),
        ("statement", to_us("2026-03-07T00:00:00Z")),
    ]
    plain = _run(ops, 0, restore=False)
    restored = _run(ops, 0, restore=True)
    assert restored == plain
    assert [a.quantity for a in plain[5].anomalies] == [None]  # x, not placed
    assert [(a.kind, a.record_ids) for a in plain[7].anomalies] == [("after_delete", ("r", "inv"))]
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-07T00:00:00Z")
    records = [closing, start, update, stop, again]
    batch = rk.rate(records, PLAN, span=span, meters=METERS)
    for meter, total in (("runtime", Decimal("18.5")), ("memory", Decimal(18944))):
        assert sum((c.quantity for c in batch.charges if c.meter == meter), Decimal(0)) == total
        assert lines_and_named(plain, meter) == total, meter


def _moved(seed: int) -> tuple[list[Record], list[Op], int]:
    """A closing moved by a kept record once its cycle is compacted, drawn around one VM.

    A ``last_seen`` inventory (of everything or of the VM's account, some without an id)
    fed first lists nothing on day 3 or 4; the VM starts a day or two before (``s``),
    stated once the start's cycle is compacted, so that the inventory closes it at the
    start; then a sign of life in the kept cycles (a STOP, an UPDATE, a gauge reading
    or a counter reading from zero, ``x``) moves the closing out of the compacted cycles;
    then a record after the inventory (an UPDATE, a START, a STOP, a reading, ``u``), and
    now and then a record of the VM that comes too late to be placed (an event stamped
    before the start) or a second VM's START. Statements follow each feed, at drawn
    hours, one of them compacting the cycle of ``x`` while the inventory is kept.
    """
    rng = random.Random(seed)
    numbers = iter(range(10**6))

    def new_id() -> str | None:
        return None if rng.random() < 0.1 else f"r{next(numbers)}"

    def at(day: int, low: int = 0, high: int = 24) -> str:
        return format_us(T0 + day * DAY_US + rng.randrange(low * 4, high * 4) * HOUR_US // 4)

    account = rng.choice(("a", "b"))
    scope = rng.choice((None, [account]))
    day = rng.choice((3, 4))
    closing = rk.Inventory(at(day, 1, 12), [], close="last_seen", accounts=scope, id=new_id())
    start_day = day - rng.choice((1, 2))
    size = {"memory_mb": rng.choice((256, 1024))}
    start = rk.Event(account, "vm", at(start_day - 1, 0, 24), size, kind="start", id=new_id())
    sign_at = at(start_day, 0, 20)
    sign: Record = rng.choice(
        (
            rk.Event(account, "vm", sign_at, kind="stop", id=new_id()),
            rk.Event(account, "vm", sign_at, kind="stop", id=new_id()),
            rk.Event(account, "vm", sign_at, {"memory_mb": 512}, kind="update", id=new_id()),
            rk.Sample(account, "vm", "users", sign_at, rng.randrange(1, 9), kind="gauge", id=new_id()),
            rk.Sample(account, "vm", "rx", sign_at, rng.randrange(1, 900), kind="counter", id=new_id()),
        )
    )  # fmt: skip
    after_at = format_us(closing.at_us + rng.randrange(1, 40) * HOUR_US // 4)
    after: Record = rng.choice(
        (
            rk.Event(account, "vm", after_at, {"memory_mb": 2048}, kind="update", id=new_id()),
            rk.Event(account, "vm", after_at, size, kind="start", id=new_id()),
            rk.Event(account, "vm", after_at, kind="stop", id=new_id()),
            rk.Sample(account, "vm", "users", after_at, 3, kind="gauge", id=new_id()),
        )
    )  # fmt: skip
    horizon = rng.choice((0, 3)) * HOUR_US
    first = closing.at_us
    ops: list[Op] = [("feed", [closing]), ("feed", [start])]
    # The start's cycle compacted: the watermark past the next day's end plus the horizon.
    as_of = max(first, T0 + (start_day + 1) * DAY_US + horizon) + rng.randrange(0, 12) * HOUR_US
    ops.append(("statement", as_of))
    ops.append(("feed", [sign]))
    as_of += rng.randrange(0, 8) * HOUR_US // 2
    ops.append(("statement", as_of))
    if rng.random() < 0.4:  # a record too late to be placed: before the start
        early = format_us(start.at_us - rng.randrange(1, 12) * HOUR_US)
        kind = rng.choice(("stop", "update", "delete"))
        ops.append(("feed", [rk.Event(account, "vm", early, kind=kind, id=new_id())]))
        if rng.random() < 0.5:
            ops.append(("statement", as_of))
    if rng.random() < 0.3:  # another VM of the account
        other = rk.Event(account, "vm2", at(start_day, 0, 24), kind="start", id=new_id())
        ops.append(("feed", [other]))
    ops.append(("feed", [after]))
    # The sign's cycle compacted, the inventory's kept.
    as_of = max(as_of, T0 + (start_day + 2) * DAY_US + horizon + rng.randrange(0, 20) * HOUR_US)
    ops.append(("statement", as_of))
    if rng.random() < 0.5:
        as_of += rng.randrange(1, 8) * HOUR_US
        ops.append(("statement", as_of))
    ops.append(("statement", max(as_of, T0 + 6 * DAY_US)))
    records = [r for kind, value in ops if kind == "feed" for r in value]
    return records, ops, horizon


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(seed=st.integers(0, 2**32))
def test_a_moved_closing_restored_at_every_call_says_what_one_never_restored_says(
    seed: int,
) -> None:
    # Oracles: the rater never restored, and one batch rate() of every record. Restored
    # after every feed and statement (through JSON and pickle in turn), every feed and
    # statement is equal, anomalies included, word for word; the stream's lines plus the
    # quantities its anomalies name come to batch's hours and MB*hours, but for a
    # resource whose too-late record is in doubt (not placed: its anomaly names no
    # quantity, or may have been closed by an inventory compacted since).
    records, ops, horizon_us = _moved(seed)
    plain = _run(ops, horizon_us, restore=False)
    restored = _run(ops, horizon_us, restore=True)
    for step, (never, again) in enumerate(zip(plain, restored, strict=True)):
        assert _said([never]) == _said([again]), (step, ops[step])
        assert never.anomalies == again.anomalies, (step, ops[step])
        assert never == again, (step, ops[step])
    doubts = {
        a.resource
        for r in plain
        for a in r.anomalies
        if a.kind == "too_late" and (a.quantity is None or "may have covered" in a.message)
    }
    # From the day before T0: a record stamped before the rater's start is too late, its
    # part there named (as a sample's quantity there is), where batch over that day bills
    # it (seed 100117: an UPDATE of 28 February 23:45 opens the VM, 0.25 h named).
    span = rk.Span(format_us(T0 - DAY_US), format_us(max(T0 + 6 * DAY_US, ops[-1][1])))
    rating = rk.rate(records, PLAN, span=span, meters=METERS)
    for resource in {r.resource for r in records if isinstance(r, rk.Event)} - doubts:
        for meter in ("runtime", "memory"):
            batch = sum(
                (c.quantity for c in rating.charges if (c.resource, c.meter) == (resource, meter)),
                Decimal(0),
            )
            assert lines_and_named(plain, meter, resource) == batch, (resource, meter)
