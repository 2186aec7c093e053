"""A reconciler's stream: periodic inventories, events for most changes, deletes lost.

The shape of the Exoscale reconciler: an inventory every so often lists what truly runs
(some with ``close="snapshot"``, others ``close="last_seen"``; some scoped to one account
or to a description, some stamped at the instant of another), events say most changes,
some deletes and creates are never told. Every record is fed before the watermark passes
it, in random batches, with statements and restores at random. The statements' lines
then add up, per account, cycle and line, to one batch ``rk.rate()`` of the records, or
differ by exactly the hours that ``"too_late"`` anomalies name: the part of a
``last_seen`` closing in cycles already compacted (never silent).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import typing
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk
from ratekit._instants import format_us, to_us

Record = rk.Event | rk.Sample | rk.Inventory
MINUTE_US = 60_000_000
HOUR_US = 60 * MINUTE_US
T0 = to_us("2026-03-01T00:00:00Z")
METERS = [rk.Meter("vm", "hour", rk.OnOff()), rk.Meter("mem", "GB*hour", rk.Continuous(("gb",)))]


def plan(hours: int) -> rk.Plan:
    """Cycles of ``hours``; the first 3 VM hours of a cycle at 1, the rest at 0.5; a fee."""
    return rk.Plan(
        "p",
        "EUR",
        rk.cycles.every(dt.timedelta(hours=hours), anchor=format_us(T0)),
        [
            rk.PriceEntry("vm", "vm", rk.Graduated([rk.Tier(3, "1"), rk.Tier(None, "0.5")])),
            rk.PriceEntry("mem", "mem", rk.PerUnit("0.1")),
        ],
        fees=[rk.Fee("f", "0.3")],
    )


TWO_HOURS = plan(2)
HOURLY = plan(1)


def _at(text: str) -> str:
    return f"2026-03-01T{text}:00Z"


def test_the_minimal_reconciler_stream_bills_as_batch() -> None:
    # 2-hour cycles, 2.5 h of horizon. a5 starts at 00:58 with 4 GB; a scoped inventory
    # at 04:40 lists it (a sign of life); a last_seen inventory at 08:10, fed after the
    # 00:00 and 02:00 cycles were compacted, does not list it: it closes at 04:40, in the
    # kept cycles, where batch closes it too, and nothing is too late.
    rater = rk.Rater(TWO_HOURS, METERS, start=_at("00:00"), horizon=dt.timedelta(hours=2.5))
    records: list[Record] = [rk.Event("a", "a5", _at("00:58"), {"gb": 4}, kind="start", id="e8")]
    rater.feed(records)
    statements = [rater.statement(_at("03:50"))]
    records.append(
        rk.Inventory(_at("04:40"), [("a", "a5")], close="snapshot", accounts=["a"], id="i26")
    )
    rater.feed(records[-1:])
    statements += [rater.statement(_at("05:10")), rater.statement(_at("07:00"))]
    records.append(rk.Inventory(_at("08:10"), [("b", "b1")], close="last_seen", id="i39"))
    feed = rater.feed(records[-1:])
    statements += [rater.statement(_at("09:50")), rater.statement(_at("14:00"))]
    assert feed.too_late == ()
    said = [a for s in statements for a in s.anomalies if a.kind != "reconciled_open"]
    assert [(a.kind, a.resource, a.at) for a in said] == [
        ("reconciled_close", "a5", dt.datetime(2026, 3, 1, 4, 40, tzinfo=dt.UTC))
    ]
    invoices = {
        (i.account, f"{i.cycle.start:%H:%M}"): i.total for s in statements for i in s.invoices
    }
    # a, 00:00: 62 min = 1.0333 h at 1 -> 1.03; 4 GB x 1.0333 h = 4.1333 GB*h at 0.1 ->
    #   0.41; fee 0.30: 1.03 + 0.41 + 0.30 = 1.74 (an invoice adds its printed lines).
    # a, 02:00: 2 h -> 2.00; 8 GB*h -> 0.80; fee 0.30: 3.10.
    # a, 04:00: 04:00 to 04:40 = 0.6667 h -> 0.67; 2.6667 GB*h -> 0.27; fee 0.30: 1.24.
    # a, 06:00 and 08:00: the fee alone, 0.30 (a covered from its first record on).
    # b, 08:00: b1 opened at 08:10, 1.8333 h -> 1.83; fee 0.30: 2.13.
    assert invoices == {
        ("a", "00:00"): Decimal("1.74"),
        ("a", "02:00"): Decimal("3.10"),
        ("a", "04:00"): Decimal("1.24"),
        ("a", "06:00"): Decimal("0.30"),
        ("a", "08:00"): Decimal("0.30"),
        ("b", "08:00"): Decimal("2.13"),
    }
    span = rk.Span(_at("00:00"), _at("14:00"))
    batch = rk.rate(records, TWO_HOURS, span=span, meters=METERS, as_of=span.end)
    lines = [line for s in statements for line in s.lines]
    assert _sums(lines) == _sums(batch.charges)
    assert {
        (i.account, f"{i.cycle.start:%H:%M}"): i.total for i in rk.bill(batch)
    }.items() >= invoices.items()


def test_inventories_at_one_instant_say_a_closing_into_compacted_cycles_once() -> None:
    # Hourly cycles, no horizon: r runs from 00:30; at 04:30 the cycles before 03:00 are
    # compacted. Two last_seen inventories at 05:00 leave it out, one scoped to its
    # account (i1), one of everything (i2): metering applies them in the order of their
    # ids, so i1 closes it at 00:30, its last sign of life. The part from 00:30 to 03:00,
    # 2.5 hours, stays billed, and i1 says so (before, each left it to the other: nothing
    # was said).
    events = [rk.Event("a", "r", _at("00:30"), {"gb": 1}, kind="start", id="e")]
    scoped = rk.Inventory(_at("05:00"), [], accounts=["a"], close="last_seen", id="i1")
    whole = rk.Inventory(_at("05:00"), [("b", "x")], close="last_seen", id="i2")
    rater = rk.Rater(HOURLY, METERS, start=_at("00:00"))
    rater.feed(events)
    lines = list(rater.statement(_at("04:30")).lines)
    feed = rater.feed([whole, scoped])
    statements = [rater.statement(_at("06:00")), rater.statement(_at("09:00"))]
    lines += [line for s in statements for line in s.lines]
    said = [a for s in (feed, *statements) for a in s.anomalies if a.kind == "too_late"]
    # One per meter (in the order anomalies are given): 2.5 h at 1 GB of mem, 2.5 h of
    # vm, taken back (negative).
    assert [(a.record_ids, a.account, a.resource, a.at, a.meter, a.quantity) for a in said] == [
        (("i1",), "a", "r", dt.datetime(2026, 3, 1, 0, 30, tzinfo=dt.UTC), "mem", Decimal("-2.5")),
        (("i1",), "a", "r", dt.datetime(2026, 3, 1, 0, 30, tzinfo=dt.UTC), "vm", Decimal("-2.5")),
    ]
    assert said[1].message == (
        "inventory 'i1' at 2026-03-01T05:00:00Z (close='last_seen') closes 'r' of 'a', "
        "running since 2026-03-01T00:30:00Z (its last sign of life), before every cycle the "
        "rater keeps: the part from 2026-03-01T00:30:00Z to 2026-03-01T03:00:00Z (2.5 hours "
        "running) belonged to cycles already compacted and stays billed ('vm': -2.5 hour under "
        "description {'gb': 1}): not applied (the part from then on is)."
    )
    assert "stays billed ('mem': -2.5 GB*hour under description {'gb': 1}): not" in (
        said[0].message
    )
    span = rk.Span(_at("00:00"), _at("09:00"))
    batch = rk.rate([*events, scoped, whole], HOURLY, span=span, meters=METERS)
    runtime = [line.quantity for line in lines if line.resource == "r" and line.meter == "vm"]
    assert sum(runtime) == Decimal("2.5")  # batch: 0 (closed at 00:30, where it started)
    # 2.5 h of r at 1 (the first tier of each hourly cycle), 2.5 GB*h at 0.1 = 0.25: the
    # stream bills a 2.75 more than batch (the fees alike: a's own event covers it from
    # 00:00 in both).
    billed = sum(line.amount for line in lines if line.account == "a")
    assert billed - batch.total("a") == Decimal("2.75")


def test_a_late_inventory_closing_first_says_only_what_the_compacted_cycles_billed_more() -> None:
    # Hourly cycles, 2 h of horizon. r runs from 00:30, its delete lost. A last_seen
    # inventory of everything at 06:00 (i2), metered at 06:30, closes it at 00:30 while
    # the kept cycles start at 01:00: the 0.5 h from 00:30 to 01:00 stays billed, said.
    # Then i1, stamped 05:00 and fed after the watermark passed it (late), closes r first,
    # at 00:30 as well: the cycles compacted since (01:00 to 03:00) were billed with r
    # closed, and nothing more is said (before: 00:30 to 03:00 again, 2.5 h that the
    # stream never billed beyond batch).
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.every(dt.timedelta(hours=1), anchor=_at("00:00")),
        [rk.PriceEntry("vm", "vm", rk.PerUnit(1))],
    )
    start = rk.Event("a", "r", _at("00:30"), kind="start", id="e")
    first = rk.Inventory(_at("05:00"), [], close="last_seen", id="i1")
    second = rk.Inventory(_at("06:00"), [], close="last_seen", id="i2")
    rater = rk.Rater(plan, METERS, start=_at("00:00"), horizon=dt.timedelta(hours=2))
    rater.feed([start])
    lines = list(rater.statement(_at("04:30")).lines)
    said = []
    for batch, watermark in (([second], "06:30"), ([first], "07:30"), ([], "12:00")):
        feed = rater.feed(batch)
        statement = rater.statement(_at(watermark))
        lines += statement.lines
        said += [a for a in (*feed.anomalies, *statement.anomalies) if a.kind == "too_late"]
    assert [(a.record_ids, a.resource) for a in said] == [(("i2",), "r")]
    assert "the part from 2026-03-01T00:30:00Z to 2026-03-01T01:00:00Z (0.5 hours" in (
        said[0].message
    )
    span = rk.Span(_at("00:00"), _at("12:00"))
    batch = rk.rate([start, first, second], plan, span=span, meters=METERS)
    assert batch.total("a") == 0
    assert sum(line.amount for line in lines) == Decimal("0.5")  # 00:30 to 01:00 at 1


def test_an_account_whose_compacted_resource_never_ran_owes_no_fee() -> None:
    # Hourly cycles, 2.5 h of horizon. b1 is known from a listing alone (i1 at 03:00);
    # a last_seen inventory at 04:00 does not list it: closed at 03:00, its last sign of
    # life, where it was opened: b never used anything, and batch bills b nothing. Its
    # state is compacted with the 03:00 cycle; it does not cover b from the kept cycles'
    # start (before, b owed the 0.30 fee of every kept cycle from then on).
    opened = rk.Inventory(_at("03:00"), [("b", "b1")], accounts=["b"], id="i1")
    gone = rk.Inventory(_at("04:00"), [], accounts=["b"], close="last_seen", id="i2")
    rater = rk.Rater(HOURLY, METERS, start=_at("00:00"), horizon=dt.timedelta(hours=2.5))
    rater.feed([opened])
    lines = list(rater.statement(_at("03:30")).lines)  # b1 runs: 0.5 h, the fee from 03:00
    rater.feed([gone])
    lines += rater.statement(_at("04:30")).lines  # taken back: reversals
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), HOURLY, METERS)
    later = []
    for watermark in ("07:00", "09:00", "12:00"):
        later += rater.statement(_at(watermark)).lines
        rater._check()
    assert rater.snapshot()["body"]["uncovered"] == ["b"]
    assert [line for line in later if line.account == "b"] == []
    assert _sums([*lines, *later]) == {}
    span = rk.Span(_at("00:00"), _at("12:00"))
    assert rk.rate([opened, gone], HOURLY, span=span, meters=METERS).charges == ()
    # A record of b's own covers it from its cycle on, as in batch: an orphan stop at
    # 10:15 (nothing to stop: no usage) makes the fee due at 10:00, 11:00 and 12:00.
    stop = rk.Event("b", "b2", _at("10:15"), kind="stop", id="x1")
    rater.feed([stop])
    fees = [line for line in rater.statement(_at("13:00")).lines if line.account == "b"]
    assert [(f"{f.cycle.start:%H:%M}", f.amount) for f in fees] == [
        ("10:00", Decimal("0.3")),
        ("11:00", Decimal("0.3")),
        ("12:00", Decimal("0.3")),
    ]
    span = rk.Span(_at("00:00"), _at("13:00"))
    assert rk.rate([opened, gone, stop], HOURLY, span=span, meters=METERS).total("b") == (
        Decimal("0.9")
    )


# -- the law over random reconciler streams -----------------------------------------------

_NAMED = re.compile(r"(?:closes|of) '([^']+)' of '([^']+)'(?:, (?:running|stopped) since| moves)")
_PART = re.compile(
    r"the part from (\S+) to (\S+) \(\S+ hours (running|stopped)\) belonged to cycles already "
    r"compacted and stays (billed|unbilled)"
)


def reconciler(rng: random.Random, hours: int, ties: bool) -> list[Record]:
    """A reconciler's records over ``hours``: inventories of what runs, most changes told."""
    truth: dict[tuple[str, str], int] = {}
    records: list[Record] = []
    number = 0
    t = T0
    while t < T0 + hours * HOUR_US:
        for _ in range(rng.randint(0, 2)):
            number += 1
            key = (account := rng.choice("ab"), f"{account}{rng.randint(1, 3)}")
            at = format_us(t + rng.randrange(0, 20 * MINUTE_US, MINUTE_US))
            if key in truth and rng.random() < 0.5:
                del truth[key]
                if rng.random() < 0.7:  # else the delete is lost
                    kind = rng.choice(("delete", "stop"))
                    records.append(rk.Event(*key, at, kind=kind, id=f"e{number}"))
            else:
                truth[key] = rng.choice((1, 2, 4))
                if rng.random() < 0.8:  # else the create is never told
                    gb = truth[key] if rng.random() < 0.9 else 8
                    records.append(rk.Event(*key, at, {"gb": gb}, kind="start", id=f"e{number}"))
        t += rng.choice((20, 40, 90, 200)) * MINUTE_US
        for tie in range(2 if ties and rng.random() < 0.3 else 1):
            number += 1
            scope = rng.choice((None, None, "a", "b", "gb"))
            size = rng.choice((1, 2, 4))
            listed = {
                key: {"gb": gb}
                for key, gb in truth.items()
                if scope in (None, key[0]) or (scope == "gb" and gb == size)
                if rng.random() < 0.95
            }
            records.append(
                rk.Inventory(
                    format_us(t),
                    listed,
                    close=rng.choice(("snapshot", "last_seen")),
                    accounts=[scope] if scope in ("a", "b") else None,
                    where={"gb": size} if scope == "gb" else None,
                    id=f"{'ij'[tie]}{number}",
                )
            )
    return records


def _sums(items: Sequence[rk.StatementLine | rk.Charge]) -> dict[tuple[object, ...], Fraction]:
    """Per account, cycle, kind, meter and resource: quantity and amount, as exact fractions."""
    out: dict[tuple[object, ...], Fraction] = {}
    for item in items:
        key = (item.account, item.cycle.start_us, item.kind, item.meter, item.resource)
        for what, value in (("quantity", item.quantity), ("amount", item.amount)):
            out[(*key, what)] = out.get((*key, what), Fraction(0)) + Fraction(value)
    return {key: value for key, value in out.items() if value}


def check_reconciler_law(seed: int, *, cycle_h: int, horizon_min: int, ties: bool) -> None:
    """Stream == batch per account, cycle and line, but for the hours too_late names."""
    rng = random.Random(seed)
    hours = 6
    stream = reconciler(rng, hours, ties)
    chosen = plan(cycle_h)
    end = T0 + (hours + 4) * HOUR_US  # after the last inventory
    marks = sorted({T0 + rng.randint(1, hours * 6) * 10 * MINUTE_US for _ in range(6)})
    marks.append(end)
    batches: list[list[Record]] = [[] for _ in marks]
    for record in stream:  # fed before the watermark that passes it, maybe earlier
        passing = next(i for i, mark in enumerate(marks) if mark > record.at_us)
        batches[rng.randint(max(0, passing - rng.choice((0, 1, 2))), passing)].append(record)
    rater = rk.Rater(chosen, METERS, start=format_us(T0), horizon=dt.timedelta(minutes=horizon_min))
    lines: list[rk.StatementLine] = []
    said: list[rk.Anomaly] = []
    for mark, batch in zip(marks, batches, strict=True):
        rng.shuffle(batch)
        while batch:
            size = rng.randint(1, len(batch))
            feed = rater.feed(batch[:size])
            assert feed.too_late == (), feed  # nothing stamped before the kept cycles
            said += feed.anomalies
            del batch[:size]
        statement = rater.statement(format_us(mark))
        lines += statement.lines
        said += statement.anomalies
        rater._check()
        if rng.random() < 0.3:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), chosen, METERS)
    span = rk.Span(format_us(T0), format_us(end))
    batch_rating = rk.rate(stream, chosen, span=span, meters=METERS)
    got, want = _sums(lines), _sums(batch_rating.charges)
    # What each too_late anomaly names per meter, as a quantity to add to the stream's
    # usage (negative where it stays billed), exactly; vm's is the hours its message says.
    named: dict[tuple[str, str, str], Fraction] = {}
    for anomaly in said:
        if anomaly.kind != "too_late":
            continue
        ((resource, account),) = _NAMED.findall(anomaly.message)
        ((lo, hi, status, stays),) = _PART.findall(anomaly.message)
        assert (anomaly.account, anomaly.resource) == (account, resource)
        assert status == "running", anomaly.message  # a stopped one's part prices nothing
        assert anomaly.meter is not None, anomaly.message
        assert anomaly.quantity is not None, anomaly.message
        hours = Fraction(to_us(hi) - to_us(lo), HOUR_US)
        if anomaly.meter == "vm":  # rounded at 1E-24, as metering rounds a quantity
            signed = -hours if stays == "billed" else hours
            assert abs(Fraction(anomaly.quantity) - signed) <= Fraction(1, 10**24), anomaly.message
        key = (account, resource, anomaly.meter)
        named[key] = named.get(key, Fraction(0)) + Fraction(anomaly.quantity)
    accounts = {account for account, _, _ in named}
    for key in got.keys() | want.keys():
        if key[0] not in accounts:  # an account no anomaly names: to the last digit
            assert got.get(key, 0) == want.get(key, 0), (key, got.get(key), want.get(key))
    for (account, resource, meter), quantity in named.items():
        # The stream's usage of that resource and meter and the quantity named add up to
        # batch's.
        usage = [
            got.get(key, 0) - want.get(key, 0)
            for key in got.keys() | want.keys()
            if key[0] == account and key[3] == meter and key[4] == resource
            if key[5] == "quantity"
        ]
        # (Each cycle's quantity rounded at 1E-24, as metering rounds a quantity.)
        gap = sum(usage, Fraction(0)) + quantity
        assert abs(gap) <= Fraction(len(usage), 10**24), (account, resource, meter, usage)


@settings(max_examples=max(LAWS // 8, FLOOR))
@given(
    seed=st.integers(0, 2**32),
    cycle_h=st.sampled_from([1, 2]),
    horizon_min=st.sampled_from([0, 30, 150]),
)
def test_a_reconciler_stream_bills_as_batch_or_says_what_it_cannot(
    seed: int, cycle_h: int, horizon_min: int
) -> None:
    check_reconciler_law(seed, cycle_h=cycle_h, horizon_min=horizon_min, ties=False)


@settings(max_examples=max(LAWS // 16, FLOOR))
@given(
    seed=st.integers(0, 2**32),
    cycle_h=st.sampled_from([1, 2]),
    horizon_min=st.sampled_from([0, 30, 150]),
)
def test_a_reconciler_stream_with_inventories_at_one_instant_says_each_part_once(
    seed: int, cycle_h: int, horizon_min: int
) -> None:
    check_reconciler_law(seed, cycle_h=cycle_h, horizon_min=horizon_min, ties=True)


def _uncovered_snapshot(uncovered: object) -> dict[str, object]:
    """A snapshot of one account known from a listing alone, its ``uncovered`` forged."""
    from ratekit import _snapshot

    opened = rk.Inventory(_at("03:00"), [("b", "b1")], id="i1")
    gone = rk.Inventory(_at("04:00"), [], close="last_seen", id="i2")
    rater = rk.Rater(HOURLY, METERS, start=_at("00:00"))
    rater.feed([opened, gone])
    rater.statement(_at("07:00"))
    data = json.loads(json.dumps(rater.snapshot()))
    data["body"]["uncovered"] = uncovered
    del data["checksum"]
    data["checksum"] = _snapshot.checksum(data)  # anyone can recompute it
    return typing.cast("dict[str, object]", data)


def test_restore_refuses_an_uncovered_account_that_is_not_a_name_or_is_listed_twice() -> None:
    assert rk.Rater.restore(_uncovered_snapshot(["b"]), HOURLY, METERS).snapshot()["body"][
        "uncovered"
    ] == ["b"]
    for forged, message in (
        (
            [""],
            (
                "Rater snapshot body is malformed (at body.uncovered[0]: an account is a "
                "non-empty string, not ''); restore an unaltered copy."
            ),
        ),
        (
            ["b", "b"],
            (
                "Rater snapshot body.uncovered[1] repeats 'b', listed before it; a snapshot "
                "lists each once: restore an unaltered copy."
            ),
        ),
    ):
        with pytest.raises(rk.BadSnapshotError) as caught:
            rk.Rater.restore(_uncovered_snapshot(forged), HOURLY, METERS)
        assert str(caught.value) == message
