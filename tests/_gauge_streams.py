"""Streams of gauge and counter readings, as a newcomer's metering feeds them.

Two accounts, each with two resources read by every sample policy of ratekit (a peak, a
low, the latest value, a time-weighted mean over the known time and over the period, a
count, a unique count, a percentile, a counter from zero and a plain one with resets),
whose events start, re-describe (a tier changed mid-piece), stop and delete them (a START
after a DELETE is an ``after_delete``; with ``inventories``, a listing opens a deleted
resource again, and a ``last_seen`` one closes at the last reading). The readings fall on
a 15-minute grid over four days (UTC, or Zurich's days around its 23-hour day), some
exactly at a midnight or at the instant a price (or account b's plan) changes, some tied
at one instant and ordered by ``seq``, some without an id, a few of 20 digits or deltas
over a span; they arrive late (within the rater's horizon, or, for ``beyond``, past it),
in random batches, shuffled, with replays and an other version of an id fed once;
statements come at random watermarks (at a reading's instant, at a midnight, several with
nothing new), and the rater is restored through JSON, copied or pickled at random points.

`run` feeds a drawn stream and `check_law` compares what it said with one batch
`rk.rate()` over the records it took: per account, cycle and line, as
`fractions.Fraction`, to the last digit; `check_accounted` checks that every record fed
is named.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pickle
import random
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import ratekit as rk
from ratekit._instants import format_us, to_us

Record = rk.Event | rk.Sample | rk.Inventory
Sums = dict[tuple[object, ...], tuple[Fraction, Fraction]]

MINUTE_US = 60_000_000
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US
DAYS = 4


@dataclass(frozen=True)
class Shape:
    """Where a stream runs: its daily cycles' zone and first day."""

    tz: str
    start: str

    @property
    def t0(self) -> int:
        return to_us(self.start)

    @property
    def cycles(self) -> rk.cycles.Cycle:
        return rk.cycles.daily(tz=self.tz)

    @property
    def change_us(self) -> int:
        """Where the prices of `peak` and `mean` change: 37 h 15 min in, on the grid."""
        return self.t0 + 37 * HOUR_US + 15 * MINUTE_US

    @property
    def switch_us(self) -> int:
        """Where account b changes plan, when it does: 50 h 15 min in, on the grid."""
        return self.t0 + 50 * HOUR_US + 15 * MINUTE_US

    def midnight(self, at_us: int) -> int:
        """The start of the local day that holds ``at_us``."""
        return self.cycles.containing(format_us(at_us)).start_us


UTC = Shape("UTC", "2026-03-01T00:00:00Z")
#: Zurich's days around its clock change of 29 March 2026: a day of 23 hours.
ZURICH = Shape("Europe/Zurich", "2026-03-28T00:00:00+01:00")

GAUGES = {
    "peak": rk.Max(),
    "low": rk.Min(),
    "last": rk.Latest(),
    "mean": rk.TimeWeightedMean(),
    "meanp": rk.TimeWeightedMean(over="period"),
    "n": rk.Count(),
    "uniq": rk.UniqueCount(),
    "p90": rk.Percentile(90),
}
METERS = [
    *(rk.Meter(name, "user", policy) for name, policy in GAUGES.items()),
    rk.Meter("cpu", "s", rk.Counter(from_zero=True)),
    rk.Meter("eg", "B", rk.Counter()),
    rk.Meter("vm", "hour", rk.OnOff()),
]
COUNTERS = ("cpu", "eg")


def _entries(shape: Shape, peak: str) -> list[rk.PriceEntry]:
    change = format_us(shape.change_us)
    prices = {"low": "0.11", "last": "0.13", "meanp": "0.17", "n": "0.019", "uniq": "0.023"}
    return [
        rk.PriceEntry("peak", "peak", rk.Graduated([rk.Tier(5, peak), rk.Tier(None, "0.2")])),
        rk.PriceEntry("peak2", "peak", rk.PerUnit("0.7"), start=change, priority=1),
        rk.PriceEntry("gold", "peak", rk.PerUnit("0.9"), where={"tier": "gold"}, priority=2),
        rk.PriceEntry("mean", "mean", rk.PerUnit("0.29")),
        rk.PriceEntry("mean2", "mean", rk.PerUnit("0.31"), start=change, priority=1),
        *(rk.PriceEntry(name, name, rk.PerUnit(price)) for name, price in prices.items()),
        rk.PriceEntry("p90", "p90", rk.Volume([rk.Tier(8, "0.05"), rk.Tier(None, "0.04")])),
        rk.PriceEntry("cpu", "cpu", rk.PerUnit("0.0007")),
        rk.PriceEntry("eg", "eg", rk.Graduated([rk.Tier(3000, "0.0001"), rk.Tier(None, "0.00003")])),
        rk.PriceEntry("vm", "vm", rk.PerUnit("0.037")),
    ]  # fmt: skip


def plans(
    shape: Shape, *, switch: bool = False, extras: bool = False
) -> rk.Plan | tuple[rk.Assignment, ...]:
    """One plan for both accounts, or (``switch``) account b moving to another mid-day;
    with ``extras``, allowances of a peak and of a count (weekly), a minimum of the peak
    and one of the plan, and a fee."""
    more: dict[str, typing.Any] = {}
    if extras:
        weekly = rk.cycles.weekly(tz=shape.tz, weekday="monday")
        more = {
            # a weekly allowance of a mean may leave a 1E-59 residue no statement can price
            # (tests/test_rater_gauge_newcomer_faults.py): the weekly one is of a count
            "allowances": [rk.Allowance("peak", 3), rk.Allowance("n", 6, cycle=weekly)],
            "minimums": [rk.Minimum("1.5", meter="peak"), rk.Minimum("4")],
            "fees": [rk.Fee("base", "0.4")],
        }
    gauges = rk.Plan("gauges", "EUR", shape.cycles, _entries(shape, "0.3"), **more)
    if not switch:
        return gauges
    pro = rk.Plan("pro", "EUR", shape.cycles, _entries(shape, "0.25"), fees=[rk.Fee("f", "0.5")])
    at = format_us(shape.switch_us)
    return (rk.Assignment("a", gauges), rk.Assignment("b", gauges, end=at),
            rk.Assignment("b", pro, start=at))  # fmt: skip


@dataclass
class Drawn:
    """A drawn stream: its records in the order they arrive, and what is done with them."""

    records: list[Record]
    #: ``("feed", batch)``, ``("statement", as_of_us)`` or ``("restore", how)`` (``"json"``,
    #: ``"copy"`` or ``"pickle"``)
    ops: list[tuple[str, object]]
    horizon: dt.timedelta
    shape: Shape
    plans: rk.Plan | tuple[rk.Assignment, ...]
    late: typing.Literal["correct", "report"]


def _instant(rng: random.Random, shape: Shape) -> int:
    pick = rng.random()
    if pick < 0.1:  # a midnight: a cycle boundary
        return shape.midnight(shape.t0 + rng.randrange(1, DAYS) * DAY_US + 12 * HOUR_US)
    if pick < 0.15:  # the price change (and b's plan change)
        return rng.choice([shape.change_us, shape.switch_us])
    return shape.t0 + rng.randrange(DAYS * 24 * 4) * 15 * MINUTE_US


def draw_records(rng: random.Random, shape: Shape, *, inventories: bool = False) -> list[Record]:  # noqa: PLR0912 - one stream, told in order
    """The records of one stream, in time order of nothing in particular."""
    out: list[Record] = []

    def key() -> str:
        return f"k{len(out)}"

    for account in "ab":
        for resource in ("r1", "r2"):
            # events: a start, a tier changed mid-piece, stops, deletes, starts again
            for _ in range(rng.randrange(0, 6)):
                kind = rng.choice(["start", "start", "start", "update", "update", "stop", "delete"])
                attributes = None
                if kind in {"start", "update"} and rng.random() < 0.7:
                    attributes = {"tier": rng.choice(["gold", "plain"])}
                at = format_us(_instant(rng, shape))
                out.append(rk.Event(account, resource, at, attributes, kind=kind, id=key()))  # type: ignore[arg-type]
            for meter in GAUGES:
                if rng.random() < 0.3:
                    continue
                low = -5 if meter in {"low", "mean", "meanp", "last"} else 0
                for _ in range(rng.randrange(1, 6)):
                    value: int | Decimal = rng.randrange(low, 20)
                    if rng.random() < 0.1:
                        value = rng.choice([0, 7])  # equal values: ties in a peak or a unique count
                    elif rng.random() < 0.05:  # many digits: a mean rounds at its 60th
                        value = Decimal(f"{rng.randrange(20)}.{rng.randrange(10**19):019}")
                    at = format_us(_instant(rng, shape))
                    gauge_id = key() if rng.random() < 0.9 else None  # known by its content
                    seq = rng.randrange(3) if rng.random() < 0.2 else None
                    if rng.random() < 0.05:  # a delta over a span: read at its instant
                        since = format_us(to_us(at) - HOUR_US)
                        out.append(rk.Sample(account, resource, meter, at, value, id=gauge_id, since=since))  # fmt: skip
                        continue
                    out.append(rk.Sample(account, resource, meter, at, value, kind="gauge", id=gauge_id, seq=seq))  # fmt: skip
            for meter in COUNTERS:
                if rng.random() < 0.3:
                    continue
                value = 0
                for _ in range(rng.randrange(1, 6)):
                    value = rng.randrange(50) if rng.random() < 0.2 else value + rng.randrange(900)
                    at = format_us(_instant(rng, shape))
                    out.append(
                        rk.Sample(account, resource, meter, at, value, kind="counter", id=key())
                    )
    if inventories:  # listings that open a deleted resource again, or close one
        for _ in range(rng.randrange(3)):
            listed = [(a, r) for a in "ab" for r in ("r1", "r2") if rng.random() < 0.6]
            close = rng.choice(["snapshot", "last_seen"])
            accounts = [rng.choice("ab")] if rng.random() < 0.3 else None
            if accounts:  # a scoped listing lists its accounts' resources alone
                listed = [(a, r) for a, r in listed if a in accounts]
            at = format_us(_instant(rng, shape))
            out.append(rk.Inventory(at, listed, close=close, accounts=accounts, id=key()))  # type: ignore[arg-type]
    # Counter readings of one counter at one instant: keep the first drawn (a tie of two
    # values is a rise; fine, but several make the stream hard to read when it fails).
    seen: set[tuple[str, str, str, int]] = set()
    unique: list[Record] = []
    for record in out:
        if isinstance(record, rk.Sample) and record.kind == "counter":
            place = (record.account, record.resource, record.meter, record.at_us)
            if place in seen:
                continue
            seen.add(place)
        unique.append(record)
    return unique


def _other_version(record: Record) -> Record:
    if isinstance(record, rk.Sample):
        kind = record.kind
        value = record.value + 1
        return rk.Sample(record.account, record.resource, record.meter, record.at, value, kind=kind, id=record.id, seq=record.seq)  # fmt: skip
    if isinstance(record, rk.Inventory):  # the same id listing nothing
        return rk.Inventory(record.at, [], close=record.close, id=record.id)
    return rk.Event(record.account, record.resource, record.at, {"tier": "other"}, kind=record.kind, id=record.id)  # fmt: skip


def draw(
    seed: int,
    *,
    beyond: bool = False,
    shape: Shape = UTC,
    switch: bool = False,
    late: typing.Literal["correct", "report"] = "correct",
    inventories: bool = False,
    extras: bool = False,
) -> Drawn:
    """A stream of `draw_records`, cut into arrivals, batches, statements and restores.

    Within the horizon (``beyond=False``): a horizon of 12 hours, records up to 30 hours
    late, so they are late for closed cycles, kept, and seldom stamped before the kept
    cycles (a watermark may run a few hours ahead of the feed); a counter's increment
    from a reading in a compacted cycle is too late in part. ``beyond=True``: a horizon
    of three hours, samples up to 36 hours late (events and listings on time), so some
    are too late.
    """
    rng = random.Random(seed)
    records = draw_records(rng, shape, inventories=inventories)
    horizon = dt.timedelta(hours=3 if beyond else 12)
    late_us = (36 if beyond else 30) * HOUR_US

    def arrival(record: Record) -> int:
        if beyond and not isinstance(record, rk.Sample):  # events and listings on time
            return record.at_us
        return record.at_us + (rng.randrange(late_us // MINUTE_US) * MINUTE_US if rng.random() < 0.4 else 0)  # fmt: skip

    arrivals = sorted(((arrival(r), i, r) for i, r in enumerate(records)), key=lambda x: x[:2])
    ops: list[tuple[str, object]] = []
    fed: list[Record] = []
    watermark, position = shape.t0, 0
    while position < len(arrivals):
        size = rng.choice([1, 1, 2, 3, 5, 8])
        chunk = arrivals[position : position + size]
        position += size
        batch = [r for _, _, r in chunk]
        if fed and rng.random() < 0.2:  # a poller's overlap: records fed before, again
            batch += rng.sample(fed, min(len(fed), rng.randrange(1, 3)))
        if fed and rng.random() < 0.03:  # an other version of an id taken before
            batch.append(_other_version(rng.choice(fed)))
        rng.shuffle(batch)
        fed += [r for _, _, r in chunk]
        ops.append(("feed", batch))
        now = chunk[-1][0]
        for _ in range(rng.choice([0, 1, 1, 2])):
            pick = rng.random()
            if pick < 0.3:  # a reading's instant: at or behind the feed
                candidates = [r.at_us for r in fed if watermark <= r.at_us <= now]
                target = rng.choice(candidates) if candidates else watermark
            elif pick < 0.45:  # a midnight
                target = max(watermark, shape.midnight(now))
            elif pick < 0.6:  # nothing new: the same watermark again
                target = watermark
            else:
                target = watermark + rng.randrange(0, 180) * MINUTE_US
            watermark = max(watermark, target)
            ops.append(("statement", watermark))
        if rng.random() < 0.3:  # through JSON, or a copy, or a pickle
            ops.append(("restore", rng.choice(["json", "json", "copy", "pickle"])))
    end = shape.midnight(shape.t0 + DAYS * DAY_US + 12 * HOUR_US)
    ops.append(("statement", max(watermark, end)))
    ops.append(("statement", max(watermark, end) + 3 * DAY_US))
    return Drawn(records, ops, horizon, shape, plans(shape, switch=switch, extras=extras), late)


@dataclass
class Run:
    """What a stream said: its feeds, statements, the records taken and the kept start."""

    drawn: Drawn
    feeds: list[rk.Feed] = field(default_factory=list)
    statements: list[rk.Statement] = field(default_factory=list)
    taken: list[Record] = field(default_factory=list)
    fed: list[Record] = field(default_factory=list)
    #: where the kept cycles started at the last feed that named a record too late
    too_late_base_us: int | None = None

    @property
    def lines(self) -> list[rk.StatementLine]:
        """Every line said: charged, and under ``late="report"`` reported only."""
        return [
            line
            for statement in self.statements
            for line in (*statement.lines, *statement.reported_only)
        ]


def run(drawn: Drawn, *, meters: Sequence[rk.Meter] = METERS) -> Run:
    """Feed ``drawn`` to a rater, restoring it through JSON where drawn."""
    start, plan = drawn.shape.start, drawn.plans
    rater = rk.Rater(plan, meters, start=start, horizon=drawn.horizon, late=drawn.late)
    out = Run(drawn)
    ids: set[str] = set()
    for what, value in drawn.ops:
        if what == "feed":
            assert isinstance(value, list)
            feed = rater.feed(value)
            out.feeds.append(feed)
            out.fed += value
            for record in value:
                # the version taken first stands (an other version comes in a later batch);
                # a record without an id is known by its content
                if record.id is None and record not in out.taken:
                    out.taken.append(record)
                elif record.id is not None and record.id not in ids:
                    ids.add(record.id)
                    out.taken.append(record)
            if feed.counts["too_late"]:  # a record without an id is counted, not listed
                out.too_late_base_us = rater._base_us
        elif what == "statement":
            assert isinstance(value, int)
            out.statements.append(rater.statement(format_us(value)))
        elif value == "copy":
            rater = rater.copy()
        elif value == "pickle":
            rater = pickle.loads(pickle.dumps(rater))
        else:
            data = json.loads(json.dumps(rater.snapshot()))
            rater = rk.Rater.restore(data, plan, list(meters))
    return out


def line_sums(lines: Iterable[rk.StatementLine], since_us: int | None = None) -> Sums:
    """The lines summed per key, exactly (the cycles from ``since_us`` on, if given)."""
    out: Sums = {}
    for line in lines:
        if since_us is not None and line.cycle.start_us < since_us:
            continue
        quantity, amount = out.get(line.key, (Fraction(0), Fraction(0)))
        out[line.key] = (quantity + Fraction(line.quantity), amount + Fraction(line.amount))
    return {key: value for key, value in out.items() if value != (0, 0)}


def charge_sums(charges: Iterable[rk.Charge], since_us: int | None = None) -> Sums:
    """Batch charges summed per the key of a statement line, exactly."""
    out: Sums = {}
    for c in charges:
        if since_us is not None and c.cycle.start_us < since_us:
            continue
        key = (c.account, c.cycle.start_us, c.cycle.end_us, c.kind, c.plan, c.meter, c.entry)
        key = (*key, c.resource, c.unit, c.currency)
        quantity, amount = out.get(key, (Fraction(0), Fraction(0)))
        out[key] = (quantity + Fraction(c.quantity), amount + Fraction(c.amount))
    return {key: value for key, value in out.items() if value != (0, 0)}


def batch(said: Run, *, meters: Sequence[rk.Meter] = METERS) -> rk.Rating:
    """One batch `rk.rate()` of the records taken, over the stream's cycles, as of its
    last watermark."""
    shape = said.drawn.shape
    as_of = said.statements[-1].as_of
    last = shape.cycles.containing(as_of - dt.timedelta(microseconds=1))
    span = rk.Span(shape.start, last.end)
    return rk.rate(said.taken, said.drawn.plans, span=span, meters=list(meters), as_of=as_of)


def check_law(said: Run, *, meters: Sequence[rk.Meter] = METERS) -> None:
    """The statements add up to one batch `rk.rate()`: every cycle when nothing came too
    late, else the cycles kept at the last feed that named a record too late, and after."""
    since = said.too_late_base_us
    expected = charge_sums(batch(said, meters=meters).charges, since)
    assert line_sums(said.lines, since) == expected


def accounted(said: Run) -> set[str]:
    """The ids the stream's lines, invoices, anomalies and lists name."""
    named: set[str] = set()
    for line in said.lines:
        named.update(line.record_ids)
    for statement in said.statements:
        named.update(statement.no_effect)
        for anomaly in statement.anomalies:
            named.update(anomaly.record_ids)
        for invoice in statement.invoices:
            for invoice_line in invoice.lines:
                for charge in invoice_line.charges:
                    named.update(charge.record_ids)
    for feed in said.feeds:
        named.update((*feed.duplicates, *feed.conflicting, *feed.too_late))
        for anomaly in feed.anomalies:
            named.update(anomaly.record_ids)
    return named


def check_accounted(said: Run) -> None:
    """Every record fed is named somewhere."""
    missing = {r.id for r in said.fed if r.id is not None} - accounted(said)
    assert not missing, sorted(missing)


def restored_everywhere(drawn: Drawn) -> tuple[Drawn, Drawn]:
    """``drawn`` never restored, and restored through JSON after every feed and statement."""
    plain = [op for op in drawn.ops if op[0] != "restore"]
    always = [step for op in plain for step in (op, ("restore", "json"))]
    return dataclasses.replace(drawn, ops=plain), dataclasses.replace(drawn, ops=always)


def told(said: Run) -> list[tuple[object, ...]]:
    """Everything a stream's feeds and statements said, in order, as plain values."""

    def anomalies(of: Iterable[rk.Anomaly]) -> tuple[object, ...]:
        return tuple((a.kind, a.record_ids, a.meter, a.quantity, a.message) for a in of)

    out: list[tuple[object, ...]] = [
        (feed.accepted, feed.late, feed.too_late, feed.duplicates, feed.conflicting,
         tuple(feed.counts.items()), anomalies(feed.anomalies))
        for feed in said.feeds
    ]  # fmt: skip
    for s in said.statements:
        lines = tuple((x.role, x.key, x.quantity, x.amount, x.late, x.record_ids) for x in s.lines)
        reported = tuple((x.role, x.key, x.quantity, x.amount) for x in s.reported_only)
        invoices = tuple((i.account, i.cycle, i.total, i.precise_total) for i in s.invoices)
        out.append((s.as_of, lines, reported, anomalies(s.anomalies), s.closed, s.no_effect, invoices))  # fmt: skip
    return out
