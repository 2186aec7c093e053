"""The rater's law over a newcomer's messy streams in zones with odd clocks.

Random streams of four local days around Lord Howe's half-hour clock change (5 April
2026, a day of 24.5 hours) and Apia's skipped day (30 December 2011): two accounts (one
changing plan mid-day), VMs started, resized, stopped and deleted, some records at a
local or a UTC midnight, byte counters with resets, a CPU counter from zero, call deltas
(some negative, some over a span), gauges of a peak, inventories that lose deletes
(`close="snapshot"` or `"last_seen"`), and a price change mid-day. They arrive up to five
hours late, cut by 30-minute polls with replays of what came in the last three hours,
watermarks at or behind the polls, restored through JSON every other poll. With a
horizon longer than the stream nothing is too late, and the statements add up to one
batch `rk.rate()` over the same records, to the last digit.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests.test_rater_newcomer_hostile import MINUTE_US, Record, Stream

import ratekit as rk
from ratekit._instants import format_us, to_us

HOUR_US = 60 * MINUTE_US
DAYS = 4
METERS = [
    rk.Meter("vm", "hour", rk.OnOff()),
    rk.Meter("mem", "MB*hour", rk.Continuous(("mb", "instances"))),
    rk.Meter("eg", "B", rk.Counter()),
    rk.Meter("cpu", "s", rk.Counter(from_zero=True)),
    rk.Meter("calls", "call", rk.Discrete()),
    rk.Meter("peak", "user", rk.Max()),
]


def _plans(days: rk.cycles.Cycle, t0: int) -> tuple[rk.Assignment, ...]:
    change = format_us(t0 + 36 * HOUR_US + 17 * MINUTE_US)

    def entries(peak: str) -> list[rk.PriceEntry]:
        return [
            rk.PriceEntry("vm", "vm", rk.Graduated([rk.Tier(7, "0.031"), rk.Tier(None, "0.017")])),
            rk.PriceEntry("vm2", "vm", rk.PerUnit("0.029"), start=change, priority=1),
            rk.PriceEntry("mem", "mem", rk.PerUnit("0.0000137")),
            rk.PriceEntry("eg", "eg", rk.Volume([rk.Tier(1000, "0.0001"), rk.Tier(None, "0.00003")])),
            rk.PriceEntry("cpu", "cpu", rk.PerUnit("0.00001")),
            rk.PriceEntry("calls", "calls", rk.Package(3, "0.07")),
            rk.PriceEntry("peak", "peak", rk.PerUnit(peak)),
        ]  # fmt: skip

    basic = rk.Plan("basic", "AUD", days, entries("0.3"), fees=[rk.Fee("f", "0.7")],
                    minimums=[rk.Minimum("1.1")], allowances=[rk.Allowance("calls", 4)])  # fmt: skip
    pro = rk.Plan("pro", "AUD", days, entries("0.2"), fees=[rk.Fee("g", "1.3")])
    switch = format_us(t0 + 50 * HOUR_US + 13 * MINUTE_US)
    return (rk.Assignment("a", basic), rk.Assignment("b", basic, end=switch),
            rk.Assignment("b", pro, start=switch))  # fmt: skip


def _records(rng: random.Random, days: rk.cycles.Cycle, t0: int) -> list[Record]:
    out: list[Record] = []
    add = out.append

    def instant() -> str:
        pick = rng.random()
        if pick < 0.15:  # a UTC midnight, inside a local day
            return format_us(t0 + rng.randrange(1, DAYS) * 24 * HOUR_US)
        if pick < 0.3:  # a local day's end
            day = days.containing(format_us(t0 + rng.randrange(DAYS) * 24 * HOUR_US + 12 * HOUR_US))
            return day.end.isoformat()
        return format_us(t0 + rng.randrange(DAYS * 24 * 6) * 10 * MINUTE_US)

    def key() -> str:
        return f"r{len(out)}"

    for account in "ab":
        for vm in ("vm1", "vm2"):
            for _ in range(rng.randrange(2, 7)):
                kind = rng.choice(["start", "start", "update", "stop", "delete", "stop"])
                attrs = None
                if kind in {"start", "update"} and rng.random() < 0.8:
                    attrs = {"mb": rng.choice([256, 512, 1024]), "instances": rng.randrange(1, 4)}
                out.append(rk.Event(account, vm, instant(), attrs, kind=kind, id=key()))  # type: ignore[arg-type]
        bytes_ = 0
        for _ in range(rng.randrange(2, 6)):
            bytes_ = rng.randrange(200) if rng.random() < 0.2 else bytes_ + rng.randrange(5000)
            out.append(rk.Sample(account, "nic", "eg", instant(), bytes_, kind="counter", id=key()))
        seconds = 0
        for _ in range(rng.randrange(4)):
            seconds += rng.randrange(900)
            out.append(
                rk.Sample(account, "vm1", "cpu", instant(), seconds, kind="counter", id=key())
            )
        for _ in range(rng.randrange(4)):
            at = instant()
            since = format_us(max(to_us(at) - rng.randrange(30) * HOUR_US, t0))
            value = rng.choice([1, 2, 5, -1, "0.5"])
            out.append(rk.Sample(account, "gw", "calls", at, value, since=since if rng.random() < 0.5 else None, id=key()))  # fmt: skip
        for _ in range(rng.randrange(3)):
            add(rk.Sample(account, "app", "peak", instant(), rng.randrange(20), kind="gauge", id=key()))  # fmt: skip
    for _ in range(rng.randrange(3)):
        listed = [(a, vm) for a in "ab" for vm in ("vm1", "vm2") if rng.random() < 0.5]
        close = rng.choice(["snapshot", "last_seen"])
        add(rk.Inventory(instant(), listed, close=close, id=key()))  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize(
    ("tz", "start"),
    [("Australia/Lord_Howe", "2026-04-03T00:00:00+11:00"), ("Pacific/Apia", "2011-12-28T00:00:00-10:00")],
)  # fmt: skip
@settings(max_examples=max(LAWS // 100, 3), deadline=None)
@given(seed=st.integers(0, 2**32))
def test_messy_streams_in_odd_zones_add_up_to_one_batch_rate(
    tz: str, start: str, seed: int
) -> None:
    rng = random.Random(seed)
    days = rk.cycles.daily(tz=tz)
    t0 = to_us(start)
    records = _records(rng, days, t0)
    arrival = {r.id: r.at_us + (rng.randrange(300) * MINUTE_US if rng.random() < 0.4 else 0) for r in records}  # fmt: skip
    stream = Stream(_plans(days, t0), METERS, start=start, horizon=dt.timedelta(hours=100),
                    tz=tz, restore_every=2)  # fmt: skip
    poll, last, end = t0, t0, t0 + (DAYS + 1) * 24 * HOUR_US
    while poll < end:
        poll += 30 * MINUTE_US
        batch = [r for r in records if poll - 30 * MINUTE_US < arrival[r.id] <= poll or (arrival[r.id] <= t0 < poll <= t0 + 30 * MINUTE_US)]  # fmt: skip
        recent = [r for r in records if poll - 3 * HOUR_US < arrival[r.id] <= poll]
        if recent and rng.random() < 0.2:
            batch += rng.sample(recent, min(2, len(recent)))  # replays
        rng.shuffle(batch)
        watermark = poll - rng.choice([0, 0, 10, 30]) * MINUTE_US
        as_of = format_us(watermark) if watermark >= last and rng.random() < 0.9 else None
        last = max(last, watermark) if as_of else last
        stream.step(batch, as_of)
    stream.step([], format_us(end))
    assert sorted(r.id or "" for r in stream.records) == sorted(r.id or "" for r in records)
    stream.check_law(days)


def test_records_for_closed_cycles_are_late_or_too_late_with_their_quantities() -> None:
    # Daily cycles, horizon 6 h: 1 March closes at 2 March 06:00, and is compacted when
    # 2 March closes at 3 March 06:00. Then, in one batch: 7 calls stamped at 2 March's
    # last microsecond (late: corrects the kept 2 March), 3 calls of 1 March (too late:
    # named with its 3), a START of 1 March 20:00 (placed in the compacted state: its 4 h
    # there named; it runs on through 2 March, late, and 3 March), and 40 calls over 1 March
    # 01:00 to 3 March 01:00 (48 h: 23 h before the kept cycles, 40 x 23/48 = 19.1666...
    # named; 20 in 2 March, 40/48 in 3 March).
    plan = rk.Plan("p", "EUR", rk.cycles.daily(tz="UTC"),
                   [rk.PriceEntry("c", "calls", rk.PerUnit("0.01")), rk.PriceEntry("vm", "vm", rk.PerUnit("0.5"))])  # fmt: skip
    rater = rk.Rater(plan, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=6))
    rater.feed([rk.Sample("a", "gw", "calls", "2026-03-01T10:00:00Z", 10, id="s0")])
    rater.statement("2026-03-02T06:00:00Z")
    rater.statement("2026-03-03T06:00:00Z")
    feed = rater.feed(
        [
            rk.Sample("a", "gw", "calls", "2026-03-02T23:59:59.999999Z", 7, id="late"),
            rk.Sample("a", "gw", "calls", "2026-03-01T23:00:00Z", 3, id="old"),
            rk.Event("a", "vm", "2026-03-01T20:00:00Z", kind="start", id="start"),
            rk.Sample("a", "gw", "calls", "2026-03-03T01:00:00Z", 40, since="2026-03-01T01:00:00Z", id="span"),
        ]
    )  # fmt: skip
    assert (feed.accepted, feed.late, feed.too_late) == (
        (),
        ("late", "span"),
        ("old", "start", "span"),
    )
    named = {(a.record_ids, a.quantity) for a in feed.anomalies if a.kind == "too_late"}
    assert named == {
        (("old",), 3),
        (("start",), 4),
        (("span",), Decimal("19.166666666666666666666667")),
    }
    lines = rater.statement("2026-03-03T07:00:00Z").lines
    assert [(line.cycle.start.day, line.quantity, line.amount, line.late) for line in lines] == [
        (2, 27, Decimal("0.27"), True),  # 7 + 20 calls
        (2, 24, Decimal("12.0"), True),  # the VM all day
        (3, Decimal("0.833333333333333333333333"), Decimal("0.00833333333333333333333333"), False),
        (3, 7, Decimal("3.5"), False),  # the VM to 07:00
    ]
