"""The streaming rater as a provider backend meets it: pollers, reconcilers, counters, zones.

Each scenario feeds a `Rater` as a backend would (a poller every 10 minutes, restored
through ``snapshot() -> json.dumps -> json.loads -> Rater.restore`` every hour), then checks
the rater's law: the statements' lines, summed per account, cycle and line as
`fractions.Fraction`, equal one batch `rk.rate()` over the same records, to the last digit.
The figures are worked by hand in the comments. Promises that did not hold are pinned as
strict expected failures with their minimal input.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import typing
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk
from ratekit._instants import format_us, to_us

Record = rk.Event | rk.Sample | rk.Inventory
Sums = dict[tuple[object, ...], tuple[Fraction, Fraction]]
MINUTE_US = 60_000_000
UTC_DAYS = rk.cycles.daily(tz="UTC")
VM_HOURS = rk.Meter("vm", "hour", rk.OnOff())


def _line_sums(lines: Iterable[rk.StatementLine]) -> Sums:
    out: Sums = {}
    for line in lines:
        quantity, amount = out.get(line.key, (Fraction(0), Fraction(0)))
        out[line.key] = (quantity + Fraction(line.quantity), amount + Fraction(line.amount))
    return {key: value for key, value in out.items() if value != (0, 0)}


def _charge_sums(charges: Iterable[rk.Charge]) -> Sums:
    out: Sums = {}
    for c in charges:
        key = (c.account, c.cycle.start_us, c.cycle.end_us, c.kind, c.plan, c.meter, c.entry)
        key = (*key, c.resource, c.unit, c.currency)
        quantity, amount = out.get(key, (Fraction(0), Fraction(0)))
        out[key] = (quantity + Fraction(c.quantity), amount + Fraction(c.amount))
    return {key: value for key, value in out.items() if value != (0, 0)}


class Stream:
    """A rater fed step by step, restored through JSON every ``restore_every`` steps."""

    def __init__(
        self,
        plans: rk.Plan | tuple[rk.Assignment, ...],
        meters: Sequence[rk.Meter],
        *,
        start: str,
        horizon: dt.timedelta = dt.timedelta(0),
        tz: str | None = None,
        restore_every: int = 0,
    ) -> None:
        self.plans, self.meters, self.start = plans, list(meters), start
        self.rater = rk.Rater(plans, self.meters, start=start, horizon=horizon, tz=tz)
        self.restore_every, self.steps = restore_every, 0
        self.records: list[Record] = []
        self.feeds: list[rk.Feed] = []
        self.statements: list[rk.Statement] = []

    def step(self, batch: Sequence[Record], as_of: str | None) -> None:
        if batch:
            self.feeds.append(self.rater.feed(batch))
            known = {r.id for r in self.records}
            for record in batch:  # the version taken first stands: batch rate() gets it alone
                if record not in self.records and (record.id is None or record.id not in known):
                    self.records.append(record)
                    known.add(record.id)
        if as_of is not None:
            self.statements.append(self.rater.statement(as_of))
        self.steps += 1
        if self.restore_every and self.steps % self.restore_every == 0:
            data = json.loads(json.dumps(self.rater.snapshot()))
            self.rater = rk.Rater.restore(data, self.plans, self.meters)

    @property
    def lines(self) -> list[rk.StatementLine]:
        return [line for statement in self.statements for line in statement.lines]

    def batch(self, cycles: rk.cycles.Cycle) -> rk.Rating:
        """One batch rate() of every record taken, as of the last watermark."""
        as_of = self.statements[-1].as_of
        last = cycles.containing(as_of - dt.timedelta(microseconds=1))
        span = rk.Span(cycles.containing(self.start).start, last.end)
        return rk.rate(self.records, self.plans, span=span, meters=self.meters, as_of=as_of)

    def check_law(self, cycles: rk.cycles.Cycle) -> rk.Rating:
        assert not [i for feed in self.feeds for i in feed.too_late]
        batch = self.batch(cycles)
        assert _line_sums(self.lines) == _charge_sums(batch.charges)
        return batch

    def invoices(self) -> list[rk.Invoice]:
        return [invoice for statement in self.statements for invoice in statement.invoices]


def _poll(
    stream: Stream, arrivals: Sequence[tuple[Record, str]], *, first: str, last: str, lag: int
) -> None:
    """Feed each record at the first 10-minute poll at or after its arrival (again at the
    next poll: a poller's overlap), with the watermark ``lag`` minutes behind the poll."""
    poll, end = to_us(first), to_us(last)
    previous: list[Record] = []
    while poll <= end:
        due = [r for r, at in arrivals if poll - 10 * MINUTE_US < to_us(at) <= poll]
        stream.step([*due, *previous], format_us(poll - lag * MINUTE_US))
        previous, poll = due, poll + 10 * MINUTE_US


# -- Cloud Foundry: a poller of app usage events ------------------------------------------

ZURICH_MONTHS = rk.cycles.monthly(tz="Europe/Zurich")
CF_MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous(("memory_mb", "instances")))
CF_HOURS = rk.Meter("app.hours", "hour", rk.OnOff())
CF_PLAN = rk.Plan(
    "cf",
    "EUR",
    ZURICH_MONTHS,
    [
        rk.PriceEntry(
            "mem", "memory", rk.Graduated([rk.Tier(1000, "0.0001"), rk.Tier(None, "0.00007")])
        ),
        rk.PriceEntry("hours", "app.hours", rk.PerUnit("0.013")),
    ],
    fees=[rk.Fee("base", "3.10")],
)


def _cf(  # noqa: PLR0917 - a usage event's fields, in its order
    app: str, at: str, kind: str, attrs: dict[str, int] | None, key: str, seq: int
) -> rk.Event:
    return rk.Event("org-1", app, at, attrs, kind=kind, id=key, seq=seq)  # type: ignore[arg-type]


def test_a_cloud_foundry_poller_every_ten_minutes_restored_every_hour_bills_as_batch() -> None:
    # March in Zurich ends at 2026-03-31T22:00Z (summer time since 29 March). Arrivals lag
    # their instants by minutes, a STOP by 140: it corrects hours already stated.
    arrivals = [
        (_cf("app-1", "2026-03-30T20:00:00Z", "start", {"memory_mb": 256, "instances": 1}, "a1", 1), "2026-03-30T20:05:00Z"),
        (_cf("app-1", "2026-03-31T10:00:00Z", "start", {"instances": 3}, "a2", 2), "2026-03-31T10:12:00Z"),  # scale
        (_cf("app-1", "2026-04-01T02:00:00Z", "stop", None, "a3", 4), "2026-04-01T04:20:00Z"),  # late
        (_cf("app-1", "2026-04-01T02:05:00Z", "stop", None, "a4", 5), "2026-04-01T02:08:00Z"),  # twice
        (_cf("app-1", "2026-04-01T05:00:00Z", "start", None, "a5", 6), "2026-04-01T05:07:00Z"),
        (_cf("app-1", "2026-04-01T04:50:00Z", "stop", None, "a6", 7), "2026-04-01T05:15:00Z"),  # after START
        (_cf("app-2", "2026-03-31T21:30:00Z", "start", {"memory_mb": 1024, "instances": 2}, "b1", 1), "2026-03-31T22:15:00Z"),
        (_cf("app-2", "2026-03-31T21:45:00Z", "start", {"instances": 1}, "b2", 2), "2026-03-31T21:45:00Z"),
        (_cf("app-2", "2026-03-31T22:00:00Z", "start", {"instances": 4}, "b3", 3), "2026-03-31T22:00:00Z"),
    ]  # fmt: skip
    stream = Stream(
        CF_PLAN, [CF_MEMORY, CF_HOURS], start="2026-03-01T00:00:00+01:00",
        horizon=dt.timedelta(hours=6), tz="Europe/Zurich", restore_every=6,
    )  # fmt: skip
    _poll(stream, arrivals, first="2026-03-30T18:00:00Z", last="2026-04-02T06:00:00Z", lag=30)
    batch = stream.check_law(ZURICH_MONTHS)
    # March: app-1 256 MB x 14 h + 768 MB x 12 h = 12800 MB*h over 26 h; app-2 2048 MB x
    # 0.25 h + 1024 MB x 0.25 h = 768 MB*h over 0.5 h (its 4 instances start April).
    # memory 1000 x 0.0001 + 12568 x 0.00007 = 0.97976; hours 26.5 x 0.013 = 0.3445; fee 3.10.
    (march,) = stream.invoices()
    assert march.precise_total == Decimal("4.42426") == batch.total("org-1", march.cycle)
    assert march.total == Decimal("4.42")  # 0.98 + 0.34 + 3.10
    said = {
        (a.kind, a.record_ids) for s in (*stream.feeds, *stream.statements) for a in s.anomalies
    }
    assert ("duplicate_stop", ("a4", "a3")) in said
    assert ("out_of_order", ("a6", "a5")) in said
    assert sum(len(feed.duplicates) for feed in stream.feeds) == len(arrivals)


# -- Exoscale: a reconciler's inventories close a volume whose delete was lost ---------------

VOLUME = rk.Meter("volume", "GiB*hour", rk.Continuous("size", unit="GiB"))
VOLUME_PLAN = rk.Plan(
    "exo", "CHF", UTC_DAYS, [rk.PriceEntry("vol", "volume", rk.PerUnit("0.0001"))]
)


@pytest.mark.parametrize("close", ["last_seen", "snapshot"])
def test_an_inventory_closes_a_volume_whose_delete_was_lost(close: str) -> None:
    # vol-1 (100 GiB) created 1 March 00:00, its delete lost; listings every 6 hours see it
    # up to 2 March 06:00 and not at 12:00. vol-2 (50 GiB) is never deleted.
    records: list[tuple[Record, str]] = [
        (rk.Event("acme", "vol-1", "2026-03-01T00:00:00Z", {"size": 100}, kind="start", id="v1"), "2026-03-01T00:00:00Z"),
        (rk.Event("acme", "vol-2", "2026-03-01T00:00:00Z", {"size": 50}, kind="start", id="v2"), "2026-03-01T00:00:00Z"),
    ]  # fmt: skip
    for hour in range(6, 61, 6):
        at = format_us(to_us("2026-03-01T00:00:00Z") + hour * 60 * MINUTE_US)
        listed = [("acme", "vol-2"), *([("acme", "vol-1")] if hour <= 30 else [])]
        inventory = rk.Inventory(at, listed, close=close, id=f"inv-{hour}")  # type: ignore[arg-type]
        records.append((inventory, at))
    stream = Stream(VOLUME_PLAN, [VOLUME], start="2026-03-01T00:00:00Z", restore_every=6)
    _poll(stream, records, first="2026-03-01T00:00:00Z", last="2026-03-04T00:00:00Z", lag=0)
    batch = stream.check_law(UTC_DAYS)
    # last_seen: closed at 2 March 06:00, 30 h x 100 GiB; snapshot: at 12:00, 36 h.
    hours = 30 if close == "last_seen" else 36
    vol1 = sum((c.quantity for c in batch.charges if c.resource == "vol-1"), Decimal(0))
    assert vol1 == 100 * hours
    closes = [a for s in stream.statements for a in s.anomalies if a.kind == "reconciled_close"]
    assert [(a.resource, a.record_ids[0]) for a in closes] == [("vol-1", "inv-36")]
    assert [invoice.total for invoice in stream.invoices()] == [
        Decimal("0.36"),  # 1 March: (100 + 50) x 24 x 0.0001
        Decimal("0.18") if close == "last_seen" else Decimal("0.24"),  # 100 x 6 (or 12) + 50 x 24
        Decimal("0.12"),  # 3 March: 50 x 24
    ]


# -- OpenStack: a counter across a cycle boundary, late, then reset --------------------------

EGRESS = rk.Meter("egress", "B", rk.Counter())
EGRESS_PLAN = rk.Plan("os", "EUR", UTC_DAYS, [rk.PriceEntry("eg", "egress", rk.PerUnit("0.001"))])


def test_a_counter_across_a_cycle_boundary_arriving_late_and_resetting_bills_as_batch() -> None:
    # Readings 0 at 23:30, 500 at 23:50, 1000 at 00:10 and 100 at 00:30 (a reset). The
    # day ends at 00:00: 0 -> 500 lies in 1 March; 500 -> 1000 is split 250 / 250; the reset
    # counts 100 in 2 March. 1 March: 750 B; 2 March: 350 B. The 00:10 reading arrives
    # after 1 March closed (horizon 1 hour): stamped in 2 March, it reaches back into the
    # closed day, which it corrects. Before it, the reset's 100 B were spread over 23:50 to
    # 00:30, 25 of them in 1 March: 525 B.
    def reading(at: str, value: int, key: str) -> rk.Sample:
        return rk.Sample("acme", "nic-1", "egress", at, value, kind="counter", id=key)

    stream = Stream(EGRESS_PLAN, [EGRESS], start="2026-03-01T00:00:00Z",
                    horizon=dt.timedelta(hours=1), restore_every=1)  # fmt: skip
    stream.step([reading("2026-03-01T23:30:00Z", 0, "c1")], "2026-03-01T23:40:00Z")
    stream.step([reading("2026-03-01T23:50:00Z", 500, "c2")], "2026-03-02T00:30:00Z")
    stream.step([reading("2026-03-02T00:30:00Z", 100, "c4")], "2026-03-02T01:00:00Z")  # closes
    late = reading("2026-03-02T00:10:00Z", 1000, "c3")
    stream.step([late], "2026-03-02T02:00:00Z")
    assert stream.feeds[-1].accepted == ("c3",)  # stamped in 2 March, reaching back
    stream.step([], "2026-03-03T01:00:00Z")
    batch = stream.check_law(UTC_DAYS)
    assert [c.quantity for c in batch.charges] == [Decimal(750), Decimal(350)]
    corrections = [(line.role, line.quantity) for line in stream.statements[3].lines if line.late]
    assert corrections == [("reversal", Decimal(-525)), ("correction", Decimal(750))]
    # 1 March's invoice closed at 525 B (0.525, 0.52 half-even); 2 March's at 350 B.
    assert [invoice.total for invoice in stream.invoices()] == [Decimal("0.52"), Decimal("0.35")]


# -- Plan and price changes mid-cycle -------------------------------------------------------

MONTHS = rk.cycles.monthly(tz="UTC")


def test_a_price_change_and_a_plan_change_mid_cycle_bill_as_batch() -> None:
    # March (744 h) under basic: 0.10 an hour, 0.08 from 11 March 00:00 (a higher-priority
    # entry); acme upgrades to pro (0.05 an hour, a fee of 62) on 21 March 00:00.
    basic = rk.Plan(
        "basic", "EUR", MONTHS,
        [rk.PriceEntry("vm", "vm", rk.PerUnit("0.10")),
         rk.PriceEntry("vm-cut", "vm", rk.PerUnit("0.08"), start="2026-03-11T00:00:00Z", priority=1)],
        fees=[rk.Fee("base", 31)],
    )  # fmt: skip
    pro = rk.Plan("pro", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", rk.PerUnit("0.05"))],
                  fees=[rk.Fee("pro", 62)])  # fmt: skip
    stream = Stream((rk.Assignment("acme", basic),), [VM_HOURS], start="2026-03-01T00:00:00Z",
                    restore_every=1)  # fmt: skip
    stream.step([rk.Event("acme", "vm-1", "2026-03-06T00:00:00Z", kind="start", id="s")], None)
    stream.step([], "2026-03-16T00:00:00Z")
    stream.plans = stream.rater.assign(rk.Assignment("acme", pro, start="2026-03-21T00:00:00Z"))
    for day in ("2026-03-21T00:00:00Z", "2026-03-28T00:00:00Z", "2026-04-01T00:00:00Z"):
        stream.step([], day)
    stream.check_law(MONTHS)
    # basic: 5 days x 24 h x 0.10 = 12.00, 10 days x 24 h x 0.08 = 19.20, fee 31 x 20/31 = 20;
    # pro: 11 days x 24 h x 0.05 = 13.20, fee 62 x 11/31 = 22. Total 86.40.
    (march,) = stream.invoices()
    assert march.precise_total == Decimal("86.40")
    assert sorted((line.plan, line.entry, line.amount) for line in stream.lines) == sorted(
        [
            ("basic", "base", Decimal(15)), ("basic", "base", Decimal(5)),  # to 16th, to 21st
            ("basic", "vm", Decimal("12.00")),  # 6 to 11 March
            ("basic", "vm-cut", Decimal("9.60")), ("basic", "vm-cut", Decimal("9.60")),  # 5 + 5 days
            ("pro", "pro", Decimal(14)), ("pro", "pro", Decimal(8)),  # 7 days, then 4
            ("pro", "vm", Decimal("8.40")), ("pro", "vm", Decimal("4.80")),
        ]
    )  # fmt: skip


# -- Zones with odd clocks -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "start", "hours"),
    [
        # Lord Howe leaves summer time (+11) for +10:30 on 5 April 2026 at 02:00: that day
        # lasts 24.5 h; 4, 5 and 6 April: 24 + 24.5 + 24 = 72.5 h.
        ("Australia/Lord_Howe", "2026-04-04T00:00:00+11:00", ["24", "24.5", "24"]),
        # Apia skipped 30 December 2011 (from -10 to +14): its days are 29, 31 December and
        # 1 January, 24 h each: no day of 0 h, none of 48.
        ("Pacific/Apia", "2011-12-29T00:00:00-10:00", ["24", "24", "24"]),
        # Zurich enters summer time on 29 March 2026: 23 h that day.
        ("Europe/Zurich", "2026-03-28T00:00:00+01:00", ["24", "23", "24"]),
    ],
)
def test_local_days_in_odd_zones_bill_their_own_length(
    tz: str, start: str, hours: list[str]
) -> None:
    days = rk.cycles.daily(tz=tz)
    plan = rk.Plan("z", "EUR", days, [rk.PriceEntry("vm", "vm", rk.Graduated(
        [rk.Tier(10, "0.30"), rk.Tier(None, "0.10")]))])  # fmt: skip
    cycles = days.spans(rk.Span(start, to_us_iso(start, hours=70)))[:3]
    stream = Stream(plan, [VM_HOURS], start=start, horizon=dt.timedelta(hours=2), tz=tz,
                    restore_every=2)  # fmt: skip
    stream.step([rk.Event("a", "vm", start, kind="start", id="s")], None)
    stop = rk.Event("a", "vm", cycles[2].end.isoformat(), kind="stop", id="t")
    watermark, fed = to_us(start), 0
    while watermark < to_us(cycles[2].end.isoformat()) + 4 * 60 * MINUTE_US:
        watermark += 37 * MINUTE_US  # an odd poll: never on a cycle's end
        due = watermark > to_us(stop.at.isoformat()) and not fed  # the poll after its instant
        fed += due
        stream.step([stop] if due else [], format_us(watermark))
    batch = stream.check_law(days)
    assert [c.quantity for c in batch.charges] == [Decimal(h) for h in hours]
    # 10 x 0.30 + (h - 10) x 0.10 per day: 4.40, 4.45, 4.40 at Lord Howe; 4.30 for 23 h.
    totals = [3 + (Decimal(h) - 10) / 10 for h in hours]
    assert [i.precise_total for i in stream.invoices()] == totals
    assert [i.cycle for i in stream.invoices()] == cycles
    # Stamped at the third day's end, it belongs to the fourth day, which bills nothing.
    assert [feed.accepted for feed in stream.feeds] == [("s",), ("t",)]
    assert not [line for line in stream.lines if line.cycle.start > cycles[2].start]


def to_us_iso(start: str, *, hours: int) -> str:
    return format_us(to_us(start) + hours * 60 * MINUTE_US)


# -- Instants at edges, ties and ids ------------------------------------------------------------

CALLS = rk.Meter("calls", "call", rk.Discrete())
EDGE_PLAN = rk.Plan(
    "p",
    "EUR",
    UTC_DAYS,
    [rk.PriceEntry("vm", "vm", rk.PerUnit("0.5")), rk.PriceEntry("c", "calls", rk.PerUnit("0.01"))],
)


def test_a_stop_and_a_start_at_one_instant_restart_and_ids_reused_are_conflicting() -> None:
    stream = Stream(EDGE_PLAN, [VM_HOURS, CALLS], start="2026-03-01T00:00:00Z", restore_every=1)
    stream.step(
        [
            rk.Event("a", "vm1", "2026-03-01T01:00:00Z", kind="start", id="e1"),
            rk.Event("a", "vm1", "2026-03-01T05:00:00Z", kind="stop", id="e2"),
            rk.Event("a", "vm1", "2026-03-01T05:00:00Z", kind="start", id="e3"),  # a restart
        ],
        None,
    )
    stream.step(
        [
            rk.Event("a", "vm1", "2026-03-01T01:00:00Z", kind="start", id="e1"),  # a replay
            rk.Event("a", "vm1", "2026-03-01T02:00:00Z", kind="start", id="e1"),  # other content
            rk.Sample("a", "gw", "calls", "2026-03-01T02:00:00Z", 5, id="e2"),  # another kind
            rk.Sample("a", "gw", "calls", "2026-03-01T02:00:00Z", 5, id="x1"),
            rk.Sample("b", "gw", "calls", "2026-03-01T03:00:00Z", 7, id="x2"),
            rk.Sample("b", "gw", "calls", "2026-03-01T03:00:00Z", 7, id="x2"),
        ],
        "2026-03-01T10:00:00Z",
    )
    feed = stream.feeds[1]
    assert (feed.accepted, feed.duplicates, feed.conflicting) == (
        ("x1", "x2"),
        ("e1", "x2"),
        ("e1", "e2"),
    )
    stream.step([], "2026-03-02T00:00:00Z")
    stream.check_law(UTC_DAYS)
    # vm1 runs 01:00 to midnight through the restart: 23 h x 0.5 = 11.50; a's calls: the
    # 5 calls of x1 (not e2's, which an event holds), 0.05; b's 7 calls, 0.07.
    assert [i.precise_total for i in stream.invoices()] == [Decimal("11.55"), Decimal("0.07")]
    assert [(a.kind, a.record_ids) for a in stream.statements[0].anomalies] == [
        ("tie", ("e2", "e3"))
    ]


def test_records_at_a_cycle_end_and_at_the_watermark() -> None:
    stream = Stream(EDGE_PLAN, [VM_HOURS, CALLS], start="2026-03-01T00:00:00Z",
                    horizon=dt.timedelta(hours=2), restore_every=1)  # fmt: skip
    start = rk.Event("a", "vm1", "2026-03-01T20:00:00Z", kind="start", id="s")
    at_end = rk.Event("a", "vm1", "2026-03-02T00:00:00Z", kind="stop", id="t")  # 2 March's
    at_watermark = rk.Sample("a", "gw", "calls", "2026-03-02T01:00:00Z", 100, id="c")
    stream.step([start], "2026-03-02T00:00:00Z")  # 4 h
    stream.step([at_watermark], "2026-03-02T01:00:00Z")  # waits for a later watermark
    assert [line.quantity for line in stream.statements[-1].lines] == [Decimal(1)]  # 00:00-01:00
    stream.step([at_end], "2026-03-02T01:30:00Z")  # fed behind: takes back 2 March's hour
    assert stream.feeds[-1].accepted == ("t",)
    lines = {(line.role, line.quantity, line.amount) for line in stream.statements[-1].lines}
    assert lines == {("reversal", Decimal(-1), Decimal("-0.5")), ("charge", 100, Decimal(1))}
    stream.step([], "2026-03-03T02:00:00Z")
    stream.check_law(UTC_DAYS)
    assert [i.precise_total for i in stream.invoices()] == [Decimal("2.0"), Decimal("1.00")]


# -- Numbers: a caller's tiny decimal context, huge and tiny quantities -------------------------


def test_a_callers_three_digit_context_with_traps_changes_nothing() -> None:
    # Lord Howe months; April 2026 ends at 2026-04-30T13:30Z (+10:30 after 5 April).
    months = rk.cycles.monthly(tz="Australia/Lord_Howe")
    meters = [
        VM_HOURS, rk.Meter("mem", "GiB*hour", rk.Continuous("gib")),
        rk.Meter("egress", "GB", rk.Counter()), CALLS,
        rk.Meter("users", "user", rk.TimeWeightedMean()),
    ]  # fmt: skip
    plan = rk.Plan(
        "p", "AUD", months,
        [rk.PriceEntry("vm", "vm", rk.Graduated([rk.Tier(10, "0.0333333"), rk.Tier(None, "0.0111")])),
         rk.PriceEntry("mem", "mem", rk.PerUnit("0.00123456789")),
         rk.PriceEntry("eg", "egress", rk.Volume([rk.Tier(5, "0.07"), rk.Tier(None, "0.0123")])),
         rk.PriceEntry("calls", "calls", rk.Package(7, "0.333")),
         rk.PriceEntry("users", "users", rk.PerUnit("1.2345"))],
        fees=[rk.Fee("base", "9.99")], minimums=[rk.Minimum("12.345")],
        allowances=[rk.Allowance("calls", 3)],
    )  # fmt: skip
    records: list[Record] = [
        rk.Event("a", "vm1", "2026-04-04T14:17:00Z", {"gib": "1.3333"}, kind="start", id="e1"),
        rk.Event("a", "vm1", "2026-04-05T03:01:00Z", {"gib": "7.77"}, id="e2"),
        rk.Sample("a", "nic", "egress", "2026-04-04T15:00:00Z", "123.456", kind="counter", id="c1"),
        rk.Sample("a", "nic", "egress", "2026-04-05T15:07:00Z", "1000.001", kind="counter", id="c2"),
        rk.Sample("a", "nic", "egress", "2026-04-06T15:07:00Z", "3.3", kind="counter", id="c3"),
        rk.Sample("a", "gw", "calls", "2026-04-04T15:00:00Z", 11, id="d1"),
        rk.Sample("a", "gw", "calls", "2026-04-05T16:00:00Z", "-2.5", since="2026-04-04T16:00:00Z", id="d2"),
        rk.Sample("a", "app", "users", "2026-04-04T15:00:00Z", 7, kind="gauge", id="g1"),
        rk.Sample("a", "app", "users", "2026-04-05T15:00:00Z", 3, kind="gauge", id="g2"),
    ]  # fmt: skip
    with decimal.localcontext() as context:
        context.prec = 3
        for trap in (decimal.Inexact, decimal.Rounded, decimal.FloatOperation):
            context.traps[trap] = True
        stream = Stream(plan, meters, start="2026-04-01T00:00:00+11:00",
                        horizon=dt.timedelta(days=1), tz="Australia/Lord_Howe", restore_every=1)  # fmt: skip
        for part, as_of in ((records[:3], "2026-04-04T16:00:00Z"), (records[3:6], "2026-04-05T17:00:00Z"),
                            (records[6:], "2026-04-06T18:00:00Z"), ([], "2026-05-03T00:00:00Z")):  # fmt: skip
            stream.step(part, as_of)
        batch = stream.check_law(months)
        assert decimal.getcontext().prec == 3
    (april,) = stream.invoices()
    assert april.precise_total == batch.total("a", april.cycle)
    # vm1 runs from 4 April 14:17Z to April's end, 30 April 13:30Z: 26 days less 47
    # minutes, 623 h 13 min (slices at the quantum of 1E-24: 623.2166...667); priced from
    # the exact time, 10 x 0.0333333 + (613 + 13/60) x 0.0111 = 0.333333 + 6.806705.
    # (Its update on 5 April cuts it in two rows: the tiers run over both.)
    vm = [c for c in batch.charges if c.meter == "vm" and c.cycle == april.cycle]
    assert sum(c.quantity for c in vm) == Decimal("623.216666666666666666666667")
    assert sum(c.amount for c in vm) == Decimal("7.140038")


def test_huge_and_tiny_quantities_add_up_to_the_last_digit() -> None:
    plan = rk.Plan("p", "EUR", UTC_DAYS, [rk.PriceEntry("c", "calls", rk.PerUnit("0.000000001"))])
    huge = "123456789012345678901.234567890123456789012345678901234567"  # 57 digits
    records = [
        rk.Sample("a", "gw", "calls", "2026-03-01T01:00:00Z", huge, id="h"),
        rk.Sample("a", "gw", "calls", "2026-03-01T02:00:00Z", "0.000000000000000000001", id="t"),
        rk.Sample("a", "gw", "calls", "2026-03-01T03:00:00Z", "-0.000000000000000000001", id="u"),
    ]
    stream = Stream(plan, [CALLS], start="2026-03-01T00:00:00Z", restore_every=1)
    for record, as_of in zip(
        records,
        ("2026-03-01T01:30:00Z", "2026-03-01T02:30:00Z", "2026-03-02T00:00:00Z"),
        strict=True,
    ):
        stream.step([record], as_of)
    stream.check_law(UTC_DAYS)
    # 1E-21 and -1E-21 cancel: the day's 57-digit quantity x 1E-9, every digit kept.
    assert [line.amount for line in stream.lines] == [
        Decimal("123456789012.345678901234567890123456789012345678901234567"),
        Decimal("1E-30"),
        Decimal("-1E-30"),
    ]
    assert stream.invoices()[0].precise_total == Decimal(
        "123456789012.345678901234567890123456789012345678901234567"
    )


# -- Bad input: refused whole, named, the rater left as it was ----------------------------------

LEVEL = rk.Meter("mem", "MB*hour", rk.Continuous("mb"))
DOOR_PLAN = rk.Plan(
    "p", "EUR", UTC_DAYS,
    [rk.PriceEntry("vm", "vm", rk.PerUnit(1)), rk.PriceEntry("c", "calls", rk.PerUnit(1)),
     rk.PriceEntry("m", "mem", rk.PerUnit("0.001"))],
)  # fmt: skip
GOOD = rk.Sample("a", "gw", "calls", "2026-03-01T01:00:00Z", 5, id="ok")


def _event(attrs: dict[str, object]) -> rk.Event:
    return rk.Event("a", "m", "2026-03-01T01:00:00Z", attrs, kind="start", id="bad")


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: [GOOD, rk.Sample("a", "r", "ghost", "2026-03-01T01:00:00Z", 1, id="bad")],
         rk.UnknownMeterError, ["records[1]", "'bad'", "meter 'ghost'", "declare a Meter"]),
        (lambda: [GOOD, rk.Sample("a", "r", "calls", "2026-03-01T01:00:00Z", 1, kind="gauge", id="bad")],
         rk.BadRecordError, ["records[1]", "'bad'", "kind 'gauge'", "takes 'delta'"]),
        (lambda: [GOOD, _event({"mb": -1})], rk.BadRecordError, ["records[1]", "'bad'", "'mb'", "negative"]),
        (lambda: [GOOD, _event({"mb": "NaN"})], rk.BadQuantityError, ["records[1]", "'mb'", "finite"]),
        (lambda: [GOOD, _event({"mb": "lots"})], rk.BadQuantityError, ["'mb'", "'lots'", "like '12.5'"]),
        (lambda: [GOOD, _event({"mb": True})], rk.BadRecordError, ["'mb'", "True", "not a number"]),
        (lambda: [GOOD, None], rk.RatekitTypeError, ["records[1]", "NoneType", "Event, Sample and Inventory"]),
        (lambda: [GOOD, {"account": "a"}], rk.RatekitTypeError, ["records[1]", "dict"]),
        (lambda: GOOD, rk.RatekitTypeError, ["an iterable", "not Sample"]),
        (lambda: [GOOD, rk.Sample("a", "r", "calls", "9999-06-01T00:00:00Z", 1, id="bad")],
         rk.BadTimeError, ["records[1]", "'bad'", "9999-06-01"]),
    ],
)  # fmt: skip
def test_bad_input_is_refused_whole_naming_the_record_and_field(
    make: typing.Callable[[], typing.Any], error: type[rk.RatekitError], words: list[str]
) -> None:
    meters = [VM_HOURS, CALLS, LEVEL]
    rater = rk.Rater(DOOR_PLAN, meters, start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "vm1", "2026-03-01T00:00:00Z", kind="start", id="s")])
    before = rater.snapshot()
    with pytest.raises(error) as raised:
        rater.feed(make())
    assert all(word in str(raised.value) for word in words), str(raised.value)
    assert rater.snapshot() == before  # GOOD was not taken either
    assert rater.feed([GOOD]).accepted == ("ok",)


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: rk.Event("a", "r", dt.datetime(2026, 3, 1, 1), kind="start"),  # noqa: DTZ001 - naive on purpose
         rk.BadTimeError, ["at", "naive datetime", "give it a timezone"]),
        (lambda: rk.Event("a", "r", 1772326800, kind="start"), rk.RatekitTypeError, ["at", "not int", "epoch"]),
        (lambda: rk.Event(5, "r", "2026-03-01T01:00:00Z"), rk.RatekitTypeError, ["account", "non-empty string", "5"]),
        (lambda: rk.Event("a", "r", "2026-03-01T01:00:00Z", kind="begin"), rk.BadRecordError, ["kind 'begin'", "'start'"]),
        (lambda: rk.Event("a", "r", "2026-03-01T01:00:00Z", seq="1"), rk.RatekitTypeError, ["seq", "int or None"]),
        (lambda: rk.Sample("a", "r", "calls", "2026-03-01T01:00:00Z", float("nan")), rk.BadQuantityError, ["value", "finite", "nan"]),
        (lambda: rk.Sample("a", "r", "calls", "2026-03-01T01:00:00Z", decimal.Decimal("sNaN")), rk.BadQuantityError, ["value", "sNaN"]),
        (lambda: rk.Sample("a", "r", "calls", "2026-03-01T01:00:00Z", "1E+30"), rk.BadQuantityError, ["value", "1E+30", "1E-30 up to"]),
        (lambda: rk.Sample("a", "r", "eg", "2026-03-01T01:00:00Z", -5, kind="counter"), rk.BadRecordError, ["value -5", "negative counter reading"]),
        (lambda: rk.Sample("a", "r", "calls", "2026-03-01T01:00:00Z", True), rk.RatekitTypeError, ["value", "bool"]),
        (lambda: rk.Sample("a", "r", "calls", "2026-03-01T01:00:00Z", 5, since="2026-03-01T02:00:00Z"), rk.BadRecordError, ["since", "comes after its at"]),
        (lambda: rk.Inventory("2026-03-01T01:00:00Z", "acme"), rk.RatekitTypeError, ["resources", "pairs", "str"]),
    ],
)  # fmt: skip
def test_bad_records_are_refused_at_the_door_naming_the_field(
    make: typing.Callable[[], object], error: type[rk.RatekitError], words: list[str]
) -> None:
    with pytest.raises(error) as raised:
        make()
    assert all(word in str(raised.value) for word in words), str(raised.value)


# -- Snapshots edited by hand --------------------------------------------------------------------


def _sealed(data: dict[str, typing.Any]) -> dict[str, typing.Any]:
    body = {key: value for key, value in data.items() if key != "checksum"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {**body, "checksum": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def _saved() -> dict[str, typing.Any]:
    rater = rk.Rater(EDGE_PLAN, [VM_HOURS, CALLS], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "vm1", "2026-03-01T01:00:00Z", kind="start", id="e1"),
                rk.Sample("a", "gw", "calls", "2026-03-01T02:00:00Z", 120, id="s1")])  # fmt: skip
    rater.statement("2026-03-01T12:00:00Z")
    return typing.cast(dict[str, typing.Any], json.loads(json.dumps(rater.snapshot())))


def test_a_snapshot_with_a_digit_changed_a_key_removed_or_its_version_bumped_is_refused() -> None:
    data = _saved()
    # 120 calls: the sample's (version 4 packs its value: 120 doubled is 240, "wH", then
    # its exponent 0, "A"; 121 is "yHA")
    assert '"wHA"' in json.dumps(data)
    digit = json.loads(json.dumps(data).replace('"wHA"', '"yHA"'))
    del_key = {**data, "body": {k: v for k, v in data["body"].items() if k != "reported"}}
    bumped = {**data, "version": 6}
    refusals = {
        "digit": (digit, "checksum"),
        "key, resealed": (_sealed(del_key), "reported"),
        "version, resealed": (_sealed(bumped), "version 6 is unknown"),
        "version 2.0": (_sealed({**data, "version": 2.0}), "version 2.0 is a float, not an int"),
    }
    for name, (edited, words) in refusals.items():
        with pytest.raises(rk.BadSnapshotError) as raised:
            rk.Rater.restore(edited, EDGE_PLAN, [VM_HOURS, CALLS])
        assert words in str(raised.value), (name, str(raised.value))
    # Resealed, the changed digit restores (a snapshot is no credential) and the next
    # statement says what that state implies: 121 calls, of which 1.20 was reported, 0.01
    # more (docs/streaming.md, what a snapshot guards against).
    rater = rk.Rater.restore(_sealed(digit), EDGE_PLAN, [VM_HOURS, CALLS])
    lines = rater.statement("2026-03-01T13:00:00Z").lines
    assert {(line.role, line.resource, line.amount) for line in lines} == {
        ("increment", "vm1", Decimal("0.5")),
        ("increment", "gw", Decimal("0.01")),
    }
